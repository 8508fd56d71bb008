"""The cells of a CSV folder read by columns: each column checked as the strict reader
checks its cells, and turned into the analysis columns of the entities, holdings and
listings (:mod:`ownership.columns`).

A check declines (raises :class:`Decline`) at the first cell it does not read exactly as
the strict reader would; nothing here reports. Kept apart from
:mod:`ownership.io.columnar`, which parses the files, keeps their rows as records and
checks stakes across records: what is here looks at one column, or one table, at a time.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from itertools import pairwise
from typing import Any

import numpy as np
from pydantic import BaseModel

from .._re2 import PYTHON_SPACE, SURROUNDING_SPACE
from ..arrow_numbers import edge_bytes, numbers, present
from ..columns import (
    MAX_PLACES,
    NO_END,
    NO_START,
    ArrowStrings,
    HoldingColumns,
    ListingColumns,
    object_array,
    provenance_numbers,
)
from ..model import Entity, EntityKind, Holding, Listing

__all__ = [
    "Decline",
    "entity_columns",
    "field_adapter",
    "holding_cells",
    "holding_columns_of",
    "listing_columns_of",
    "no_quoted_cells",
    "positions",
    "present_rows",
]


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^(\d{1,3})(?:\.(\d+))?$")
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_STRUCTURED = ("former_names", "identifiers", "addresses")
#: ``scheme|value`` pairs with no space, no JSON and no empty part: always valid.
_TOKEN = rf"[^{PYTHON_SPACE};|]+"
_PLAIN_IDENTIFIERS = (
    rf"^[^{PYTHON_SPACE};|\[][^{PYTHON_SPACE};|]*\|{_TOKEN}(?:; ?{_TOKEN}\|{_TOKEN})*$"
)


class Decline(Exception):
    """Something the strict reader must look at; the reason is for debugging only."""


def no_quoted_cells(table: Any) -> None:
    """Decline cells starting with a quote: a written cell quoted against spreadsheet
    formulas (:mod:`ownership.io.cells`) is read back by the strict reader."""
    import pyarrow.compute as pc

    for column in table.columns:
        if str(column.type) in ("string", "large_string"):  # read from the offsets
            quoted = bool((edge_bytes(column)[0] == ord("'")).any())
        else:
            quoted = bool(pc.any(pc.starts_with(column, "'")).as_py())
        if quoted:
            raise Decline("a cell starts with a quote")


def entity_columns(entities: Any) -> tuple[ArrowStrings, ArrowStrings, np.ndarray]:
    """Ids and names of the entities, kept in Arrow and read as needed (an analysis that
    only writes its verdicts never makes a Python string of either), and countries;
    every entity cell checked."""

    ids = _required(entities, "id")  # distinct: see :func:`positions`
    names = _required(entities, "name")
    _choice(entities, "kind", {k.value for k in EntityKind})
    country = _country(entities)
    for name in ("aliases", "sources"):
        _plain_list_cells(entities, name, Entity)
    for name in _STRUCTURED:
        _structured_cells(entities, name)
    return ArrowStrings(ids, keep=True), ArrowStrings(names, keep=True), country


# ---------------------------------------------------------------------- cells


def _column(table: Any, name: str) -> Any:
    return table.column(name) if name in table.column_names else None


def _cells(table: Any, name: str) -> tuple[np.ndarray, list[str | None]]:
    """Codes per row and the distinct values, None last (an empty cell); each value once."""
    column = _column(table, name)
    if column is None or table.num_rows == 0:
        return np.zeros(table.num_rows, dtype=np.int64), [None]
    encoded = column.combine_chunks().dictionary_encode()
    _no_surrounding_space(encoded.dictionary, name)
    values: list[str] = encoded.dictionary.to_pylist()
    codes = numbers(encoded.indices, missing=len(values))
    return codes.astype(np.int64), [*values, None]


def present_rows(table: Any, name: str) -> np.ndarray:
    """Rows with a value in column ``name``, read from the column's validity bitmaps: a
    cached query need not load Arrow's compute functions (0.15 s) for this alone."""
    column = _column(table, name)
    if column is None:
        return np.zeros(table.num_rows, dtype=bool)
    return present(column)


def _required(table: Any, name: str) -> Any:
    """The column ``name``, a value in every row, none with surrounding spaces."""
    column = _column(table, name)
    if column is None or column.null_count:
        raise Decline(f"{name}: missing")
    _no_surrounding_space(column, name)
    return column


