"""``ownership analyze --engine duckdb``: output files, the Parquet table folder, and the
refusals a user can meet."""

from __future__ import annotations

import csv
import io

import pytest

from tests.test_cli import run

pytest.importorskip("duckdb")


def default_rows(*options: str) -> dict[str, dict[str, str]]:
    code, out, _ = run("analyze", "--format", "csv", *options)
    assert code == 0
    return {row["id"]: row for row in csv.DictReader(io.StringIO(out))}


def test_csv_verdicts_equal_the_default_engines(tmp_path):
    options = ("--rule", "bis-affiliates", "--as-of", "2025-10-01")
    out = tmp_path / "v.csv"
    code, stdout, _ = run("analyze", "--engine", "duckdb", *options, "-o", str(out))
    assert code == 0 and "18 entities: 11 listed, 0 covered, 5 exposed, 2 clear" in stdout
    expected = default_rows(*options)
    found = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["id"] for r in found] == list(expected)
    for row in found:
        want = expected[row["id"]]
        for column in ("status", "flags", "legal_percent", "legal_percent_max", "chain"):
            assert row[column] == want[column], (row["id"], column)
        assert row["nearest_listed"] == want["nearest_listed"]


def test_a_parquet_table_folder_gives_the_same_parquet_verdicts(tmp_path):
    import pyarrow.parquet as pq

    folder = tmp_path / "tables"
    assert run("export", str(folder), "--format", "tables")[0] == 0
    options = ("--rule", "bis-affiliates", "--as-of", "2025-10-01", "--engine", "duckdb")
    from_folder, from_data = tmp_path / "a.parquet", tmp_path / "b.parquet"
    assert run("analyze", *options, "--data", str(folder), "-o", str(from_folder))[0] == 0
    assert run("analyze", *options, "-o", str(from_data))[0] == 0
    table = pq.read_table(from_folder)
    assert table.equals(pq.read_table(from_data))
    chains = dict(zip(table["id"].to_pylist(), table["chain"].to_pylist(), strict=True))
    assert chains["inspur-group"] == ["inspur-group"]  # a list, not text


def test_a_limited_memory_and_temp_directory_are_used(tmp_path):
    code, out, _ = run(
        "analyze", "--engine", "duckdb", "--memory-limit", "200MB",
        "--temp-directory", str(tmp_path / "spill"), "-f", "csv",
    )  # fmt: skip
    assert code == 0 and out.startswith("id,status,flags,")
    assert (tmp_path / "spill").is_dir()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--engine", "duckdb", "--rule", "uk"), "per-person rules"),
        (("--engine", "duckdb", "-f", "json"), "writes csv or parquet"),
        (("--engine", "spark", "-f", "csv"), "give it with --output"),
        (("--memory-limit", "1GB"), "--memory-limit goes with --engine"),
        (("--engine", "duckdb", "--memory-limit", "1'GB"), "takes a size such as 4GB"),
        (("--engine", "duckdb", "--temp-directory", "a'b"), "cannot contain a quote"),
    ],
)
def test_refusals_are_one_line(args, message):
    code, _, err = run("analyze", *args)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_the_generators_tables_are_the_export_of_its_csv_folder(tmp_path):
    import pyarrow.parquet as pq

    import ownership
    from ownership.columns import columns_of
    from ownership.scale.tables import TABLE_FILES, tables_of
    from tests.scale.conftest import generator

    module = generator()
    generate, write_folder, write_tables = module.generate, module.write_folder, module.write_tables
    graph = generate(3_000, seed=11, dated_holdings=0.3)
    write_folder(graph, tmp_path / "csv", quiet=True)
    write_tables(graph, tmp_path / "tables")
    exported = tables_of(columns_of(ownership.load(tmp_path / "csv")))
    for name, file in TABLE_FILES.items():
        assert pq.read_table(tmp_path / "tables" / file).equals(getattr(exported, name)), name


