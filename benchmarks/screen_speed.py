"""Screening speed: N counterparty names against a generated dataset, against a floor.

The names are drawn (seeded) from the dataset's own: a quarter as written, a quarter
with another legal-form suffix, a quarter with two letters swapped, a quarter of names
that are in no dataset. ``ownership.screen`` is timed from the analysis on (matching,
the verdicts of every candidate, the rows); loading and the analysis are reported apart.
The floor is a short hand-written script doing the core of the same matching: an exact
look-up of normalised names in a dict, and for the rest rapidfuzz's ``extractOne`` over
the names that share a word with the query. Medians of ``--rounds`` runs, with the load.

    python benchmarks/generate.py --entities 1m --seed 7 --out /tmp/bench/1m
    python benchmarks/screen_speed.py --data /tmp/bench/1m --names 10000
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ownership
from ownership.resolve import normalise_name
from ownership.screening import screen

SUFFIXES = ("Inc.", "Limited", "Co., Ltd.", "GmbH", "LLC", "JSC")


def counterparty_names(names: list[str], count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    picked = []
    for k in range(count):
        name = rng.choice(names)
        kind = k % 4
        if kind == 1:
            words = name.split()
            name = " ".join([*words[:-1], rng.choice(SUFFIXES)]) if len(words) > 1 else name
        elif kind == 2 and len(name) > 4:
            at = rng.randrange(1, len(name) - 2)
            name = name[:at] + name[at + 1] + name[at] + name[at + 2 :]
        elif kind == 3:
            name = f"Quillon Brassworks {rng.randrange(10**6)} Kft."
        picked.append(name)
    return picked


def floor(names: list[str], queries: list[str], threshold: float) -> int:
    """Exact look-up, then the best fuzzy name among those sharing a word: how many match."""
    from rapidfuzz import fuzz, process

    keys = [normalise_name(n) for n in names]
    exact = {key: k for k, key in enumerate(keys)}
    by_word: dict[str, list[str]] = defaultdict(list)
    for key in exact:
        for word in key.split():
            by_word[word].append(key)
    found = 0
    for query in queries:
        key = normalise_name(query)
        if key in exact:
            found += 1
            continue
        pool = {c for word in key.split() if len(by_word[word]) <= 5000 for c in by_word[word]}
        if pool and process.extractOne(
            key, sorted(pool), scorer=fuzz.WRatio, score_cutoff=threshold
        ):
            found += 1
    return found


def cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/bench/1m"))
    parser.add_argument("--names", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--as-of", default="2025-10-01")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    os.environ.setdefault("OWNERSHIP_CACHE", "off")
    started = time.perf_counter()
    dataset = ownership.load(args.data)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    result = ownership.analyze(dataset, "bis-affiliates", args.as_of)
    analysed = time.perf_counter() - started
    names = list(result.columns.names)
    queries = counterparty_names(names, args.names, args.seed)
    ours, floors = [], []
    for _ in range(args.rounds):
        fresh = ownership.analyze(dataset, "bis-affiliates", args.as_of)  # no name table yet
        started = time.perf_counter()
        rows = screen(fresh, queries)
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        floor_found = floor(names, queries, 88.0)
        floors.append(time.perf_counter() - started)
    matched = sum(1 for r in rows if r.entity_id is not None)
    ambiguous = sum(1 for r in rows if r.ambiguous)
    a, b = statistics.median(ours), statistics.median(floors)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(f"commit {commit}; CPU {cpu()}, {os.cpu_count()} cores; load {os.getloadavg()[0]:.2f}")
    print(
        f"dataset {args.data}: {len(names):,} entities; "
        f"load {loaded:.2f} s, analysis {analysed:.2f} s"
    )
    print(
        f"screening {len(queries):,} names, median of {args.rounds}: {a:.2f} s "
        f"({len(queries) / a:,.0f} rows/s); floor {b:.2f} s; ratio {a / b:.2f}"
    )
    print(f"matched {matched:,} ({ambiguous:,} ambiguous); the floor matched {floor_found:,}")


if __name__ == "__main__":
    main()
