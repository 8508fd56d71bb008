"""Array helpers of the engine: the array types, and orderings, runs and ranges worked
out over whole arrays, without a Python loop per element."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "BoolArray",
    "IntArray",
    "concatenated_ranges",
    "order_of_distinct",
    "run_starts",
    "stable_order",
    "strong_components",
]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


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


def strong_components(n: int, src: IntArray, dst: IntArray) -> tuple[int, IntArray]:
    """The strongly connected components of the links ``src -> dst`` among ``n`` nodes:
    their count and each node's label (scipy's labels, as scipy gives them)."""
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    graph = sparse.csr_matrix((np.ones(src.size, dtype=np.int8), (src, dst)), shape=(n, n))
    count, labels = connected_components(graph, directed=True, connection="strong")
    return int(count), labels


def run_starts(values: IntArray) -> IntArray:
    """Where each run of equal values starts."""
    if values.size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.append(True, values[1:] != values[:-1]))


def order_of_distinct(values: IntArray, count: int) -> IntArray:
    """``np.argsort(values)`` for distinct values in ``range(count)``, without sorting."""
    slot = np.full(count, -1, dtype=np.int64)
    slot[values] = np.arange(values.size)
    return slot[slot >= 0]


def concatenated_ranges(starts: IntArray, lengths: IntArray) -> IntArray:
    """The integers ``starts[k] .. starts[k] + lengths[k] - 1`` for every k, in order."""
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return np.arange(total) + shift
