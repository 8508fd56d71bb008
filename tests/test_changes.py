"""``changes``: the entities whose status or flags differ between two dates, checked
against each date's verdicts one by one; the events told with them lie between the dates
and name the entity's own listings and renames; the bundled case; the command."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import ownership
from ownership import chosen_explanations, status_changes
from ownership.cli import app
from ownership.errors import OwnershipError
from ownership.io.jsontext import encode_exact
from ownership.io.verdicts import write_csv
from ownership.model import Entity

from .factories import dataset, dated_datasets, listed, owns

DAYS = [dt.date(2020, 1, 1), dt.date(2022, 6, 1), dt.date(2024, 1, 1), dt.date(2025, 10, 1)]
SHARES = ["10", "25", "33.3", "50", "60", "100"]
RULES = ["ofac-50", "bis-affiliates", "eu", "uk", "look-through"]
EVENT_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2}): ")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dated_datasets(DAYS, SHARES, renames=True),
    st.sampled_from(RULES),
    st.lists(st.sampled_from(DAYS), min_size=2, max_size=2, unique=True).map(sorted),
)
def test_changed_entities_are_those_whose_verdicts_differ(
    data: ownership.Dataset, rule: str, days: list[dt.date]
) -> None:
    first, second = days
    report = ownership.changes(data, first, second, rule)
    a = ownership.analyze(data, rule, first)
    b = ownership.analyze(data, rule, second)
    expected = {
        e.id
        for e in data.entities
        if a.status(e.id) != b.status(e.id)
        or a.flags_by_position.get(a.compiled.index[e.id], [])
        != b.flags_by_position.get(b.compiled.index[e.id], [])
    }
    rows = report.to_records()
    assert {r["id"] for r in rows} == expected
    for row in rows:
        assert row["status_from"] == a.status(row["id"]).value
        assert row["status_to"] == b.status(row["id"]).value
        assert row["explanation_from"] == a.verdict(row["id"]).explanation
        assert row["explanation_to"] == b.verdict(row["id"]).explanation
        assert row["events"]
        for event in row["events"]:
            day = EVENT_DAY.match(event)
            if day:  # a dated event lies between the dates
                assert first < dt.date.fromisoformat(day.group(1)) <= second
        # its own listing on a list the rule reads, begun between the dates, is told
        for listing in data.listings:
            if (
                listing.entity == row["id"]
                and listing.start is not None
                and first < listing.start <= second
                and a.rule.reads(listing.list, listing.program)
            ):
                assert any(f"added to {listing.list}" in event for event in row["events"])
        entity = next(e for e in data.entities if e.id == row["id"])
        for former in entity.former_names:
            if former.until is not None and first <= former.until < second:
                assert any(f"{former.name} renamed" in event for event in row["events"])


def test_the_affiliates_rule_window_is_told_when_it_opens_and_is_stayed() -> None:
    data = ownership.load(ownership.bundled_dataset())
    opened = ownership.changes(data, "2025-09-28", "2025-09-29")
    assert (
        opened.rule_change is not None and "in force 2025-09-29..2025-11-09" in opened.rule_change
    )
    flagged = {r["id"]: r for r in opened.to_records()}
    assert flagged["inspur-cisco-jv"]["flags_to"] == ["possibly_covered"]
    assert opened.rule_change in flagged["inspur-cisco-jv"]["events"]
    stayed = ownership.changes(data, "2025-11-09", "2025-11-10")
    assert stayed.rule_change is not None
    assert {r["id"] for r in stayed.to_records()} == set(flagged)


def test_a_listing_and_a_rename_are_told_with_the_affiliates_they_changed() -> None:
    data = ownership.load(ownership.bundled_dataset())
    report = ownership.changes(data, "2023-01-01", "2023-06-01", name="Aivres Systems")
    rows = {r["id"]: r for r in report.to_records()}
    assert report.counts() == {"clear -> exposed": 11, "clear -> listed": 1}
    listing = "2023-03-02: Inspur Group Co., Ltd. added to entity_list"
    assert all(listing in r["events"] for r in rows.values())
    assert (
        "2023-05-02: Inspur Systems, Inc. renamed Aivres Systems Inc."
        in (rows["aivres-systems"]["events"])
    )


def test_dates_out_of_order_are_refused() -> None:
    data = ownership.load(ownership.bundled_dataset())
    with pytest.raises(OwnershipError, match="is not after --from"):
        ownership.changes(data, "2025-01-01", "2024-01-01")


runner = CliRunner()


def test_the_command_in_every_format() -> None:
    base = ["changes", "--from", "2023-01-01", "--to", "2023-06-01"]
    table = runner.invoke(app, base)
    assert table.exit_code == 0, table.output
    assert "12 entities changed" in table.output
    doc_text = runner.invoke(app, [*base, "--format", "json"]).stdout
    doc = json.loads(doc_text)
    # the rows one per line, after the head
    row_lines = [line.strip().rstrip(",") for line in doc_text.splitlines()[12:-2]]
    assert [json.loads(line) for line in row_lines] == doc["changes"]
    bundled = ownership.load(ownership.bundled_dataset())
    streamed = ownership.changes(bundled, "2023-01-01", "2023-06-01").json_document()
    assert next(streamed).endswith('"changes": [')  # the head first, before any row is made
    assert doc["counts"] == {"clear -> exposed": 11, "clear -> listed": 1}
    assert doc["changes"][0]["id"] == "inspur-group"
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, [*base, "-f", "csv"]).stdout)))
    assert rows[0]["status_from"] == "clear" and rows[0]["status_to"] == "listed"
    assert [r["id"] for r in rows] == [r["id"] for r in doc["changes"]]
    assert rows[0]["explanation_to"] == doc["changes"][0]["explanation_to"]
    lines = runner.invoke(app, [*base, "-f", "jsonl"]).stdout.splitlines()
    assert [json.loads(line) for line in lines] == doc["changes"]
    for bad, message in (
        (["changes", "--from", "2023-01-01"], "give both dates"),
        (["changes", "--from", "2023-13-01", "--to", "2024-01-01"], "give a date as YYYY-MM-DD"),
        (["changes", "--from", "2024-01-01", "--to", "2023-01-01"], "is not after --from"),
    ):
        refused = runner.invoke(app, bad)
        assert refused.exit_code == 2 and message in refused.output
        assert "Traceback" not in refused.output


@pytest.mark.parametrize(("first", "told"), [("2023-12-31", True), ("2024-01-01", False)])
def test_a_rename_is_told_only_when_its_first_day_is_after_the_first_date(
    first: str, told: bool
) -> None:
    renamed = Entity(
        id="r", name="New R", former_names=[{"name": "Old R", "until": dt.date(2023, 12, 31)}]
    )
    data = dataset(renamed, listed("r", "entity_list", start=dt.date(2024, 6, 1)))
    rows = ownership.changes(data, first, "2025-01-01").to_records()
    assert [r["id"] for r in rows] == ["r"]
    assert ("2024-01-01: Old R renamed New R" in rows[0]["events"]) is told
    assert "2024-06-01: New R added to entity_list" in rows[0]["events"]


def test_a_holding_begun_up_the_chain_is_told_with_the_entities_below() -> None:
    data = dataset(
        listed("p", "sdn", start=dt.date(2020, 1, 1)),
        owns("p", "x", 60, start=dt.date(2024, 6, 1)),
        owns("x", "e", 100),
        owns("q", "z", 100),
    )
    rows = {
        r["id"]: r
        for r in ownership.changes(data, "2024-01-01", "2025-01-01", "ofac-50").to_records()
    }
    assert set(rows) == {"x", "e"}
    assert rows["e"]["status_from"] == "clear" and rows["e"]["status_to"] == "covered"
    for entity in ("x", "e"):
        assert rows[entity]["events"] == ["2024-06-01: P now holds 60% of X"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dated_datasets(DAYS, SHARES, renames=True),
    st.sampled_from(RULES),
    st.lists(st.sampled_from(DAYS), min_size=2, max_size=2, unique=True).map(sorted),
    st.integers(1, 4),
)
def test_explanations_made_by_columns_are_those_made_one_at_a_time(
    data: ownership.Dataset, rule: str, days: list[dt.date], batch: int
) -> None:
    report = ownership.changes(data, days[0], days[1], rule)
    one_at_a_time = report.to_records()
    encoded = [encode_exact(row) for row in one_at_a_time]
    assert list(report.json_lines()) == encoded
    written = io.StringIO()
    write_csv(one_at_a_time, written, list(status_changes.CSV_COLUMNS))
    assert "".join(report.csv_lines()) == written.getvalue()
    # the whole report streamed: the same document
    assert json.loads("".join(report.json_document())) == report.to_dict()
    with (
        mock.patch.object(status_changes, "BY_COLUMNS", -1),
        mock.patch.object(status_changes, "ROWS_AT_ONCE", batch),
        mock.patch.object(chosen_explanations, "AT_ONCE", batch),
    ):
        by_columns = report.to_records()
        lines = list(report.json_lines())
        csv_text = "".join(report.csv_lines())
    assert by_columns == one_at_a_time
    # the explanations put in as made: the same text as each row's encoded
    assert lines == encoded
    assert csv_text == written.getvalue()


def test_a_holding_begun_and_ended_between_the_dates_is_not_told() -> None:
    data = dataset(
        listed("p", "sdn", start=dt.date(2020, 1, 1)),
        owns("p", "e", 60, start=dt.date(2024, 6, 1)),
        owns("p", "e", 40, start=dt.date(2024, 3, 1), end=dt.date(2024, 4, 1)),
    )
    rows = ownership.changes(data, "2024-01-01", "2025-01-01", "ofac-50").to_records()
    assert [r["events"] for r in rows] == [["2024-06-01: P now holds 60% of E"]]


def test_rows_with_awkward_names_are_written_as_their_records() -> None:
    """Names with commas, quotes, line breaks, formula starts and control characters:
    the JSON and CSV lines made from the explanations as made are those of the records,
    one at a time and by columns."""
    names = ['Quote "Q", Ltd', "=SUM(A1)", "Line\nbreak\x1b Co.", "Fund No. 2.", "株式会社 Ω"]
    data = dataset(
        *(Entity(id=f"e{k}", name=name) for k, name in enumerate(names)),
        *(owns("top", f"e{k}", 60) for k in range(len(names))),
        listed("top", "sdn", start=dt.date(2024, 6, 1)),
    )
    report = ownership.changes(data, "2024-01-01", "2025-01-01", "ofac-50")
    assert len(report) == len(names) + 1
    for limit in (status_changes.BY_COLUMNS, -1):
        with mock.patch.object(status_changes, "BY_COLUMNS", limit):
            records = report.to_records()
            written = io.StringIO()
            write_csv(records, written, list(status_changes.CSV_COLUMNS))
            assert "".join(report.csv_lines()) == written.getvalue()
            assert list(report.json_lines()) == [encode_exact(r) for r in records]
