"""Pausing Python's cycle collector around large builds of short-lived objects, and
handing freed memory back to the system between the phases of a large command.

Building a map of 20,000 entities makes millions of small dicts and lists while a
dataset's records stay alive; each collection pass then walks all of them again, which
cost 40% of the build. Reference counting still frees everything without cycles, and
the collector runs as usual afterwards.

>>> import gc
>>> with collector_paused():
...     gc.isenabled()
False
>>> gc.isenabled()
True
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache

__all__ = ["collector_paused", "return_freed_memory"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cycle collector inside the block (re-enabled only if it was on)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def return_freed_memory() -> None:
    """Give the system back what the allocators keep after large arrays are freed.

    Loading and analysing a million entities frees hundreds of megabytes of short-lived
    arrays. glibc's malloc (numpy's) and Arrow's pool keep most of it for reuse, so the
    verdict writer's columns came on top: about 95 MiB more at the peak, at 1M. Asked
    between phases, both return it: glibc trims its heaps (``malloc_trim``, where the C
    library has it), Arrow's pool releases what it holds unused (if pyarrow is loaded)."""
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        arrow.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS)."""
    import ctypes

    try:
        return ctypes.CDLL(None).malloc_trim  # type: ignore[no-any-return]
    except (AttributeError, OSError):
        return None
