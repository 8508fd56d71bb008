"""Array helpers of the engine: the array types, and orderings, runs and ranges worked
out over whole arrays, without a Python loop per element."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "BoolArray",
    "IntArray",
    "components_among",
    "concatenated_ranges",
    "cycle_core",
    "distinct",
    "distinct_pairs",
    "offsets",
    "order_of_distinct",
    "run_starts",
    "stable_order",
    "strong_components",
    "weak_components",
]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


#: Graphs with at most this many nodes and links are worked out in Python, with the same
#: results as scipy's: importing scipy takes longer than a small query.
SMALL_GRAPH = 5_000


def stable_order(keys: IntArray, count: int) -> IntArray:
    """``np.argsort(keys, kind="stable")`` for keys in ``range(count)``. Each key and its
    index packed in one 64-bit integer and sorted (numpy's vectorised sort: a quarter of
    the time of a radix sort by 16-bit digits at 1M keys, and without importing
    scipy.sparse, 0.15-0.2 s); by radix when the two do not fit in 63 bits."""
    m = keys.size
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    keys = np.asarray(keys, dtype=np.int64)
    index_bits = (m - 1).bit_length()
    if (max(count, 1) - 1).bit_length() + index_bits <= 63:
        packed = keys << index_bits
        packed |= np.arange(m, dtype=np.int64)
        packed.sort()
        packed &= (1 << index_bits) - 1
        return packed
    return _radix_order(keys, count)


def _radix_order(keys: IntArray, count: int) -> IntArray:
    """:func:`stable_order` by a stable sort of each 16-bit digit in turn, lowest first
    (numpy sorts 16-bit integers by counting)."""
    order: IntArray | None = None
    shift = 0
    while True:
        digits = ((keys if order is None else keys[order]) >> shift) & 0xFFFF
        step = np.argsort(digits.astype(np.uint16), kind="stable")
        order = step if order is None else order[step]
        shift += 16
        if (max(count, 1) - 1) >> shift == 0:
            return order.astype(np.int64, copy=False)


def cycle_core(n: int, src: IntArray, dst: IntArray, rounds: int = 16) -> BoolArray:
    """The links ``src -> dst`` (among ``n`` nodes) that may lie on a cycle: those left
    after dropping, up to ``rounds`` times, every node with no link in or no link out
    among the links left. A node on a cycle has both, so every link on a cycle is kept;
    what is left is small in a graph with few cycles, and its components are found
    quickly (without scipy's graph module, 0.12 s to import, when few are left)."""
    keep = np.ones(src.size, dtype=bool)
    kept = src.size
    for _ in range(rounds):
        has_in = np.zeros(n, dtype=bool)
        has_in[dst[keep]] = True
        has_out = np.zeros(n, dtype=bool)
        has_out[src[keep]] = True
        alive = has_in & has_out
        keep &= alive[src] & alive[dst]
        left = int(keep.sum())
        if left in (kept, 0):
            break
        kept = left
    return keep


def components_among(src: IntArray, dst: IntArray) -> tuple[IntArray, int, IntArray]:
    """The strongly connected components of the links ``src -> dst`` among the nodes
    they touch alone, renumbered in node order (so that a few links among millions of
    nodes are searched as a small graph): those nodes, sorted, the count of components
    and each node's label."""
    members = distinct(np.concatenate([src, dst]))
    count, labels = strong_components(
        members.size, np.searchsorted(members, src), np.searchsorted(members, dst)
    )
    return members, count, labels


def strong_components(n: int, src: IntArray, dst: IntArray) -> tuple[int, IntArray]:
    """The strongly connected components of the links ``src -> dst`` among ``n`` nodes:
    their count and each node's label (scipy's labels, as scipy gives them: a component
    is numbered as it is completed, so every component's successors come before it)."""
    if n + src.size <= SMALL_GRAPH:
        return _strong_in_python(n, src, dst)
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    graph = sparse.csr_matrix((np.ones(src.size, dtype=np.int8), (src, dst)), shape=(n, n))
    count, labels = connected_components(graph, directed=True, connection="strong")
    return int(count), np.asarray(labels, dtype=np.int64)


def weak_components(n: int, src: IntArray, dst: IntArray) -> tuple[int, IntArray]:
    """The weakly connected components of the links ``src -> dst`` among ``n`` nodes:
    their count and each node's label, numbered in the order of their first node (as
    scipy numbers them)."""
    if n + src.size <= SMALL_GRAPH:
        return _weak_in_python(n, src, dst)
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    graph = sparse.csr_matrix((np.ones(src.size, dtype=np.int8), (src, dst)), shape=(n, n))
    count, labels = connected_components(graph, directed=True, connection="weak")
    return int(count), np.asarray(labels, dtype=np.int64)


def _strong_in_python(n: int, src: IntArray, dst: IntArray) -> tuple[int, IntArray]:
    """Tarjan's algorithm without recursion, each node's successors taken from the
    highest-numbered down, roots in node order: scipy's search, hence its labels."""
    width = max(n, 1)
    pairs = distinct(np.asarray(src, dtype=np.int64) * width + np.asarray(dst, dtype=np.int64))
    bounds, successors = offsets(pairs // width, n).tolist(), (pairs % width).tolist()
    index, low, on_stack = [-1] * n, [0] * n, [False] * n
    labels = [-1] * n
    stack: list[int] = []
    count = counter = 0
    for root in range(n):
        if index[root] != -1:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        work = [[root, bounds[root + 1]]]  # node, and where its successors left off
        while work:
            top = work[-1]
            v, at = top
            first = bounds[v]
            deeper = False
            while at > first:
                at -= 1
                w = successors[at]
                if index[w] == -1:
                    top[1] = at
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = True
                    work.append([w, bounds[w + 1]])
                    deeper = True
                    break
                if on_stack[w] and index[w] < low[v]:
                    low[v] = index[w]
            if deeper:
                continue
            work.pop()
            if low[v] == index[v]:  # v roots a component: it is complete
                while True:
                    w = stack.pop()
                    on_stack[w] = False
                    labels[w] = count
                    if w == v:
                        break
                count += 1
            if work and low[v] < low[work[-1][0]]:
                low[work[-1][0]] = low[v]
    return count, np.array(labels, dtype=np.int64)


def _weak_in_python(n: int, src: IntArray, dst: IntArray) -> tuple[int, IntArray]:
    """Union-find, each set known by its lowest node, numbered in node order."""
    parent = list(range(n))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(np.asarray(src).tolist(), np.asarray(dst).tolist(), strict=True):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    numbers: dict[int, int] = {}
    labels = [numbers.setdefault(root(x), len(numbers)) for x in range(n)]
    return len(numbers), np.array(labels, dtype=np.int64)


def run_starts(values: IntArray) -> IntArray:
    """Where each run of equal values starts."""
    if values.size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.append(True, values[1:] != values[:-1]))


def distinct(values: IntArray, below: int | None = None) -> IntArray:
    """``np.unique(values)`` for integers, by sorting, or by marking when many of them lie
    in ``range(below)``. numpy 2.3 and later find distinct values by hashing, many times
    slower here: 46 ms for 100,000 integers against 2 ms sorted (numpy 2.4, 2 cores)."""
    values = np.asarray(values, dtype=np.int64)
    if below is not None and values.size * 8 > below:
        seen = np.zeros(below, dtype=bool)
        seen[values] = True
        return np.flatnonzero(seen)
    ordered = np.sort(values)
    return ordered[run_starts(ordered)]


def distinct_pairs(first: IntArray, second: IntArray, count: int) -> tuple[IntArray, IntArray]:
    """For pairs ``(first[k], second[k])`` of integers in ``range(count)``: where each
    distinct pair first occurs, in pair order, and each pair's number in that order, as
    ``np.unique(first * count + second, return_index=True, return_inverse=True)`` gives
    them, by two stable orders (:func:`stable_order`) instead of sorting pair numbers."""
    order = stable_order(second, count)
    order = order[stable_order(first[order], count)]
    keys = first[order] * max(count, 1) + second[order]
    starts = run_starts(keys)
    number = np.zeros(keys.size, dtype=np.int64)
    number[starts] = 1
    inverse = np.empty(keys.size, dtype=np.int64)
    inverse[order] = np.cumsum(number) - 1
    return order[starts], inverse


def order_of_distinct(values: IntArray, count: int) -> IntArray:
    """``np.argsort(values)`` for distinct values in ``range(count)``, without sorting."""
    slot = np.full(count, -1, dtype=np.int64)
    slot[values] = np.arange(values.size)
    return slot[slot >= 0]


def offsets(keys: IntArray, count: int) -> IntArray:
    """Where each of ``range(count)`` starts among ``keys`` sorted, and their end:
    ``np.searchsorted(np.sort(keys), np.arange(count + 1))``, by counting (a sixth of
    the time at 1M keys)."""
    bounds = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=count), out=bounds[1:])
    return bounds


def concatenated_ranges(starts: IntArray, lengths: IntArray) -> IntArray:
    """The integers ``starts[k] .. starts[k] + lengths[k] - 1`` for every k, in order."""
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return np.arange(total) + shift
