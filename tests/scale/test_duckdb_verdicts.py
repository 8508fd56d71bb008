"""``--engine duckdb`` gives the default engine's verdicts: the same ids, statuses, flags,
exactly equal legal percents, chains and nearest listed entities, and effective percents
within rounding."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ownership
from tests.rules.test_properties import graphs
from tests.scale.verdict_equality import (
    CASES,
    TIE_BOUNDS,
    assert_same_effective,
    assert_same_verdicts,
    engine_rows,
)

pytest.importorskip("duckdb")

from ownership.scale.duckdb_engine import DuckDBExecutor, connect


def duckdb_rows(dataset, rule_name, day):
    """The engine's verdict rows; its unrounded look-through shares are held to the
    default engine's on the way."""
    executor = DuckDBExecutor(connect())

    def fetch(query):
        cursor = executor.con.execute(query)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    rows = engine_rows(executor, fetch, dataset, rule_name, day)
    shares = dict(executor.rows("SELECT id, x FROM shares"))
    assert_same_effective(dataset, rule_name, day, shares)
    return rows


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.sampled_from(CASES))
def test_random_messy_graphs_give_the_same_verdicts(dataset, case):
    rule_name, day = case
    assert_same_verdicts(dataset, rule_name, day, duckdb_rows(dataset, rule_name, day))


@pytest.mark.parametrize("case", CASES)
def test_the_bundled_inspur_case(case):
    dataset = ownership.load(ownership.bundled_dataset())
    assert_same_verdicts(dataset, *case, duckdb_rows(dataset, *case))


def test_a_chain_climbs_the_first_of_equal_covering_owners():
    from tests.factories import dataset, listed, owns

    # "zeta" comes first in the data: of two equal covering owners the chain takes the
    # first, whatever the names' order
    ds = dataset(listed("zeta"), listed("alpha"), owns("zeta", "x", 50), owns("alpha", "x", 50))
    ds = ds.model_copy(update={"entities": sorted(ds.entities, key=lambda e: e.id != "zeta")})
    rows = duckdb_rows(ds, "ofac-50", "2024-01-01")
    assert next(r for r in rows if r["id"] == "x")["chain"] == ["zeta", "x"]
    assert_same_verdicts(ds, "ofac-50", "2024-01-01", rows)


@pytest.mark.parametrize("bounds", TIE_BOUNDS[:4])
def test_ties_and_conflicts_at_the_threshold(bounds):
    from ownership.model import Holding
    from tests.factories import dataset, listed, owns

    ds = dataset(
        listed("p"),
        Holding(owner="p", owned="a", **bounds),
        owns("q", "a", 20),
        owns("p", "b", 25),
        Holding(owner="a", owned="b", **bounds),
        Holding(owner="p", owned="c", **bounds),
        owns("q", "c", 50),  # with a lower bound of 50 and more: stakes that cannot all be true
    )
    for rule_name, day in (("ofac-50", "2024-01-01"), ("bis-affiliates", "2025-10-01")):
        assert_same_verdicts(ds, rule_name, day, duckdb_rows(ds, rule_name, day))


@pytest.mark.parametrize("case", CASES)
def test_a_generated_10k_dataset_gives_the_same_verdicts(generated_dataset_10k, case):
    rows = duckdb_rows(generated_dataset_10k, *case)
    assert {r["status"] for r in rows} >= {"listed", "exposed"}
    assert_same_verdicts(generated_dataset_10k, *case, rows)


def custom_rules():
    from dataclasses import replace
    from decimal import Decimal

    from ownership.rules import get_rule
    from ownership.rules.base import Threshold

    look_through = get_rule("look-through")
    ofac = get_rule("ofac-50")
    return [
        look_through.with_parameters(threshold=Decimal(0)),
        look_through.with_parameters(threshold=Decimal("33.3"), inclusive=False),
        ofac.with_parameters(threshold=Decimal("50.5")),
        ofac.with_parameters(threshold=Decimal(0), inclusive=False),
        ofac.with_parameters(threshold=Decimal(100)),
        ofac.with_parameters(control=True),
        # a threshold on a rule that aggregates nothing: no fixed point at all
        replace(get_rule("listed-only"), thresholds=(Threshold(Decimal(50), True),)),
    ]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.sampled_from(range(7)))
def test_custom_thresholds_and_parameters_give_the_same_verdicts(dataset, which):
    rule = custom_rules()[which]
    assert_same_verdicts(dataset, rule, "2024-01-01", duckdb_rows(dataset, rule, "2024-01-01"))


def test_the_look_through_rule_at_threshold_zero_covers_what_it_does_not_reach():
    from tests.factories import dataset, listed, owns

    rule = custom_rules()[0]
    ds = dataset(listed("s"), owns("s", "a", 60), owns("x", "y", 10))
    rows = {r["id"]: r["status"] for r in duckdb_rows(ds, rule, "2024-01-01")}
    assert rows == {"s": "listed", "a": "covered", "x": "covered", "y": "covered"}


@pytest.mark.parametrize("length", [31, 32, 33, 40])
def test_long_chains_are_cut_as_the_default_engine_cuts_them(length):
    from tests.factories import dataset, listed, owns

    ids = [f"n{k:02d}" for k in range(length)]
    ds = dataset(listed(ids[0]), *(owns(a, b, 60) for a, b in itertools.pairwise(ids)))
    for rule_name in ("ofac-50", "listed-only"):
        rows = duckdb_rows(ds, rule_name, "2024-01-01")
        last = rows[-1]
        assert len(last["chain"]) == min(length, 32)
        assert (last["chain_via"] is not None) == (length > 32)
        assert_same_verdicts(ds, rule_name, "2024-01-01", rows)