def write_folder(tmp_path, entities, holdings, listings):
    """A native CSV folder from rows (header first)."""
    folder = tmp_path / "data"
    folder.mkdir()
    for name, rows in (("entities", entities), ("holdings", holdings), ("listings", listings)):
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
    return folder


def test_csv_cells_are_quoted_against_formulas_as_the_default_engine_does(tmp_path):
    folder = write_folder(
        tmp_path,
        [["id", "name"], ["=HYPERLINK(1)", "A"], ["sub", "B"], ["-2+3", "C"]],
        [["owner", "owned", "percent"], ["=HYPERLINK(1)", "sub", "60"], ["sub", "-2+3", "60"]],
        [["entity", "list"], ["=HYPERLINK(1)", "sdn"]],
    )
    options = ("--data", str(folder), "--rule", "ofac-50", "--as-of", "2024-01-01", "-f", "csv")
    code, out, _ = run("analyze", *options, "--engine", "duckdb")
    assert code == 0
    found = list(csv.DictReader(io.StringIO(out)))
    expected = default_rows(*options)
    for row in found:
        want = expected[row["id"]]
        for column in ("id", "nearest_listed", "chain", "status"):
            assert row[column] == want[column], column
    assert found[0]["id"] == "'=HYPERLINK(1)"


def test_control_characters_in_ids_refuse_csv_but_not_parquet(tmp_path):
    folder = write_folder(
        tmp_path,
        [["id", "name"], ["a\x1bb", "A"], ["c", "C"]],
        [["owner", "owned", "percent"], ["a\x1bb", "c", "60"]],
        [["entity", "list"], ["a\x1bb", "sdn"]],
    )
    options = ("--data", str(folder), "--engine", "duckdb", "--rule", "ofac-50")
    code, _, err = run("analyze", *options, "-f", "csv")
    assert code == 2 and "control character" in err and "Parquet" in err
    assert run("analyze", *options, "-o", str(tmp_path / "v.parquet"))[0] == 0


@pytest.fixture
def tables(tmp_path):
    folder = tmp_path / "tables"
    assert run("export", str(folder), "--format", "tables")[0] == 0
    return folder


def rewrite(folder, name, change):
    import pyarrow.parquet as pq

    path = folder / f"{name}.parquet"
    pq.write_table(change(pq.read_table(path)), path)


def set_column(name, values):
    import pyarrow as pa

    def change(table):
        index = table.schema.get_field_index(name)
        return table.set_column(index, name, pa.array(values, type=table.schema.field(name).type))

    return change


