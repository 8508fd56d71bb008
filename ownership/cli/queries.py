"""Commands that answer questions from the verdicts: analyze, explain, affiliates, screen,
timeline, show."""

from __future__ import annotations

import math
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from .common import (
    AllowConflictsOption,
    AsOfOption,
    ControlOption,
    DataOption,
    Format,
    FormatOption,
    LimitOption,
    ListsOption,
    MaxDepthOption,
    MinPercentOption,
    PerOwnerOption,
    RuleOption,
    ScopeChoice,
    StrictOption,
    ThresholdOption,
    app,
    emit_records,
    fail,
    json_text,
    load,
    new_console,
    progress,
    rows_shown,
    rule_from_options,
    say_more,
    user_errors,
    visible,
)
from .engines import Engine, at_scale


def _field_list(fields: str | None, fmt: Format, engine: Engine) -> list[str] | None:
    """``--fields`` as a list, checked before any data is read."""
    from ..verdict import chosen_fields

    if fields is None:
        return None
    if engine is not Engine.memory:
        raise fail("--fields goes with the default engine; --engine writes its fixed columns")
    if fmt not in (Format.json, Format.jsonl, Format.csv):
        raise fail("--fields goes with --format json, jsonl or csv")
    return list(chosen_fields(fields.split(","), csv=fmt is Format.csv))


@app.command()
@user_errors
def analyze(
    data: DataOption = None,
    allow_conflicts: AllowConflictsOption = False,
    rule: RuleOption = "bis-affiliates",
    as_of: AsOfOption = None,
    fmt: FormatOption = Format.table,
    lists: ListsOption = None,
    threshold: ThresholdOption = None,
    strict: StrictOption = None,
    per_owner: PerOwnerOption = None,
    control: ControlOption = None,
    limit: LimitOption = 200,
    fields: Annotated[
        str | None,
        typer.Option(
            "--fields",
            help="With --format json, jsonl or csv: only these fields, comma-separated, in "
            "this order (e.g. id,status,nearest_listed,chain); the others, the explanation "
            "above all, are neither worked out nor written.",
            show_default=False,
        ),
    ] = None,
    engine: Annotated[
        Engine,
        typer.Option(
            "--engine",
            help="memory (default), or duckdb / spark for data beyond one process's memory: "
            "the same verdicts by SQL rounds (install ownership[duckdb] or ownership[spark]).",
        ),
    ] = Engine.memory,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="With --engine: write the verdict columns here, Parquet when it ends in "
            ".parquet, else CSV (Spark writes a folder of part files).",
            show_default=False,
        ),
    ] = None,
    memory_limit: Annotated[
        str | None,
        typer.Option(
            "--memory-limit",
            help="With --engine: DuckDB's memory limit, or Spark's driver memory (e.g. 4GB).",
            show_default=False,
        ),
    ] = None,
    temp_directory: Annotated[
        str | None,
        typer.Option(
            "--temp-directory",
            help="With --engine: where DuckDB spills to disk and Spark keeps its rounds.",
            show_default=False,
        ),
    ] = None,
    master: Annotated[
        str,
        typer.Option("--master", help="With --engine spark: local[2], spark://HOST:PORT or yarn."),
    ] = "local[2]",
) -> None:
    """List every entity with its verdict: listed, covered, exposed (the loophole) or clear.

    The output states the rule, its window and the date. JSON rows carry id, name, status,
    flags, effective_percent, legal_percent, listed_ancestors, chain, owners and a one-line
    explanation.

    With --engine duckdb or spark, the verdict columns (id, status, flags, legal_percent,
    legal_percent_max, effective_percent, nearest_listed, chain, chain_via, rule, as_of)
    go to --output, or with --format csv to standard output. The engine reads a CSV
    folder (entities.csv, holdings.csv, listings.csv) or a Parquet table folder made by
    `ownership export FOLDER --format tables` itself, without loading it; stakes that
    cannot all be true are then flagged conflicting_stakes, as with --allow-conflicts.

    Example: ownership analyze --rule ofac-50 --as-of 2024-06-01 --format json

    Example: ownership analyze -f csv --fields id,status,flags,nearest_listed,chain

    Example: ownership analyze --engine duckdb --memory-limit 2GB -o verdicts.parquet
    """
    from ..facade import analyze as run_analysis

    chosen = rule_from_options(rule, lists, threshold, strict, per_owner, control)
    field_list = _field_list(fields, fmt, engine)
    if engine is not Engine.memory:
        at_scale(data, allow_conflicts, chosen, as_of, engine, fmt, output,
                 memory_limit, temp_directory, master)  # fmt: skip
        return
    for name, given in (("--output", output), ("--memory-limit", memory_limit),
                        ("--temp-directory", temp_directory)):  # fmt: skip
        if given is not None:
            raise fail(f"{name} goes with --engine duckdb or spark")
    from concurrent.futures import ThreadPoolExecutor

    from ..memory import return_freed_memory

    dataset = load(data, allow_conflicts)
    return_freed_memory()  # each phase's columns come where the last one's scratch was
    writes = fmt in (Format.json, Format.jsonl, Format.csv)
    csv = fmt is Format.csv
    texts = None
    day: Any = as_of  # as the analysis reads it: a date, an ISO text or None (today)
    with ThreadPoolExecutor(max_workers=1) as beside:
        if writes:  # the entities' texts need no verdict: made while the analysis runs
            from ..analysis import as_date
            from ..entity_texts import EntityTexts
            from ..verdict_json import reads_shares

            day = as_date(as_of)
            texts = EntityTexts.made_beside(dataset, day, beside, csv=csv, fields=field_list)
        shares = not writes or reads_shares(field_list, csv=csv)
        with progress("propagating") as tick:
            result = run_analysis(dataset, chosen, day, progress=tick, shares=shares)
    return_freed_memory()
    data_notice = result.data_notice()
    if data_notice and fmt is not Format.table:
        typer.echo(visible(f"note: {data_notice}"), err=True)
    if writes:
        from ..verdict_json import write_verdict_csv, write_verdict_lines

        sys.stdout.flush()
        with progress("writing verdicts") as tick:
            made = texts.result() if texts is not None else None
            if csv:
                write_verdict_csv(
                    result, sys.stdout.buffer, progress=tick, fields=field_list, texts=made
                )
            else:
                array = fmt is Format.json
                write_verdict_lines(
                    result,
                    sys.stdout.buffer,
                    array=array,
                    progress=tick,
                    fields=field_list,
                    texts=made,
                )
            sys.stdout.buffer.flush()
        return
    from ..render.grid import sized
    from ..render.text import analysis_table, safe

    console = new_console()
    console.print(safe(result.header()))
    for notice in (result.seed_notice(), data_notice):
        if notice:
            console.print(f"[yellow]{safe(notice)}[/yellow]")
    total = len(result.compiled.ids)
    shown = rows_shown(limit, total)
    console.print(sized(analysis_table(result, shown)))
    say_more(console, shown, total)
    counts = result.counts()
    console.print(", ".join(f"{v} {k}" for k, v in counts.items()))


