"""Fast propagation over arrays compiled from a snapshot of the graph.

A snapshot's holdings are merged per (owner, owned) pair and compiled into numpy arrays;
shares become integers scaled by ``10**k`` (``k`` = most decimal places in the data), so
sums stay exact while running at array speed. The functions here compute:

- the least fixed point of covered entities, for a lower and an upper share bound
  (aggregated rules: OFAC, BIS, EU; per-owner: UK);
- reachability from listed entities (exposure), with the nearest listed ancestor;
- integrated (look-through) ownership, solved level by level over strongly connected
  components.

:mod:`ownership.oracle` holds a small, obviously correct implementation that the tests
compare against on random graphs.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .columns import columns_of, sum_into
from .model import Dataset
from .rules.base import Aggregation, Rule, Threshold

__all__ = ["Compiled", "FixedPoint", "compile_snapshot", "covered_fixed_point", "look_through"]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass
class Compiled:
    """One date's holdings as arrays; pairs (owner, owned) merged, shares scaled to ints."""

    ids: list[str]
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

    Works on the dataset's columns (:mod:`ownership.columns`): pairs are merged as
    :mod:`ownership.stakes` says (records citing the same sources add up, other records
    are alternative figures, stakes that cannot all be true count from 0), and seeds
    chosen, with array operations. Pairs keep the order in which their first holding
    appears (as :func:`ownership.oracle.reference_compile`).
    """
    columns = columns_of(dataset)
    n = columns.n
    h = columns.holdings
    rows = np.flatnonzero(h.active(day))
    places = int(h.places[rows].max()) if rows.size else 0
    scale = 10**places
    hundred = 100 * scale
    divisor = 10 ** (columns.places - places)  # exact: every share is a multiple of it
    owner, owned = h.owner[rows], h.owned[rows]
    keys = owner * max(n, 1) + owned
    unique_keys, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    by_appearance = _order_of_distinct(first, rows.size)
    slot_of_unique = np.empty_like(by_appearance)
    slot_of_unique[by_appearance] = np.arange(by_appearance.size)
    slot = slot_of_unique[inverse.reshape(-1)]
    m = unique_keys.size
    first_rows = first[by_appearance]
    src = owner[first_rows].astype(np.int64)
    dst = owned[first_rows].astype(np.int64)
    is_control = h.control[rows]
    shares = ~is_control
    control = np.zeros(m, dtype=bool)
    control[slot[is_control]] = True
    has_share = np.zeros(m, dtype=bool)
    has_share[slot[shares]] = True
    stake = _stakes(
        m,
        slot[shares],
        h.provenance[rows][shares],
        h.low[rows][shares] // divisor,
        h.high[rows][shares] // divisor,
        h.low_strict[rows][shares],
        h.high_strict[rows][shares],
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
    arranged = np.zeros(m, dtype=bool)
    links = arrangement_links(dataset, day, rule)
    if links:
        ends = np.array([[columns.index[a], columns.index[b]] for a, b in links], dtype=np.int64)
        wanted = ends[:, 0] * max(n, 1) + ends[:, 1]
        keys = src * max(n, 1) + dst  # distinct: one pair per (owner, owned)
        order = np.argsort(keys, kind="stable")
        at = np.minimum(np.searchsorted(keys[order], wanted), max(m - 1, 0))
        known = (keys[order][at] == wanted) if m else np.zeros(wanted.size, dtype=bool)
        arranged[order[at[known]]] = True
        more = int((~known).sum())
        if more:
            src = np.append(src, ends[~known, 0])
            dst = np.append(dst, ends[~known, 1])
            zeros = np.zeros(more, dtype=low.dtype)
            low, high = np.append(low, zeros), np.append(high, zeros)
            no = np.zeros(more, dtype=bool)
            low_strict, high_strict = np.append(low_strict, no), np.append(high_strict, no)
            has_share, control = np.append(has_share, no), np.append(control, no)
            alternative = np.append(alternative, no)
            arranged = np.append(arranged, np.ones(more, dtype=bool))
    out_ptr = np.zeros(n + 1, dtype=np.int64)
    in_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=out_ptr[1:])
    np.cumsum(np.bincount(dst, minlength=n), out=in_ptr[1:])

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
    return Compiled(
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
        out_ptr=out_ptr,
        out_edges=stable_order(src, n),
        in_ptr=in_ptr,
        in_edges=stable_order(dst, n),
        seeds=seeds,
        out_of_scope=np.asarray(out_of_scope, dtype=bool),
        alternative=alternative,
        conflicted=conflicted,
        closed_ring=closed_ring,
        arranged=arranged,
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
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    inside = np.zeros(src.size, dtype=bool)
    if src.size == 0 or (among is not None and not among.any()):
        return inside
    full = _added(n, dst, low) == hundred
    if among is not None:
        full &= among
    candidate = np.flatnonzero(full[src] & full[dst])
    if not candidate.size:
        return inside
    # the strongly connected components of the links among candidates (no levels needed;
    # entities in no ring are components of one, never closed)
    a, b = src[candidate], dst[candidate]
    graph = sparse.csr_matrix((np.ones(candidate.size, dtype=np.int8), (a, b)), shape=(n, n))
    count, labels = connected_components(graph, directed=True, connection="strong")
    within = labels[a] == labels[b]
    inner = _added(n, b[within], low[candidate][within])
    # a ring is closed when every member holds all of itself inside it
    open_member = np.bincount(labels, weights=inner != hundred, minlength=count) > 0
    closed = (np.bincount(labels, minlength=count) > 1) & ~open_member
    inside[candidate[within]] = closed[labels[b[within]]]
    return inside


def stable_order(keys: IntArray, count: int) -> IntArray:
    """``np.argsort(keys, kind="stable")`` for keys in ``range(count)``, by counting: a
    one-row sparse matrix turned column-major keeps each column's entries in row order."""
    from scipy import sparse

    m = keys.size
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    row = sparse.csr_matrix(
        (np.arange(m, dtype=np.int64), keys, np.array([0, m])), shape=(1, max(count, 1))
    )
    return np.asarray(row.tocsc().data, dtype=np.int64)


