"""Where the verdict writer's time goes: its set-up (the columns worked out once), the
rows its main thread makes one by one, and the rest of the batches, after one load and
one analysis of a folder, each run in a fresh process.

The processes start in this folder, so ``PYTHONPATH=CHECKOUT`` times another
checkout's code.

Example:
    python benchmarks/writer_phases.py --data /tmp/bench/1m --repeat 3
    PYTHONPATH=/tmp/old python benchmarks/writer_phases.py --data /tmp/bench/1m --batch 4096
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

_ONE_RUN = """
import json, os, sys, time
import ownership
from ownership import verdict_json as vj

data, fmt, rule, batch = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
spent = {"setup": 0.0, "rows one by one": 0.0}

def timed(name, function):
    def run(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - start
    return run

vj.LineColumns.__init__ = timed("setup", vj.LineColumns.__init__)
vj.LineColumns.prepare = timed("rows one by one", vj.LineColumns.prepare)
start = time.perf_counter()
dataset = ownership.load(data, cache_dir=None)
loaded = time.perf_counter()
analysis = ownership.analyze(dataset, rule, None, shares=True)
analyzed = time.perf_counter()
write = vj.write_verdict_csv if fmt == "csv" else vj.write_verdict_lines
with open(os.devnull, "wb") as out:
    write(analysis, out, batch=batch)
done = time.perf_counter()
spent["batches"] = done - analyzed - spent["setup"] - spent["rows one by one"]
print(json.dumps({"load": loaded - start, "analyze": analyzed - loaded,
                  "write": done - analyzed, **spent}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    parser.add_argument("--rule", default="bis-affiliates")
    parser.add_argument("--batch", type=int, default=8_192)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    runs = []
    for _ in range(args.repeat):
        command = [sys.executable, "-c", _ONE_RUN, args.data, args.format, args.rule,
                   str(args.batch)]  # fmt: skip
        started = time.perf_counter()
        done = subprocess.run(
            command, capture_output=True, text=True, check=True, cwd=Path(__file__).parent
        )
        runs.append({**json.loads(done.stdout), "process": time.perf_counter() - started})
    print(
        json.dumps(
            {
                "data": args.data,
                "format": args.format,
                "rule": args.rule,
                "batch": args.batch,
                "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
                "median_s": {
                    key: round(statistics.median(run[key] for run in runs), 2) for key in runs[0]
                },
                "runs_s": [{key: round(value, 2) for key, value in run.items()} for run in runs],
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