@app.command()
@user_errors
def explain(
    name: Annotated[str, typer.Argument(help="Entity id, name, alias or former name.")],
    data: DataOption = None,
    allow_conflicts: AllowConflictsOption = False,
    rule: RuleOption = "bis-affiliates",
    as_of: AsOfOption = None,
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="table (text) or json.")
    ] = Format.table,
    lists: ListsOption = None,
) -> None:
    """Explain one entity's verdict: owners and shares, the chain to the listed party, the rule.

    Example: ownership explain "Aivres Systems" --as-of 2025-10-01
    """
    from ..facade import analyze as run_analysis
    from ..matching import Matcher
    from ..resolve import NameIndex

    dataset = load(data, allow_conflicts)
    match = Matcher(NameIndex(dataset)).resolve(name)
    # the verdict tells the look-through share: worked out beside the fixed points
    result = run_analysis(dataset, rule_from_options(rule, lists), as_of, shares=True)
    verdict = result.verdict(match.entity.id)
    if fmt is not Format.table:
        typer.echo(json_text(verdict.to_dict()))
        return
    from ..render.text import safe, verdict_panel

    console = new_console()
    if match.note():
        console.print(f"[dim]{safe(match.note() or '')}[/dim]")
    console.print(safe(result.header()))
    console.print(verdict_panel(verdict), soft_wrap=False)


