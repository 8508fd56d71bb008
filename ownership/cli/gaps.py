"""Commands that look at the whole dataset's gaps: loopholes, what changed between two
dates (changes), and what a listing would capture (what-if)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Annotated, Any

import typer

from .common import (
    AllowConflictsOption,
    AsOfOption,
    DataOption,
    Format,
    LimitOption,
    ListsOption,
    RuleOption,
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
)

#: ``loopholes --format csv`` columns, in order.
LOOPHOLE_CSV_COLUMNS = [
    "rank",
    "id",
    "name",
    "country",
    "lists",
    "listed_since",
    "unlisted",
    "covered",
    "exposed",
    "top_exposed",
    "top_exposed_name",
    "top_look_through_percent",
    "largest_exposed",
    "renamed_after_listing",
    "moved_after_listing",
    "rule",
    "as_of",
]


@app.command()
@user_errors
def loopholes(
    data: DataOption = None,
    allow_conflicts: AllowConflictsOption = False,
    rule: RuleOption = "bis-affiliates",
    as_of: AsOfOption = None,
    min_look_through: Annotated[
        float | None,
        typer.Option(
            "--min-look-through",
            metavar="P",
            help="Count an exposed affiliate only where listed parties' look-through "
            "share in it is at least P percent.",
        ),
    ] = None,
    country: Annotated[
        str | None,
        typer.Option(
            "--country", metavar="CC", help="Only listed entities of this country (ISO code)."
        ),
    ] = None,
    top: Annotated[
        int,
        typer.Option(
            "--top",
            metavar="K",
            help="Name each listed entity's K exposed affiliates of the largest "
            "look-through shares.",
        ),
    ] = 3,
    fmt: Annotated[
        Format,
        typer.Option(
            "--format",
            "-f",
            help="table, json (the multiplier and every row), jsonl or csv (a row per "
            "listed entity).",
        ),
    ] = Format.table,
    lists: ListsOption = None,
    limit: LimitOption = 20,
) -> None:
    """Every listed entity ranked by its unlisted exposure: the loopholes of the dataset.

    For each listed entity: how many unlisted entities it owns or controls through a
    chain, how many of those the rule covers and how many are still exposed, the exposed
    ones in which listed parties hold the largest look-through shares (--top), and how
    many were renamed or moved within two years after its listing. Above the table: how many
    unlisted entities the listed parties reach.

    Example: ownership loopholes --as-of 2023-06-01

    Example: ownership loopholes --country CN --min-look-through 25 --format csv
    """
    from ..facade import analyze as run_analysis

    if min_look_through is not None and not 0 <= min_look_through <= 100:
        raise fail(f"--min-look-through {min_look_through:g}: give a percent from 0 to 100")
    if country is not None and not (len(country.strip()) == 2 and country.strip().isalpha()):
        raise fail(f"--country {country!r}: give a two-letter ISO code, such as CN")
    if top < 1:
        raise fail(f"--top {top}: give how many exposed affiliates to name, 1 or more")
    dataset = load(data, allow_conflicts)
    result = run_analysis(dataset, rule_from_options(rule, lists), as_of, shares=True)
    report = result.loopholes(min_look_through=min_look_through, country=country, top=top)
    notices = [n for n in (result.seed_notice(), result.data_notice()) if n]
    _emit(report, fmt, LOOPHOLE_CSV_COLUMNS, "loopholes_table", limit, notices, cells=_largest_cell)


def _largest_cell(record: dict[str, Any]) -> dict[str, Any]:
    """A loopholes row for CSV: its largest exposed affiliates as ``id (P%)`` items."""
    largest = [
        f"{x['id']} ({format(x['look_through_percent'], '.6f').rstrip('0').rstrip('.')}%)"
        for x in record["largest_exposed"]
    ]
    return record | {"largest_exposed": largest}


#: ``what-if --format csv`` columns, in order.
WHAT_IF_CSV_COLUMNS = [
    "id",
    "name",
    "status_before",
    "status_after",
    "flags",
    "legal_percent",
    "legal_percent_max",
    "effective_percent",
    "nearest_listed",
    "chain",
    "chain_names",
    "explanation",
    "change",
    "rule",
    "as_of",
]


@app.command(name="what-if")
@user_errors
def what_if(
    name: Annotated[str, typer.Argument(help="Entity id, name, alias or former name.")],
    list_id: Annotated[
        str,
        typer.Option(
            "--list",
            metavar="LIST",
            help="The list it would be added to (or, with --remove, taken off): LIST or "
            "LIST:PROGRAM, e.g. entity_list or sdn:NPWMD.",
        ),
    ],
    remove: Annotated[
        bool, typer.Option("--remove", help="A delisting: take NAME off the list instead.")
    ] = False,
    data: DataOption = None,
    allow_conflicts: AllowConflictsOption = False,
    rule: RuleOption = "bis-affiliates",
    as_of: AsOfOption = None,
    fmt: Annotated[
        Format,
        typer.Option(
            "--format",
            "-f",
            help="table, json (the change, its counts and every row), jsonl or csv.",
        ),
    ] = Format.table,
    lists: ListsOption = None,
    limit: LimitOption = 200,
) -> None:
    """Which entities would change status if NAME were added to a list (or taken off it)?

    Each entity whose status would change under the rule on the date, with its status
    before and after, its chain and shares after, and the new verdict's explanation: what
    a designation would capture, before it is made.

    Example: ownership what-if inspur-cisco-layer-2 --list entity_list --as-of 2025-10-01

    Example: ownership what-if "Inspur Group" --list entity_list --remove --as-of 2025-10-01
    """
    from ..facade import analyze as run_analysis

    dataset = load(data, allow_conflicts)
    result = run_analysis(dataset, rule_from_options(rule, lists), as_of)
    report = result.what_if(name, list_id, remove=remove)
    _emit(report, fmt, WHAT_IF_CSV_COLUMNS, "what_if_table", limit)


@app.command()
@user_errors
def changes(
    name: Annotated[
        str | None,
        typer.Argument(help="Only this entity's group (entity id, name, alias or former name)."),
    ] = None,
    first: Annotated[
        str, typer.Option("--from", metavar="D1", help="The earlier date (YYYY-MM-DD).")
    ] = "",
    second: Annotated[
        str, typer.Option("--to", metavar="D2", help="The later date (YYYY-MM-DD).")
    ] = "",
    data: DataOption = None,
    allow_conflicts: AllowConflictsOption = False,
    rule: RuleOption = "bis-affiliates",
    fmt: Annotated[
        Format,
        typer.Option(
            "--format",
            "-f",
            help="table, json (the dates, the rule's change, the counts and every row), "
            "jsonl or csv.",
        ),
    ] = Format.table,
    lists: ListsOption = None,
    limit: LimitOption = 200,
) -> None:
    """What changed between two dates: every entity whose status or flags differ.

    Each with its status and flags on both dates, the events between them that changed
    it (a listing added or ended, a holding begun or ended, a rename, the rule's window
    opening or stayed), and both verdicts' explanations.

    Example: ownership changes --from 2025-09-28 --to 2025-09-29

    Example: ownership changes "Inspur Group" --from 2023-01-01 --to 2023-06-01 -f json
    """
    import datetime as dt

    from ..status_changes import CSV_COLUMNS
    from ..status_changes import changes as changes_between

    if not first or not second:
        raise fail("give both dates: --from D1 --to D2 (YYYY-MM-DD)")
    days = []
    for option, text in (("--from", first), ("--to", second)):
        try:
            days.append(dt.date.fromisoformat(text))
        except ValueError:
            raise fail(f"{option} {text!r}: give a date as YYYY-MM-DD") from None
    dataset = load(data, allow_conflicts)
    chosen = rule_from_options(rule, lists)
    with progress("analysing both dates") as tick:
        report = changes_between(dataset, days[0], days[1], chosen, name=name, progress=tick)
    written: dict[Format, Written] = {
        Format.json: report.json_document,
        Format.jsonl: lambda tick: (line + "\n" for line in report.json_lines(tick)),
        Format.csv: report.csv_lines,
    }
    _emit(report, fmt, list(CSV_COLUMNS), "changes_table", limit, written=written)


#: Text a report writes itself in a format, given a progress callback.
Written = Callable[[Callable[[int, int], None]], Iterator[str]]


def _emit(
    report: Any,
    fmt: Format,
    columns: list[str],
    table: str,
    limit: int,
    notices: Sequence[str] = (),
    *,
    written: Mapping[Format, Written] | None = None,
    cells: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> None:
    """Write a report: the whole of it as JSON, its rows as JSON lines or CSV
    (``columns``, each row made flat by ``cells``, if given), or its header,
    ``notices``, summary and first ``limit`` rows as the table ``render.text.<table>``
    draws; in the formats ``written`` maps, the text it makes."""
    if fmt is not Format.table:
        from ..io.verdicts import write_csv

        with progress("writing rows") as tick:
            if written and fmt in written:
                sys.stdout.writelines(written[fmt](tick))
            elif fmt is Format.json:
                sys.stdout.write(json_text(report.to_dict()) + "\n")
            elif fmt is Format.csv:
                rows = report.records(tick)
                write_csv(map(cells, rows) if cells else rows, sys.stdout, columns)
            else:
                emit_records(report.records(tick), fmt)
        return
    from ..render import text
    from ..render.grid import sized

    console = new_console()
    console.print(text.safe(report.header))
    for notice in notices:
        console.print(f"[yellow]{text.safe(notice)}[/yellow]")
    console.print(f"[bold]{text.safe(report.summary())}[/bold]")
    shown = rows_shown(limit, len(report))
    if len(report):
        console.print(sized(getattr(text, table)(report, shown)))
    say_more(console, shown, len(report))
