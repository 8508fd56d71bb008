"""A snapshot of the graph compiled into arrays: :class:`Compiled` and
:func:`compile_snapshot`.

Holdings active on a date are merged per (owner, owned) pair as :mod:`ownership.stakes`
says, shares scaled to integers; entities whose stakes cannot all be true, and closed
rings (:func:`inside_closed`), are marked. The pairs are indexed by owner and by owned
entity (CSR), which every propagation walks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..columns import columns_of
from ..derived import derived
from ..model import Dataset
from ..rules.base import Aggregation, Rule
from .arrays import (
    BoolArray,
    IntArray,
    components_among,
    concatenated_ranges,
    cycle_core,
    distinct_pairs,
    offsets,
    order_of_distinct,
    run_starts,
    stable_order,
)

__all__ = [
    "Compiled",
    "arrangement_links",
    "compile_holdings",
    "compile_snapshot",
    "edge_indices",
    "inside_closed",
]


@dataclass
class Compiled:
    """One date's holdings as arrays; pairs (owner, owned) merged, shares scaled to ints."""

    ids: Sequence[str]
    index: Mapping[str, int]
    scale: int
    src: IntArray
    dst: IntArray
    low: NDArray[Any]  # scaled lower bound of the pair's ownership share (0 if none)
    high: NDArray[Any]  # scaled upper bound (100 for unknown)
    low_strict: BoolArray  # the lower bound is exclusive (share > low)
    high_strict: BoolArray
    has_share: BoolArray  # the pair includes an ownership holding
    control: BoolArray  # the pair includes a control link
    out_ptr: IntArray  # CSR by owner: out_edges[out_ptr[i]:out_ptr[i+1]] are pair indices
    out_edges: IntArray
    in_ptr: IntArray
    in_edges: IntArray
    seeds: BoolArray
    out_of_scope: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    #: per pair: records of several provenances gave alternative figures for the stake
    alternative: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    #: per entity: the stakes in it cannot all be true, so each counts from 0
    conflicted: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    #: per entity: on a ring owning itself 100% with no outside owner
    closed_ring: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    #: per pair: a joint arrangement's member -> its target (rules that read arrangements
    #: only); such a pair may carry no stake at all
    arranged: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def usable(self) -> BoolArray:
        """Per pair: the link can carry ownership or control (reachability, exposure)."""
        usable = (self.has_share & (self.high > 0)) | self.control
        return usable | self.arranged if self.arranged.size else usable

    @property
    def n(self) -> int:
        return len(self.ids)

    def scaled(self, value: Decimal) -> int:
        return int(value * self.scale)

    def unscale(self, value: int) -> Decimal:
        return Decimal(int(value)) / Decimal(self.scale)

    def out_pairs(self, node: int) -> IntArray:
        return self.out_edges[self.out_ptr[node] : self.out_ptr[node + 1]]

    def in_pairs(self, node: int) -> IntArray:
        return self.in_edges[self.in_ptr[node] : self.in_ptr[node + 1]]


def compile_snapshot(dataset: Dataset, day: dt.date, rule: Rule) -> Compiled:
    """Compile the holdings active on ``day`` and the seeds ``rule`` reads on that day.

    The holdings part does not depend on the rule: it is compiled once per dataset and
    date (:func:`compile_holdings`) and shared, read-only, by every rule asked about that
    date. The rule adds its seeds, its out-of-scope countries and, for a rule that reads
    joint arrangements, the arrangements' links.
    """
    base = compile_holdings(dataset, day)
    columns = columns_of(dataset)
    n = columns.n
    listings = columns.listings
    active = listings.active(day)
    seeds = np.zeros(n, dtype=bool)
    if active.any():
        rows = np.flatnonzero(active)
        seeds[listings.entity[rows[listings.read_by(rule, rows)]]] = True
    if rule.out_of_scope_countries:
        out_of_scope = np.isin(columns.country, list(rule.out_of_scope_countries))
    else:
        out_of_scope = np.zeros(n, dtype=bool)
    compiled = replace(base, seeds=seeds, out_of_scope=np.asarray(out_of_scope, dtype=bool))
    links = arrangement_links(dataset, day, rule)
    return _with_arrangements(compiled, links) if links else compiled


