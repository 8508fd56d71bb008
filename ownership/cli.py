"""The ``ownership`` command: a thin layer that parses arguments, calls the library, prints.

Library errors are written for people; they are printed here on stderr, one clear
message, with exit code 2 and no traceback.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from decimal import Decimal
from enum import StrEnum
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

# numpy asks the kernel for 2 MB pages for large arrays; a large command makes and drops
# thousands of short-lived arrays of several megabytes, and each huge page is zeroed
# whole when first touched (about 1 s of system time at 1M entities). numpy reads this,
# its documented switch, when first imported, which is after this line.
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

import typer

app = typer.Typer(
    name="ownership",
    help=(
        "Find the unlisted affiliates of listed companies and whether an ownership rule "
        "(OFAC 50%, BIS Affiliates, EU, UK) already captures them."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,
)

F = TypeVar("F", bound=Callable[..., Any])

DataOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--data",
        "-d",
        help="Dataset files or CSV folders to load and merge; default: the bundled Inspur case.",
        show_default=False,
    ),
]


#: Whether ``--debug`` was given: an unexpected error then shows its traceback.
_DEBUG = {"on": False}
#: Where this run keeps its cache: the environment's choice, or none with --no-cache.
_CACHE: dict[str, Path | None] = {"dir": None}


@app.callback()
def _options(
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Read large CSV folders afresh and store nothing in the cache "
            "(same as OWNERSHIP_CACHE=off).",
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option("--debug", help="Show the traceback of an unexpected error (to report it)."),
    ] = False,
) -> None:
    _DEBUG["on"] = debug
    from . import settings

    _CACHE["dir"] = None if no_cache else settings.cache_dir()


def _json_text(value: Any) -> str:
    """Indented JSON, decimals as their exact literals (:mod:`ownership.io.jsontext`)."""
    from .io.jsontext import encode_exact

    return encode_exact(value, indent=2)


def _visible(text: str) -> str:
    """Text from the data as the terminal should show it (no escape sequences acted on)."""
    from .io.cells import visible

    return visible(text)


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {_visible(message)}", err=True)
    return typer.Exit(code)


def _pass_through() -> tuple[type[BaseException], ...]:
    """The command line's own exits and usage errors: not bugs, passed on as they are."""
    kinds: list[type[BaseException]] = [typer.Exit, typer.Abort]
    if (typer_error := getattr(typer, "TyperException", None)) is not None:
        kinds.append(typer_error)
    try:
        import click

        kinds += [click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort]
    except ImportError:  # recent typer carries its own click
        pass
    return tuple(kinds)


_PASS_THROUGH = _pass_through()


