"""The verdict: one entity's status under a rule on a date, and the fields every output
writes of it.

The types here hold facts and no computation: :mod:`ownership.analysis` makes verdicts,
:mod:`ownership.wording` words them, and every writer (``to_dict``, the rows made by
columns, JSON lines, CSV) follows :data:`VERDICT_FIELDS`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from .errors import UsageError
from .model import Listing

__all__ = [
    "CHAIN_SHOWN",
    "FLAG_CODES",
    "LISTED_SHOWN",
    "NESTED_FIELDS",
    "OWNER_FIELDS",
    "STATUS_CODES",
    "STATUS_ORDER",
    "VERDICT_FIELDS",
    "Contribution",
    "Flag",
    "Status",
    "Verdict",
    "chosen_fields",
    "listing_dict",
    "status_moves",
]

#: Entities of a chain a verdict writes out. A longer one starts at its ``chain_via``,
#: whose own verdict goes on up: a 4,000-deep chain would otherwise repeat itself in every
#: row, and the output grow with the square of the input.
CHAIN_SHOWN = 32
#: Listed ancestors a verdict names (the first, by id); it says how many there are.
LISTED_SHOWN = 32


class Status(StrEnum):
    listed = "listed"
    covered = "covered"
    exposed = "exposed"  # an unlisted descendant of a listed entity: the loophole
    clear = "clear"


class Flag(StrEnum):
    possibly_covered = "possibly_covered"  # only unknown or range shares could reach the threshold
    out_of_scope_us_entity = "out_of_scope_us_entity"  # BIS reaches non-US entities only
    rule_not_in_force = "rule_not_in_force"
    would_be_covered = "would_be_covered"  # covered if the rule were in force on the date
    unverified_window = "unverified_window"  # the rule's window on the date is not verified
    conflicting_stakes = "conflicting_stakes"  # stakes in it cannot all be true on the date
    closed_ring = "closed_ring"  # on a ring owning itself 100% with no outside owner


#: The fields of a verdict, in the order every output writes them: ``Verdict.to_dict``,
#: the rows computed by columns (``to_records``, the pandas view), the JSON and JSON-lines
#: writers, and the CSV columns (:data:`NESTED_FIELDS` aside).
VERDICT_FIELDS: tuple[str, ...] = (
    "id",
    "name",
    "country",
    "status",
    "flags",
    "rule",
    "window",
    "as_of",
    "threshold",
    "effective_percent",
    "legal_percent",
    "legal_percent_max",
    "listed_ancestors",
    "listed_ancestors_total",
    "nearest_listed",
    "chain",
    "chain_via",
    "owners",
    "listings",
    "explanation",
)
#: The fields of each owner a verdict lists (:meth:`Contribution.to_dict`), in order.
OWNER_FIELDS = (
    "owner",
    "owner_name",
    "share",
    "percent_min",
    "percent_max",
    "owner_status",
    "kind",
)
#: Fields holding records of their own, which a CSV row leaves to the JSON outputs.
NESTED_FIELDS = ("owners", "listings")


def chosen_fields(fields: Sequence[str] | None, *, csv: bool = False) -> tuple[str, ...]:
    """The fields a verdict writer writes, in order: every one (in CSV, less
    :data:`NESTED_FIELDS`) when ``fields`` is None, else those given, each a known field
    given once. A pipeline that needs a few fields asks for them; the others, the
    explanation above all, are then neither worked out nor written."""
    every = tuple(f for f in VERDICT_FIELDS if not (csv and f in NESTED_FIELDS))
    if fields is None:
        return every
    chosen = tuple(f.strip() for f in fields if f.strip())
    unknown = [f for f in chosen if f not in every]
    if unknown or not chosen:
        kind = "a CSV column" if csv and set(unknown) & set(NESTED_FIELDS) else "a field"
        what = f"{unknown[0]!r} is not {kind}" if unknown else "no field given"
        raise UsageError(f"--fields: {what}; choose from {','.join(every)}")
    twice = sorted({f for f in chosen if chosen.count(f) > 1})
    if twice:
        raise UsageError(f"--fields: {twice[0]!r} is given twice; give each field once")
    return chosen


#: The integer each status is stored as in arrays (an analysis's, a cache entry's): its
#: position here. Stored entries depend on this order (the cache's version covers it).
STATUS_CODES: tuple[Status, ...] = (Status.listed, Status.covered, Status.exposed, Status.clear)
STATUS_ORDER = {status: code for code, status in enumerate(STATUS_CODES)}
#: The integer each flag is stored as in an analysis's arrays: its position here.
FLAG_CODES: tuple[Flag, ...] = tuple(Flag)


@dataclass(frozen=True, slots=True)
class Contribution:
    """One owner's link into an entity, with the owner's own status."""

    owner: str
    owner_name: str
    share: str  # as written: "51%", "30-35%", "unknown %", "control"
    low: Decimal
    high: Decimal
    owner_status: str
    kind: str = "ownership"  # ownership, control, or arrangement

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data, its fields in :data:`OWNER_FIELDS` order."""
        values = {
            "owner": self.owner,
            "owner_name": self.owner_name,
            "share": self.share,
            "percent_min": self.low,
            "percent_max": self.high,
            "owner_status": self.owner_status,
            "kind": self.kind,
        }
        return {name: values[name] for name in OWNER_FIELDS}


