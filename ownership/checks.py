"""Checks that span records: references, duplicate ids, stakes summing above 100.

Single-record checks (types, ranges, dates) are done by the pydantic models. Readers run
both and attach file names and lines to the :class:`~ownership.errors.Problem` s found
here, so everything past ``io/`` can trust its inputs.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from .errors import Problem
from .model import Dataset, Holding, HoldingKind, _fmt

__all__ = ["check_dataset", "closed_rings", "overfull_stakes"]


def check_dataset(dataset: Dataset) -> list[Problem]:
    """Every cross-record problem in ``dataset``, in file order."""
    problems: list[Problem] = []
    problems += _duplicate_ids(dataset)
    problems += _unknown_references(dataset)
    by_owned = _shares_by_owned(dataset.holdings)
    problems += overfull_stakes(dataset.holdings, by_owned)
    problems += closed_rings(dataset.holdings, by_owned)
    return problems


def _duplicate_ids(dataset: Dataset) -> list[Problem]:
    problems = []
    sections: tuple[tuple[str, list[str]], ...] = (
        ("entities", [e.id for e in dataset.entities]),
        ("sources", [s.id for s in dataset.sources]),
    )
    for section, ids in sections:
        first_seen: dict[str, int] = {}
        for index, record_id in enumerate(ids):
            if record_id in first_seen:
                problems.append(
                    Problem(
                        f"duplicate id {record_id!r}, already used by {section}"
                        f"[{first_seen[record_id]}]; give each record its own id",
                        section=section,
                        index=index,
                        record_id=record_id,
                        field="id",
                    )
                )
            else:
                first_seen[record_id] = index
    return problems


def _unknown_references(dataset: Dataset) -> list[Problem]:
    entity_ids = {e.id for e in dataset.entities}
    source_ids = {s.id for s in dataset.sources}
    problems: list[Problem] = []

    def entity_ref(value: str, section: str, index: int, rid: str | None, field: str) -> None:
        if value not in entity_ids:
            problems.append(
                Problem(
                    f"unknown entity {value!r}; add it to entities or fix the id",
                    section=section,
                    index=index,
                    record_id=rid,
                    field=field,
                    value=value,
                )
            )

    def source_refs(values: list[str], section: str, index: int, rid: str | None) -> None:
        if not dataset.sources:
            # Free-text sources are fine in a dataset that declares no source records.
            return
        for value in values:
            if value not in source_ids and not value.startswith(("http://", "https://")):
                problems.append(
                    Problem(
                        f"unknown source {value!r}; add it to sources or fix the id",
                        section=section,
                        index=index,
                        record_id=rid,
                        field="sources",
                    )
                )

    for index, ent in enumerate(dataset.entities):
        source_refs(ent.sources, "entities", index, ent.id)
    for index, hold in enumerate(dataset.holdings):
        rid = f"{hold.owner} -> {hold.owned}"
        entity_ref(hold.owner, "holdings", index, rid, "owner")
        entity_ref(hold.owned, "holdings", index, rid, "owned")
        source_refs(hold.sources, "holdings", index, rid)
    for index, lst in enumerate(dataset.listings):
        rid = f"{lst.entity} on {lst.list}"
        entity_ref(lst.entity, "listings", index, rid, "entity")
        source_refs(lst.sources, "listings", index, rid)
    for index, arr in enumerate(dataset.arrangements):
        rid = arr.id or f"arrangement on {arr.target}"
        for member in arr.members:
            entity_ref(member, "arrangements", index, rid, "members")
        entity_ref(arr.target, "arrangements", index, rid, "target")
        source_refs(arr.sources, "arrangements", index, rid)
    return problems


def _shares_by_owned(holdings: list[Holding]) -> dict[str, list[tuple[int, Holding]]]:
    """Ownership holdings with a certain (positive lower-bound) share, grouped by owned."""
    by_owned: dict[str, list[tuple[int, Holding]]] = defaultdict(list)
    for index, hold in enumerate(holdings):
        if hold.kind is HoldingKind.ownership and hold.lower_bound > 0:
            by_owned[hold.owned].append((index, hold))
    return by_owned


def _start_days(items: list[tuple[int, Holding]]) -> list[dt.date | None]:
    starts: set[dt.date | None] = {h.start for _, h in items}
    return sorted(starts, key=lambda d: (d is not None, d or dt.date.min))


def overfull_stakes(
    holdings: list[Holding], by_owned: dict[str, list[tuple[int, Holding]]] | None = None
) -> list[Problem]:
    """Owned entities whose known direct stakes add up to more than 100 on some date.

    Only exact percentages and range lower bounds count: both are certain minimums, and
    an exclusive minimum is more than its bound, so 50 and "more than 50" exceed 100. The
    sum can only rise on a start date, so checking each start date finds every overrun;
    entities whose stakes cannot exceed 100 over all time are skipped at once.
    """
    groups = by_owned if by_owned is not None else _shares_by_owned(holdings)
    problems = []
    for owned, items in groups.items():
        if not _exceeds_100([h for _, h in items]):
            continue
        for day in _start_days(items):
            active = [(i, h) for i, h in items if _covers(h, day)]
            if _exceeds_100([h for _, h in active]):
                total = sum((h.lower_bound for _, h in active), Decimal(0))
                amount = _fmt(total) if total > 100 else f"more than {_fmt(total)}"
                first = active[-1][0]
                stakes = ", ".join(f"{h.owner} {_stake(h)}" for _, h in active)
                when = f"on {day.isoformat()}" if day else "with no start date"
                problems.append(
                    Problem(
                        f"known stakes in {owned!r} add up to {amount}% {when} "
                        f"({stakes}); the total must not exceed 100 - check the figures "
                        "or end the older holding",
                        section="holdings",
                        index=first,
                        record_id=f"owned {owned}",
                        field="percent",
                    )
                )
                break
    return problems


def _exceeds_100(stakes: list[Holding]) -> bool:
    """Certain stakes that add up to more than 100: above it, or at it with one of them
    known only to be more than its bound."""
    total = sum((h.lower_bound for h in stakes), Decimal(0))
    return total > 100 or (total == 100 and any(_more_than(h) for h in stakes))


def _more_than(stake: Holding) -> bool:
    """The stake's lower bound is exclusive (as :attr:`Holding.lower_bound` reads it)."""
    return stake.percent is None and stake.minimum is None and stake.exclusive_minimum is not None


