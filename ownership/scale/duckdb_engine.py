"""The scale engine's statements on DuckDB: :class:`DuckDBExecutor`, an in-memory
database that spills to disk past its memory limit (``memory_limit``,
``temp_directory``), so data larger than memory can be analysed.

:func:`load_pairs`, :func:`covered_fixed_point_sql` and :func:`reach_from_seeds_sql` run
the rounds over a compiled snapshot and give back the in-memory engine's arrays, which
the tests hold equal.

Needs the ``duckdb`` package (``pip install 'ownership[duckdb]'``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import OwnershipError
from ..propagate import Compiled, FixedPoint, Reachability
from ..rules.base import Rule, Threshold
from . import engine
from .csv_tables import STRIPPED_SPACE
from .rounds import TOTALS, pattern, round_sql
from .tables import TABLE_FILES, Tables, make_folder

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "DuckDBExecutor",
    "connect",
    "covered_fixed_point_sql",
    "load_pairs",
    "reach_from_seeds_sql",
]


def connect(
    memory_limit: str | None = None,
    temp_directory: str | None = None,
) -> Any:
    """An in-memory DuckDB connection, limited to ``memory_limit`` (e.g. "2GB"), whose
    tables and operators spill to ``temp_directory`` past the limit. A clear error when
    DuckDB is not installed."""
    try:
        import duckdb
    except ImportError as error:
        raise OwnershipError(
            "the duckdb engine needs the duckdb package: pip install 'ownership[duckdb]'"
        ) from error
    con = duckdb.connect(":memory:")
    if memory_limit:
        con.execute(f"SET memory_limit = '{_setting(memory_limit)}'")
    if temp_directory:
        make_folder(_setting(temp_directory))
        con.execute(f"SET temp_directory = '{temp_directory}'")
    con.execute("SET preserve_insertion_order = false")
    return con


def _csv_problem(message: str) -> str:
    """DuckDB's CSV error in one line: where (``line N``) and what, without its advice."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    line = re.search(r"CSV Error on Line: (\d+)", message)
    skipped = ("Invalid Input Error", "CSV Error", "Original Line", "Possible")
    reason = next((x for x in lines[1:] if not x.startswith(skipped)), lines[0] if lines else "")
    return f"line {line.group(1)}: {reason}" if line else reason


def _setting(value: str) -> str:
    if "'" in value:
        raise OwnershipError(f"a DuckDB setting cannot contain a quote: {value!r}")
    return value


class DuckDBExecutor:
    """:class:`ownership.scale.engine.Executor` on a DuckDB connection."""

    def __init__(self, con: Any) -> None:
        self.con = con

    def table(self, name: str, query: str) -> None:
        # DuckDB reads the old table to the end before it replaces it
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {query}")

    def append(self, name: str, query: str) -> None:
        self.con.execute(f"INSERT INTO {name} {query}")

    def count(self, name: str) -> int:
        row = self.con.execute(f"SELECT COUNT(*) FROM {name}").fetchone()
        return int(row[0]) if row else 0

    def rows(self, query: str) -> list[tuple[Any, ...]]:
        return list(self.con.execute(query).fetchall())

    def load(self, name: str, table: Any) -> None:
        self.con.register(f"{name}__arrow", table)
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}__arrow")
        self.con.unregister(f"{name}__arrow")

    def single(self, value: str) -> str:
        return f"[{value}]"

    def prepend(self, value: str, values: str) -> str:
        return f"list_prepend({value}, {values})"

    def joined(self, values: str, separator: str) -> str:
        return f"array_to_string({values}, '{separator}')"

    def read_csv(self, name: str, path: Path, width: int) -> None:
        import duckdb

        columns = ", ".join(f"'f{k}': 'VARCHAR'" for k in range(width))
        target = _setting(str(path))
        # no sniffing (it can take a row of the wrong width for a dialect and read none);
        # in file order: the rows keep the order they are read in, and rowid numbers them
        self.con.execute("SET preserve_insertion_order = true")
        try:
            self.con.execute(
                f"""CREATE OR REPLACE TABLE {name}__rows AS SELECT * FROM read_csv('{target}',
                    auto_detect = false, header = true, delim = ',', quote = '"',
                    escape = '"', strict_mode = true, columns = {{{columns}}})"""
            )
        except duckdb.Error as error:
            raise OwnershipError(f"{path}: {_csv_problem(str(error))}") from error
        finally:
            self.con.execute("SET preserve_insertion_order = false")
        self.con.execute(
            f"CREATE OR REPLACE VIEW {name} AS SELECT rowid AS record, * FROM {name}__rows"
        )

    def matches(self, value: str, regex: str) -> str:
        return f"regexp_matches({value}, {pattern(regex, False)})"

    def day_number(self, day: str) -> str:
        return f"CAST(date_diff('day', DATE '0001-01-01', {day}) + 1 AS BIGINT)"

    def list_key(self, value: str) -> str:
        items = f"string_split(COALESCE({value}, ''), ';')"
        strip = f"regexp_replace(x, {pattern(STRIPPED_SPACE, False)}, '', 'g')"
        kept = f"list_filter(list_transform({items}, lambda x: {strip}), lambda x: x <> '')"
        return f"array_to_string(list_sort(list_distinct({kept})), ';')"

    def sources(self, tables: Tables | Path) -> None:
        """The input tables: Arrow tables, or views over a Parquet table folder (read
        as queries need them, never loaded whole)."""
        for name, file in TABLE_FILES.items():
            self.con.execute(f"DROP VIEW IF EXISTS {name}")
            self.con.execute(f"DROP TABLE IF EXISTS {name}")
            if isinstance(tables, Path):
                path = _setting(str(tables / file))
                self.con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
            else:
                self.load(name, getattr(tables, name))


