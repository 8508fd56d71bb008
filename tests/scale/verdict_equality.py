"""The comparison the scale engines' tests share: an engine's verdict columns against the
default engine's verdicts of the same dataset, rule and date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from ownership import analyze
from ownership.columns import columns_of
from ownership.model import Dataset, fmt_decimal
from ownership.rules import get_rule
from ownership.rules.base import Rule
from ownership.scale.engine import run_rule
from ownership.scale.output import verdict_query
from ownership.scale.tables import tables_of
from ownership.verdict_records import verdict_rows

#: Rules on dates inside and outside their windows and threshold changes.
CASES = [
    ("ofac-50", "2024-01-01"),
    ("bis-affiliates", "2025-10-01"),
    ("bis-affiliates", "2025-01-01"),
    ("eu", "2024-07-02"),
    ("eu", "2024-07-03"),
    ("look-through", "2024-01-01"),
]

#: Share bounds around the 50% threshold: inclusive and exclusive ties, and below it.
TIE_BOUNDS = [
    {"minimum": 40, "maximum": 50},
    {"minimum": 40, "exclusiveMaximum": 50},
    {"exclusiveMinimum": 50, "maximum": 60},
    {"minimum": 50, "maximum": 60},
    {"minimum": 20, "maximum": 30},
]

#: The columns held exactly equal (effective percents within 1e-9 apart).
EXACT_COLUMNS = [
    "id",
    "status",
    "flags",
    "legal_percent",
    "legal_percent_max",
    "nearest_listed",
    "chain",
    "chain_via",
]


def rule_of(rule: str | Rule) -> Rule:
    return get_rule(rule) if isinstance(rule, str) else rule


def engine_rows(
    executor: Any,
    fetch: Callable[[str], list[dict[str, Any]]],
    dataset: Dataset,
    rule_name: str | Rule,
    day: str,
) -> list[dict[str, Any]]:
    """The engine's verdict rows (``fetch`` runs a query and gives dicts)."""
    executor.sources(tables_of(columns_of(dataset)))
    run = run_rule(executor, rule_of(rule_name), dt.date.fromisoformat(day))
    return fetch(verdict_query(executor, run, lists=True))


def assert_same_effective(
    dataset: Dataset, rule_name: str | Rule, day: str, shares: dict[int, float]
) -> None:
    """The engine's look-through shares (table ``shares``, by position, 0..1) within 1e-9
    percent of the default engine's, unrounded; those it leaves out are 0."""
    effective = analyze(dataset, rule_of(rule_name), day).effective
    for position, expected in enumerate(effective.tolist()):
        assert abs(shares.get(position, 0.0) - expected) * 100 <= 1e-9, (rule_name, position)


def assert_same_verdicts(
    dataset: Dataset, rule_name: str | Rule, day: str, rows: list[dict[str, Any]]
) -> None:
    analysis = analyze(dataset, rule_of(rule_name), day)
    expected = list(verdict_rows(analysis))
    assert [r["id"] for r in rows] == [e["id"] for e in expected]
    effective = analysis.effective * 100
    for position, (row, want) in enumerate(zip(rows, expected, strict=True)):
        found = {
            **row,
            "flags": [f for f in (row["flags"] or "").split(";") if f],
            "chain": list(row["chain"] or []),
        }
        wanted = {
            **want,
            "legal_percent": fmt_decimal(want["legal_percent"]),
            "legal_percent_max": fmt_decimal(want["legal_percent_max"]),
        }
        for column in EXACT_COLUMNS:
            assert found[column] == wanted[column], (rule_name, day, row["id"], column)
        assert abs(row["effective_percent"] - round(effective[position], 6)) <= 1e-6 + 1e-9, (
            rule_name,
            day,
            row["id"],
        )
