"""Listed ancestors: which listed entities sit above each entity, for every entity at once.

A verdict names the listed entities it descends from. Asked entity by entity, that is a
walk up the graph each time; here the sets are shared between the entities on one cycle
and between an entity and its only parent, and worked out a layer at a time as integer
arrays, so a million verdicts cost about one pass over the links.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from .columns import in_id_order, position_type, values_at

if TYPE_CHECKING:
    from .propagate import Compiled, Reachability

__all__ = ["SeedAncestry", "SetWords", "bit_counts"]

#: Bits in a word of a set.
WORD = 64
#: A component and a word's number packed in one integer: the word's number in the low bits.
_WORD_BITS = 31


class SetWords:
    """Sets of seeds as sparse bit sets, one per component, by columns: the 64-bit words
    of component k's set that have a bit set are ``bits[start[k]:start[k] + length[k]]``,
    word numbers ``word[...]`` ascending, and ``count[k]`` seeds in all.

    Words are written a layer of components at a time into arrays that grow by a quarter
    as they fill (:meth:`put`), and cut to size once every layer is in (:meth:`close`)."""

    def __init__(self, components: int, capacity: int) -> None:
        self.start = np.zeros(components, dtype=np.int64)
        self.length = np.zeros(components, dtype=np.int64)
        self.count = np.zeros(components, dtype=np.int64)
        self.word = np.zeros(max(capacity, 1), dtype=np.int32)  # below 2**_WORD_BITS
        self.bits = np.zeros(max(capacity, 1), dtype=np.uint64)
        self.used = 0

    def put(self, comps: np.ndarray, keys: np.ndarray, bits: np.ndarray) -> None:
        """The sets of ``comps`` (ascending): words ``bits`` under packed ``keys``
        (component, word number), sorted by key."""
        size = keys.size
        if self.used + size > self.word.size:
            # grown in place (a large block is moved by the kernel, not copied), by a
            # quarter: the room beyond the words is filled, so it is memory in use
            self._resize(max(self.word.size + self.word.size // 4, self.used + size))
        at = slice(self.used, self.used + size)
        owner = keys >> _WORD_BITS
        self.word[at] = keys & ((1 << _WORD_BITS) - 1)
        self.bits[at] = bits
        first = np.searchsorted(owner, comps)
        last = np.searchsorted(owner, comps, side="right")
        self.start[comps] = self.used + first
        self.length[comps] = last - first
        counted = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(bit_counts(bits), out=counted[1:])
        self.count[comps] = counted[last] - counted[first]
        self.used += size

    def _resize(self, capacity: int) -> None:
        self.word.resize(capacity, refcheck=False)  # no view of them is kept
        self.bits.resize(capacity, refcheck=False)

    def close(self) -> None:
        """Let go of the room beyond the words, and number them in 32 bits when the
        count allows."""
        self._resize(max(self.used, 1))
        narrow = position_type(self.used + 1)
        self.start = self.start.astype(narrow)
        self.length = self.length.astype(narrow)
        self.count = self.count.astype(position_type(int(self.count.max(initial=0)) + 1))

    def gather(self, comps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The bits set in the sets of ``comps``, in bit order within each: for each, the
        place in ``comps`` of its set, and the bit's number."""
        from .propagate.arrays import concatenated_ranges

        lengths = self.length[comps]
        at = concatenated_ranges(self.start[comps], lengths)
        raw = self.bits[at].astype("<u8").view(np.uint8)  # 8 bytes a word, low byte first
        # sets are sparse over a large group's seeds: unpack only the bytes that are set
        full = np.flatnonzero(raw)
        found = np.flatnonzero(np.unpackbits(raw[full], bitorder="little"))
        byte = full[found >> 3]
        word = byte >> 3
        which = np.repeat(np.arange(comps.size), lengths)[word]
        bit = self.word[at][word].astype(np.int64) * WORD + (byte & 7) * 8 + (found & 7)
        return which, bit


