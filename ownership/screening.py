"""Screen a counterparty list against the ownership graph.

Each counterparty name is resolved (id, exact name, alias, former name, then fuzzy) and
gets the matched entity's verdict: a pipeline can fail when any row reaches a level.

>>> import ownership
>>> result = ownership.analyze(ownership.load(ownership.bundled_dataset()), as_of="2023-06-01")
>>> [(r.query, r.entity_id, r.status) for r in screen(result, ["Inspur Systems Inc", "Acme"])]
[('Inspur Systems Inc', 'aivres-systems', 'exposed'), ('Acme', None, 'no match')]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .display import Tabular

if TYPE_CHECKING:
    from .analysis import Analysis
    from .resolve import Match

__all__ = ["LEVELS", "ScreenRow", "Screening", "screen", "worst_level"]

#: Fuzzy matches scoring below this are not taken as the counterparty (0-100).
DEFAULT_MIN_SCORE = 88.0

#: Severity of a status for --fail-on: a row "reaches" a level at or above it.
LEVELS = {"listed": 3, "covered": 2, "exposed": 1, "clear": 0, "no match": 0}


@dataclass(frozen=True)
class ScreenRow:
    """One screened counterparty."""

    row: int  # 1-based data row
    query: str
    entity_id: str | None
    entity_name: str | None
    match: str  # id, name, alias, former name, fuzzy, ambiguous, none
    score: float
    status: str  # listed, covered, exposed, clear, or "no match"
    flags: tuple[str, ...]
    reason: str
    extra: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "query": self.query,
            "entity_id": self.entity_id,
            "entity_name": self.entity_name,
            "match": self.match,
            "score": round(self.score, 1),
            "status": self.status,
            "flags": list(self.flags),
            "reason": self.reason,
            **{f"input_{k}": v for k, v in self.extra.items()},
        }


class Screening(list[ScreenRow], Tabular):
    """Screened rows; a list, shown as a table in Jupyter."""

    _table_columns = ("row", "query", "entity_name", "match", "score", "status", "reason")

    def to_records(self) -> list[dict[str, Any]]:
        return [r.to_dict() for r in self]


def _pick(matches: list[Match], country: str | None) -> list[Match]:
    if country and len(matches) > 1:
        same = [m for m in matches if (m.entity.country or "").upper() == country.upper()]
        if same:
            return same
    return matches


def screen(
    analysis: Analysis,
    names: Iterable[str],
    *,
    countries: Iterable[str | None] | None = None,
    extras: Iterable[dict[str, str]] | None = None,
    min_score: float = DEFAULT_MIN_SCORE,
) -> Screening:
    """Screen ``names`` (with optional countries) against ``analysis``."""
    index = analysis.names
    rows = Screening()
    country_list = list(countries) if countries is not None else None
    extra_list = list(extras) if extras is not None else None
    for number, query in enumerate(names, start=1):
        country = country_list[number - 1] if country_list else None
        extra = extra_list[number - 1] if extra_list else {}
        query = (query or "").strip()
        matches = _pick(index.find(query), country) if query else []
        how = ""
        if not matches and query:
            fuzzy = [m for m in index.suggest(query, limit=3) if m.score >= min_score]
            matches = _pick(fuzzy[:1], country) if fuzzy else []
        if not matches:
            rows.append(
                ScreenRow(
                    number,
                    query,
                    None,
                    None,
                    "none",
                    0.0,
                    "no match",
                    (),
                    "no entity in the data matches this name",
                    extra,
                )
            )
            continue
        if len(matches) > 1:
            # ambiguous: report the most severe candidate, and say so
            verdicts = [analysis.verdict(m.entity.id) for m in matches]
            worst = max(range(len(verdicts)), key=lambda i: LEVELS[verdicts[i].status.value])
            chosen, verdict = matches[worst], verdicts[worst]
            how = "ambiguous"
            others = ", ".join(f"{m.entity.name} [{m.entity.id}]" for m in matches)
            reason = f"ambiguous: matches {others}; the most severe is shown. {verdict.explanation}"
        else:
            chosen = matches[0]
            verdict = analysis.verdict(chosen.entity.id)
            how = chosen.how
            note = chosen.note()
            reason = (note + " " if note else "") + verdict.explanation
        rows.append(
            ScreenRow(
                number,
                query,
                chosen.entity.id,
                verdict.name,
                how,
                chosen.score,
                verdict.status.value,
                verdict.flags,
                reason,
                extra,
            )
        )
    return rows


def worst_level(rows: Iterable[ScreenRow]) -> int:
    return max((LEVELS[r.status] for r in rows), default=0)
