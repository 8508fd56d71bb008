"""The explanations of chosen entities (those that changed between two dates), made by
the columns ``analyze`` writes them with, for a batch of the chosen entities at a time
rather than over every entity."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Literal

import numpy as np

from .arrow_text import ENCODE
from .io.verdicts import csv_cell
from .row_batch import Batch
from .verdict_json import THREADS, LineColumns
from .verdict_records import RowMaker

if TYPE_CHECKING:
    from .analysis import Analysis

__all__ = ["Form", "explanations_of"]

#: What an explanation is made as: its text, a JSON string literal, or a CSV cell.
Form = Literal["text", "json", "csv"]

#: Chosen entities explained in one batch.
AT_ONCE = 8_192


def explanations_of(
    analysis: Analysis,
    positions: np.ndarray,
    *,
    batch: int | None = None,
    form: Form = "text",
) -> Iterator[tuple[int, str]]:
    """The explanation of each of ``positions`` (ascending), as ``analyze`` writes it,
    made by columns for a batch of them at a time: (position, text), in order; as
    ``form``: the text, the JSON string literal ``analyze`` writes, or the CSV cell
    (:func:`~ownership.io.verdicts.csv_cell`). Quicker than one at a time when many of
    the entities are asked for."""
    if analysis.compiled.low.dtype == object:
        maker = RowMaker(analysis, positions)
        forms: dict[str, Callable[[str], str]] = {"text": str, "json": ENCODE, "csv": csv_cell}
        made_as = forms[form]
        for position in positions.tolist():
            yield position, made_as(maker.explanation(position))
        return
    batch = batch or AT_ONCE
    csv = form == "csv"
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        lines = LineColumns(analysis, "", pool, csv=csv, fields=("explanation",))
        for start in range(0, positions.size, batch):
            chosen = Batch(positions[start : start + batch])
            text, rows = lines.assemble(chosen, *lines.prepare(chosen))
            made = text.to_pylist()
            for k, line in rows:
                made[k] = line
            at = chosen.positions.tolist()
            if csv:  # an empty cell alone on its line is written "", beside others not
                yield from zip(at, ("" if x == '""' else x for x in made), strict=True)
            elif form == "json":  # each line is {"explanation": <literal>}
                yield from zip(at, (line[_FIELD_START:-1] for line in made), strict=True)
            else:  # one JSON array read at once: quicker than a line at a time
                read = json.loads("[" + ",".join(made) + "]")
                yield from zip(at, (x["explanation"] for x in read), strict=True)


#: where the value of a line of the explanation alone begins
_FIELD_START = len('{"explanation": ')
