"""Every verdict of an analysis as JSON lines, assembled by Arrow string kernels.

``ownership analyze --format jsonl`` over a million entities writes gigabytes. Building a
dict per row and encoding it costs tens of microseconds a row, over a minute in all. Here
each field is a column of JSON text, made once per entity (ids, names), once per distinct
value (sets of listed ancestors) or once per batch of rows, and pyarrow joins the columns
into lines with no Python call per row. Listed entities, a small share of any dataset,
take the row-by-row path of :class:`ownership.verdict_records.RowMaker`.

The bytes equal ``json.dumps(row, ensure_ascii=False)`` of ``Verdict.to_dict``; tests
hold them equal on the fixture, on every rules case and on random graphs.
"""

from __future__ import annotations

import io
import json
import re
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from decimal import Decimal
from typing import TYPE_CHECKING, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ._re2 import PYTHON_SPACE
from .analysis import (
    CHAIN_SHOWN,
    DOUBLE_STOP,
    LISTED_SHOWN,
    STATUS_CODES,
    STATUS_ORDER,
    WORD_CHARACTER,
    Flag,
    Status,
    exposed_flag_sentences,
    percent_words,
)
from .io.jsontext import encode_exact
from .model import fmt_decimal
from .propagate import concatenated_ranges
from .rules.base import Aggregation, Threshold
from .verdict_records import RowMaker, listings_read

if TYPE_CHECKING:
    from .analysis import Analysis

__all__ = ["write_verdict_lines"]

#: Rows assembled at once: large enough that kernels dominate, small enough to stay lean.
BATCH = 4_096
#: Worker threads for the Arrow part of each batch (the kernels release the GIL).
THREADS = 2
#: Characters of distinct listed-ancestor texts kept for reuse; cleared when full.
ANCESTOR_CHARS_KEPT = 30_000_000

_TEXT = pa.large_string()
#: ``analysis.DOUBLE_STOP`` after a word character, for RE2: Python's ``\w`` and ``\s``
#: are Unicode-wide, RE2's are ASCII.
_DOUBLE_STOP_AFTER_WORD = rf"([\pL\pN_])\.\.([{PYTHON_SPACE}]|$)"
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
#: Characters ``json.dumps`` escapes with ``ensure_ascii=False``.
_JSON_SPECIAL = r'["\\\x00-\x1f]'
_JSON_SPECIAL_IN = re.compile(_JSON_SPECIAL)
#: ``analysis.DOUBLE_STOP`` (where ``analysis._single_stop`` may act), for RE2.
_DOUBLE_STOP_RE2 = rf"\.\.([{PYTHON_SPACE}]|$)"
#: Stands for the highest share unknown or range shares could reach, until filled in.
_POSSIBLE_HIGH = "\x00"


def write_verdict_lines(
    analysis: Analysis,
    out: BinaryIO,
    *,
    array: bool = False,
    progress: Callable[[int, int], None] | None = None,
    batch: int = BATCH,
    threads: int = THREADS,
) -> None:
    """Write one JSON object per entity, in dataset order, as UTF-8 to ``out``: a line
    each (JSON lines), or with ``array`` a JSON array as ``io.verdicts.write_json`` writes.

    The Python part of each batch runs here, in order; its Arrow part runs on ``threads``
    worker threads while the next batch is prepared.
    """
    n = analysis.compiled.n
    if analysis.compiled.low.dtype == object:
        # shares with more decimal places than int64 holds exactly: row by row, in Python
        _write_rows(analysis, out, array=array, progress=progress)
        return
    end = ",\n  " if array else "\n"
    pending: deque[Future[tuple[pa.Array, list[tuple[int, str]]]]] = deque()

    def write_oldest(last: bool) -> None:
        text, rows = pending.popleft().result()
        _write_segments(out, text, rows, trim=len(end) if array and last else 0)

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        lines = _Lines(analysis, end, pool)
        if array:
            out.write(b"[\n  " if n else b"[")
        for start in range(0, n, batch):
            if progress is not None:
                progress(start, n)
            stop = min(n, start + batch)
            prepared = lines.prepare(start, stop)
            pending.append(pool.submit(lines.assemble, start, stop, *prepared))
            if len(pending) > threads:
                write_oldest(last=False)
        while pending:
            write_oldest(last=len(pending) == 1)
    if array:
        out.write(b"\n]\n")
    if progress is not None:
        progress(n, n)


