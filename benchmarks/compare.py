"""Two checkouts on the same machine, in the same run: the same steps, alternately.

A benchmark figure from another day or machine says little on a shared machine; this
runs each checkout's own code on the same generated folder, round after round, and
prints the medians and their ratio (second / first), with the load average.

    python benchmarks/compare.py OLD_CHECKOUT NEW_CHECKOUT --data /tmp/bench/1m --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

#: In-process steps, run by the checkout's own package: load, every rule, the largest
#: affiliates query on a fresh analysis.
STEPS = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import ownership
out = {}
start = time.perf_counter(); ds = ownership.load(sys.argv[2])
out["load"] = time.perf_counter() - start
for rule in ("ofac-50", "bis-affiliates", "eu", "uk", "look-through"):
    start = time.perf_counter(); result = ownership.analyze(ds, rule, sys.argv[3])
    out[f"analyze {rule}"] = time.perf_counter() - start
start = time.perf_counter(); result.affiliates(sys.argv[4])
out["first affiliates query (look-through analysis)"] = time.perf_counter() - start
print(json.dumps(out))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs=2, type=Path)
    parser.add_argument("--data", type=Path, default=Path("/tmp/bench/1m"))
    parser.add_argument("--as-of", default="2025-10-01")
    parser.add_argument("--entity", default="E12300", help="the affiliates query's entity")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    env = {**os.environ, "OWNERSHIP_CACHE": "off"}
    times: dict[Path, dict[str, list[float]]] = {c: {} for c in args.checkouts}
    command = [
        sys.executable, "-m", "ownership", "analyze", "--data", str(args.data),
        "--rule", "bis-affiliates", "--as-of", args.as_of, "--format", "jsonl",
    ]  # fmt: skip
    for number in range(args.rounds):
        # the order alternates, so neither checkout always runs on a machine just woken
        for checkout in args.checkouts if number % 2 == 0 else args.checkouts[::-1]:
            run = subprocess.run(
                [sys.executable, "-c", STEPS, str(checkout), str(args.data), args.as_of,
                 args.entity],
                capture_output=True, text=True, env=env, cwd=checkout, check=True,
            )  # fmt: skip
            for step, seconds in json.loads(run.stdout).items():
                times[checkout].setdefault(step, []).append(seconds)
            start = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, env=env, cwd=checkout, check=True)
            times[checkout].setdefault("`ownership analyze` end to end", []).append(
                time.perf_counter() - start
            )
        print(f"round {number + 1} of {args.rounds}", file=sys.stderr)
    first, second = args.checkouts
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"| step (median of {args.rounds}) | {first} | {second} | ratio |")
    print("|---|---|---|---|")
    for step, seconds in times[first].items():
        a, b = statistics.median(seconds), statistics.median(times[second][step])
        print(f"| {step} | {a:.2f} s | {b:.2f} s | {b / a:.2f} |")


if __name__ == "__main__":
    main()
