"""A native CSV folder read by the scale engines themselves: the three tables made in
SQL, so a folder larger than memory never passes through Python.

The engines read the columns verdicts use, in the forms the native writer writes them:
``entities.csv`` ``id`` and ``country``; ``holdings.csv`` ``owner``, ``owned``, ``kind``,
the share columns, ``start``, ``end`` and ``sources``; ``listings.csv`` ``entity``,
``list``, ``program``, ``start`` and ``end``. Entities are numbered in file order. A cell
in another form is refused in one line naming the file, the row and the column (the
default engine reads more forms, and checks every column). Other files of the folder
(``arrangements.csv``, ``sources.csv``) are not read: no rule the engines run uses them.

Every statement is written once, as SQL text both engines run; an engine says how a CSV
file becomes a table of strings with its row numbers, how a text matches a pattern, how
a date becomes a day number and how a ``;`` list becomes a key (:class:`CsvReader`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .._re2 import PYTHON_SPACE, SURROUNDING_SPACE
from ..columns import NO_END, NO_START
from ..errors import OwnershipError
from ..io.native_format import CSV_COLUMNS, CSV_FILES
from .base import HUNDRED, Executor
from .checks import first_failing
from .output import FORMULA_STARTS
from .rounds import big

__all__ = ["CsvFolder", "CsvReader", "is_csv_folder", "read_csv_folder"]

SECTIONS = ("entities", "holdings", "listings")
#: Columns without which a section cannot be read.
REQUIRED = {"entities": ("id",), "holdings": ("owner", "owned"), "listings": ("entity", "list")}
#: The columns the engines read, per section.
USED = {
    "entities": ("id", "country"),
    "holdings": (
        "owner", "owned", "kind", "percent", "minimum", "exclusiveMinimum", "maximum",
        "exclusiveMaximum", "start", "end", "sources",
    ),
    "listings": ("entity", "list", "program", "start", "end"),
}  # fmt: skip
SHARE_COLUMNS = ("percent", "minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum")
#: A share as the native writer writes it: up to 100, at most 18 decimal places.
PLAIN_SHARE = "^[0-9]{1,3}([.][0-9]{1,18})?$"
PLAIN_DATE = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
COUNTRY_CODE = "^[A-Za-z]{2}$"
#: Python's whitespace at either end of a string, as ``str.strip()`` takes it off.
STRIPPED_SPACE = rf"^[{PYTHON_SPACE}]+|[{PYTHON_SPACE}]+$"
_DEFAULT = "or load the folder without --engine"


@dataclass(frozen=True)
class CsvFolder:
    """A native CSV folder, for an engine to read with :func:`read_csv_folder`."""

    path: Path


def is_csv_folder(path: Path) -> bool:
    return path.is_dir() and (path / CSV_FILES["entities"]).is_file()


class CsvReader(Executor, Protocol):
    """What reading a CSV folder needs from an engine, besides the statements."""

    def read_csv(self, name: str, path: Path, width: int) -> None:
        """Table ``name`` from a CSV file: ``record``, the row's number in the file from
        0, and its ``width`` columns as text named by position (``f0``, ``f1``, ...)."""

    def day_number(self, day: str) -> str:
        """A DATE as its day number (``date.toordinal``)."""

    def list_key(self, value: str) -> str:
        """A ``;`` list's distinct items (each with :data:`STRIPPED_SPACE` taken out,
        empty ones dropped), sorted, joined by ``;``: the key of a sources cell."""


def read_csv_folder(ex: CsvReader, folder: Path) -> None:
    """Tables ``entities``, ``holdings`` and ``listings`` (:mod:`ownership.scale.tables`)
    from the CSV files in ``folder``; the first cell the engines cannot read is refused."""
    for section in SECTIONS:
        _raw(ex, section, folder / CSV_FILES[section])
    _entities(ex, folder / CSV_FILES["entities"])
    _holdings(ex, folder / CSV_FILES["holdings"])
    _listings(ex, folder / CSV_FILES["listings"])


def _raw(ex: CsvReader, section: str, path: Path) -> None:
    """Table ``raw_<section>``: the used columns as text (absent ones NULL), spreadsheet
    quotes taken off as the native reader takes them (:func:`ownership.io.cells.restored`)."""
    known = CSV_COLUMNS[section]
    if path.is_file():
        header = _header(path)
        for k, name in enumerate(header):
            if name in header[:k]:
                raise OwnershipError(f"{path}: column {name!r} is in the header twice")
            if name not in known:
                raise OwnershipError(
                    f"{path}: unknown column {name!r}; the columns are {', '.join(known)}"
                )
        for name in REQUIRED[section]:
            if name not in header:
                raise OwnershipError(f"{path}: no column {name!r}; add it to the header")
        ex.read_csv(f"file_{section}", path, len(header))
        source = f"file_{section}"
    else:
        header = []
        source = "(SELECT CAST(0 AS BIGINT) AS record) none WHERE FALSE"
    cells = ", ".join(
        f"{_restored(f'f{header.index(name)}')} AS {_quoted(name)}"
        if name in header
        else f"CAST(NULL AS STRING) AS {_quoted(name)}"
        for name in USED[section]
    )
    ex.table(f"raw_{section}", f"SELECT record, {cells} FROM {source}")


def _header(path: Path) -> list[str]:
    """The names in a CSV file's first row (read here: the engines number columns)."""
    import csv

    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return next(csv.reader(handle), [])
    except UnicodeDecodeError as error:
        message = f"{path}: not UTF-8 text ({error.reason}); save it as UTF-8"
        raise OwnershipError(message) from error
    except csv.Error as error:
        raise OwnershipError(f"{path}: the header is not CSV ({error})") from error


