"""Every verdict of an analysis as a plain row, computed by columns.

:meth:`ownership.analysis.Analysis.verdict` builds one entity's verdict from its records:
right for one entity, far too slow for a million. :func:`verdict_rows` yields, for every
entity in dataset order, the same row as ``Verdict.to_dict``, reading names, shares and
statuses from arrays and building records only for listed entities, so that ``ownership
analyze --format jsonl`` over a million entities takes seconds. The explanation comes
from the same function as the verdict's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np

from .analysis import _CODES, STATUS_ORDER, Status, explanation, listing_dict
from .rules.base import Aggregation

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
    seeds = c.seeds.tolist()
    global_flags = analysis.global_flags
    flags_of = analysis._flags
    owners_of = _counted_owners(analysis, names)
    legal_low, legal_high = _legal_shares(analysis)
    listings_of = _listings_read(analysis)
    rule, window = analysis.rule.name, analysis._window_text
    as_of, threshold = analysis.as_of.isoformat(), analysis._threshold_text
    clear, hundred, zero = Status.clear, Decimal(100), Decimal(0)
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
            low = high = zero
        else:
            chain = analysis._chain_positions(i, status)
            ancestors = analysis._listed_ancestors(i)
            low, high = (hundred, hundred) if seeds[i] else (legal_low(i), legal_high(i))
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
            "owners": [o[3] for o in owners],
            "listings": [listing_dict(x) for x in listings],
            "explanation": explanation(
                analysis,
                position=i,
                name=names[i],
                status=status,
                flags=flags,
                chain_names=[names[k] for k in chain],
                owners=[o[2] for o in owners],
                listings=listings,
                legal_low=low,
                legal_high=high,
                effective=effective[i],
                nearest_listed=nearest_id,
            ),
        }
    if progress is not None:
        progress(n, n)


def _owner_sets(analysis: Analysis) -> tuple[np.ndarray, np.ndarray]:
    """Entities that count as owners: at the lower bounds, and at the upper bounds."""
    seeds = analysis.compiled.seeds
    lower = seeds | analysis.lower.covered if analysis.lower is not None else seeds
    fixed = analysis.upper or analysis.lower
    upper = seeds | fixed.covered if fixed is not None else seeds
    return lower, upper


def _counted_owners(
    analysis: Analysis, names: list[str]
) -> dict[int, list[tuple[tuple[Any, ...], int, tuple[str, str, str, str], dict[str, Any]]]]:
    """Per entity, the active links from owners that count, sorted as verdicts list them.

    Each: (sort key, owner, (name, share, owner status, kind), the JSON object).
    """
    columns = analysis._columns
    h = columns.holdings
    scale = 10**columns.places
    _, upper = _owner_sets(analysis)
    rows = np.flatnonzero(analysis._active_holding_rows & upper[h.owner])
    found: dict[int, list[Any]] = defaultdict(list)
    codes = analysis._statuses
    ids = columns.ids
    for k, owner, owned, control, low, high in zip(
        rows.tolist(),
        h.owner[rows].tolist(),
        h.owned[rows].tolist(),
        h.control[rows].tolist(),
        h.low[rows].tolist(),
        h.high[rows].tolist(),
        strict=True,
    ):
        status = _CODES[int(codes[owner])]
        kind = "control" if control else "ownership"
        share = h.share_text(k, scale)
        if control:
            low = high = 0
        row = {
            "owner": ids[owner],
            "owner_name": names[owner],
            "share": share,
            "percent_min": low / scale,
            "percent_max": high / scale,
            "owner_status": status.value,
            "kind": kind,
        }
        key = (-low, STATUS_ORDER[status], ids[owner])
        found[owned].append((key, owner, (names[owner], share, status.value, kind), row))
    for entries in found.values():
        entries.sort(key=lambda entry: entry[0])
    return found


def _legal_shares(
    analysis: Analysis,
) -> tuple[Callable[[int], Decimal], Callable[[int], Decimal]]:
    """The legal share (lower, upper) of each non-listed entity, as ``Verdict`` has them."""
    c = analysis.compiled
    fixed = analysis.lower
    if analysis.rule.aggregation is Aggregation.per_owner and fixed is not None:
        low_received = fixed.received
        high_received = (analysis.upper or fixed).received

        def per_owner_low(i: int) -> Decimal:
            return c.unscale(int(low_received[i]))

        def per_owner_high(i: int) -> Decimal:
            return max(per_owner_low(i), c.unscale(int(high_received[i])))

        return per_owner_low, per_owner_high
    columns = analysis._columns
    h = columns.holdings
    scale = Decimal(10**columns.places)
    lower, upper = _owner_sets(analysis)
    ownership = analysis._active_holding_rows & ~h.control
    counted = ownership & upper[h.owner]
    low_sum = _sum_into(columns.n, h.owned, h.low, ownership & lower[h.owner])
    high_sum = _sum_into(columns.n, h.owned, h.high, counted)
    outside = _sum_into(columns.n, h.owned, h.low, ownership & ~upper[h.owner])
    hundred = 100 * 10**columns.places

    def low(i: int) -> Decimal:
        return Decimal(int(low_sum[i])) / scale

    def high(i: int) -> Decimal:
        least = int(low_sum[i])
        most = min(int(high_sum[i]), hundred - int(outside[i]))
        return Decimal(max(least, most)) / scale

    return low, high


def _sum_into(n: int, owned: np.ndarray, values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Per entity, the exact sum of ``values`` over the selected rows into it."""
    total = np.zeros(n, dtype=values.dtype)
    if total.dtype == object:
        total[:] = 0
    np.add.at(total, owned[rows], values[rows])
    return total


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
