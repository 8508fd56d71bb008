"""One list of verdict fields: every output writes the same fields in the same order."""

from __future__ import annotations

import csv
import io
import json

from ownership import analyze, bundled_dataset, load
from ownership.io.verdicts import CSV_COLUMNS, write_csv
from ownership.verdict import NESTED_FIELDS, VERDICT_FIELDS
from ownership.verdict_json import write_verdict_lines
from ownership.verdict_records import verdict_rows


def result():  # type: ignore[no-untyped-def]
    return analyze(load(bundled_dataset()), "bis-affiliates", "2025-10-01")


def test_every_output_writes_the_verdict_fields_in_order() -> None:
    analysis = result()
    expected = list(VERDICT_FIELDS)
    assert all(list(v.to_dict()) == expected for v in analysis.verdicts())
    assert all(list(row) == expected for row in verdict_rows(analysis))
    assert all(list(row) == expected for row in analysis.to_records())
    written = io.BytesIO()
    write_verdict_lines(analysis, written, array=False)
    lines = written.getvalue().decode().splitlines()
    assert lines and all(list(json.loads(line)) == expected for line in lines)
    table = io.StringIO()
    write_csv(analysis.to_records(), table)
    header = next(csv.reader(io.StringIO(table.getvalue())))
    assert header == CSV_COLUMNS == [f for f in expected if f not in NESTED_FIELDS]
