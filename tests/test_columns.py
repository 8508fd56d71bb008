"""The columnar snapshot compiler equals the record-by-record one, on any date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ownership.columns import PositionIndex, columns_of, sum_into
from ownership.derived import derived
from ownership.model import Dataset, Entity, Holding, Listing
from ownership.oracle import reference_compile
from ownership.propagate import Compiled, compile_snapshot, stable_order
from ownership.propagate.arrays import order_of_distinct
from ownership.propagate.snapshot import HOLDINGS_KEPT, compile_holdings
from ownership.rules import get_rule

from .factories import dated_datasets

DAYS = [dt.date(2020, 1, 1), dt.date(2022, 6, 30), dt.date(2025, 10, 1)]
SHARES = ["10", "33.3", "16.4", "0.3", "50", "0.125", "100", "2.5"]
RULES = ["ofac-50", "bis-affiliates", "eu", "uk", "listed-only"]


def _fields(compiled: Compiled) -> dict[str, object]:
    return {
        name: value.tolist() if isinstance(value, np.ndarray) else value
        for name, value in vars(compiled).items()
    }


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dated_datasets(DAYS, SHARES), st.sampled_from(DAYS), st.sampled_from(RULES))
def test_columnar_compile_equals_the_record_by_record_compile(
    dataset: Dataset, day: dt.date, rule_name: str
) -> None:
    rule = get_rule(rule_name)
    assert _fields(compile_snapshot(dataset, day, rule)) == _fields(
        reference_compile(dataset, day, rule)
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dated_datasets(DAYS, SHARES, arrangements=True),
    st.lists(st.tuples(st.sampled_from(DAYS), st.sampled_from(RULES)), min_size=2, max_size=8),
)
def test_rules_share_one_compile_per_date_and_each_equals_its_own_compile(
    dataset: Dataset, asked: list[tuple[dt.date, str]]
) -> None:
    """Asked in any order, on one dataset object, each rule's snapshot is the one compiled
    for it alone; the holdings of one date are compiled once and cannot be written."""
    for day, rule_name in asked:
        rule = get_rule(rule_name)
        compiled = compile_snapshot(dataset, day, rule)
        assert _fields(compiled) == _fields(reference_compile(dataset, day, rule))
        base = compile_holdings(dataset, day)
        assert compile_holdings(dataset, day) is base
        assert not base.arranged.any() and not base.seeds.any()
        if not compiled.arranged.any():  # a rule reading arrangements may add pairs
            assert compiled.low is base.low and compiled.in_edges is base.in_edges
        with pytest.raises(ValueError, match="read-only"):
            base.low[:1] = 0


def test_only_the_last_dates_holdings_are_kept() -> None:
    dataset = Dataset(entities=[Entity(id="a", name="A")])
    firsts = [compile_holdings(dataset, day) for day in DAYS]
    assert compile_holdings(dataset, DAYS[-1]) is firsts[-1]
    assert compile_holdings(dataset, DAYS[0]) is not firsts[0]
    assert len(derived(dataset).holdings) == HOLDINGS_KEPT


def test_a_changed_dataset_gets_its_own_columns() -> None:
    dataset = Dataset(entities=[Entity(id="a", name="A"), Entity(id="b", name="B")])
    assert columns_of(dataset).holdings.owner.size == 0
    changed = dataset.model_copy(
        update={"holdings": [Holding(owner="a", owned="b", percent=Decimal(60))]}
    )
    compiled = compile_snapshot(changed, DAYS[0], get_rule("ofac-50"))
    assert compiled.low.tolist() == [60]
    assert columns_of(dataset).holdings.owner.size == 0


def test_shares_with_more_places_than_int64_holds_stay_exact() -> None:
    tiny = Decimal("0.0000000000001")  # 13 places
    dataset = Dataset(
        entities=[Entity(id="a", name="A"), Entity(id="b", name="B")],
        holdings=[Holding(owner="a", owned="b", percent=Decimal(50) + tiny)],
        listings=[Listing(entity="a", list="sdn")],
    )
    compiled = compile_snapshot(dataset, DAYS[0], get_rule("ofac-50"))
    assert compiled.unscale(compiled.low[0]) == Decimal(50) + tiny
    assert _fields(compiled) == _fields(reference_compile(dataset, DAYS[0], get_rule("ofac-50")))


@given(st.integers(1, 40), st.lists(st.integers(0, 39), max_size=120))
def test_counting_order_is_the_stable_argsort(count: int, raw: list[int]) -> None:
    keys = np.asarray([k % count for k in raw], dtype=np.int64)
    assert stable_order(keys, count).tolist() == np.argsort(keys, kind="stable").tolist()


@given(st.sets(st.integers(0, 299), max_size=80))
def test_order_of_distinct_values_is_their_argsort(values: set[int]) -> None:
    shuffled = np.asarray(sorted(values, key=lambda v: (v * 7919) % 301), dtype=np.int64)
    assert order_of_distinct(shuffled, 300).tolist() == np.argsort(shuffled).tolist()


SUMMED = st.one_of(st.integers(-1000, 1000), st.integers(-(2**56), 2**56))


@given(st.lists(st.tuples(st.integers(0, 5), SUMMED, st.booleans()), max_size=60))
def test_sums_into_slots_are_exact(rows: list[tuple[int, int, bool]]) -> None:
    """Small totals are summed in doubles, large ones as integers; both exactly."""
    slots = np.asarray([r[0] for r in rows], dtype=np.int64)
    values = np.asarray([r[1] for r in rows], dtype=np.int64)
    chosen = np.asarray([r[2] for r in rows], dtype=bool)
    want = [sum(v for s, v, keep in rows if keep and s == slot) for slot in range(6)]
    assert sum_into(6, slots, values, chosen).tolist() == want


@pytest.mark.parametrize("sorted_order", [True, False])
def test_a_position_index_answers_as_a_dict_of_the_ids(
    sorted_order: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PositionIndex, "DICT_AFTER", 3)  # both ways of looking up are used
    ids = ["e10", "a", "Z", "e2", "ß", "b"]
    order = np.argsort(np.asarray(ids, dtype=object)) if sorted_order else None
    index = PositionIndex(ids, order)
    for missing in ("c", "", "e1"):
        assert missing not in index
        with pytest.raises(KeyError):
            index[missing]
    assert [index[x] for x in reversed(ids)] == list(reversed(range(len(ids))))
    assert dict(index) == {x: k for k, x in enumerate(ids)} and len(index) == len(ids)
