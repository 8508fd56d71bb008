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
        (("--engine", "duckdb", "--memory-limit", "1'GB"), "cannot contain a quote"),
    ],
)
def test_refusals_are_one_line(args, message):
    code, _, err = run("analyze", *args)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_the_generators_tables_are_the_export_of_its_csv_folder(tmp_path):
    import sys
    from pathlib import Path

    import pyarrow.parquet as pq

    import ownership
    from ownership.columns import columns_of
    from ownership.scale.tables import TABLE_FILES, tables_of

    benchmarks = Path(__file__).resolve().parents[2] / "benchmarks"
    sys.path.insert(0, str(benchmarks))
    try:
        from generate import generate, write_folder, write_tables
    finally:
        sys.path.remove(str(benchmarks))
    graph = generate(3_000, seed=11, dated_holdings=0.3)
    write_folder(graph, tmp_path / "csv", quiet=True)
    write_tables(graph, tmp_path / "tables")
    exported = tables_of(columns_of(ownership.load(tmp_path / "csv")))
    for name, file in TABLE_FILES.items():
        assert pq.read_table(tmp_path / "tables" / file).equals(getattr(exported, name)), name