@app.command()
@user_errors
def affiliates(
    name: Annotated[str, typer.Argument(help="Entity id, name, alias or former name.")],
    data: DataOption = None,
    allow_conflicts: AllowConflictsOption = False,
    unlisted: Annotated[
        bool, typer.Option("--unlisted", help="Only affiliates not on a list the rule reads.")
    ] = False,
    scope: Annotated[
        ScopeChoice, typer.Option("--scope", help="subsidiaries, parents, or the whole group.")
    ] = ScopeChoice.subsidiaries,
    rule: RuleOption = "bis-affiliates",
    as_of: AsOfOption = None,
    max_depth: MaxDepthOption = None,
    min_percent: MinPercentOption = None,
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="table, json, jsonl or csv.")
    ] = Format.table,
    lists: ListsOption = None,
    limit: LimitOption = 200,
) -> None:
    """Which affiliates of NAME are unlisted, and does a rule already catch them?

    Each affiliate with its status, direct and look-through share, depth, ownership path,
    the reason it is or is not covered, and red flags; most exposed first.

    Example: ownership affiliates "Inspur Group" --unlisted --as-of 2023-06-01
    """
    from ..facade import analyze as run_analysis

    dataset = load(data, allow_conflicts)
    # every row shows its look-through share: worked out beside the fixed points
    result = run_analysis(dataset, rule_from_options(rule, lists), as_of, shares=True)
    report = result.affiliates(
        name, scope=scope.value, unlisted=unlisted, max_depth=max_depth, min_percent=min_percent
    )
    if fmt is not Format.table:
        from ..io.verdicts import AFFILIATE_CSV_COLUMNS, write_csv

        with progress("writing affiliates") as tick:
            if fmt is Format.csv:
                write_csv(report.records(tick), sys.stdout, AFFILIATE_CSV_COLUMNS)
            else:
                emit_records(report.records(tick), fmt)
        return
    from ..render.grid import sized
    from ..render.text import affiliates_table, red_flag_lines, safe

    console = new_console()
    if report.resolved_note:
        console.print(f"[dim]{safe(report.resolved_note)}[/dim]")
    console.print(safe(report.header))
    for notice in (result.seed_notice(), result.data_notice()):
        if notice:
            console.print(f"[yellow]{safe(notice)}[/yellow]")
    entity = report.entity
    console.print(
        f"[bold]{safe(entity.name)}[/bold] ({safe(entity.id)}) is "
        f"[bold]{entity.status.value}[/bold]"
        + (f" ({', '.join(_local_flags(entity, result))})" if _local_flags(entity, result) else "")
    )
    shown = rows_shown(limit, len(report))
    if len(report):
        console.print(sized(affiliates_table(report, shown)))
    say_more(console, shown, len(report))
    flags = red_flag_lines(report, shown)
    if flags:
        console.print("[bold yellow]Red flags[/bold yellow]")
        for line in flags:
            console.print(f"[yellow]{safe(line)}[/yellow]")
    console.print(safe(report.summary()))


class FailOn(StrEnum):
    listed = "listed"
    covered = "covered"
    exposed = "exposed"


class ScreenFormat(StrEnum):
    table = "table"
    tsv = "tsv"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


@app.command()
@user_errors
def screen(
    counterparties: Annotated[
        Path, typer.Argument(help="Counterparty file: CSV, TSV or XLSX, a row each.")
    ],
    data: DataOption = None,
    allow_conflicts: AllowConflictsOption = False,
    name_column: Annotated[
        str | None,
        typer.Option(
            "--name-column",
            help="Column holding the names (default: name, company, supplier, vendor, "
            "customer, counterparty, entity, legal name...).",
            show_default=False,
        ),
    ] = None,
    country_column: Annotated[
        str | None,
        typer.Option(
            "--country-column",
            help="Column with countries (default: country, country code...).",
            show_default=False,
        ),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding",
            help="The file's text encoding when it is not UTF-8 (e.g. latin-1).",
            show_default=False,
        ),
    ] = None,
    fail_on: Annotated[
        FailOn | None,
        typer.Option(
            "--fail-on",
            help="Exit 1 when a row reaches this level (listed > covered > exposed); an "
            "ambiguous row counts by its worst candidate.",
            show_default=False,
        ),
    ] = None,
    min_score: Annotated[
        float,
        typer.Option(
            "--threshold",
            "--min-score",
            help="Lowest match score (0-100) a candidate needs.",
        ),
    ] = 88.0,
    rule: RuleOption = "bis-affiliates",
    as_of: AsOfOption = None,
    fmt: Annotated[
        ScreenFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="table (on a terminal), tsv (piped), json, jsonl or csv.",
            show_default=False,
        ),
    ] = None,
    lists: ListsOption = None,
) -> None:
    """Screen a counterparty list against the ownership graph.

    Each row gets its best match with score and evidence (which name, alias, former name
    or identifier matched; whether the countries agree), the entity's status and the
    reason, and every other candidate above --threshold. A row whose two best candidates
    are within 3 points is ambiguous and says so. Identifier columns (LEI, unified social
    credit code, registration number, DUNS) are matched too; every input column is kept
    as input_<column>. A summary paragraph follows (on stderr for machine formats).

    Examples:

      ownership screen suppliers.csv --fail-on exposed

      ownership screen customers.xlsx --name-column "Legal Name" -f csv > screened.csv
    """
    from ..facade import analyze as run_analysis
    from ..io.counterparties import read_counterparties
    from ..screening import LEVELS, summary, worst_level
    from ..screening import screen as run_screen

    if not math.isfinite(min_score) or not 0 <= min_score <= 100:
        from ..errors import OwnershipError

        raise OwnershipError(
            f"--threshold {min_score!r} is not a score: give a number from 0 to 100, e.g. "
            "--threshold 85"
        )
    table = read_counterparties(
        counterparties, name_column=name_column, country_column=country_column, encoding=encoding
    )
    dataset = load(data, allow_conflicts)
    result = run_analysis(dataset, rule_from_options(rule, lists), as_of)
    with progress("screening") as tick:
        rows = run_screen(
            result,
            table.names,
            countries=table.countries,
            identifiers=table.identifiers,
            extras=table.rows,
            min_score=min_score,
            progress=tick,
        )
    chosen = fmt or (ScreenFormat.table if sys.stdout.isatty() else ScreenFormat.tsv)
    if chosen is ScreenFormat.table:
        from ..render.grid import sized
        from ..render.text import safe, screen_table

        console = new_console()
        console.print(safe(result.header()))
        console.print(sized(screen_table(rows)))
        console.print(summary(rows))
    else:
        if chosen is ScreenFormat.json or chosen is ScreenFormat.jsonl:
            emit_records(rows.to_records(), Format(chosen.value))
        else:
            from ..io.verdicts import write_csv, write_tsv

            writer = write_tsv if chosen is ScreenFormat.tsv else write_csv
            records = rows.to_flat_records()
            writer(records, sys.stdout, list(records[0]) if records else rows.columns())
        typer.echo(summary(rows), err=True)
    if fail_on is not None and worst_level(rows) >= LEVELS[fail_on.value]:
        typer.echo(f"screening failed: a row reaches {fail_on.value}", err=True)
        raise typer.Exit(1)


