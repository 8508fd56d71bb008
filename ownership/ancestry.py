"""Listed ancestors: which listed entities sit above each entity, for every entity at once.

A verdict names the listed entities it descends from. Asked entity by entity, that is a
walk up the graph each time; here the sets are shared between the entities on one cycle
and between an entity and its only parent, and kept as sorted integer arrays (one table
of offsets and values), so a million verdicts cost one pass over the links, a level at
a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from .columns import in_id_order, values_at
from .propagate.arrays import concatenated_ranges, distinct

if TYPE_CHECKING:
    from .propagate import Compiled, Reachability

__all__ = ["SeedAncestry"]


class SeedAncestry:
    """The listed entities above each reached entity, as sorted arrays of seed ranks.

    Over links that can carry ownership or control from reached owners, entities on a
    cycle reach each other, so each strongly connected component has one set: the seeds
    in it and in every component above it. A seed is numbered by its rank among all
    seeds in id order, so a set read in order is in id order. Asked for a few entities,
    a set is found by walking up from the entity's component (:meth:`ancestors`);
    :meth:`fill` works out every set in one pass from the top, keeping each distinct set
    once, as a table of offsets (``set_bounds``) and ranks (``set_ranks``).
    """

    #: Decoded sets kept for reuse (siblings share their parent's set); cleared when full.
    DECODED_LIMIT = 50_000

    def __init__(self, compiled: Compiled, components: dict[str, np.ndarray]):
        """``components`` as :meth:`components` works them out (maybe read from a store)."""
        c = compiled
        self.label = np.asarray(components["label"])
        self.parents = np.asarray(components["parents"])
        self.parent_bounds = np.asarray(components["parent_bounds"])
        #: per component, the component whose set it has: its own, unless it has no
        #: seeds and a single parent component, whose set it then shares (most do)
        self.sharing = np.asarray(components["sharing"])
        self.size = self.parent_bounds.size - 1
        self.ids = c.ids
        self.seeds = c.seeds
        #: seed rank -> position: the seeds in id order
        self.seed_order = in_id_order(c.index, c.ids, np.flatnonzero(c.seeds))
        in_comp = self.label[self.seed_order]
        by_comp = np.argsort(in_comp, kind="stable")
        #: each component's own seeds, as ranks: those of k at own_bounds[k]:own_bounds[k+1]
        self.own_ranks = by_comp
        self.own_bounds = np.searchsorted(in_comp[by_comp], np.arange(self.size + 1))
        #: per component, its set's number, once :meth:`fill` has worked them out
        self.set_of: np.ndarray | None = None
        self.set_bounds = np.zeros(1, dtype=np.int64)
        self.set_ranks = np.zeros(0, dtype=np.int32)
        #: components visited by walks up; past :attr:`size`, :meth:`fill` works out all
        self.walked = 0
        self.shared_parents = self.sharing[self.parents]
        self.decoded: dict[int, tuple[str, ...]] = {}

    @staticmethod
    def components(compiled: Compiled, reach: Reachability) -> dict[str, np.ndarray]:
        """The strongly connected components over the links that carry listed ancestors:
        each entity's ``label``, and the ``parents`` of each component (the components
        linking into it), those of component k at ``parent_bounds[k]:parent_bounds[k+1]``."""
        from .propagate.arrays import strong_components

        c = compiled
        usable = c.usable() & reach.reached[c.src]
        src, dst = c.src[usable], c.dst[usable]
        _, label = strong_components(c.n, src, dst)
        cross = label[src] != label[dst]
        child_labels = label[dst[cross]]
        order = np.argsort(child_labels, kind="stable")
        parents = label[src[cross]][order]
        bounds = np.searchsorted(child_labels[order], np.arange(int(label.max(initial=-1)) + 2))
        seeded = label[np.flatnonzero(c.seeds)]
        return {
            "label": label,
            "parents": parents,
            "parent_bounds": bounds,
            "sharing": SeedAncestry._sharing(parents, bounds, seeded),
        }

    @staticmethod
    def _sharing(parents: np.ndarray, bounds: np.ndarray, seeded: np.ndarray) -> np.ndarray:
        """Per component, the component whose set it has (see ``sharing``), given the
        components holding seeds (``seeded``)."""
        inherits = np.diff(bounds) == 1
        inherits[seeded] = False
        sharing = np.arange(bounds.size - 1)
        sharing[inherits] = parents[bounds[:-1][inherits]]
        while True:
            further = sharing[sharing]
            if np.array_equal(further, sharing):
                return sharing
            sharing = further

    # -- one set at a time

    def ranks_above(self, node: int) -> np.ndarray:
        """The ranks of the seeds from which ``node`` is reached (itself too, if a seed),
        in order: from the table once filled, else by a walk up from its component."""
        comp = int(self.sharing[self.label[node]])
        if self.set_of is not None:
            k = int(self.set_of[comp])
            return self.set_ranks[self.set_bounds[k] : self.set_bounds[k + 1]]
        if self.walked > self.size:  # walks have cost a pass over all: work them all out
            self.fill()
            return self.ranks_above(node)
        return self._walk_up(comp)

    def _walk_up(self, comp: int) -> np.ndarray:
        """The ranks of the seeds in ``comp`` and every component above it, in order."""
        parents, bounds = self.shared_parents, self.parent_bounds
        seen = {comp}
        stack = [comp]
        while stack:
            k = stack.pop()
            for above in parents[bounds[k] : bounds[k + 1]].tolist():
                if above not in seen:
                    seen.add(above)
                    stack.append(above)
        self.walked += len(seen)
        reached = np.fromiter(seen, np.int64, len(seen))
        lengths = self.own_bounds[reached + 1] - self.own_bounds[reached]
        return np.sort(self.own_ranks[concatenated_ranges(self.own_bounds[reached], lengths)])

    def ancestors(self, node: int) -> tuple[str, ...]:
        """Ids of the seeds above ``node`` other than itself, sorted."""
        comp = int(self.sharing[self.label[node]])
        found = self.decoded.get(comp)
        if found is None:
            found = tuple(values_at(self.ids, self.seed_order[self.ranks_above(node)]))
            if len(self.decoded) >= self.DECODED_LIMIT:
                self.decoded.clear()
            self.decoded[comp] = found
        if self.seeds[node]:
            return tuple(x for x in found if x != self.ids[node])
        return found

    # -- every set at once

    def set_ids(self, nodes: np.ndarray) -> np.ndarray:
        """The number of each of ``nodes``' sets in the table (worked out first if not)."""
        if self.set_of is None:
            self.fill()
        assert self.set_of is not None
        return self.set_of[self.sharing[self.label[np.asarray(nodes, dtype=np.int64)]]]

    def first_of_sets(
        self, sets: np.ndarray, limit: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per set of the table, how many seeds it holds, and the positions of its first
        ``limit`` in id order (offsets and positions)."""
        sets = np.asarray(sets, dtype=np.int64)
        starts = self.set_bounds[sets]
        totals = self.set_bounds[sets + 1] - starts
        shown = np.minimum(totals, limit)
        ranks = self.set_ranks[concatenated_ranges(starts, shown)]
        return totals, np.append(0, np.cumsum(shown)), self.seed_order[ranks]

    def ancestors_of_many(self, nodes: Sequence[int]) -> list[tuple[str, ...]]:
        """:meth:`ancestors` of each of ``nodes``, decoded together from the table."""
        nodes_array = np.asarray(nodes, dtype=np.int64)
        sets = self.set_ids(nodes_array)
        totals, _, positions = self.first_of_sets(sets, int(self.set_bounds[-1]))
        which = np.repeat(np.arange(nodes_array.size), totals)
        other = positions != nodes_array[which]
        ends = np.searchsorted(which[other], np.arange(nodes_array.size + 1)).tolist()
        found = values_at(self.ids, positions[other])
        return [tuple(found[a:b]) for a, b in pairwise(ends)]

    def fill(self) -> None:
        """Work out every component's set in one pass from the top, a level of components
        at a time (a component is ready once every component above it is done).

        A component with no seeds of its own and one distinct parent set has that set; a
        union as large as its largest parent set is that set; other unions are kept once
        each (:class:`_SetTable`)."""
        parents, bounds, sharing = self.parents, self.parent_bounds, self.sharing
        size = self.size
        has_own = np.diff(self.own_bounds) > 0
        shared_parents = sharing[parents]
        child = np.repeat(np.arange(size), np.diff(bounds))
        by_parent = np.argsort(parents, kind="stable")
        children, child_bounds = (
            child[by_parent],
            np.searchsorted(parents[by_parent], np.arange(size + 1)),
        )
        waiting = np.diff(bounds)  # parent links not yet done
        set_of = np.full(size, -1, dtype=np.int64)
        table = _SetTable(max(int(self.seed_order.size), 1))
        ready = np.flatnonzero(waiting == 0)
        while ready.size:
            owning = ready[sharing[ready] == ready]
            if owning.size:
                self._fill_level(owning, shared_parents, has_own, set_of, table)
            lengths = child_bounds[ready + 1] - child_bounds[ready]
            below = children[concatenated_ranges(child_bounds[ready], lengths)]
            np.subtract.at(waiting, below, 1)
            ready = distinct(below[waiting[below] == 0], size)
        if (set_of[sharing == np.arange(size)] < 0).any():
            # strongly connected components never link in a ring: these were not made so
            raise ValueError("listed-ancestor components link in a ring: not a condensation")
        self.set_bounds, self.set_ranks = table.arrays()
        self.set_of = set_of[sharing]
        self.decoded.clear()

    def _fill_level(
        self,
        owning: np.ndarray,
        shared_parents: np.ndarray,
        has_own: np.ndarray,
        set_of: np.ndarray,
        table: _SetTable,
    ) -> None:
        """The sets of ``owning``, components whose parents' sets are all known."""
        bounds = self.parent_bounds
        lengths = bounds[owning + 1] - bounds[owning]
        who = np.repeat(np.arange(owning.size), lengths)
        parent_sets = set_of[shared_parents[concatenated_ranges(bounds[owning], lengths)]]
        width = max(table.count, 1)
        pairs = distinct(who * width + parent_sets)  # each (component, parent set) once
        who, parent_sets = pairs // width, pairs % width
        count = np.bincount(who, minlength=owning.size)
        # each component's largest parent set (the last of its pairs by size)
        sizes = table.sizes(parent_sets)
        order = np.lexsort((sizes, who))
        largest = np.full(owning.size, -1, dtype=np.int64)
        largest[count > 0] = parent_sets[order][np.cumsum(count)[count > 0] - 1]
        largest_size = np.where(largest >= 0, table.sizes(np.maximum(largest, 0)), 0)
        own = has_own[owning]
        inherits = (count == 1) & ~own
        set_of[owning[inherits]] = largest[inherits]
        union = np.flatnonzero(~inherits)
        if not union.size:
            return
        keep = ~inherits[who]
        who, parent_sets = who[keep], parent_sets[keep]
        held = table.members(parent_sets)
        comps = owning[union]
        own_lengths = self.own_bounds[comps + 1] - self.own_bounds[comps]
        own_ranks = self.own_ranks[concatenated_ranges(self.own_bounds[comps], own_lengths)]
        rank_count = table.rank_count
        keys = np.concatenate(
            [
                np.repeat(who, table.sizes(parent_sets)) * rank_count + held,
                np.repeat(union, own_lengths) * rank_count + own_ranks,
            ]
        )
        keys = distinct(keys)
        members_of = keys // rank_count
        found = np.bincount(members_of, minlength=owning.size)
        same = ~own[union] & (count[union] > 0) & (found[union] == largest_size[union])
        set_of[owning[union[same]]] = largest[union[same]]
        new = union[~same]
        if new.size:
            is_new = np.zeros(owning.size, dtype=bool)
            is_new[new] = True
            ranks = keys[is_new[members_of]] % rank_count
            set_of[owning[new]] = table.add(found[new], ranks)


class _SetTable:
    """Sets of seed ranks, each sorted, one after another, kept once each: a set equal to
    one already kept (same size, same hash of its ranks, same ranks) is not added again."""

    def __init__(self, rank_count: int) -> None:
        self.rank_count = rank_count
        self.count = 0
        self.bounds = np.zeros(1024, dtype=np.int64)
        self.ranks = np.zeros(1 << 16, dtype=np.int32)
        # a random 64-bit word per rank; a set's hash is their sum (wrapping)
        self.words = np.random.default_rng(0).integers(
            0, 2**63, size=rank_count, dtype=np.uint64, endpoint=False
        ) * np.uint64(2) + np.uint64(1)
        self.by_hash: dict[int, int] = {}

    def sizes(self, sets: np.ndarray) -> np.ndarray:
        return self.bounds[sets + 1] - self.bounds[sets]

    def members(self, sets: np.ndarray) -> np.ndarray:
        """The ranks of each of ``sets``, one after another."""
        return self.ranks[concatenated_ranges(self.bounds[sets], self.sizes(sets))].astype(np.int64)

    def add(self, sizes: np.ndarray, ranks: np.ndarray) -> np.ndarray:
        """Keep sets of ``sizes`` whose sorted ranks follow one another in ``ranks``;
        their numbers, those of equal sets already kept where there are some."""
        ends = np.cumsum(sizes)
        starts = ends - sizes
        summed = np.zeros(ranks.size + 1, dtype=np.uint64)
        np.cumsum(self.words[ranks], out=summed[1:])  # wraps: a hash
        hashed = summed[ends] - summed[starts]
        numbers = np.full(sizes.size, -1, dtype=np.int64)
        keys = (hashed ^ (sizes.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))).tolist()
        get = self.by_hash.get
        earlier = np.fromiter((get(key, -1) for key in keys), np.int64, len(keys))
        # of sets with the same key in this batch, the first (the others are its twins)
        _, first, inverse = np.unique(
            np.asarray(keys, dtype=np.uint64), return_index=True, return_inverse=True
        )
        twin = first[inverse.reshape(-1)]
        twin[(twin == np.arange(sizes.size)) | (earlier >= 0)] = -1
        # the same key is not enough: the ranks must be the same
        at = np.flatnonzero(earlier >= 0)
        same = self._equal(ranks, starts[at], self.ranks, self.bounds[earlier[at]], sizes[at])
        numbers[at[same]] = earlier[at[same]]
        at_twin = np.flatnonzero(twin >= 0)
        twin_same = self._equal(
            ranks, starts[at_twin], ranks, starts[twin[at_twin]], sizes[at_twin]
        )
        new = np.flatnonzero(numbers < 0)
        new = np.setdiff1d(new, at_twin[twin_same], assume_unique=True)
        numbers[new] = self._append(ranks, starts[new], sizes[new])
        for k in new.tolist():
            self.by_hash.setdefault(keys[k], int(numbers[k]))
        numbers[at_twin[twin_same]] = numbers[twin[at_twin[twin_same]]]
        return numbers

    @staticmethod
    def _equal(
        left: np.ndarray,
        left_starts: np.ndarray,
        right: np.ndarray,
        right_starts: np.ndarray,
        sizes: np.ndarray,
    ) -> np.ndarray:
        """Whether each run of ``sizes`` ranks in ``left`` equals its run in ``right``."""
        a = left[concatenated_ranges(left_starts, sizes)]
        b = right[concatenated_ranges(right_starts, sizes)]
        which = np.repeat(np.arange(sizes.size), sizes)
        return np.bincount(which[a != b], minlength=sizes.size) == 0

    def _append(self, ranks: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
        """Add the runs of ``ranks`` at ``starts``, ``sizes`` long; their numbers."""
        count, at = self.count, int(self.bounds[self.count])
        total = int(sizes.sum())
        if count + sizes.size + 1 > self.bounds.size:
            self.bounds = np.resize(self.bounds, 2 * (count + sizes.size + 1))
        if at + total > self.ranks.size:
            self.ranks = np.resize(self.ranks, 2 * (at + total))
        self.ranks[at : at + total] = ranks[concatenated_ranges(starts, sizes)]
        self.bounds[count + 1 : count + sizes.size + 1] = at + np.cumsum(sizes)
        self.count += sizes.size
        return count + np.arange(sizes.size)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        end = int(self.bounds[self.count])
        return self.bounds[: self.count + 1].copy(), self.ranks[:end].copy()