def user_errors(func: F) -> F:
    """Turn the library's errors into a message on stderr and exit code 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from .errors import OwnershipError

        try:
            return func(*args, **kwargs)
        except OwnershipError as exc:
            raise _fail(str(exc)) from None
        except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            raise _fail(f"{exc.strerror}: {exc.filename}") from None
        except _PASS_THROUGH:
            raise
        except MemoryError:
            raise _fail("out of memory; the input is too large for this machine", 3) from None
        except Exception as exc:
            if _DEBUG["on"]:
                raise
            first = str(exc).splitlines()[0][:200] if str(exc) else ""
            raise _fail(
                f"unexpected {type(exc).__name__}{': ' + first if first else ''}. This is a "
                "bug in ownership, not in your input: please report it with the command and "
                "the input; `ownership --debug ...` shows the traceback",
                3,
            ) from None

    return wrapper  # type: ignore[return-value]


AllowConflictsOption = Annotated[
    bool,
    typer.Option(
        "--allow-conflicts",
        help="Load stakes that cannot all be true (above 100% in one company) from native "
        "files too, and analyse them as conflicting data; imported formats always load them.",
    ),
]


def _load(paths: list[Path] | None, allow_conflicts: bool = False) -> Any:
    from . import bundled_dataset, load

    with _progress("loading") as tick:
        return load(
            *(paths or [bundled_dataset()]),
            progress=tick,
            allow_conflicts=allow_conflicts,
            cache_dir=_CACHE["dir"],
        )


RuleOption = Annotated[
    str,
    typer.Option(
        "--rule",
        "-r",
        help="listed-only, ofac-50, bis-affiliates, eu, uk, look-through, or custom.",
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of", help="Date of the verdicts, YYYY-MM-DD; default today.", show_default=False
    ),
]
LimitOption = Annotated[
    int,
    typer.Option(
        "--limit", help="Rows of the table, most exposed first (0: all); other formats: all."
    ),
]
ListsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--lists",
        help="Lists that seed the rule, overriding its defaults; LIST:PROG narrows to programmes "
        "(e.g. --lists entity_list --lists sdn:NPWMD).",
        show_default=False,
    ),
]
ThresholdOption = Annotated[
    str | None,
    typer.Option(
        "--threshold",
        help="Ownership threshold in percent: with a named rule, changes only its threshold "
        "(the output says so); with --rule custom, the custom rule's.",
        show_default=False,
    ),
]
StrictOption = Annotated[
    bool | None,
    typer.Option(
        "--strict/--inclusive",
        help="More than (strict) or at least the threshold; default: the rule's own.",
        show_default=False,
    ),
]
PerOwnerOption = Annotated[
    bool | None,
    typer.Option(
        "--per-owner/--aggregate",
        help="Count each listed owner alone, or add them up; default: the rule's own.",
        show_default=False,
    ),
]
ControlOption = Annotated[
    bool | None,
    typer.Option(
        "--control/--no-control",
        help="Whether control links cover; default: the rule's own.",
        show_default=False,
    ),
]


class Format(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


def _rule(
    name: str,
    lists: list[str] | None,
    threshold: str | None = None,
    strict: bool | None = None,
    per_owner: bool | None = None,
    control: bool | None = None,
) -> Any:
    """The rule asked for: a named rule changed only where an option says so, or a custom
    rule from the options (threshold 50, inclusive, aggregated, no control by default)."""
    from .rules import custom_rule, get_rule

    value = _percent_option(threshold)
    if name.strip().lower() == "custom":
        return custom_rule(
            threshold=value if value is not None else 50,
            inclusive=not strict,
            aggregate=not per_owner,
            lists=lists,
            control_counts=bool(control),
        )
    rule = get_rule(name)
    rule = rule.with_parameters(
        threshold=value,
        inclusive=None if strict is None else not strict,
        per_owner=per_owner,
        control=control,
    )
    return rule.with_lists(lists) if lists else rule


def _percent_option(text: str | None) -> Decimal | None:
    """``--threshold``'s value as an exact decimal (``33.3`` is 33.3, not a binary float
    near it); a clear error when it is not a percentage."""
    from .errors import OwnershipError

    if text is None:
        return None
    try:
        value = Decimal(text.strip().rstrip("%"))
    except ArithmeticError:
        value = Decimal("NaN")
    if not value.is_finite() or not 0 <= value <= 100:
        raise OwnershipError(
            f"--threshold {text!r} is not a percentage: give a number from 0 to 100, e.g. "
            "--threshold 25 or --threshold 33.3"
        )
    return value


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _emit_records(records: Any, fmt: Format) -> None:
    from .io import verdicts

    writer = {Format.json: verdicts.write_json, Format.jsonl: verdicts.write_jsonl}.get(fmt)
    if writer is not None:
        writer(records, sys.stdout)
    else:
        verdicts.write_csv(records, sys.stdout)


@app.command()
@user_errors
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Dataset files or CSV folders.")],
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Treat data-quality warnings (conflicting stakes, closed rings) "
            "as errors: exit 2 when there is any.",
        ),
    ] = False,
    allow_conflicts: AllowConflictsOption = False,
) -> None:
    """Check datasets strictly and print every problem, or a one-line summary.

    Errors (a broken record, an unknown id; in a native file, stakes above 100% unless
    --allow-conflicts) are listed on stderr with exit code 2. Data-quality warnings (stakes
    that cannot all be true in imported data, rings owning themselves 100%) are listed
    too, with exit code 0 unless --strict.

    Example: ownership validate fixtures/inspur.yaml my_holdings/
    """
    from . import load

    warnings: list[Any] = []
    dataset = load(*paths, allow_conflicts=allow_conflicts, warnings=warnings)
    for warning in warnings:
        typer.echo(_visible(f"warning: {warning}"), err=True)
    if warnings and strict:
        count = len(warnings)
        raise _fail(f"{count} data-quality warning{'s' if count != 1 else ''} (--strict)")
    noted = f"; {len(warnings)} data-quality warning(s)" if warnings else ""
    typer.echo(f"valid: {dataset.summary()}{noted}")


@app.command()
@user_errors
def rules(
    name: Annotated[
        str | None, typer.Argument(help="One rule (default: every rule).", show_default=False)
    ] = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Show what each rule assumes: the lists and programme tags it reads, its thresholds
    and the windows in which it is in force, each with its citation, and whether it is in
    force on the date.

    The figures are data (ownership/rules/windows.yaml), the same the analysis uses.

    Example: ownership rules bis-affiliates --as-of 2026-12-01
    """
    from .analysis import as_date
    from .rules import RULES, get_rule

    day = as_date(as_of)
    chosen = [get_rule(name)] if name else list(RULES.values())
    described = [rule.to_dict(day) for rule in chosen]
    if fmt is Format.table:
        from .render.text import rules_panels

        console = _console()
        for panel in rules_panels(described):
            console.print(panel, soft_wrap=False)
        return
    if fmt is Format.csv:
        raise _fail("ownership rules writes a table, json or jsonl; a rule is not one CSV row")
    if fmt is Format.jsonl:
        for item in described:
            typer.echo(json.dumps(item, ensure_ascii=False))
        return
    typer.echo(json.dumps(described, ensure_ascii=False, indent=2))