@app.command()
@user_errors
def timeline(
    name: Annotated[str, typer.Argument(help="Entity id, name, alias or former name.")],
    data: DataOption = None,
    allow_conflicts: AllowConflictsOption = False,
    group: Annotated[
        bool, typer.Option("--group", help="Every entity of the ownership group.")
    ] = False,
    rule: RuleOption = "bis-affiliates",
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="table, json, jsonl or csv.")
    ] = Format.table,
    lists: ListsOption = None,
) -> None:
    """Every date a listing, holding, rename or rule window changed the status, with the new status.

    Example: ownership timeline "Aivres Systems"
    """
    from ..matching import Matcher
    from ..resolve import NameIndex
    from ..timeline import timeline as run_timeline

    dataset = load(data, allow_conflicts)
    match = Matcher(NameIndex(dataset)).resolve(name)
    chosen = rule_from_options(rule, lists)
    with progress("analysing dates") as tick:
        entries = run_timeline(dataset, match.entity.id, chosen, group=group, progress=tick)
    if fmt is not Format.table:
        records = [e.to_dict() for e in entries]
        if fmt is Format.csv:
            from ..io.verdicts import write_csv

            write_csv(
                records,
                sys.stdout,
                ["date", "id", "name", "status_before", "status", "flags", "events", "explanation"],
            )
        else:
            emit_records(records, fmt)
        return
    from ..render.grid import sized
    from ..render.text import safe, timeline_table

    console = new_console()
    if match.note():
        console.print(f"[dim]{safe(match.note() or '')}[/dim]")
    console.print(
        f"Timeline of {safe(match.entity.name)} under {chosen.name} ({safe(chosen.title)})"
    )
    console.print(sized(timeline_table(entries, group)))


@app.command()
@user_errors
def show(
    name: Annotated[str, typer.Argument(help="Entity id, name, alias or former name.")],
    data: DataOption = None,
    allow_conflicts: AllowConflictsOption = False,
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="table (a card) or json.")
    ] = Format.table,
) -> None:
    """An entity card: names over time, identifiers, addresses, owners and holdings with
    dates, listings with citations, and sources.

    Example: ownership show "Inspur Electronic Information Industry"
    """
    from ..card import entity_card
    from ..matching import Matcher
    from ..resolve import NameIndex

    dataset = load(data, allow_conflicts)
    match = Matcher(NameIndex(dataset)).resolve(name)
    card = entity_card(dataset, match.entity.id)
    if fmt is not Format.table:
        typer.echo(json_text(card.to_dict()))
        return
    from ..render.text import card_panel, safe

    console = new_console()
    if match.note():
        console.print(f"[dim]{safe(match.note() or '')}[/dim]")
    console.print(card_panel(card), soft_wrap=False)


def _local_flags(verdict: Any, result: Any) -> list[str]:
    return [f for f in verdict.flags if f not in result.global_flags]