def run_starts(values: IntArray) -> IntArray:
    """Where each run of equal values starts."""
    if values.size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.append(True, values[1:] != values[:-1]))


def _distinct(values: IntArray) -> IntArray:
    """``np.unique(values)`` by sorting: numpy's hashed unique is slower on the small
    arrays of each round of a frontier."""
    ordered = np.sort(values)
    return ordered[run_starts(ordered)]


def _order_of_distinct(values: IntArray, count: int) -> IntArray:
    """``np.argsort(values)`` for distinct values in ``range(count)``, without sorting."""
    slot = np.full(count, -1, dtype=np.int64)
    slot[values] = np.arange(values.size)
    return slot[slot >= 0]


# --------------------------------------------------------------------------- fixed points


@dataclass
class FixedPoint:
    """The covered set for one bound, with what each entity received from covered owners.

    ``round[i]`` is the round in which entity ``i`` joined (0 for seeds, -1 if never):
    a covered entity's chain follows owners from earlier rounds, so it cannot loop.
    ``owner_of[i]`` (per-owner rules) is the designated person whose holdings cover ``i``.
    """

    covered: BoolArray
    received: NDArray[Any]  # scaled sum of shares from covered owners (capped for upper)
    round: IntArray
    owner_of: IntArray | None = None


def _certain_totals(compiled: Compiled) -> tuple[NDArray[Any], IntArray]:
    """Per entity, the lower bounds of every share in it, and how many are exclusive."""
    n, dst, shares = compiled.n, compiled.dst, compiled.has_share
    strict = compiled.low_strict.astype(np.int64)
    return sum_into(n, dst, compiled.low, shares), sum_into(n, dst, strict, shares)


def _edge_indices(compiled: Compiled, nodes: IntArray) -> IntArray:
    """Pair indices of every out-edge of ``nodes`` (vectorised CSR gather)."""
    starts = compiled.out_ptr[nodes]
    return compiled.out_edges[concatenated_ranges(starts, compiled.out_ptr[nodes + 1] - starts)]


def _limit(threshold: Threshold, scale: int) -> tuple[int, bool]:
    """The threshold in the scaled units shares are summed in, rounded down, and whether
    that is exact (a custom ``50.5`` over whole shares is not: 50 must not meet it)."""
    bound = threshold.value * scale
    limit = math.floor(bound)
    return limit, bound == limit


def _meets(total: Any, strict_terms: Any, threshold: Threshold, cut: tuple[int, bool]) -> Any:
    """``total`` (a sum of bounds; an int or an array) meets the threshold, ``cut`` from
    :func:`_limit`; exclusive terms make a tie strict."""
    limit, exact = cut
    tie = (total == limit) & exact
    if threshold.inclusive:
        return (total > limit) | tie
    return (total > limit) | (tie & (strict_terms > 0))


