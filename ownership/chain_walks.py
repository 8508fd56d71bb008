"""Every entity's chain by columns: the walks :meth:`ownership.analysis.Analysis.chain_positions`
makes one entity at a time, made for a batch of entities at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .columns import position_type
from .propagate import concatenated_ranges
from .rules.base import Aggregation
from .verdict import CHAIN_SHOWN, STATUS_CODES, Status

if TYPE_CHECKING:
    from .analysis import Analysis

__all__ = ["Chains", "walks"]


def walks(
    starts: np.ndarray, step: np.ndarray, limit: int = CHAIN_SHOWN
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """From each start, the nodes up ``step`` pointers until -1 or ``limit`` nodes, top
    first: offsets and values of one list per start, and which were cut at the limit."""
    lengths = np.ones(starts.size, dtype=np.int64)
    cut = np.zeros(starts.size, dtype=bool)
    alive, node = np.arange(starts.size), starts
    levels: list[tuple[np.ndarray, np.ndarray]] = []
    while alive.size:
        levels.append((alive, node))
        node = step[node]
        going = node >= 0
        if len(levels) == limit:
            cut[alive[going]] = True
            break
        alive, node = alive[going], node[going]
        lengths[alive] += 1
    offsets = np.zeros(starts.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    values = np.empty(int(offsets[-1]), dtype=np.int64)
    for depth, (rows, nodes) in enumerate(levels):
        values[offsets[rows + 1] - 1 - depth] = nodes
    return offsets, values, cut


class Chains:
    """Every entity's chain (``Analysis.chain_positions``): the pointer each walk
    follows is worked out once; the walks of a batch of rows when it is assembled."""

    def __init__(self, analysis: Analysis, statuses: np.ndarray) -> None:
        c = analysis.compiled
        n = c.n
        fp = analysis.lower
        by_cover = np.zeros(n, dtype=bool)
        best = np.full(n, -1, dtype=position_type(n))  # the pointers each walk follows
        if fp is not None and analysis.rule.aggregation is not Aggregation.look_through:
            by_cover = fp.covered & ~c.seeds
            src, dst = c.src, c.dst
            usable = fp.covered[src] & (fp.round[src] >= 0) & (fp.round[src] < fp.round[dst])
            usable &= by_cover[dst]
            k = np.flatnonzero(usable)
            order = np.lexsort((-src[k], c.low[k], c.has_share[k], dst[k]))
            k = k[order]
            last = np.ones(k.size, dtype=bool)
            last[:-1] = dst[k][1:] != dst[k][:-1]
            best[dst[k][last]] = src[k][last]
        parent = analysis.reach.parent
        up = np.full(n, -1, dtype=best.dtype)
        up[parent >= 0] = c.src[parent[parent >= 0]]
        up[c.seeds] = -1
        listed_or_clear = (statuses == STATUS_CODES.index(Status.clear)) | c.seeds
        #: listed entities that are not clear are their own chain
        self.alone = c.seeds & (statuses != STATUS_CODES.index(Status.clear))
        #: the walks: which entities take each, and the pointer it follows
        self.walks = (
            (by_cover & ~listed_or_clear, best),
            (~by_cover & analysis.reach.reached & ~listed_or_clear, up),
        )

    def lists(self, span: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The chains of the entities ``span``, as offsets and positions, and which were
        cut (``Analysis.chain_positions``)."""
        lengths = np.zeros(span.size, dtype=np.int64)
        cut = np.zeros(span.size, dtype=bool)
        alone = np.flatnonzero(self.alone[span])
        lengths[alone] = 1
        lists: list[tuple[np.ndarray, np.ndarray]] = []
        for takes, step in self.walks:
            rows = np.flatnonzero(takes[span])
            offsets, values, cut_here = walks(span[rows], step)
            lengths[rows] = np.diff(offsets)
            cut[rows] = cut_here
            lists.append((rows, values))
        offsets = np.zeros(span.size + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        values = np.empty(int(offsets[-1]), dtype=np.int64)
        values[offsets[alone]] = span[alone]
        for rows, walked in lists:
            values[concatenated_ranges(offsets[rows], lengths[rows])] = walked
        return offsets, values, cut
