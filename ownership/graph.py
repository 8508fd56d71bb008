"""The ownership graph: a networkx multigraph with edges owner -> owned.

Several holdings may join the same pair (different dates, ownership beside control), so
the graph is a :class:`networkx.MultiDiGraph` whose edge data holds the
:class:`~ownership.model.Holding` itself.

>>> from ownership.model import Dataset, Entity, Holding
>>> ds = Dataset(
...     entities=[Entity(id="p", name="Parent"), Entity(id="s", name="Sub"),
...               Entity(id="g", name="Grandchild")],
...     holdings=[Holding(owner="p", owned="s", percent=60),
...               Holding(owner="s", owned="g", percent=100)],
... )
>>> g = OwnershipGraph(ds)
>>> [(r.entity, r.depth, r.path) for r in g.descendants("p")]
[('s', 1, ('p', 's')), ('g', 2, ('p', 's', 'g'))]
>>> g.ultimate_parents("g")
['p']
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from .model import Arrangement, Dataset, Entity, Holding, Listing

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["OwnershipGraph", "Reach", "name_on"]


@dataclass(frozen=True)
class Reach:
    """An entity reached from another: its depth (fewest links) and one shortest path."""

    entity: str
    depth: int
    path: tuple[str, ...]


def name_on(entity: Entity, day: dt.date) -> str:
    """The name ``entity`` used on ``day``: the earliest former name still in use, or its name."""
    in_use = [f for f in entity.former_names if f.until is not None and f.until >= day]
    if not in_use:
        return entity.name
    return min(in_use, key=lambda f: f.until or day).name


class OwnershipGraph:
    """Entities as nodes, holdings as edges owner -> owned; listings kept per entity."""

    def __init__(self, dataset: Dataset, *, as_of: dt.date | None = None) -> None:
        self.dataset = dataset
        self.as_of_date = as_of
        import networkx as nx  # imported here: most commands never build this graph

        self.entities: dict[str, Entity] = dataset.entity_index()
        self.graph = nx.MultiDiGraph()
        self.graph.add_nodes_from(self.entities)
        for index, hold in enumerate(dataset.holdings):
            self.graph.add_edge(hold.owner, hold.owned, key=index, holding=hold)
        self._listings: dict[str, list[Listing]] = {}
        for listing in dataset.listings:
            self._listings.setdefault(listing.entity, []).append(listing)

    def __repr__(self) -> str:
        when = f", as of {self.as_of_date.isoformat()}" if self.as_of_date else ""
        return (
            f"<OwnershipGraph {self.graph.number_of_nodes()} entities, "
            f"{self.graph.number_of_edges()} holdings{when}>"
        )

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self.entities

    def __len__(self) -> int:
        return len(self.entities)

    # ------------------------------------------------------------------ direct facts
    def entity(self, entity_id: str) -> Entity:
        return self.entities[entity_id]

    def listings(self, entity_id: str) -> list[Listing]:
        return list(self._listings.get(entity_id, ()))

    @property
    def arrangements(self) -> list[Arrangement]:
        return list(self.dataset.arrangements)

    def owners(self, entity_id: str) -> list[Holding]:
        """Holdings in ``entity_id`` (its direct owners and controllers)."""
        return [d["holding"] for _, _, d in self.graph.in_edges(entity_id, data=True)]

    def holdings(self, entity_id: str) -> list[Holding]:
        """Holdings ``entity_id`` has in others (its direct subsidiaries and ventures)."""
        return [d["holding"] for _, _, d in self.graph.out_edges(entity_id, data=True)]

    # ------------------------------------------------------------------ traversal
    def descendants(self, entity_id: str, *, max_depth: int | None = None) -> list[Reach]:
        """Entities owned or controlled by ``entity_id``, directly or through others."""
        return list(self._bfs(entity_id, forward=True, max_depth=max_depth))

    def ancestors(self, entity_id: str, *, max_depth: int | None = None) -> list[Reach]:
        """Entities that own or control ``entity_id``, directly or through others."""
        return list(self._bfs(entity_id, forward=False, max_depth=max_depth))

    def _bfs(self, start: str, *, forward: bool, max_depth: int | None) -> Iterator[Reach]:
        if start not in self.entities:
            raise KeyError(start)
        step = self.graph.successors if forward else self.graph.predecessors
        parent: dict[str, str | None] = {start: None}
        queue: deque[tuple[str, int]] = deque([(start, 0)])
        while queue:
            node, depth = queue.popleft()
            if max_depth is not None and depth >= max_depth:
                continue
            for nxt in sorted(set(step(node))):
                if nxt in parent:
                    continue
                parent[nxt] = node
                path = [nxt]
                back: str | None = node
                while back is not None:
                    path.append(back)
                    back = parent[back]
                hops = tuple(reversed(path)) if forward else tuple(path)
                yield Reach(nxt, depth + 1, hops)
                queue.append((nxt, depth + 1))

    def paths(self, source: str, target: str, *, cutoff: int | None = None) -> list[list[str]]:
        """Every simple ownership path from ``source`` down to ``target``."""
        import networkx as nx

        return [list(p) for p in nx.all_simple_paths(self.graph, source, target, cutoff=cutoff)]

    def ultimate_parents(self, entity_id: str) -> list[str]:
        """Topmost owners above ``entity_id``: those nobody owns (or the top ring of a cycle).

        An entity nobody owns is its own ultimate parent.
        """
        above = {r.entity for r in self.ancestors(entity_id)}
        if not above:
            return [entity_id]
        import networkx as nx

        sub = self.graph.subgraph(above | {entity_id})
        condensed = nx.condensation(sub)
        tops = [n for n in condensed if condensed.in_degree(n) == 0]
        members = condensed.graph["mapping"]
        result = sorted(
            node for node, comp in members.items() if comp in tops and node != entity_id
        )
        return result or [entity_id]

    def group(self, entity_id: str) -> set[str]:
        """All entities connected to ``entity_id`` through holdings in either direction."""
        import networkx as nx

        return set(nx.node_connected_component(self._undirected, entity_id))

    @cached_property
    def _undirected(self) -> nx.Graph:
        import networkx as nx

        return nx.Graph(self.graph.to_undirected(as_view=True))

    # ------------------------------------------------------------------ time
    def as_of(self, day: dt.date) -> OwnershipGraph:
        """A snapshot: holdings, listings, arrangements and names valid on ``day``."""
        entities = []
        for ent in self.dataset.entities:
            current = name_on(ent, day)
            if current == ent.name and not ent.former_names:
                entities.append(ent)
                continue
            stopped = [f for f in ent.former_names if f.until is not None and f.until < day]
            entities.append(ent.model_copy(update={"name": current, "former_names": stopped}))
        snapshot = Dataset.of(
            entities=entities,
            holdings=[h for h in self.dataset.holdings if h.active_on(day)],
            listings=[x for x in self.dataset.listings if x.active_on(day)],
            arrangements=[a for a in self.dataset.arrangements if a.active_on(day)],
            sources=list(self.dataset.sources),
        )
        return OwnershipGraph(snapshot, as_of=day)
