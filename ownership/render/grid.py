"""Large tables drawn a line at a time.

rich's :class:`~rich.table.Table` lays out every cell through its renderer, about a
millisecond a row: a 10,000-row table took half a minute. Tables longer than
:data:`GRID_ROWS` rows are drawn here instead, from the same :class:`Table` (its
columns, headers, justification, folding and cell styles) with the same box characters;
cells too wide for their column fold as rich folds them. Shorter tables are left to rich.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text

__all__ = ["GRID_ROWS", "Grid", "sized"]

#: Rows above which a table is drawn by :class:`Grid` rather than by rich.
GRID_ROWS = 1_000


def sized(table: Table) -> RenderableType:
    """``table`` itself, or a :class:`Grid` of it when it has more than GRID_ROWS rows."""
    return Grid(table) if table.row_count > GRID_ROWS else table


class Grid:
    """A rich table's columns and cells, drawn line by line (see the module docstring)."""

    def __init__(self, table: Table) -> None:
        self.columns = list(table.columns)
        self.header_style = table.header_style or ""
        self.cells = [[_text(value) for value in column.cells] for column in self.columns]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        widths = self.widths(options.max_width)
        yield from _rule("┏", "┳", "┓", "━", widths)
        header = [Text(str(c.header)) for c in self.columns]
        yield from self._line(console, header, widths, "┃", console.get_style(self.header_style))
        yield from _rule("┡", "╇", "┩", "━", widths)
        for row in zip(*self.cells, strict=True):
            yield from self._line(console, list(row), widths, "│")
        yield from _rule("└", "┴", "┘", "─", widths)

    def widths(self, room: int) -> list[int]:
        """Each column as wide as its widest cell, unless the table is wider than
        ``room``: then the widest folding columns narrow first, as rich narrows them."""
        natural = [
            max([cell_len(str(c.header)), c.min_width or 0] + [cell_len(t.plain) for t in cells])
            for c, cells in zip(self.columns, self.cells, strict=True)
        ]
        room -= len(natural) + 1  # the rules between and around columns
        widths = [min(w + 2, room) for w in natural]  # with the cell padding, as rich does
        folding = [not c.no_wrap for c in self.columns]
        excess = sum(widths) - room
        while excess > 0 and any(folding):
            widest = max(w for w, fold in zip(widths, folding, strict=True) if fold)
            second = max(
                (w for w, fold in zip(widths, folding, strict=True) if fold and w != widest),
                default=0,
            )
            at_widest = [fold and w == widest for w, fold in zip(widths, folding, strict=True)]
            if widest == second:
                break
            widths = _reduce(excess, at_widest, widest - second, widths)
            excess = sum(widths) - room
        return [
            max(c.min_width or 0, min(w - 2, n), 2)  # a wide character needs 2
            for c, w, n in zip(self.columns, widths, natural, strict=True)
        ]

    def _line(
        self,
        console: Console,
        cells: Sequence[Text],
        widths: list[int],
        edge: str,
        style: Style | None = None,
    ) -> Iterator[Segment]:
        """One row of cells, folded onto as many lines as its tallest cell needs; ``style``
        covers each whole cell, padding too (as rich styles a header)."""
        parts = []
        for cell, width in zip(cells, widths, strict=True):
            if cell_len(cell.plain) <= width:
                parts.append([cell])
            else:
                parts.append(list(cell.wrap(console, width, overflow="fold")))
        right = [c.justify == "right" for c in self.columns]
        for k in range(max(len(p) for p in parts)):
            plain = edge  # unstyled text is gathered into one segment: far fewer to write
            for lines, width, to_right in zip(parts, widths, right, strict=True):
                if k >= len(lines) and style is None:  # a cell ended above: blank
                    plain += " " * (width + 2) + edge
                    continue
                piece = lines[k] if k < len(lines) else _EMPTY
                text = piece.plain.rstrip()
                gap = " " * (width - cell_len(text))
                if style is not None:
                    yield Segment(plain)
                    plain = ""
                    yield Segment(" ", style)
                    yield Segment(gap + text if to_right else text + gap, style)
                    yield Segment(" ", style)
                elif piece.spans or piece.style:
                    yield Segment(plain + " ")
                    styled = piece.copy()
                    styled.rstrip()
                    if to_right:  # the cell's own style covers its padding, as in rich
                        styled.pad_left(len(gap))
                    else:
                        styled.pad_right(len(gap))
                    yield from Text().append(styled).render(console)  # its style as a span
                    plain = " "
                else:
                    plain += " " + (gap + text if to_right else text + gap) + " "
                plain += edge
            yield Segment(plain)
            yield Segment.line()


_EMPTY = Text()


def _reduce(total: int, chosen: list[bool], most: int, widths: list[int]) -> list[int]:
    """Take ``total`` off the ``chosen`` widths, evenly and at most ``most`` each, as
    rich's ``ratio_reduce`` does with equal ratios."""
    count = sum(chosen)
    result = []
    for pick, width in zip(chosen, widths, strict=True):
        if pick and count:
            taken = min(most, round(total / count))
            result.append(width - taken)
            total -= taken
            count -= 1
        else:
            result.append(width)
    return result


def _text(value: object) -> Text:
    return value.copy() if isinstance(value, Text) else Text(str(value))


def _rule(left: str, middle: str, right: str, line: str, widths: list[int]) -> Iterator[Segment]:
    yield Segment(left + middle.join(line * (w + 2) for w in widths) + right)
    yield Segment.line()
