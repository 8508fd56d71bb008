"""The owners that count, by columns: every entity's counted owner links
(:meth:`ownership.legal.LegalShares.counted_owners`) sorted as verdicts list them, and
any run of them as JSON objects and as explanation text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .arrow_text import (
    TEXT,
    BatchTexts,
    DistinctTexts,
    cat,
    distinct_texts,
    fill,
    json_object,
    json_strings,
    scaled_text,
    strings,
)
from .columns import in_id_order
from .propagate.arrays import concatenated_ranges
from .propagate.arrays import distinct as distinct_integers
from .verdict import OWNER_FIELDS, STATUS_CODES, STATUS_ORDER
from .wording import OWNER

if TYPE_CHECKING:
    from .analysis import Analysis
    from .row_batch import Batch

__all__ = ["OwnerColumns"]


class OwnerColumns:
    """Counted owner links of every entity, sorted per owned entity: largest share
    first, then by the owner's status and id, as ``counted_owners`` sorts them."""

    def __init__(self, analysis: Analysis, codes: np.ndarray) -> None:
        """``codes``: the analysis's status codes."""
        self.analysis = a = analysis
        self.codes = codes
        columns = a.columns
        h = columns.holdings
        rows = np.flatnonzero(a.active_holding_rows)
        rows = rows[a.legal.owner_sets[1][h.owner[rows]]]
        owner, owned, control = h.owner[rows], h.owned[rows], h.control[rows]
        low = np.where(control, 0, h.low[rows]).astype(np.int64)
        high = np.where(control, 0, h.high[rows]).astype(np.int64)
        order_of_status = np.asarray([STATUS_ORDER[s] for s in STATUS_CODES])[self.codes[owner]]
        distinct = distinct_integers(owner, a.compiled.n)
        by_id = np.searchsorted(distinct, in_id_order(a.compiled.index, a.compiled.ids, distinct))
        rank = np.empty(distinct.size, dtype=np.int64)
        rank[by_id] = np.arange(distinct.size)
        owner_rank = rank[np.searchsorted(distinct, owner)]
        order = np.lexsort((np.arange(rows.size), owner_rank, order_of_status, -low, owned))
        self.owner_rows = rows[order]
        self.owner_control = control[order]
        self.owner_low, self.owner_high = low[order], high[order]
        self.owned_sorted = owned[order]
        self.via_control = np.zeros(a.compiled.n, dtype=bool)
        self.via_control[owned[control]] = True
        # the links' unsorted columns let go before their share texts are made
        del rows, owner, owned, control, low, high, order_of_status, owner_rank, order
        self._share_columns()

    def _share_columns(self) -> None:
        """Each link's lowest and highest share as exact decimal text, and its share as
        the explanation says it (and as JSON), made once per distinct value: most links
        hold one of a few shares."""
        h = self.analysis.columns.holdings
        scale = 10**self.analysis.columns.places
        rows, control = self.owner_rows, self.owner_control
        self.low_texts = distinct_texts(self.owner_low, lambda v: scaled_text(v, scale))
        self.high_texts = distinct_texts(self.owner_high, lambda v: scaled_text(v, scale))
        # shares: one choice per distinct lowest share given as a figure, then "unknown
        # %" and "control", then the text of each link given as a range
        given = h.percent_given[rows] & ~control
        ranged = ~control & ~given & h.range_given[rows]
        figures, figure_of = np.unique(self.owner_low[given], return_inverse=True)
        ranged_rows = rows[ranged].tolist()
        choices = pc.binary_join_element_wise(
            scaled_text(figures, scale), pa.scalar("%", TEXT), pa.scalar("", TEXT)
        ).to_pylist()
        choices += ["unknown %", "control", *(h.share_text(k, scale) for k in ranged_rows)]
        code = np.full(rows.size, figures.size, dtype=np.int64)  # unknown
        code[given] = figure_of.reshape(-1)
        code[control] = figures.size + 1
        code[ranged] = figures.size + 2 + np.arange(len(ranged_rows))
        self.share_code = code
        self.share_choices = strings(choices)
        self.share_json_choices = json_strings(self.share_choices)

    def of_batch(self, batch: Batch) -> tuple[np.ndarray, slice | np.ndarray]:
        """The links into the entities of ``batch``: offsets of each entity's, from 0,
        and where they are among the sorted links (a slice for a run)."""
        if batch.run:
            first, last = np.searchsorted(self.owned_sorted, [batch.start, batch.stop])
            offsets = np.searchsorted(self.owned_sorted[first:last], batch.positions)
            return np.append(offsets, last - first), slice(int(first), int(last))
        first = np.searchsorted(self.owned_sorted, batch.positions, side="left")
        counts = np.searchsorted(self.owned_sorted, batch.positions, side="right") - first
        offsets = np.zeros(batch.size + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        return offsets, concatenated_ranges(first, counts)

    def texts(
        self,
        part: slice | np.ndarray,
        names: pa.Array,
        status_json: pa.Array,
        as_json: tuple[pa.Array, BatchTexts] | None = None,
    ) -> tuple[pa.Array | None, pa.Array]:
        """Owner links ``part`` of the sorted ones as explanation text, from every
        entity's name and each status as JSON; and as JSON objects, given every entity's
        id and name as JSON (``as_json``)."""
        h = self.analysis.columns.holdings
        rows, control = self.owner_rows[part], self.owner_control[part]
        owner = h.owner[rows]
        at = pa.array(self.share_code[part])
        share = self.share_choices.take(at)
        status_text = status_json.take(pa.array(self.codes[owner]))
        owners = pa.array(owner)
        plain_status = pc.utf8_slice_codeunits(status_text, 1, -1)
        owner_text = fill(
            OWNER, name=names.take(owners), share=share, status=plain_status, joint=""
        )
        if as_json is None:
            return None, owner_text
        ids_json, names_json = as_json
        kind = pc.if_else(pa.array(control), '"control"', '"ownership"').cast(TEXT)
        fields = {
            "owner": ids_json.take(owners),
            "owner_name": names_json.take(owners),
            "share": self.share_json_choices.take(at),
            "percent_min": _part_of(self.low_texts, part),
            "percent_max": _part_of(self.high_texts, part),
            "owner_status": status_text,
            "kind": kind,
        }
        return cat(*json_object(fields, OWNER_FIELDS)), owner_text


def _part_of(texts: DistinctTexts, part: slice | np.ndarray) -> pa.Array:
    """The texts of links ``part`` of the sorted ones."""
    if isinstance(part, slice):
        return texts.slice(int(part.start), int(part.stop) - int(part.start))
    return texts.take(part)
