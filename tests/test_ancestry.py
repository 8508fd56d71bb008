"""Listed ancestors worked out in bulk are those worked out one entity at a time."""

from __future__ import annotations

import datetime as dt
import random
import warnings
from itertools import pairwise

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ownership import Analysis, analyze
from ownership.ancestry import bit_counts
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


@st.composite
def wide_groups(draw: st.DrawFn) -> Dataset:
    """Up to 300 entities, each owned by up to three before it and some by one after it
    (rings), most of them listed: sets of more than 64 seeds, over several words."""
    n = draw(st.integers(2, 300))
    ids = [f"w{i:03d}" for i in range(n)]
    rng = random.Random(draw(st.integers(0, 2**32)))
    holdings = {}
    for b in range(1, n):
        for a in rng.sample(range(b), min(b, rng.randint(1, 3))):
            holdings[ids[a], ids[b]] = owns(ids[a], ids[b], rng.choice(["10", "30", "60"]))
        if rng.random() < 0.05:
            a = rng.randrange(b, n)
            if a != b:
                holdings[ids[a], ids[b]] = owns(ids[a], ids[b], "10")
    share = draw(st.sampled_from([0.1, 0.5, 0.9]))
    seeds = [x for x in ids if rng.random() < share] or [ids[0]]
    return dataset(*holdings.values(), *(listed(x) for x in seeds))


def walked_sets(data: Dataset) -> tuple[Analysis, dict[int, list[int]]]:
    """The analysis, and each reached entity's listed ancestors (itself excluded) as
    positions in id order, found by walking up from it one entity at a time."""
    analysis = analyze(data, "ofac-50", DAY)
    ancestry = analysis.ancestry
    ids = analysis.compiled.ids
    walked = {}
    for i in np.flatnonzero(analysis.reach.reached).tolist():
        seeds = ancestry.walk(int(ancestry.sharing[ancestry.label[i]])).tolist()
        walked[i] = sorted((j for j in seeds if j != i), key=lambda j: ids[j])
    assert ancestry.words is None  # walks alone: no set worked out in bulk
    return analysis, walked


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(listed_groups(), wide_groups()), st.integers(1, 70))
def test_sets_filled_layer_by_layer_are_those_found_by_walking(data: Dataset, limit: int) -> None:
    """Every set worked out at once, as bit sets, holds the seeds a walk up finds: the
    total, the first ``limit`` in id order, the same set for a parent with as many."""
    if check_dataset(data):
        return  # overfull stakes are refused before any analysis
    analysis, walked = walked_sets(data)
    filled = analyze(data, "ofac-50", DAY).ancestry
    filled.fill()
    assert filled.words is not None
    nodes = list(walked)
    at = np.asarray(nodes, dtype=np.int64)
    comps = filled.sharing[filled.label[at]]
    without = np.where(analysis.compiled.seeds[at], at, -1)
    totals, offsets, first = filled.first_positions(comps, limit, without)
    assert totals.tolist() == [len(walked[i]) for i in nodes]
    shown = [first[a:b].tolist() for a, b in pairwise(offsets)]
    assert shown == [walked[i][:limit] for i in nodes]
    # the sets of a component and of the one noted as having the same set are equal
    same = filled.same_set[comps]
    of_same = [part.tolist() for part in filled.first_positions(same, 10**6)]
    assert of_same == [part.tolist() for part in filled.first_positions(comps, 10**6)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(listed_groups(), wide_groups()))
def test_ancestors_after_every_set_is_filled_are_those_found_by_walking(data: Dataset) -> None:
    if check_dataset(data):
        return
    analysis, walked = walked_sets(data)
    ids = analysis.compiled.ids
    nodes = list(walked)
    before = [tuple(ids[j] for j in walked[i]) for i in nodes]
    filled = analyze(data, "ofac-50", DAY).ancestry
    filled.fill()
    assert filled.ancestors_of_many(nodes) == before
    assert [filled.ancestors(i) for i in nodes] == before
    # asked one by one, the sets are walked until walks have met a quarter of the
    # components, then all worked out at once: the same answers either way
    asked = analyze(data, "ofac-50", DAY).ancestry
    assert [asked.ancestors(i) for i in nodes] == before
    assert asked.words is None or 4 * asked.walked > asked.same_set.size
    assert all(list(ids) == sorted(ids) for ids in before)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wide_groups())
