"""Every rule on one date, in one process: the time of each analysis after the first.

A date's holdings are compiled once and shared by the rules asked about that date, so
the rules after the first skip the compile. Run it on two checkouts to compare:

    python benchmarks/rules_one_date.py --data /tmp/bench/1m --code /path/to/checkout
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

RULES = ["ofac-50", "bis-affiliates", "eu", "uk", "look-through"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a CSV folder from generate.py")
    parser.add_argument("--as-of", default="2026-12-03")
    parser.add_argument("--code", type=Path, help="the checkout to import (default: this one)")
    args = parser.parse_args()
    sys.path.insert(0, str(args.code or Path(__file__).resolve().parent.parent))
    import ownership

    start = time.perf_counter()
    dataset = ownership.load(args.data, cache_dir=None)
    print(f"load {time.perf_counter() - start:.2f} s")
    total = 0.0
    for rule in RULES:
        start = time.perf_counter()
        ownership.analyze(dataset, rule, args.as_of)
        took = time.perf_counter() - start
        total += took
        print(f"{rule} {took:.2f} s")
    print(f"five rules {total:.2f} s ({ownership.__file__})")


if __name__ == "__main__":
    main()