#: Dates whose compiled holdings are kept per dataset (a timeline asks many in turn).
HOLDINGS_KEPT = 2


def compile_holdings(dataset: Dataset, day: dt.date) -> Compiled:
    """The holdings active on ``day`` compiled into arrays, with no seeds; made once per
    dataset object and date (the last :data:`HOLDINGS_KEPT` dates are kept) and read-only,
    since every rule's :class:`Compiled` shares them.

    Works on the dataset's columns (:mod:`ownership.columns`): pairs are merged as
    :mod:`ownership.stakes` says (records citing the same sources add up, other records
    are alternative figures, stakes that cannot all be true count from 0), with array
    operations. Pairs keep the order in which their first holding appears (as
    :func:`ownership.oracle.reference_compile`).
    """
    kept = derived(dataset).holdings
    found = kept.get(day)
    if found is None:
        found = _compile_holdings(dataset, day)
        for value in vars(found).values():
            if isinstance(value, np.ndarray):
                value.flags.writeable = False
        while len(kept) >= HOLDINGS_KEPT:
            kept.pop(next(iter(kept)))
        kept[day] = found
    return found


def _compile_holdings(dataset: Dataset, day: dt.date) -> Compiled:
    columns = columns_of(dataset)
    n = columns.n
    h = columns.holdings
    rows = np.flatnonzero(h.active(day))
    places = int(h.places[rows].max()) if rows.size else 0
    scale = 10**places
    hundred = 100 * scale
    divisor = 10 ** (columns.places - places)  # exact: every share is a multiple of it
    owner, owned = h.owner[rows], h.owned[rows]
    first, inverse = distinct_pairs(owner, owned, n)
    by_appearance = order_of_distinct(first, rows.size)
    slot_of_unique = np.empty_like(by_appearance)
    slot_of_unique[by_appearance] = np.arange(by_appearance.size)
    slot = slot_of_unique[inverse]
    m = first.size
    first_rows = first[by_appearance]
    src = owner[first_rows].astype(np.int64)
    dst = owned[first_rows].astype(np.int64)
    is_control = h.control[rows]
    shares = ~is_control
    control = np.zeros(m, dtype=bool)
    control[slot[is_control]] = True
    has_share = np.zeros(m, dtype=bool)
    has_share[slot[shares]] = True
    share_rows = rows[shares]
    stake = _stakes(
        m,
        slot[shares],
        h.provenance[share_rows],
        h.low[share_rows] // divisor,
        h.high[share_rows] // divisor,
        h.low_strict[share_rows],
        h.high_strict[share_rows],
        hundred,
    )
    low, high, low_strict, high_strict, alternative = stake
    conflicted = _conflicts(n, dst, has_share, low, low_strict, hundred)
    if conflicted.any():
        into = conflicted[dst] & has_share
        low[into] = 0
        low_strict[into] = False
    share_links = has_share & (low > 0)
    closed = inside_closed(n, src[share_links], dst[share_links], low[share_links], hundred)
    closed_ring = np.zeros(n, dtype=bool)
    closed_ring[dst[share_links][closed]] = True
    return _indexed(
        Compiled(
            ids=columns.ids,
            index=columns.index,
            scale=scale,
            src=src,
            dst=dst,
            low=low,
            high=high,
            low_strict=low_strict,
            high_strict=high_strict,
            has_share=has_share,
            control=control,
            out_ptr=np.zeros(0, dtype=np.int64),
            out_edges=np.zeros(0, dtype=np.int64),
            in_ptr=np.zeros(0, dtype=np.int64),
            in_edges=np.zeros(0, dtype=np.int64),
            seeds=np.zeros(n, dtype=bool),
            out_of_scope=np.zeros(n, dtype=bool),
            alternative=alternative,
            conflicted=conflicted,
            closed_ring=closed_ring,
            arranged=np.zeros(m, dtype=bool),
        )
    )


def _indexed(c: Compiled) -> Compiled:
    """``c`` with its pairs indexed by owner and by owned entity (CSR)."""
    n = c.n
    return replace(
        c,
        out_ptr=offsets(c.src, n),
        out_edges=stable_order(c.src, n),
        in_ptr=offsets(c.dst, n),
        in_edges=stable_order(c.dst, n),
    )


