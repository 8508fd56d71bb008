"""Every bad input gets one clear line naming the file (and the record and field where
there is one), exit code 2, and nothing half-loaded; what is not the input's fault is
one line asking for a report, and ``--debug`` shows its traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ownership import load
from ownership.cli import app
from ownership.io import save
from ownership.io.exporters import export
from ownership.model import Dataset, Entity, Holding

runner = CliRunner()

DEEP = 100_000


def one_line_error(*args: str, fragment: str) -> None:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert fragment in result.stderr, result.stderr
    problems = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(problems) <= 3, result.stderr  # the count, then the problem


@pytest.mark.parametrize(
    ("name", "text", "fragment"),
    [
        ("deep.json", '{"entities": ' + "[" * DEEP + "]" * DEEP + "}", "nested deeper"),
        (
            "deep.ftm.jsonl",
            '{"id": "a", "schema": "Company", "properties": {"name": '
            + "[" * DEEP
            + "]" * DEEP
            + "}}\n"
            + '{"id": "b", "schema": "Company", "properties": {}}\n',
            "nested deeper",
        ),
        ("deep.yaml", "entities: " + "[" * DEEP + "]" * DEEP + "\n", "nesting depth"),
        (
            "inf.yaml",
            "entities: [{id: a, name: A}, {id: b, name: B}]\n"
            "holdings: [{owner: a, owned: b, percent: .inf}]\n",
            "holdings[0] (a -> b): field 'percent'",
        ),
        (
            "nan.yaml",
            "entities: [{id: a, name: A}, {id: b, name: B}]\n"
            "holdings: [{owner: a, owned: b, percent: .nan}]\n",
            "finite number",
        ),
        (
            "schema.ftm.jsonl",
            json.dumps({"id": "a", "schema": ["Company"], "properties": {"name": ["A"]}})
            + "\n"
            + json.dumps({"id": "b", "schema": "Company", "properties": {"name": ["B"]}})
            + "\n",
            "field 'schema': schema must be a string",
        ),
        (
            "details.bods.json",
            json.dumps(
                [
                    {
                        "statementID": "x",
                        "statementType": "entityStatement",
                        "publicationDetails": "oops",
                        "entityType": "registeredEntity",
                        "name": "A",
                    }
                ]
            ),
            "field 'publicationDetails'",
        ),
    ],
)
def test_malformed_files_are_one_clear_line(
    tmp_path: Path, name: str, text: str, fragment: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    one_line_error("validate", str(path), fragment=fragment)
    one_line_error("import", str(path), "--out", str(tmp_path / "o.yaml"), fragment=fragment)
    assert not (tmp_path / "o.yaml").exists()  # nothing half-written


def test_encodings_other_than_utf8_are_named_or_read(tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    save(Dataset(entities=[Entity(id="a", name="Société Générale")]), folder)
    entities = folder / "entities.csv"
    entities.write_bytes(entities.read_text(encoding="utf-8").encode("latin-1"))
    one_line_error("validate", str(folder), fragment="not UTF-8 text: byte 0xe9 on line 2")
    # Excel's "Unicode text" (UTF-16 with a byte-order mark) is read
    counterparties = tmp_path / "c.csv"
    counterparties.write_text("name,country\nInspur Group,CN\n", encoding="utf-16")
    result = runner.invoke(app, ["screen", str(counterparties), "-f", "json"])
    assert result.exit_code in (0, 1), result.output
    assert json.loads(result.stdout)[0]["entity_id"] == "inspur-group"
    same_as = tmp_path / "same.csv"
    same_as.write_bytes("a,b,same\nx,\xe9,true\n".encode("latin-1"))
    one_line_error(
        "import",
        "fixtures/inspur.yaml",
        "--same-as",
        str(same_as),
        "--out",
        str(tmp_path / "o.yaml"),
        fragment="not UTF-8 text",
    )


def test_cells_longer_than_the_csv_default_limit_are_read(tmp_path: Path) -> None:
    long_name = "Inspur Group " + "x" * 200_000
    folder = tmp_path / "csv"
    save(Dataset(entities=[Entity(id="a", name=long_name), Entity(id="b", name="B")]), folder)
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 0, result.output
    counterparties = tmp_path / "c.csv"
    counterparties.write_text(f"name\n{long_name}\n", encoding="utf-8")
    result = runner.invoke(app, ["screen", str(counterparties), "-f", "json"])
    assert result.exit_code in (0, 1) and json.loads(result.stdout)


def test_json_lines_keep_line_separators_inside_strings(tmp_path: Path) -> None:
    dataset = Dataset(
        entities=[
            Entity(id="a", name="Line\u2028Separator Co"),
            Entity(id="b", name="Next\u0085Line Ltd"),
        ],
        holdings=[Holding(owner="a", owned="b", percent=60)],
    )
    path = tmp_path / "out.ftm.jsonl"
    export(dataset, path, "ftm")
    result = runner.invoke(app, ["import", str(path), "--out", str(tmp_path / "back.yaml")])
    assert result.exit_code == 0, result.output
    names = {e.name for e in load(tmp_path / "back.yaml").entities}
    assert names == {"Line\u2028Separator Co", "Next\u0085Line Ltd"}


@pytest.mark.parametrize("value", ["nan", "1e309", "-1", "fifty"])
def test_a_threshold_that_is_not_a_percentage_is_refused(value: str) -> None:
    one_line_error("analyze", "--threshold", value, fragment="is not a percentage")


def test_an_unexpected_error_is_one_line_unless_debugging(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ownership.analysis

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(ownership.analysis, "prepared", broken)  # every analysis starts there
    result = runner.invoke(app, ["analyze"])
    assert result.exit_code == 3
    assert result.stderr.strip().startswith("error: unexpected ZeroDivisionError: a bug.")
    assert "please report it" in result.stderr and "--debug" in result.stderr
    result = runner.invoke(app, ["--debug", "analyze"])
    assert isinstance(result.exception, ZeroDivisionError)


def test_an_export_path_of_no_known_format_is_one_line(tmp_path: Path) -> None:
    one_line_error("export", str(tmp_path / "graph.unknown"), fragment="cannot tell the export")
    one_line_error(
        "import", "fixtures/inspur.yaml", "--out", str(tmp_path / "x.txt"), fragment="cannot write"
    )


def test_a_counterparty_row_with_more_cells_than_columns_is_named(tmp_path: Path) -> None:
    counterparties = tmp_path / "c.csv"
    counterparties.write_text("name,country\nInspur Group,CN,extra,cells\n", encoding="utf-8")
    one_line_error("screen", str(counterparties), fragment="c.csv:2: 4 cells for 2 columns")


def test_a_deeply_nested_list_cell_in_a_native_csv_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    save(Dataset(entities=[Entity(id="a", name="A", aliases=["qqq"])]), folder)
    entities = folder / "entities.csv"
    text = entities.read_text(encoding="utf-8").replace("qqq", "[" * DEEP + "]" * DEEP)
    entities.write_text(text, encoding="utf-8")
    one_line_error("validate", str(folder), fragment="nested deeper than can be read")
