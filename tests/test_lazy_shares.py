"""Look-through shares are worked out only when read, unless the rule or a store needs
them: statuses alone never wait for them, and what is read is what an eager run gives."""

from __future__ import annotations

import datetime as dt
import io
import pickle
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import ownership.computed as computed_module
from ownership import facade
from ownership.checks import check_dataset
from ownership.cli import app
from ownership.computed import compute
from ownership.facade import analyze
from ownership.io.native_format import write_csv_folder
from ownership.model import Dataset
from ownership.propagate import look_through
from ownership.rules import get_rule
from ownership.verdict import chosen_fields
from ownership.verdict_json import reads_shares, write_verdict_csv, write_verdict_lines

from .factories import dataset, dated_datasets, listed, owns

DAYS = [dt.date(2020, 1, 1), dt.date(2025, 10, 1)]
SHARES = ["10", "50", "60", "100", "25.5", "0"]
RULES = ["ofac-50", "bis-affiliates", "eu", "uk", "look-through"]


def _group() -> Dataset:
    return dataset(listed("p"), owns("p", "a", 60), owns("a", "b", 50), owns("p", "b", 20))


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the engine works the shares out."""
    calls: list[int] = []

    def counting(c: object) -> np.ndarray:
        calls.append(1)
        return look_through(c)  # type: ignore[arg-type]

    monkeypatch.setattr(computed_module, "look_through", counting)
    return calls


def test_statuses_of_a_rule_without_look_through_do_not_work_shares_out(
    counted: list[int],
) -> None:
    result = analyze(_group(), "ofac-50", "2025-10-01")
    assert result.status("b").value == "covered"
    assert counted == []
    assert result.effective[result.compiled.index["b"]] == pytest.approx(0.5)
    assert result.effective is result.effective
    assert counted == [1]


def test_the_look_through_rule_works_shares_out_with_its_statuses(counted: list[int]) -> None:
    analyze(_group(), "look-through", "2025-10-01")
    assert counted == [1]


def test_threads_reading_the_shares_at_once_work_them_out_once(counted: list[int]) -> None:
    result = analyze(_group(), "bis-affiliates", "2025-10-01")
    start = threading.Barrier(8)
    seen: list[np.ndarray] = []

    def read() -> None:
        start.wait()
        seen.append(result.effective)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counted == [1]
    assert all(found is seen[0] for found in seen)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dated_datasets(DAYS, SHARES, arrangements=True), st.sampled_from(DAYS), st.sampled_from(RULES)
)
def test_shares_read_later_are_those_worked_out_with_the_statuses(
    data: Dataset, day: dt.date, rule: str
) -> None:
    if check_dataset(data):
        return
    lazy = compute(data, get_rule(rule), day, lambda _: None)
    eager = compute(data, get_rule(rule), day, lambda _: None, with_shares=True)
    assert eager.shares is not None
    assert (lazy.shares is None) == (rule != "look-through")
    assert np.array_equal(lazy.codes, eager.codes)
    assert np.array_equal(lazy.effective, eager.effective)


@pytest.mark.parametrize("csv", [False, True])
def test_a_writer_reads_the_shares_exactly_when_its_fields_say_so(csv: bool) -> None:
    every = chosen_fields(None, csv=csv)
    for field in [*every, None]:
        fields = None if field is None else [field]
        result = analyze(_group(), "ofac-50", "2025-10-01")
        write = write_verdict_csv if csv else write_verdict_lines
        write(result, io.BytesIO(), fields=fields)
        read = result.computed.shares is not None
        assert read == reads_shares(fields, csv=csv), field


def test_commands_work_shares_out_with_the_statuses_only_when_they_show_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    write_csv_folder(_group(), folder)
    asked: list[bool] = []
    real = facade.Analysis.__init__

    def noting(self: object, *args: object, shares: bool = False, **kwargs: object) -> None:
        asked.append(shares)
        real(self, *args, shares=shares, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(facade.Analysis, "__init__", noting)
    for command, expected in [
        (["analyze", "--format", "jsonl"], True),
        (["analyze", "--format", "csv", "--fields", "id,status,chain"], False),
        (["analyze", "--format", "jsonl", "--fields", "id,effective_percent"], True),
        (["analyze", "--format", "table"], True),
        (["explain", "b"], True),
        (["affiliates", "p"], True),
    ]:
        options = ["--data", str(folder), "--as-of", "2025-10-01"]
        result = CliRunner().invoke(app, ["--no-cache", *command, *options])
        assert result.exit_code == 0, result.output
        assert asked.pop() is expected, command


@pytest.mark.parametrize("read_first", [False, True])
def test_an_analysis_pickled_before_or_after_its_shares_are_read_keeps_them(
    read_first: bool, counted: list[int]
) -> None:
    result = analyze(_group(), "ofac-50", "2025-10-01")
    if read_first:
        expected = result.effective.copy()
    copy = pickle.loads(pickle.dumps(result))
    assert copy.status("b") == result.status("b")
    assert np.array_equal(copy.effective, result.effective)
    if read_first:
        assert np.array_equal(copy.effective, expected)
    assert len(counted) == (1 if read_first else 2)  # each copy works them out once
