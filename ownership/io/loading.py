"""Which reader reads native data: the cache, the columnar reader or the strict one.

A single large CSV folder is read by columns (:mod:`ownership.io.columnar`) and kept in
the cache (:mod:`ownership.io.cache`), when there is one; everything else, and a large
folder the columnar reader declines, is read record by record and checked
(:func:`ownership.io.native.read_native`). The readers never choose each other: the
choice is made here. A folder whose files change while they are read is read again,
once; a second change is an error, never an answer from files half old and half new.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from ..errors import DataError, Problem
from ..model import Dataset
from . import columnar
from .cache import document_cache, fingerprint_difference, folder_cache, folder_fingerprint
from .native import csv_bytes, read_native

__all__ = ["load_native"]


def load_native(
    paths: Sequence[str | Path],
    *,
    progress: Callable[[int, int], None] | None = None,
    allow_conflicts: bool = False,
    warnings: list[Problem] | None = None,
    cache_dir: Path | None = None,
) -> Dataset:
    """Read and merge native files and CSV folders, as :func:`~ownership.io.native.
    read_native` does, from the cache at ``cache_dir`` when it holds them (None: no
    cache); a large folder is read by columns."""
    folders = [Path(p) for p in paths if Path(p).is_dir()]
    change = ""
    for _attempt in range(2):
        before = {folder: folder_fingerprint(folder) for folder in folders}
        found: list[Problem] = []
        dataset = _read_once(
            paths,
            folders,
            progress=progress,
            allow_conflicts=allow_conflicts,
            warnings=found,
            cache_dir=cache_dir,
        )
        changed = [
            (folder, what)
            for folder in folders
            if (what := fingerprint_difference(folder, before[folder], folder_fingerprint(folder)))
        ]
        if not changed:
            if warnings is not None:
                warnings += found
            return dataset
        folder, change = changed[0]
    raise DataError(
        [
            Problem(
                f"the folder changed while it was read ({change}), twice; run the command "
                "again once it is written",
                file=str(folder),
            )
        ]
    )


def _read_once(
    paths: Sequence[str | Path],
    folders: list[Path],
    *,
    progress: Callable[[int, int], None] | None,
    allow_conflicts: bool,
    warnings: list[Problem],
    cache_dir: Path | None,
) -> Dataset:
    total = sum(csv_bytes(folder) for folder in folders)
    if len(paths) == 1 and len(folders) == 1 and total >= columnar.COLUMNAR_FROM_BYTES:
        cache = folder_cache(cache_dir, folders[0]) if cache_dir is not None else None
        fast = cache.load() if cache is not None else None
        if fast is None:
            fast = columnar.read_csv_folder_columnar(folders[0], progress=progress, total=total)
            if fast is not None and cache is not None:
                cache.save(fast)
        if fast is not None:
            if progress is not None:
                progress(total, total)
            # accepted, so no conflict: rings are all it may hold
            warnings += columnar.closed_ring_notes(fast)
            return fast
    documents = partial(document_cache, cache_dir) if cache_dir is not None else None
    return read_native(
        paths,
        progress=progress,
        allow_conflicts=allow_conflicts,
        warnings=warnings,
        documents=documents,
    )
