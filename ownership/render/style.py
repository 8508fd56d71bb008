"""One palette and one set of second cues for every renderer.

Colours are from the Okabe-Ito palette (safe for colour-blind readers); each status also
has its own shape and border so the map and the figure read in greyscale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from ..model import Holding

__all__ = [
    "FIGURE_BUDGET",
    "FIGURE_LIMIT",
    "LEGEND_ORDER",
    "LINK_STYLE",
    "MAP_BUDGET",
    "SEVERITY",
    "STATUS_STYLE",
    "LinkStyle",
    "StatusStyle",
    "edge_width",
    "link_kind",
    "share_label",
]


@dataclass(frozen=True)
class StatusStyle:
    label: str
    colour: str  # fill, hex
    border: str  # border colour, hex
    shape_html: str  # vis-network shape
    marker: str  # matplotlib marker
    border_width: int
    dashed: bool
    terminal: str  # rich style
    meaning: str


STATUS_STYLE: dict[str, StatusStyle] = {
    "listed": StatusStyle(
        "listed", "#D55E00", "#000000", "box", "s", 3, False, "bold red",
        "named on a list the rule reads",
    ),
    "covered": StatusStyle(
        "covered", "#E69F00", "#000000", "diamond", "D", 2, False, "dark_orange",
        "not listed, but the ownership rule captures it",
    ),
    "exposed": StatusStyle(
        "exposed", "#56B4E9", "#0072B2", "triangle", "^", 3, True, "bold magenta",
        "unlisted descendant of a listed entity: the loophole",
    ),
    "clear": StatusStyle(
        "clear", "#EEEEEE", "#999999", "dot", "o", 1, False, "dim",
        "no listed owner reaches it",
    ),
}  # fmt: skip

#: Order of statuses in legends and filters: listed first, clear last.
LEGEND_ORDER = ("listed", "covered", "exposed", "clear")
#: How grave a status is, for a cluster's worst: listed highest, clear lowest.
SEVERITY = {status: len(LEGEND_ORDER) - k for k, status in enumerate(LEGEND_ORDER)}

#: Entities and clusters a map draws at first; the rest open on a click.
MAP_BUDGET = 500
#: Entities and clusters a figure draws by default; past it, subtrees fold into boxes
#: with counts, as on the map.
FIGURE_BUDGET = 60
#: The most a figure draws at all: past it, no page size keeps every label legible.
FIGURE_LIMIT = 300


@dataclass(frozen=True)
class LinkStyle:
    """How one kind of link is drawn; the dash pattern is the cue that survives greyscale."""

    label: str
    colour: str
    dashes: tuple[int, ...]  # on/off lengths in pixels; () is a solid line
    mpl_linestyle: Literal["solid", "dashed", "dotted"]  # matplotlib linestyle
    meaning: str


LINK_STYLE: dict[str, LinkStyle] = {
    "ownership": LinkStyle(
        "ownership", "#444444", (), "solid", "share held; wider is larger",
    ),
    "unknown": LinkStyle(
        "unknown share", "#888888", (2, 3), "dotted", "a stake of unknown size (?%)",
    ),
    "control": LinkStyle(
        "control", "#0072B2", (8, 5), "dashed", "control without a share (board, votes)",
    ),
}  # fmt: skip

#: Width in pixels (points in figures) of a link with no known share, and of a 100% stake.
MIN_LINK_WIDTH = 1.0
MAX_LINK_WIDTH = 6.0


def link_kind(holding: Holding) -> str:
    """The :data:`LINK_STYLE` key of a holding: control, unknown share or ownership."""
    if holding.kind.value == "control":
        return "control"
    if not holding.is_exact and not holding.is_range:
        return "unknown"
    return "ownership"


def share_label(holding: Holding) -> str:
    """The share as drawn on a link: ``51%``, ``30-35%``, ``?%`` or ``control``.

    >>> from ownership.model import Holding
    >>> [share_label(Holding(owner="a", owned="b", **kw))
    ...  for kw in ({"percent": 51}, {"minimum": 30, "maximum": 35}, {}, {"kind": "control"})]
    ['51%', '30-35%', '?%', 'control']
    """
    kind = link_kind(holding)
    if kind == "unknown":
        return "?%"
    return holding.share_text()


def edge_width(holding: Holding) -> float:
    """Line width grows with the share (a range counts at its midpoint) so big stakes stand out.

    >>> from ownership.model import Holding
    >>> [edge_width(Holding(owner="a", owned="b", **kw)) for kw in ({"percent": 100}, {})]
    [6.0, 1.0]
    """
    if link_kind(holding) != "ownership":
        return MIN_LINK_WIDTH
    middle = float(holding.lower_bound + holding.upper_bound) / 200
    return round(MIN_LINK_WIDTH + (MAX_LINK_WIDTH - MIN_LINK_WIDTH) * middle, 2)