def load_pairs(con: duckdb.DuckDBPyConnection, compiled: Compiled) -> None:
    """A compiled snapshot's pairs (with their index), entities and per-entity
    lower-bound totals as the tables the rounds read."""
    import pyarrow as pa

    n = compiled.n
    pair_count = compiled.src.size

    def ints(values: Any) -> pa.Array:
        if values.dtype == object:  # scaled shares past 64 bits
            return pa.array([int(v) for v in values], type=pa.decimal128(38, 0))
        return pa.array(values.astype(np.int64)).cast(pa.decimal128(38, 0))

    usable = compiled.usable()
    ex = DuckDBExecutor(con)
    ex.load(
        "pairs",
        pa.table(
            {
                "pair": pa.array(np.arange(pair_count, dtype=np.int64)),
                "src": pa.array(compiled.src.astype(np.int64)),
                "dst": pa.array(compiled.dst.astype(np.int64)),
                "low": ints(compiled.low),
                "high": ints(compiled.high),
                "low_strict": pa.array(compiled.low_strict.astype(bool)),
                "high_strict": pa.array(compiled.high_strict.astype(bool)),
                "has_share": pa.array(compiled.has_share.astype(bool)),
                "control": pa.array(compiled.control.astype(bool)),
                "usable": pa.array(usable.astype(bool)),
            }
        ),
    )
    ex.load(
        "nodes",
        pa.table(
            {
                "id": pa.array(np.arange(n, dtype=np.int64)),
                "seed": pa.array(compiled.seeds.astype(bool)),
            }
        ),
    )
    ex.table("totals", TOTALS)


def covered_fixed_point_sql(
    con: duckdb.DuckDBPyConnection,
    compiled: Compiled,
    rule: Rule,
    threshold: Threshold,
    *,
    upper: bool,
) -> FixedPoint:
    """:func:`ownership.propagate.covered_fixed_point`, by the SQL rounds of
    :func:`ownership.scale.engine.fixed_point` over the tables :func:`load_pairs` made."""
    ex = DuckDBExecutor(con)
    engine.fixed_point(ex, rule, threshold, upper=upper, name="fixed", scale=compiled.scale)
    n = compiled.n
    covered = np.zeros(n, dtype=bool)
    rounds = np.full(n, -1, dtype=np.int64)
    ids, joined = _columns(con, "SELECT id, round FROM fixed", 2)
    covered[ids] = True
    rounds[ids] = joined
    received_sql = round_sql(rule, threshold, compiled.scale, upper=upper).received
    ids, received = _columns(con, received_sql, 2, exact=True)
    values = np.zeros(n, dtype=compiled.low.dtype)
    values[ids] = received
    return FixedPoint(covered=covered, received=values, round=rounds)


def reach_from_seeds_sql(con: duckdb.DuckDBPyConnection, compiled: Compiled) -> Reachability:
    """:func:`ownership.propagate.reach_from_seeds`, by the SQL rounds of
    :func:`ownership.scale.engine.reach`."""
    engine.reach(DuckDBExecutor(con), with_pair=True)
    n = compiled.n
    ids, depth, parent, nearest = _columns(con, "SELECT id, depth, pair, nearest FROM reached", 4)
    reached = np.zeros(n, dtype=bool)
    reached[ids] = True
    arrays = [np.full(n, -1, dtype=np.int64) for _ in range(3)]
    for array, values in zip(arrays, (depth, parent, nearest), strict=True):
        array[ids] = values
    return Reachability(reached=reached, depth=arrays[0], parent=arrays[1], nearest_seed=arrays[2])


def _columns(
    con: duckdb.DuckDBPyConnection, query: str, width: int, *, exact: bool = False
) -> list[Any]:
    """The query's columns as int64 arrays (the last as Python ints when ``exact``)."""
    rows = con.execute(f"{query} ORDER BY 1").fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in range(width)]
    out: list[Any] = [np.array(c, dtype=np.int64) for c in columns[: width - 1]]
    last = columns[width - 1]
    out.append(np.array([int(v) for v in last], dtype=object if exact else np.int64))
    return out
