"""Which entities of a large scene stay in view, and which fold into counted clusters.

Every entity of a scene hangs from a spanning tree grown breadth-first from the focus
(owned entities before owners, then by level and name). What is shown is always a
subtree from the root: the focus, then the path to every listed owner of the focus,
then the paths to listed and exposed entities nearest first, then the nearest of the
rest, while the shown entities and the clusters under them fit the budget. The hidden
children of a shown entity fold into one cluster below it (those it owns) and one above
it (its owners that it reached), labelled with their size and statuses.

>>> from ownership import analyze
>>> from ownership.model import Dataset, Entity, Holding, Listing
>>> from ownership.render.scene import build_scene
>>> ds = Dataset(
...     entities=[Entity(id=f"e{i}", name=f"E{i}") for i in range(6)],
...     holdings=[Holding(owner="e0", owned=f"e{i}", percent=40) for i in range(1, 6)],
...     listings=[Listing(entity="e0", list="sdn")],
... )
>>> scene = build_scene(analyze(ds, rule="ofac-50", as_of="2024-01-01"), focus="e0")
>>> folded = collapse(scene, budget=4)
>>> folded.shown, [c.label(scene.statuses) for c in folded.clusters]
(('e0', 'e1', 'e2'), ['3 entities: 3 exposed'])
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .style import MAP_BUDGET, SEVERITY

if TYPE_CHECKING:
    from .scene import Scene

__all__ = ["Cluster", "Folded", "collapse", "spanning_tree"]

#: Statuses a cluster label counts (the others are "clear").
COUNTED = ("listed", "covered", "exposed")


@dataclass(frozen=True)
class Cluster:
    """Hidden entities hanging from ``anchor``: owned by it (``below``) or owning it."""

    anchor: str
    below: bool
    members: tuple[str, ...]  # in the tree's breadth-first order

    @property
    def id(self) -> str:
        return f"{'below' if self.below else 'above'}:{self.anchor}"

    def counts(self, statuses: dict[str, str]) -> dict[str, int]:
        counts = dict.fromkeys(COUNTED, 0)
        for member in self.members:
            status = statuses[member]
            if status in counts:
                counts[status] += 1
        return counts

    def worst(self, statuses: dict[str, str]) -> str:
        return max((statuses[m] for m in self.members), key=SEVERITY.__getitem__)

    def label(self, statuses: dict[str, str]) -> str:
        """ "412 entities: 3 covered, 120 exposed" (statuses with none are left out)."""
        size = len(self.members)
        counted = [f"{n} {s}" for s, n in self.counts(statuses).items() if n]
        head = f"{size} entit{'y' if size == 1 else 'ies'}"
        return head + (": " + ", ".join(counted) if counted else ": all clear")


@dataclass(frozen=True)
class Folded:
    """A scene's spanning tree and what of it is shown."""

    order: tuple[str, ...]  # every entity, breadth-first from the root(s)
    parent: dict[str, str]  # tree parent of every entity but the roots
    below: dict[str, bool]  # reached from its parent as owned (True) or as owner
    depth: dict[str, int]
    shown: tuple[str, ...]  # in the scene's order
    clusters: tuple[Cluster, ...]
    pinned: int  # entities shown whatever the budget: the focus and its listed owners' paths

    @property
    def folded(self) -> bool:
        return bool(self.clusters)


def spanning_tree(scene: Scene) -> tuple[list[str], dict[str, str], dict[str, bool]]:
    """Breadth-first order, parents and directions over the scene's links (either way).

    The focus comes first with all its owners, reached by climbing only (so the path to
    a listed owner is a chain of owners); then, for entities the focus does not reach,
    the first entity of each other part of the scene, in the scene's order.
    """
    rank = {eid: i for i, eid in enumerate(scene.nodes)}
    owned: dict[str, set[str]] = {eid: set() for eid in scene.nodes}
    owners: dict[str, set[str]] = {eid: set() for eid in scene.nodes}
    for hold in scene.edges:
        if hold.owner != hold.owned:
            owned[hold.owner].add(hold.owned)
            owners[hold.owned].add(hold.owner)
    order: list[str] = []
    parent: dict[str, str] = {}
    below: dict[str, bool] = {}
    seen: set[str] = set()
    start: list[str] = []
    if scene.focus is not None:
        # the focus's owners first, by climbing only, so the path to each is all owners
        start = [scene.focus]
        seen.add(scene.focus)
        for node in start:
            for owner in sorted(owners[node], key=rank.__getitem__):
                if owner not in seen:
                    seen.add(owner)
                    parent[owner] = node
                    below[owner] = False
                    start.append(owner)
    for root in [start, *([n] for n in scene.nodes)]:
        if not root or (root is not start and root[0] in seen):
            continue
        seen.update(root)
        queue = deque(root)
        while queue:
            node = queue.popleft()
            order.append(node)
            for nexts, down in ((owned[node], True), (owners[node], False)):
                for nxt in sorted(nexts, key=rank.__getitem__):
                    if nxt not in seen:
                        seen.add(nxt)
                        parent[nxt] = node
                        below[nxt] = down
                        queue.append(nxt)
    return order, parent, below


