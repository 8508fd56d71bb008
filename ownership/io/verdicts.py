"""Verdicts out: JSON, JSON lines and CSV for pipelines.

The JSON object of one verdict is documented in the README ("Output") and kept stable:
``id``, ``name``, ``country``, ``status``, ``flags``, ``rule``, ``window``, ``as_of``,
``threshold``, ``effective_percent``, ``legal_percent``, ``legal_percent_max``,
``listed_ancestors``, ``nearest_listed``, ``chain``, ``owners``, ``listings``,
``explanation``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import Any, TextIO

__all__ = ["AFFILIATE_CSV_COLUMNS", "CSV_COLUMNS", "write_csv", "write_json", "write_jsonl"]

CSV_COLUMNS = [
    "id",
    "name",
    "country",
    "status",
    "flags",
    "effective_percent",
    "legal_percent",
    "legal_percent_max",
    "listed_ancestors",
    "nearest_listed",
    "chain",
    "rule",
    "window",
    "as_of",
    "threshold",
    "explanation",
]


AFFILIATE_CSV_COLUMNS = [
    "id",
    "name",
    "country",
    "relation",
    "status",
    "flags",
    "depth",
    "direct_share",
    "look_through_percent",
    "legal_percent",
    "legal_percent_max",
    "path",
    "red_flags",
    "rule",
    "window",
    "as_of",
    "explanation",
]


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def write_json(records: Iterable[dict[str, Any]], out: TextIO) -> None:
    out.write("[")
    for number, record in enumerate(records):
        out.write((",\n  " if number else "\n  ") + _ENCODE(record))
    out.write("\n]\n")


def write_jsonl(records: Iterable[dict[str, Any]], out: TextIO) -> None:
    encode = _ENCODE
    for record in records:
        out.write(encode(record) + "\n")


def write_csv(
    records: Iterable[dict[str, Any]], out: TextIO, columns: list[str] | None = None
) -> None:
    columns = columns or CSV_COLUMNS
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({c: _cell(record.get(c)) for c in columns})


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return ";".join(v["message"] if isinstance(v, dict) else str(v) for v in value)
    if value is None:
        return ""
    return value
