"""What changed between two dates: every entity whose status or flags differ, with the
dated events that changed it and both verdicts' explanations (an ownership-change alert,
computed from dated data).

An event counts between the two dates when the first day it holds is after the first
date and on or before the second (the days :mod:`ownership.timeline` lists): a listing
on a list the rule reads that began or ended, a holding that began or ended, a rename,
the rule's window or threshold. It is told with an entity when it concerns the entity
itself, one of its listed ancestors (a listing), or an entity on its chain on either
date (a holding); the rule's own change is told with the entities whose coverage
changed. The two analyses share the dataset's columns; the events are found by columns.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .analysis import Analysis, as_date, prepared
from .arrow_text import ENCODE
from .chain_walks import Chains
from .columns import NO_END, values_at
from .display import Tabular, html_table
from .errors import OwnershipError
from .listed_columns import set_members
from .rules import DEFAULT_RULE, Rule
from .timeline import renames
from .verdict import STATUS_CODES, Status, status_moves

if TYPE_CHECKING:
    from .chosen_explanations import Form
    from .model import Dataset

__all__ = ["CSV_COLUMNS", "ChangeReport", "changes"]

#: The columns of a row in CSV, in order (a row's fields in JSON have the same order).
CSV_COLUMNS = (
    *("id", "name", "status_from", "status_to", "flags_from", "flags_to", "events"),
    *("explanation_from", "explanation_to", "from", "to", "rule"),
)
#: Changed entities whose ids and names are read at once.
ROWS_AT_ONCE = 10_000
#: Rows an HTML table shows; the rest are counted below it.
HTML_ROW_LIMIT = 50
#: Events told with one entity, at most; the rest are counted.
EVENTS_SHOWN = 12
#: Changed entities past which explanations are made by columns (a batch at a time
#: over the whole dataset) rather than one at a time.
BY_COLUMNS = 20_000
#: Flags that change with the rule's window, told by its event.
WINDOW_FLAGS = {"would_be_covered", "possibly_covered", "out_of_scope_us_entity"}


@dataclass(frozen=True)
class ChangeReport(Tabular):
    """The entities whose status or own flags differ between two analyses of one
    dataset, in dataset order."""

    _table_columns = ("id", "name", "status_from", "status_to", "events", "explanation_to")

    first: Analysis
    second: Analysis
    changed: np.ndarray
    events: dict[int, list[str]] = field(repr=False)
    rule_change: str | None = None
    #: each flagged entity's own flags on the first date, and on the second
    own_flags: tuple[dict[int, tuple[str, ...]], ...] = field(default=({}, {}), repr=False)

    def __len__(self) -> int:
        return int(self.changed.size)

    @property
    def header(self) -> str:
        a, b = self.first, self.second
        return (
            f"Changes under {a.rule.label} from {a.as_of.isoformat()} to {b.as_of.isoformat()}."
            + (f" The rule: {self.rule_change}." if self.rule_change else "")
        )

    def counts(self) -> dict[str, int]:
        """How many entities moved from one status to another ("exposed -> covered"); an
        entity whose status stayed and flags changed counts under its status twice."""
        before = np.asarray(self.first.codes)[self.changed]
        after = np.asarray(self.second.codes)[self.changed]
        return status_moves(before.tolist(), after.tolist())

    def summary(self) -> str:
        moves = ", ".join(f"{count:,} {move}" for move, count in self.counts().items())
        total = len(self)
        return f"{total:,} {'entity' if total == 1 else 'entities'} changed" + (
            f": {moves}" if moves else ""
        )

    def records(
        self, progress: Callable[[int, int], None] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Each changed entity's row, made one at a time and not kept; past
        :data:`BY_COLUMNS` rows, the explanations are made by columns, a batch of
        entities at a time."""
        (own1, own2), dated = self.own_flags, (self.first.global_flags, self.second.global_flags)
        closing = self._closing
        for row in self._rows(progress, "text"):
            position, entity_id, name, code1, code2, events, explanation1, explanation2 = row
            yield {
                "id": entity_id,
                "name": name,
                "status_from": STATUS_CODES[code1].value,
                "status_to": STATUS_CODES[code2].value,
                "flags_from": [*own1.get(position, ()), *dated[0]],
                "flags_to": [*own2.get(position, ()), *dated[1]],
                "events": events,
                "explanation_from": explanation1,
                "explanation_to": explanation2,
                **closing,
            }

    def json_lines(self, progress: Callable[[int, int], None] | None = None) -> Iterator[str]:
        """Each row of :meth:`records` as its JSON text (``encode_exact``'s): the
        explanations put in as the JSON literals they are made as, rather than read back
        and written again."""
        from .io.jsontext import encode_exact

        keys = [f"{ENCODE(column)}: " for column in CSV_COLUMNS[:9]]
        starts = ["{" + keys[0], *(", " + key for key in keys[1:])]
        closing = ", " + encode_exact(self._closing)[1:]  # the fields after the explanations
        for cells in self._encoded_rows(progress, "json", ENCODE):
            yield "".join([x for pair in zip(starts, cells, strict=True) for x in pair]) + closing

    def csv_lines(self, progress: Callable[[int, int], None] | None = None) -> Iterator[str]:
        """The CSV text of :meth:`records` (:data:`CSV_COLUMNS`), as ``write_csv`` writes
        it, header first: the explanations put in as the cells they are made as."""
        from .io.verdicts import csv_cell, csv_line

        closing = "," + csv_line(self._closing, ["from", "to", "rule"])  # ends the line
        yield ",".join(CSV_COLUMNS) + "\n"
        for cells in self._encoded_rows(progress, "csv", csv_cell):
            yield ",".join(cells) + closing

    @property
    def _closing(self) -> dict[str, str]:
        """The fields every row ends with."""
        a, b = self.first, self.second
        return {"from": a.as_of.isoformat(), "to": b.as_of.isoformat(), "rule": a.rule.label}

    def _encoded_rows(
        self, progress: Callable[[int, int], None] | None, form: Form, encode: Callable[[Any], str]
    ) -> Iterator[list[str]]:
        """Each row's fields up to its explanations (:data:`CSV_COLUMNS`' first nine) as
        ``encode`` writes them, the explanations as made in ``form``; a status, a set of
        flags or a list of events encoded once."""
        (own1, own2), dated = self.own_flags, (self.first.global_flags, self.second.global_flags)
        statuses = [encode(code.value) for code in STATUS_CODES]
        made: dict[tuple[int, tuple[str, ...]], str] = {}

        def listed(side: int, values: tuple[str, ...]) -> str:
            """Flags on the first or second date (side 0, 1: the entity's own, then the
            date's) or events (2)."""
            text = made.get((side, values))
            if text is None:
                every = [*values, *dated[side]] if side < 2 else list(values)
                text = made[(side, values)] = encode(every)
            return text

        for row in self._rows(progress, form):
            position, entity_id, name, code1, code2, events, explanation1, explanation2 = row
            yield [
                encode(entity_id),
                encode(name),
                statuses[code1],
                statuses[code2],
                listed(0, own1.get(position, ())),
                listed(1, own2.get(position, ())),
                listed(2, tuple(events)),
                explanation1,
                explanation2,
            ]

    def _rows(
        self, progress: Callable[[int, int], None] | None, form: Form
    ) -> Iterator[tuple[int, str, str, int, int, list[str], str, str]]:
        """Each changed entity's position, id, name on the second date, status codes
        on both dates, events, and both explanations (made as ``form``); ids and names
        read a chunk at a time."""
        from .chosen_explanations import explanations_of
        from .io.jsontext import encode_exact
        from .io.verdicts import csv_cell
        from .verdict_records import RowMaker

        a, b = self.first, self.second
        total = len(self)
        if total > BY_COLUMNS:
            told = zip(
                explanations_of(a, self.changed, form=form),
                explanations_of(b, self.changed, form=form),
                strict=True,
            )
            explained = ((p, first, second) for (p, first), (_, second) in told)
        else:
            makers = RowMaker(a, self.changed), RowMaker(b, self.changed)
            forms: dict[str, Callable[[str], str]] = {
                "text": str,
                "json": encode_exact,
                "csv": csv_cell,
            }
            text = forms[form]
            explained = (
                (p, text(makers[0].explanation(p)), text(makers[1].explanation(p)))
                for p in self.changed.tolist()
            )
        codes1, codes2 = np.asarray(a.codes), np.asarray(b.codes)
        for start in range(0, total, ROWS_AT_ONCE):
            if progress is not None:
                progress(start, total)
            chosen = self.changed[start : start + ROWS_AT_ONCE]
            ids = values_at(b.compiled.ids, chosen)
            names = b.dated_names.take(chosen)
            for position, entity_id, name, code1, code2, (explained_at, *texts) in zip(
                chosen.tolist(),
                ids,
                names,
                codes1[chosen].tolist(),
                codes2[chosen].tolist(),
                explained,
                strict=False,  # the explanations run on past this chunk
            ):
                if explained_at != position:  # never: the explanations follow the rows
                    raise AssertionError(f"explanation of {explained_at} given for {position}")
                explanation1, explanation2 = texts
                events = self.events.get(position, [])
                yield position, entity_id, name, code1, code2, events, explanation1, explanation2
        if progress is not None:
            progress(total, total)

    def to_records(self) -> list[dict[str, Any]]:
        return list(self.records())

    def to_dict(self) -> dict[str, Any]:
        """The whole report: the dates, the rule's change, the counts and every row."""
        return self._head() | {"changes": self.to_records()}

    def json_document(self, progress: Callable[[int, int], None] | None = None) -> Iterator[str]:
        """:meth:`to_dict` as JSON text, streamed: the head indented, then each row on a
        line of its own (its :meth:`json_lines` text)."""
        from .io.jsontext import encode_exact

        head = encode_exact(self._head(), indent=2)  # ends "\n}"
        yield head[:-2] + ',\n  "changes": ['
        rows = 0
        for rows, line in enumerate(self.json_lines(progress), 1):
            yield ("\n    " if rows == 1 else ",\n    ") + line
        yield "\n  ]\n}\n" if rows else "]\n}\n"

    def _head(self) -> dict[str, Any]:
        a, b = self.first, self.second
        return {
            "rule": a.rule.label,
            "from": a.as_of.isoformat(),
            "to": b.as_of.isoformat(),
            "window_from": a.window_text,
            "window_to": b.window_text,
            "rule_change": self.rule_change,
            "counts": self.counts(),
        }

    def _table_caption(self) -> str:
        return f"{self.header} {self.summary()}."

    def _repr_html_(self) -> str:
        records = list(itertools.islice(self.records(), HTML_ROW_LIMIT))
        return html_table(
            records, self._table_columns, caption=self._table_caption(), total=len(self)
        )


