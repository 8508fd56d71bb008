"""The explanations of a batch of verdict rows, filled by columns.

``Explainer.explain`` fills a template per row; here the same templates
(:mod:`ownership.wording`) are filled a status at a time with Arrow string kernels, from
columns worked out once per analysis; each row's flags and closing sentences are made
once per distinct set of flags. :class:`ExplanationColumns` is a part of the writer by
columns (:class:`ownership.verdict_json.LineColumns`), which sets the columns it declares.
"""

from __future__ import annotations

from functools import cache, cached_property
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ._re2 import PYTHON_SPACE
from .arrow_text import (
    ENCODE,
    TEXT,
    DistinctTexts,
    cat,
    csv_cells,
    fill_pieces,
    json_strings,
    quoted_cells,
    scaled_text,
    strings,
)
from .columns import position_type
from .rules.base import Aggregation
from .verdict import STATUS_CODES, Flag, Status
from .wording import (
    BASIS_CONTROL,
    BASIS_HELD,
    BASIS_ONE_PERSON,
    CHAIN,
    CLEAR,
    COVERED,
    COVERED_THROUGH_ALL_PATHS,
    EXPOSED,
    EXPOSED_SHARES,
    LISTED,
    LOOK_THROUGH,
    OWNERS_THAT_COUNT,
    Template,
    exposed_flag_sentences,
)

if TYPE_CHECKING:
    from .analysis import Analysis
    from .entity_texts import EntityTexts
    from .listed_columns import ListedColumns
    from .owner_columns import OwnerColumns
    from .row_batch import Batch

__all__ = ["ExplanationColumns"]

#: ``wording.DOUBLE_STOP`` after a word character, for RE2: Python's ``\w`` and ``\s``
#: are Unicode-wide, RE2's are ASCII.
_DOUBLE_STOP_AFTER_WORD = rf"([\pL\pN_])\.\.([{PYTHON_SPACE}]|$)"
_NOTHING = pa.scalar("", TEXT)
#: Stands for the highest share unknown or range shares could reach, until filled in.
_POSSIBLE_HIGH = "\x00"


@cache
def _quoted_words(words: str) -> bool:
    """Whether ``words`` alone (a template's) put a CSV cell in quotes, once their
    control characters are made visible (a carriage return then does not)."""
    return bool(quoted_cells(strings([words]))[0])