def covered_fixed_point(
    compiled: Compiled, rule: Rule, threshold: Threshold, *, upper: bool
) -> FixedPoint:
    """Least fixed point of the aggregated rule (all listed owners' shares add up).

    Lower bound: each pair at its lower bound (unknown = 0). Upper bound: each pair at its
    upper bound (unknown = 100), the sum capped by what owners outside the set must hold.
    """
    n = compiled.n
    dtype = compiled.low.dtype
    hundred = 100 * compiled.scale
    limit = _limit(threshold, compiled.scale)
    covered = compiled.seeds.copy()
    rounds = np.full(n, -1, dtype=np.int64)
    rounds[covered] = 0
    acc = np.zeros(n, dtype=dtype)  # shares (bound) received from covered owners
    acc_strict = np.zeros(n, dtype=np.int64)
    share_mask = compiled.has_share
    if upper:
        # Lower bounds held by owners outside the set cap the upper share (100 - outside).
        total_low, total_low_strict = _certain_totals(compiled)
        in_low = np.zeros(n, dtype=dtype)
        in_low_strict = np.zeros(n, dtype=np.int64)
        values, strict = compiled.high, compiled.high_strict
    else:
        values, strict = compiled.low, compiled.low_strict
    frontier = np.flatnonzero(covered)
    level = 0
    while frontier.size:
        level += 1
        edges = _edge_indices(compiled, frontier)
        if edges.size == 0:
            break
        targets = compiled.dst[edges]
        shares = edges[share_mask[edges]]
        np.add.at(acc, compiled.dst[shares], values[shares])
        np.add.at(acc_strict, compiled.dst[shares], strict[shares].astype(np.int64))
        if upper:
            np.add.at(in_low, compiled.dst[shares], compiled.low[shares])
            np.add.at(
                in_low_strict, compiled.dst[shares], compiled.low_strict[shares].astype(np.int64)
            )
        candidates = np.unique(targets)
        candidates = candidates[~covered[candidates]]
        if candidates.size == 0:
            break
        if upper:
            outside = total_low[candidates] - in_low[candidates]
            cap = hundred - outside
            got = acc[candidates]
            share = np.minimum(got, cap)
            cap_strict = (total_low_strict[candidates] - in_low_strict[candidates]) > 0
            hi_strict = acc_strict[candidates] > 0
            tie_strict = np.where(
                got < cap, hi_strict, np.where(cap < got, cap_strict, hi_strict | cap_strict)
            )
            meets = _meets_upper(share, ~tie_strict, threshold, limit)
        else:
            meets = _meets(acc[candidates], acc_strict[candidates], threshold, limit)
        if rule.control_counts:
            ctrl_edges = edges[compiled.control[edges]]
            if ctrl_edges.size:
                by_control = np.zeros(n, dtype=bool)
                by_control[compiled.dst[ctrl_edges]] = True
                meets = meets | by_control[candidates]
        new = candidates[meets]
        covered[new] = True
        rounds[new] = level
        frontier = new
    if upper:
        outside = total_low - in_low
        received = np.minimum(acc, hundred - outside)
    else:
        received = acc
    return FixedPoint(covered=covered, received=received, round=rounds)


class _Person:
    """One designated person's running totals while its holdings are traced."""

    def __init__(self, seed: int, compiled: Compiled, values: NDArray[Any], strict: BoolArray):
        self.seed = seed
        self.compiled = compiled
        self.values = values
        self.strict = strict
        self.own: dict[int, int] = {seed: 0}  # entities it owns or controls -> round joined
        self.counted: dict[int, set[int]] = defaultdict(set)  # target -> owners counted
        self.acc: dict[int, int] = defaultdict(int)
        self.acc_strict: dict[int, int] = defaultdict(int)
        self.in_low: dict[int, int] = defaultdict(int)
        self.in_low_strict: dict[int, int] = defaultdict(int)
        self.controlled: set[int] = set()
        self.arrangements: set[int] = set()

    def count(self, owner: int, target: int, pair: int) -> list[int]:
        """Count ``owner``'s share of ``target`` for this person, once; the targets touched."""
        c = self.compiled
        return self.add(
            owner,
            target,
            bool(c.has_share[pair]),
            int(self.values[pair]),
            int(self.strict[pair]),
            int(c.low[pair]),
            int(c.low_strict[pair]),
        )

    def add(
        self,
        owner: int,
        target: int,
        has_share: bool,
        value: int,
        strict: int,
        low: int,
        low_strict: int,
    ) -> list[int]:
        """:meth:`count` with the pair's columns already read."""
        if not has_share or owner in self.counted[target]:
            return []
        self.counted[target].add(owner)
        self.acc[target] += value
        self.acc_strict[target] += strict
        self.in_low[target] += low
        self.in_low_strict[target] += low_strict
        return [target]


