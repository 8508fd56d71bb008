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
import re
import secrets
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TextIO

from ..model import _fmt

__all__ = [
    "AFFILIATE_CSV_COLUMNS",
    "CSV_COLUMNS",
    "encode_exact",
    "write_csv",
    "write_json",
    "write_jsonl",
]

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


#: Decimals are written as exact JSON number literals: the encoder writes each as a string
#: carrying this per-process mark (no input can contain it), then the quotes go.
_NONCE = secrets.token_hex(12)
_MARKED = re.compile('"\\\\u0000' + _NONCE + '([-0-9.]+)"')


def _mark_decimal(value: Any) -> str:
    if isinstance(value, Decimal):
        return "\x00" + _NONCE + _fmt(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


_MARKING = json.JSONEncoder(ensure_ascii=False, default=_mark_decimal).encode


def encode_exact(value: Any) -> str:
    """JSON text of ``value`` with every Decimal as its exact number literal (``50``,
    ``49.99999999999999998``): a share is never rounded across a threshold on its way
    out. A reader that parses numbers into binary floats rounds them; parse them as
    decimals (``json.loads(text, parse_float=Decimal)``) to keep them exact."""
    text = _MARKING(value)
    return _MARKED.sub(r"\1", text) if _NONCE in text else text


def write_json(records: Iterable[dict[str, Any]], out: TextIO) -> None:
    out.write("[")
    for number, record in enumerate(records):
        out.write((",\n  " if number else "\n  ") + encode_exact(record))
    out.write("\n]\n")


def write_jsonl(records: Iterable[dict[str, Any]], out: TextIO) -> None:
    for record in records:
        out.write(encode_exact(record) + "\n")


def write_csv(
    records: Iterable[dict[str, Any]], out: TextIO, columns: list[str] | None = None
) -> None:
    columns = columns or CSV_COLUMNS
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({c: _cell(record.get(c)) for c in columns})


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _fmt(value)
    if isinstance(value, list):
        return ";".join(v["message"] if isinstance(v, dict) else str(v) for v in value)
    if value is None:
        return ""
    return value