class ExplanationColumns:
    """Explanations by columns, from the columns the writer sets (declared here)."""

    analysis: Analysis
    csv: bool
    wants_explanation: bool
    codes: np.ndarray
    effective_text: DistinctTexts
    #: each row's flags, one of ``flag_choices`` by ``flag_kind`` (JSON, or CSV cells)
    flag_choices: pa.Array
    #: the closing sentences of each row: one of ``tail_choices`` by ``flag_kind``, but
    #: for the rows ``filled_rows``, whose sentences carry a share of their own: the text
    #: of ``filled_before``, the share (scaled, ``filled_high``), the text of
    #: ``filled_after`` (by ``flag_kind``);
    #: made a batch at a time, never for every row at once
    flag_kind: np.ndarray
    tail_choices: pa.Array
    filled_rows: np.ndarray
    filled_high: np.ndarray
    filled_before: pa.Array
    filled_after: pa.Array
    by_row: np.ndarray
    nearest: np.ndarray
    legal_low_text: DistinctTexts
    legal_high: np.ndarray  # every row's, until the set-up is done
    legal_scale: int
    meets: np.ndarray
    owners: OwnerColumns
    owner_of: np.ndarray | None
    texts: EntityTexts
    any_double_stop: bool
    #: the closing sentences' texts, the stand-in for a share left out
    distinct_tails: list[str]
    #: in CSV, per closing sentence, whether it puts a cell in quotes
    tail_quoted: np.ndarray
    #: whether each explanation is made as a JSON string literal in its one join: every
    #: piece escaped beforehand (names as ``explained_names``, words by :meth:`_text`),
    #: which is exact unless a double stop must be made single after the join
    json_ready: bool = False
    #: whether the pieces of an explanation are escaped for JSON before the join
    _escape: bool = False
    #: the names as they go into an explanation (escaped for JSON when ``json_ready``)
    explained_names: pa.Array
    #: the listed rows made by columns, and their lists as an explanation names them
    listed: ListedColumns | None
    listed_lists: pa.Array

    def _explanation_pieces_ready(self, escape: bool) -> None:
        """Decide ``json_ready`` (see there) and escape what goes into the explanations
        when any piece needs it (``escape``)."""
        self.explained_names = self.texts.names
        self.listed_lists = self.listed.lists if self.listed is not None else strings([])
        self.json_ready = not self.csv and not self.any_double_stop
        self._escape = escape and self.json_ready
        if not self._escape:
            return
        self.explained_names = _json_inner(self.texts.names)
        self.listed_lists = _json_inner(self.listed_lists)
        self.tail_choices = _json_inner(self.tail_choices)
        self.filled_before = _json_inner(self.filled_before)
        self.filled_after = _json_inner(self.filled_after)  # a share needs no escaping

    def _text(self, text: str) -> str:
        """Words of a template, or a text the same on every row, as they go into an
        explanation (see ``json_ready``)."""
        return ENCODE(text)[1:-1] if self._escape else text

    def _flag_columns(self) -> None:
        """Flags as JSON, and the closing sentences of rows whose flags are their own:
        each distinct set of flags (and whether exposed) made once, then taken by row."""
        a = self.analysis
        n = a.compiled.n
        global_flags = list(a.global_flags)
        closing = " ".join(a.window_sentences(global_flags))
        texts, tails = [ENCODE(global_flags)], [" " + closing if closing else ""]
        joined = [";".join(global_flags)]  # the CSV cell
        kind = np.zeros(n, dtype=position_type(n + 1))  # index into texts and tails
        # each distinct pair (own flags, exposed or not) made once, numbered in the order
        # the flagged positions first have it
        stored = a.computed.flags
        positions, numbers = stored.kinds()
        exposed = self.codes[positions] == STATUS_CODES.index(Status.exposed)
        _, first, inverse = np.unique(numbers * 2 + exposed, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        made: dict[tuple[tuple[str, ...], bool], int] = {}
        for run in first[order].tolist():
            own, is_exposed = stored.flags_of_run(run), bool(exposed[run])
            flags = [*own, *global_flags]
            high = f"{_POSSIBLE_HIGH}%"
            sentences = exposed_flag_sentences(flags, high, a.rule) if is_exposed else []
            sentences += a.window_sentences(flags)
            made[(tuple(own), is_exposed)] = len(texts)
            texts.append(ENCODE(flags))
            joined.append(";".join(flags))
            tails.append("".join(" " + x for x in sentences))
        number = np.empty(order.size, dtype=np.int64)
        number[order] = np.arange(order.size) + 1  # after the texts of no flags of one's own
        kind[positions] = number[inverse.reshape(-1)]
        self.flag_kind = kind
        self.flag_choices = csv_cells(strings(joined)) if self.csv else strings(texts)
        self.tail_choices = strings(tails)
        if self.csv:  # whether each puts an explanation's cell in quotes
            self.tail_quoted = quoted_cells(self.tail_choices)
        self.filled_rows = np.zeros(0, dtype=np.int64)
        self.filled_high = np.zeros(0, dtype=np.int64)
        self.filled_before = self.filled_after = strings([])
        self.distinct_tails = [t.replace(_POSSIBLE_HIGH, "") for t in tails]
        # the highest share a possibly covered, exposed entity could reach, in its sentence
        filled = [k for (own, is_exposed), k in made.items()
                  if is_exposed and Flag.possibly_covered.value in own]  # fmt: skip
        rows = np.flatnonzero(np.isin(kind, filled))
        if rows.size and self.wants_explanation:
            before, _, after = zip(*(t.partition(_POSSIBLE_HIGH) for t in tails), strict=True)
            self.filled_rows = rows
            self.filled_high = self.legal_high[rows]
            self.filled_before, self.filled_after = strings(before), strings(after)

    def _pieced_texts(self) -> tuple[pa.Array, ...]:
        """The texts besides names and fixed words that explanations are pieced from:
        every closing sentence a row may have (the stand-in for a share left out), and
        the lists that listed rows made by columns name."""
        lists = (self.listed.lists,) if self.listed is not None else ()
        # a share's text is digits with at most one stop between them, so it makes no
        # double stop with its neighbours and has nothing to escape: "0" stands for it
        filled = cat(self.filled_before, "0", self.filled_after)
        return strings(self.distinct_tails), filled, *lists

    def _explanations(
        self, batch: Batch, codes: np.ndarray, chain_names: pa.Array, owner_text: pa.Array
    ) -> tuple[pa.Array, np.ndarray, np.ndarray]:
        """The explanation of every row not written row by row: the templates
        ``Explainer.explain`` fills, filled by columns, status by status, each status's
        sentences and closing sentences joined in one pass; with ``json_ready``, as JSON
        string literals. ``chain_names`` and ``owner_text`` are made of
        ``explained_names``. Also, per row, whether its CSV cell is known to be quoted
        (its template's own words hold a character it is quoted for), and whether that
        is the whole answer (a clear row's, in CSV): the others' texts are searched."""
        rule_when = self.analysis.rule_when  # escaped by fill_pieces, as every word
        span = batch.positions
        names = batch.of(self.explained_names)
        effective = batch.of(self.effective_text)
        quote = ['"'] if self.json_ready else []
        parts: list[pa.Array] = []
        picks: list[np.ndarray] = []
        sure_parts: list[np.ndarray] = []
        known_parts: list[np.ndarray] = []
        for status in (Status.clear, Status.covered, Status.exposed, Status.listed):
            local = np.flatnonzero((codes == STATUS_CODES.index(status)) & ~batch.of(self.by_row))
            picks.append(local)
            rows = _Rows(span[local], pa.array(local), names, effective, chain_names, owner_text)
            if status is Status.clear:
                pieces = fill_pieces(CLEAR, self._text, name=rows.names, rule_when=rule_when)
            elif status is Status.covered:
                pieces = self._covered(rows)
            elif status is Status.exposed:
                pieces = self._exposed(rows)
            else:  # listed rows made by columns (the others are made one by one)
                pieces = self._listed(rows)
            parts.append(cat(*quote, *pieces, self._tails_at(rows.positions), *quote))
            words = "".join(piece for piece in pieces if isinstance(piece, str))
            sure = np.full(local.size, self.csv and _quoted_words(words))
            known = np.zeros(local.size, dtype=bool)
            if self.csv and status is Status.clear:
                # a clear row's text is its name, these words and its closing sentences:
                # whether its cell is quoted is known from theirs
                sure |= self.texts.name_cells.quoted[rows.positions]
                sure |= self.tail_quoted[self.flag_kind[rows.positions]]
                known[:] = True
            sure_parts.append(sure)
            known_parts.append(known)
        by_row = np.flatnonzero(batch.of(self.by_row))
        picks.append(by_row)
        parts.append(strings([""] * by_row.size))
        sure_parts.append(np.zeros(by_row.size, dtype=bool))
        known_parts.append(np.zeros(by_row.size, dtype=bool))
        order = np.concatenate(picks)
        where = np.empty(span.size, dtype=np.int64)
        where[order] = np.arange(span.size)
        text = pa.concat_arrays([part.cast(TEXT) for part in parts]).take(pa.array(where))
        sure, known = np.concatenate(sure_parts)[where], np.concatenate(known_parts)[where]
        return self._single_stops(text), sure, known

    def _tails_at(self, positions: np.ndarray) -> pa.Array:
        """The closing sentences of the rows at ``positions`` (ascending)."""
        tails = self.tail_choices.take(pa.array(self.flag_kind[positions]))
        filled = self.filled_rows
        if filled.size and positions.size:
            at = np.minimum(np.searchsorted(filled, positions), filled.size - 1)
            hit = filled[at] == positions
            if hit.any():
                kind = pa.array(self.flag_kind[positions[hit]])
                high = scaled_text(self.filled_high[at[hit]], self.legal_scale)
                own = cat(self.filled_before.take(kind), high, self.filled_after.take(kind))
                tails = pc.replace_with_mask(tails, pa.array(hit), own)
        return tails

    def _listed(self, rows: _Rows) -> list[pa.Array | str]:
        """The explanations of listed rows, as pieces: the lists, the rule."""
        lists = self.listed_lists.take(self.listed.at(rows.positions)) if self.listed else ""
        return fill_pieces(
            LISTED, self._text, name=rows.names, lists=lists, rule_when=self.analysis.rule_when
        )

    def _covered(self, rows: _Rows) -> list[pa.Array | str]:
        """The explanations of covered rows, as pieces: basis, owners, chain, look-through
        share."""
        a = self.analysis
        text = self._text
        rule_when, threshold = a.rule_when, a.threshold_text
        if a.rule.aggregation is Aggregation.look_through:
            return fill_pieces(
                COVERED_THROUGH_ALL_PATHS,
                text,
                name=rows.names,
                rule_when=rule_when,
                effective=rows.effective,
                threshold=threshold,
            )
        positions = rows.positions
        held = self.legal_low_text.take(positions)
        by_control = self.owners.via_control[positions] & ~self.meets[positions]
        basis = pc.if_else(
            pa.array(by_control),
            pa.scalar(text(BASIS_CONTROL.fill()), TEXT),
            cat(*fill_pieces(BASIS_HELD, text, held=held, threshold=threshold)),
        )
        if self.owner_of is not None:
            person = self.explained_names.take(pa.array(self.owner_of[positions]))
            basis = cat(
                *fill_pieces(BASIS_ONE_PERSON, text, person=person, held=held, threshold=threshold)
            )
        # " Chain: ... ." when there is a chain; it ends with the entity itself, and after
        # "Ltd." the sentence's own stop is dropped here, as wording.single_stops would,
        # so the text needs no regex pass
        before, after = _around(CHAIN, "chain")
        has_chain = pc.not_equal(rows.chains, "")
        stop = pc.if_else(pa.array(self.texts.stop_after_word[positions]), _NOTHING, text(after))
        return [
            *fill_pieces(
                COVERED, text, name=rows.names, rule_when=rule_when, basis=basis, owners=rows.owners
            ),
            pc.if_else(has_chain, pa.scalar(" " + text(before), TEXT), _NOTHING),
            rows.chains,
            pc.if_else(has_chain, stop, _NOTHING),
            " ",
            *fill_pieces(LOOK_THROUGH, text, effective=rows.effective),
        ]

    def _exposed(self, rows: _Rows) -> list[pa.Array | str]:
        """The explanations of exposed rows, as pieces: chain, nearest listed, shares,
        owners."""
        a = self.analysis
        text = self._text
        lead = self.nearest[rows.positions]
        nearest = pc.utf8_rtrim(self.explained_names.take(pa.array(lead, mask=lead < 0)), ".")
        nearest = pc.fill_null(nearest, pa.scalar("None", TEXT))
        if a.rule.aggregation in (Aggregation.all, Aggregation.per_owner):
            shares = fill_pieces(
                EXPOSED_SHARES,
                text,
                held=self.legal_low_text.take(rows.positions),
                threshold=a.threshold_text,
                effective=rows.effective,
            )
        else:
            shares = fill_pieces(LOOK_THROUGH, text, effective=rows.effective)
        # " Owners that count: ... ." when any count
        before, after = _around(OWNERS_THAT_COUNT, "owners")
        has_owners = pc.not_equal(rows.owners, "")
        return [
            *fill_pieces(
                EXPOSED,
                text,
                name=rows.names,
                rule_when=a.rule_when,
                chain=rows.chains,
                nearest=nearest,
            ),
            " ",
            *shares,
            pc.if_else(has_owners, pa.scalar(" " + text(before), TEXT), _NOTHING),
            rows.owners,
            pc.if_else(has_owners, pa.scalar(text(after), TEXT), _NOTHING),
        ]

    def _single_stops(self, text: pa.Array) -> pa.Array:
        """``text`` with a stop after a name ending in one written once, as
        ``wording.single_stops`` does."""
        if not self.any_double_stop:
            return text
        doubled = pc.match_substring(text, "..")
        if not pc.any(doubled).as_py():
            return text
        rows = pc.indices_nonzero(doubled)
        fixed = pc.replace_substring_regex(text.take(rows), _DOUBLE_STOP_AFTER_WORD, r"\1.\2")
        return pc.replace_with_mask(text, doubled, fixed)


def _around(template: Template, slot: str) -> tuple[str, str]:
    """The words before and after the one slot of ``template``."""
    (before, gap), (name, is_slot), (after, gap_after) = template.pieces
    if gap or gap_after or not is_slot or name != slot:
        raise ValueError(f"{template.pieces} is not words, {{{slot}}}, words")
    return before, after


def _json_inner(text: pa.Array) -> pa.Array:
    """Each string escaped as in a JSON string literal, without the quotes around it."""
    return pc.utf8_slice_codeunits(json_strings(text), 1, -1)


class _Rows:
    """The rows of one status in a batch, and their columns: ``positions`` in the
    dataset, and the batch's names, look-through texts, chains and owners taken at them
    (each on first use)."""

    def __init__(
        self,
        positions: np.ndarray,
        at: pa.Array,
        names: pa.Array,
        effective: pa.Array,
        chains: pa.Array,
        owners: pa.Array,
    ) -> None:
        self.positions = positions
        self._at = at
        self._columns = {"names": names, "effective": effective, "chains": chains, "owners": owners}

    @cached_property
    def names(self) -> pa.Array:
        return self._columns["names"].take(self._at)

    @cached_property
    def effective(self) -> pa.Array:
        return self._columns["effective"].take(self._at)

    @cached_property
    def chains(self) -> pa.Array:
        return self._columns["chains"].take(self._at)

    @cached_property
    def owners(self) -> pa.Array:
        return self._columns["owners"].take(self._at)
