"""Reachability from the seeds, level by level, equals a plain breadth-first search that
takes each entity from the smallest-numbered entity of the level before that links to it."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ownership.model import Dataset
from ownership.propagate import compile_snapshot, reach_from_seeds
from ownership.rules import get_rule

from .factories import dated_datasets

DAYS = [dt.date(2020, 1, 1), dt.date(2025, 10, 1)]
SHARES = ["10", "50", "60", "0", "100"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dated_datasets(DAYS, SHARES), st.sampled_from(DAYS), st.sampled_from(["ofac-50", "uk"]))
def test_reach_is_the_plain_search(dataset: Dataset, day: dt.date, rule: str) -> None:
    c = compile_snapshot(dataset, day, get_rule(rule))
    reach = reach_from_seeds(c)
    usable = c.usable()
    depth = {i: 0 for i in range(c.n) if c.seeds[i]}
    nearest = {i: i for i in depth}
    parent: dict[int, int] = {}
    frontier = sorted(depth)
    level = 0
    while frontier:
        level += 1
        found: dict[int, int] = {}  # target -> pair from its smallest source
        for k in range(c.src.size):
            a, b = int(c.src[k]), int(c.dst[k])
            fresh = usable[k] and a in frontier and b not in depth
            if fresh and (b not in found or a < int(c.src[found[b]])):
                found[b] = k
        for b, k in found.items():
            depth[b], parent[b], nearest[b] = level, k, nearest[int(c.src[k])]
        frontier = sorted(found)
    assert reach.reached.tolist() == [i in depth for i in range(c.n)]
    assert reach.depth.tolist() == [depth.get(i, -1) for i in range(c.n)]
    assert reach.parent.tolist() == [parent.get(i, -1) for i in range(c.n)]
    assert reach.nearest_seed.tolist() == [nearest.get(i, -1) for i in range(c.n)]
