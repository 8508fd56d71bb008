"""Breadth-first searches from one entity over the links that can carry ownership or
control on an analysis's date: the entities found, in order, and what each was found
from, for the affiliates of an entity (:mod:`ownership.affiliates`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from .propagate import concatenated_ranges

if TYPE_CHECKING:
    from .analysis import Analysis

__all__ = [
    "FOLLOWED_BACK",
    "SEARCHED_BY_LEVELS",
    "Search",
    "breadth_first",
    "depths",
    "search_whole",
]


@dataclass(frozen=True)
class Search:
    """A breadth-first search from ``start``: the entities found, in order, and the
    entity each was found from (negative for none)."""

    start: int
    order: np.ndarray
    found_from: np.ndarray

    @cached_property
    def depth(self) -> np.ndarray:
        """Links from the start to each entity found; worked out when first asked."""
        return depths(np.append(self.start, self.order), self.found_from)[1:]

    @cached_property
    def depth_by_entity(self) -> np.ndarray:
        by_entity = np.zeros(self.found_from.size, dtype=np.int64)
        by_entity[self.order] = self.depth
        return by_entity

    def depth_of(self, nodes: np.ndarray) -> np.ndarray:
        """Links from the start to each of ``nodes`` (found ones): a few are followed
        back, link by link; for many, every depth is worked out at once."""
        if nodes.size > FOLLOWED_BACK or "depth" in self.__dict__:
            return self.depth_by_entity[nodes]
        depth = np.zeros(nodes.size, dtype=np.int64)
        at = nodes.copy()
        while (away := at != self.start).any():
            at[away] = self.found_from[at[away]]
            depth[away] += 1
        return depth

    def path(self, node: int, limit: int | None = None) -> tuple[list[int], bool]:
        """``node`` and the entities back to where the search started, at most ``limit``
        of them, and whether it was cut there."""
        path = [node]
        while (before := int(self.found_from[path[-1]])) >= 0:
            if limit is not None and len(path) == limit:
                return path, True
            path.append(before)
        return path, False


#: Depths of up to this many entities are found by following their paths back.
FOLLOWED_BACK = 20_000


def breadth_first(
    analysis: Analysis, start: int, *, forward: bool, max_depth: int | None
) -> Search:
    """Breadth-first over links that can carry ownership or control on the date, each
    entity's links visited in position order; the start itself left out.

    Level by level over the compiled pairs, so that only the entities found and their
    links are read; once more than :data:`SEARCHED_BY_LEVELS` entities are found, again
    by scipy over sparse matrices of the whole graph (made once per analysis), which is
    faster for a search that large. Entities within ``max_depth`` links, if given, are
    those found in as many rounds.
    """
    c = analysis.compiled
    usable = analysis.usable_pairs
    ptr, pairs_of, far = (
        (c.out_ptr, c.out_edges, c.dst) if forward else (c.in_ptr, c.in_edges, c.src)
    )
    found_from = np.full(c.n, -1, dtype=np.int64)
    seen = np.zeros(c.n, dtype=bool)
    seen[start] = True
    frontier = np.array([start], dtype=np.int64)
    levels: list[np.ndarray] = []
    found = 0
    while frontier.size and (max_depth is None or len(levels) < max_depth):
        starts = ptr[frontier]
        counts = ptr[frontier + 1] - starts
        pairs = pairs_of[concatenated_ranges(starts, counts)]
        finder = np.repeat(np.arange(frontier.size), counts)
        keep = usable[pairs]
        near, finder = far[pairs[keep]], finder[keep]
        # each finder's links in position order, the finders in the order they were found
        order = np.lexsort((near, finder))
        near, finder = near[order], finder[order]
        fresh = ~seen[near]
        near, finder = near[fresh], finder[fresh]
        near, first = np.unique(near, return_index=True)
        by_finding = np.argsort(first, kind="stable")
        near = near[by_finding]
        found_from[near] = frontier[finder[first[by_finding]]]
        seen[near] = True
        levels.append(near)
        frontier = near
        found += near.size
        if found > SEARCHED_BY_LEVELS:
            return search_whole(analysis, start, forward=forward, max_depth=max_depth)
    order = np.concatenate(levels) if levels else np.zeros(0, dtype=np.int64)
    return Search(start, order, found_from)


#: Searches finding more entities than this go through scipy (see :func:`breadth_first`).
SEARCHED_BY_LEVELS = 20_000


def search_whole(analysis: Analysis, start: int, *, forward: bool, max_depth: int | None) -> Search:
    """:func:`breadth_first` by scipy's breadth-first order over the whole graph."""
    from scipy.sparse.csgraph import breadth_first_order

    links = analysis.usable_links[0 if forward else 1]
    order, predecessors = breadth_first_order(links, start, directed=True)
    found_from = np.asarray(predecessors)  # scipy's int32, negative where none
    search = Search(start, np.asarray(order[1:], dtype=np.int64), found_from)
    if max_depth is None:
        return search
    # found level by level, so those within max_depth come first
    within = int(np.count_nonzero(search.depth <= max_depth))
    return Search(start, search.order[:within], found_from)


def depths(order: np.ndarray, found_from: np.ndarray) -> np.ndarray:
    """Links from the start (``order[0]``) to each entity of ``order``.

    A breadth-first search finds each level's entities from the previous level's, in
    order, so the places of their finders never decrease along ``order``: a level ends
    where the entities found from the next level begin, one binary search per level.
    """
    place = np.zeros(found_from.size, dtype=np.int32)  # half the memory to read at random
    place[order] = np.arange(order.size, dtype=np.int32)
    finder = place[found_from[order[1:]]]
    ends = [0, 1]  # level k is order[ends[k]:ends[k+1]]
    while ends[-1] < order.size:
        # a value of finder's own type: any other and numpy converts all of finder each time
        end = 1 + int(finder.searchsorted(finder.dtype.type(ends[-1])))
        if end <= ends[-1]:
            raise ValueError("not a breadth-first order")
        ends.append(end)
    return np.repeat(np.arange(len(ends) - 1), np.diff(ends))
