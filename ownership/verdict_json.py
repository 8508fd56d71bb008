"""Every verdict of an analysis as JSON lines or CSV, assembled by Arrow string kernels.

``ownership analyze --format jsonl`` over a million entities writes gigabytes. Building a
dict per row and encoding it costs tens of microseconds a row, over a minute in all. Here
each field is a column of JSON text (or of CSV cells), made once per entity (ids, names),
once per distinct value (sets of listed ancestors) or once per batch of rows, and pyarrow
joins the columns into lines with no Python call per row. Listed entities' listings are
made into text once (:mod:`ownership.listed_columns`); the few rows whose records must be
told (stakes in conflict, rings, joint arrangements, undecided shares) take the row-by-row
path of :class:`ownership.verdict_records.RowMaker` when a chosen field needs it. The
explanations are filled by :mod:`ownership.explanation_columns`. A column that no chosen
field shows is not worked out.

The bytes equal ``json.dumps(row, ensure_ascii=False)`` of ``Verdict.to_dict``, or the
CSV that ``io.verdicts.write_csv`` writes of the same rows; tests hold them equal on the
fixture, on every rules case and on random graphs.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ._re2 import PYTHON_SPACE
from .arrow_text import (
    ENCODE,
    JSON_SPECIAL,
    cat,
    csv_cell_parts,
    csv_cells,
    distinct_texts,
    float_json,
    json_lists,
    json_object,
    json_strings,
    lists,
    percent_text,
    quoted,
    round6,
    scaled_text,
    strings,
)
from .chain_walks import Chains
from .columns import position_type
from .entity_texts import EntityTexts
from .explanation_columns import ExplanationColumns
from .io.cells import CONTROL_CHARACTER
from .io.jsontext import encode_exact
from .io.verdicts import csv_line
from .listed_columns import ListedColumns, ancestor_texts
from .memory import return_freed_memory
from .owner_columns import OwnerColumns
from .row_batch import Batch
from .rules.base import Aggregation
from .verdict import STATUS_CODES, Status, chosen_fields
from .verdict_records import RowMaker, listings_read, write_rows
from .wording import DOUBLE_STOP

if TYPE_CHECKING:
    from .analysis import Analysis
    from .ancestry import SeedAncestry

__all__ = [
    "TOLD_BY_ROW",
    "LineColumns",
    "reads_shares",
    "write_verdict_csv",
    "write_verdict_lines",
]

#: Rows assembled at once: large enough that kernels dominate, small enough to stay lean.
BATCH = 8_192
#: Worker threads for the Arrow part of each batch (the kernels release the GIL).
THREADS = 2

_JSON_SPECIAL_IN = re.compile(JSON_SPECIAL)
#: ``wording.DOUBLE_STOP`` (where ``wording.single_stops`` may act), for RE2.
_DOUBLE_STOP_RE2 = rf"\.\.([{PYTHON_SPACE}]|$)"
#: Fields whose value on a row made one by one (a listed entity, or one whose records
#: must be told) is not what the columns give; with none of them chosen, every row is
#: made by the columns.
TOLD_BY_ROW = frozenset(
    {"explanation", "owners", "listings", "listed_ancestors", "listed_ancestors_total"}
)


def reads_shares(fields: Sequence[str] | None, *, csv: bool = False) -> bool:
    """Whether writing ``fields`` reads every look-through share (the share, or a row
    made one by one): if so, best worked out beside the analysis's fixed points."""
    return bool(set(chosen_fields(fields, csv=csv)) & (TOLD_BY_ROW | {"effective_percent"}))