def _with_arrangements(c: Compiled, links: list[tuple[str, str]]) -> Compiled:
    """``c`` with each joint arrangement's member -> target link marked ``arranged``: on
    the pair when the member holds in the target, else as a new pair with no stake."""
    n, m = c.n, c.src.size
    ends = np.array([[c.index[a], c.index[b]] for a, b in links], dtype=np.int64)
    wanted = ends[:, 0] * max(n, 1) + ends[:, 1]
    keys = c.src * max(n, 1) + c.dst  # distinct: one pair per (owner, owned)
    order = np.argsort(keys, kind="stable")
    at = np.minimum(np.searchsorted(keys[order], wanted), max(m - 1, 0))
    known = (keys[order][at] == wanted) if m else np.zeros(wanted.size, dtype=bool)
    arranged = np.zeros(m, dtype=bool)
    arranged[order[at[known]]] = True
    more = int((~known).sum())
    if not more:
        return replace(c, arranged=arranged)
    zeros = np.zeros(more, dtype=c.low.dtype)
    no = np.zeros(more, dtype=bool)
    return _indexed(
        replace(
            c,
            src=np.append(c.src, ends[~known, 0]),
            dst=np.append(c.dst, ends[~known, 1]),
            low=np.append(c.low, zeros),
            high=np.append(c.high, zeros),
            low_strict=np.append(c.low_strict, no),
            high_strict=np.append(c.high_strict, no),
            has_share=np.append(c.has_share, no),
            control=np.append(c.control, no),
            alternative=np.append(c.alternative, no),
            arranged=np.append(arranged, np.ones(more, dtype=bool)),
        )
    )


def arrangement_links(dataset: Dataset, day: dt.date, rule: Rule) -> list[tuple[str, str]]:
    """Member -> target of each joint arrangement active on ``day``, in dataset order and
    once each, for a rule that reads arrangements (per designated person: UK Sch. 1
    para 3). A member with no stake of its own still joins the target: an arrangement
    reaches what a designated member exercises rights in jointly."""
    if rule.aggregation is not Aggregation.per_owner:
        return []
    links = (
        (member, a.target) for a in dataset.arrangements if a.active_on(day) for member in a.members
    )
    return [link for link in dict.fromkeys(links) if link[0] != link[1]]


def _stakes(
    m: int,
    slot: IntArray,
    provenance: IntArray,
    low: NDArray[Any],
    high: NDArray[Any],
    low_strict: BoolArray,
    high_strict: BoolArray,
    hundred: int,
) -> tuple[NDArray[Any], NDArray[Any], BoolArray, BoolArray, BoolArray]:
    """Per pair (``slot`` of each ownership row), the stake's bounds, whether they are
    exclusive, and whether rows of several provenances gave alternative figures.

    Rows of one provenance add up (upper bounds stop at 100); the pair is the range from
    the lowest group's lower bound to the highest group's upper bound. Most data has one
    provenance throughout: then each pair is one group, a plain sum.
    """
    per_pair = not provenance.size or bool((provenance == provenance[0]).all())
    if per_pair:
        group_of, g_slot = slot, np.arange(m)
    else:
        width = int(provenance.max()) + 1
        groups, group_of = np.unique(slot * width + provenance, return_inverse=True)
        group_of, g_slot = group_of.reshape(-1), groups // width
    g = g_slot.size
    g_low = _added(g, group_of, low)
    g_high = np.minimum(_added(g, group_of, high), hundred)
    g_low_strict = np.zeros(g, dtype=bool)
    g_low_strict[group_of[low_strict]] = True
    g_high_strict = np.zeros(g, dtype=bool)
    g_high_strict[group_of[high_strict]] = True
    # a strict upper bound stops mattering once the group's sum is capped at 100
    g_high_strict &= np.asarray(g_high < hundred, dtype=bool)
    alternative = np.bincount(g_slot, minlength=m) > 1
    if per_pair:
        return g_low, g_high, g_low_strict, g_high_strict, alternative
    starts = run_starts(g_slot)  # groups are sorted by slot; every pair with shares has one
    pair_low = np.zeros(m, dtype=low.dtype)
    pair_high = np.zeros(m, dtype=high.dtype)
    pair_low[g_slot[starts]] = np.minimum.reduceat(g_low, starts)
    pair_high[g_slot[starts]] = np.maximum.reduceat(g_high, starts)
    # a bound is exclusive when every group that gives it says so
    pair_low_strict = _all_at(m, g_slot, g_low == pair_low[g_slot], g_low_strict)
    pair_high_strict = _all_at(m, g_slot, g_high == pair_high[g_slot], g_high_strict)
    return pair_low, pair_high, pair_low_strict, pair_high_strict, alternative


