"""A plain networkx implementation of the aggregated 50% rules, as a speed and truth baseline.

It reads the CSV folder itself (no pydantic, no :mod:`ownership` code), builds a
:class:`networkx.DiGraph` with integer-scaled shares (each pair's exact shares or range
lower bounds added; unknown counts 0), and computes the least fixed point with a worklist:
a covered owner adds its share to each owned entity once; an entity whose sum reaches 50
joins and is pushed. Control links do not count (OFAC 50 and BIS Affiliates).

>>> import networkx as nx
>>> g = nx.DiGraph()
>>> g.add_edge("x", "a", weight=50)
>>> g.add_edge("a", "b", weight=30)
>>> g.add_edge("x", "b", weight=20)
>>> sorted(covered(g, {"x"}, limit=50))
['a', 'b', 'x']
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import networkx as nx

__all__ = ["OUT_OF_SCOPE", "SEED_LISTS", "Baseline", "build", "covered", "seeds", "statuses"]

#: SDN programmes of 15 CFR 744.8(a)(1) as revised by 89 FR 20107, written out here on
#: their own so that the baseline checks the rule data rather than reading it.
SECTION_744_8 = frozenset(
    [
        "BELARUS-EO14038",
        "BELARUS",
        "RUSSIA-EO14024",
        "UKRAINE-EO13660",
        "UKRAINE-EO13661",
        "UKRAINE-EO13662",
        "UKRAINE-EO13685",
        "FTO",
        "SDGT",
        "NPWMD",
        "ILLICIT-DRUGS-EO14059",
        "SDNT",
        "SDNTK",
        "TCO",
    ]
)

#: Lists (and SDN programmes) each rule reads; ``None`` = every programme.
SEED_LISTS: dict[str, dict[str, frozenset[str] | None]] = {
    "ofac-50": {"sdn": None},
    "bis-affiliates": {"entity_list": None, "meu_list": None, "sdn": SECTION_744_8},
}


@dataclass
class Baseline:
    """The graph and the scale its integer weights use (``10**places``)."""

    graph: nx.DiGraph
    scale: int


def _active(start: str, end: str, day: str) -> bool:
    """ISO dates compare as text; empty cells are open ends."""
    return (not start or start <= day) and (not end or day <= end)


def _places(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def build(folder: str | Path, as_of: dt.date) -> Baseline:
    """The ownership graph of holdings active on ``as_of``, weights = summed lower bounds.

    Control links and stakes of unknown size are edges too (weight 0): they carry
    exposure, not coverage; an edge is ``usable`` unless every record of it is a stake
    of at most 0%. Nodes keep their ``country``.
    """
    day = as_of.isoformat()
    rows: list[tuple[str, str, str, bool]] = []
    places = 0
    with (Path(folder) / "holdings.csv").open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            if not _active(row.get("start") or "", row.get("end") or "", day):
                continue
            if (row.get("kind") or "ownership") != "ownership":
                rows.append((row["owner"], row["owned"], "0", True))
                continue
            low = row.get("percent") or row.get("minimum") or row.get("exclusiveMinimum") or "0"
            high = row.get("percent") or row.get("maximum") or row.get("exclusiveMaximum") or None
            places = max(places, _places(low))
            rows.append((row["owner"], row["owned"], low, high is None or Decimal(high) > 0))
    scale = 10**places
    graph = nx.DiGraph()
    with (Path(folder) / "entities.csv").open(newline="", encoding="utf-8-sig") as handle:
        graph.add_nodes_from(
            (row["id"], {"country": row.get("country") or ""}) for row in csv.DictReader(handle)
        )
    for owner, owned, low, usable in rows:
        weight = int(Decimal(low) * scale)
        data = graph.get_edge_data(owner, owned)
        if data is None:
            graph.add_edge(owner, owned, weight=weight, usable=usable)
        else:
            data["weight"] += weight
            data["usable"] = data["usable"] or usable
    return Baseline(graph=graph, scale=scale)


def statuses(
    graph: nx.DiGraph, seed_ids: set[str], covered_ids: set[str], out_of_scope: frozenset[str]
) -> dict[str, str]:
    """Each entity's status: listed (a seed), covered (in the fixed point, in scope),
    exposed (reached from a seed over usable edges) or clear."""
    reached = set(seed_ids)
    work = deque(seed_ids)
    while work:
        node = work.popleft()
        for owned, data in graph.adj[node].items():
            if data["usable"] and owned not in reached:
                reached.add(owned)
                work.append(owned)
    countries = graph.nodes
    found = {}
    for node in graph:
        if node in seed_ids:
            found[node] = "listed"
        elif node in covered_ids and countries[node]["country"] not in out_of_scope:
            found[node] = "covered"
        else:
            found[node] = "exposed" if node in reached else "clear"
    return found


#: Countries whose entities each rule leaves out of coverage (15 CFR 744.8: not US ones).
OUT_OF_SCOPE = {"ofac-50": frozenset(), "bis-affiliates": frozenset({"US"})}


def seeds(folder: str | Path, rule: str, as_of: dt.date) -> set[str]:
    """Entities with an active listing the rule reads."""
    wanted = SEED_LISTS[rule]
    day = as_of.isoformat()
    found = set()
    with (Path(folder) / "listings.csv").open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            if row["list"] not in wanted or not _active(row["start"], row["end"], day):
                continue
            programs = wanted[row["list"]]
            tags = set((row.get("program") or "").replace(";", " ").upper().split())
            if programs is None or tags & programs:
                found.add(row["entity"])
    return found


def covered(graph: nx.DiGraph, seed_ids: set[str], *, limit: int) -> set[str]:
    """Least fixed point: seeds plus entities whose covered owners hold ``>= limit``."""
    result = set(seed_ids)
    received: dict[str, int] = {}
    work = deque(seed_ids)
    while work:
        node = work.popleft()
        for owned, data in graph.adj[node].items():
            if owned in result:
                continue
            total = received.get(owned, 0) + data["weight"]
            received[owned] = total
            if total >= limit:
                result.add(owned)
                work.append(owned)
    return result