def _no_surrounding_space(column: Any, name: str) -> None:
    """Decline values the strict reader would strip: searched for only among those that
    start or end with a byte a space can be made of (every space is a byte under 0x21
    or a character of bytes from 0x80), read from the offsets."""
    import pyarrow as pa
    import pyarrow.compute as pc

    first, last = edge_bytes(column)
    maybe = (first < 0x21) | (first >= 0x80) | (last < 0x21) | (last >= 0x80)
    if not maybe.any():
        return
    found = pc.match_substring_regex(column.filter(pa.array(maybe)), SURROUNDING_SPACE)
    if pc.any(found).as_py():
        raise Decline(f"{name}: surrounding spaces")


def _choice(table: Any, name: str, allowed: set[str]) -> tuple[np.ndarray, list[str | None]]:
    codes, values = _cells(table, name)
    if any(v is not None and v not in allowed for v in values):
        raise Decline(f"{name}: value not allowed")
    return codes, values


def _country(entities: Any) -> np.ndarray:
    codes, values = _cells(entities, "country")
    for value in values:
        if value is not None and not _COUNTRY.match(value):
            raise Decline("country")
    return np.asarray(object_array([v.upper() if v else None for v in values])[codes])


def _plain_list_cells(table: Any, name: str, model: type[BaseModel]) -> None:
    _, values = _cells(table, name)
    for value in values:
        if value is not None and value.startswith("["):
            _validate_cell(table, name, model, value)


def _structured_cells(table: Any, name: str) -> None:
    """Structured cells (``scheme|value; ...``) are validated as the strict reader would;
    plain identifier cells, which the model always accepts, by one pattern."""
    import pyarrow.compute as pc

    column = _column(table, name)
    if column is None or table.num_rows == 0:
        return
    column = column.drop_null()
    if name == "identifiers":
        column = column.filter(pc.invert(pc.match_substring_regex(column, _PLAIN_IDENTIFIERS)))
    if len(column) == 0:
        return
    distinct = pc.unique(column)
    _no_surrounding_space(distinct, name)
    for value in distinct.to_pylist():
        _validate_cell(table, name, Entity, value)


@functools.cache
def field_adapter(model: type[BaseModel], name: str) -> Any:
    from pydantic import TypeAdapter

    annotation: Any = model.model_fields[name].annotation
    return TypeAdapter(annotation)


def _validate_cell(table: Any, name: str, model: type[BaseModel], value: str) -> None:
    from pydantic import ValidationError

    from .native_format import parse_list_cell

    try:
        parsed = parse_list_cell(name, value)
        field_adapter(model, name).validate_python(parsed)
    except (ValueError, ValidationError) as exc:
        raise Decline(f"{name}: {exc}") from None


def _days(table: Any, name: str, missing: int) -> np.ndarray:
    codes, values = _cells(table, name)
    numbers = []
    for value in values:
        if value is None:
            numbers.append(missing)
            continue
        if not _DATE.match(value):
            raise Decline(f"{name}: not YYYY-MM-DD")
        try:
            numbers.append(dt.date.fromisoformat(value).toordinal())
        except ValueError:
            raise Decline(f"{name}: not a date") from None
    return np.asarray(np.array(numbers, dtype=np.int64)[codes])


