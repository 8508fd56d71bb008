"""Run one case in this process through typer's CliRunner and classify what happened.

Outcomes:

- ``ok``: exit code 0, 1 or 2 and no exception but SystemExit;
- ``TRACEBACK``: any other exception, or a traceback printed by the command;
- ``HANG``: the case ran past its time limit (SIGALRM interrupts it);
- ``BLOWUP``: the output (stdout, stderr, files written) is more than 50 times the input;
- ``BADEXIT``: an exit code other than 0, 1 or 2 (an "unexpected error" the command
  caught is named, and rerun with ``--debug`` where the command has it, for its frames);
- ``CRASH``: the worker process died (set by the pool, never here);
- ``GENERROR``: the fuzzer could not build the case (a bug of the fuzzer).

Notes, which do not fail a case: ``ESCAPE`` (an escape sequence from the input reached the
output), ``FORMULA`` (a CSV cell written to stdout starts with a formula character and
carries a payload from the input) and ``REJECTED`` (a file that is still valid JSON, with
only a line separator added inside a string, was refused as invalid).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import importlib.util
import io
import json
import os
import re
import shlex
import signal
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from .cases import Case, Recipe, bundled_size

__all__ = ["FAILURES", "CaseTimeout", "Outcome", "materialize", "run_case", "shell_command"]

FAILURES = ("TRACEBACK", "HANG", "BLOWUP", "BADEXIT", "CRASH", "GENERROR")
#: Output above this many times the input is a blowup ...
BLOWUP_RATIO = 50
#: ... once it is above this floor (a map's fixed page is about 0.7 MB).
BLOWUP_FLOOR = 1 << 20
#: Commands that read the bundled dataset when given no --data.
USES_BUNDLED = {
    "analyze",
    "explain",
    "affiliates",
    "map",
    "plot",
    "show",
    "timeline",
    "export",
    "screen",
    "compare",
}


def _package_dir() -> str:
    """Where the package under test lives (a checkout, or site-packages when installed)."""
    spec = importlib.util.find_spec("ownership")
    origin = spec.origin if spec is not None and spec.origin else "ownership/__init__.py"
    return str(Path(origin).resolve().parent) + os.sep


PACKAGE_DIR = _package_dir()
TRACEBACK_TEXT = b"Traceback (most recent call last)"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
JSON_FORMATS = frozenset({"ftm", "bods-json", "bods-jsonl", "csl-json", "native-json"})


class CaseTimeout(BaseException):
    """Raised by SIGALRM; a BaseException so ``except Exception`` in the code under test
    cannot swallow it."""


@dataclass
class Outcome:
    """The result of one case, small and picklable."""

    index: int
    family: str
    fmt: str
    seed: str | None
    variant: str
    command: str
    argv: str
    outcome: str = "ok"
    exc_type: str = ""
    message: str = ""
    frame: str = ""
    origin: str = ""
    seconds: float = 0.0
    input_bytes: int = 0
    output_bytes: int = 0
    exit_code: int | None = None
    notes: list[str] = field(default_factory=list)
    step: int = 1  # the step that failed (or the last one run), 1-based
    saved: str = ""
    trace: str = ""

    @property
    def failed(self) -> bool:
        return self.outcome in FAILURES

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def shell_command(args: list[str], cache: bool = False) -> str:
    """The command line as a shell would run it from the case folder."""
    env = "OWNERSHIP_CACHE_DIR=.cache" if cache else "OWNERSHIP_CACHE=off"
    return f"{env} COLUMNS=120 ownership " + " ".join(shlex.quote(a) for a in args)


def outcome_for(recipe: Recipe, case: Case | None = None) -> Outcome:
    """A fresh (ok) outcome labelled from the recipe, and from the case when it was built."""
    return Outcome(
        recipe.index,
        recipe.family,
        recipe.fmt,
        recipe.seed,
        case.variant if case else recipe.variant or "-",
        case.command if case else recipe.command or "-",
        " && ".join(shell_command(s.args, case.cache) for s in case.steps) if case else "",
    )


def materialize(case: Case, folder: Path) -> None:
    """Write the case's inputs, a ``command.sh`` to rerun it, and ``case.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    for path, data in case.files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    (folder / "out").mkdir(exist_ok=True)
    lines = ["#!/bin/sh", 'cd "$(dirname "$0")" && mkdir -p out || exit 1']
    for n, step in enumerate(case.steps):
        if step.writes:
            lines.append(f"# before step {n + 1}, the files under step{n + 1}/ replace the inputs")
            for path, data in step.writes.items():
                (folder / f"step{n + 1}" / path).parent.mkdir(parents=True, exist_ok=True)
                (folder / f"step{n + 1}" / path).write_bytes(data)
                lines.append(f"cp {shlex.quote(f'step{n + 1}/{path}')} {shlex.quote(path)}")
        lines.append(shell_command(step.args, case.cache))
    (folder / "command.sh").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "command.sh").chmod(0o755)
    recipe = asdict(case.recipe)
    recipe["steps"] = [s.args for s in case.steps]
    recipe["cache"] = case.cache
    (folder / "case.json").write_text(json.dumps(recipe, ensure_ascii=False, indent=1), "utf-8")


