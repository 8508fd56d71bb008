"""Verdicts out: JSON, JSON lines and CSV for pipelines.

The JSON object of one verdict is documented in the README ("Output") and kept stable:
``id``, ``name``, ``country``, ``status``, ``flags``, ``rule``, ``window``, ``as_of``,
``threshold``, ``effective_percent``, ``legal_percent``, ``legal_percent_max``,
``listed_ancestors``, ``listed_ancestors_total``, ``nearest_listed``, ``chain``,
``chain_via``, ``owners``, ``listings``, ``explanation``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TextIO

from ..model import fmt_decimal
from ..verdict import NESTED_FIELDS, VERDICT_FIELDS
from .cells import for_spreadsheet, visible
from .jsontext import encode_exact

__all__ = [
    "AFFILIATE_CSV_COLUMNS",
    "CSV_COLUMNS",
    "csv_cell",
    "csv_line",
    "encode_exact",
    "write_csv",
    "write_json",
    "write_jsonl",
    "write_tsv",
]

#: The columns of a verdict CSV: the verdict's fields but those holding records.
CSV_COLUMNS = [name for name in VERDICT_FIELDS if name not in NESTED_FIELDS]


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
    "path_via",
    "red_flags",
    "rule",
    "window",
    "as_of",
    "explanation",
]


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
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow(_cells(record, columns))


def csv_line(record: dict[str, Any], columns: list[str] | None = None) -> str:
    """One record as the line :func:`write_csv` writes for it."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(_cells(record, columns or CSV_COLUMNS))
    return out.getvalue()


#: What makes the csv module quote a cell (besides being a line's only, empty cell).
_QUOTED_FOR = re.compile('[",\r\n]')


def csv_cell(value: Any) -> str:
    """``value`` as a cell of a CSV line, as :func:`write_csv` writes it among others
    (lists joined, spreadsheet formulas and control characters made harmless, quoted
    when it must be)."""
    cell = _cell(value)
    if isinstance(cell, str) and not _QUOTED_FOR.search(cell):
        return cell
    line = csv_line({"cell": value}, ["cell"]).removesuffix("\n")
    return "" if line == '""' else line  # as the only cell of a line, an empty one is ""


def write_tsv(records: Iterable[dict[str, Any]], out: TextIO, columns: list[str]) -> None:
    """Tab-separated rows for a pipe: a header, then a line per record, cells as
    :func:`write_csv` writes them with tabs and line breaks inside a cell as spaces (no
    quoting, so ``cut -f`` works)."""
    out.write("\t".join(columns) + "\n")
    for record in records:
        cells = ("" if value is None else str(value) for value in _cells(record, columns))
        out.write(
            "\t".join(
                " ".join(cell.split("\t")).replace("\n", " ").replace("\r", " ") for cell in cells
            )
            + "\n"
        )


def _cells(record: dict[str, Any], columns: list[str]) -> list[Any]:
    return [_cell(record.get(c)) for c in columns]


def _cell(value: Any) -> Any:
    """A CSV cell: lists joined with ``;``, text that a spreadsheet would run as a
    formula quoted (:mod:`ownership.io.cells`), and control characters (an escape
    sequence in a name would act on the terminal showing the report) written as their
    escapes, ``\\x1b``."""
    if isinstance(value, Decimal):
        return fmt_decimal(value)
    if isinstance(value, list):
        value = ";".join(v["message"] if isinstance(v, dict) else str(v) for v in value)
    if value is None:
        return ""
    return for_spreadsheet(visible(value)) if isinstance(value, str) else value
