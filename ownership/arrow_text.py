"""Text made by columns: Arrow string kernels that write what Python would, row by row.

Each function here matches a Python formatting step exactly (``json.dumps`` of a string,
``repr`` of a float, :func:`ownership.model.fmt_decimal`, :func:`ownership.wording.percent_words`)
over a whole column, so that a million rows take a few kernel calls, not a million calls.
:func:`fill` fills a :class:`ownership.wording.Template` with columns.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .arrow_numbers import edge_bytes
from .columns import ArrowStrings
from .io.cells import CONTROL_CHARACTER, FORMULA_START, visible
from .model import fmt_decimal
from .rules.base import Threshold
from .wording import WORD_CHARACTER, Template, percent_words

__all__ = [
    "TEXT",
    "BatchTexts",
    "CsvCells",
    "DistinctTexts",
    "any_json_escape",
    "by_distinct",
    "cat",
    "csv_cell_parts",
    "csv_cells",
    "distinct_strings",
    "distinct_texts",
    "fill",
    "fill_pieces",
    "float_json",
    "json_lists",
    "json_object",
    "json_strings",
    "lists",
    "percent_text",
    "quoted",
    "quoted_cells",
    "round6",
    "scaled_text",
    "stop_after_word",
    "strings",
    "visible_texts",
]

TEXT = pa.large_string()
ENCODE = json.JSONEncoder(ensure_ascii=False).encode
#: Characters ``json.dumps`` escapes with ``ensure_ascii=False``.
JSON_SPECIAL = r'["\\\x00-\x1f]'


def fill(template: Template, **values: pa.Array | str) -> pa.Array | str:
    """``template`` with each slot filled from a column (or one string for every row),
    joined element-wise: the words of :meth:`Template.fill`, by columns."""
    pieces = fill_pieces(template, **values)
    if all(isinstance(piece, str) for piece in pieces):
        return "".join(pieces)  # type: ignore[arg-type]
    return cat(*pieces)


def fill_pieces(
    template: Template, escape: Callable[[str], str] | None = None, /, **values: pa.Array | str
) -> list[pa.Array | str]:
    """The pieces :func:`fill` joins, left unjoined so that a caller joins a longer text
    in one pass; ``escape`` is applied to the template's words and to values given as one
    string (columns are taken as already escaped)."""
    pieces = [values[text] if slot else text for text, slot in template.pieces]
    if escape is None:
        return pieces
    return [escape(piece) if isinstance(piece, str) else piece for piece in pieces]


def cat(*parts: pa.Array | str) -> pa.Array:
    """Join columns and literals element-wise (adjacent literals merged first)."""
    items: list[pa.Array | pa.Scalar] = []
    literal: str | None = None
    for part in parts:
        if isinstance(part, str):
            literal = part if literal is None else literal + part
            continue
        if literal is not None:
            items.append(pa.scalar(literal, TEXT))
            literal = None
        items.append(part)
    if literal is not None:
        items.append(pa.scalar(literal, TEXT))
    return pc.binary_join_element_wise(*items, pa.scalar("", TEXT))


def strings(values: Sequence[str | None]) -> pa.Array:
    """The values as one Arrow text array (a cached column as it is, without a string
    object per value)."""
    if isinstance(values, ArrowStrings):
        return values.arrow.combine_chunks().cast(TEXT)
    return pa.array(values, TEXT)


#: The characters a cell a spreadsheet would run as a formula starts with
#: (``io.cells.FORMULA_START``), each one byte in UTF-8 (a test holds them so).
_FORMULA_START_BYTES = np.array(sorted(ord(c) for c in FORMULA_START), dtype=np.uint8)
#: What the CSV writer puts a cell in double quotes for: the delimiter, a quote, a break.
_CSV_QUOTED = '[,"\n\r]'


def visible_texts(text: pa.Array) -> pa.Array:
    """``io.cells.visible`` of each string: control characters as their escapes (the
    rare strings that hold one are redone in Python)."""
    # a control character is a byte under 0x20, 0x7f, or 0xc2 then 0x80-0x9f
    if not _any_byte(text, 0x20, 0x7F, 0xC2):
        return text
    hit = pc.fill_null(pc.match_substring_regex(text, CONTROL_CHARACTER), False)
    if not pc.any(hit).as_py():
        return text
    redone = [visible(value) for value in text.filter(hit).to_pylist()]
    return pc.replace_with_mask(text, hit, strings(redone))


def csv_cells(
    text: pa.Array, *, quoted: np.ndarray | None = None, known: np.ndarray | None = None
) -> pa.Array:
    """Each string as ``io.verdicts.write_csv`` writes the cell: visible, marked against
    formulas, in double quotes (a quote doubled) when it holds a comma, a quote or a line
    break; a missing value is an empty cell. ``quoted`` and ``known`` as
    :func:`csv_cell_parts` reads them."""
    quote, body = csv_cell_parts(text, quoted=quoted, known=known)
    return cat(quote, body, quote)


def quoted_cells(text: pa.Array) -> np.ndarray:
    """Per string, whether its CSV cell (:func:`csv_cells`) is in double quotes: its
    visible text holds a comma, a quote or a line break (a missing value: no)."""
    found = pc.match_substring_regex(visible_texts(text), _CSV_QUOTED)
    return np.asarray(pc.fill_null(found, False).to_numpy(zero_copy_only=False), dtype=bool)


def csv_cell_parts(
    text: pa.Array,
    *,
    plain: bool = False,
    quoted: np.ndarray | None = None,
    known: np.ndarray | None = None,
) -> tuple[pa.Array | str, pa.Array]:
    """:func:`csv_cells` as (quote, body), the cell being quote + body + quote, so a
    caller joining a line copies the text once. ``plain``: the caller knows no string
    holds a control character or a double quote, so neither is looked for; ``quoted``:
    per string, whether the caller knows it holds a character it is quoted for (the
    others are searched), and ``known``: the strings for which ``quoted`` is the whole
    answer, yes or no (:func:`quoted_cells`), so that they are not searched either."""
    if not plain:
        text = visible_texts(text)
    text = pc.fill_null(text, pa.scalar("", TEXT))
    formula = _first_byte_among(text, _FORMULA_START_BYTES)
    if formula.any():
        text = pc.if_else(pa.array(formula), cat("'", text), text)
    if quoted is not None and (quoted.any() or known is not None):
        searched = ~quoted if known is None else ~quoted & ~known
        if not quoted.any() and not searched.any():  # none holds a quote either
            return "", text
        wrap = pa.array(quoted)
        rest = np.flatnonzero(searched)
        if rest.size:
            found = pc.match_substring_regex(text.take(pa.array(rest)), _CSV_QUOTED)
            wrap = pc.replace_with_mask(wrap, pa.array(searched), found)
    elif not _any_byte(text, 0, *b',"\n\r'):
        return "", text
    else:
        wrap = pc.match_substring_regex(text, _CSV_QUOTED)
        if not pc.any(wrap).as_py():
            return "", text
    # a string holding a quote is wrapped, so the others are left as they are
    if not plain and _any_byte(text, 0, ord('"')):
        text = pc.replace_substring(text, '"', '""')
    return pc.if_else(wrap, pa.scalar('"', TEXT), pa.scalar("", TEXT)), text


def json_strings(text: pa.Array) -> pa.Array:
    """Each string as a JSON string literal (``null`` for missing), as ``json.dumps`` writes it."""
    if not any_json_escape(text):  # the usual case: nothing to escape
        return pc.fill_null(cat('"', text, '"'), pa.scalar("null", TEXT))
    escaped = pc.replace_substring(pc.replace_substring(text, "\\", "\\\\"), '"', '\\"')
    quoted = pc.fill_null(cat('"', escaped, '"'), pa.scalar("null", TEXT))
    odd = pc.fill_null(pc.match_substring_regex(text, r"[\x00-\x1f]"), False)
    if pc.any(odd).as_py():
        rows = np.flatnonzero(odd.to_numpy(zero_copy_only=False))
        raw = text.take(rows).to_pylist()
        quoted = pc.replace_with_mask(quoted, odd, strings([ENCODE(x) for x in raw]))
    return quoted


def _any_byte(text: pa.Array, below: int, *among: int) -> bool:
    """Whether the bytes of ``text``'s strings hold any under ``below`` or ``among``: one
    pass over the bytes answers for every string. A character a kernel looks for that is
    written with one byte in UTF-8 (all but it use bytes of 0x80 and above) is found so;
    bytes under a missing value may answer yes, and the caller then looks string by
    string."""
    if not pa.types.is_string(text.type) and not pa.types.is_large_string(text.type):
        return True
    _, offsets, data = text.buffers()
    if data is None or not len(text):
        return False
    wide = np.int64 if pa.types.is_large_string(text.type) else np.int32
    bounds = np.frombuffer(offsets, dtype=wide, count=text.offset + len(text) + 1)
    first, last = int(bounds[text.offset]), int(bounds[-1])
    raw = np.frombuffer(data, dtype=np.uint8, count=last)[first:]
    found = raw < below
    for byte in among:
        found |= raw == byte
    return bool(found.any())


def _first_byte_among(text: pa.Array, among: np.ndarray) -> np.ndarray:
    """Per string of ``text`` (no missing values), whether its first byte is one of
    ``among`` (bytes from 1 to 0x7f: characters of one byte in UTF-8, which never
    continue another, so whether the string starts with one of them; an empty string
    reads as 0). Read from the offsets, without a pass over every string's bytes."""
    if not pa.types.is_large_string(text.type) and not pa.types.is_string(text.type):
        text = text.cast(TEXT)
    return np.isin(edge_bytes(text)[0], among)


