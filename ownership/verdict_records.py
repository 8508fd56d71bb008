"""Every verdict of an analysis as a plain row, computed by columns.

:meth:`ownership.analysis.Analysis.verdict` builds one entity's verdict from its records:
right for one entity, far too slow for a million. :func:`verdict_rows` yields, for every
entity in dataset order, the same row as ``Verdict.to_dict`` (its fields in
:data:`~ownership.verdict.VERDICT_FIELDS` order), reading names, shares and statuses from
arrays and building records only for listed entities. The explanation comes from the same
``Explainer`` as the verdict's. :mod:`ownership.verdict_json` writes the same rows as JSON
text without building them, and uses :class:`RowMaker` for the few rows it does not
assemble by columns.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

from .lazy import MadeOnRead
from .verdict import LISTED_SHOWN, STATUS_CODES, VERDICT_FIELDS, Status, listing_dict

if TYPE_CHECKING:
    from .analysis import Analysis

__all__ = ["RowMaker", "verdict_rows", "write_rows"]

#: Rows between two progress reports.
PROGRESS_EVERY = 10_000


def verdict_rows(
    analysis: Analysis, *, progress: Callable[[int, int], None] | None = None
) -> Iterator[dict[str, Any]]:
    """One ``Verdict.to_dict`` row per entity, in dataset order."""
    maker = RowMaker(analysis)
    n = analysis.compiled.n
    for i in range(n):
        if progress is not None and i % PROGRESS_EVERY == 0:
            progress(i, n)
        yield maker.row(i)
    if progress is not None:
        progress(n, n)


class RowMaker:
    """Builds the row of any entity, or (given ``positions``) of those entities only, from
    arrays worked out once for all of them; ``listings`` (:func:`listings_read`) and
    ``legal`` (``LegalShares.legal_bounds`` of every entity) when already worked out."""

    def __init__(
        self,
        analysis: Analysis,
        positions: np.ndarray | None = None,
        listings: dict[int, tuple[Any, ...]] | None = None,
        legal: tuple[np.ndarray, np.ndarray, int] | None = None,
    ) -> None:
        self.analysis = analysis
        c = analysis.compiled
        self.ids = c.ids
        self.names = analysis.dated_names  # read a row at a time: most rows need none
        # per entity, or only at ``positions``: a million-element list costs more than
        # the few rows made here
        self.countries = _values_at(analysis.columns.country, positions)
        self.codes = _values_at(np.asarray(analysis.codes), positions)
        self.statuses = [(code, code.value) for code in STATUS_CODES]
        self.effective = _values_at(analysis.effective, positions, scale=100)
        self.nearest = _values_at(analysis.reach.nearest_seed, positions)
        self.global_flags = analysis.global_flags
        self.flags_of = analysis.flags_by_position
        active = analysis.active_holding_rows
        if positions is not None:  # the links into them, picked without listing every link
            wanted = np.zeros(c.n, dtype=bool)
            wanted[positions] = True
            active = active & wanted[analysis.columns.holdings.owned]
        self.owners_of = analysis.legal.counted_owners(np.flatnonzero(active))
        #: legal bounds (lower, upper, scale): with ``positions``, of those rows only
        self.legal: tuple[Any, Any, int]
        if legal is None and positions is not None:  # worked out for those rows alone
            chosen = np.asarray(positions, dtype=np.int64)
            low, high, scale = analysis.legal.legal_bounds(chosen)
            at = chosen.tolist()
            self.legal = (
                dict(zip(at, low.tolist(), strict=True)),
                dict(zip(at, high.tolist(), strict=True)),
                scale,
            )
        else:
            low, high, scale = legal or analysis.legal.legal_bounds(np.arange(c.n))
            self.legal = (
                (_values_at(low, positions), _values_at(high, positions), scale)
                if positions is not None
                else (low, high, scale)
            )
        self.listings_of = listings_read(analysis) if listings is None else listings
        self.fixed = {
            "rule": analysis.rule.label,
            "window": analysis.window_text,
            "as_of": analysis.as_of.isoformat(),
            "threshold": analysis.threshold_text,
        }

    def row(self, i: int, ancestors: tuple[str, ...] | None = None) -> dict[str, Any]:
        """The row of entity ``i``; ``ancestors``, its listed ancestors if already known."""
        ids, names = self.ids, self.names
        status, status_text = self.statuses[self.codes[i]]
        flags = self.flags(i)
        lead = self.nearest[i]
        nearest_id = ids[lead] if lead >= 0 and lead != i else None
        owners = self.owners_of.get(i, ())
        listings = self.listings_of.get(i, ())
        chain, cut = self._chain(i, status)
        if status is Status.clear:
            ancestors = ()
        elif ancestors is None:
            ancestors = self.analysis.listed_ancestors(i)
        low, high = self.analysis.legal.legal_share(i, self.legal)
        effective = self.effective[i]
        values = {
            "id": ids[i],
            "name": names.at(i),
            "country": self.countries[i],
            "status": status_text,
            "flags": flags,
            **self.fixed,
            "effective_percent": round(effective, 6),
            "legal_percent": low,
            "legal_percent_max": high,
            "listed_ancestors": list(ancestors[:LISTED_SHOWN]),
            "listed_ancestors_total": len(ancestors),
            "nearest_listed": nearest_id,
            "chain": [ids[k] for k in chain],
            "chain_via": ids[chain[0]] if cut else None,
            "owners": [o.to_dict() for o in owners],
            "listings": [listing_dict(x) for x in listings],
            "explanation": self._explained(i, status, flags, chain, cut, low, high),
        }
        return {name: values[name] for name in VERDICT_FIELDS}

    def flags(self, i: int) -> list[str]:
        """Entity ``i``'s flags, then the date's (the rule's window)."""
        return [*self.flags_of.get(i, ()), *self.global_flags]

    def explanation(self, i: int) -> str:
        """The ``explanation`` of :meth:`row`, without the row's other fields."""
        status = self.statuses[self.codes[i]][0]
        chain, cut = self._chain(i, status)
        low, high = self.analysis.legal.legal_share(i, self.legal)
        return self._explained(i, status, self.flags(i), chain, cut, low, high)

    def _chain(self, i: int, status: Status) -> tuple[list[int], bool]:
        if status is Status.clear:
            return [], False
        return self.analysis.chain_positions(i, status)

    def _explained(
        self,
        i: int,
        status: Status,
        flags: list[str],
        chain: list[int],
        cut: bool,
        low: Any,
        high: Any,
    ) -> str:
        names, lead = self.names, self.nearest[i]
        owners = self.owners_of.get(i, ())
        return self.analysis.explainer.explain(
            position=i,
            name=names.at(i),
            status=status,
            flags=flags,
            chain_names=(["…"] if cut else []) + [names.at(k) for k in chain],
            owners=[(o.owner_name, o.share, o.owner_status, o.kind) for o in owners],
            listings=self.listings_of.get(i, ()),
            legal_low=low,
            legal_high=high,
            effective=self.effective[i],
            nearest_listed=self.ids[lead] if lead >= 0 and lead != i else None,
        )


def _values_at(
    values: np.ndarray, positions: np.ndarray | None, *, scale: float | None = None
) -> list[Any] | dict[int, Any]:
    """``values`` (times ``scale``) as Python objects: a list of all, or with
    ``positions`` a dict of those positions' values, read the same way."""
    if positions is None:
        picked = values if scale is None else values * scale
        return picked.tolist()  # type: ignore[no-any-return]
    chosen = np.asarray(positions, dtype=np.int64)
    picked = values[chosen] if scale is None else values[chosen] * scale
    return dict(zip(chosen.tolist(), picked.tolist(), strict=True))


def listings_read(analysis: Analysis) -> dict[int, tuple[Any, ...]]:
    """Per entity with any, its active listings on lists the rule reads, in dataset order."""
    listings = analysis.columns.listings
    read = analysis.rule_listing_rows.tolist()
    records = analysis.dataset.listings
    found: dict[int, list[Any]] = {}
    made = records.many(read) if isinstance(records, MadeOnRead) else [records[k] for k in read]
    for record, entity in zip(made, listings.entity[read].tolist(), strict=True):
        found.setdefault(entity, []).append(record)
    return {entity: tuple(found[entity]) for entity in sorted(found)}


def write_rows(
    analysis: Analysis,
    out: BinaryIO,
    *,
    array: bool,
    progress: Callable[[int, int], None] | None,
    csv: bool = False,
    fields: tuple[str, ...],
) -> None:
    """``verdict_json.write_verdict_lines`` (or with ``csv``, ``write_verdict_csv``) one
    ``RowMaker`` row at a time: for shares with more decimal places than int64 holds."""
    from .io.verdicts import write_csv, write_json, write_jsonl

    text = io.TextIOWrapper(out, encoding="utf-8", newline="\n", write_through=True)
    rows = verdict_rows(analysis, progress=progress)
    try:
        if csv:
            write_csv(rows, text, list(fields))
        else:
            writer = write_json if array else write_jsonl
            writer(({field: row[field] for field in fields} for row in rows), text)
        text.flush()
    finally:
        text.detach()
