"""One call for a whole run on a scale engine: inputs in, verdict file out, a report back.

>>> report = analyze_at_scale(dataset, get_rule("ofac-50"), as_of, engine="duckdb",
...                           output=Path("verdicts.parquet"))  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from ..columns import columns_of
from ..errors import OwnershipError
from ..model import Dataset
from ..rules.base import Rule
from ..verdict import STATUS_CODES
from .engine import ScaleRun, run_rule, verdict_query
from .tables import Tables, is_table_folder, tables_of

__all__ = ["ENGINES", "OUTPUT_FORMATS", "ScaleReport", "analyze_at_scale"]

ENGINES = ("duckdb", "spark")
OUTPUT_FORMATS = ("csv", "parquet")


@dataclass
class ScaleReport:
    """What a run did: counts by status, rounds per part, where the verdicts went."""

    engine: str
    rule: str
    as_of: dt.date
    entities: int
    counts: dict[str, int]
    rounds: dict[str, int]
    seconds: float
    output: str | None = None
    #: look-through shares re-checked exactly near the threshold, and left undecided
    exact: int = 0
    undecided: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        counts = ", ".join(f"{n:,} {status}" for status, n in self.counts.items())
        rounds = ", ".join(f"{part} {n}" for part, n in self.rounds.items())
        return (
            f"{self.rule} as of {self.as_of.isoformat()} on {self.engine}: {self.entities:,} "
            f"entities: {counts} (rounds: {rounds}; {self.seconds:.1f} s)"
        )


def analyze_at_scale(
    source: Dataset | Path,
    rule: Rule,
    as_of: dt.date,
    *,
    engine: str = "duckdb",
    output: Path | None = None,
    fmt: str = "csv",
    memory_limit: str | None = None,
    temp_directory: str | None = None,
    master: str = "local[2]",
    spark: Any = None,
    stream: BinaryIO | None = None,
) -> ScaleReport:
    """Every entity's verdict under ``rule`` on ``as_of``, worked out by ``engine``.

    ``source`` is a dataset, or a Parquet table folder (:mod:`ownership.scale.tables`),
    which the engine reads itself. ``output`` gets the verdict columns as ``fmt`` (a
    file for DuckDB, a folder of part files for Spark). ``memory_limit`` caps DuckDB
    (or sets Spark's driver memory); ``temp_directory`` is where DuckDB spills and
    Spark writes its round checkpoints. With DuckDB, ``stream`` gets the verdicts as CSV
    instead (a pipe, standard output), a batch at a time.
    """
    if engine not in ENGINES:
        raise OwnershipError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if fmt not in OUTPUT_FORMATS:
        raise OwnershipError(f"the scale engines write {' or '.join(OUTPUT_FORMATS)}, not {fmt}")
    tables = _inputs(source)
    started = time.perf_counter()
    if engine == "duckdb":
        from .duckdb_engine import DuckDBExecutor, connect

        duck = DuckDBExecutor(connect(memory_limit, temp_directory))
        duck.sources(tables)
        run = run_rule(duck, rule, as_of)
        report = _report(duck, run, "duckdb", started)
        if output is not None:
            options = "FORMAT csv, HEADER" if fmt == "csv" else "FORMAT parquet"
            query = verdict_query(duck, run, lists=fmt == "parquet")
            target = str(output).replace("'", "''")
            duck.con.execute(f"COPY ({query}) TO '{target}' ({options})")
            report.output = str(output)
        elif stream is not None:
            _csv_to(stream, duck.con, verdict_query(duck, run, lists=False))
        report.seconds = time.perf_counter() - started
        return report
    from .spark_engine import SparkExecutor, spark_session

    session = spark or spark_session(master, memory_limit)
    with _scratch(temp_directory) as scratch:
        sparked = SparkExecutor(session, scratch)
        sparked.sources(tables)
        run = run_rule(sparked, rule, as_of)
        report = _report(sparked, run, "spark", started)
        if output is not None:
            frame = session.sql(verdict_query(sparked, run, lists=fmt == "parquet"))
            writer = frame.write.mode("overwrite")
            if fmt == "csv":
                writer.option("header", True).csv(str(output))
            else:
                writer.parquet(str(output))
            report.output = str(output)
    report.seconds = time.perf_counter() - started
    return report


@contextmanager
def _scratch(temp_directory: str | None) -> Iterator[str]:
    """Where Spark keeps its rounds: a fresh local temporary folder, removed after; or,
    for a URI every worker reaches (``hdfs://``, ``s3a://``), a fresh folder under it,
    left to the cluster's own clean-up."""
    if temp_directory and "://" in temp_directory:
        yield f"{temp_directory.rstrip('/')}/ownership-{uuid.uuid4().hex}"
        return
    if temp_directory:
        Path(temp_directory).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ownership-spark-", dir=temp_directory) as folder:
        yield folder


def _csv_to(stream: BinaryIO, con: Any, query: str) -> None:
    """A DuckDB result as CSV in batches, written as the default engine's CSV is (quoted
    where needed, empty for none)."""
    import csv
    import io

    relation = con.sql(query)
    if hasattr(relation, "to_arrow_reader"):  # DuckDB 2
        batches = relation.to_arrow_reader(100_000)
    else:
        batches = con.execute(query).fetch_record_batch(100_000)
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(batches.schema.names)
    for batch in batches:
        writer.writerows(zip(*(column.to_pylist() for column in batch.columns), strict=True))
    text.flush()
    text.detach()


def _inputs(source: Dataset | Path) -> Tables | Path:
    if isinstance(source, Path):
        if not is_table_folder(source):
            raise OwnershipError(
                f"{source}: not a table folder (entities.parquet, holdings.parquet, "
                "listings.parquet); make one with `ownership export FOLDER --format tables`"
            )
        return source
    return tables_of(columns_of(source))


def _report(ex: Any, run: ScaleRun, engine: str, started: float) -> ScaleReport:
    found = dict(ex.rows("SELECT code, COUNT(*) FROM classified GROUP BY code"))
    counts = {s.value: int(found.get(k, 0)) for k, s in enumerate(STATUS_CODES)}
    return ScaleReport(
        engine=engine,
        rule=run.rule.name,
        as_of=run.as_of,
        entities=sum(counts.values()),
        counts=counts,
        rounds=dict(run.rounds),
        seconds=time.perf_counter() - started,
        exact=run.exact,
        undecided=run.undecided,
    )
