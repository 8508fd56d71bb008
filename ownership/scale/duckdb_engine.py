"""The covered fixed points and reachability of a compiled snapshot, run in DuckDB.

The snapshot's pairs go to DuckDB as an Arrow table; each round is the SQL of
:mod:`ownership.scale.rounds`, so DuckDB can spill to disk (``memory_limit``,
``temp_directory``) where the arrays would not fit. The results are the same arrays as
:func:`ownership.propagate.covered_fixed_point` and :func:`reach_from_seeds` give, which
the tests hold equal.

Needs the ``duckdb`` package (``pip install 'ownership[duckdb]'``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import OwnershipError
from ..propagate import Compiled, FixedPoint, Reachability
from ..rules.base import Rule, Threshold
from .rounds import reach_round, round_sql

if TYPE_CHECKING:
    import duckdb

__all__ = ["connect", "covered_fixed_point_sql", "load_pairs", "reach_from_seeds_sql"]


def connect(memory_limit: str | None = None, temp_directory: str | None = None) -> Any:
    """A DuckDB connection, limited to ``memory_limit`` (e.g. "2GB") and spilling to
    ``temp_directory``; a clear error when DuckDB is not installed."""
    try:
        import duckdb
    except ImportError as error:
        raise OwnershipError(
            "the duckdb engine needs the duckdb package: pip install 'ownership[duckdb]'"
        ) from error
    con = duckdb.connect()
    if memory_limit:
        con.execute(f"SET memory_limit = '{_setting(memory_limit)}'")
    if temp_directory:
        con.execute(f"SET temp_directory = '{_setting(temp_directory)}'")
    return con


def _setting(value: str) -> str:
    if "'" in value:
        raise OwnershipError(f"a DuckDB setting cannot contain a quote: {value!r}")
    return value


def load_pairs(con: duckdb.DuckDBPyConnection, compiled: Compiled) -> None:
    """The snapshot's pairs, entities and per-entity lower-bound totals as tables."""
    import pyarrow as pa

    n = compiled.n
    pair_count = compiled.src.size

    def ints(values: Any) -> pa.Array:
        if values.dtype == object:  # scaled shares past 64 bits: as exact decimals
            return pa.array([int(v) for v in values], type=pa.decimal128(38, 0))
        return pa.array(values.astype(np.int64))

    usable = compiled.usable()
    pairs = pa.table(
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
    )
    entities = pa.table(
        {
            "id": pa.array(np.arange(n, dtype=np.int64)),
            "seed": pa.array(compiled.seeds.astype(bool)),
        }
    )
    con.register("pairs_arrow", pairs)
    con.register("entities_arrow", entities)
    con.execute("CREATE OR REPLACE TABLE pairs AS SELECT * FROM pairs_arrow")
    con.execute("CREATE OR REPLACE TABLE entities AS SELECT * FROM entities_arrow")
    con.unregister("pairs_arrow")
    con.unregister("entities_arrow")
    con.execute(
        """CREATE OR REPLACE TABLE totals AS
           SELECT dst AS id,
                  SUM(CASE WHEN has_share THEN CAST(low AS HUGEINT) ELSE 0 END) AS total_low,
                  SUM(CASE WHEN has_share AND low_strict THEN 1 ELSE 0 END) AS total_low_strict
           FROM pairs GROUP BY dst"""
    )


def covered_fixed_point_sql(
    con: duckdb.DuckDBPyConnection,
    compiled: Compiled,
    rule: Rule,
    threshold: Threshold,
    *,
    upper: bool,
) -> FixedPoint:
    """:func:`ownership.propagate.covered_fixed_point`, by SQL rounds over the tables
    :func:`load_pairs` made."""
    sql = round_sql(rule, threshold, compiled.scale, upper=upper)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE covered AS SELECT id, 0 AS round FROM entities WHERE seed"
    )
    con.execute("CREATE OR REPLACE TEMP TABLE frontier AS SELECT id FROM covered")
    con.execute(
        """CREATE OR REPLACE TEMP TABLE acc (id BIGINT PRIMARY KEY, acc HUGEINT,
           acc_strict BIGINT, in_low HUGEINT, in_low_strict BIGINT)"""
    )
    level = 0
    while _count(con, "frontier"):
        level += 1
        con.execute(f"CREATE OR REPLACE TEMP TABLE step AS {sql.step}")
        if not _count(con, "step"):
            break
        con.execute(
            """INSERT INTO acc SELECT id, add_acc, add_strict, add_in_low, add_in_low_strict
               FROM step
               ON CONFLICT (id) DO UPDATE SET acc = acc + excluded.acc,
                   acc_strict = acc_strict + excluded.acc_strict,
                   in_low = in_low + excluded.in_low,
                   in_low_strict = in_low_strict + excluded.in_low_strict"""
        )
        con.execute(f"CREATE OR REPLACE TEMP TABLE frontier AS {sql.joins}")
        con.execute(f"INSERT INTO covered SELECT id, {level} FROM frontier")
    n = compiled.n
    covered = np.zeros(n, dtype=bool)
    rounds = np.full(n, -1, dtype=np.int64)
    ids, joined = _columns(con, "SELECT id, round FROM covered", 2)
    covered[ids] = True
    rounds[ids] = joined
    ids, received = _columns(con, sql.received, 2, exact=True)
    values = np.zeros(n, dtype=compiled.low.dtype)
    values[ids] = received
    return FixedPoint(covered=covered, received=values, round=rounds)


def reach_from_seeds_sql(con: duckdb.DuckDBPyConnection, compiled: Compiled) -> Reachability:
    """:func:`ownership.propagate.reach_from_seeds`, by SQL rounds."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE reached AS
           SELECT id, 0 AS depth, -1 AS pair, id AS nearest FROM entities WHERE seed"""
    )
    con.execute("CREATE OR REPLACE TEMP TABLE frontier AS SELECT id FROM reached")
    level = 0
    while _count(con, "frontier"):
        level += 1
        con.execute(f"CREATE OR REPLACE TEMP TABLE step AS {reach_round()}")
        con.execute(
            f"""INSERT INTO reached
                SELECT s.id, {level}, s.pair, r.nearest
                FROM step s JOIN reached r ON r.id = s.src"""
        )
        con.execute("CREATE OR REPLACE TEMP TABLE frontier AS SELECT id FROM step")
    n = compiled.n
    ids, depth, parent, nearest = _columns(con, "SELECT id, depth, pair, nearest FROM reached", 4)
    reached = np.zeros(n, dtype=bool)
    reached[ids] = True
    arrays = [np.full(n, -1, dtype=np.int64) for _ in range(3)]
    for array, values in zip(arrays, (depth, parent, nearest), strict=True):
        array[ids] = values
    return Reachability(reached=reached, depth=arrays[0], parent=arrays[1], nearest_seed=arrays[2])


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


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
