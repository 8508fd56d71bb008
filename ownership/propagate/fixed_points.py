"""The least fixed point of covered entities, for a lower and an upper share bound:
:func:`covered_fixed_point` for aggregated rules (OFAC, BIS, EU: all listed owners'
shares add up), :func:`per_owner_fixed_point` for per-owner ones (UK: each designated
person's holdings on their own)."""

from __future__ import annotations

import math
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..columns import sum_into
from ..rules.base import Rule, Threshold
from .arrays import BoolArray, IntArray, distinct
from .snapshot import Compiled, edge_indices

__all__ = [
    "FixedPoint",
    "covered_fixed_point",
    "meets_threshold",
    "meets_upper_bound",
    "per_owner_fixed_point",
    "scaled_limit",
]


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


def scaled_limit(threshold: Threshold, scale: int) -> tuple[int, bool]:
    """The threshold in the scaled units shares are summed in, rounded down, and whether
    that is exact (a custom ``50.5`` over whole shares is not: 50 must not meet it)."""
    bound = threshold.value * scale
    limit = math.floor(bound)
    return limit, bound == limit


def meets_threshold(
    total: Any, strict_terms: Any, threshold: Threshold, cut: tuple[int, bool]
) -> Any:
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
    limit = scaled_limit(threshold, compiled.scale)
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
        edges = edge_indices(compiled, frontier)
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
        candidates = distinct(targets, n)
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
            meets = meets_upper_bound(share, ~tie_strict, threshold, limit)
        else:
            meets = meets_threshold(acc[candidates], acc_strict[candidates], threshold, limit)
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
        return got, meets_threshold(got, got_strict, threshold, limit)
    cap = 100 * scale - outside
    share = min(got, cap)
    if got < cap:
        tie = got_strict > 0
    elif cap < got:
        tie = outside_strict > 0
    else:
        tie = got_strict > 0 or outside_strict > 0
    return share, meets_upper_bound(share, not tie, threshold, limit)


def meets_upper_bound(
    share: Any, tie_allowed: Any, threshold: Threshold, cut: tuple[int, bool]
) -> Any:
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

    limit = scaled_limit(threshold, compiled.scale)
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
