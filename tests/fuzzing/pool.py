"""Worker processes that run cases, so a crash, a runaway allocation or a hang that
SIGALRM cannot interrupt costs one case, not the run.

Each worker imports the package once and runs the cases it is sent in-process (see
:mod:`.runner`). The parent watches every worker: if it dies the case is a ``CRASH``
(with the fault handler's stack when there is one); if it outlives the case's time limit
by ``GRACE`` seconds, or its resident memory passes ``memory_limit``, it is killed and
the case is a ``HANG`` or a ``CRASH``. A worker whose case hung is replaced too, since
threads it started may still be running.
"""

from __future__ import annotations

import contextlib
import faulthandler
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from .cases import FAMILIES, Recipe, build
from .runner import Outcome, materialize, outcome_for, run_case

__all__ = ["run_inline", "run_recipes", "save_case"]

#: Seconds a worker may run past a case's own limit before it is killed.
GRACE = 30.0
#: Resident memory above which a worker is killed (its case is a CRASH).
MEMORY_LIMIT = 6 << 30
SKIP_SAVING = {"out", ".cache"}


def save_case(work: Path, outcome: Outcome, save_dir: Path) -> str:
    """Copy a failing (or noted) case's inputs and command, not its outputs, under
    ``save_dir``."""
    kind = outcome.outcome if outcome.failed else "NOTE-" + "+".join(outcome.notes)
    name = f"{outcome.index:05d}-{kind}-{outcome.family}-{outcome.fmt}"
    target = save_dir / name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(work, target, ignore=lambda d, names: [n for n in names if n in SKIP_SAVING])
    (target / "outcome.txt").write_text(
        "\n".join(f"{k}: {v}" for k, v in outcome.to_dict().items() if k not in ("trace", "saved"))
        + "\n\n"
        + outcome.trace,
        encoding="utf-8",
    )
    return str(target)


def _execute(recipe: Recipe, work: Path, save_dir: Path | None) -> Outcome:
    try:
        case = build(recipe)
    except Exception as exc:
        outcome = outcome_for(recipe)
        outcome.outcome = "GENERROR"
        outcome.exc_type = type(exc).__name__
        outcome.message = str(exc).splitlines()[0][:300] if str(exc) else ""
        outcome.trace = traceback.format_exc()
        return outcome
    outcome = run_case(case, work)
    if (outcome.failed or outcome.notes) and save_dir is not None:
        outcome.saved = save_case(work, outcome, save_dir)
    return outcome