def _tree_size(folder: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


def _frames(tb: TracebackType | None) -> list[traceback.FrameSummary]:
    return list(traceback.extract_tb(tb)) if tb is not None else []


def _where(frames: list[traceback.FrameSummary]) -> tuple[str, str]:
    """The last frame in the package and the last frame of all, as ``file:line func``."""

    def label(frame: traceback.FrameSummary) -> str:
        path = frame.filename
        if path.startswith(PACKAGE_DIR):
            path = "ownership/" + path[len(PACKAGE_DIR) :]
        elif "site-packages/" in path:
            path = path.split("site-packages/", 1)[1]
        return f"{path}:{frame.lineno} {frame.name}"

    own = [f for f in frames if f.filename.startswith(PACKAGE_DIR)]
    return (label(own[-1]) if own else "", label(frames[-1]) if frames else "")


def _from_exception(out: Outcome, exc: BaseException) -> None:
    frames = _frames(exc.__traceback__)
    out.exc_type = type(exc).__name__
    text = str(exc).strip()
    out.message = text.splitlines()[0][:300] if text else ""
    out.frame, out.origin = _where(frames)
    out.trace = "".join(traceback.format_exception(exc))[-20000:]


_PRINTED_FRAME = re.compile(r'File "([^"]+)", line (\d+), in (\S+)')


def _from_printed(out: Outcome, text: str) -> None:
    """A traceback the command printed itself: the last package frame and the last line."""
    start = text.rfind("Traceback (most recent call last)")
    block = text[start:]
    frames = [
        traceback.FrameSummary(m.group(1), int(m.group(2)), m.group(3))
        for m in _PRINTED_FRAME.finditer(block)
    ]
    out.frame, out.origin = _where(frames)
    last = next(
        (
            line
            for line in reversed(block.splitlines())
            if re.match(r"^\w[\w.]*(Error|Exception|Exit|Interrupt|Warning)?\b.*:", line)
        ),
        "",
    )
    out.exc_type, _, message = last.partition(":")
    out.exc_type = out.exc_type.strip() or "printed traceback"
    out.message = message.strip()[:300]
    out.trace = block[-20000:]


def _formula_cells(stdout: bytes) -> bool:
    try:
        rows = csv.reader(io.StringIO(stdout.decode("utf-8", "replace"), newline=""))
        return any(
            cell.startswith(FORMULA_STARTS) and "FUZZ" in cell for row in rows for cell in row
        )
    except csv.Error:
        return False


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise CaseTimeout()


def _input_size(case: Case, args: list[str]) -> int:
    size = sum(len(d) for d in case.files.values())
    if "--data" not in args and args and args[0] in USES_BUNDLED:
        size += bundled_size()
    return max(size, 1)


def _invoke(case: Case, folder: Path, args: list[str]) -> Any:
    """One in-process run of the command under the case's time limit."""
    from typer.testing import CliRunner

    from ownership.cli import app

    env = {
        "OWNERSHIP_CACHE": None if case.cache else "off",
        "OWNERSHIP_CACHE_DIR": str(folder / ".cache"),
        "COLUMNS": "120",
        "TERMINAL_WIDTH": "120",
        "NO_COLOR": "1",
    }
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, case.timeout)
    try:
        return CliRunner().invoke(app, args, env=env, catch_exceptions=True)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


@functools.cache
def _has_debug_option() -> bool:
    """Whether the command takes ``--debug`` (show the traceback of an unexpected error)."""
    from typer.main import get_command

    from ownership.cli import app

    return any(p.name == "debug" for p in get_command(app).params)


