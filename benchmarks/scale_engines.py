"""Wall time, peak memory and rounds of ``analyze`` on each engine, with a floor.

Each run is a fresh ``ownership`` process (``--no-cache``), so nothing is reused between
runs. Peak memory is the largest sum of resident memory over the process and all its
children (Spark's JVM included), sampled every 0.1 s.

- ``memory``: the library in a fresh process: ``ownership.load(DATA)`` (no cache) and
  ``ownership.analyze`` (every verdict's arrays worked out; nothing written);
- ``duckdb`` / ``spark``: ``ownership analyze --engine E --data TABLES -o OUT`` (the
  Parquet table folder read by the engine; the verdict columns written as Parquet);
  ``duckdb-csv`` / ``spark-csv``: the same with ``--data DATA``, the CSV folder, which
  the engine reads itself;
- ``floor``: a hand-written DuckDB loop over the same Parquet holdings: the lower fixed
  point of the plain rule (sum of the shares held by covered owners over the threshold,
  one owner row per holding, no dates, ranges, sources or flags), semi-naive. It does
  the core of the job with nothing the verdicts need around it.

Example:
    python benchmarks/generate.py --entities 1m --seed 7 --out /tmp/bench/1m
    python benchmarks/scale_engines.py --data /tmp/bench/1m --engines memory duckdb floor
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

FLOOR = """
import duckdb, sys
con = duckdb.connect()
con.execute("SET memory_limit = '{memory}'")
con.execute("SET temp_directory = '{temp}'")
con.execute("CREATE TABLE h AS SELECT owner, owned, CAST(low AS DOUBLE) / 1e18 AS pct "
            "FROM read_parquet('{tables}/holdings.parquet') WHERE NOT control")
con.execute("CREATE TABLE covered AS SELECT DISTINCT entity AS id "
            "FROM read_parquet('{tables}/listings.parquet') WHERE {seeds}")
con.execute("CREATE TABLE frontier AS SELECT id FROM covered")
con.execute("CREATE TABLE acc (id BIGINT PRIMARY KEY, pct DOUBLE)")
rounds = 0
while con.execute("SELECT COUNT(*) FROM frontier").fetchone()[0]:
    rounds += 1
    con.execute("INSERT INTO acc SELECT h.owned, SUM(h.pct) FROM h JOIN frontier f "
                "ON h.owner = f.id GROUP BY h.owned "
                "ON CONFLICT (id) DO UPDATE SET pct = pct + excluded.pct")
    con.execute("CREATE OR REPLACE TABLE frontier AS SELECT a.id FROM acc a "
                "WHERE a.pct >= 50 AND a.id NOT IN (SELECT id FROM covered)")
    con.execute("INSERT INTO covered SELECT id FROM frontier")
print(con.execute("SELECT COUNT(*) FROM covered").fetchone()[0], "covered,", rounds, "rounds")
"""


MEMORY = """
import ownership
dataset = ownership.load('{data}', cache_dir=None)
analysis = ownership.analyze(dataset, '{rule}', '{day}')
print(', '.join(f'{{n}} {{s}}' for s, n in analysis.counts().items()))
"""


def _seed_filter(tables: Path, rule_name: str) -> str:
    """SQL: the listings on lists the rule reads (the floor's seeds are the engines')."""
    import duckdb

    from ownership.rules import get_rule

    rule = get_rule(rule_name)
    pairs = duckdb.sql(
        f"SELECT DISTINCT list_id, program FROM read_parquet('{tables}/listings.parquet')"
    ).fetchall()
    read = sorted({lst for lst, program in pairs if rule.reads(lst, program)})
    return "list_id IN ({})".format(", ".join(f"'{lst}'" for lst in read) or "NULL")


def measure(
    command: list[str], env: dict[str, str], *, discard_output: bool = False
) -> tuple[float, int, str]:
    """Wall seconds, peak resident bytes of the process tree, and its output (with
    ``discard_output``, standard output thrown away and only standard error kept)."""
    started = time.perf_counter()
    stdout = subprocess.DEVNULL if discard_output else subprocess.PIPE
    stderr = subprocess.PIPE if discard_output else subprocess.STDOUT
    process = subprocess.Popen(command, stdout=stdout, stderr=stderr, text=True, env=env)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        root = psutil.Process(process.pid)
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree))
            except psutil.Error:
                pass
            time.sleep(0.1)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    output, errors = process.communicate()
    output = errors if discard_output else output
    done.set()
    watcher.join()
    seconds = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{output[-2000:]}")
    return seconds, peak, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--tables", type=Path, help="Parquet table folder (made if absent)")
    parser.add_argument("--rule", default="ofac-50")
    parser.add_argument("--as-of", default="2024-01-01")
    parser.add_argument("--engines", nargs="+", default=["memory", "duckdb", "floor"])
    parser.add_argument("--memory-limit", default="2GB")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()
    env = {**os.environ, "OWNERSHIP_CACHE": "off"}
    ownership = [sys.executable, "-m", "ownership"]
    tables = args.tables or args.data.with_name(args.data.name + "-tables")
    results: dict[str, object] = {
        "data": str(args.data),
        "rule": args.rule,
        "as_of": args.as_of,
        "cpu": _cpu(),
        "load_before": os.getloadavg()[0],
    }
    if not (tables / "holdings.parquet").exists():
        seconds, peak, _ = measure(
            [*ownership, "export", str(tables), "--format", "tables", "--data", str(args.data)],
            env,
        )
        results["export_tables"] = {"seconds": round(seconds, 2), "peak_mb": peak >> 20}
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as scratch:
        for engine in args.engines:
            runs = []
            for _ in range(args.repeat):
                out = Path(scratch) / f"{engine}.parquet"
                spill = Path(scratch) / f"{engine}-spill"
                rule = ["--rule", args.rule, "--as-of", args.as_of]
                if engine == "memory":
                    code = MEMORY.format(data=args.data, rule=args.rule, day=args.as_of)
                    command = [sys.executable, "-c", code]
                elif engine == "floor":
                    code = FLOOR.format(
                        memory=args.memory_limit, temp=spill, tables=tables,
                        seeds=_seed_filter(tables, args.rule),
                    )  # fmt: skip
                    command = [sys.executable, "-c", code]
                else:  # duckdb-csv, spark-csv: the engine reads the CSV folder itself
                    name, _, reads = engine.partition("-")
                    data = args.data if reads == "csv" else tables
                    command = [*ownership, "analyze", "--engine", name, "--data", str(data),
                               *rule, "-o", str(out), "--memory-limit", args.memory_limit,
                               "--temp-directory", str(spill), "--master", args.master]  # fmt: skip
                seconds, peak, output = measure(command, env)
                runs.append({"seconds": seconds, "peak_mb": peak >> 20, "output": output})
                shutil.rmtree(out, ignore_errors=True) if out.is_dir() else out.unlink(
                    missing_ok=True
                )
            results[engine] = {
                "median_s": round(statistics.median(r["seconds"] for r in runs), 2),
                "peak_mb": max(r["peak_mb"] for r in runs),
                "summary": _summary(runs[-1]["output"]),
            }
            print(engine, json.dumps(results[engine]), flush=True)
    results["load_after"] = os.getloadavg()[0]
    print(json.dumps(results, indent=1))


def _summary(output: str) -> str:
    """The run's own summary line (counts and rounds)."""
    lines = [line for line in output.splitlines() if re.search(r"covered|rounds|listed", line)]
    return lines[-1].strip() if lines else ""


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()}, {os.cpu_count()} cores"
    except OSError:
        pass
    return f"{os.cpu_count()} cores"


if __name__ == "__main__":
    main()
