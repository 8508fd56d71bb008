"""Generated ownership graphs whose shape, not syntax, is the stress.

A 4,000-deep chain (recursion along ownership paths), a ring of 10,000 companies each
owning half of the next two (one strongly connected component, cycles everywhere), and
small groups named with markup, escapes and formula starts. Each is written in the
native YAML, JSON and CSV forms and as FollowTheMoney lines.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from random import Random

from .mutators import PAYLOADS

__all__ = ["GRAPH_FORMATS", "Graph", "chain", "emit", "markup_group", "ring"]

GRAPH_FORMATS = ("native-yaml", "native-json", "native-csv", "ftm")
CHAIN_DEPTH = 4000
RING_SIZE = 10_000
LIST_START = "2020-01-01"

ENTITY_COLUMNS = "id,name,kind,country,aliases,former_names,identifiers,addresses,sources,note"
HOLDING_COLUMNS = (
    "owner,owned,kind,percent,minimum,exclusiveMinimum,maximum,exclusiveMaximum,start,end,"
    "sources,note"
)
LISTING_COLUMNS = "entity,list,program,start,end,citation,sources,note"


@dataclass
class Graph:
    """Plain records; ``names`` are the ones worth asking about (root, leaf, middle)."""

    entities: list[dict[str, str]] = field(default_factory=list)
    holdings: list[dict[str, str]] = field(default_factory=list)
    listings: list[dict[str, str]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)


def _lists(rng: Random) -> list[str]:
    return rng.sample(["sdn", "entity_list", "eu", "uk"], rng.randint(1, 2))


def chain(rng: Random, depth: int = CHAIN_DEPTH) -> Graph:
    """Company 0 (listed) owns company 1, which owns company 2, ... ``depth`` links down."""
    graph = Graph()
    for i in range(depth):
        graph.entities.append({"id": f"c{i}", "name": f"Chain Company {i}", "country": "CN"})
        if i:
            share = "100" if rng.random() < 0.5 else str(rng.choice([50, 51, 60, 75, 99.5]))
            graph.holdings.append({"owner": f"c{i - 1}", "owned": f"c{i}", "percent": share})
    graph.listings = [{"entity": "c0", "list": x, "start": LIST_START} for x in _lists(rng)]
    graph.names = ["Chain Company 0", f"Chain Company {depth - 1}", f"Chain Company {depth // 2}"]
    return graph


def ring(rng: Random, size: int = RING_SIZE) -> Graph:
    """Each of ``size`` companies owns a share of the next and of the next-but-one, so
    every company is owned 100% from inside the ring and the whole ring is one cycle."""
    first, second = rng.choice([(50, 50), (30, 20), (60, 40), (25, 25)])
    graph = Graph()
    for i in range(size):
        graph.entities.append({"id": f"r{i}", "name": f"Ring Company {i}", "country": "HK"})
        graph.holdings.append(
            {"owner": f"r{i}", "owned": f"r{(i + 1) % size}", "percent": str(first)}
        )
        graph.holdings.append(
            {"owner": f"r{i}", "owned": f"r{(i + 2) % size}", "percent": str(second)}
        )
    listed = [0] if rng.random() < 0.7 else rng.sample(range(size), 5)
    for i in listed:
        graph.listings += [{"entity": f"r{i}", "list": x, "start": LIST_START} for x in _lists(rng)]
    graph.names = [
        f"Ring Company {listed[0]}",
        f"Ring Company {size // 2}",
        f"Ring Company {size - 1}",
    ]
    return graph


def markup_group(rng: Random, key: str | None) -> tuple[Graph, str]:
    """A listed parent and a few subsidiaries named (and sometimes identified) by
    payloads; the payload key chosen is returned with it."""
    key = key or rng.choice(tuple(PAYLOADS))
    payload = PAYLOADS[key]
    graph = Graph()
    ids = ["p", "s1", "s2", "s3", "s4"]
    if rng.random() < 0.3:
        ids[1] = payload.replace("\n", " ")
    for n, entity_id in enumerate(ids):
        name = payload if n in (0, 2) else f"{payload} {n}" if n == 3 else f"Plain Sub {n}"
        graph.entities.append({"id": entity_id, "name": name, "country": "CN"})
    for owner, owned, share in ((0, 1, 60), (0, 2, 50), (1, 3, 100), (2, 4, 30), (1, 4, 30)):
        graph.holdings.append({"owner": ids[owner], "owned": ids[owned], "percent": str(share)})
    graph.listings = [{"entity": "p", "list": x, "start": LIST_START} for x in _lists(rng)]
    graph.names = [payload, f"{payload} 3", "Plain Sub 4"]
    return graph, key


def _yaml_str(text: str) -> str:
    """A YAML double-quoted scalar; JSON's escapes are YAML's (U+2028 and friends aside)."""
    return json.dumps(text, ensure_ascii=True)


def _native_yaml(graph: Graph) -> bytes:
    lines = ["entities:"]
    lines += [
        f"  - {{id: {_yaml_str(e['id'])}, name: {_yaml_str(e['name'])}, country: {e['country']}}}"
        for e in graph.entities
    ]
    lines.append("holdings:")
    lines += [
        f"  - {{owner: {_yaml_str(h['owner'])}, owned: {_yaml_str(h['owned'])}, "
        f"percent: {h['percent']}}}"
        for h in graph.holdings
    ]
    lines.append("listings:")
    lines += [
        f"  - {{entity: {_yaml_str(x['entity'])}, list: {x['list']}, start: {x['start']}}}"
        for x in graph.listings
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _native_json(graph: Graph) -> bytes:
    holdings = [{**h, "percent": json.loads(h["percent"])} for h in graph.holdings]
    data = {"entities": graph.entities, "holdings": holdings, "listings": graph.listings}
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def _csv(columns: str, rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns.split(","), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _ftm(graph: Graph) -> bytes:
    records = [
        {
            "id": e["id"],
            "schema": "Company",
            "properties": {"name": [e["name"]], "country": [e["country"].lower()]},
        }
        for e in graph.entities
    ]
    records += [
        {
            "id": f"own-{n}",
            "schema": "Ownership",
            "properties": {
                "owner": [h["owner"]],
                "asset": [h["owned"]],
                "percentage": [h["percent"]],
            },
        }
        for n, h in enumerate(graph.holdings)
    ]
    authorities = {
        "sdn": "Office of Foreign Assets Control",
        "entity_list": "Entity List (EL) - Bureau of Industry and Security",
        "eu": "European Union",
        "uk": "Office of Financial Sanctions Implementation",
    }
    records += [
        {
            "id": f"sanction-{n}",
            "schema": "Sanction",
            "properties": {
                "entity": [x["entity"]],
                "authority": [authorities[x["list"]]],
                "startDate": [x["start"]],
            },
        }
        for n, x in enumerate(graph.listings)
    ]
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


def emit(graph: Graph, fmt: str, stem: str) -> dict[str, bytes]:
    """The graph's files in ``fmt``, named after ``stem`` (a folder for the CSV form)."""
    if fmt == "native-yaml":
        return {f"{stem}.yaml": _native_yaml(graph)}
    if fmt == "native-json":
        return {f"{stem}.json": _native_json(graph)}
    if fmt in ("native-csv", "native-csv-big"):
        return {
            f"{stem}/entities.csv": _csv(ENTITY_COLUMNS, graph.entities),
            f"{stem}/holdings.csv": _csv(HOLDING_COLUMNS, graph.holdings),
            f"{stem}/listings.csv": _csv(LISTING_COLUMNS, graph.listings),
        }
    if fmt == "ftm":
        return {f"{stem}.ftm.jsonl": _ftm(graph)}
    raise ValueError(f"no emitter for {fmt}")
