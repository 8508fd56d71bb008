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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np

from .display import HTML_ROW_LIMIT, Tabular, html_table
from .lazy import MadeOnRead
from .propagate import relative_share_array
from .redflags import RedFlag, RedFlagFinder
from .searches import Search, breadth_first
from .verdict import CHAIN_SHOWN, STATUS_CODES, Status

if TYPE_CHECKING:
    from .analysis import Analysis, Verdict

__all__ = ["Affiliate", "AffiliateReport", "Scope", "affiliates"]


class Scope(StrEnum):
    subsidiaries = "subsidiaries"  # everything X owns or controls, at any depth
    parents = "parents"  # everything that owns or controls X
    group = "group"  # every entity linked to X by holdings, in either direction


#: Reports of more affiliates than this are ordered by Arrow, over every entity's name.
NAMES_AT_ONCE = 20_000

#: Queries of at least this many affiliates take their shares from the stored share order.
STORED_ORDER_FROM = 20_000

#: Affiliates made between two calls of a progress callback.
PROGRESS_EVERY = 1_024

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
    #: where ``path`` was cut (at most CHAIN_SHOWN entities): the affiliate whose own
    #: path goes on to the queried entity
    path_via: str | None = None

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
            "path_via": self.path_via,
            "direct_share": self.direct_share,
            "direct_percent": self.direct_percent,
            "look_through_percent": round(self.look_through_percent, 6),
            "effective_percent": round(self.verdict.effective_percent, 6),
            "legal_percent": self.verdict.legal_percent,
            "legal_percent_max": self.verdict.legal_percent_max,
            "listed_ancestors": list(self.verdict.listed_ancestors),
            "listed_ancestors_total": self.verdict.listed_ancestors_total,
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

    def ids(self) -> list[str]:
        """Every affiliate's id, in dataset order, without making the affiliates (a map
        or figure of the report needs only which entities)."""
        ids = self.items.analysis.compiled.ids
        return [ids[k] for k in np.sort(self.items.keys.node).tolist()]

    def counts(self) -> dict[str, int]:
        counts = {
            "affiliates": len(self.items),
            "listed": 0,
            "covered": 0,
            "exposed": 0,
            "clear": 0,
        }
        found = np.bincount(self.items.codes, minlength=len(STATUS_CODES))  # no affiliate made
        for code, count in zip(STATUS_CODES, found.tolist(), strict=True):
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

    def records(
        self, progress: Callable[[int, int], None] | None = None
    ) -> Iterator[dict[str, Any]]:
        """The rows of :meth:`to_records`, made one at a time and not kept, telling
        ``progress(done, total)`` on the way: a group of 200,000 is written as it is made."""
        total = len(self.items)
        for done, affiliate in enumerate(self.items.each()):
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done, total)
            yield affiliate.to_dict()
        if progress is not None:
            progress(total, total)

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
    found: list[tuple[np.ndarray, int]] = []  # nodes, relation
    searches: dict[int, Search] = {}
    if scope in (Scope.subsidiaries, Scope.group):
        searches[_SUBSIDIARY] = breadth_first(analysis, start, forward=True, max_depth=max_depth)
    if scope in (Scope.parents, Scope.group):
        searches[_PARENT] = breadth_first(analysis, start, forward=False, max_depth=max_depth)
    seen = np.zeros(c.n, dtype=bool)
    seen[start] = True
    for relation, search in searches.items():
        found.append((search.order[~seen[search.order]], relation))
        seen[search.order] = True
    if scope is Scope.group:
        members = group if max_depth is None else np.fromiter(_group(c, start, max_depth), np.int64)
        found.append((members[~seen[members]], _GROUP))
    nodes = np.concatenate([f[0] for f in found]).astype(np.int64)
    relations = np.concatenate([np.full(f[0].size, f[1]) for f in found]).astype(np.int64)
    shares = np.zeros(nodes.size)
    for upward, chosen in ((False, relations != _PARENT), (True, relations == _PARENT)):
        if chosen.any():
            every = _shares(analysis, start, nodes, upward=upward, whole=max_depth is None)
            shares[chosen] = every[chosen]
    percents = shares * 100
    codes = np.asarray(analysis.codes, dtype=np.int64)[nodes]
    keep = np.ones(nodes.size, dtype=bool)
    if unlisted:
        keep &= codes != STATUS_CODES.index(Status.listed)
    if min_percent is not None:
        keep &= ~(percents < min_percent)
    kept = np.flatnonzero(keep)
    keys = _Keys(
        severity=np.asarray([SEVERITY[code.value] for code in STATUS_CODES])[codes[kept]],
        # shares that differ only by rounding (two ways of summing the same paths) tie
        share=-np.round(percents[kept], SHARE_PLACES),
        node=nodes[kept],
        found=kept,
        relation=relations[kept],
        searches=searches,
    )
    items = _Affiliates(
        analysis,
        entity_id,
        keys,
        percents[kept],
        RedFlagFinder(analysis.dataset, group),
        codes=codes[kept],
    )
    return AffiliateReport(
        entity=analysis.verdict(entity_id),
        scope=scope,
        items=items,
        header=analysis.header(),
    )


