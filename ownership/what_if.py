"""What a new listing (or a delisting) would capture: the entities whose status would
change if one entity were added to a list, or taken off it, on the analysis date.

The question is answered by analysing a hypothetical dataset: the same records with the
listing added (starting on the analysis date, noted as hypothetical) or the entity's
listings on that list ended. Its columns and compiled holdings are the analysed
dataset's, with only the listings changed, so the answer costs one run of the fixed
points, not a new load.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .columns import NO_END, NO_START, ListingColumns, attach_columns, columns_of, object_array
from .derived import derived
from .display import Tabular, html_table
from .errors import OwnershipError
from .lazy import MadeOnRead
from .model import Dataset, Listing
from .rules.base import SeedList
from .verdict import STATUS_CODES, status_moves

if TYPE_CHECKING:
    from .analysis import Analysis

__all__ = ["WhatIfReport", "what_if"]

#: Rows an HTML table shows; the rest are counted below it.
HTML_ROW_LIMIT = 50
#: The note a hypothetical listing carries (its explanation cites it).
HYPOTHETICAL = "hypothetical listing (what-if)"


@dataclass(frozen=True)
class WhatIfReport(Tabular):
    """The entities whose status would change, in order of their new status (listed,
    covered, exposed, clear), then dataset order; each row is the new verdict."""

    _table_columns = (
        "id",
        "name",
        "status_before",
        "status_after",
        "legal_percent",
        "chain_names",
        "explanation",
    )

    before: Analysis
    after: Analysis
    entity: int
    change: str
    changed: np.ndarray
    note: str | None = None

    def __len__(self) -> int:
        return int(self.changed.size)

    @property
    def header(self) -> str:
        return f"What if: {self.change}. {self.before.header()}"

    def counts(self) -> dict[str, int]:
        """How many entities would move from one status to another ("exposed -> covered")."""
        before = np.asarray(self.before.codes)[self.changed]
        after = np.asarray(self.after.codes)[self.changed]
        return status_moves(before.tolist(), after.tolist())

    def summary(self) -> str:
        if self.note:
            return self.note
        moves = ", ".join(f"{count:,} {move}" for move, count in self.counts().items())
        total = len(self)
        return f"{total:,} {'entity' if total == 1 else 'entities'} would change status" + (
            f": {moves}" if moves else ""
        )

    def records(
        self, progress: Callable[[int, int], None] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Each changed entity's new verdict row, with its status before and the names
        along its chain; made one at a time and not kept."""
        from .verdict_records import RowMaker

        total = len(self)
        maker = RowMaker(self.after, self.changed)
        before = np.asarray(self.before.codes)
        names = self.after.dated_names
        index = self.after.compiled.index
        for done, position in enumerate(self.changed.tolist()):
            if progress is not None and done % 10_000 == 0:
                progress(done, total)
            row = maker.row(position)
            yield {
                "id": row["id"],
                "name": row["name"],
                "status_before": STATUS_CODES[before[position]].value,
                "status_after": row["status"],
                **{k: v for k, v in row.items() if k not in ("id", "name", "status")},
                "chain_names": [names.at(index[k]) for k in row["chain"]],
                "change": self.change,
            }
        if progress is not None:
            progress(total, total)

    def to_records(self) -> list[dict[str, Any]]:
        return list(self.records())

    def to_dict(self) -> dict[str, Any]:
        """The whole report: the change, the rule and date, the counts and every row."""
        a = self.before
        return {
            "change": self.change,
            "rule": a.rule.label,
            "window": a.window_text,
            "as_of": a.as_of.isoformat(),
            "counts": self.counts(),
            "changes": self.to_records(),
        }

    def _table_caption(self) -> str:
        return f"{self.header} {self.summary()}."

    def _repr_html_(self) -> str:
        records = [r for _, r in zip(range(HTML_ROW_LIMIT), self.records(), strict=False)]
        return html_table(
            records, self._table_columns, caption=self._table_caption(), total=len(self)
        )


