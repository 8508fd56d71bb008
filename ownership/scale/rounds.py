"""The fixed point and the reachability of :mod:`ownership.propagate`, as SQL rounds.

Each round joins only the frontier (the entities that joined in the round before) with
the pairs they own, adds what they bring to running totals, and lets in the candidates
whose totals now meet the threshold: semi-naive evaluation, so a round costs what the
frontier owns, not the whole graph. The statements are plain SQL over four tables, so
any SQL engine that can run them in a loop gives the same sets:

- ``pairs(src, dst, low, high, low_strict, high_strict, has_share, control, usable)``:
  one row per (owner, owned) pair of :class:`~ownership.propagate.Compiled`, shares as
  integers scaled by ``10**places`` (exact; sums are cast to ``HUGEINT``);
- ``totals(id, total_low, total_low_strict)``: every pair's lower bound into ``id``;
- ``covered(id, round)`` and ``frontier(id)``.

The threshold test is the engine's (:func:`~ownership.propagate.fixed_points.
meets_threshold` and ``meets_upper_bound``), written as SQL with the same scaled limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..propagate.fixed_points import scaled_limit
from ..rules.base import Rule, Threshold

__all__ = ["RoundSQL", "reach_round", "round_sql"]


@dataclass(frozen=True)
class RoundSQL:
    """The statements of one fixed point: what a round adds, and who joins."""

    step: str  # SELECT id, add_acc, add_strict, add_in_low, add_in_low_strict, by_control
    joins: str  # SELECT id FROM candidates meeting the threshold (reads step and acc)
    received: str  # SELECT id, received: the bound received by every entity at the end


def _meets(total: str, strict: str, threshold: Threshold, cut: tuple[int, bool]) -> str:
    limit, exact = cut
    tie = f"({total} = {limit})" if exact else "FALSE"
    if threshold.inclusive:
        return f"(({total} > {limit}) OR {tie})"
    return f"(({total} > {limit}) OR ({tie} AND {strict} > 0))"


def _meets_upper(share: str, tie_allowed: str, threshold: Threshold, cut: tuple[int, bool]) -> str:
    limit, exact = cut
    if threshold.inclusive and exact:
        return f"(({share} > {limit}) OR ({share} = {limit} AND {tie_allowed}))"
    return f"({share} > {limit})"


def round_sql(rule: Rule, threshold: Threshold, scale: int, *, upper: bool) -> RoundSQL:
    """The statements of the aggregated rule's least fixed point at one share bound."""
    cut = scaled_limit(threshold, scale)
    value, strict = ("high", "high_strict") if upper else ("low", "low_strict")
    step = f"""
        SELECT p.dst AS id,
               SUM(CASE WHEN p.has_share THEN CAST(p.{value} AS HUGEINT) ELSE 0 END) AS add_acc,
               SUM(CASE WHEN p.has_share AND p.{strict} THEN 1 ELSE 0 END) AS add_strict,
               SUM(CASE WHEN p.has_share THEN CAST(p.low AS HUGEINT) ELSE 0 END) AS add_in_low,
               SUM(CASE WHEN p.has_share AND p.low_strict THEN 1 ELSE 0 END) AS add_in_low_strict,
               BOOL_OR(p.control) AS by_control
        FROM pairs p JOIN frontier f ON p.src = f.id
        GROUP BY p.dst"""
    control = " OR s.by_control" if rule.control_counts else ""
    hundred = 100 * scale
    if upper:
        outside = "(COALESCE(t.total_low, 0) - a.in_low)"
        cap = f"({hundred} - {outside})"
        cap_strict = "((COALESCE(t.total_low_strict, 0) - a.in_low_strict) > 0)"
        hi_strict = "(a.acc_strict > 0)"
        tie_strict = (
            f"(CASE WHEN a.acc < {cap} THEN {hi_strict} WHEN {cap} < a.acc THEN {cap_strict} "
            f"ELSE {hi_strict} OR {cap_strict} END)"
        )
        meets = _meets_upper(f"LEAST(a.acc, {cap})", f"NOT {tie_strict}", threshold, cut)
        received = f"""
            SELECT e.id, LEAST(COALESCE(a.acc, 0),
                   {hundred} - (COALESCE(t.total_low, 0) - COALESCE(a.in_low, 0))) AS received
            FROM entities e LEFT JOIN acc a ON a.id = e.id LEFT JOIN totals t ON t.id = e.id"""
    else:
        meets = _meets("a.acc", "a.acc_strict", threshold, cut)
        received = """
            SELECT e.id, COALESCE(a.acc, 0) AS received
            FROM entities e LEFT JOIN acc a ON a.id = e.id"""
    joins = f"""
        SELECT s.id
        FROM step s JOIN acc a ON a.id = s.id LEFT JOIN totals t ON t.id = s.id
        WHERE s.id NOT IN (SELECT id FROM covered) AND ({meets}{control})"""
    return RoundSQL(step=step, joins=joins, received=received)


def reach_round() -> str:
    """The entities a frontier reaches first over usable pairs, each by its smallest
    owner (so results do not depend on input order), as (id, pair, src)."""
    return """
        SELECT p.dst AS id, min_by(p.pair, p.src) AS pair, MIN(p.src) AS src
        FROM pairs p JOIN frontier f ON p.src = f.id
        WHERE p.usable AND p.dst NOT IN (SELECT id FROM reached)
        GROUP BY p.dst"""
