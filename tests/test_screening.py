"""Screening an auditor can rely on: the same answer every run, candidates with their
evidence, counterparty files as they come, and name resolution by the same matcher."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import ownership
from ownership.cli import app
from ownership.errors import AmbiguousName, DataError
from ownership.io.counterparties import read_counterparties
from ownership.matching import Matcher, Query
from ownership.model import Dataset, Entity, FormerName, Identifier, Listing
from ownership.resolve import NameIndex
from ownership.screening import LEVELS, screen, summary, worst_level

ROOT = Path(__file__).resolve().parent.parent
DAY = "2025-10-01"
#: Real variants of the bundled companies' names, and names of none of them.
VARIANTS = [
    "Inspur",
    "Inspur Group Limited",
    "ＩＮＳＰＵＲ　ＧＲＯＵＰ ＣＯ., ＬＴＤ.",
    "浪潮集团有限公司",
    "Inspur Systems Inc",
    "Aivres Systems, Inc.",
    "Inspur Grp",
    "IEIT Systems",
    "浪潮",
    "Acme Widgets GmbH",
]


@pytest.fixture(scope="module")
def result() -> ownership.Analysis:
    return ownership.analyze(ownership.load(ownership.bundled_dataset()), "bis-affiliates", DAY)


def run(*args: str) -> tuple[int, str, str]:
    outcome = CliRunner().invoke(
        app, list(args), env={"TERMINAL_WIDTH": "200", "COLUMNS": "200", "NO_COLOR": "1"}
    )
    return outcome.exit_code, outcome.stdout, outcome.stderr


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def names_file(path: Path, names: list[str]) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([["name"], *([n] for n in names)])
    return write(path, out.getvalue())


# ---------------------------------------------------------------------- determinism
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.permutations(VARIANTS))
def test_results_do_not_depend_on_row_order(result: ownership.Analysis, order: list[str]) -> None:
    expected = {r.query: r.to_dict() for r in screen(result, VARIANTS)}
    for r in screen(result, order):
        found = r.to_dict()
        assert {**found, "row": 0} == {**expected[r.query], "row": 0}


def test_the_same_bytes_under_every_hash_seed(tmp_path: Path) -> None:
    path = names_file(tmp_path / "cp.csv", VARIANTS)
    outputs = []
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "OWNERSHIP_CACHE": "off"}
        command = [sys.executable, "-m", "ownership", "screen", str(path), "--as-of", DAY]
        done = subprocess.run([*command, "-f", "json"], capture_output=True, env=env, check=True)
        missing = subprocess.run(
            [sys.executable, "-m", "ownership", "show", "Inspur"], capture_output=True, env=env
        )
        outputs.append((done.stdout, missing.returncode, missing.stderr))
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0][1] == 2


# ---------------------------------------------------------------------- candidates
def test_a_bare_group_name_is_ambiguous_and_fails_by_its_worst_candidate(
    result: ownership.Analysis,
) -> None:
    (row,) = screen(result, ["Inspur"])
    assert row.ambiguous and row.match == "ambiguous"
    statuses = {c["status"] for c in row.candidates}
    assert "listed" in statuses and "exposed" in statuses
    assert row.worst_status == "listed"
    assert worst_level([row]) == LEVELS["listed"]
    assert row.reason.startswith("ambiguous: ")
    ids = [c["entity_id"] for c in row.candidates]
    scores = [c["score"] for c in row.candidates]
    # best first; equal scores by id
    assert sorted(zip([-s for s in scores], ids, strict=True)) == list(
        zip([-s for s in scores], ids, strict=True)
    )


@pytest.mark.parametrize(
    ("query", "entity", "how", "evidence"),
    [
        (
            "ＩＮＳＰＵＲ　ＧＲＯＵＰ ＣＯ., ＬＴＤ.",
            "inspur-group",
            "name",
            "name 'Inspur Group Co., Ltd.'",
        ),
        ("Inspur Group Limited", "inspur-group", "name", "name 'Inspur Group Co., Ltd.'"),
        ("浪潮集团有限公司", "inspur-group", "alias", "alias '浪潮集团'"),
        (
            "Inspur Systems Inc",
            "aivres-systems",
            "former name",
            "former name 'Inspur Systems, Inc.', used until 2023-05-01",
        ),
        ("Inspur Grp", "inspur-group", "fuzzy", "close to name 'Inspur Group Co., Ltd.'"),
    ],
)
def test_name_variants_are_found_with_their_evidence(
    result: ownership.Analysis, query: str, entity: str, how: str, evidence: str
) -> None:
    (row,) = screen(result, [query])
    assert (row.entity_id, row.match, row.ambiguous) == (entity, how, False)
    assert row.evidence.startswith(evidence)


def _identified() -> ownership.Analysis:
    dataset = Dataset(
        entities=[
            Entity(
                id="a",
                name="Northwind Trading Co., Ltd.",
                country="CN",
                identifiers=[Identifier(scheme="lei", value="5493000NORTHWIND0001")],
            ),
            Entity(id="b", name="Northwind Trading Limited", country="HK"),
            Entity(id="x", name="Listed Parent", country="CN"),
        ],
        listings=[Listing(entity="x", list="entity_list")],
    )
    return ownership.analyze(dataset, "bis-affiliates", DAY)


def test_identifier_and_country_evidence_decide_between_equal_names() -> None:
    analysis = _identified()
    (tie,) = screen(analysis, ["Northwind Trading"])
    assert tie.ambiguous and {c["entity_id"] for c in tie.candidates} == {"a", "b"}
    (by_country,) = screen(analysis, ["Northwind Trading"], countries=["HK"])
    assert (by_country.entity_id, by_country.ambiguous) == ("b", False)
    assert "country HK agrees" in by_country.evidence
    other = next(c for c in by_country.candidates if c["entity_id"] == "a")
    assert "country HK differs: theirs CN" in other["evidence"]
    (by_lei,) = screen(analysis, ["Northwind"], identifiers=[{"lei": "5493000northwind0001"}])
    assert (by_lei.entity_id, by_lei.match) == ("a", "identifier")
    other_lei = Query("Northwind Trading", identifiers={"lei": "5493000OTHER00000002"})
    (conflict,) = screen(analysis, [other_lei.name], identifiers=[other_lei.identifiers])
    assert conflict.entity_id == "b"  # another LEI: a falls below the threshold
    assert [c["entity_id"] for c in conflict.candidates] == ["b"]
    every = analysis.names.match(other_lei, threshold=0)
    (lei_holder,) = [c for c in every.candidates if c.entity_id == "a"]
    assert lei_holder.score == 70.0
    assert "LEI 5493000OTHER00000002 differs: theirs 5493000NORTHWIND0001" in [
        str(e) for e in lei_holder.evidence
    ]


def test_an_ambiguous_name_lists_candidates_with_evidence() -> None:
    dataset = Dataset(
        entities=[
            Entity(id="a1", name="Alpha Trading Co., Ltd."),
            Entity(id="b", name="Beta", former_names=[FormerName(name="Alpha Trading")]),
        ]
    )
    with pytest.raises(AmbiguousName) as caught:
        Matcher(NameIndex(dataset)).resolve("alpha trading")
    assert "a1 (Alpha Trading Co., Ltd.: name 'Alpha Trading Co., Ltd.')" in str(caught.value)
    assert "b (Beta: former name 'Alpha Trading')" in str(caught.value)


def test_suggestions_are_stable_and_ordered(result: ownership.Analysis) -> None:
    found = [(m.entity.id, m.score) for m in Matcher(NameIndex(result.dataset)).suggest("Inspur")]
    assert found == sorted(found, key=lambda x: (-x[1], x[0]))
    assert len(found) == 5


def test_blocking_finds_the_same_candidates_as_scoring_every_name(
    result: ownership.Analysis, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ownership import matching

    every = [screen(result, [q])[0].to_dict() for q in VARIANTS]
    monkeypatch.setattr(matching, "FULL_SCAN_LIMIT", 0)  # choose by shared words
    fresh = ownership.analyze(result.dataset, "bis-affiliates", DAY)
    blocked = [screen(fresh, [q])[0].to_dict() for q in VARIANTS]
    assert blocked == every


# ---------------------------------------------------------------------- files
@pytest.mark.parametrize("header", ["Supplier", "Legal_Name", "vendor name", "Counterparty"])
def test_common_name_headers_are_recognised(tmp_path: Path, header: str) -> None:
    path = write(tmp_path / "cp.csv", f"id,{header},Country\n7,Aivres Systems,US\n")
    table = read_counterparties(path)
    assert (table.name_column, table.names, table.countries) == (header, ["Aivres Systems"], ["US"])


def test_a_missing_name_column_says_which_columns_there_are(tmp_path: Path) -> None:
    path = write(tmp_path / "cp.csv", "firm,city\nAivres,Fremont\n")
    with pytest.raises(DataError) as caught:
        read_counterparties(path)
    message = str(caught.value)
    assert "no name column (name, company" in message and "columns are: firm, city" in message


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_utf8_with_a_mark_and_utf16_are_read(tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path / "cp.csv", "name\n浪潮集团\n", encoding)
    assert read_counterparties(path).names == ["浪潮集团"]


def test_latin1_is_refused_unless_named(tmp_path: Path) -> None:
    path = write(tmp_path / "cp.csv", "name\nSociété Générale\n", "latin-1")
    with pytest.raises(DataError) as caught:
        read_counterparties(path)
    assert "not UTF-8 text: byte 0xe9 on line 2" in str(caught.value)
    assert read_counterparties(path, encoding="latin-1").names == ["Société Générale"]
    code, _, err = run("screen", str(path), "--as-of", DAY)
    assert code == 2 and "cp.csv" in err and "UTF-8" in err


def test_xlsx_is_read_from_its_first_header_row(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([])
    sheet.append(["Vendor", "LEI", "Country"])
    sheet.append(["Aivres Systems", None, "United States"])
    sheet.append(["Northwind", "5493000NORTHWIND0001", "CN"])
    book.save(tmp_path / "vendors.xlsx")
    table = read_counterparties(tmp_path / "vendors.xlsx")
    assert table.names == ["Aivres Systems", "Northwind"]
    assert table.countries == ["US", "CN"]
    assert table.identifiers == [{}, {"lei": "5493000NORTHWIND0001"}]


def test_every_input_column_is_kept_in_every_format(tmp_path: Path) -> None:
    path = write(tmp_path / "cp.csv", "Supplier,Account,Notes\nAivres Systems,A-1,first\n")
    base = ["screen", str(path), "--as-of", DAY]
    _, out, _ = run(*base, "-f", "json")
    assert json.loads(out)[0]["input_Account"] == "A-1"
    _, out, _ = run(*base, "-f", "jsonl")
    assert json.loads(out.splitlines()[0])["input_Notes"] == "first"
    _, out, _ = run(*base, "-f", "csv")
    (row,) = csv.DictReader(io.StringIO(out))
    assert (row["input_Account"], row["input_Notes"], row["entity_id"]) == (
        "A-1",
        "first",
        "aivres-systems",
    )


def test_piped_output_is_one_tab_separated_line_per_row_and_a_summary(tmp_path: Path) -> None:
    path = names_file(tmp_path / "cp.csv", VARIANTS)
    code, out, err = run("screen", str(path), "--as-of", DAY)
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(VARIANTS) + 1
    header = lines[0].split("\t")
    assert header[:4] == ["row", "query", "entity_id", "entity_name"]
    assert all(len(line.split("\t")) == len(header) for line in lines)
    assert f"{len(VARIANTS)} rows screened:" in err and "ambiguous" in err


def test_summary_counts_rows_by_how_they_matched(result: ownership.Analysis) -> None:
    rows = screen(result, VARIANTS)
    text = summary(rows)
    assert text.startswith(f"{len(VARIANTS)} rows screened: ")
    unmatched = sum(1 for r in rows if r.entity_id is None)
    assert f"{unmatched} without a match" in text


def test_fail_on_reads_an_ambiguous_row_by_its_worst_candidate(tmp_path: Path) -> None:
    path = write(tmp_path / "cp.csv", "name\nInspur\n")
    assert run("screen", str(path), "--as-of", DAY, "--fail-on", "covered")[0] == 1
    assert Query("x").identifiers == {}


@pytest.mark.parametrize("value", ["-1e309", "nan", "1000", "-1"])
def test_a_threshold_outside_0_to_100_is_one_clear_line(tmp_path: Path, value: str) -> None:
    path = write(tmp_path / "cp.csv", "name\nInspur\n")
    code, _, err = run("screen", str(path), "--threshold", value)
    assert code == 2 and "is not a score: give a number from 0 to 100" in err


def test_a_damaged_workbook_is_one_clear_line(tmp_path: Path) -> None:
    path = write(tmp_path / "cp.xlsx", "not a workbook")
    code, _, err = run("screen", str(path))
    assert code == 2 and "not a readable XLSX workbook" in err and "CSV UTF-8" in err


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=300), suffix=st.sampled_from([".csv", ".tsv", ".xlsx"]))
def test_any_bytes_are_read_or_refused_with_a_problem(data: bytes, suffix: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"cp{suffix}"
        path.write_bytes(data)
        try:
            table = read_counterparties(path)
        except DataError as exc:
            assert exc.problems and all(p.file == str(path) for p in exc.problems)
        else:
            assert len(table.names) == len(table.rows) == len(table.countries)
            assert all(table.names)


def test_a_name_that_normalises_to_nothing_matches_nothing() -> None:
    dataset = Dataset(entities=[Entity(id="a", name="..."), Entity(id="b", name="Beta")])
    matcher = Matcher(NameIndex(dataset))
    assert matcher.match(Query("!!")).candidates == ()
    assert matcher.match(Query("-")).candidates == ()


def test_an_empty_name_names_the_file_the_row_and_the_column(tmp_path: Path) -> None:
    path = write(tmp_path / "cp.csv", "Supplier,Country\nAivres Systems,US\n,CN\n")
    code, out, err = run("screen", str(path), "--as-of", DAY)
    assert code == 2 and out == ""
    assert f"{path}:3" in err and "'Supplier'" in err and "empty name" in err
    assert "Traceback" not in err