def _stake(stake: Holding) -> str:
    return f"{'>' if _more_than(stake) else ''}{_fmt(stake.lower_bound)}"


def _covers(hold: Holding, day: dt.date | None) -> bool:
    if day is None:
        return hold.start is None
    return hold.active_on(day)


def closed_rings(
    holdings: list[Holding], by_owned: dict[str, list[tuple[int, Holding]]] | None = None
) -> list[Problem]:
    """Rings of entities wholly owned among themselves, with no outside owner, on some date.

    Such a ring has no ultimate owner, and its look-through equations have no solution
    (docs/rules.md convention 8), so it is rejected as invalid data. Only entities whose
    certain stakes reach 100 over all time can be in such a ring; the rings among them are
    found once, then checked date by date.
    """
    import networkx as nx

    groups = by_owned if by_owned is not None else _shares_by_owned(holdings)
    full = {
        owned: items
        for owned, items in groups.items()
        if sum((h.lower_bound for _, h in items), Decimal(0)) >= 100
    }
    candidates = nx.DiGraph()
    candidates.add_edges_from(
        (h.owner, owned) for owned, items in full.items() for _, h in items if h.owner in full
    )
    rings = [ring for ring in nx.strongly_connected_components(candidates) if len(ring) > 1]
    problems = []
    for ring in rings:
        inner = sorted(
            ((i, h) for member in ring for i, h in full[member] if h.owner in ring),
            key=lambda pair: pair[0],
        )
        for day in _start_days(inner):
            active = [(i, h) for i, h in inner if _covers(h, day)]
            inside: dict[str, Decimal] = defaultdict(Decimal)
            for _, h in active:
                inside[h.owned] += h.lower_bound
            if not all(inside[member] >= 100 for member in ring):
                continue
            names = ", ".join(sorted(ring))
            problems.append(
                Problem(
                    f"entities {names} own each other 100% with no outside owner"
                    + (f" on {day.isoformat()}" if day else "")
                    + "; nobody ultimately owns them and look-through has no solution - "
                    "add the outside owner or correct the shares",
                    section="holdings",
                    index=active[0][0],
                    record_id=f"ring {names}",
                    field="percent",
                )
            )
            break
    return problems