@app.command()
@user_errors
def schema() -> None:
    """Print the JSON Schema of the native dataset format.

    Example: ownership schema > ownership.schema.json
    """
    from .io import dataset_json_schema

    typer.echo(json.dumps(dataset_json_schema(), indent=2, ensure_ascii=False))


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
) -> None:
    """List every entity with its verdict: listed, covered, exposed (the loophole) or clear.

    The output states the rule, its window and the date. JSON rows carry id, name, status,
    flags, effective_percent, legal_percent, listed_ancestors, chain, owners and a one-line
    explanation.

    Example: ownership analyze --rule ofac-50 --as-of 2024-06-01 --format json
    """
    from .facade import analyze as run_analysis

    dataset = _load(data, allow_conflicts)
    chosen = _rule(rule, lists, threshold, strict, per_owner, control)
    with _progress("propagating") as tick:
        result = run_analysis(dataset, chosen, as_of, progress=tick)
    data_notice = result.data_notice()
    if data_notice and fmt is not Format.table:
        typer.echo(_visible(f"note: {data_notice}"), err=True)
    if fmt in (Format.json, Format.jsonl):
        from .verdict_json import write_verdict_lines

        sys.stdout.flush()
        with _progress("writing verdicts") as tick:
            write_verdict_lines(result, sys.stdout.buffer, array=fmt is Format.json, progress=tick)
            sys.stdout.buffer.flush()
        return
    if fmt is Format.csv:
        from .verdict_records import verdict_rows

        with _progress("writing verdicts") as tick:
            _emit_records(verdict_rows(result, progress=tick), fmt)
        return
    from .render.grid import sized
    from .render.text import analysis_table, safe

    console = _console()
    console.print(safe(result.header()))
    for notice in (result.seed_notice(), data_notice):
        if notice:
            console.print(f"[yellow]{safe(notice)}[/yellow]")
    total = len(result.compiled.ids)
    shown = _shown(limit, total)
    console.print(sized(analysis_table(result, shown)))
    _say_more(console, shown, total)
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
    from .facade import analyze as run_analysis
    from .resolve import NameIndex

    dataset = _load(data, allow_conflicts)
    match = NameIndex(dataset).resolve(name)
    result = run_analysis(dataset, _rule(rule, lists), as_of)
    verdict = result.verdict(match.entity.id)
    if fmt is not Format.table:
        typer.echo(_json_text(verdict.to_dict()))
        return
    from .render.text import safe, verdict_panel

    console = _console()
    if match.note():
        console.print(f"[dim]{safe(match.note() or '')}[/dim]")
    console.print(safe(result.header()))
    console.print(verdict_panel(verdict), soft_wrap=False)


