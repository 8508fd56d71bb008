"""``analyze --format csv`` assembled by columns gives the bytes of the rows one by one."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ownership import Analysis, analyze, load
from ownership.arrow_text import cat, csv_cell_parts, csv_cells, strings
from ownership.checks import check_dataset
from ownership.io.cells import FORMULA_START
from ownership.io.verdicts import write_csv, write_jsonl
from ownership.model import Dataset, Entity
from ownership.rules import RULES, get_rule
from ownership.rules.base import Window
from ownership.verdict import Status
from ownership.verdict_json import LineColumns, write_verdict_csv, write_verdict_lines

from .factories import dataset, listed, owns
from .rules.test_golden import build, case_rule
from .test_verdict_json import AWKWARD_NAMES, DAYS, FIXTURE, VALID_CASES, awkwardly_named

#: Cells the CSV writer quotes, escapes or marks against formulas, and some it leaves.
AWKWARD_CELLS = [
    *AWKWARD_NAMES,
    "=HYPERLINK(1)",
    "+1",
    "-x",
    "@SUM",
    "\tTab first",
    "\rReturn first",
    "a,b",
    'say "hi"',
    "two\nlines",
    "crlf\r\nend",
    "'quoted already",
    "",
    " spaced ",
    "\x1b[31mred",
    "\x85next line",
]


def expected(analysis: Analysis) -> bytes:
    """The verdicts one by one, written by the row writer."""
    out = io.StringIO()
    write_csv([v.to_dict() for v in analysis.verdicts()], out)
    return out.getvalue().encode()


def assembled(analysis: Analysis, *, batch: int, threads: int = 2) -> bytes:
    out = io.BytesIO()
    write_verdict_csv(analysis, out, batch=batch, threads=threads)
    return out.getvalue()


def test_cells_are_written_as_the_csv_writer_writes_them() -> None:
    for cell in [*AWKWARD_CELLS, None]:
        out = io.StringIO()
        write_csv([{"id": cell, "name": "x"}], out, columns=["id", "name"])
        found = csv_cells(strings([cell])).to_pylist()[0]
        assert out.getvalue() == f"id,name\n{found},x\n", repr(cell)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.sampled_from(AWKWARD_CELLS), st.text(max_size=5)), max_size=10
    ),
    st.integers(0, 10),
    st.integers(0, 10),
)
def test_a_column_of_cells_is_written_as_the_csv_writer_writes_each(
    cells: list[str | None], start: int, length: int
) -> None:
    """Whole columns, sliced: what one cell needs (escapes, quotes, a formula mark) is
    looked for over the column's bytes at once, and the others are left as they are."""
    column = strings(cells).slice(start, length)
    out = io.StringIO()
    chosen = column.to_pylist()
    write_csv([{"id": cell, "name": "x"} for cell in chosen], out, columns=["id", "name"])
    found = csv_cells(column).to_pylist()
    assert out.getvalue() == "id,name\n" + "".join(f"{cell},x\n" for cell in found)
    # told which cells hold a comma or a quote, the others are searched: the same cells
    told = np.array([c is not None and ("," in c or '"' in c) for c in chosen], dtype=bool)
    for quoted in (told, told & (np.arange(told.size) % 2 == 0)):
        quote, body = csv_cell_parts(column, quoted=quoted)
        assert cat(quote, body, quote).to_pylist() == found


def test_formula_starts_are_characters_of_one_byte() -> None:
    """The column writer finds them by a cell's first byte alone."""
    assert all(len(c.encode()) == 1 and c != "\0" for c in FORMULA_START)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(AWKWARD_CELLS), min_size=1, max_size=12), st.data())
def test_formula_marks_are_found_in_a_slice_with_no_missing_cell(
    cells: list[str], data: st.DataObject
) -> None:
    """A slice with no missing cell keeps its place in the column's buffers: the first
    byte of each of its cells, not of the column's first cells, says if it is marked."""
    start = data.draw(st.integers(0, len(cells) - 1))
    column = strings(["=first", *cells]).slice(1 + start)
    out = io.StringIO()
    write_csv([{"id": cell} for cell in cells[start:]], out, columns=["id"])
    found = csv_cells(column).to_pylist()
    assert out.getvalue() == "id\n" + "".join(f"{cell}\n" if cell else '""\n' for cell in found)


@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("day", DAYS, ids=str)
def test_csv_equals_the_rows_one_by_one_on_the_inspur_fixture(rule: str, day: dt.date) -> None:
    analysis = analyze(load(FIXTURE), rule, day)
    want = expected(analysis)
    for batch in (1, 4, 10_000):
        assert assembled(analysis, batch=batch) == want, batch
    assert want.count(b"\n") >= len(analysis.dataset.entities) + 1


@pytest.mark.parametrize("in_force", [True, False])
@pytest.mark.parametrize(
    "words", ["a note, with a comma", 'a "quoted" note', "a note\non two lines", "plain note"]
)
def test_closing_sentences_that_put_a_cell_in_quotes_are_quoted_on_clear_rows(
    in_force: bool, words: str
) -> None:
    """A clear row's cell is quoted or not from its parts' own answers (name, words,
    closing sentences), not searched for: a window's note (said only in a closing
    sentence) that holds a comma, a quote or a line break quotes every row whose
    explanation closes with it."""
    window = Window(start=None, end=None, in_force=in_force, label="in force" if in_force
                    else "stayed", verified=False, note=words)  # fmt: skip
    rule = dataclasses.replace(get_rule("bis-affiliates"), windows=(window,))
    # names with nothing a cell is quoted for: the closing sentences alone decide
    data = dataset(owns("parent", "plain", 30), owns("other", "plain", 10),
                   listed("parent", "entity_list"), Entity(id="alone", name="Alone Ltd"))  # fmt: skip
    analysis = analyze(data, rule, DAYS[-1])
    clear = [v for v in analysis.verdicts() if v.status is Status.clear]
    assert len(clear) == 2 and all(words in v.explanation for v in clear)
    want = expected(analysis)
    for batch in (1, 5, 10_000):
        assert assembled(analysis, batch=batch) == want, batch


