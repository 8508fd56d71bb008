"""Static figures of an ownership group (matplotlib), for reports and slides.

The figure draws the same scene as the HTML map (:mod:`ownership.render.scene`) with the
same palette and second cues (:mod:`ownership.render.style`): owners above what they
own, colour and marker by status, a dashed outline for exposed entities, line width by
share, dashed control links. matplotlib is imported inside the functions, and
:func:`save_figure` never touches pyplot, so it is safe without a display.

>>> from ownership import analyze
>>> from ownership.model import Dataset, Entity, Holding, Listing
>>> ds = Dataset(
...     entities=[Entity(id="x", name="X"), Entity(id="a", name="A")],
...     holdings=[Holding(owner="x", owned="a", percent=60)],
...     listings=[Listing(entity="x", list="sdn")],
... )
>>> from matplotlib.figure import Figure
>>> ax = plot_ownership(analyze(ds, rule="ofac-50", as_of="2024-01-01"), ax=Figure().subplots())
>>> sorted(t.get_text() for t in ax.texts)
['60%', 'A', 'X']
"""

from __future__ import annotations

import textwrap
from collections import defaultdict
from pathlib import Path
from statistics import mean
from typing import TYPE_CHECKING, Any

from ..errors import OwnershipError
from ..io.cells import visible
from .scene import Scene, build_scene
from .style import LEGEND_ORDER, LINK_STYLE, STATUS_STYLE, edge_width, link_kind, share_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..analysis import Analysis

__all__ = ["FIGURE_FORMATS", "plot_ownership", "save_figure"]

