"""The fixed point and the reachability of :mod:`ownership.propagate`, as SQL rounds.

Each round joins only the frontier (the entities that joined in the round before) with
the pairs they own, adds what they bring to running totals, and lets in the candidates
whose totals now meet the threshold: semi-naive evaluation, so a round costs what the
frontier owns, not the whole graph. The statements are plain SQL over four tables, so
any SQL engine that can run them in a loop gives the same sets. The tables:

- ``pairs(src, dst, low, high, low_strict, high_strict, has_share, control, usable)``:
  one row per (owner, owned) pair of :class:`~ownership.propagate.Compiled`, shares as
  integers scaled by ``10**places`` as ``DECIMAL(38,0)`` (exact; an overflow is an
  error in both engines, never a wrapped number);
- ``nodes(id, seed)``: every entity, and whether it is listed (read by the rule);
- ``totals(id, total_low, total_low_strict)``: every pair's lower bound into ``id``;
- ``covered(id, round)``, ``frontier(id)`` and ``acc``: the running state that
  :mod:`ownership.scale.engine` keeps between rounds.

The statements use only what DuckDB and Spark SQL both read (no engine-specific types,
upserts or functions), so both engines run the same text.

The threshold test is the engine's (:func:`~ownership.propagate.fixed_points.
meets_threshold` and ``meets_upper_bound``), written as SQL with the same scaled limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..propagate.fixed_points import scaled_limit
from ..rules.base import Rule, Threshold

__all__ = ["RoundSQL", "big", "reach_round", "round_sql", "text"]


def big(value: int) -> str:
    """An exact integer as a ``DECIMAL(38,0)`` literal (both engines would read a bare
    literal past 64 bits as a type of their own)."""
    return f"CAST('{int(value)}' AS DECIMAL(38,0))"


def text(value: str) -> str:
    """A string as an SQL literal both engines read alike: DuckDB doubles a quote and
    keeps a backslash, Spark reads backslash escapes, so a quote or a backslash is
    spelt ``chr(39)`` or ``chr(92)``."""
    parts = re.split(r"(['\\])", value)
    spelt = [f"chr({ord(p)})" if p in ("'", "\\") else f"'{p}'" for p in parts if p]
    return " || ".join(spelt) if spelt else "''"


def pattern(regex: str, backslash_escapes: bool) -> str:
    """A regular expression as a constant literal: backslashes doubled for an engine
    that reads escapes in literals (Spark), kept for one that does not (DuckDB)."""
    if "'" in regex:
        raise ValueError(f"a pattern with a quote: {regex!r}")
    return "'" + (regex.replace("\\", "\\\\") if backslash_escapes else regex) + "'"


@dataclass(frozen=True)
class RoundSQL:
    """The statements of one fixed point: what a round adds, and who joins."""

    step: str  # SELECT id, add_acc, add_strict, add_in_low, add_in_low_strict, by_control
    joins: str  # SELECT id FROM candidates meeting the threshold (reads step and acc)
    received: str  # SELECT id, received: the bound received by every entity at the end


def _meets(total: str, strict: str, threshold: Threshold, cut: tuple[int, bool]) -> str:
    limit, exact = big(cut[0]), cut[1]
    tie = f"({total} = {limit})" if exact else "FALSE"
    if threshold.inclusive:
        return f"(({total} > {limit}) OR {tie})"
    return f"(({total} > {limit}) OR ({tie} AND {strict} > 0))"


def _meets_upper(share: str, tie_allowed: str, threshold: Threshold, cut: tuple[int, bool]) -> str:
    limit, exact = big(cut[0]), cut[1]
    if threshold.inclusive and exact:
        return f"(({share} > {limit}) OR ({share} = {limit} AND {tie_allowed}))"
    return f"({share} > {limit})"


def round_sql(rule: Rule, threshold: Threshold, scale: int, *, upper: bool) -> RoundSQL:
    """The statements of the aggregated rule's least fixed point at one share bound."""
    cut = scaled_limit(threshold, scale)
    value, strict = ("high", "high_strict") if upper else ("low", "low_strict")
    zero = big(0)
    step = f"""
        SELECT p.dst AS id,
               SUM(CASE WHEN p.has_share THEN p.{value} ELSE {zero} END) AS add_acc,
               SUM(CASE WHEN p.has_share AND p.{strict} THEN 1 ELSE 0 END) AS add_strict,
               SUM(CASE WHEN p.has_share THEN p.low ELSE {zero} END) AS add_in_low,
               SUM(CASE WHEN p.has_share AND p.low_strict THEN 1 ELSE 0 END) AS add_in_low_strict,
               BOOL_OR(p.control) AS by_control
        FROM pairs p JOIN frontier f ON p.src = f.id
        GROUP BY p.dst"""
    control = " OR s.by_control" if rule.control_counts else ""
    hundred = big(100 * scale)
    if upper:
        outside = f"(COALESCE(t.total_low, {zero}) - a.in_low)"
        cap = f"({hundred} - {outside})"
        cap_strict = "((COALESCE(t.total_low_strict, 0) - a.in_low_strict) > 0)"
        hi_strict = "(a.acc_strict > 0)"
        tie_strict = (
            f"(CASE WHEN a.acc < {cap} THEN {hi_strict} WHEN {cap} < a.acc THEN {cap_strict} "
            f"ELSE {hi_strict} OR {cap_strict} END)"
        )
        meets = _meets_upper(f"LEAST(a.acc, {cap})", f"NOT {tie_strict}", threshold, cut)
        received = f"""
            SELECT e.id, LEAST(COALESCE(a.acc, {zero}),
                   {hundred} - (COALESCE(t.total_low, {zero}) - COALESCE(a.in_low, {zero})))
                   AS received
            FROM nodes e LEFT JOIN acc a ON a.id = e.id LEFT JOIN totals t ON t.id = e.id"""
    else:
        meets = _meets("a.acc", "a.acc_strict", threshold, cut)
        received = f"""
            SELECT e.id, COALESCE(a.acc, {zero}) AS received
            FROM nodes e LEFT JOIN acc a ON a.id = e.id"""
    joins = f"""
        SELECT s.id
        FROM step s JOIN acc a ON a.id = s.id LEFT JOIN totals t ON t.id = s.id
        WHERE s.id NOT IN (SELECT id FROM covered) AND ({meets}{control})"""
    return RoundSQL(step=step, joins=joins, received=received)


