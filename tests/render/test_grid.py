"""Tables over GRID_ROWS rows are drawn line by line, the same as rich draws them."""

from __future__ import annotations

import io
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ownership.render.grid import GRID_ROWS, Grid, sized

WORDS = st.sampled_from(["Inspur", "浪潮", "Co.,", "Ltd", "->", "…", "x" * 25, "(HK)", "9"])
CELLS = st.lists(WORDS, max_size=14).map(" ".join)
STYLES = st.sampled_from(["", "bold red", "green", "dim"])


@st.composite
def tables(draw: st.DrawFn) -> Table:
    table = Table(header_style="bold")
    folding = draw(st.lists(st.booleans(), min_size=1, max_size=6))
    for k, folds in enumerate(folding):
        table.add_column(
            f"col{k}",
            justify=draw(st.sampled_from(["left", "right"])),
            no_wrap=not folds,
            overflow="fold",
            ratio=draw(st.integers(1, 3)) if folds else None,
            min_width=draw(st.sampled_from([None, 16])) if folds else None,
        )
    for _ in range(draw(st.integers(0, 8))):
        row = []
        for folds in folding:
            text = draw(CELLS) if folds else draw(st.sampled_from(["", "exposed", "50%", "HK"]))
            row.append(Text(text, style=draw(STYLES)) if draw(st.booleans()) else text)
        table.add_row(*row)
    return table


def drawn(renderable: object, width: int, colour: bool) -> str:
    console = Console(
        file=io.StringIO(),
        width=width,
        force_terminal=colour,
        color_system="standard" if colour else None,
        highlight=False,
        soft_wrap=True,
    )
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined, no-any-return]


@settings(max_examples=300, deadline=None)
@given(tables(), st.integers(60, 160), st.booleans())
def test_the_grid_draws_a_table_as_rich_does(table: Table, width: int, colour: bool) -> None:
    assert drawn(Grid(table), width, colour) == drawn(table, width, colour)


@settings(max_examples=100, deadline=None)
@given(tables(), st.integers(1, 59))
def test_a_narrow_terminal_still_gets_every_cell(table: Table, width: int) -> None:
    out = drawn(Grid(table), width, colour=False)
    assert out.count("\n") >= 4 + table.row_count
    written = Counter(out)
    for column in table.columns:
        for value in column.cells:
            plain = value.plain if isinstance(value, Text) else str(value)
            assert Counter(plain.replace(" ", "")) <= written


def test_only_a_long_table_is_drawn_by_the_grid() -> None:
    table = Table()
    table.add_column("n")
    for k in range(GRID_ROWS):
        table.add_row(str(k))
    assert sized(table) is table
    table.add_row("one more")
    assert isinstance(sized(table), Grid)