def _quoted(name: str) -> str:
    """A used column's name in the engines' tables (the file's names may be SQL words)."""
    return f"c_{name}"


def _restored(cell: str) -> str:
    """An empty cell as NULL, and one quote taken off a cell the native writer quoted."""
    value = f"NULLIF({cell}, '')"
    quoted = f"{FORMULA_STARTS}, chr(39)"
    return (
        f"CASE WHEN substr({value}, 1, 1) = chr(39) AND substr({value}, 2, 1) IN ({quoted}) "
        f"THEN substr({value}, 2) ELSE {value} END"
    )


def _entities(ex: CsvReader, path: Path) -> None:
    _refuse_first(
        ex,
        "raw_entities",
        path,
        [
            ("c_id IS NULL", "id", "c_id", "every entity needs an id"),
            (_replaced("c_id"), "id", "c_id", _NOT_UTF8),
            (ex.matches("c_id", SURROUNDING_SPACE), "id", "c_id", "take the spaces off it"),
            (
                f"c_country IS NOT NULL AND NOT {ex.matches('c_country', COUNTRY_CODE)}",
                "country",
                "c_country",
                f"write a two-letter code such as CN, {_DEFAULT}",
            ),
        ],
    )
    twice = ex.rows(
        "SELECT c_id, MIN(record) FROM raw_entities GROUP BY c_id HAVING COUNT(*) > 1 "
        "ORDER BY 2 LIMIT 1"
    )
    if twice:
        entity, first = twice[0]
        raise OwnershipError(
            f"{path}: id {entity!r} is on more than one row (row {first + 1} first); "
            "entity ids must be distinct"
        )
    ex.table(
        "entities",
        "SELECT record AS id, c_id AS entity_id, upper(c_country) AS country FROM raw_entities",
    )


#: Spark reads bytes that are not UTF-8 as U+FFFD (DuckDB refuses them): ids holding it
#: may be two ids read as one.
_NOT_UTF8 = "holds U+FFFD, written where a file is not UTF-8: save the file as UTF-8"


def _replaced(cell: str) -> str:
    # the character itself: Spark's chr() takes its argument modulo 256
    return f"instr({cell}, '\ufffd') > 0"


