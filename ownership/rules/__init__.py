"""Rule registry: one module per regime, looked up by ``NAME``.

>>> str(get_rule("ofac-50").threshold_on(datetime.date(2024, 1, 1)))
'>= 50%'
>>> str(get_rule("eu").threshold_on(datetime.date(2024, 7, 2)))
'> 50%'
>>> get_rule("bis_affiliates").in_force_on(datetime.date(2026, 1, 15))
False
"""

from __future__ import annotations

import datetime  # noqa: F401  (used by the doctest above)
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from ..errors import UnknownRule
from . import bis_affiliates, eu, listed_only, look_through, ofac_50, uk
from .base import Aggregation, Rule, SeedList, Threshold, Window, load_rule_data

__all__ = [
    "RULES",
    "Aggregation",
    "Rule",
    "SeedList",
    "Threshold",
    "Window",
    "custom_rule",
    "get_rule",
    "rule_names",
    "rules_from_data",
]

RULES: dict[str, Rule] = {
    module.NAME: module.RULE
    for module in (listed_only, ofac_50, bis_affiliates, eu, uk, look_through)
}

_ALIASES = {
    "ofac50": "ofac-50",
    "ofac": "ofac-50",
    "bis": "bis-affiliates",
    "listed": "listed-only",
}

DEFAULT_RULE = "bis-affiliates"


def rule_names() -> list[str]:
    return list(RULES)


def get_rule(name: str | Rule) -> Rule:
    """The rule called ``name`` (``ofac-50``, ``bis_affiliates`` and ``ofac50`` all work)."""
    if isinstance(name, Rule):
        return name
    key = name.strip().lower().replace("_", "-")
    key = _ALIASES.get(key.replace("-", ""), _ALIASES.get(key, key))
    try:
        return RULES[key]
    except KeyError:
        raise UnknownRule(name, rule_names()) from None


def rules_from_data(path: Path) -> dict[str, Rule]:
    """The built-in rules with the seeds, windows and thresholds of ``path``, a file of the
    form of ``ownership/rules/windows.yaml``: what a rule's item names replaces what ships;
    what it omits stays. A new Federal Register notice or programme tag is then a change
    of data only.

    Raises :class:`~ownership.errors.OwnershipError` for a rule the package does not have.
    """
    data = load_rule_data(Path(path))
    unknown = sorted(set(data) - set(RULES))
    if unknown:
        raise UnknownRule(unknown[0], rule_names())
    rules = dict(RULES)
    for name, spec in data.items():
        rules[name] = replace(RULES[name], **{k: v for k, v in spec.items() if v or k == "seeds"})
    return rules


def custom_rule(
    *,
    threshold: float | str | Decimal = 50,
    inclusive: bool = True,
    aggregate: bool = True,
    lists: list[str] | None = None,
    control_counts: bool = False,
    out_of_scope_countries: list[str] | None = None,
    name: str = "custom",
) -> Rule:
    """A rule for a regime we don't ship, from its parameters.

    >>> r = custom_rule(threshold=25, inclusive=False, aggregate=False, lists=["my-list"])
    >>> r.describe_on(datetime.date(2025, 1, 1))
    'custom (custom: > 25%, per owner, lists my-list), threshold > 25%'
    """
    value = Decimal(str(threshold))
    seeds = tuple(SeedList(x) for x in lists) if lists else None
    aggregation = Aggregation.all if aggregate else Aggregation.per_owner
    limit = Threshold(value=value, inclusive=inclusive)
    title = (
        f"custom: {limit}, {'aggregated' if aggregate else 'per owner'}, "
        f"lists {', '.join(lists) if lists else 'any'}"
        + (", control counts" if control_counts else "")
    )
    rule = Rule(
        name=name,
        title=title,
        aggregation=aggregation,
        seeds=seeds,
        thresholds=(limit,),
        control_counts=control_counts,
        out_of_scope_countries=frozenset(c.upper() for c in out_of_scope_countries or []),
        custom=True,
    )
    if lists:
        rule = replace(rule.with_lists(lists), changes=())  # the title names the lists
    return rule
