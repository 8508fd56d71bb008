"""A small, obviously correct implementation of the rules, for tests and exact checks.

It follows the specification line by line, in exact decimal and rational arithmetic, with
no attempt at speed. The fast path (:mod:`ownership.propagate`) must agree with it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from .columns import MAX_PLACES, decimal_places
from .errors import DataError, Problem
from .model import Dataset, Holding
from .propagate import Compiled
from .rules.base import Aggregation, Rule, Threshold
from .stakes import Stake, stakes_on

__all__ = [
    "reference_closed_rings",
    "reference_compile",
    "reference_covered",
    "reference_flags",
    "reference_look_through",
    "reference_reached",
    "reference_seeds",
    "reference_statuses",
]


def reference_seeds(dataset: Dataset, rule: Rule, day: dt.date) -> set[str]:
    return {
        x.entity for x in dataset.listings if x.active_on(day) and rule.reads(x.list, x.program)
    }


def _active(dataset: Dataset, day: dt.date) -> list[Holding]:
    return [h for h in dataset.holdings if h.active_on(day)]


def _meets(total: Decimal, strict: bool, threshold: Threshold) -> bool:
    if threshold.inclusive:
        return total >= threshold.value
    return total > threshold.value or (total == threshold.value and strict)


def _meets_upper(total: Decimal, strict: bool, threshold: Threshold) -> bool:
    if threshold.inclusive:
        return total > threshold.value or (total == threshold.value and not strict)
    return total > threshold.value


def _share(counted: list[Stake], outside: list[Stake], threshold: Threshold, upper: bool) -> bool:
    """Does the share of the ``counted`` stakes meet the threshold (at one bound)?"""
    if not upper:
        total = sum((s.low for s in counted), Decimal(0))
        return _meets(total, any(s.low_strict for s in counted), threshold)
    got = sum((s.high for s in counted), Decimal(0))
    strict_high = any(s.high_strict for s in counted)
    cap = Decimal(100) - sum((s.low for s in outside), Decimal(0))
    cap_strict = any(s.low_strict for s in outside)
    share = min(got, cap)
    strict = strict_high if got < cap else cap_strict if cap < got else strict_high or cap_strict
    return _meets_upper(share, strict, threshold)


def reference_covered(
    dataset: Dataset,
    rule: Rule,
    day: dt.date,
    *,
    upper: bool = False,
) -> set[str]:
    """Seeds plus every entity the rule covers on ``day`` (least fixed point)."""
    seeds = reference_seeds(dataset, rule, day)
    threshold = rule.threshold_on(day)
    stakes = list(stakes_on(dataset.holdings, day).values())
    if rule.aggregation in (Aggregation.none, Aggregation.look_through) or threshold is None:
        return set(seeds)
    entities = [e.id for e in dataset.entities]
    if rule.aggregation is Aggregation.all:
        covered = set(seeds)
        changed = True
        while changed:
            changed = False
            for entity in entities:
                if entity in covered:
                    continue
                incoming = [s for s in stakes if s.owned == entity]
                shares = [s for s in incoming if s.share]
                counted = [s for s in shares if s.owner in covered]
                outside = [s for s in shares if s.owner not in covered]
                controlled = rule.control_counts and any(
                    s.control and s.owner in covered for s in incoming
                )
                if controlled or (counted and _share(counted, outside, threshold, upper)):
                    covered.add(entity)
                    changed = True
        return covered
    # per designated person (UK)
    arrangements = [a for a in dataset.arrangements if a.active_on(day)]
    result = set(seeds)
    for person in seeds:
        own = {person}
        changed = True
        while changed:
            changed = False
            for entity in entities:
                if entity in own:
                    continue
                incoming = [s for s in stakes if s.owned == entity]
                owners = set(own)
                for arrangement in arrangements:
                    if arrangement.target == entity and own & set(arrangement.members):
                        owners |= set(arrangement.members)
                shares = [s for s in incoming if s.share]
                counted = [s for s in shares if s.owner in owners]
                outside = [s for s in shares if s.owner not in owners]
                controlled = rule.control_counts and any(
                    s.control and s.owner in own for s in incoming
                )
                if controlled or (counted and _share(counted, outside, threshold, upper)):
                    own.add(entity)
                    changed = True
        result |= own
    return result


def reference_look_through(dataset: Dataset, seeds: set[str], day: dt.date) -> dict[str, Fraction]:
    """Exact effective shares (0..1) held by ``seeds``: the least non-negative solution of
    x = b + M x, in rationals.

    A set of entities wholly owned among themselves (no seed among them, each one's whole
    100% held inside the set) makes the equations singular; the least solution gives
    them 0, which is what solving without the links inside the set gives.
    """
    entities = [e.id for e in dataset.entities]
    free = [e for e in entities if e not in seeds]
    position = {e: i for i, e in enumerate(free)}
    size = len(free)
    links = [
        (s.owner, s.owned, Fraction(s.low) / 100)
        for s in stakes_on(dataset.holdings, day).values()
        if s.share and s.low > 0 and s.owned not in seeds
    ]
    closed = _closed_sets(links)
    a = [[Fraction(int(i == j)) for j in range(size)] for i in range(size)]
    b = [Fraction(0)] * size
    for owner, owned, share in links:
        if any(owner in ring and owned in ring for ring in closed):
            continue
        row = position[owned]
        if owner in seeds:
            b[row] += share
        else:
            a[row][position[owner]] -= share
    solution = _solve(a, b, free)
    result = {e: Fraction(1) for e in seeds}
    result.update(zip(free, solution, strict=True))
    return result


def _closed_sets(links: list[tuple[str, str, Fraction]]) -> list[set[str]]:
    """Strongly connected sets of two or more whose members each receive exactly 100%
    from inside the set."""
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_edges_from((owner, owned) for owner, owned, _ in links)
    closed = []
    for ring in nx.strongly_connected_components(graph):
        if len(ring) < 2:
            continue
        inside: dict[str, Fraction] = defaultdict(Fraction)
        for owner, owned, share in links:
            if owner in ring and owned in ring:
                inside[owned] += share
        if all(inside[member] == 1 for member in ring):
            closed.append(set(ring))
    return closed


def reference_closed_rings(dataset: Dataset, day: dt.date) -> set[str]:
    """Entities on a ring that owns itself 100% with no outside owner, on ``day``."""
    links = [
        (s.owner, s.owned, Fraction(s.low) / 100)
        for s in stakes_on(dataset.holdings, day).values()
        if s.share and s.low > 0
    ]
    return set().union(*_closed_sets(links))


def _solve(a: list[list[Fraction]], b: list[Fraction], names: list[str]) -> list[Fraction]:
    size = len(b)
    rows = [[*row, b[i]] for i, row in enumerate(a)]
    for col in range(size):
        pivot = next((r for r in range(col, size) if rows[r][col] != 0), None)
        if pivot is None:
            raise DataError([Problem(f"look-through equations are singular at {names[col]!r}")])
        rows[col], rows[pivot] = rows[pivot], rows[col]
        lead = rows[col][col]
        rows[col] = [v / lead for v in rows[col]]
        for r in range(size):
            if r != col and rows[r][col] != 0:
                factor = rows[r][col]
                rows[r] = [v - factor * p for v, p in zip(rows[r], rows[col], strict=True)]
    return [rows[i][size] for i in range(size)]


def reference_statuses(dataset: Dataset, rule: Rule, day: dt.date) -> dict[str, str]:
    """listed / covered / exposed / clear for every entity, straight from the spec."""
    seeds = reference_seeds(dataset, rule, day)
    if rule.aggregation is Aggregation.look_through:
        threshold = rule.threshold_on(day)
        assert threshold is not None
        shares = reference_look_through(dataset, seeds, day)
        covered = {e for e, x in shares.items() if threshold.met_by(x * 100)} | seeds
    else:
        covered = reference_covered(dataset, rule, day) if rule.in_force_on(day) else set(seeds)
    scope_out = {e.id for e in dataset.entities if e.country in rule.out_of_scope_countries}
    reached = reference_reached(dataset, rule, day, seeds)
    result = {}
    for entity in dataset.entities:
        if entity.id in seeds:
            result[entity.id] = "listed"
        elif entity.id in covered and entity.id not in scope_out:
            result[entity.id] = "covered"
        elif entity.id in reached:
            result[entity.id] = "exposed"
        else:
            result[entity.id] = "clear"
    return result


def reference_reached(dataset: Dataset, rule: Rule, day: dt.date, seeds: set[str]) -> set[str]:
    """The seeds and everything reachable from them along active links that can carry
    ownership or control, and, under a rule that reads joint arrangements, from each
    member of one to its target."""
    links = [
        (s.owner, s.owned)
        for s in stakes_on(dataset.holdings, day).values()
        if s.control or s.high > 0
    ]
    if rule.aggregation is Aggregation.per_owner:
        links += [
            (member, a.target)
            for a in dataset.arrangements
            if a.active_on(day)
            for member in a.members
        ]
    reached = set(seeds)
    frontier = list(seeds)
    while frontier:
        node = frontier.pop()
        for owner, owned in links:
            if owner == node and owned not in reached:
                reached.add(owned)
                frontier.append(owned)
    return reached


def reference_flags(dataset: Dataset, rule: Rule, day: dt.date) -> dict[str, set[str]]:
    """The rule flags of every entity that has one, straight from the spec (step 3,
    step 4 and conventions 4, 5 and 7): ``possibly_covered`` on an in-scope entity
    reached from a seed and covered at the upper bounds only; ``out_of_scope_us_entity``
    on an out-of-scope entity covered at the upper bounds, with ``possibly_covered``
    beside it when only there; ``would_be_covered`` outside the rule's windows."""
    flags: dict[str, set[str]] = defaultdict(set)
    if rule.aggregation in (Aggregation.none, Aggregation.look_through):
        return dict(flags)
    seeds = reference_seeds(dataset, rule, day)
    lower = reference_covered(dataset, rule, day)
    upper = reference_covered(dataset, rule, day, upper=True)
    reached = reference_reached(dataset, rule, day, seeds)
    out = {e.id for e in dataset.entities if e.country in rule.out_of_scope_countries}
    for entity in dataset.entities:
        e = entity.id
        if e in seeds:
            continue
        if not rule.in_force_on(day):
            if e in lower and e not in out:
                flags[e].add("would_be_covered")
            continue
        if e in upper and e not in lower and e in reached:
            flags[e].add("possibly_covered")
        if e in upper and e in out:
            flags[e].add("out_of_scope_us_entity")
    return dict(flags)


