"""The whole dataset's questions at scale: ``loopholes`` and ``changes`` end to end beside
``analyze`` and the floor (``floor_cascade.py``), taking turns so load changes fall on
all; then ``what-if`` in one process on a loaded analysis, for typical entities.

Targets: ``loopholes`` under 10 s at 1M; ``changes`` under twice one ``analyze``;
``what-if`` under 1 s for a typical entity (its rows included).

Example:
    python benchmarks/generate.py --entities 1m --seed 7 --out /tmp/bench/1m
    python benchmarks/dataset_questions.py --data /tmp/bench/1m --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

from output_formats import _seed_lists
from scale_engines import measure
from screen_speed import cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--rule", default="bis-affiliates")
    parser.add_argument("--as-of", default="2026-12-03")
    parser.add_argument(
        "--pairs",
        nargs="+",
        default=["2024-01-01:2024-06-01", "2025-01-01:2025-12-31", "2025-09-28:2025-09-29"],
        help="date pairs FROM:TO for changes",
    )
    parser.add_argument(
        "--last-pair-formats",
        nargs="*",
        default=["csv", "json"],
        help="formats besides jsonl for the last pair",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--entities", type=int, default=20, help="what-if entities drawn")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    base = [sys.executable, "-m", "ownership", "--no-cache"]
    data = ["--data", str(args.data), "--rule", args.rule]
    commands = {
        "analyze": [*base, "analyze", *data, "--as-of", args.as_of, "--format", "jsonl"],
        "loopholes": [*base, "loopholes", *data, "--as-of", args.as_of, "--format", "csv"],
        "floor": [sys.executable, str(Path(__file__).with_name("floor_cascade.py")),
                  str(args.data), args.as_of, json.dumps(_seed_lists(args.data, args.rule))],
    }  # fmt: skip
    for pair in args.pairs:
        first, _, second = pair.partition(":")
        commands[f"changes {pair}"] = [
            *base, "changes", *data, "--from", first, "--to", second, "--format", "jsonl"
        ]  # fmt: skip
    first, _, second = args.pairs[-1].partition(":")
    for fmt in args.last_pair_formats:  # the last pair (most rows) in other formats too
        commands[f"changes {args.pairs[-1]} {fmt}"] = [
            *base, "changes", *data, "--from", first, "--to", second, "--format", fmt
        ]  # fmt: skip
    load_before = os.getloadavg()[0]
    started = time.strftime("%H:%M")
    runs: dict[str, list[tuple[float, int]]] = {name: [] for name in commands}
    for _ in range(args.repeat):
        for name, command in commands.items():
            seconds, peak, _ = measure(command, dict(os.environ), discard_output=True)
            runs[name].append((seconds, peak))
    analyze_median = statistics.median(s for s, _ in runs["analyze"])
    floor_median = statistics.median(s for s, _ in runs["floor"])
    results: dict[str, object] = {
        "cpu": cpu(),
        "data": str(args.data),
        "rule": args.rule,
        "as_of": args.as_of,
        "started": started,
        "load": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "end_to_end": {
            name: {
                "median_s": round(statistics.median(s for s, _ in done), 2),
                "runs_s": [round(s, 2) for s, _ in done],
                "peak_mib": max(p for _, p in done) >> 20,
                "to_analyze": round(statistics.median(s for s, _ in done) / analyze_median, 2),
                "to_floor": round(statistics.median(s for s, _ in done) / floor_median, 2),
            }
            for name, done in runs.items()
        },
    }
    results["what_if"] = _what_if(args)
    results["load"] = [*results["load"], round(os.getloadavg()[0], 2)]  # type: ignore[misc]
    print(json.dumps(results, indent=1))


def _what_if(args: argparse.Namespace) -> dict[str, object]:
    """``what_if`` of typical entities (unlisted, with an owner) on one loaded analysis:
    the report and every one of its rows, each entity once."""
    import numpy as np

    import ownership

    dataset = ownership.load(args.data, cache_dir=None)
    analysis = ownership.analyze(dataset, args.rule, args.as_of)
    c = analysis.compiled
    owned = np.zeros(c.n, dtype=bool)
    owned[c.dst] = True
    candidates = np.flatnonzero(owned & ~c.seeds).tolist()
    drawn = random.Random(args.seed).sample(candidates, args.entities)
    list_id = analysis.rule.seeds[0].list if analysis.rule.seeds else "sdn"
    timings, sizes = [], []
    first = time.perf_counter()
    analysis.resolve(c.ids[drawn[0]])  # the name index, made once per analysis
    index_seconds = time.perf_counter() - first
    for position in drawn:
        started = time.perf_counter()
        report = analysis.what_if(c.ids[position], list_id)
        rows = sum(1 for _ in report.records())
        timings.append(time.perf_counter() - started)
        sizes.append(rows)
    return {
        "list": list_id,
        "entities": len(drawn),
        "name_index_s": round(index_seconds, 3),
        "median_s": round(statistics.median(timings), 3),
        "max_s": round(max(timings), 3),
        "runs_s": [round(t, 3) for t in timings],
        "changed_rows": sizes,
    }


if __name__ == "__main__":
    main()