class ScopeChoice(StrEnum):
    subsidiaries = "subsidiaries"
    parents = "parents"
    group = "group"


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
    max_depth: Annotated[
        int | None, typer.Option("--max-depth", help="Follow at most N links.", show_default=False)
    ] = None,
    min_percent: Annotated[
        float | None,
        typer.Option(
            "--min-percent",
            help="Only affiliates with a look-through share >= P.",
            show_default=False,
        ),
    ] = None,
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
    from .facade import analyze as run_analysis

    dataset = _load(data, allow_conflicts)
    result = run_analysis(dataset, _rule(rule, lists), as_of)
    report = result.affiliates(
        name, scope=scope.value, unlisted=unlisted, max_depth=max_depth, min_percent=min_percent
    )
    if fmt is not Format.table:
        from .io.verdicts import AFFILIATE_CSV_COLUMNS, write_csv

        if fmt is Format.csv:
            write_csv(report.to_records(), sys.stdout, AFFILIATE_CSV_COLUMNS)
        else:
            _emit_records(report.to_records(), fmt)
        return
    from .render.grid import sized
    from .render.text import affiliates_table, red_flag_lines, safe

    console = _console()
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
    shown = _shown(limit, len(report))
    if len(report):
        console.print(sized(affiliates_table(report, shown)))
    _say_more(console, shown, len(report))
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