def _write_rows(
    analysis: Analysis,
    out: BinaryIO,
    *,
    array: bool,
    progress: Callable[[int, int], None] | None,
) -> None:
    """:func:`write_verdict_lines` one ``RowMaker`` row at a time."""
    from .io.verdicts import write_json, write_jsonl
    from .verdict_records import verdict_rows

    text = io.TextIOWrapper(out, encoding="utf-8", newline="\n", write_through=True)
    try:
        (write_json if array else write_jsonl)(verdict_rows(analysis, progress=progress), text)
        text.flush()
    finally:
        text.detach()


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


# ---------------------------------------------------------------------- text kernels


def _cat(*parts: pa.Array | str) -> pa.Array:
    """Join columns and literals element-wise."""
    items = [pa.scalar(p, _TEXT) if isinstance(p, str) else p for p in parts]
    return pc.binary_join_element_wise(*items, pa.scalar("", _TEXT))


def _strings(values: Sequence[str | None]) -> pa.Array:
    return pa.array(values, _TEXT)


def _json_strings(text: pa.Array) -> pa.Array:
    """Each string as a JSON string literal (``null`` for missing), as ``json.dumps`` writes it."""
    special = pc.fill_null(pc.match_substring_regex(text, _JSON_SPECIAL), False)
    if not pc.any(special).as_py():  # the usual case: nothing to escape
        return pc.fill_null(_cat('"', text, '"'), pa.scalar("null", _TEXT))
    escaped = pc.replace_substring(pc.replace_substring(text, "\\", "\\\\"), '"', '\\"')
    quoted = pc.fill_null(_cat('"', escaped, '"'), pa.scalar("null", _TEXT))
    odd = pc.fill_null(pc.match_substring_regex(text, r"[\x00-\x1f]"), False)
    if pc.any(odd).as_py():
        rows = np.flatnonzero(odd.to_numpy(zero_copy_only=False))
        raw = text.take(rows).to_pylist()
        quoted = pc.replace_with_mask(quoted, odd, _strings([_ENCODE(x) for x in raw]))
    return quoted


def _quoted(text: pa.Array) -> pa.Array:
    """Strings known to need no escaping, as JSON string literals."""
    return _cat('"', text, '"')


def _stop_after_word(names: pa.Array) -> np.ndarray:
    """Per name, whether it ends in a full stop after a word character ("Co.", "Ltd."):
    a sentence stop right after it is dropped (``analysis._single_stop``)."""
    ends = np.flatnonzero(pc.ends_with(names, ".").to_numpy(zero_copy_only=False))
    before = pc.dictionary_encode(pc.utf8_slice_codeunits(names.take(pa.array(ends)), -2, -1))
    chars = before.dictionary.to_pylist()
    word = np.asarray([WORD_CHARACTER.fullmatch(c) is not None for c in chars], dtype=bool)
    stops = np.zeros(len(names), dtype=bool)
    if ends.size:
        stops[ends] = word[before.indices.to_numpy()]
    return stops


def _float_json(values: np.ndarray) -> pa.Array:
    """Each float as Python's ``repr`` writes it (``100.0``, ``1e-06``)."""
    text = pc.cast(pa.array(values, pa.float64()), _TEXT)
    whole = np.isfinite(values) & (values == np.trunc(values)) & (np.abs(values) < 1e16)
    text = pc.if_else(pa.array(whole), _cat(text, ".0"), text)
    odd = (values != 0) & ((np.abs(values) < 1e-4) | (np.abs(values) >= 1e16))
    odd |= ~np.isfinite(values)
    if odd.any():
        mask = pa.array(odd)
        text = pc.replace_with_mask(text, mask, _strings([repr(float(x)) for x in values[odd]]))
    return text


