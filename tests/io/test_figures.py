"""Several statements of one stake in one input read as one (ownership.io.figures)."""

from __future__ import annotations

import datetime as dt

from ownership.io.figures import merge_statements
from ownership.io.provenance import Statement, Where
from ownership.model import Holding


def _merge(*rows: tuple[dict[str, object], Statement | None]) -> list[tuple[str, object, object]]:
    holdings = [Holding.model_validate({"owner": "x", "owned": "a", **data}) for data, _ in rows]
    wheres = [Where("f.json", line=k + 1) for k in range(len(rows))]
    merged, _, _ = merge_statements(holdings, wheres, [statement for _, statement in rows])
    return [(h.share_text(), h.start, h.end) for h in merged]


def test_overlapping_statements_are_the_range_they_span_day_by_day() -> None:
    assert _merge(
        ({"percent": 50, "start": "2019-01-01"}, Statement("s1")),
        ({"percent": 48, "start": "2021-01-01", "end": "2022-12-31"}, Statement("s2")),
    ) == [
        ("50%", dt.date(2019, 1, 1), dt.date(2020, 12, 31)),
        ("48-50%", dt.date(2021, 1, 1), dt.date(2022, 12, 31)),
        ("50%", dt.date(2023, 1, 1), None),
    ]


def test_statements_of_other_share_classes_or_days_stay_apart() -> None:
    classes = (
        ({"percent": 30}, Statement("s1", "ordinary")),
        ({"percent": 20}, Statement("s2", "preference")),
    )
    assert _merge(*classes) == [("30%", None, None), ("20%", None, None)]
    apart = (
        ({"percent": 30, "end": "2020-12-31"}, Statement("s1")),
        ({"percent": 60, "start": "2021-01-01"}, Statement("s2")),
    )
    assert _merge(*apart) == [
        ("30%", None, dt.date(2020, 12, 31)),
        ("60%", dt.date(2021, 1, 1), None),
    ]


def test_a_statement_with_no_figure_widens_nothing() -> None:
    assert _merge(({}, Statement("s1")), ({"percent": 49}, Statement("s2"))) == [
        ("49%", None, None)
    ]


def test_holdings_without_a_statement_pass_through() -> None:
    assert _merge(({"percent": 30}, None), ({"percent": 25}, None)) == [
        ("30%", None, None),
        ("25%", None, None),
    ]
