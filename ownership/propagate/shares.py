"""Integrated (look-through) ownership of every entity by the seeds, in floats: solved
level by level over strongly connected components (:func:`condensation`), single
entities by substitution, rings by a linear solve, closed rings given their least
solution."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .arrays import (
    BoolArray,
    IntArray,
    concatenated_ranges,
    distinct,
    offsets,
    stable_order,
    strong_components,
)
from .snapshot import Compiled, inside_closed

__all__ = [
    "DENSE_SOLVE",
    "condensation",
    "look_through",
    "ring_solve",
    "settle",
    "without_closed_rings",
]


def look_through(compiled: Compiled) -> NDArray[np.float64]:
    """Effective share (0..1) of every entity held by the seeds; seeds themselves get 1.

    Solves ``x = b + M x`` exactly (up to float rounding): strongly connected components in
    topological order, a whole level of them at a time; single entities by substitution,
    rings by a small linear solve. A ring owning itself 100% with no outside owner gets
    the least solution, 0 (docs/rules.md convention 8).
    """
    n, seeds = compiled.n, compiled.seeds
    keep = compiled.has_share & (compiled.low > 0)
    low = compiled.low[keep]
    weight = low.astype(np.float64) / float(100 * compiled.scale)
    rings = (low, 100 * compiled.scale, compiled.closed_ring)
    return settle(n, compiled.src[keep], compiled.dst[keep], weight, seeds, rings)


def settle(
    n: int,
    src: IntArray,
    dst: IntArray,
    weight: NDArray[np.float64],
    sources: BoolArray,
    rings: tuple[NDArray[Any], int, BoolArray] | None = None,
) -> NDArray[np.float64]:
    """``x = 1`` at ``sources`` and ``x = sum of weight * x`` over the links into every
    other entity (links into a source are dropped: it absorbs), clipped to 0..1.

    Strongly connected components in topological order, a whole level of them at a
    time; single entities by substitution, rings by a small linear solve. ``rings``
    (each link's share as an exact scaled integer, 100 in that scale, and the members of
    closed rings) lets closed rings be given their least solution
    (:func:`without_closed_rings`).

    Solves the whole graph (:func:`look_through`) and one large group
    (:func:`~ownership.propagate.relative.relative_share_array`) alike.
    """
    keep = np.flatnonzero(~sources[dst])
    if rings is not None:
        exact, hundred, among = rings
        keep = keep[without_closed_rings(n, src[keep], dst[keep], exact[keep], hundred, among)]
    src, dst, weight = src[keep], dst[keep], weight[keep]
    from_seed = sources[src]
    b = np.zeros(n, dtype=np.float64)
    np.add.at(b, dst[from_seed], weight[from_seed])
    inner = ~from_seed
    src, dst, weight = src[inner], dst[inner], weight[inner]
    x = np.where(sources, 1.0, 0.0)
    if src.size == 0:
        x[~sources] = b[~sources]
        return x
    labels, sizes, within, node_level = condensation(n, src, dst)
    count = sizes.size
    levels = int(node_level.max()) + 1
    # edges grouped by the level of the entity they lead into
    cross_order = stable_order(node_level[dst[~within]], levels)
    c_src, c_dst, c_w = (
        src[~within][cross_order],
        dst[~within][cross_order],
        weight[~within][cross_order],
    )
    c_bounds = np.searchsorted(node_level[c_dst], np.arange(levels + 1))
    ring_order = stable_order(labels[dst[within]], count)
    r_src, r_dst = src[within][ring_order], dst[within][ring_order]
    r_w = weight[within][ring_order]
    r_labels = labels[r_dst]
    ringed = np.flatnonzero(sizes[labels] > 1)
    ringed = ringed[stable_order(labels[ringed], count)]
    ring_members = np.split(ringed, np.flatnonzero(np.diff(labels[ringed])) + 1)
    ring_edges = np.searchsorted(r_labels, np.arange(count + 1))
    rings_at: dict[int, list[np.ndarray]] = defaultdict(list)
    for members in ring_members:
        if members.size:
            rings_at[int(node_level[members[0]])].append(members)
    solved = np.zeros(n, dtype=np.float64)
    roots = (sizes[labels] == 1) & (node_level == 0)  # nothing flows in from non-sources
    solved[roots] = b[roots]
    ring_links = _RingLinks(labels, ring_edges, r_src, r_dst, r_w, np.zeros(n, dtype=np.int64))
    for lvl in range(len(c_bounds) - 1):
        lo, hi = c_bounds[lvl], c_bounds[lvl + 1]
        inflow_dst = c_dst[lo:hi]
        np.add.at(b, inflow_dst, c_w[lo:hi] * solved[c_src[lo:hi]])
        ring_links.solve(rings_at.get(lvl, []), b, solved)
        singles = distinct(inflow_dst)
        singles = singles[sizes[labels[singles]] == 1]
        solved[singles] = b[singles]
    x = np.where(sources, 1.0, solved)
    # a ring's solve can give -0.0 where nothing flows in (a negative pivot times 0);
    # adding 0.0 makes it 0.0, which every writer shows as "0" and not "-0"
    return np.clip(x, 0.0, 1.0) + 0.0


#: Rings of more members than this are solved as sparse systems: a dense one needs
#: size**2 numbers (a 100,000-member ring would ask for 75 GiB).
DENSE_SOLVE = 256


def ring_solve(
    size: int, at: tuple[IntArray, IntArray], weight: NDArray[np.float64], inflow: NDArray[Any]
) -> NDArray[np.float64]:
    """``x`` with ``x = inflow + W x`` for one ring, ``W[at] = weight`` (row = owned)."""
    if size <= DENSE_SOLVE:
        system = np.identity(size)
        np.add.at(system, at, -weight)
        return np.asarray(np.linalg.solve(system, inflow))
    from scipy import sparse
    from scipy.sparse.linalg import spsolve

    inside = sparse.csc_matrix((weight, at), shape=(size, size))
    return np.asarray(spsolve(sparse.identity(size, format="csc") - inside, inflow))


class _RingLinks:
    """The links inside each ring, grouped by ring (``labels`` of their entities; those of
    component k at ``bounds[k]:bounds[k + 1]``), for solving the rings of one level."""

    def __init__(
        self,
        labels: IntArray,
        bounds: IntArray,
        src: IntArray,
        dst: IntArray,
        weight: NDArray[np.float64],
        position: IntArray,
    ):
        self.labels, self.bounds = labels, bounds
        self.src, self.dst, self.weight = src, dst, weight
        self.position = position  # scratch: each member's place in its ring

    def solve(
        self, rings: list[IntArray], inflow: NDArray[np.float64], solved: NDArray[np.float64]
    ) -> None:
        """Solve ``rings`` (members of each; none depends on another) given what flows in.

        Rings of one size are solved together, as one stack of dense systems: at 1M a
        level can hold thousands of small rings, and a call per ring cost more than the
        solves. Each system is built as :func:`ring_solve` builds it, links added in the
        same order, so the shares are the same to the bit."""
        by_size: dict[int, list[IntArray]] = defaultdict(list)
        for members in rings:
            by_size[members.size].append(members)
        position = self.position
        for size, group in by_size.items():
            if size > DENSE_SOLVE or len(group) == 1:
                for members in group:
                    comp = self.labels[members[0]]
                    lo, hi = self.bounds[comp], self.bounds[comp + 1]
                    position[members] = np.arange(size)
                    at = (position[self.dst[lo:hi]], position[self.src[lo:hi]])
                    solved[members] = ring_solve(size, at, self.weight[lo:hi], inflow[members])
                continue
            members = np.concatenate(group)
            count = len(group)
            position[members] = np.tile(np.arange(size), count)
            comps = self.labels[members[::size]]
            starts = self.bounds[comps]
            lengths = self.bounds[comps + 1] - starts
            links = concatenated_ranges(starts, lengths)
            which = np.repeat(np.arange(count), lengths)
            systems = np.tile(np.identity(size), (count, 1, 1))
            cells = (which, position[self.dst[links]], position[self.src[links]])
            np.add.at(systems, cells, -self.weight[links])
            found = np.linalg.solve(systems, inflow[members].reshape(count, size, 1))
            solved[members] = found.reshape(-1)


def condensation(
    n: int, src: IntArray, dst: IntArray
) -> tuple[IntArray, IntArray, BoolArray, IntArray]:
    """The strongly connected components of the links ``src -> dst`` among ``n``
    entities: each entity's ``label``, each component's ``size``, which links lie
    ``within`` one, and each entity's level (the longest chain of components above its
    own), so that every other link leads to a higher level."""
    count, labels = strong_components(n, src, dst)
    sizes = np.bincount(labels, minlength=count)
    within = labels[src] == labels[dst]
    level = _component_levels(labels[src[~within]], labels[dst[~within]], count)
    return labels, sizes, within, level[labels]


def _component_levels(parents: IntArray, children: IntArray, count: int) -> IntArray:
    """Longest-path level of each component in the condensed (acyclic) graph, frontier by
    frontier (Kahn), so each link is looked at once."""
    level = np.zeros(count, dtype=np.int64)
    if parents.size == 0:
        return level
    children = children[stable_order(parents, count)]
    bounds = offsets(parents, count)
    waiting = np.bincount(children, minlength=count)
    frontier = np.flatnonzero(waiting == 0)
    depth = 0
    while frontier.size:
        starts = bounds[frontier]
        targets = children[concatenated_ranges(starts, bounds[frontier + 1] - starts)]
        level[targets] = depth + 1
        np.subtract.at(waiting, targets, 1)
        frontier = distinct(targets[waiting[targets] == 0])
        depth += 1
    return level


def without_closed_rings(
    n: int,
    src: IntArray,
    dst: IntArray,
    low: NDArray[Any],
    hundred: int,
    among: BoolArray | None = None,
) -> BoolArray:
    """The links to keep when solving look-through shares: all but those inside a closed
    ring (:func:`~ownership.propagate.snapshot.inside_closed`). Its members then hold what
    reaches them from outside, which is nothing: the least solution of their singular
    equations. Every look-through solve (whole graph, one group, exact) drops them."""
    return ~inside_closed(n, src, dst, low, hundred, among)
