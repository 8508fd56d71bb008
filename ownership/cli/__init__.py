"""The ``ownership`` command: a thin layer that parses arguments, calls the library, prints.

Library errors are written for people; they are printed here on stderr, one clear
message, with exit code 2 and no traceback.
"""

from __future__ import annotations

import os
import sys

# numpy asks the kernel for 2 MB pages for large arrays; a large command makes and drops
# thousands of short-lived arrays of several megabytes, and each huge page is zeroed
# whole when first touched (about 1 s of system time at 1M entities). numpy reads this,
# its documented switch, when first imported, which is after this line.
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

import typer

# isort: off
# The commands are listed in --help in the order their modules are imported here.
from .common import app
from . import describe, queries, exchange, drawing, cache  # noqa: F401
# isort: on

__all__ = ["app", "main"]


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