def run_inline(
    recipes: Iterable[Recipe], save_dir: Path | None, on_result: Callable[[Outcome], None]
) -> None:
    """Run every recipe in this process (for replaying and debugging)."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        for recipe in recipes:
            work = Path(tmp) / f"{recipe.index:05d}"
            on_result(_execute(recipe, work, save_dir))
            shutil.rmtree(work, ignore_errors=True)


def _worker(conn: Connection, root: str, save_dir: str | None, fault_file: str) -> None:
    """Worker loop: receive a recipe, run it, send the outcome; None stops it."""
    with open(fault_file, "w") as fault:
        faulthandler.enable(fault)
        os.environ["NUMPY_MADVISE_HUGEPAGE"] = "0"
        import ownership.cli  # noqa: F401  (imported once, before the first case is timed)

        while True:
            recipe = conn.recv()
            if recipe is None:
                return
            work = Path(root) / f"{recipe.index:05d}"
            outcome = _execute(recipe, work, Path(save_dir) if save_dir else None)
            shutil.rmtree(work, ignore_errors=True)
            conn.send(outcome)
            if outcome.outcome == "HANG":
                return


@dataclass
class _Worker:
    process: Any
    conn: Connection
    fault_file: Path
    recipe: Recipe | None = None
    deadline: float = 0.0


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class _Pool:
    def __init__(self, workers: int, root: Path, save_dir: Path | None) -> None:
        self.context = multiprocessing.get_context("spawn")
        self.root = root
        self.save_dir = save_dir
        self.workers = [self._start(n) for n in range(workers)]

    def _start(self, n: int) -> _Worker:
        parent, child = self.context.Pipe()
        fault = self.root / f"worker-{n}-{time.monotonic_ns()}.fault"
        process = self.context.Process(
            target=_worker,
            args=(child, str(self.root), str(self.save_dir) if self.save_dir else None, str(fault)),
            daemon=True,
        )
        process.start()
        child.close()
        return _Worker(process, parent, fault)

    def _replace(self, worker: _Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(5)
        worker.conn.close()
        n = self.workers.index(worker)
        self.workers[n] = self._start(n)

    def _lost(self, worker: _Worker, kind: str, message: str) -> Outcome:
        """The outcome of a case whose worker died or was killed; its inputs are saved."""
        assert worker.recipe is not None
        recipe = worker.recipe
        work = self.root / f"{recipe.index:05d}"
        try:
            case = build(recipe)
            outcome = outcome_for(recipe, case)
            if not work.exists():
                materialize(case, work)
        except Exception:
            outcome = outcome_for(recipe)
        outcome.outcome, outcome.message = kind, message
        fault = (
            worker.fault_file.read_text("utf-8", "replace") if worker.fault_file.exists() else ""
        )
        if fault.strip():
            outcome.trace = fault[-20000:]
            own = [line for line in fault.splitlines() if "/ownership/" in line]
            outcome.frame = own[0].strip() if own else ""
            outcome.exc_type = fault.strip().splitlines()[0][:120]
        if self.save_dir is not None and work.exists():
            outcome.saved = save_case(work, outcome, self.save_dir)
        shutil.rmtree(work, ignore_errors=True)
        return outcome

    def run(self, recipes: Iterable[Recipe], on_result: Callable[[Outcome], None]) -> None:
        pending = deque(recipes)
        while True:
            for worker in self.workers:
                if worker.recipe is None and pending:
                    worker.recipe = pending.popleft()
                    timeout = FAMILIES[worker.recipe.family].timeout
                    steps = 4 if FAMILIES[worker.recipe.family].kind == "cache" else 1
                    worker.deadline = time.monotonic() + timeout * steps + GRACE
                    # a worker that died on start is found by _check
                    with contextlib.suppress(OSError):
                        worker.conn.send(worker.recipe)
            busy = [w for w in self.workers if w.recipe is not None]
            if not busy:
                break
            wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=0.5)
            for worker in busy:
                self._check(worker, on_result)

    def _check(self, worker: _Worker, on_result: Callable[[Outcome], None]) -> None:
        outcome: Outcome | None = None
        try:
            if worker.conn.poll():
                outcome = worker.conn.recv()
        except (EOFError, OSError):
            outcome = None
        if outcome is not None:
            worker.recipe = None
            on_result(outcome)
            if outcome.outcome == "HANG":
                self._replace(worker)
            return
        if not worker.process.is_alive():
            code = worker.process.exitcode
            on_result(self._lost(worker, "CRASH", f"worker died (exit code {code})"))
        elif time.monotonic() > worker.deadline:
            on_result(self._lost(worker, "HANG", "not interruptible by SIGALRM; killed"))
        elif _rss(worker.process.pid) > MEMORY_LIMIT:
            on_result(self._lost(worker, "CRASH", f"memory above {MEMORY_LIMIT >> 30} GiB; killed"))
        else:
            return
        worker.recipe = None
        self._replace(worker)

    def close(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(OSError):
                worker.conn.send(None)
        for worker in self.workers:
            worker.process.join(10)
            if worker.process.is_alive():
                worker.process.kill()


def run_recipes(
    recipes: Iterable[Recipe],
    *,
    workers: int,
    save_dir: Path | None,
    on_result: Callable[[Outcome], None],
) -> None:
    """Run recipes on ``workers`` processes, calling ``on_result`` as each one ends."""
    if save_dir is not None:
        save_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        pool = _Pool(workers, Path(tmp), save_dir)
        try:
            pool.run(recipes, on_result)
        finally:
            pool.close()
    sys.stdout.flush()
