"""Every set of listed ancestors at once: how long ``SeedAncestry.fill`` takes after one
load and analysis, the process's resident memory after it, the sets' size (components,
words, bytes of their columns), and optionally (``--trace``) the memory the sets hold, by
tracemalloc.

tracemalloc slows the allocation of Python objects far more than numpy's, so times taken
with ``--trace`` compare with nothing but each other. The process starts in this folder,
so ``PYTHONPATH=CHECKOUT`` times another checkout's code.

Example:
    python benchmarks/ancestor_sets.py --data /tmp/bench/5m
    PYTHONPATH=/tmp/old python benchmarks/ancestor_sets.py --data /tmp/bench/5m --trace
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import time
import tracemalloc


def resident_mib() -> float:
    """The process's resident memory now (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--rule", default="bis-affiliates")
    parser.add_argument("--as-of", default="2026-12-03")
    parser.add_argument("--trace", action="store_true", help="measure with tracemalloc")
    args = parser.parse_args()
    import ownership

    dataset = ownership.load(args.data, cache_dir=None)
    day = dt.date.fromisoformat(args.as_of)
    ancestry = ownership.analyze(dataset, args.rule, day, shares=True).ancestry
    gc.collect()
    before = resident_mib()
    if args.trace:
        tracemalloc.start()
    start = time.perf_counter()
    ancestry.fill()
    spent = time.perf_counter() - start
    found = {"fill_s": round(spent, 2), "resident_before_mib": round(before),
             "resident_after_mib": round(resident_mib())}  # fmt: skip
    words = getattr(ancestry, "words", None)  # the sets as columns (absent before them)
    if words is not None:
        columns = [words.start, words.length, words.count, words.word, words.bits]
        found |= {"components": int(words.start.size), "words": int(words.word.size),
                  "columns_mib": round(sum(c.nbytes for c in columns) / 2**20, 1)}  # fmt: skip
    if args.trace:
        held, peak = tracemalloc.get_traced_memory()
        found |= {"traced_after_mib": round(held / 2**20), "traced_peak_mib": round(peak / 2**20)}
    print(json.dumps({"data": args.data, "load": os.getloadavg()[:2], **found}))


if __name__ == "__main__":
    main()
