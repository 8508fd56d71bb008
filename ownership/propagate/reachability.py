"""Reachability from listed entities (exposure), with the nearest listed ancestor."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import BoolArray, IntArray, run_starts
from .snapshot import Compiled, edge_indices

__all__ = ["Reachability", "reach_from_seeds"]


@dataclass
class Reachability:
    """Entities reachable from the seeds along active links, with nearest seed and parent."""

    reached: BoolArray
    depth: IntArray
    parent: IntArray  # pair index of the link used to reach the entity (-1 for seeds / unreached)
    nearest_seed: IntArray


def reach_from_seeds(compiled: Compiled) -> Reachability:
    """Breadth-first from every seed over links that can carry ownership or control."""
    n = compiled.n
    usable = compiled.usable()
    reached = compiled.seeds.copy()
    depth = np.full(n, -1, dtype=np.int64)
    parent = np.full(n, -1, dtype=np.int64)
    nearest = np.full(n, -1, dtype=np.int64)
    frontier = np.flatnonzero(reached)
    depth[frontier] = 0
    nearest[frontier] = frontier
    level = 0
    while frontier.size:
        level += 1
        edges = edge_indices(compiled, frontier)
        edges = edges[usable[edges]]
        if edges.size == 0:
            break
        edges = edges[~reached[compiled.dst[edges]]]
        # each target reached from its smallest source, so that results do not depend on
        # input order: the links sorted by (target, source), the first of each target's
        order = np.argsort(compiled.dst[edges] * n + compiled.src[edges])
        edges = edges[order]
        targets = compiled.dst[edges]
        first = run_starts(targets)
        targets, chosen = targets[first], edges[first]
        reached[targets] = True
        depth[targets] = level
        parent[targets] = chosen
        nearest[targets] = nearest[compiled.src[chosen]]
        frontier = targets
    return Reachability(reached=reached, depth=depth, parent=parent, nearest_seed=nearest)
