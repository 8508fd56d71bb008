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

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from pydantic import BaseModel

from ..checks import closed_rings, stake_conflicts
from ..columns import (
    ArrowStrings,
    Columns,
    ListingColumns,
    PositionIndex,
    attach_columns,
    sum_into,
)
from ..derived import derived
from ..lazy import MadeOnRead
from ..model import Dataset, Entity, Holding, Listing
from .columnar_cells import (
    Decline,
    entity_columns,
    field_adapter,
    holding_cells,
    holding_columns_of,
    listing_columns_of,
    no_quoted_cells,
    positions,
    present_rows,
)

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
_MODELS: dict[str, type[BaseModel]] = {
    "entities": Entity,
    "holdings": Holding,
    "listings": Listing,
}

T = TypeVar("T", bound=BaseModel)


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

    def _make_many(self, indices: list[int]) -> list[T]:
        # one take of the rows, not a scalar read per cell
        rows = self._table.take(indices).to_pylist() if indices else []
        return [self._make(row) for row in rows]

    def field_values(self, name: str, rows: list[int]) -> list[Any]:
        """One field of some rows, validated as in the records, without building them."""
        from .native_format import parse_list_cell

        column = self._columns.get(name)
        if column is None:
            return [self._model.model_fields[name].get_default(call_default_factory=True)] * len(
                rows
            )
        adapter = field_adapter(self._model, name)
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
    except Decline:
        return None


def _read(folder: Path, progress: Callable[[int, int], None] | None, total: int) -> Dataset:
    import pyarrow as pa
    from pyarrow import csv

    from .native_format import CSV_COLUMNS, CSV_FILES

    present = {s for s, f in CSV_FILES.items() if (folder / f).exists()}
    if "entities" not in present or present - set(_FILES):
        raise Decline("sections other than entities, holdings and listings")
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
            raise Decline("unknown or repeated columns")
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
            raise Decline(str(exc)) from None
        no_quoted_cells(table)
        tables[section] = table
        parsed += path.stat().st_size
        if progress is not None:
            progress(parsed, max(total, parsed))
    entities, holdings, listings = tables["entities"], tables["holdings"], tables["listings"]

    def links() -> tuple[np.ndarray, np.ndarray, ListingColumns]:
        """The holdings' ends and the listed entities as entity positions; an id found
        at another position than its own is given twice."""
        own, owner, owned, listed = positions(
            entities.column("id").combine_chunks(),
            (entities, "id"),
            (holdings, "owner"),
            (holdings, "owned"),
            (listings, "entity"),
        )
        if not np.array_equal(own, np.arange(own.size)):
            raise Decline("duplicate entity ids")
        return owner, owned, listing_columns_of(listings, listed)

    # the ids looked up on one thread, the other cells checked and read on this one: both
    # mostly Arrow kernels, which release the GIL; a doubt about the entities' cells is
    # reported first, as when the halves ran in turn
    with ThreadPoolExecutor(max_workers=1) as pool:
        linked = pool.submit(links)
        ids, names, country = entity_columns(entities)
        cells = holding_cells(holdings)
        owner, owned, listing_columns = linked.result()
    holding_columns = holding_columns_of(cells, owner, owned)
    # the names as one chunk of large strings, shared by the rows and the columns: the
    # verdict writer's texts (large strings) then take them without a copy of their own
    name_at = entities.schema.get_field_index("name")
    one = entities.column(name_at).combine_chunks().cast(pa.large_string())
    tables["entities"] = entities.set_column(name_at, "name", pa.chunked_array([one]))
    names = ArrowStrings(tables["entities"].column(name_at), keep=True)
    columns = Columns(
        ids=ids,
        index=PositionIndex(ids),
        names=names,
        renamed=present_rows(entities, "former_names"),
        aliased=present_rows(entities, "aliases"),
        addressed=present_rows(entities, "addresses"),
        country=country,
        holdings=holding_columns,
        listings=listing_columns,
        places=int(holding_columns.places.max()) if holding_columns.places.size else 0,
    )
    dataset = dataset_from_tables(tables, columns)
    _cross_record_checks(dataset, columns)
    return dataset


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


# ---------------------------------------------------------------------- checks across records


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
            raise Decline("stakes that cannot all be true")


#: The key under which a cached folder keeps :func:`_ring_candidates`.
RING_CANDIDATES = "ring-candidates"


def closed_ring_notes(dataset: Dataset) -> list[Any]:
    """:func:`ownership.checks.closed_rings` of a dataset read by columns, looking only at
    the records of entities that could be on a closed ring (:func:`_ring_candidates`)."""
    from dataclasses import replace

    from ..columns import columns_of

    columns = columns_of(dataset)
    store = derived(dataset).store  # a cached folder keeps them: 0.7 s at 1M entities
    stored = store.get(RING_CANDIDATES) if store is not None else None
    if stored is not None:
        candidates = np.asarray(stored["positions"], dtype=np.int64)
    else:
        candidates = _ring_candidates(columns)
        if store is not None:
            store.put(RING_CANDIDATES, {"positions": candidates})
    rows = _rows_into(columns, candidates)
    if not rows.size:
        return []
    found = closed_rings([dataset.holdings[int(k)] for k in rows])
    return [replace(p, index=int(rows[p.index])) if p.index is not None else p for p in found]


def _ring_candidates(columns: Columns) -> np.ndarray:
    """Entities that could sit on a ring wholly owned among itself: each must be owned
    100% by other such entities, so it lies on a cycle of certain stakes whose members
    own it 100% between them (over all dates: a superset of any one date's).

    Entities are dropped while they break a condition; every condition holds of a
    subset only if of the set, so the order of dropping does not change what is left.
    Those owned short of 100% from inside go first; then those on no cycle, the links
    that cannot lie on one dropped cheaply (:func:`cycle_core`) before the strongly
    connected components of what is left are found; and again, until nothing changes."""
    from ..propagate.arrays import components_among, cycle_core

    h = columns.holdings
    n = columns.n
    hundred = 100 * 10**columns.places
    certain = np.flatnonzero(~h.control & (h.low > 0))
    src, dst, low = h.owner[certain], h.owned[certain], h.low[certain]
    alive = np.ones(n, dtype=bool)
    while True:
        inside = alive[src] & alive[dst]
        src, dst, low = src[inside], dst[inside], low[inside]
        alive &= sum_into(n, dst, low, np.ones(dst.size, dtype=bool)) >= hundred
        inside = alive[src] & alive[dst]
        core = np.flatnonzero(inside)[cycle_core(n, src[inside], dst[inside])]
        if not core.size:
            return np.zeros(0, dtype=np.int64)
        members, count, label = components_among(src[core], dst[core])
        on_cycle = np.zeros(n, dtype=bool)
        on_cycle[members[np.bincount(label, minlength=count)[label] >= 2]] = True
        if np.array_equal(on_cycle, alive):
            return members
        alive = on_cycle
