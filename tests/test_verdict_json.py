"""JSON text assembled by columns is byte for byte what encoding each verdict writes."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ownership import Analysis, analyze, legal, listed_columns, load
from ownership.arrow_text import (
    JSON_SPECIAL,
    BatchTexts,
    _any_json_special_byte,
    any_json_escape,
    by_distinct,
    csv_cells,
    distinct_strings,
    distinct_texts,
    float_json,
    json_strings,
    percent_text,
    round6,
    scaled_text,
)
from ownership.checks import check_dataset
from ownership.io.verdicts import write_json, write_jsonl
from ownership.model import Dataset, Entity
from ownership.rules import RULES
from ownership.verdict_json import LineColumns, write_verdict_lines
from ownership.wording import DOUBLE_STOP

from .factories import dataset, dated_datasets, listed, owns
from .rules.test_golden import CASES, build, case_rule

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "inspur.yaml"
DAYS = [dt.date(2020, 1, 1), dt.date(2025, 10, 1), dt.date(2026, 1, 5), dt.date(2026, 11, 23)]
SHARES = ["0", "10", "33.3", "16.4", "0.3", "50", "0.125", "100", "2.5", "25.00", "66.6667"]
#: Names that JSON escaping, sentence stops and Unicode can trip over.
AWKWARD_NAMES = [
    'Quote "Q" Ltd',
    "Back\\slash Co",
    "Tab\tand\nnewline\x01",
    "Beta Co., Ltd.",
    "Fund No. 2.",
    "Gamma ...",
    "Delta Co.. Holdings",
    "Epsilon Ltd..",
    "株式会社 Ω 😀",
    "Stop.\u00a0",
    "Line\u2028sep.",
    ".",
]


def expected(analysis: Analysis, *, array: bool) -> bytes:
    """The verdicts one by one, encoded as the row writers do."""
    out = io.StringIO()
    (write_json if array else write_jsonl)([v.to_dict() for v in analysis.verdicts()], out)
    return out.getvalue().encode()


def assembled(analysis: Analysis, *, array: bool, batch: int, threads: int = 2) -> bytes:
    out = io.BytesIO()
    write_verdict_lines(analysis, out, array=array, batch=batch, threads=threads)
    return out.getvalue()


@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("day", DAYS, ids=str)
def test_lines_equal_encoded_verdicts_on_the_inspur_fixture(rule: str, day: dt.date) -> None:
    analysis = analyze(load(FIXTURE), rule, day)
    for array in (False, True):
        want = expected(analysis, array=array)
        for batch in (1, 4, 10_000):
            assert assembled(analysis, array=array, batch=batch) == want, (array, batch)
    assert len(want.splitlines()) == len(analysis.dataset.entities) + 2


@pytest.mark.parametrize("rule", sorted(RULES))
def test_lines_are_the_same_with_sets_and_shares_worked_out_a_few_at_a_time(
    rule: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Listed-ancestor sets decoded a few sets (or members) at a time, and legal shares
    summed a few entities at a time, make the same lines."""
    monkeypatch.setattr(listed_columns, "ANCESTOR_SETS_AT_ONCE", 3)
    monkeypatch.setattr(listed_columns, "ANCESTOR_MEMBERS_AT_ONCE", 2)
    monkeypatch.setattr(legal, "BOUNDS_AT_ONCE", 4)
    for day in DAYS:
        analysis = analyze(load(FIXTURE), rule, day)
        assert assembled(analysis, array=False, batch=5) == expected(analysis, array=False)


