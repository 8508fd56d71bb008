"""Listed entities' rows by columns, and each row's listed ancestors as text.

A listed entity's row carries its listings and an explanation naming them. Made one row
at a time (:class:`ownership.verdict_records.RowMaker`), the 7,667 listed rows of a
million-entity dataset took the writer's main thread about 1.5 s. Here the listings of
each listed entity are made into text once, for the writer by columns
(:mod:`ownership.verdict_json`); only rows whose records must be told stay row by row.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .arrow_text import ENCODE, TEXT, strings
from .columns import position_type
from .memory import return_freed_memory
from .verdict import LISTED_SHOWN, STATUS_CODES, Status, listing_dict
from .wording import SOME_LIST_READ, list_label, read_under

if TYPE_CHECKING:
    from .analysis import Analysis
    from .ancestry import SeedAncestry
    from .row_batch import Batch

__all__ = ["ListedColumns", "ancestor_texts", "chunk_bounds", "set_members"]

#: Sets of listed ancestors decoded at once, when every distinct one is made into text.
ANCESTOR_SETS_AT_ONCE = 2_048
#: Members of those sets decoded at once: a chunk's scratch is a few int64 arrays per
#: member, and 2,048 sets deep in a large group hold a million (50 MiB of scratch on each
#: of two threads, at the writer's peak at 1M).
ANCESTOR_MEMBERS_AT_ONCE = 1 << 18


class ListedColumns:
    """The listed entities whose rows are made by columns (``rows``, ascending): per row,
    its lists as the explanation names them (``lists``) and its listings as JSON
    (``listings``)."""

    def __init__(
        self,
        analysis: Analysis,
        codes: np.ndarray,
        told: np.ndarray,
        listings: Mapping[int, tuple[Any, ...]],
    ) -> None:
        """``told``: rows made one by one whatever their status; ``listings``: each
        entity's listings the rule reads (``verdict_records.listings_read``)."""
        a = analysis
        listed = (codes == STATUS_CODES.index(Status.listed)) & a.compiled.seeds
        self.by_columns = listed & ~told
        self.rows = np.flatnonzero(self.by_columns)
        rule = a.rule
        lists, made = [], []
        for row in self.rows.tolist():
            records = listings.get(row, ())
            named = "; ".join(list_label(x) + read_under(rule, x) for x in records)
            lists.append(named or SOME_LIST_READ)
            made.append(ENCODE([listing_dict(x) for x in records]))
        self.lists = strings(lists)
        self.listings = strings(made)

    def at(self, positions: np.ndarray) -> pa.Array:
        """The numbers (in ``rows``) of listed ``positions`` made by columns."""
        return pa.array(np.searchsorted(self.rows, positions))

    def listings_of(self, batch: Batch) -> pa.Array:
        """The listings field of the rows of ``batch``: ``[]`` but for listed rows."""
        at = np.searchsorted(self.rows, batch.positions)
        found = at < self.rows.size
        found[found] = self.rows[at[found]] == batch.positions[found]
        number = np.where(found, at, -1)
        picked = self.listings.take(pa.array(number, mask=number < 0))
        return pc.fill_null(picked, pa.scalar("[]", TEXT))


def ancestor_texts(
    analysis: Analysis,
    rows: np.ndarray,
    listed: np.ndarray,
    pool: Executor,
    texts_of: Callable[[np.ndarray, np.ndarray], pa.Array],
    empty: pa.Array,
) -> tuple[SeedAncestry, pa.Array, pa.Array, np.ndarray]:
    """Each distinct set of listed ancestors of ``rows`` once, and a set each for the
    ``listed`` rows (listed entities, whose own id is not among their ancestors): its
    first ``LISTED_SHOWN`` ids as ``texts_of(offsets, positions)`` makes them, and its
    total, then ``empty`` for rows with none shown; and per entity, the number of its
    text (the last for any not in ``rows`` or ``listed``). A free worker of ``pool``
    decodes sets beside this thread."""
    ancestry = analysis.ancestry
    ancestry.fill()  # every set is asked for
    assert ancestry.words is not None
    comps = ancestry.sets_of(rows)
    size = ancestry.same_set.size
    any_row = np.full(size, -1, dtype=np.int64)
    any_row[comps] = rows  # the rows of one set are of one group
    sets = np.flatnonzero(any_row >= 0)
    number = np.full(size, -1, dtype=np.int64)
    number[sets] = np.arange(sets.size)
    count = sets.size + listed.size
    pick = np.full(analysis.compiled.n, count, dtype=position_type(count + 1))
    pick[rows] = number[comps]
    pick[listed] = sets.size + np.arange(listed.size)
    # a component's set, then a listed entity's set without itself
    owners = np.concatenate([sets, ancestry.sharing[ancestry.label[listed]]])
    without = np.concatenate([np.full(sets.size, -1), listed])
    bounds = chunk_bounds(ancestry.words.count[owners])
    made: list[tuple[pa.Array, np.ndarray]] = [None] * (len(bounds) - 1)  # type: ignore[list-item]
    claims = iter(range(len(bounds) - 1))  # a range iterator hands each chunk out once

    def decode() -> None:
        for k in claims:
            part = slice(bounds[k], bounds[k + 1])
            total, offsets, positions = ancestry.first_positions(
                owners[part], LISTED_SHOWN, without[part]
            )
            made[k] = (texts_of(offsets, positions), total)

    # a free worker of the pool decodes chunks too; one that never started is called
    # off (with one worker, that is this one)
    helper = pool.submit(decode)
    decode()
    if not helper.cancel():
        helper.result()
    # the chunks' scratch is free now; handed back before the texts are joined, the
    # joined copy (34 MiB at 1M) does not come on top of it
    return_freed_memory()
    texts = [text.cast(TEXT) for text, _ in made] + [empty.cast(TEXT)]
    totals = [total for _, total in made] + [np.zeros(1, dtype=np.int64)]
    total_text = pc.cast(pa.array(np.concatenate(totals)), TEXT)
    return ancestry, pa.concat_arrays(texts), total_text, pick


def chunk_bounds(members: np.ndarray) -> list[int]:
    """Where each chunk of sets begins, then where the last ends, given each set's
    ``members``: at most ``ANCESTOR_SETS_AT_ONCE`` sets a chunk and, unless one set alone
    has more, ``ANCESTOR_MEMBERS_AT_ONCE`` members."""
    ends = np.cumsum(members, dtype=np.int64)
    bounds = [0]
    while bounds[-1] < ends.size:
        start = bounds[-1]
        before = int(ends[start - 1]) if start else 0
        fits = int(np.searchsorted(ends, before + ANCESTOR_MEMBERS_AT_ONCE, side="right"))
        bounds.append(min(start + ANCESTOR_SETS_AT_ONCE, max(fits, start + 1)))
    return bounds


def set_members(
    ancestry: SeedAncestry, sets: np.ndarray
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The seeds in each of ``sets`` (components with their own set, once
    :meth:`~ownership.ancestry.SeedAncestry.fill` has run), a bounded number of sets and
    members at a time (:func:`chunk_bounds`): per chunk, each seed's set as its place in
    ``sets``, ascending, and the seed's position."""
    bounds = chunk_bounds(ancestry.set_sizes(sets))
    for begin, end in itertools.pairwise(bounds):
        which, seeds = ancestry.seeds_of_sets(sets[begin:end])
        yield which + begin, seeds
