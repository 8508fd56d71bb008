"""One palette and one set of second cues for every renderer.

Colours are from the Okabe-Ito palette (safe for colour-blind readers); each status also
has its own shape and border so the map and the figure read in greyscale.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["STATUS_STYLE", "StatusStyle"]


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
