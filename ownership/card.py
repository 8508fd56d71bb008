"""An entity card: everything the data says about one entity, with dates and sources.

>>> import ownership
>>> card = entity_card(ownership.load(ownership.bundled_dataset()), "aivres-systems")
>>> [(n.name, n.until) for n in card.names]
[('Inspur Systems, Inc.', datetime.date(2023, 5, 1)), ('Aivres Systems Inc.', None)]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .model import Address, Dataset, Entity, Holding, Identifier, Listing, Source

__all__ = ["EntityCard", "NameSpan", "entity_card", "name_spans"]


@dataclass(frozen=True)
class NameSpan:
    name: str
    since: dt.date | None  # day after the previous name stopped, when known
    until: dt.date | None  # last day used; None for the current name


@dataclass(frozen=True)
class EntityCard:
    entity: Entity
    names: tuple[NameSpan, ...]
    identifiers: tuple[Identifier, ...]
    addresses: tuple[Address, ...]
    owners: tuple[tuple[Holding, str], ...]  # holding and the owner's name
    holdings: tuple[tuple[Holding, str], ...]  # holding and the owned entity's name
    listings: tuple[Listing, ...]
    sources: tuple[Source, ...]

    def _repr_html_(self) -> str:
        import html

        from .display import html_table

        data = self.to_dict()
        names = html_table(data["names"], ("name", "since", "until"), caption="names over time")
        owners = html_table(
            data["owners"], ("owner_name", "share", "start", "end"), caption="owners"
        )
        held = html_table(
            data["holdings"], ("owned_name", "share", "start", "end"), caption="holdings"
        )
        lists = html_table(
            data["listings"], ("list", "program", "start", "end", "citation"), caption="listings"
        )
        return (
            f"<div><h4>{html.escape(self.entity.name)} ({html.escape(self.entity.id)})</h4>"
            f"{names}{owners}{held}{lists}</div>"
        )

    def to_dict(self) -> dict[str, Any]:
        def holding(h: Holding, other: str, key: str) -> dict[str, Any]:
            return {
                key: h.owner if key == "owner" else h.owned,
                f"{key}_name": other,
                "kind": h.kind.value,
                "share": h.share_text(),
                "start": h.start.isoformat() if h.start else None,
                "end": h.end.isoformat() if h.end else None,
                "sources": h.sources,
                "note": h.note,
            }

        e = self.entity
        return {
            "id": e.id,
            "name": e.name,
            "kind": e.kind.value,
            "country": e.country,
            "aliases": e.aliases,
            "names": [
                {
                    "name": n.name,
                    "since": n.since.isoformat() if n.since else None,
                    "until": n.until.isoformat() if n.until else None,
                }
                for n in self.names
            ],
            "identifiers": [i.model_dump() for i in self.identifiers],
            "addresses": [a.model_dump(mode="json", exclude_defaults=True) for a in self.addresses],
            "owners": [holding(h, n, "owner") for h, n in self.owners],
            "holdings": [holding(h, n, "owned") for h, n in self.holdings],
            "listings": [x.model_dump(mode="json", exclude_defaults=True) for x in self.listings],
            "sources": [s.model_dump(mode="json", exclude_defaults=True) for s in self.sources],
            "note": e.note,
        }


def name_spans(entity: Entity) -> tuple[NameSpan, ...]:
    """The entity's names in order: undated former names, dated ones by the day they
    stopped (each from the day after the one before), then the current name."""
    dated = sorted(
        (f for f in entity.former_names if f.until), key=lambda f: f.until or dt.date.min
    )
    names = [NameSpan(f.name, None, None) for f in entity.former_names if not f.until]
    since: dt.date | None = None
    for former in dated:
        names.append(NameSpan(former.name, since, former.until))
        since = former.until + dt.timedelta(days=1) if former.until else None
    names.append(NameSpan(entity.name, since, None))
    return tuple(names)


def entity_card(dataset: Dataset, entity_id: str) -> EntityCard:
    """Collect the card of ``entity_id``; sources are those cited by any fact on it."""
    entities = dataset.entity_index()
    entity = entities[entity_id]
    owners = [(h, entities[h.owner].name) for h in dataset.holdings if h.owned == entity_id]
    held = [(h, entities[h.owned].name) for h in dataset.holdings if h.owner == entity_id]
    listings = [x for x in dataset.listings if x.entity == entity_id]
    cited: list[str] = list(entity.sources)
    for former in entity.former_names:
        cited += former.sources
    for address in entity.addresses:
        cited += address.sources
    for h, _ in [*owners, *held]:
        cited += h.sources
    for x in listings:
        cited += x.sources
    by_id = {s.id: s for s in dataset.sources}
    sources = [by_id[s] for s in dict.fromkeys(cited) if s in by_id]
    sources += [Source(id=s, url=s) for s in dict.fromkeys(cited) if s not in by_id]

    def start_key(pair: tuple[Holding, str]) -> tuple[dt.date, str]:
        return (pair[0].start or dt.date.min, pair[1])

    return EntityCard(
        entity=entity,
        names=name_spans(entity),
        identifiers=tuple(entity.identifiers),
        addresses=tuple(entity.addresses),
        owners=tuple(sorted(owners, key=start_key)),
        holdings=tuple(sorted(held, key=start_key)),
        listings=tuple(sorted(listings, key=lambda x: x.start or dt.date.min)),
        sources=tuple(sources),
    )
