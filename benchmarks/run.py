"""Benchmark runner: load, propagation per rule, look-through, one query, end to end, memory.

For each size it generates the dataset if missing (``generate.py``), then

1. runs a worker process (this file with ``--worker``) that measures, in process and
   each as the median of N runs: ``ownership.load``; its parts (parsing and validation,
   then each cross-record check); per rule, ``analyze()`` and its stages
   (``compile_snapshot``, the fixed points, reachability, ``look_through``); one
   affiliates query (the report and its first rows with their verdicts); the cost of a
   verdict; and the networkx baseline, whose covered sets must equal the fast path's;
2. runs ``ownership analyze --format jsonl > /dev/null`` as a subprocess, with its wall
   time and peak memory (max RSS from ``os.wait4``).

Every step has a time limit and the processes an address-space limit, so a step that is
quadratic or runs out of memory is reported as such instead of stopping the run. Results
go to ``RESULTS-DIR/SIZE.json``; ``benchmarks/RESULTS.md`` is rendered from all stored
results, each with the command that produced it. Exit status 1 when the baseline and the
fast path disagree, else 0 (targets missed are reported, not fatal).

Example::

    python benchmarks/run.py --sizes 10k 100k 1m --data-root /tmp/bench
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import json
import os
import platform
import resource
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RULES = ["ofac-50", "bis-affiliates", "eu", "uk", "look-through"]
BASELINE_RULES = ["ofac-50", "bis-affiliates"]
AS_OF = "2025-10-01"  # inside the BIS Affiliates Rule's first window
#: Sizes at and above this count as large: fewer default repeats.
LARGE = 1_000_000
#: Sizes at and above this run end to end once; smaller ones take the median of three.
HUGE = 5_000_000
#: Entities whose verdict is built to measure the cost of one verdict.
VERDICT_SAMPLE = 20_000
#: Seeds tried when picking the listed entity of the affiliates query.
QUERY_SAMPLE = 200

# Targets at 1M entities (~1.3M holdings); seconds unless noted.
TARGETS: dict[str, tuple[float, str]] = {
    "e2e": (10.0, "`ownership analyze` end to end <= 10 s"),
    "e2e_rss_gb": (2.0, "peak memory of that process <= 2 GB"),
    "propagation": (1.0, "each rule's propagation (compile + fixed points) <= 1 s"),
    "look_through": (3.0, "look-through <= 3 s"),
    "query": (0.1, "one affiliates query on a loaded graph <= 100 ms"),
    "second_query": (2.0, "a second `ownership affiliates` on the same folder, end to end < 2 s"),
}
TARGET_SIZE = 1_000_000


class StepTimeout(Exception):
    """A step ran past its time limit."""


# --------------------------------------------------------------------------- helpers


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: Any) -> None:
        raise StepTimeout(f"over {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Recorder:
    """Times steps (median of repeats) under a time limit; failures become statuses."""

    def __init__(self, repeats: int, timeout: float) -> None:
        self.repeats = repeats
        self.timeout = timeout
        self.results: dict[str, dict[str, Any]] = {}

    def step(
        self,
        name: str,
        func: Callable[[], Any],
        *,
        repeats: int | None = None,
        timeout: float | None = None,
    ) -> Any:
        """Run ``func`` ``repeats`` times; record the median; return the last value."""
        times: list[float] = []
        value: Any = None
        limit = timeout or self.timeout
        for _ in range(repeats or self.repeats):
            started = time.perf_counter()
            try:
                with _time_limit(limit):
                    value = func()
            except StepTimeout:
                self.results[name] = {"status": "timeout", "limit_s": limit}
                _log(f"{name}: timed out after {limit:.0f} s")
                return None
            except MemoryError:
                self.results[name] = {"status": "out of memory"}
                _log(f"{name}: out of memory")
                return None
            except Exception as exc:  # a benchmark reports a failure and goes on
                self.results[name] = {"status": "error", "error": repr(exc)[:300]}
                _log(f"{name}: error {exc!r}\n{traceback.format_exc(limit=4)}")
                return None
            times.append(time.perf_counter() - started)
        median = statistics.median(times)
        self.results[name] = {"status": "ok", "s": median, "runs": len(times)}
        _log(f"{name}: {median:.3f} s (median of {len(times)})")
        return value

    def note(self, name: str, **values: Any) -> None:
        self.results.setdefault(name, {"status": "ok"}).update(values)

    def seconds(self, name: str) -> float | None:
        entry = self.results.get(name, {})
        return entry.get("s") if entry.get("status") == "ok" else None


def _log(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def _limit_memory(gigabytes: float) -> None:
    limit = int(gigabytes * 1024**3)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


# --------------------------------------------------------------------------- worker


def _descendants(compiled: Any, start: int) -> list[int]:
    """Entities reachable from ``start`` along links that can carry ownership or control."""
    import numpy as np

    usable = (compiled.has_share & (compiled.high > 0)) | compiled.control
    seen = np.zeros(compiled.n, dtype=bool)
    seen[start] = True
    frontier = np.array([start], dtype=np.int64)
    found: list[int] = []
    while frontier.size:
        parts = [compiled.out_pairs(int(i)) for i in frontier]
        edges = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        edges = edges[usable[edges]]
        targets = np.unique(compiled.dst[edges])
        targets = targets[~seen[targets]]
        seen[targets] = True
        found.extend(targets.tolist())
        frontier = targets
    return found


#: Runs of each affiliates query at any size (a query is cheap; a median needs a few).
QUERY_REPEATS = 5

#: Rows of an affiliates report made in a query, as a table or a notebook shows them.
QUERY_PAGE = 50


def _affiliates_query(result: Any, entity_id: str) -> int:
    """Descendants of ``entity_id`` with their verdicts; the library's method if it has one.

    With the method, the query is what an analyst sees: the report (who, in which order,
    how many of each status) and its first ``QUERY_PAGE`` rows, each with its verdict;
    the rest are made when read.
    """
    method = getattr(result, "affiliates", None)
    if method is not None:
        report = method(entity_id)
        report.counts()
        report.items[:QUERY_PAGE]
        return len(report)
    compiled = result.compiled
    found = _descendants(compiled, compiled.index[entity_id])
    verdicts = [result.verdict(compiled.ids[i]) for i in found]
    return len(verdicts)


def _stages(rec: Recorder, ds: Any, rule_name: str, day: dt.date) -> None:
    """Time compile_snapshot, the fixed points, reachability and look-through for one rule."""
    from ownership import propagate
    from ownership.rules import get_rule
    from ownership.rules.base import Aggregation

    rule = get_rule(rule_name)
    threshold = rule.threshold_on(day)
    key = f"rule.{rule_name}"
    compiled = rec.step(f"{key}.compile", lambda: propagate.compile_snapshot(ds, day, rule))
    if compiled is None:
        return
    if threshold is not None and rule.aggregation is Aggregation.all:

        def fixed() -> Any:
            propagate.covered_fixed_point(compiled, rule, threshold, upper=False)
            return propagate.covered_fixed_point(compiled, rule, threshold, upper=True)

    elif threshold is not None and rule.aggregation is Aggregation.per_owner:
        arrangements = [
            ([compiled.index[m] for m in a.members], compiled.index[a.target])
            for a in ds.arrangements
            if a.active_on(day)
        ]

        def fixed() -> Any:
            for upper in (False, True):
                propagate.per_owner_fixed_point(
                    compiled, rule, threshold, upper=upper, arrangements=arrangements
                )

    else:  # look-through: the fixed point is the look-through solve itself

        def fixed() -> Any:
            return propagate.look_through(compiled)

    rec.step(f"{key}.fixed_points", fixed)
    rec.step(f"{key}.reach", lambda: propagate.reach_from_seeds(compiled))
    if rule_name == "bis-affiliates":
        rec.step("look_through", lambda: propagate.look_through(compiled))
    parts = [rec.seconds(f"{key}.compile"), rec.seconds(f"{key}.fixed_points")]
    if all(p is not None for p in parts):
        rec.note(f"{key}.propagation", s=sum(p for p in parts if p is not None))


def worker(folder: Path, repeats: int, timeout: float, as_of: str) -> dict[str, Any]:
    """All in-process measurements for one dataset folder."""
    import numpy as np

    import ownership
    from ownership import analyze
    from ownership.io.jsontext import encode_exact

    day = dt.date.fromisoformat(as_of)
    rec = Recorder(repeats, timeout)
    info = json.loads((folder / "GENERATED.json").read_text())
    rec.note("dataset", **info)

    # ---- loading as shipped (columnar for large folders), then by the strict reader
    ds = rec.step("load", lambda: ownership.load(folder))
    from ownership.io import columnar

    shipped_threshold = columnar.COLUMNAR_FROM_BYTES
    columnar.COLUMNAR_FROM_BYTES = 1 << 62
    try:
        strict = rec.step("load.strict", lambda: ownership.load(folder), repeats=1)
    finally:
        columnar.COLUMNAR_FROM_BYTES = shipped_threshold
    if ds is None:
        ds = strict
    if ds is None:
        return rec.results
    del strict

    # ---- the first analyze on a dataset builds its columns; later ones reuse them
    rec.step(
        "analyze.bis-affiliates.unchecked", lambda: analyze(ds, "bis-affiliates", day), repeats=1
    )
    results: dict[str, Any] = {}
    for rule_name in RULES:
        _log(f"rule {rule_name}")
        results[rule_name] = rec.step(
            f"rule.{rule_name}.analyze", lambda r=rule_name: analyze(ds, r, day)
        )
        _stages(rec, ds, rule_name, day)
        if results[rule_name] is not None:
            rec.note(f"rule.{rule_name}.analyze", counts=results[rule_name].counts())
            if rule_name not in BASELINE_RULES:
                results[rule_name] = None  # keep memory for the larger sizes

    # ---- one affiliates query, and the cost of one verdict
    result = results.get("bis-affiliates")
    if result is not None:
        compiled = result.compiled
        seed_idx = np.flatnonzero(compiled.seeds)
        rng = np.random.default_rng(0)
        sample = rng.choice(seed_idx, size=min(QUERY_SAMPLE, seed_idx.size), replace=False)
        sizes = sorted((len(_descendants(compiled, int(i))), int(i)) for i in sample)
        with_desc = [s for s in sizes if s[0] > 0] or sizes
        picks = {"typical": with_desc[len(with_desc) // 2], "largest": sizes[-1]}
        warm = compiled.ids[picks["typical"][1]]
        has_method = getattr(result, "affiliates", None) is not None
        method = "Analysis.affiliates" if has_method else "descendants + Analysis.verdict"
        rec.step("query.first", lambda: _affiliates_query(result, warm), repeats=1)
        for label, (count, index) in picks.items():
            entity = compiled.ids[index]
            query = functools.partial(_affiliates_query, result, entity)
            if label == "largest":  # a large group's first query works out the share order
                rec.step("query.largest_first", query, repeats=1)
            rec.step(f"query.{label}", query, repeats=max(rec.repeats, QUERY_REPEATS))
            rec.note(
                f"query.{label}",
                entity=entity,
                entity_name=result.name_of(entity),
                descendants=count,
                method=method,
            )
        chosen = rng.choice(compiled.n, size=min(VERDICT_SAMPLE, compiled.n), replace=False)
        probe = [compiled.ids[int(i)] for i in chosen]
        rec.step("verdict.sample", lambda: [result.verdict(e) for e in probe], repeats=1)
        rec.step(
            "verdict.sample_json",
            lambda: [encode_exact(result.verdict(e).to_dict()) for e in probe],
            repeats=1,
        )
        rec.note("verdict.sample", entities=len(probe))

    # ---- networkx baseline, and equality of the covered sets
    from baseline import build, covered, seeds  # main() puts this folder on sys.path

    graph = rec.step("baseline.build", lambda: build(folder, day), repeats=1)
    if graph is not None:
        for rule_name in BASELINE_RULES:
            result = results.get(rule_name)
            seed_ids = seeds(folder, rule_name, day)
            limit = 50 * graph.scale
            got = rec.step(
                f"baseline.{rule_name}.fixed_point",
                lambda s=seed_ids, lim=limit: covered(graph.graph, s, limit=lim),
            )
            if got is None or result is None or result.lower is None:
                rec.note(f"baseline.{rule_name}.equal", equal=None)
                continue
            fast = {result.compiled.ids[i] for i in np.flatnonzero(result.lower.covered)}
            rec.note(
                f"baseline.{rule_name}.equal",
                equal=fast == got,
                covered=len(fast),
                only_fast=sorted(fast - got)[:10],
                only_baseline=sorted(got - fast)[:10],
            )
    return rec.results


# --------------------------------------------------------------------------- main


def _end_to_end(
    folder: Path,
    rule: str,
    as_of: str,
    timeout: float,
    memory_gb: float,
    cache: Path | None,
    repeats: int = 1,
) -> dict[str, Any]:
    """``ownership analyze ... --format jsonl > /dev/null``, ``repeats`` times: the run of
    median wall time, the largest max RSS of all, and every run's time."""
    arguments = ["analyze", "--data", str(folder), "--rule", rule, "--as-of", as_of,
                 "--format", "jsonl"]  # fmt: skip
    runs = []
    for _ in range(repeats):
        runs.append(_command(arguments, timeout, memory_gb, cache))
        if runs[-1]["status"] != "ok":
            return runs[-1]
    median = sorted(runs, key=lambda run: run["s"])[(len(runs) - 1) // 2]
    return {
        **median,
        "rss_gb": max(run["rss_gb"] for run in runs),
        "runs_s": [round(run["s"], 2) for run in runs],
    }


def _command(
    arguments: list[str], timeout: float, memory_gb: float, cache: Path | None
) -> dict[str, Any]:
    """One ``ownership`` command, output discarded: wall time and max RSS.

    ``cache`` is the cache directory to use; None runs with the cache off.
    """
    command = [str(Path(sys.executable).with_name("ownership")), *arguments]
    env = {**os.environ, "OWNERSHIP_CACHE": "off"}
    if cache is not None:
        env = {**os.environ, "OWNERSHIP_CACHE_DIR": str(cache)}
        env.pop("OWNERSHIP_CACHE", None)
    # stderr goes to a file, not a pipe, so progress output can never block the process
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        proc = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=env,
            preexec_fn=lambda: _limit_memory(memory_gb),
        )
        status = "ok"
        while True:
            pid, code, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > timeout:
                proc.kill()
                pid, code, usage = os.wait4(proc.pid, 0)
                status = "timeout"
                break
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(code)
        errors.seek(0)
        error = errors.read().decode(errors="replace")[-500:]
    if status == "ok" and proc.returncode != 0:
        status = "out of memory" if "MemoryError" in error else f"exit {proc.returncode}"
    return {
        "status": status,
        "s": elapsed,
        "rss_gb": usage.ru_maxrss / 1024**2,  # KiB on Linux
        "command": "ownership " + shlex.join(command[1:]),
        "error": error if status != "ok" else "",
        "limit_s": timeout,
    }


