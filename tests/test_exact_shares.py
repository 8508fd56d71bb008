"""Shares with many decimal places compute exactly, or are refused; never wrapped, never
rounded across a threshold on their way out."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ownership import analyze, load
from ownership.cli import app
from ownership.errors import DataError
from ownership.io.verdicts import encode_exact
from ownership.rules import get_rule

runner = CliRunner()

DATA = """\
entities: [{{id: x, name: X}}, {{id: a, name: A}}, {{id: b, name: B}}, {{id: c, name: C}}]
listings: [{{entity: x, list: sdn}}, {{entity: x, list: uk}}]
holdings:
  - {{owner: x, owned: a, percent: {a}}}
  - {{owner: x, owned: b, percent: 49.99999999999999998}}
  - {{owner: x, owned: c, percent: 50.00000000000000001}}
"""


def dataset_file(tmp_path: Path, a: str) -> Path:
    path = tmp_path / "d.yaml"
    path.write_text(DATA.format(a=a), encoding="utf-8")
    return path


def rows(*args: str) -> dict[str, dict[str, object]]:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    parsed = json.loads(result.stdout, parse_float=Decimal)
    return {r["id"]: r for r in parsed}


@pytest.mark.parametrize("places", [12, 13, 17, 18, 20])
def test_many_places_compute_exactly_in_every_command(tmp_path: Path, places: int) -> None:
    a = "33." + "3" * places
    data = str(dataset_file(tmp_path, a))
    for rule in ("ofac-50", "uk", "look-through"):
        got = rows("analyze", "--data", data, "-r", rule, "--as-of", "2025-01-01", "-f", "json")
        assert got["x"]["legal_percent"] == 100  # not a wrapped 64-bit integer
        assert got["a"]["legal_percent"] == Decimal(a)
    got = rows("analyze", "--data", data, "-r", "ofac-50", "--as-of", "2025-01-01", "-f", "json")
    assert got["a"]["owners"][0]["percent_min"] == Decimal(a)
    assert (got["b"]["status"], got["c"]["status"]) == ("exposed", "covered")
    for command in (
        ("explain", "a"),
        ("affiliates", "X", "-f", "json"),
        ("map", "--out", str(tmp_path / "m.html")),
        ("analyze", "-f", "csv"),
    ):
        result = runner.invoke(app, [*command, "--data", data, "-r", "ofac-50"])
        assert result.exit_code == 0, result.output


def test_a_share_just_under_the_threshold_is_never_written_as_the_threshold(
    tmp_path: Path,
) -> None:
    data = str(dataset_file(tmp_path, "10"))
    args = ("analyze", "--data", data, "-r", "ofac-50", "--as-of", "2025-01-01")
    for fmt in ("json", "jsonl"):
        result = runner.invoke(app, [*args, "-f", fmt])
        assert '"legal_percent": 49.99999999999999998' in result.stdout
        assert '"legal_percent": 50.00000000000000001' in result.stdout
    table = list(csv.DictReader(io.StringIO(runner.invoke(app, [*args, "-f", "csv"]).stdout)))
    by_id = {r["id"]: r for r in table}
    assert (by_id["b"]["status"], by_id["b"]["legal_percent"]) == (
        "exposed",
        "49.99999999999999998",
    )
    explained = runner.invoke(app, ["explain", "b", "--data", data, "-r", "ofac-50"]).stdout
    assert "49.99999999999999998%" in " ".join(explained.replace("│", " ").split())


def test_look_through_shares_at_the_threshold_are_rounded_on_their_own_side() -> None:
    from ownership.model import Dataset, Entity, Holding, Listing

    dataset = Dataset(
        entities=[Entity(id=i, name=i.upper()) for i in ("x", "y", "a", "b")],
        holdings=[
            Holding(owner="x", owned="a", percent="49.99999999999999998"),
            Holding(owner="x", owned="b", percent="33.3"),
            Holding(owner="y", owned="b", percent="16.7"),  # 50 exactly; 0.4999... as floats
        ],
        listings=[Listing(entity="x", list="sdn"), Listing(entity="y", list="sdn")],
    )
    inclusive = analyze(dataset, "look-through", "2025-01-01")
    assert inclusive.status("a").value == "exposed"
    assert inclusive.verdict("a").to_dict()["effective_percent"] == 49.999999
    assert "Look-through share 49.999999%." in inclusive.verdict("a").explanation
    assert inclusive.status("b").value == "covered"
    assert inclusive.verdict("b").to_dict()["effective_percent"] == 50.0
    strict = get_rule("look-through").with_parameters(inclusive=False)
    assert analyze(dataset, strict, "2025-01-01").status("b").value == "exposed"


def test_more_places_than_computed_exactly_are_refused_with_the_record(tmp_path: Path) -> None:
    path = dataset_file(tmp_path, "33." + "3" * 21)
    with pytest.raises(DataError, match=r"d.yaml:4: holdings\[0\].*has 21 decimal places"):
        load(path)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and "at most 20 are computed exactly" in result.stderr
    # trailing zeros are not places
    ok = dataset_file(tmp_path, "33.5" + "0" * 30)
    assert load(ok).holdings[0].percent == Decimal("33.5")


def test_exact_encoding_keeps_decimals_and_strings_apart() -> None:
    text = encode_exact(
        {"share": Decimal("49.99999999999999998"), "name": "\x00decimal:5", "n": [Decimal("1E+2")]}
    )
    assert text == '{"share": 49.99999999999999998, "name": "\\u0000decimal:5", "n": [100]}'


def test_every_json_output_writes_exact_shares(tmp_path: Path) -> None:
    data = str(dataset_file(tmp_path, "33.333333333333333333"))
    explained = json.loads(
        runner.invoke(app, ["explain", "a", "--data", data, "-r", "ofac-50", "-f", "json"]).stdout,
        parse_float=Decimal,
    )
    assert explained["legal_percent"] == Decimal("33.333333333333333333")
    shown = runner.invoke(app, ["show", "a", "--data", data, "-f", "json"])
    assert shown.exit_code == 0, shown.output
    assert "33.333333333333333333" in shown.stdout
