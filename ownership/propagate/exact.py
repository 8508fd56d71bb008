"""Exact look-through shares (rationals) of chosen entities, for float shares that sit on a
threshold: only their ancestries are solved, within a budget of work."""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

import numpy as np

from .arrays import IntArray, concatenated_ranges, distinct
from .shares import without_closed_rings
from .snapshot import Compiled

__all__ = ["EXACT_BUDGET", "exact_look_through"]


#: Entry updates exact look-through may spend in one analysis: enough for rings of
#: thousands of members that fill in little, never an unbounded wait.
EXACT_BUDGET = 5_000_000


def exact_look_through(
    compiled: Compiled, targets: IntArray, *, budget_steps: int = EXACT_BUDGET
) -> dict[int, Fraction]:
    """Exact effective shares (rationals, 0..1) of ``targets``, held by the seeds.

    Used where a float result sits on a threshold: only the targets' ancestors are solved,
    component by component in topological order (substitution for single entities, sparse
    exact elimination inside rings), so the cost follows the size of those ancestries.
    A target below a ring that would take more than ``budget_steps`` to solve exactly is
    left out of the result: undecided, not guessed.
    """
    import networkx as nx

    keep = compiled.has_share & (compiled.low > 0) & ~compiled.seeds[compiled.dst]
    hundred = 100 * compiled.scale
    keep[keep] = without_closed_rings(
        compiled.n, compiled.src[keep], compiled.dst[keep], compiled.low[keep], hundred,
        compiled.closed_ring if compiled.closed_ring.size else None,
    )  # fmt: skip

    def kept_into(nodes: IntArray) -> IntArray:
        """The kept links into ``nodes``, from the snapshot's index by owned entity."""
        ptr = compiled.in_ptr
        links = compiled.in_edges[concatenated_ranges(ptr[nodes], ptr[nodes + 1] - ptr[nodes])]
        return links[keep[links]]

    # the ancestries of the targets, stopping at seeds (they absorb), a level at a time
    wanted = np.zeros(compiled.n, dtype=bool)
    frontier = distinct(np.asarray(targets, dtype=np.int64))
    wanted[frontier] = True
    while frontier.size:
        found = distinct(compiled.src[kept_into(frontier[~compiled.seeds[frontier]])])
        frontier = found[~wanted[found]]
        wanted[frontier] = True
    needed = set(np.flatnonzero(wanted).tolist())
    owners: dict[int, list[tuple[int, Fraction]]] = defaultdict(list)
    into_needed = kept_into(np.flatnonzero(wanted & ~compiled.seeds))
    for owner, owned, low in zip(
        compiled.src[into_needed].tolist(),
        compiled.dst[into_needed].tolist(),
        compiled.low[into_needed].tolist(),
        strict=True,
    ):
        owners[owned].append((owner, Fraction(int(low), hundred)))
    graph = nx.DiGraph()
    graph.add_nodes_from(needed)
    graph.add_edges_from(
        (owner, node)
        for node in needed
        if not compiled.seeds[node]
        for owner, _ in owners.get(node, ())
    )
    value: dict[int, Fraction] = {}
    budget = [budget_steps]
    condensed = nx.condensation(graph)
    for component in nx.topological_sort(condensed):
        members = sorted(condensed.nodes[component]["members"])
        if len(members) == 1 and compiled.seeds[members[0]]:
            value[members[0]] = Fraction(1)
            continue
        inside = set(members)
        position = {node: i for i, node in enumerate(members)}
        # (I - M) x = b, with b from owners outside the component (already solved)
        rows: list[dict[int, Fraction]] = [{k: Fraction(1)} for k in range(len(members))]
        rhs = [Fraction(0)] * len(members)
        decided = True
        for node in members:
            at = position[node]
            for owner, share in owners.get(node, ()):
                if owner in inside:
                    rows[at][position[owner]] = rows[at].get(position[owner], 0) - share
                elif owner in value:
                    rhs[at] += share * value[owner]
                else:
                    decided = False  # an owner above could not be decided
        solved = _exact_sparse_solve(rows, rhs, budget) if decided else None
        if solved is not None:
            for node in members:
                value[node] = solved[position[node]]
    return {int(t): value[int(t)] for t in targets if int(t) in value}


def _exact_sparse_solve(
    rows: list[dict[int, Fraction]], rhs: list[Fraction], budget: list[int]
) -> list[Fraction] | None:
    """``x`` with ``rows @ x = rhs`` (each row a sparse ``{column: value}``), by Gaussian
    elimination in column order; None when it would take more than ``budget[0]`` entry
    updates (what is spent is taken off) or meets a zero pivot.

    Look-through systems ``I - M`` are diagonally dominant (no entity holds more than
    100% of itself from inside a ring that is not closed), so the diagonal pivots do; a
    ring's elimination fills in little, as each row gains at most the links of the rows
    above it that reach it.
    """
    size = len(rows)
    holding: dict[int, set[int]] = defaultdict(set)  # column -> rows with an entry there
    for r, row in enumerate(rows):
        for col in row:
            holding[col].add(r)
    for k in range(size):
        pivot = rows[k].get(k, Fraction(0))
        if pivot == 0:
            return None
        below = sorted(r for r in holding[k] if r > k)
        for r in below:
            factor = rows[r].pop(k) / pivot
            holding[k].discard(r)
            budget[0] -= len(rows[k])
            if budget[0] < 0:
                return None
            for col, v in rows[k].items():
                if col == k:
                    continue
                updated = rows[r].get(col, Fraction(0)) - factor * v
                if updated:
                    rows[r][col] = updated
                    holding[col].add(r)
                else:
                    rows[r].pop(col, None)
                    holding[col].discard(r)
            rhs[r] -= factor * rhs[k]
    x = [Fraction(0)] * size
    for k in range(size - 1, -1, -1):
        total = rhs[k] - sum((v * x[c] for c, v in rows[k].items() if c > k), Fraction(0))
        x[k] = total / rows[k][k]
    return x
