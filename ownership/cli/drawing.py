"""Commands that draw the ownership graph: map (interactive HTML) and plot (a figure)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..render.style import FIGURE_BUDGET, FIGURE_LIMIT, MAP_BUDGET
from .common import (
    AllowConflictsOption,
    AsOfOption,
    DataOption,
    ListsOption,
    MaxDepthOption,
    MinPercentOption,
    RuleOption,
    ScopeChoice,
    app,
    load,
    rule_from_options,
    user_errors,
    visible,
)

DepthOption = Annotated[
    int | None,
    typer.Option("--depth", help="Only entities within N links of NAME.", show_default=False),
]
DrawScopeOption = Annotated[
    ScopeChoice | None,
    typer.Option(
        "--scope",
        help="Draw what `affiliates NAME --scope S` reports: subsidiaries, parents or "
        "the whole group (with --max-depth and --min-percent as there).",
        show_default=False,
    ),
]

MapBudgetOption = Annotated[
    int,
    typer.Option(
        "--budget",
        min=1,
        help="Entities and clusters drawn at first; past it, subtrees fold into clusters "
        "that open on a click.",
    ),
]

#: A whole-dataset map above this many entities needs a NAME or --depth to stay readable.
MAP_ENTITY_LIMIT = 5000


@app.command(name="map")
@user_errors
def map_command(
    name: Annotated[
        str | None,
        typer.Argument(
            help="Map this entity, its owners up to the listed ones and its holdings; "
            "default: the whole dataset."
        ),
    ] = None,
    data: DataOption = None,
    allow_conflicts: AllowConflictsOption = False,
    rule: RuleOption = "bis-affiliates",
    as_of: AsOfOption = None,
    depth: DepthOption = None,
    scope: DrawScopeOption = None,
    max_depth: MaxDepthOption = None,
    min_percent: MinPercentOption = None,
    budget: MapBudgetOption = MAP_BUDGET,
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")] = Path(
        "map.html"
    ),
    physics: Annotated[
        bool, typer.Option("--physics", help="Start with the physics layout on.")
    ] = False,
    lists: ListsOption = None,
) -> None:
    """Write an interactive HTML ownership map that works offline.

    NAME's map: NAME, its owners up to the listed ones, and all it owns.
    Colour and shape by status; arrows from owner to owned, with the shares.
    Hover for the verdict's explanation; click an entity for its card and sources.
    The date slider replays each day a status or a name in the map changes.
    Past --budget entities, subtrees fold into clusters; click one to open it.
    Search, filter by status, and save the view as PNG or SVG.

    Examples:

      ownership map "Inspur Group" --as-of 2025-10-01 --out inspur.html

      ownership map "Inspur Group" --budget 100 --out overview.html

      ownership map "Inspur Group" --scope subsidiaries --min-percent 25 --out subs.html
    """
    from ..errors import OwnershipError
    from ..facade import analyze as run_analysis
    from ..render.html import write_map

    dataset = load(data, allow_conflicts)
    if name is None and len(dataset.entities) > MAP_ENTITY_LIMIT:
        raise OwnershipError(
            f"the dataset has {len(dataset.entities)} entities; name one to map its group "
            "(and --depth N to keep it readable)"
        )
    result = run_analysis(dataset, rule_from_options(rule, lists), as_of)
    focus = result.resolve(name) if name else None
    path = write_map(
        result,
        out,
        focus=focus,
        depth=depth,
        scope=scope.value if scope else None,
        max_depth=max_depth,
        min_percent=min_percent,
        budget=budget,
        physics=physics,
    )
    typer.echo(visible(f"wrote {path} ({result.header()})"))


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
    depth: DepthOption = None,
    scope: DrawScopeOption = None,
    max_depth: MaxDepthOption = None,
    min_percent: MinPercentOption = None,
    budget: Annotated[
        int,
        typer.Option(
            "--budget",
            min=1,
            max=FIGURE_LIMIT,
            help="Entities and boxes drawn; past it, subtrees fold into boxes with counts.",
        ),
    ] = FIGURE_BUDGET,
    lists: ListsOption = None,
) -> None:
    """Draw a static ownership tree for reports (matplotlib), in the map's palette.

    The same entities as `map NAME`. Past --budget (default 60) entities, subtrees fold
    into boxes with their counts; a wide level wraps onto more rows, so labels stay
    legible. Narrow a group with --scope, --max-depth or --min-percent.

    Examples:

      ownership plot "Inspur Group" --as-of 2023-06-01 --out inspur.svg

      ownership plot "Inspur Group" --scope subsidiaries --max-depth 2 --out tree.png
    """
    from ..facade import analyze as run_analysis
    from ..render.figure import save_figure

    dataset = load(data, allow_conflicts)
    result = run_analysis(dataset, rule_from_options(rule, lists), as_of)
    focus = result.resolve(name) if name else None
    path = save_figure(
        result,
        out,
        focus=focus,
        depth=depth,
        scope=scope.value if scope else None,
        max_depth=max_depth,
        min_percent=min_percent,
        budget=budget,
    )
    typer.echo(f"wrote {path}")