def changes(
    dataset: Dataset,
    first: dt.date | str,
    second: dt.date | str,
    rule: str | Rule = DEFAULT_RULE,
    *,
    lists: list[str] | None = None,
    name: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ChangeReport:
    """Every entity whose status or own flags under ``rule`` differ between ``first`` and
    a later ``second`` date (of ``name``'s group on either date, if given), with the
    events between the dates that concern it."""
    chosen, day1 = prepared(dataset, rule, first, lists)
    day2 = as_date(second)
    if day2 <= day1:
        raise OwnershipError(
            f"--to {day2.isoformat()} is not after --from {day1.isoformat()}: "
            "give the earlier date first"
        )
    a = Analysis(dataset, chosen, day1, progress=progress)
    b = Analysis(dataset, chosen, day2, progress=progress)
    codes1, codes2 = np.asarray(a.codes), np.asarray(b.codes)
    differ = codes1 != codes2
    flags1, flags2 = _own_flags(a), _own_flags(b)
    for position in flags1.keys() | flags2.keys():
        if flags1.get(position, ()) != flags2.get(position, ()):
            differ[position] = True
    if name is not None:
        position = b.compiled.index[b.resolve(name)]
        differ &= (a.groups == a.groups[position]) | (b.groups == b.groups[position])
    changed = np.flatnonzero(differ)
    rule_change = _rule_change(a, b)
    events = _Events(a, b, changed, flags1, flags2, rule_change).told()
    return ChangeReport(
        first=a,
        second=b,
        changed=changed,
        events=events,
        rule_change=rule_change,
        own_flags=(flags1, flags2),
    )


def _own_flags(analysis: Analysis) -> dict[int, tuple[str, ...]]:
    """Each flagged entity's own flags (the date's are told by the rule's event)."""
    flags = analysis.flags_by_position  # values() read at once, in the keys' order
    return {int(k): tuple(v) for k, v in zip(flags, flags.values(), strict=True)}


def _rule_change(a: Analysis, b: Analysis) -> str | None:
    """How the rule's window, force or threshold differ between the two dates."""
    parts = []
    if a.window_text != b.window_text:
        parts.append(f"{a.window_text} -> {b.window_text}")
    elif a.in_force != b.in_force:
        force = {True: "in force", False: "not in force"}
        parts.append(f"{force[a.in_force]} -> {force[b.in_force]}")
    if a.threshold_text != b.threshold_text:
        parts.append(f"threshold {a.threshold_text} -> {b.threshold_text}")
    return f"{a.rule.label}: " + "; ".join(parts) if parts else None


class _Events:
    """The dated events between two analyses' dates, told with the entities they concern."""

    def __init__(
        self,
        a: Analysis,
        b: Analysis,
        changed: np.ndarray,
        flags1: dict[int, tuple[str, ...]],
        flags2: dict[int, tuple[str, ...]],
        rule_change: str | None,
    ) -> None:
        self.a, self.b, self.changed = a, b, changed
        self.flags = flags1, flags2
        self.rule_change = rule_change
        self.first = a.as_of.toordinal()
        self.second = b.as_of.toordinal()
        self.found: dict[int, list[str]] = defaultdict(list)

    def between(self, days: np.ndarray) -> np.ndarray:
        """Which first days fall after the first date and on or before the second."""
        return (days > self.first) & (days <= self.second)

    def told(self) -> dict[int, list[str]]:
        if not self.changed.size:
            return {}
        self._rule()
        self._listings()
        self._holdings()
        self._renames()
        told: dict[int, list[str]] = {}
        for position in self.changed.tolist():
            found = list(dict.fromkeys(self.found.get(position, [])))
            if len(found) > EVENTS_SHOWN:
                found = [*found[:EVENTS_SHOWN], f"and {len(found) - EVENTS_SHOWN} more"]
            told[position] = found or [
                "no listing, holding or rename on its chain or among its listed ancestors "
                "changed between the dates; `ownership timeline` shows every day"
            ]
        return told

    def _rule(self) -> None:
        if self.rule_change is None:
            return
        covered = STATUS_CODES.index(Status.covered)
        codes1, codes2 = np.asarray(self.a.codes), np.asarray(self.b.codes)
        told = np.zeros(self.a.compiled.n, dtype=bool)  # coverage changed, or a window flag
        told[self.changed] = (codes1[self.changed] == covered) | (codes2[self.changed] == covered)
        flags1, flags2 = self.flags
        for position in flags1.keys() | flags2.keys():
            if WINDOW_FLAGS & (set(flags1.get(position, ())) ^ set(flags2.get(position, ()))):
                told[position] = True
        for position in self.changed[told[self.changed]].tolist():
            self.found[position].append(self.rule_change)

    def _listings(self) -> None:
        a = self.a
        listings = a.columns.listings
        rows = np.arange(listings.entity.size)
        rows = rows[listings.read_by(a.rule, rows)] if rows.size else rows
        began = rows[self.between(listings.start[rows])]
        ended = rows[(listings.end[rows] < NO_END) & self.between(listings.end[rows] + 1)]
        names = self.b.dated_names
        texts: dict[int, list[str]] = defaultdict(list)
        for kind, picked in (("added to", began), ("removed from", ended)):
            for k in picked.tolist():
                entity = int(listings.entity[k])
                day = listings.start[k] if kind == "added to" else listings.end[k] + 1
                text = (
                    f"{dt.date.fromordinal(int(day)).isoformat()}: {names.at(entity)} "
                    f"{kind} {listings.list_id[k]}"
                )
                texts[entity].append(text)
        if not texts:
            return
        concerned = np.zeros(a.compiled.n, dtype=bool)
        concerned[list(texts)] = True
        for position in self.changed[concerned[self.changed]].tolist():
            self.found[position] += texts[position]
        for analysis in (self.a, self.b):  # listed ancestors on either date
            for position, seed in _ancestors_among(analysis, self.changed, concerned):
                self.found[position] += texts[seed]

    def _holdings(self) -> None:
        a = self.a
        h = a.columns.holdings
        began, ended = self.between(h.start), (h.end < NO_END) & self.between(h.end + 1)
        moved = began ^ ended  # begun and ended between the dates: held on neither
        rows = np.flatnonzero(moved)
        if not rows.size:
            return
        names = self.b.dated_names
        scale = 10**a.columns.places
        into: dict[int, list[str]] = defaultdict(list)
        for k, begun in zip(rows.tolist(), began[rows].tolist(), strict=True):
            owner, owned = int(h.owner[k]), int(h.owned[k])
            day = h.start[k] if begun else h.end[k] + 1
            share = h.share_text(k, scale)
            verb = f"now holds {share} of" if begun else f"no longer holds {share} of"
            if h.control[k]:
                verb = "now controls" if begun else "no longer controls"
            into[owned].append(
                f"{dt.date.fromordinal(int(day)).isoformat()}: {names.at(owner)} {verb} "
                f"{names.at(owned)}"
            )
        touched = np.zeros(a.compiled.n, dtype=bool)
        touched[list(into)] = True
        for analysis in (self.a, self.b):  # the entity itself and its chain on either date
            offsets, values, _ = Chains(analysis, np.asarray(analysis.codes)).lists(self.changed)
            rows_of = np.repeat(np.arange(self.changed.size), np.diff(offsets))
            hit = touched[values]
            for row, entity in zip(rows_of[hit].tolist(), values[hit].tolist(), strict=True):
                self.found[int(self.changed[row])] += into[entity]
        for position in self.changed[touched[self.changed]].tolist():
            self.found[position] += into[position]

    def _renames(self) -> None:
        a = self.a
        renamed = self.changed[a.columns.renamed[self.changed]]
        entities = a.dataset.entities
        for position in renamed.tolist():
            for day, text in renames(entities[position]):
                if self.first < day.toordinal() <= self.second:
                    self.found[position].append(f"{day.isoformat()}: {text}")


def _ancestors_among(
    analysis: Analysis, positions: np.ndarray, wanted: np.ndarray
) -> Iterator[tuple[int, int]]:
    """(entity, listed ancestor) for each of ``positions`` and each of its listed
    ancestors on ``analysis``'s date that ``wanted`` marks, entity by entity."""
    reached = positions[analysis.reach.reached[positions] & ~analysis.compiled.seeds[positions]]
    seeded = positions[analysis.compiled.seeds[positions]]
    if reached.size:
        ancestry = analysis.ancestry
        ancestry.fill()
        sets, inverse = np.unique(ancestry.sets_of(reached), return_inverse=True)
        inverse = inverse.reshape(-1)
        holders: dict[int, list[int]] = defaultdict(list)
        for which, seeds in set_members(ancestry, sets):
            keep = wanted[seeds]
            for k, seed in zip(which[keep].tolist(), seeds[keep].tolist(), strict=True):
                holders[k].append(seed)
        for position, k in zip(reached.tolist(), inverse.tolist(), strict=True):
            for seed in holders.get(k, ()):
                yield position, seed
    for position in seeded.tolist():  # a listed entity's own set, itself left out
        for seed_id in analysis.listed_ancestors(position):
            seed = analysis.compiled.index[seed_id]
            if wanted[seed]:
                yield position, seed
