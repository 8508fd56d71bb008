"""BODS statements as records with a history: the statements of one record, in order,
each with the days its figures describe.

The three versions name things differently (0.4 ``recordId``, ``recordType`` and
``recordDetails``; 0.2/0.3 ``statementID``, ``statementType``, and statements chained by
``replacesStatements``); what is here reads either into one vocabulary, so that the
parties (:mod:`ownership.io.bods`) and the relationships
(:mod:`ownership.io.bods_interests`) are read once for all versions. It knows nothing of
what a statement becomes in the dataset.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from .provenance import Where
from .values import parse_date

__all__ = [
    "BodsStatement",
    "History",
    "Window",
    "entity_id",
    "record_details",
    "record_histories",
    "record_type",
]


@dataclass
class BodsStatement:
    """One statement as the file gives it, with its place, its position in the file and
    the version it is written in."""

    data: dict[str, Any]
    where: Where
    order: int
    version: str  # "0.4" or "0.2"

    @property
    def date(self) -> dt.date:
        try:
            return parse_date(self.data.get("statementDate")) or dt.date.min
        except ValueError:
            return dt.date.min


def record_type(statement: BodsStatement) -> str:
    """``entity``, ``person`` or ``relationship`` (an unknown type as the file gives it)."""
    if statement.version == "0.4":
        return str(statement.data.get("recordType"))
    kind = str(statement.data.get("statementType"))
    return {
        "entityStatement": "entity",
        "personStatement": "person",
        "ownershipOrControlStatement": "relationship",
    }.get(kind, kind)


def record_details(statement: BodsStatement) -> dict[str, Any]:
    """What a statement says of its record: 0.4 ``recordDetails``, the statement itself
    in 0.2/0.3."""
    if statement.version == "0.4":
        details = statement.data.get("recordDetails")
        return details if isinstance(details, dict) else {}
    data = dict(statement.data)
    # 0.3 names components by statement id; keep one vocabulary below.
    if "componentStatementIDs" in data:
        data["componentRecords"] = data["componentStatementIDs"]
    return data


@dataclass
class Window:
    """The days one statement of a record describes: from ``start`` (or its interests'
    own start dates) to ``end`` (both inclusive, open when None)."""

    start: dt.date | None = None
    end: dt.date | None = None

    def clamp(
        self, start: dt.date | None, end: dt.date | None
    ) -> tuple[dt.date | None, dt.date | None] | None:
        """An interest's dates within the window; None when nothing is left."""
        if self.start is not None and (start is None or start < self.start):
            start = self.start
        if self.end is not None and (end is None or end > self.end):
            end = self.end
        if start is not None and end is not None and start > end:
            return None
        return start, end


@dataclass
class History:
    """The statements of one record (0.4 ``recordId``; a 0.2/0.3 statement and those
    that replace it), in order; the closing one apart."""

    statements: list[BodsStatement]
    closing: BodsStatement | None

    @property
    def current(self) -> BodsStatement:
        return self.statements[-1]

    def windows(self) -> list[tuple[BodsStatement, Window]]:
        """Each statement with the days it describes: from the day its figures took
        effect (its interests' start when that is new, else its statement date) to the
        day before the next one's, the last to the record's closing (an interest's
        ``endDate`` or the closing statement's date: the day it ended, not held)."""
        # a statement that repeats the one before (an annual confirmation) changes nothing
        kept = [self.statements[0]]
        for statement in self.statements[1:]:
            if _interests(statement) != _interests(kept[-1]):
                kept.append(statement)
        starts: list[dt.date | None] = [None]
        known = _interest_start(kept[0])
        for statement in kept[1:]:
            began = _interest_start(statement)
            if began is not None and (known is None or began > known):
                starts.append(began)
            else:
                starts.append(statement.date if statement.date != dt.date.min else began)
            known = max((d for d in (known, starts[-1]) if d is not None), default=None)
        out = []
        for k, statement in enumerate(kept):
            if k + 1 < len(kept):
                following = starts[k + 1]
                end = following - dt.timedelta(days=1) if following else None
            else:
                end = _closed_before(self.closing)
            out.append((statement, Window(starts[k], end)))
        return out


def _interests(statement: BodsStatement) -> Any:
    return record_details(statement).get("interests")


def _interest_dates(statement: BodsStatement, key: str) -> list[dt.date]:
    """The readable ``startDate`` or ``endDate`` values of a statement's interests."""
    found = []
    for interest in record_details(statement).get("interests") or []:
        if isinstance(interest, dict):
            try:
                day = parse_date(interest.get(key))
            except ValueError:
                day = None
            if day is not None:
                found.append(day)
    return found


def _interest_start(statement: BodsStatement) -> dt.date | None:
    """The latest start date among a statement's interests (when its figures began)."""
    return max(_interest_dates(statement, "startDate"), default=None)


def _closed_before(closing: BodsStatement | None) -> dt.date | None:
    """The last day a closed record's interests were held: the day before their end
    date, else before the closing statement's date."""
    if closing is None:
        return None
    ends = _interest_dates(closing, "endDate")
    ended = max(ends) if ends else closing.date
    return None if ended == dt.date.min else ended - dt.timedelta(days=1)


def record_histories(statements: list[BodsStatement]) -> dict[str, History]:
    """The history of each record: 0.4 statements grouped by ``recordId``; 0.2/0.3
    statements chained by ``replacesStatements`` under the id of the latest."""
    replaced_by: dict[str, str] = {}
    for statement in statements:
        if statement.version == "0.2":
            for old in statement.data.get("replacesStatements") or []:
                replaced_by[str(old)] = str(statement.data["statementID"])
    by_record: dict[str, list[BodsStatement]] = defaultdict(list)
    for statement in statements:
        if statement.version == "0.4":
            key = str(statement.data["recordId"])
        else:
            key, seen = str(statement.data["statementID"]), set()
            while key in replaced_by and key not in seen:  # a cycle of replacements ends
                seen.add(key)
                key = replaced_by[key]
        by_record[key].append(statement)
    out: dict[str, History] = {}
    for record_id, items in by_record.items():
        items.sort(key=lambda s: (s.date, s.order))
        closing = items[-1] if items[-1].data.get("recordStatus") == "closed" else None
        open_items = [s for s in items if s.data.get("recordStatus") != "closed"]
        out[record_id] = History(open_items or items[-1:], closing)
    return out


def entity_id(record_id: str) -> str:
    """The id of the entity a BODS record becomes."""
    return f"bods-{record_id}"
