"""Checks that span records: references, duplicate ids; stakes that conflict, closed rings.

Single-record checks (types, ranges, dates) are done by the pydantic models. Readers run
both and attach file names and lines to the :class:`~ownership.errors.Problem` s found
here, so everything past ``io/`` can trust its inputs. Errors (:func:`check_dataset`)
make data unusable; data-quality findings (:func:`data_quality`) are analysed as
:mod:`ownership.stakes` says and reported beside the verdicts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .errors import Problem
from .model import Dataset, Holding, HoldingKind, fmt_decimal
from .stakes import Stake, stakes_on

__all__ = [
    "Conflict",
    "check_dataset",
    "closed_rings",
    "conflicts",
    "data_quality",
    "stake_conflicts",
]


def check_dataset(dataset: Dataset) -> list[Problem]:
    """Every cross-record error in ``dataset`` (duplicate ids, unknown references), in
    file order. What the data says that cannot all be true is :func:`data_quality`:
    the analysis reads it conservatively, and readers of hand-written files refuse it
    unless told otherwise."""
    return [*_duplicate_ids(dataset), *_unknown_references(dataset)]


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

    def source_refs(values: Sequence[str], section: str, index: int, rid: str | None) -> None:
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


def _certain_by_owned(holdings: Sequence[Holding]) -> dict[str, list[int]]:
    """Per owned entity, the indices of its ownership holdings, for entities whose lower
    bounds over all dates could add up to 100 or more (the others can neither conflict
    nor close a ring)."""
    by_owned: dict[str, list[int]] = defaultdict(list)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for index, hold in enumerate(holdings):
        if hold.kind is HoldingKind.ownership:
            by_owned[hold.owned].append(index)
            totals[hold.owned] += hold.lower_bound
    return {owned: rows for owned, rows in by_owned.items() if totals[owned] >= 100}


def _turning_days(items: Iterable[Holding]) -> list[dt.date | None]:
    """The days on which the holdings active change: each start, and the day after each
    end (None stands for the time before any start)."""
    days: set[dt.date | None] = {None}
    for hold in items:
        if hold.start is not None:
            days.add(hold.start)
        if hold.end is not None and hold.end < dt.date.max:
            days.add(hold.end + dt.timedelta(days=1))
    return sorted(days, key=lambda d: (d is not None, d or dt.date.min))


def _on(day: dt.date | None) -> dt.date:
    return dt.date.min if day is None else day


Namer = Callable[[int], str]


@dataclass(frozen=True)
class Conflict:
    """Stakes in one entity that cannot all be true: the first date, the records (their
    indices) active then, and the total of their figures."""

    owned: str
    day: dt.date | None
    rows: tuple[int, ...]
    total: Decimal


def conflicts(holdings: Sequence[Holding]) -> list[Conflict]:
    """Entities whose stakes cannot all be true on some date (:mod:`ownership.stakes`):
    known stakes above 100%, or at 100% with one known only to be more than its bound;
    each at the first such date."""
    found = []
    for owned, rows in _certain_by_owned(holdings).items():
        items = [holdings[k] for k in rows]
        for day in _turning_days(items):
            active = [k for k in rows if holdings[k].active_on(_on(day))]
            stakes = stakes_on((holdings[k] for k in active), _on(day))
            if any(s.conflicted for s in stakes.values()):
                figures = stakes_on((holdings[k] for k in active), _on(day), settle=False)
                total = sum((x.low for x in figures.values()), Decimal(0))
                found.append(Conflict(owned, day, tuple(active), total))
                break
    return found


def stake_conflicts(
    holdings: Sequence[Holding],
    name: Namer | None = None,
    only: Callable[[Conflict], bool] | None = None,
) -> list[Problem]:
    """:func:`conflicts` (those ``only`` picks) as problems, naming every record involved
    with its share and sources; ``name(index)`` names a record as its file knows it."""
    problems = []
    for conflict in conflicts(holdings):
        if only is not None and not only(conflict):
            continue
        records = ", ".join(_record(holdings, k, name) for k in conflict.rows)
        when = f"on {conflict.day.isoformat()}" if conflict.day else "with no start date"
        total = conflict.total
        amount = f"more than {fmt_decimal(total)}" if total <= 100 else fmt_decimal(total)
        problems.append(
            Problem(
                f"known stakes in {conflict.owned!r} add up to {amount}% {when} ({records}); "
                "they cannot all be true - check the figures or end the older holding",
                section="holdings",
                index=conflict.rows[-1],
                record_id=f"owned {conflict.owned}",
                field="percent",
                value=conflict.owned,
            )
        )
    return problems


def _record(holdings: Sequence[Holding], index: int, name: Namer | None) -> str:
    """One record of a conflict: owner, share as written, where it is, its sources."""
    hold = holdings[index]
    where = name(index) if name is not None else f"holdings[{index}]"
    sources = f", sources {', '.join(hold.sources)}" if hold.sources else ""
    return f"{hold.owner} {hold.share_text()} [{where}{sources}]"


def closed_rings(holdings: Sequence[Holding], name: Namer | None = None) -> list[Problem]:
    """Rings of entities wholly owned among themselves, with no outside owner, on some
    date: notes, not errors. Nobody ultimately owns such a ring; the analysis flags its
    members and gives them the least look-through solution (docs/rules.md convention 8).
    """
    by_owned = _certain_by_owned(holdings)
    candidates = [
        (holdings[k].owner, owned)
        for owned, rows in by_owned.items()
        for k in rows
        if holdings[k].owner in by_owned
    ]
    problems = []
    for component in _rings_among(candidates):
        rows = sorted(k for member in component for k in by_owned[member])
        items = [holdings[k] for k in rows]
        reported: set[frozenset[str]] = set()
        for day in _turning_days(items):
            for ring in _wholly_owned_rings(stakes_on(items, _on(day)).values(), component):
                if ring in reported:
                    continue
                reported.add(ring)
                names = ", ".join(sorted(ring))
                when = f" on {day.isoformat()}" if day else ""
                first = min(k for k in rows if holdings[k].owned in ring)
                where = f" ({name(first)})" if name is not None else ""
                problems.append(
                    Problem(
                        f"entities {names} own each other 100% with no outside owner{when}"
                        f"{where}: nobody ultimately owns them; the analysis flags them "
                        "closed_ring and gives them 0% look-through, and a listed member "
                        "still passes its stakes on",
                        section="holdings",
                        index=first,
                        record_id=f"ring {names}",
                        field="percent",
                        value=names,
                    )
                )
    return sorted(problems, key=lambda p: (p.index or 0, p.message))


def _wholly_owned_rings(stakes: Iterable[Stake], members: set[str]) -> list[frozenset[str]]:
    """The rings among ``members`` owned 100% from inside: members held less than that by
    the others are dropped and the rings found again among the rest, until none is."""
    stakes = [s for s in stakes if s.share and s.owner in members and s.owned in members]
    alive = set(members)
    while True:
        inside: dict[str, Decimal] = defaultdict(Decimal)
        for s in stakes:
            if s.owner in alive and s.owned in alive:
                inside[s.owned] += s.low
        whole = {m for m in alive if inside[m] == 100}
        rings = _rings_among(
            [(s.owner, s.owned) for s in stakes if s.owner in whole and s.owned in whole and s.low]
        )
        kept = set().union(*rings) if rings else set()
        if kept == alive:
            return sorted((frozenset(c) for c in rings), key=sorted)
        if not kept:
            return []
        alive = kept


def _rings_among(links: list[tuple[str, str]]) -> list[set[str]]:
    """The strongly connected components of more than one entity among the ``owner ->
    owned`` links, each sorted by its sorted ids (array code: no graph library to load
    when checking a file)."""
    import numpy as np

    from .propagate.arrays import strong_components

    if not links:
        return []
    ids = sorted({entity for link in links for entity in link})
    position = {entity: k for k, entity in enumerate(ids)}
    src = np.array([position[owner] for owner, _ in links], dtype=np.int64)
    dst = np.array([position[owned] for _, owned in links], dtype=np.int64)
    count, labels = strong_components(len(ids), src, dst)
    members: list[set[str]] = [set() for _ in range(count)]
    for entity, label in zip(ids, labels.tolist(), strict=True):
        members[label].add(entity)
    return sorted((ring for ring in members if len(ring) > 1), key=sorted)


def data_quality(dataset: Dataset, name: Namer | None = None) -> list[Problem]:
    """What the data says that cannot all be true, or that leaves entities with no
    ultimate owner: stakes in conflict and closed rings, on any date."""
    holdings = list(dataset.holdings)
    return [*stake_conflicts(holdings, name), *closed_rings(holdings, name)]
