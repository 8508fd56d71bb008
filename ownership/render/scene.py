"""What a map or a figure shows: which entities, which links, and on which level.

Both renderers draw the same scene, so the interactive map and the static figure of one
group agree: same entities, same links, same levels (owners above what they own).

>>> from ownership import analyze
>>> from ownership.model import Dataset, Entity, Holding, Listing
>>> ds = Dataset(
...     entities=[Entity(id=i, name=i.upper()) for i in ("x", "a", "b", "z")],
...     holdings=[Holding(owner="x", owned="a", percent=50),
...               Holding(owner="a", owned="b", percent=50)],
...     listings=[Listing(entity="x", list="sdn")],
... )
>>> scene = build_scene(analyze(ds, rule="ofac-50", as_of="2024-01-01"), focus="b")
>>> scene.nodes, [scene.levels[n] for n in scene.nodes]
(('x', 'a', 'b'), [0, 1, 2])
>>> build_scene(scene.analysis, focus="b", depth=1).nodes
('a', 'b')
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx

from ..errors import EntityNotFound, OwnershipError
from ..graph import name_on

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..model import Holding

__all__ = ["Scene", "build_scene"]


@dataclass(frozen=True)
class Scene:
    """The entities and active holdings to draw, with names and statuses on the date."""

    analysis: Analysis
    focus: str | None
    depth: int | None
    nodes: tuple[str, ...]  # ids, by level then name
    edges: tuple[Holding, ...]  # holdings active on the date between drawn entities
    levels: dict[str, int]  # 0 at the top: owners are above every entity they own
    names: dict[str, str]  # as used on the analysis date
    statuses: dict[str, str]
    #: what was drawn when chosen as affiliates are: "Subsidiaries (up to 2 links, >= 25%)"
    selection: str = ""

    def heading(self, title: str | None = None) -> str:
        """A first line naming what is drawn: the given title, or the focus's group."""
        if title:
            return title
        if self.focus is None:
            return "Ownership map of the whole dataset"
        name = self.names[self.focus]
        if self.selection:
            return f"{self.selection} of {name}"
        if self.depth is None:
            return f"Owners and holdings of {name}"
        links = "link" if self.depth == 1 else "links"
        return f"Ownership within {self.depth} {links} of {name}"

    def status_counts(self) -> dict[str, int]:
        counts = {s: 0 for s in ("listed", "covered", "exposed", "clear")}
        for status in self.statuses.values():
            counts[status] += 1
        return counts


def build_scene(
    analysis: Analysis,
    *,
    focus: str | None = None,
    depth: int | None = None,
    scope: str | None = None,
    max_depth: int | None = None,
    min_percent: float | None = None,
) -> Scene:
    """Select ``focus``, its owners up to the listed ones, what it owns and that's other
    owners (or ``depth`` links around it either way), or every entity;
    or, given ``scope``, ``max_depth`` or ``min_percent``, what ``affiliates`` reports of
    ``focus`` with them (scope ``group`` unless given), and ``focus`` itself.

    Links are the holdings active on the analysis date, so a sold stake does not join
    two groups that are separate on that date.
    """
    day = analysis.as_of
    entities = analysis.dataset.entity_index()
    if depth is not None and (focus is None or depth < 0):
        raise OwnershipError(
            f"depth {depth} needs a focus entity and a count of links (0 or more); "
            "give a focus or drop the depth"
        )
    if focus is not None and focus not in entities:
        raise EntityNotFound(focus)
    as_affiliates = scope is not None or max_depth is not None or min_percent is not None
    if as_affiliates and (focus is None or depth is not None):
        raise OwnershipError(
            "--scope, --max-depth and --min-percent draw what `affiliates NAME` reports: "
            "they need a NAME, and replace --depth (give one or the other)"
        )
    active = [h for h in analysis.dataset.holdings if h.active_on(day)]
    owners: dict[str, list[str]] = defaultdict(list)
    owned: dict[str, list[str]] = defaultdict(list)
    for h in active:
        owners[h.owned].append(h.owner)
        owned[h.owner].append(h.owned)
    if focus is None:
        chosen = set(entities)
    elif as_affiliates:
        from ..affiliates import affiliates

        report = affiliates(
            analysis, focus, scope=scope or "group", max_depth=max_depth, min_percent=min_percent
        )
        chosen = {focus, *report.ids()}
    elif depth is None:
        chosen = _owners_and_holdings(owners, owned, focus, analysis)
    else:
        chosen = _within(owners, owned, focus, depth)
    edges = tuple(h for h in active if h.owner in chosen and h.owned in chosen)
    names = {eid: name_on(entities[eid], day) for eid in chosen}
    levels = _levels(chosen, {(h.owner, h.owned) for h in edges if h.owner != h.owned})
    nodes = tuple(sorted(chosen, key=lambda eid: (levels[eid], names[eid].casefold(), eid)))
    statuses = {eid: analysis.status(eid).value for eid in nodes}
    selection = _selection(scope, max_depth, min_percent) if as_affiliates else ""
    return Scene(analysis, focus, depth, nodes, edges, levels, names, statuses, selection)


