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
from dataclasses import dataclass
from pathlib import Path
from statistics import mean
from typing import TYPE_CHECKING, Any

from ..errors import OwnershipError
from ..io.cells import visible
from .collapse import Folded, collapse
from .scene import Scene, build_scene
from .style import (
    FIGURE_BUDGET,
    FIGURE_LIMIT,
    LEGEND_ORDER,
    LINK_STYLE,
    STATUS_STYLE,
    edge_width,
    link_kind,
    share_label,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..analysis import Analysis
    from ..model import Holding

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
#: Inches per entity across a row and per row down. A level with more entities than
#: MAX_COLUMNS wraps onto more rows, so the figure grows down, not ever wider, and its
#: 8-point labels stay readable at 100%.
INCHES_PER_COLUMN = 1.8
INCHES_PER_LEVEL = 1.5
MAX_COLUMNS = 12
MAX_INCHES = 60
#: Clusters: a white box with a dashed border in the colour of their worst status.
CLUSTER_MARKER_SIZE = 420


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
    budget: int = FIGURE_BUDGET,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Draw ``focus``'s map scene (:func:`build_scene`) top-down on ``ax``; past ``budget``
    entities, subtrees fold into boxes with counts.

    Without ``ax`` a new pyplot figure sized to the drawing is made, so notebooks show it.
    Returns the axes.
    """
    drawing = _drawable(analysis, focus, depth, scope, max_depth, min_percent, budget)
    if ax is None:
        import matplotlib.pyplot as plt

        _fig, ax = plt.subplots(figsize=_figure_size(drawing))
    _plot(drawing, ax, title)
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
    budget: int = FIGURE_BUDGET,
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

    drawing = _drawable(analysis, focus, depth, scope, max_depth, min_percent, budget)
    fig = Figure(figsize=_figure_size(drawing))
    _plot(drawing, fig.subplots(), title)
    out.parent.mkdir(parents=True, exist_ok=True)
    import matplotlib

    # a fixed salt makes the SVG's clip-path ids, and so its bytes, the same on every run
    with matplotlib.rc_context({"svg.hashsalt": "ownership"}):
        fig.savefig(out, dpi=dpi, bbox_inches="tight", metadata=_metadata(out.suffix.lower()))
    return out


@dataclass(frozen=True)
class _Drawing:
    """What a figure draws: the shown entities and the clusters folding the rest."""

    scene: Scene
    folded: Folded

    @property
    def nodes(self) -> list[str]:
        return [*self.folded.shown, *(c.id for c in self.folded.clusters)]

    @property
    def levels(self) -> dict[str, int]:
        levels = {eid: self.scene.levels[eid] for eid in self.folded.shown}
        for cluster in self.folded.clusters:
            step = 1 if cluster.below else -1
            levels[cluster.id] = self.scene.levels[cluster.anchor] + step
        return levels

    @property
    def links(self) -> list[tuple[str, str]]:
        """Owner above, owned below, for every holding drawn and every cluster's tie."""
        shown = set(self.folded.shown)
        pairs = [(h.owner, h.owned) for h in self.scene.edges if h.owner in shown]
        pairs = [(a, b) for a, b in pairs if b in shown]
        for cluster in self.folded.clusters:
            pair = (cluster.anchor, cluster.id)
            pairs.append(pair if cluster.below else pair[::-1])
        return pairs

    @property
    def holdings(self) -> list[Holding]:
        shown = set(self.folded.shown)
        return [h for h in self.scene.edges if h.owner in shown and h.owned in shown]


def _drawable(
    analysis: Analysis,
    focus: str | None,
    depth: int | None,
    scope: str | None,
    max_depth: int | None,
    min_percent: float | None,
    budget: int,
) -> _Drawing:
    """The scene a figure draws (:func:`build_scene`) folded to ``budget``, unless what
    must stay in view is more than a figure can label legibly."""
    if not 1 <= budget <= FIGURE_LIMIT:
        raise OwnershipError(
            f"a figure's budget must be between 1 and {FIGURE_LIMIT} entities, not {budget}"
        )
    scene = build_scene(
        analysis,
        focus=focus,
        depth=depth,
        scope=scope,
        max_depth=max_depth,
        min_percent=min_percent,
    )
    folded = collapse(scene, budget)
    if len(folded.shown) > budget and focus is None:
        raise OwnershipError(
            f"the {len(folded.shown):,} separate groups drawn are more than the figure's "
            f"budget of {budget}; name an entity to draw its own, or raise --budget "
            f"(at most {FIGURE_LIMIT})"
        )
    if len(folded.shown) > budget:
        raise OwnershipError(
            f"the paths from {scene.names.get(focus or '', 'the focus')} to its listed owners "
            f"take {len(folded.shown):,} entities, more than the figure's budget of {budget} "
            "(legible labels); narrow it with --max-depth or --min-percent (or --scope "
            "subsidiaries), raise --budget, or draw the interactive map"
        )
    return _Drawing(scene, folded)


def _plot(drawing: _Drawing, ax: Axes, title: str | None) -> None:
    positions = _positions(drawing)
    _draw_edges(ax, drawing, positions)
    _draw_nodes(ax, drawing, positions)
    _decorate(ax, drawing, positions, title)


# ---------------------------------------------------------------------- layout


def _positions(drawing: _Drawing) -> dict[str, tuple[float, float]]:
    """Levels top-down; separate groups side by side; within a level of a group, entities
    sit under the mean position of their owners, and a level wider than MAX_COLUMNS
    wraps onto more rows.

    One barycentre sweep from the top keeps a parent's subsidiaries together, which is
    most of what makes a group tree readable.
    """
    import networkx as nx

    nodes, levels = drawing.nodes, drawing.levels
    owners: dict[str, list[str]] = defaultdict(list)
    graph = nx.Graph()
    graph.add_nodes_from(nodes)
    for owner, owned in drawing.links:
        owners[owned].append(owner)
        graph.add_edge(owner, owned)
    rank = {eid: i for i, eid in enumerate(nodes)}
    groups = sorted(
        (sorted(group, key=rank.__getitem__) for group in nx.connected_components(graph)),
        key=lambda group: rank[group[0]],
    )
    rows_above = _rows_above(levels)
    x: dict[str, float] = {}
    y: dict[str, float] = {}
    offset = 0.0
    for group in groups:
        rows: dict[int, list[str]] = defaultdict(list)
        for eid in group:
            rows[levels[eid]].append(eid)
        width = min(MAX_COLUMNS, max(len(row) for row in rows.values()))
        for level in sorted(rows):
            row = rows[level]

            def key(eid: str) -> tuple[float, int]:
                above = [x[o] for o in owners[eid] if o in x]
                return (mean(above) if above else float("inf"), rank[eid])

            row.sort(key=key)
            # column by column, so left-to-right order (and owners above) is kept
            wraps = -(-len(row) // MAX_COLUMNS)
            columns = -(-len(row) // wraps)
            for k, eid in enumerate(row):
                column, wrap = divmod(k, wraps)
                shift = 0.5 * wrap / wraps  # links pass between the entities above
                x[eid] = offset + (width - 1) / 2 + column - (columns - 1) / 2 + shift
                y[eid] = -float(rows_above[level] + wrap)
        offset += width + (0.5 if width > 1 else 0)
    return {eid: (x[eid], y[eid]) for eid in nodes}


def _rows_above(levels: dict[str, int]) -> dict[int, int]:
    """Rows drawn above each level: a level takes one row per MAX_COLUMNS entities."""
    widths: dict[int, int] = defaultdict(int)
    for level in levels.values():
        widths[level] += 1
    above: dict[int, int] = {}
    row = 0
    for level in sorted(widths):
        above[level] = row
        row += -(-widths[level] // MAX_COLUMNS)
    return above


def _figure_size(drawing: _Drawing) -> tuple[float, float]:
    levels = drawing.levels
    widths: dict[int, int] = defaultdict(int)
    for level in levels.values():
        widths[level] += 1
    columns = min(MAX_COLUMNS, max(widths.values(), default=1))
    rows = sum(-(-count // MAX_COLUMNS) for count in widths.values()) or 1
    width = min(MAX_INCHES, max(7.0, INCHES_PER_COLUMN * columns + 3.5))
    height = min(MAX_INCHES, max(4.0, INCHES_PER_LEVEL * rows + 1.5))
    return width, height


# ---------------------------------------------------------------------- drawing


def _draw_nodes(ax: Axes, drawing: _Drawing, positions: dict[str, tuple[float, float]]) -> None:
    """One marker collection per status (gid ``status-<name>``), then wrapped labels; a
    cluster is a box (gid ``cluster``) labelled with its size and statuses."""
    scene = drawing.scene
    shown = drawing.folded.shown
    for status in LEGEND_ORDER:
        members = [eid for eid in shown if scene.statuses[eid] == status]
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
    for eid in shown:
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
    for cluster in drawing.folded.clusters:
        x, y = positions[cluster.id]
        worst = STATUS_STYLE[cluster.worst(scene.statuses)]
        text = cluster.label(scene.statuses).replace(": ", ":\n", 1)
        box = ax.text(
            x,
            y,
            textwrap.fill(text, 2 * LABEL_WRAP, replace_whitespace=False),
            ha="center",
            va="center",
            fontsize=7.5,
            bbox={
                "boxstyle": "round,pad=0.4",
                "fc": "white",
                "ec": worst.border if worst.label != "clear" else "#777777",
                "ls": "--",
                "lw": 1.4,
            },
            zorder=4,
            parse_math=False,
        )
        box.set_gid("cluster")


def _draw_edges(ax: Axes, drawing: _Drawing, positions: dict[str, tuple[float, float]]) -> None:
    """Arrows owner -> owned (gid ``edge``), each with its share (gid ``edge-label``), and
    a grey dashed tie to each cluster (gid ``cluster-link``).

    Several holdings between one pair (ownership beside control) bend apart.
    """
    from matplotlib.patches import FancyArrowPatch

    seen: dict[tuple[str, str], int] = defaultdict(int)
    shrink = (MARKER_SIZE**0.5) / 2 + 2
    for hold in drawing.holdings:
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
    for cluster in drawing.folded.clusters:
        ends = (positions[cluster.anchor], positions[cluster.id])
        start, end = ends if cluster.below else ends[::-1]
        tie = FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=10,
            linewidth=1,
            linestyle="dashed",
            color="#999999",
            shrinkA=shrink,
            shrinkB=shrink + 8,
            zorder=1,
        )
        tie.set_gid("cluster-link")
        ax.add_patch(tie)


def _decorate(
    ax: Axes, drawing: _Drawing, positions: dict[str, tuple[float, float]], title: str | None
) -> None:
    """Title (what is drawn, then the rule, its window and the date, then what is folded),
    legend, limits."""
    from matplotlib.lines import Line2D

    scene = drawing.scene
    header = textwrap.fill(scene.analysis.header(), 120)
    heading = _shortened(scene.heading(title), 3 * LABEL_CHARS)
    lines = [heading, header]
    if drawing.folded.folded:
        clusters = len(drawing.folded.clusters)
        lines.append(
            f"Showing {len(drawing.folded.shown):,} of {len(scene.nodes):,} entities; the rest "
            f"in {clusters} box{'' if clusters == 1 else 'es'} with counts (--budget to show more)."
        )
    ax.set_title(visible("\n".join(lines)), fontsize=9, parse_math=False)
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
