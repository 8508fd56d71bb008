"""DuckDB's SQL rounds give the fixed points and reachability of the array engine."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ownership import analyze
from ownership.propagate import covered_fixed_point, reach_from_seeds
from ownership.rules import get_rule
from ownership.rules.base import Aggregation
from tests.rules.test_properties import graphs
from tests.scale.verdict_equality import CASES, TIE_BOUNDS

duckdb = pytest.importorskip("duckdb")

from ownership.scale.duckdb_engine import (  # noqa: E402
    connect,
    covered_fixed_point_sql,
    load_pairs,
    reach_from_seeds_sql,
)


def same_fixed_point(expected, found) -> None:
    assert np.array_equal(expected.covered, found.covered)
    assert np.array_equal(expected.round, found.round)
    assert [int(v) for v in expected.received] == [int(v) for v in found.received]


def same_reach(expected, found) -> None:
    assert np.array_equal(expected.reached, found.reached)
    assert np.array_equal(expected.depth, found.depth)
    assert np.array_equal(expected.parent, found.parent)
    assert np.array_equal(expected.nearest_seed, found.nearest_seed)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.sampled_from(CASES))
def test_sql_rounds_equal_the_array_engine(dataset, case):
    rule_name, day = case
    rule = get_rule(rule_name)
    analysis = analyze(dataset, rule, day)
    compiled = analysis.compiled
    con = connect()
    load_pairs(con, compiled)
    same_reach(reach_from_seeds(compiled), reach_from_seeds_sql(con, compiled))
    threshold = rule.threshold_on(dt.date.fromisoformat(day))
    if threshold is None or rule.aggregation is not Aggregation.all:
        return
    for upper in (False, True):
        same_fixed_point(
            covered_fixed_point(compiled, rule, threshold, upper=upper),
            covered_fixed_point_sql(con, compiled, rule, threshold, upper=upper),
        )


def test_the_golden_inspur_case_at_each_bound():
    import ownership

    dataset = ownership.load(ownership.bundled_dataset())
    for rule_name, day in CASES:
        rule = get_rule(rule_name)
        analysis = analyze(dataset, rule, day)
        con = connect(memory_limit="256MB")
        load_pairs(con, analysis.compiled)
        same_reach(
            reach_from_seeds(analysis.compiled), reach_from_seeds_sql(con, analysis.compiled)
        )
        threshold = rule.threshold_on(dt.date.fromisoformat(day))
        if threshold is None or rule.aggregation is not Aggregation.all:
            continue
        for upper in (False, True):
            expected = covered_fixed_point(analysis.compiled, rule, threshold, upper=upper)
            found = covered_fixed_point_sql(con, analysis.compiled, rule, threshold, upper=upper)
            same_fixed_point(expected, found)


def test_a_quote_in_a_setting_is_refused():
    from ownership.errors import OwnershipError

    with pytest.raises(OwnershipError, match="cannot contain a quote"):
        connect(memory_limit="1GB'; DROP TABLE pairs; --")


@pytest.mark.parametrize("bounds", TIE_BOUNDS)
def test_ties_at_the_threshold_follow_the_bounds_exclusiveness(bounds):
    from ownership.model import Holding
    from tests.factories import dataset, listed, owns

    ds = dataset(
        listed("p"),
        Holding(owner="p", owned="a", **bounds),
        owns("q", "a", 20),  # an outside owner caps the upper share at 80
        owns("p", "b", 25),
        Holding(owner="a", owned="b", **bounds),
    )
    rule = get_rule("ofac-50")
    analysis = analyze(ds, rule, "2024-01-01")
    con = connect()
    load_pairs(con, analysis.compiled)
    threshold = rule.threshold_on(dt.date(2024, 1, 1))
    for upper in (False, True):
        expected = covered_fixed_point(analysis.compiled, rule, threshold, upper=upper)
        same_fixed_point(
            expected, covered_fixed_point_sql(con, analysis.compiled, rule, threshold, upper=upper)
        )


@pytest.mark.parametrize("case", CASES)
def test_a_generated_10k_dataset_gives_the_same_sets(generated_dataset_10k, case):
    rule_name, day = case
    rule = get_rule(rule_name)
    analysis = analyze(generated_dataset_10k, rule, day)
    con = connect()
    load_pairs(con, analysis.compiled)
    same_reach(reach_from_seeds(analysis.compiled), reach_from_seeds_sql(con, analysis.compiled))
    threshold = rule.threshold_on(dt.date.fromisoformat(day))
    if threshold is None or rule.aggregation is not Aggregation.all:
        return
    for upper in (False, True):
        expected = covered_fixed_point(analysis.compiled, rule, threshold, upper=upper)
        assert expected.covered.sum() > analysis.compiled.seeds.sum()  # beyond the seeds
        found = covered_fixed_point_sql(con, analysis.compiled, rule, threshold, upper=upper)
        same_fixed_point(expected, found)