@pytest.mark.parametrize("case", VALID_CASES, ids=[c["name"] for c in VALID_CASES])
def test_csv_equals_the_rows_one_by_one_on_every_rules_case(case: dict[str, object]) -> None:
    analysis = analyze(build(case), case_rule(case), dt.date.fromisoformat(str(case["as_of"])))
    assert assembled(analysis, batch=3) == expected(analysis)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    awkwardly_named(),
    st.sampled_from(DAYS),
    st.sampled_from(sorted(RULES)),
    st.integers(1, 5),
    st.integers(1, 2),
)
def test_csv_equals_the_rows_one_by_one_on_random_graphs(
    data: Dataset, day: dt.date, rule: str, batch: int, threads: int
) -> None:
    assume(not check_dataset(data))  # overfull stakes or closed rings are refused
    analysis = analyze(data, rule, day)
    assert assembled(analysis, batch=batch, threads=threads) == expected(analysis)


@pytest.mark.parametrize("plain_names", [False, True], ids=["awkward-names", "plain-names"])
@pytest.mark.parametrize("rule", sorted(RULES))
def test_awkward_ids_and_names_in_every_column_come_out_as_the_row_writer_has_them(
    rule: str, plain_names: bool
) -> None:
    """Awkward ids in the id, chain, nearest and listed-ancestor columns; with plain names,
    the explanations take the path that skips the passes names never need."""
    named = [
        Entity(id=f"{cell}{k}", name=f"Name {k}" if plain_names else cell or "x")
        for k, cell in enumerate(AWKWARD_CELLS)
    ]
    links = [owns(a.id, b.id, 60) for a, b in pairwise(named)]
    side = owns(named[3].id, "side", 30)
    data = dataset(*named, *links, side, listed(named[0].id), listed(named[5].id))
    for day in DAYS:
        analysis = analyze(data, rule, day)
        assert assembled(analysis, batch=2) == expected(analysis)


def test_an_empty_dataset_is_the_header_alone() -> None:
    analysis = analyze(Dataset(), "bis-affiliates", DAYS[0])
    assert assembled(analysis, batch=5) == expected(analysis)
    assert assembled(analysis, batch=5).count(b"\n") == 1


@pytest.mark.parametrize("places", [17, 20])
def test_shares_past_what_int64_holds_are_written_row_by_row_alike(tmp_path, places) -> None:
    from .test_exact_shares import dataset_file

    data = load(dataset_file(tmp_path, "33." + "3" * places))
    for rule in ("ofac-50", "look-through"):
        analysis = analyze(data, rule, "2025-01-01")
        assert analysis.compiled.low.dtype == object  # the row-by-row path
        assert assembled(analysis, batch=2) == expected(analysis)
        assert ("33." + "3" * places).encode() in assembled(analysis, batch=2)


#: Programs and citations a listed entity's explanation names, as awkward as names get.
AWKWARD_LISTING_TEXTS = ['Prog "Q"', "Back\\slash", "Tab\tand\nline", "No. 2..", "a, b", "株式 😀"]


@pytest.mark.parametrize("text", AWKWARD_LISTING_TEXTS)
@pytest.mark.parametrize("rule", ["ofac-50", "bis-affiliates"])
def test_listed_rows_made_by_columns_name_awkward_listings_as_encoded(text: str, rule: str) -> None:
    """Listed rows are made by columns with their listings and lists: JSON, the JSON
    array and CSV equal the verdicts encoded one by one, whatever the listing holds."""
    list_id = "sdn" if rule == "ofac-50" else "entity_list"
    data = dataset(
        owns("top", "sub", 60),
        owns("other", "sub", 10),
        listed("top", list_id, program=text, citation=text),
        listed("top", list_id, citation="90 FR 1"),
        listed("other", list_id, program="P", citation=f"{text} x"),
    )
    analysis = analyze(data, rule, DAYS[0])
    assert analysis.verdict("top").status.value == "listed"
    with ThreadPoolExecutor(1) as pool:
        lines = LineColumns(analysis, "\n", pool)
    top = analysis.compiled.index["top"]
    assert lines.listed is not None and lines.listed.by_columns[top] and not lines.by_row[top]
    assert assembled(analysis, batch=2) == expected(analysis)
    out = io.BytesIO()
    write_verdict_lines(analysis, out, batch=2)
    lines = io.StringIO()
    write_jsonl([v.to_dict() for v in analysis.verdicts()], lines)
    assert out.getvalue() == lines.getvalue().encode()


@given(
    st.one_of(
        st.text(max_size=12),
        st.lists(st.text(max_size=4), max_size=3),
        st.integers(),
        st.none(),
    )
)
def test_a_cell_is_written_as_the_csv_module_writes_it_among_others(value: object) -> None:
    from ownership.io.verdicts import csv_cell, csv_line

    assert csv_line({"a": value, "b": "x"}, ["a", "b"]) == csv_cell(value) + ",x\n"
