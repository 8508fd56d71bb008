"""A dataset as the three tables the scale engines read, and their Parquet folder.

Entities are numbered by position (ids as integers, as the in-memory engine numbers
them); holdings and listings refer to those numbers. Shares are exact integers: percent
times ``10**SHARE_PLACES``, as ``DECIMAL(38,0)``, so sums never round and an overflow is
an error, not a wrapped number. Dates are day numbers (``date.toordinal``), open ends
:data:`~ownership.columns.NO_START` and :data:`~ownership.columns.NO_END`.

- ``entities(id BIGINT, entity_id VARCHAR, country VARCHAR)``
- ``holdings(owner, owned BIGINT, control BOOLEAN, low, high DECIMAL(38,0),
  low_strict, high_strict BOOLEAN, provenance BIGINT, start_day, end_day BIGINT)``
- ``listings(entity BIGINT, list_id VARCHAR, program VARCHAR, start_day, end_day BIGINT)``

A folder with ``entities.parquet``, ``holdings.parquet`` and ``listings.parquet`` is read
by the engines without loading it into Python (:func:`is_table_folder`);
:func:`write_table_folder` makes one from any dataset.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..columns import Columns
from ..errors import OwnershipError

__all__ = [
    "SHARE_PLACES",
    "TABLE_FILES",
    "Tables",
    "check_table_schemas",
    "is_table_folder",
    "make_folder",
    "scaled_shares",
    "tables_of",
    "write_table_folder",
]

#: Decimal places of the shares the engines hold: percent x 10**18 as DECIMAL(38,0).
SHARE_PLACES = 18
#: The files of a table folder, by table.
TABLE_FILES = {
    "entities": "entities.parquet",
    "holdings": "holdings.parquet",
    "listings": "listings.parquet",
}


@dataclass(frozen=True)
class Tables:
    """The three tables as Arrow tables."""

    entities: Any
    holdings: Any
    listings: Any


def tables_of(columns: Columns) -> Tables:
    """A dataset's columns as the engines' tables (refused past 18 decimal places)."""
    import pyarrow as pa

    if columns.places > SHARE_PLACES:
        raise OwnershipError(
            f"a share has {columns.places} decimal places; the scale engines hold "
            f"{SHARE_PLACES}: round the shares or use the default engine"
        )
    h, listings = columns.holdings, columns.listings
    entities = pa.table(
        {
            "id": pa.array(np.arange(columns.n, dtype=np.int64)),
            "entity_id": pa.array(columns.ids, type=pa.string()),
            "country": pa.array(columns.country.tolist(), type=pa.string()),
        }
    )
    holdings = pa.table(
        {
            "owner": pa.array(h.owner.astype(np.int64)),
            "owned": pa.array(h.owned.astype(np.int64)),
            "control": pa.array(h.control.astype(bool)),
            "low": scaled_shares(h.low, columns.places),
            "high": scaled_shares(h.high, columns.places),
            "low_strict": pa.array(h.low_strict.astype(bool)),
            "high_strict": pa.array(h.high_strict.astype(bool)),
            "provenance": pa.array(h.provenance.astype(np.int64)),
            "start_day": pa.array(h.start.astype(np.int64)),
            "end_day": pa.array(h.end.astype(np.int64)),
        }
    )
    listing_table = pa.table(
        {
            "entity": pa.array(listings.entity.astype(np.int64)),
            "list_id": pa.array(listings.list_id.tolist(), type=pa.string()),
            "program": pa.array(listings.program.tolist(), type=pa.string()),
            "start_day": pa.array(listings.start.astype(np.int64)),
            "end_day": pa.array(listings.end.astype(np.int64)),
        }
    )
    return Tables(entities, holdings, listing_table)


def scaled_shares(values: Any, places: int) -> Any:
    """Scaled shares (``10**places``) as DECIMAL(38,0) integers scaled ``10**18``: the
    int64 digits are cast, then read with the scale moved, which multiplies exactly."""
    import pyarrow as pa

    shift = SHARE_PLACES - places
    if values.dtype == object:
        return pa.array([int(v) * 10**shift for v in values], type=pa.decimal128(38, 0))
    as_decimal = pa.array(values.astype(np.int64)).cast(pa.decimal128(38, 0))
    return as_decimal.cast(pa.decimal128(38, shift)).view(pa.decimal128(38, 0))


def make_folder(text: str) -> None:
    """``--temp-directory``: made when absent; one line when it cannot be."""
    try:
        Path(text).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise OwnershipError(
            f"--temp-directory {text}: cannot make a folder there ({reason})"
        ) from error


def is_table_folder(path: Path) -> bool:
    return path.is_dir() and all((path / name).is_file() for name in TABLE_FILES.values())


def write_table_folder(tables: Tables, folder: Path) -> None:
    """The tables as Parquet files in ``folder`` (made if absent)."""
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    for name, file in TABLE_FILES.items():
        pq.write_table(getattr(tables, name), folder / file)


def _expected_columns() -> dict[str, dict[str, Any]]:
    import pyarrow as pa

    day, share = pa.int64(), pa.decimal128(38, 0)
    return {
        "entities": {"id": pa.int64(), "entity_id": pa.string(), "country": pa.string()},
        "holdings": {
            "owner": pa.int64(),
            "owned": pa.int64(),
            "control": pa.bool_(),
            "low": share,
            "high": share,
            "low_strict": pa.bool_(),
            "high_strict": pa.bool_(),
            "provenance": pa.int64(),
            "start_day": day,
            "end_day": day,
        },
        "listings": {
            "entity": pa.int64(),
            "list_id": pa.string(),
            "program": pa.string(),
            "start_day": day,
            "end_day": day,
        },
    }


def check_table_schemas(folder: Path) -> None:
    """Each file of a table folder readable, with the columns and types the engines read
    (a clear refusal here, not a wrong verdict later)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    remake = "make the folder again with `ownership export FOLDER --format tables`"
    for name, columns in _expected_columns().items():
        path = folder / TABLE_FILES[name]
        try:
            schema = pq.read_schema(path)
        except (OSError, pa.ArrowException) as error:
            first = str(error).splitlines()[0] if str(error) else type(error).__name__
            message = f"{path}: not a readable Parquet file ({first}); {remake}"
            raise OwnershipError(message) from error
        for column, kind in columns.items():
            if column not in schema.names:
                raise OwnershipError(
                    f"{path}: no column {column!r} (it needs {', '.join(columns)}); {remake}"
                )
            found = schema.field(column).type
            if found != kind and not (kind == pa.string() and found == pa.large_string()):
                raise OwnershipError(f"{path}: column {column!r} is {found}, not {kind}; {remake}")