def _cached_commands(
    folder: Path, steps: dict[str, Any], args: argparse.Namespace
) -> dict[str, dict[str, Any]]:
    """Commands in a row on one folder with a fresh cache: the first fills it, later ones map it."""
    typical = steps.get("query.typical") or {}
    entity, name = typical.get("entity"), typical.get("entity_name")
    if not entity:
        return {}
    day = ["--as-of", args.as_of]
    sequence = [
        ("affiliates.first", ["affiliates", entity, "--data", str(folder), *day]),
        ("affiliates.second", ["affiliates", entity, "--data", str(folder), *day]),
        ("affiliates.by_name", ["affiliates", name or entity, "--data", str(folder), *day]),
        ("analyze.cached", ["analyze", "--data", str(folder), "--rule", "bis-affiliates", *day,
                            "--format", "jsonl"]),
    ]  # fmt: skip
    runs = {}
    with tempfile.TemporaryDirectory(prefix="ownership-cache-") as cache:
        for key, arguments in sequence:
            runs[key] = _command(arguments, args.e2e_timeout, args.memory_gb, Path(cache))
            _log(f"{key}: {runs[key]['status']} {runs[key]['s']:.2f} s")
    return runs


def _machine() -> dict[str, Any]:
    from importlib import metadata

    cpu = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    versions = {}
    for package in ("ownership", "numpy", "scipy", "networkx", "pydantic", "pydantic-core"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    import ownership

    package = Path(ownership.__file__).parent
    git = ["git", "-C", str(package.parent)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--", "ownership"], capture_output=True, text=True
    )
    changed = len([line for line in dirty.stdout.splitlines() if line.strip()])
    return {
        "commit": commit.stdout.strip() or "unknown",
        "changed_files": changed,
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(ram, 1),
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "versions": versions,
        "package": str(package),
    }


def _run_size(size: int, args: argparse.Namespace, command: str) -> dict[str, Any]:
    label = _label(size)
    folder = args.data_root / label
    if not (folder / "GENERATED.json").exists():
        print(f"== generating {label} into {folder}", file=sys.stderr, flush=True)
        subprocess.run(
            [sys.executable, str(HERE / "generate.py"), "--entities", str(size),
             "--seed", str(args.seed), "--out", str(folder)],
            check=True,
        )  # fmt: skip
    repeats = args.repeats or (3 if size < LARGE else 1)
    load_before = os.getloadavg()[0]  # the machine is shared: say how busy it was
    if not args.e2e_only:
        print(f"== {label}: in-process steps ({repeats} repeats)", file=sys.stderr, flush=True)
    worker_cmd = [
        sys.executable, str(Path(__file__).resolve()), "--worker", str(folder),
        "--repeats", str(repeats), "--timeout", str(args.timeout), "--as-of", args.as_of,
        "--memory-gb", str(args.memory_gb),
    ]  # fmt: skip
    if args.e2e_only:
        info = json.loads((folder / "GENERATED.json").read_text())
        steps: dict[str, Any] = {"dataset": {"status": "ok", **info}}
    else:
        done = subprocess.run(
            worker_cmd,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "OWNERSHIP_CACHE": "off"},  # loads measure parsing
        )
        try:
            steps = json.loads(done.stdout)
        except json.JSONDecodeError:
            steps = {"worker": {"status": f"exit {done.returncode}"}}
    print(f"== {label}: end to end", file=sys.stderr, flush=True)
    e2e_repeats = args.e2e_repeats or (3 if size < HUGE else 1)
    e2e = _end_to_end(
        folder, "bis-affiliates", args.as_of, args.e2e_timeout, args.memory_gb, cache=None,
        repeats=e2e_repeats,
    )  # fmt: skip
    _log(f"end to end: {e2e['status']} {e2e['s']:.1f} s, max RSS {e2e['rss_gb']:.2f} GiB")
    cached = _cached_commands(folder, steps, args) if not args.e2e_only else {}
    return {
        "size": size,
        "label": label,
        "folder": str(folder),
        "repeats": repeats,
        "as_of": args.as_of,
        "command": command,
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": _machine(),
        "steps": steps,
        "e2e": e2e,
        "cached": cached,
        "load": {"start": round(load_before, 2), "end": round(os.getloadavg()[0], 2)},
    }


