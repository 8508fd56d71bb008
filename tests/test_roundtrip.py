"""Load -> write -> load loses nothing, in every native form (hypothesis)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ownership.io import load, save
from ownership.model import (
    Address,
    Arrangement,
    Dataset,
    Entity,
    FormerName,
    Holding,
    Identifier,
    Listing,
    Source,
)

text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12
).filter(lambda s: s.strip() == s and s != "")
ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=8)
days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31))
maybe_day = st.none() | days
small_percent = st.decimals(min_value=0, max_value=20, places=4, allow_nan=False)


@st.composite
def interval(draw: st.DrawFn) -> dict[str, dt.date | None]:
    start, end = draw(maybe_day), draw(maybe_day)
    if start and end and start > end:
        start, end = end, start
    return {"start": start, "end": end}


@st.composite
def datasets(draw: st.DrawFn) -> Dataset:
    entity_ids = draw(st.lists(ids, min_size=2, max_size=6, unique=True))
    source_ids = draw(st.lists(ids, max_size=3, unique=True))
    sources = [
        Source(id=s, title=draw(st.none() | text), date=draw(maybe_day), url=draw(st.none() | text))
        for s in source_ids
    ]
    src = (
        st.lists(st.sampled_from(source_ids), max_size=2, unique=True)
        if source_ids
        else st.just([])
    )
    entities = []
    for eid in entity_ids:
        entities.append(
            Entity(
                id=eid,
                name=draw(text),
                kind=draw(st.sampled_from(["company", "person", "government_body", "other"])),
                country=draw(st.none() | st.sampled_from(["CN", "US", "TW", "HK"])),
                aliases=draw(st.lists(text, max_size=3)),
                former_names=[
                    FormerName(name=n, until=draw(maybe_day))
                    for n in draw(st.lists(text, max_size=2))
                ],
                identifiers=[
                    Identifier(scheme=draw(text), value=draw(text))
                    for _ in range(draw(st.integers(0, 2)))
                ],
                addresses=[
                    Address(
                        address=draw(text),
                        country=draw(st.none() | st.just("CN")),
                        **draw(interval()),
                    )
                    for _ in range(draw(st.integers(0, 2)))
                ],
                sources=draw(src),
                note=draw(st.none() | text),
            )
        )
    holdings = []
    for _ in range(draw(st.integers(0, 8))):
        owner, owned = draw(
            st.lists(st.sampled_from(entity_ids), min_size=2, max_size=2, unique=True)
        )
        shape = draw(st.sampled_from(["exact", "range", "unknown", "control"]))
        share: dict[str, object] = {}
        if shape == "exact":
            share = {"percent": draw(small_percent)}
        elif shape == "range":
            low = draw(small_percent)
            high = low + draw(small_percent) + Decimal(1)
            share = {
                draw(st.sampled_from(["minimum", "exclusiveMinimum"])): low,
                draw(st.sampled_from(["maximum", "exclusiveMaximum"])): high,
            }
        elif shape == "control":
            share = {"kind": "control"}
        holdings.append(
            Holding(
                owner=owner,
                owned=owned,
                sources=draw(src),
                note=draw(st.none() | text),
                **share,
                **draw(interval()),
            )
        )
    listings = [
        Listing(
            entity=draw(st.sampled_from(entity_ids)),
            list=draw(st.sampled_from(["entity_list", "sdn", "meu_list", "custom-list"])),
            program=draw(st.none() | text),
            citation=draw(st.none() | text),
            sources=draw(src),
            **draw(interval()),
        )
        for _ in range(draw(st.integers(0, 4)))
    ]
    arrangements = []
    if draw(st.booleans()):
        members = draw(st.lists(st.sampled_from(entity_ids), min_size=2, max_size=3, unique=True))
        target = draw(st.sampled_from(entity_ids))
        arrangements.append(Arrangement(id=draw(st.none() | ids), members=members, target=target))
    return Dataset(
        entities=entities,
        holdings=holdings,
        listings=listings,
        arrangements=arrangements,
        sources=sources,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(datasets(), st.sampled_from(["d.yaml", "d.json", "csvfolder"]))
def test_load_write_load_loses_nothing(original: Dataset, target: str) -> None:
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / target
        save(original, path)
        once = load(path)
        assert once == original
        save(once, path)
        assert load(path) == once
