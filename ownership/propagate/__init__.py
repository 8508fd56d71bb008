"""Fast propagation over arrays compiled from a snapshot of the graph.

A snapshot's holdings are merged per (owner, owned) pair and compiled into numpy arrays;
shares become integers scaled by ``10**k`` (``k`` = most decimal places in the data), so
sums stay exact while running at array speed. The functions here compute:

- the least fixed point of covered entities, for a lower and an upper share bound
  (aggregated rules: OFAC, BIS, EU; per-owner: UK);
- reachability from listed entities (exposure), with the nearest listed ancestor;
- integrated (look-through) ownership, solved level by level over strongly connected
  components.

:mod:`ownership.oracle` holds a small, obviously correct implementation that the tests
compare against on random graphs.

The modules, each importing only modules listed above it:

- :mod:`~ownership.propagate.arrays`: the array types and array helpers (stable order by
  counting, runs, concatenated ranges);
- :mod:`~ownership.propagate.snapshot`: :class:`Compiled` and :func:`compile_snapshot`
  (stakes merged per pair, conflicting stakes, closed rings: :func:`inside_closed`);
- :mod:`~ownership.propagate.fixed_points`: :class:`FixedPoint`,
  :func:`covered_fixed_point` (aggregated rules) and :func:`per_owner_fixed_point` (UK);
- :mod:`~ownership.propagate.reachability`: :class:`Reachability` and
  :func:`reach_from_seeds`;
- :mod:`~ownership.propagate.shares`: :func:`look_through` for every entity, by levels of
  strongly connected components (:func:`condensation`) and ring solves;
- :mod:`~ownership.propagate.relative`: :func:`relative_shares` and
  :func:`relative_share_array`, the shares linking one entity with its group;
- :mod:`~ownership.propagate.exact`: :func:`exact_look_through`, exact rational shares
  where a float one sits on a threshold.
"""

from __future__ import annotations

from .arrays import BoolArray, IntArray, concatenated_ranges, run_starts, stable_order
from .exact import exact_look_through
from .fixed_points import FixedPoint, covered_fixed_point, per_owner_fixed_point
from .reachability import Reachability, reach_from_seeds
from .relative import relative_share_array, relative_shares
from .shares import DENSE_SOLVE, condensation, look_through
from .snapshot import Compiled, compile_snapshot, inside_closed

__all__ = [
    "DENSE_SOLVE",
    "BoolArray",
    "Compiled",
    "FixedPoint",
    "IntArray",
    "Reachability",
    "compile_snapshot",
    "concatenated_ranges",
    "condensation",
    "covered_fixed_point",
    "exact_look_through",
    "inside_closed",
    "look_through",
    "per_owner_fixed_point",
    "reach_from_seeds",
    "relative_share_array",
    "relative_shares",
    "run_starts",
    "stable_order",
]
