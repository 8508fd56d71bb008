"""``analyze --fields``: each row is the full row cut down to the fields asked for, in
the order asked, in JSON, JSON lines and CSV, whichever path writes it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ownership import Analysis, analyze, load
from ownership.checks import check_dataset
from ownership.cli import app
from ownership.errors import UsageError
from ownership.model import Dataset
from ownership.rules import RULES
from ownership.verdict import NESTED_FIELDS, VERDICT_FIELDS, chosen_fields
from ownership.verdict_json import TOLD_BY_ROW, write_verdict_csv, write_verdict_lines

from .factories import dataset, listed, owns
from .rules.test_golden import CASES, build, case_rule
from .test_verdict_json import DAYS, FIXTURE, awkwardly_named

CSV_FIELDS = [f for f in VERDICT_FIELDS if f not in NESTED_FIELDS]
#: Choices that leave out what the costly columns need, or keep only that.
CHOICES = [
    ["id", "status", "nearest_listed", "chain"],
    ["chain_via", "id"],
    ["explanation"],
    ["listed_ancestors_total", "listed_ancestors", "status"],
    ["owners", "id"],
    ["name", "flags", "effective_percent", "legal_percent", "legal_percent_max", "country"],
    ["listings", "rule", "window", "as_of", "threshold", "id"],
    list(reversed(VERDICT_FIELDS)),
]


def json_rows(analysis: Analysis, fields: list[str] | None, *, batch: int = 3) -> list[dict]:
    out = io.BytesIO()
    write_verdict_lines(analysis, out, batch=batch, fields=fields)
    text = out.getvalue().decode()
    lines = text.split("\n")[:-1]  # names may hold other line breaks (U+2028), unescaped
    return [json.loads(line, parse_float=Decimal) for line in lines]


def csv_rows(analysis: Analysis, fields: list[str] | None, *, batch: int = 3) -> list[dict]:
    out = io.BytesIO()
    write_verdict_csv(analysis, out, batch=batch, fields=fields)
    return list(csv.DictReader(io.StringIO(out.getvalue().decode(), newline="")))


def assert_rows_are_cut_down(analysis: Analysis, fields: list[str], batch: int = 3) -> None:
    every = json_rows(analysis, None, batch=batch)
    chosen = json_rows(analysis, fields, batch=batch)
    assert [list(row) for row in chosen] == [fields] * len(every)
    assert chosen == [{f: row[f] for f in fields} for row in every]
    in_csv = [f for f in fields if f not in NESTED_FIELDS]
    if in_csv:
        every_csv = csv_rows(analysis, None, batch=batch)
        chosen_csv = csv_rows(analysis, in_csv, batch=batch)
        assert chosen_csv == [{f: row[f] for f in in_csv} for row in every_csv]


@pytest.mark.parametrize("fields", CHOICES, ids=[",".join(c)[:40] for c in CHOICES])
@pytest.mark.parametrize("rule", sorted(RULES))
def test_rows_are_the_full_rows_cut_down_on_the_inspur_fixture(rule: str, fields) -> None:
    data = load(FIXTURE)
    for day in DAYS:
        assert_rows_are_cut_down(analyze(data, rule, day), fields)


VALID_CASES = [c for c in CASES if "error" not in c["expect"]]


@pytest.mark.parametrize("case", VALID_CASES, ids=[c["name"] for c in VALID_CASES])
def test_rows_are_cut_down_alike_on_every_rules_case(case: dict[str, object]) -> None:
    """Conflicting stakes, alternative records, arrangements, shares on the threshold:
    the rows told one by one in full are made by columns when no chosen field needs
    them told, and come out the same."""
    analysis = analyze(build(case), case_rule(case), dt.date.fromisoformat(str(case["as_of"])))
    for field in VERDICT_FIELDS:
        assert_rows_are_cut_down(analysis, [field])
    columns_only = [f for f in VERDICT_FIELDS if f not in TOLD_BY_ROW]
    assert_rows_are_cut_down(analysis, columns_only)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    awkwardly_named(),
    st.sampled_from(DAYS),
    st.sampled_from(sorted(RULES)),
    st.lists(st.sampled_from(VERDICT_FIELDS), min_size=1, unique=True),
    st.integers(1, 5),
)
def test_rows_are_the_full_rows_cut_down_on_random_graphs(
    data: Dataset, day: dt.date, rule: str, fields: list[str], batch: int
) -> None:
    assume(not check_dataset(data))
    assert_rows_are_cut_down(analyze(data, rule, day), fields, batch)


def test_long_chains_and_many_listed_ancestors_are_cut_as_in_the_full_rows() -> None:
    ids = [f"c{k:03d}" for k in range(80)]
    links = [owns(a, b, 60) for a, b in pairwise(ids)]
    for every in (80, 2):  # the head listed alone (a chain of 80), or every other entity
        analysis = analyze(
            dataset(*links, *(listed(i) for i in ids[::every])), "ofac-50", "2025-01-01"
        )
        fields = ["chain", "chain_via", "listed_ancestors", "listed_ancestors_total"]
        assert_rows_are_cut_down(analysis, fields, batch=7)
        last = json_rows(analysis, fields)[-1]
        if every == 80:
            assert len(last["chain"]) == 32 and last["chain_via"] == last["chain"][0] != "c000"
        else:
            assert len(last["listed_ancestors"]) == 32 and last["listed_ancestors_total"] == 40


@pytest.mark.parametrize("places", [17, 20])
def test_shares_past_what_int64_holds_are_cut_down_alike(tmp_path, places) -> None:
    from .test_exact_shares import dataset_file

    analysis = analyze(load(dataset_file(tmp_path, "33." + "3" * places)), "ofac-50", "2025-01-01")
    assert analysis.compiled.low.dtype == object  # the row-by-row path
    assert_rows_are_cut_down(analysis, ["legal_percent", "id", "owners"])


def test_the_choice_is_checked() -> None:
    assert chosen_fields(None) == VERDICT_FIELDS
    assert chosen_fields(None, csv=True) == tuple(CSV_FIELDS)
    assert chosen_fields([" status", "id ", ""]) == ("status", "id")
    for wrong, message in [
        (["id", "nope"], "'nope' is not a field"),
        ([""], "no field given"),
        (["id", "status", "id"], "'id' is given twice"),
    ]:
        with pytest.raises(UsageError, match=message):
            chosen_fields(wrong)
    with pytest.raises(UsageError, match="'owners' is not a CSV column"):
        chosen_fields(["id", "owners"], csv=True)


runner = CliRunner()


def test_the_command_writes_the_fields_asked_for() -> None:
    result = runner.invoke(
        app, ["analyze", "-f", "csv", "--fields", "id,status,nearest_listed,chain", "--as-of",
              "2023-06-01"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["id", "status", "nearest_listed", "chain"]
    assert ["aivres-systems", "exposed", "inspur-group",
            "inspur-group;inspur-electronic;aivres-systems"] in rows  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-f", "table"], "--fields goes with --format json, jsonl or csv"),
        (["-f", "csv", "--engine", "duckdb"], "--fields goes with the default engine"),
        (["-f", "jsonl", "--fields", "id,colour"], "'colour' is not a field"),
    ],
)
def test_a_wrong_choice_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    if "--fields" not in args:
        args = [*args, "--fields", "id"]
    result = runner.invoke(app, ["analyze", *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_columns_no_chosen_field_shows_are_not_worked_out(monkeypatch) -> None:
    """What the README says of ``--fields``: chains, owners, legal shares, look-through
    texts, flags and the rows told one by one are worked out only for fields that show
    them."""
    import ownership.verdict_json as writer

    analysis = analyze(load(FIXTURE), "bis-affiliates", "2025-10-01")
    every = json_rows(analysis, None)

    def refuse(*args, **kwargs):
        raise AssertionError("worked out, yet not shown")

    for name in ("Chains", "OwnerColumns", "RowMaker", "listings_read"):
        monkeypatch.setattr(writer, name, refuse)
    for method in ("_legal_columns", "_effective_columns", "_flag_columns", "_ancestor_texts"):
        monkeypatch.setattr(writer.LineColumns, method, refuse)
    monkeypatch.setattr(type(analysis.legal), "legal_bounds", refuse)
    for fields in (["id", "status"], ["status", "nearest_listed", "name", "country", "rule"]):
        assert json_rows(analysis, fields) == [{f: row[f] for f in fields} for row in every]
        assert csv_rows(analysis, fields) == [
            {f: str(row[f] or "") for f in fields} for row in every
        ]
    with pytest.raises(AssertionError, match="worked out, yet not shown"):
        json_rows(analysis, ["chain"])
