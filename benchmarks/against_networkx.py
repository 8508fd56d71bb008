"""The tool against the plain networkx baseline, load and build included, statuses equal.

Each side runs in a fresh process, the two taking turns (the order swapped every round):

- ``networkx``: ``baseline.py`` reads the CSV folder, builds the DiGraph, runs each rule's
  worklist fixed point and gives every entity its status;
- ``ownership``: ``ownership.load`` (cache off) and ``ownership.analyze`` for each rule.

Times are taken inside each process from before its first import, so the interpreter's
start is left out of both, and end when every entity has its status (a dict for
networkx, the analysis's array of status codes for the tool). Every entity's status must
be the same on both sides, for every rule: the script exits 1 if not.

    python benchmarks/against_networkx.py --data /tmp/bench/1m --rounds 3
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RULES = ["ofac-50", "bis-affiliates"]


def _digest(statuses: dict[str, str]) -> dict[str, object]:
    text = "".join(f"{eid}\t{statuses[eid]}\n" for eid in sorted(statuses))
    counts: dict[str, int] = {}
    for status in statuses.values():
        counts[status] = counts.get(status, 0) + 1
    return {"sha256": hashlib.sha256(text.encode()).hexdigest(), "counts": counts}


def _networkx(folder: str, day: str, rules: list[str]) -> dict[str, object]:
    start = time.perf_counter()
    import datetime as dt

    sys.path.insert(0, str(HERE))
    from baseline import OUT_OF_SCOPE, build, covered, seeds, statuses

    as_of = dt.date.fromisoformat(day)
    graph = build(folder, as_of)
    built = time.perf_counter()
    found = {}
    for rule in rules:
        seed_ids = seeds(folder, rule, as_of)
        covered_ids = covered(graph.graph, seed_ids, limit=50 * graph.scale)
        found[rule] = statuses(graph.graph, seed_ids, covered_ids, OUT_OF_SCOPE[rule])
    done = time.perf_counter()
    return {
        "total": done - start,
        "load": built - start,
        "rules": done - built,
        "statuses": {rule: _digest(found[rule]) for rule in rules},
    }


def _ownership(folder: str, day: str, rules: list[str]) -> dict[str, object]:
    start = time.perf_counter()
    import ownership

    dataset = ownership.load(folder, cache_dir=None)
    loaded = time.perf_counter()
    results = [ownership.analyze(dataset, rule, day) for rule in rules]
    done = time.perf_counter()
    # every entity's status is in the analysis's array of codes; named after the timing
    from ownership.verdict import STATUS_CODES

    names = [status.value for status in STATUS_CODES]
    found = {
        rule: dict(zip(result.compiled.ids, (names[k] for k in result.codes.tolist()), strict=True))
        for rule, result in zip(rules, results, strict=True)
    }
    return {
        "total": done - start,
        "load": loaded - start,
        "rules": done - loaded,
        "statuses": {rule: _digest(found[rule]) for rule in rules},
    }


def _run_side(side: str, folder: str, day: str, rules: list[str]) -> dict[str, object]:
    command = [sys.executable, __file__, "--side", side, "--data", folder, "--as-of", day]
    done = subprocess.run([*command, "--rules", *rules], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a CSV folder from generate.py")
    parser.add_argument("--as-of", default="2025-10-01")
    parser.add_argument("--rules", nargs="+", default=RULES, choices=RULES)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--side", choices=["networkx", "ownership"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        side = _networkx if args.side == "networkx" else _ownership
        print(json.dumps(side(args.data, args.as_of, args.rules)))
        return 0

    runs: dict[str, list[dict[str, object]]] = {"networkx": [], "ownership": []}
    print(f"load average at the start: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    for round_ in range(args.rounds):
        order = ["networkx", "ownership"] if round_ % 2 == 0 else ["ownership", "networkx"]
        for side in order:
            result = _run_side(side, args.data, args.as_of, args.rules)
            runs[side].append(result)
            print(f"round {round_ + 1} {side}: {result['total']:.2f} s", file=sys.stderr)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}", file=sys.stderr)

    equal = True
    for rule in args.rules:
        digests = {
            json.dumps(run["statuses"][rule], sort_keys=True)  # type: ignore[index]
            for side in runs.values()
            for run in side
        }
        equal &= len(digests) == 1
        counts = runs["ownership"][0]["statuses"][rule]["counts"]  # type: ignore[index]
        print(f"{rule}: statuses equal on both sides: {len(digests) == 1} {counts}")

    def median(side: str, key: str) -> float:
        return statistics.median(float(run[key]) for run in runs[side])  # type: ignore[arg-type]

    print()
    print("| step (median) | networkx | ownership | ratio networkx/ownership |")
    print("|---|---|---|---|")
    for key, label in [
        ("load", "read and build / load"),
        ("rules", f"{' + '.join(args.rules)}"),
        ("total", "end to end, imports included"),
    ]:
        slow, fast = median("networkx", key), median("ownership", key)
        print(f"| {label} | {slow:.2f} s | {fast:.2f} s | {slow / fast:.1f} |")
    return 0 if equal else 1


if __name__ == "__main__":
    sys.exit(main())
