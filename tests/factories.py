"""One-line builders for test datasets: ``owns("x", "a", 50)``, ``listed("x")``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from ownership.model import Arrangement, Dataset, Entity, FormerName, Holding, Listing


def owns(owner: str, owned: str, percent: float | str | None = None, **extra: Any) -> Holding:
    value = None if percent is None else Decimal(str(percent))
    return Holding(owner=owner, owned=owned, percent=value, **extra)


def controls(owner: str, owned: str, **extra: Any) -> Holding:
    return Holding(owner=owner, owned=owned, kind="control", **extra)


def listed(entity: str, list_id: str = "sdn", **extra: Any) -> Listing:
    return Listing(entity=entity, list=list_id, **extra)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def dataset(
    *records: Holding | Listing | Arrangement | Entity,
    countries: dict[str, str] | None = None,
) -> Dataset:
    """A dataset whose entities are every id the records mention (name = id upper-cased)."""
    holdings = [r for r in records if isinstance(r, Holding)]
    listings = [r for r in records if isinstance(r, Listing)]
    arrangements = [r for r in records if isinstance(r, Arrangement)]
    explicit = {r.id: r for r in records if isinstance(r, Entity)}
    ids: list[str] = list(explicit)
    for h in holdings:
        ids += [h.owner, h.owned]
    ids += [x.entity for x in listings]
    for a in arrangements:
        ids += [*a.members, a.target]
    countries = countries or {}
    entities = [
        explicit.get(i) or Entity(id=i, name=i.upper(), country=countries.get(i))
        for i in dict.fromkeys(ids)
    ]
    return Dataset(
        entities=entities, holdings=holdings, listings=listings, arrangements=arrangements
    )


@st.composite
def dated_holdings(
    draw: st.DrawFn, ids: list[str], days: list[dt.date | None], shares: list[str]
) -> Holding:
    """A holding between two of ``ids``: exact, range, unknown or control, maybe dated."""
    owner, owned = draw(st.lists(st.sampled_from(ids), unique=True, min_size=2, max_size=2))
    start, end = sorted(
        [draw(st.sampled_from(days)), draw(st.sampled_from(days))],
        key=lambda d: d or dt.date.min,
    )
    record: dict[str, object] = {"owner": owner, "owned": owned, "start": start}
    if end is not None and (start is None or end >= start) and draw(st.booleans()):
        record["end"] = end
    shape = draw(st.sampled_from(["exact", "exact", "range", "unknown", "control"]))
    if shape == "exact":
        record["percent"] = Decimal(draw(st.sampled_from(shares)))
    elif shape == "range":
        low, high = sorted(Decimal(draw(st.sampled_from(shares))) for _ in range(2))
        if low < high:
            record[draw(st.sampled_from(["minimum", "exclusiveMinimum"]))] = low
            record[draw(st.sampled_from(["maximum", "exclusiveMaximum"]))] = high
    elif shape == "control":
        record["kind"] = "control"
    # same sources add up, different ones are alternative figures (ownership.stakes)
    record["sources"] = draw(st.sampled_from([[], [], ["r1"], ["r2"], ["r1", "r2"]]))
    return Holding.model_validate(record)


@st.composite
def dated_datasets(
    draw: st.DrawFn,
    days: list[dt.date],
    shares: list[str],
    *,
    renames: bool = False,
    arrangements: bool = False,
) -> Dataset:
    """Up to 7 entities with dated holdings and listings; maybe renamed, maybe arranged."""
    n = draw(st.integers(1, 7))
    ids = [f"e{i}" for i in range(n)]
    entities = []
    for i in ids:
        former = []
        if renames and draw(st.booleans()):
            former = [FormerName(name=f"OLD {i.upper()}", until=draw(st.sampled_from(days)))]
        country = draw(st.sampled_from(["CN", "US", None]))
        entities.append(Entity(id=i, name=i.upper(), country=country, former_names=former))
    holdings = [
        draw(dated_holdings(ids, [None, *days], shares))
        for _ in range(draw(st.integers(0, 12)) if n > 1 else 0)
    ]
    listings = [
        Listing(
            entity=draw(st.sampled_from(ids)),
            list=draw(st.sampled_from(["sdn", "entity_list", "eu", "uk", "other"])),
            program=draw(st.sampled_from([None, "NPWMD", "RUSSIA-EO14024"])),
            start=draw(st.sampled_from([None, *days])),
        )
        for _ in range(draw(st.integers(0, 4)))
    ]
    joint = []
    if arrangements and n > 2 and draw(st.booleans()):
        members = draw(st.lists(st.sampled_from(ids), unique=True, min_size=3, max_size=3))
        joint = [Arrangement(members=members[:2], target=members[2])]
    return Dataset(entities=entities, holdings=holdings, listings=listings, arrangements=joint)
