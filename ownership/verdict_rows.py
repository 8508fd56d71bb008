"""Every verdict of an analysis as a plain row, computed by columns.

:meth:`ownership.analysis.Analysis.verdict` builds one entity's verdict from its records:
right for one entity, far too slow for a million. :func:`verdict_rows` yields, for every
entity in dataset order, the same row as ``Verdict.to_dict``, reading names, shares and
statuses from arrays and building records only for listed entities, so that ``ownership
analyze --format jsonl`` over a million entities takes seconds. The explanation comes
from the same function as the verdict's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from .analysis import _CODES, Status, explanation, listing_dict

if TYPE_CHECKING:
    from .analysis import Analysis

__all__ = ["verdict_rows"]

#: Rows between two progress reports.
PROGRESS_EVERY = 10_000


def verdict_rows(
    analysis: Analysis, *, progress: Callable[[int, int], None] | None = None
) -> Iterator[dict[str, Any]]:
    """One ``Verdict.to_dict`` row per entity, in dataset order."""
    c = analysis.compiled
    ids = c.ids
    n = c.n
    names = analysis._names.every()
    countries = analysis._columns.country.tolist()
    codes = analysis._statuses.tolist()
    statuses = [(code, code.value) for code in _CODES]
    effective = (analysis.effective * 100).tolist()
    nearest = analysis.reach.nearest_seed.tolist()
    global_flags = analysis.global_flags
    flags_of = analysis._flags
    active = np.flatnonzero(analysis._active_holding_rows)
    owners_of = analysis._counted_owners(active)
    owned = analysis._columns.holdings.owned[active]
    sums = analysis._legal_sums(active, owned, n)
    listings_of = _listings_read(analysis)
    rule, window = analysis.rule.name, analysis._window_text
    as_of, threshold = analysis.as_of.isoformat(), analysis._threshold_text
    clear = Status.clear
    for i in range(n):
        if progress is not None and i % PROGRESS_EVERY == 0:
            progress(i, n)
        status, status_text = statuses[codes[i]]
        flags = [*flags_of[i], *global_flags] if i in flags_of else list(global_flags)
        lead = nearest[i]
        nearest_id = ids[lead] if lead >= 0 and lead != i else None
        owners = owners_of.get(i, ())
        listings = listings_of.get(i, ())
        if status is clear:
            chain: list[int] = []
            ancestors: tuple[str, ...] = ()
        else:
            chain = analysis._chain_positions(i, status)
            ancestors = analysis._listed_ancestors(i)
        low, high = analysis._legal_share(i, sums)
        yield {
            "id": ids[i],
            "name": names[i],
            "country": countries[i],
            "status": status_text,
            "flags": flags,
            "rule": rule,
            "window": window,
            "as_of": as_of,
            "threshold": threshold,
            "effective_percent": round(effective[i], 6),
            "legal_percent": float(low),
            "legal_percent_max": float(high),
            "listed_ancestors": list(ancestors),
            "nearest_listed": nearest_id,
            "chain": [ids[k] for k in chain],
            "owners": [o.to_dict() for o in owners],
            "listings": [listing_dict(x) for x in listings],
            "explanation": explanation(
                analysis,
                position=i,
                name=names[i],
                status=status,
                flags=flags,
                chain_names=[names[k] for k in chain],
                owners=[(o.owner_name, o.share, o.owner_status, o.kind) for o in owners],
                listings=listings,
                legal_low=low,
                legal_high=high,
                effective=effective[i],
                nearest_listed=nearest_id,
            ),
        }
    if progress is not None:
        progress(n, n)


def _listings_read(analysis: Analysis) -> dict[int, tuple[Any, ...]]:
    """Per entity with any, its active listings on lists the rule reads."""
    columns = analysis._columns
    active = analysis._active_listing_rows
    entities = np.unique(columns.listings.entity[active]).tolist()
    rule = analysis.rule
    found = {}
    for i in entities:
        listings = tuple(
            x for x in analysis._active_listings_of(columns.ids[i]) if rule.reads(x.list, x.program)
        )
        if listings:
            found[i] = listings
    return found