def test_walked_sets_are_the_listed_entities_with_a_path_down(data: Dataset) -> None:
    """A set found by walking is every listed entity with a path of usable links down to
    the entity, as networkx finds it, the entity itself left out."""
    if check_dataset(data):
        return
    analysis, walked = walked_sets(data)
    c = analysis.compiled
    usable = c.usable() & analysis.reach.reached[c.src]
    graph = nx.DiGraph(zip(c.src[usable].tolist(), c.dst[usable].tolist(), strict=True))
    for node, found in walked.items():
        above = nx.ancestors(graph, node) if node in graph else set()
        expected = sorted((j for j in above if c.seeds[j] and j != node), key=lambda j: c.ids[j])
        assert found == expected


def test_bits_run_group_by_group_most_reached_first() -> None:
    """Seeds are numbered group by group, and within a group the seed above the most
    components before those above fewer, whatever their ids."""
    stakes = [owns("z-top", f"m{k}", "60") for k in range(5)]
    stakes += [owns("a-low", "m0", "30"), owns("x-other", "y", "60")]
    data = dataset(*stakes, listed("z-top"), listed("a-low"), listed("x-other"))
    analysis = analyze(data, "ofac-50", DAY)
    ancestry = analysis.ancestry
    ancestry.fill()
    assert ancestry.bit_seed is not None
    order = [analysis.compiled.ids[i] for i in ancestry.bit_seed]
    groups = analysis.groups[ancestry.bit_seed].tolist()
    assert order.index("z-top") + 1 == order.index("a-low")  # one group, most reached first
    assert groups[order.index("z-top")] == groups[order.index("a-low")]
    assert groups[order.index("x-other")] != groups[order.index("z-top")]


def test_seeds_above_more_paths_than_a_float_holds_are_ranked_without_a_warning() -> None:
    """Counted path by path, what lies below the top of 1,100 layers of diamonds is
    2**1100, past the largest float: it is held at 2**900 and ranked, quietly."""
    layers = 1_100
    ids = [[f"n{k:04d}{side}" for side in "ab"] for k in range(layers)]
    stakes = [owns(a, b, "40") for upper, lower in pairwise(ids) for a in upper for b in lower]
    data = dataset(*stakes, listed(ids[0][0]), listed(ids[-1][1]))
    analysis = analyze(data, "ofac-50", DAY)
    ancestry = analysis.ancestry
    for node in range(3):  # asked one at a time: walks
        assert ancestry.ancestors(node) == ancestry.ancestors_of_many([node])[0]
    assert ancestry.words is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # past 2,000 components, a walk goes on a layer at a time, and past a quarter
        # of them the next set asked for is worked out with all the others
        assert ancestry.ancestors(analysis.compiled.index[ids[-1][1]]) == (ids[0][0],)
        assert ancestry.ancestors(analysis.compiled.index[ids[-1][0]]) == (ids[0][0],)
    assert ancestry.words is not None
    assert ancestry.bit_class is not None
    node = analysis.compiled.index[ids[-1][0]]
    assert ancestry.ancestors(node) == (ids[0][0],)
    assert ancestry.ancestors(analysis.compiled.index[ids[-1][1]]) == (ids[0][0],)


@given(st.lists(st.integers(0, 2**64 - 1), max_size=50))
def test_bits_are_counted_alike_by_numpy_and_by_bytes(words: list[int]) -> None:
    """Before numpy 2 a set's size is counted by its words' bytes: the same counts."""
    array = np.array(words, dtype=np.uint64)
    expected = [word.bit_count() for word in words]
    assert bit_counts(array).tolist() == expected
    assert bit_counts(array, by_bytes=True).tolist() == expected


def test_more_components_than_the_keys_number_is_refused_not_wrapped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A (component, word number) key packs both in 64 bits: past what it holds, the
    sets are refused rather than worked out from wrapped keys."""
    data = dataset(owns("a", "b", "60"), owns("b", "c", "60"), listed("a"))
    ancestry = analyze(data, "ofac-50", DAY).ancestry
    monkeypatch.setattr("ownership.ancestry._WORD_BITS", 62)  # keys of 1 bit for components
    with pytest.raises(OverflowError, match="components"):
        ancestry.fill()
