"""What an ownership map page carries: every entity's card, verdicts by date, links, clusters.

The page holds every entity of the scene, shown or folded into a cluster, so a click can
open any of them offline. Statuses and names are given for every date on which one of
them changes (listings, holdings, renames, rule windows), each worked out by the engine
on that date, so the page's date slider shows the engine's verdicts and nothing else.

>>> import ownership
>>> from ownership.render.scene import build_scene
>>> from ownership.render.collapse import collapse
>>> result = ownership.analyze(ownership.load(ownership.bundled_dataset()), as_of="2025-10-01")
>>> scene = build_scene(result, focus=result.resolve("Inspur Group"))
>>> steps = map_steps(scene, collapse(scene).order)
>>> [s.day.isoformat() for s in steps if any(e.startswith("Inspur Group") for e in s.events)]
['2023-03-02']
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..card import name_spans
from ..verdict import STATUS_CODES
from .style import (
    LINK_STYLE,
    MIN_LINK_WIDTH,
    STATUS_STYLE,
    edge_width,
    link_kind,
)

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..model import Entity, Holding, Listing, Source
    from .collapse import Folded
    from .scene import Scene

__all__ = ["EXPLAINED_VERDICTS", "MAX_DAYS", "Step", "map_payload", "map_steps", "page_styles"]

#: Days analysed for the date slider at most: the ones nearest the map's date.
MAX_DAYS = 80
#: Explanations kept for dates other than the map's when entities x dates stays under this.
EXPLAINED_VERDICTS = 30_000
#: One letter per status in a step's status string.
STATUS_LETTERS = {"listed": "L", "covered": "C", "exposed": "E", "clear": "N"}

_LIST_NAMES = {
    "entity_list": "Entity List",
    "meu_list": "MEU List",
    "unverified_list": "Unverified List",
    "sdn": "SDN List",
    "eu": "EU list",
    "uk": "UK list",
}


@dataclass(frozen=True)
class Step:
    """The map on one day: what happened, and every entity's status and name (in order)."""

    day: dt.date
    events: tuple[str, ...]
    statuses: tuple[str, ...]
    names: tuple[str, ...]
    explanations: tuple[str, ...] | None  # None when not kept for this day
    flags: tuple[tuple[str, ...], ...] | None


def map_steps(scene: Scene, order: tuple[str, ...], *, max_days: int = MAX_DAYS) -> list[Step]:
    """The map's date, every day on which a status or a name in it changes, and the days
    the rule's windows open (a window can change no status and still be the story).

    Each day is analysed by the engine on the entities drawn and all their owners (their
    verdicts are the same there as in the whole dataset).
    """
    from ..analysis import analyze
    from ..timeline import events_by_day, subset

    analysis = scene.analysis
    analysed = _with_every_owner(analysis, set(order))
    sub = subset(analysis.dataset, analysed)
    happened = events_by_day(sub, analysis.rule)
    # an owner not drawn (a past one, or one above a listed owner) can change statuses too
    relevant = {
        day: tuple(e.text for e in events if not e.entities or analysed & set(e.entities))
        for day, events in happened.items()
    }
    rule_days = {day for day, events in happened.items() if any(e.kind == "rule" for e in events)}
    days = sorted(day for day, texts in relevant.items() if texts)
    days = sorted(sorted(days, key=lambda d: (abs((d - analysis.as_of).days), d))[:max_days])
    if analysis.as_of not in days:
        days = sorted([*days, analysis.as_of])
    explain_all = len(order) * len(days) <= EXPLAINED_VERDICTS
    steps: list[Step] = []
    for day in days:
        base = day == analysis.as_of
        result = analysis if base else analyze(sub, analysis.rule, day)
        step = _step(result, order, relevant.get(day, ()), explain=base or explain_all)
        if steps and not base and day not in rule_days and _same_map(steps[-1], step):
            continue  # nothing drawn changes on that day
        steps.append(step)
    return steps


