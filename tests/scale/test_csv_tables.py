"""The scale engines read a native CSV folder themselves: the tables they make equal the
tables of the dataset the default loader reads, and a cell they cannot read is refused
in one line naming the file, the row and the column."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import ownership
from ownership.columns import columns_of
from ownership.errors import OwnershipError
from ownership.io import save
from ownership.rules import get_rule
from tests.rules.test_properties import graphs

pytest.importorskip("duckdb")

from ownership.scale.csv_tables import read_csv_folder
from ownership.scale.duckdb_engine import DuckDBExecutor, connect
from ownership.scale.run import analyze_at_scale
from ownership.scale.tables import tables_of

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
TABLES = ("entities", "holdings", "listings")


def read_tables(executor, fetch, folder: Path) -> dict[str, list[dict]]:
    read_csv_folder(executor, folder)
    return {name: fetch(f"SELECT * FROM {name}") for name in TABLES}


def duckdb_tables(folder: Path) -> dict[str, list[dict]]:
    executor = DuckDBExecutor(connect())

    def fetch(query):
        cursor = executor.con.execute(query)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    return read_tables(executor, fetch, folder)


def loaded_tables(folder: Path) -> dict[str, list[dict]]:
    tables = tables_of(columns_of(ownership.load(folder, allow_conflicts=True)))
    return {name: getattr(tables, name).to_pylist() for name in TABLES}


def assert_same_tables(found: dict[str, list[dict]], wanted: dict[str, list[dict]]) -> None:
    """Equal rows, in any order for holdings and listings; provenance numbers may differ,
    but must group the holdings alike (only equality of provenance counts)."""
    assert found["entities"] == sorted(wanted["entities"], key=lambda r: r["id"])
    for name in ("holdings", "listings"):
        rows, want = found[name], wanted[name]
        assert len(rows) == len(want)

        def plain(row):
            return tuple((k, row[k]) for k in sorted(row) if k != "provenance")

        assert sorted(map(plain, rows)) == sorted(map(plain, want)), name
    if found["holdings"]:

        def grouping(rows):
            by_plain: dict[tuple, list[int]] = {}
            for row in rows:
                key = tuple((k, row[k]) for k in sorted(row) if k != "provenance")
                by_plain.setdefault(key, []).append(row["provenance"])
            numbers = sorted(by_plain)
            # the pattern of which rows share a provenance, renumbered by first sight
            seen: dict[int, int] = {}
            return [[seen.setdefault(p, len(seen)) for p in sorted(by_plain[k])] for k in numbers]

        assert grouping(found["holdings"]) == grouping(wanted["holdings"])


def test_the_walkthrough_folder_reads_as_the_default_loader_reads_it():
    folder = FIXTURES / "byod"
    assert_same_tables(duckdb_tables(folder), loaded_tables(folder))


def test_the_bundled_data_written_as_csv_reads_back_the_same(tmp_path):
    save(ownership.load(ownership.bundled_dataset()), tmp_path / "inspur")
    assert_same_tables(duckdb_tables(tmp_path / "inspur"), loaded_tables(tmp_path / "inspur"))


def test_the_generated_10k_folder_reads_as_the_default_loader_reads_it(generated_folder_10k):
    found = duckdb_tables(generated_folder_10k)
    assert len(found["entities"]) == 10_000
    assert_same_tables(found, loaded_tables(generated_folder_10k))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_random_messy_graphs_read_back_the_same(tmp_path_factory, dataset):
    folder = tmp_path_factory.mktemp("graph")
    save(dataset, folder / "data")
    assert_same_tables(duckdb_tables(folder / "data"), loaded_tables(folder / "data"))


def test_a_run_on_the_folder_writes_what_a_run_on_the_loaded_dataset_writes(tmp_path):
    folder = FIXTURES / "byod"
    rule, day = get_rule("bis-affiliates"), dt.date(2025, 10, 1)
    from_folder = analyze_at_scale(folder, rule, day, output=tmp_path / "a.csv")
    loaded = analyze_at_scale(ownership.load(folder), rule, day, output=tmp_path / "b.csv")
    assert from_folder.counts == loaded.counts
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


# ------------------------------------------------------------------ cells refused


def folder_with(tmp_path: Path, section: str, row: int, column: str, value: str) -> Path:
    """The walkthrough folder with one cell changed (``row`` counted from 1)."""
    folder = tmp_path / "data"
    shutil.copytree(FIXTURES / "byod", folder)
    path = folder / f"{section}.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
        names = list(rows[0])
    rows[row - 1][column] = value
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=names)
        writer.writeheader()
        writer.writerows(rows)
    return folder


REFUSED = [
    ("entities", 2, "id", "", "row 2, id empty: every entity needs an id"),
    ("entities", 3, "id", "northwind", "id 'northwind' is on more than one row (row 1 first)"),
    ("entities", 2, "id", "nw-holdings ", "row 2, id 'nw-holdings ': take the spaces off"),
    ("entities", 4, "country", "China", "row 4, country 'China': write a two-letter code"),
    ("holdings", 3, "owner", "nobody", "row 3, owner 'nobody': is not an id in entities.csv"),
    ("holdings", 1, "owned", "northwind", "row 1, owned 'northwind': an entity cannot hold"),
    ("holdings", 2, "kind", "shares", "row 2, kind 'shares': write ownership or control"),
    ("holdings", 2, "percent", "45%", "row 2, percent '45%': a number from 0 to 100"),
    ("holdings", 2, "percent", "100.5", "row 2, percent '100.5': a number from 0 to 100"),
    ("holdings", 2, "percent", "0." + "1" * 19, "a number from 0 to 100 with at most 18"),
    ("holdings", 2, "minimum", "10", "row 2, percent '45': give percent or a range"),
    ("holdings", 2, "start", "2018-02-30", "row 2, start '2018-02-30': write a date as"),
    ("holdings", 2, "start", "0000-01-01", "row 2, start '0000-01-01': write a date as"),
    ("holdings", 2, "end", "2017-01-01", "row 2, start '2018-06-01': the start must not"),
    ("holdings", 2, "sources", '["a;b"]', "row 2, sources '[\"a;b\"]': write the sources"),
    ("listings", 1, "entity", "nobody", "row 1, entity 'nobody': is not an id in entities"),
    ("listings", 2, "list", "", "row 2, list empty: name the list"),
    ("listings", 2, "program", " NPWMD", "row 2, program ' NPWMD': take the spaces off"),
]


@pytest.mark.parametrize(("section", "row", "column", "value", "message"), REFUSED)
def test_a_cell_the_engines_cannot_read_is_refused_naming_file_row_and_column(
    tmp_path, section, row, column, value, message
):
    folder = folder_with(tmp_path, section, row, column, value)
    with pytest.raises(OwnershipError) as raised:
        duckdb_tables(folder)
    assert str(raised.value).startswith(str(folder / f"{section}.csv") + ": ")
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_range_with_no_room_is_refused(tmp_path):
    folder = folder_with(tmp_path, "holdings", 2, "percent", "")
    path = folder / "holdings.csv"
    text = path.read_text(encoding="utf-8").replace(
        "northwind,nw-micro,,,,,,,", "northwind,nw-micro,,,,40,,40,"
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OwnershipError, match=r"row 2, share range '40 to 40': the lower bound"):
        duckdb_tables(folder)


def test_unknown_and_repeated_columns_are_refused(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(FIXTURES / "byod", folder)
    path = folder / "listings.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0] + ",reason", *lines[1:]]) + "\n", encoding="utf-8")
    with pytest.raises(OwnershipError, match="unknown column 'reason'; the columns are entity"):
        duckdb_tables(folder)
    path.write_text("entity,list,list\nnorthwind,sdn,sdn\n", encoding="utf-8")
    with pytest.raises(OwnershipError, match="column 'list' is in the header twice"):
        duckdb_tables(folder)
    path.write_text("entity,program\nnorthwind,x\n", encoding="utf-8")
    with pytest.raises(OwnershipError, match="no column 'list'; add it to the header"):
        duckdb_tables(folder)


def test_cells_quoted_against_spreadsheets_read_back_as_written(tmp_path):
    """The native writer quotes ids such as ``=x``; the engines take the quote off."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "entities.csv").write_text(
        "id,name\n'=parent,P\n'-child,C\n''=odd,O\n", encoding="utf-8"
    )
    (folder / "holdings.csv").write_text(
        "owner,owned,percent\n'=parent,'-child,60\n'=parent,''=odd,10\n", encoding="utf-8"
    )
    (folder / "listings.csv").write_text("entity,list\n'=parent,sdn\n", encoding="utf-8")
    found = duckdb_tables(folder)
    assert [e["entity_id"] for e in found["entities"]] == ["=parent", "-child", "'=odd"]
    assert_same_tables(found, loaded_tables(folder))


