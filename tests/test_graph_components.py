"""Components and orders worked out in Python for small graphs are scipy's, label for
label: a small query need not import scipy, and a large one gets the same numbering."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from ownership.propagate import arrays
from ownership.propagate.arrays import distinct, stable_order, strong_components, weak_components


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
@given(st.lists(st.integers(0, 30), max_size=200), st.booleans())
def test_stable_order_is_the_stable_argsort_either_way(keys: list[int], small: bool) -> None:
    values = np.array(keys, dtype=np.int64)
    saved = arrays.SMALL_GRAPH
    arrays.SMALL_GRAPH = saved if small else 0
    try:
        got = stable_order(values, 31)
    finally:
        arrays.SMALL_GRAPH = saved
    assert got.tolist() == np.argsort(values, kind="stable").tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 30), max_size=200), st.sampled_from([None, 31, 500]))
def test_distinct_is_numpys_unique_sorted_or_marked(values: list[int], below: int | None) -> None:
    found = distinct(np.array(values, dtype=np.int64), below)
    assert found.dtype == np.int64
    assert found.tolist() == np.unique(np.array(values, dtype=np.int64)).tolist()
