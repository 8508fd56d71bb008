"""The entities' ids, names on a date and countries as the verdict writer's fields show
them (JSON literals, or CSV cells).

They come from the dataset alone, not from any verdict, so a caller that will write every
verdict can have them made while the analysis runs (:meth:`EntityTexts.made_beside`):
the analysis's compile runs on one core, and at 1M these texts take about 0.4 CPU-seconds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from concurrent.futures import Executor, Future
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from .arrow_text import (
    BatchTexts,
    CsvCells,
    any_json_escape,
    csv_cells,
    distinct_strings,
    json_strings,
    stop_after_word,
    strings,
)
from .columns import Columns, DatedNames, columns_of
from .verdict import chosen_fields

if TYPE_CHECKING:
    from .model import Dataset
    from .row_batch import Batch

__all__ = ["EntityTexts", "shows_names"]


def shows_names(fields: Sequence[str]) -> bool:
    """Whether lines of ``fields`` show entities' names: the name itself, the owners
    (named in each stake) or the explanation (which names owners and the chain)."""
    return bool(set(fields) & {"name", "owners", "explanation"})


class EntityTexts:
    """Ids, names and countries of every entity as the ``fields`` of a verdict line show
    them, in CSV cells (``csv``) or as JSON, for the analysis of ``columns`` on ``as_of``.
    What no chosen field shows is not made."""

    def __init__(
        self,
        columns: Columns,
        names: DatedNames,
        as_of: dt.date,
        *,
        csv: bool,
        fields: Sequence[str] | None = None,
    ) -> None:
        self.columns = columns
        self.as_of = as_of
        self.csv = csv
        self.fields = chosen_fields(fields, csv=csv)
        wants = set(self.fields)
        explain = "explanation" in wants
        #: the names on the date, as they are
        self.names: pa.Array = names.arrow()
        if csv:  # the ids as cells
            self.ids = strings(columns.ids)
            self.id_cells = csv_cells(self.ids)
            #: no id needs marking or quoting, so neither does a list of them
            self.ids_plain = pc.all(pc.equal(self.id_cells, self.ids)).as_py()
        else:  # as JSON, whole: most rows take several (chains, owners, ancestors)
            self.ids_json = json_strings(strings(columns.ids))
        if "country" in wants:  # as JSON, or as CSV cells: each country once
            self.country_texts = distinct_strings(
                columns.country.tolist(), csv_cells if csv else json_strings
            )
        if not shows_names(self.fields):
            return
        if csv:  # the names as the name field has them: CSV cells, or JSON literals
            self.name_cells = CsvCells(self.names)
        else:
            self.name_texts = BatchTexts(self.names, json_strings)
        if explain:
            self.names_plain = not any_json_escape(self.names)
            self.names_double_stop = pc.any(pc.match_substring(self.names, "..")).as_py()
            self.stop_after_word = stop_after_word(self.names)

    def name_field(self, batch: Batch) -> pa.Array:
        """The name field of the rows of ``batch``."""
        return batch.of(self.name_cells if self.csv else self.name_texts)

    @classmethod
    def made_beside(
        cls,
        dataset: Dataset,
        as_of: dt.date,
        pool: Executor,
        *,
        csv: bool,
        fields: Sequence[str] | None = None,
    ) -> Future[EntityTexts]:
        """The texts of ``dataset`` on ``as_of``, made on ``pool``; the dataset's columns
        are built here first, as the analysis reads them too."""
        columns = columns_of(dataset)
        names = DatedNames(columns, dataset.entities, as_of)
        return pool.submit(cls, columns, names, as_of, csv=csv, fields=fields)

    def serves(
        self, columns: Columns, as_of: dt.date, *, csv: bool, fields: tuple[str, ...]
    ) -> bool:
        """Whether these are the texts a writer of ``fields`` needs for this data and date."""
        return (
            self.columns is columns
            and self.as_of == as_of
            and self.csv == csv
            and self.fields == fields
        )
