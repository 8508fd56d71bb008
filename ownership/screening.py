"""Screen a counterparty list against the ownership graph.

Each counterparty (a name, and maybe a country and identifiers) is matched by
:mod:`ownership.matching`: its best candidate gets its verdict, and every candidate above
the threshold is kept with its score, evidence and status. A row whose two best
candidates are too close to tell apart is ``ambiguous`` and says so; a pipeline failing
on a level (``--fail-on``) reads such a row by the worst status among its candidates.

>>> import ownership
>>> result = ownership.analyze(ownership.load(ownership.bundled_dataset()), as_of="2023-06-01")
>>> [(r.query, r.entity_id, r.status) for r in screen(result, ["Inspur Systems Inc", "Acme"])]
[('Inspur Systems Inc', 'aivres-systems', 'exposed'), ('Acme', None, 'no match')]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .display import Tabular
from .matching import AMBIGUITY_MARGIN, THRESHOLD, MatchResult, Query
from .resolve import match_note

if TYPE_CHECKING:
    from .analysis import Analysis

__all__ = [
    "LEVELS",
    "SCREEN_FIELDS",
    "ScreenRow",
    "Screening",
    "candidates_text",
    "screen",
    "summary",
    "worst_level",
]

#: Fuzzy matches scoring below this are not taken as the counterparty (0-100).
DEFAULT_MIN_SCORE = THRESHOLD

#: Severity of a status for --fail-on: a row "reaches" a level at or above it.
LEVELS = {"listed": 3, "covered": 2, "exposed": 1, "clear": 0, "no match": 0}

#: The fields of a screened row, in the order every output writes them; the input
#: row's columns follow, each as ``input_<column>``.
SCREEN_FIELDS = (
    "row",
    "query",
    "entity_id",
    "entity_name",
    "match",
    "score",
    "evidence",
    "status",
    "worst_status",
    "ambiguous",
    "flags",
    "reason",
    "candidates",
)


@dataclass(frozen=True)
class ScreenRow:
    """One screened counterparty: its best candidate's verdict, and every candidate."""

    row: int  # 1-based data row
    query: str
    entity_id: str | None
    entity_name: str | None
    match: str  # id, identifier, name, alias, former name, fuzzy, ambiguous, none
    score: float
    status: str  # listed, covered, exposed, clear, or "no match"
    flags: tuple[str, ...]
    reason: str
    extra: dict[str, str]
    evidence: str = ""
    #: the most severe status among the candidates (the status, unless ambiguous)
    worst_status: str = "no match"
    ambiguous: bool = False
    #: every candidate above the threshold, best first, with its status
    candidates: tuple[dict[str, Any], ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """Plain data, :data:`SCREEN_FIELDS` first, then the input row's columns."""
        values = {
            "row": self.row,
            "query": self.query,
            "entity_id": self.entity_id,
            "entity_name": self.entity_name,
            "match": self.match,
            "score": round(self.score, 1),
            "evidence": self.evidence,
            "status": self.status,
            "worst_status": self.worst_status,
            "ambiguous": self.ambiguous,
            "flags": list(self.flags),
            "reason": self.reason,
            "candidates": [dict(c) for c in self.candidates],
        }
        return {
            **{name: values[name] for name in SCREEN_FIELDS},
            **{f"input_{k}": v for k, v in self.extra.items()},
        }


class Screening(list[ScreenRow], Tabular):
    """Screened rows; a list, shown as a table in Jupyter."""

    _table_columns = ("row", "query", "entity_name", "match", "score", "status", "reason")

    def to_records(self) -> list[dict[str, Any]]:
        return [r.to_dict() for r in self]

    def to_flat_records(self) -> list[dict[str, Any]]:
        """Records for CSV and TSV: the candidates as one text cell
        (``name [id] score status``, ``; ``-joined), every input column kept."""
        return [{**r.to_dict(), "candidates": candidates_text(r.candidates)} for r in self]

    def columns(self) -> list[str]:
        """The output columns: :data:`SCREEN_FIELDS`, then the input columns."""
        inputs = dict.fromkeys(f"input_{k}" for r in self for k in r.extra)
        return [*SCREEN_FIELDS, *inputs]


def candidates_text(candidates: Iterable[Mapping[str, Any]]) -> str:
    """Candidates in one cell: ``name [id] score status``, ``; ``-joined."""
    return "; ".join(
        f"{c['entity_name']} [{c['entity_id']}] {c['score']:g} {c['status']}" for c in candidates
    )


def screen(
    analysis: Analysis,
    names: Iterable[str],
    *,
    countries: Iterable[str | None] | None = None,
    identifiers: Iterable[Mapping[str, str]] | None = None,
    extras: Iterable[dict[str, str]] | None = None,
    min_score: float = DEFAULT_MIN_SCORE,
    progress: Callable[[int, int], None] | None = None,
) -> Screening:
    """Screen ``names`` (with optional countries and identifiers by scheme) against
    ``analysis``; each row keeps its ``extras`` (the input row's columns)."""
    names = [(name or "").strip() for name in names]
    country_list = list(countries) if countries is not None else [None] * len(names)
    identifier_list = list(identifiers) if identifiers is not None else [{}] * len(names)
    extra_list = list(extras) if extras is not None else [{}] * len(names)
    queries = [
        Query(name, country, dict(ids))
        for name, country, ids in zip(names, country_list, identifier_list, strict=True)
    ]
    results = analysis.names.match_many(queries, threshold=min_score, progress=progress)
    rows = Screening()
    for number, (result, extra) in enumerate(zip(results, extra_list, strict=True), start=1):
        rows.append(_row(analysis, number, result, extra))
    return rows


def _row(analysis: Analysis, number: int, result: MatchResult, extra: dict[str, str]) -> ScreenRow:
    query = result.query.name
    best = result.best
    if best is None or not query:
        reason = "no entity in the data matches this name"
        return ScreenRow(number, query, None, None, "none", 0.0, "no match", (), reason, extra)
    # the best candidate's verdict explains the row; the others need only their status
    status = {c.entity_id: analysis.status(c.entity_id).value for c in result.candidates}
    candidates = tuple({**c.to_dict(), "status": status[c.entity_id]} for c in result.candidates)
    verdict = analysis.verdict(best.entity_id)
    worst = verdict.status.value
    if result.ambiguous:
        close = [c for c in result.candidates if best.score - c.score < AMBIGUITY_MARGIN]
        worst = max((status[c.entity_id] for c in close), key=LEVELS.__getitem__)
        named = ", ".join(
            f"{c.entity_name} [{c.entity_id}] {c.score:g} ({status[c.entity_id]})" for c in close
        )
        reason = (
            f"ambiguous: {len(close)} candidates within {AMBIGUITY_MARGIN:g} points: {named}; "
            f"the best is shown, the worst status among them is {worst}. {verdict.explanation}"
        )
    else:
        note = match_note(best.how, best.matched, best.entity_name, best.score, best.until)
        reason = (note + " " if note else "") + verdict.explanation
    return ScreenRow(
        number,
        query,
        best.entity_id,
        verdict.name,
        "ambiguous" if result.ambiguous else best.how,
        best.score,
        verdict.status.value,
        verdict.flags,
        reason,
        extra,
        evidence=best.evidence_text(),
        worst_status=worst,
        ambiguous=result.ambiguous,
        candidates=candidates,
    )


def worst_level(rows: Iterable[ScreenRow]) -> int:
    """The most severe level any row reaches; an ambiguous row by its worst candidate."""
    return max((LEVELS[r.worst_status] for r in rows), default=0)


def summary(rows: list[ScreenRow]) -> str:
    """One paragraph: rows, matched (exactly, fuzzily), ambiguous, no match, by status."""
    matched = [r for r in rows if r.entity_id is not None]
    fuzzy = sum(1 for r in matched if r.match == "fuzzy")
    ambiguous = sum(1 for r in rows if r.ambiguous)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    order = ("listed", "covered", "exposed", "clear", "no match")
    by_status = ", ".join(f"{counts[s]} {s}" for s in order if counts.get(s))
    return (
        f"{len(rows)} rows screened: {len(matched)} matched "
        f"({len(matched) - fuzzy - ambiguous} by id, identifier or exact name, "
        f"{fuzzy} by a close name, {ambiguous} ambiguous), {len(rows) - len(matched)} "
        f"without a match. By status: {by_status or 'none'}."
    )