def write_verdict_lines(
    analysis: Analysis,
    out: BinaryIO,
    *,
    array: bool = False,
    progress: Callable[[int, int], None] | None = None,
    batch: int = BATCH,
    threads: int = THREADS,
    fields: Sequence[str] | None = None,
    texts: EntityTexts | None = None,
) -> None:
    """Write one JSON object per entity, in dataset order, as UTF-8 to ``out``: a line
    each (JSON lines), or with ``array`` a JSON array as ``io.verdicts.write_json`` writes.
    ``fields``: only these of :data:`~ownership.verdict.VERDICT_FIELDS`, in this order
    (:func:`~ownership.verdict.chosen_fields`); a field not asked for is not worked out.
    ``texts``: the entities' texts, if made beforehand (:class:`EntityTexts`).

    The Python part of each batch runs here, in order; its Arrow part runs on ``threads``
    worker threads while the next batch is prepared.
    """
    chosen = chosen_fields(fields, csv=False)
    n = analysis.compiled.n
    if analysis.compiled.low.dtype == object:
        # shares with more decimal places than int64 holds exactly: row by row, in Python
        write_rows(analysis, out, array=array, progress=progress, fields=chosen)
        return
    end = ",\n  " if array else "\n"
    if array:
        out.write(b"[\n  " if n else b"[")
    _write_batches(
        analysis, out, end, False, progress, batch, threads, trim=array, fields=chosen, texts=texts
    )
    if array:
        out.write(b"\n]\n")


def write_verdict_csv(
    analysis: Analysis,
    out: BinaryIO,
    *,
    progress: Callable[[int, int], None] | None = None,
    batch: int = BATCH,
    threads: int = THREADS,
    fields: Sequence[str] | None = None,
    texts: EntityTexts | None = None,
) -> None:
    """Write the verdict CSV (``io.verdicts.CSV_COLUMNS``, or the ``fields`` chosen of
    them, a header and a line per entity in dataset order) as UTF-8 to ``out``, as
    :func:`write_verdict_lines` writes JSON lines."""
    chosen = chosen_fields(fields, csv=True)
    if analysis.compiled.low.dtype == object:
        write_rows(analysis, out, array=False, progress=progress, csv=True, fields=chosen)
        return
    out.write((",".join(chosen) + "\n").encode())
    _write_batches(
        analysis, out, "\n", True, progress, batch, threads, trim=False, fields=chosen, texts=texts
    )


def _write_batches(
    analysis: Analysis,
    out: BinaryIO,
    end: str,
    csv: bool,
    progress: Callable[[int, int], None] | None,
    batch: int,
    threads: int,
    *,
    trim: bool,
    fields: tuple[str, ...],
    texts: EntityTexts | None = None,
) -> None:
    """Every row's line, a batch at a time; with ``trim``, the last ``end`` left out."""
    n = analysis.compiled.n
    pending: deque[Future[tuple[pa.Array, list[tuple[int, str]]]]] = deque()

    def write_oldest(last: bool) -> None:
        text, rows = pending.popleft().result()
        _write_segments(out, text, rows, trim=len(end) if trim and last else 0)

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        lines = LineColumns(analysis, end, pool, csv=csv, fields=fields, texts=texts)
        # the set-up's scratch handed back: the batches reuse only part of it, and
        # what they leave of it would stay resident until the end
        return_freed_memory()
        for start in range(0, n, batch):
            if progress is not None:
                progress(start, n)
            batch_rows = Batch.of_run(start, min(n, start + batch))
            pending.append(pool.submit(lines.assemble, batch_rows, *lines.prepare(batch_rows)))
            if len(pending) > threads:
                write_oldest(last=False)
        while pending:
            write_oldest(last=len(pending) == 1)
    if progress is not None:
        progress(n, n)


def _write_segments(
    out: BinaryIO, text: pa.Array, rows: list[tuple[int, str]], *, trim: int
) -> None:
    """Write ``text`` with the lines at the given row numbers replaced by the given
    strings, less ``trim`` bytes at the very end."""
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[text.offset :]
    data = memoryview(text.buffers()[2])
    pieces: list[bytes | memoryview] = []
    begin = offsets[0]
    for row, line in rows:
        pieces += [data[begin : offsets[row]], line.encode()]
        begin = offsets[row + 1]
    pieces.append(data[begin : offsets[len(text)]])
    if trim:
        k = len(pieces) - 1
        while not len(pieces[k]):
            k -= 1
        pieces[k] = pieces[k][: len(pieces[k]) - trim]
    for piece in pieces:
        out.write(piece)


# ---------------------------------------------------------------------- the lines


def _matches(texts: pa.Array, pattern: str) -> bool:
    """Whether any of ``texts`` matches the RE2 ``pattern``."""
    return bool(pc.any(pc.match_substring_regex(texts, pattern)).as_py())


