"""The explanations of a batch of verdict rows, filled by columns.

``Explainer.explain`` fills a template per row; here the same templates
(:mod:`ownership.wording`) are filled a status at a time with Arrow string kernels, from
columns worked out once per analysis; each row's flags and closing sentences are made
once per distinct set of flags. :class:`ExplanationColumns` is a part of the writer by
columns (:class:`ownership.verdict_json` ``_Lines``), which sets the columns it declares.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ._re2 import PYTHON_SPACE
from .arrow_text import ENCODE, TEXT, cat, csv_cells, fill, scaled_text, strings
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
    LOOK_THROUGH,
    OWNERS_THAT_COUNT,
    exposed_flag_sentences,
)

if TYPE_CHECKING:
    from .analysis import Analysis
    from .owner_columns import OwnerColumns

__all__ = ["ExplanationColumns"]

#: ``wording.DOUBLE_STOP`` after a word character, for RE2: Python's ``\w`` and ``\s``
#: are Unicode-wide, RE2's are ASCII.
_DOUBLE_STOP_AFTER_WORD = rf"([\pL\pN_])\.\.([{PYTHON_SPACE}]|$)"
_NOTHING = pa.scalar("", TEXT)
#: Stands for the highest share unknown or range shares could reach, until filled in.
_POSSIBLE_HIGH = "\x00"


class ExplanationColumns:
    """Explanations by columns, from the columns the writer sets (declared here)."""

    analysis: Analysis
    csv: bool
    wants_explanation: bool
    codes: np.ndarray
    names: pa.Array
    effective_text: pa.Array
    #: each row's flags, one of ``flag_choices`` by ``flag_kind`` (JSON, or CSV cells)
    flag_choices: pa.Array
    #: the closing sentences of each row: one of ``tail_choices`` by ``flag_kind``, but
    #: for the rows ``filled_rows``, whose sentences carry a share of their own
    #: (``filled_tails``); taken a batch at a time, never for every row at once
    flag_kind: np.ndarray
    tail_choices: pa.Array
    filled_rows: np.ndarray
    filled_tails: pa.Array
    by_row: np.ndarray
    nearest: np.ndarray
    legal_low_text: pa.Array
    legal_high: np.ndarray
    legal_scale: int
    meets: np.ndarray
    owners: OwnerColumns
    owner_of: np.ndarray | None
    stop_after_word: np.ndarray
    any_double_stop: bool
    #: the closing sentences' texts, the stand-in for a share left out
    distinct_tails: list[str]

    def _flag_columns(self) -> None:
        """Flags as JSON, and the closing sentences of rows whose flags are their own:
        each distinct set of flags (and whether exposed) made once, then taken by row."""
        a = self.analysis
        n = a.compiled.n
        global_flags = list(a.global_flags)
        closing = " ".join(a.window_sentences(global_flags))
        texts, tails = [ENCODE(global_flags)], [" " + closing if closing else ""]
        joined = [";".join(global_flags)]  # the CSV cell
        kind = np.zeros(n, dtype=np.int64)  # index into texts and tails
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
        self.filled_rows = np.zeros(0, dtype=np.int64)
        self.filled_tails = strings([])
        self.distinct_tails = [t.replace(_POSSIBLE_HIGH, "") for t in tails]
        # the highest share a possibly covered, exposed entity could reach, in its sentence
        filled = [k for (own, is_exposed), k in made.items()
                  if is_exposed and Flag.possibly_covered.value in own]  # fmt: skip
        rows = np.flatnonzero(np.isin(kind, filled))
        if rows.size and self.wants_explanation:
            before, _, after = zip(*(t.partition(_POSSIBLE_HIGH) for t in tails), strict=True)
            at = pa.array(kind[rows])
            high = scaled_text(self.legal_high[rows], self.legal_scale)
            self.filled_rows = rows
            self.filled_tails = cat(strings(before).take(at), high, strings(after).take(at))

    def _every_tail(self) -> tuple[pa.Array, pa.Array]:
        """Every closing sentence a row may have (the stand-in for a share left out)."""
        return strings(self.distinct_tails), self.filled_tails

    def _explanations(
        self, span: np.ndarray, codes: np.ndarray, chain_names: pa.Array, owner_text: pa.Array
    ) -> pa.Array:
        """The explanation of every row not written row by row: the templates
        ``Explainer.explain`` fills, filled by columns, status by status."""
        rule_when = self.analysis.rule_when
        start, size = int(span[0]), span.size  # a run of rows: columns are sliced
        names = self.names.slice(start, size)
        effective = self.effective_text.slice(start, size)
        parts: list[pa.Array] = []
        picks: list[np.ndarray] = []
        for status in (Status.clear, Status.covered, Status.exposed):
            local = np.flatnonzero((codes == STATUS_CODES.index(status)) & ~self.by_row[span])
            picks.append(local)
            rows = _Rows(span[local], pa.array(local), names, effective, chain_names, owner_text)
            if status is Status.clear:
                parts.append(fill(CLEAR, name=rows.names, rule_when=rule_when))
            elif status is Status.covered:
                parts.append(self._covered(rows))
            else:
                parts.append(self._exposed(rows))
        by_row = np.flatnonzero(self.by_row[span])
        picks.append(by_row)
        parts.append(strings([""] * by_row.size))
        order = np.concatenate(picks)
        where = np.empty(span.size, dtype=np.int64)
        where[order] = np.arange(span.size)
        text = pa.concat_arrays(parts).take(pa.array(where))
        return self._single_stops(cat(text, self.tails_of(start, size)))

    def tails_of(self, start: int, size: int) -> pa.Array:
        """The closing sentences of the rows ``start`` to ``start + size``."""
        tails = self.tail_choices.take(pa.array(self.flag_kind[start : start + size]))
        low, high = np.searchsorted(self.filled_rows, [start, start + size]).tolist()
        if high > low:
            mask = np.zeros(size, dtype=bool)
            mask[self.filled_rows[low:high] - start] = True
            tails = pc.replace_with_mask(
                tails, pa.array(mask), self.filled_tails.slice(low, high - low)
            )
        return tails

    def _covered(self, rows: _Rows) -> pa.Array:
        """The explanations of covered rows: basis, owners, chain, look-through share."""
        a = self.analysis
        rule_when, threshold = a.rule_when, a.threshold_text
        if a.rule.aggregation is Aggregation.look_through:
            return fill(
                COVERED_THROUGH_ALL_PATHS,
                name=rows.names,
                rule_when=rule_when,
                effective=rows.effective,
                threshold=threshold,
            )
        positions = rows.positions
        held = self.legal_low_text.take(pa.array(positions))
        by_control = self.owners.via_control[positions] & ~self.meets[positions]
        basis = pc.if_else(
            pa.array(by_control),
            pa.scalar(BASIS_CONTROL.fill(), TEXT),
            fill(BASIS_HELD, held=held, threshold=threshold),
        )
        if self.owner_of is not None:
            person = self.names.take(pa.array(self.owner_of[positions]))
            basis = fill(BASIS_ONE_PERSON, person=person, held=held, threshold=threshold)
        # the chain ends with the entity itself: after "Ltd." the sentence's own stop is
        # dropped here, as wording.single_stops would, so the text needs no regex pass
        chain = fill(CHAIN, chain=rows.chains)
        chain = pc.if_else(
            pa.array(self.stop_after_word[positions]), pc.utf8_slice_codeunits(chain, 0, -1), chain
        )
        chain_sentence = pc.if_else(pc.equal(rows.chains, ""), _NOTHING, cat(" ", chain))
        covered = fill(
            COVERED, name=rows.names, rule_when=rule_when, basis=basis, owners=rows.owners
        )
        look_through = fill(LOOK_THROUGH, effective=rows.effective)
        return cat(covered, chain_sentence, " ", look_through)

    def _exposed(self, rows: _Rows) -> pa.Array:
        """The explanations of exposed rows: chain, nearest listed, shares, owners."""
        a = self.analysis
        lead = self.nearest[rows.positions]
        nearest = pc.utf8_rtrim(self.names.take(pa.array(lead, mask=lead < 0)), ".")
        nearest = pc.fill_null(nearest, pa.scalar("None", TEXT))
        if a.rule.aggregation in (Aggregation.all, Aggregation.per_owner):
            shares = fill(
                EXPOSED_SHARES,
                held=self.legal_low_text.take(pa.array(rows.positions)),
                threshold=a.threshold_text,
                effective=rows.effective,
            )
        else:
            shares = fill(LOOK_THROUGH, effective=rows.effective)
        owners_sentence = pc.if_else(
            pc.equal(rows.owners, ""),
            _NOTHING,
            cat(" ", fill(OWNERS_THAT_COUNT, owners=rows.owners)),
        )
        exposed = fill(
            EXPOSED,
            name=rows.names,
            rule_when=a.rule_when,
            chain=rows.chains,
            nearest=nearest,
        )
        return cat(exposed, " ", shares, owners_sentence)

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
