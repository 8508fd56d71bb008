"""The legal share: what listed or covered owners hold of an entity, and which owners count.

A verdict states the share the rule's test is about (``legal_percent``, at the lower and
upper bounds of every stake) and lists the owners that count towards it, joint
arrangements included. Both are worked out here from an analysis's arrays, for one
entity or for many at once.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from .columns import sum_into
from .model import Arrangement, fmt_decimal
from .propagate import concatenated_ranges
from .rules.base import Aggregation
from .verdict import STATUS_CODES, STATUS_ORDER, Contribution, Status

if TYPE_CHECKING:
    from .analysis import Analysis

__all__ = ["LegalShares"]

#: Entities whose legal shares are summed at once: over all of them, the stakes' scratch
#: (a dozen int64 arrays a stake) came to 110 MiB at 1M.
BOUNDS_AT_ONCE = 1 << 17


class LegalShares:
    """The legal shares and counted owners of an analysis's entities."""

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis

    @cached_property
    def owner_sets(self) -> tuple[np.ndarray, np.ndarray]:
        """Entities whose links count as owners: listed or covered at the lower bounds, and
        at the upper bounds (US entities pass coverage on)."""
        analysis = self.analysis
        seeds = analysis.compiled.seeds
        lower = seeds | analysis.lower.covered if analysis.lower is not None else seeds
        fixed = analysis.upper or analysis.lower
        upper = seeds | fixed.covered if fixed is not None else seeds
        return lower, upper

    def contributions_at(self, i: int) -> tuple[Contribution, ...]:
        """Links from owners that are listed or covered (or could be, at upper bounds),
        and the stakes other members of a joint arrangement bring in."""
        return tuple(self.counted_owners(self.analysis.holding_rows_into(i)).get(i, ()))

    @cached_property
    def arrangements_by_target(self) -> dict[int, list[Arrangement]]:
        """Joint arrangements active on the date, by target, for a rule that reads them."""
        analysis = self.analysis
        found: dict[int, list[Arrangement]] = defaultdict(list)
        if analysis.rule.aggregation is Aggregation.per_owner:
            index = analysis.compiled.index
            for arrangement in analysis.dataset.arrangements:
                if arrangement.active_on(analysis.as_of):
                    found[index[arrangement.target]].append(arrangement)
        return found

    @cached_property
    def arranged_members(self) -> dict[int, set[int]]:
        """Per target, the members of counted arrangements over it that do not count on
        their own: their stakes in it count through the arrangement."""
        counts = self.owner_sets[1]
        index = self.analysis.compiled.index
        found: dict[int, set[int]] = {}
        for target in self.arrangements_by_target:
            members = {index[m] for a in self.arrangements_counted(target) for m in a.members}
            members = {m for m in members if not counts[m] and m != target}
            if members:
                found[target] = members
        return found

    def arrangements_counted(self, i: int) -> list[Arrangement]:
        """Arrangements over ``i`` with a member that is listed or covered (at the upper
        bounds): they bring every member's shares in (UK Sch. 1 para 3; convention 6)."""
        counts = self.owner_sets[1]
        index = self.analysis.compiled.index
        return [
            a
            for a in self.arrangements_by_target.get(i, ())
            if any(counts[index[m]] for m in a.members)
        ]

    def counted_owners(self, rows: np.ndarray) -> dict[int, list[Contribution]]:
        """Per owned entity, the links among holding ``rows`` from owners that count, and
        the stakes joint arrangements bring in (kind ``arrangement``), sorted as verdicts
        list them: largest share first."""
        columns = self.analysis.columns
        h = columns.holdings
        scale = 10**columns.places
        divisor = Decimal(scale)
        counted = self.owner_sets[1][h.owner[rows]]
        arranged = np.zeros(rows.size, dtype=bool)
        if self.arranged_members:
            members = self.arranged_members
            columns_of_rows = (h.owner[rows].tolist(), h.owned[rows].tolist())
            for k, (owner, owned, control) in enumerate(
                zip(*columns_of_rows, h.control[rows].tolist(), strict=True)
            ):
                arranged[k] = not control and owner in members.get(owned, ())
        rows, arranged = rows[counted | arranged], arranged[counted | arranged]
        ids, codes = columns.ids, self.analysis.codes
        found: dict[int, list[Contribution]] = defaultdict(list)
        for k, owner, owned, control, low, high, joint in zip(
            rows.tolist(),
            h.owner[rows].tolist(),
            h.owned[rows].tolist(),
            h.control[rows].tolist(),
            h.low[rows].tolist(),
            h.high[rows].tolist(),
            arranged.tolist(),
            strict=True,
        ):
            status = STATUS_CODES[int(codes[owner])].value
            name = self.analysis.dated_names.at(owner)
            if control:
                link = Contribution(
                    ids[owner], name, "control", Decimal(0), Decimal(0), status, "control"
                )
            else:
                share = h.share_text(k, scale)
                link = Contribution(
                    ids[owner],
                    name,
                    share,
                    Decimal(low) / divisor,
                    Decimal(high) / divisor,
                    status,
                    "arrangement" if joint else "ownership",
                )
            found[owned].append(link)
        for links in found.values():
            links.sort(key=lambda x: (-x.low, STATUS_ORDER[Status(x.owner_status)], x.owner))
        return found

    def legal_share(
        self, i: int, bounds: tuple[np.ndarray, np.ndarray, int] | None = None
    ) -> tuple[Decimal, Decimal]:
        """The share listed or covered owners hold (lower, upper bound).

        ``bounds`` are :meth:`legal_bounds` of every entity, when many verdicts are wanted.
        """
        if bounds is None:
            bounds = self.legal_bounds(np.array([i]))
            slot = 0
        else:
            slot = i
        low, high, scale = bounds
        places = len(str(scale)) - 1  # scale is 10**places: shifting the point is exact
        return (
            Decimal(fmt_decimal(Decimal(int(low[slot])).scaleb(-places))),
            Decimal(fmt_decimal(Decimal(int(high[slot])).scaleb(-places))),
        )

    def legal_bounds(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        """Scaled legal shares (lower, upper) of the entities at ``positions``, and their
        scale: 100% for a listed entity; under a per-owner rule, what one designated person
        holds; otherwise :meth:`legal_sums` over the stakes in them."""
        if positions.size > BOUNDS_AT_ONCE:
            parts = [
                self.legal_bounds(positions[k : k + BOUNDS_AT_ONCE])
                for k in range(0, positions.size, BOUNDS_AT_ONCE)
            ]
            low, high = (np.concatenate([part[k] for part in parts]) for k in (0, 1))
            return low, high, parts[0][2]
        analysis = self.analysis
        c = analysis.compiled
        # int64, or Python ints for shares with more places than int64 holds exactly
        kind = c.low.dtype
        if analysis.rule.aggregation is Aggregation.per_owner and analysis.lower is not None:
            low = np.asarray(analysis.lower.received, dtype=kind)[positions]
            high = np.asarray((analysis.upper or analysis.lower).received, dtype=kind)[positions]
            high = np.maximum(low, high)
        else:
            starts = c.in_ptr[positions]
            counts = c.in_ptr[positions + 1] - starts
            pairs = c.in_edges[concatenated_ranges(starts, counts)]
            slots = np.repeat(np.arange(positions.size), counts)
            sums = self.legal_sums(pairs, slots, positions.size)
            low, high = (np.asarray(x, dtype=kind) for x in sums)
        listed = c.seeds[positions]
        hundred = 100 * c.scale
        return np.where(listed, hundred, low), np.where(listed, hundred, high), c.scale

    def legal_sums(
        self, pairs: np.ndarray, slots: np.ndarray, count: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Scaled legal shares (lower, upper) per slot (``count`` of them) over the stakes
        ``pairs``, pair k being into the entity of slot ``slots[k]``.

        Lower: what owners that count hold at their lower bounds. Upper: what they could
        hold, short of what the other owners certainly hold, and never below the lower.
        """
        c = self.analysis.compiled
        lower, upper = self.owner_sets
        owners = c.src[pairs]
        share = c.has_share[pairs]
        low = sum_into(count, slots, c.low[pairs], share & lower[owners])
        high = sum_into(count, slots, c.high[pairs], share & upper[owners])
        outside = sum_into(count, slots, c.low[pairs], share & ~upper[owners])
        hundred = 100 * c.scale
        return low, np.maximum(low, np.minimum(high, hundred - outside))
