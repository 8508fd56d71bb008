"""Components and orders worked out in Python for small graphs are scipy's, label for
label: a small query need not import scipy, and a large one gets the same numbering."""

from __future__ import annotations

import networkx as nx
import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from ownership.propagate import arrays, inside_closed
from ownership.propagate.arrays import (
    cycle_core,
    distinct,
    distinct_pairs,
    stable_order,
    strong_components,
    weak_components,
)


@st.composite
def graphs(draw: st.DrawFn) -> tuple[int, np.ndarray, np.ndarray]:
    """Up to 40 nodes, links repeated and looped sometimes, dense or sparse."""
    n = draw(st.integers(1, 40))
    links = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=4 * n))
    src = np.array([a for a, _ in links], dtype=np.int64)
    dst = np.array([b for _, b in links], dtype=np.int64)
    return n, src, dst


def _scipy(n: int, src: np.ndarray, dst: np.ndarray, connection: str) -> tuple[int, list[int]]:
    graph = sparse.csr_matrix((np.ones(src.size, dtype=np.int8), (src, dst)), shape=(n, n))
    count, labels = connected_components(graph, directed=True, connection=connection)
    return int(count), labels.tolist()


@settings(max_examples=600, deadline=None)
@given(graphs())
def test_small_graphs_get_scipys_components(graph: tuple[int, np.ndarray, np.ndarray]) -> None:
    n, src, dst = graph
    assert n + src.size <= arrays.SMALL_GRAPH  # the Python path
    count, labels = strong_components(n, src, dst)
    assert (count, labels.tolist()) == _scipy(n, src, dst, "strong")
    count, labels = weak_components(n, src, dst)
    assert (count, labels.tolist()) == _scipy(n, src, dst, "weak")


@settings(max_examples=100, deadline=None)
@given(graphs())
def test_large_graphs_get_the_same_components(graph: tuple[int, np.ndarray, np.ndarray]) -> None:
    n, src, dst = graph
    small = strong_components(n, src, dst), weak_components(n, src, dst)
    saved = arrays.SMALL_GRAPH
    arrays.SMALL_GRAPH = 0  # the scipy path
    try:
        large = strong_components(n, src, dst), weak_components(n, src, dst)
    finally:
        arrays.SMALL_GRAPH = saved
    for (count, labels), (large_count, large_labels) in zip(small, large, strict=True):
        assert count == large_count and labels.tolist() == large_labels.tolist()
        assert labels.dtype == large_labels.dtype == np.int64


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 30), max_size=200))
def test_stable_order_is_the_stable_argsort(keys: list[int]) -> None:
    values = np.array(keys, dtype=np.int64)
    got = stable_order(values, 31)
    assert got.tolist() == np.argsort(values, kind="stable").tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 30), max_size=200), st.sampled_from([None, 31, 500]))
def test_distinct_is_numpys_unique_sorted_or_marked(values: list[int], below: int | None) -> None:
    found = distinct(np.array(values, dtype=np.int64), below)
    assert found.dtype == np.int64
    assert found.tolist() == np.unique(np.array(values, dtype=np.int64)).tolist()


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_pairs_numbered_by_counting_as_unique_numbers_them(
    graph: tuple[int, np.ndarray, np.ndarray],
) -> None:
    n, first, second = graph
    where, number = distinct_pairs(first, second, n)
    _, expected_where, expected_number = np.unique(
        first * n + second, return_index=True, return_inverse=True
    )
    assert where.tolist() == expected_where.tolist()
    assert number.tolist() == expected_number.reshape(-1).tolist()


@settings(max_examples=300, deadline=None)
@given(graphs(), st.integers(1, 45))
def test_the_cycle_core_keeps_every_link_on_a_cycle(
    graph: tuple[int, np.ndarray, np.ndarray], rounds: int
) -> None:
    """A link lies on a cycle when its ends share a strongly connected component (a loop
    on one node too); with rounds enough, every end of a link kept has a link kept in
    and one kept out."""
    n, src, dst = graph
    _, labels = _scipy(n, src, dst, "strong")
    on_cycle = [labels[a] == labels[b] for a, b in zip(src.tolist(), dst.tolist(), strict=True)]
    kept = cycle_core(n, src, dst, rounds)
    assert all(kept[on_cycle]) if src.size else kept.size == 0
    if rounds > n:  # each round but the last drops a node
        ends = set(src[kept].tolist()) | set(dst[kept].tolist())
        assert ends <= set(src[kept].tolist()) & set(dst[kept].tolist())


@st.composite
def stakes(draw: st.DrawFn) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Up to 12 entities holding in each other (no self-stakes, one stake per pair),
    mostly whole or half shares, so that rings of 100% among their members are common;
    and a mask of the entities a ring may be searched among."""
    n = draw(st.integers(1, 12))
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1]),
            max_size=3 * n,
            unique=True,
        )
    )
    low = draw(
        st.lists(st.sampled_from([100, 50, 30, 70]), min_size=len(pairs), max_size=len(pairs))
    )
    among = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    src = np.array([a for a, _ in pairs], dtype=np.int64)
    dst = np.array([b for _, b in pairs], dtype=np.int64)
    return n, src, dst, np.array(low, dtype=np.int64), np.array(among, dtype=bool)


#: Two rings of two, whole among themselves, one (0, 1) holding half of the other's
#: member 2, which holds itself only half from inside its own ring.
_TWO_RINGS = (
    4,
    np.array([0, 1, 0, 3, 2], dtype=np.int64),
    np.array([1, 0, 2, 2, 3], dtype=np.int64),
    np.array([100, 100, 50, 50, 100], dtype=np.int64),
    np.ones(4, dtype=bool),
)


@settings(max_examples=500, deadline=None)
@given(stakes(), st.booleans())
@example(_TWO_RINGS, False)
def test_links_inside_closed_rings_are_those_of_the_definition(
    found: tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray], narrowed: bool
) -> None:
    """A closed ring: a strongly connected group, of two or more, of entities each held
    100% from outside and wholly from inside the group (networkx finds the groups)."""
    n, src, dst, low, among = found
    received = np.zeros(n, dtype=np.int64)
    np.add.at(received, dst, low)
    full = (received == 100) & (among if narrowed else True)
    graph = nx.DiGraph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(
        (a, b) for a, b in zip(src.tolist(), dst.tolist(), strict=True) if full[a] and full[b]
    )
    expected = np.zeros(src.size, dtype=bool)
    for group in nx.strongly_connected_components(graph):
        inner = {
            b: sum(int(low[k]) for k in range(src.size) if dst[k] == b and src[k] in group)
            for b in group
        }
        if len(group) > 1 and all(held == 100 for held in inner.values()):
            expected |= np.isin(src, list(group)) & np.isin(dst, list(group))
    got = inside_closed(n, src, dst, low, 100, among if narrowed else None)
    assert got.tolist() == expected.tolist()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 2**62 - 1), max_size=200),
    st.sampled_from([2**16, 2**17, 2**33, 2**40, 2**56, 2**62]),
)
def test_stable_order_sorts_keys_of_several_digits(keys: list[int], count: int) -> None:
    # keys with their index in 63 bits are sorted packed; the widest by 16-bit digits
    values = np.array([k % count for k in keys], dtype=np.int64)
    assert stable_order(values, count).tolist() == np.argsort(values, kind="stable").tolist()