@app.command()
@user_errors
def screen(
    counterparties: Annotated[Path, typer.Argument(help="CSV file of counterparties.")],
    data: DataOption = None,
    allow_conflicts: AllowConflictsOption = False,
    name_column: Annotated[
        str | None,
        typer.Option(
            "--name-column",
            help="Column holding the names (default: name, company...).",
            show_default=False,
        ),
    ] = None,
    country_column: Annotated[
        str | None,
        typer.Option(
            "--country-column",
            help="Column with ISO-2 countries, to break ties.",
            show_default=False,
        ),
    ] = None,
    fail_on: Annotated[
        FailOn | None,
        typer.Option(
            "--fail-on",
            help="Exit 1 when a row reaches this level (listed > covered > exposed).",
            show_default=False,
        ),
    ] = None,
    min_score: Annotated[
        float, typer.Option("--min-score", help="Lowest fuzzy score (0-100) taken as a match.")
    ] = 88.0,
    rule: RuleOption = "bis-affiliates",
    as_of: AsOfOption = None,
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="table, json, jsonl or csv.")
    ] = Format.table,
    lists: ListsOption = None,
) -> None:
    """Screen a counterparty list against the ownership graph.

    Each row gets the matched entity, match score, status and reason. With --fail-on the
    exit code is 1 when any row reaches that level, for pipelines.

    Example: ownership screen customers.csv --name-column company --fail-on exposed
    """
    from .facade import analyze as run_analysis
    from .io.counterparties import read_counterparties
    from .screening import LEVELS, worst_level
    from .screening import screen as run_screen

    table = read_counterparties(
        counterparties, name_column=name_column, country_column=country_column
    )
    dataset = _load(data, allow_conflicts)
    result = run_analysis(dataset, _rule(rule, lists), as_of)
    rows = run_screen(
        result, table.names, countries=table.countries, extras=table.rows, min_score=min_score
    )
    if fmt is Format.table:
        from .render.grid import sized
        from .render.text import safe, screen_table

        console = _console()
        console.print(safe(result.header()))
        console.print(sized(screen_table(rows)))
        counts: dict[str, int] = {}
        for r in rows:
            counts[r.status] = counts.get(r.status, 0) + 1
        console.print(f"{len(rows)} rows: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    else:
        records = [r.to_dict() for r in rows]
        if fmt is Format.csv:
            from .io.verdicts import write_csv

            columns = [
                "row",
                "query",
                "entity_id",
                "entity_name",
                "match",
                "score",
                "status",
                "flags",
                "reason",
            ]
            write_csv(records, sys.stdout, columns)
        else:
            _emit_records(records, fmt)
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
    from .resolve import NameIndex
    from .timeline import timeline as run_timeline

    dataset = _load(data, allow_conflicts)
    match = NameIndex(dataset).resolve(name)
    chosen = _rule(rule, lists)
    with _progress("analysing dates") as tick:
        entries = run_timeline(dataset, match.entity.id, chosen, group=group, progress=tick)
    if fmt is not Format.table:
        records = [e.to_dict() for e in entries]
        if fmt is Format.csv:
            from .io.verdicts import write_csv

            write_csv(
                records,
                sys.stdout,
                ["date", "id", "name", "status_before", "status", "flags", "events", "explanation"],
            )
        else:
            _emit_records(records, fmt)
        return
    from .render.grid import sized
    from .render.text import safe, timeline_table

    console = _console()
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
    from .card import entity_card
    from .resolve import NameIndex

    dataset = _load(data, allow_conflicts)
    match = NameIndex(dataset).resolve(name)
    card = entity_card(dataset, match.entity.id)
    if fmt is not Format.table:
        typer.echo(_json_text(card.to_dict()))
        return
    from .render.text import card_panel, safe

    console = _console()
    if match.note():
        console.print(f"[dim]{safe(match.note() or '')}[/dim]")
    console.print(card_panel(card), soft_wrap=False)


@app.command(name="import")
@user_errors
def import_command(
    sources: Annotated[
        list[Path],
        typer.Argument(
            help="Inputs in any supported format: native, CSL CSV/JSON, OFAC CSV folder or "
            "advanced XML, FollowTheMoney JSON lines, BODS, GLEIF XML/CSV, UN consolidated "
            "list XML, EU Financial Sanctions Files XML."
        ),
    ],
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Native dataset to write: .yaml, .json, or a folder."),
    ],
    same_as: Annotated[
        Path | None,
        typer.Option(
            "--same-as",
            help="YAML/CSV of id pairs confirming or rejecting links.",
            show_default=False,
        ),
    ] = None,
    no_link: Annotated[
        bool, typer.Option("--no-link", help="Merge records by id only; link no list entries.")
    ] = False,
    report_path: Annotated[
        Path | None,
        typer.Option(
            "--report", help="Also write the import report as JSON here.", show_default=False
        ),
    ] = None,
) -> None:
    """Import real-world files into one native dataset, linking list entries to companies.

    The format of each input is detected from its content; every fact keeps a source
    naming its input file. Uncertain links are listed for review; confirm or reject them
    in a --same-as file.

    Example: ownership import consolidated.csv bods.json --out dataset.yaml
    """
    from .io import import_sources, save

    dataset, report = import_sources(sources, same_as=same_as, link=not no_link)
    path = save(dataset, out)
    if report_path is not None:
        report_path.write_text(_json_text(report.to_dict()))
    typer.echo(_visible(report.summary()))
    typer.echo(f"wrote {path}: {dataset.summary()}")


