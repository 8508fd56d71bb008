"""Start-up: how long small commands take end to end, beside what importing the libraries
they need takes, optionally beside the same commands at an earlier commit.

Analysts run many small queries; most of each one's time is Python and its libraries
starting. The floors are a bare interpreter, and one that imports what a query on the
engine needs (numpy, scipy's graph routines, pyarrow's kernels, pydantic, typer, rich,
yaml) and does nothing. Commands take turns, so a change of load falls on all of them.
Byte-compiled files are written and used, as on an analyst's machine (a first run of
each command warms them), whatever PYTHONDONTWRITEBYTECODE says.

    python benchmarks/startup.py --repeat 7 --baseline 64c18a9
    python benchmarks/startup.py --data /tmp/bench/1m --entity E16
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from import_speed import _cli  # noqa: E402 - the benchmarks' own modules

LIBRARIES = "import numpy, scipy.sparse.csgraph, pyarrow.compute, pydantic, typer, yaml, rich.table"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--baseline", help="a commit to time the same commands from")
    parser.add_argument("--data", type=Path, help="a CSV folder to query from the cache")
    parser.add_argument("--entity", default="E16", help="the entity to query in --data")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    codes = {"now": ROOT}
    work = Path(tempfile.mkdtemp(prefix="startup-"))
    if args.baseline:
        codes[args.baseline] = work / "baseline"
        subprocess.run(["git", "worktree", "add", "--detach", str(codes[args.baseline]),
                        args.baseline], cwd=ROOT, check=True, capture_output=True)  # fmt: skip
    commands: dict[str, list[str]] = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "floor: import the libraries": [sys.executable, "-c", LIBRARIES],
    }
    # each commit its own cache: an entry written by other code is rebuilt, not read
    envs = {label: env for label in commands}
    for label, code in codes.items():
        own = {**env, "OWNERSHIP_CACHE_DIR": str(work / f"cache-{label}")}
        commands[f"ownership --help ({label})"] = _cli(code, "--help")
        commands[f'affiliates "Inspur Group" ({label})'] = _cli(code, "affiliates", "Inspur Group")
        if args.data is not None:
            for command in ("affiliates", "explain"):
                query = [command, args.entity, "--data", str(args.data)]
                commands[f"{command} {args.entity}, cached folder ({label})"] = _cli(code, *query)
        envs.update({name: own for name in commands if name not in envs})
    try:
        times: dict[str, list[float]] = {label: [] for label in commands}
        for label, command in commands.items():  # warm byte code and the cache
            subprocess.run(command, env=envs[label], check=True, stdout=subprocess.DEVNULL)
        load = [os.getloadavg()[0]]
        for _ in range(args.repeat):
            for label, command in commands.items():
                start = time.perf_counter()
                subprocess.run(command, env=envs[label], check=True, stdout=subprocess.DEVNULL)
                times[label].append(time.perf_counter() - start)
        load.append(os.getloadavg()[0])
    finally:
        shutil.rmtree(work / "cache-now", ignore_errors=True)
        if args.baseline:
            shutil.rmtree(work / f"cache-{args.baseline}", ignore_errors=True)
            subprocess.run(["git", "worktree", "remove", "--force", str(codes[args.baseline])],
                           cwd=ROOT, check=False, capture_output=True)  # fmt: skip
    print(f"load average {load[0]:.2f} before, {load[1]:.2f} after; {args.repeat} runs each")
    print("| command | median | runs |")
    print("|---|---|---|")
    for label, runs in times.items():
        listed = ", ".join(f"{t:.2f}" for t in runs)
        print(f"| {label} | {statistics.median(runs):.2f} s | {listed} |")


if __name__ == "__main__":
    main()
