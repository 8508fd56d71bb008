"""``look-through``: integrated (effective) ownership, an analysis, not a legal rule.

Each entity's effective share held by listed parties is the exact solution of
``x_E = sum over owners O of pct(O->E)/100 * (1 if O is listed else x_O)``: multiply
along each path and add the paths; with cross-holdings, the Leontief inverse. Listed
entities absorb (no double counting when one listed party owns another). An entity is
``covered`` here when its effective share is at least 50% (convention 2).

Edge cases: unknown shares count as 0 and ranges at their lower bound (convention 1);
a ring of entities owning each other 100% with no outside owner gets the least
solution, 0 (convention 8). Where this differs from a legal rule, that is either the
cascade effect (legally covered, effective share below 50) or the non-blocked
intermediate gap (effective share 50 or more, not legally covered).
Seeds: every list.
"""

from .base import Aggregation, Rule, dated

NAME = "look-through"

RULE = Rule(
    name=NAME,
    title="look-through (integrated ownership)",
    aggregation=Aggregation.look_through,
    seeds=None,
    thresholds=dated(NAME)["thresholds"],
    summary=(
        "Effective ownership multiplied along every path; covered at 50% or more. "
        "Analysis, not law."
    ),
    doc=__doc__ or "",
)
