"""Counterparty lists for screening: a CSV with a name column (and optionally a country)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError, Problem
from .textfile import decode_text

__all__ = ["Counterparties", "read_counterparties"]

#: Column names tried, in order, when the user names none.
NAME_COLUMNS = ("name", "counterparty", "company", "entity", "party", "customer", "consignee")
COUNTRY_COLUMNS = ("country", "country_code", "ctry")


@dataclass(frozen=True)
class Counterparties:
    names: list[str]
    countries: list[str | None]
    rows: list[dict[str, str]]
    name_column: str


def read_counterparties(
    path: str | Path, *, name_column: str | None = None, country_column: str | None = None
) -> Counterparties:
    """Read a counterparty CSV; a missing column or empty name is an error naming the row."""
    file = Path(path)
    try:
        handle = io.StringIO(decode_text(file.read_bytes()), newline="")
    except OSError as exc:
        raise DataError([Problem(f"cannot open: {exc.strerror}", file=str(file))]) from None
    except ValueError as exc:
        raise DataError([Problem(str(exc), file=str(file))]) from None
    with handle:
        sample = handle.read(4096)
        handle.seek(0)
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t|")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(handle, dialect=dialect)
        header = [h.strip() for h in reader.fieldnames or []]
        lower = {h.lower(): h for h in header}
        column = name_column
        if column is None:
            column = next((lower[c] for c in NAME_COLUMNS if c in lower), None)
        if column is None or column not in header:
            wanted = (
                repr(name_column)
                if name_column
                else "a name column (" + ", ".join(NAME_COLUMNS) + ")"
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
        country = country_column or next((lower[c] for c in COUNTRY_COLUMNS if c in lower), None)
        names, countries, rows, problems = [], [], [], []
        for row in reader:
            if None in row:  # more cells than the header has columns
                problems.append(
                    Problem(
                        f"{len(row[None]) + len(header)} cells for {len(header)} columns; "
                        "quote a cell that holds the separator, or add the column to the "
                        "header",
                        file=str(file),
                        line=reader.line_num,
                    )
                )
                continue
            clean = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
            value = clean.get(column, "")
            if not value:
                problems.append(
                    Problem(
                        "empty name; fill it in or remove the row",
                        file=str(file),
                        line=reader.line_num,
                        field=column,
                    )
                )
                continue
            names.append(value)
            countries.append(clean.get(country) or None if country else None)
            rows.append(clean)
    if problems:
        raise DataError(problems)
    return Counterparties(names, countries, rows, column)