_SUBSIDIARY, _PARENT, _GROUP = 0, 1, 2
_RELATIONS = ("subsidiary", "parent", "group")


@dataclass(frozen=True)
class _Keys:
    """What affiliates are ordered by, one row each, in the order found: severity,
    share (negated, rounded: the largest first), depth, name on the date, then the order
    found. Depths are worked out only if the order comes to them."""

    severity: np.ndarray
    share: np.ndarray
    node: np.ndarray
    found: np.ndarray
    relation: np.ndarray
    searches: dict[int, Search]

    def severity_of(self, rows: np.ndarray) -> np.ndarray:
        return self.severity[rows]

    def share_of(self, rows: np.ndarray) -> np.ndarray:
        return self.share[rows]

    def depth_of(self, rows: np.ndarray) -> np.ndarray:
        """Links between the queried entity and each of ``rows`` (0 for the group)."""
        depth = np.zeros(rows.size, dtype=np.int64)
        for relation, search in self.searches.items():
            chosen = self.relation[rows] == relation
            depth[chosen] = search.depth_of(self.node[rows[chosen]])
        return depth


class _Affiliates(MadeOnRead[Affiliate]):
    """The affiliates of a report in order; each is made when first read, then kept.

    Only the first rows are put in order until more are read: a table shows a few
    hundred of half a million, and ordering them all by name takes longer than the rest
    of the query.
    """

    def __init__(
        self,
        analysis: Analysis,
        entity_id: str,
        keys: _Keys,
        percents: np.ndarray,
        finder: RedFlagFinder,
        *,
        codes: np.ndarray,
    ) -> None:
        super().__init__()
        self.analysis = analysis
        self.entity_id = entity_id
        self.keys = keys
        self.percents = percents
        self.finder = finder
        self.codes = codes  # status of each, as an index into analysis.STATUS_CODES
        self.ranked = np.zeros(0, dtype=np.int64)  # rows of the first affiliates, in order

    def __len__(self) -> int:
        return int(self.keys.node.size)

    def _row(self, k: int) -> int:
        """The row (in the order found) of the ``k``-th affiliate in order."""
        if k >= self.ranked.size:
            wanted = max(FIRST_RANKED, RANKED_GROWTH * (k + 1))
            self.ranked = _first_in_order(self.analysis, self.keys, wanted)
        return int(self.ranked[k])

    def _make_at(self, k: int) -> Affiliate:
        analysis, ids = self.analysis, self.analysis.compiled.ids
        row = self._row(k)
        node, relation = int(self.keys.node[row]), _RELATIONS[int(self.keys.relation[row])]
        node_id = ids[node]
        verdict = analysis.verdict(node_id)
        depth, cut = None, False
        path: list[int] = []
        if relation in ("subsidiary", "parent"):
            search = self.keys.searches[_SUBSIDIARY if relation == "subsidiary" else _PARENT]
            path, cut = search.path(node, CHAIN_SHOWN)
            # a cut path is a long one: every depth at once beats following it back
            depth = int(search.depth_by_entity[node]) if cut else len(path) - 1
            if relation == "subsidiary":
                path.reverse()  # owner first
        direct: tuple[str | None, Decimal | None] = (None, None)
        if relation == "subsidiary":
            direct = _direct(analysis, self.entity_id, node_id)
        elif relation == "parent":
            direct = _direct(analysis, node_id, self.entity_id)
        path_ids = tuple(ids[i] for i in path)
        via = (path_ids[0] if relation == "subsidiary" else path_ids[-1]) if cut else None
        return Affiliate(
            verdict=verdict,
            relation=relation,
            depth=depth,
            path=path_ids,
            path_names=tuple(analysis.dated_names.at(i) for i in path),
            path_via=via,
            direct_share=direct[0],
            direct_percent=direct[1],
            look_through_percent=float(self.percents[row]),
            red_flags=tuple(self.finder.flags(node_id, verdict)),
        )


