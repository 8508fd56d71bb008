"""``ofac-50``: OFAC's 50 Percent Rule (US Treasury sanctions).

Rule text: OFAC, *Revised Guidance on Entities Owned by Persons Whose Property and
Interests in Property Are Blocked*, 13 Aug 2014; FAQs 398-402. "any entity owned in the
aggregate, directly or indirectly, 50 percent or more by one or more blocked persons is
itself considered to be a blocked person".

Edge cases (all tested in ``tests/rules``):
- exactly 50% is blocked (FAQ 401 examples 1-3 all land on 50);
- shares of different blocked persons add up, across programmes (FAQs 399, 400);
- cascade, not multiplication: a blocked entity's whole stake counts downstream
  (FAQ 401 example 1: 50% of 50% blocks); a non-blocked intermediate counts for nothing;
- control alone never blocks (FAQ 398);
- circular holdings do not vouch for each other: least fixed point;
- divestment below 50% ends blocking (FAQ 402): verdicts are point in time.
Seeds: the SDN list.
"""

from .base import Aggregation, Rule, dated

NAME = "ofac-50"

RULE = Rule(
    name=NAME,
    title="OFAC 50 Percent Rule",
    aggregation=Aggregation.all,
    seeds=dated(NAME)["seeds"],
    thresholds=dated(NAME)["thresholds"],
    control_counts=False,
    summary=(
        "Entities owned 50% or more, in the aggregate, directly or indirectly, by blocked "
        "persons are blocked."
    ),
    citation="OFAC Revised Guidance (13 Aug 2014); FAQs 398-402",
    doc=__doc__ or "",
)
