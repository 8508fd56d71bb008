"""``docs/verdict.schema.json`` describes what ``analyze`` writes: its fields are the
writers' fields in their order, and every row written validates against it."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ownership import Analysis, analyze, load
from ownership.checks import check_dataset
from ownership.model import Dataset
from ownership.rules import RULES
from ownership.verdict import FLAG_CODES, OWNER_FIELDS, STATUS_CODES, VERDICT_FIELDS
from ownership.verdict_json import write_verdict_lines

from .test_verdict_json import DAYS, FIXTURE, awkwardly_named

jsonschema = pytest.importorskip("jsonschema")

SCHEMA = json.loads(
    (Path(__file__).resolve().parent.parent / "docs" / "verdict.schema.json").read_text()
)
VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)


def rows(analysis: Analysis) -> list[dict]:
    out = io.BytesIO()
    write_verdict_lines(analysis, out)
    return [json.loads(line) for line in out.getvalue().decode().split("\n")[:-1]]


def assert_valid(analysis: Analysis) -> None:
    for row in rows(analysis):
        errors = sorted(VALIDATOR.iter_errors(row), key=str)
        assert not errors, (row["id"], errors[0].message)
        assert list(row) == list(VERDICT_FIELDS)


def test_the_schema_names_the_fields_in_the_order_they_are_written() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    properties = SCHEMA["properties"]
    assert list(properties) == list(VERDICT_FIELDS)
    assert list(properties["owners"]["items"]["properties"]) == list(OWNER_FIELDS)
    assert properties["status"]["enum"] == [s.value for s in STATUS_CODES]
    assert properties["flags"]["items"]["enum"] == [f.value for f in FLAG_CODES]


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rows_of_the_inspur_fixture_validate(rule: str) -> None:
    data = load(FIXTURE)
    for day in DAYS:
        assert_valid(analyze(data, rule, day))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(awkwardly_named(), st.sampled_from(DAYS), st.sampled_from(sorted(RULES)))
def test_rows_of_random_graphs_validate(data: Dataset, day: dt.date, rule: str) -> None:
    assume(not check_dataset(data))
    assert_valid(analyze(data, rule, day))


def test_a_row_the_schema_does_not_describe_is_refused() -> None:
    row = rows(analyze(load(FIXTURE), "bis-affiliates", DAYS[1]))[0]
    for broken in ({**row, "status": "sanctioned"}, {**row, "colour": "red"},
                   {**row, "chain": [row["id"]] * 33}):  # fmt: skip
        assert list(VALIDATOR.iter_errors(broken))


REAL = Path(__file__).resolve().parent / "data" / "real"
REAL_FILES = sorted(p.name for p in REAL.iterdir() if p.name != "README.md")


@pytest.mark.parametrize("name", REAL_FILES)
def test_rows_of_real_files_published_by_others_validate(name: str) -> None:
    data = load(REAL / name)
    assert data.entities
    for rule in ("ofac-50", "bis-affiliates", "look-through"):
        assert_valid(analyze(data, rule, "2025-10-01"))