class ExportFormat(StrEnum):
    graphml = "graphml"
    gexf = "gexf"
    cytoscape = "cytoscape"
    ftm = "ftm"
    csv = "csv"


@app.command()
@user_errors
def export(
    out: Annotated[
        Path,
        typer.Argument(
            help="File to write: .graphml, .gexf, .cyjs (Cytoscape JSON), .ftm.json "
            "(FollowTheMoney lines), or a folder for the native CSV form."
        ),
    ],
    data: DataOption = None,
    allow_conflicts: AllowConflictsOption = False,
    fmt: Annotated[
        ExportFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="Override the format chosen by the file name.",
            show_default=False,
        ),
    ] = None,
    rule: Annotated[
        str | None,
        typer.Option(
            "--rule",
            "-r",
            help="Add each entity's verdict under this rule as attributes.",
            show_default=False,
        ),
    ] = None,
    as_of: AsOfOption = None,
) -> None:
    """Export the graph for Gephi, Cytoscape, yEd, OpenSanctions tools or spreadsheets.

    With --rule, nodes carry status, flags and effective_percent for that rule and date.

    Example: ownership export inspur.graphml --rule bis-affiliates --as-of 2025-10-01
    """
    from .io import export as run_export

    dataset = _load(data, allow_conflicts)
    analysis = None
    if rule is not None:
        from .facade import analyze as run_analysis

        analysis = run_analysis(dataset, _rule(rule, None), as_of)
    path = run_export(dataset, out, fmt.value if fmt else None, analysis)
    typer.echo(f"wrote {path}")


@app.command()
@user_errors
def compare(
    ftm_file: Annotated[
        Path, typer.Argument(help="FollowTheMoney JSON lines (OpenSanctions export).")
    ],
    data: DataOption = None,
    allow_conflicts: AllowConflictsOption = False,
    rule: RuleOption = "bis-affiliates",
    as_of: AsOfOption = None,
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="table (text) or json.")
    ] = Format.table,
) -> None:
    """Compare our verdicts with OpenSanctions' sanction.control / export.control.linked tags.

    Without --data, the FollowTheMoney file itself is the dataset.

    Example: ownership compare entities.ftm.json --rule ofac-50
    """
    from .facade import analyze as run_analysis
    from .io.ftm import compare_coverage

    dataset = _load(data or [ftm_file], allow_conflicts)
    result = run_analysis(dataset, _rule(rule, None), as_of)
    comparison = compare_coverage(dataset, ftm_file, result)
    if fmt is Format.table:
        typer.echo(_visible(comparison.summary()))
    else:
        from dataclasses import asdict

        typer.echo(json.dumps(asdict(comparison), ensure_ascii=False, indent=2, default=str))


#: A whole-dataset map above this many entities needs a NAME or --depth to stay readable.
MAP_ENTITY_LIMIT = 5000


@app.command(name="map")
@user_errors
def map_command(
    name: Annotated[
        str | None, typer.Argument(help="Map this entity's group; default: the whole dataset.")
    ] = None,
    data: DataOption = None,
    allow_conflicts: AllowConflictsOption = False,
    rule: RuleOption = "bis-affiliates",
    as_of: AsOfOption = None,
    depth: Annotated[
        int | None,
        typer.Option("--depth", help="Only entities within N links of NAME.", show_default=False),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")] = Path(
        "map.html"
    ),
    physics: Annotated[
        bool, typer.Option("--physics", help="Start with the physics layout on.")
    ] = False,
    lists: ListsOption = None,
) -> None:
    """Write an interactive HTML ownership map that works offline.

    Colour and shape by status, arrows from owner to owned, shares on the links, control
    links dashed, tooltips with the verdict's explanation, search and filter by status.

    Example: ownership map "Inspur Group" --as-of 2025-10-01 --out inspur.html
    """
    from .errors import OwnershipError
    from .facade import analyze as run_analysis
    from .render.html import write_map

    dataset = _load(data, allow_conflicts)
    if name is None and len(dataset.entities) > MAP_ENTITY_LIMIT:
        raise OwnershipError(
            f"the dataset has {len(dataset.entities)} entities; name one to map its group "
            "(and --depth N to keep it readable)"
        )
    result = run_analysis(dataset, _rule(rule, lists), as_of)
    focus = result.resolve(name) if name else None
    path = write_map(result, out, focus=focus, depth=depth, physics=physics)
    typer.echo(_visible(f"wrote {path} ({result.header()})"))


