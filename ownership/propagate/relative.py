"""Effective shares linking one entity with the members of its group, through all paths
among them (affiliates queries), solved on that subgraph alone."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .arrays import BoolArray, IntArray, concatenated_ranges
from .shares import settle, without_closed_rings
from .snapshot import Compiled

__all__ = ["IN_ORDER_FROM", "relative_share_array", "relative_shares"]


def relative_shares(
    compiled: Compiled, source: int, nodes: IntArray, *, upward: bool = False
) -> dict[int, float]:
    """Effective share (0..1) linking ``source`` with each of ``nodes`` through all paths.

    Downward: how much of each node ``source`` owns, directly and indirectly. Upward: how
    much of ``source`` each node owns. Only the subgraph of ``nodes`` is solved, so a query
    about one group stays fast on a large dataset. Unknown shares count as 0.
    """
    members, shares = relative_share_array(compiled, source, nodes, upward=upward)
    return dict(zip(members.tolist(), shares.tolist(), strict=True))


#: Systems at least this large are solved component by component; smaller ones directly.
IN_ORDER_FROM = 20_000
#: Systems larger than this (and smaller than :data:`IN_ORDER_FROM`) are solved as sparse
#: ones; up to it, as dense ones (an n x n array of floats: 2 MB at 500).
DENSE_FROM = 500


def relative_share_array(
    compiled: Compiled, source: int, nodes: IntArray, *, upward: bool = False
) -> tuple[IntArray, NDArray[np.float64]]:
    """:func:`relative_shares` as two arrays: the members solved (sorted) and their shares.

    A large group is solved component by component as
    :func:`~ownership.propagate.shares.look_through` solves the whole graph
    (:func:`~ownership.propagate.shares.settle`): a direct sparse solve of a conglomerate
    of half a million entities takes tens of seconds.
    """
    member = np.zeros(compiled.n, dtype=bool)
    member[nodes] = True
    member[source] = True
    members = np.flatnonzero(member)
    keep = _share_pairs_within(compiled, member, members)
    src = np.searchsorted(members, compiled.src[keep])
    dst = np.searchsorted(members, compiled.dst[keep])
    if upward:
        src, dst = dst, src
    low = compiled.low[keep]
    weight = low.astype(np.float64) / float(100 * compiled.scale)
    s = int(np.searchsorted(members, source))
    size = members.size
    flows = dst != s  # the source absorbs: nothing flows back into it
    owner, owned = (dst, src) if upward else (src, dst)
    flows[flows] = without_closed_rings(
        size, owner[flows], owned[flows], low[flows], 100 * compiled.scale,
        compiled.closed_ring[members] if compiled.closed_ring.size else None,
    )  # fmt: skip
    src, dst, weight = src[flows], dst[flows], weight[flows]
    if size >= IN_ORDER_FROM:
        source_only = np.zeros(size, dtype=bool)
        source_only[s] = True
        solved = settle(size, src, dst, weight, source_only)
    elif size > DENSE_FROM:
        from scipy import sparse
        from scipy.sparse.linalg import spsolve

        rhs = np.zeros(size)
        rhs[s] = 1.0
        matrix = sparse.csc_matrix((weight, (dst, src)), shape=(size, size))
        solved = np.asarray(spsolve(sparse.identity(size, format="csc") - matrix, rhs))
    elif size > 1:  # a small group: solved as a dense system, with no sparse library
        rhs = np.zeros(size)
        rhs[s] = 1.0
        system = np.identity(size)
        np.subtract.at(system, (dst, src), weight)
        solved = np.asarray(np.linalg.solve(system, rhs), dtype=np.float64)
    else:
        solved = np.array([1.0])
    return members, np.clip(solved, 0.0, 1.0)


#: Groups with fewer members than the entities over this find their pairs through the
#: owners' CSR index; larger ones by a pass over every pair.
PAIRS_BY_OWNER_BELOW = 64


def _share_pairs_within(compiled: Compiled, member: BoolArray, members: IntArray) -> IntArray:
    """Pairs (in pair order) with a known, positive share between two members: for a
    small group, from its members' own pairs, not a pass over a million."""
    c = compiled
    if members.size * PAIRS_BY_OWNER_BELOW < c.n:
        starts = c.out_ptr[members]
        pairs = np.sort(c.out_edges[concatenated_ranges(starts, c.out_ptr[members + 1] - starts)])
        return pairs[member[c.dst[pairs]] & c.has_share[pairs] & (c.low[pairs] > 0)]
    return np.flatnonzero(c.has_share & (c.low > 0) & member[c.src] & member[c.dst])