def _scaled_text(values: np.ndarray, scale: int) -> pa.Array:
    """Exact decimal text of ``values / scale`` without trailing zeros (``fmt_decimal``)."""
    places = len(str(scale)) - 1
    if 10**places != scale or (values < 0).any():
        divisor = Decimal(scale)
        return _strings([fmt_decimal(Decimal(int(v)) / divisor) for v in values.tolist()])
    whole = pc.cast(pa.array(values // scale, pa.int64()), _TEXT)
    if places == 0:
        return whole
    fraction = pc.utf8_rtrim(
        pc.utf8_lpad(pc.cast(pa.array(values % scale, pa.int64()), _TEXT), places, "0"), "0"
    )
    dotted = pc.if_else(pc.equal(fraction, ""), fraction, _cat(".", fraction))
    return _cat(whole, dotted)


def _round6(values: np.ndarray) -> np.ndarray:
    """``round(x, 6)`` of each float, as Python rounds it.

    ``rint(x * 1e6) / 1e6`` is the double nearest the decimal Python picks whenever
    ``x * 1e6`` is not within rounding error of a tie; those few go through ``round``.
    """
    scaled = values * 1e6
    rounded = np.rint(scaled) / 1e6
    odd = (np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6) | ~np.isfinite(scaled)
    odd |= np.abs(scaled) >= 2.0**52
    if odd.any():
        rounded[odd] = [round(x, 6) for x in values[odd].tolist()]
    return rounded


def _percent_text(values: np.ndarray, threshold: Threshold | None = None) -> pa.Array:
    """Floats as ``analysis.percent_words`` writes them: to two places less trailing zeros, plus
    ``%``; those that two places would put on the other side of ``threshold`` by Python."""
    hundredths = values * 100
    near_tie = np.abs(hundredths - np.floor(hundredths) - 0.5) < 1e-6
    odd = near_tie | (values < 0) | ~np.isfinite(values) | (np.abs(values) >= 1e13)
    if threshold is not None:
        limit = float(threshold.value)
        shown = np.floor(hundredths + 0.5) / 100
        if threshold.inclusive:
            odd |= (shown >= limit) != (values >= limit)
        else:
            odd |= (shown > limit) != (values > limit)
        odd |= np.abs(values - limit) < 0.01  # at the margin: decided exactly, in Python
    rounded = np.floor(np.where(odd, 0, hundredths) + 0.5).astype(np.int64)
    text = _cat(_scaled_text(rounded, 100), "%")
    if odd.any():
        exact = [percent_words(x, threshold) for x in values[odd].tolist()]
        text = pc.replace_with_mask(text, pa.array(odd), _strings(exact))
    return text


def _lists(offsets: np.ndarray, values: pa.Array, separator: str) -> pa.Array:
    """Per row, the values between consecutive offsets joined by ``separator``."""
    lists = pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), values)
    return pc.binary_join(lists, pa.scalar(separator, _TEXT))


def _json_lists(offsets: np.ndarray, values: pa.Array) -> pa.Array:
    return _cat("[", _lists(offsets, values, ", "), "]")


# ---------------------------------------------------------------------- chains


