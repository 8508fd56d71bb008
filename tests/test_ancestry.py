"""Listed ancestors worked out in bulk are those worked out one entity at a time, and
those a plain walk up the links finds."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise
from unittest.mock import patch

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ownership.ancestry as ancestry_module
from ownership import analyze
from ownership.analysis import Analysis
from ownership.ancestry import SeedAncestry
from ownership.checks import check_dataset
from ownership.model import Dataset

from .factories import dataset, listed, owns

DAY = dt.date(2025, 10, 1)


@st.composite
def listed_groups(draw: st.DrawFn) -> Dataset:
    """Up to 40 entities, many of them listed (so that sets span several bytes), with
    stakes that make chains, diamonds and rings."""
    n = draw(st.integers(2, 40))
    ids = [f"e{i:02d}" for i in range(n)]
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n))
    holdings = {
        (ids[a], ids[b]): owns(ids[a], ids[b], draw(st.sampled_from(["10", "30", "60"])))
        for a, b in pairs
        if a != b
    }
    seeds = draw(st.sets(st.sampled_from(ids), min_size=1))
    return dataset(*holdings.values(), *(listed(x) for x in sorted(seeds)))


def reference_ancestors(analysis: Analysis, node: int) -> tuple[str, ...]:
    """The listed entities above ``node``, walked up link by link in Python: over the
    links that carry ownership or control from reached owners, as the engine reads them."""
    c = analysis.compiled
    usable = c.usable() & analysis.reach.reached[c.src]
    owners: dict[int, list[int]] = {}
    for src, dst in zip(c.src[usable].tolist(), c.dst[usable].tolist(), strict=True):
        owners.setdefault(dst, []).append(src)
    seen, stack = {node}, [node]
    while stack:
        for owner in owners.get(stack.pop(), []):
            if owner not in seen:
                seen.add(owner)
                stack.append(owner)
    return tuple(sorted(c.ids[k] for k in seen if c.seeds[k] and k != node))


def fresh(data: Dataset) -> tuple[Analysis, SeedAncestry]:
    analysis = analyze(data, "ofac-50", DAY)
    return analysis, analysis.ancestry


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(listed_groups())
def test_sets_walked_up_and_filled_at_once_are_those_of_a_plain_walk(data: Dataset) -> None:
    if check_dataset(data):
        return  # overfull stakes are refused before any analysis
    analysis, walked = fresh(data)
    _, filled = fresh(data)
    filled.fill()
    assert filled.set_of is not None  # every set in the table
    nodes = np.flatnonzero(analysis.reach.reached).tolist()
    expected = [reference_ancestors(analysis, i) for i in nodes]
    ids = analysis.compiled.ids
    for node, want in zip(nodes, expected, strict=True):
        ranks = walked._walk_up(int(walked.sharing[walked.label[node]]))
        assert tuple(ids[p] for p in walked.seed_order[ranks] if p != node) == want
    assert [walked.ancestors(i) for i in nodes] == expected
    assert [filled.ancestors(i) for i in nodes] == expected
    assert filled.ancestors_of_many(nodes) == expected


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(listed_groups(), st.integers(1, 6))
def test_the_first_ids_of_each_set_are_the_first_of_all_of_them(data: Dataset, limit: int) -> None:
    """A row shows the first listed ancestors by id, and how many there are."""
    if check_dataset(data):
        return
    analysis, ancestry = fresh(data)
    nodes = np.flatnonzero(analysis.reach.reached)
    sets = ancestry.set_ids(nodes)
    totals, offsets, first = ancestry.first_of_sets(sets, limit)
    ids = analysis.compiled.ids
    for k, node in enumerate(nodes.tolist()):
        whole = [ids[p] for p in ancestry.seed_order[ancestry.ranks_above(node)].tolist()]
        assert whole == sorted(whole)
        assert totals[k] == len(whole)
        assert [ids[p] for p in first[offsets[k] : offsets[k + 1]].tolist()] == whole[:limit]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(listed_groups())
def test_the_table_keeps_each_distinct_set_once(data: Dataset) -> None:
    if check_dataset(data):
        return
    _, ancestry = fresh(data)
    ancestry.fill()
    bounds, ranks = ancestry.set_bounds, ancestry.set_ranks
    kept = [tuple(ranks[a:b].tolist()) for a, b in pairwise(bounds.tolist())]
    assert len(kept) == len(set(kept))
    assert all(list(ranks) == sorted(set(ranks)) for ranks in kept)


class CollidingTable(ancestry_module._SetTable):
    """A table in which every rank hashes to the same word: all sets of a size collide."""

    def __init__(self, rank_count: int) -> None:
        super().__init__(rank_count)
        self.words[:] = 1


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(listed_groups())
def test_sets_whose_hashes_collide_are_still_told_apart(data: Dataset) -> None:
    """A set is taken for one already kept only if its ranks are the same."""
    if check_dataset(data):
        return
    analysis, ancestry = fresh(data)
    with patch.object(ancestry_module, "_SetTable", CollidingTable):
        ancestry.fill()
    nodes = np.flatnonzero(analysis.reach.reached).tolist()
    assert [ancestry.ancestors(i) for i in nodes] == [
        reference_ancestors(analysis, i) for i in nodes
    ]
    bounds, ranks = ancestry.set_bounds, ancestry.set_ranks
    kept = [tuple(ranks[a:b].tolist()) for a, b in pairwise(bounds.tolist())]
    assert len(kept) == len(set(kept))


def test_many_walks_up_turn_into_one_pass_over_every_set() -> None:
    """Asked for every entity of a listed chain one at a time, the walks up stop once
    they have visited as many components as there are, and the rest is read from the
    table: not a walk up the whole chain for each."""
    ids = [f"c{k:03d}" for k in range(300)]
    stakes = [owns(a, b, "60") for a, b in pairwise(ids)]
    data = dataset(*stakes, *(listed(x) for x in ids))
    analysis, ancestry = fresh(data)
    index = analysis.compiled.index
    found = [ancestry.ancestors(index[x]) for x in ids]
    assert ancestry.set_of is not None
    assert ancestry.walked <= 2 * len(ids)
    assert found == [tuple(ids[:k]) for k in range(len(ids))]


def test_a_thousand_layers_of_diamonds_are_filled_a_level_at_a_time() -> None:
    """Counted path by path, the top of 1,100 layers of diamonds lies above 2**1100
    entities; as sets of seeds, every layer below the top holds the same one, kept once."""
    layers = 1_100
    ids = [[f"n{k:04d}{side}" for side in "ab"] for k in range(layers)]
    stakes = [owns(a, b, "40") for upper, lower in pairwise(ids) for a in upper for b in lower]
    data = dataset(*stakes, listed(ids[0][0]), listed(ids[-1][1]))
    analysis, ancestry = fresh(data)
    ancestry.fill()
    bounds, ranks = ancestry.set_bounds.tolist(), ancestry.set_ranks.tolist()
    # none (above the top's sibling), the top, and the top with the bottom's own seed
    assert sorted(tuple(ranks[a:b]) for a, b in pairwise(bounds)) == [(), (0,), (0, 1)]
    node = analysis.compiled.index[ids[-1][0]]
    assert ancestry.ancestors(node) == (ids[0][0],)
    assert ancestry.ancestors(analysis.compiled.index[ids[-1][1]]) == (ids[0][0],)