def _person_share(
    got: int,
    got_strict: int,
    outside: int,
    outside_strict: int,
    threshold: Threshold,
    limit: tuple[int, bool],
    scale: int,
    *,
    upper: bool,
) -> tuple[int, bool]:
    """One person's share of an entity and whether it meets the threshold (``limit`` from
    :func:`_limit`); on plain ints, as it runs once per entity a person touches."""
    if not upper:
        return got, _meets(got, got_strict, threshold, limit)
    cap = 100 * scale - outside
    share = min(got, cap)
    if got < cap:
        tie = got_strict > 0
    elif cap < got:
        tie = outside_strict > 0
    else:
        tie = got_strict > 0 or outside_strict > 0
    return share, _meets_upper(share, not tie, threshold, limit)


def _meets_upper(share: Any, tie_allowed: Any, threshold: Threshold, cut: tuple[int, bool]) -> Any:
    """The largest possible share (an int or an array) can meet the threshold, ``cut``
    from :func:`_limit`; a tie counts only where ``tie_allowed`` (the bound is not
    exclusive)."""
    limit, exact = cut
    if threshold.inclusive:
        return (share > limit) | ((share == limit) & exact & tie_allowed)
    return share > limit


def per_owner_fixed_point(
    compiled: Compiled,
    rule: Rule,
    threshold: Threshold,
    *,
    upper: bool,
    arrangements: list[tuple[list[int], int]],
) -> FixedPoint:
    """UK: each designated person's own holdings, direct and through entities it owns.

    Shares of different designated persons are never added; a joint arrangement counts for
    a person when any member is that person or an entity it already owns or controls, and
    then every member's shares count (UK Sch. 1 para 3; convention 6).
    """
    n = compiled.n
    covered = compiled.seeds.copy()
    rounds = np.full(n, -1, dtype=np.int64)
    rounds[covered] = 0
    owner_of = np.full(n, -1, dtype=np.int64)
    best = np.zeros(n, dtype=compiled.low.dtype)  # largest share one person reaches
    values = compiled.high if upper else compiled.low
    strict = compiled.high_strict if upper else compiled.low_strict
    by_member: dict[int, list[int]] = defaultdict(list)
    for number, (members, _) in enumerate(arrangements):
        for member in members:
            by_member[member].append(number)
    pair_index = (
        {
            (int(s), int(d)): k
            for k, (s, d) in enumerate(zip(compiled.src, compiled.dst, strict=True))
        }
        if arrangements
        else {}
    )  # only joint arrangements look pairs up
    total_low, total_low_strict = _certain_totals(compiled)

    limit = _limit(threshold, compiled.scale)
    control_counts = rule.control_counts
    columns = (
        compiled.dst,
        compiled.has_share,
        values,
        strict.astype(np.int64),
        compiled.low,
        compiled.low_strict.astype(np.int64),
        compiled.control,
    )
    for seed in np.flatnonzero(compiled.seeds):
        person = _Person(int(seed), compiled, values, strict)
        queue = deque([person.seed])
        while queue:
            node = queue.popleft()
            touched: list[int] = []
            pairs = compiled.out_pairs(node)
            # stakes into entities the person already owns still count: what it holds
            # in the end is reported, whatever order the links were followed in
            for target, has_share, value, is_strict, low, low_strict, control in zip(
                *(column[pairs].tolist() for column in columns), strict=True
            ):
                if target == person.seed:
                    continue
                touched += person.add(node, target, has_share, value, is_strict, low, low_strict)
                if control_counts and control:
                    person.controlled.add(target)
                    touched.append(target)
            for number in by_member.get(node, []):
                if number in person.arrangements:
                    continue
                person.arrangements.add(number)
                members, target = arrangements[number]
                for member in members:
                    k2 = pair_index.get((member, target))
                    if k2 is not None:
                        touched += person.count(member, target, k2)
            for target in dict.fromkeys(touched):
                if target == person.seed:
                    continue
                share, meets = _person_share(
                    person.acc[target],
                    person.acc_strict[target],
                    int(total_low[target]) - person.in_low[target],
                    int(total_low_strict[target]) - person.in_low_strict[target],
                    threshold,
                    limit,
                    compiled.scale,
                    upper=upper,
                )
                best[target] = max(best[target], share)
                if target not in person.own and (meets or target in person.controlled):
                    person.own[target] = person.own[node] + 1
                    queue.append(target)
        own = person.own
        for entity, joined in own.items():
            if entity == seed:
                continue
            if not covered[entity] or joined < rounds[entity]:
                rounds[entity] = joined
                owner_of[entity] = seed
            covered[entity] = True
    return FixedPoint(covered=covered, received=best, round=rounds, owner_of=owner_of)


