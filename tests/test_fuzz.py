"""The command line survives a seeded fuzzing run: no traceback, no hang, no blowup.

A few hundred cases drawn from every input format and mutation family (see
``tests/fuzzing``) run in worker processes; any failing case is listed, one line per
distinct failure, with the folder its inputs and command line were saved to.
``pytest tests/test_fuzz.py --fuzz-cases 5000`` runs a longer campaign.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fuzzing import FAILURES, FAMILIES, Outcome, failure_lines, plan, run_recipes, summary

pytestmark = pytest.mark.fuzz


@pytest.fixture(scope="module")
def fuzz_outcomes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[Outcome], Path]:
    """Run the plan once per session of this module; failing cases are kept for replay."""
    cases = int(request.config.getoption("--fuzz-cases"))
    seed = int(request.config.getoption("--fuzz-seed"))
    save = tmp_path_factory.mktemp("fuzz")
    outcomes: list[Outcome] = []
    run_recipes(
        plan(seed, cases),
        workers=min(2, os.cpu_count() or 1),
        save_dir=save,
        on_result=outcomes.append,
    )
    return outcomes, save


def test_plan_is_deterministic_and_covers_every_family() -> None:
    first, again = plan(7, 300), plan(7, 300)
    assert first == again
    assert {r.family for r in first} == set(FAMILIES)


def test_fuzzing_finds_no_traceback_hang_or_blowup(
    fuzz_outcomes: tuple[list[Outcome], Path],
) -> None:
    outcomes, save = fuzz_outcomes
    failed = [o for o in outcomes if o.outcome in FAILURES]
    if failed:
        pytest.fail(
            f"{len(failed)} of {len(outcomes)} fuzzing cases failed (saved under {save}):\n\n"
            + "\n\n".join(failure_lines(failed))
            + "\n\n"
            + summary(outcomes),
            pytrace=False,
        )
