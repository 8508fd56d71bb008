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
# Arrow's default pool, mimalloc, reserves 1 GiB arenas and asks for 2 MB pages on them;
# as a large command's columns come and go, the kernel zeroes those pages whole, again
# and again: 1.6 to 2.4 s of system time at 1M entities, against 0.7 to 1.0 s with the C
# library's malloc, which also peaks about 130 MiB lower. pyarrow reads this, its
# documented switch, when it first makes its default pool, which is after this line.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

import typer

# isort: off
# The commands are listed in --help in the order their modules are imported here.
from .common import app
from . import describe, queries, gaps, exchange, drawing, cache  # noqa: F401
# isort: on

__all__ = ["app", "main"]


class _WithoutPandas:
    """An import finder that finds no pandas.

    No command uses pandas, but pyarrow imports it (about half a second) the first time it
    converts a value, only to learn whether the value is a pandas object, and other
    libraries look for it the same way. pandas is no dependency of the package: with this
    finder a command runs as it does where pandas is not installed (``pip install .``).
    """

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


def main() -> None:
    """Console entry point."""
    if "pandas" not in sys.modules:
        sys.meta_path.insert(0, _WithoutPandas())
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