def _walks(
    starts: np.ndarray, step: np.ndarray, limit: int = CHAIN_SHOWN
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """From each start, the nodes up ``step`` pointers until -1 or ``limit`` nodes, top
    first: offsets and values of one list per start, and which were cut at the limit."""
    lengths = np.ones(starts.size, dtype=np.int64)
    cut = np.zeros(starts.size, dtype=bool)
    alive, node = np.arange(starts.size), starts
    levels: list[tuple[np.ndarray, np.ndarray]] = []
    while alive.size:
        levels.append((alive, node))
        node = step[node]
        going = node >= 0
        if len(levels) == limit:
            cut[alive[going]] = True
            break
        alive, node = alive[going], node[going]
        lengths[alive] += 1
    offsets = np.zeros(starts.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    values = np.empty(int(offsets[-1]), dtype=np.int64)
    for depth, (rows, nodes) in enumerate(levels):
        values[offsets[rows + 1] - 1 - depth] = nodes
    return offsets, values, cut


class _Chains:
    """Every entity's chain (``Analysis._chain_positions``): the pointer each walk
    follows is worked out once; the walks of a batch of rows when it is assembled."""

    def __init__(self, analysis: Analysis, statuses: np.ndarray) -> None:
        c = analysis.compiled
        n = c.n
        fp = analysis.lower
        by_cover = np.zeros(n, dtype=bool)
        best = np.full(n, -1, dtype=np.int64)
        if fp is not None and analysis.rule.aggregation is not Aggregation.look_through:
            by_cover = fp.covered & ~c.seeds
            src, dst = c.src, c.dst
            usable = fp.covered[src] & (fp.round[src] >= 0) & (fp.round[src] < fp.round[dst])
            usable &= by_cover[dst]
            k = np.flatnonzero(usable)
            order = np.lexsort((-src[k], c.low[k], c.has_share[k], dst[k]))
            k = k[order]
            last = np.ones(k.size, dtype=bool)
            last[:-1] = dst[k][1:] != dst[k][:-1]
            best[dst[k][last]] = src[k][last]
        parent = analysis.reach.parent
        up = np.full(n, -1, dtype=np.int64)
        up[parent >= 0] = c.src[parent[parent >= 0]]
        up[c.seeds] = -1
        listed_or_clear = (statuses == STATUS_CODES.index(Status.clear)) | c.seeds
        #: listed entities that are not clear are their own chain
        self.alone = c.seeds & (statuses != STATUS_CODES.index(Status.clear))
        #: the walks: which entities take each, and the pointer it follows
        self.walks = (
            (by_cover & ~listed_or_clear, best),
            (~by_cover & analysis.reach.reached & ~listed_or_clear, up),
        )

    def lists(self, span: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The chains of the entities ``span``, as offsets and positions, and which were
        cut (``Analysis._chain_positions``)."""
        lengths = np.zeros(span.size, dtype=np.int64)
        cut = np.zeros(span.size, dtype=bool)
        alone = np.flatnonzero(self.alone[span])
        lengths[alone] = 1
        lists: list[tuple[np.ndarray, np.ndarray]] = []
        for takes, step in self.walks:
            rows = np.flatnonzero(takes[span])
            offsets, values, cut_here = _walks(span[rows], step)
            lengths[rows] = np.diff(offsets)
            cut[rows] = cut_here
            lists.append((rows, values))
        offsets = np.zeros(span.size + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        values = np.empty(int(offsets[-1]), dtype=np.int64)
        values[offsets[alone]] = span[alone]
        for rows, walked in lists:
            values[concatenated_ranges(offsets[rows], lengths[rows])] = walked
        return offsets, values, cut


# ---------------------------------------------------------------------- the lines


class _Lines:
    """The columns worked out once per analysis, and the lines of any batch of rows."""

    def __init__(self, analysis: Analysis, end: str, pool: Executor) -> None:
        """Work out the columns; those made by Arrow alone go to ``pool`` while the rest
        are made here."""
        self.analysis = a = analysis
        self.end = end
        c = a.compiled
        n = c.n
        submit = pool.submit
        self.codes = np.asarray(a._statuses, dtype=np.int64)
        a._active_holding_rows, a._owner_sets, a.groups  # noqa: B018 - shared by the jobs
        legal = submit(self._legal_columns)  # first: the main thread needs it soonest
        texts = submit(self._text_columns, c.ids, a._names.every(), a._columns.country.tolist())
        self.status_json = _strings([_ENCODE(code.value) for code in STATUS_CODES])
        self.fixed = "".join(
            f", {_ENCODE(key)}: {_ENCODE(value)}"
            for key, value in (
                ("rule", a.rule.label),
                ("window", a._window_text),
                ("as_of", a.as_of.isoformat()),
                ("threshold", a._threshold_text),
            )
        )
        self.effective = np.asarray(a.effective * 100, dtype=np.float64)
        effective = submit(self._effective_columns)
        chains = submit(self._chain_pointers)
        owners = submit(self._owner_columns)
        nearest = a.reach.nearest_seed
        self.nearest = np.where((nearest >= 0) & (nearest != np.arange(n)), nearest, -1)
        self.ancestry = a._ancestry if a.reach.reached.any() else None
        if self.ancestry is not None:
            self.ancestry.fill()  # every set is asked for
        listings = listings_read(a)
        by_row = np.asarray(sorted(listings), dtype=np.int64)
        by_row = np.union1d(by_row, np.flatnonzero(self.codes == STATUS_CODES.index(Status.listed)))
        # what the data says that cannot all be true is told with its records, row by row
        told = c.conflicted | c.closed_ring
        told[c.dst[c.alternative]] = True
        # and so is what a joint arrangement brings in, with its members
        told[c.dst[c.arranged]] = True
        told |= a._undecided
        by_row = np.union1d(by_row, np.flatnonzero(told))
        self.by_row = np.zeros(n, dtype=bool)
        self.by_row[by_row] = True
        per_owner = a.rule.aggregation is Aggregation.per_owner and a.lower is not None
        self.owner_of = np.asarray(a.lower.owner_of) if per_owner and a.lower else None
        #: listed-ancestor texts by component (one of those that have the set)
        self.ancestor_texts: dict[int, str] = {}
        self.ancestor_chars = 0
        legal.result()
        self._flag_columns()
        bounds = (self.legal_low, self.legal_high, self.legal_scale)
        self.rows = RowMaker(a, by_row, listings, bounds)
        for job in (texts, effective, chains, owners):
            job.result()
        # explanations are pieced from names, fixed texts and these; unless one of them
        # has a double stop or a character JSON escapes, the whole text needs no pass
        fixed_texts = [a._rule_when, a._threshold_text]
        self.any_double_stop = (
            self.names_double_stop
            or pc.any(pc.match_substring_regex(self.tails, _DOUBLE_STOP_RE2)).as_py()
            or any(DOUBLE_STOP.search(t) or t.endswith(".") for t in fixed_texts)
        )
        self.any_escape = (
            not self.names_plain
            or pc.any(pc.match_substring_regex(self.tails, _JSON_SPECIAL)).as_py()
            or any(_JSON_SPECIAL_IN.search(t) for t in fixed_texts)
        )

    # -- columns worked out once
    def _text_columns(self, ids: list[str], names: list[str], countries: list[str | None]) -> None:
        self.ids = _strings(ids)
        self.ids_json = _json_strings(self.ids)
        self.names = _strings(names)
        self.names_json = _json_strings(self.names)
        self.names_plain = pc.all(
            pc.equal(pc.binary_length(self.names_json), pc.add(pc.binary_length(self.names), 2))
        ).as_py()
        self.names_double_stop = pc.any(pc.match_substring(self.names, "..")).as_py()
        self.stop_after_word = _stop_after_word(self.names)
        self.countries_json = _json_strings(_strings(countries))

    def _effective_columns(self) -> None:
        self.effective_json = _float_json(_round6(self.effective))
        self.effective_text = _percent_text(self.effective, self.analysis.threshold)

    def _chain_pointers(self) -> None:
        self.chains = _Chains(self.analysis, self.codes)

    def _legal_columns(self) -> None:
        self._legal_bounds()
        self._legal_texts()

    def _legal_bounds(self) -> None:
        a = self.analysis
        c = a.compiled
        low, high, scale = a._legal_bounds(np.arange(c.n))
        self.legal_low, self.legal_high, self.legal_scale = low, high, scale
        threshold = a.threshold
        if threshold is None:
            self.meets = np.zeros(c.n, dtype=bool)
        else:
            self.meets = threshold.met_by_scaled(low, scale)

    def _legal_texts(self) -> None:
        low, high, scale = self.legal_low, self.legal_high, self.legal_scale
        self.legal_low_json = _scaled_text(low, scale)
        self.legal_high_json = _scaled_text(high, scale)
        self.legal_low_text = _cat(_scaled_text(low, scale), "%")

    def _flag_columns(self) -> None:
        """Flags as JSON, and the closing sentences of rows whose flags are their own:
        each distinct set of flags (and whether exposed) made once, then taken by row."""
        a = self.analysis
        n = a.compiled.n
        global_flags = list(a.global_flags)
        closing = " ".join(a._window_sentences(global_flags))
        texts, tails = [_ENCODE(global_flags)], [" " + closing if closing else ""]
        kind = np.zeros(n, dtype=np.int64)  # index into texts and tails
        positions = np.fromiter(a._flags, np.int64, len(a._flags))
        exposed = (self.codes[positions] == STATUS_CODES.index(Status.exposed)).tolist()
        made: dict[tuple[tuple[str, ...], bool], int] = {}
        kinds: list[int] = []
        for own, is_exposed in zip(a._flags.values(), exposed, strict=True):
            key = (tuple(own), is_exposed)
            k = made.get(key)
            if k is None:
                flags = [*own, *global_flags]
                high = f"{_POSSIBLE_HIGH}%"
                sentences = exposed_flag_sentences(flags, high, a.rule) if is_exposed else []
                sentences += a._window_sentences(flags)
                k = made[key] = len(texts)
                texts.append(_ENCODE(flags))
                tails.append("".join(" " + x for x in sentences))
            kinds.append(k)
        kind[positions] = kinds
        self.flags_json = _strings(texts).take(pa.array(kind))
        self.tails = _strings(tails).take(pa.array(kind))
        # the highest share a possibly covered, exposed entity could reach, in its sentence
        filled = [k for (own, is_exposed), k in made.items()
                  if is_exposed and Flag.possibly_covered.value in own]  # fmt: skip
        rows = np.flatnonzero(np.isin(kind, filled))
        if rows.size:
            before, _, after = zip(*(t.partition(_POSSIBLE_HIGH) for t in tails), strict=True)
            at = pa.array(kind[rows])
            high = _scaled_text(self.legal_high[rows], self.legal_scale)
            text = _cat(_strings(before).take(at), high, _strings(after).take(at))
            mask = np.zeros(n, dtype=bool)
            mask[rows] = True
            self.tails = pc.replace_with_mask(self.tails, pa.array(mask), text)

    def _owner_columns(self) -> None:
        """Counted owner links (``Analysis._counted_owners``), sorted per owned entity."""
        a = self.analysis
        columns = a._columns
        h = columns.holdings
        rows = np.flatnonzero(a._active_holding_rows)
        rows = rows[a._owner_sets[1][h.owner[rows]]]
        owner, owned, control = h.owner[rows], h.owned[rows], h.control[rows]
        low = np.where(control, 0, h.low[rows]).astype(np.int64)
        high = np.where(control, 0, h.high[rows]).astype(np.int64)
        order_of_status = np.asarray([STATUS_ORDER[s] for s in STATUS_CODES])[self.codes[owner]]
        distinct = np.unique(owner)
        by_id = sorted(range(distinct.size), key=lambda k: a.compiled.ids[distinct[k]])
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

    def _owners(self, part: slice) -> tuple[pa.Array, pa.Array]:
        """Owner links ``part`` of the sorted ones, as JSON objects and as explanation text."""
        h = self.analysis._columns.holdings
        scale = 10**self.analysis._columns.places
        rows, control = self.owner_rows[part], self.owner_control[part]
        low, high = self.owner_low[part], self.owner_high[part]
        owner = h.owner[rows]
        share = self._share_texts(rows, control, low, scale)
        status_text = self.status_json.take(pa.array(self.codes[owner]))
        owners = pa.array(owner)
        kind = pc.if_else(pa.array(control), '"control"', '"ownership"').cast(_TEXT)
        owner_json = _cat(
            '{"owner": ',
            self.ids_json.take(owners),
            ', "owner_name": ',
            self.names_json.take(owners),
            ', "share": ',
            _json_strings(share),
            ', "percent_min": ',
            _scaled_text(low, scale),
            ', "percent_max": ',
            _scaled_text(high, scale),
            ', "owner_status": ',
            status_text,
            ', "kind": ',
            kind,
            "}",
        )
        plain_status = pc.utf8_slice_codeunits(status_text, 1, -1)
        owner_text = _cat(self.names.take(owners), " ", share, " (", plain_status, ")")
        return owner_json, owner_text

    def _share_texts(
        self, rows: np.ndarray, control: np.ndarray, low: np.ndarray, scale: int
    ) -> pa.Array:
        h = self.analysis._columns.holdings
        given = h.percent_given[rows]
        text = pc.if_else(pa.array(given), _cat(_scaled_text(low, scale), "%"), "unknown %")
        text = pc.if_else(pa.array(control), "control", text).cast(_TEXT)
        ranged = ~control & ~given & h.range_given[rows]
        if ranged.any():
            exact = [h.share_text(k, scale) for k in rows[ranged].tolist()]
            text = pc.replace_with_mask(text, pa.array(ranged), _strings(exact))
        return text

    # -- one batch
    def prepare(self, start: int, end: int) -> tuple[list[str], np.ndarray, list[tuple[int, str]]]:
        """The parts of a batch made in Python: the distinct listed-ancestor texts and
        which each row has, and the rows made one by one (row number in the batch, text)."""
        span = np.arange(start, end)
        ancestor_texts, pick = self._ancestors(span, self.codes[start:end])
        by_row = np.flatnonzero(self.by_row[start:end])
        ancestors: list[tuple[str, ...] | None] = [None] * by_row.size
        if self.ancestry is not None and by_row.size:
            listed_rows = span[by_row]
            known = np.flatnonzero(self.analysis.reach.reached[listed_rows])
            found = self.ancestry.ancestors_of_many(listed_rows[known].tolist())
            for k, listed in zip(known.tolist(), found, strict=True):
                ancestors[k] = listed
        rows = [
            (k, encode_exact(self.rows.row(start + k, listed)) + self.end)
            for k, listed in zip(by_row.tolist(), ancestors, strict=True)
        ]
        return ancestor_texts, pick, rows

    def assemble(
        self,
        start: int,
        end: int,
        ancestor_texts: list[str],
        pick: np.ndarray,
        rows: list[tuple[int, str]],
    ) -> tuple[pa.Array, list[tuple[int, str]]]:
        """The lines of a batch, by Arrow kernels; ``rows`` pass through to the writer."""
        ancestors = _strings(ancestor_texts).take(pa.array(pick))
        span = np.arange(start, end)
        codes = self.codes[start:end]
        chain_offsets, chain_values, cut = self.chains.lists(span)
        chain = pa.array(chain_values)
        chain_names = _lists(chain_offsets, self.names.take(chain), " -> ")
        via = np.full(span.size, -1, dtype=np.int64)
        via[cut] = chain_values[chain_offsets[:-1][cut]]
        if cut.any():
            chain_names = pc.if_else(pa.array(cut), _cat("… -> ", chain_names), chain_names)
        owners_from, owners_to = np.searchsorted(self.owned_sorted, [start, end])
        owner_offsets = np.searchsorted(self.owned_sorted[owners_from:owners_to], span)
        owner_offsets = np.append(owner_offsets, owners_to - owners_from)
        owner_json, owner_text = self._owners(slice(owners_from, owners_to))
        owner_text = _lists(owner_offsets, owner_text, ", ")
        nearest = self.nearest[start:end]
        quote = _json_strings if self.any_escape else _quoted
        lines = _cat(
            '{"id": ',
            self.ids_json.slice(start, end - start),
            ', "name": ',
            self.names_json.slice(start, end - start),
            ', "country": ',
            self.countries_json.slice(start, end - start),
            ', "status": ',
            self.status_json.take(pa.array(codes)),
            ', "flags": ',
            self.flags_json.slice(start, end - start),
            self.fixed,
            ', "effective_percent": ',
            self.effective_json.slice(start, end - start),
            ', "legal_percent": ',
            self.legal_low_json.slice(start, end - start),
            ', "legal_percent_max": ',
            self.legal_high_json.slice(start, end - start),
            ', "listed_ancestors": ',
            ancestors,
            ', "nearest_listed": ',
            pc.fill_null(self.ids_json.take(pa.array(nearest, mask=nearest < 0)), "null"),
            ', "chain": ',
            _json_lists(chain_offsets, self.ids_json.take(chain)),
            ', "chain_via": ',
            pc.fill_null(self.ids_json.take(pa.array(via, mask=via < 0)), "null"),
            ', "owners": ',
            _json_lists(owner_offsets, owner_json),
            ', "listings": [], "explanation": ',
            quote(self._explanations(span, codes, chain_names, owner_text)),
            "}" + self.end,
        )
        return lines, rows

    def _ancestors(self, span: np.ndarray, codes: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Listed ancestors as JSON lists: the distinct texts of the batch, each made once,
        and per row the one it has."""
        ancestry = self.ancestry
        none = '[], "listed_ancestors_total": 0'
        if ancestry is None:
            return [none], np.zeros(span.size, dtype=np.int64)
        clear = STATUS_CODES.index(Status.clear)
        wanted = (codes != clear) & self.analysis.reach.reached[span] & ~self.by_row[span]
        comps = ancestry.same_set[ancestry.sharing[ancestry.label[span[wanted]]]]
        distinct, first, inverse = np.unique(comps, return_index=True, return_inverse=True)
        known = self.ancestor_texts
        if self.ancestor_chars >= ANCESTOR_CHARS_KEPT:
            known.clear()
            self.ancestor_chars = 0
        comps = distinct.tolist()
        texts = [known.get(comp, "") for comp in comps]
        missing = [k for k, text in enumerate(texts) if not text]
        if missing:
            groups = self.analysis.groups[span[wanted][first[missing]]].tolist()
            mask_of = ancestry.component_mask
            keys = [(group, mask_of(comps[k])) for k, group in zip(missing, groups, strict=True)]
            offsets, positions = ancestry.positions_of_many(keys)
            totals = np.diff(offsets)
            shown = np.minimum(totals, LISTED_SHOWN)
            positions = positions[concatenated_ranges(offsets[:-1], shown)]
            offsets = np.append(0, np.cumsum(shown))
            made = _cat(
                _json_lists(offsets, self.ids_json.take(pa.array(positions))),
                ', "listed_ancestors_total": ',
                pc.cast(pa.array(totals), _TEXT),
            ).to_pylist()
            self.ancestor_chars += sum(map(len, made))
            for k, text in zip(missing, made, strict=True):
                texts[k] = known[comps[k]] = text
        texts.append(none)
        pick = np.full(span.size, len(texts) - 1, dtype=np.int64)
        pick[wanted] = inverse.reshape(-1)
        return texts, pick

    def _explanations(
        self, span: np.ndarray, codes: np.ndarray, chain_names: pa.Array, owner_text: pa.Array
    ) -> pa.Array:
        """The explanation of every row not written row by row (``analysis.explanation``)."""
        a = self.analysis
        rule_when, threshold = a._rule_when, a._threshold_text
        aggregation = a.rule.aggregation
        start, size = int(span[0]), span.size  # a run of rows: columns are sliced
        names = self.names.slice(start, size)
        effective = self.effective_text.slice(start, size)
        parts: list[pa.Array] = []
        picks: list[np.ndarray] = []

        def rows_of(status: Status) -> tuple[np.ndarray, pa.Array]:
            local = np.flatnonzero((codes == STATUS_CODES.index(status)) & ~self.by_row[span])
            picks.append(local)
            return local, pa.array(local)

        local, at = rows_of(Status.clear)
        parts.append(
            _cat(
                names.take(at), f" is clear: no listed party owns or controls it under {rule_when}."
            )
        )
        local, at = rows_of(Status.covered)
        if aggregation is Aggregation.look_through:
            parts.append(
                _cat(
                    names.take(at),
                    f" is covered under {rule_when}: listed parties hold ",
                    effective.take(at),
                    f" of it through all paths (threshold {threshold}).",
                )
            )
        else:
            positions = span[local]
            held = self.legal_low_text.take(pa.array(positions))
            counted = _cat("listed or covered owners hold ", held, f" (threshold {threshold})")
            by_control = self.via_control[positions] & ~self.meets[positions]
            basis = pc.if_else(
                pa.array(by_control),
                pa.scalar("controlled by listed or covered owners", _TEXT),
                counted,
            )
            if self.owner_of is not None:
                person = self.names.take(pa.array(self.owner_of[positions]))
                basis = _cat(
                    "designated ",
                    person,
                    " alone holds or controls ",
                    held,
                    f" (threshold {threshold}, no aggregation across persons)",
                )
            chains = chain_names.take(at)
            # the chain ends with the entity itself: "Ltd." ends the sentence as it is
            stop = pc.if_else(pa.array(self.stop_after_word[positions]), "", ".").cast(_TEXT)
            chain_sentence = pc.if_else(
                pc.equal(chains, ""), pa.scalar("", _TEXT), _cat(" Chain: ", chains, stop)
            )
            parts.append(
                _cat(
                    names.take(at),
                    f" is covered under {rule_when}: ",
                    basis,
                    ": ",
                    owner_text.take(at),
                    ".",
                    chain_sentence,
                    " Look-through share ",
                    effective.take(at),
                    ".",
                )
            )
        local, at = rows_of(Status.exposed)
        positions = span[local]
        lead = self.nearest[positions]
        nearest = pc.utf8_rtrim(self.names.take(pa.array(lead, mask=lead < 0)), ".")
        nearest = pc.fill_null(nearest, pa.scalar("None", _TEXT))
        if aggregation in (Aggregation.all, Aggregation.per_owner):
            shares = _cat(
                " Listed or covered owners hold ",
                self.legal_low_text.take(pa.array(positions)),
                f" (threshold {threshold}); look-through share ",
                effective.take(at),
                ".",
            )
        else:
            shares = _cat(" Look-through share ", effective.take(at), ".")
        owners = owner_text.take(at)
        owners_sentence = pc.if_else(
            pc.equal(owners, ""), pa.scalar("", _TEXT), _cat(" Owners that count: ", owners, ".")
        )
        parts.append(
            _cat(
                names.take(at),
                f" is exposed: not listed and not covered under {rule_when}, "
                "yet owned or controlled through ",
                chain_names.take(at),
                " by listed ",
                nearest,
                ".",
                shares,
                owners_sentence,
            )
        )
        by_row = np.flatnonzero(self.by_row[span])
        picks.append(by_row)
        parts.append(_strings([""] * by_row.size))
        order = np.concatenate(picks)
        where = np.empty(span.size, dtype=np.int64)
        where[order] = np.arange(span.size)
        text = pa.concat_arrays(parts).take(pa.array(where))
        text = _cat(text, self.tails.slice(start, size))
        if not self.any_double_stop:
            return text
        doubled = pc.match_substring(text, "..")
        if not pc.any(doubled).as_py():
            return text
        rows = pc.indices_nonzero(doubled)
        fixed = pc.replace_substring_regex(text.take(rows), _DOUBLE_STOP_AFTER_WORD, r"\1.\2")
        return pc.replace_with_mask(text, doubled, fixed)
