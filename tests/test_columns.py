"""The columnar snapshot compiler equals the record-by-record one, on any date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ownership import columns as columns_module
from ownership.arrow_text import TEXT
from ownership.arrow_text import strings as strings_array
from ownership.columns import PositionIndex, columns_of, in_id_order, sum_into, values_at
from ownership.derived import derived
from ownership.io.cache_entries import ArrowStrings
from ownership.io.columnar_cells import present_rows
from ownership.model import Dataset, Entity, Holding, Listing
from ownership.oracle import reference_compile
from ownership.propagate import Compiled, compile_snapshot, stable_order
from ownership.propagate.arrays import offsets, order_of_distinct
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


@given(st.integers(0, 40), st.lists(st.integers(0, 39), max_size=120))
def test_counted_offsets_are_where_each_key_starts_in_sorted_order(
    count: int, raw: list[int]
) -> None:
    keys = np.asarray([k % count for k in raw] if count else [], dtype=np.int64)
    expected = np.searchsorted(np.sort(keys), np.arange(count + 1))
    assert offsets(keys, count).tolist() == expected.tolist()


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


@pytest.mark.parametrize("cached", [True, False])
@pytest.mark.parametrize("sorted_order", [True, False])
def test_a_position_index_answers_as_a_dict_of_the_ids(
    sorted_order: bool, cached: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over a list, or over a cached column in the order Arrow sorts it (by UTF-8 bytes,
    which is the order of code points Python compares)."""
    monkeypatch.setattr(PositionIndex, "DICT_AFTER", 3)  # both ways of looking up are used
    monkeypatch.setattr(columns_module, "SORTED_IN_ARROW_FROM", 4)  # many ids sorted by Arrow
    listed = ["e10", "a", "Z", "e2", "ß", "b", "😀", "\uffff"]
    column = pa.chunked_array([pa.array(listed[:3]), pa.array(listed[3:])])
    ids: Sequence[str] = ArrowStrings(column, keep=True) if cached else listed
    order = None
    if sorted_order:
        order = pc.sort_indices(column).to_numpy() if cached else np.argsort(np.asarray(ids))
    index = PositionIndex(ids, order)
    for missing in ("c", "", "e1"):
        assert missing not in index
        with pytest.raises(KeyError):
            index[missing]
    assert [index[x] for x in reversed(ids)] == list(reversed(range(len(ids))))
    assert dict(index) == {x: k for k, x in enumerate(ids)} and len(index) == len(ids)
    some = np.asarray([6, 0, 3, 7, 1], dtype=np.int64)
    for index_of in (index, dict(index)):  # a cached dataset's, or a dict
        assert [ids[k] for k in in_id_order(index_of, ids, some)] == sorted(ids[k] for k in some)


@given(
    st.lists(st.lists(st.text(max_size=4), max_size=5), min_size=1, max_size=4),
    st.integers(0, 3),
    st.sampled_from([0, 1_000]),
    st.data(),
)
def test_a_cached_column_reads_as_the_list_of_its_values(
    chunks: list[list[str]], whole_after: int, one_by_one_below: int, data: st.DataObject
) -> None:
    """Value by value, by slices and whole; the kept column is read whole once past
    WHOLE_AFTER single reads, and gives the same values after. Takes of fewer than
    READ_ONE_BY_ONE_BELOW values read each and leave the chunks as they are."""
    values = [v for chunk in chunks for v in chunk]
    column = pa.chunked_array([pa.array(chunk, pa.string()) for chunk in chunks])
    strings = ArrowStrings(column, keep=True)
    strings.WHOLE_AFTER = whole_after
    strings.READ_ONE_BY_ONE_BELOW = one_by_one_below
    assert len(strings) == len(values)
    if values:
        positions = data.draw(st.lists(st.integers(-len(values), len(values) - 1), max_size=8))
        wanted = [values[k] for k in positions]
        taken = np.asarray([k % len(values) for k in positions], dtype=np.int64)
        assert values_at(strings, taken) == wanted == values_at(values, taken)
        # taken from again (made one chunk) and again: the same values
        assert values_at(strings, taken[::-1]) == wanted[::-1]
        assert values_at(strings, taken) == wanted
        assert (strings._taken_from is column) == (one_by_one_below > 0 or len(chunks) == 1)
        assert [strings[k] for k in positions] == [values[k] for k in positions]
        read_whole = len(positions) > max(whole_after, len(values) // 10)
        assert (strings._whole is not None) == read_whole
    start, stop = data.draw(st.integers(-3, 6)), data.draw(st.integers(-3, 6))
    assert strings[start:stop] == values[start:stop]
    assert list(strings) == values and strings.whole() == values
    if values:  # and from the values read whole
        assert values_at(strings, taken) == wanted
    assert strings_array(strings).equals(pa.array(values, TEXT))
    assert ArrowStrings(column).whole() == values


@given(
    st.lists(st.lists(st.one_of(st.none(), st.text(max_size=2)), max_size=20), max_size=4),
    st.integers(0, 9),
)
def test_present_rows_are_the_valid_values(chunks: list[list[str | None]], cut: int) -> None:
    """Read from the validity bitmaps, also of chunks that start inside their buffers."""
    arrays = [pa.array(chunk, pa.string())[min(cut, len(chunk)) :] for chunk in chunks]
    table = pa.table({"former_names": pa.chunked_array(arrays, pa.string())})
    want = [v is not None for a in arrays for v in a.to_pylist()]
    assert present_rows(table, "former_names").tolist() == want
    assert present_rows(table, "aliases").tolist() == [False] * len(want)


@settings(max_examples=100, deadline=None)
@given(dated_datasets(DAYS, SHARES, renames=True), st.sampled_from(DAYS), st.data())
def test_dated_names_taken_at_once_are_those_read_one_by_one(
    data: Dataset, day: dt.date, draw: st.DataObject
) -> None:
    from ownership.columns import DatedNames

    columns = columns_of(data)
    n = len(data.entities)
    chosen = draw.draw(st.lists(st.integers(0, n - 1), max_size=8))
    positions = np.asarray(chosen, dtype=np.int64)
    # read one by one first, or taken first: the same names
    first, second = DatedNames(columns, data.entities, day), DatedNames(columns, data.entities, day)
    one_by_one = [first.at(k) for k in chosen]
    assert second.take(positions) == one_by_one == first.take(positions)
