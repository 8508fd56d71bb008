"""The format of one cache entry: its manifest, the check of every byte when it is
opened, and how it is written whole.

An entry (or an analysis stored in one) is a directory whose manifest, written last,
gives the size and checksum (XXH3) of each of its files. :class:`Entry` maps those files and checks
them against it before anything is read from them, raising :class:`Damaged` (a file
missing, added, resized or altered) or :class:`Stale` (written by another version).
:func:`write_staged` writes a directory beside its place and renames it in. A dataset's
analysis columns are stored as ``.npy`` arrays beside its Arrow tables
(:func:`column_arrays`) and read back over the mapped bytes (:class:`ArrowStrings`).

Kept apart from :mod:`ownership.io.cache`, which finds the entry of a folder or file,
tells a stale one from a current one and decides what a command does with a damaged one:
what is here knows only the directory of one entry, nothing of the folders read or of
where the cache lies.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import math
import mmap
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

from ..columns import ArrowStrings, Columns, HoldingColumns

__all__ = [
    "CACHE_VERSION",
    "CHECKSUM",
    "MANIFEST",
    "THREADS_FROM_BYTES",
    "ArrowStrings",
    "Damaged",
    "Entry",
    "Stale",
    "code_version",
    "column_arrays",
    "file_checksum",
    "objects",
    "remove",
    "write_arrays",
    "write_manifest",
    "write_staged",
    "written_as",
]


#: Bumped whenever what an entry holds changes; older entries are then rebuilt.
CACHE_VERSION = 5


@functools.cache
def code_version() -> str:
    """A digest of this package's files (code and rule data): an entry holds what this
    code made from a folder (tables, analyses), so an entry written by other code, even
    at the same :data:`CACHE_VERSION`, is rebuilt rather than trusted."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".yaml", ".json") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


#: The file of an entry listing every other file with its size and checksum.
MANIFEST = "manifest.json"
#: XXH3 (64 bits): about 4 GB/s a core on mapped entry files, pages read in included,
#: against 1.6 for zlib's CRC-32, the fastest in the standard library; every cached
#: query checks some 400 MB at 1M entities. It finds damage; whoever can write the cache
#: could rewrite a manifest as well, so a cryptographic hash would add nothing.
CHECKSUM = "xxh3-64"
#: Entries at least this large (bytes) are checked on several threads (xxhash, for large
#: inputs, and file reads release the GIL).
THREADS_FROM_BYTES = 16_000_000

_CHUNK = 1 << 20


def remove(path: Path) -> None:
    """Delete a directory of the cache, renamed aside first so that no command sees it
    half deleted; one already gone is fine. Raises OSError."""
    aside = path.with_name(f".trash-{os.urandom(6).hex()}")
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return
    shutil.rmtree(aside)


# ---------------------------------------------------------------------- manifests


class Damaged(Exception):
    """An entry whose files differ from its manifest: says which file and how."""


class Stale(Exception):
    """An entry written by another version of this package (or other code: see
    :func:`code_version`): rebuilt without a note."""


def _listing(folder: Path, parts: tuple[str, ...]) -> set[str]:
    """The files of an entry by relative name: those of ``folder`` and of its
    subdirectories ``parts``; other subdirectories are entries of their own."""
    names = set()
    with os.scandir(folder) as found:
        for item in found:
            if not item.is_dir(follow_symlinks=False):
                names.add(item.name)
            elif item.name in parts:
                names |= {f"{item.name}/{name}" for name in _listing(Path(item.path), ())}
    return names


def _each(function: Callable[[Any], Any], items: list[Any], size: int) -> list[Any]:
    """``function`` of every item, in order; on several threads when ``size`` bytes are
    many."""
    workers = min(4, os.cpu_count() or 1, len(items))
    if size < THREADS_FROM_BYTES or workers < 2:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(function, items))


