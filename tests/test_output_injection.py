"""Data cannot act on its reader: no formulas in CSV, no markup or escape sequences on the
terminal, no TeX in figures, and no string turned into a number by the JSON writer."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ownership import load
from ownership.cli import app
from ownership.io import save
from ownership.io.native_format import write_json
from ownership.model import Dataset, Entity, Holding, Listing

runner = CliRunner()

HOSTILE = [
    '=HYPERLINK("http://example.com","x")',
    "+1+2",
    "-3",
    "@SUM(A1)",
    "\tTab",
    "\rReturn",
    "'=quoted already",
    "''",
    "'t Hooft",
]


def hostile_dataset() -> Dataset:
    names = {
        "x": "[/] Listed [bold]Co",
        "a": "=1+2 Red \x1b[31mAlert\x1b[0m",
        "b": "\x00decimal:5",
        "c": "Dollar $\\frac{a}{$ Ltd",
    }
    return Dataset(
        entities=[
            Entity(id="x", name=names["x"], aliases=HOSTILE),
            *(Entity(id=k, name=v, note=HOSTILE[0]) for k, v in names.items() if k != "x"),
        ],
        holdings=[
            Holding(owner="x", owned="a", percent=60, note="=cmd|' /C calc'!A0"),
            Holding(owner="x", owned="b", percent=10),
            Holding(owner="x", owned="c", percent=100),
        ],
        listings=[Listing(entity="x", list="[/]list", program="[red]", citation="[/] cite")],
    )


@pytest.fixture()
def data(tmp_path: Path) -> str:
    path = tmp_path / "hostile.yaml"
    save(hostile_dataset(), path)
    return str(path)


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout


@pytest.mark.parametrize(
    "command",
    [
        ("analyze", "-f", "csv"),
        ("affiliates", "x", "-f", "csv"),
    ],
)
def test_report_csv_cells_never_start_a_formula(data: str, command: tuple[str, ...]) -> None:
    code, out = invoke(*command, "--data", data, "--lists", "[/]list", "-r", "ofac-50")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert len(rows) > 2
    for row in rows:
        for value in row:
            assert value[:1] not in set("=+-@\t\r"), value
    assert any(v.startswith("'=1+2 Red") for row in rows for v in row)


def test_screen_csv_quotes_formulas_from_the_counterparty_file(tmp_path: Path, data: str) -> None:
    counterparties = tmp_path / "c.csv"
    counterparties.write_text('name,note\nListed Co,"=2+3"\n=evil(),x\n', encoding="utf-8")
    code, out = invoke("screen", str(counterparties), "--data", data, "-f", "csv")
    assert code in (0, 1)
    cells = [v for row in csv.reader(io.StringIO(out)) for v in row]
    assert "'=evil()" in cells
    assert not any(v[:1] in set("=+-@\t\r") for v in cells)


def test_the_native_csv_folder_quotes_formulas_and_reads_back_exactly(tmp_path: Path) -> None:
    dataset = hostile_dataset()
    folder = tmp_path / "csv"
    save(dataset, folder)
    for path in folder.glob("*.csv"):
        for row in csv.reader(path.open(encoding="utf-8", newline="")):
            assert not any(v[:1] in set("=+-@\t\r") for v in row), (path.name, row)
    assert load(folder) == dataset


@pytest.mark.parametrize(
    "command",
    [
        ("analyze",),
        ("explain", "a"),
        ("affiliates", "x"),
        ("show", "a"),
        ("timeline", "a"),
        ("analyze", "-r", "ofac-50"),
    ],
)
def test_terminal_output_shows_markup_and_escapes_as_text(
    data: str, command: tuple[str, ...]
) -> None:
    lists = () if command[0] in ("show",) else ("--lists", "[/]list")
    code, out = invoke(*command, "--data", data, *lists)
    assert code == 0
    assert "\x1b" not in out
    assert "\\x1b[31mAlert" in out.replace("\n", "").replace("│", "")
    if command[0] in ("analyze", "affiliates"):
        assert "[/] Listed" in out and "[bold]Co" in " ".join(out.split())


def test_a_figure_draws_dollar_signs_as_text(tmp_path: Path, data: str) -> None:
    code, _ = invoke("plot", "c", "--data", data, "--out", str(tmp_path / "f.png"))
    assert code == 0 and (tmp_path / "f.png").stat().st_size > 0


def test_the_native_json_writer_never_turns_a_string_into_a_number(tmp_path: Path) -> None:
    dataset = hostile_dataset()
    text = write_json(dataset)
    data = json.loads(text, parse_float=Decimal)
    names = {e["id"]: e["name"] for e in data["entities"]}
    assert names["b"] == "\x00decimal:5"
    path = tmp_path / "d.json"
    path.write_text(text, encoding="utf-8")
    assert load(path) == dataset


def test_report_csv_shows_escape_sequences_as_text(data: str) -> None:
    code, out = invoke("analyze", "-f", "csv", "--data", data, "--lists", "[/]list")
    assert code == 0
    assert "\x1b" not in out and "\\x1b[31mAlert" in out


def test_a_very_long_name_is_drawn_shortened(tmp_path: Path) -> None:
    long_name = "Fuzz Subsidiary " + "x" * 200_000
    dataset = Dataset(
        entities=[Entity(id="p", name="Parent"), Entity(id="s", name=long_name)],
        holdings=[Holding(owner="p", owned="s", percent=60)],
        listings=[Listing(entity="p", list="entity_list")],
    )
    path = tmp_path / "d.yaml"
    save(dataset, path)
    code, _ = invoke("plot", "p", "--data", str(path), "--out", str(tmp_path / "f.svg"))
    assert code == 0
    assert (tmp_path / "f.svg").stat().st_size < 5 * path.stat().st_size + 200_000


def test_an_id_with_escape_codes_is_shown_as_text(tmp_path: Path) -> None:
    hostile = "\x1b]8;;https://example.invalid\x07FUZZ\x1b]8;;\x07"
    path = tmp_path / "ids.yaml"
    save(
        Dataset(
            entities=[Entity(id=hostile, name="Parent"), Entity(id="a", name="A")],
            holdings=[Holding(owner=hostile, owned="a", percent=60)],
        ),
        path,
    )
    for command in (("affiliates", hostile), ("explain", "a"), ("analyze",)):
        code, out = invoke(*command, "--data", str(path))
        assert code == 0, out
        assert "\x1b" not in out and "\x07" not in out, command
