"""Verdicts: one status per entity under a rule on a date, each explaining itself.

``analyze`` compiles the snapshot, runs the rule's fixed points (lower and upper share
bounds), reachability and look-through, and returns an :class:`Analysis`. Verdicts are
built lazily per entity, so a million-entity analysis stays in arrays until asked.

>>> from ownership.model import Dataset, Entity, Holding, Listing
>>> ds = Dataset(
...     entities=[Entity(id="x", name="X"), Entity(id="a", name="A"), Entity(id="b", name="B")],
...     holdings=[Holding(owner="x", owned="a", percent=50),
...               Holding(owner="a", owned="b", percent=50)],
...     listings=[Listing(entity="x", list="sdn")],
... )
>>> result = analyze(ds, rule="ofac-50", as_of="2024-01-01")
>>> [(v.id, v.status.value, round(v.effective_percent, 2)) for v in result]
[('x', 'listed', 100.0), ('a', 'covered', 50.0), ('b', 'covered', 25.0)]
>>> print(result.verdict("b").explanation)  # doctest: +NORMALIZE_WHITESPACE
B is covered under ofac-50 (OFAC 50 Percent Rule) on 2024-01-01: listed or covered owners
hold 50% (threshold >= 50%): A 50% (covered). Chain: X -> A -> B. Look-through share 25%.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np

from .checks import check_dataset
from .columns import Columns, columns_of, sum_into
from .derived import derived
from .errors import DataError, shown
from .model import Arrangement, Dataset, Holding, HoldingKind, Listing, fmt_decimal
from .propagate import (
    Compiled,
    FixedPoint,
    Reachability,
    compile_snapshot,
    concatenated_ranges,
    covered_fixed_point,
    exact_look_through,
    look_through,
    per_owner_fixed_point,
    reach_from_seeds,
)
from .rules import DEFAULT_RULE, get_rule
from .rules.base import Aggregation, Rule, Threshold
from .share_order import ShareOrder

__all__ = ["Analysis", "Contribution", "Flag", "Status", "Verdict", "analyze"]

#: Margin within which a float look-through share is re-checked in exact arithmetic.
LOOK_THROUGH_EXACT_MARGIN = 1e-9
#: Entities of a chain a verdict writes out. A longer one starts at its ``chain_via``,
#: whose own verdict goes on up: a 4,000-deep chain would otherwise repeat itself in every
#: row, and the output grow with the square of the input.
CHAIN_SHOWN = 32
#: Listed ancestors a verdict names (the first, by id); it says how many there are.
LISTED_SHOWN = 32
#: Members of a closed ring its explanation names; it says how many more there are.
RING_NAMED = 10


class Status(StrEnum):
    listed = "listed"
    covered = "covered"
    exposed = "exposed"  # an unlisted descendant of a listed entity: the loophole
    clear = "clear"


class Flag(StrEnum):
    possibly_covered = "possibly_covered"  # only unknown or range shares could reach the threshold
    out_of_scope_us_entity = "out_of_scope_us_entity"  # BIS reaches non-US entities only
    rule_not_in_force = "rule_not_in_force"
    would_be_covered = "would_be_covered"  # covered if the rule were in force on the date
    unverified_window = "unverified_window"  # the rule's window on the date is not verified
    conflicting_stakes = "conflicting_stakes"  # stakes in it cannot all be true on the date
    closed_ring = "closed_ring"  # on a ring owning itself 100% with no outside owner


#: The fields of a verdict, in the order every output writes them: ``Verdict.to_dict``,
#: the rows computed by columns (``to_records``, the pandas view), the JSON and JSON-lines
#: writers, and the CSV columns (:data:`NESTED_FIELDS` aside).
VERDICT_FIELDS: tuple[str, ...] = (
    "id",
    "name",
    "country",
    "status",
    "flags",
    "rule",
    "window",
    "as_of",
    "threshold",
    "effective_percent",
    "legal_percent",
    "legal_percent_max",
    "listed_ancestors",
    "listed_ancestors_total",
    "nearest_listed",
    "chain",
    "chain_via",
    "owners",
    "listings",
    "explanation",
)
#: Fields holding records of their own, which a CSV row leaves to the JSON outputs.
NESTED_FIELDS = ("owners", "listings")

#: The integer each status is stored as in arrays (an analysis's, a cache entry's): its
#: position here. Stored entries depend on this order (the cache's version covers it).
STATUS_CODES: tuple[Status, ...] = (Status.listed, Status.covered, Status.exposed, Status.clear)
STATUS_ORDER = {status: code for code, status in enumerate(STATUS_CODES)}
_FLAGS = list(Flag)


@dataclass(frozen=True, slots=True)
class Contribution:
    """One owner's link into an entity, with the owner's own status."""

    owner: str
    owner_name: str
    share: str  # as written: "51%", "30-35%", "unknown %", "control"
    low: Decimal
    high: Decimal
    owner_status: str
    kind: str = "ownership"  # ownership, control, or arrangement

    def to_dict(self) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "owner_name": self.owner_name,
            "share": self.share,
            "percent_min": self.low,
            "percent_max": self.high,
            "owner_status": self.owner_status,
            "kind": self.kind,
        }


@dataclass(frozen=True)
class Verdict:
    """One entity's status under a rule on a date, with everything that explains it."""

    id: str
    name: str
    country: str | None
    status: Status
    flags: tuple[str, ...]
    rule: str
    rule_title: str
    window: str
    as_of: dt.date
    threshold: str
    effective_percent: float  # look-through share held by listed parties, 0-100
    legal_percent: Decimal  # share held by listed or covered owners (lower bounds)
    legal_percent_max: Decimal  # the same at upper bounds (unknown = 100, capped)
    owners: tuple[Contribution, ...]
    chain: tuple[str, ...]  # ids from a listed entity down to this one
    chain_names: tuple[str, ...]
    nearest_listed: str | None
    listed_ancestors: tuple[str, ...]
    listings: tuple[Listing, ...]
    explanation: str
    #: the first entity of ``chain`` when the chain was cut there (its verdict goes on up)
    chain_via: str | None = None
    #: how many listed ancestors there are; ``listed_ancestors`` holds the first
    #: :data:`LISTED_SHOWN` of them, by id
    listed_ancestors_total: int = 0

    def _repr_html_(self) -> str:
        import html

        from .display import STATUS_COLOURS

        colour = STATUS_COLOURS.get(self.status.value, "#fff")
        flags = ", ".join(self.flags) or "none"
        return (
            f"<div><b>{html.escape(self.name)}</b> ({html.escape(self.id)}): "
            f"<span style='background:{colour};padding:0 4px'>{self.status.value}</span> "
            f"<small>flags: {html.escape(flags)}</small><br>"
            f"<small>{html.escape(self.rule)}, {html.escape(self.window)}, as of "
            f"{self.as_of.isoformat()}</small><p>{html.escape(self.explanation)}</p></div>"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; the documented, stable output of ``--format json``, its
        fields in :data:`VERDICT_FIELDS` order."""
        values = {
            "id": self.id,
            "name": self.name,
            "country": self.country,
            "status": self.status.value,
            "flags": list(self.flags),
            "rule": self.rule,
            "window": self.window,
            "as_of": self.as_of.isoformat(),
            "threshold": self.threshold,
            "effective_percent": round(self.effective_percent, 6),
            "legal_percent": self.legal_percent,
            "legal_percent_max": self.legal_percent_max,
            "listed_ancestors": list(self.listed_ancestors),
            "listed_ancestors_total": self.listed_ancestors_total,
            "nearest_listed": self.nearest_listed,
            "chain": list(self.chain),
            "chain_via": self.chain_via,
            "owners": [c.to_dict() for c in self.owners],
            "listings": [listing_dict(x) for x in self.listings],
            "explanation": self.explanation,
        }
        return {name: values[name] for name in VERDICT_FIELDS}


def _state_key(rule: Rule, day: dt.date) -> str:
    """A stable name for the results of ``rule`` on ``day`` (any parameter changes it)."""
    import hashlib
    import json
    from dataclasses import asdict

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items() if k != "doc"}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if isinstance(value, (set, frozenset)):
            return sorted(plain(v) for v in value)
        return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)

    text = json.dumps({"rule": plain(asdict(rule)), "day": day.isoformat()}, sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"analysis-{rule.name}-{day.isoformat()}-{digest}"


def _fields_of(kind: Any, state: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The array fields of dataclass ``kind`` stored under ``prefix``."""
    return {
        name: state[f"{prefix}.{name}"]
        for name in kind.__dataclass_fields__
        if f"{prefix}.{name}" in state
    }


def listing_dict(listing: Listing) -> dict[str, Any]:
    """A listing as verdict rows carry it."""
    return {
        "list": listing.list,
        "program": listing.program,
        "start": listing.start.isoformat() if listing.start else None,
        "end": listing.end.isoformat() if listing.end else None,
        "citation": listing.citation,
    }


def as_date(value: dt.date | str | None) -> dt.date:
    """An as-of date from a date, an ISO string, or None (today)."""
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        from .errors import OwnershipError

        raise OwnershipError(
            f"as-of date {shown(value)} is not a date; write it YYYY-MM-DD"
        ) from None


def analyze(
    dataset: Dataset,
    rule: str | Rule = DEFAULT_RULE,
    as_of: dt.date | str | None = None,
    *,
    lists: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Analysis:
    """Every entity's status under ``rule`` on ``as_of`` (default: today).

    ``progress(done, total)`` is called after each stage (compile, fixed points,
    reachability, look-through), for progress bars on large graphs.
    """
    chosen, day = prepared(dataset, rule, as_of, lists)
    return Analysis(dataset, chosen, day, progress=progress)


def prepared(
    dataset: Dataset, rule: str | Rule, as_of: dt.date | str | None, lists: list[str] | None
) -> tuple[Rule, dt.date]:
    """The rule (reading ``lists``, if given) and the date an analysis of ``dataset``
    runs on, once the dataset's cross-record checks have passed (checked once per
    dataset); what :func:`analyze` and the package's ``analyze`` both start from."""
    chosen = get_rule(rule)
    if lists:
        chosen = chosen.with_lists(lists)
    day = as_date(as_of)
    kept = derived(dataset)
    if not kept.checked:
        problems = check_dataset(dataset)
        if problems:
            raise DataError(problems)
        kept.checked = True
    return chosen, day


class _NamesOnDate(Mapping[str, str]):
    """Entity id -> the name it used on the analysis date.

    Only entities with former names can differ from their current name; their records
    are read on first use.
    """

    def __init__(self, analysis: Analysis) -> None:
        self._analysis = analysis
        self._columns = analysis._columns
        self._known: dict[int, str] = {}
        self._arrow: Any = None

    def __getitem__(self, entity_id: str) -> str:
        return self.at(self._columns.index[entity_id])

    def at(self, position: int) -> str:
        """The name of the entity at ``position`` in the dataset."""
        if not self._columns.renamed[position]:
            return self._columns.names[position]
        name = self._known.get(position)
        if name is None:
            from .graph import name_on

            entity = self._analysis.dataset.entities[position]
            name = self._known[position] = name_on(entity, self._analysis.as_of)
        return name

    def every(self) -> list[str]:
        """Every entity's name on the date, in dataset order."""
        names = list(self._columns.names)
        for position in np.flatnonzero(self._columns.renamed).tolist():
            names[position] = self.at(position)
        return names

    def arrow(self) -> Any:
        """:meth:`every` as an Arrow string array, made on first use and kept."""
        if self._arrow is None:
            import pyarrow as pa

            self._arrow = pa.array(self.every(), pa.large_string())
        return self._arrow

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns.ids)

    def __len__(self) -> int:
        return self._columns.n


class _SeedAncestry:
    """The listed entities above each reached entity, worked out on demand and shared.

    Over links that can carry ownership or control from reached owners, entities on a
    cycle reach each other, so each strongly connected component has one set: the seeds
    in it and the sets of the components that link into it. A set is a Python int used as
    a bitmask over the seeds of one group (weakly connected component), numbered in id
    order, so that a conglomerate with hundreds of listed members costs a few dozen bytes
    per component and the ids come out sorted.
    """

    #: Decoded sets kept for reuse (siblings share their parent's set); cleared when full.
    DECODED_LIMIT = 50_000

    def __init__(self, analysis: Analysis, components: dict[str, np.ndarray]):
        """``components`` as :meth:`components` works them out (maybe read from a store)."""
        c = analysis.compiled
        self.label = np.asarray(components["label"])
        self.parents = np.asarray(components["parents"])
        self.parent_bounds = np.asarray(components["parent_bounds"])
        self.ids = c.ids
        self.seeds = c.seeds
        self.own: dict[int, int] = defaultdict(int)  # component -> bits of its own seeds
        self.seeds_of_group: dict[int, list[int]] = defaultdict(list)  # bit -> seed, id order
        groups = analysis.groups
        seed_nodes = sorted(np.flatnonzero(c.seeds).tolist(), key=lambda k: c.ids[k])
        for node in seed_nodes:
            group = int(groups[node])
            bits = self.seeds_of_group[group]
            self.own[int(self.label[node])] |= 1 << len(bits)
            bits.append(node)
        self.groups = groups
        self.memo: dict[int, int] = {}
        #: every component's set, once :meth:`fill` has worked them out
        self.masks: list[int] | None = None
        #: per component, one with the same set (itself unless :meth:`fill` found one)
        self.same_set = np.arange(int(self.label.max(initial=-1)) + 1)
        self.decoded: dict[tuple[int, int], tuple[str, ...]] = {}

    @staticmethod
    def components(analysis: Analysis) -> dict[str, np.ndarray]:
        """The strongly connected components over the links that carry listed ancestors:
        each entity's ``label``, and the ``parents`` of each component (the components
        linking into it), those of component k at ``parent_bounds[k]:parent_bounds[k+1]``."""
        from scipy import sparse
        from scipy.sparse.csgraph import connected_components

        c = analysis.compiled
        usable = c.usable() & analysis.reach.reached[c.src]
        src, dst = c.src[usable], c.dst[usable]
        links = sparse.csr_matrix((np.ones(src.size, dtype=np.int8), (src, dst)), shape=(c.n, c.n))
        _, label = connected_components(links, directed=True, connection="strong")
        cross = label[src] != label[dst]
        child_labels = label[dst[cross]]
        order = np.argsort(child_labels, kind="stable")
        return {
            "label": label,
            "parents": label[src[cross]][order],
            "parent_bounds": np.searchsorted(
                child_labels[order], np.arange(int(label.max(initial=-1)) + 2)
            ),
        }

    @cached_property
    def sharing(self) -> np.ndarray:
        """Per component, the component whose set it has: its own, unless it has no seeds
        and a single parent component, whose set it then shares (most do)."""
        bounds = self.parent_bounds
        inherits = np.diff(bounds) == 1
        inherits[np.fromiter(self.own, np.int64, len(self.own))] = False
        sharing = np.arange(bounds.size - 1)
        sharing[inherits] = self.parents[bounds[:-1][inherits]]
        while True:
            further = sharing[sharing]
            if np.array_equal(further, sharing):
                return sharing
            sharing = further

    def mask(self, node: int) -> int:
        """Bits (over the seeds of ``node``'s group) of the seeds from which it is reached."""
        return self.component_mask(int(self.sharing[self.label[node]]))

    def component_mask(self, target: int) -> int:
        """Bits of the seeds above a component that has its own set (see :attr:`sharing`)."""
        if self.masks is not None:
            return self.masks[target]
        memo = self.memo
        if target in memo:
            return memo[target]
        parents, bounds, own = self.shared_parents, self.parent_bounds, self.own
        stack = [target]
        while stack:
            comp = stack[-1]
            if comp in memo:
                stack.pop()
                continue
            parent_list = parents[bounds[comp] : bounds[comp + 1]].tolist()
            missing = [p for p in parent_list if p not in memo]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            bits = own.get(comp, 0)
            for p in parent_list:
                bits |= memo[p]
            memo[comp] = bits
        return memo[target]

    def fill(self) -> None:
        """Work out the set of every component that has its own, in one pass from the
        top, for callers that will ask for most of them (:meth:`component_mask` asked in
        row order recurses up each chain); note in :attr:`same_set` the components whose
        set is that of a parent.

        The pass needs components numbered with parents after their children, as
        scipy's strongly connected components are; if not, sets stay worked out on demand.
        """
        bounds = self.parent_bounds
        size = bounds.size - 1
        child = np.repeat(np.arange(size), np.diff(bounds))
        if not (self.parents > child).all():
            return
        # each (component, parent set) once, children of a later-numbered parent last
        pairs = np.sort(child * size + self.shared_parents)[::-1]
        pairs = pairs[np.append(True, pairs[1:] != pairs[:-1])] if pairs.size else pairs
        child, parent = pairs // size, pairs % size
        owning = self.sharing[child] == child
        child, parent = child[owning], parent[owning]
        masks = [0] * size
        for comp, bits in self.own.items():
            masks[comp] = bits
        for comp, above in zip(child.tolist(), parent.tolist(), strict=True):
            masks[comp] |= masks[above]
        self.masks = masks
        # a set holds each parent's: it is a parent's when it has as many members
        count = np.fromiter(map(int.bit_count, masks), np.int64, size)
        equal = count[parent] == count[child]
        same = np.arange(size)
        same[child[equal]] = parent[equal]
        while not np.array_equal(same[same], same):  # parents are numbered higher: ends
            same = same[same]
        self.same_set = same

    @cached_property
    def shared_parents(self) -> np.ndarray:
        """:attr:`parents`, each replaced by the component whose set it shares."""
        return self.sharing[self.parents]

    def positions(self, group: int, bits: int) -> np.ndarray:
        """The seeds whose bits are set in ``bits`` (over ``group``'s seeds), in id order."""
        return self.positions_of_many([(group, bits)])[1]

    def positions_of_many(self, keys: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`positions` of many (group, bits) at once: offsets and positions of one
        list per key, from one array of all the masks' bytes."""
        counts = np.fromiter((bits.bit_count() for _, bits in keys), np.int64, len(keys))
        offsets = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        if not keys:
            return offsets, np.zeros(0, dtype=np.int64)
        table, base, width = self._seed_table
        groups = np.fromiter((g for g, _ in keys), np.int64, len(keys))
        widths = width[groups]
        pairs = zip(keys, widths.tolist(), strict=True)
        raw = np.frombuffer(b"".join(m.to_bytes(w, "little") for (_, m), w in pairs), np.uint8)
        # sets are sparse over a large group's seeds: unpack only the bytes that are set
        full = np.flatnonzero(raw)
        bits = np.flatnonzero(np.unpackbits(raw[full], bitorder="little"))
        found = full[bits >> 3] * 8 + (bits & 7)
        which = np.repeat(np.arange(len(keys)), counts)
        starts = np.cumsum(widths * 8) - widths * 8
        positions = table[base[groups[which]] + found - starts[which]]
        return offsets, positions

    @cached_property
    def _seed_table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every group's seeds in bit order, one after another; where each group's start
        in that table, and how many bytes its masks take (indexed by group)."""
        size = int(self.groups.max(initial=-1)) + 1
        base = np.zeros(size, dtype=np.int64)
        width = np.zeros(size, dtype=np.int64)
        chunks: list[list[int]] = []
        at = 0
        for group, seeds in self.seeds_of_group.items():
            base[group], width[group] = at, (len(seeds) + 7) // 8
            chunks.append(seeds)
            at += len(seeds)
        table = np.fromiter(itertools.chain.from_iterable(chunks), np.int64, at)
        return table, base, width

    def ancestors_of_many(self, nodes: Sequence[int]) -> list[tuple[str, ...]]:
        """:meth:`ancestors` of each of ``nodes``, decoded together."""
        groups = self.groups[np.asarray(nodes, dtype=np.int64)].tolist()
        keys = [(group, self.mask(node)) for node, group in zip(nodes, groups, strict=True)]
        offsets, positions = self.positions_of_many(keys)
        which = np.repeat(np.arange(len(keys)), np.diff(offsets))
        other = positions != np.asarray(nodes, dtype=np.int64)[which]
        ends = np.searchsorted(which[other], np.arange(len(keys) + 1)).tolist()
        ids = self.ids
        found = [ids[k] for k in positions[other].tolist()]
        return [tuple(found[a:b]) for a, b in itertools.pairwise(ends)]

    def ancestors(self, node: int) -> tuple[str, ...]:
        """Ids of the seeds above ``node`` other than itself, sorted."""
        group = int(self.groups[node])
        bits = self.mask(node)
        found = self.decoded.get((group, bits))
        if found is None:
            ids = self.ids
            found = tuple(ids[k] for k in self.positions(group, bits).tolist())
            if len(self.decoded) >= self.DECODED_LIMIT:
                self.decoded.clear()
            self.decoded[(group, bits)] = found
        if self.seeds[node]:
            return tuple(x for x in found if x != self.ids[node])
        return found


class Analysis:
    """The result of one rule on one date over a dataset: every entity's verdict.

    It computes verdicts and answers questions about them (status, flags, verdict,
    chain, counts); the questions built on verdicts (affiliates, timeline, screening,
    the entity card) and the drawings live above it, in :mod:`ownership.facade`.
    """

    def __init__(
        self,
        dataset: Dataset,
        rule: Rule,
        as_of: dt.date,
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        def step(done: int) -> None:
            if progress is not None:
                progress(done, 4)

        self.dataset = dataset
        self.rule = rule
        self.as_of = as_of
        self.window = rule.window_on(as_of)
        self.in_force = rule.in_force_on(as_of)
        self.threshold: Threshold | None = rule.threshold_on(as_of)
        self.lower: FixedPoint | None = None
        self.upper: FixedPoint | None = None
        store = derived(dataset).store
        key = _state_key(rule, as_of) if store is not None else ""
        state = store.get(key) if store is not None else None
        if state is not None and self._restore(state):
            step(4)
            return
        self._compute(step)
        if store is not None and self.compiled.low.dtype != object:
            store.put(key, self._state())

    def _compute(self, step: Callable[[int], None]) -> None:
        rule, dataset = self.rule, self.dataset
        self.compiled: Compiled = compile_snapshot(dataset, self.as_of, rule)
        step(1)
        c = self.compiled
        # look-through shares need only the compiled graph: worked out on a second thread
        # while the fixed points run (both spend their time in numpy and scipy)
        with ThreadPoolExecutor(max_workers=1) as pool:
            effective = pool.submit(look_through, c)
            self._fixed_points(step)
            self.effective = effective.result()
        if rule.aggregation is Aggregation.look_through:
            self._look_through_fixed_point()
        self._statuses, self._flags = self._classify()
        step(4)

    def _fixed_points(self, step: Callable[[int], None]) -> None:
        rule, dataset, c = self.rule, self.dataset, self.compiled
        if self.threshold is not None and rule.aggregation is Aggregation.all:
            self.lower = covered_fixed_point(c, rule, self.threshold, upper=False)
            self.upper = covered_fixed_point(c, rule, self.threshold, upper=True)
        elif self.threshold is not None and rule.aggregation is Aggregation.per_owner:
            arrangements = [
                ([c.index[m] for m in a.members], c.index[a.target])
                for a in dataset.arrangements
                if a.active_on(self.as_of)
            ]
            self.lower = per_owner_fixed_point(
                c, rule, self.threshold, upper=False, arrangements=arrangements
            )
            self.upper = per_owner_fixed_point(
                c, rule, self.threshold, upper=True, arrangements=arrangements
            )
        step(2)
        self.reach: Reachability = reach_from_seeds(c)
        step(3)

    # ------------------------------------------------------------------ stored results
    def _state(self) -> dict[str, np.ndarray]:
        """Every computed array, for a store to keep (see :class:`ownership.derived.ArrayStore`)."""
        state: dict[str, np.ndarray] = {"effective": self.effective, "statuses": self._statuses}
        parts: dict[str, Any] = {"c": self.compiled, "reach": self.reach}
        if self.lower is not None:
            parts["lower"] = self.lower
            if self.upper is not self.lower:
                parts["upper"] = self.upper
        for prefix, part in parts.items():
            for name in part.__dataclass_fields__:
                value = getattr(part, name)
                if isinstance(value, np.ndarray):
                    state[f"{prefix}.{name}"] = value
        state["c.scale"] = np.array(self.compiled.scale, dtype=np.int64)
        positions = [i for i, names in self._flags.items() for _ in names]
        codes = [_FLAGS.index(Flag(f)) for names in self._flags.values() for f in names]
        state["flags.position"] = np.array(positions, dtype=np.int64)
        state["flags.code"] = np.array(codes, dtype=np.int8)
        return state

    def _restore(self, state: dict[str, np.ndarray]) -> bool:
        """Take the results from a store; False when the stored arrays do not fit."""
        columns = self._columns
        try:
            fields = {
                "c": _fields_of(Compiled, state, "c"),
                "reach": _fields_of(Reachability, state, "reach"),
            }
            scale = int(fields["c"].pop("scale"))
            compiled = Compiled(ids=columns.ids, index=columns.index, scale=scale, **fields["c"])
            if compiled.seeds.size != columns.n:
                return False
            reach = Reachability(**fields["reach"])
            lower = upper = None
            if "lower.covered" in state:
                lower = FixedPoint(**_fields_of(FixedPoint, state, "lower"))
                upper = (
                    FixedPoint(**_fields_of(FixedPoint, state, "upper"))
                    if "upper.covered" in state
                    else lower
                )
            effective, statuses = state["effective"], state["statuses"]
            flags: dict[int, list[str]] = defaultdict(list)
            values = [flag.value for flag in _FLAGS]
            for position, code in zip(
                state["flags.position"].tolist(), state["flags.code"].tolist(), strict=True
            ):
                flags[position].append(values[code])
        except (KeyError, TypeError, ValueError):
            return False
        self.compiled, self.reach, self.lower, self.upper = compiled, reach, lower, upper
        self.effective, self._statuses, self._flags = effective, statuses, flags
        return True

    # ------------------------------------------------------------------ classification
    def _look_through_fixed_point(self) -> None:
        c = self.compiled
        assert self.threshold is not None
        threshold = self.threshold
        limit = float(threshold.value) / 100
        meets = self.effective >= limit if threshold.inclusive else self.effective > limit
        covered = meets | c.seeds
        # shares within rounding of the threshold are decided exactly, ">=" or ">" as it says
        near = np.flatnonzero(
            ~c.seeds & (np.abs(self.effective - limit) <= LOOK_THROUGH_EXACT_MARGIN)
        )
        undecided = np.zeros(c.n, dtype=bool)
        if near.size:
            exact = exact_look_through(c, near)
            for i in near.tolist():
                if i not in exact:  # below a ring too large to solve exactly: not guessed
                    covered[i] = False
                    undecided[i] = True
                    continue
                share = exact[i] * 100
                covered[i] = threshold.met_by(share)
                self.effective[i] = _on_its_side(share, threshold) / 100
        rounds = np.where(covered, 1, -1)
        rounds[c.seeds] = 0
        received = np.zeros(c.n, dtype=c.low.dtype)
        self.lower = FixedPoint(covered=covered, received=received, round=rounds)
        self.upper = self.lower
        if undecided.any():  # possibly covered: at the threshold, within rounding
            self.upper = FixedPoint(covered=covered | undecided, received=received, round=rounds)

    @cached_property
    def _undecided(self) -> np.ndarray:
        """Entities whose look-through share sits on the threshold within rounding and
        could not be decided exactly (:func:`exact_look_through`'s budget)."""
        if self.rule.aggregation is not Aggregation.look_through or self.lower is None:
            return np.zeros(self.compiled.n, dtype=bool)
        upper = (self.upper or self.lower).covered
        return np.asarray(upper & ~self.lower.covered, dtype=bool)

    def _classify(self) -> tuple[np.ndarray, dict[int, list[str]]]:
        c = self.compiled
        n = c.n
        codes = np.full(n, 3, dtype=np.int8)  # clear
        codes[self.reach.reached] = 2  # exposed
        flags: dict[int, list[str]] = defaultdict(list)
        if self.lower is not None:
            lower, upper = self.lower.covered, (self.upper or self.lower).covered
            in_scope = ~c.out_of_scope
            if self.in_force:
                codes[lower & in_scope & ~c.seeds] = 1
                # a US entity that may meet the test says so too, beside its scope
                for i in np.flatnonzero(upper & ~lower & ~c.seeds & self.reach.reached):
                    flags[int(i)].append(Flag.possibly_covered.value)
                for i in np.flatnonzero(upper & c.out_of_scope & ~c.seeds):
                    flags[int(i)].append(Flag.out_of_scope_us_entity.value)
            else:
                for i in np.flatnonzero(lower & in_scope & ~c.seeds):
                    flags[int(i)].append(Flag.would_be_covered.value)
        data_flags = ((c.conflicted, Flag.conflicting_stakes), (c.closed_ring, Flag.closed_ring))
        for mask, flag in data_flags:
            for i in np.flatnonzero(mask):
                flags[int(i)].append(flag.value)
        codes[c.seeds] = 0
        return codes, flags

    @property
    def global_flags(self) -> list[str]:
        """Flags that hold for every entity on this date (the rule's window)."""
        result = []
        if not self.in_force:
            result.append(Flag.rule_not_in_force.value)
        if self.window is not None and not self.window.verified:
            result.append(Flag.unverified_window.value)
        return result

    # ------------------------------------------------------------------ summaries
    def __len__(self) -> int:
        return self.compiled.n

    def __iter__(self) -> Iterator[Verdict]:
        return self.verdicts()

    def __repr__(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in self.counts().items())
        return f"<Analysis {self.rule.name} as of {self.as_of.isoformat()}: {counts}>"

    def status(self, entity_id: str) -> Status:
        return STATUS_CODES[int(self._statuses[self.compiled.index[entity_id]])]

    def statuses(self) -> dict[str, Status]:
        return {
            eid: STATUS_CODES[int(code)]
            for eid, code in zip(self.compiled.ids, self._statuses, strict=True)
        }

    def flags(self, entity_id: str) -> list[str]:
        return self._flags_at(self.compiled.index[entity_id])

    def _flags_at(self, i: int) -> list[str]:
        return [*self._flags.get(i, []), *self.global_flags]

    def counts(self) -> dict[str, int]:
        values = np.bincount(self._statuses, minlength=4)
        return {s.value: int(values[i]) for i, s in enumerate(STATUS_CODES)}

    def header(self) -> str:
        """What every output states first: the rule, its window and the date."""
        text = f"Rule {self.rule.describe_on(self.as_of)}; as of {self.as_of.isoformat()}."
        if not self.in_force:
            text += " The rule is NOT in force on this date: nothing is covered by it."
        if self.window is not None and not self.window.verified:
            text += f" Window unverified: {self.window.note or 'check the Federal Register'}."
        return text

    def data_notice(self) -> str | None:
        """Set when the data cannot all be true on the date: stakes in conflict, closed
        rings; the verdicts concerned carry the flag and say which records."""
        c = self.compiled
        parts = []
        conflicted = int(c.conflicted.sum()) if c.conflicted.size else 0
        ringed = int(c.closed_ring.sum()) if c.closed_ring.size else 0
        if conflicted:
            parts.append(
                f"stakes in {conflicted} entit{'y' if conflicted == 1 else 'ies'} add up to "
                "more than 100% (flag conflicting_stakes: each counts from 0 up to its figure)"
            )
        if ringed:
            parts.append(
                f"{ringed} entit{'y is' if ringed == 1 else 'ies are'} on rings owning "
                "themselves 100% with no outside owner (flag closed_ring)"
            )
        if not parts:
            return None
        return (
            f"The data cannot all be true on {self.as_of.isoformat()}: {'; '.join(parts)}. "
            "`ownership validate` lists the records."
        )

    def seed_notice(self) -> str | None:
        """Set when none of the dataset's listings is read by the rule."""
        if self.compiled.seeds.any():
            return None
        present = sorted({x.list for x in self.dataset.listings if x.active_on(self.as_of)})
        found = ", ".join(present) if present else "none active on this date"
        return (
            f"No listing in the data is read by {self.rule.name} on {self.as_of.isoformat()}: "
            f"it reads {', '.join(self.rule.seed_names())}; the data has {found}. "
            "Choose another rule or pass --lists."
        )

    # ------------------------------------------------------------------ queries
    @cached_property
    def names(self) -> Any:
        """Name index over every name of every entity (see :mod:`ownership.resolve`)."""
        from .resolve import NameIndex

        return NameIndex(self.dataset)

    def resolve(self, name: str) -> str:
        """The id of the one entity ``name`` denotes (id, name, alias or former name)."""
        return str(self.names.resolve(name).entity.id)

    def name_of(self, entity_id: str) -> str:
        """The entity's name as used on the analysis date."""
        return self._names[entity_id]

    def holdings_into(self, entity_id: str) -> list[Holding]:
        """Holdings in ``entity_id`` active on the analysis date."""
        return self._active_holdings_into(entity_id)

    # ------------------------------------------------------------------ verdicts
    @cached_property
    def _columns(self) -> Columns:
        return columns_of(self.dataset)

    @cached_property
    def _names(self) -> _NamesOnDate:
        return _NamesOnDate(self)

    @cached_property
    def _active_holding_rows(self) -> np.ndarray:
        return self._columns.holdings.active(self.as_of)

    @cached_property
    def _usable_links(self) -> tuple[Any, Any]:
        """Links that can carry ownership or control on the date, owner -> owned and
        owned -> owner, as sparse matrices with each row's entries in position order."""
        from scipy import sparse

        c = self.compiled
        usable = c.usable()
        src, dst = c.src[usable], c.dst[usable]
        ones = np.ones(src.size)  # scipy's searches take float64; anything else is copied
        matrices = []
        for rows, cols in ((src, dst), (dst, src)):
            matrix = sparse.csr_matrix((ones, (rows, cols)), shape=(c.n, c.n))
            matrix.sum_duplicates()
            matrix.sort_indices()
            matrices.append(matrix)
        return matrices[0], matrices[1]

    @cached_property
    def _active_listing_rows(self) -> np.ndarray:
        return self._columns.listings.active(self.as_of)

    def _active_holdings_into(self, entity_id: str) -> list[Holding]:
        rows = self._active_rows_into(self._columns.index[entity_id])
        records = self.dataset.holdings
        return [records[int(k)] for k in rows]

    def _active_listings_at(self, i: int) -> list[Listing]:
        rows = self._columns.listings.of(i)
        rows = rows[self._active_listing_rows[rows]]
        records = self.dataset.listings
        return [records[int(k)] for k in rows]

    def verdicts(self) -> Iterator[Verdict]:
        for entity_id in self.compiled.ids:
            yield self.verdict(entity_id)

    def verdict(self, entity_id: str) -> Verdict:
        c = self.compiled
        i = c.index[entity_id]
        status = STATUS_CODES[int(self._statuses[i])]
        flags = tuple(self._flags_at(i))
        owners = self._contributions_at(i)
        positions, cut = self._chain_positions(i, status)
        chain = tuple(c.ids[x] for x in positions)
        chain_via = chain[0] if cut else None
        names = tuple(self._names.at(x) for x in positions)
        ancestors = self._listed_ancestors(i) if status is not Status.clear else ()
        nearest = int(self.reach.nearest_seed[i])
        nearest_id = c.ids[nearest] if nearest >= 0 and nearest != i else None
        legal_low, legal_high = self._legal_share(i)
        listings = tuple(
            x for x in self._active_listings_at(i) if self.rule.reads(x.list, x.program)
        )
        effective = float(self.effective[i]) * 100
        name = self._names.at(i)
        text = explanation(
            self,
            position=i,
            name=name,
            status=status,
            flags=flags,
            chain_names=("…", *names) if cut else names,
            owners=[(o.owner_name, o.share, o.owner_status, o.kind) for o in owners],
            listings=listings,
            legal_low=legal_low,
            legal_high=legal_high,
            effective=effective,
            nearest_listed=nearest_id,
        )
        return Verdict(
            id=entity_id,
            name=name,
            country=self._columns.country[i],
            status=status,
            flags=flags,
            rule=self.rule.label,
            rule_title=self.rule.title,
            window=self._window_text,
            as_of=self.as_of,
            threshold=self._threshold_text,
            effective_percent=effective,
            legal_percent=legal_low,
            legal_percent_max=legal_high,
            owners=owners,
            chain=chain,
            chain_names=names,
            nearest_listed=nearest_id,
            listed_ancestors=ancestors[:LISTED_SHOWN],
            listings=listings,
            explanation=text,
            chain_via=chain_via,
            listed_ancestors_total=len(ancestors),
        )

    # ------------------------------------------------------------------ fixed wording
    @cached_property
    def _window_text(self) -> str:
        if self.window is not None:
            return self.window.describe()
        return "always in force" if not self.rule.windows else "not in force"

    @cached_property
    def _threshold_text(self) -> str:
        return str(self.threshold) if self.threshold else "none"

    @cached_property
    def _rule_when(self) -> str:
        """The rule and date as every explanation names them."""
        text = f"{self.rule.label} ({self.rule.title}) on {self.as_of.isoformat()}"
        if self.window is not None and self.rule.windows:
            text += f" ({self.window.describe()})"
        return text

    def _window_sentences(self, flags: tuple[str, ...] | list[str]) -> list[str]:
        """Closing sentences on the rule's window, for the flags that hold on the date."""
        not_in_force, unverified = self._window_wording
        sentences = []
        if Flag.rule_not_in_force.value in flags:
            sentences.append(not_in_force)
        if unverified and Flag.unverified_window.value in flags:
            sentences.append(unverified)
        return sentences

    def _data_sentences(self, i: int, flags: tuple[str, ...] | list[str]) -> list[str]:
        """What the data says about entity ``i`` that cannot all be true, or that leaves it
        with no ultimate owner: stakes in conflict, alternative figures, a closed ring."""
        c = self.compiled
        sentences = []
        pairs = c.in_pairs(i)
        alternative = pairs[c.alternative[pairs]] if c.alternative.size else pairs[:0]
        if Flag.conflicting_stakes.value in flags or alternative.size:
            into = self._active_holdings_into(c.ids[i])
            records = [h for h in into if h.kind is HoldingKind.ownership]
        if Flag.conflicting_stakes.value in flags:
            from .stakes import stakes_on

            stakes = stakes_on(records, self.as_of, settle=False).values()
            total = sum((x.low for x in stakes), Decimal(0))
            sentences.append(
                f"The stakes in it cannot all be true on {self.as_of.isoformat()}: "
                f"{_records_text(self, records)} add up to {fmt_decimal(total)}%"
                f"{' or more' if total == 100 else ''}; until the figures are settled each "
                "counts from 0 up to its own figure, so coverage that rests on them is "
                "possible, not certain."
            )
        for k in alternative.tolist():
            owner = c.ids[int(c.src[k])]
            figures = [h for h in records if h.owner == owner]
            low, high = fmt_decimal(c.unscale(c.low[k])), fmt_decimal(c.unscale(c.high[k]))
            if Flag.conflicting_stakes.value in flags:
                continue  # named above
            sentences.append(
                f"Sources give different figures for {self._names.at(int(c.src[k]))}'s stake: "
                f"{_records_text(self, figures)}; read as one stake of {low}-{high}%."
            )
        if Flag.closed_ring.value in flags:
            members, size = self._ring_of(i, RING_NAMED)
            ring = ", ".join(self._names.at(k) for k in members)
            if size > RING_NAMED:
                ring += f" and {size - RING_NAMED:,} more"
            sentences.append(
                f"It is on a ring of entities owning each other 100% with no outside owner "
                f"({ring}): nobody ultimately owns them, look-through counts nothing around "
                "the ring, and a listed member still passes its stakes on."
            )
        return sentences

    @cached_property
    def _closed_rings(self) -> tuple[np.ndarray, dict[int, np.ndarray]]:
        """Per entity, the closed ring it is on (-1 for none), and each ring's members in
        dataset order; worked out once for every verdict that names its ring."""
        from scipy import sparse
        from scipy.sparse.csgraph import connected_components

        c = self.compiled
        label = np.full(c.n, -1, dtype=np.int64)
        links = c.has_share & (c.low > 0) & c.closed_ring[c.src] & c.closed_ring[c.dst]
        if not links.any():
            return label, {}
        graph = sparse.csr_matrix(
            (np.ones(int(links.sum()), dtype=np.int8), (c.src[links], c.dst[links])),
            shape=(c.n, c.n),
        )
        _, found = connected_components(graph, directed=True, connection="strong")
        label[c.closed_ring] = found[c.closed_ring]
        members = np.flatnonzero(label >= 0)
        rings = {int(k): members[label[members] == k] for k in np.unique(label[members])}
        return label, rings

    def _ring_of(self, i: int, first: int) -> tuple[list[int], int]:
        """The first members of the closed ring entity ``i`` is on, in dataset order, and
        how many it has: only the first are listed, so a large ring costs each verdict little.
        """
        label, rings = self._closed_rings
        if label[i] < 0:
            return [i], 1
        members = rings[int(label[i])]
        return members[:first].tolist(), len(members)

    @cached_property
    def _window_wording(self) -> tuple[str, str]:
        window = self.window
        not_in_force = (
            f"The rule is not in force on {self.as_of.isoformat()}"
            + (f" ({window.describe()})" if window else "")
            + "."
        )
        unverified = (
            f"This rule window is unverified: {window.note or 'check the Federal Register'}."
            if window is not None
            else ""
        )
        return not_in_force, unverified

    @cached_property
    def _owner_sets(self) -> tuple[np.ndarray, np.ndarray]:
        """Entities whose links count as owners: listed or covered at the lower bounds, and
        at the upper bounds (US entities pass coverage on)."""
        seeds = self.compiled.seeds
        lower = seeds | self.lower.covered if self.lower is not None else seeds
        fixed = self.upper or self.lower
        upper = seeds | fixed.covered if fixed is not None else seeds
        return lower, upper

    def _active_rows_into(self, i: int) -> np.ndarray:
        rows = self._columns.holdings.into(i)
        return rows[self._active_holding_rows[rows]]

    def _contributions_at(self, i: int) -> tuple[Contribution, ...]:
        """Links from owners that are listed or covered (or could be, at upper bounds),
        and the stakes other members of a joint arrangement bring in."""
        return tuple(self._counted_owners(self._active_rows_into(i)).get(i, ()))

    @cached_property
    def _arrangements_by_target(self) -> dict[int, list[Arrangement]]:
        """Joint arrangements active on the date, by target, for a rule that reads them."""
        found: dict[int, list[Arrangement]] = defaultdict(list)
        if self.rule.aggregation is Aggregation.per_owner:
            index = self.compiled.index
            for arrangement in self.dataset.arrangements:
                if arrangement.active_on(self.as_of):
                    found[index[arrangement.target]].append(arrangement)
        return found

    @cached_property
    def _arranged_members(self) -> dict[int, set[int]]:
        """Per target, the members of counted arrangements over it that do not count on
        their own: their stakes in it count through the arrangement."""
        counts = self._owner_sets[1]
        index = self.compiled.index
        found: dict[int, set[int]] = {}
        for target in self._arrangements_by_target:
            members = {index[m] for a in self._arrangements_counted(target) for m in a.members}
            members = {m for m in members if not counts[m] and m != target}
            if members:
                found[target] = members
        return found

    def _arrangements_counted(self, i: int) -> list[Arrangement]:
        """Arrangements over ``i`` with a member that is listed or covered (at the upper
        bounds): they bring every member's shares in (UK Sch. 1 para 3; convention 6)."""
        counts = self._owner_sets[1]
        index = self.compiled.index
        return [
            a
            for a in self._arrangements_by_target.get(i, ())
            if any(counts[index[m]] for m in a.members)
        ]

    def _arrangement_sentences(self, i: int) -> list[str]:
        """How each counted joint arrangement over ``i`` brings its members' shares in."""
        counts = self._owner_sets[1]
        index = self.compiled.index
        sentences = []
        for arrangement in self._arrangements_counted(i):
            members = [self._names.at(index[m]) for m in arrangement.members]
            counted = [self._names.at(index[m]) for m in arrangement.members if counts[index[m]]]
            sentences.append(
                f"{_names_text(members)} exercise their rights in {self._names.at(i)} under a "
                "joint arrangement: each is treated as holding their combined shares (SAMLA "
                f"Sch. 1 para 3), which count here because {_names_text(counted)} "
                f"{'is' if len(counted) == 1 else 'are'} listed or owned by a listed party."
            )
        return sentences

    def _counted_owners(self, rows: np.ndarray) -> dict[int, list[Contribution]]:
        """Per owned entity, the links among holding ``rows`` from owners that count, and
        the stakes joint arrangements bring in (kind ``arrangement``), sorted as verdicts
        list them: largest share first."""
        columns = self._columns
        h = columns.holdings
        scale = 10**columns.places
        divisor = Decimal(scale)
        counted = self._owner_sets[1][h.owner[rows]]
        arranged = np.zeros(rows.size, dtype=bool)
        if self._arranged_members:
            members = self._arranged_members
            columns_of_rows = (h.owner[rows].tolist(), h.owned[rows].tolist())
            for k, (owner, owned, control) in enumerate(
                zip(*columns_of_rows, h.control[rows].tolist(), strict=True)
            ):
                arranged[k] = not control and owner in members.get(owned, ())
        rows, arranged = rows[counted | arranged], arranged[counted | arranged]
        ids, codes = columns.ids, self._statuses
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
            name = self._names.at(owner)
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

    def _legal_share(
        self, i: int, bounds: tuple[np.ndarray, np.ndarray, int] | None = None
    ) -> tuple[Decimal, Decimal]:
        """The share listed or covered owners hold (lower, upper bound).

        ``bounds`` are :meth:`_legal_bounds` of every entity, when many verdicts are wanted.
        """
        if bounds is None:
            bounds = self._legal_bounds(np.array([i]))
            slot = 0
        else:
            slot = i
        low, high, scale = bounds
        places = len(str(scale)) - 1  # scale is 10**places: shifting the point is exact
        return (
            Decimal(fmt_decimal(Decimal(int(low[slot])).scaleb(-places))),
            Decimal(fmt_decimal(Decimal(int(high[slot])).scaleb(-places))),
        )

    def _legal_bounds(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        """Scaled legal shares (lower, upper) of the entities at ``positions``, and their
        scale: 100% for a listed entity; under a per-owner rule, what one designated person
        holds; otherwise :meth:`_legal_sums` over the stakes in them."""
        c = self.compiled
        # int64, or Python ints for shares with more places than int64 holds exactly
        kind = c.low.dtype
        if self.rule.aggregation is Aggregation.per_owner and self.lower is not None:
            low = np.asarray(self.lower.received, dtype=kind)[positions]
            high = np.asarray((self.upper or self.lower).received, dtype=kind)[positions]
            high = np.maximum(low, high)
        else:
            starts = c.in_ptr[positions]
            counts = c.in_ptr[positions + 1] - starts
            pairs = c.in_edges[concatenated_ranges(starts, counts)]
            slots = np.repeat(np.arange(positions.size), counts)
            sums = self._legal_sums(pairs, slots, positions.size)
            low, high = (np.asarray(x, dtype=kind) for x in sums)
        listed = c.seeds[positions]
        hundred = 100 * c.scale
        return np.where(listed, hundred, low), np.where(listed, hundred, high), c.scale

    def _legal_sums(
        self, pairs: np.ndarray, slots: np.ndarray, count: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Scaled legal shares (lower, upper) per slot (``count`` of them) over the stakes
        ``pairs``, pair k being into the entity of slot ``slots[k]``.

        Lower: what owners that count hold at their lower bounds. Upper: what they could
        hold, short of what the other owners certainly hold, and never below the lower.
        """
        c = self.compiled
        lower, upper = self._owner_sets
        owners = c.src[pairs]
        share = c.has_share[pairs]
        low = sum_into(count, slots, c.low[pairs], share & lower[owners])
        high = sum_into(count, slots, c.high[pairs], share & upper[owners])
        outside = sum_into(count, slots, c.low[pairs], share & ~upper[owners])
        hundred = 100 * c.scale
        return low, np.maximum(low, np.minimum(high, hundred - outside))

    def _chain_positions(self, i: int, status: Status) -> tuple[list[int], bool]:
        """From a listed entity down to ``i``: through covering owners, else the reach
        path; at most :data:`CHAIN_SHOWN` entities, and whether it was cut (it then starts
        at an entity whose own chain goes on up)."""
        c = self.compiled
        if c.seeds[i]:
            return [i], False
        fp = self.lower
        path = [i]
        node = i
        if (
            fp is not None
            and fp.covered[i]
            and self.rule.aggregation is not Aggregation.look_through
        ):
            while not c.seeds[node]:
                best = None
                best_key: tuple[Any, ...] | None = None
                for k in c.in_pairs(node):
                    j = int(c.src[k])
                    if fp.covered[j] and 0 <= fp.round[j] < fp.round[node]:
                        key = (bool(c.has_share[k]), c.low[k], -j)
                        if best_key is None or key > best_key:
                            best, best_key = j, key
                if best is None:
                    break
                if len(path) == CHAIN_SHOWN:
                    path.reverse()
                    return path, True
                path.append(best)
                node = best
            path.reverse()
            return path, False
        if not self.reach.reached[i]:
            return [], False
        parent = self.reach.parent
        while parent[node] >= 0:
            if len(path) == CHAIN_SHOWN:
                path.reverse()
                return path, True
            node = int(c.src[parent[node]])
            path.append(node)
        path.reverse()
        return path, False

    def chain_of(self, entity_id: str) -> list[str]:
        """The whole chain of an entity (a name works too), from a listed entity down:
        verdicts show at most :data:`CHAIN_SHOWN` entities of it, the rest by reference
        (``chain_via``)."""
        c = self.compiled
        i = c.index[self.resolve(entity_id)]
        whole, cut = self._chain_positions(i, STATUS_CODES[int(self._statuses[i])])
        while cut:
            top = whole[0]
            above, cut = self._chain_positions(top, STATUS_CODES[int(self._statuses[top])])
            whole = above[:-1] + whole
        return [c.ids[k] for k in whole]

    def _kept(
        self,
        suffix: str,
        make: Callable[[], dict[str, np.ndarray]],
        usable: Callable[[dict[str, Any]], bool],
    ) -> dict[str, Any]:
        """Arrays kept in the dataset's store, when it has one, inside this analysis's
        entry, so that a later command does not make them again; made and kept when
        absent or not ``usable`` (say, not one per entity)."""
        store = derived(self.dataset).store
        key = f"{_state_key(self.rule, self.as_of)}/{suffix}"  # pruned with the analysis
        stored = store.get(key) if store is not None else None
        if stored is not None and usable(stored):
            return stored
        arrays = make()
        if store is not None:
            store.put(key, arrays)
        return arrays

    def _per_entity(self, name: str) -> Callable[[dict[str, Any]], bool]:
        """Stored arrays are usable when ``name`` holds one value per entity."""
        return lambda stored: stored.get(name, np.empty(0)).size == self.compiled.n

    @cached_property
    def _ancestry(self) -> _SeedAncestry:
        """Listed ancestors of every entity, from components kept in the store."""
        components = self._kept(
            "ancestry", lambda: _SeedAncestry.components(self), self._per_entity("label")
        )
        return _SeedAncestry(self, components)

    @cached_property
    def _share_order(self) -> ShareOrder:
        """The share links in topological order, for look-through shares from one entity;
        kept in the store: working it out takes longer than a query."""
        arrays = self._kept(
            "shares",
            lambda: ShareOrder.build(self.compiled).to_arrays(),
            lambda stored: ShareOrder.from_arrays(stored, self.compiled.n) is not None,
        )
        order = ShareOrder.from_arrays(arrays, self.compiled.n)
        assert order is not None  # made or checked by _kept
        return order

    def _listed_ancestors(self, i: int) -> tuple[str, ...]:
        if not self.reach.reached[i]:
            return ()
        return self._ancestry.ancestors(i)

    @cached_property
    def groups(self) -> np.ndarray:
        """Group label of every entity: entities linked by active holdings share one."""
        from scipy import sparse
        from scipy.sparse.csgraph import connected_components

        c = self.compiled

        def labels() -> dict[str, np.ndarray]:
            links = sparse.csr_matrix(
                (np.ones(c.src.size, dtype=np.int8), (c.src, c.dst)), shape=(c.n, c.n)
            )
            _, label = connected_components(links, directed=True, connection="weak")
            return {"groups": np.asarray(label)}

        return np.asarray(self._kept("groups", labels, self._per_entity("groups"))["groups"])


# ---------------------------------------------------------------------- explanations


def _on_its_side(share: Fraction, threshold: Threshold) -> float:
    """An exact look-through share (percent) as the float reported for it, rounded to
    the six places JSON shows on the side of the threshold the exact share is on: a
    share just under 50% is never written 50.0 on an entity that is not covered."""
    value = float(share)
    shown = Fraction(Decimal(repr(round(value, 6))))
    if threshold.met_by(shown) == threshold.met_by(share):
        return value
    millionths = share * 1_000_000
    step = math.ceil(millionths) if threshold.met_by(share) else math.floor(millionths)
    return float(Fraction(step, 1_000_000))


def percent_words(value: float | Decimal, threshold: Threshold | None = None) -> str:
    """A share as text: a decimal exactly; a float (look-through) to two places, or to six
    where two would put it on the other side of ``threshold`` (49.9999999 is not 50%)."""
    if isinstance(value, Decimal):
        return f"{fmt_decimal(value)}%"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    if threshold is not None and math.isfinite(value):
        shown, actual = Decimal(f"{value:.2f}"), Decimal(repr(value))
        if threshold.met_by(shown) != threshold.met_by(actual):
            text = f"{value:.6f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _read_under(rule: Rule, listing: Listing) -> str:
    """Where the rule says it reads this listing, when the rule data cites it."""
    seed = rule.seed_for(listing.list, listing.program)
    return f", read under {seed.citation}" if seed is not None and seed.citation else ""


def _list_label(listing: Listing) -> str:
    label = {
        "entity_list": "the Entity List",
        "meu_list": "the MEU List",
        "unverified_list": "the Unverified List",
        "sdn": "the SDN List",
        "eu": "the EU list",
        "uk": "the UK list",
    }.get(listing.list, f"list {listing.list!r}")
    if listing.program:
        label += f" [{listing.program}]"
    if listing.start:
        label += f" since {listing.start.isoformat()}"
    if listing.citation:
        label += f" ({listing.citation})"
    return label


def _records_text(analysis: Analysis, records: Sequence[Holding]) -> str:
    """Holdings as a verdict names them: owner, share as written, sources."""
    return ", ".join(
        f"{analysis._names[h.owner]} {h.share_text()}"
        + (f" ({', '.join(h.sources)})" if h.sources else "")
        for h in records
    )


def exposed_flag_sentences(flags: Sequence[str], reach: str, rule: Rule) -> list[str]:
    """The sentences an exposed entity's flags add to its explanation; ``reach`` is the
    most that unknown or range shares could add up to, as text (``"60%"``)."""
    sentences = []
    if Flag.possibly_covered.value in flags:
        # the Affiliates Rule's own guidance; the other rules leave it to due diligence
        cite = " (BIS Red Flag 29)" if rule.name == "bis-affiliates" else ""
        sentences.append(
            "Possibly covered: unknown or range shares could reach "
            f"{reach}; establish the exact shares{cite}."
        )
    if Flag.out_of_scope_us_entity.value in flags:
        sentences.append(
            "It meets (or may meet) the ownership test, but the rule reaches non-US entities "
            "only; it still passes coverage down to its foreign subsidiaries."
        )
    if Flag.would_be_covered.value in flags:
        sentences.append("Were the rule in force on this date, it would be covered.")
    return sentences


def explanation(
    analysis: Analysis,
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
    rule_when = analysis._rule_when
    threshold = analysis._threshold_text
    chain = " -> ".join(chain_names)
    owner_text = ", ".join(
        f"{o[0]} {o[1]} ({o[2]}{', joint arrangement' if o[3] == 'arrangement' else ''})"
        for o in owners
    )
    aggregation = analysis.rule.aggregation
    parts: list[str] = []
    if status is Status.listed:
        lists = "; ".join(_list_label(x) + _read_under(analysis.rule, x) for x in listings)
        lists = lists or "a list the rule reads"
        parts.append(f"{name} is listed: on {lists}; {rule_when}.")
    elif status is Status.covered:
        if aggregation is Aggregation.look_through:
            parts.append(
                f"{name} is covered under {rule_when}: listed parties hold "
                f"{percent_words(effective, analysis.threshold)} of it through all paths "
                f"(threshold {threshold})."
            )
        else:
            held = percent_words(legal_low)
            via_control = any(o[3] == "control" for o in owners) and not _meets_text(
                legal_low, analysis
            )
            basis = (
                "controlled by listed or covered owners"
                if via_control
                else (f"listed or covered owners hold {held} (threshold {threshold})")
            )
            if aggregation is Aggregation.per_owner:
                person = (
                    int(analysis.lower.owner_of[position])
                    if analysis.lower is not None and analysis.lower.owner_of is not None
                    else None
                )
                if person is not None:
                    basis = (
                        f"designated {analysis._names.at(person)} alone holds or controls "
                        f"{held} (threshold {threshold}, no aggregation across persons)"
                    )
            parts.append(f"{name} is covered under {rule_when}: {basis}: {owner_text}.")
            if chain:
                parts.append(f"Chain: {chain}.")
            parts.append(f"Look-through share {percent_words(effective, analysis.threshold)}.")
    elif status is Status.exposed:
        nearest = analysis._names.get(nearest_listed or "", nearest_listed)
        parts.append(
            f"{name} is exposed: not listed and not covered under {rule_when}, "
            f"yet owned or controlled through {chain} by listed {str(nearest).rstrip('.')}."
        )
        if aggregation in (Aggregation.all, Aggregation.per_owner):
            parts.append(
                f"Listed or covered owners hold {percent_words(legal_low)} "
                f"(threshold {threshold}); "
                f"look-through share {percent_words(effective, analysis.threshold)}."
            )
        else:
            parts.append(f"Look-through share {percent_words(effective, analysis.threshold)}.")
        if owner_text:
            parts.append(f"Owners that count: {owner_text}.")
        if analysis._undecided[position]:
            parts.append(
                f"Possibly covered: its look-through share is within rounding of the "
                f"threshold ({threshold}) and it lies below a ring too large to decide that "
                "exactly here; establish the shares."
            )
            flags = [f for f in flags if f != Flag.possibly_covered.value]
        parts += exposed_flag_sentences(flags, percent_words(legal_high), analysis.rule)
    else:
        parts.append(f"{name} is clear: no listed party owns or controls it under {rule_when}.")
    if status is not Status.listed:
        parts.extend(analysis._arrangement_sentences(position))
    parts.extend(analysis._data_sentences(position, flags))
    parts.extend(analysis._window_sentences(flags))
    text = " ".join(parts)
    return DOUBLE_STOP.sub(_single_stop, text) if ".." in text else text


#: A sentence stop right after a name that ends in one ("Co.", "Ltd.").
DOUBLE_STOP = re.compile(r"\.\.(?=\s|$)")
WORD_CHARACTER = re.compile(r"\w")


def _names_text(names: Sequence[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _single_stop(match: re.Match[str]) -> str:
    start = match.start()
    return "." if start and WORD_CHARACTER.match(match.string, start - 1) else ".."


def _meets_text(legal_low: Decimal, analysis: Analysis) -> bool:
    threshold = analysis.threshold
    return threshold is not None and threshold.met_by(legal_low)