def reference_compile(dataset: Dataset, day: dt.date, rule: Rule) -> Compiled:
    """:func:`~ownership.propagate.compile_snapshot` record by record, for tests."""
    ids = [e.id for e in dataset.entities]
    index = {eid: i for i, eid in enumerate(ids)}
    active = _active(dataset, day)
    places = 0
    for h in active:
        for value in (h.percent, h.minimum, h.exclusive_minimum, h.maximum, h.exclusive_maximum):
            if value is not None:
                places = max(places, decimal_places(value))
    dtype: Any = np.int64 if places <= MAX_PLACES else object
    scale = 10**places
    stakes = list(stakes_on(active, day).values())
    arranged = [False] * len(stakes)
    pairs = {(s.owner, s.owned): k for k, s in enumerate(stakes)}
    if rule.aggregation is Aggregation.per_owner:
        for a in dataset.arrangements:
            for member in a.members if a.active_on(day) else ():
                if member == a.target:
                    continue
                k = pairs.get((member, a.target))
                if k is None:
                    pairs[member, a.target] = len(stakes)
                    stakes.append(Stake(member, a.target))
                    arranged.append(True)
                else:
                    arranged[k] = True
    m = len(stakes)
    src = np.fromiter((index[s.owner] for s in stakes), dtype=np.int64, count=m)
    dst = np.fromiter((index[s.owned] for s in stakes), dtype=np.int64, count=m)
    n = len(ids)
    out_order = np.argsort(src, kind="stable")
    in_order = np.argsort(dst, kind="stable")
    out_ptr = np.zeros(n + 1, dtype=np.int64)
    in_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=out_ptr[1:])
    np.cumsum(np.bincount(dst, minlength=n), out=in_ptr[1:])

    seeds = np.zeros(n, dtype=bool)
    for entity_id in reference_seeds(dataset, rule, day):
        seeds[index[entity_id]] = True
    out_of_scope = np.zeros(n, dtype=bool)
    if rule.out_of_scope_countries:
        for i, entity in enumerate(dataset.entities):
            if entity.country in rule.out_of_scope_countries:
                out_of_scope[i] = True
    conflicted = np.zeros(n, dtype=bool)
    for s in stakes:
        if s.conflicted:
            conflicted[index[s.owned]] = True
    closed_ring = np.zeros(n, dtype=bool)
    for entity_id in reference_closed_rings(dataset, day):
        closed_ring[index[entity_id]] = True
    return Compiled(
        ids=ids,
        index=index,
        scale=scale,
        src=src,
        dst=dst,
        low=np.array([int(s.low * scale) for s in stakes], dtype=dtype),
        high=np.array([int(s.high * scale) for s in stakes], dtype=dtype),
        low_strict=np.array([s.low_strict for s in stakes], dtype=bool),
        high_strict=np.array([s.high_strict for s in stakes], dtype=bool),
        has_share=np.array([s.share for s in stakes], dtype=bool),
        control=np.array([s.control for s in stakes], dtype=bool),
        out_ptr=out_ptr,
        out_edges=out_order.astype(np.int64),
        in_ptr=in_ptr,
        in_edges=in_order.astype(np.int64),
        seeds=seeds,
        out_of_scope=out_of_scope,
        alternative=np.array([s.alternatives > 1 for s in stakes], dtype=bool),
        conflicted=conflicted,
        closed_ring=closed_ring,
        arranged=np.array(arranged, dtype=bool),
    )
