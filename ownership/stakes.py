"""What each owner holds in each entity on one date, record by record, in exact decimals.

Several holdings can describe one owner's stake in one entity on a date. Following
docs/rules.md (conventions 9 and 10):

- records that share their provenance (the same sources, or none) add up: they are share
  classes or tranches of one stake;
- records with different provenance are *alternative figures* for one stake: several
  reports of it, not amounts to add. The stake is the range they span, from the lowest
  lower bound to the highest upper bound;
- when the stakes in one entity still add up to more than 100% (or to 100% with a part
  known only to be "more than" its bound), they cannot all be true: the entity's stakes
  are *in conflict*, and each counts from 0 up to its own figure until the figures are
  settled. Coverage that depends on them is then possible, never certain.

The fast path (:func:`ownership.propagate.compile_snapshot`) computes the same with
arrays; :mod:`ownership.oracle` and :mod:`ownership.checks` use this module.

>>> from ownership.model import Holding
>>> day = dt.date(2024, 1, 1)
>>> stakes = stakes_on([
...     Holding(owner="x", owned="a", percent=50, sources=["registry-2019"]),
...     Holding(owner="x", owned="a", percent=48, sources=["registry-2021"]),
... ], day)
>>> s = stakes["x", "a"]
>>> (str(s.low), str(s.high), s.alternatives)
('48', '50', 2)
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from .model import Holding, HoldingKind

__all__ = ["Stake", "conflicting", "provenance", "stakes_on"]

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Stake:
    """One owner's stake in one entity on a date, from every record of it."""

    owner: str
    owned: str
    low: Decimal = Decimal(0)  # lower bound (unknown = 0); 0 when in conflict
    high: Decimal = Decimal(0)  # upper bound (unknown = 100), at most 100
    low_strict: bool = False  # the share is more than ``low`` (an exclusive minimum)
    high_strict: bool = False  # the share is less than ``high`` (an exclusive maximum)
    share: bool = False  # an ownership record is among them
    control: bool = False  # a control link is among them
    alternatives: int = 0  # groups of records with their own provenance (2+: figures differ)
    conflicted: bool = False  # the stakes in ``owned`` cannot all be true on the date


def provenance(holding: Holding) -> tuple[str, ...]:
    """The sources a holding cites, as a key: records with the same key add up."""
    return tuple(sorted(set(holding.sources)))


def stakes_on(
    holdings: Iterable[Holding], day: dt.date, *, settle: bool = True
) -> dict[tuple[str, str], Stake]:
    """Every (owner, owned) stake on ``day``, in the order pairs first appear; with
    ``settle`` false, stakes in conflict keep their figures (and are not marked)."""
    records: dict[tuple[str, str], list[Holding]] = defaultdict(list)
    for hold in holdings:
        if hold.active_on(day):
            records[hold.owner, hold.owned].append(hold)
    stakes = {pair: _stake(pair, items) for pair, items in records.items()}
    if not settle:
        return stakes
    into: dict[str, list[Stake]] = defaultdict(list)
    for stake in stakes.values():
        into[stake.owned].append(stake)
    for owned, items in into.items():
        if conflicting(items):
            for stake in items:
                if stake.share:
                    stakes[stake.owner, owned] = replace(
                        stake, low=Decimal(0), low_strict=False, conflicted=True
                    )
    return stakes


def conflicting(stakes: Iterable[Stake]) -> bool:
    """Stakes in one entity that add up to more than 100%: above it, or at it with one of
    them known only to be more than its bound."""
    shares = [s for s in stakes if s.share]
    total = sum((s.low for s in shares), Decimal(0))
    return total > HUNDRED or (total == HUNDRED and any(s.low_strict for s in shares))


def _stake(pair: tuple[str, str], items: list[Holding]) -> Stake:
    groups: dict[tuple[str, ...], list[Holding]] = defaultdict(list)
    control = False
    for hold in items:
        if hold.kind is HoldingKind.control:
            control = True
        else:
            groups[provenance(hold)].append(hold)
    if not groups:
        return Stake(owner=pair[0], owned=pair[1], control=control)
    bounds = [_added_up(group) for group in groups.values()]
    low = min(b[0] for b in bounds)
    high = max(b[1] for b in bounds)
    return Stake(
        owner=pair[0],
        owned=pair[1],
        low=low,
        high=high,
        low_strict=all(b[2] for b in bounds if b[0] == low),
        high_strict=all(b[3] for b in bounds if b[1] == high),
        share=True,
        control=control,
        alternatives=len(groups),
    )


def _added_up(group: list[Holding]) -> tuple[Decimal, Decimal, bool, bool]:
    """Lower and upper bound of records that add up, and whether each bound is exclusive;
    the upper bound stops at 100 (and is no longer exclusive there)."""
    low = sum((h.lower_bound for h in group), Decimal(0))
    high = min(HUNDRED, sum((h.upper_bound for h in group), Decimal(0)))
    low_strict = any(h.exclusive_minimum is not None for h in group)
    high_strict = high < HUNDRED and any(h.exclusive_maximum is not None for h in group)
    return low, high, low_strict, high_strict