# --------------------------------------------------------------------------- reachability


@dataclass
class Reachability:
    """Entities reachable from the seeds along active links, with nearest seed and parent."""

    reached: BoolArray
    depth: IntArray
    parent: IntArray  # pair index of the link used to reach the entity (-1 for seeds / unreached)
    nearest_seed: IntArray


def reach_from_seeds(compiled: Compiled) -> Reachability:
    """Breadth-first from every seed over links that can carry ownership or control."""
    n = compiled.n
    usable = compiled.usable()
    reached = compiled.seeds.copy()
    depth = np.full(n, -1, dtype=np.int64)
    parent = np.full(n, -1, dtype=np.int64)
    nearest = np.full(n, -1, dtype=np.int64)
    frontier = np.flatnonzero(reached)
    depth[frontier] = 0
    nearest[frontier] = frontier
    level = 0
    while frontier.size:
        level += 1
        edges = _edge_indices(compiled, frontier)
        edges = edges[usable[edges]]
        if edges.size == 0:
            break
        # smallest source id first so that results do not depend on input order
        order = np.lexsort((compiled.src[edges], compiled.dst[edges]))
        edges = edges[order]
        targets = compiled.dst[edges]
        fresh = ~reached[targets]
        edges, targets = edges[fresh], targets[fresh]
        targets, first = np.unique(targets, return_index=True)
        chosen = edges[first]
        reached[targets] = True
        depth[targets] = level
        parent[targets] = chosen
        nearest[targets] = nearest[compiled.src[chosen]]
        frontier = targets
    return Reachability(reached=reached, depth=depth, parent=parent, nearest_seed=nearest)


# --------------------------------------------------------------------------- look-through


def look_through(compiled: Compiled) -> NDArray[np.float64]:
    """Effective share (0..1) of every entity held by the seeds; seeds themselves get 1.

    Solves ``x = b + M x`` exactly (up to float rounding): strongly connected components in
    topological order, a whole level of them at a time; single entities by substitution,
    rings by a small linear solve. A ring owning itself 100% with no outside owner gets
    the least solution, 0 (docs/rules.md convention 8).
    """
    n, seeds = compiled.n, compiled.seeds
    keep = compiled.has_share & (compiled.low > 0)
    low = compiled.low[keep]
    weight = low.astype(np.float64) / float(100 * compiled.scale)
    rings = (low, 100 * compiled.scale, compiled.closed_ring)
    return _settle(n, compiled.src[keep], compiled.dst[keep], weight, seeds, rings)