def _with_every_owner(analysis: Analysis, drawn: set[str]) -> set[str]:
    """``drawn`` and everything that owns, controls or acts with an owner of it, on any date."""
    above: dict[str, set[str]] = {}
    for hold in analysis.dataset.holdings:
        above.setdefault(hold.owned, set()).add(hold.owner)
    for arrangement in analysis.dataset.arrangements:
        above.setdefault(arrangement.target, set()).update(arrangement.members)
    found = set(drawn)
    todo = list(drawn)
    while todo:
        for owner in above.get(todo.pop(), ()):
            if owner not in found:
                found.add(owner)
                todo.append(owner)
    return found


def _same_map(a: Step, b: Step) -> bool:
    return a.statuses == b.statuses and a.names == b.names


def _step(
    result: Analysis, order: tuple[str, ...], events: tuple[str, ...], *, explain: bool
) -> Step:
    from ..verdict_records import RowMaker

    index = result.compiled.index
    positions = np.array([index[eid] for eid in order], dtype=np.int64)
    names = result.dated_names.every()
    codes = result.codes
    letters = [STATUS_LETTERS[status.value] for status in STATUS_CODES]
    statuses = tuple(letters[code] for code in codes[positions].tolist())
    explanations = flags = None
    if explain:
        maker = RowMaker(result, positions=positions)
        explanations = tuple(maker.explanation(int(i)) for i in positions)
        global_flags = set(result.global_flags)
        flags = tuple(
            tuple(f for f in maker.flags(int(i)) if f not in global_flags) for i in positions
        )
    return Step(
        day=result.as_of,
        events=events,
        statuses=statuses,
        names=tuple(names[i] for i in positions),
        explanations=explanations,
        flags=flags,
    )


# ---------------------------------------------------------------------- the page's data


def map_payload(scene: Scene, folded: Folded, steps: list[Step]) -> dict[str, Any]:
    """The page's data: entities in the tree's order, links, clusters' tree, and steps."""
    analysis = scene.analysis
    order = folded.order
    position = {eid: i for i, eid in enumerate(order)}
    entities = analysis.dataset.entity_index()
    sources = {s.id: s for s in analysis.dataset.sources}
    listings: dict[str, list[Listing]] = {}
    for listing in analysis.dataset.listings:
        if listing.entity in position:
            listings.setdefault(listing.entity, []).append(listing)
    owners: dict[str, list[Holding]] = {}
    for hold in analysis.dataset.holdings:
        if hold.owned in position:
            owners.setdefault(hold.owned, []).append(hold)
    base = next(k for k, s in enumerate(steps) if s.day == analysis.as_of)
    records = [
        _entity_record(
            entities[eid],
            scene,
            listings.get(eid, []),
            owners.get(eid, []),
            entities,
            sources,
            position,
            folded,
        )
        for eid in order
    ]
    links = [_link_record(hold, position, scene, sources) for hold in scene.edges]
    return {
        "entities": records,
        "links": links,
        "shown": [position[eid] for eid in folded.shown],
        "focus": position.get(scene.focus, -1) if scene.focus is not None else -1,
        "base": base,
        "asOf": analysis.as_of.isoformat(),
        "steps": [_step_record(step) for step in steps],
    }


def page_styles() -> dict[str, Any]:
    """Status and link styles the page draws with, by status letter and link kind."""
    return {
        "statuses": {
            STATUS_LETTERS[status]: {
                "status": status,
                "colour": style.colour,
                "border": style.border,
                "borderWidth": style.border_width,
                "shape": style.shape_html,
                "dashed": style.dashed,
            }
            for status, style in STATUS_STYLE.items()
        },
        "links": {
            kind: {"colour": link.colour, "dashes": list(link.dashes)}
            for kind, link in LINK_STYLE.items()
        },
    }


def _step_record(step: Step) -> dict[str, Any]:
    record: dict[str, Any] = {
        "date": step.day.isoformat(),
        "events": list(step.events),
        "status": "".join(step.statuses),
        "names": list(step.names),
    }
    if step.explanations is not None and step.flags is not None:
        record["explain"] = list(step.explanations)
        record["flags"] = [list(f) for f in step.flags]
    return record


