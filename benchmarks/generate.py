"""Seeded generator of realistic ownership graphs, written as a native CSV folder.

The graph is built from corporate groups whose sizes follow a power law (a few
conglomerates with tens of thousands of members, many one-company groups). Inside a group
each company hangs under an earlier member, which makes pyramids several levels deep.
On top of the group trees come joint ventures (51/49, 50/50, 60/40), three-way splits
that only reach 50 in exact arithmetic (33.3 + 16.4 + 0.3), minority portfolio stakes
across groups, cross-holdings and longer cycles, unknown shares, BODS-style ranges,
control links, individuals owning group parents, and listings on the Entity List, the
MEU List, the SDN list (programmes incl. NPWMD), the EU and UK lists, dated 2015-2026.

Every file the loader reads is valid: known stakes in one entity never add up to more
than 100, and no ring of entities is wholly owned within itself. Structural links always
run from a lower to a higher row number; every link that runs backwards (and so can close
a cycle) lands on an entity whose known stakes stay at or below 99%, so no ring reaches
100% inside.

Rows are written with the plain :mod:`csv` writer from numpy arrays; nothing goes through
the pydantic models, so a million entities take seconds.

Example::

    python benchmarks/generate.py --entities 1000000 --seed 7 --out /tmp/bench/1m
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

__all__ = ["Graph", "generate", "main", "parse_size", "write_folder", "write_tables"]

IntArray = NDArray[np.int64]

#: Shares are held as integer hundredths of a percent: 2 decimal places at most.
SCALE = 100
FULL = 100 * SCALE
#: Known stakes in an entity that a backward link (one that can close a cycle) may reach:
#: kept below 100% so that no ring is owned 100% within itself.
BACKWARD_CAP = 99 * SCALE
#: Target number of holdings per entity (all kinds), as in TOOLCHAIN section 8.
HOLDINGS_PER_ENTITY = 1.3
#: Share of entities that are individuals (they own group parents, are never owned).
PERSON_SHARE = 0.04
#: Share of companies carrying at least one listing.
LISTED_SHARE = 0.012
#: Share of minority (portfolio) stakes held from inside the owned company's own group.
FILLER_SAME_GROUP = 0.7
#: Zipf exponent of group sizes: ~45% singletons, the largest groups in the tens of thousands.
GROUP_ZIPF = 1.9

COUNTRIES = {  # home country of a group, with weights; a share of US groups on purpose
    "CN": 38, "US": 15, "HK": 10, "TW": 6, "RU": 6, "SG": 3, "DE": 3, "GB": 3, "JP": 3,
    "KR": 2, "AE": 2, "IR": 2, "NL": 2, "IN": 2, "MY": 1, "TR": 1, "FR": 1,
}  # fmt: skip
#: Where subsidiaries abroad are usually placed.
OFFSHORE = ["HK", "SG", "US", "NL", "AE", "MY", "GB", "VG", "KY", "DE"]

LISTS = {  # list -> weight; SDN programmes are drawn separately
    "entity_list": 36, "sdn": 28, "meu_list": 5, "eu": 15, "uk": 12, "unverified_list": 4,
}  # fmt: skip
SDN_PROGRAMS = {
    "NPWMD": 25, "RUSSIA-EO14024": 35, "IRAN": 14, "SDGT": 10, "CYBER2": 6, "NPWMD; IFSR": 10,
}  # fmt: skip

NAME_WORDS = [
    "Huaxin", "Pacific", "Northern", "Golden", "Sino", "Orient", "Atlas", "Zhongke", "Everest",
    "Jade", "Baltic", "Polar", "Summit", "Harbor", "Meridian", "Crystal", "Tianyi", "Lotus",
]  # fmt: skip
NAME_TRADES = [
    "Technology", "Semiconductor", "Electronics", "Trading", "Holdings", "Industrial",
    "Precision", "Logistics", "Software", "Materials", "Aviation", "Energy", "Instruments",
]  # fmt: skip
NAME_FORMS = ["Co., Ltd.", "Limited", "Inc.", "GmbH", "Pte. Ltd.", "LLC", "JSC", "Corp."]

HOLDING_COLUMNS = [
    "owner", "owned", "kind", "percent", "minimum", "exclusiveMinimum", "maximum",
    "exclusiveMaximum", "start", "end",
]  # fmt: skip
ENTITY_COLUMNS = ["id", "name", "kind", "country", "aliases", "identifiers"]
LISTING_COLUMNS = ["entity", "list", "program", "start", "end", "citation"]

# kinds of share on a holding
EXACT, UNKNOWN, RANGE, CONTROL = 0, 1, 2, 3


@dataclass
class Graph:
    """Generated columns, all as arrays (shares in hundredths of a percent)."""

    n: int
    companies: int
    country: NDArray[np.str_]
    is_person: NDArray[np.bool_]
    group_of: IntArray
    group_start: IntArray
    group_size: IntArray
    owner: list[IntArray] = field(default_factory=list)
    owned: list[IntArray] = field(default_factory=list)
    kind: list[IntArray] = field(default_factory=list)
    low: list[IntArray] = field(default_factory=list)  # exact share, or range lower bound
    high: list[IntArray] = field(default_factory=list)  # range upper bound
    low_excl: list[NDArray[np.bool_]] = field(default_factory=list)
    high_excl: list[NDArray[np.bool_]] = field(default_factory=list)
    start: list[IntArray] = field(default_factory=list)  # date ordinals, 0 = undated
    listed: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    list_id: NDArray[np.str_] = field(default_factory=lambda: np.zeros(0, dtype="<U16"))
    program: list[str] = field(default_factory=list)
    list_start: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    list_end: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def add(
        self,
        owner: IntArray,
        owned: IntArray,
        kind: int | IntArray,
        low: int | IntArray = 0,
        high: int | IntArray = 0,
        low_excl: bool | NDArray[np.bool_] = False,
        high_excl: bool | NDArray[np.bool_] = False,
    ) -> None:
        """Append a batch of holdings (scalars broadcast)."""
        size = owner.size
        self.owner.append(owner.astype(np.int64))
        self.owned.append(owned.astype(np.int64))
        self.kind.append(np.broadcast_to(np.asarray(kind, dtype=np.int64), size).copy())
        self.low.append(np.broadcast_to(np.asarray(low, dtype=np.int64), size).copy())
        self.high.append(np.broadcast_to(np.asarray(high, dtype=np.int64), size).copy())
        self.low_excl.append(np.broadcast_to(np.asarray(low_excl, dtype=bool), size).copy())
        self.high_excl.append(np.broadcast_to(np.asarray(high_excl, dtype=bool), size).copy())
        self.start.append(np.zeros(size, dtype=np.int64))

    def holdings_count(self) -> int:
        return int(sum(a.size for a in self.owner))

    def known(self) -> IntArray:
        """Known stakes (exact shares and range lower bounds) per owned entity."""
        total = np.zeros(self.n, dtype=np.int64)
        for owned, kind, low in zip(self.owned, self.kind, self.low, strict=True):
            counts = (kind == EXACT) | (kind == RANGE)
            np.add.at(total, owned[counts], low[counts])
        return total


def parse_size(text: str) -> int:
    """``10k``, ``1m``, ``1_000_000`` -> an integer."""
    value = text.strip().lower().replace("_", "")
    factor = 1
    if value.endswith("k"):
        factor, value = 1_000, value[:-1]
    elif value.endswith("m"):
        factor, value = 1_000_000, value[:-1]
    return int(float(value) * factor)


def _weights(table: dict[str, int]) -> tuple[list[str], NDArray[np.float64]]:
    keys = list(table)
    weights = np.array([table[k] for k in keys], dtype=np.float64)
    return keys, weights / weights.sum()


def _group_sizes(rng: np.random.Generator, companies: int) -> IntArray:
    """Power-law group sizes adding up to ``companies``."""
    cap = max(20, companies // 25)
    sizes: list[IntArray] = []
    total = 0
    while total < companies:
        batch = np.minimum(rng.zipf(GROUP_ZIPF, size=max(1000, companies // 4)), cap)
        sizes.append(batch)
        total += int(batch.sum())
    flat = np.concatenate(sizes)
    ends = np.cumsum(flat)
    keep = int(np.searchsorted(ends, companies)) + 1
    flat = flat[:keep].copy()
    flat[-1] -= int(ends[keep - 1]) - companies
    return flat[flat > 0].astype(np.int64)


def _pick(rng: np.random.Generator, mask_size: int, share: float) -> NDArray[np.bool_]:
    return rng.random(mask_size) < share


def generate(entities: int, seed: int = 7, *, dated_holdings: float = 0.0) -> Graph:
    """Build the graph in memory; see the module docstring for its shape."""
    rng = np.random.default_rng(seed)
    persons = int(entities * PERSON_SHARE)
    companies = entities - persons
    sizes = _group_sizes(rng, companies)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    group_of = np.repeat(np.arange(sizes.size), sizes)
    local = np.arange(companies) - starts[group_of]

    codes, weights = _weights(COUNTRIES)
    home = rng.choice(len(codes), size=sizes.size, p=weights)
    country = np.array(codes, dtype="<U2")[home][group_of]
    abroad = (local > 0) & _pick(rng, companies, 0.22)
    country[abroad] = rng.choice(np.array(OFFSHORE, dtype="<U2"), size=int(abroad.sum()))
    person_country = np.array(codes, dtype="<U2")[rng.choice(len(codes), size=persons, p=weights)]
    graph = Graph(
        n=entities,
        companies=companies,
        country=np.concatenate([country, person_country]),
        is_person=np.concatenate([np.zeros(companies, bool), np.ones(persons, bool)]),
        group_of=group_of,
        group_start=starts,
        group_size=sizes,
    )

    # ---- pyramids: each non-root member under an earlier member of its group
    child = np.flatnonzero(local > 0)
    parent = starts[group_of[child]] + (rng.random(child.size) * local[child]).astype(np.int64)
    roll = rng.random(child.size)
    bands = np.cumsum([0.34, 0.24, 0.05, 0.11, 0.09, 0.05, 0.05, 0.04, 0.03])
    cat = np.searchsorted(bands, roll, side="right")
    # 0 wholly owned, 1 majority, 2 exactly 50, 3 joint venture, 4 minority + second minority,
    # 5 unknown, 6 range, 7 three-way split, 8 majority with a decimal
    low = np.zeros(child.size, dtype=np.int64)
    low[cat == 0] = FULL
    maj = cat == 1
    low[maj] = rng.integers(51, 100, size=int(maj.sum())) * SCALE
    low[cat == 2] = 50 * SCALE
    jv = cat == 3
    jv_first = np.array([51, 50, 60, 70, 50, 51, 65, 75], dtype=np.int64) * SCALE
    low[jv] = jv_first[rng.integers(0, jv_first.size, size=int(jv.sum()))]
    mino = cat == 4
    low[mino] = rng.integers(100, 4999, size=int(mino.sum()))  # 1.00..49.98, two decimals
    low[mino] = (low[mino] // 10) * 10  # one decimal place
    split = cat == 7
    low[split] = 3330  # 33.3 (+ 16.4 + 0.3 from two other owners)
    dec = cat == 8
    low[dec] = rng.integers(5001, 9999, size=int(dec.sum()))
    exact = ~np.isin(cat, (5, 6))
    graph.add(parent[exact], child[exact], EXACT, low[exact])
    unknown = cat == 5
    graph.add(parent[unknown], child[unknown], UNKNOWN)
    ranged = cat == 6
    _add_ranges(graph, rng, parent[ranged], child[ranged])

    # ---- second owners: joint-venture partners, minority co-owners, three-way splits
    parent_full = np.full(companies, -1, dtype=np.int64)
    parent_full[child] = parent

    def other_owner(owned: IntArray, same_group: float) -> IntArray:
        """An earlier company, in the same group or elsewhere (never later: no cycles)."""
        inside = starts[group_of[owned]] + (rng.random(owned.size) * local[owned]).astype(np.int64)
        anywhere = (rng.random(owned.size) * owned).astype(np.int64)
        use_inside = (rng.random(owned.size) < same_group) & (local[owned] > 0)
        chosen = np.where(use_inside, inside, anywhere)
        bad = chosen == parent_full[owned]
        chosen[bad] = anywhere[bad]
        return chosen

    jv_children = child[jv]
    partner = other_owner(jv_children, 0.3)
    share = FULL - low[jv]
    ok = partner != jv_children
    graph.add(partner[ok], jv_children[ok], EXACT, share[ok])
    mino_children = child[mino]
    second = other_owner(mino_children, 0.5)
    room = FULL - low[mino]
    share = np.minimum(room, rng.integers(5, 50, size=mino_children.size) * SCALE)
    ok = (second != mino_children) & (share > 0)
    graph.add(second[ok], mino_children[ok], EXACT, share[ok])
    split_children = child[split]
    for part in (1640, 30):  # 16.4 and 0.3
        other = other_owner(split_children, 0.6)
        ok = other != split_children
        graph.add(other[ok], split_children[ok], EXACT, part)

    # ---- individuals own group parents (group roots with more than one member)
    roots = starts[sizes > 1]
    owned_roots = roots[_pick(rng, roots.size, 0.6)]
    if persons and owned_roots.size:
        who = companies + rng.integers(0, persons, size=owned_roots.size)
        stake = np.where(
            rng.random(owned_roots.size) < 0.5,
            rng.integers(51, 101, size=owned_roots.size) * SCALE,
            rng.integers(10, 50, size=owned_roots.size) * SCALE,
        )
        graph.add(who, owned_roots, EXACT, stake)

    # ---- control links: board control from the group root or an individual
    ctrl_owned = np.flatnonzero(_pick(rng, companies, 0.015))
    ctrl_owner = np.where(
        (rng.random(ctrl_owned.size) < 0.5) & (local[ctrl_owned] > 0),
        starts[group_of[ctrl_owned]],
        companies + rng.integers(0, max(1, persons), size=ctrl_owned.size),
    )
    if persons == 0:
        ctrl_owner = starts[group_of[ctrl_owned]]
    ok = ctrl_owner != ctrl_owned
    graph.add(ctrl_owner[ok], ctrl_owned[ok], CONTROL)

    # ---- cross-holdings (A owns B and B owns A) and longer cycles, then minority stakes,
    # until about HOLDINGS_PER_ENTITY holdings per entity
    known = graph.known()
    cross = rng.choice(child, size=min(child.size, max(1, companies // 150)), replace=False)
    _add_capped(graph, rng, known, cross, parent_full[cross], low_pct=(1, 20))
    members = np.flatnonzero(local > 2)
    ring_from = rng.choice(members, size=min(members.size, max(1, companies // 300)), replace=False)
    ring_to = starts[group_of[ring_from]] + (rng.random(ring_from.size) * 0.5 * local[ring_from])
    _add_capped(graph, rng, known, ring_from, ring_to.astype(np.int64), low_pct=(1, 15))
    wanted = int(HOLDINGS_PER_ENTITY * entities)
    for _ in range(8):  # some draws find no room left in their target: draw again
        missing = wanted - graph.holdings_count()
        if missing <= 0:
            break
        owner = rng.integers(0, companies, size=missing)
        target = rng.integers(0, companies, size=missing)
        forward = target < owner
        owner[forward], target[forward] = target[forward], owner[forward].copy()
        # most minority stakes stay inside the target's own group (an earlier member)
        inside = (rng.random(missing) < FILLER_SAME_GROUP) & (local[target] > 0)
        owner[inside] = starts[group_of[target[inside]]] + (
            rng.random(int(inside.sum())) * local[target[inside]]
        ).astype(np.int64)
        flip = rng.random(missing) < 0.03  # a few portfolio stakes run backwards: cycles
        owner[flip], target[flip] = target[flip], owner[flip].copy()
        _add_capped(graph, rng, known, owner, target, low_pct=(1, 30), unknown_share=0.05)
    _add_listings(graph, rng)
    if dated_holdings > 0:
        _date_holdings(graph, rng, dated_holdings)
    return graph


def _add_ranges(graph: Graph, rng: np.random.Generator, owner: IntArray, owned: IntArray) -> None:
    """BODS-style bands: 25-50, 50-75, >50-100, 75-<100, 10-25 (and inclusive variants)."""
    bands = np.array(
        [[25, 50, 0, 0], [50, 75, 0, 0], [50, 100, 1, 0], [75, 100, 0, 1], [10, 25, 0, 0]],
        dtype=np.int64,
    )
    pick = bands[rng.integers(0, len(bands), size=owner.size)]
    graph.add(
        owner, owned, RANGE, pick[:, 0] * SCALE, pick[:, 1] * SCALE, pick[:, 2] > 0, pick[:, 3] > 0
    )


def _add_capped(
    graph: Graph,
    rng: np.random.Generator,
    known: IntArray,
    owner: IntArray,
    owned: IntArray,
    *,
    low_pct: tuple[int, int],
    unknown_share: float = 0.0,
) -> None:
    """Add stakes that keep each owned entity's known total at or below BACKWARD_CAP.

    One pass per round takes each owned entity at most once, so the running totals in
    ``known`` stay exact without a Python loop over holdings.
    """
    keep = (owner != owned) & ~graph.is_person[owned] & (owner >= 0)
    owner, owned = owner[keep], owned[keep]
    while owner.size:
        owned_once, first = np.unique(owned, return_index=True)
        chosen_owner = owner[first]
        want = rng.integers(low_pct[0] * 10, low_pct[1] * 10 + 1, size=first.size) * 10
        room = BACKWARD_CAP - known[owned_once]
        share = np.minimum(want, room)
        unknown = rng.random(first.size) < unknown_share
        ok = (share >= 10) & ~unknown
        graph.add(chosen_owner[ok], owned_once[ok], EXACT, share[ok])
        known[owned_once[ok]] += share[ok]
        graph.add(chosen_owner[unknown], owned_once[unknown], UNKNOWN)
        rest = np.ones(owner.size, dtype=bool)
        rest[first] = False
        owner, owned = owner[rest], owned[rest]


def _add_listings(graph: Graph, rng: np.random.Generator) -> None:
    """Listings on group parents (weighted by group size) and on random companies."""
    count = max(5, int(graph.companies * LISTED_SHARE))
    big = graph.group_size > 1
    weights = graph.group_size[big].astype(np.float64)
    roots = graph.group_start[big]
    from_roots = rng.choice(
        roots, size=min(count // 3, roots.size), replace=False, p=weights / weights.sum()
    )
    rest = rng.integers(0, graph.companies, size=count - from_roots.size)
    persons = np.arange(graph.companies, graph.n)
    listed_persons = (
        rng.choice(persons, size=min(persons.size, count // 10), replace=False)
        if persons.size
        else np.zeros(0, dtype=np.int64)
    )
    entities = np.unique(np.concatenate([from_roots, rest, listed_persons]))
    twice = entities[rng.random(entities.size) < 0.2]
    entities = np.concatenate([entities, twice])
    names, weights_l = _weights(LISTS)
    lists = np.array(names, dtype="<U16")[rng.choice(len(names), size=entities.size, p=weights_l)]
    individual = graph.is_person[entities]
    # individuals are designated by the sanctions lists, not by the export-control lists
    person_lists = np.array(["sdn", "eu", "uk"], dtype="<U16")
    lists[individual] = person_lists[rng.integers(0, 3, size=int(individual.sum()))]
    progs, prog_weights = _weights(SDN_PROGRAMS)
    program = [""] * entities.size
    sdn = np.flatnonzero(lists == "sdn")
    for i, p in zip(sdn, rng.choice(len(progs), size=sdn.size, p=prog_weights), strict=True):
        program[int(i)] = progs[int(p)]
    first_day = dt.date(2015, 1, 1).toordinal()
    last_day = dt.date(2026, 6, 30).toordinal()
    start = rng.integers(first_day, last_day + 1, size=entities.size)
    end = np.where(
        rng.random(entities.size) < 0.08,
        start + rng.integers(180, 2500, size=entities.size),
        0,
    )
    graph.listed = entities.astype(np.int64)
    graph.list_id = lists
    graph.program = program
    graph.list_start = start.astype(np.int64)
    graph.list_end = end.astype(np.int64)


def _date_holdings(graph: Graph, rng: np.random.Generator, share: float) -> None:
    """Give a share of holdings an acquisition date (monthly, 2005-2025); store as ordinals.

    Only the start is set (no disposals), so the validity argument above still holds.
    """
    months = np.array(
        [dt.date(y, m, 1).toordinal() for y in range(2005, 2026) for m in range(1, 13)],
        dtype=np.int64,
    )
    for number, owner in enumerate(graph.owner):
        dated = rng.random(owner.size) < share
        drawn = months[rng.integers(0, months.size, size=owner.size)]
        graph.start[number] = np.where(dated, drawn, 0)


# --------------------------------------------------------------------------- writing


def _share_text() -> list[str]:
    """Hundredths of a percent 0..10000 as decimal literals: 5000 -> 50, 3330 -> 33.3."""
    table = []
    for v in range(FULL + 1):
        whole, frac = divmod(v, SCALE)
        if frac == 0:
            table.append(str(whole))
        elif frac % 10 == 0:
            table.append(f"{whole}.{frac // 10}")
        else:
            table.append(f"{whole}.{frac:02d}")
    return table


def _date_text(ordinals: IntArray) -> list[str]:
    cache: dict[int, str] = {}
    out = []
    for value in ordinals.tolist():
        if value == 0:
            out.append("")
            continue
        text = cache.get(value)
        if text is None:
            text = cache[value] = dt.date.fromordinal(value).isoformat()
        out.append(text)
    return out


class _Progress:
    """A one-line progress report on stderr for large outputs."""

    def __init__(self, label: str, total: int, quiet: bool) -> None:
        self.label, self.total, self.quiet = label, total, quiet
        self.started = time.perf_counter()

    def update(self, done: int) -> None:
        if self.quiet:
            return
        pct = 100 * done / max(1, self.total)
        elapsed = time.perf_counter() - self.started
        print(f"\r  {self.label}: {done:,}/{self.total:,} ({pct:5.1f}%) {elapsed:6.1f}s",
              end="", file=sys.stderr, flush=True)  # fmt: skip
        if done >= self.total:
            print(file=sys.stderr, flush=True)


CHUNK = 250_000


def write_folder(graph: Graph, out: Path, *, quiet: bool = False) -> dict[str, int]:
    """Write entities.csv, holdings.csv and listings.csv; return row counts."""
    out.mkdir(parents=True, exist_ok=True)
    ids = [f"E{i}" for i in range(graph.n)]
    rng = np.random.default_rng(graph.n)

    progress = _Progress("entities", graph.n, quiet)
    with (out / "entities.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(ENTITY_COLUMNS)
        words = rng.integers(0, len(NAME_WORDS), size=graph.n)
        trades = rng.integers(0, len(NAME_TRADES), size=graph.n)
        forms = rng.integers(0, len(NAME_FORMS), size=graph.n)
        alias = rng.random(graph.n) < 0.1
        lei = rng.random(graph.n) < 0.2
        for lo in range(0, graph.n, CHUNK):
            hi = min(graph.n, lo + CHUNK)
            rows = []
            for i in range(lo, hi):
                if graph.is_person[i]:
                    name = f"Person {i}"
                    kind = "person"
                    aka = ""
                    ident = ""
                else:
                    base = f"{NAME_WORDS[words[i]]} {NAME_TRADES[trades[i]]} {i}"
                    name = f"{base} {NAME_FORMS[forms[i]]}"
                    kind = "company"
                    aka = f"{base} Group" if alias[i] else ""
                    ident = f"lei|{i:020d}" if lei[i] else ""
                rows.append((ids[i], name, kind, graph.country[i], aka, ident))
            writer.writerows(rows)
            progress.update(hi)

    owner = np.concatenate(graph.owner)
    owned = np.concatenate(graph.owned)
    kind = np.concatenate(graph.kind)
    low = np.concatenate(graph.low)
    high = np.concatenate(graph.high)
    low_excl = np.concatenate(graph.low_excl)
    high_excl = np.concatenate(graph.high_excl)
    start = np.concatenate(graph.start)
    # file order: grouped by owned entity within each chunk, like an export from a register
    order = np.argsort(owned, kind="stable")
    share = _share_text()
    kinds = ["ownership", "ownership", "ownership", "control"]
    progress = _Progress("holdings", owner.size, quiet)
    with (out / "holdings.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HOLDING_COLUMNS)
        for lo in range(0, owner.size, CHUNK):
            sel = order[lo : lo + CHUNK]
            dates = _date_text(start[sel])
            rows = []
            for j, (o, d, k, lw, hg, le, he) in enumerate(
                zip(
                    owner[sel].tolist(),
                    owned[sel].tolist(),
                    kind[sel].tolist(),
                    low[sel].tolist(),
                    high[sel].tolist(),
                    low_excl[sel].tolist(),
                    high_excl[sel].tolist(),
                    strict=True,
                )
            ):
                pct = mn = xmn = mx = xmx = ""
                if k == EXACT:
                    pct = share[lw]
                elif k == RANGE:
                    if le:
                        xmn = share[lw]
                    else:
                        mn = share[lw]
                    if he:
                        xmx = share[hg]
                    else:
                        mx = share[hg]
                rows.append((ids[o], ids[d], kinds[k], pct, mn, xmn, mx, xmx, dates[j], ""))
            writer.writerows(rows)
            progress.update(min(owner.size, lo + CHUNK))

    with (out / "listings.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(LISTING_COLUMNS)
        starts = _date_text(graph.list_start)
        ends = _date_text(graph.list_end)
        volume = rng.integers(80, 91, size=graph.listed.size)
        page = rng.integers(1000, 60000, size=graph.listed.size)
        writer.writerows(
            (ids[e], lst, prog, s, en, f"{v} FR {p}")
            for e, lst, prog, s, en, v, p in zip(
                graph.listed.tolist(),
                graph.list_id.tolist(),
                graph.program,
                starts,
                ends,
                volume.tolist(),
                page.tolist(),
                strict=True,
            )
        )
    return {"entities": graph.n, "holdings": int(owner.size), "listings": int(graph.listed.size)}


def write_tables(graph: Graph, out: Path) -> dict[str, int]:
    """Write the graph as the Parquet table folder of ``ownership.scale.tables`` (what
    ``ownership export OUT --format tables`` makes of the CSV folder), straight from the
    arrays: a dataset too large to load can still be given to ``analyze --engine``."""
    import pyarrow as pa

    from ownership.columns import NO_END, NO_START
    from ownership.scale.tables import Tables, scaled_shares, write_table_folder

    out.mkdir(parents=True, exist_ok=True)
    ids = pa.array([f"E{i}" for i in range(graph.n)], type=pa.string())
    countries = [c or None for c in graph.country.tolist()]
    entities = pa.table(
        {
            "id": pa.array(np.arange(graph.n, dtype=np.int64)),
            "entity_id": ids,
            "country": pa.array(countries, type=pa.string()),
        }
    )
    del ids, countries
    order = np.argsort(np.concatenate(graph.owned), kind="stable")  # the CSV's row order

    def joined(parts: list[NDArray]) -> NDArray:
        return np.concatenate(parts)[order]

    kind = joined(graph.kind)
    low, high = joined(graph.low), joined(graph.high)
    exact, ranged = kind == EXACT, kind == RANGE
    low = np.where(exact | ranged, low, 0)
    high = np.where(exact, low, np.where(ranged, high, FULL))
    start = joined(graph.start)
    holdings = pa.table(
        {
            "owner": pa.array(joined(graph.owner).astype(np.int64)),
            "owned": pa.array(joined(graph.owned).astype(np.int64)),
            "control": pa.array(kind == CONTROL),
            "low": scaled_shares(low, 2),  # hundredths of a percent
            "high": scaled_shares(high, 2),
            "low_strict": pa.array(ranged & joined(graph.low_excl)),
            "high_strict": pa.array(ranged & joined(graph.high_excl)),
            "provenance": pa.array(np.zeros(kind.size, dtype=np.int64)),
            "start_day": pa.array(np.where(start == 0, NO_START, start).astype(np.int64)),
            "end_day": pa.array(np.full(kind.size, NO_END, dtype=np.int64)),
        }
    )
    listings = pa.table(
        {
            "entity": pa.array(graph.listed.astype(np.int64)),
            "list_id": pa.array(graph.list_id.tolist(), type=pa.string()),
            "program": pa.array([p or None for p in graph.program], type=pa.string()),
            "start_day": pa.array(np.where(graph.list_start == 0, NO_START, graph.list_start)),
            "end_day": pa.array(np.where(graph.list_end == 0, NO_END, graph.list_end)),
        }
    )
    write_table_folder(Tables(entities, holdings, listings), out)
    return {"entities": graph.n, "holdings": int(kind.size), "listings": int(graph.listed.size)}


def main(argv: list[str] | None = None) -> int:
    """Command line: generate one dataset folder."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", required=True, help="number of entities: 10k, 1m, 5000000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True, help="folder to write (created)")
    parser.add_argument(
        "--dated-holdings",
        type=float,
        default=0.0,
        help="share of holdings given an acquisition date (monthly, 2005-2025); default 0",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.add_argument(
        "--tables",
        action="store_true",
        help="write the Parquet table folder that analyze --engine reads, not CSV",
    )
    args = parser.parse_args(argv)
    size = parse_size(args.entities)
    started = time.perf_counter()
    if not args.quiet:
        print(f"generating {size:,} entities (seed {args.seed})", file=sys.stderr)
    graph = generate(size, args.seed, dated_holdings=args.dated_holdings)
    built = time.perf_counter() - started
    if args.tables:
        counts = write_tables(graph, args.out)
    else:
        counts = write_folder(graph, args.out, quiet=args.quiet)
    total = time.perf_counter() - started
    summary = {**counts, "seed": args.seed, "build_s": round(built, 2), "total_s": round(total, 2)}
    (args.out / "GENERATED.json").write_text(json.dumps(summary, indent=2) + "\n")
    if not args.quiet:
        print(json.dumps(summary), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
