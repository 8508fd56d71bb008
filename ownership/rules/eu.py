"""``eu``: EU asset-freeze ownership and control guidance.

Rule text: Council *EU Best Practices for the effective implementation of restrictive
measures*; Commission FAQs; CJEU C-84/24 *EM System* (12 Mar 2026). Owned or controlled
non-listed entities are presumed reached.

Edge cases:
- threshold "more than 50%" until 2 Jul 2024, "50% or more" from the 3 Jul 2024 update
  (dated thresholds in ``windows.yaml``);
- shares of all designated persons add up, acting in concert or not;
- control counts (board majority, dominant influence...): control links cover;
- indirect ownership and control cascade.
Seeds: the ``eu`` list.
"""

from .base import Aggregation, Rule, dated

NAME = "eu"

RULE = Rule(
    name=NAME,
    title="EU ownership and control",
    aggregation=Aggregation.all,
    seeds=dated(NAME)["seeds"],
    thresholds=dated(NAME)["thresholds"],
    control_counts=True,
    summary=(
        "Entities owned (50% or more since 2024-07-03, more than 50% before) or "
        "controlled by designated persons are presumed reached."
    ),
    citation="EU Best Practices (update of 3 Jul 2024); CJEU C-84/24",
    doc=__doc__ or "",
)
