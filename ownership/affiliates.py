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

from .analysis import _CODES, Status
from .lazy import MadeOnRead
from .model import HoldingKind
from .propagate import relative_share_array
from .redflags import RedFlag, RedFlagFinder
from .tables import HTML_ROW_LIMIT, Tabular, html_table

if TYPE_CHECKING:
    from .analysis import Analysis, Verdict

__all__ = ["Affiliate", "AffiliateReport", "Scope", "affiliates"]


class Scope(StrEnum):
    subsidiaries = "subsidiaries"  # everything X owns or controls, at any depth
    parents = "parents"  # everything that owns or controls X
    group = "group"  # every entity linked to X by holdings, in either direction


#: Reports of more affiliates than this are ordered by Arrow, over every entity's name.
NAMES_AT_ONCE = 20_000

#: Decimal places of a percent to which shares are compared when ordering.
SHARE_PLACES = 9

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
    items: _Affiliates  # made when read
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
        found = np.bincount(self.items.codes, minlength=len(_CODES))  # no affiliate made
        for code, count in zip(_CODES, found.tolist(), strict=True):
            counts[code.value] += count
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

    def _repr_html_(self) -> str:
        """Only the rows shown are made; the table says how many more there are."""
        records = [a.to_dict() for a in self.items[:HTML_ROW_LIMIT]]
        return html_table(
            records, self._table_columns, caption=self._table_caption(), total=len(self.items)
        )


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

    Which entities, in which order, and how many of each status are worked out with
    arrays; each affiliate (its verdict, path and red flags) is made when first read, so
    a conglomerate of half a million entities answers in seconds and shows its first rows
    at once.
    """
    scope = Scope(scope)
    c = analysis.compiled
    start = c.index[entity_id]
    group = np.flatnonzero(analysis.groups == analysis.groups[start])
    found: list[tuple[np.ndarray, int, np.ndarray]] = []  # nodes, relation, depths
    searches: dict[int, _Search] = {}
    if scope in (Scope.subsidiaries, Scope.group):
        searches[_SUBSIDIARY] = _search(analysis, start, forward=True, max_depth=max_depth)
    if scope in (Scope.parents, Scope.group):
        searches[_PARENT] = _search(analysis, start, forward=False, max_depth=max_depth)
    seen = np.zeros(c.n, dtype=bool)
    seen[start] = True
    for relation, search in searches.items():
        fresh = ~seen[search.order]
        found.append((search.order[fresh], relation, search.depth[fresh]))
        seen[search.order] = True
    if scope is Scope.group:
        members = group if max_depth is None else np.fromiter(_group(c, start, max_depth), np.int64)
        members = members[~seen[members]]
        found.append((members, _GROUP, np.zeros(members.size, dtype=np.int64)))
    nodes = np.concatenate([f[0] for f in found]).astype(np.int64)
    relations = np.concatenate([np.full(f[0].size, f[1]) for f in found]).astype(np.int64)
    depths = np.concatenate([f[2] for f in found]).astype(np.int64)
    shares = np.zeros(nodes.size)
    for upward, chosen in ((False, relations != _PARENT), (True, relations == _PARENT)):
        if chosen.any():
            solved, values = relative_share_array(c, start, nodes, upward=upward)
            every = np.zeros(c.n)
            every[solved] = values
            shares[chosen] = every[nodes[chosen]]
    percents = shares * 100
    codes = np.asarray(analysis._statuses, dtype=np.int64)[nodes]
    keep = np.ones(nodes.size, dtype=bool)
    if unlisted:
        keep &= codes != _CODES.index(Status.listed)
    if min_percent is not None:
        keep &= ~(percents < min_percent)
    kept = np.flatnonzero(keep)
    severity = np.asarray([SEVERITY[code.value] for code in _CODES])[codes[kept]]
    # shares that differ only by rounding (two ways of summing the same paths) are a tie
    share = -np.round(percents[kept], SHARE_PLACES)
    keys = (severity, share, depths[kept], nodes[kept], kept)
    order = kept[_order(analysis, *keys)]
    items = _Affiliates(
        analysis,
        entity_id,
        nodes[order],
        relations[order],
        depths[order],
        percents[order],
        searches,
        RedFlagFinder(analysis.dataset, group),
        codes=codes[order],
    )
    return AffiliateReport(
        entity=analysis.verdict(entity_id),
        scope=scope,
        items=items,
        header=analysis.header(),
    )


_SUBSIDIARY, _PARENT, _GROUP = 0, 1, 2
_RELATIONS = ("subsidiary", "parent", "group")


class _Affiliates(MadeOnRead[Affiliate]):
    """The affiliates of a report in order; each is made when first read, then kept."""

    def __init__(
        self,
        analysis: Analysis,
        entity_id: str,
        nodes: np.ndarray,
        relations: np.ndarray,
        depths: np.ndarray,
        percents: np.ndarray,
        searches: dict[int, _Search],
        finder: RedFlagFinder,
        *,
        codes: np.ndarray,
    ) -> None:
        super().__init__()
        self.analysis = analysis
        self.entity_id = entity_id
        self.nodes = nodes
        self.relations = relations
        self.depths = depths
        self.percents = percents
        self.searches = searches
        self.finder = finder
        self.codes = codes  # status of each, as an index into analysis._CODES

    def __len__(self) -> int:
        return int(self.nodes.size)

    def _make_at(self, k: int) -> Affiliate:
        analysis, ids = self.analysis, self.analysis.compiled.ids
        node, relation = int(self.nodes[k]), _RELATIONS[int(self.relations[k])]
        node_id = ids[node]
        verdict = analysis.verdict(node_id)
        if relation == "subsidiary":
            direct = _direct(analysis, self.entity_id, node_id)
            path = self.searches[_SUBSIDIARY].path(node)[::-1]
        elif relation == "parent":
            direct = _direct(analysis, node_id, self.entity_id)
            path = self.searches[_PARENT].path(node)
        else:
            direct, path = (None, None), []
        path_ids = tuple(ids[i] for i in path)
        return Affiliate(
            verdict=verdict,
            relation=relation,
            depth=int(self.depths[k]) if relation != "group" else None,
            path=path_ids,
            path_names=tuple(analysis.name_of(i) for i in path_ids),
            direct_share=direct[0],
            direct_percent=direct[1],
            look_through_percent=float(self.percents[k]),
            red_flags=tuple(self.finder.flags(node_id, verdict)),
        )


def _order(
    analysis: Analysis,
    severity: np.ndarray,
    share: np.ndarray,
    depth: np.ndarray,
    nodes: np.ndarray,
    found: np.ndarray,
) -> np.ndarray:
    """Order by severity, share (negated), depth, name on the date, then the order found.

    Many rows are sorted by Arrow, their names taken from all names at once; a few by
    numpy, their names read one by one (Arrow compares UTF-8 bytes: code point order,
    as Python compares strings).
    """
    if nodes.size > NAMES_AT_ONCE:
        import pyarrow as pa
        import pyarrow.compute as pc

        names = analysis._names.arrow().take(pa.array(nodes))
        keys = pa.table(
            {"severity": severity, "share": share, "depth": depth, "name": names, "found": found}
        )
        return pc.sort_indices(keys, [(k, "ascending") for k in keys.column_names]).to_numpy()
    names = np.asarray([analysis._names.at(i) for i in nodes.tolist()], dtype=object)
    rank = np.unique(names, return_inverse=True)[1].reshape(-1) if names.size else names
    return np.lexsort((found, rank, depth, share, severity))


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


@dataclass(frozen=True)
class _Search:
    """A breadth-first search from one entity: entities in the order found, with depth
    and the entity each was found from (-1 for none)."""

    order: np.ndarray
    depth: np.ndarray
    found_from: np.ndarray

    def path(self, node: int) -> list[int]:
        """``node`` and the entities back to where the search started."""
        path = [node]
        while (before := int(self.found_from[path[-1]])) >= 0:
            path.append(before)
        return path


def _search(analysis: Analysis, start: int, *, forward: bool, max_depth: int | None) -> _Search:
    """Breadth-first over links that can carry ownership or control on the date, each
    entity's links visited in position order; the start itself left out.

    Entities within ``max_depth`` links, if given, are those found in as many rounds.
    """
    from scipy.sparse.csgraph import breadth_first_order

    links = analysis._usable_links[0 if forward else 1]
    order, predecessors = breadth_first_order(links, start, directed=True)
    order = np.asarray(order, dtype=np.int64)
    found_from = np.where(predecessors >= 0, predecessors, -1).astype(np.int64)
    depth = _depths(order, found_from)
    if max_depth is not None:
        within = depth <= max_depth
        order, depth = order[within], depth[within]
    return _Search(order=order[1:], depth=depth[1:], found_from=found_from)


def _depths(order: np.ndarray, found_from: np.ndarray) -> np.ndarray:
    """Links from the start to each entity of ``order``, by pointer doubling: each entity
    keeps an ancestor and its distance, and jumps to that ancestor's ancestor."""
    place = np.full(found_from.size, -1, dtype=np.int64)
    place[order] = np.arange(order.size)
    before = found_from[order]
    ancestor = np.where(before >= 0, place[np.maximum(before, 0)], -1)
    distance = (ancestor >= 0).astype(np.int64)
    while (ancestor >= 0).any():
        has = ancestor >= 0
        jump = ancestor[has]
        distance[has] += distance[jump]
        ancestor[has] = ancestor[jump]
    return distance


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