#: File types :func:`save_figure` writes, by suffix.
FIGURE_FORMATS = (".png", ".svg", ".pdf")
#: Characters per label line: names wrap so neighbours on a level do not collide.
LABEL_WRAP = 18
#: Characters of a name drawn at most; a longer one ends in "…" (a 200,000-character
#: name would otherwise fill the figure and a 17 MB SVG).
LABEL_CHARS = 90
#: Behind entity names, where links leave their markers.
LABEL_BOX = {"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85}
#: Marker area in points squared.
MARKER_SIZE = 260
#: Inches per entity across the widest level and per level down; the figure grows with
#: the group, up to a size matplotlib and viewers still handle.
#: Most entities a figure draws: past it, labels cannot be read at any page size.
FIGURE_BUDGET = 300
INCHES_PER_COLUMN = 1.8
INCHES_PER_LEVEL = 1.5
MAX_INCHES = 60


def _shortened(text: str, limit: int = LABEL_CHARS) -> str:
    """``text`` as drawn: control characters visible, at most ``limit`` characters."""
    text = visible(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plot_ownership(
    analysis: Analysis,
    *,
    focus: str | None = None,
    depth: int | None = None,
    scope: str | None = None,
    max_depth: int | None = None,
    min_percent: float | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Draw ``focus``'s group (or ``depth`` links around it, or everything) top-down on ``ax``.

    Without ``ax`` a new pyplot figure sized to the group is made, so notebooks show it.
    Returns the axes.
    """
    scene = _drawable(analysis, focus, depth, scope, max_depth, min_percent)
    if ax is None:
        import matplotlib.pyplot as plt

        _fig, ax = plt.subplots(figsize=_figure_size(scene))
    _plot(scene, ax, title)
    return ax


def save_figure(
    analysis: Analysis,
    path: str | Path,
    *,
    focus: str | None = None,
    depth: int | None = None,
    scope: str | None = None,
    max_depth: int | None = None,
    min_percent: float | None = None,
    title: str | None = None,
    dpi: int = 150,
) -> Path:
    """Write :func:`plot_ownership` to a .png, .svg or .pdf file; parent folders are created."""
    out = Path(path)
    if out.suffix.lower() not in FIGURE_FORMATS:
        raise OwnershipError(
            f"cannot write a figure to {str(out)!r}: the name must end in "
            f"{', '.join(FIGURE_FORMATS)}"
        )
    from matplotlib.figure import Figure

    scene = _drawable(analysis, focus, depth, scope, max_depth, min_percent)
    fig = Figure(figsize=_figure_size(scene))
    _plot(scene, fig.subplots(), title)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=dpi, bbox_inches="tight", metadata=_metadata(out.suffix.lower()))
    return out


def _drawable(
    analysis: Analysis,
    focus: str | None,
    depth: int | None,
    scope: str | None,
    max_depth: int | None,
    min_percent: float | None,
) -> Scene:
    """The scene a figure draws (:func:`build_scene`), unless it has more entities than a
    figure can label legibly."""
    scene = build_scene(
        analysis,
        focus=focus,
        depth=depth,
        scope=scope,
        max_depth=max_depth,
        min_percent=min_percent,
    )
    if len(scene.nodes) > FIGURE_BUDGET:
        raise OwnershipError(
            f"{len(scene.nodes):,} entities are more than a figure can label legibly (at most "
            f"{FIGURE_BUDGET}); narrow it with --max-depth or --min-percent (or --scope "
            "subsidiaries|parents), or draw the interactive map"
        )
    return scene


def _plot(scene: Scene, ax: Axes, title: str | None) -> None:
    positions = _positions(scene)
    _draw_edges(ax, scene, positions)
    _draw_nodes(ax, scene, positions)
    _decorate(ax, scene, positions, title)


# ---------------------------------------------------------------------- layout


def _positions(scene: Scene) -> dict[str, tuple[float, float]]:
    """Levels top-down; separate groups side by side; within a level of a group, entities
    sit under the mean position of their owners.

    One barycentre sweep from the top keeps a parent's subsidiaries together, which is
    most of what makes a group tree readable.
    """
    import networkx as nx

    owners: dict[str, list[str]] = defaultdict(list)
    graph = nx.Graph()
    graph.add_nodes_from(scene.nodes)
    for hold in scene.edges:
        owners[hold.owned].append(hold.owner)
        graph.add_edge(hold.owner, hold.owned)
    rank = {eid: i for i, eid in enumerate(scene.nodes)}  # by level, then name
    groups = sorted(
        (sorted(group, key=rank.__getitem__) for group in nx.connected_components(graph)),
        key=lambda group: rank[group[0]],
    )
    x: dict[str, float] = {}
    offset = 0.0
    for group in groups:
        rows: dict[int, list[str]] = defaultdict(list)
        for eid in group:
            rows[scene.levels[eid]].append(eid)
        width = max(len(row) for row in rows.values())
        for level in sorted(rows):
            row = rows[level]

            def key(eid: str) -> tuple[float, int]:
                above = [x[o] for o in owners[eid] if o in x]
                return (mean(above) if above else float("inf"), rank[eid])

            row.sort(key=key)
            for i, eid in enumerate(row):
                x[eid] = offset + (width - 1) / 2 + i - (len(row) - 1) / 2
        offset += width
    return {eid: (x[eid], -float(scene.levels[eid])) for eid in scene.nodes}


def _figure_size(scene: Scene) -> tuple[float, float]:
    widths: dict[int, int] = defaultdict(int)
    for level in scene.levels.values():
        widths[level] += 1
    columns = max(widths.values(), default=1)
    width = min(MAX_INCHES, max(7.0, INCHES_PER_COLUMN * columns + 3.0))
    height = min(MAX_INCHES, max(4.0, INCHES_PER_LEVEL * len(widths) + 1.5))
    return width, height


# ---------------------------------------------------------------------- drawing


def _draw_nodes(ax: Axes, scene: Scene, positions: dict[str, tuple[float, float]]) -> None:
    """One marker collection per status (gid ``status-<name>``), then wrapped labels."""
    for status in LEGEND_ORDER:
        members = [eid for eid in scene.nodes if scene.statuses[eid] == status]
        if not members:
            continue
        style = STATUS_STYLE[status]
        points = ax.scatter(
            [positions[eid][0] for eid in members],
            [positions[eid][1] for eid in members],
            s=MARKER_SIZE,
            marker=style.marker,
            c=style.colour,
            edgecolors=style.border,
            linewidths=style.border_width,
            linestyles="--" if style.dashed else "solid",
            zorder=3,
        )
        points.set_gid(f"status-{status}")
    for eid in scene.nodes:
        x, y = positions[eid]
        label = ax.annotate(
            textwrap.fill(_shortened(scene.names[eid]), LABEL_WRAP, break_long_words=True),
            (x, y),
            xytext=(0, -13),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=8,
            fontweight="bold" if eid == scene.focus else "normal",
            bbox=LABEL_BOX,  # keeps links from striking through the name
            zorder=4,
            parse_math=False,  # a "$" in a name is a dollar sign, not TeX
        )
        label.set_gid("node-label")


def _draw_edges(ax: Axes, scene: Scene, positions: dict[str, tuple[float, float]]) -> None:
    """Arrows owner -> owned (gid ``edge``), each with its share (gid ``edge-label``).

    Several holdings between one pair (ownership beside control) bend apart.
    """
    from matplotlib.patches import FancyArrowPatch

    seen: dict[tuple[str, str], int] = defaultdict(int)
    shrink = (MARKER_SIZE**0.5) / 2 + 2
    for hold in scene.edges:
        link = LINK_STYLE[link_kind(hold)]
        nth = seen[(hold.owner, hold.owned)]
        seen[(hold.owner, hold.owned)] += 1
        bend = 0.0 if nth == 0 else 0.25 * ((nth + 1) // 2) * (1 if nth % 2 else -1)
        (x1, y1), (x2, y2) = positions[hold.owner], positions[hold.owned]
        arrow = FancyArrowPatch(
            (x1, y1),
            (x2, y2),
            arrowstyle="-|>",
            mutation_scale=11,
            linewidth=edge_width(hold) * 0.6,
            linestyle=link.mpl_linestyle,
            color=link.colour,
            shrinkA=shrink,
            shrinkB=shrink,
            connectionstyle=f"arc3,rad={bend}",
            zorder=1,
        )
        arrow.set_gid("edge")
        ax.add_patch(arrow)
        # The middle of an arc3 curve lies half-way to its control point.
        mx = (x1 + x2) / 2 + bend * (y2 - y1) / 2
        my = (y1 + y2) / 2 - bend * (x2 - x1) / 2
        text = ax.text(
            mx,
            my,
            share_label(hold),
            fontsize=7,
            ha="center",
            va="center",
            color="#222222",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.9},
            zorder=2,
            parse_math=False,
        )
        text.set_gid("edge-label")


def _decorate(
    ax: Axes, scene: Scene, positions: dict[str, tuple[float, float]], title: str | None
) -> None:
    """Title (what is drawn, then the rule, its window and the date), legend, limits."""
    from matplotlib.lines import Line2D

    header = textwrap.fill(scene.analysis.header(), 120)
    heading = _shortened(scene.heading(title), 3 * LABEL_CHARS)
    ax.set_title(visible(f"{heading}\n{header}"), fontsize=9, parse_math=False)
    counts = scene.status_counts()
    handles: list[Any] = [
        Line2D(
            [],
            [],
            linestyle="none",
            marker=STATUS_STYLE[s].marker,
            markersize=9,
            markerfacecolor=STATUS_STYLE[s].colour,
            markeredgecolor=STATUS_STYLE[s].border,
            markeredgewidth=min(STATUS_STYLE[s].border_width, 2),
            label=f"{STATUS_STYLE[s].label} ({counts[s]})",
        )
        for s in LEGEND_ORDER
    ]
    handles += [
        Line2D([], [], color=link.colour, linestyle=link.mpl_linestyle, lw=2, label=link.label)
        for link in LINK_STYLE.values()
    ]
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=8,
        frameon=False,
        title="owner \u2192 owned",
        title_fontsize=8,
    )
    xs = [p[0] for p in positions.values()] or [0.0]
    ys = [p[1] for p in positions.values()] or [0.0]
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.4)
    ax.set_axis_off()


def _metadata(suffix: str) -> dict[str, Any] | None:
    """No creation date in vector files, so the same data gives the same file."""
    if suffix == ".svg":
        return {"Date": None}
    if suffix == ".pdf":
        return {"CreationDate": None}
    return None
