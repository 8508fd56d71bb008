"""Counterparty lists for screening, as they come: CSV, TSV or XLSX, headers as people
write them.

The name column is found among common headers (name, company, supplier, vendor,
customer, counterparty, entity, legal name, ...; ``--name-column`` overrides); a country
column and identifier columns (LEI, unified social credit code, registration number,
DUNS) are picked up by their headers. Every input column is kept for the output. Text
is UTF-8 with or without a byte-order mark, UTF-16 or UTF-32 with one, or the encoding
the user names (``--encoding latin-1``); anything else is refused with the byte and
line, never guessed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError, Problem
from .countries import country_code
from .textfile import decode_text

__all__ = [
    "COUNTRY_COLUMNS",
    "IDENTIFIER_COLUMNS",
    "NAME_COLUMNS",
    "Counterparties",
    "read_counterparties",
]

#: Headers tried, in order, for the name column when the user names none (compared
#: case-insensitively, with ``_`` and ``-`` read as spaces).
NAME_COLUMNS = (
    "name",
    "company",
    "company name",
    "legal name",
    "supplier",
    "supplier name",
    "vendor",
    "vendor name",
    "customer",
    "customer name",
    "counterparty",
    "counterparty name",
    "entity",
    "entity name",
    "party",
    "party name",
    "consignee",
    "organisation",
    "organization",
)
#: Headers tried for the country column.
COUNTRY_COLUMNS = ("country", "country code", "ctry", "country of registration", "jurisdiction")
#: Headers of identifier columns, and the scheme each holds.
IDENTIFIER_COLUMNS = {
    "lei": "lei",
    "lei code": "lei",
    "legal entity identifier": "lei",
    "uscc": "uscc",
    "unified social credit code": "uscc",
    "统一社会信用代码": "uscc",
    "credit code": "uscc",
    "registration number": "registration",
    "registration no": "registration",
    "registry number": "registration",
    "company number": "registration",
    "duns": "duns",
    "duns number": "duns",
}
#: Header cells of an XLSX sheet read before giving up on finding the header row.
XLSX_HEADER_ROWS = 20


@dataclass(frozen=True)
class Counterparties:
    names: list[str]
    countries: list[str | None]
    #: per row, identifier values by scheme (``{"lei": "5493..."}``)
    identifiers: list[dict[str, str]]
    #: per row, every input column as written
    rows: list[dict[str, str]]
    name_column: str
    country_column: str | None = None
    identifier_columns: tuple[str, ...] = ()


def header_key(text: str) -> str:
    """A header as compared: case-folded, ``_`` and ``-`` as spaces, spaces collapsed."""
    return " ".join(text.replace("_", " ").replace("-", " ").casefold().split())


def read_counterparties(
    path: str | Path,
    *,
    name_column: str | None = None,
    country_column: str | None = None,
    encoding: str | None = None,
) -> Counterparties:
    """Read a counterparty file; a missing column or an empty name is an error naming the
    file, the row and the fix."""
    file = Path(path)
    if file.suffix.casefold() in (".xlsx", ".xlsm"):
        header, records, lines = _xlsx_rows(file)
    else:
        header, records, lines = _text_rows(file, encoding)
    return _counterparties(file, header, records, lines, name_column, country_column)


def _text_rows(file: Path, encoding: str | None) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, rows and the line each row starts on, of a CSV or TSV file."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise DataError([Problem(f"cannot open: {exc.strerror}", file=str(file))]) from None
    try:
        text = decode_text(data, encoding)
    except ValueError as exc:
        raise DataError([Problem(str(exc), file=str(file))]) from None
    handle = io.StringIO(text, newline="")
    sample = handle.read(4096)
    handle.seek(0)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(handle, dialect=dialect)
    header = [h.strip() for h in next(reader, [])]
    records, lines = [], []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        records.append(row)
        lines.append(reader.line_num)
    return header, records, lines


def _xlsx_rows(file: Path) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, rows and row numbers of the first sheet of a workbook (openpyxl): the
    header is the first row with a cell in it."""
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a dependency of the package
        raise DataError(
            [Problem("reading XLSX needs openpyxl: pip install openpyxl", file=str(file))]
        ) from None
    try:
        book = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise DataError(
            [
                Problem(
                    f"not a readable XLSX workbook ({type(exc).__name__}); "
                    "save it again from Excel, or as CSV UTF-8",
                    file=str(file),
                )
            ]
        ) from None
    try:
        sheet = book.worksheets[0]
        header: list[str] = []
        records, lines = [], []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = ["" if v is None else str(v).strip() for v in values]
            if not header:
                if any(cells):
                    header = cells
                elif number >= XLSX_HEADER_ROWS:
                    break
                continue
            if any(cells):
                records.append(cells)
                lines.append(number)
    finally:
        book.close()
    return header, records, lines


def _counterparties(
    file: Path,
    header: list[str],
    records: list[list[str]],
    lines: list[int],
    name_column: str | None,
    country_column: str | None,
) -> Counterparties:
    by_key = {header_key(h): h for h in reversed(header) if h}
    column = name_column
    if column is None:
        column = next((by_key[c] for c in NAME_COLUMNS if c in by_key), None)
    if column is None or column not in header:
        wanted = (
            repr(name_column)
            if name_column
            else "name column (" + ", ".join(NAME_COLUMNS[:8]) + ", ...)"
        )
        raise DataError(
            [
                Problem(
                    f"no {wanted} in the header; columns are: {', '.join(header) or '(none)'}; "
                    "pass --name-column",
                    file=str(file),
                    line=1,
                )
            ]
        )
    if country_column is not None and country_column not in header:
        raise DataError(
            [
                Problem(
                    f"no column {country_column!r} in the header; columns are: {', '.join(header)}",
                    file=str(file),
                    line=1,
                )
            ]
        )
    country = country_column or next((by_key[c] for c in COUNTRY_COLUMNS if c in by_key), None)
    schemes = {
        h: IDENTIFIER_COLUMNS[header_key(h)] for h in header if header_key(h) in IDENTIFIER_COLUMNS
    }
    names, countries, identifiers, rows, problems = [], [], [], [], []
    for cells, line in zip(records, lines, strict=True):
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            problems.append(
                Problem(
                    f"{len(cells)} cells for {len(header)} columns; quote a cell that holds "
                    "the separator, or add the column to the header",
                    file=str(file),
                    line=line,
                )
            )
            continue
        clean = {h: (cells[k].strip() if k < len(cells) else "") for k, h in enumerate(header) if h}
        value = clean.get(column, "")
        if not value:
            problems.append(
                Problem(
                    "empty name; fill it in or remove the row",
                    file=str(file),
                    line=line,
                    field=column,
                )
            )
            continue
        names.append(value)
        written = clean.get(country, "") if country else ""
        countries.append(country_code(written) if written else None)
        identifiers.append({scheme: clean[h] for h, scheme in schemes.items() if clean.get(h)})
        rows.append(clean)
    if problems:
        raise DataError(problems)
    return Counterparties(names, countries, identifiers, rows, column, country, tuple(schemes))
