"""``bis-affiliates``: the BIS Affiliates Rule (US Commerce export controls).

Rule text: *Expansion of End-User Controls To Cover Affiliates of Certain Listed
Entities*, interim final rule, 90 FR 47201 (30 Sep 2025), effective 29 Sep 2025; stayed
from 10 Nov 2025 to 9 Nov 2026 by 90 FR 50857. Any foreign (non-US) entity owned at least
50%, "directly or indirectly, individually or in the aggregate", by listed parties is
subject to the same restrictions.

Edge cases:
- seeds: Entity List, MEU List, and SDNs under the fourteen programmes of
  15 CFR 744.8(a)(1) as revised by 89 FR 20107 (21 Mar 2024): the Russia, Ukraine and
  Belarus executive-order programmes, FTO, SDGT, NPWMD, and the narcotics and
  transnational-criminal programmes (the tags are data, in ``windows.yaml``); not the
  Unverified List;
- aggregation across those lists; the OFAC cascade for indirect ownership;
- ownership only: control links do not count (BIS FAQ; a red flag at most);
- US entities are never covered (flag ``out_of_scope_us_entity``) but pass coverage down
  to their foreign subsidiaries;
- only inside in-force windows (``windows.yaml``); outside them nothing is covered and
  every entity carries ``rule_not_in_force``. The window from 10 Nov 2026 is unverified.
"""

from .base import Aggregation, Rule, dated

NAME = "bis-affiliates"

RULE = Rule(
    name=NAME,
    title="BIS Affiliates Rule",
    aggregation=Aggregation.all,
    seeds=dated(NAME)["seeds"],
    thresholds=dated(NAME)["thresholds"],
    control_counts=False,
    out_of_scope_countries=frozenset({"US"}),
    windows=dated(NAME)["windows"],
    summary=(
        "Foreign entities owned 50% or more, in the aggregate, by Entity List, MEU or "
        "certain SDN parties share their restrictions."
    ),
    citation="90 FR 47201 (2025-09-30); stayed by 90 FR 50857 (2025-11-12)",
    doc=__doc__ or "",
)
