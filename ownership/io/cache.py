"""A local cache of large CSV folders and native files, so repeated commands skip parsing
and propagation.

The first read of a folder big enough for the columnar reader stores, under the cache
directory, its rows as Arrow IPC files and its analysis columns as ``.npy`` arrays; each
analysis (rule and date) computed on it, and the normalised names, are stored beside
them. The next command on the same folder maps those files into memory instead of
parsing the CSV and, for a rule and date seen before, instead of propagating again.

An entry records the size and modification time of every file of the folder and is
thrown away as soon as any of them differs, is added or is removed. Entries are written
to a temporary directory and renamed into place, so a crash never leaves half an entry;
an entry that cannot be read is discarded and the folder read again.

A native YAML or JSON file of a megabyte or more keeps its checked records, under the
hash of the file's content (see :class:`DocumentCache`).

The directory is ``$OWNERSHIP_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/ownership`` or
``~/.cache/ownership``; ``OWNERSHIP_CACHE=off`` (or ``ownership --no-cache``) turns the
cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any, overload

import numpy as np

from ..columns import Columns, HoldingColumns, ListingColumns, PositionIndex, object_array
from ..model import Dataset

__all__ = [
    "ANALYSES_KEPT",
    "CACHE_VERSION",
    "DOCUMENT_FROM_BYTES",
    "DocumentCache",
    "FolderCache",
    "cache_dir",
    "cached_folders",
    "clear_cache",
    "document_cache",
    "folder_cache",
]

#: Bumped whenever what an entry holds changes; older entries are then rebuilt.
CACHE_VERSION = 4
#: Analyses (rule and date) whose stored arrays are kept per folder; those least
#: recently written go first, with the parts stored inside them (``analysis-.../part``).
ANALYSES_KEPT = 16

_TABLES = ("entities", "holdings", "listings")


def cache_dir() -> Path | None:
    """Where entries live, or None when the cache is turned off."""
    if os.environ.get("OWNERSHIP_CACHE", "").strip().lower() in ("off", "0", "no", "false"):
        return None
    explicit = os.environ.get("OWNERSHIP_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ownership"


def folder_cache(folder: Path) -> FolderCache | None:
    """The cache entry of a CSV folder, or None when the cache is off."""
    root = cache_dir()
    if root is None:
        return None
    return FolderCache(root, folder)


def cached_folders() -> list[tuple[str, int]]:
    """(source folder, bytes on disk) of every entry."""
    root = cache_dir()
    if root is None or not root.exists():
        return []
    found = []
    for entry in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            source = json.loads((entry / "source.json").read_text(encoding="utf-8"))["folder"]
        except (OSError, ValueError, KeyError):
            source = f"{entry.name} (unreadable)"
        size = sum(f.stat().st_size for f in entry.rglob("*") if f.is_file())
        found.append((str(source), size))
    return found


def clear_cache() -> int:
    """Remove every entry; the number removed."""
    root = cache_dir()
    if root is None or not root.exists():
        return 0
    entries = [p for p in root.iterdir() if p.is_dir()]
    for entry in entries:
        shutil.rmtree(entry, ignore_errors=True)
    return len([p for p in entries if not p.name.startswith(".")])


#: Native files at least this large (bytes) keep their read records in the cache.
DOCUMENT_FROM_BYTES = 1_000_000


def document_cache(content: bytes) -> DocumentCache | None:
    """The cache entry of a native YAML or JSON file's content, or None when the cache
    is off or the file is small (reading it afresh is then as quick)."""
    root = cache_dir()
    if root is None or len(content) < DOCUMENT_FROM_BYTES:
        return None
    return DocumentCache(root, content)


class DocumentCache:
    """The records of one native file, read and checked once, under the hash of its
    content: a changed file has another hash, so an entry cannot describe another
    content. The entry is written whole or not at all, with the hash of what it holds;
    an entry that does not match it is thrown away and the file read again."""

    def __init__(self, root: Path, content: bytes) -> None:
        self.digest = hashlib.sha256(content).hexdigest()
        self.path = root / f"document-{self.digest[:32]}"

    def load(self, sections: dict[str, Any]) -> tuple[dict[str, list[Any]], Any] | None:
        """The records (validated again, by section, ``sections`` giving the models) and
        the stored places of the records, or None."""
        from pydantic import TypeAdapter, ValidationError

        try:
            manifest = json.loads((self.path / "source.json").read_text(encoding="utf-8"))
            files = {
                name: (self.path / f"{name}.json").read_bytes() for name in [*sections, "places"]
            }
        except (OSError, ValueError):
            return None
        hashes = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
        if (
            manifest.get("version") != CACHE_VERSION
            or manifest.get("content") != self.digest
            or manifest.get("files") != hashes
        ):
            self.discard()
            return None
        try:
            records = {
                name: TypeAdapter(list[model]).validate_json(files[name])  # type: ignore[valid-type]
                for name, model in sections.items()
            }
            places = json.loads(files["places"])
        except (ValueError, ValidationError):
            self.discard()
            return None
        return records, places

    def save(self, source: Path, records: dict[str, list[Any]], places: Any) -> None:
        """Keep the records of a file that read without a problem; quietly skipped when the
        cache directory cannot be written."""
        from pydantic import TypeAdapter

        files = {
            name: TypeAdapter(list[Any]).dump_json(items, by_alias=True)
            for name, items in records.items()
        }
        files["places"] = json.dumps(places).encode("utf-8")
        manifest = {
            "version": CACHE_VERSION,
            "folder": str(source.resolve()),
            "content": self.digest,
            "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.path.parent))
        except OSError:
            return
        try:
            for name, data in files.items():
                (staging / f"{name}.json").write_bytes(data)
            (staging / "source.json").write_text(json.dumps(manifest), encoding="utf-8")
            self.discard()
            os.replace(staging, self.path)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


class FolderCache:
    """The entry of one CSV folder: its rows, its columns and analyses computed on it."""

    def __init__(self, root: Path, folder: Path) -> None:
        self.folder = folder.resolve()
        digest = hashlib.sha256(str(self.folder).encode("utf-8")).hexdigest()[:20]
        self.path = root / digest

    # ------------------------------------------------------------------ validity
    def fingerprint(self) -> dict[str, Any]:
        """What the entry was built from: every file of the folder with size and mtime."""
        files = {}
        for entry in sorted(os.scandir(self.folder), key=lambda e: e.name):
            if entry.is_file():
                stat = entry.stat()
                files[entry.name] = [stat.st_size, stat.st_mtime_ns]
        return {"version": CACHE_VERSION, "folder": str(self.folder), "files": files}

    def _valid(self) -> bool:
        try:
            stored = json.loads((self.path / "source.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return bool(stored == self.fingerprint())

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    # ------------------------------------------------------------------ the dataset
    def load(self) -> Dataset | None:
        """The cached dataset, or None (a stale or unreadable entry is discarded)."""
        if not self.path.exists():
            return None
        if not self._valid():
            self.discard()
            return None
        try:
            dataset = self._read()
        except Exception:  # any broken entry is rebuilt from the source
            self.discard()
            return None
        dataset.attach_store(self)
        return dataset

    def _read(self) -> Dataset:
        from pyarrow import feather

        from .columnar import _present, dataset_from_tables

        tables = {
            name: feather.read_table(self.path / f"{name}.arrow", memory_map=True)
            for name in _TABLES
        }
        arrays = _read_arrays(self.path / "columns")
        entities, listings = tables["entities"], tables["listings"]
        ids = entities.column("id").to_pylist()
        holding_columns = HoldingColumns(
            **{f.name: arrays[f"holdings.{f.name}"] for f in fields(HoldingColumns)}
        )
        listing_columns = ListingColumns(
            entity=arrays["listings.entity"],
            list_id=_objects(listings, "list"),
            program=_objects(listings, "program"),
            start=arrays["listings.start"],
            end=arrays["listings.end"],
        )
        countries = json.loads((self.path / "countries.json").read_text(encoding="utf-8"))
        columns = Columns(
            ids=ids,
            index=PositionIndex(ids, arrays["id_order"]),
            names=ArrowStrings(entities.column("name")),
            renamed=_present(entities, "former_names"),
            aliased=_present(entities, "aliases"),
            country=object_array(countries)[arrays["country"]],
            holdings=holding_columns,
            listings=listing_columns,
            places=int(arrays["places"]),
        )
        return dataset_from_tables(tables, columns)

    def save(self, dataset: Dataset) -> None:
        """Store a dataset the columnar reader built; quietly skipped when it cannot be."""
        from pyarrow import feather

        from ..columns import columns_of

        columns = columns_of(dataset)
        if columns.holdings.low.dtype == object:
            return  # shares beyond int64: rare, and not worth a second format
        try:
            tables = {name: getattr(dataset, name)._table for name in _TABLES}
        except AttributeError:
            return  # not read by columns
        import pyarrow.compute as pc

        fingerprint = self.fingerprint()
        countries = sorted({c for c in columns.country.tolist() if c is not None})
        code = {country: k for k, country in enumerate(countries)}
        arrays: dict[str, Any] = {
            "places": np.array(columns.places),
            "id_order": pc.sort_indices(tables["entities"].column("id")).to_numpy(),
            "country": np.array(
                [code.get(c, len(countries)) for c in columns.country.tolist()], dtype=np.int32
            ),
        }
        for f in fields(HoldingColumns):
            arrays[f"holdings.{f.name}"] = getattr(columns.holdings, f.name)
        for name in ("entity", "start", "end"):
            arrays[f"listings.{name}"] = getattr(columns.listings, name)

        def write(folder: Path) -> None:
            for name, table in tables.items():
                feather.write_feather(table, folder / f"{name}.arrow", compression="uncompressed")
            _write_arrays(folder / "columns", arrays)
            (folder / "countries.json").write_text(json.dumps([*countries, None]))
            (folder / "source.json").write_text(json.dumps(fingerprint), encoding="utf-8")

        if self._write_entry(write):
            dataset.attach_store(self)
            from ..resolve import NameIndex

            NameIndex(dataset).prepare()  # so that a later query by name is quick too

    def _write_entry(self, write: Any) -> bool:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.path.parent))
        except OSError:
            return False
        try:
            write(staging)
            self.discard()
            os.replace(staging, self.path)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
            return False
        return True

    # ------------------------------------------------------------------ analyses (ArrayStore)
    def get(self, key: str) -> dict[str, Any] | None:
        """Stored arrays under ``key``, or None."""
        path = self.path / key
        if not path.is_dir() or not self._valid():
            return None
        try:
            return _read_arrays(path)
        except (OSError, ValueError):
            shutil.rmtree(path, ignore_errors=True)
            return None

    def put(self, key: str, arrays: dict[str, Any]) -> None:
        """Keep ``arrays`` under ``key``; the oldest analyses beyond ANALYSES_KEPT go.

        ``key/part`` keeps a part of the entry ``key``, which must be there: it goes
        when ``key`` is pruned or stored again."""
        if not self.path.exists() or not self._valid():
            return
        try:
            staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.path))
        except OSError:
            return
        try:
            _write_arrays(staging, arrays)
            final = self.path / key
            shutil.rmtree(final, ignore_errors=True)
            os.replace(staging, final)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
            return
        with contextlib.suppress(OSError):
            self._prune()

    def _prune(self) -> None:
        """Drop the analyses beyond ANALYSES_KEPT, least recently written (or given a
        part) first (names-normalised is not an analysis and is never pruned)."""
        stored = sorted(self.path.glob("analysis-*"), key=lambda p: p.stat().st_mtime_ns)
        for old in stored[:-ANALYSES_KEPT]:
            shutil.rmtree(old, ignore_errors=True)


def _write_arrays(folder: Path, arrays: dict[str, Any]) -> None:
    """One ``.npy`` file per array, so that reading maps them instead of copying."""
    folder.mkdir(exist_ok=True)
    for name, value in arrays.items():
        np.save(folder / f"{name}.npy", np.asarray(value), allow_pickle=False)


def _read_arrays(folder: Path) -> dict[str, Any]:
    """Arrays mapped copy-on-write: pages are read when used, changes stay private."""
    return {
        path.name[: -len(".npy")]: np.load(path, mmap_mode="c", allow_pickle=False)
        for path in folder.glob("*.npy")
    }


class ArrowStrings(Sequence[str]):
    """A string column read a value at a time, or whole when iterated."""

    def __init__(self, column: Any) -> None:
        self._column = column

    def __len__(self) -> int:
        return len(self._column)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return list(self._column[index].to_pylist())
        return str(self._column[int(index)].as_py())

    def __iter__(self) -> Iterator[str]:
        return iter(self._column.to_pylist())


def _objects(table: Any, name: str) -> np.ndarray:
    from ..columns import object_array

    column = table.column(name) if name in table.column_names else None
    values = column.to_pylist() if column is not None else [None] * table.num_rows
    return object_array(values)