def _date(day: dt.date | None) -> str:
    return day.isoformat() if day else "?"


def _date_or_blank(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _span(start: dt.date | None, end: dt.date | None) -> str:
    if start is None and end is None:
        return "dates not given"
    if end is None:
        return f"since {_date(start)}"
    return f"{_date(start)} to {_date(end)}"


def _entity_record(
    entity: Entity,
    scene: Scene,
    listings: list[Listing],
    owners: list[Holding],
    entities: dict[str, Entity],
    sources: dict[str, Source],
    position: dict[str, int],
    folded: Folded,
) -> dict[str, Any]:
    """One entity's card: names over time, identifiers, listings, owners, sources."""
    analysis = scene.analysis
    eid = entity.id
    names = [
        [span.name, _date_or_blank(span.since), _date_or_blank(span.until)]
        for span in name_spans(entity)
    ]
    cited = [*entity.sources]
    for holding in owners:
        cited += holding.sources
    for listing in listings:
        cited += listing.sources
    record: dict[str, Any] = {
        "id": eid,
        "kind": entity.kind.value,
        "country": entity.country or "",
        "level": scene.levels[eid],
        "up": position[folded.parent[eid]] if eid in folded.parent else -1,
        "below": bool(folded.below.get(eid, True)),
        "search": "\n".join(
            dict.fromkeys(n.lower() for n in [scene.names[eid], *entity.all_names(), eid])
        ),
        "names": names,
        "aliases": list(entity.aliases),
        "ids": [[i.scheme, i.value] for i in entity.identifiers],
        "lists": [_listing_record(x, analysis) for x in listings],
        "owners": [
            [
                position.get(h.owner, -1),
                entities[h.owner].name if h.owner in entities else h.owner,
                "control" if h.kind.value == "control" else h.share_text(),
                _span(h.start, h.end),
            ]
            for h in sorted(owners, key=lambda h: (h.start or dt.date.min, h.owner))
        ],
        "sources": [_source_record(s, sources) for s in dict.fromkeys(cited)],
    }
    return record


def _listing_record(listing: Listing, analysis: Analysis) -> dict[str, str]:
    label = _LIST_NAMES.get(listing.list, listing.list)
    if listing.program:
        label += f" [{listing.program}]"
    note = ""
    if not listing.active_on(analysis.as_of):
        note = f"not in force on {analysis.as_of.isoformat()}"
    elif not analysis.rule.reads(listing.list, listing.program):
        note = "not read by this rule"
    return {
        "list": label,
        "span": _span(listing.start, listing.end),
        "citation": listing.citation or "",
        "note": note,
    }


def _source_record(source_id: str, sources: dict[str, Source]) -> list[str]:
    """[text, address]: the address is a link in the page only when it is http(s)."""
    source = sources.get(source_id)
    if source is None:
        return [source_id, source_id if source_id.startswith(("http://", "https://")) else ""]
    bits = [source.title or source.id]
    if source.publisher:
        bits.append(source.publisher)
    if source.date:
        bits.append(source.date.isoformat())
    return [", ".join(bits), source.url or ""]


def _link_record(
    hold: Holding, position: dict[str, int], scene: Scene, sources: dict[str, Source]
) -> dict[str, Any]:
    kind = link_kind(hold)
    return {
        "from": position[hold.owner],
        "to": position[hold.owned],
        "label": "?%" if kind == "unknown" else hold.share_text(),  # as share_label
        "width": MIN_LINK_WIDTH if kind != "ownership" else edge_width(hold),
        "kind": kind,
        "share": "control (no share)" if hold.kind.value == "control" else hold.share_text(),
        "span": _span(hold.start, hold.end),
        "note": hold.note or "",
        "sources": [_source_record(s, sources) for s in hold.sources],
    }
