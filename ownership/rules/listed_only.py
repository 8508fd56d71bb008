"""``listed-only``: no propagation; only entities on a list are caught.

The baseline an exporter faces without an ownership rule: every active listing seeds,
whatever the list (convention 3 in the spec), and nothing is covered. Every unlisted
descendant of a listed entity is exposed: this is the loophole the other rules close.
"""

from .base import Aggregation, Rule

NAME = "listed-only"

RULE = Rule(
    name=NAME,
    title="listed entities only, no ownership rule",
    aggregation=Aggregation.none,
    seeds=None,
    summary="Only entities named on a list are restricted; owned affiliates are not.",
    doc=__doc__ or "",
)