def _any_json_special_byte(text: pa.Array) -> bool:
    """Whether ``text`` may hold a character ``json.dumps`` escapes (a quote, a backslash,
    a control character; see :func:`_any_byte`)."""
    return _any_byte(text, 0x20, 0x22, 0x5C)


def any_json_escape(text: pa.Array) -> bool:
    """Whether :func:`json_strings` escapes any of ``text``'s strings (beyond quoting)."""
    if not _any_json_special_byte(text):
        return False
    return bool(pc.any(pc.fill_null(pc.match_substring_regex(text, JSON_SPECIAL), False)).as_py())


class BatchTexts:
    """Texts made of a column string by string (its JSON literals, its CSV cells) for
    the rows a batch asks for: a million names as JSON, held whole beside the names,
    took 37 MiB of the writer's peak at 1M. ``make`` works string by string, so a
    slice's texts are those of the whole column."""

    def __init__(self, texts: pa.Array, make: Callable[[pa.Array], pa.Array]) -> None:
        self.texts = texts
        self.make = make

    def slice(self, start: int, size: int) -> pa.Array:
        return self.make(self.texts.slice(start, size))

    def take(self, indices: pa.Array | np.ndarray) -> pa.Array:
        return self.make(self.texts.take(indices))


class CsvCells:
    """A column's CSV cells (:func:`csv_cells`) for a run of rows a batch asks for, as
    :class:`BatchTexts` makes them, with which cells are quoted worked out once over
    the column (a byte a string) rather than searched for in every batch."""

    def __init__(self, texts: pa.Array) -> None:
        self.texts = texts
        self.quoted = quoted_cells(texts)

    def slice(self, start: int, size: int) -> pa.Array:
        quoted = self.quoted[start : start + size]
        known = np.ones(quoted.size, dtype=bool)  # every cell's answer is the whole answer
        return csv_cells(self.texts.slice(start, size), quoted=quoted, known=known)

    def take(self, rows: np.ndarray) -> pa.Array:
        known = np.ones(rows.size, dtype=bool)
        return csv_cells(self.texts.take(rows), quoted=self.quoted[rows], known=known)


