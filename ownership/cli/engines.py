"""``ownership analyze --engine duckdb|spark``: the same verdicts from an existing engine,
for data beyond one process's memory."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from .common import Format, fail, load, progress


class Engine(StrEnum):
    memory = "memory"
    duckdb = "duckdb"
    spark = "spark"


def at_scale(
    data: list[Path] | None,
    allow_conflicts: bool,
    rule: Any,
    as_of: str | None,
    engine: Engine,
    fmt: Format,
    output: Path | None,
    memory_limit: str | None,
    temp_directory: str | None,
    master: str,
) -> None:
    """``analyze --engine duckdb|spark``: the run, its summary on stderr (on the terminal
    for the table format), and the verdict columns to ``output`` or standard output."""
    from ..analysis import as_date
    from ..scale.csv_tables import is_csv_folder
    from ..scale.run import analyze_at_scale
    from ..scale.tables import TABLE_FILES, is_table_folder

    if fmt in (Format.json, Format.jsonl):
        raise fail(f"--engine {engine.value} writes csv or parquet (-o FILE.parquet), not {fmt}")
    if engine is Engine.spark and output is None and fmt is Format.csv:
        raise fail("--engine spark writes a folder of part files: give it with --output")
    kind = "parquet" if output is not None and output.name.endswith(".parquet") else "csv"
    if data and len(data) == 1 and (is_table_folder(data[0]) or is_csv_folder(data[0])):
        source: Any = data[0]  # the engine reads the folder itself
    elif data and len(data) == 1 and any((data[0] / f).exists() for f in TABLE_FILES.values()):
        absent = [f for f in TABLE_FILES.values() if not (data[0] / f).exists()]
        raise fail(f"{data[0]}: a table folder needs {', '.join(absent)} too")
    else:
        source = load(data, allow_conflicts)
    with progress(f"propagating on {engine.value}"):
        report = analyze_at_scale(
            source,
            rule,
            as_date(as_of),
            engine=engine.value,
            output=output,
            fmt=kind,
            memory_limit=memory_limit,
            temp_directory=temp_directory,
            master=master,
            stream=sys.stdout.buffer if output is None and fmt is Format.csv else None,
        )
    if fmt is Format.table:
        typer.echo(report.summary())
        if report.output:
            typer.echo(f"wrote {report.output}")
    else:
        typer.echo(report.summary(), err=True)
