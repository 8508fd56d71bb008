"""Listed ancestors: which listed entities sit above each entity, for every entity at once.

A verdict names the listed entities it descends from. Asked entity by entity, that is a
walk up the graph each time; here the sets are shared between the entities on one cycle
and between an entity and its only parent, and kept as bitmasks, so a million verdicts
cost about one pass over the links.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from .columns import in_id_order, position_type, values_at

if TYPE_CHECKING:
    from .propagate import Compiled, Reachability

__all__ = ["SeedAncestry"]


class SeedAncestry:
    """The listed entities above each reached entity, worked out on demand and shared.

    Over links that can carry ownership or control from reached owners, entities on a
    cycle reach each other, so each strongly connected component has one set: the seeds
    in it and the sets of the components that link into it. A set is a Python int used as
    a bitmask over the seeds of one group (weakly connected component), numbered in id
    order, so that a conglomerate with hundreds of listed members costs a few dozen bytes
    per component and the ids come out sorted. Before working out every set, :meth:`fill`
    numbers the seeds again, those above the most components first, so that most masks
    are short; the ids are then sorted as they are decoded.
    """

    #: Decoded sets kept for reuse (siblings share their parent's set); cleared when full.
    DECODED_LIMIT = 50_000

    def __init__(self, compiled: Compiled, groups: np.ndarray, components: dict[str, np.ndarray]):
        """``components`` as :meth:`components` works them out (maybe read from a store);
        ``groups`` labels each entity's weakly connected component."""
        c = compiled
        self.label = np.asarray(components["label"])
        self.parents = np.asarray(components["parents"])
        self.parent_bounds = np.asarray(components["parent_bounds"])
        #: per component, the component whose set it has: its own, unless it has no
        #: seeds and a single parent component, whose set it then shares (most do)
        self.sharing = np.asarray(components["sharing"])
        self.ids = c.ids
        self.seeds = c.seeds
        self.own: dict[int, int] = defaultdict(int)  # component -> bits of its own seeds
        self.seeds_of_group: dict[int, list[int]] = defaultdict(list)  # bit -> seed, id order
        seed_nodes = in_id_order(c.index, c.ids, np.flatnonzero(c.seeds)).tolist()
        for node in seed_nodes:
            group = int(groups[node])
            bits = self.seeds_of_group[group]
            self.own[int(self.label[node])] |= 1 << len(bits)
            bits.append(node)
        self.groups = groups
        #: per entity, a seed's place in id order among the seeds (set once bits are no
        #: longer numbered in id order, see :meth:`_number_by_reach`)
        self.seed_rank: np.ndarray | None = None
        #: per entity, the class of a seed's bit after renumbering (bits run class by class)
        self.seed_class: np.ndarray | None = None
        self.memo: dict[int, int] = {}
        #: every component's set, once :meth:`fill` has worked them out
        self.masks: list[int] | None = None
        #: per component, one with the same set (itself unless :meth:`fill` found one)
        self.same_set = np.arange(int(self.label.max(initial=-1)) + 1)
        self.decoded: dict[tuple[int, int], tuple[str, ...]] = {}

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
        label = label.astype(position_type(c.n))  # components are numbered below n
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
        sharing = np.arange(bounds.size - 1, dtype=position_type(bounds.size))
        sharing[inherits] = parents[bounds[:-1][inherits]]
        while True:
            further = sharing[sharing]
            if np.array_equal(further, sharing):
                return sharing
            sharing = further

    def mask(self, node: int) -> int:
        """Bits (over the seeds of ``node``'s group) of the seeds from which it is reached."""
        return self.component_mask(int(self.sharing[self.label[node]]))

    def others_mask(self, node: int) -> int:
        """:meth:`mask` of a seed without its own bit: the seeds above it but itself."""
        return self.mask(node) & ~(1 << self.own_bits[node])

    @cached_property
    def own_bits(self) -> dict[int, int]:
        """Each seed's bit among its group's seeds (as :meth:`fill` numbers them, if it
        has: ask after it)."""
        return {
            node: bit for nodes in self.seeds_of_group.values() for bit, node in enumerate(nodes)
        }

    def component_mask(self, target: int) -> int:
        """Bits of the seeds above a component that has its own set (see :attr:`sharing`)."""
        if self.masks is not None:
            return self.masks[target]
        memo = self.memo
        if target in memo:
            return memo[target]
        parents, bounds, own = self.shared_parents, self.parent_bounds, self.own
        stack = [target]
        while stack:
            comp = stack[-1]
            if comp in memo:
                stack.pop()
                continue
            parent_list = parents[bounds[comp] : bounds[comp + 1]].tolist()
            missing = [p for p in parent_list if p not in memo]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            bits = own.get(comp, 0)
            for p in parent_list:
                bits |= memo[p]
            memo[comp] = bits
        return memo[target]

    def fill(self) -> None:
        """Work out the set of every component that has its own, in one pass from the
        top, for callers that will ask for most of them (:meth:`component_mask` asked in
        row order recurses up each chain); note in :attr:`same_set` the components whose
        set is that of a parent.

        The pass needs components numbered with parents after their children, as
        scipy's strongly connected components are; if not, sets stay worked out on demand.
        """
        bounds = self.parent_bounds
        size = bounds.size - 1
        child = np.repeat(np.arange(size), np.diff(bounds))
        if not (self.parents > child).all():
            return
        if self.seed_rank is None:
            self._number_by_reach()
        # each (component, parent set) once, children of a later-numbered parent last
        pairs = np.sort(child * size + self.shared_parents)[::-1]
        pairs = pairs[np.append(True, pairs[1:] != pairs[:-1])] if pairs.size else pairs
        child, parent = pairs // size, pairs % size
        owning = self.sharing[child] == child
        child, parent = child[owning], parent[owning]
        masks = [0] * size
        for comp, bits in self.own.items():
            masks[comp] = bits
        # many components have the same set (at 1M, 474,598 sets, 109,564 distinct): keep
        # one integer for each distinct set, as each is finished (children come after
        # all their parents), so the copies never pile up
        kept: dict[int, int] = {}
        links = zip(child.tolist(), parent.tolist(), strict=True)
        for comp, group in itertools.groupby(links, key=lambda link: link[0]):
            bits = masks[comp]
            for _, above in group:
                bits |= masks[above]
            masks[comp] = kept.setdefault(bits, bits)
        del kept
        self.masks = masks
        # a set holds each parent's: it is a parent's when it has as many members
        count = np.fromiter(map(int.bit_count, masks), np.int64, size)
        equal = count[parent] == count[child]
        same = np.arange(size, dtype=position_type(size))
        same[child[equal]] = parent[equal]
        while not np.array_equal(same[same], same):  # parents are numbered higher: ends
            same = same[same]
        self.same_set = same

    def _number_by_reach(self) -> None:
        """Number each group's seeds again, those above the most components first.

        A mask is as wide as its highest bit. Numbered in id order, a seed near the top of
        a large group gets any bit, and so nearly every set below it is wide; numbered by
        how much lies below them, the seeds that most sets hold get the low bits. How much
        lies below a component is counted as one plus what lies below each of its
        children, so an entity reached along two paths counts twice: enough to rank the
        seeds, and worked out a level at a time from the components with no children up.

        Seeds are ranked by class, the power of two of that count, and in id order within
        a class, so that the first ids of a set are found among the first of each class
        (:meth:`first_positions`). At 1M the distinct sets then take 12.8 MiB instead of
        84.7 MiB, as with no classes."""
        from .propagate.arrays import concatenated_ranges, distinct

        parents, bounds = self.parents, self.parent_bounds
        size = bounds.size - 1
        weight = np.ones(size)  # how much lies below each component, itself included
        waiting = np.bincount(parents, minlength=size)  # children not yet added
        ready = np.flatnonzero(waiting == 0)
        while ready.size:
            starts = bounds[ready]
            lengths = bounds[ready + 1] - starts
            above = parents[concatenated_ranges(starts, lengths)]
            np.add.at(weight, above, np.repeat(weight[ready], lengths))
            # the count doubles with each layer of diamonds: held at 2**900, one class
            weight[above] = np.minimum(weight[above], 2.0**900)
            np.subtract.at(waiting, above, 1)
            ready = distinct(above[waiting[above] == 0], size)
        seed_rank = np.full(self.label.size, -1, dtype=position_type(self.label.size))
        seed_class = np.zeros(self.label.size, dtype=np.int16)  # 0 down to -900
        self.own = defaultdict(int)
        at = 0
        for group, nodes in self.seeds_of_group.items():
            seeds = np.asarray(nodes, dtype=np.int64)
            seed_rank[seeds] = np.arange(at, at + seeds.size)
            at += seeds.size
            classes = -np.floor(np.log2(weight[self.label[seeds]])).astype(np.int64)
            seed_class[seeds] = classes
            # most below first; within a class (and for a single seed) in id order
            renumbered = seeds[np.argsort(classes, kind="stable")].tolist()
            self.seeds_of_group[group] = renumbered
            for bit, node in enumerate(renumbered):
                self.own[int(self.label[node])] |= 1 << bit
        self.seed_rank, self.seed_class = seed_rank, seed_class
        self.memo.clear()
        self.decoded.clear()
        self.__dict__.pop("seed_table", None)
        self.__dict__.pop("_seed_at_rank", None)
        self.__dict__.pop("own_bits", None)

    @cached_property
    def shared_parents(self) -> np.ndarray:
        """:attr:`parents`, each replaced by the component whose set it shares."""
        return self.sharing[self.parents]

    def positions(self, group: int, bits: int) -> np.ndarray:
        """The seeds whose bits are set in ``bits`` (over ``group``'s seeds), in id order."""
        return self.positions_of_many([(group, bits)])[1]

    def positions_of_many(self, keys: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`positions` of many (group, bits) at once: offsets and positions of one
        list per key, from one array of all the masks' bytes."""
        offsets, positions = self._in_bit_order(keys)
        if self.seed_rank is not None:  # bits no longer in id order: sort each list
            which = np.repeat(np.arange(len(keys)), np.diff(offsets))
            positions = self._in_id_order(positions, which)[0]
        return offsets, positions

    def _in_id_order(
        self, positions: np.ndarray, which: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Seeds ``positions`` of the lists ``which`` (ascending), sorted in id order
        within each list: one sort of (list, place in id order) packed in one integer,
        read back through the seed of each place."""
        rank = self.seed_rank
        assert rank is not None
        places = int(rank.max(initial=-1)) + 1
        key = which.astype(np.int64) * places + rank[positions]
        key.sort()
        return self._seed_at_rank[key % places], key // places

    @cached_property
    def _seed_at_rank(self) -> np.ndarray:
        """The seed at each place in id order (:attr:`seed_rank` read backwards)."""
        rank = self.seed_rank
        assert rank is not None
        seeds = np.flatnonzero(rank >= 0)
        at = np.empty(seeds.size, dtype=np.int64)
        at[rank[seeds]] = seeds
        return at

    def first_positions(
        self, keys: Sequence[tuple[int, int]], limit: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per key, how many seeds its bits stand for, and the first ``limit`` of them in
        id order (offsets and positions), without sorting the rest.

        Bits run class by class (:meth:`_number_by_reach`), in id order within a class, so
        the first ``limit`` of a set are among the first ``limit`` of each class in it."""
        from .propagate.arrays import concatenated_ranges

        offsets, positions = self._in_bit_order(keys)
        totals = np.diff(offsets)
        which = np.repeat(np.arange(len(keys)), totals)
        if self.seed_rank is not None and self.seed_class is not None:
            classes = self.seed_class[positions]
            new_run = np.ones(positions.size, dtype=bool)
            new_run[1:] = (which[1:] != which[:-1]) | (classes[1:] != classes[:-1])
            run_start = np.flatnonzero(new_run)
            run_length = np.diff(np.append(run_start, positions.size))
            in_run = np.arange(positions.size) - np.repeat(run_start, run_length)
            near = in_run < limit
            positions, which = self._in_id_order(positions[near], which[near])
        kept = np.bincount(which, minlength=len(keys))
        shown = np.minimum(kept, limit)
        starts = np.cumsum(kept) - kept
        cut = positions[concatenated_ranges(starts, shown)]
        return totals, np.append(0, np.cumsum(shown)), cut

    def _in_bit_order(self, keys: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """The seeds of each key's bits, in bit order: offsets and positions."""
        counts = np.fromiter((bits.bit_count() for _, bits in keys), np.int64, len(keys))
        offsets = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        if not keys:
            return offsets, np.zeros(0, dtype=np.int64)
        table, base, _ = self.seed_table
        groups = np.fromiter((g for g, _ in keys), np.int64, len(keys))
        # each mask in as many bytes as it needs: after renumbering most are short
        widths = np.fromiter(((m.bit_length() + 7) // 8 for _, m in keys), np.int64, len(keys))
        pairs = zip(keys, widths.tolist(), strict=True)
        raw = np.frombuffer(b"".join(m.to_bytes(w, "little") for (_, m), w in pairs), np.uint8)
        # sets are sparse over a large group's seeds: unpack only the bytes that are set
        full = np.flatnonzero(raw)
        bits = np.flatnonzero(np.unpackbits(raw[full], bitorder="little"))
        found = full[bits >> 3] * 8 + (bits & 7)
        which = np.repeat(np.arange(len(keys)), counts)
        starts = np.cumsum(widths * 8) - widths * 8
        return offsets, table[base[groups[which]] + found - starts[which]]

    @cached_property
    def seed_table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every group's seeds in bit order, one after another; where each group's start
        in that table, and how many bytes its masks take (indexed by group)."""
        size = int(self.groups.max(initial=-1)) + 1
        base = np.zeros(size, dtype=np.int64)
        width = np.zeros(size, dtype=np.int64)
        chunks: list[list[int]] = []
        at = 0
        for group, seeds in self.seeds_of_group.items():
            base[group], width[group] = at, (len(seeds) + 7) // 8
            chunks.append(seeds)
            at += len(seeds)
        table = np.fromiter(itertools.chain.from_iterable(chunks), np.int64, at)
        return table, base, width

    def ancestors_of_many(self, nodes: Sequence[int]) -> list[tuple[str, ...]]:
        """:meth:`ancestors` of each of ``nodes``, decoded together."""
        groups = self.groups[np.asarray(nodes, dtype=np.int64)].tolist()
        keys = [(group, self.mask(node)) for node, group in zip(nodes, groups, strict=True)]
        offsets, positions = self.positions_of_many(keys)
        which = np.repeat(np.arange(len(keys)), np.diff(offsets))
        other = positions != np.asarray(nodes, dtype=np.int64)[which]
        ends = np.searchsorted(which[other], np.arange(len(keys) + 1)).tolist()
        found = values_at(self.ids, positions[other])
        return [tuple(found[a:b]) for a, b in itertools.pairwise(ends)]

    def ancestors(self, node: int) -> tuple[str, ...]:
        """Ids of the seeds above ``node`` other than itself, sorted."""
        group = int(self.groups[node])
        bits = self.mask(node)
        found = self.decoded.get((group, bits))
        if found is None:
            ids = self.ids
            found = tuple(ids[k] for k in self.positions(group, bits).tolist())
            if len(self.decoded) >= self.DECODED_LIMIT:
                self.decoded.clear()
            self.decoded[(group, bits)] = found
        if self.seeds[node]:
            return tuple(x for x in found if x != self.ids[node])
        return found