def _load_text(load: dict[str, float] | None) -> str:
    """The 1-minute load average at the start and end of a size's runs, when recorded."""
    if not load:
        return ""
    return f"; load average {load['start']:.2f} at the start, {load['end']:.2f} at the end"


def _label(size: int) -> str:
    if size % 1_000_000 == 0:
        return f"{size // 1_000_000}m"
    if size % 1_000 == 0:
        return f"{size // 1_000}k"
    return str(size)


# --------------------------------------------------------------------------- report


def _fmt(entry: dict[str, Any] | None, unit: str = "s") -> str:
    if not entry:
        return "-"
    status = entry.get("status")
    if status == "timeout":
        return f"timeout (> {entry.get('limit_s', 0):.0f} s)"
    if status != "ok":
        return str(status)
    value = entry.get("s")
    if value is None:
        return "ok"
    if value < 0.01:
        return f"{value * 1000:.2f} ms"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} s"


def _verdict(value: float | None, limit: float) -> str:
    if value is None:
        return "FAIL"
    return "PASS" if value <= limit else "FAIL"


def targets(result: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(target, measured, PASS/FAIL) for one size's results."""
    steps, e2e = result["steps"], result["e2e"]
    rows = []
    ok = e2e["status"] == "ok"
    rows.append((TARGETS["e2e"][1], _fmt(e2e), _verdict(e2e["s"] if ok else None, 10.0)))
    rss = f"{e2e['rss_gb']:.2f} GiB" + ("" if ok else f" (at {e2e['status']})")
    rows.append((TARGETS["e2e_rss_gb"][1], rss, _verdict(e2e["rss_gb"] if ok else None, 2.0)))
    if result["size"] >= 5_000_000:
        rows.append(
            (
                "completes without running out of memory",
                f"{e2e['status']}, max RSS {e2e['rss_gb']:.2f} GiB",
                "PASS" if ok else "FAIL",
            )
        )
    if "load" not in steps:  # an end-to-end-only run
        return rows
    for rule in RULES[:-1]:
        entry = steps.get(f"rule.{rule}.propagation")
        value = entry.get("s") if entry else None
        rows.append((f"{rule}: propagation <= 1 s", _fmt(entry), _verdict(value, 1.0)))
    entry = steps.get("look_through")
    rows.append((TARGETS["look_through"][1], _fmt(entry), _verdict(entry and entry.get("s"), 3.0)))
    for label in ("typical", "largest"):
        entry = steps.get(f"query.{label}")
        desc = entry.get("descendants") if entry else None
        rows.append(
            (f"affiliates query ({label} listed entity, {desc} descendants) <= 100 ms",
             _fmt(entry), _verdict(entry and entry.get("s"), 0.1))
        )  # fmt: skip
    cached = result.get("cached") or {}
    for key, how in (("affiliates.second", "by id"), ("affiliates.by_name", "by name")):
        entry = cached.get(key)
        ok = bool(entry) and entry["status"] == "ok"
        rows.append(
            (f"{TARGETS['second_query'][1]} ({how})", _fmt(entry),
             "PASS" if ok and entry["s"] < 2.0 else "FAIL")
        )  # fmt: skip
    return rows


CACHED_LABELS = {
    "affiliates.first": "with a fresh cache, first command (parses and fills the cache)",
    "affiliates.second": "  the same command again (cache mapped)",
    "affiliates.by_name": "  the same query by name",
    "analyze.cached": "  `analyze` end to end on the cached folder and analysis",
}

STEP_LABELS = [
    ("load", "`ownership.load(folder)` as shipped (parse, validate, check)"),
    ("load.strict", "  the same folder by the strict reader (every record validated)"),
    ("analyze.bis-affiliates.unchecked", "first `analyze(ds, 'bis-affiliates')` after loading"),
]


def _rule_rows(steps: dict[str, Any]) -> list[str]:
    rows = []
    for rule in RULES:
        key = f"rule.{rule}"
        cells = [
            _fmt(steps.get(f"{key}.{part}"))
            for part in ("analyze", "compile", "fixed_points", "propagation", "reach")
        ]
        counts = (steps.get(f"{key}.analyze") or {}).get("counts")
        text = ", ".join(f"{v:,} {k}" for k, v in counts.items()) if counts else "-"
        rows.append(f"| {rule} | " + " | ".join(cells) + f" | {text} |")
    return rows


#: Entities of the group map whose writing is timed (the target: <= 2 s for 2,000).
MAP_NODES = 2000


def _map_speed(nodes: int, command: str) -> dict[str, Any]:
    """``map_speed.measure`` for a group of ``nodes``: writing the map, then loading it in
    headless Chromium when playwright and Chromium are here."""
    import map_speed

    with tempfile.TemporaryDirectory(prefix="map-speed-") as out:
        record = map_speed.measure(nodes, seed=7, repeat=3, out=Path(out), physics=False)
    record.pop("path")
    when = dt.datetime.now().isoformat(timespec="seconds")
    return {**record, "status": "ok", "s": record["write_s"], "command": command, "date": when,
            "machine": _machine()}  # fmt: skip


def _map_target(record: dict[str, Any]) -> tuple[str, str, str]:
    return (
        f"a {record['nodes']:,}-node group map written <= 2 s",
        _fmt(record),
        _verdict(record.get("s"), 2.0),
    )


def _map_section(record: dict[str, Any]) -> list[str]:
    machine = record["machine"]
    writes = ", ".join(f"{x:.2f}" for x in record["write_runs_s"])
    lines = [
        f"## Group map: {record['entities']:,} entities, {record['holdings']:,} holdings",
        "",
        f"Command: `{record['command']}` ({record['date']}; `benchmarks/map_speed.py`, seed "
        f"{record['seed']}; package at commit {machine.get('commit', '?')} with "
        f"{machine.get('changed_files', '?')} changed or new files under ownership/)",
        "",
        "| step | time |",
        "|---|---|",
        f"| `write_map` (self-contained HTML, {record['bytes']:,} bytes) | "
        f"{_fmt(record)} (median of {writes} s) |",
    ]
    if "browser_s" in record:
        loads = ", ".join(f"{x:.2f}" for x in record["browser_runs_s"])
        network = record["network"]
        lines.append(
            f"| open in headless Chromium until the layout is drawn ({network['nodes']} nodes, "
            f"{network['edges']} edges) | {_fmt({'status': 'ok', 's': record['browser_s']})} "
            f"(median of {loads} s) |"
        )
    else:
        lines.append(f"| open in headless Chromium | skipped: {record['browser_skipped']} |")
    return [*lines, ""]


def render(results: list[dict[str, Any]], maps: list[dict[str, Any]] | None = None) -> str:
    """The markdown report."""
    from ownership.io import columnar
    from ownership.io.native import csv_bytes

    lines = ["# Benchmark results", ""]
    lines += [
        "Produced by `benchmarks/run.py` on generated datasets (`benchmarks/generate.py`);",
        "each section gives the exact command. Times are medians of the stated number of runs;",
        "`timeout` and `out of memory` mean the step was stopped at the runner's limit.",
        "Memory is the kernel's max RSS in GiB (2^30 bytes); the 2 GB target is read as 2 GiB.",
        "",
    ]
    if results:
        m = results[-1]["machine"]
        versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
        lines += [
            "## Machine",
            "",
            f"- CPU: {m['cpu']}, {m['cores']} cores; RAM {m['ram_gb']} GiB; {m['os']}",
            f"- Python {m['python']}; {versions}",
            "",
        ]
    summary = [r for r in results if r["size"] == TARGET_SIZE]
    if summary:
        lines += [
            "## Targets at 1M entities",
            "",
            "| target | measured | result |",
            "|---|---|---|",
        ]
        lines += [f"| {t} | {v} | {p} |" for t, v, p in targets(summary[-1])]
        lines += [f"| {t} | {v} | {p} |" for t, v, p in map(_map_target, maps or [])]
        lines.append("")
    for result in results:
        steps, e2e = result["steps"], result["e2e"]
        data = steps.get("dataset", {})
        lines += [
            f"## {result['label']}: {data.get('entities', 0):,} entities, "
            f"{data.get('holdings', 0):,} holdings, {data.get('listings', 0):,} listings",
            "",
            f"Command: `{result['command']}` ({result['date']}, {result['repeats']} repeats, "
            f"as of {result['as_of']}, seed {data.get('seed')}; "
            f"package `{result['machine']['package']}` at commit "
            f"{result['machine'].get('commit', '?')} with "
            f"{result['machine'].get('changed_files', '?')} changed or new files under ownership/"
            f"{_load_text(result.get('load'))})",
            "",
            "| step | time |",
            "|---|---|",
        ]  # fmt: skip
        runs = e2e.get("runs_s") or []
        each = f" (median of {', '.join(f'{x:.1f}' for x in runs)} s)" if len(runs) > 1 else ""
        e2e_rows = [
            f"| `{e2e['command']} > /dev/null` | {_fmt(e2e)}{each} |",
            f"| peak memory (max RSS) of that process | {e2e['rss_gb']:.2f} GiB |",
            "| (end-to-end commands run with the cache off unless stated) | |",
        ]
        if "load" not in steps:  # an end-to-end-only run
            lines += [*e2e_rows, ""]
            continue
        lines += [f"| {label} | {_fmt(steps.get(key))} |" for key, label in STEP_LABELS]
        lines += [
            *e2e_rows,
            f"| `look_through(compiled)` | {_fmt(steps.get('look_through'))} |",
        ]
        folder = Path(result["folder"])  # gone: nothing to say
        small = folder.is_dir() and csv_bytes(folder) < columnar.COLUMNAR_FROM_BYTES
        for key, entry in (result.get("cached") or {}).items():
            what = CACHED_LABELS.get(key, key)
            if small and key == "affiliates.second":  # the cache is for large folders only
                what = "  the same command again (a folder under 1 MB is read again, not cached)"
            lines.append(
                f"| {what}: `{entry['command']}` | {_fmt(entry)}, {entry['rss_gb']:.2f} GiB |"
            )
        for label in ("first", "typical", "largest_first", "largest"):
            entry = steps.get(f"query.{label}") or {}
            if label == "largest_first":
                if entry:
                    what = (
                        "  the largest query, first on the analysis (works out the share "
                        "order, kept in the folder's store)"
                    )
                    lines.append(f"| {what} | {_fmt(entry)} |")
                continue
            what = (
                "first affiliates query (builds per-entity indexes)"
                if label == "first"
                else f"affiliates query, {label} listed entity "
                f"({entry.get('entity')}, {entry.get('descendants')} descendants; "
                f"{entry.get('method', 'method not recorded')}: report, counts and the first "
                f"{QUERY_PAGE} rows; median of {entry.get('runs', '?')})"
            )
            lines.append(f"| {what} | {_fmt(entry)} |")
        sample = steps.get("verdict.sample") or {}
        if sample.get("status") == "ok":
            per = sample["s"] / max(1, sample.get("entities", 1)) * 1e6
            js = steps.get("verdict.sample_json") or {}
            per_js = (
                f"{js['s'] / max(1, sample.get('entities', 1)) * 1e6:.0f} µs"
                if js.get("status") == "ok"
                else _fmt(js)
            )
            lines.append(
                f"| one verdict / verdict + `to_dict` + exact JSON (`encode_exact`) "
                f"(mean over {sample.get('entities')} random entities) "
                f"| {per:.0f} µs / {per_js} |"
            )
        lines += [
            "",
            "| rule (data already checked) | `analyze()` | compile_snapshot | fixed points "
            "| propagation | reach | statuses |",
            "|---|---|---|---|---|---|---|",
        ]
        lines += _rule_rows(steps)
        lines += [
            "",
            "Baseline (networkx DiGraph, worklist least fixed point, int-scaled shares):",
            "",
        ]
        lines += [
            "| rule | baseline build | baseline fixed point | fast compile + lower fixed point "
            "| ratio fast/baseline (propagation only; incl. build) | covered sets equal |",
            "|---|---|---|---|---|---|",
        ]
        build = steps.get("baseline.build", {}).get("s")
        for rule in BASELINE_RULES:
            fixed = steps.get(f"baseline.{rule}.fixed_point", {}).get("s")
            eq = steps.get(f"baseline.{rule}.equal", {})
            compile_s = steps.get(f"rule.{rule}.compile", {}).get("s")
            fp_s = steps.get(f"rule.{rule}.fixed_points", {}).get("s")
            fast = compile_s + fp_s / 2 if compile_s is not None and fp_s is not None else None
            ratio = "-"
            if fast is not None and fixed and build:
                ratio = f"{fast / fixed:.2f} ; {fast / (build + fixed):.3f}"
            equal = {True: "yes", False: "NO", None: "not compared"}[eq.get("equal")]
            lines.append(
                f"| {rule} | {_fmt({'status': 'ok', 's': build}) if build else '-'} | "
                f"{_fmt(steps.get(f'baseline.{rule}.fixed_point'))} | "
                f"{_fmt({'status': 'ok', 's': fast}) if fast is not None else '-'} | {ratio} | "
                f"{equal} ({eq.get('covered', '?')} covered incl. seeds) |"
            )
        if result["size"] != TARGET_SIZE:
            lines += ["", "Targets (set for 1M; shown for scale):", ""]
            lines += [f"- {t}: {v} ({p})" for t, v, p in targets(result)]
        lines.append("")
    for record in maps or []:
        lines += _map_section(record)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["10k", "100k", "1m"])
    parser.add_argument("--data-root", type=Path, default=Path("/tmp/bench"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--repeats", type=int, default=None, help="runs per step (default 3; 1 from 1M)"
    )
    parser.add_argument("--timeout", type=float, default=300, help="limit per in-process step, s")
    parser.add_argument("--e2e-timeout", type=float, default=1800, help="limit end to end, s")
    parser.add_argument("--memory-gb", type=float, default=20, help="address-space limit")
    parser.add_argument("--as-of", default=AS_OF)
    parser.add_argument(
        "--e2e-repeats", type=int, help="end-to-end runs, median kept (default 3; 1 from 5M)"
    )
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument(
        "--e2e-only", action="store_true", help="only the end-to-end run (for the largest sizes)"
    )
    parser.add_argument(
        "--render-only", action="store_true", help="rewrite RESULTS.md from stored results"
    )
    parser.add_argument(
        "--map-nodes",
        type=int,
        default=MAP_NODES,
        help=f"entities of the group map timed after the sizes (default {MAP_NODES}; 0: none)",
    )
    parser.add_argument(
        "--map-only", action="store_true", help="only the group map, then RESULTS.md again"
    )
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    store = args.data_root / "results"

    if args.worker:
        _limit_memory(args.memory_gb)
        steps = worker(args.worker, args.repeats or 1, args.timeout, args.as_of)
        json.dump(steps, sys.stdout, default=str)
        return 0

    from generate import parse_size

    command = "python benchmarks/run.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    store.mkdir(parents=True, exist_ok=True)
    failed = False
    for text in [] if args.render_only or args.map_only else args.sizes:
        size = parse_size(text)
        result = _run_size(size, args, command)
        (store / f"{result['label']}.json").write_text(json.dumps(result, indent=1, default=str))
        for target, measured, verdict in targets(result):
            print(f"[{result['label']}] {verdict}  {target}: {measured}")
        for rule in BASELINE_RULES:
            equal = result["steps"].get(f"baseline.{rule}.equal", {}).get("equal")
            print(f"[{result['label']}] baseline {rule}: covered sets equal = {equal}")
            failed |= equal is False
    maps = store / "maps"
    if args.map_nodes and not (args.render_only or args.e2e_only):
        record = _map_speed(args.map_nodes, command)
        maps.mkdir(exist_ok=True)
        (maps / f"{args.map_nodes}.json").write_text(json.dumps(record, indent=1, default=str))
        print(f"[map] {_map_target(record)[2]}  {_map_target(record)[0]}: {_fmt(record)}")
    stored = [json.loads(p.read_text()) for p in store.glob("*.json")]
    stored.sort(key=lambda r: r["size"])
    map_results = sorted(
        (json.loads(p.read_text()) for p in maps.glob("*.json")), key=lambda r: r["nodes"]
    )
    report = render(stored, map_results)
    if args.results.exists():  # sections other scripts write into the report stay
        from import_speed import END, MARK, replace_block

        old = args.results.read_text(encoding="utf-8")
        if MARK in old and END in old:
            report = replace_block(report, MARK + old.split(MARK, 1)[1].split(END, 1)[0] + END)
    args.results.write_text(report)
    print(f"wrote {args.results}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