def quoted(text: pa.Array) -> pa.Array:
    """Strings known to need no escaping, as JSON string literals."""
    return cat('"', text, '"')


def stop_after_word(names: pa.Array) -> np.ndarray:
    """Per name, whether it ends in a full stop after a word character ("Co.", "Ltd."):
    a sentence stop right after it is written once (``wording.single_stops``)."""
    ends = np.flatnonzero(pc.ends_with(names, ".").to_numpy(zero_copy_only=False))
    before = pc.dictionary_encode(pc.utf8_slice_codeunits(names.take(pa.array(ends)), -2, -1))
    chars = before.dictionary.to_pylist()
    word = np.asarray([WORD_CHARACTER.fullmatch(c) is not None for c in chars], dtype=bool)
    stops = np.zeros(len(names), dtype=bool)
    if ends.size:
        stops[ends] = word[before.indices.to_numpy()]
    return stops


def float_json(values: np.ndarray) -> pa.Array:
    """Each float as Python's ``repr`` writes it (``100.0``, ``1e-06``)."""
    text = pc.cast(pa.array(values, pa.float64()), TEXT)
    whole = np.isfinite(values) & (values == np.trunc(values)) & (np.abs(values) < 1e16)
    text = pc.if_else(pa.array(whole), cat(text, ".0"), text)
    odd = (values != 0) & ((np.abs(values) < 1e-4) | (np.abs(values) >= 1e16))
    odd |= ~np.isfinite(values)
    if odd.any():
        mask = pa.array(odd)
        text = pc.replace_with_mask(text, mask, strings([repr(float(x)) for x in values[odd]]))
    return text


