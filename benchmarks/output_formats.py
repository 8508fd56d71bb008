"""Wall time and peak memory of ``ownership --no-cache analyze --format F > /dev/null``
for each output format, and of the floor (``floor_cascade.py``: the covered-set cascade
by pyarrow and scipy, ``id,status`` written), taking turns so load changes fall on all.

A format may name the fields it writes after a colon (``jsonl:id,status`` runs
``--format jsonl --fields id,status``).

Example:
    python benchmarks/generate.py --entities 1m --seed 7 --out /tmp/bench/1m
    python benchmarks/output_formats.py --data /tmp/bench/1m --repeat 3
    python benchmarks/output_formats.py --data /tmp/bench/1m --formats jsonl jsonl:id,status floor
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
from pathlib import Path

from scale_engines import measure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--rule", default="bis-affiliates")
    parser.add_argument("--as-of", default="2026-12-03")
    parser.add_argument("--formats", nargs="+", default=["jsonl", "csv", "json", "floor"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs: dict[str, list[tuple[float, int]]] = {f: [] for f in args.formats}
    load_before = os.getloadavg()[0]
    floor = [sys.executable, str(Path(__file__).with_name("floor_cascade.py")), str(args.data),
             args.as_of, json.dumps(_seed_lists(args.data, args.rule))]  # fmt: skip
    for _ in range(args.repeat):
        for fmt in args.formats:
            written, _, fields = fmt.partition(":")
            command = floor if fmt == "floor" else [
                sys.executable, "-m", "ownership", "--no-cache", "analyze",
                "--data", str(args.data), "--rule", args.rule, "--as-of", args.as_of,
                "--format", written, *(["--fields", fields] if fields else [])]  # fmt: skip
            seconds, peak, _ = measure(command, dict(os.environ), discard_output=True)
            runs[fmt].append((seconds, peak))
    results = {
        "data": str(args.data),
        "rule": args.rule,
        "as_of": args.as_of,
        "load": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        **{
            fmt: {
                "median_s": round(statistics.median(s for s, _ in done), 2),
                "runs_s": [round(s, 2) for s, _ in done],
                "peak_mib": max(p for _, p in done) >> 20,
            }
            for fmt, done in runs.items()
        },
    }
    if "floor" in runs:
        floor_times = [s for s, _ in runs["floor"]]
        floor_median = statistics.median(floor_times)
        results["ratio_to_floor"] = {
            fmt: round(statistics.median(s for s, _ in done) / floor_median, 2)
            for fmt, done in runs.items()
        }
        # the floor's own time moves with the machine's load: each round's ratio is to
        # the floor of that round, and their median is a second view of the same runs
        results["ratio_by_round"] = {
            fmt: {
                "median": round(statistics.median(r for r in ratios), 2),
                "rounds": [round(r, 2) for r in ratios],
            }
            for fmt, done in runs.items()
            for ratios in [[s / f for (s, _), f in zip(done, floor_times, strict=True)]]
        }
    print(json.dumps(results, indent=1))


def _seed_lists(data: Path, rule_name: str) -> list[tuple[str, str]]:
    """The (list, program) pairs of the folder's listings that the rule reads."""
    from ownership.rules import get_rule

    rule = get_rule(rule_name)
    with (data / "listings.csv").open(encoding="utf-8", newline="") as listings:
        pairs = {(row["list"], row.get("program") or "") for row in csv.DictReader(listings)}
    return sorted((lst, program) for lst, program in pairs if rule.reads(lst, program or None))


if __name__ == "__main__":
    main()
