"""Listed ancestors worked out in bulk are those worked out one entity at a time."""

from __future__ import annotations

import datetime as dt
import warnings
from itertools import pairwise

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ownership import analyze
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


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(listed_groups())
def test_sets_filled_in_one_pass_are_those_worked_out_on_demand(data: Dataset) -> None:
    if check_dataset(data):
        return  # overfull stakes are refused before any analysis
    bulk = analyze(data, "ofac-50", DAY).ancestry
    lazy = analyze(data, "ofac-50", DAY).ancestry
    bulk.fill()
    assert bulk.masks is not None  # scipy numbers parents after their children
    assert bulk.seed_rank is not None  # the seeds were numbered again, most below first
    owning = np.flatnonzero(bulk.sharing == np.arange(bulk.sharing.size)).tolist()
    group_of = np.zeros(bulk.sharing.size, dtype=np.int64)
    group_of[bulk.label] = bulk.groups
    for comp in owning:  # the same seeds, whichever bits stand for them
        group = int(group_of[comp])
        found = bulk.positions(group, bulk.component_mask(comp)).tolist()
        assert found == lazy.positions(group, lazy.component_mask(comp)).tolist()
        assert lazy.component_mask(int(bulk.same_set[comp])) == lazy.component_mask(comp)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(listed_groups())
def test_ancestors_after_the_seeds_are_numbered_again_are_the_same_and_in_id_order(
    data: Dataset,
) -> None:
    if check_dataset(data):
        return
    analysis = analyze(data, "ofac-50", DAY)
    nodes = np.flatnonzero(analysis.reach.reached).tolist()
    before = [analysis.ancestry.ancestors(i) for i in nodes]
    filled = analyze(data, "ofac-50", DAY).ancestry
    filled.fill()
    assert filled.ancestors_of_many(nodes) == before
    assert [filled.ancestors(i) for i in nodes] == before
    assert all(list(ids) == sorted(ids) for ids in before)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(listed_groups())
def test_ancestors_decoded_together_are_those_decoded_one_by_one(data: Dataset) -> None:
    if check_dataset(data):
        return
    analysis = analyze(data, "ofac-50", DAY)
    ancestry = analysis.ancestry
    nodes = np.flatnonzero(analysis.reach.reached).tolist()
    assert ancestry.ancestors_of_many(nodes) == [ancestry.ancestors(i) for i in nodes]
    keys = [(int(analysis.groups[i]), ancestry.mask(i)) for i in nodes]
    offsets, positions = ancestry.positions_of_many(keys)
    by_bit = [  # bit k stands for the group's k-th seed in id order
        [ancestry.seeds_of_group[group][k] for k in range(bits.bit_length()) if bits >> k & 1]
        for group, bits in keys
    ]
    assert [positions[a:b].tolist() for a, b in pairwise(offsets)] == by_bit


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(listed_groups(), st.integers(1, 6), st.booleans())
def test_the_first_ids_of_each_set_are_the_first_of_all_of_them(
    data: Dataset, limit: int, filled: bool
) -> None:
    """A row shows the first listed ancestors by id: found among the first of each class
    of bits, they are the first of the whole set, in id order, and the total is the set's."""
    if check_dataset(data):
        return
    analysis = analyze(data, "ofac-50", DAY)
    ancestry = analysis.ancestry
    if filled:
        ancestry.fill()
    nodes = np.flatnonzero(analysis.reach.reached).tolist()
    keys = [(int(analysis.groups[i]), ancestry.mask(i)) for i in nodes]
    offsets, positions = ancestry.positions_of_many(keys)
    totals, first_offsets, first = ancestry.first_positions(keys, limit)
    every = [positions[a:b].tolist() for a, b in pairwise(offsets)]
    assert totals.tolist() == [len(p) for p in every]
    assert [first[a:b].tolist() for a, b in pairwise(first_offsets)] == [p[:limit] for p in every]


def test_seeds_above_more_paths_than_a_float_holds_are_ranked_without_a_warning() -> None:
    """Counted path by path, what lies below the top of 1,100 layers of diamonds is
    2**1100, past the largest float: it is held at 2**900 and ranked, quietly."""
    layers = 1_100
    ids = [[f"n{k:04d}{side}" for side in "ab"] for k in range(layers)]
    stakes = [owns(a, b, "40") for upper, lower in pairwise(ids) for a in upper for b in lower]
    data = dataset(*stakes, listed(ids[0][0]), listed(ids[-1][1]))
    analysis = analyze(data, "ofac-50", DAY)
    ancestry = analysis.ancestry
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ancestry.fill()
    assert ancestry.seed_class is not None
    node = analysis.compiled.index[ids[-1][0]]
    assert ancestry.ancestors(node) == (ids[0][0],)
    assert ancestry.ancestors(analysis.compiled.index[ids[-1][1]]) == (ids[0][0],)
