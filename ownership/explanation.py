"""A verdict's explanation, one entity at a time: the templates of :mod:`ownership.wording`
filled from an analysis.

The writer by columns (:mod:`ownership.explanation_columns`) fills the same templates for the
rows it can; the rows whose explanation names records (stakes in conflict, a closed ring,
a joint arrangement, a listing) are made here.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from .model import Holding, HoldingKind, Listing, fmt_decimal
from .rules.base import Aggregation
from .verdict import Flag, Status
from .wording import (
    BASIS_CONTROL,
    BASIS_HELD,
    BASIS_ONE_PERSON,
    CHAIN,
    CLEAR,
    CLOSED_RING,
    CONFLICTING_STAKES,
    COVERED,
    COVERED_THROUGH_ALL_PATHS,
    DIFFERENT_FIGURES,
    EXPOSED,
    EXPOSED_SHARES,
    JOINT,
    JOINT_ARRANGEMENT,
    LISTED,
    LOOK_THROUGH,
    OWNER,
    OWNERS_THAT_COUNT,
    SOME_LIST_READ,
    UNDECIDED,
    exposed_flag_sentences,
    list_label,
    names_text,
    percent_words,
    read_under,
    single_stops,
)

if TYPE_CHECKING:
    from .analysis import Analysis

__all__ = ["Explainer", "owner_words"]

#: Members of a closed ring its explanation names; it says how many more there are.
RING_NAMED = 10


def owner_words(name: str, share: str, status: str, kind: str) -> str:
    """One counted owner as explanations list them."""
    return OWNER.fill(
        name=name, share=share, status=status, joint=JOINT if kind == "arrangement" else ""
    )


class Explainer:
    """Explanations of an analysis's verdicts, with what they share worked out once."""

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis

    def explain(
        self,
        *,
        position: int,
        name: str,
        status: Status,
        flags: tuple[str, ...] | list[str],
        chain_names: tuple[str, ...] | list[str],
        owners: list[tuple[str, str, str, str]],
        listings: tuple[Listing, ...] | list[Listing],
        legal_low: Decimal,
        legal_high: Decimal,
        effective: float,
        nearest_listed: str | None,
    ) -> str:
        """The one-paragraph explanation of a verdict, from its facts.

        ``owners`` holds (name, share as written, owner status, kind) per counted owner.
        """
        a = self.analysis
        rule_when, threshold = a.rule_when, a.threshold_text
        chain = " -> ".join(chain_names)
        owner_text = ", ".join(owner_words(*o) for o in owners)
        look_through = percent_words(effective, a.threshold)
        aggregation = a.rule.aggregation
        parts: list[str] = []
        if status is Status.listed:
            lists = "; ".join(list_label(x) + read_under(a.rule, x) for x in listings)
            parts.append(LISTED.fill(name=name, lists=lists or SOME_LIST_READ, rule_when=rule_when))
        elif status is Status.covered and aggregation is Aggregation.look_through:
            parts.append(
                COVERED_THROUGH_ALL_PATHS.fill(
                    name=name, rule_when=rule_when, effective=look_through, threshold=threshold
                )
            )
        elif status is Status.covered:
            held = percent_words(legal_low)
            meets = a.threshold is not None and a.threshold.met_by(legal_low)
            if any(o[3] == "control" for o in owners) and not meets:
                basis = BASIS_CONTROL.fill()
            else:
                basis = BASIS_HELD.fill(held=held, threshold=threshold)
            person = self._designated_person(position)
            if person is not None:
                person_name = a.dated_names.at(person)
                basis = BASIS_ONE_PERSON.fill(person=person_name, held=held, threshold=threshold)
            parts.append(
                COVERED.fill(name=name, rule_when=rule_when, basis=basis, owners=owner_text)
            )
            if chain:
                parts.append(CHAIN.fill(chain=chain))
            parts.append(LOOK_THROUGH.fill(effective=look_through))
        elif status is Status.exposed:
            nearest = a.dated_names.get(nearest_listed or "", nearest_listed)
            parts.append(
                EXPOSED.fill(
                    name=name, rule_when=rule_when, chain=chain, nearest=str(nearest).rstrip(".")
                )
            )
            if aggregation in (Aggregation.all, Aggregation.per_owner):
                parts.append(
                    EXPOSED_SHARES.fill(
                        held=percent_words(legal_low), threshold=threshold, effective=look_through
                    )
                )
            else:
                parts.append(LOOK_THROUGH.fill(effective=look_through))
            if owner_text:
                parts.append(OWNERS_THAT_COUNT.fill(owners=owner_text))
            if a.undecided[position]:
                parts.append(UNDECIDED.fill(threshold=threshold))
                flags = [f for f in flags if f != Flag.possibly_covered.value]
            parts += exposed_flag_sentences(flags, percent_words(legal_high), a.rule)
        else:
            parts.append(CLEAR.fill(name=name, rule_when=rule_when))
        if status is not Status.listed:
            parts.extend(self.arrangement_sentences(position))
        parts.extend(self.data_sentences(position, flags))
        parts.extend(a.window_sentences(flags))
        return single_stops(" ".join(parts))

    def _designated_person(self, position: int) -> int | None:
        """Under a per-owner rule, the one person whose holding covers the entity."""
        lower = self.analysis.lower
        if self.analysis.rule.aggregation is not Aggregation.per_owner:
            return None
        if lower is None or lower.owner_of is None:
            return None
        return int(lower.owner_of[position])

    def arrangement_sentences(self, i: int) -> list[str]:
        """How each counted joint arrangement over ``i`` brings its members' shares in."""
        a = self.analysis
        if i not in a.legal.arrangements_by_target:
            return []
        counts = a.legal.owner_sets[1]
        index = a.compiled.index
        name_at = a.dated_names.at
        sentences = []
        for arrangement in a.legal.arrangements_counted(i):
            members = [name_at(index[m]) for m in arrangement.members]
            counted = [name_at(index[m]) for m in arrangement.members if counts[index[m]]]
            sentences.append(
                JOINT_ARRANGEMENT.fill(
                    members=names_text(members),
                    name=name_at(i),
                    counted=names_text(counted),
                    are="is" if len(counted) == 1 else "are",
                )
            )
        return sentences

    def data_sentences(self, i: int, flags: tuple[str, ...] | list[str]) -> list[str]:
        """What the data says about entity ``i`` that cannot all be true, or that leaves it
        with no ultimate owner: stakes in conflict, alternative figures, a closed ring."""
        a = self.analysis
        c = a.compiled
        day = a.as_of.isoformat()
        conflicted = Flag.conflicting_stakes.value in flags
        sentences = []
        pairs = c.in_pairs(i)
        alternative = pairs[c.alternative[pairs]] if c.alternative.size else pairs[:0]
        records: list[Holding] = []
        if conflicted or alternative.size:
            into = a.holdings_into(c.ids[i])
            records = [h for h in into if h.kind is HoldingKind.ownership]
        if conflicted:
            from .stakes import stakes_on

            stakes = stakes_on(records, a.as_of, settle=False).values()
            total = sum((x.low for x in stakes), Decimal(0))
            sentences.append(
                CONFLICTING_STAKES.fill(
                    date=day,
                    records=self.records_text(records),
                    total=fmt_decimal(total),
                    or_more=" or more" if total == 100 else "",
                )
            )
        else:
            for k in alternative.tolist():
                owner = c.ids[int(c.src[k])]
                sentences.append(
                    DIFFERENT_FIGURES.fill(
                        owner=a.dated_names.at(int(c.src[k])),
                        records=self.records_text([h for h in records if h.owner == owner]),
                        low=fmt_decimal(c.unscale(c.low[k])),
                        high=fmt_decimal(c.unscale(c.high[k])),
                    )
                )
        if Flag.closed_ring.value in flags:
            members, size = self.ring_of(i, RING_NAMED)
            ring = ", ".join(a.dated_names.at(k) for k in members)
            if size > RING_NAMED:
                ring += f" and {size - RING_NAMED:,} more"
            sentences.append(CLOSED_RING.fill(ring=ring))
        return sentences

    def records_text(self, records: Sequence[Holding]) -> str:
        """Holdings as a verdict names them: owner, share as written, sources."""
        names = self.analysis.dated_names
        return ", ".join(
            f"{names[h.owner]} {h.share_text()}"
            + (f" ({', '.join(h.sources)})" if h.sources else "")
            for h in records
        )

    @cached_property
    def closed_rings(self) -> tuple[np.ndarray, dict[int, np.ndarray]]:
        """Per entity, the closed ring it is on (-1 for none), and each ring's members in
        dataset order; worked out once for every verdict that names its ring."""
        from .propagate.arrays import strong_components

        c = self.analysis.compiled
        label = np.full(c.n, -1, dtype=np.int64)
        links = c.has_share & (c.low > 0) & c.closed_ring[c.src] & c.closed_ring[c.dst]
        if not links.any():
            return label, {}
        _, found = strong_components(c.n, c.src[links], c.dst[links])
        label[c.closed_ring] = found[c.closed_ring]
        members = np.flatnonzero(label >= 0)
        rings = {int(k): members[label[members] == k] for k in np.unique(label[members])}
        return label, rings

    def ring_of(self, i: int, first: int) -> tuple[list[int], int]:
        """The first members of the closed ring entity ``i`` is on, in dataset order, and
        how many it has: only the first are listed, so a large ring costs each verdict little.
        """
        label, rings = self.closed_rings
        if label[i] < 0:
            return [i], 1
        members = rings[int(label[i])]
        return members[:first].tolist(), len(members)