def what_if(analysis: Analysis, name: str, list_id: str, *, remove: bool = False) -> WhatIfReport:
    """The entities whose status under ``analysis``'s rule on its date would change if
    ``name`` were added to ``list_id`` (``LIST`` or ``LIST:PROGRAM``), or, with
    ``remove``, taken off it. Refuses a list the rule does not read, and a removal from a
    list the entity is not on that day."""
    a = analysis
    entity_id = a.resolve(name)
    position = a.compiled.index[entity_id]
    seed = SeedList.parse(list_id)
    if not seed.list:
        raise OwnershipError(f"--list {list_id!r}: give a list, such as entity_list or sdn:NPWMD")
    program = "; ".join(sorted(seed.programs)) if seed.programs else None
    shown = a.name_of(entity_id)
    on_list = str(seed)
    if not a.rule.reads(seed.list, program):
        raise OwnershipError(
            f"{a.rule.label} does not read {on_list}: a listing there changes no status "
            f"under it (see `ownership rules {a.rule.name}`, or --lists)"
        )
    listings = a.columns.listings
    kept = np.arange(len(a.dataset.listings))
    if remove:
        rows = listings.of(position)
        rows = rows[a.active_listing_rows[rows]]
        found = [seed.matches(listings.list_id[k], listings.program[k]) for k in rows.tolist()]
        dropped = rows[np.asarray(found, dtype=bool)]
        if not dropped.size:
            raise OwnershipError(
                f"{shown} ({entity_id}) is not on {on_list} on {a.as_of.isoformat()}: "
                "nothing to remove"
            )
        hypothetical = _with_listings(a.dataset, np.setdiff1d(kept, dropped), None, position)
        change = f"{shown} ({entity_id}) taken off {on_list} on {a.as_of.isoformat()}"
    else:
        added = Listing(
            entity=entity_id, list=seed.list, program=program, start=a.as_of, note=HYPOTHETICAL
        )
        hypothetical = _with_listings(a.dataset, kept, added, position)
        change = f"{shown} ({entity_id}) added to {on_list} on {a.as_of.isoformat()}"
    after = type(a)(hypothetical, a.rule, a.as_of)  # the same kind of analysis
    codes_before, codes_after = np.asarray(a.codes), np.asarray(after.codes)
    changed = np.flatnonzero(codes_before != codes_after)
    changed = changed[np.lexsort((changed, codes_after[changed]))]
    note = None
    if not changed.size:
        still = "still" if remove else "already"
        status = STATUS_CODES[codes_before[position]].value
        note = f"No status would change: {shown} is {still} {status} under {a.rule.label}"
    return WhatIfReport(
        before=a, after=after, entity=position, change=change, changed=changed, note=note
    )


class _Listings(MadeOnRead[Listing]):
    """The listing records at ``kept`` of ``base``, then ``extra``: a changed dataset's
    listings, made when read as the original's are."""

    def __init__(self, base: Sequence[Listing], kept: np.ndarray, extra: list[Listing]):
        super().__init__()
        self._base = base
        self._kept = kept.tolist()
        self._extra = extra

    def __len__(self) -> int:
        return len(self._kept) + len(self._extra)

    def _make_at(self, index: int) -> Listing:
        if index < len(self._kept):
            return self._base[self._kept[index]]
        return self._extra[index - len(self._kept)]

    def _make_many(self, indices: list[int]) -> list[Listing]:
        inside = [self._kept[k] for k in indices if k < len(self._kept)]
        base = self._base
        made = iter(
            base.many(inside) if isinstance(base, MadeOnRead) else [base[k] for k in inside]
        )
        return [next(made) if k < len(self._kept) else self._make_at(k) for k in indices]


def _with_listings(
    dataset: Dataset, kept: np.ndarray, added: Listing | None, position: int
) -> Dataset:
    """``dataset`` with its listing records at ``kept`` only, then ``added`` (a listing
    of the entity at ``position``), if given; its columns and compiled holdings reused."""
    old = derived(dataset)
    columns = columns_of(dataset)
    lists = columns.listings
    extra = [added] if added is not None else []
    changed_columns = ListingColumns(
        entity=np.append(lists.entity[kept], [position] * len(extra)).astype(np.int64),
        list_id=object_array([*lists.list_id[kept].tolist(), *(x.list for x in extra)]),
        program=object_array([*lists.program[kept].tolist(), *(x.program for x in extra)]),
        start=np.append(
            lists.start[kept], [x.start.toordinal() if x.start else NO_START for x in extra]
        ).astype(np.int64),
        end=np.append(lists.end[kept], [NO_END] * len(extra)).astype(np.int64),
    )
    changed = Dataset.of(
        entities=dataset.entities,
        holdings=dataset.holdings,
        listings=_Listings(dataset.listings, kept, extra),
        arrangements=dataset.arrangements,
        sources=dataset.sources,
    )
    return _carried(old, changed, dataclasses.replace(columns, listings=changed_columns))


def _carried(old: Any, changed: Dataset, columns: Any) -> Dataset:
    """``changed`` given ``columns`` and the compiled holdings of the dataset it was made
    from (the holdings are the same records): checked, as that one was."""
    attach_columns(changed, columns)
    kept = derived(changed)
    kept.checked = old.checked
    kept.holdings.update(old.holdings)
    return changed