def collapse(scene: Scene, budget: int = MAP_BUDGET) -> Folded:
    """Choose what of ``scene`` to show within ``budget`` entities and clusters."""
    order, parent, below = spanning_tree(scene)
    depth: dict[str, int] = {}
    for node in order:
        depth[node] = depth[parent[node]] + 1 if node in parent else 0
    children: dict[str, list[str]] = {node: [] for node in order}
    for node in order:
        if node in parent:
            children[parent[node]].append(node)
    # per entity, how many tree children it reached as owned (True) and as owners
    below_count = {
        (node, down): sum(1 for c in children[node] if below[c] is down)
        for node in order
        for down in (True, False)
    }
    shown: set[str] = set()
    hidden_children: dict[tuple[str, bool], int] = {}
    cost = 0  # shown entities plus clusters

    def path_to(node: str) -> list[str]:
        path = []
        while node not in shown:
            path.append(node)
            if node not in parent:
                break
            node = parent[node]
        return path[::-1]

    def added_cost(path: list[str]) -> int:
        opened: dict[tuple[str, bool], int] = {}
        delta = len(path)
        for node in path:
            if node in parent:
                key = (parent[node], below[node])
                left = opened.get(key, hidden_children.get(key, 0)) - 1
                opened[key] = left
                if left == 0:
                    delta -= 1
            for down in (True, False):
                count = below_count[(node, down)]
                opened[(node, down)] = count
                delta += count > 0
        return delta

    def show(path: list[str]) -> None:
        nonlocal cost
        cost += added_cost(path)
        for node in path:
            shown.add(node)
            if node in parent:
                hidden_children[(parent[node], below[node])] -= 1
            for down in (True, False):
                hidden_children[(node, down)] = below_count[(node, down)]

    roots = [node for node in order if node not in parent]
    for root in roots:
        show(path_to(root))
    focus = scene.focus
    if focus is not None:
        owners_listed = [
            node
            for node in order
            if scene.statuses[node] == "listed" and _owns(scene, node, focus, parent, below)
        ]
        for node in owners_listed:
            show(path_to(node))
    pinned = len(shown)
    wanted = [n for n in order if scene.statuses[n] in ("listed", "exposed")]
    rest = [n for n in order if scene.statuses[n] not in ("listed", "exposed")]
    for node in [*wanted, *rest]:
        if node in shown:
            continue
        if cost >= budget and parent.get(node) not in shown:
            continue  # a path of two or more never costs less than one
        path = path_to(node)
        if cost + added_cost(path) <= budget:
            show(path)
    clusters = []
    for anchor in order:
        if anchor not in shown:
            continue
        for down in (True, False):
            tops = [c for c in children[anchor] if below[c] is down and c not in shown]
            if tops:
                members = _subtrees(tops, children)
                clusters.append(Cluster(anchor, down, tuple(members)))
    return Folded(
        order=tuple(order),
        parent=parent,
        below=below,
        depth=depth,
        shown=tuple(n for n in scene.nodes if n in shown),
        clusters=tuple(clusters),
        pinned=pinned,
    )


def _owns(
    scene: Scene, node: str, focus: str, parent: dict[str, str], below: dict[str, bool]
) -> bool:
    """Whether the tree path from the focus to ``node`` climbs only (an owner above it)."""
    while node != focus:
        if node not in parent or below[node]:
            return False
        node = parent[node]
    return True


def _subtrees(tops: list[str], children: dict[str, list[str]]) -> list[str]:
    members: list[str] = []
    queue = deque(tops)
    while queue:
        node = queue.popleft()
        members.append(node)
        queue.extend(children[node])
    return members