@pytest.mark.parametrize(
    ("table", "change", "message"),
    [
        ("holdings", lambda t: set_column("owned", [99] * t.num_rows)(t), "names no entity"),
        ("holdings", lambda t: set_column("low", [None] * t.num_rows)(t), ": low must be a value"),
        (
            "holdings",
            lambda t: set_column("owner", t["owned"].to_pylist())(t),
            ": owned must be an entity other than the owner",
        ),
        ("entities", lambda t: set_column("entity_id", ["s"] * t.num_rows)(t), "more than once"),
        ("entities", lambda t: set_column("id", list(range(1, t.num_rows + 1)))(t), "0 to"),
        (
            "listings",
            lambda t: set_column("entity", [-1] * t.num_rows)(t),
            ": entity must be an entity number",
        ),
        (
            "holdings",
            lambda t: set_column("end_day", [0] * t.num_rows)(t),
            ": start_day must be at most end_day",
        ),
        (
            "listings",
            lambda t: set_column("program", [None] * t.num_rows)(t).drop_columns(["list_id"]),
            "no column 'list_id'",
        ),
        ("listings", lambda t: t.drop_columns(["list_id"]), "no column 'list_id'"),
        (
            "holdings",
            lambda t: t.drop_columns(["low"]).append_column("low", t["owner"]),
            "column 'low' is int64",
        ),
    ],
)
def test_a_broken_table_folder_is_refused_in_one_line(tables, table, change, message):
    rewrite(tables, table, change)
    code, _, err = run("analyze", "--engine", "duckdb", "--data", str(tables), "-f", "csv")
    assert code == 2 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_an_unreadable_or_partial_table_folder_is_refused(tables):
    (tables / "holdings.parquet").write_bytes(b"not parquet")
    code, _, err = run("analyze", "--engine", "duckdb", "--data", str(tables), "-f", "csv")
    assert code == 2 and "not a readable Parquet file" in err
    (tables / "listings.parquet").unlink()
    code, _, err = run("analyze", "--engine", "duckdb", "--data", str(tables), "-f", "csv")
    assert code == 2 and "needs listings.parquet too" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-o", "/nonexistent-folder/v.csv"), "does not exist"),
        (("-o", "."), "is a folder"),
        (("--memory-limit", "abc"), "takes a size such as 4GB"),
        (("--memory-limit", "1KB", "-o", "{tmp}/v.csv"), "ran out of memory"),
        (("--temp-directory", "{file}"), "cannot make a folder there"),
    ],
)
def test_mistakes_with_the_engines_options_are_refused_in_one_line(tmp_path, args, message):
    (tmp_path / "afile").write_text("x")
    args = tuple(a.format(tmp=tmp_path, file=tmp_path / "afile") for a in args)
    code, _, err = run("analyze", "--engine", "duckdb", "-f", "csv", *args)
    assert code == 2 and message in err, err


def test_the_python_example_of_docs_scale_runs_and_prints_what_it_says(tmp_path, monkeypatch):
    import contextlib
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "scale.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "docs/scale.md", "exec"), {})
    said = re.search(r"# (\{.*\})", code).group(1)
    assert printed.getvalue().strip() == said
    assert (tmp_path / "verdicts.parquet").exists()


def test_the_same_input_gives_the_same_bytes(generated_dataset_10k, tmp_path):
    import datetime as dt

    from ownership.rules import get_rule
    from ownership.scale import analyze_at_scale

    for name, fmt in (("a.csv", "csv"), ("b.csv", "csv"), ("a.parquet", "parquet"),
                      ("b.parquet", "parquet")):  # fmt: skip
        analyze_at_scale(
            generated_dataset_10k, get_rule("look-through"), dt.date(2024, 1, 1),
            output=tmp_path / name, fmt=fmt,
        )  # fmt: skip
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def test_a_csv_folder_is_read_by_the_engine_and_gives_the_default_verdicts(tmp_path):
    folder = tmp_path / "csv"
    assert run("export", str(folder), "--format", "csv")[0] == 0
    options = ("--rule", "bis-affiliates", "--as-of", "2025-10-01", "--data", str(folder))
    code, out, err = run("analyze", "--engine", "duckdb", *options, "-f", "csv")
    assert code == 0 and "11 listed, 0 covered, 5 exposed, 2 clear" in err
    expected = default_rows(*options)
    found = list(csv.DictReader(io.StringIO(out)))
    assert [r["id"] for r in found] == list(expected)
    for row in found:
        for column in ("status", "flags", "legal_percent", "legal_percent_max", "chain"):
            assert row[column] == expected[row["id"]][column], (row["id"], column)


def test_a_csv_folder_cell_the_engine_cannot_read_is_one_line_and_exit_2(tmp_path):
    folder = tmp_path / "csv"
    assert run("export", str(folder), "--format", "csv")[0] == 0
    holdings = folder / "holdings.csv"
    lines = holdings.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = next(csv.reader([lines[3]]))
    cells[header.index("percent")] = "about 30"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    lines[3] = buffer.getvalue().rstrip("\n")
    holdings.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = run("analyze", "--engine", "duckdb", "--data", str(folder), "-f", "csv")
    assert code == 2
    assert err.strip().count("\n") == 0 and "Traceback" not in err
    assert f"{holdings}: row 3, percent 'about 30': a number from 0 to 100" in err