def _shares(table: Any, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: scaled value (by 10**MAX_PLACES), decimal places, present."""
    codes, values = _cells(table, name)
    scaled, places, present = [], [], []
    for value in values:
        if value is None:
            scaled.append(0)
            places.append(0)
            present.append(False)
            continue
        match = _NUMBER.match(value)
        if match is None:
            raise Decline(f"{name}: not a plain decimal")
        whole, fraction = match.group(1), match.group(2) or ""
        if len(fraction) > MAX_PLACES:
            raise Decline(f"{name}: too many decimals")
        number = int(whole) * 10**MAX_PLACES + int((fraction or "0").ljust(MAX_PLACES, "0"))
        if number > 100 * 10**MAX_PLACES:
            raise Decline(f"{name}: above 100")
        scaled.append(number)
        places.append(len(fraction) if "." in value else 0)
        present.append(True)
    pick = np.asarray(codes)
    return (
        np.array(scaled, dtype=np.int64)[pick],
        np.array(places, dtype=np.int8)[pick],
        np.array(present, dtype=bool)[pick],
    )


def positions(ids: Any, *cells: tuple[Any, str]) -> list[np.ndarray]:
    """Per (table, column) pair, each row's position among ``ids``: one hash of the ids
    for all the columns that name entities."""
    import pyarrow as pa
    import pyarrow.compute as pc

    chunks = []
    for table, name in cells:
        if table.num_rows == 0:
            continue
        column = _column(table, name)
        if column is None or column.null_count:
            raise Decline(f"{name}: missing")
        chunks += column.chunks
    found = pc.index_in(pa.chunked_array(chunks, pa.string()), value_set=ids)
    if found.null_count:
        raise Decline("unknown entity")
    every = numbers(found).astype(np.int64)
    bounds = np.cumsum([0] + [table.num_rows for table, _ in cells])
    return [every[a:b] for a, b in pairwise(bounds)]


# ---------------------------------------------------------------------- sections


def holding_columns_of(
    cells: dict[str, np.ndarray], owner: np.ndarray, owned: np.ndarray
) -> HoldingColumns:
    """The holdings' columns: their ``cells`` (:func:`holding_cells`) between the
    entities at ``owner`` and ``owned``."""
    if (owner == owned).any():
        raise Decline("self-ownership")
    return HoldingColumns(owner=owner, owned=owned, **cells)


def holding_cells(table: Any) -> dict[str, np.ndarray]:
    """Every holding column but the two ends, each cell checked: worked out while the
    ends are looked up among the entities."""
    kind_codes, kinds = _choice(table, "kind", {"ownership", "control"})
    control = np.array([k == "control" for k in kinds], dtype=bool)[kind_codes]
    percent, percent_places, has_percent = _shares(table, "percent")
    minimum, min_places, has_min = _shares(table, "minimum")
    ex_min, ex_min_places, has_ex_min = _shares(table, "exclusiveMinimum")
    maximum, max_places, has_max = _shares(table, "maximum")
    ex_max, ex_max_places, has_ex_max = _shares(table, "exclusiveMaximum")
    has_range = has_min | has_ex_min | has_max | has_ex_max
    if (has_percent & has_range).any() or (control & (has_percent | has_range)).any():
        raise Decline("percent with a range, or a share on a control link")
    if (has_min & has_ex_min).any() or (has_max & has_ex_max).any():
        raise Decline("both bounds of one kind")
    full = 100 * 10**MAX_PLACES
    low = np.where(has_percent, percent, np.where(has_min, minimum, ex_min))
    high = np.where(
        has_percent, percent, np.where(has_max, maximum, np.where(has_ex_max, ex_max, full))
    )
    if (low > high).any() or ((low == high) & (has_ex_min | has_ex_max)).any():
        raise Decline("range bounds")
    start = _days(table, "start", NO_START)
    end = _days(table, "end", NO_END)
    if (start > end).any():
        raise Decline("start after end")
    _plain_list_cells(table, "sources", Holding)
    places = np.maximum.reduce(
        [percent_places, min_places, ex_min_places, max_places, ex_max_places]
    ).astype(np.int8)
    most = int(places.max()) if places.size else 0
    divisor = 10 ** (MAX_PLACES - most)
    return {
        "control": control,
        "low": low // divisor,
        "high": high // divisor,
        "low_strict": has_ex_min,
        "high_strict": has_ex_max,
        "places": places,
        "percent_given": has_percent,
        "range_given": has_range,
        "start": start,
        "end": end,
        "provenance": _provenance(table),
    }


def _provenance(table: Any) -> np.ndarray:
    """Per row, the number of its sources (:func:`ownership.columns.provenance_numbers`),
    read as the strict reader reads a list cell."""
    import json

    codes, values = _cells(table, "sources")
    keys = []
    for value in values:
        if value is None:
            items: list[str] = []
        elif value.startswith("["):
            items = [str(x) for x in json.loads(value)]  # checked by _plain_list_cells
        else:
            items = [part.strip() for part in value.split(";") if part.strip()]
        keys.append(tuple(sorted(set(items))))
    return np.asarray(provenance_numbers(keys)[codes])


def listing_columns_of(table: Any, entity: np.ndarray) -> ListingColumns:
    list_codes, list_values = _cells(table, "list")
    if (list_codes == len(list_values) - 1).any() or None in list_values[:-1]:
        raise Decline("list: missing")
    program_codes, program_values = _cells(table, "program")
    start = _days(table, "start", NO_START)
    end = _days(table, "end", NO_END)
    if (start > end).any():
        raise Decline("start after end")
    _plain_list_cells(table, "sources", Listing)
    return ListingColumns(
        entity=entity,
        list_id=object_array(list_values)[list_codes],
        program=object_array(program_values)[program_codes],
        start=start,
        end=end,
    )