def file_checksum(path: Path) -> list[int]:
    """[size, checksum] of a file (:data:`CHECKSUM`)."""
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    size = 0
    digest = xxhash.xxh3_64()
    with path.open("rb", buffering=0) as handle:
        while count := handle.readinto(buffer):
            digest.update(view[:count])
            size += count
    return [size, digest.intdigest()]


def write_manifest(folder: Path, entry: str | None, parts: tuple[str, ...] = ()) -> None:
    """List the files of an entry being written, with sizes and checksums: last, and by a
    rename, so that a manifest is whole and describes files already written."""
    names = sorted(_listing(folder, parts), key=lambda n: -(folder / n).stat().st_size)
    total = sum((folder / name).stat().st_size for name in names)
    sums = _each(lambda name: file_checksum(folder / name), names, total)
    manifest = {
        "version": CACHE_VERSION,
        "code": code_version(),
        "checksum": CHECKSUM,
        "entry": entry,
        "files": dict(sorted(zip(names, sums, strict=True))),
    }
    written = folder / f".{MANIFEST}.partial"
    written.write_text(json.dumps(manifest, indent=0), encoding="utf-8")
    os.replace(written, folder / MANIFEST)


def written_as(folder: Path) -> Any:
    """Which writing of an entry is at ``folder`` now, as its manifest says."""
    try:
        return json.loads((folder / MANIFEST).read_bytes()).get("entry")
    except (OSError, ValueError, AttributeError):
        return None


