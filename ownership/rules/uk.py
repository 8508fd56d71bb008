"""``uk``: UK ownership and control (SAMLA regulations, OFSI guidance).

Rule text: e.g. Russia (Sanctions) (EU Exit) Regulations 2019, reg. 7 and Schedule 1;
OFSI General Guidance para 4.14. C is owned or controlled by P if P holds, directly or
indirectly, more than 50% of the shares or voting rights, or can appoint a board
majority, or otherwise controls C.

Edge cases:
- exactly 50% is not enough (> 50);
- no aggregation across different designated persons (OFSI 4.14): each is counted on
  its own, with its own direct and indirect holdings;
- joint arrangements (Sch. 1 para 3): each member is treated as holding the combined
  shares; an arrangement counts for a designated person when any member is that person
  or an entity it owns or controls (convention 6);
- control links count.
Seeds: the ``uk`` list.
"""

from .base import Aggregation, Rule, dated

NAME = "uk"

RULE = Rule(
    name=NAME,
    title="UK ownership and control",
    aggregation=Aggregation.per_owner,
    seeds=dated(NAME)["seeds"],
    thresholds=dated(NAME)["thresholds"],
    control_counts=True,
    summary=(
        "Entities in which one designated person holds more than 50% (directly, "
        "indirectly or by joint arrangement) or which it controls."
    ),
    citation="SAMLA regulations, Sch. 1; OFSI General Guidance 4.14",
    doc=__doc__ or "",
)
