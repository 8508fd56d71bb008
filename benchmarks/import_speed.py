"""How long a command takes on a large imported dataset, beside a floor, in one run.

An analyst imports a real list (say the OFAC SDN legacy CSV set, ~9,000 entries) into a
native YAML file once, then runs many small commands on it. Each command reads the file
again. This script imports the given sources, then times ``ownership show NAME`` on the
YAML: with the cache off (every read parses), and with the cache on after a first run
(a large file's checked records are kept under the hash of its content). The floor is
the least any reader must do: ``yaml.load`` with libyaml's C loader, no checks at all.
With ``--baseline REF`` the same import and command are also timed from a checkout of
that commit (each version reads the file it wrote), so before and after come from one
run on one machine.

    python benchmarks/import_speed.py SDN_FOLDER --name "BANCO NACIONAL DE CUBA" \\
        --baseline f9b80d1

Sources are not in the repository (real lists are large); any input ``ownership import``
reads will do.
"""

from __future__ import annotations

import argparse
import os
import shlex
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
FLOOR = "import sys, yaml; yaml.load(open(sys.argv[1], encoding='utf-8'), Loader=yaml.CSafeLoader)"


def _time(command: list[str], env: dict[str, str], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def _cli(code: Path, *args: str) -> list[str]:
    """The ``ownership`` command of the package at ``code``."""
    script = f"import sys; sys.path.insert(0, {str(code)!r}); from ownership.cli import main; "
    return [sys.executable, "-c", script + "main()", *args]


def _show(code: Path, data: Path, name: str) -> list[str]:
    return _cli(code, "show", name, "--data", str(data))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sources", nargs="+", type=Path, help="inputs for ownership import")
    parser.add_argument("--name", required=True, help="an entity to show")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--baseline", help="a commit to time the same command from")
    parser.add_argument(
        "--results",
        type=Path,
        default=HERE / "RESULTS.md",
        help="report to write the table into (its import-speed section); none: print only",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="import-speed-"))
    data = work / "dataset.yaml"
    env = {**os.environ, "OWNERSHIP_CACHE_DIR": str(work / "cache")}
    start = time.perf_counter()
    command = _cli(ROOT, "import", *map(str, args.sources), "--out", str(data), "--no-link")
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    imported = time.perf_counter() - start
    rows: list[tuple[str, list[float]]] = []
    off = {**env, "OWNERSHIP_CACHE": "off"}
    rows.append(("floor: yaml.load with libyaml's C loader", _time(
        [sys.executable, "-c", FLOOR, str(data)], env, args.repeats)))  # fmt: skip
    if args.baseline:
        checkout = work / "baseline"
        subprocess.run(["git", "worktree", "add", "--detach", str(checkout), args.baseline],
                       cwd=ROOT, check=True, capture_output=True)  # fmt: skip
        try:  # each version reads the file it writes
            theirs = work / "baseline.yaml"
            command = _cli(checkout, "import", *map(str, args.sources), "--out", str(theirs),
                           "--no-link")  # fmt: skip
            subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
            rows.append((f"`ownership show` at {args.baseline}", _time(
                _show(checkout, theirs, args.name), off, args.repeats)))  # fmt: skip
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(checkout)], cwd=ROOT,
                           check=False, capture_output=True)  # fmt: skip
    rows.append(("`ownership show`, cache off", _time(_show(ROOT, data, args.name), off,
                                                      args.repeats)))  # fmt: skip
    _time(_show(ROOT, data, args.name), env, 1)  # fills the cache
    rows.append(("`ownership show`, cache on (filled by a first run)", _time(
        _show(ROOT, data, args.name), env, args.repeats)))  # fmt: skip
    floor = statistics.median(rows[0][1])
    from run import _machine  # the same machine description as the suite's

    machine = _machine()
    commit = machine["commit"] + (f" (+{machine['changed_files']} changed files)"
                                  if machine["changed_files"] else "")  # fmt: skip
    lines = [
        MARK,
        "## A large imported list: reading it for each command",
        "",
        f"Command: `python benchmarks/import_speed.py {shlex.join(sys.argv[1:])}` "
        f"({time.strftime('%Y-%m-%d')}; commit {commit}; CPU {machine['cpu']}, "
        f"{machine['cores']} cores; load average {os.getloadavg()[0]:.2f} at the end). "
        f"The dataset: {data.stat().st_size:,} bytes of YAML from "
        f"{', '.join(p.name for p in args.sources)}, imported in {imported:.1f} s.",
        "",
        "| step | median | runs | ratio to floor |",
        "|---|---|---|---|",
    ]
    for label, times in rows:
        median = statistics.median(times)
        runs = ", ".join(f"{t:.2f}" for t in times)
        lines.append(f"| {label} | {median:.2f} s | {runs} s | {median / floor:.1f}x |")
    lines.append(END)
    block = "\n".join(lines)
    print(block)
    if args.results is not None:
        text = args.results.read_text(encoding="utf-8") if args.results.exists() else ""
        args.results.write_text(replace_block(text, block), encoding="utf-8")
        print(f"wrote {args.results}")
    shutil.rmtree(work, ignore_errors=True)


MARK, END = "<!-- import-speed -->", "<!-- /import-speed -->"


def replace_block(text: str, block: str) -> str:
    """``text`` with its import-speed block replaced by ``block`` (appended if absent)."""
    if MARK in text and END in text:
        before, rest = text.split(MARK, 1)
        return before + block + rest.split(END, 1)[1]
    return text.rstrip("\n") + "\n\n" + block + "\n"


if __name__ == "__main__":
    main()
