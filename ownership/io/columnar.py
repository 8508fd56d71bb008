"""Columnar reading of large CSV dataset folders.

The strict reader validates every row as a pydantic record: right for finding and naming
every mistake, slow for a million rows. This reader parses the folder with pyarrow,
checks every row with array operations, builds the analysis columns
(:mod:`ownership.columns`) directly, and keeps the rows as Arrow tables: a record becomes
a pydantic object only when something asks for it.

It accepts or declines, never reports: the first doubt (a cell it does not read exactly as
the strict reader would, a duplicate id, stakes above 100, a broken row)
makes it return None, and :func:`ownership.io.native.load_native` then reads the folder
strictly, with every problem named by file, line and field. A folder it accepts yields the
same records as the strict reader.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from pydantic import BaseModel

from .._re2 import PYTHON_SPACE, SURROUNDING_SPACE
from ..checks import closed_rings, stake_conflicts
from ..columns import (
    MAX_PLACES,
    NO_END,
    NO_START,
    Columns,
    HoldingColumns,
    ListingColumns,
    PositionIndex,
    attach_columns,
    object_array,
    provenance_numbers,
)
from ..derived import derived
from ..lazy import MadeOnRead
from ..model import Dataset, Entity, EntityKind, Holding, Listing

__all__ = [
    "COLUMNAR_FROM_BYTES",
    "RowRecords",
    "closed_ring_notes",
    "dataset_from_tables",
    "read_csv_folder_columnar",
]

#: CSV folders at least this large (bytes) are read by columns; smaller ones strictly.
COLUMNAR_FROM_BYTES = 1_000_000

_FILES = {"entities": "entities.csv", "holdings": "holdings.csv", "listings": "listings.csv"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^(\d{1,3})(?:\.(\d+))?$")
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_STRUCTURED = ("former_names", "identifiers", "addresses")
#: ``scheme|value`` pairs with no space, no JSON and no empty part: always valid.
_TOKEN = rf"[^{PYTHON_SPACE};|]+"
_PLAIN_IDENTIFIERS = (
    rf"^[^{PYTHON_SPACE};|\[][^{PYTHON_SPACE};|]*\|{_TOKEN}(?:; ?{_TOKEN}\|{_TOKEN})*$"
)
_MODELS: dict[str, type[BaseModel]] = {
    "entities": Entity,
    "holdings": Holding,
    "listings": Listing,
}

T = TypeVar("T", bound=BaseModel)


class _Decline(Exception):
    """Something the strict reader must look at; the reason is for debugging only."""


class RowRecords(MadeOnRead[T]):
    """Rows of an Arrow table seen as records; each is validated when first asked for."""

    def __init__(self, model: type[T], table: Any) -> None:
        super().__init__()
        self._model = model
        self._table = table
        self._columns = {name: table.column(name) for name in table.column_names}

    def __len__(self) -> int:
        return int(self._table.num_rows)

    def _make_at(self, index: int) -> T:
        return self._make({name: column[index].as_py() for name, column in self._columns.items()})

    def field_values(self, name: str, rows: list[int]) -> list[Any]:
        """One field of some rows, validated as in the records, without building them."""
        from .native_format import parse_list_cell

        column = self._columns.get(name)
        if column is None:
            return [self._model.model_fields[name].get_default(call_default_factory=True)] * len(
                rows
            )
        adapter = _adapter(self._model, name)
        values = []
        for cell in column.take(rows).to_pylist():
            text = cell.strip() if cell is not None else ""
            parsed = parse_list_cell(name, text) if text else []
            values.append(adapter.validate_python(parsed))
        return values

    def _make(self, row: dict[str, Any]) -> T:
        from .native_format import record_from_row

        return self._model.model_validate(record_from_row(row))

    def __iter__(self) -> Iterator[T]:
        position = 0
        for batch in self._table.to_batches(max_chunksize=65536):
            for row in batch.to_pylist():
                made = self._made.get(position)
                yield made if made is not None else self._make(row)
                position += 1

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{len(self)} {self._model.__name__} rows>"


def read_csv_folder_columnar(
    folder: Path, *, progress: Callable[[int, int], None] | None = None, total: int = 0
) -> Dataset | None:
    """The dataset in ``folder``, or None when the strict reader should read it.

    ``progress(bytes_parsed, total)`` is called as each file is parsed.
    """
    try:
        return _read(folder, progress, total)
    except _Decline:
        return None


def _read(folder: Path, progress: Callable[[int, int], None] | None, total: int) -> Dataset:
    import pyarrow as pa
    from pyarrow import csv

    from .native_format import CSV_COLUMNS, CSV_FILES

    present = {s for s, f in CSV_FILES.items() if (folder / f).exists()}
    if "entities" not in present or present - set(_FILES):
        raise _Decline("sections other than entities, holdings and listings")
    tables: dict[str, Any] = {}
    parsed = 0
    for section in _FILES:
        path = folder / _FILES[section]
        if not path.exists():
            tables[section] = pa.table({})
            continue
        with path.open("rb") as handle:
            header = handle.readline().decode("utf-8-sig").strip("\r\n").split(",")
        if any(c not in CSV_COLUMNS[section] for c in header) or len(set(header)) != len(header):
            raise _Decline("unknown or repeated columns")
        try:
            table = csv.read_csv(
                path,
                parse_options=csv.ParseOptions(newlines_in_values=True),
                convert_options=csv.ConvertOptions(
                    column_types={c: pa.string() for c in header},
                    strings_can_be_null=True,
                    null_values=[""],
                ),
            )
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise _Decline(str(exc)) from None
        _no_quoted_cells(table)
        tables[section] = table
        parsed += path.stat().st_size
        if progress is not None:
            progress(parsed, max(total, parsed))
    entities, holdings, listings = tables["entities"], tables["holdings"], tables["listings"]

    def links() -> tuple[HoldingColumns, ListingColumns]:
        owner, owned, listed = _positions(
            entities.column("id").combine_chunks(),
            (holdings, "owner"),
            (holdings, "owned"),
            (listings, "entity"),
        )
        return _holdings(holdings, owner, owned), _listings(listings, listed)

    # the two halves are mostly Arrow kernels, which release the GIL: run side by side; a
    # doubt about the entities is reported first, as when the halves ran in turn
    with ThreadPoolExecutor(max_workers=1) as pool:
        linked = pool.submit(links)
        ids, names, country = _entity_columns(entities)
        holding_columns, listing_columns = linked.result()
    columns = Columns(
        ids=ids,
        index=PositionIndex(ids),
        names=names,
        renamed=present_rows(entities, "former_names"),
        aliased=present_rows(entities, "aliases"),
        country=country,
        holdings=holding_columns,
        listings=listing_columns,
        places=int(holding_columns.places.max()) if holding_columns.places.size else 0,
    )
    dataset = dataset_from_tables(tables, columns)
    _cross_record_checks(dataset, columns)
    return dataset


def _no_quoted_cells(table: Any) -> None:
    """Decline cells starting with a quote: a written cell quoted against spreadsheet
    formulas (:mod:`ownership.io.cells`) is read back by the strict reader."""
    import pyarrow.compute as pc

    for column in table.columns:
        if pc.any(pc.starts_with(column, "'")).as_py():
            raise _Decline("a cell starts with a quote")


def _entity_columns(entities: Any) -> tuple[list[str], list[str], np.ndarray]:
    """Ids, names and countries of the entities, every entity cell checked."""
    import pyarrow.compute as pc

    ids = _required(entities, "id")
    if pc.count_distinct(entities.column("id")).as_py() != len(ids):
        raise _Decline("duplicate entity ids")
    names = _required(entities, "name")
    _choice(entities, "kind", {k.value for k in EntityKind})
    country = _country(entities)
    for name in ("aliases", "sources"):
        _plain_list_cells(entities, name, Entity)
    for name in _STRUCTURED:
        _structured_cells(entities, name)
    return ids, names, country


def dataset_from_tables(tables: dict[str, Any], columns: Columns) -> Dataset:
    """A checked dataset over the rows of ``tables``, with its columns already built."""
    dataset = Dataset.of(
        entities=RowRecords(Entity, tables["entities"]),  # type: ignore[arg-type]
        holdings=RowRecords(Holding, tables["holdings"]),  # type: ignore[arg-type]
        listings=RowRecords(Listing, tables["listings"]),  # type: ignore[arg-type]
        arrangements=[],
        sources=[],
    )
    attach_columns(dataset, columns)
    derived(dataset).checked = True
    return dataset


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
    codes = encoded.indices.fill_null(len(values)).to_numpy(zero_copy_only=False)
    return codes.astype(np.int64), [*values, None]


def present_rows(table: Any, name: str) -> np.ndarray:
    """Rows with a value in column ``name``."""
    column = _column(table, name)
    if column is None:
        return np.zeros(table.num_rows, dtype=bool)
    return np.asarray(column.is_valid().to_numpy(zero_copy_only=False), dtype=bool)


def _required(table: Any, name: str) -> list[str]:
    column = _column(table, name)
    if column is None or column.null_count:
        raise _Decline(f"{name}: missing")
    _no_surrounding_space(column, name)
    values: list[str] = column.to_pylist()
    return values


def _no_surrounding_space(column: Any, name: str) -> None:
    """Decline values the strict reader would strip."""
    import pyarrow.compute as pc

    if pc.any(pc.match_substring_regex(column, SURROUNDING_SPACE)).as_py():
        raise _Decline(f"{name}: surrounding spaces")


def _choice(table: Any, name: str, allowed: set[str]) -> tuple[np.ndarray, list[str | None]]:
    codes, values = _cells(table, name)
    if any(v is not None and v not in allowed for v in values):
        raise _Decline(f"{name}: value not allowed")
    return codes, values


def _country(entities: Any) -> np.ndarray:
    codes, values = _cells(entities, "country")
    for value in values:
        if value is not None and not _COUNTRY.match(value):
            raise _Decline("country")
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
def _adapter(model: type[BaseModel], name: str) -> Any:
    from pydantic import TypeAdapter

    annotation: Any = model.model_fields[name].annotation
    return TypeAdapter(annotation)


def _validate_cell(table: Any, name: str, model: type[BaseModel], value: str) -> None:
    from pydantic import ValidationError

    from .native_format import parse_list_cell

    try:
        parsed = parse_list_cell(name, value)
        _adapter(model, name).validate_python(parsed)
    except (ValueError, ValidationError) as exc:
        raise _Decline(f"{name}: {exc}") from None


def _days(table: Any, name: str, missing: int) -> np.ndarray:
    codes, values = _cells(table, name)
    numbers = []
    for value in values:
        if value is None:
            numbers.append(missing)
            continue
        if not _DATE.match(value):
            raise _Decline(f"{name}: not YYYY-MM-DD")
        try:
            numbers.append(dt.date.fromisoformat(value).toordinal())
        except ValueError:
            raise _Decline(f"{name}: not a date") from None
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
            raise _Decline(f"{name}: not a plain decimal")
        whole, fraction = match.group(1), match.group(2) or ""
        if len(fraction) > MAX_PLACES:
            raise _Decline(f"{name}: too many decimals")
        number = int(whole) * 10**MAX_PLACES + int((fraction or "0").ljust(MAX_PLACES, "0"))
        if number > 100 * 10**MAX_PLACES:
            raise _Decline(f"{name}: above 100")
        scaled.append(number)
        places.append(len(fraction) if "." in value else 0)
        present.append(True)
    pick = np.asarray(codes)
    return (
        np.array(scaled, dtype=np.int64)[pick],
        np.array(places, dtype=np.int8)[pick],
        np.array(present, dtype=bool)[pick],
    )


def _positions(ids: Any, *cells: tuple[Any, str]) -> list[np.ndarray]:
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
            raise _Decline(f"{name}: missing")
        chunks += column.chunks
    found = pc.index_in(pa.chunked_array(chunks, pa.string()), value_set=ids)
    if found.null_count:
        raise _Decline("unknown entity")
    every = np.asarray(found.to_numpy(), dtype=np.int64)
    bounds = np.cumsum([0] + [table.num_rows for table, _ in cells])
    return [every[a:b] for a, b in pairwise(bounds)]


# ---------------------------------------------------------------------- sections


def _holdings(table: Any, owner: np.ndarray, owned: np.ndarray) -> HoldingColumns:
    if (owner == owned).any():
        raise _Decline("self-ownership")
    kind_codes, kinds = _choice(table, "kind", {"ownership", "control"})
    control = np.array([k == "control" for k in kinds], dtype=bool)[kind_codes]
    percent, percent_places, has_percent = _shares(table, "percent")
    minimum, min_places, has_min = _shares(table, "minimum")
    ex_min, ex_min_places, has_ex_min = _shares(table, "exclusiveMinimum")
    maximum, max_places, has_max = _shares(table, "maximum")
    ex_max, ex_max_places, has_ex_max = _shares(table, "exclusiveMaximum")
    has_range = has_min | has_ex_min | has_max | has_ex_max
    if (has_percent & has_range).any() or (control & (has_percent | has_range)).any():
        raise _Decline("percent with a range, or a share on a control link")
    if (has_min & has_ex_min).any() or (has_max & has_ex_max).any():
        raise _Decline("both bounds of one kind")
    full = 100 * 10**MAX_PLACES
    low = np.where(has_percent, percent, np.where(has_min, minimum, ex_min))
    high = np.where(
        has_percent, percent, np.where(has_max, maximum, np.where(has_ex_max, ex_max, full))
    )
    if (low > high).any() or ((low == high) & (has_ex_min | has_ex_max)).any():
        raise _Decline("range bounds")
    start = _days(table, "start", NO_START)
    end = _days(table, "end", NO_END)
    if (start > end).any():
        raise _Decline("start after end")
    _plain_list_cells(table, "sources", Holding)
    places = np.maximum.reduce(
        [percent_places, min_places, ex_min_places, max_places, ex_max_places]
    ).astype(np.int8)
    most = int(places.max()) if places.size else 0
    divisor = 10 ** (MAX_PLACES - most)
    return HoldingColumns(
        owner=owner,
        owned=owned,
        control=control,
        low=low // divisor,
        high=high // divisor,
        low_strict=has_ex_min,
        high_strict=has_ex_max,
        places=places,
        percent_given=has_percent,
        range_given=has_range,
        start=start,
        end=end,
        provenance=_provenance(table),
    )


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


def _listings(table: Any, entity: np.ndarray) -> ListingColumns:
    list_codes, list_values = _cells(table, "list")
    if (list_codes == len(list_values) - 1).any() or None in list_values[:-1]:
        raise _Decline("list: missing")
    program_codes, program_values = _cells(table, "program")
    start = _days(table, "start", NO_START)
    end = _days(table, "end", NO_END)
    if (start > end).any():
        raise _Decline("start after end")
    _plain_list_cells(table, "sources", Listing)
    return ListingColumns(
        entity=entity,
        list_id=object_array(list_values)[list_codes],
        program=object_array(program_values)[program_codes],
        start=start,
        end=end,
    )


def _certain_totals(columns: Columns) -> tuple[np.ndarray, np.ndarray, int]:
    """Per entity, the lower bounds of every ownership stake in it over all dates, whether
    one of them is exclusive, and 100 in their scale."""
    h = columns.holdings
    certain = ~h.control & (h.low > 0)
    total = np.zeros(columns.n, dtype=np.int64)
    np.add.at(total, h.owned[certain], h.low[certain])
    more_than = np.zeros(columns.n, dtype=bool)
    more_than[h.owned[certain & h.low_strict]] = True
    return total, more_than, 100 * 10**columns.places


def _rows_into(columns: Columns, entities: np.ndarray) -> np.ndarray:
    h = columns.holdings
    return np.flatnonzero(np.isin(h.owned, entities) & ~h.control)


def _cross_record_checks(dataset: Dataset, columns: Columns) -> None:
    """Stakes that cannot all be true, checked exactly where they could occur: only an
    entity whose certain stakes add up to more than 100 over all dates (or to 100 with
    one of them exclusive) can have them, and those few are checked record by record.
    """
    total, more_than, hundred = _certain_totals(columns)
    # at exactly 100, a stake known only to be more than its bound takes it over
    suspects = np.flatnonzero((total > hundred) | ((total == hundred) & more_than))
    if suspects.size:
        rows = _rows_into(columns, suspects)
        if stake_conflicts([dataset.holdings[int(k)] for k in rows]):
            raise _Decline("stakes that cannot all be true")


def closed_ring_notes(dataset: Dataset) -> list[Any]:
    """:func:`ownership.checks.closed_rings` of a dataset read by columns, looking only at
    the records of entities that could be on a closed ring (:func:`_ring_candidates`)."""
    from dataclasses import replace

    from ..columns import columns_of

    columns = columns_of(dataset)
    rows = _rows_into(columns, _ring_candidates(columns))
    if not rows.size:
        return []
    found = closed_rings([dataset.holdings[int(k)] for k in rows])
    return [replace(p, index=int(rows[p.index])) if p.index is not None else p for p in found]


def _ring_candidates(columns: Columns) -> np.ndarray:
    """Entities that could sit on a ring wholly owned among itself: each must be owned
    100% by other such entities, so it lies on a cycle of certain stakes whose members
    own it 100% between them (over all dates: a superset of any one date's). Cycles come
    from strongly connected components; members short of 100% from inside are dropped
    and the components found again, until nothing changes."""
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    h = columns.holdings
    n = columns.n
    hundred = 100 * 10**columns.places
    certain = np.flatnonzero(~h.control & (h.low > 0))
    src, dst, low = h.owner[certain], h.owned[certain], h.low[certain]
    alive = np.ones(n, dtype=bool)
    while True:
        inside = alive[src] & alive[dst]
        src, dst, low = src[inside], dst[inside], low[inside]
        total = np.zeros(n, dtype=np.int64)
        np.add.at(total, dst, low)
        alive &= total >= hundred
        if not alive.any():
            return np.zeros(0, dtype=np.int64)
        inside = alive[src] & alive[dst]
        graph = sparse.csr_matrix(
            (np.ones(int(inside.sum()), dtype=np.int8), (src[inside], dst[inside])), shape=(n, n)
        )
        _, label = connected_components(graph, directed=True, connection="strong")
        sizes = np.bincount(label, minlength=n)
        on_cycle = alive & (sizes[label] >= 2)
        if np.array_equal(on_cycle, alive):
            return np.flatnonzero(alive)
        alive = on_cycle