class LineColumns(ExplanationColumns):
    """The columns worked out once per analysis, and the lines of any batch of rows."""

    #: the entities' ids, names and countries as the fields show them
    texts: EntityTexts

    def __init__(
        self,
        analysis: Analysis,
        end: str,
        pool: Executor,
        *,
        csv: bool = False,
        fields: tuple[str, ...] | None = None,
        texts: EntityTexts | None = None,
    ) -> None:
        """Work out the columns; those made by Arrow alone go to ``pool`` while the rest
        are made here. ``csv``: lines of CSV cells instead of JSON objects; ``fields``:
        the fields of each line (:func:`~ownership.verdict.chosen_fields`); ``texts``:
        the entities' texts, if made already (used only when they are this data's, on
        this date, for these fields)."""
        self.analysis = a = analysis
        self.pool = pool
        self.end = end
        self.csv = csv
        self.fields = chosen_fields(fields, csv=csv)
        # a column no chosen field shows is neither worked out nor assembled
        self.wants = wants = set(self.fields)
        self.wants_explanation = explain = "explanation" in wants
        self.wants_owners = "owners" in wants or explain
        self.wants_chain = bool(wants & {"chain", "chain_via"}) or explain
        self.wants_ancestors = bool(wants & {"listed_ancestors", "listed_ancestors_total"})
        self.wants_legal = bool(wants & {"legal_percent", "legal_percent_max"}) or explain
        self.wants_flags = "flags" in wants or explain
        self.wants_by_row = bool(wants & TOLD_BY_ROW)
        c = a.compiled
        n = c.n
        submit = pool.submit
        self.codes = np.asarray(a.codes)  # compared and taken by, never added up
        a.active_holding_rows  # noqa: B018 - shared by the jobs
        if self.wants_legal or self.wants_owners or self.wants_by_row:
            a.legal.owner_sets  # noqa: B018
        # first: the main thread needs it soonest
        legal = submit(self._legal_columns) if self.wants_legal or self.wants_by_row else None
        if texts is not None and texts.serves(a.columns, a.as_of, csv=csv, fields=self.fields):
            texts_made: Future[None] = Future()
            self.texts = texts
            texts_made.set_result(None)
        else:
            texts_made = submit(self._make_texts)
        self.status_json = strings([ENCODE(code.value) for code in STATUS_CODES])
        #: fields with one value for every row, as JSON
        self.fixed = {
            "rule": ENCODE(a.rule.label),
            "window": ENCODE(a.window_text),
            "as_of": ENCODE(a.as_of.isoformat()),
            "threshold": ENCODE(a.threshold_text),
        }
        if csv:
            self.status_cells = csv_cells(strings([code.value for code in STATUS_CODES]))
            fixed = [a.rule.label, a.window_text, a.as_of.isoformat(), a.threshold_text]
            made = csv_cells(strings(fixed)).to_pylist()
            self.fixed = dict(zip(("rule", "window", "as_of", "threshold"), made, strict=True))
        #: the analysis's listed ancestors, once the job that makes their texts has them
        self.ancestry: SeedAncestry | None = None
        wants_sets = self.wants_ancestors and bool(a.reach.reached.any())
        #: per row, the number of its listed-ancestor text in ``ancestor_text`` (and
        #: ``ancestor_total``), once the job has made them; the last is an empty list
        self.ancestor_pick: np.ndarray | None = None
        self.ancestor_text = strings(["" if csv else "[]"])
        self.ancestor_total = strings(["0"])
        listings = listings_read(a) if self.wants_by_row else {}
        self.by_row = np.zeros(n, dtype=bool)
        #: the listed rows made by columns, with their listings, when rows are told
        self.listed: ListedColumns | None = None
        if self.wants_by_row:
            # what the data says that cannot all be true is told with its records
            told = c.conflicted | c.closed_ring
            told[c.dst[c.alternative]] = True
            # and so is what a joint arrangement brings in, with its members
            told[c.dst[c.arranged]] = True
            told |= a.undecided
            self.listed = ListedColumns(a, self.codes, told, listings)
            # listed rows, and rows with listings, are made one by one unless by columns
            self.by_row[np.asarray(sorted(listings), dtype=np.int64)] = True
            self.by_row[self.codes == STATUS_CODES.index(Status.listed)] = True
            self.by_row = (self.by_row | told) & ~self.listed.by_columns
        per_owner = a.rule.aggregation is Aggregation.per_owner and a.lower is not None
        self.owner_of = np.asarray(a.lower.owner_of) if per_owner and a.lower else None
        # every distinct set of listed ancestors a row shows, made into text once: the
        # longest job, so sent before the others that need no rows
        ancestors = submit(self._ancestor_texts, texts_made) if wants_sets else None
        wants_effective = "effective_percent" in wants or explain
        effective = submit(self._effective_columns) if wants_effective else None
        chains = submit(self._chain_pointers) if self.wants_chain else None
        owners = submit(OwnerColumns, a, self.codes) if self.wants_owners else None
        nearest = a.reach.nearest_seed
        nearest = np.where((nearest >= 0) & (nearest != np.arange(n)), nearest, -1)
        self.nearest = nearest.astype(position_type(n))
        if legal is not None:
            legal.result()
        if self.wants_flags:
            self._flag_columns()
        if self.wants_by_row:
            bounds = (self.legal_low, self.legal_high, self.legal_scale)
            self.rows = RowMaker(a, np.flatnonzero(self.by_row), listings, bounds)
        if legal is not None:
            # every row's legal shares are texts now; the few rows that read the shares
            # themselves keep their own (the rows made one by one, the filled sentences)
            del self.legal_low, self.legal_high
        for job in (texts_made, effective, chains, ancestors):
            if job is not None:
                job.result()
        if owners is not None:
            self.owners = owners.result()
        if explain:
            self._explanation_checks()

    def _explanation_checks(self) -> None:
        """Whether the explanations need a pass for double stops, JSON escapes or (in
        CSV) quoting: they are pieced from names, fixed texts and closing sentences, and
        unless one of them has such a character, the whole text needs none."""
        a = self.analysis
        fixed_texts = [a.rule_when, a.threshold_text]
        self.any_double_stop = (
            self.texts.names_double_stop
            or any(_matches(tails, _DOUBLE_STOP_RE2) for tails in self._pieced_texts())
            or any(DOUBLE_STOP.search(t) or t.endswith(".") for t in fixed_texts)
        )
        self.any_escape = (
            not self.texts.names_plain
            or any(_matches(tails, JSON_SPECIAL) for tails in self._pieced_texts())
            or any(_JSON_SPECIAL_IN.search(t) for t in fixed_texts)
        )
        if self.csv:  # and unless one holds a control character or a quote, nor does the cell
            special = f'{CONTROL_CHARACTER}|"'
            in_names = pc.any(pc.match_substring_regex(self.texts.names, special)).as_py()
            in_lists = self.listed is not None and _matches(self.listed.lists, special)
            closing = [*self.distinct_tails, *fixed_texts]
            self.any_special = in_names or in_lists or any(re.search(special, t) for t in closing)
        self._explanation_pieces_ready(self.any_escape)

    # -- columns worked out once
    def _make_texts(self) -> None:
        a = self.analysis
        self.texts = EntityTexts(
            a.columns, a.dated_names, a.as_of, csv=self.csv, fields=self.fields
        )

    def _effective_columns(self) -> None:
        threshold = self.analysis.threshold
        # the look-through shares, worked out here if nothing has read them yet
        effective = np.asarray(self.analysis.effective * 100, dtype=np.float64)
        self.effective_json = distinct_texts(effective, lambda x: float_json(round6(x)))
        # the same distinct values: their text for the explanation
        self.effective_text = self.effective_json.remade(
            effective, lambda x: percent_text(x, threshold)
        )

    def _chain_pointers(self) -> None:
        self.chains = Chains(self.analysis, self.codes)

    def _legal_columns(self) -> None:
        self._legal_bounds()
        if self.wants_legal:
            self._legal_texts()

    def _legal_bounds(self) -> None:
        a = self.analysis
        c = a.compiled
        low, high, scale = a.legal.legal_bounds(np.arange(c.n))
        self.legal_low, self.legal_high, self.legal_scale = low, high, scale
        threshold = a.threshold
        if threshold is None:
            self.meets = np.zeros(c.n, dtype=bool)
        else:
            self.meets = threshold.met_by_scaled(low, scale)

    def _legal_texts(self) -> None:
        low, high, scale = self.legal_low, self.legal_high, self.legal_scale
        self.legal_low_json = distinct_texts(low, lambda x: scaled_text(x, scale))
        self.legal_high_json = distinct_texts(high, lambda x: scaled_text(x, scale))
        self.legal_low_text = self.legal_low_json.map(lambda texts: cat(texts, "%"))

    # -- one batch
    def prepare(self, batch: Batch) -> tuple[np.ndarray, list[tuple[int, str]]]:
        """The parts of a batch made in Python: which listed-ancestor text each row has
        (:meth:`_ancestor_texts`), and the rows made one by one (row number in the batch,
        text)."""
        span = batch.positions
        pick = self._ancestors(batch)
        by_row = np.flatnonzero(batch.of(self.by_row))
        # (not asked for: none looked up for the rows made one by one either)
        unknown: tuple[str, ...] | None = None if self.wants_ancestors else ()
        ancestors: list[tuple[str, ...] | None] = [unknown] * by_row.size
        if self.ancestry is not None and by_row.size:
            listed_rows = span[by_row]
            known = np.flatnonzero(self.analysis.reach.reached[listed_rows])
            found = self.ancestry.ancestors_of_many(listed_rows[known].tolist())
            for k, listed in zip(known.tolist(), found, strict=True):
                ancestors[k] = listed
        rows = [
            (k, self._line(self.rows.row(int(span[k]), listed)))
            for k, listed in zip(by_row.tolist(), ancestors, strict=True)
        ]
        return pick, rows

    def _line(self, row: dict[str, object]) -> str:
        """A row made one by one, ended as the lines made by columns are (``end``)."""
        if self.csv:
            return csv_line(row, list(self.fields)).removesuffix("\n") + self.end
        return encode_exact({field: row[field] for field in self.fields}) + self.end

    def assemble(
        self, batch: Batch, pick: np.ndarray, rows: list[tuple[int, str]]
    ) -> tuple[pa.Array, list[tuple[int, str]]]:
        """The lines of a batch, by Arrow kernels; ``rows`` pass through to the writer."""
        at = pa.array(pick)
        span = batch.positions
        codes = batch.of(self.codes)
        size = batch.size
        fields: dict[str, pa.Array | str] = {}
        if self.wants_ancestors:
            fields["listed_ancestors"] = self.ancestor_text.take(at)
            fields["listed_ancestors_total"] = self.ancestor_total.take(at)
        ids, missing = (self.texts.id_cells, "") if self.csv else (self.texts.ids_json, "null")
        if self.wants_chain:
            chain_offsets, chain_values, cut = self.chains.lists(span)
            chain = pa.array(chain_values)
            via = np.full(span.size, -1, dtype=np.int64)
            via[cut] = chain_values[chain_offsets[:-1][cut]]
            fields["chain_via"] = pc.fill_null(ids.take(pa.array(via, mask=via < 0)), missing)
            fields["chain"] = (
                self._id_list_cells(chain_offsets, chain)
                if self.csv
                else json_lists(chain_offsets, ids.take(chain))
            )
        # the names as the explanation has them (escaped when it is made as JSON)
        names = self.explained_names if self.wants_explanation else self.texts.names
        if self.wants_owners:
            owner_offsets, part = self.owners.of_batch(batch)
            as_json = None if self.csv else (self.texts.ids_json, self.texts.name_texts)
            owner_json, owner_text = self.owners.texts(part, names, self.status_json, as_json)
            if not self.csv:
                fields["owners"] = json_lists(owner_offsets, owner_json)
        quote: Callable[[pa.Array], pa.Array] | str = ""
        body: pa.Array | str = ""
        if self.wants_explanation:
            chain_names = lists(chain_offsets, names.take(chain), " -> ")
            if cut.any():
                chain_names = pc.if_else(pa.array(cut), cat("… -> ", chain_names), chain_names)
            owner_text = lists(owner_offsets, owner_text, ", ")
            explanation, sure, known = self._explanations(batch, codes, chain_names, owner_text)
            if self.csv:
                plain = not self.any_special
                quote, body = csv_cell_parts(explanation, plain=plain, quoted=sure, known=known)
            else:
                if not self.json_ready:  # else already JSON string literals
                    explanation = (json_strings if self.any_escape else quoted)(explanation)
                fields["explanation"] = explanation
        fields |= {key: value for key, value in self.fixed.items() if key in self.wants}
        fields |= {key: make() for key, make in self._columns(batch).items()}
        if self.csv:  # the explanation is wrapped as the line is joined
            pieces: list[pa.Array | str] = []
            for column in self.fields:
                cell = [quote, body, quote] if column == "explanation" else [fields[column]]
                pieces += [*cell, ","]
            text = cat(*pieces[:-1], self.end)
            if len(self.fields) == 1 and isinstance(text, pa.Array):
                # one empty cell is written "" (as the csv module does), not an empty line
                text = pc.if_else(pc.equal(text, self.end), '""' + self.end, text)
        else:
            chosen = {field: fields[field] for field in self.fields}
            text = cat(*json_object(chosen, self.fields), self.end)
        # fields with one value for every row alone make one text: the same on every line
        return (text if isinstance(text, pa.Array) else pa.repeat(text, size)), rows

    def _columns(self, batch: Batch) -> dict[str, Callable[[], pa.Array | str]]:
        """The chosen fields of a batch that are slices or picks of columns, each made
        only when asked for (the other fields' columns may not have been worked out)."""
        ids, missing = (self.texts.id_cells, "") if self.csv else (self.texts.ids_json, "null")
        nearest = batch.of(self.nearest)
        status_texts = self.status_cells if self.csv else self.status_json
        made: dict[str, Callable[[], pa.Array | str]] = {
            "id": lambda: batch.of(ids),
            "name": lambda: self.texts.name_field(batch),
            "status": lambda: status_texts.take(pa.array(batch.of(self.codes))),
            "country": lambda: batch.of(self.texts.country_texts),
            "flags": lambda: self.flag_choices.take(pa.array(batch.of(self.flag_kind))),
            "effective_percent": lambda: batch.of(self.effective_json),
            "legal_percent": lambda: batch.of(self.legal_low_json),
            "legal_percent_max": lambda: batch.of(self.legal_high_json),
            "listings": lambda: self.listed.listings_of(batch) if self.listed else "[]",
            "nearest_listed": lambda: pc.fill_null(
                ids.take(pa.array(nearest, mask=nearest < 0)), missing
            ),
        }
        return {key: make for key, make in made.items() if key in self.wants}

    def _id_list_cells(self, offsets: np.ndarray, positions: pa.Array) -> pa.Array:
        """Per row, the ids at ``positions`` between consecutive offsets as one CSV cell."""
        joined = lists(offsets, self.texts.ids.take(positions), ";")
        return joined if self.texts.ids_plain else csv_cells(joined)

    def _ancestors(self, batch: Batch) -> np.ndarray:
        """Per row of a batch, the number of its listed-ancestor text."""
        if self.ancestor_pick is None:
            return np.zeros(batch.size, dtype=np.int64)
        return batch.of(self.ancestor_pick)

    def _ancestor_texts(self, ids_made: Future[None]) -> None:
        """The listed-ancestor texts (:func:`~ownership.listed_columns.ancestor_texts`)
        of the rows that show them: not clear, reached, not made one by one; once the
        ids' texts are made (``ids_made``, an earlier job)."""
        clear = STATUS_CODES.index(Status.clear)
        reached = self.analysis.reach.reached
        shown = (self.codes != clear) & reached & ~self.by_row
        listed = self.listed.by_columns & reached if self.listed is not None else None
        if listed is not None:
            shown &= ~listed

        def texts_of(offsets: np.ndarray, positions: np.ndarray) -> pa.Array:
            ids_made.result()
            chosen = pa.array(positions)
            if self.csv:
                return self._id_list_cells(offsets, chosen)
            return json_lists(offsets, self.texts.ids_json.take(chosen))

        made = ancestor_texts(
            self.analysis,
            np.flatnonzero(shown),
            np.flatnonzero(listed) if listed is not None else np.zeros(0, dtype=np.int64),
            self.pool,
            texts_of,
            self.ancestor_text,
        )
        self.ancestry, self.ancestor_text, self.ancestor_total, self.ancestor_pick = made