def _settle(
    n: int,
    src: IntArray,
    dst: IntArray,
    weight: NDArray[np.float64],
    sources: BoolArray,
    rings: tuple[NDArray[Any], int, BoolArray] | None = None,
) -> NDArray[np.float64]:
    """``x = 1`` at ``sources`` and ``x = sum of weight * x`` over the links into every
    other entity (links into a source are dropped: it absorbs), clipped to 0..1.

    Strongly connected components in topological order, a whole level of them at a
    time; single entities by substitution, rings by a small linear solve. ``rings``
    (each link's share as an exact scaled integer, 100 in that scale, and the members of
    closed rings) lets closed rings be given their least solution
    (:func:`_without_closed_rings`).
    """
    keep = np.flatnonzero(~sources[dst])
    if rings is not None:
        exact, hundred, among = rings
        keep = keep[_without_closed_rings(n, src[keep], dst[keep], exact[keep], hundred, among)]
    src, dst, weight = src[keep], dst[keep], weight[keep]
    from_seed = sources[src]
    b = np.zeros(n, dtype=np.float64)
    np.add.at(b, dst[from_seed], weight[from_seed])
    inner = ~from_seed
    src, dst, weight = src[inner], dst[inner], weight[inner]
    x = np.where(sources, 1.0, 0.0)
    if src.size == 0:
        x[~sources] = b[~sources]
        return x
    labels, sizes, within, node_level = condensation(n, src, dst)
    count = sizes.size
    levels = int(node_level.max()) + 1
    # edges grouped by the level of the entity they lead into
    cross_order = stable_order(node_level[dst[~within]], levels)
    c_src, c_dst, c_w = (
        src[~within][cross_order],
        dst[~within][cross_order],
        weight[~within][cross_order],
    )
    c_bounds = np.searchsorted(node_level[c_dst], np.arange(levels + 1))
    ring_order = stable_order(labels[dst[within]], count)
    r_src, r_dst = src[within][ring_order], dst[within][ring_order]
    r_w = weight[within][ring_order]
    r_labels = labels[r_dst]
    ringed = np.flatnonzero(sizes[labels] > 1)
    ringed = ringed[stable_order(labels[ringed], count)]
    ring_members = np.split(ringed, np.flatnonzero(np.diff(labels[ringed])) + 1)
    ring_edges = np.searchsorted(r_labels, np.arange(count + 1))
    rings_at: dict[int, list[np.ndarray]] = defaultdict(list)
    for members in ring_members:
        if members.size:
            rings_at[int(node_level[members[0]])].append(members)
    solved = np.zeros(n, dtype=np.float64)
    roots = (sizes[labels] == 1) & (node_level == 0)  # nothing flows in from non-sources
    solved[roots] = b[roots]
    position = np.zeros(n, dtype=np.int64)
    for lvl in range(len(c_bounds) - 1):
        lo, hi = c_bounds[lvl], c_bounds[lvl + 1]
        inflow_dst = c_dst[lo:hi]
        np.add.at(b, inflow_dst, c_w[lo:hi] * solved[c_src[lo:hi]])
        for members in rings_at.get(lvl, ()):
            comp = labels[members[0]]
            e_lo, e_hi = ring_edges[comp], ring_edges[comp + 1]
            position[members] = np.arange(members.size)
            at = (position[r_dst[e_lo:e_hi]], position[r_src[e_lo:e_hi]])
            solved[members] = _ring_solve(members.size, at, r_w[e_lo:e_hi], b[members])
        singles = _distinct(inflow_dst)
        singles = singles[sizes[labels[singles]] == 1]
        solved[singles] = b[singles]
    x = np.where(sources, 1.0, solved)
    return np.clip(x, 0.0, 1.0)


#: Rings of more members than this are solved as sparse systems: a dense one needs
#: size**2 numbers (a 100,000-member ring would ask for 75 GiB).
DENSE_SOLVE = 256


def _ring_solve(
    size: int, at: tuple[IntArray, IntArray], weight: NDArray[np.float64], inflow: NDArray[Any]
) -> NDArray[np.float64]:
    """``x`` with ``x = inflow + W x`` for one ring, ``W[at] = weight`` (row = owned)."""
    if size <= DENSE_SOLVE:
        system = np.identity(size)
        np.add.at(system, at, -weight)
        return np.asarray(np.linalg.solve(system, inflow))
    from scipy import sparse
    from scipy.sparse.linalg import spsolve

    inside = sparse.csc_matrix((weight, at), shape=(size, size))
    return np.asarray(spsolve(sparse.identity(size, format="csc") - inside, inflow))


def condensation(
    n: int, src: IntArray, dst: IntArray
) -> tuple[IntArray, IntArray, BoolArray, IntArray]:
    """The strongly connected components of the links ``src -> dst`` among ``n``
    entities: each entity's ``label``, each component's ``size``, which links lie
    ``within`` one, and each entity's level (the longest chain of components above its
    own), so that every other link leads to a higher level."""
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    graph = sparse.csr_matrix((np.ones(src.size, dtype=np.int8), (src, dst)), shape=(n, n))
    count, labels = connected_components(graph, directed=True, connection="strong")
    sizes = np.bincount(labels, minlength=count)
    within = labels[src] == labels[dst]
    level = _component_levels(labels[src[~within]], labels[dst[~within]], count)
    return labels, sizes, within, level[labels]


def _component_levels(parents: IntArray, children: IntArray, count: int) -> IntArray:
    """Longest-path level of each component in the condensed (acyclic) graph, frontier by
    frontier (Kahn), so each link is looked at once."""
    level = np.zeros(count, dtype=np.int64)
    if parents.size == 0:
        return level
    order = stable_order(parents, count)
    parents, children = parents[order], children[order]
    bounds = np.searchsorted(parents, np.arange(count + 1))
    waiting = np.bincount(children, minlength=count)
    frontier = np.flatnonzero(waiting == 0)
    depth = 0
    while frontier.size:
        starts = bounds[frontier]
        targets = children[concatenated_ranges(starts, bounds[frontier + 1] - starts)]
        level[targets] = depth + 1
        np.subtract.at(waiting, targets, 1)
        frontier = _distinct(targets[waiting[targets] == 0])
        depth += 1
    return level