@given(st.lists(st.integers(0, 9), max_size=40), st.integers(1, 6), st.integers(1, 12))
def test_ancestor_set_chunks_hold_few_sets_and_members(
    members: list[int], sets: int, most: int
) -> None:
    """Chunks follow each other over every set, each with at most ``sets`` sets and at
    most ``most`` members unless it is one set."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(listed_columns, "ANCESTOR_SETS_AT_ONCE", sets)
        patch.setattr(listed_columns, "ANCESTOR_MEMBERS_AT_ONCE", most)
        bounds = listed_columns.chunk_bounds(np.asarray(members, dtype=np.int32))
    assert bounds[0] == 0 and bounds[-1] == len(members)
    for start, end in pairwise(bounds):
        assert 0 < end - start <= sets
        assert end - start == 1 or sum(members[start:end]) <= most


VALID_CASES = [c for c in CASES if "error" not in c["expect"]]


@pytest.mark.parametrize("case", VALID_CASES, ids=[c["name"] for c in VALID_CASES])
def test_lines_equal_encoded_verdicts_on_every_rules_case(case: dict[str, object]) -> None:
    analysis = analyze(build(case), case_rule(case), dt.date.fromisoformat(str(case["as_of"])))
    assert assembled(analysis, array=False, batch=3) == expected(analysis, array=False)


#: Awkward names with no double stop: the explanations are then made as JSON string
#: literals in one join, from names and words escaped beforehand.
ESCAPED_NAMES = [name for name in AWKWARD_NAMES if not DOUBLE_STOP.search(name)]


@st.composite
def awkwardly_named(draw: st.DrawFn, names: list[str] = AWKWARD_NAMES) -> Dataset:
    data = draw(dated_datasets(DAYS, SHARES, renames=True, arrangements=True))
    entities = [
        Entity(**{**e.model_dump(), "name": draw(st.sampled_from([e.name, *names]))})
        for e in data.entities
    ]
    return Dataset(
        entities=entities,
        holdings=data.holdings,
        listings=data.listings,
        arrangements=data.arrangements,
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    awkwardly_named(),
    st.sampled_from(DAYS),
    st.sampled_from(sorted(RULES)),
    st.booleans(),
    st.integers(1, 5),
    st.integers(1, 2),
)
def test_lines_equal_encoded_verdicts_on_random_graphs(
    data: Dataset, day: dt.date, rule: str, array: bool, batch: int, threads: int
) -> None:
    assume(not check_dataset(data))  # overfull stakes or closed rings are refused
    analysis = analyze(data, rule, day)
    assert assembled(analysis, array=array, batch=batch, threads=threads) == expected(
        analysis, array=array
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    awkwardly_named(ESCAPED_NAMES),
    st.sampled_from(DAYS),
    st.sampled_from(sorted(RULES)),
    st.integers(1, 5),
)
def test_explanations_escaped_before_the_join_equal_encoded_verdicts(
    data: Dataset, day: dt.date, rule: str, batch: int
) -> None:
    assume(not check_dataset(data))
    analysis = analyze(data, rule, day)
    assert assembled(analysis, array=False, batch=batch) == expected(analysis, array=False)


def test_explanations_with_escapes_are_made_as_json_in_their_join() -> None:
    """Names that need escaping but hold no double stop take the one-join path (else the
    property test above would test the other); one with a double stop does not."""
    for names, ready in ((ESCAPED_NAMES, True), (AWKWARD_NAMES, False)):
        data = dataset(
            *(Entity(id=f"e{k}", name=name) for k, name in enumerate(names)),
            *(owns("top", f"e{k}", 60) for k in range(len(names))),
            listed("top"),
        )
        analysis = analyze(data, "ofac-50", DAYS[0])
        with ThreadPoolExecutor(1) as pool:
            lines = LineColumns(analysis, "\n", pool)
        assert (lines.json_ready, lines.any_escape) == (ready, True)
        assert assembled(analysis, array=False, batch=4) == expected(analysis, array=False)


@pytest.mark.parametrize("rule", ["ofac-50", "look-through"])
def test_rule_words_that_need_escaping_are_escaped_once(rule: str) -> None:
    """The rule's words and threshold go into every explanation: with names that need
    escaping (the one-join path), a quote or backslash in them is escaped once."""
    data = dataset(
        Entity(id="sub", name='Sub "Q" Co'),
        Entity(id="mid", name="Mid\\Co"),
        owns("top", "mid", 60),
        owns("mid", "sub", 60),
        owns("top", "far", 10),
        listed("top"),
    )
    analysis = analyze(data, rule, DAYS[0])
    analysis.__dict__["rule_when"] = 'a "quoted" rule \\ on a day'
    analysis.__dict__["threshold_text"] = '>= "50%"'
    with ThreadPoolExecutor(1) as pool:
        lines = LineColumns(analysis, "\n", pool)
    assert lines.json_ready and lines.any_escape
    assert assembled(analysis, array=False, batch=2) == expected(analysis, array=False)


def test_an_empty_dataset_is_an_empty_array_or_nothing() -> None:
    analysis = analyze(Dataset(), "bis-affiliates", DAYS[0])
    assert assembled(analysis, array=True, batch=5) == b"[\n]\n" == expected(analysis, array=True)
    assert assembled(analysis, array=False, batch=5) == b""


def test_progress_reaches_the_total() -> None:
    data = dataset(owns("x", "a", 60), owns("a", "b", 60), listed("x"))
    seen: list[tuple[int, int]] = []
    write_verdict_lines(
        analyze(data, "ofac-50", DAYS[0]), io.BytesIO(), batch=1, progress=lambda *p: seen.append(p)
    )
    assert seen[-1] == (3, 3) and [done for done, _ in seen] == sorted(done for done, _ in seen)


@given(st.lists(st.floats(0, 100, allow_nan=False), max_size=50))
def test_numbers_are_written_as_python_writes_them(values: list[float]) -> None:
    array = np.asarray(values, dtype=np.float64)
    assert round6(array).tolist() == [round(x, 6) for x in values]
    assert float_json(array).to_pylist() == [repr(x) for x in values]
    percents = [f"{x:.2f}".rstrip("0").rstrip(".") + "%" for x in values]
    assert percent_text(array).to_pylist() == percents


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from([0.0, -0.0, 50.0, 1e-7, 33.3333335, 100.0]), max_size=20),
    st.lists(st.floats(-1e9, 1e9, allow_nan=False), max_size=20),
    st.integers(4_096, 9_000),
)
def test_texts_made_once_per_distinct_value_equal_a_text_per_row(
    common: list[float], rare: list[float], size: int
) -> None:
    """Columns long enough to be made by distinct value: the same texts, -0.0 apart."""
    values = np.resize(np.asarray([*common, *rare, 0.0], dtype=np.float64), size)
    for make in (lambda x: float_json(round6(x)), percent_text):
        assert by_distinct(values, make).equals(make(values))
    scaled = np.rint(values * 1000).astype(np.int64)
    made = by_distinct(scaled, lambda x: scaled_text(x, 10_000))
    assert made.equals(scaled_text(scaled, 10_000))
    # other texts of the same values, numbered alike, and a batch of rows taken
    first = distinct_texts(values, lambda x: float_json(round6(x)))
    again = first.remade(values, percent_text)
    assert again.every().equals(percent_text(values))
    assert again.slice(size - 7, 5).equals(percent_text(values[size - 7 : size - 2]))
    assert np.array_equal(again.codes, first.codes) if first.codes is not None else True


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(5_000, 9_000))
def test_values_among_many_distinct_ones_are_numbered_one_number_per_bit_pattern(
    seed: int, drawn: int
) -> None:
    """Each distinct value (bit for bit: -0.0 apart from 0.0) has one number of its own,
    and each row's text is its value's."""
    rng = np.random.default_rng(seed)
    choices = np.append(rng.uniform(-100, 100, drawn - 2), [0.0, -0.0])
    values = choices[rng.integers(0, drawn, 3 * drawn)]
    made = distinct_texts(values, lambda x: float_json(round6(x)))
    assert made.codes is not None
    keys = values.view(np.int64)
    pairs = np.unique(np.stack([made.codes.astype(np.int64), keys]), axis=1)
    assert pairs.shape[1] == np.unique(keys).size == np.unique(made.codes).size
    zero, minus_zero = (np.flatnonzero(keys == np.float64(z).view(np.int64)) for z in (0, -0.0))
    if zero.size and minus_zero.size:
        assert made.codes[zero[0]] != made.codes[minus_zero[0]]
    assert made.every().equals(float_json(round6(values)))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.text(max_size=6)), max_size=12),
    st.integers(0, 12),
    st.integers(0, 12),
    st.booleans(),
)
def test_strings_are_escaped_exactly_when_a_byte_asks_for_it(
    values: list[str | None], start: int, length: int, large: bool
) -> None:
    """The one pass over the bytes finds a character to escape whenever one of the
    strings of a slice (chunk offsets included) has one, and strings come out as
    json.dumps writes them either way."""
    text = pa.array(values, pa.large_string() if large else pa.string()).slice(start, length)
    strings_of = [v for v in text.to_pylist() if v is not None]
    if any(re.search(JSON_SPECIAL, v) for v in strings_of):
        assert _any_json_special_byte(text)
    assert json_strings(text.cast(pa.large_string())).to_pylist() == [
        "null" if v is None else json.dumps(v, ensure_ascii=False) for v in text.to_pylist()
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.text(max_size=6)), min_size=1, max_size=12),
    st.integers(0, 12),
    st.integers(0, 12),
    st.lists(st.integers(0, 11), max_size=8),
)
def test_a_batch_of_texts_is_that_part_of_the_whole_columns(
    values: list[str | None], start: int, length: int, picked: list[int]
) -> None:
    """Names are made into JSON for the rows a batch asks for: the same literals as the
    whole column's, and a column needs escaping exactly when json.dumps escapes more
    than quotes."""
    text = pa.array(values, pa.large_string())
    whole = json_strings(text)
    batch = BatchTexts(text, json_strings)
    assert batch.slice(start, length).equals(whole.slice(start, length))
    rows = pa.array([k % len(values) for k in picked], pa.int64())
    assert batch.take(rows).equals(whole.take(rows))
    cells = BatchTexts(text, csv_cells)  # and CSV cells, with their quotes and marks
    assert cells.slice(start, length).equals(csv_cells(text).slice(start, length))
    # and texts made once per distinct string, missing values included
    for make in (json_strings, csv_cells):
        assert distinct_strings(values, make).every().equals(make(text))
    escaped = any(json.dumps(v, ensure_ascii=False) != f'"{v}"' for v in values if v is not None)
    assert any_json_escape(text) == escaped


@pytest.mark.parametrize("value", [0.0, 1e-7, 2.5e-6, 0.125, 0.005, 1.005, 33.3333335, 100.0])
def test_ties_and_tiny_numbers_are_written_as_python_writes_them(value: float) -> None:
    array = np.asarray([value])
    assert round6(array).tolist() == [round(value, 6)]
    assert float_json(array).to_pylist() == [repr(value)]
    assert percent_text(array).to_pylist() == [f"{value:.2f}".rstrip("0").rstrip(".") + "%"]


@pytest.mark.parametrize("rule", sorted(RULES))
def test_awkward_names_in_chains_and_owners_come_out_as_encoded(rule: str) -> None:
    named = [Entity(id=f'n"{k}\\', name=name) for k, name in enumerate(AWKWARD_NAMES)]
    links = [owns(a.id, b.id, 60) for a, b in pairwise(named)]
    side = owns(named[3].id, "side", 30)
    data = dataset(*named, *links, side, listed(named[0].id), listed(named[5].id))
    for day in DAYS:
        analysis = analyze(data, rule, day)
        assert assembled(analysis, array=False, batch=2) == expected(analysis, array=False)


@pytest.mark.parametrize("name", ["Sub Ltd.", "Sub-.", 'Sub "Q" Ltd.', "Sub Co.. Ltd"])
def test_a_name_that_ends_the_chain_sentence_keeps_one_stop(name: str) -> None:
    """Unless a name needs escaping or has a double stop of its own, the explanation is
    pieced without a pass over its text; the chain's last name still ends the sentence
    as the row-by-row explanation has it."""
    data = dataset(Entity(id="sub", name=name), owns("top", "sub", 60), listed("top"))
    analysis = analyze(data, "ofac-50", DAYS[0])
    assert assembled(analysis, array=False, batch=4) == expected(analysis, array=False)
    chain = analysis.verdict("sub").explanation.split("Chain: ")[1].split(" Look-through")[0]
    single = name.replace("Co..", "Co.")
    assert chain == "TOP -> " + (single if single.endswith("d.") else single + ".")
