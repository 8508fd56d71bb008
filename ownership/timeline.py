"""When did an entity's status change, and why: listings, holdings, renames, rule windows.

The candidate dates are every day on which some fact starts or stops holding (a listing,
a holding, a name, an address) or the rule changes (a window, a dated threshold). The
group is analysed on each of those days and the changes are reported with what happened.

>>> import ownership
>>> ds = ownership.load(ownership.bundled_dataset())
>>> [(e.day.isoformat(), e.status) for e in timeline(ds, "aivres-systems", "bis-affiliates")][:3]
[('2015-09-23', 'clear'), ('2023-03-02', 'exposed'), ('2023-05-02', 'exposed')]
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .analysis import analyze
from .derived import derived
from .display import Tabular
from .graph import OwnershipGraph
from .model import Dataset, Entity, HoldingKind
from .rules import get_rule
from .rules.base import Rule

__all__ = [
    "Event",
    "Timeline",
    "TimelineEntry",
    "events_by_day",
    "renames",
    "subset",
    "timeline",
]

ONE_DAY = dt.timedelta(days=1)
#: Flags that belong to the date, not the entity; shown once per date, not as changes.
DATE_FLAGS = {"rule_not_in_force", "unverified_window"}


@dataclass(frozen=True)
class Event:
    day: dt.date
    kind: str  # listed, delisted, holding, holding ended, renamed, moved, rule
    text: str
    entities: tuple[str, ...]


@dataclass(frozen=True)
class TimelineEntry:
    """The status of one entity from ``day`` on, and the events of that day."""

    day: dt.date
    entity_id: str
    name: str
    status_before: str | None
    status: str
    flags: tuple[str, ...]
    events: tuple[Event, ...]
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "id": self.entity_id,
            "name": self.name,
            "status_before": self.status_before,
            "status": self.status,
            "flags": list(self.flags),
            "events": [e.text for e in self.events],
            "explanation": self.explanation,
        }


class Timeline(list[TimelineEntry], Tabular):
    """The entries of a timeline; a list, shown as a table in Jupyter."""

    _table_columns = ("date", "name", "status_before", "status", "flags", "events")

    def to_records(self) -> list[dict[str, Any]]:
        return [e.to_dict() for e in self]


def events_by_day(dataset: Dataset, rule: Rule) -> dict[dt.date, list[Event]]:
    """Every day on which a fact starts or stops holding, or the rule changes."""
    names = {e.id: e.name for e in dataset.entities}
    found: dict[dt.date, list[Event]] = defaultdict(list)

    def add(day: dt.date | None, kind: str, text: str, *ids: str) -> None:
        if day is not None:
            found[day].append(Event(day, kind, text, ids))

    for x in dataset.listings:
        cite = f" ({x.citation})" if x.citation else ""
        add(x.start, "listed", f"{names[x.entity]} added to {x.list}{cite}", x.entity)
        if x.end:
            add(x.end + ONE_DAY, "delisted", f"{names[x.entity]} removed from {x.list}", x.entity)
    for h in dataset.holdings:
        share = h.share_text()
        verb = "controls" if h.kind is HoldingKind.control else f"holds {share} of"
        add(h.start, "holding", f"{names[h.owner]} {verb} {names[h.owned]}", h.owner, h.owned)
        if h.end:
            add(
                h.end + ONE_DAY,
                "holding ended",
                f"{names[h.owner]} no longer {verb} {names[h.owned]}",
                h.owner,
                h.owned,
            )
    for e in dataset.entities:
        for day, text in renames(e):
            add(day, "renamed", text, e.id)
        for a in e.addresses:
            add(a.start, "moved", f"{e.name} at {a.address}", e.id)
    for w in rule.windows:
        if w.start:
            note = " (unverified)" if not w.verified else ""
            cite = f", {w.citation}" if w.citation else ""
            add(w.start, "rule", f"{rule.title}: {w.label}{cite}{note}")
    for t in rule.thresholds:
        if t.start:
            add(t.start, "rule", f"{rule.title}: threshold becomes {t}")
    return found


def renames(entity: Entity) -> list[tuple[dt.date, str]]:
    """The entity's renames of known date: the first day of each new name, and what it
    replaced (``"Inspur Systems, Inc. renamed Aivres Systems Inc."``)."""
    ordered = sorted(
        (f for f in entity.former_names if f.until), key=lambda f: f.until or dt.date.min
    )
    found = []
    for k, former in enumerate(ordered):
        assert former.until is not None
        new = ordered[k + 1].name if k + 1 < len(ordered) else entity.name
        found.append((former.until + ONE_DAY, f"{former.name} renamed {new}"))
    return found


def subset(dataset: Dataset, members: set[str]) -> Dataset:
    """The records of ``members`` only: their verdicts are the same in it when it holds
    every owner of each member (a group, or a set closed under owners)."""
    sub = Dataset.of(
        entities=[e for e in dataset.entities if e.id in members],
        holdings=[h for h in dataset.holdings if h.owner in members and h.owned in members],
        listings=[x for x in dataset.listings if x.entity in members],
        arrangements=[a for a in dataset.arrangements if a.target in members],
        sources=list(dataset.sources),
    )
    derived(sub).checked = True  # a subset of a checked dataset
    return sub


def timeline(
    dataset: Dataset,
    entity_id: str,
    rule: str | Rule = "bis-affiliates",
    *,
    group: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Timeline:
    """Status changes of ``entity_id`` (or of every entity of its group) under ``rule``.

    The first entry gives the status on the first day anything is known; each later entry
    is a day on which the status or flags changed, or the entity was renamed.
    """
    chosen = get_rule(rule)
    sub = subset(dataset, OwnershipGraph(dataset).group(entity_id))
    events = events_by_day(sub, chosen)
    days = sorted(events)
    tracked = sorted(e.id for e in sub.entities) if group else [entity_id]
    entries = Timeline()
    previous: dict[str, tuple[str, tuple[str, ...], str]] = {}
    for number, day in enumerate(days):
        if progress:
            progress(number, len(days))
        result = analyze(sub, chosen, day)
        for eid in tracked:
            verdict = result.verdict(eid)
            local = tuple(f for f in verdict.flags if f not in DATE_FLAGS)
            state = (verdict.status.value, local, verdict.name)
            date_flags = tuple(f for f in verdict.flags if f in DATE_FLAGS)
            before = previous.get(eid)
            renamed = any(e.kind == "renamed" and eid in e.entities for e in events[day])
            # for one entity, rule windows and listings in its group are part of its story
            story = not group and any(e.kind in ("rule", "listed", "delisted") for e in events[day])
            if before is not None and before == state and not renamed and not story:
                continue
            previous[eid] = state
            entries.append(
                TimelineEntry(
                    day=day,
                    entity_id=eid,
                    name=verdict.name,
                    status_before=before[0] if before else None,
                    status=verdict.status.value,
                    flags=local + date_flags,
                    events=tuple(events[day]),
                    explanation=verdict.explanation,
                )
            )
    if progress:
        progress(len(days), len(days))
    return entries
