"""Affiliates of one entity: the analyst's question, "which affiliates of X are unlisted,
and does any rule already catch them?".

Each affiliate comes with its verdict under the rule, its relation to X (subsidiary,
parent, or elsewhere in the group), the depth and path of links, X's direct and
look-through share in it (or its share in X, for parents) and red flags.

>>> import ownership
>>> result = ownership.analyze(ownership.load(ownership.bundled_dataset()),
...                            rule="bis-affiliates", as_of="2023-06-01")
>>> report = result.affiliates("Inspur Group", unlisted=True)
>>> [(a.id, a.status, round(a.look_through_percent)) for a in report][:2]
[('inspur-electronic', 'exposed', 30), ('aivres-systems', 'exposed', 30)]
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np

from .model import HoldingKind
from .propagate import relative_shares
from .redflags import RedFlag, RedFlagFinder
from .tables import Tabular

if TYPE_CHECKING:
    from .analysis import Analysis, Verdict

__all__ = ["Affiliate", "AffiliateReport", "Scope", "affiliates"]


class Scope(StrEnum):
    subsidiaries = "subsidiaries"  # everything X owns or controls, at any depth
    parents = "parents"  # everything that owns or controls X
    group = "group"  # every entity linked to X by holdings, in either direction


#: Order in tables: the loophole first, then what a rule already catches.
SEVERITY = {"exposed": 0, "covered": 1, "listed": 2, "clear": 3}


@dataclass(frozen=True)
class Affiliate:
    """One affiliate of the queried entity, with its verdict and how it relates."""

    verdict: Verdict
    relation: str  # subsidiary, parent, group
    depth: int | None  # fewest links from (or to) the queried entity
    path: tuple[str, ...]  # ids, owner first
    path_names: tuple[str, ...]
    direct_share: str | None  # the direct holding as written ("51%", "30-35%"), if any
    direct_percent: Decimal | None
    look_through_percent: float  # the queried entity's effective share (parents: theirs in it)
    red_flags: tuple[RedFlag, ...]

    @property
    def id(self) -> str:
        return self.verdict.id

    @property
    def name(self) -> str:
        return self.verdict.name

    @property
    def status(self) -> str:
        return self.verdict.status.value

    def to_dict(self) -> dict[str, Any]:
        """The documented ``affiliates --format json`` row."""
        return {
            "id": self.id,
            "name": self.name,
            "country": self.verdict.country,
            "relation": self.relation,
            "status": self.status,
            "flags": list(self.verdict.flags),
            "depth": self.depth,
            "path": list(self.path),
            "path_names": list(self.path_names),
            "direct_share": self.direct_share,
            "direct_percent": float(self.direct_percent)
            if self.direct_percent is not None
            else None,
            "look_through_percent": round(self.look_through_percent, 6),
            "effective_percent": round(self.verdict.effective_percent, 6),
            "legal_percent": float(self.verdict.legal_percent),
            "legal_percent_max": float(self.verdict.legal_percent_max),
            "listed_ancestors": list(self.verdict.listed_ancestors),
            "red_flags": [f.to_dict() for f in self.red_flags],
            "rule": self.verdict.rule,
            "window": self.verdict.window,
            "as_of": self.verdict.as_of.isoformat(),
            "explanation": self.verdict.explanation,
        }


@dataclass(frozen=True)
class AffiliateReport(Tabular):
    """Affiliates of one entity under one rule on one date, most exposed first."""

    _table_columns = (
        "name",
        "country",
        "relation",
        "status",
        "flags",
        "depth",
        "direct_share",
        "look_through_percent",
        "legal_percent",
        "red_flags",
    )

    entity: Verdict
    scope: Scope
    items: tuple[Affiliate, ...]
    header: str
    resolved_note: str | None = None

    def __iter__(self) -> Iterator[Affiliate]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def counts(self) -> dict[str, int]:
        counts = {
            "affiliates": len(self.items),
            "listed": 0,
            "covered": 0,
            "exposed": 0,
            "clear": 0,
        }
        for item in self.items:
            counts[item.status] += 1
        return counts

    def summary(self) -> str:
        c = self.counts()
        return (
            f"{c['affiliates']} affiliates of {self.entity.name}: {c['listed']} listed, "
            f"{c['covered']} covered, {c['exposed']} exposed, {c['clear']} clear"
        )

    def to_records(self) -> list[dict[str, Any]]:
        return [a.to_dict() for a in self.items]

    def _table_caption(self) -> str:
        return f"{self.header} {self.summary()}."


def affiliates(
    analysis: Analysis,
    entity_id: str,
    *,
    scope: Scope | str = Scope.subsidiaries,
    unlisted: bool = False,
    max_depth: int | None = None,
    min_percent: float | None = None,
) -> AffiliateReport:
    """Affiliates of ``entity_id`` under ``analysis``'s rule and date.

    ``unlisted`` keeps only those not on a list the rule reads; ``min_percent`` keeps those
    whose look-through share (by or of the entity) is at least that many percent.
    """
    scope = Scope(scope)
    c = analysis.compiled
    start = c.index[entity_id]
    usable = (c.has_share & (c.high > 0)) | c.control
    group = np.flatnonzero(analysis.groups == analysis.groups[start])
    reached: dict[int, tuple[str, int, list[int]]] = {}
    if scope in (Scope.subsidiaries, Scope.group):
        down = _walk(c, start, usable, forward=True, max_depth=max_depth)
        for node, (depth, path) in down.items():
            reached[node] = ("subsidiary", depth, path)
    if scope in (Scope.parents, Scope.group):
        up = _walk(c, start, usable, forward=False, max_depth=max_depth)
        for node, (depth, path) in up.items():
            reached.setdefault(node, ("parent", depth, path))
    if scope is Scope.group:
        members = group.tolist() if max_depth is None else _group(c, start, max_depth)
        for node in members:
            reached.setdefault(node, ("group", -1, []))
    reached.pop(start, None)
    nodes = np.fromiter(reached, dtype=np.int64, count=len(reached))
    share_down = relative_shares(c, start, nodes) if nodes.size else {}
    share_up = relative_shares(c, start, nodes, upward=True) if nodes.size else {}
    finder = RedFlagFinder(analysis.dataset, group)
    items = []
    for node, (relation, depth, path) in reached.items():
        verdict = analysis.verdict(c.ids[node])
        if unlisted and verdict.status.value == "listed":
            continue
        share = share_up.get(node, 0.0) if relation == "parent" else share_down.get(node, 0.0)
        if min_percent is not None and share * 100 < min_percent:
            continue
        if relation == "subsidiary":
            direct = _direct(analysis, entity_id, c.ids[node])
        elif relation == "parent":
            direct = _direct(analysis, c.ids[node], entity_id)
        else:
            direct = (None, None)
        ids = tuple(c.ids[i] for i in path)
        items.append(
            Affiliate(
                verdict=verdict,
                relation=relation,
                depth=depth if depth >= 0 else None,
                path=ids,
                path_names=tuple(analysis.name_of(i) for i in ids),
                direct_share=direct[0],
                direct_percent=direct[1],
                look_through_percent=share * 100,
                red_flags=tuple(finder.flags(c.ids[node], verdict)),
            )
        )
    items.sort(key=lambda a: (SEVERITY[a.status], -a.look_through_percent, a.depth or 0, a.name))
    return AffiliateReport(
        entity=analysis.verdict(entity_id),
        scope=scope,
        items=tuple(items),
        header=analysis.header(),
    )


def _direct(analysis: Analysis, owner: str | None, owned: str) -> tuple[str | None, Decimal | None]:
    """The direct holdings owner -> owned on the date, as written and as a lower bound."""
    if owner is None:
        return None, None
    found = [h for h in analysis.holdings_into(owned) if h.owner == owner]
    if not found:
        return None, None
    texts = [h.share_text() for h in found]
    low = sum((h.lower_bound for h in found if h.kind is HoldingKind.ownership), Decimal(0))
    return ", ".join(texts), low


def _walk(
    c: Any, start: int, usable: np.ndarray, *, forward: bool, max_depth: int | None
) -> dict[int, tuple[int, list[int]]]:
    """Breadth-first over active links: node -> (depth, path owner-first)."""
    parent: dict[int, int] = {start: -1}
    depth = {start: 0}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if max_depth is not None and depth[node] >= max_depth:
            continue
        pairs = c.out_pairs(node) if forward else c.in_pairs(node)
        nexts = sorted({int(c.dst[k] if forward else c.src[k]) for k in pairs if usable[k]})
        for nxt in nexts:
            if nxt in parent:
                continue
            parent[nxt] = node
            depth[nxt] = depth[node] + 1
            queue.append(nxt)
    result = {}
    for node in parent:
        if node == start:
            continue
        path = [node]
        while parent[path[-1]] != -1:
            path.append(parent[path[-1]])
        result[node] = (depth[node], path[::-1] if forward else path)
    return result


def _group(c: Any, start: int, max_depth: int | None) -> set[int]:
    seen = {start}
    queue = deque([(start, 0)])
    while queue:
        node, d = queue.popleft()
        if max_depth is not None and d >= max_depth:
            continue
        for k in c.out_pairs(node):
            j = int(c.dst[k])
            if j not in seen:
                seen.add(j)
                queue.append((j, d + 1))
        for k in c.in_pairs(node):
            j = int(c.src[k])
            if j not in seen:
                seen.add(j)
                queue.append((j, d + 1))
    return seen