def _share(ex: CsvReader, column: str) -> str:
    """A share cell as DECIMAL(38,0), percent x 10**18 (NULL when absent or not plain)."""
    cell = _quoted(column)
    digits = f"split_part({cell}, '.', 1) || rpad(split_part({cell}, '.', 2), 18, '0')"
    return f"CASE WHEN {ex.matches(cell, PLAIN_SHARE)} THEN TRY_CAST({digits} AS DECIMAL(38,0)) END"


def _day(ex: CsvReader, column: str) -> str:
    """A date cell as a day number (NULL when absent or not a date)."""
    cell = _quoted(column)
    plain = f"{ex.matches(cell, PLAIN_DATE)} AND substr({cell}, 1, 4) <> '0000'"
    return f"CASE WHEN {plain} THEN {ex.day_number(f'TRY_CAST({cell} AS DATE)')} END"


def _dates(ex: CsvReader) -> str:
    return f"{_day(ex, 'start')} AS start_read, {_day(ex, 'end')} AS end_read"


def _date_problems() -> list[tuple[str, str, str, str]]:
    return [
        *(
            (f"c_{c} IS NOT NULL AND {c}_read IS NULL", c, f"c_{c}", "write a date as 2024-03-15")
            for c in ("start", "end")
        ),
        (
            "start_read IS NOT NULL AND end_read IS NOT NULL AND start_read > end_read",
            "start",
            "c_start",
            "the start must not be after the end",
        ),
    ]


def _named(ex: CsvReader, table: str, columns: tuple[str, ...]) -> str:
    """``table`` with each column of ``columns`` (entity ids) joined to its number."""
    joins = " ".join(f"LEFT JOIN entities e_{c} ON e_{c}.entity_id = t.c_{c}" for c in columns)
    numbers = ", ".join(f"e_{c}.id AS {c}_number" for c in columns)
    return f"SELECT t.*, {numbers} FROM {table} t {joins}"


def _unknown(column: str, what: str) -> list[tuple[str, str, str, str]]:
    return [
        (f"c_{column} IS NULL", column, f"c_{column}", f"every {what} needs one"),
        (_replaced(f"c_{column}"), column, f"c_{column}", _NOT_UTF8),
        (
            f"{column}_number IS NULL",
            column,
            f"c_{column}",
            "is not an id in entities.csv; add the entity or correct the id",
        ),
    ]


