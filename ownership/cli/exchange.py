"""Commands that move data in and out: import, export, compare."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .common import (
    AllowConflictsOption,
    AsOfOption,
    DataOption,
    Format,
    RuleOption,
    app,
    json_text,
    load,
    rule_from_options,
    user_errors,
    visible,
)


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
    from ..io import import_sources, save

    dataset, report = import_sources(sources, same_as=same_as, link=not no_link)
    path = save(dataset, out)
    if report_path is not None:
        report_path.write_text(json_text(report.to_dict()))
    typer.echo(visible(report.summary()))
    typer.echo(f"wrote {path}: {dataset.summary()}")


class ExportFormat(StrEnum):
    graphml = "graphml"
    gexf = "gexf"
    cytoscape = "cytoscape"
    ftm = "ftm"
    csv = "csv"
    tables = "tables"


@app.command()
@user_errors
def export(
    out: Annotated[
        Path,
        typer.Argument(
            help="File to write: .graphml, .gexf, .cyjs (Cytoscape JSON), .ftm.json "
            "(FollowTheMoney lines), or a folder for the native CSV form (or, with "
            "--format tables, the Parquet tables `analyze --engine` reads)."
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
    from ..io import export as run_export

    dataset = load(data, allow_conflicts)
    analysis = None
    if rule is not None:
        from ..facade import analyze as run_analysis

        analysis = run_analysis(dataset, rule_from_options(rule, None), as_of)
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
    from ..facade import analyze as run_analysis
    from ..io.ftm import compare_coverage

    dataset = load(data or [ftm_file], allow_conflicts)
    result = run_analysis(dataset, rule_from_options(rule, None), as_of)
    comparison = compare_coverage(dataset, ftm_file, result)
    if fmt is Format.table:
        typer.echo(visible(comparison.summary()))
    else:
        from dataclasses import asdict

        typer.echo(json.dumps(asdict(comparison), ensure_ascii=False, indent=2, default=str))
