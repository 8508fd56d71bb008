"""Every worked example and edge case of rules.md, as data files driving one test.

Each case is checked on the fast path and against the reference implementation.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from ownership import analyze
from ownership.errors import DataError
from ownership.model import Arrangement, Dataset, Entity, Holding, Listing
from ownership.oracle import reference_flags, reference_statuses
from ownership.rules import Rule, get_rule

CASES_DIR = Path(__file__).resolve().parent.parent / "data" / "rules"


def load_cases() -> list[dict[str, Any]]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            case["file"] = path.name
            cases.append(case)
    return cases


def build(case: dict[str, Any]) -> Dataset:
    holdings = [Holding.model_validate(h) for h in case.get("holdings", [])]
    listings = [Listing.model_validate(x) for x in case.get("listings", [])]
    arrangements = [Arrangement.model_validate(a) for a in case.get("arrangements", [])]
    ids: list[str] = []
    for h in holdings:
        ids += [h.owner, h.owned]
    ids += [x.entity for x in listings]
    for a in arrangements:
        ids += [*a.members, a.target]
    countries = case.get("countries", {})
    entities = [Entity(id=i, name=i.upper(), country=countries.get(i)) for i in dict.fromkeys(ids)]
    return Dataset(
        entities=entities, holdings=holdings, listings=listings, arrangements=arrangements
    )


CASES = load_cases()


def case_rule(case: dict[str, Any]) -> Rule:
    """The case's rule, changed where its ``parameters`` say (as ``--threshold`` etc.)."""
    parameters = dict(case.get("parameters") or {})
    if "threshold" in parameters:
        parameters["threshold"] = Decimal(str(parameters["threshold"]))
    return get_rule(case["rule"]).with_parameters(**parameters)


#: Flags that say what the rule makes of an entity (the others are about the data or the
#: rule's window, the same for every entity).
RULE_FLAGS = {"possibly_covered", "out_of_scope_us_entity", "would_be_covered"}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_rules_case(case: dict[str, Any]) -> None:
    dataset = build(case)
    day = (
        case["as_of"]
        if isinstance(case["as_of"], dt.date)
        else dt.date.fromisoformat(case["as_of"])
    )
    expect = case["expect"]
    if "error" in expect:
        with pytest.raises(DataError, match=expect["error"]):
            analyze(dataset, rule=case_rule(case), as_of=day)
        return
    rule = case_rule(case)
    result = analyze(dataset, rule=rule, as_of=day)
    reference = reference_statuses(dataset, rule, day)
    assert {k: v.value for k, v in result.statuses().items()} == reference, "fast path != reference"
    flagged = {e: set(result.flags(e)) & RULE_FLAGS for e in result.statuses()}
    assert {e: f for e, f in flagged.items() if f} == reference_flags(dataset, rule, day)
    for entity, status in expect.get("status", {}).items():
        assert result.status(entity).value == status, (
            f"{entity}: {result.verdict(entity).explanation}"
        )
    for entity, flags in expect.get("flags", {}).items():
        assert sorted(result.flags(entity)) == sorted(flags), entity
    for entity, percent in expect.get("effective", {}).items():
        assert result.verdict(entity).effective_percent == pytest.approx(percent, abs=1e-5)
    for entity, percent in expect.get("legal", {}).items():
        assert float(result.verdict(entity).legal_percent) == pytest.approx(percent)
    for entity, percent in expect.get("legal_max", {}).items():
        assert float(result.verdict(entity).legal_percent_max) == pytest.approx(percent)
    for entity, chain in expect.get("chain", {}).items():
        assert list(result.verdict(entity).chain) == chain
    for entity, nearest in expect.get("nearest_listed", {}).items():
        assert result.verdict(entity).nearest_listed == nearest
    for entity, fragments in expect.get("explanation", {}).items():
        text = result.verdict(entity).explanation
        for fragment in fragments:
            assert fragment in text, text
    if "notice" in expect:
        assert expect["notice"] in (result.seed_notice() or "")
    else:
        assert result.seed_notice() is None


def test_every_rule_is_exercised_by_a_case() -> None:
    from ownership.rules import rule_names

    used = {get_rule(c["rule"]).name for c in CASES}
    assert used == set(rule_names())
