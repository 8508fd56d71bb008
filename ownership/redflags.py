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
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .model import Dataset, Entity, Listing

if TYPE_CHECKING:
    from .analysis import Verdict

__all__ = ["RedFlag", "red_flags"]

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


def _listing_text(entity: Entity, listing: Listing) -> str:
    start = listing.start.isoformat() if listing.start else "an unknown date"
    return f"listed {entity.name} ({listing.list}, {start})"


def red_flags(
    dataset: Dataset,
    entity_id: str,
    related: set[str],
    verdict: Verdict | None = None,
) -> list[RedFlag]:
    """Red flags for ``entity_id``, given the ids of its related (same-group) entities."""
    entities = dataset.entity_index()
    entity = entities[entity_id]
    listings = [
        (entities[x.entity], x)
        for x in dataset.listings
        if x.entity in related and x.entity != entity_id and x.start is not None
    ]
    flags: list[RedFlag] = []
    for former in entity.former_names:
        if former.until is None:
            continue
        for other, listing in listings:
            assert listing.start is not None
            gap = former.until - listing.start
            if dt.timedelta(0) <= gap <= AFTER_LISTING_WINDOW:
                flags.append(
                    RedFlag(
                        "renamed_after_listing",
                        f"renamed from {former.name!r} on or after {former.until.isoformat()}, "
                        f"{gap.days} days after {_listing_text(other, listing)}",
                    )
                )
    listed_addresses: dict[str, list[Entity]] = {}
    for x in dataset.listings:
        if x.entity == entity_id:
            continue
        for address in entities[x.entity].addresses:
            listed_addresses.setdefault(_address_key(address.address), []).append(
                entities[x.entity]
            )
    seen: set[tuple[str, str]] = set()
    for address in entity.addresses:
        for other in listed_addresses.get(_address_key(address.address), []):
            if (other.id, address.address) in seen:
                continue
            seen.add((other.id, address.address))
            verb = f"used until {address.end.isoformat()}" if address.end else "uses"
            flags.append(
                RedFlag(
                    "shared_address",
                    f"{verb} the address {address.address!r} of listed {other.name}",
                )
            )
    moves = [(a.start, f"moved to {a.address!r}") for a in entity.addresses if a.start]
    if not moves:
        moves = [(a.end, f"left {a.address!r}") for a in entity.addresses if a.end]
    for day, what in moves:
        assert day is not None
        for other, listing in listings:
            assert listing.start is not None
            gap = day - listing.start
            if dt.timedelta(0) <= gap <= AFTER_LISTING_WINDOW:
                flags.append(
                    RedFlag(
                        "moved_after_listing",
                        f"{what} on {day.isoformat()}, {gap.days} days after "
                        f"{_listing_text(other, listing)}",
                    )
                )
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