@app.command()
@user_errors
def plot(
    name: Annotated[
        str | None, typer.Argument(help="Plot this entity's group; default: the whole dataset.")
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Figure file: .png, .svg or .pdf.")
    ] = Path("ownership.png"),
    data: DataOption = None,
    allow_conflicts: AllowConflictsOption = False,
    rule: RuleOption = "bis-affiliates",
    as_of: AsOfOption = None,
    depth: Annotated[
        int | None,
        typer.Option("--depth", help="Only entities within N links of NAME.", show_default=False),
    ] = None,
    lists: ListsOption = None,
) -> None:
    """Draw a static ownership tree for reports (matplotlib), in the map's palette.

    Example: ownership plot "Inspur Group" --as-of 2023-06-01 --out inspur.svg
    """
    from .facade import analyze as run_analysis
    from .render.figure import save_figure

    dataset = _load(data, allow_conflicts)
    result = run_analysis(dataset, _rule(rule, lists), as_of)
    focus = result.resolve(name) if name else None
    path = save_figure(result, out, focus=focus, depth=depth)
    typer.echo(f"wrote {path}")


@app.command("cache")
@user_errors
def cache_command(
    clear: Annotated[bool, typer.Option("--clear", help="Remove every cached folder.")] = False,
) -> None:
    """Show where large CSV folders are cached (parsed rows, columns, analyses) and the space used.

    Entries are refreshed when a folder's files change; --clear removes them all.

    Example: ownership cache --clear
    """
    from .io.cache import cached_folders, clear_cache

    root = _CACHE["dir"]
    if root is None:
        typer.echo("the cache is off (OWNERSHIP_CACHE=off or --no-cache)")
        return
    if clear:
        removed = clear_cache(root)
        typer.echo(f"removed {removed} cache entr{'y' if removed == 1 else 'ies'} from {root}")
        return
    folders = cached_folders(root)
    typer.echo(f"cache: {root}; {len(folders)} folder(s)")
    for folder, size in folders:
        typer.echo(_visible(f"  {size / 1e6:,.1f} MB  {folder}"))


class _Ticker:
    def __init__(self, progress: Any, description: str) -> None:
        self.progress = progress
        self.description = description
        self.task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.task is None:
            self.task = self.progress.add_task(self.description, total=total)
        self.progress.update(self.task, completed=done, total=total)


class _progress:
    """A progress bar on stderr for long work; silent when stderr is not a terminal."""

    def __init__(self, description: str) -> None:
        self.description = description

    def __enter__(self) -> _Ticker:
        from rich.progress import Progress

        self._progress = Progress(console=_console(stderr=True), transient=True)
        self._progress.__enter__()
        return _Ticker(self._progress, self.description)

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(*exc)  # type: ignore[arg-type]


def _shown(limit: int, total: int) -> int:
    """Rows a table shows for ``--limit`` (0 or less: all)."""
    return total if limit <= 0 else min(limit, total)


def _say_more(console: Any, shown: int, total: int) -> None:
    """Under a table cut by ``--limit``: how many rows it left out, and how to see them."""
    if shown < total:
        console.print(
            f"[dim]{total - shown:,} more not shown; --limit 0 shows every row, "
            "--format csv or json writes them all.[/dim]"
        )


def _local_flags(verdict: Any, result: Any) -> list[str]:
    return [f for f in verdict.flags if f not in result.global_flags]


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
