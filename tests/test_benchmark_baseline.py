"""The benchmark's hand-written floor (``benchmarks/baseline.py``) gives the engine's
covered sets on a generated dataset: it is a floor for the same job, and an independent
check of the seed lists (the 744.8(a)(1) programmes are written out there on their own)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pytest

from ownership import analyze, load

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
DAY = dt.date(2025, 10, 1)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from generate import generate, write_folder
    finally:
        sys.path.remove(str(BENCHMARKS))
    out = tmp_path_factory.mktemp("bench") / "3k"
    write_folder(generate(3000, seed=11), out, quiet=True)
    return out


@pytest.mark.parametrize("rule", ["ofac-50", "bis-affiliates"])
def test_the_baseline_covers_what_the_engine_covers(folder: Path, rule: str) -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from baseline import build, covered, seeds
    finally:
        sys.path.remove(str(BENCHMARKS))
    graph = build(folder, DAY)
    expected = covered(graph.graph, seeds(folder, rule, DAY), limit=50 * graph.scale)
    result = analyze(load(folder), rule, DAY)
    assert result.lower is not None
    got = {result.compiled.ids[i] for i in np.flatnonzero(result.lower.covered)}
    assert got == expected
    assert len(got) > len(seeds(folder, rule, DAY))  # something is covered beyond the seeds


@pytest.mark.parametrize("rule", ["ofac-50", "bis-affiliates"])
def test_the_baseline_gives_every_entity_the_engines_status(folder: Path, rule: str) -> None:
    """``benchmarks/against_networkx.py`` times the tool against this baseline and holds
    their statuses equal: listed, covered (out-of-scope countries left out), exposed."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from baseline import OUT_OF_SCOPE, build, covered, seeds, statuses
    finally:
        sys.path.remove(str(BENCHMARKS))
    graph = build(folder, DAY)
    seed_ids = seeds(folder, rule, DAY)
    covered_ids = covered(graph.graph, seed_ids, limit=50 * graph.scale)
    expected = statuses(graph.graph, seed_ids, covered_ids, OUT_OF_SCOPE[rule])
    result = analyze(load(folder), rule, DAY)
    got = {eid: status.value for eid, status in result.statuses().items()}
    assert got == expected
    assert set(expected.values()) == {"listed", "covered", "exposed", "clear"}


@pytest.mark.parametrize("rule", ["ofac-50", "bis-affiliates"])
def test_the_scipy_floor_covers_what_the_engine_covers(folder: Path, rule: str) -> None:
    """``benchmarks/floor_cascade.py``, the floor ``output_formats.py`` times the command
    against, does the same job: its covered set is the engine's lower fixed point."""
    import json
    import subprocess

    sys.path.insert(0, str(BENCHMARKS))
    try:
        from output_formats import _seed_lists
    finally:
        sys.path.remove(str(BENCHMARKS))
    seed_lists = json.dumps(_seed_lists(folder, rule))
    script = str(BENCHMARKS / "floor_cascade.py")
    done = subprocess.run(
        [sys.executable, script, str(folder), DAY.isoformat(), seed_lists],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = [line.split(",") for line in done.stdout.splitlines()[1:]]
    found = {entity for entity, status in rows if status in ("listed", "covered")}
    result = analyze(load(folder), rule, DAY)
    assert result.lower is not None
    assert found == {result.compiled.ids[i] for i in np.flatnonzero(result.lower.covered)}
    assert len(found) > sum(status == "listed" for _, status in rows)