def _holdings(ex: CsvReader, path: Path) -> None:
    shares = ", ".join(f"{_share(ex, c)} AS {c}_read" for c in SHARE_COLUMNS)
    key = ex.list_key("c_sources")
    ex.table(
        "read_holdings",
        f"SELECT n.*, {shares}, {_dates(ex)}, {key} AS source_key "
        f"FROM ({_named(ex, 'raw_holdings', ('owner', 'owned'))}) n",
    )
    given = {c: f"c_{c} IS NOT NULL" for c in SHARE_COLUMNS}
    ranged = " OR ".join(given[c] for c in SHARE_COLUMNS[1:])
    low = "COALESCE(percent_read, minimum_read, exclusiveMinimum_read, " + big(0) + ")"
    high = f"COALESCE(percent_read, maximum_read, exclusiveMaximum_read, {big(HUNDRED)})"
    strict = f"({given['exclusiveMinimum']} OR {given['exclusiveMaximum']})"
    shown = "COALESCE(c_percent, c_minimum, c_exclusiveMinimum, '0') || ' to ' || " + (
        "COALESCE(c_percent, c_maximum, c_exclusiveMaximum, '100')"
    )
    plain = f"a number from 0 to 100 with at most 18 decimal places, such as 33.3, {_DEFAULT}"
    _refuse_first(
        ex,
        "read_holdings",
        path,
        [
            *_unknown("owner", "holding"),
            *_unknown("owned", "holding"),
            ("owner_number = owned_number", "owned", "c_owned", "an entity cannot hold itself"),
            (
                "c_kind IS NOT NULL AND c_kind NOT IN ('ownership', 'control')",
                "kind",
                "c_kind",
                "write ownership or control, or leave it empty",
            ),
            *(
                (
                    f"{given[c]} AND ({c}_read IS NULL OR {c}_read > {big(HUNDRED)})",
                    c,
                    f"c_{c}",
                    plain,
                )
                for c in SHARE_COLUMNS
            ),
            (
                f"{given['percent']} AND ({ranged})",
                "percent",
                "c_percent",
                "give percent or a range (minimum, maximum), not both",
            ),
            (
                f"c_kind = 'control' AND ({given['percent']} OR {ranged})",
                "kind",
                "c_kind",
                "a control link carries no share: take the share off or make it ownership",
            ),
            *(
                (
                    f"{given[a]} AND {given[b]}",
                    b,
                    f"c_{b}",
                    f"give {a} or {b}, not both",
                )
                for a, b in (
                    ("minimum", "exclusiveMinimum"),
                    ("maximum", "exclusiveMaximum"),
                )
            ),
            (
                f"{low} > {high} OR ({low} = {high} AND {strict})",
                "share range",
                shown,
                "the lower bound must be below the upper bound",
            ),
            *_date_problems(),
            (
                "substr(c_sources, 1, 1) = '['",
                "sources",
                "c_sources",
                f"write the sources as a ;-separated list, {_DEFAULT}",
            ),
        ],
    )
    ex.table(
        "provenances",
        "SELECT source_key, ROW_NUMBER() OVER (ORDER BY source_key) AS provenance "
        "FROM (SELECT DISTINCT source_key FROM read_holdings WHERE source_key <> '') k",
    )
    ex.table(
        "holdings",
        f"""SELECT h.owner_number AS owner, h.owned_number AS owned,
                   COALESCE(h.c_kind = 'control', FALSE) AS control,
                   {low} AS low, {high} AS high,
                   {given["exclusiveMinimum"]} AS low_strict,
                   {given["exclusiveMaximum"]} AS high_strict,
                   CAST(COALESCE(p.provenance, 0) AS BIGINT) AS provenance,
                   CAST(COALESCE(h.start_read, {int(NO_START)}) AS BIGINT) AS start_day,
                   CAST(COALESCE(h.end_read, {int(NO_END)}) AS BIGINT) AS end_day
            FROM read_holdings h LEFT JOIN provenances p ON p.source_key = h.source_key""",
    )


def _listings(ex: CsvReader, path: Path) -> None:
    ex.table(
        "read_listings",
        f"SELECT n.*, {_dates(ex)} FROM ({_named(ex, 'raw_listings', ('entity',))}) n",
    )
    _refuse_first(
        ex,
        "read_listings",
        path,
        [
            *_unknown("entity", "listing"),
            ("c_list IS NULL", "list", "c_list", "name the list, such as entity_list or sdn"),
            *((_replaced(f"c_{c}"), c, f"c_{c}", _NOT_UTF8) for c in ("list", "program")),
            *(
                (ex.matches(f"c_{c}", SURROUNDING_SPACE), c, f"c_{c}", "take the spaces off it")
                for c in ("list", "program")
            ),
            *_date_problems(),
        ],
    )
    ex.table(
        "listings",
        f"""SELECT entity_number AS entity, c_list AS list_id, c_program AS program,
                   CAST(COALESCE(start_read, {int(NO_START)}) AS BIGINT) AS start_day,
                   CAST(COALESCE(end_read, {int(NO_END)}) AS BIGINT) AS end_day
            FROM read_listings""",
    )


def _refuse_first(
    ex: CsvReader, table: str, path: Path, problems: list[tuple[str, str, str, str]]
) -> None:
    """The first row of ``table`` (in file order) with any of ``problems`` -- (condition,
    column, the cell shown, the fix), checked in order -- refused in one line."""
    cells = " ".join(
        f"WHEN {k} THEN CAST({cell} AS STRING)" for k, (_, _, cell, _) in enumerate(problems)
    )
    conditions = [cond for cond, _, _, _ in problems]
    found = first_failing(ex, table, conditions, f"record, CASE code {cells} END", "record")
    if found:
        code, record, value = found
        _, column, _, fix = problems[code]
        cell = "empty" if value is None else repr(value)
        raise OwnershipError(f"{path}: row {record + 1}, {column} {cell}: {fix}")