_UNEXPECTED = re.compile(rb"unexpected (\w+)(?:: ([^\n]*?))?(?:\. This is a bug|\n|$)")


def _explain_bad_exit(
    case: Case, folder: Path, args: list[str], out: Outcome, stderr: bytes
) -> None:
    """An exit code outside 0-2 with "unexpected <Error>" on stderr is an exception the
    command caught for the user: name it, and rerun with ``--debug`` for its frames."""
    found = _UNEXPECTED.search(stderr)
    if found is None:
        return
    out.exc_type = found.group(1).decode()
    out.message = (found.group(2) or b"").decode("utf-8", "replace")[:300]
    if not _has_debug_option():
        return
    try:
        again = _invoke(case, folder, ["--debug", *args])
    except CaseTimeout:
        return
    if again.exception is not None and not isinstance(again.exception, SystemExit):
        _from_exception(out, again.exception)


def _run_step(case: Case, folder: Path, args: list[str], out: Outcome) -> None:
    try:
        result = _invoke(case, folder, args)
    except CaseTimeout as timeout:
        signal.setitimer(signal.ITIMER_REAL, 0)
        out.outcome = "HANG"
        _from_exception(out, timeout)
        out.exc_type = "CaseTimeout"
        out.message = f"no result after {case.timeout:g} s"
        return
    out.exit_code = result.exit_code
    exc = result.exception
    stdout, stderr = result.stdout_bytes, result.stderr_bytes
    if exc is not None and not isinstance(exc, SystemExit):
        out.outcome = "TRACEBACK"
        _from_exception(out, exc)
    elif TRACEBACK_TEXT in stdout or TRACEBACK_TEXT in stderr:
        out.outcome = "TRACEBACK"
        _from_printed(out, (stdout + b"\n" + stderr).decode("utf-8", "replace"))
    elif result.exit_code not in (0, 1, 2):
        out.outcome = "BADEXIT"
        out.message = f"exit code {result.exit_code}"
        _explain_bad_exit(case, folder, args, out, stderr)
    out.output_bytes = len(stdout) + len(stderr) + _tree_size(folder / "out")
    out.input_bytes = _input_size(case, args)
    limit = max(BLOWUP_RATIO * out.input_bytes, BLOWUP_FLOOR)
    if out.outcome == "ok" and out.output_bytes > limit:
        out.outcome = "BLOWUP"
        out.message = (
            f"{out.output_bytes:,} bytes out for {out.input_bytes:,} in "
            f"({out.output_bytes / out.input_bytes:,.0f}x)"
        )
    has_escape = any(b"\x1b" in d for d in case.files.values()) or any("\x1b" in a for a in args)
    if has_escape and b"\x1b" in stdout + stderr and "ESCAPE" not in out.notes:
        out.notes.append("ESCAPE")
    if "csv" in args and _formula_cells(stdout) and "FORMULA" not in out.notes:
        out.notes.append("FORMULA")
    if _rejects_valid(case, stderr) and "REJECTED" not in out.notes:
        out.notes.append("REJECTED")


def _rejects_valid(case: Case, stderr: bytes) -> bool:
    """A separator inside a JSON string leaves the file valid JSON; refusing it as invalid
    JSON means a reader split records on it. (The broken seeds are invalid anyway.)"""
    recipe = case.recipe
    return (
        recipe.family == "separators"
        and JSON_FORMATS.issuperset({recipe.fmt})
        and "broken" not in (recipe.seed or "")
        and b"not valid JSON" in stderr
    )


def run_case(case: Case, folder: Path) -> Outcome:
    """Write the case under ``folder``, run its steps there (stopping at the first
    failure), and classify the result. The working directory is restored after, and so
    are inputs a step rewrote, so a saved case starts from its first step again."""
    out = outcome_for(case.recipe, case)
    materialize(case, folder)
    previous = os.getcwd()
    started = time.perf_counter()
    try:
        os.chdir(folder)
        for number, step in enumerate(case.steps, 1):
            out.step = number
            for path, data in step.writes.items():
                (folder / path).write_bytes(data)
            _run_step(case, folder, step.args, out)
            if out.failed:
                break
    finally:
        os.chdir(previous)
        out.seconds = round(time.perf_counter() - started, 3)
        for step in case.steps:
            for path in step.writes:
                if path in case.files:
                    (folder / path).write_bytes(case.files[path])
    return out
