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
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cached_property
from typing import Any

import numpy as np

from . import wording
from .ancestry import SeedAncestry
from .checks import check_dataset
from .columns import Columns, DatedNames, columns_of
from .computed import STAGES, Computed, compute, state_key
from .derived import derived
from .errors import DataError, shown
from .explanation import Explainer
from .legal import LegalShares
from .model import Dataset, Holding, Listing
from .propagate import (
    Compiled,
    FixedPoint,
    Reachability,
)
from .rules import DEFAULT_RULE, get_rule
from .rules.base import Aggregation, Rule, Threshold
from .share_order import ShareOrder
from .verdict import (
    CHAIN_SHOWN,
    LISTED_SHOWN,
    STATUS_CODES,
    Contribution,
    Flag,
    Status,
    Verdict,
)

__all__ = ["Analysis", "Contribution", "Flag", "Status", "Verdict", "analyze"]


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
    shares: bool = False,
) -> Analysis:
    """Every entity's status under ``rule`` on ``as_of`` (default: today).

    ``progress(done, total)`` is called after each stage (compile, fixed points,
    reachability, classification), for progress bars on large graphs. Look-through
    shares are worked out when first read, unless the rule needs them or ``shares``
    asks for them now (beside the fixed points: quicker when every one will be read).
    """
    chosen, day = prepared(dataset, rule, as_of, lists)
    return Analysis(dataset, chosen, day, progress=progress, shares=shares)


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