def _older(folder: Path) -> bool:
    """Whether a directory without a manifest is an entry of an earlier version (which
    had none) rather than a damaged one."""
    try:
        version = json.loads((folder / "source.json").read_bytes())["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return bool(version != CACHE_VERSION)


class Entry:
    """The files of one entry as its manifest lists them, each mapped into memory
    copy-on-write (pages read when used, changes private) and checked, every byte,
    before anything is read from it: what was checked is what is used."""

    def __init__(self, folder: Path, parts: tuple[str, ...] = ()) -> None:
        self.folder = folder
        try:
            manifest = json.loads((folder / MANIFEST).read_bytes())
        except FileNotFoundError:
            if _older(folder):
                raise Stale from None
            raise Damaged(f"{MANIFEST}: missing") from None
        except ValueError:
            raise Damaged(f"{MANIFEST}: not valid JSON") from None
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
            raise Damaged(f"{MANIFEST}: not a manifest")
        if (
            manifest.get("version") != CACHE_VERSION
            or manifest.get("code") != code_version()
            or manifest.get("checksum") != CHECKSUM
        ):
            raise Stale
        self.entry = manifest.get("entry")
        self.files: dict[str, list[int]] = manifest["files"]
        if not all(
            isinstance(v, list) and len(v) == 2 and all(type(x) is int for x in v)
            for v in self.files.values()
        ):
            raise Damaged(f"{MANIFEST}: not a manifest")
        present = _listing(folder, parts) - {MANIFEST}
        missing, extra = sorted(self.files.keys() - present), sorted(present - self.files.keys())
        if missing:
            raise Damaged(f"{missing[0]}: missing")
        if extra:
            raise Damaged(f"{extra[0]}: not in the manifest")
        self._checked: dict[str, Any] = {}

    def check(self, names: Iterable[str] | None = None) -> None:
        """Map and check ``names`` (by default every file): all sizes first, then the
        checksums."""
        todo = [n for n in (self.files if names is None else names) if n not in self._checked]
        unlisted = [name for name in todo if name not in self.files]
        if unlisted:
            raise Damaged(f"{unlisted[0]}: missing")
        todo.sort(key=lambda name: -self.files[name][0])
        mapped = [self._map(name) for name in todo]
        sums = _each(xxhash.xxh3_64_intdigest, mapped, sum(len(m) for m in mapped))
        for name, buffer, checksum in zip(todo, mapped, sums, strict=True):
            if checksum != self.files[name][1]:
                raise Damaged(f"{name}: checksum differs")
            self._checked[name] = buffer

    def _map(self, name: str) -> Any:
        expected = self.files[name][0]
        try:
            with (self.folder / name).open("rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                if size != expected:
                    raise Damaged(f"{name}: {size:,} bytes, not {expected:,}")
                if size == 0:
                    return b""
                return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_COPY)
        except FileNotFoundError:
            raise Damaged(f"{name}: missing") from None

    def buffer(self, name: str) -> Any:
        """The checked bytes of a file, mapped."""
        self.check([name])
        return self._checked[name]

    def json(self, name: str) -> Any:
        return json.loads(bytes(self.buffer(name)))

    def table(self, name: str) -> Any:
        """An Arrow IPC (Feather) file's table, over the mapped bytes."""
        import pyarrow as pa

        return pa.ipc.open_file(pa.py_buffer(self.buffer(name))).read_all()

    def arrays(self, under: str = "") -> dict[str, np.ndarray]:
        """Every ``.npy`` file (of the subdirectory ``under``) by name without suffix."""
        prefix = f"{under}/" if under else ""
        return {
            name[len(prefix) : -len(".npy")]: _npy(self.buffer(name))
            for name in self.files
            if name.startswith(prefix) and "/" not in name[len(prefix) :] and name.endswith(".npy")
        }


def _npy(buffer: Any) -> np.ndarray:
    """The array in a ``.npy`` file's bytes, sharing them (as ``np.load`` with
    ``mmap_mode="c"`` would), never unpickling."""
    from numpy.lib import format as npy

    stream = buffer if isinstance(buffer, mmap.mmap) else io.BytesIO(buffer)
    stream.seek(0)
    version = npy.read_magic(stream)
    if version not in ((1, 0), (2, 0)):
        raise ValueError(f".npy version {version}")
    header = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
    shape, fortran, dtype = header(stream)
    if dtype.hasobject:
        raise ValueError("an array of objects")
    array = np.frombuffer(buffer, dtype=dtype, count=math.prod(shape), offset=stream.tell())
    return array.reshape(shape, order="F" if fortran else "C")


def write_arrays(folder: Path, arrays: dict[str, Any]) -> None:
    """One ``.npy`` file per array, so that reading maps them instead of copying."""
    folder.mkdir(exist_ok=True)
    for name, value in arrays.items():
        np.save(folder / f"{name}.npy", np.asarray(value), allow_pickle=False)


def write_staged(final: Path, staging_in: Path, write: Callable[[Path], None]) -> bool:
    """Write a directory in a staging directory, then rename it to ``final`` in place of
    what was there; False (nothing changed) when it cannot be written."""
    try:
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=staging_in))
    except OSError:
        return False
    try:
        write(staging)
        remove(final)
        os.replace(staging, final)
    except (OSError, ValueError):
        shutil.rmtree(staging, ignore_errors=True)
        return False
    return True


# ---------------------------------------------------------------------- a dataset's columns


def column_arrays(columns: Columns, entities: Any) -> dict[str, Any]:
    """The analysis columns as arrays to store, and the country names (``countries``)
    their codes index, None last."""
    import pyarrow.compute as pc

    countries = sorted({c for c in columns.country.tolist() if c is not None})
    code = {country: k for k, country in enumerate(countries)}
    arrays: dict[str, Any] = {
        "countries": [*countries, None],
        "places": np.array(columns.places),
        "id_order": pc.sort_indices(entities.column("id")).to_numpy(),
        "country": np.array(
            [code.get(c, len(countries)) for c in columns.country.tolist()], dtype=np.int32
        ),
    }
    for f in fields(HoldingColumns):
        arrays[f"holdings.{f.name}"] = getattr(columns.holdings, f.name)
    for name in ("entity", "start", "end"):
        arrays[f"listings.{name}"] = getattr(columns.listings, name)
    return arrays


def objects(table: Any, name: str) -> np.ndarray:
    from ..columns import object_array

    column = table.column(name) if name in table.column_names else None
    values = column.to_pylist() if column is not None else [None] * table.num_rows
    return object_array(values)
