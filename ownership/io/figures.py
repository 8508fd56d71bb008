"""Several statements of one stake in one input: alternative figures, not amounts to add.

A register republishes a stake when it changes, and an aggregator keeps every version:
OpenSanctions holds three ``Ownership`` records of one owner's stake in one company (50,
48 and 51%, from statements of different dates, none ended). Added up they would make
149%. They are reports of one stake, so on each day the stake is the range the active
reports span, with every report named in the note (docs/rules.md convention 9).
Statements that say they are about distinct things (another share class, a different
kind of interest) are left apart: they add up.

Readers give each holding the statement it came from (FtM record id, BODS statement or
record id) and its share class; :func:`merge_statements` does the rest. Holdings with
no statement, or one statement alone, pass through unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from ..model import Holding, HoldingKind
from .provenance import Statement, Where, join_notes, unique

__all__ = ["merge_statements"]

HUNDRED = Decimal(100)


def merge_statements(
    holdings: Sequence[Holding],
    wheres: Sequence[Where],
    statements: Sequence[Statement | None],
) -> tuple[list[Holding], list[Where], list[str]]:
    """Holdings with the reports of one stake merged day by day; their places; and one
    line per merged stake saying what was read as one."""
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for k, (hold, statement) in enumerate(zip(holdings, statements, strict=True)):
        if statement is not None and hold.kind is HoldingKind.ownership:
            groups[hold.owner, hold.owned, statement.share_class].append(k)
    replaced: dict[int, list[Holding]] = {}
    dropped: set[int] = set()
    notes = []
    for rows in groups.values():
        for cluster in _overlapping(rows, holdings):
            if len({s.id for k in cluster if (s := statements[k]) is not None}) < 2:
                continue
            merged = _by_day(cluster, holdings, wheres, statements)
            replaced[cluster[0]] = merged
            dropped.update(cluster[1:])
            first = holdings[cluster[0]]
            figures = ", ".join(holdings[k].share_text() for k in cluster)
            notes.append(
                f"{len(cluster)} statements of {first.owner}'s stake in {first.owned} give "
                f"{figures}; read as one stake, the range they span on each day"
            )
    out: list[Holding] = []
    out_where: list[Where] = []
    for k, (hold, where) in enumerate(zip(holdings, wheres, strict=True)):
        if k in dropped:
            continue
        for made in replaced.get(k, [hold]):
            out.append(made)
            out_where.append(where)
    return out, out_where, notes


def _overlapping(rows: list[int], holdings: Sequence[Holding]) -> list[list[int]]:
    """``rows`` in clusters whose date intervals overlap (chained), each in input order."""
    ordered = sorted(rows, key=lambda k: (_start(holdings[k]), k))
    clusters: list[list[int]] = []
    reach = dt.date.min
    for k in ordered:
        hold = holdings[k]
        if clusters and _start(hold) <= reach:
            clusters[-1].append(k)
            reach = max(reach, _end(hold))
        else:
            clusters.append([k])
            reach = _end(hold)
    return [sorted(cluster) for cluster in clusters]


def _start(hold: Holding) -> dt.date:
    return hold.start or dt.date.min


def _end(hold: Holding) -> dt.date:
    return hold.end or dt.date.max


def _by_day(
    cluster: list[int],
    holdings: Sequence[Holding],
    wheres: Sequence[Where],
    statements: Sequence[Statement | None],
) -> list[Holding]:
    """One holding per run of days with the same reports active: their range."""
    days = sorted(
        {_start(holdings[k]) for k in cluster}
        | {_end(holdings[k]) + dt.timedelta(days=1) for k in cluster if holdings[k].end}
    )
    pieces: list[tuple[dt.date, dt.date | None, tuple[int, ...]]] = []
    for begin, after in zip(days, [*days[1:], None], strict=True):
        active = tuple(k for k in cluster if _start(holdings[k]) <= begin <= _end(holdings[k]))
        if not active:
            continue
        last = after - dt.timedelta(days=1) if after is not None else None
        if pieces and pieces[-1][2] == active:
            pieces[-1] = (pieces[-1][0], last, active)
        else:
            pieces.append((begin, last, active))
    made = []
    for begin, last, active in pieces:
        reports = [holdings[k] for k in active]
        made.append(
            Holding.model_validate(
                {
                    "owner": reports[0].owner,
                    "owned": reports[0].owned,
                    **_span(reports),
                    "start": None if begin == dt.date.min else begin,
                    "end": last,
                    "sources": unique(s for h in reports for s in h.sources),
                    "note": join_notes(
                        _figures(active, holdings, wheres, statements),
                        *(h.note for h in reports),
                    ),
                }
            )
        )
    return made


def _span(reports: list[Holding]) -> dict[str, Decimal]:
    """Share fields of the range the reports span (the figure itself when they agree).
    A report with no figure disagrees with none: it counts only when none has one."""
    figured = [h for h in reports if h.is_exact or h.is_range]
    reports = figured or reports
    if len({h.share_text() for h in reports}) == 1:
        first = reports[0]
        fields = {
            "percent": first.percent,
            "minimum": first.minimum,
            "exclusiveMinimum": first.exclusive_minimum,
            "maximum": first.maximum,
            "exclusiveMaximum": first.exclusive_maximum,
        }
        return {k: v for k, v in fields.items() if v is not None}
    low = min(h.lower_bound for h in reports)
    high = max(h.upper_bound for h in reports)
    low_open = all(h.exclusive_minimum is not None for h in reports if h.lower_bound == low)
    high_open = all(h.exclusive_maximum is not None for h in reports if h.upper_bound == high)
    span: dict[str, Decimal] = {}
    if low > 0 or low_open:
        span["exclusiveMinimum" if low_open else "minimum"] = low
    if high < HUNDRED or high_open:
        span["exclusiveMaximum" if high_open else "maximum"] = high
    return span


def _figures(
    active: tuple[int, ...],
    holdings: Sequence[Holding],
    wheres: Sequence[Where],
    statements: Sequence[Statement | None],
) -> str:
    parts = []
    for k in active:
        hold, where, statement = holdings[k], wheres[k], statements[k]
        place = f"line {where.line}" if where.line else None
        record = f"record {statement.id}" if statement else None
        since = f"from {hold.start.isoformat()}" if hold.start else None
        detail = ", ".join(p for p in (place, record, since) if p)
        parts.append(f"{hold.share_text()} ({detail})")
    return f"alternative figures for one stake: {'; '.join(parts)}"
