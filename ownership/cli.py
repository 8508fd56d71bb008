"""The ``ownership`` command: a thin layer that parses arguments, calls the library, prints.

Library errors are written for people; they are printed here on stderr, one clear
message, with exit code 2 and no traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

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


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


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

    return wrapper  # type: ignore[return-value]


def _load(paths: list[Path] | None) -> Any:
    from . import bundled_dataset, load

    return load(*(paths or [bundled_dataset()]))


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
    float | None,
    typer.Option(
        "--threshold", help="Custom rule: ownership threshold in percent.", show_default=False
    ),
]
StrictOption = Annotated[
    bool,
    typer.Option(
        "--strict/--inclusive", help="Custom rule: more than (strict) or at least the threshold."
    ),
]
PerOwnerOption = Annotated[
    bool,
    typer.Option(
        "--per-owner/--aggregate",
        help="Custom rule: count each listed owner alone, or add them up.",
    ),
]
ControlOption = Annotated[
    bool, typer.Option("--control/--no-control", help="Custom rule: whether control links cover.")
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
    threshold: float | None,
    strict: bool,
    per_owner: bool,
    control: bool,
) -> Any:
    from .rules import custom_rule, get_rule

    if name == "custom" or threshold is not None:
        return custom_rule(
            threshold=str(threshold if threshold is not None else 50),
            inclusive=not strict,
            aggregate=not per_owner,
            lists=lists,
            control_counts=control,
        )
    rule = get_rule(name)
    return rule.with_lists(lists) if lists else rule


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
) -> None:
    """Check datasets strictly and print every problem, or a one-line summary.

    Exit code 0 when valid, 2 when any problem is found (all are listed).

    Example: ownership validate fixtures/inspur.yaml my_holdings/
    """
    from . import load

    dataset = load(*paths)
    span = dataset.date_span()
    when = f", dates {span[0].isoformat()} to {span[1].isoformat()}" if span else ""
    typer.echo(
        f"valid: {len(dataset.entities)} entities, {len(dataset.holdings)} holdings, "
        f"{len(dataset.listings)} listings{when}"
    )


@app.command()
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
    rule: RuleOption = "bis-affiliates",
    as_of: AsOfOption = None,
    fmt: FormatOption = Format.table,
    lists: ListsOption = None,
    threshold: ThresholdOption = None,
    strict: StrictOption = False,
    per_owner: PerOwnerOption = False,
    control: ControlOption = False,
) -> None:
    """List every entity with its verdict: listed, covered, exposed (the loophole) or clear.

    The output states the rule, its window and the date. JSON rows carry id, name, status,
    flags, effective_percent, legal_percent, listed_ancestors, chain, owners and a one-line
    explanation.

    Example: ownership analyze --rule ofac-50 --as-of 2024-06-01 --format json
    """
    from .analysis import analyze as run_analysis

    dataset = _load(data)
    result = run_analysis(dataset, _rule(rule, lists, threshold, strict, per_owner, control), as_of)
    if fmt is not Format.table:
        _emit_records((v.to_dict() for v in result.verdicts()), fmt)
        return
    from .render.text import analysis_table

    console = _console()
    console.print(result.header())
    notice = result.seed_notice()
    if notice:
        console.print(f"[yellow]{notice}[/yellow]")
    console.print(analysis_table(result))
    counts = result.counts()
    console.print(", ".join(f"{v} {k}" for k, v in counts.items()))


@app.command()
@user_errors
def explain(
    name: Annotated[str, typer.Argument(help="Entity id, name, alias or former name.")],
    data: DataOption = None,
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
    from .analysis import analyze as run_analysis
    from .resolve import NameIndex

    dataset = _load(data)
    match = NameIndex(dataset).resolve(name)
    result = run_analysis(dataset, _rule(rule, lists, None, False, False, False), as_of)
    verdict = result.verdict(match.entity.id)
    if fmt is not Format.table:
        typer.echo(json.dumps(verdict.to_dict(), ensure_ascii=False, indent=2))
        return
    from .render.text import verdict_panel

    console = _console()
    if match.note():
        console.print(f"[dim]{match.note()}[/dim]")
    console.print(result.header())
    console.print(verdict_panel(verdict))


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
