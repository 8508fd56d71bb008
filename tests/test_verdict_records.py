"""Rows computed by columns equal the verdicts built one by one, field for field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ownership import analyze, load
from ownership.checks import check_dataset
from ownership.model import Dataset, Entity
from ownership.rules import RULES
from ownership.verdict_records import verdict_rows

from .factories import controls, dataset, dated_datasets, listed, owns
from .rules.test_golden import CASES, build

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "inspur.yaml"
DAYS = [dt.date(2020, 1, 1), dt.date(2025, 10, 1), dt.date(2026, 1, 5), dt.date(2026, 11, 23)]
SHARES = ["0", "10", "33.3", "16.4", "0.3", "50", "0.125", "100", "2.5", "25.00"]


def one_by_one(dataset: Dataset, rule: str, day: dt.date) -> list[dict[str, object]]:
    return [v.to_dict() for v in analyze(dataset, rule, day).verdicts()]


def by_columns(dataset: Dataset, rule: str, day: dt.date) -> list[dict[str, object]]:
    return list(verdict_rows(analyze(dataset, rule, day)))


@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("day", DAYS, ids=str)
def test_rows_equal_verdicts_on_the_inspur_fixture(rule: str, day: dt.date) -> None:
    dataset = load(FIXTURE)
    rows = by_columns(dataset, rule, day)
    assert rows == one_by_one(dataset, rule, day)
    assert len(rows) == len(dataset.entities)
    if (rule, day) == ("bis-affiliates", dt.date(2025, 10, 1)):
        assert {row["status"] for row in rows} == {"listed", "exposed", "clear"}


VALID_CASES = [c for c in CASES if "error" not in c["expect"]]


@pytest.mark.parametrize("case", VALID_CASES, ids=[c["name"] for c in VALID_CASES])
def test_rows_equal_verdicts_on_every_rules_case(case: dict[str, object]) -> None:
    dataset = build(case)
    day = dt.date.fromisoformat(str(case["as_of"]))
    rule = str(case["rule"])
    if rule not in RULES:
        pytest.skip(f"custom rule {rule}")
    assert by_columns(dataset, rule, day) == one_by_one(dataset, rule, day)


def test_rows_carry_shares_as_written_and_sorted_owners() -> None:
    data = dataset(
        owns("x", "a", "50.00"),
        owns("y", "a", None, minimum="10", exclusiveMaximum="20"),
        controls("y", "a"),
        listed("x"),
        listed("y"),
    )
    [row] = [r for r in by_columns(data, "ofac-50", DAYS[0]) if r["id"] == "a"]
    assert [(o["owner"], o["share"], o["percent_min"]) for o in row["owners"]] == [
        ("x", "50%", 50.0),
        ("y", "10-<20%", 10.0),
        ("y", "control", 0.0),
    ]
    assert row["legal_percent"] == 60.0 and row["legal_percent_max"] == 70.0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dated_datasets(DAYS, SHARES, renames=True, arrangements=True),
    st.sampled_from(DAYS),
    st.sampled_from(sorted(RULES)),
)
def test_rows_equal_verdicts_on_random_graphs(dataset: Dataset, day: dt.date, rule: str) -> None:
    assume(not check_dataset(dataset))  # overfull stakes or closed rings are refused
    assert by_columns(dataset, rule, day) == one_by_one(dataset, rule, day)


def test_a_name_ending_in_a_stop_ends_its_sentence_once() -> None:
    data = dataset(
        Entity(id="b", name="Beta Co., Ltd."),
        Entity(id="c", name="Gamma ..."),
        owns("x", "b", 60),
        owns("b", "c", 60),
        listed("x"),
    )
    rows = {r["id"]: r for r in by_columns(data, "ofac-50", DAYS[0])}
    assert "Chain: X -> Beta Co., Ltd. Look-through share 60%." in rows["b"]["explanation"]
    assert "Chain: X -> Beta Co., Ltd. -> Gamma .... Look-through" in rows["c"]["explanation"]
