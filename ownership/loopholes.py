"""The whole dataset's gaps: every listed entity ranked by its unlisted exposure.

For each listed entity, the unlisted entities it owns or controls through a chain (its
unlisted descendants), how many of those the rule covers and how many it leaves exposed,
the exposed ones in which listed parties hold the largest look-through shares, and how
many of them were renamed or moved soon after its listing; for the dataset, how many
entities the listed parties reach (the figure published for the Affiliates Rule: about
1,300 China-related Entity List parties reaching more than 20,000 entities).

Worked out on the engine's arrays: each entity's set of listed ancestors
(:class:`~ownership.ancestry.SeedAncestry`) is shared by many entities, so entities are
counted per distinct set, and each set's counts are then added to every listed entity in
it, a bounded number of sets at a time.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .columns import NO_START
from .display import Tabular, html_table
from .listed_columns import set_members
from .redflags import moves, soon_after
from .verdict import STATUS_CODES, Status

if TYPE_CHECKING:
    from .analysis import Analysis

__all__ = ["LoopholeReport", "Multiplier", "loopholes"]

#: Rows an HTML table shows; the rest are counted below it.
HTML_ROW_LIMIT = 50
#: Exposed descendants named per listed entity unless asked otherwise, largest
#: look-through share first.
TOP_SHOWN = 3


@dataclass(frozen=True)
class Multiplier:
    """How far the listed parties reach: ``listed`` parties (in the country asked for),
    ``reaching`` of them with an unlisted descendant, and the distinct unlisted
    ``entities`` they own or control through a chain, ``covered`` and ``exposed``."""

    listed: int
    reaching: int
    entities: int
    covered: int
    exposed: int

    def sentence(self) -> str:
        return (
            f"{self.listed:,} listed parties reach {self.entities:,} unlisted entities "
            f"({self.covered:,} covered, {self.exposed:,} exposed); "
            f"{self.reaching:,} of them own or control at least one unlisted entity"
        )

    def to_dict(self) -> dict[str, int]:
        return {
            "listed": self.listed,
            "reaching": self.reaching,
            "entities": self.entities,
            "covered": self.covered,
            "exposed": self.exposed,
        }


@dataclass(frozen=True)
class LoopholeReport(Tabular):
    """Listed entities, most exposed first; the arrays hold one value per row, in rank
    order (positions are the analysis's)."""

    _table_columns = (
        "rank",
        "name",
        "country",
        "lists",
        "unlisted",
        "covered",
        "exposed",
        "top_exposed_name",
        "top_look_through_percent",
        "renamed_after_listing",
        "moved_after_listing",
    )

    analysis: Analysis
    listed: np.ndarray
    unlisted: np.ndarray
    covered: np.ndarray
    exposed: np.ndarray
    #: per row, its exposed descendants with the largest look-through shares (largest
    #: first, then dataset order; -1 past the last), and their shares, 0-1
    top: np.ndarray
    top_share: np.ndarray
    renamed: np.ndarray
    moved: np.ndarray
    lists: dict[int, tuple[str, ...]]  # the lists the rule reads that each is on
    since: dict[int, dt.date]  # the earliest start of those listings, when known
    multiplier: Multiplier
    min_look_through: float | None
    country: str | None

    def __len__(self) -> int:
        return int(self.listed.size)

    @property
    def header(self) -> str:
        """The rule, its window and the date, and what was asked."""
        asked = []
        if self.country:
            asked.append(f"listed entities of {self.country}")
        if self.min_look_through is not None:
            asked.append(f"exposed counted at a look-through share of {self.min_look_through:g}%+")
        return self.analysis.header() + (f" ({'; '.join(asked)})" if asked else "")

    def summary(self) -> str:
        return self.multiplier.sentence() + "."

    def record(self, k: int) -> dict[str, Any]:
        """The documented row of rank ``k + 1``."""
        a = self.analysis
        ids = a.compiled.ids
        position = int(self.listed[k])
        top = int(self.top[k, 0])
        since = self.since.get(position)
        largest = [
            {
                "id": ids[entity],
                "name": a.dated_names.at(entity),
                "look_through_percent": round(share * 100, 6),
            }
            for entity, share in zip(self.top[k].tolist(), self.top_share[k].tolist(), strict=True)
            if entity >= 0
        ]
        return {
            "rank": k + 1,
            "id": ids[position],
            "name": a.dated_names.at(position),
            "country": a.columns.country[position],
            "lists": list(self.lists.get(position, ())),
            "listed_since": since.isoformat() if since else None,
            "unlisted": int(self.unlisted[k]),
            "covered": int(self.covered[k]),
            "exposed": int(self.exposed[k]),
            "top_exposed": ids[top] if top >= 0 else None,
            "top_exposed_name": a.dated_names.at(top) if top >= 0 else None,
            "top_look_through_percent": largest[0]["look_through_percent"] if largest else None,
            "largest_exposed": largest,
            "renamed_after_listing": int(self.renamed[k]),
            "moved_after_listing": int(self.moved[k]),
            "rule": a.rule.label,
            "as_of": a.as_of.isoformat(),
        }

    def records(
        self, progress: Callable[[int, int], None] | None = None
    ) -> Iterator[dict[str, Any]]:
        """The rows, made one at a time and not kept."""
        total = len(self)
        for k in range(total):
            if progress is not None and k % 10_000 == 0:
                progress(k, total)
            yield self.record(k)
        if progress is not None:
            progress(total, total)

    def to_records(self) -> list[dict[str, Any]]:
        return list(self.records())

    def to_dict(self) -> dict[str, Any]:
        """The whole report: what was asked, the multiplier and every row."""
        a = self.analysis
        return {
            "rule": a.rule.label,
            "window": a.window_text,
            "as_of": a.as_of.isoformat(),
            "threshold": a.threshold_text,
            "country": self.country,
            "min_look_through": self.min_look_through,
            "multiplier": self.multiplier.to_dict(),
            "loopholes": self.to_records(),
        }

    def _table_caption(self) -> str:
        return f"{self.header} {self.summary()}"

    def _repr_html_(self) -> str:
        shown = min(len(self), HTML_ROW_LIMIT)
        records = [self.record(k) for k in range(shown)]
        return html_table(
            records, self._table_columns, caption=self._table_caption(), total=len(self)
        )


def loopholes(
    analysis: Analysis,
    *,
    min_look_through: float | None = None,
    country: str | None = None,
    top: int = TOP_SHOWN,
) -> LoopholeReport:
    """Every listed entity (of ``country``, if given) ranked by its unlisted exposure:
    most exposed descendants first, then most unlisted descendants, then dataset order;
    with its ``top`` exposed descendants of the largest look-through shares. With
    ``min_look_through`` (a percent), an exposed descendant counts only where listed
    parties' look-through share in it, as ``effective_percent`` shows it, is at least that."""
    if top < 1:
        raise ValueError(f"top={top}: name at least one exposed descendant")
    a = analysis
    c = a.compiled
    codes = np.asarray(a.codes)
    listed = np.flatnonzero(c.seeds)
    country = country.strip().upper() if country else None
    if country:
        countries = a.columns.country[listed]
        listed = listed[np.fromiter((x == country for x in countries), bool, listed.size)]
    # unlisted entities some listed party owns or controls through a chain
    rows = np.flatnonzero(a.reach.reached & ~c.seeds)
    covered = codes[rows] == STATUS_CODES.index(Status.covered)
    exposed = codes[rows] == STATUS_CODES.index(Status.exposed)
    shares = np.asarray(a.effective)[rows] if rows.size else np.zeros(0)
    if min_look_through is not None:
        exposed &= np.round(shares * 100, 6) >= min_look_through
    counts = _SetCounts(a, rows, covered, exposed, shares, top)
    per_seed = counts.by_seed(listed)
    order = np.lexsort((listed, -per_seed.unlisted[listed], -per_seed.exposed[listed]))
    ranked = listed[order]
    since = _listing_starts(a)
    renamed, moved = _red_flags(a, rows, counts.set_of, ranked, since)
    lists = _lists_of(a, ranked)
    reaching = int(np.count_nonzero(per_seed.unlisted[listed]))
    return LoopholeReport(
        analysis=a,
        listed=ranked,
        unlisted=per_seed.unlisted[ranked],
        covered=per_seed.covered[ranked],
        exposed=per_seed.exposed[ranked],
        top=per_seed.top[ranked],
        top_share=per_seed.top_share[ranked],
        renamed=renamed[ranked],
        moved=moved[ranked],
        lists=lists,
        since=since,
        multiplier=Multiplier(
            listed=int(listed.size),
            reaching=reaching,
            entities=per_seed.reached,
            covered=per_seed.reached_covered,
            exposed=per_seed.reached_exposed,
        ),
        min_look_through=min_look_through,
        country=country,
    )


@dataclass
class _PerSeed:
    """Counts per listed entity (by position), and over the listed entities asked for."""

    unlisted: np.ndarray
    covered: np.ndarray
    exposed: np.ndarray
    top: np.ndarray
    top_share: np.ndarray
    reached: int
    reached_covered: int
    reached_exposed: int


class _SetCounts:
    """The unlisted descendants counted per distinct set of listed ancestors."""

    def __init__(
        self,
        analysis: Analysis,
        rows: np.ndarray,
        covered: np.ndarray,
        exposed: np.ndarray,
        shares: np.ndarray,
        most: int,
    ) -> None:
        self.analysis = analysis
        self.most = most
        self.ancestry = ancestry = analysis.ancestry
        ancestry.fill()
        #: per row, the component whose set of listed ancestors it has
        self.set_of = ancestry.sets_of(rows)
        self.sets, inverse = np.unique(self.set_of, return_inverse=True)
        inverse = inverse.reshape(-1)
        k = self.sets.size
        self.unlisted = np.bincount(inverse, minlength=k)
        self.covered = np.bincount(inverse[covered], minlength=k)
        self.exposed = np.bincount(inverse[exposed], minlength=k)
        # per set, its ``most`` exposed rows of the largest shares (then dataset order)
        self.top, self.top_share = _placed(
            k, most, *_best_of(inverse[exposed], rows[exposed], shares[exposed], most)
        )
        # those rows (each in one set) numbered largest share first, then dataset order:
        # a listed entity's best rows are then those of the lowest numbers among its sets'
        has = self.top >= 0
        order = np.lexsort((self.top[has], -self.top_share[has]))
        self.ranked_rows, self.ranked_shares = self.top[has][order], self.top_share[has][order]
        self.top_number = np.full(self.top.shape, -1, dtype=np.int64)
        self.top_number[has] = np.argsort(order)

    def by_seed(self, asked: np.ndarray) -> _PerSeed:
        """Each set's counts added to every listed entity in it; the best exposed rows of
        each listed entity; and the distinct rows reached by the ``asked`` ones."""
        n, most = self.analysis.compiled.n, self.most
        unlisted = np.zeros(n, dtype=np.int64)
        covered = np.zeros(n, dtype=np.int64)
        exposed = np.zeros(n, dtype=np.int64)
        wanted = np.zeros(n, dtype=bool)
        wanted[asked] = True
        hit_sets = np.zeros(self.sets.size, dtype=bool)
        # candidates as key * span + number: sorted, a listed entity's come together,
        # best first (a number is below n, a key too)
        span = max(1, self.ranked_rows.size)
        if n * span >= 2**63:  # past 3 billion entities
            raise ValueError(f"{n:,} entities: too many to rank exposed descendants by")
        candidates: list[np.ndarray] = []
        for which, seeds in set_members(self.ancestry, self.sets):
            for total, count in (
                (unlisted, self.unlisted),
                (covered, self.covered),
                (exposed, self.exposed),
            ):
                total += _sums(seeds, count[which], n)
            hit_sets[which[wanted[seeds]]] = True
            # each member's candidates: its set's best rows
            numbers = self.top_number[which].reshape(-1)
            has = numbers >= 0
            packed = np.repeat(seeds.astype(np.int64), most)[has] * span + numbers[has]
            candidates.append(_first_of(packed, span, most)[0])
        best, rank = _first_of(
            np.concatenate(candidates) if candidates else np.zeros(0, dtype=np.int64), span, most
        )
        keys, numbers = np.divmod(best, span)
        top_of, top_share = _placed(
            n, most, keys, self.ranked_rows[numbers], self.ranked_shares[numbers], rank
        )
        return _PerSeed(
            unlisted=unlisted,
            covered=covered,
            exposed=exposed,
            top=top_of,
            top_share=top_share,
            reached=int(self.unlisted[hit_sets].sum()),
            reached_covered=int(self.covered[hit_sets].sum()),
            reached_exposed=int(self.exposed[hit_sets].sum()),
        )


def _sums(keys: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Per key in ``range(n)``, the sum of its integer ``values`` (exact below 2**53)."""
    return np.rint(np.bincount(keys, weights=values, minlength=n)).astype(np.int64)


def _best_of(
    keys: np.ndarray, rows: np.ndarray, share: np.ndarray, most: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per key (a seed, or a set), its ``most`` candidate rows with the largest share,
    then the first in dataset order: keys, rows, shares and each one's rank within its
    key, sorted by key and rank."""
    order = np.lexsort((rows, -share, keys))
    rank = _ranks(keys[order])
    kept = rank < most
    keep = order[kept]
    return keys[keep], rows[keep], share[keep], rank[kept]


def _first_of(packed: np.ndarray, span: int, most: int) -> tuple[np.ndarray, np.ndarray]:
    """Of candidates ``key * span + number``, the ``most`` of the lowest numbers per
    key, sorted, and each one's rank within its key."""
    packed = np.sort(packed)
    rank = _ranks(packed // span)
    kept = rank < most
    return packed[kept], rank[kept]


def _ranks(sorted_keys: np.ndarray) -> np.ndarray:
    """Each element's place among those of its key, in sorted keys (0 for the first)."""
    starts = np.ones(sorted_keys.size, dtype=bool)
    starts[1:] = sorted_keys[1:] != sorted_keys[:-1]
    place = np.arange(sorted_keys.size)
    return place - np.maximum.accumulate(np.where(starts, place, 0))


def _placed(
    size: int, most: int, keys: np.ndarray, rows: np.ndarray, share: np.ndarray, rank: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per key in ``range(size)``, its ranked rows and their shares (``-1`` and 0 past
    the last)."""
    top = np.full((size, most), -1, dtype=np.int64)
    top_share = np.zeros((size, most))
    top[keys, rank], top_share[keys, rank] = rows, share
    return top, top_share


def _red_flags(
    analysis: Analysis,
    rows: np.ndarray,
    set_of: np.ndarray,
    ranked: np.ndarray,
    starts: dict[int, dt.date],
) -> tuple[np.ndarray, np.ndarray]:
    """Per listed entity, how many of its unlisted descendants dropped a name, or moved
    (took a new address, or left one), within two years after its listing began
    (``starts``, :func:`_listing_starts`)."""
    a = analysis
    n = a.compiled.n
    renamed = np.zeros(n, dtype=np.int64)
    moved = np.zeros(n, dtype=np.int64)
    columns = a.columns
    maybe = np.flatnonzero(columns.renamed[rows] | columns.addressed[rows])
    if not maybe.size or not ranked.size:
        return renamed, moved
    which, seeds = a.ancestry.seeds_of_sets(set_of[maybe])
    entities = a.dataset.entities
    for k, group in itertools.groupby(zip(which.tolist(), seeds.tolist(), strict=True), key=_first):
        entity = entities[int(rows[maybe[k]])]
        renames = [f.until for f in entity.former_names if f.until is not None]
        moved_on = [day for day, _ in moves(entity)]
        for _, seed in group:
            start = starts.get(seed)
            if start is None:
                continue
            renamed[seed] += any(soon_after(day, start) for day in renames)
            moved[seed] += any(soon_after(day, start) for day in moved_on)
    return renamed, moved


def _first(pair: tuple[int, int]) -> int:
    return pair[0]


def _listing_starts(analysis: Analysis) -> dict[int, dt.date]:
    """Per listed entity (position), the earliest known start of its listings that the
    rule reads on the date."""
    listings = analysis.columns.listings
    rows = analysis.rule_listing_rows
    rows = rows[listings.start[rows] != NO_START]
    first: dict[int, int] = {}
    for entity, day in zip(
        listings.entity[rows].tolist(), listings.start[rows].tolist(), strict=True
    ):
        first[entity] = min(day, first.get(entity, day))
    return {entity: dt.date.fromordinal(day) for entity, day in first.items()}


def _lists_of(analysis: Analysis, ranked: np.ndarray) -> dict[int, tuple[str, ...]]:
    """The lists the rule reads that each listed entity is on."""
    listings = analysis.columns.listings
    rows = analysis.rule_listing_rows
    names: dict[int, set[str]] = {}
    for entity, list_id, program in zip(
        listings.entity[rows].tolist(),
        listings.list_id[rows].tolist(),
        listings.program[rows].tolist(),
        strict=True,
    ):
        names.setdefault(entity, set()).add(f"{list_id} ({program})" if program else list_id)
    return {int(p): tuple(sorted(names.get(int(p), ()))) for p in ranked.tolist()}