def _owners_and_holdings(
    owners: dict[str, list[str]], owned: dict[str, list[str]], focus: str, analysis: Analysis
) -> set[str]:
    """The focus, its owners up to (and with) the listed ones, everything it owns, and the
    other owners of what it owns (so a joint venture's shares add up on the map)."""
    chosen = {focus}
    climb = [focus]
    while climb:
        node = climb.pop()
        if node != focus and analysis.status(node).value == "listed":
            continue
        for owner in owners[node]:
            if owner not in chosen:
                chosen.add(owner)
                climb.append(owner)
    held: set[str] = set()
    todo = [focus]
    while todo:
        for child in owned[todo.pop()]:
            if child not in held:
                held.add(child)
                todo.append(child)
    chosen |= held
    for node in held:
        chosen.update(owners[node])
    return chosen


def _within(
    owners: dict[str, list[str]], owned: dict[str, list[str]], focus: str, depth: int
) -> set[str]:
    """Entities at most ``depth`` links from ``focus``, either way."""
    reached = {focus}
    ring = [focus]
    for _ in range(depth):
        ring = [n for node in ring for n in (*owners[node], *owned[node]) if n not in reached]
        reached.update(ring)
    return reached


def _selection(scope: str | None, max_depth: int | None, min_percent: float | None) -> str:
    limits = []
    if max_depth is not None:
        limits.append(f"up to {max_depth} link{'' if max_depth == 1 else 's'}")
    if min_percent is not None:
        limits.append(f">= {min_percent:g}% look-through")
    kind = {"subsidiaries": "Subsidiaries", "parents": "Parents"}.get(scope or "", "Group")
    return kind + (f" ({', '.join(limits)})" if limits else "")


def _levels(nodes: set[str], links: set[tuple[str, str]]) -> dict[str, int]:
    """Longest owner chain above each entity, so everything sits below all its owners.

    A top owner then moves down to just above its highest holding, so an outside partner
    in a deep joint venture sits beside it rather than at the top with a long link across
    the group. A cross-holding ring shares one level (its members are collapsed first).
    """
    below: dict[str, list[str]] = {node: [] for node in nodes}
    above = dict.fromkeys(nodes, 0)
    for owner, owned in links:
        below[owner].append(owned)
        above[owned] += 1
    waiting = dict(above)
    ready = [node for node in nodes if not waiting[node]]
    level = dict.fromkeys(ready, 0)
    done = 0
    while ready:  # longest chains in topological order (Kahn)
        node = ready.pop()
        done += 1
        for child in below[node]:
            level[child] = max(level.get(child, 0), level[node] + 1)
            waiting[child] -= 1
            if not waiting[child]:
                ready.append(child)
    if done < len(nodes):  # a cross-holding ring: collapse rings first
        return _levels_with_rings(nodes, links)
    for node in nodes:
        if not above[node] and below[node]:
            level[node] = min(level[c] for c in below[node]) - 1
    return level


def _levels_with_rings(nodes: set[str], links: set[tuple[str, str]]) -> dict[str, int]:
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from(links)
    condensed = nx.condensation(graph)
    level: dict[int, int] = {}
    for comp in nx.topological_sort(condensed):
        ups = [level[p] + 1 for p in condensed.predecessors(comp)]
        level[comp] = max(ups, default=0)
    for comp in condensed:
        downs = [level[c] for c in condensed.successors(comp)]
        if condensed.in_degree(comp) == 0 and downs:
            level[comp] = min(downs) - 1
    members = condensed.graph["mapping"]
    return {node: level[comp] for node, comp in members.items()}