def _all_at(m: int, slot: IntArray, chosen: BoolArray, flag: BoolArray) -> BoolArray:
    """Per slot, whether every chosen row (at least one) has ``flag``."""
    chosen_count = np.bincount(slot[chosen], minlength=m)
    flagged = np.bincount(slot[chosen & flag], minlength=m)
    return np.asarray((chosen_count > 0) & (flagged == chosen_count), dtype=bool)


def _conflicts(
    n: int,
    dst: IntArray,
    has_share: BoolArray,
    low: NDArray[Any],
    low_strict: BoolArray,
    hundred: int,
) -> BoolArray:
    """Entities whose stakes cannot all be true: lower bounds above 100, or at 100 with
    one of them exclusive (:func:`ownership.stakes.conflicting`)."""
    total = _added(n, dst[has_share], low[has_share])
    strict = np.bincount(dst[has_share & low_strict], minlength=n) > 0
    return np.asarray((total > hundred) | ((total == hundred) & strict), dtype=bool)


def _added(count: int, slots: IntArray, values: NDArray[Any]) -> NDArray[Any]:
    """Per slot, the exact sum of ``values`` (``slots[k]`` is value k's slot), in their
    own type: int64, or Python ints for shares beyond it."""
    total = np.zeros(count, dtype=values.dtype)
    np.add.at(total, slots, values)
    return total


def inside_closed(
    n: int,
    src: IntArray,
    dst: IntArray,
    low: NDArray[Any],
    hundred: int,
    among: BoolArray | None = None,
) -> BoolArray:
    """Which links ``src -> dst`` (scaled shares ``low``, all positive) lie inside a
    closed ring: entities owning each other with all 100% of each held inside the ring.

    Such a ring has no ultimate owner and makes the look-through equations singular
    (docs/rules.md convention 8); their least solution is what solving without these
    links gives. Only entities receiving exactly 100% can be members, so the rings are
    searched among those alone; ``among`` narrows them further (the members of the
    snapshot's closed rings, :attr:`Compiled.closed_ring`: leaving out links into a
    source can only open a ring, never close one).
    """
    inside = np.zeros(src.size, dtype=bool)
    if src.size == 0 or (among is not None and not among.any()):
        return inside
    full = _added(n, dst, low) == hundred
    if among is not None:
        full &= among
    candidate = np.flatnonzero(full[src] & full[dst])
    if not candidate.size:
        return inside
    # links on no cycle are dropped first; then the strongly connected components of
    # those left, among their own entities renumbered (no levels needed; entities in no
    # ring are components of one, never closed)
    candidate = candidate[cycle_core(n, src[candidate], dst[candidate])]
    if not candidate.size:
        return inside
    members, count, labels = components_among(src[candidate], dst[candidate])
    a, b = np.searchsorted(members, src[candidate]), np.searchsorted(members, dst[candidate])
    within = labels[a] == labels[b]
    inner = _added(members.size, b[within], low[candidate][within])
    # a ring is closed when every member holds all of itself inside it
    open_member = np.bincount(labels, weights=inner != hundred, minlength=count) > 0
    closed = (np.bincount(labels, minlength=count) > 1) & ~open_member
    inside[candidate[within]] = closed[labels[b[within]]]
    return inside


def edge_indices(compiled: Compiled, nodes: IntArray) -> IntArray:
    """Pair indices of every out-edge of ``nodes`` (vectorised CSR gather): the step
    from one frontier to the next of the fixed points and of reachability."""
    starts = compiled.out_ptr[nodes]
    return compiled.out_edges[concatenated_ranges(starts, compiled.out_ptr[nodes + 1] - starts)]