class Analysis:
    """The result of one rule on one date over a dataset: every entity's verdict.

    It computes verdicts (:mod:`ownership.computed`) and answers questions about them
    (status, flags, verdict, chain, counts). Its public arrays and helpers (``codes``,
    ``flags_by_position``, ``columns``, ``legal``, ``explainer``, ...) are what the writers
    by columns read to make many verdicts at once. The questions built on verdicts
    (affiliates, timeline, screening, the entity card) and the drawings live above it, in
    :mod:`ownership.facade`.
    """

    def __init__(
        self,
        dataset: Dataset,
        rule: Rule,
        as_of: dt.date,
        *,
        progress: Callable[[int, int], None] | None = None,
        shares: bool = False,
    ) -> None:
        def step(done: int) -> None:
            if progress is not None:
                progress(done, STAGES)

        self.dataset = dataset
        self.rule = rule
        self.as_of = as_of
        self.window = rule.window_on(as_of)
        self.in_force = rule.in_force_on(as_of)
        self.threshold: Threshold | None = rule.threshold_on(as_of)
        store = derived(dataset).store
        key = state_key(rule, as_of) if store is not None else ""
        state = store.get(key) if store is not None else None
        computed = Computed.from_arrays(state, self.columns) if state is not None else None
        if computed is None:
            computed = compute(dataset, rule, as_of, step, with_shares=shares or store is not None)
            if store is not None and computed.compiled.low.dtype != object:
                store.put(key, computed.to_arrays())
        else:
            step(STAGES)
        self.computed = computed
        self.compiled: Compiled = computed.compiled
        self.reach: Reachability = computed.reach
        self.lower: FixedPoint | None = computed.lower
        self.upper: FixedPoint | None = computed.upper
        #: status code per entity (see :data:`ownership.verdict.STATUS_CODES`)
        self.codes: np.ndarray = computed.codes
        #: flags of each entity's own, by position (:meth:`flags_at` adds the window's)
        self.flags_by_position: Mapping[int, list[str]] = computed.flags

    @property
    def effective(self) -> np.ndarray:
        """Look-through share held by listed parties, 0-1, per entity (worked out when
        first read, unless the rule or the store needed it already)."""
        return self.computed.effective

    @cached_property
    def undecided(self) -> np.ndarray:
        """Entities whose look-through share sits on the threshold within rounding and
        could not be decided exactly (:func:`exact_look_through`'s budget)."""
        if self.rule.aggregation is not Aggregation.look_through or self.lower is None:
            return np.zeros(self.compiled.n, dtype=bool)
        upper = (self.upper or self.lower).covered
        return np.asarray(upper & ~self.lower.covered, dtype=bool)

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
        return STATUS_CODES[int(self.codes[self.compiled.index[entity_id]])]

    def statuses(self) -> dict[str, Status]:
        return {
            eid: STATUS_CODES[int(code)]
            for eid, code in zip(self.compiled.ids, self.codes, strict=True)
        }

    def flags(self, entity_id: str) -> list[str]:
        return self.flags_at(self.compiled.index[entity_id])

    def flags_at(self, i: int) -> list[str]:
        return [*self.flags_by_position.get(i, []), *self.global_flags]

    def counts(self) -> dict[str, int]:
        values = np.bincount(self.codes, minlength=4)
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
        """The matcher over every name of every entity (see :mod:`ownership.matching`):
        ``match``, ``resolve``, ``suggest``, ``find``."""
        from .matching import Matcher
        from .resolve import NameIndex

        return Matcher(NameIndex(self.dataset))

    def resolve(self, name: str) -> str:
        """The id of the one entity ``name`` denotes (id, name, alias or former name)."""
        return str(self.names.resolve(name).entity.id)

    def name_of(self, entity_id: str) -> str:
        """The entity's name as used on the analysis date."""
        return self.dated_names[entity_id]

    def holdings_into(self, entity_id: str) -> list[Holding]:
        """Holdings in ``entity_id`` active on the analysis date."""
        rows = self.holding_rows_into(self.columns.index[entity_id])
        records = self.dataset.holdings
        return [records[int(k)] for k in rows]

    # ------------------------------------------------------------------ what writers read
    # Verdicts are made from these, one by one (:meth:`verdict`) or by columns
    # (:mod:`ownership.verdict_json`, :mod:`ownership.verdict_records`).
    @cached_property
    def columns(self) -> Columns:
        """The dataset as arrays, in dataset order (positions index every array here)."""
        return columns_of(self.dataset)

    @cached_property
    def dated_names(self) -> DatedNames:
        """Each entity's name on the analysis date."""
        return DatedNames(self.columns, self.dataset.entities, self.as_of)

    @cached_property
    def legal(self) -> LegalShares:
        """Legal shares and the owners that count towards them."""
        return LegalShares(self)

    @cached_property
    def explainer(self) -> Explainer:
        """The explanations of verdicts."""
        return Explainer(self)

    @cached_property
    def active_holding_rows(self) -> np.ndarray:
        """Per holding record, whether it is active on the analysis date."""
        return self.columns.holdings.active(self.as_of)

    def holding_rows_into(self, i: int) -> np.ndarray:
        """Holding records into the entity at position ``i`` active on the date."""
        rows = self.columns.holdings.into(i)
        return rows[self.active_holding_rows[rows]]

    @cached_property
    def usable_pairs(self) -> np.ndarray:
        """Per compiled pair, whether it can carry ownership or control on the date."""
        return self.compiled.usable()

    @cached_property
    def usable_links(self) -> tuple[Any, Any]:
        """Links that can carry ownership or control on the date, owner -> owned and
        owned -> owner, as sparse matrices with each row's entries in position order
        (for searches of large groups)."""
        from scipy import sparse

        c = self.compiled
        usable = self.usable_pairs
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
    def active_listing_rows(self) -> np.ndarray:
        """Per listing record, whether it is active on the analysis date."""
        return self.columns.listings.active(self.as_of)

    @cached_property
    def rule_listing_rows(self) -> np.ndarray:
        """The listing records active on the analysis date on lists the rule reads."""
        rows = np.flatnonzero(self.active_listing_rows)
        return rows[self.columns.listings.read_by(self.rule, rows)] if rows.size else rows

    def listings_at(self, i: int) -> list[Listing]:
        """Listings of the entity at position ``i`` active on the date."""
        rows = self.columns.listings.of(i)
        rows = rows[self.active_listing_rows[rows]]
        records = self.dataset.listings
        return [records[int(k)] for k in rows]

    def verdicts(self) -> Iterator[Verdict]:
        for entity_id in self.compiled.ids:
            yield self.verdict(entity_id)

    def verdict(self, entity_id: str) -> Verdict:
        c = self.compiled
        i = c.index[entity_id]
        status = STATUS_CODES[int(self.codes[i])]
        flags = tuple(self.flags_at(i))
        owners = self.legal.contributions_at(i)
        positions, cut = self.chain_positions(i, status)
        chain = tuple(c.ids[x] for x in positions)
        chain_via = chain[0] if cut else None
        names = tuple(self.dated_names.at(x) for x in positions)
        ancestors = self.listed_ancestors(i) if status is not Status.clear else ()
        nearest = int(self.reach.nearest_seed[i])
        nearest_id = c.ids[nearest] if nearest >= 0 and nearest != i else None
        legal_low, legal_high = self.legal.legal_share(i)
        listings = tuple(x for x in self.listings_at(i) if self.rule.reads(x.list, x.program))
        effective = float(self.effective[i]) * 100
        name = self.dated_names.at(i)
        text = self.explainer.explain(
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
            country=self.columns.country[i],
            status=status,
            flags=flags,
            rule=self.rule.label,
            rule_title=self.rule.title,
            window=self.window_text,
            as_of=self.as_of,
            threshold=self.threshold_text,
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
    def window_text(self) -> str:
        """The ``window`` field of every verdict."""
        return wording.window_text(self.rule, self.window)

    @cached_property
    def threshold_text(self) -> str:
        """The ``threshold`` field of every verdict."""
        return wording.threshold_text(self.threshold)

    @cached_property
    def rule_when(self) -> str:
        """The rule and date as every explanation names them."""
        return wording.rule_when(self.rule, self.as_of, self.window)

    def window_sentences(self, flags: Sequence[str]) -> list[str]:
        """Closing sentences on the rule's window, for the flags that hold on the date."""
        return wording.window_sentences(flags, self.as_of, self.window)

    def chain_positions(self, i: int, status: Status) -> tuple[list[int], bool]:
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
        whole, cut = self.chain_positions(i, STATUS_CODES[int(self.codes[i])])
        while cut:
            top = whole[0]
            above, cut = self.chain_positions(top, STATUS_CODES[int(self.codes[top])])
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
        key = f"{state_key(self.rule, self.as_of)}/{suffix}"  # pruned with the analysis
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
    def ancestry(self) -> SeedAncestry:
        """Listed ancestors of every entity, from components kept in the store."""
        components = self._kept(
            "ancestry",
            lambda: SeedAncestry.components(self.compiled, self.reach),
            lambda stored: self._per_entity("label")(stored) and "sharing" in stored,
        )
        return SeedAncestry(self.compiled, self.groups, components)

    @cached_property
    def share_order(self) -> ShareOrder:
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

    def listed_ancestors(self, i: int) -> tuple[str, ...]:
        if not self.reach.reached[i]:
            return ()
        return self.ancestry.ancestors(i)

    @cached_property
    def groups(self) -> np.ndarray:
        """Group label of every entity: entities linked by active holdings share one."""
        c = self.compiled

        def labels() -> dict[str, np.ndarray]:
            from .propagate.arrays import weak_components

            return {"groups": weak_components(c.n, c.src, c.dst)[1]}

        return np.asarray(self._kept("groups", labels, self._per_entity("groups"))["groups"])
