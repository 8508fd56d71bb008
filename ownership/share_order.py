"""Look-through shares held by one entity in everything below it, in one pass over an
order worked out once per snapshot.

:func:`~ownership.propagate.relative_share_array` finds a group's rings and their
topological order for each query: for a conglomerate of half a million entities that
is a third of a second. Neither depends on which entity asks, only on the date's
holdings, so :class:`ShareOrder` works them out once (and a store keeps them). A query
then walks the levels: the inflows into each level are summed with one ``reduceat``,
and each small ring's inflow is multiplied by the inverse of its equations.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .propagate import (
    BoolArray,
    Compiled,
    IntArray,
    concatenated_ranges,
    condensation,
    inside_closed,
    run_starts,
    stable_order,
)

__all__ = ["ShareOrder"]

#: Rings of up to this many entities keep their inverse (size squared numbers), smallest
#: first while the inverses hold at most DENSE_NUMBERS numbers in all; the other rings
#: are solved when a query reaches them.
DENSE_RING = 512
DENSE_NUMBERS = 16_000_000


@dataclass(frozen=True)
class ShareOrder:
    """The share links of one snapshot grouped by the level of the entity they lead into.

    A level is the longest chain of components above an entity, so a link always leads
    to a higher level and one pass in level order settles everything. Links between
    components are ordered by (level, owned entity); ring ``k`` of the big ones has its
    members at ``big_members[big_bounds[k]:big_bounds[k+1]]`` and its links at
    ``big_links[k]:big_links[k+1]``.
    """

    level: IntArray  # per entity
    ringed: BoolArray  # per entity: on a ring of shares
    link_src: IntArray  # links between components, by (level, owned)
    link_weight: NDArray[np.float64]
    link_bounds: IntArray  # links into level L: link_bounds[L]:link_bounds[L+1]
    into: IntArray  # distinct owned entities of those links, in the same order
    into_first: IntArray  # where each one's links start
    into_bounds: IntArray
    ring_col: IntArray  # small rings: inverse entries, by (level, row)
    ring_value: NDArray[np.float64]
    ring_bounds: IntArray
    ring_row: IntArray  # distinct rows, with where each one's entries start
    ring_first: IntArray
    ring_row_bounds: IntArray
    big_members: IntArray  # big rings, by level; members sorted
    big_bounds: IntArray
    big_level: IntArray  # per big ring
    big_src: IntArray  # links inside big rings, ring by ring
    big_dst: IntArray
    big_weight: NDArray[np.float64]
    big_links: IntArray

    @classmethod
    def build(cls, compiled: Compiled) -> ShareOrder:
        c = compiled
        n = c.n
        keep = c.has_share & (c.low > 0)
        # a closed ring's members hold nothing through it (the least solution); a query
        # from one of them is still solved the other way, as from any ring member
        among = c.closed_ring if c.closed_ring.size else None
        closed = inside_closed(n, c.src[keep], c.dst[keep], c.low[keep], 100 * c.scale, among)
        on_closed = np.zeros(n, dtype=bool)
        on_closed[c.dst[keep][closed]] = True
        keep[keep] = ~closed
        src, dst = c.src[keep], c.dst[keep]
        weight = c.low[keep].astype(np.float64) / float(100 * c.scale)
        labels, sizes, within, level = condensation(n, src, dst)
        levels = int(level.max(initial=0)) + 1
        # links between components, by (level of the owned entity, owned entity)
        x_src, x_dst, x_weight = src[~within], dst[~within], weight[~within]
        order = _by_level_then(level, x_dst, n, levels)
        x_src, x_dst, x_weight = x_src[order], x_dst[order], x_weight[order]
        into_first = run_starts(x_dst)
        into = x_dst[into_first]
        rings = _Rings(labels, sizes, src[within], dst[within], weight[within], level)
        return cls(
            level=level,
            ringed=(sizes[labels] > 1) | on_closed,
            link_src=x_src,
            link_weight=x_weight,
            link_bounds=np.searchsorted(level[x_dst], np.arange(levels + 1)),
            into=into,
            into_first=into_first,
            into_bounds=np.searchsorted(level[into], np.arange(levels + 1)),
            **rings.inverses_by_level(levels),
            **rings.solved_when_reached(),
        )

    def shares_from(self, source: int, of: IntArray) -> NDArray[np.float64] | None:
        """The look-through share (0..1; 1 for itself) ``source`` holds in each of ``of``,
        over every share link; the levels are walked down to the deepest of ``of``.

        None when ``source`` sits on a ring: nothing flows back into it, which changes
        its ring's equations, so that query is solved the other way.
        """
        from scipy import sparse
        from scipy.sparse.linalg import spsolve

        if self.ringed[source]:
            return None
        x = np.zeros(self.level.size)
        x[source] = 1.0
        lb, ib = self.link_bounds, self.into_bounds
        rb, rrb = self.ring_bounds, self.ring_row_bounds
        big_at = np.searchsorted(self.big_level, np.arange(lb.size))
        deepest = int(self.level[of].max(initial=0))
        for lvl in range(int(self.level[source]) + 1, deepest + 1):
            lo, hi = lb[lvl], lb[lvl + 1]
            if hi > lo:
                first = self.into_first[ib[lvl] : ib[lvl + 1]] - lo
                flow = self.link_weight[lo:hi] * x[self.link_src[lo:hi]]
                x[self.into[ib[lvl] : ib[lvl + 1]]] = np.add.reduceat(flow, first)
            lo, hi = rb[lvl], rb[lvl + 1]
            if hi > lo:  # small rings: inverse times inflow
                first = self.ring_first[rrb[lvl] : rrb[lvl + 1]] - lo
                flow = self.ring_value[lo:hi] * x[self.ring_col[lo:hi]]
                x[self.ring_row[rrb[lvl] : rrb[lvl + 1]]] = np.add.reduceat(flow, first)
            for ring in range(big_at[lvl], big_at[lvl + 1]):
                members = self.big_members[self.big_bounds[ring] : self.big_bounds[ring + 1]]
                inflow = x[members]
                if not inflow.any():
                    continue
                lo, hi = self.big_links[ring], self.big_links[ring + 1]
                at_src = np.searchsorted(members, self.big_src[lo:hi])
                at_dst = np.searchsorted(members, self.big_dst[lo:hi])
                size = members.size
                inside = sparse.csc_matrix(
                    (self.big_weight[lo:hi], (at_dst, at_src)), shape=(size, size)
                )
                system = sparse.identity(size, format="csc") - inside
                x[members] = spsolve(system, inflow)
        return np.clip(x[of], 0.0, 1.0)

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, Any], n: int) -> ShareOrder | None:
        """The order kept by :meth:`to_arrays` for ``n`` entities, or None if any array
        is missing or the count differs."""
        names = [f.name for f in fields(cls)]
        if any(name not in arrays for name in names) or arrays["level"].size != n:
            return None
        return cls(**{name: np.asarray(arrays[name]) for name in names})


class _Rings:
    """Rings of shares (strongly connected components of two or more entities)."""

    def __init__(
        self,
        labels: IntArray,
        sizes: IntArray,
        src: IntArray,
        dst: IntArray,
        weight: NDArray[np.float64],
        level: IntArray,
    ) -> None:
        self.labels, self.level = labels, level
        self.src, self.dst, self.weight = src, dst, weight
        members = np.flatnonzero(sizes[labels] > 1)  # sorted, so each ring's members are
        members = members[stable_order(labels[members], sizes.size)]
        starts = run_starts(labels[members])
        self.members, self.starts = members, starts
        self.sizes = np.diff(np.append(starts, members.size))
        self.position = np.zeros(labels.size, dtype=np.int64)  # within its ring
        self.position[members] = np.arange(members.size) - np.repeat(starts, self.sizes)
        self.ring_of = np.full(sizes.size, -1, dtype=np.int64)  # component -> ring
        self.ring_of[labels[members[starts]]] = np.arange(starts.size)
        self.link_ring = self.ring_of[labels[dst]]
        by_size = np.argsort(self.sizes, kind="stable")
        numbers = np.cumsum(self.sizes[by_size] ** 2)
        self.dense = np.zeros(starts.size, dtype=bool)  # per ring: kept as an inverse
        self.dense[by_size] = (self.sizes[by_size] <= DENSE_RING) & (numbers <= DENSE_NUMBERS)

    def inverses_by_level(self, levels: int) -> dict[str, Any]:
        """Inverses of ``I - W`` for the rings kept dense, as entries
        ``(row, col, value)`` ordered by (level, row), a batch of rings of one size at once."""
        none = np.zeros(0, dtype=np.int64)
        rows, cols, values = [none], [none], [np.zeros(0)]
        for size in np.unique(self.sizes[self.dense]).tolist():
            rings = np.flatnonzero(self.dense & (self.sizes == size))
            inverses = self._inverses(rings, size)
            members = self.members[self.starts[rings][:, None] + np.arange(size)]
            rows.append(np.repeat(members, size, axis=1).reshape(-1))
            cols.append(np.tile(members, (1, size)).reshape(-1))
            values.append(inverses.reshape(-1))
        row, col, value = np.concatenate(rows), np.concatenate(cols), np.concatenate(values)
        order = _by_level_then(self.level, row, self.labels.size, levels)
        row, col, value = row[order], col[order], value[order]
        first = run_starts(row)
        return {
            "ring_col": col,
            "ring_value": value,
            "ring_bounds": np.searchsorted(self.level[row], np.arange(levels + 1)),
            "ring_row": row[first],
            "ring_first": first,
            "ring_row_bounds": np.searchsorted(self.level[row[first]], np.arange(levels + 1)),
        }

    def _inverses(self, rings: IntArray, size: int) -> NDArray[Any]:
        """Inverses of the equations of ``rings``, all of ``size`` members. Rings owned
        wholly from inside, the only ones whose equations have no inverse, were left out
        by :meth:`ShareOrder.build`."""
        local = np.full(self.starts.size, -1, dtype=np.int64)
        local[rings] = np.arange(rings.size)
        chosen = self._links_of(local)
        systems = np.zeros((rings.size, size, size))
        at = (
            local[self.link_ring[chosen]],
            self.position[self.dst[chosen]],
            self.position[self.src[chosen]],
        )
        np.add.at(systems, at, -self.weight[chosen])
        systems += np.identity(size)
        return np.linalg.inv(systems)

    def _links_of(self, local: IntArray) -> IntArray:
        """The links inside the rings numbered in ``local`` (ring -> number, or -1)."""
        chosen = np.flatnonzero(self.link_ring >= 0)
        return chosen[local[self.link_ring[chosen]] >= 0]

    def solved_when_reached(self) -> dict[str, Any]:
        """Members and links of the rings solved when reached, ordered by level."""
        rings = np.flatnonzero(~self.dense)
        rings = rings[np.argsort(self.level[self.members[self.starts[rings]]], kind="stable")]
        sizes = self.sizes[rings]
        members = self.members[concatenated_ranges(self.starts[rings], sizes)]
        local = np.full(self.starts.size, -1, dtype=np.int64)
        local[rings] = np.arange(rings.size)
        chosen = self._links_of(local)
        chosen = chosen[np.argsort(local[self.link_ring[chosen]], kind="stable")]
        return {
            "big_members": members,
            "big_bounds": np.append(0, np.cumsum(sizes)),
            "big_level": self.level[self.members[self.starts[rings]]],
            "big_src": self.src[chosen],
            "big_dst": self.dst[chosen],
            "big_weight": self.weight[chosen],
            "big_links": np.searchsorted(local[self.link_ring[chosen]], np.arange(rings.size + 1)),
        }


def _by_level_then(level: IntArray, nodes: IntArray, n: int, levels: int) -> IntArray:
    """The order of ``nodes`` by (level, node), stable, by counting."""
    by_node = stable_order(nodes, n)
    return by_node[stable_order(level[nodes[by_node]], levels)]
