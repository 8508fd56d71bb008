"""``python -m tests.fuzzing --cases N --seed S [--save DIR]``: run a seeded fuzzing
campaign against the ``ownership`` command, print a summary by family, format and
outcome, and save every failing case (inputs, ``command.sh``, ``outcome.txt``) under DIR.

``--replay DIR`` reruns one saved case in this process and prints its outcome, so a fix
can be checked without the rest of the campaign.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from .cases import Recipe, build, plan
from .pool import run_inline, run_recipes
from .report import failure_lines, note_lines, summary, write_reports
from .runner import Outcome, run_case


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzzing", description=__doc__)
    parser.add_argument("--cases", type=int, default=300, help="number of cases (default 300)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the plan (default 0)")
    parser.add_argument("--save", type=Path, help="folder for failing cases and the reports")
    parser.add_argument(
        "--workers", type=int, default=min(2, os.cpu_count() or 1), help="worker processes"
    )
    parser.add_argument("--start", type=int, default=0, help="first case index (runs in parts)")
    parser.add_argument("--stop", type=int, help="stop before this case index")
    parser.add_argument(
        "--long", action="store_true", help="also use ../shared/data samples when present"
    )
    parser.add_argument(
        "--family", action="append", help="run only the plan's cases of this family (repeatable)"
    )
    parser.add_argument(
        "--format", action="append", dest="formats", help="only cases of this input format"
    )
    parser.add_argument("--inline", action="store_true", help="run in this process, no workers")
    parser.add_argument("--replay", type=Path, help="rerun one saved case folder in this process")
    parser.add_argument("--quiet", action="store_true", help="no line per failing case")
    return parser


def _replay(folder: Path) -> int:
    data = json.loads((folder / "case.json").read_text("utf-8"))
    steps = data.pop("steps")
    cache = data.pop("cache")
    recipe = Recipe(**data)
    case = build(recipe)
    if [s.args for s in case.steps] != steps or case.cache != cache:
        print("warning: the recipe no longer builds the saved command lines", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="fuzz-replay-") as tmp:
        outcome = run_case(case, Path(tmp))
    print(f"{outcome.outcome}: {outcome.exc_type}: {outcome.message}\n  at {outcome.frame}")
    print(outcome.argv)
    if outcome.trace:
        print(outcome.trace)
    return 1 if outcome.failed else 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # SIGTERM unwinds like an error, so the worker processes are stopped too
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    if args.replay:
        return _replay(args.replay)
    recipes = [
        r
        for r in plan(args.seed, args.cases, long=args.long)[args.start : args.stop]
        if (not args.family or r.family in args.family)
        and (not args.formats or r.fmt in args.formats)
    ]
    outcomes: list[Outcome] = []
    started = time.monotonic()

    def on_result(outcome: Outcome) -> None:
        outcomes.append(outcome)
        if outcome.failed and not args.quiet:
            print(
                f"[{len(outcomes)}/{len(recipes)} {time.monotonic() - started:.0f}s] "
                f"{outcome.outcome} case {outcome.index} {outcome.family}/{outcome.fmt}/"
                f"{outcome.variant} {outcome.command}: {outcome.exc_type}: "
                f"{outcome.message[:120]} @ {outcome.frame}",
                flush=True,
            )
        elif len(outcomes) % 100 == 0 and not args.quiet:
            print(f"[{len(outcomes)}/{len(recipes)} {time.monotonic() - started:.0f}s]", flush=True)

    save = args.save.resolve() if args.save else None
    if args.inline:
        run_inline(recipes, save, on_result)
    else:
        run_recipes(recipes, workers=args.workers, save_dir=save, on_result=on_result)
    print()
    print(summary(outcomes))
    lines = failure_lines(outcomes)
    if lines:
        print(f"\n{len(lines)} distinct failures:\n")
        print("\n\n".join(lines))
    notes = note_lines(outcomes)
    if notes:
        print("\nnotes (these do not fail a case):\n")
        print("\n".join(notes))
    if save is not None:
        suffix = f"-{args.start}-{args.stop}" if args.start or args.stop else ""
        suffix += "".join(f"-{x}" for x in (args.family or []) + (args.formats or []))
        write_reports(outcomes, save / f"report-seed{args.seed}{suffix}")
    return 1 if any(o.failed for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