class SeedAncestry:
    """The listed entities above each reached entity, worked out on demand and shared.

    Over links that can carry ownership or control from reached owners, entities on a
    cycle reach each other, so each strongly connected component has one set: the seeds
    in it and the sets of the components that link into it. One entity's set is found by
    a walk up from its component (:meth:`ancestors`). For callers that ask for most sets,
    :meth:`fill` works out every set at once, a layer of components at a time from the
    top, as sparse bit sets (:class:`SetWords`): at 1M, 474,598 sets in 1,009,841 words.
    Seeds are numbered group by group (weakly connected component), those above the most
    components first, so that most sets fall in a few words.
    """

    #: Sets found by walking kept for reuse (siblings share their parent's set); cleared
    #: when full.
    DECODED_LIMIT = 50_000
    #: Components met one at a time by a walk up, before the rest a layer at a time.
    WALKED_ONE_BY_ONE = 2_000

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
        self.groups = groups
        #: the seeds in id order, and each entity's place among them (-1 for the others)
        self.seeds_by_id = in_id_order(c.index, c.ids, np.flatnonzero(c.seeds))
        self.id_rank = np.full(c.n, -1, dtype=position_type(max(self.seeds_by_id.size, 1)))
        self.id_rank[self.seeds_by_id] = np.arange(self.seeds_by_id.size)
        #: once :meth:`fill` has numbered the bits: the seed of each bit, and its class
        self.bit_seed: np.ndarray | None = None
        self.bit_class: np.ndarray | None = None
        #: every component's set, once :meth:`fill` has worked them out
        self.words: SetWords | None = None
        #: per component, one with the same set (itself unless :meth:`fill` found one)
        self.same_set = np.arange(self.parent_bounds.size - 1)
        self.decoded: dict[int, tuple[str, ...]] = {}
        #: components met by walks so far: once a quarter of all, :meth:`ancestors`
        #: works out every set at once
        self.walked = 0

    @staticmethod
    def components(compiled: Compiled, reach: Reachability) -> dict[str, np.ndarray]:
        """The strongly connected components over the links that carry listed ancestors:
        each entity's ``label``, and the ``parents`` of each component (the components
        linking into it), those of component k at ``parent_bounds[k]:parent_bounds[k+1]``."""
        from .propagate.arrays import offsets, stable_order, strong_components

        c = compiled
        usable = c.usable() & reach.reached[c.src]
        src, dst = c.src[usable], c.dst[usable]
        count, label = strong_components(c.n, src, dst)
        label = label.astype(position_type(c.n))  # components are numbered below n
        cross = label[src] != label[dst]
        child_labels = label[dst[cross]]
        parents = label[src[cross]][stable_order(child_labels, count)]
        bounds = offsets(child_labels, count)
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

    @cached_property
    def shared_parents(self) -> np.ndarray:
        """:attr:`parents`, each replaced by the component whose set it shares."""
        return self.sharing[self.parents]

    @cached_property
    def _seeds_by_component(self) -> tuple[np.ndarray, np.ndarray]:
        """The seeds ordered by component, and their components."""
        seeds = np.flatnonzero(self.seeds)
        labels = self.label[seeds]
        order = np.argsort(labels, kind="stable")
        return labels[order], seeds[order]

    def walk(self, comp: int) -> np.ndarray:
        """The seeds in the set of ``comp`` (a component with its own set), found by
        walking up the components above it: a few dozen for most entities, so one at a
        time, then a layer at a time once the walk has met many."""
        from .propagate.arrays import concatenated_ranges, distinct

        parents, bounds, sharing = self.parents, self.parent_bounds, self.sharing
        seen, todo = {comp}, [comp]
        while todo and len(seen) < self.WALKED_ONE_BY_ONE:
            at = todo.pop()
            for above in sharing[parents[bounds[at] : bounds[at + 1]]].tolist():
                if above not in seen:
                    seen.add(above)
                    todo.append(above)
        comps = np.fromiter(seen, dtype=np.int64, count=len(seen))
        if todo:  # many above: the rest a layer at a time
            marked = np.zeros(bounds.size - 1, dtype=bool)
            marked[comps] = True
            frontier, reached = np.asarray(todo, dtype=np.int64), [comps]
            while frontier.size:
                starts = bounds[frontier]
                above = sharing[parents[concatenated_ranges(starts, bounds[frontier + 1] - starts)]]
                frontier = distinct(above[~marked[above]])
                marked[frontier] = True
                reached.append(frontier)
            comps = np.concatenate(reached)
        self.walked += comps.size
        labels, by_component = self._seeds_by_component
        starts = np.searchsorted(labels, comps)
        return by_component[
            concatenated_ranges(starts, np.searchsorted(labels, comps, "right") - starts)
        ]

    def fill(self) -> None:
        """Work out the set of every component that has its own, a layer at a time from
        the top (each component once all the components above it are done), for callers
        that will ask for most of them; note in :attr:`same_set` the components whose set
        is that of a parent."""
        from .propagate.arrays import concatenated_ranges, distinct, offsets, stable_order

        if self.words is not None:
            return
        self._number_by_reach()
        assert self.bit_seed is not None
        bounds = self.parent_bounds
        size = bounds.size - 1
        # (component, word number) and (component, parent) are packed in 64-bit keys
        if size >= min(1 << 31, 1 << (63 - _WORD_BITS)) or self.bit_seed.size >= WORD << _WORD_BITS:
            raise OverflowError(
                f"{size:,} components and {self.bit_seed.size:,} listed entities: more than "
                "the sets' keys number in 64 bits"
            )
        owning = self.sharing == np.arange(size)
        # each (component, parent set) once, for the components with their own set
        child = np.repeat(np.arange(size, dtype=np.int64), np.diff(bounds))
        keep = owning[child]
        pairs = distinct(child[keep] * size + self.shared_parents[keep])
        # components, and bounds among the pairs, in 32 bits where they fit, and the
        # packed pairs let go: all of these are kept while the sets are built, beside the
        # writer's other jobs
        narrow = position_type(size)
        child, parent = (x.astype(narrow) for x in np.divmod(pairs, max(size, 1)))
        del pairs, keep
        among_pairs = position_type(child.size + 1)
        above = offsets(child, size).astype(among_pairs)
        below = child[stable_order(parent, size)]
        below_bounds = offsets(parent, size).astype(among_pairs)
        # each seed's bit in its component's own set
        bit = np.arange(self.bit_seed.size, dtype=np.int64)
        own_keys, own_bits = _or_by_key(
            self.label[self.bit_seed].astype(np.int64) << _WORD_BITS | bit // WORD,
            np.left_shift(np.uint64(1), (bit % WORD).astype(np.uint64)),
        )
        own_comp = own_keys >> _WORD_BITS
        own_bounds = offsets(own_comp, size).astype(position_type(own_comp.size + 1))
        words = SetWords(size, 2 * own_keys.size)
        waiting = np.diff(above)
        ready = np.flatnonzero(owning & (waiting == 0))
        while ready.size:
            # the words of the parents' sets, and the component's own
            counts = above[ready + 1] - above[ready]
            ups = parent[concatenated_ranges(above[ready], counts)]
            lengths = words.length[ups]
            at = concatenated_ranges(words.start[ups], lengths)
            taken = np.repeat(np.repeat(ready, counts), lengths) << _WORD_BITS | words.word[at]
            mine = concatenated_ranges(own_bounds[ready], own_bounds[ready + 1] - own_bounds[ready])
            keys, bits = _or_by_key(
                np.concatenate([taken, own_keys[mine]]),
                np.concatenate([words.bits[at], own_bits[mine]]),
            )
            words.put(ready, keys, bits)
            counts = below_bounds[ready + 1] - below_bounds[ready]
            down = below[concatenated_ranges(below_bounds[ready], counts)]
            np.subtract.at(waiting, down, 1)
            ready = distinct(down[waiting[down] == 0], size)
        words.close()
        self.words = words
        # a set holds each parent's: it is a parent's when it has as many members
        equal = words.count[parent] == words.count[child]
        same = np.arange(size, dtype=position_type(size))
        same[child[equal]] = parent[equal]
        while not np.array_equal(same[same], same):  # a forest: each step goes up
            same = same[same]
        self.same_set = same

    def _number_by_reach(self) -> None:
        """Number the seeds' bits group by group, in each those above the most
        components first.

        Numbered in id order, a seed near the top of a large group gets any bit, and so
        nearly every set below it spans many words; numbered by how much lies below them,
        the seeds that most sets hold get the first bits. How much lies below a component
        is counted as one plus what lies below each of its children, so an entity reached
        along two paths counts twice: enough to rank the seeds, and worked out a level at
        a time from the components with no children up.

        Seeds are ranked by class, the power of two of that count, and in id order within
        a class, so that the first ids of a set are found among the first of each class
        (:meth:`first_positions`)."""
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
        seeds = self.seeds_by_id
        classes = -np.floor(np.log2(weight[self.label[seeds]])).astype(np.int16)  # 0 to -900
        # group by group; most below first; within a class in id order
        order = np.lexsort((classes, self.groups[seeds]))
        self.bit_seed = seeds[order]
        self.bit_class = classes[order]

    def _in_id_order(
        self, positions: np.ndarray, which: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Seeds ``positions`` of the lists ``which`` (ascending), sorted in id order
        within each list: one sort of (list, place in id order) packed in one integer,
        read back through the seed of each place (the lists keep their lengths, so their
        numbers are known without dividing)."""
        places = max(self.seeds_by_id.size, 1)
        key = which.astype(np.int64) * places
        key += self.id_rank[positions]
        key.sort()
        which = np.repeat(np.arange(int(which[-1]) + 1 if which.size else 0), np.bincount(which))
        key -= which * places
        return self.seeds_by_id[key], which

    def _members(
        self, comps: np.ndarray, without: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The bits of the sets of ``comps`` (components with their own set, once
        :meth:`fill` has run), in bit order, but those of the seeds ``without`` (one per
        set, or -1): for each, the place in ``comps`` of its set, and the bit's number."""
        assert self.words is not None and self.bit_seed is not None
        which, bit = self.words.gather(np.asarray(comps, dtype=np.int64))
        if without is not None:
            kept = self.bit_seed[bit] != np.asarray(without)[which]
            which, bit = which[kept], bit[kept]
        return which, bit

    def sets_of(self, positions: np.ndarray) -> np.ndarray:
        """Per entity at ``positions``, the component whose set it has, once :meth:`fill`
        has run: entities with the same set have the same one."""
        return self.same_set[self.sharing[self.label[positions]]]

    def set_sizes(self, comps: np.ndarray) -> np.ndarray:
        """How many seeds the set of each of ``comps`` holds (components with their own
        set, once :meth:`fill` has run)."""
        assert self.words is not None
        return self.words.count[np.asarray(comps, dtype=np.int64)]

    def seeds_of_sets(self, comps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The seeds in the sets of ``comps`` (as :meth:`set_sizes`): for each, the place
        in ``comps`` of its set, ascending, and the seed's position."""
        assert self.bit_seed is not None
        which, bit = self._members(comps, None)
        order = np.argsort(which, kind="stable")
        return which[order], self.bit_seed[bit[order]]

    def first_positions(
        self, comps: np.ndarray, limit: int, without: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per set of ``comps`` (see :meth:`_members`), how many seeds it holds, and the
        first ``limit`` of them in id order (offsets and positions), without sorting the
        rest.

        Bits run class by class (:meth:`_number_by_reach`), in id order within a class, so
        the first ``limit`` of a set are among the first ``limit`` of each class in it."""
        from .propagate.arrays import concatenated_ranges

        assert self.bit_seed is not None and self.bit_class is not None
        which, bit = self._members(comps, without)
        size = len(comps)
        totals = np.bincount(which, minlength=size)
        classes = self.bit_class[bit]
        new_run = np.ones(bit.size, dtype=bool)
        new_run[1:] = (which[1:] != which[:-1]) | (classes[1:] != classes[:-1])
        run_start = np.flatnonzero(new_run)
        run_length = np.diff(np.append(run_start, bit.size))
        in_run = np.arange(bit.size) - np.repeat(run_start, run_length)
        near = in_run < limit
        positions, which = self._in_id_order(self.bit_seed[bit[near]], which[near])
        kept = np.bincount(which, minlength=size)
        shown = np.minimum(kept, limit)
        starts = np.cumsum(kept) - kept
        cut = positions[concatenated_ranges(starts, shown)]
        return totals, np.append(0, np.cumsum(shown)), cut

    def ancestors_of_many(self, nodes: Sequence[int]) -> list[tuple[str, ...]]:
        """:meth:`ancestors` of each of ``nodes``, decoded together once :meth:`fill` has
        worked out every set."""
        if self.words is None:
            return [self.ancestors(node) for node in nodes]
        assert self.bit_seed is not None
        at = np.asarray(nodes, dtype=np.int64)
        which, bit = self._members(self.sharing[self.label[at]], at)
        positions, which = self._in_id_order(self.bit_seed[bit], which)
        ends = np.searchsorted(which, np.arange(at.size + 1)).tolist()
        found = values_at(self.ids, positions)
        return [tuple(found[a:b]) for a, b in itertools.pairwise(ends)]

    def ancestors(self, node: int) -> tuple[str, ...]:
        """Ids of the seeds above ``node`` other than itself, sorted."""
        comp = int(self.sharing[self.label[node]])
        found = self.decoded.get(comp)
        if found is None:
            if self.words is None and 4 * self.walked > self.same_set.size:
                self.fill()  # costs about as much as walking over every component once
            if self.words is None:
                seeds = self.walk(comp)
            else:
                assert self.bit_seed is not None
                seeds = self.bit_seed[self.words.gather(np.array([comp]))[1]]
            found = tuple(values_at(self.ids, self.seeds_by_id[np.sort(self.id_rank[seeds])]))
            if len(self.decoded) >= self.DECODED_LIMIT:
                self.decoded.clear()
            self.decoded[comp] = found
        if self.seeds[node]:
            return tuple(x for x in found if x != self.ids[node])
        return found


def bit_counts(words: np.ndarray, by_bytes: bool = False) -> np.ndarray:
    """The bits set in each 64-bit word: numpy's ``bitwise_count`` (numpy 2), or
    (``by_bytes``, and before numpy 2) the words' bytes unpacked and counted."""
    if not by_bytes and hasattr(np, "bitwise_count"):
        return np.bitwise_count(words)
    unpacked = np.unpackbits(np.asarray(words, dtype="<u8").view(np.uint8))
    return unpacked.reshape(-1, WORD).sum(axis=1, dtype=np.uint8)


def _or_by_key(keys: np.ndarray, bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each distinct key once, ascending, with the bitwise or of its ``bits``."""
    from .propagate.arrays import run_starts

    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    starts = run_starts(keys)
    if not starts.size:
        return keys, bits[order]
    return keys[starts], np.bitwise_or.reduceat(bits[order], starts)