def scaled_text(values: np.ndarray, scale: int) -> pa.Array:
    """Exact decimal text of ``values / scale`` without trailing zeros (``fmt_decimal``)."""
    places = len(str(scale)) - 1
    if 10**places != scale or (values < 0).any():
        divisor = Decimal(scale)
        return strings([fmt_decimal(Decimal(int(v)) / divisor) for v in values.tolist()])
    whole = pc.cast(pa.array(values // scale, pa.int64()), TEXT)
    if places == 0:
        return whole
    fraction = pc.utf8_rtrim(
        pc.utf8_lpad(pc.cast(pa.array(values % scale, pa.int64()), TEXT), places, "0"), "0"
    )
    dotted = pc.if_else(pc.equal(fraction, ""), fraction, cat(".", fraction))
    return cat(whole, dotted)


class DistinctTexts:
    """A text per row kept as the texts of the distinct values and, per row, the number
    of its text (``codes``; ``None`` when ``texts`` has a text per row): a million rows
    of the same few shares cost four bytes a row, and a batch takes its rows' texts."""

    def __init__(self, texts: pa.Array, codes: np.ndarray | None) -> None:
        self.texts = texts
        self.codes = codes

    def slice(self, start: int, size: int) -> pa.Array:
        """The texts of rows ``start`` to ``start + size``."""
        if self.codes is None:
            return self.texts.slice(start, size)
        return self.texts.take(pa.array(self.codes[start : start + size]))

    def take(self, rows: np.ndarray) -> pa.Array:
        """The texts of ``rows``."""
        if self.codes is None:
            return self.texts.take(pa.array(rows))
        return self.texts.take(pa.array(self.codes[rows]))

    def every(self) -> pa.Array:
        """The text of every row."""
        return self.take(np.arange(len(self.codes))) if self.codes is not None else self.texts

    def remade(self, values: np.ndarray, make: Callable[[np.ndarray], pa.Array]) -> DistinctTexts:
        """Other texts of the same ``values`` (those these texts were made of, as
        :func:`distinct_texts` was given them), by ``make``, with the same numbering."""
        if self.codes is None:
            return DistinctTexts(make(values), None)
        distinct = np.empty(len(self.texts), dtype=values.dtype)
        distinct[self.codes] = values
        return DistinctTexts(make(distinct), self.codes)

    def map(self, change: Callable[[pa.Array], pa.Array]) -> DistinctTexts:
        """``change`` (elementwise) applied to each distinct text."""
        return DistinctTexts(change(self.texts), self.codes)


def distinct_texts(values: np.ndarray, make: Callable[[np.ndarray], pa.Array]) -> DistinctTexts:
    """``make(values)`` for an elementwise ``make``, made once per distinct value (bit for
    bit: ``-0.0`` is not ``0.0``). Most shares in a verdict column are the same few
    values: numbering them costs less than a text per row."""
    if values.size < 4_096 or values.dtype.kind not in "fiu":
        return DistinctTexts(make(values), None)
    keys = values.view(np.int64) if values.dtype == np.float64 else values
    # numbered by Arrow's hash table, in order of first appearance: a quarter of the
    # time of a sort and a sort order at 1M, without np.unique's 40 MiB a column
    encoded = pc.dictionary_encode(pa.array(keys))
    distinct = encoded.dictionary.to_numpy()
    if 2 * distinct.size > values.size:
        return DistinctTexts(make(values), None)
    codes = encoded.indices.to_numpy()
    return DistinctTexts(make(distinct.view(values.dtype)), codes)


def distinct_strings(
    values: Sequence[str | None], make: Callable[[pa.Array], pa.Array]
) -> DistinctTexts:
    """``make`` (elementwise) of each string, made once per distinct one (a missing value
    included): a million countries are a few dozen texts and a number per row."""
    encoded = strings(values).dictionary_encode()
    texts = pa.concat_arrays([make(encoded.dictionary), make(strings([None]))])
    codes = pc.fill_null(encoded.indices, len(encoded.dictionary))  # missing: the last
    return DistinctTexts(texts, codes.to_numpy())


def by_distinct(values: np.ndarray, make: Callable[[np.ndarray], pa.Array]) -> pa.Array:
    """:func:`distinct_texts`, a text per row."""
    return distinct_texts(values, make).every()


def round6(values: np.ndarray) -> np.ndarray:
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


def percent_text(values: np.ndarray, threshold: Threshold | None = None) -> pa.Array:
    """Floats as ``wording.percent_words`` writes them: to two places less trailing zeros, plus
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
    text = cat(scaled_text(rounded, 100), "%")
    if odd.any():
        exact = [percent_words(x, threshold) for x in values[odd].tolist()]
        text = pc.replace_with_mask(text, pa.array(odd), strings(exact))
    return text


def lists(offsets: np.ndarray, values: pa.Array, separator: str) -> pa.Array:
    """Per row, the values between consecutive offsets joined by ``separator``."""
    lists = pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), values)
    return pc.binary_join(lists, pa.scalar(separator, TEXT))


def json_lists(offsets: np.ndarray, values: pa.Array) -> pa.Array:
    return cat("[", lists(offsets, values, ", "), "]")


def json_object(fields: Mapping[str, pa.Array | str], order: Sequence[str]) -> list[pa.Array | str]:
    """The pieces of one JSON object per row, for :func:`cat`: each of ``order``'s keys
    with its value (a column of JSON text, or one JSON text for every row), in that order,
    adjacent literal text merged. ``fields`` must hold exactly those keys."""
    if set(fields) != set(order) or len(order) != len(set(order)):
        raise ValueError(f"fields {sorted(fields)} are not the keys {list(order)}")
    pieces: list[pa.Array | str] = []
    for k, name in enumerate(order):
        key = ("{" if k == 0 else ", ") + ENCODE(name) + ": "
        for piece in (key, fields[name]):
            if isinstance(piece, str) and pieces and isinstance(pieces[-1], str):
                pieces[-1] += piece
            else:
                pieces.append(piece)
    if isinstance(pieces[-1], str):
        pieces[-1] += "}"
    else:
        pieces.append("}")
    return pieces