def _without_closed_rings(
    n: int,
    src: IntArray,
    dst: IntArray,
    low: NDArray[Any],
    hundred: int,
    among: BoolArray | None = None,
) -> BoolArray:
    """The links to keep when solving look-through shares: all but those inside a closed
    ring (:func:`inside_closed`). Its members then hold what reaches them from outside,
    which is nothing: the least solution of their singular equations."""
    return ~inside_closed(n, src, dst, low, hundred, among)


def relative_shares(
    compiled: Compiled, source: int, nodes: IntArray, *, upward: bool = False
) -> dict[int, float]:
    """Effective share (0..1) linking ``source`` with each of ``nodes`` through all paths.

    Downward: how much of each node ``source`` owns, directly and indirectly. Upward: how
    much of ``source`` each node owns. Only the subgraph of ``nodes`` is solved, so a query
    about one group stays fast on a large dataset. Unknown shares count as 0.
    """
    members, shares = relative_share_array(compiled, source, nodes, upward=upward)
    return dict(zip(members.tolist(), shares.tolist(), strict=True))


#: Systems at least this large are solved component by component; smaller ones directly.
IN_ORDER_FROM = 20_000


def relative_share_array(
    compiled: Compiled, source: int, nodes: IntArray, *, upward: bool = False
) -> tuple[IntArray, NDArray[np.float64]]:
    """:func:`relative_shares` as two arrays: the members solved (sorted) and their shares.

    A large group is solved component by component as :func:`look_through` solves the
    whole graph (:func:`_settle`): a direct sparse solve of a conglomerate of half a
    million entities takes tens of seconds.
    """
    from scipy import sparse
    from scipy.sparse.linalg import spsolve

    member = np.zeros(compiled.n, dtype=bool)
    member[nodes] = True
    member[source] = True
    members = np.flatnonzero(member)
    local = np.full(compiled.n, -1, dtype=np.int64)
    local[members] = np.arange(members.size)
    keep = (
        compiled.has_share
        & (compiled.low > 0)
        & (local[compiled.src] >= 0)
        & (local[compiled.dst] >= 0)
    )
    src, dst = local[compiled.src[keep]], local[compiled.dst[keep]]
    if upward:
        src, dst = dst, src
    low = compiled.low[keep]
    weight = low.astype(np.float64) / float(100 * compiled.scale)
    s = int(local[source])
    size = members.size
    flows = dst != s  # the source absorbs: nothing flows back into it
    owner, owned = (dst, src) if upward else (src, dst)
    flows[flows] = _without_closed_rings(
        size, owner[flows], owned[flows], low[flows], 100 * compiled.scale,
        compiled.closed_ring[members] if compiled.closed_ring.size else None,
    )  # fmt: skip
    src, dst, weight = src[flows], dst[flows], weight[flows]
    if size >= IN_ORDER_FROM:
        source_only = np.zeros(size, dtype=bool)
        source_only[s] = True
        solved = _settle(size, src, dst, weight, source_only)
    elif size > 1:
        rhs = np.zeros(size)
        rhs[s] = 1.0
        matrix = sparse.csc_matrix((weight, (dst, src)), shape=(size, size))
        solved = np.asarray(spsolve(sparse.identity(size, format="csc") - matrix, rhs))
    else:
        solved = np.array([1.0])
    return members, np.clip(solved, 0.0, 1.0)


def concatenated_ranges(starts: IntArray, lengths: IntArray) -> IntArray:
    """The integers ``starts[k] .. starts[k] + lengths[k] - 1`` for every k, in order."""
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return np.arange(total) + shift


#: Entry updates exact look-through may spend in one analysis: enough for rings of
#: thousands of members that fill in little, never an unbounded wait.
EXACT_BUDGET = 5_000_000