@dataclass(frozen=True)
class Verdict:
    """One entity's status under a rule on a date, with everything that explains it."""

    id: str
    name: str
    country: str | None
    status: Status
    flags: tuple[str, ...]
    rule: str
    rule_title: str
    window: str
    as_of: dt.date
    threshold: str
    effective_percent: float  # look-through share held by listed parties, 0-100
    legal_percent: Decimal  # share held by listed or covered owners (lower bounds)
    legal_percent_max: Decimal  # the same at upper bounds (unknown = 100, capped)
    owners: tuple[Contribution, ...]
    chain: tuple[str, ...]  # ids from a listed entity down to this one
    chain_names: tuple[str, ...]
    nearest_listed: str | None
    listed_ancestors: tuple[str, ...]
    listings: tuple[Listing, ...]
    explanation: str
    #: the first entity of ``chain`` when the chain was cut there (its verdict goes on up)
    chain_via: str | None = None
    #: how many listed ancestors there are; ``listed_ancestors`` holds the first
    #: :data:`LISTED_SHOWN` of them, by id
    listed_ancestors_total: int = 0

    def _repr_html_(self) -> str:
        import html

        from .display import STATUS_COLOURS

        colour = STATUS_COLOURS.get(self.status.value, "#fff")
        flags = ", ".join(self.flags) or "none"
        return (
            f"<div><b>{html.escape(self.name)}</b> ({html.escape(self.id)}): "
            f"<span style='background:{colour};padding:0 4px'>{self.status.value}</span> "
            f"<small>flags: {html.escape(flags)}</small><br>"
            f"<small>{html.escape(self.rule)}, {html.escape(self.window)}, as of "
            f"{self.as_of.isoformat()}</small><p>{html.escape(self.explanation)}</p></div>"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; the documented, stable output of ``--format json``, its
        fields in :data:`VERDICT_FIELDS` order."""
        values = {
            "id": self.id,
            "name": self.name,
            "country": self.country,
            "status": self.status.value,
            "flags": list(self.flags),
            "rule": self.rule,
            "window": self.window,
            "as_of": self.as_of.isoformat(),
            "threshold": self.threshold,
            "effective_percent": round(self.effective_percent, 6),
            "legal_percent": self.legal_percent,
            "legal_percent_max": self.legal_percent_max,
            "listed_ancestors": list(self.listed_ancestors),
            "listed_ancestors_total": self.listed_ancestors_total,
            "nearest_listed": self.nearest_listed,
            "chain": list(self.chain),
            "chain_via": self.chain_via,
            "owners": [c.to_dict() for c in self.owners],
            "listings": [listing_dict(x) for x in self.listings],
            "explanation": self.explanation,
        }
        return {name: values[name] for name in VERDICT_FIELDS}


def status_moves(before: Sequence[int], after: Sequence[int]) -> dict[str, int]:
    """How many entities moved from one status to another (``"exposed -> covered"``),
    given each one's status codes (:data:`STATUS_CODES`) before and after, in code order."""
    found = Counter(zip(before, after, strict=True))
    return {
        f"{STATUS_CODES[a].value} -> {STATUS_CODES[b].value}": count
        for (a, b), count in sorted(found.items())
    }


def listing_dict(listing: Listing) -> dict[str, Any]:
    """A listing as verdict rows carry it."""
    return {
        "list": listing.list,
        "program": listing.program,
        "start": listing.start.isoformat() if listing.start else None,
        "end": listing.end.isoformat() if listing.end else None,
        "citation": listing.citation,
    }
