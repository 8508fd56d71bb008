"""One call for a whole run on a scale engine: inputs in, verdict file out, a report back.

>>> import ownership
>>> from ownership.rules import get_rule
>>> dataset = ownership.load(ownership.bundled_dataset())
>>> report = analyze_at_scale(dataset, get_rule("bis-affiliates"), dt.date(2025, 10, 1))
>>> report.counts
{'listed': 11, 'covered': 0, 'exposed': 5, 'clear': 2}

With ``output=Path("verdicts.parquet")`` the verdict columns go to a file, and with
``engine="spark"`` the same run goes to Spark.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ..columns import columns_of
from ..errors import OwnershipError
from ..model import Dataset
from ..rules.base import Rule
from ..verdict import STATUS_CODES
from .checks import check_tables
from .csv_tables import CsvFolder, is_csv_folder, read_csv_folder
from .engine import ScaleRun, run_rule
from .output import control_in_ids, verdict_query
from .tables import (
    Tables,
    check_table_schemas,
    is_table_folder,
    make_folder,
    tables_of,
)

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

    ``source`` is a dataset, a Parquet table folder (:mod:`ownership.scale.tables`) or
    a native CSV folder (:mod:`ownership.scale.csv_tables`); the engine reads a folder
    itself. ``output`` gets the verdict columns as ``fmt`` (a
    file for DuckDB, a folder of part files for Spark). ``memory_limit`` caps DuckDB
    (or sets Spark's driver memory); ``temp_directory`` is where DuckDB spills and
    Spark writes its round checkpoints. With DuckDB, ``stream`` gets the verdicts as CSV
    instead (a pipe, standard output), a batch at a time.
    """
    if engine not in ENGINES:
        raise OwnershipError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if fmt not in OUTPUT_FORMATS:
        raise OwnershipError(f"the scale engines write {' or '.join(OUTPUT_FORMATS)}, not {fmt}")
    memory = _memory_size(memory_limit)
    if output is not None and engine == "duckdb":
        _check_output(output)
    tables = _inputs(source)
    if engine == "duckdb":
        return _on_duckdb(tables, rule, as_of, output, fmt, memory, temp_directory, stream)
    from .spark_engine import SparkExecutor, spark_session

    started = time.perf_counter()
    session = spark or spark_session(master, memory.lower().rstrip("b") if memory else None)
    with _scratch(temp_directory) as scratch:
        sparked = SparkExecutor(session, scratch)
        report, query = _verdicts(sparked, tables, rule, as_of, "spark", started, fmt, output)
        if output is not None:
            frame = session.sql(query)
            writer = frame.write.mode("overwrite")
            if fmt == "csv":
                writer.option("header", True).csv(str(output))
            else:
                writer.parquet(str(output))
            report.output = str(output)
    report.seconds = time.perf_counter() - started
    return report


def _on_duckdb(
    tables: Tables | Path | CsvFolder,
    rule: Rule,
    as_of: dt.date,
    output: Path | None,
    fmt: str,
    memory: str | None,
    temp_directory: str | None,
    stream: BinaryIO | None,
) -> ScaleReport:
    import duckdb

    from .duckdb_engine import DuckDBExecutor, connect

    started = time.perf_counter()
    try:
        duck = DuckDBExecutor(connect(memory, temp_directory))
        writes = output if output is not None else stream
        report, query = _verdicts(duck, tables, rule, as_of, "duckdb", started, fmt, writes)
        if output is not None:
            options = "FORMAT csv, HEADER" if fmt == "csv" else "FORMAT parquet"
            target = str(output).replace("'", "''")
            duck.con.execute(f"COPY ({query}) TO '{target}' ({options})")
            report.output = str(output)
        elif stream is not None:
            _csv_to(stream, duck.con, query)
    except duckdb.OutOfMemoryException as error:
        raise OwnershipError(
            f"DuckDB ran out of memory within --memory-limit {memory}: raise the limit, or "
            "give --temp-directory on a disk with room to spill"
        ) from error
    except (duckdb.IOException, duckdb.InvalidInputException) as error:
        first = str(error).splitlines()[0]
        raise OwnershipError(f"DuckDB could not read or write a file: {first}") from error
    report.seconds = time.perf_counter() - started
    return report


def _verdicts(
    ex: Any,
    tables: Tables | Path | CsvFolder,
    rule: Rule,
    as_of: dt.date,
    engine: str,
    started: float,
    fmt: str,
    writes: object,
) -> tuple[ScaleReport, str]:
    """What both engines do between their inputs and their output: the inputs read and
    (a table folder) checked, the run, its report, and the query of the verdict columns
    (CSV refused first, when it would be written, for ids it cannot show)."""
    if isinstance(tables, CsvFolder):
        read_csv_folder(ex, tables.path)
    else:
        ex.sources(tables)
        if isinstance(tables, Path):
            check_tables(ex, tables)
    run = run_rule(ex, rule, as_of)
    report = _report(ex, run, engine, started)
    if writes is not None and fmt == "csv":
        _refuse_control_characters(ex)
    return report, verdict_query(ex, run, lists=fmt == "parquet")


#: A memory size as DuckDB and Spark read it: 4GB, 512MB, 2g.
_SIZE = re.compile(r"\s*(\d+(\.\d+)?)\s*([KMGT]i?B?|B)?\s*", re.IGNORECASE)


def _memory_size(text: str | None) -> str | None:
    if text is None:
        return None
    match = _SIZE.fullmatch(text)
    if not match or float(match.group(1)) <= 0:
        raise OwnershipError(f"--memory-limit takes a size such as 4GB or 512MB, not {text!r}")
    unit = (match.group(3) or "B").upper()
    unit = unit if unit.endswith("B") else unit + "B"
    return f"{match.group(1)}{unit}"


def _check_output(output: Path) -> None:
    """A file DuckDB can write, checked before the run rather than after it."""
    if output.is_dir() or not output.name:
        raise OwnershipError(f"{output}: is a folder; give a file name such as verdicts.csv")
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise OwnershipError(f"{output}: the folder {folder} does not exist; make it first")
    if not os.access(folder, os.W_OK) or (output.exists() and not os.access(output, os.W_OK)):
        raise OwnershipError(f"{output}: cannot write there; choose another --output")


def _refuse_control_characters(ex: Any) -> None:
    found = control_in_ids(ex)
    if found is not None:
        raise OwnershipError(
            f"entity id {found!r} holds a control character, which CSV output would write "
            "raw: write Parquet instead (-o FILE.parquet)"
        )


@contextmanager
def _scratch(temp_directory: str | None) -> Iterator[str]:
    """Where Spark keeps its rounds: a fresh local temporary folder, removed after; or,
    for a URI every worker reaches (``hdfs://``, ``s3a://``), a fresh folder under it,
    left to the cluster's own clean-up."""
    if temp_directory and "://" in temp_directory:
        yield f"{temp_directory.rstrip('/')}/ownership-{uuid.uuid4().hex}"
        return
    if temp_directory:
        make_folder(temp_directory)
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


def _inputs(source: Dataset | Path) -> Tables | Path | CsvFolder:
    if isinstance(source, Path):
        if is_csv_folder(source) and not is_table_folder(source):
            return CsvFolder(source)
        if not is_table_folder(source):
            raise OwnershipError(
                f"{source}: neither a table folder (entities.parquet, holdings.parquet, "
                "listings.parquet) nor a CSV folder (entities.csv, holdings.csv, listings.csv)"
            )
        check_table_schemas(source)
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
