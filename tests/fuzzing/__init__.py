"""A seeded mutation fuzzer for the ``ownership`` command line.

From a seed, :func:`plan` draws cases (input files plus command lines) from a corpus of
small real files of every supported format, mutated by families of damage real inputs
suffer (bytes, wrong types, deep nesting, long cells, control characters, odd numbers,
alias bombs, line separators, NUL, encodings, markup in names) and by graph shapes (a
4,000-deep chain, a 10,000-company ring). Each case runs in-process through typer's
``CliRunner`` inside a worker process, with a time limit, and is classified as ok,
TRACEBACK, HANG, BLOWUP (see :mod:`.runner`). ``python -m tests.fuzzing --help`` runs a
campaign; ``tests/test_fuzz.py`` runs a few hundred cases in every ``pytest``.
"""

from __future__ import annotations

from .cases import FAMILIES, Case, Recipe, build, plan
from .pool import run_recipes
from .report import distinct_failures, failure_lines, summary
from .runner import FAILURES, Outcome, run_case

__all__ = [
    "FAILURES",
    "FAMILIES",
    "Case",
    "Outcome",
    "Recipe",
    "build",
    "distinct_failures",
    "failure_lines",
    "plan",
    "run_case",
    "run_recipes",
    "summary",
]
