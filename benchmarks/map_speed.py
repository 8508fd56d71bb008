"""How long an ownership map of a large group takes to write, and to use in a browser.

Builds a seeded random group (a tree from one listed parent, with some joint ventures,
control links, unknown and range shares) and times, in the same run:

- ``write_map`` of the parent's map (the analysis made beforehand), and the floor: a
  short hand-written script doing the core of the same job (the parent's descendants
  with their statuses and links, as JSON in a page with vis-network inlined);
- ``ownership map`` end to end on the group saved as a dataset file (``--command``);
- in headless Chromium: from navigation until the page is usable (data unpacked, the
  folded network laid out and drawn), then how long a status filter, a search for a
  folded entity, and opening a cluster take until the network is drawn again.

    python benchmarks/map_speed.py [--nodes 20000] [--seed 7] [--repeat 3] [--command]

The browser part needs the ``playwright`` package and Chromium at /usr/bin/chromium
(or CHROMIUM=path); without them only the write times are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from screen_speed import cpu

from ownership import analyze
from ownership.model import Dataset, Entity, Holding, Listing
from ownership.render.html import write_map
from ownership.render.style import MAP_BUDGET

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Share of entities with a second owner (a joint venture) and with a control link.
JOINT_VENTURES = 0.08
CONTROL_LINKS = 0.02


def synthetic_group(count: int, seed: int) -> Dataset:
    """One connected group of ``count`` entities under a listed parent."""
    rng = random.Random(seed)
    entities = [Entity(id="e0", name="Parent Holdings Group", country="CN")]
    holdings: list[Holding] = []
    for i in range(1, count):
        entities.append(Entity(id=f"e{i}", name=f"Subsidiary {i} Co., Ltd.", country="CN"))
        owner = f"e{rng.randrange(i)}"
        roll = rng.random()
        if roll < JOINT_VENTURES and i > 2:
            partner = f"e{rng.randrange(i)}"
            while partner == owner:
                partner = f"e{rng.randrange(i)}"
            first = Decimal(rng.randint(20, 80))
            holdings.append(Holding(owner=owner, owned=f"e{i}", percent=first))
            holdings.append(Holding(owner=partner, owned=f"e{i}", percent=100 - first))
        elif roll < JOINT_VENTURES + 0.05:
            holdings.append(Holding(owner=owner, owned=f"e{i}"))  # unknown share
        elif roll < JOINT_VENTURES + 0.10:
            low = rng.randint(25, 60)
            holdings.append(Holding(owner=owner, owned=f"e{i}", minimum=low, maximum=low + 10))
        else:
            holdings.append(Holding(owner=owner, owned=f"e{i}", percent=rng.randint(30, 100)))
        if rng.random() < CONTROL_LINKS and i > 1:
            controller = f"e{rng.randrange(i)}"
            if controller != owner:
                holdings.append(Holding(owner=controller, owned=f"e{i}", kind="control"))
    listed = ["e0", *(f"e{rng.randrange(1, count)}" for _ in range(max(1, count // 200)))]
    listings = [Listing(entity=eid, list="sdn") for eid in dict.fromkeys(listed)]
    return Dataset(entities=entities, holdings=holdings, listings=listings)


def time_write(dataset: Dataset, path: Path, *, physics: bool, repeat: int) -> list[float]:
    analysis = analyze(dataset, rule="ofac-50", as_of="2024-01-01")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        write_map(analysis, path, focus="e0", physics=physics)
        times.append(time.perf_counter() - start)
    return times


def floor_write(dataset: Dataset, path: Path) -> float:
    """The core of the job by hand: the parent's descendants, their statuses and links,
    as JSON in a page with vis-network inlined. No cards, dates, clusters or layout."""
    from importlib.resources import files

    analysis = analyze(dataset, rule="ofac-50", as_of="2024-01-01")
    vis = (files("pyvis") / "templates" / "lib" / "vis-9.1.2" / "vis-network.min.js").read_text()
    start = time.perf_counter()
    owned: dict[str, list[str]] = {}
    for h in dataset.holdings:
        owned.setdefault(h.owner, []).append(h.owned)
    names = {e.id: e.name for e in dataset.entities}
    seen, todo = {"e0"}, ["e0"]
    while todo:
        for child in owned.get(todo.pop(), ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    statuses = analysis.statuses()
    nodes = [{"id": i, "label": names[i], "group": statuses[i].value} for i in sorted(seen)]
    edges = [
        {"from": h.owner, "to": h.owned, "label": h.share_text()}
        for h in dataset.holdings
        if h.owner in seen and h.owned in seen
    ]
    page = (
        f"<html><body><div id=m></div><script>{vis}</script><script>"
        f"new vis.Network(document.getElementById('m'), {{nodes: {json.dumps(nodes)}, "
        f"edges: {json.dumps(edges)}}}, {{}});</script></body></html>"
    )
    path.write_text(page, encoding="utf-8")
    return time.perf_counter() - start


def time_command(dataset: Dataset, out: Path, *, repeat: int) -> list[float]:
    """``ownership map e0`` end to end on the group saved as a native dataset file."""
    from ownership.io.native_format import write_json

    data = out / "group.json"
    write_json(dataset, data)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "ownership", "map", "e0", "--data", str(data), "--rule",
             "ofac-50", "--as-of", "2024-01-01", "--out", str(out / "command.html")],
            check=True, capture_output=True,
        )  # fmt: skip
        times.append(time.perf_counter() - start)
    return times


#: In the page: time from a change to the network's next drawing, in milliseconds.
_RESPONSE = """async ([kind, arg]) => {
  const drawn = () => new Promise(done => network.once('afterDrawing', done));
  const start = performance.now();
  const next = drawn();
  if (kind === 'filter') {
    const box = document.querySelector(`#legend input[data-status="${arg}"]`);
    box.click();
  } else if (kind === 'search') {
    document.getElementById('search').value = arg;
    document.getElementById('find').requestSubmit();
  } else if (kind === 'open') {
    mapView.openCluster(nodes.getIds({filter: n => n.status === 'cluster'})[0]);
  }
  await next;
  return performance.now() - start;
}"""


def time_render(path: Path, *, repeat: int) -> list[dict[str, Any]]:
    """Per run: seconds from navigation until the page is usable, node and edge counts,
    and the milliseconds a filter, a search and opening a cluster take."""
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(repeat):
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            start = time.perf_counter()
            page.goto(path.resolve().as_uri())
            page.wait_for_selector("body[data-ready=true]", state="attached", timeout=120_000)
            elapsed = time.perf_counter() - start
            counts = page.evaluate(
                "[network.body.data.nodes.length, network.body.data.edges.length]"
            )
            folded = page.evaluate(
                "mapView.entities.map((e, i) => i).filter(i => !nodes.get(mapView.entities[i].id))"
            )
            target = page.evaluate("i => mapView.entities[i].id", folded[-1]) if folded else "e0"
            run = {"usable_s": elapsed, "nodes": counts[0], "edges": counts[1]}
            run["filter_ms"] = page.evaluate(_RESPONSE, ["filter", "exposed"])
            page.evaluate(_RESPONSE, ["filter", "exposed"])  # back on
            run["search_ms"] = page.evaluate(_RESPONSE, ["search", target])
            run["open_ms"] = page.evaluate(_RESPONSE, ["open", None])
            results.append(run)
            page.close()
        browser.close()
    return results


def measure(
    nodes: int,
    seed: int,
    repeat: int,
    out: Path,
    *,
    physics: bool,
    command: bool = False,
) -> dict[str, Any]:
    """Write times of the map of a seeded group of ``nodes`` entities and of the floor, and
    its load and response times in headless Chromium when playwright and Chromium are
    here (else why not)."""
    dataset = synthetic_group(nodes, seed)
    path = out / f"group-{nodes}.html"
    started = time.perf_counter()
    analyze(dataset, rule="ofac-50", as_of="2024-01-01")
    analysed = time.perf_counter() - started
    writes, floors = [], []
    for _ in range(repeat):  # alternate, so both see the same load
        writes += time_write(dataset, path, physics=physics, repeat=1)
        floors.append(floor_write(dataset, out / "floor.html"))
    record: dict[str, Any] = {
        "nodes": nodes,
        "seed": seed,
        "budget": MAP_BUDGET,
        "entities": len(dataset.entities),
        "holdings": len(dataset.holdings),
        "analysis_s": analysed,
        "write_runs_s": writes,
        "write_s": statistics.median(writes),
        "floor_runs_s": floors,
        "floor_s": statistics.median(floors),
        "bytes": path.stat().st_size,
        "floor_bytes": (out / "floor.html").stat().st_size,
        "path": str(path),
    }
    if command:
        record["command_runs_s"] = time_command(dataset, out, repeat=repeat)
        record["command_s"] = statistics.median(record["command_runs_s"])
    try:
        import playwright  # noqa: F401
    except ImportError:
        record["browser_skipped"] = "the playwright package is not installed"
        return record
    if not Path(CHROMIUM).exists():
        record["browser_skipped"] = f"no Chromium at {CHROMIUM}"
        return record
    renders = time_render(path, repeat=repeat)
    record["browser_runs_s"] = [r["usable_s"] for r in renders]
    record["browser_s"] = statistics.median(record["browser_runs_s"])
    record["network"] = {"nodes": renders[0]["nodes"], "edges": renders[0]["edges"]}
    for key in ("filter_ms", "search_ms", "open_ms"):
        record[key] = statistics.median(r[key] for r in renders)
        record[key.replace("_ms", "_runs_ms")] = [r[key] for r in renders]
    return record


def runs(values: list[float], unit: str = "s") -> str:
    return ", ".join(f"{v:.2f}" if unit == "s" else f"{v:.0f}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--out", type=Path, default=None, help="folder for the maps (default: a tmp dir)"
    )
    parser.add_argument("--physics", action="store_true", help="start with physics on")
    parser.add_argument(
        "--command", action="store_true", help="also time `ownership map` end to end"
    )
    args = parser.parse_args()

    out_dir = args.out or Path(tempfile.mkdtemp(prefix="map-speed-"))
    r = measure(args.nodes, args.seed, args.repeat, out_dir, physics=args.physics,
                command=args.command)  # fmt: skip
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(f"commit {commit}; CPU {cpu()}, {os.cpu_count()} cores; load {os.getloadavg()[0]:.2f}")
    print(f"{r['entities']:,} entities, {r['holdings']:,} holdings; budget {r['budget']}")
    print()
    print("| step | median | runs |")
    print("|---|---|---|")
    print(f"| analysis (before the map) | {r['analysis_s']:.2f} s | 1 |")
    print(
        f"| `write_map` ({r['bytes'] / 1e6:.1f} MB) | {r['write_s']:.2f} s | "
        f"{runs(r['write_runs_s'])} |"
    )
    print(
        f"| floor: hand-written page of the group ({r['floor_bytes'] / 1e6:.1f} MB) | "
        f"{r['floor_s']:.2f} s | {runs(r['floor_runs_s'])} |"
    )
    print(f"| ratio write_map / floor | {r['write_s'] / r['floor_s']:.1f} | |")
    if "command_s" in r:
        print(
            f"| `ownership map e0` end to end (load, analysis, map) | {r['command_s']:.2f} s | "
            f"{runs(r['command_runs_s'])} |"
        )
    if "browser_skipped" in r:
        print(f"| browser | skipped: {r['browser_skipped']} | |")
        return
    net = r["network"]
    print(
        f"| headless Chromium: usable ({net['nodes']} nodes, {net['edges']} links drawn) | "
        f"{r['browser_s']:.2f} s | {runs(r['browser_runs_s'])} |"
    )
    for key, text in (
        ("filter_ms", "untick a status until redrawn"),
        ("search_ms", "search a folded entity until redrawn"),
        ("open_ms", "open a cluster until redrawn"),
    ):
        runs_key = key.replace("_ms", "_runs_ms")
        print(f"| {text} | {r[key]:.0f} ms | {runs(r[runs_key], 'ms')} |")


if __name__ == "__main__":
    main()
