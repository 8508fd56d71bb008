"""Commands that check datasets and describe the rules and the native format: validate,
rules, schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from .common import (
    AllowConflictsOption,
    AsOfOption,
    Format,
    FormatOption,
    app,
    fail,
    new_console,
    user_errors,
    visible,
)


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
    from .. import load

    warnings: list[Any] = []
    dataset = load(*paths, allow_conflicts=allow_conflicts, warnings=warnings)
    for warning in warnings:
        typer.echo(visible(f"warning: {warning}"), err=True)
    if warnings and strict:
        count = len(warnings)
        raise fail(f"{count} data-quality warning{'s' if count != 1 else ''} (--strict)")
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
    from ..analysis import as_date
    from ..rules import RULES, get_rule

    day = as_date(as_of)
    chosen = [get_rule(name)] if name else list(RULES.values())
    described = [rule.to_dict(day) for rule in chosen]
    if fmt is Format.table:
        from ..render.text import rules_panels

        console = new_console()
        for panel in rules_panels(described):
            console.print(panel, soft_wrap=False)
        return
    if fmt is Format.csv:
        raise fail("ownership rules writes a table, json or jsonl; a rule is not one CSV row")
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
    from ..io import dataset_json_schema

    typer.echo(json.dumps(dataset_json_schema(), indent=2, ensure_ascii=False))