#: Adds a round's ``step`` to the running totals ``acc`` (a full join: both engines).
MERGE_ACC = """
    SELECT COALESCE(a.id, s.id) AS id,
           COALESCE(a.acc, CAST(0 AS DECIMAL(38,0))) + COALESCE(s.add_acc, CAST(0 AS DECIMAL(38,0)))
               AS acc,
           COALESCE(a.acc_strict, 0) + COALESCE(s.add_strict, 0) AS acc_strict,
           COALESCE(a.in_low, CAST(0 AS DECIMAL(38,0)))
               + COALESCE(s.add_in_low, CAST(0 AS DECIMAL(38,0))) AS in_low,
           COALESCE(a.in_low_strict, 0) + COALESCE(s.add_in_low_strict, 0) AS in_low_strict
    FROM acc a FULL OUTER JOIN step s ON a.id = s.id"""

#: Per entity, the lower bounds of every share in it and how many are exclusive.
TOTALS = """
    SELECT dst AS id,
           SUM(CASE WHEN has_share THEN low ELSE CAST(0 AS DECIMAL(38,0)) END) AS total_low,
           SUM(CASE WHEN has_share AND low_strict THEN 1 ELSE 0 END) AS total_low_strict
    FROM pairs GROUP BY dst"""


def reach_round(*, with_pair: bool = False) -> str:
    """The entities a frontier reaches first over usable pairs, each by its smallest
    owner (so results do not depend on input order), as (id, src[, pair])."""
    pair = ", min_by(p.pair, p.src) AS pair" if with_pair else ""
    return f"""
        SELECT p.dst AS id, MIN(p.src) AS src{pair}
        FROM pairs p JOIN frontier f ON p.src = f.id
        WHERE p.usable AND p.dst NOT IN (SELECT id FROM reached)
        GROUP BY p.dst"""
