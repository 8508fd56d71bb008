"""Invariants of the rule engine, checked on random graphs (hypothesis)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ownership import analyze
from ownership.checks import check_dataset
from ownership.errors import DataError
from ownership.model import Arrangement, Dataset, Entity, Holding, Listing
from ownership.oracle import (
    reference_covered,
    reference_flags,
    reference_look_through,
    reference_statuses,
)
from ownership.rules import Aggregation, custom_rule, get_rule

from .test_golden import RULE_FLAGS

DAY = dt.date(2025, 10, 1)  # BIS Affiliates Rule in force
RULES = ["ofac-50", "bis-affiliates", "eu", "uk", "look-through", "listed-only"]
SHARES = [
    Decimal(v) for v in ("10", "20", "25", "30", "33.3", "16.4", "0.3", "40", "50", "60", "100")
]
COVERING = ["ofac-50", "bis-affiliates", "eu", "uk"]

settings.register_profile(
    "rules", max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def graphs(
    draw: st.DrawFn, *, allow_cycles: bool = True, bounds: bool = True, messy: bool = True
) -> Dataset:
    """Random graphs; ``messy`` ones may also hold what real data holds: stakes that
    cannot all be true, alternative figures from other sources, closed 100% rings."""
    n = draw(st.integers(2, 8))
    ids = [f"e{i}" for i in range(n)]
    countries = [draw(st.sampled_from(["CN", "US", "HK", None])) for _ in ids]
    entities = [
        Entity(id=i, name=i.upper(), country=c) for i, c in zip(ids, countries, strict=True)
    ]
    holdings: list[Holding] = []
    for owned_index, owned in enumerate(ids):
        room = Decimal(100)
        candidates = [
            o for k, o in enumerate(ids) if o != owned and (allow_cycles or k < owned_index)
        ]
        owners = (
            draw(st.lists(st.sampled_from(candidates), unique=True, max_size=3))
            if candidates
            else []
        )
        for owner in owners:
            shape = draw(
                st.sampled_from(
                    ["exact", "exact", "exact", "range", "unknown", "control"]
                    if bounds
                    else ["exact"]
                )
            )
            if shape == "control":
                holdings.append(Holding(owner=owner, owned=owned, kind="control"))
                continue
            if shape == "unknown":
                holdings.append(Holding(owner=owner, owned=owned))
                continue
            share = draw(st.sampled_from(SHARES))
            overfull = messy and draw(st.integers(0, 9)) == 0
            if (share > room and not overfull) or (shape == "range" and share >= 100):
                continue
            if shape == "range":
                top = min(Decimal(100), share + draw(st.sampled_from([Decimal(5), Decimal(25)])))
                low_key = draw(st.sampled_from(["minimum", "exclusiveMinimum"]))
                high_key = draw(st.sampled_from(["maximum", "exclusiveMaximum"]))
                bounds_given = {low_key: share, high_key: top}
                nested = draw(st.booleans())  # `percent: {minimum: ..}` or flat keys
                record = {"percent": bounds_given} if nested else bounds_given
                holdings.append(Holding.model_validate({"owner": owner, "owned": owned, **record}))
            else:
                holdings.append(Holding(owner=owner, owned=owned, percent=share))
            room -= share
    if messy and draw(st.booleans()):
        # another report of a stake: an alternative figure, or a share class of one source
        base = draw(st.sampled_from(holdings)) if holdings else None
        if base is not None and base.kind.value == "ownership":
            source = draw(st.sampled_from([[], ["report-2"]]))
            other = draw(st.sampled_from(SHARES))
            holdings.append(
                Holding(owner=base.owner, owned=base.owned, percent=other, sources=source)
            )
    if messy and allow_cycles and n >= 3 and draw(st.integers(0, 4)) == 0:
        # a closed ring: two entities owning each other wholly, nobody else holding them
        a, b = draw(st.lists(st.sampled_from(ids), unique=True, min_size=2, max_size=2))
        holdings = [h for h in holdings if h.owned not in (a, b)]
        holdings += [Holding(owner=a, owned=b, percent=100), Holding(owner=b, owned=a, percent=100)]
    lists = ["sdn", "entity_list", "meu_list", "eu", "uk"]
    listings = [
        Listing(
            entity=e,
            list=draw(st.sampled_from(lists)),
            program=draw(st.sampled_from([None, "NPWMD", "[RUSSIA-EO14024]", "CUBA"])),
        )
        for e in draw(st.lists(st.sampled_from(ids), unique=True, min_size=1, max_size=3))
    ]
    arrangements = []
    for _ in range(draw(st.integers(0, 2)) if n >= 3 else 0):
        # joint arrangements, often with a listed member holding nothing in the target
        members = draw(st.lists(st.sampled_from(ids), unique=True, min_size=2, max_size=3))
        target = draw(st.sampled_from([i for i in ids if i not in members] or ids))
        if target not in members:
            arrangements.append(Arrangement(members=members, target=target))
    dataset = Dataset(
        entities=entities, holdings=holdings, listings=listings, arrangements=arrangements
    )
    assume(not check_dataset(dataset))  # generated ids are always known: never refused
    return dataset


def _analyze(dataset: Dataset, rule: str) -> dict[str, str] | None:
    try:
        return {k: v.value for k, v in analyze(dataset, rule=rule, as_of=DAY).statuses().items()}
    except DataError:
        return None  # a closed 100% ring: invalid for look-through, rejected by both paths


@SETTINGS
@given(graphs(), st.sampled_from(RULES))
def test_fast_path_equals_reference_on_random_graphs_with_cycles(
    dataset: Dataset, rule: str
) -> None:
    fast = _analyze(dataset, rule)
    try:
        slow = reference_statuses(dataset, get_rule(rule), DAY)
    except DataError:
        slow = None
    assert fast == slow


@SETTINGS
@given(graphs(), st.sampled_from(COVERING))
def test_possibly_covered_matches_the_reference_upper_fixed_point(
    dataset: Dataset, rule: str
) -> None:
    chosen = get_rule(rule)
    result = analyze(dataset, rule=rule, as_of=DAY)
    upper = reference_covered(dataset, chosen, DAY, upper=True)
    lower = reference_covered(dataset, chosen, DAY)
    flagged = {e for e in result.statuses() if "possibly_covered" in result.flags(e)}
    # in scope or not (a US entity says both that it may meet the test and that it is
    # out of the rule's scope)
    expected = {e for e in upper - lower if result.status(e).value == "exposed"}
    assert flagged == expected
    assert lower <= upper


@SETTINGS
@given(graphs(), st.sampled_from(RULES), st.sampled_from(["2025-10-01", "2026-01-15"]))
def test_rule_flags_equal_the_reference_on_random_graphs(
    dataset: Dataset, rule: str, day: str
) -> None:
    """possibly_covered (also beside out_of_scope_us_entity, also reached through a joint
    arrangement), out_of_scope_us_entity and would_be_covered, as the spec derives them."""
    chosen = get_rule(rule)
    date = dt.date.fromisoformat(day)
    try:
        result = analyze(dataset, rule=chosen, as_of=date)
    except DataError:
        return
    flagged = {e: set(result.flags(e)) & RULE_FLAGS for e in result.statuses()}
    assert {e: f for e, f in flagged.items() if f} == reference_flags(dataset, chosen, date)
    statuses = {k: v.value for k, v in result.statuses().items()}
    assert statuses == reference_statuses(dataset, chosen, date)


@SETTINGS
@given(graphs(), st.sampled_from(RULES), st.booleans(), st.sampled_from([None, "40", "50.5"]))
def test_named_rules_with_changed_parameters_equal_the_reference(
    dataset: Dataset, rule: str, inclusive: bool, threshold: str | None
) -> None:
    base = get_rule(rule)
    if base.aggregation is Aggregation.none:
        return
    chosen = base.with_parameters(
        inclusive=inclusive, threshold=None if threshold is None else Decimal(threshold)
    )
    try:
        result = analyze(dataset, rule=chosen, as_of=DAY)
    except DataError:
        return
    statuses = {k: v.value for k, v in result.statuses().items()}
    assert statuses == reference_statuses(dataset, chosen, DAY)
    flagged = {e: set(result.flags(e)) & RULE_FLAGS for e in result.statuses()}
    assert {e: f for e, f in flagged.items() if f} == reference_flags(dataset, chosen, DAY)


def _covered_or_listed(dataset: Dataset, rule: str) -> set[str]:
    result = analyze(dataset, rule=rule, as_of=DAY)
    return {e for e, s in result.statuses().items() if s.value in ("listed", "covered")}


@SETTINGS
@given(graphs(), st.sampled_from(COVERING), st.data())
def test_adding_a_listing_never_removes_coverage(
    dataset: Dataset, rule: str, data: st.DataObject
) -> None:
    before = _covered_or_listed(dataset, rule)
    entity = data.draw(st.sampled_from([e.id for e in dataset.entities]))
    list_id = data.draw(st.sampled_from(["sdn", "entity_list", "eu", "uk"]))
    grown = dataset.model_copy(
        update={"listings": [*dataset.listings, Listing(entity=entity, list=list_id)]}
    )
    assert before <= _covered_or_listed(grown, rule)


@SETTINGS
@given(graphs(bounds=False), st.sampled_from(COVERING), st.data())
def test_raising_a_listed_owners_stake_never_removes_coverage(
    dataset: Dataset, rule: str, data: st.DataObject
) -> None:
    listed = {x.entity for x in dataset.listings}
    raisable = [
        k for k, h in enumerate(dataset.holdings) if h.owner in listed and h.percent is not None
    ]
    assume(raisable)
    k = data.draw(st.sampled_from(raisable))
    h = dataset.holdings[k]
    room = Decimal(100) - sum(
        (x.lower_bound for x in dataset.holdings if x.owned == h.owned), Decimal(0)
    )
    assume(room > 0)
    raised = h.model_copy(update={"percent": h.percent + room})  # type: ignore[operator]
    holdings = [*dataset.holdings[:k], raised, *dataset.holdings[k + 1 :]]
    raised_dataset = dataset.model_copy(update={"holdings": holdings})
    assume(not check_dataset(raised_dataset))
    before = _covered_or_listed(dataset, rule)
    assert before <= _covered_or_listed(raised_dataset, rule)


@SETTINGS
@given(graphs(), st.sampled_from(RULES), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_input_order(
    dataset: Dataset, rule: str, rnd: random.Random
) -> None:
    original = analyze(dataset, rule=rule, as_of=DAY) if _analyze(dataset, rule) else None
    assume(original is not None)
    shuffled = dataset.model_copy(
        update={
            name: rnd.sample(getattr(dataset, name), len(getattr(dataset, name)))
            for name in ("entities", "holdings", "listings")
        }
    )
    again = analyze(shuffled, rule=rule, as_of=DAY)
    for entity in original.statuses():  # type: ignore[union-attr]
        a, b = original.verdict(entity), again.verdict(entity)  # type: ignore[union-attr]
        assert (a.status, sorted(a.flags), a.legal_percent, a.legal_percent_max) == (
            b.status,
            sorted(b.flags),
            b.legal_percent,
            b.legal_percent_max,
        )
        assert a.effective_percent == pytest.approx(b.effective_percent, abs=1e-9)
        assert a.listed_ancestors == b.listed_ancestors


@SETTINGS
@given(graphs(allow_cycles=False, bounds=False))
def test_look_through_on_a_tree_is_the_product_along_the_path(dataset: Dataset) -> None:
    # keep one owner per entity: a forest
    first_owner: dict[str, Holding] = {}
    for h in dataset.holdings:
        first_owner.setdefault(h.owned, h)
    forest = dataset.model_copy(
        update={"holdings": list(first_owner.values()), "listings": dataset.listings[:1]}
    )
    seed = forest.listings[0].entity
    result = analyze(forest, rule="look-through", as_of=DAY)
    for entity in forest.entities:
        product, node = Fraction(1), entity.id
        while node != seed and node in first_owner:
            product *= Fraction(first_owner[node].percent or 0) / 100
            node = first_owner[node].owner
        expected = product * 100 if node == seed else Fraction(0)
        assert result.verdict(entity.id).effective_percent == pytest.approx(
            float(expected), abs=1e-9
        )


@SETTINGS
@given(graphs())
def test_look_through_equals_the_exact_solution_with_cycles(dataset: Dataset) -> None:
    seeds = {x.entity for x in dataset.listings}
    try:
        exact = reference_look_through(dataset, seeds, DAY)
    except DataError:
        with pytest.raises(DataError):
            analyze(dataset, rule="look-through", as_of=DAY)
        return
    result = analyze(dataset, rule="look-through", as_of=DAY)
    for entity, share in exact.items():
        assert result.verdict(entity).effective_percent == pytest.approx(
            float(share * 100), abs=1e-7
        )


@SETTINGS
@given(graphs())
def test_exact_look_through_of_some_entities_equals_the_full_exact_solution(
    dataset: Dataset,
) -> None:
    import numpy as np

    from ownership.propagate import compile_snapshot, exact_look_through

    rule = get_rule("look-through")
    compiled = compile_snapshot(dataset, DAY, rule)
    seeds = {compiled.ids[i] for i in np.flatnonzero(compiled.seeds)}
    full = reference_look_through(dataset, seeds, DAY)
    targets = np.arange(compiled.n)
    exact = exact_look_through(compiled, targets)
    assert {compiled.ids[i]: v for i, v in exact.items()} == full


@SETTINGS
@given(graphs(), st.sampled_from(RULES))
def test_listed_ancestors_are_the_listed_entities_with_a_path_down(
    dataset: Dataset, rule: str
) -> None:
    import networkx as nx

    try:
        result = analyze(dataset, rule=rule, as_of=DAY)
    except DataError:
        return
    c = result.compiled
    graph = nx.DiGraph()
    graph.add_nodes_from(range(c.n))
    usable = (c.has_share & (c.high > 0)) | c.control
    graph.add_edges_from(zip(c.src[usable].tolist(), c.dst[usable].tolist(), strict=True))
    if rule == "uk":  # a joint arrangement joins each member to its target
        graph.add_edges_from(
            (c.index[m], c.index[a.target])
            for a in dataset.arrangements
            if a.active_on(DAY)
            for m in a.members
            if m != a.target
        )
    for verdict in result:
        node = c.index[verdict.id]
        expected = (
            sorted(c.ids[j] for j in nx.ancestors(graph, node) if c.seeds[j])
            if verdict.status.value != "clear"
            else []
        )
        assert list(verdict.listed_ancestors) == expected


@SETTINGS
@given(
    graphs(),
    st.sampled_from(["50.5", "25.05", "33.35", "49.99", "10.3", "50"]),
    st.booleans(),
    st.booleans(),
)
def test_thresholds_between_whole_shares_equal_the_reference(
    dataset: Dataset, threshold: str, inclusive: bool, aggregate: bool
) -> None:
    rule = custom_rule(threshold=threshold, inclusive=inclusive, aggregate=aggregate)
    result = analyze(dataset, rule=rule, as_of=DAY)
    statuses = {k: v.value for k, v in result.statuses().items()}
    assert statuses == reference_statuses(dataset, rule, DAY)
    if aggregate:
        flagged = {e for e in result.statuses() if "possibly_covered" in result.flags(e)}
        upper = reference_covered(dataset, rule, DAY, upper=True)
        lower = reference_covered(dataset, rule, DAY)
        assert flagged == {e for e in upper - lower if statuses[e] == "exposed"}


def test_a_half_share_is_not_covered_under_a_threshold_just_above_it() -> None:
    data = Dataset(
        entities=[Entity(id="x", name="X"), Entity(id="a", name="A")],
        holdings=[Holding(owner="x", owned="a", percent=Decimal(50))],
        listings=[Listing(entity="x", list="sdn")],
    )
    for aggregate in (True, False):
        rule = custom_rule(threshold="50.5", inclusive=True, aggregate=aggregate)
        assert analyze(data, rule=rule, as_of=DAY).status("a").value == "exposed"