#: Affiliates put in order at the first read; reading the k-th orders RANKED_GROWTH * k.
FIRST_RANKED = 256
RANKED_GROWTH = 8


def _first_in_order(analysis: Analysis, keys: _Keys, count: int) -> np.ndarray:
    """The rows of the first ``count`` (at least 1) affiliates in order; of all of them
    when that is half or more.

    Rows that cannot be among the first are dropped key by key: those after the
    ``count``-th value of a key are out, those before it are in, and only the rows tied
    with it are narrowed by the next key. What is left is ordered in full.
    """
    rows = np.arange(keys.node.size)
    if count * 2 >= rows.size:
        return _order(analysis, keys, rows)
    decided = []
    wanted = count
    for values_of in (keys.severity_of, keys.share_of, keys.depth_of):
        values = values_of(rows)
        cut = _nth_smallest(values, wanted)
        before = values < cut
        decided.append(rows[before])
        wanted -= int(np.count_nonzero(before))
        rows = rows[values == cut]
        if rows.size <= wanted:
            break
    candidates = np.concatenate([*decided, rows])
    return candidates[_order(analysis, keys, candidates)][:count]


def _nth_smallest(values: np.ndarray, nth: int) -> Any:
    """The ``nth`` smallest of ``values`` (from 1): small integers by counting, others by
    sorting (``np.partition`` is slow when many values tie, as shares and depths do)."""
    if values.dtype.kind == "i" and values.min() >= 0 and values.max() < values.size:
        return int(np.searchsorted(np.cumsum(np.bincount(values)), nth))
    return np.sort(values)[nth - 1]


def _order(analysis: Analysis, keys: _Keys, rows: np.ndarray) -> np.ndarray:
    """The order of ``rows`` by severity, share (negated), depth, name on the date, then
    the order found.

    Many rows are sorted by Arrow, their names taken from all names at once; a few by
    numpy, their names read one by one (Arrow compares UTF-8 bytes: code point order,
    as Python compares strings).
    """
    severity, share, depth = keys.severity[rows], keys.share[rows], keys.depth_of(rows)
    nodes, found = keys.node[rows], keys.found[rows]
    if nodes.size > NAMES_AT_ONCE:
        import pyarrow as pa
        import pyarrow.compute as pc

        names = analysis.dated_names.arrow().take(pa.array(nodes))
        table = pa.table(
            {"severity": severity, "share": share, "depth": depth, "name": names, "found": found}
        )
        return pc.sort_indices(table, [(k, "ascending") for k in table.column_names]).to_numpy()
    names = np.asarray([analysis.dated_names.at(i) for i in nodes.tolist()], dtype=object)
    rank = np.unique(names, return_inverse=True)[1].reshape(-1) if names.size else names
    return np.lexsort((found, rank, depth, share, severity))


def _shares(
    analysis: Analysis, start: int, nodes: np.ndarray, *, upward: bool, whole: bool
) -> np.ndarray:
    """Look-through share (0..1) of ``start`` in each of ``nodes``, or theirs in it,
    over the links among them (the affiliates found, both ways).

    When ``nodes`` hold all that ``start`` owns (``whole``: no depth limit), those are
    all the links below it, so a large query reads them from the stored share order.
    """
    c = analysis.compiled
    if whole and not upward and nodes.size >= STORED_ORDER_FROM:
        shares = analysis.share_order.shares_from(start, nodes)
        if shares is not None:
            return shares
    solved, values = relative_share_array(c, start, nodes, upward=upward)
    every = np.zeros(c.n)
    every[solved] = values
    return every[nodes]


def _direct(analysis: Analysis, owner: str | None, owned: str) -> tuple[str | None, Decimal | None]:
    """The direct holdings owner -> owned on the date, as written, and the stake's lower
    bound as the rules read it (alternative figures, stakes in conflict: ownership.stakes)."""
    if owner is None:
        return None, None
    columns = analysis.columns
    rows = analysis.holding_rows_into(columns.index[owned])
    rows = rows[columns.holdings.owner[rows] == columns.index[owner]]  # records made of these
    found = [analysis.dataset.holdings[int(k)] for k in rows]
    if not found:
        return None, None
    c = analysis.compiled
    source = c.index[owner]
    pairs = [int(k) for k in c.in_pairs(c.index[owned]) if c.src[k] == source]
    low = sum((c.unscale(c.low[k]) for k in pairs if c.has_share[k]), Decimal(0))
    return ", ".join(h.share_text() for h in found), low


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
