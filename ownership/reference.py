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
from .model import Dataset, Holding, HoldingKind
from .propagate import Compiled
from .rules.base import Aggregation, Rule, Threshold

__all__ = [
    "reference_compile",
    "reference_covered",
    "reference_look_through",
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


def _share(
    counted: list[Holding], outside: list[Holding], threshold: Threshold, upper: bool
) -> bool:
    """Does the share of ``counted`` holdings meet the threshold (at one bound)?"""
    if not upper:
        total = sum((h.lower_bound for h in counted), Decimal(0))
        strict = any(h.exclusive_minimum is not None for h in counted)
        return _meets(total, strict, threshold)
    by_owner: dict[str, Decimal] = defaultdict(Decimal)
    for h in counted:
        by_owner[h.owner] += h.upper_bound
    got = sum((min(Decimal(100), v) for v in by_owner.values()), Decimal(0))
    strict_high = any(h.exclusive_maximum is not None and by_owner[h.owner] < 100 for h in counted)
    cap = Decimal(100) - sum((h.lower_bound for h in outside), Decimal(0))
    cap_strict = any(h.exclusive_minimum is not None for h in outside)
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
    holdings = _active(dataset, day)
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
                incoming = [h for h in holdings if h.owned == entity]
                shares = [h for h in incoming if h.kind is HoldingKind.ownership]
                counted = [h for h in shares if h.owner in covered]
                outside = [h for h in shares if h.owner not in covered]
                controlled = rule.control_counts and any(
                    h.kind is HoldingKind.control and h.owner in covered for h in incoming
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
                incoming = [h for h in holdings if h.owned == entity]
                owners = set(own)
                for arrangement in arrangements:
                    if arrangement.target == entity and own & set(arrangement.members):
                        owners |= set(arrangement.members)
                shares = [h for h in incoming if h.kind is HoldingKind.ownership]
                counted = [h for h in shares if h.owner in owners]
                outside = [h for h in shares if h.owner not in owners]
                controlled = rule.control_counts and any(
                    h.kind is HoldingKind.control and h.owner in own for h in incoming
                )
                if controlled or (counted and _share(counted, outside, threshold, upper)):
                    own.add(entity)
                    changed = True
        result |= own
    return result


def reference_look_through(dataset: Dataset, seeds: set[str], day: dt.date) -> dict[str, Fraction]:
    """Exact effective shares (0..1) held by ``seeds``: solve x = b + M x in rationals."""
    entities = [e.id for e in dataset.entities]
    free = [e for e in entities if e not in seeds]
    position = {e: i for i, e in enumerate(free)}
    size = len(free)
    a = [[Fraction(int(i == j)) for j in range(size)] for i in range(size)]
    b = [Fraction(0)] * size
    for h in _active(dataset, day):
        if h.kind is not HoldingKind.ownership or h.owned in seeds:
            continue
        share = Fraction(h.lower_bound) / 100
        row = position[h.owned]
        if h.owner in seeds:
            b[row] += share
        else:
            a[row][position[h.owner]] -= share
    solution = _solve(a, b, free)
    result = {e: Fraction(1) for e in seeds}
    result.update(zip(free, solution, strict=True))
    return result


def _solve(a: list[list[Fraction]], b: list[Fraction], names: list[str]) -> list[Fraction]:
    size = len(b)
    rows = [[*row, b[i]] for i, row in enumerate(a)]
    for col in range(size):
        pivot = next((r for r in range(col, size) if rows[r][col] != 0), None)
        if pivot is None:
            raise DataError(
                [
                    Problem(
                        f"look-through equations are singular at {names[col]!r} "
                        "(a closed 100% ring)"
                    )
                ]
            )
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
    holdings = _active(dataset, day)
    if rule.aggregation is Aggregation.look_through:
        threshold = rule.threshold_on(day)
        assert threshold is not None
        shares = reference_look_through(dataset, seeds, day)
        covered = {e for e, x in shares.items() if x * 100 >= threshold.value} | seeds
    else:
        covered = reference_covered(dataset, rule, day) if rule.in_force_on(day) else set(seeds)
    scope_out = {e.id for e in dataset.entities if e.country in rule.out_of_scope_countries}
    links = [h for h in holdings if h.kind is HoldingKind.control or h.upper_bound > 0]
    reached = set(seeds)
    frontier = list(seeds)
    while frontier:
        node = frontier.pop()
        for h in links:
            if h.owner == node and h.owned not in reached:
                reached.add(h.owned)
                frontier.append(h.owned)
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
    hundred = 100 * scale

    pair_of: dict[tuple[int, int], int] = {}
    low: list[int] = []
    high: list[int] = []
    low_strict: list[bool] = []
    high_strict: list[bool] = []
    has_share: list[bool] = []
    control: list[bool] = []
    for h in active:
        key = (index[h.owner], index[h.owned])
        slot = pair_of.get(key)
        if slot is None:
            slot = pair_of[key] = len(low)
            low.append(0)
            high.append(0)
            low_strict.append(False)
            high_strict.append(False)
            has_share.append(False)
            control.append(False)
        if h.kind is HoldingKind.control:
            control[slot] = True
            continue
        has_share[slot] = True
        low[slot] += int(h.lower_bound * scale)
        high[slot] = min(hundred, high[slot] + int(h.upper_bound * scale))
        low_strict[slot] = low_strict[slot] or h.exclusive_minimum is not None
        high_strict[slot] = high_strict[slot] or h.exclusive_maximum is not None
    # a strict upper bound stops mattering once the pair's sum is capped at 100
    high_strict = [s and v < hundred for s, v in zip(high_strict, high, strict=True)]
    m = len(low)
    src = np.fromiter((k[0] for k in pair_of), dtype=np.int64, count=m)
    dst = np.fromiter((k[1] for k in pair_of), dtype=np.int64, count=m)
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
    return Compiled(
        ids=ids,
        index=index,
        scale=scale,
        src=src,
        dst=dst,
        low=np.array(low, dtype=dtype),
        high=np.array(high, dtype=dtype),
        low_strict=np.array(low_strict, dtype=bool),
        high_strict=np.array(high_strict, dtype=bool),
        has_share=np.array(has_share, dtype=bool),
        control=np.array(control, dtype=bool),
        out_ptr=out_ptr,
        out_edges=out_order.astype(np.int64),
        in_ptr=in_ptr,
        in_edges=in_order.astype(np.int64),
        seeds=seeds,
        out_of_scope=out_of_scope,
    )