def test_a_cell_with_a_line_break_keeps_the_rows_in_file_order(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "entities.csv").write_text(
        'id,name,note\na,A,"two\nlines"\nb,B,\nc,C,"and\r\nthree\nlines"\nd,D,\n',
        encoding="utf-8",
    )
    (folder / "holdings.csv").write_text("owner,owned,percent\na,d,50.5\n", encoding="utf-8")
    found = duckdb_tables(folder)
    assert [(e["id"], e["entity_id"]) for e in found["entities"]] == list(enumerate("abcd"))
    assert found["listings"] == []
    assert_same_tables(found, loaded_tables(folder))


# ------------------------------------------------------------------ fuzzing the cells

SHARE_CELLS = st.one_of(
    st.sampled_from(
        ["", "0", "50", "50.0", "100", "100.0", "33.333333333333333333", "1e2", " 50", "50 ",
         "-5", "+5", "50%", "0050", ".5", "5.", "1,5", "101", "100.000000000000000001"]
    ),
    st.decimals(min_value=0, max_value=100, places=3).map(str),
    st.text(alphabet="0123456789.-e %", max_size=6),
)  # fmt: skip
DATE_CELLS = st.one_of(
    st.sampled_from(
        ["", "2020-01-01", "2024-02-29", "2023-02-29", "2020-13-01", "2020-1-1", "0000-01-01",
         "0001-01-01", "9999-12-31", "2020-01-01T00:00", " 2020-01-01", "20200101"]
    ),
    st.dates().map(dt.date.isoformat),
)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    share=SHARE_CELLS,
    column=st.sampled_from(["percent", "minimum", "exclusiveMaximum"]),
    start=DATE_CELLS,
    end=DATE_CELLS,
    sources=st.sampled_from(["", "a", "a; b", "b;a", " a ;;b ", "a\u00a0; b", "[1]"]),
)
def test_any_share_or_date_cell_is_read_as_the_default_loader_reads_it_or_refused(
    tmp_path_factory, share, column, start, end, sources
):
    """Fuzzed cells: whenever both the engines and the default loader read the folder,
    they make the same tables; the engines never fail other than by a refusal."""
    folder = tmp_path_factory.mktemp("cells")
    (folder / "entities.csv").write_text("id,name\np,P\nq,Q\nr,R\n", encoding="utf-8")
    with (folder / "holdings.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["owner", "owned", column, "start", "end", "sources"])
        writer.writerow(["p", "q", share, start, end, sources])
        writer.writerow(["q", "r", "60", "", "", "a;b"])
        writer.writerow(["p", "r", "10", "", "", "b; a"])
    try:
        found = duckdb_tables(folder)
    except OwnershipError:
        event("the engines refuse")
        return
    try:
        wanted = loaded_tables(folder)
    except ownership.DataError:
        event("only the default loader refuses")
        return
    event("both read")
    assert_same_tables(found, wanted)


# ------------------------------------------------------------------ real third-party data

REAL = Path(__file__).resolve().parents[1] / "data" / "real"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def real_files() -> list[Path]:
    """The committed real files, and those beside the project when it is there."""
    found = [p for p in sorted(REAL.iterdir()) if p.name != "README.md"]
    for folder in (SHARED / "real", *sorted((SHARED / "samples").glob("*"))):
        if folder.is_dir():
            found += [p for p in sorted(folder.iterdir()) if p.suffix.lower() != ".md"]
    return found


@pytest.mark.parametrize("path", real_files(), ids=lambda p: p.name)
def test_real_files_written_as_a_csv_folder_read_back_as_the_loader_reads_them(tmp_path, path):
    """What other publishers' files hold (names and ids in many scripts, dates, bands,
    several sources) survives the engines' reading of the native CSV folder."""
    save(ownership.load(path), tmp_path / "data")
    assert_same_tables(duckdb_tables(tmp_path / "data"), loaded_tables(tmp_path / "data"))
