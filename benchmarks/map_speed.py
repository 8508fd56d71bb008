"""How long a 2,000-entity ownership map takes to write and to open in a browser.

Builds a seeded random group (a tree from one listed parent, with some joint ventures,
control links, unknown and range shares), times ``write_map``, then times loading the
file in headless Chromium until the network has its nodes and the layout is drawn.

    python benchmarks/map_speed.py [--nodes 2000] [--seed 7] [--out DIR] [--physics]

The browser part needs the ``playwright`` package and Chromium at /usr/bin/chromium
(or CHROMIUM=path); without them only the write time is printed.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from ownership import analyze
from ownership.model import Dataset, Entity, Holding, Listing
from ownership.render.html import write_map

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


def time_render(path: Path, *, repeat: int) -> list[tuple[float, int, int]]:
    """Seconds from navigation until the layout is drawn, with the node and edge counts."""
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(repeat):
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            start = time.perf_counter()
            page.goto(path.resolve().as_uri())
            page.wait_for_selector("body[data-ready=true]", state="attached", timeout=60_000)
            elapsed = time.perf_counter() - start
            counts = page.evaluate(
                "[network.body.data.nodes.length, network.body.data.edges.length]"
            )
            results.append((elapsed, counts[0], counts[1]))
            page.close()
        browser.close()
    return results


def measure(nodes: int, seed: int, repeat: int, out: Path, *, physics: bool) -> dict[str, Any]:
    """Write times of the map of a seeded group of ``nodes`` entities, and its load times in
    headless Chromium when playwright and Chromium are here (else why not)."""
    dataset = synthetic_group(nodes, seed)
    path = out / f"group-{nodes}.html"
    writes = time_write(dataset, path, physics=physics, repeat=repeat)
    record: dict[str, Any] = {
        "nodes": nodes,
        "seed": seed,
        "entities": len(dataset.entities),
        "holdings": len(dataset.holdings),
        "write_runs_s": writes,
        "write_s": statistics.median(writes),
        "bytes": path.stat().st_size,
        "path": str(path),
    }
    try:
        import playwright  # noqa: F401
    except ImportError:
        record["browser_skipped"] = "the playwright package is not installed"
        return record
    if not Path(CHROMIUM).exists():
        record["browser_skipped"] = f"no Chromium at {CHROMIUM}"
        return record
    renders = time_render(path, repeat=repeat)
    record["browser_runs_s"] = [r[0] for r in renders]
    record["browser_s"] = statistics.median(record["browser_runs_s"])
    record["network"] = {"nodes": renders[0][1], "edges": renders[0][2]}
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--out", type=Path, default=None, help="folder for the map (default: a tmp dir)"
    )
    parser.add_argument("--physics", action="store_true", help="start with physics on")
    args = parser.parse_args()

    out_dir = args.out or Path(tempfile.mkdtemp(prefix="map-speed-"))
    r = measure(args.nodes, args.seed, args.repeat, out_dir, physics=args.physics)
    print(
        f"{r['entities']} entities, {r['holdings']} holdings; "
        f"write_map: median {r['write_s']:.2f} s "
        f"(runs {', '.join(f'{t:.2f}' for t in r['write_runs_s'])}); "
        f"{r['bytes']:,} bytes at {r['path']}"
    )
    if "browser_skipped" in r:
        print(f"browser: skipped ({r['browser_skipped']})")
        return
    print(
        "load + layout + first drawing in headless Chromium: "
        f"median {r['browser_s']:.2f} s "
        f"(runs {', '.join(f'{t:.2f}' for t in r['browser_runs_s'])}); "
        f"{r['network']['nodes']} nodes, {r['network']['edges']} edges in the network"
    )


if __name__ == "__main__":
    main()
