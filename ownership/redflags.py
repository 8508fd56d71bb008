"""Red flags reported with an affiliate: signs of evasion or of coverage not yet proven.

- ``renamed_after_listing``: the entity dropped a name after a related party was listed
  (Inspur Systems became Aivres Systems about two months after Inspur Group was listed);
- ``shared_address``: it uses (or used) the same address as a listed entity;
- ``moved_after_listing``: it left an address, or took a new one, after a related party
  was listed;
- ``share_could_reach_threshold``: an unknown or range share could reach the rule's
  threshold (BIS Red Flag 29: establish the share or get a licence).

Related parties are the listed entities of the same ownership group.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from .columns import NO_START, columns_of
from .model import Dataset, Entity, Listing

if TYPE_CHECKING:
    from .analysis import Verdict

__all__ = ["RedFlag", "RedFlagFinder", "moves", "soon_after"]

#: A rename or move this long after a related listing is still worth a look (two years).
AFTER_LISTING_WINDOW = dt.timedelta(days=730)


@dataclass(frozen=True)
class RedFlag:
    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def _address_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def soon_after(day: dt.date, start: dt.date) -> bool:
    """Whether ``day`` is on or after ``start`` and within :data:`AFTER_LISTING_WINDOW`."""
    return dt.timedelta(0) <= day - start <= AFTER_LISTING_WINDOW


def moves(entity: Entity) -> list[tuple[dt.date, str]]:
    """The entity's moves: each address taken on a known day, or, when no start is known,
    each address left on a known day; with what happened."""
    found = [(a.start, f"moved to {a.address!r}") for a in entity.addresses if a.start]
    if not found:
        found = [(a.end, f"left {a.address!r}") for a in entity.addresses if a.end]
    return found


def _listing_text(entity: Entity, listing: Listing) -> str:
    start = listing.start.isoformat() if listing.start else "an unknown date"
    return f"listed {entity.name} ({listing.list}, {start})"


class RedFlagFinder:
    """Red flags of the entities of one group; what they are compared with is found once.

    Related listings are those of the group's other entities that have a start date;
    shared addresses are looked up among the addresses of every listed entity.
    """

    def __init__(self, dataset: Dataset, related: Iterable[str] | np.ndarray) -> None:
        columns = columns_of(dataset)
        self.dataset = dataset
        self.columns = columns
        if isinstance(related, np.ndarray):
            positions = related
        else:
            positions = np.array([columns.index[r] for r in related], dtype=np.int64)
        self.positions = positions

    @cached_property
    def related_listings(self) -> list[tuple[Entity, Listing]]:
        """Dated listings of the group's entities; built only when a former name is compared."""
        listings = self.dataset.listings
        in_group = np.isin(self.columns.listings.entity, self.positions)
        dated = in_group & (self.columns.listings.start != NO_START)
        return [
            (self.entity(listings[k].entity), listings[k]) for k in np.flatnonzero(dated).tolist()
        ]

    @cached_property
    def listed_addresses(self) -> dict[str, list[tuple[str, Entity]]]:
        """Address key -> listed entities using it; built only when an address is compared."""
        found: dict[str, list[tuple[str, Entity]]] = {}
        for position in np.unique(self.columns.listings.entity).tolist():
            listed = self.dataset.entities[position]
            for address in listed.addresses:
                found.setdefault(_address_key(address.address), []).append((listed.id, listed))
        return found

    def entity(self, entity_id: str) -> Entity:
        return self.dataset.entities[self.columns.index[entity_id]]

    def flags(self, entity_id: str, verdict: Verdict | None = None) -> list[RedFlag]:
        """Red flags for ``entity_id`` (``verdict`` adds the share that could reach)."""
        return _flags(self, entity_id, verdict)


def _flags(finder: RedFlagFinder, entity_id: str, verdict: Verdict | None) -> list[RedFlag]:
    entity = finder.entity(entity_id)
    if not entity.addresses and not entity.former_names:
        return _share_flags(verdict)
    listings = [(other, x) for other, x in finder.related_listings if x.entity != entity_id]
    flags: list[RedFlag] = []
    for former in entity.former_names:
        if former.until is None:
            continue
        for other, listing in listings:
            assert listing.start is not None
            gap = former.until - listing.start
            if soon_after(former.until, listing.start):
                flags.append(
                    RedFlag(
                        "renamed_after_listing",
                        f"renamed from {former.name!r} on or after {former.until.isoformat()}, "
                        f"{gap.days} days after {_listing_text(other, listing)}",
                    )
                )
    seen: set[tuple[str, str]] = set()
    for address in entity.addresses:
        for other_id, other in finder.listed_addresses.get(_address_key(address.address), []):
            if other_id == entity_id or (other.id, address.address) in seen:
                continue
            seen.add((other.id, address.address))
            verb = f"used until {address.end.isoformat()}" if address.end else "uses"
            flags.append(
                RedFlag(
                    "shared_address",
                    f"{verb} the address {address.address!r} of listed {other.name}",
                )
            )
    for day, what in moves(entity):
        for other, listing in listings:
            assert listing.start is not None
            gap = day - listing.start
            if soon_after(day, listing.start):
                flags.append(
                    RedFlag(
                        "moved_after_listing",
                        f"{what} on {day.isoformat()}, {gap.days} days after "
                        f"{_listing_text(other, listing)}",
                    )
                )
    return flags + _share_flags(verdict)


def _share_flags(verdict: Verdict | None) -> list[RedFlag]:
    flags = []
    if verdict is not None and "possibly_covered" in verdict.flags:
        flags.append(
            RedFlag(
                "share_could_reach_threshold",
                f"unknown or range shares could give listed owners up to "
                f"{float(verdict.legal_percent_max):g}% (threshold {verdict.threshold}); "
                "establish the share",
            )
        )
    return flags