def exact_look_through(
    compiled: Compiled, targets: IntArray, *, budget_steps: int = EXACT_BUDGET
) -> dict[int, Fraction]:
    """Exact effective shares (rationals, 0..1) of ``targets``, held by the seeds.

    Used where a float result sits on a threshold: only the targets' ancestors are solved,
    component by component in topological order (substitution for single entities, sparse
    exact elimination inside rings), so the cost follows the size of those ancestries.
    A target below a ring that would take more than ``budget_steps`` to solve exactly is
    left out of the result: undecided, not guessed.
    """
    import networkx as nx

    keep = compiled.has_share & (compiled.low > 0) & ~compiled.seeds[compiled.dst]
    hundred = 100 * compiled.scale
    keep[keep] = _without_closed_rings(
        compiled.n, compiled.src[keep], compiled.dst[keep], compiled.low[keep], hundred,
        compiled.closed_ring if compiled.closed_ring.size else None,
    )  # fmt: skip

    def kept_into(nodes: IntArray) -> IntArray:
        """The kept links into ``nodes``, from the snapshot's index by owned entity."""
        ptr = compiled.in_ptr
        links = compiled.in_edges[concatenated_ranges(ptr[nodes], ptr[nodes + 1] - ptr[nodes])]
        return links[keep[links]]

    # the ancestries of the targets, stopping at seeds (they absorb), a level at a time
    wanted = np.zeros(compiled.n, dtype=bool)
    frontier = np.unique(np.asarray(targets, dtype=np.int64))
    wanted[frontier] = True
    while frontier.size:
        found = np.unique(compiled.src[kept_into(frontier[~compiled.seeds[frontier]])])
        frontier = found[~wanted[found]]
        wanted[frontier] = True
    needed = set(np.flatnonzero(wanted).tolist())
    owners: dict[int, list[tuple[int, Fraction]]] = defaultdict(list)
    into_needed = kept_into(np.flatnonzero(wanted & ~compiled.seeds))
    for owner, owned, low in zip(
        compiled.src[into_needed].tolist(),
        compiled.dst[into_needed].tolist(),
        compiled.low[into_needed].tolist(),
        strict=True,
    ):
        owners[owned].append((owner, Fraction(int(low), hundred)))
    graph = nx.DiGraph()
    graph.add_nodes_from(needed)
    graph.add_edges_from(
        (owner, node)
        for node in needed
        if not compiled.seeds[node]
        for owner, _ in owners.get(node, ())
    )
    value: dict[int, Fraction] = {}
    budget = [budget_steps]
    condensed = nx.condensation(graph)
    for component in nx.topological_sort(condensed):
        members = sorted(condensed.nodes[component]["members"])
        if len(members) == 1 and compiled.seeds[members[0]]:
            value[members[0]] = Fraction(1)
            continue
        inside = set(members)
        position = {node: i for i, node in enumerate(members)}
        # (I - M) x = b, with b from owners outside the component (already solved)
        rows: list[dict[int, Fraction]] = [{k: Fraction(1)} for k in range(len(members))]
        rhs = [Fraction(0)] * len(members)
        decided = True
        for node in members:
            at = position[node]
            for owner, share in owners.get(node, ()):
                if owner in inside:
                    rows[at][position[owner]] = rows[at].get(position[owner], 0) - share
                elif owner in value:
                    rhs[at] += share * value[owner]
                else:
                    decided = False  # an owner above could not be decided
        solved = _exact_sparse_solve(rows, rhs, budget) if decided else None
        if solved is not None:
            for node in members:
                value[node] = solved[position[node]]
    return {int(t): value[int(t)] for t in targets if int(t) in value}


def _exact_sparse_solve(
    rows: list[dict[int, Fraction]], rhs: list[Fraction], budget: list[int]
) -> list[Fraction] | None:
    """``x`` with ``rows @ x = rhs`` (each row a sparse ``{column: value}``), by Gaussian
    elimination in column order; None when it would take more than ``budget[0]`` entry
    updates (what is spent is taken off) or meets a zero pivot.

    Look-through systems ``I - M`` are diagonally dominant (no entity holds more than
    100% of itself from inside a ring that is not closed), so the diagonal pivots do; a
    ring's elimination fills in little, as each row gains at most the links of the rows
    above it that reach it.
    """
    size = len(rows)
    holding: dict[int, set[int]] = defaultdict(set)  # column -> rows with an entry there
    for r, row in enumerate(rows):
        for col in row:
            holding[col].add(r)
    for k in range(size):
        pivot = rows[k].get(k, Fraction(0))
        if pivot == 0:
            return None
        below = sorted(r for r in holding[k] if r > k)
        for r in below:
            factor = rows[r].pop(k) / pivot
            holding[k].discard(r)
            budget[0] -= len(rows[k])
            if budget[0] < 0:
                return None
            for col, v in rows[k].items():
                if col == k:
                    continue
                updated = rows[r].get(col, Fraction(0)) - factor * v
                if updated:
                    rows[r][col] = updated
                    holding[col].add(r)
                else:
                    rows[r].pop(col, None)
                    holding[col].discard(r)
            rhs[r] -= factor * rhs[k]
    x = [Fraction(0)] * size
    for k in range(size - 1, -1, -1):
        total = rhs[k] - sum((v * x[c] for c, v in rows[k].items() if c > k), Fraction(0))
        x[k] = total / rows[k][k]
    return x
