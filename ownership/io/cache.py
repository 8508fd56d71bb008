"""A local cache of large CSV folders and native files, so repeated commands skip parsing
and propagation.

The first read of a folder big enough for the columnar reader stores, under the cache
directory, its rows as Arrow IPC files and its analysis columns as ``.npy`` arrays; each
analysis (rule and date) computed on it, and the normalised names, are stored beside
them. The next command on the same folder maps those files into memory instead of
parsing the CSV and, for a rule and date seen before, instead of propagating again.

An entry records the size, times and inode of every file of the folder (and the
checksum of those changed in the last seconds, which a coarse file clock could hide),
taken before the folder is read; a folder that differs after the read is not stored (its
files changed while they were read), and an entry is thrown away as soon as any file of
the folder differs, is added or is removed.

Every entry, and every analysis stored in one, is a directory whose manifest
(``manifest.json``, written last) gives the size and checksum of each of its files. Opening
one checks every byte against it: an entry with a file missing, added, resized or
altered is damaged, and is thrown away with a one-line note on stderr and built again.
Entries are written to a staging directory and renamed into place, and renamed aside
before they are deleted, so that no command sees half of one.

A native YAML or JSON file of a megabyte or more keeps its checked records, under the
hash of the file's content (see :class:`DocumentCache`).

The directory is ``$OWNERSHIP_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/ownership`` or
``~/.cache/ownership``; ``OWNERSHIP_CACHE=off`` (or ``ownership --no-cache``) turns the
cache off. A location that cannot be a directory turns it off for the run, with a note.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

from ..columns import Columns, HoldingColumns, ListingColumns, PositionIndex, object_array
from ..derived import derived
from ..errors import OwnershipError
from ..model import Dataset
from .cache_entries import (
    CACHE_VERSION,
    CHECKSUM,
    MANIFEST,
    ArrowStrings,
    Damaged,
    Entry,
    Stale,
    column_arrays,
    file_checksum,
    objects,
    remove,
    write_arrays,
    write_manifest,
    write_staged,
    written_as,
)

__all__ = [
    "ANALYSES_KEPT",
    "CACHE_VERSION",
    "CHECKSUM",
    "DOCUMENT_FROM_BYTES",
    "MANIFEST",
    "RECENT_NS",
    "DocumentCache",
    "FolderCache",
    "cached_folders",
    "clear_cache",
    "document_cache",
    "fingerprint_difference",
    "folder_cache",
    "folder_fingerprint",
]


#: Analyses (rule and date) whose stored arrays are kept per folder; those least
#: recently written go first, with the parts stored inside them (``analysis-.../part``).
ANALYSES_KEPT = 16
#: A file of a folder changed this recently (ns) may change again within the same tick of
#: a coarse file clock (1 s on ext3 and HFS+, 2 s on FAT) with none of its times showing
#: it: its content is checksummed too, before and after the read and on every later open.
RECENT_NS = 2_000_000_000

_TABLES = ("entities", "holdings", "listings")
#: The subdirectory that is part of a folder's entry; its others are stored analyses.
_COLUMNS = "columns"


def folder_cache(root: Path, folder: Path) -> FolderCache | None:
    """The entry of a CSV folder in the cache at ``root``, or None when that location
    cannot be used (said on stderr)."""
    usable = _usable_root(root)
    return None if usable is None else FolderCache(usable, folder)


def cached_folders(root: Path) -> list[tuple[str, int]]:
    """(source folder or file, bytes on disk) of every entry in the cache at ``root``."""
    found = []
    for entry in sorted(p for p in _children(root) if not p.name.startswith(".")):
        try:
            source = json.loads((entry / "source.json").read_text(encoding="utf-8"))["folder"]
        except (OSError, ValueError, KeyError, TypeError):
            source = f"{entry.name} (unreadable)"
        size = sum(f.stat().st_size for f in entry.rglob("*") if f.is_file())
        found.append((str(source), size))
    return found


def clear_cache(root: Path) -> int:
    """Remove every entry of the cache at ``root``; the number removed.

    Raises OwnershipError naming what could not be removed (the others are removed all
    the same), or the cache location when it is not a directory.
    """
    removed, failed = 0, []
    for path in _children(root):
        hidden = path.name.startswith(".")  # being written, or removed before
        try:
            remove(path)
        except OSError as exc:
            if not hidden:
                failed.append(exc)
            continue
        removed += not hidden
    if failed:
        first = failed[0]
        raise OwnershipError(
            f"cannot remove {first.filename or root} from the cache ({first.strerror}); removed "
            f"{removed} of {removed + len(failed)} entries: make {root} and its contents "
            f"writable by this user (chmod -R u+w {root}), or remove them as their owner"
        )
    return removed


#: Native files at least this large (bytes) keep their read records in the cache.
DOCUMENT_FROM_BYTES = 1_000_000


def document_cache(root: Path, content: bytes) -> DocumentCache | None:
    """The entry of a native YAML or JSON file's content in the cache at ``root``, or
    None when that cannot be used, or the file is small (reading it afresh is as quick)."""
    if len(content) < DOCUMENT_FROM_BYTES:
        return None
    usable = _usable_root(root)
    return None if usable is None else DocumentCache(usable, content)


def _usable_root(root: Path) -> Path | None:
    """The cache directory, made if need be; None, with a note, when the location
    cannot be a directory."""
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _note_once(f"{_unusable(root, exc)}; the cache is off for this run")
        return None
    return root


def _children(root: Path) -> list[Path]:
    """The directories in the cache: entries, and hidden ones being written or removed."""
    try:
        with os.scandir(root) as found:
            return [Path(item.path) for item in found if item.is_dir(follow_symlinks=False)]
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise OwnershipError(_unusable(root, exc)) from None


def _unusable(root: Path, exc: OSError) -> str:
    """Why ``root`` cannot hold the cache and what to do, in one line."""
    fix = "set OWNERSHIP_CACHE_DIR to a directory this user can write"
    if root.exists() and not root.is_dir():
        return f"the cache location {root} is a file, not a directory: remove it or {fix}"
    return f"the cache location {root} cannot be used ({exc.strerror}): {fix}"


_NOTED: set[str] = set()


def _note(message: str) -> None:
    """One line on stderr about the cache; what the command prints is not affected."""
    print(f"note: {message}", file=sys.stderr)


def _note_once(message: str) -> None:
    """A note said once per process (a command may ask for several entries)."""
    if message not in _NOTED:
        _NOTED.add(message)
        _note(message)


def _discard(path: Path) -> None:
    """Delete a directory of the cache if possible; one that stays is checked next time."""
    with contextlib.suppress(OSError):
        remove(path)


def _identity(path: Path) -> tuple[int, int] | None:
    """Which directory is at ``path`` now: another command may have replaced it."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def _throw_away(path: Path, identity: Any, source: object, what: str) -> None:
    """Delete a damaged entry (or stored analysis) with a note; unless another command
    replaced or removed it meanwhile, which is not damage."""
    if _identity(path) != identity:
        return
    try:
        remove(path)
    except OSError as exc:
        _note(
            f"cache entry for {source} was damaged ({what}) and cannot be removed "
            f"({exc.strerror}: {exc.filename}); read afresh"
        )
        return
    _note(f"cache entry for {source} was damaged ({what}); rebuilt")


# ---------------------------------------------------------------------- native files


class DocumentCache:
    """The records of one native file, read and checked once, under the hash of its
    content: a changed file has another hash, so an entry cannot describe another
    content (the hash is of the very bytes that were parsed). The entry is written whole
    or not at all; one that does not match its manifest is thrown away, with a note, and
    the file read again."""

    def __init__(self, root: Path, content: bytes) -> None:
        self.digest = hashlib.sha256(content).hexdigest()
        self.path = root / f"document-{self.digest[:32]}"

    def load(self, sections: dict[str, Any]) -> tuple[dict[str, list[Any]], Any] | None:
        """The records (validated again, by section, ``sections`` giving the models) and
        the stored places of the records, or None."""
        from pydantic import TypeAdapter, ValidationError

        identity = _identity(self.path)
        if identity is None:
            return None
        try:
            entry = Entry(self.path)
            entry.check()
            if entry.json("source.json").get("content") != self.digest:
                raise Damaged("source.json: another content")
            files = {name: bytes(entry.buffer(f"{name}.json")) for name in [*sections, "places"]}
            records = {
                name: TypeAdapter(list[model]).validate_json(files[name])  # type: ignore[valid-type]
                for name, model in sections.items()
            }
            places = json.loads(files["places"])
        except Stale:
            _discard(self.path)
            return None
        except Damaged as damage:
            _throw_away(self.path, identity, self._source(), str(damage))
            return None
        except (OSError, KeyError, ValueError, TypeError, AttributeError, ValidationError) as exc:
            _throw_away(self.path, identity, self._source(), f"cannot be read: {exc}")
            return None
        return records, places

    def _source(self) -> str:
        """The file the entry was read from, for a note (the entry itself if unreadable)."""
        try:
            return str(json.loads((self.path / "source.json").read_bytes())["folder"])
        except (OSError, ValueError, KeyError, TypeError):
            return str(self.path)

    def save(self, source: Path, records: dict[str, list[Any]], places: Any) -> None:
        """Keep the records of a file that read without a problem; quietly skipped when the
        cache directory cannot be written."""
        from pydantic import TypeAdapter

        files = {
            name: TypeAdapter(list[Any]).dump_json(items, by_alias=True)
            for name, items in records.items()
        }
        files["places"] = json.dumps(places).encode("utf-8")
        described = {
            "version": CACHE_VERSION,
            "folder": str(source.resolve()),
            "content": self.digest,
        }

        def write(folder: Path) -> None:
            for name, data in files.items():
                (folder / f"{name}.json").write_bytes(data)
            (folder / "source.json").write_text(json.dumps(described), encoding="utf-8")
            write_manifest(folder, None)

        write_staged(self.path, self.path.parent, write)

    def discard(self) -> None:
        _discard(self.path)


# ---------------------------------------------------------------------- CSV folders


def folder_fingerprint(folder: Path) -> dict[str, Any]:
    """What an entry is built from: every file of the folder with its size,
    modification and change times and inode (a file rewritten with the same size and
    modification time, or replaced by another, differs in the others); and the
    [size, checksum] of the content of those changed in the last RECENT_NS."""
    files = {}
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.is_file():
            stat = entry.stat()
            files[entry.name] = [
                stat.st_size,
                stat.st_mtime_ns,
                stat.st_ctime_ns,
                stat.st_ino,
            ]
    since = time.time_ns() - RECENT_NS
    recent = [name for name, (_, m, c, _) in files.items() if max(m, c) >= since]
    content = {name: file_checksum(folder / name) for name in recent}
    return {
        "version": CACHE_VERSION,
        "folder": str(folder),
        "files": files,
        "content": content,
    }


def fingerprint_difference(folder: Path, earlier: dict[str, Any], now: dict[str, Any]) -> str:
    """The first file added, removed or modified from fingerprint ``earlier`` to ``now``
    (by size and times, or by content where ``earlier`` has it), or ""."""
    before, after = earlier["files"], now["files"]
    for name in sorted(before.keys() | after.keys()):
        if name not in after:
            return f"{name} removed"
        if name not in before:
            return f"{name} added"
        if before[name] != after[name]:
            return f"{name} modified"
    for name, content in sorted(earlier.get("content", {}).items()):
        try:
            if (now["content"].get(name) or file_checksum(folder / name)) != content:
                return f"{name} modified"
        except OSError:
            return f"{name} removed"
    return ""


class FolderCache:
    """The entry of one CSV folder: its rows, its columns and analyses computed on it."""

    def __init__(self, root: Path, folder: Path) -> None:
        self.folder = folder.resolve()
        digest = hashlib.sha256(str(self.folder).encode("utf-8")).hexdigest()[:20]
        self.path = root / digest
        #: The folder's fingerprint taken by :meth:`load`, before the folder is read.
        self.read_from: dict[str, Any] | None = None
        #: Which writing of the entry the dataset came from; stored analyses name it.
        self.entry_id: str | None = None

    # ------------------------------------------------------------------ validity
    def fingerprint(self) -> dict[str, Any]:
        """:func:`folder_fingerprint` of the folder."""
        return folder_fingerprint(self.folder)

    def _difference(self, earlier: dict[str, Any], now: dict[str, Any]) -> str:
        return fingerprint_difference(self.folder, earlier, now)

    def discard(self) -> None:
        _discard(self.path)

    # ------------------------------------------------------------------ the dataset
    def load(self) -> Dataset | None:
        """The cached dataset, or None (a stale entry is discarded; a damaged one too,
        with a note).

        Takes the folder's fingerprint first, so that :meth:`save` can tell whether the
        folder changed while it was read."""
        self.read_from = current = self.fingerprint()
        identity = _identity(self.path)
        if identity is None:
            return None
        try:
            entry = Entry(self.path, (_COLUMNS,))
            if self._difference(entry.json("source.json"), current):
                raise Stale
            entry.check()
            dataset = self._read(entry)
        except Stale:
            self.discard()
            return None
        except Damaged as damage:
            _throw_away(self.path, identity, self.folder, str(damage))
            return None
        except Exception as exc:  # checked, yet unreadable: rebuilt all the same
            _throw_away(self.path, identity, self.folder, f"cannot be read: {exc}")
            return None
        self.entry_id = entry.entry
        derived(dataset).store = self
        return dataset

    def _read(self, entry: Entry) -> Dataset:
        from .columnar import dataset_from_tables
        from .columnar_cells import present_rows

        tables = {name: entry.table(f"{name}.arrow") for name in _TABLES}
        arrays = entry.arrays(_COLUMNS)
        entities, listings = tables["entities"], tables["listings"]
        ids = ArrowStrings(entities.column("id"), keep=True)
        holding_columns = HoldingColumns(
            **{f.name: arrays[f"holdings.{f.name}"] for f in fields(HoldingColumns)}
        )
        listing_columns = ListingColumns(
            entity=arrays["listings.entity"],
            list_id=objects(listings, "list"),
            program=objects(listings, "program"),
            start=arrays["listings.start"],
            end=arrays["listings.end"],
        )
        countries = entry.json("countries.json")
        columns = Columns(
            ids=ids,
            index=PositionIndex(ids, arrays["id_order"]),
            names=ArrowStrings(entities.column("name"), keep=True),
            renamed=present_rows(entities, "former_names"),
            aliased=present_rows(entities, "aliases"),
            addressed=present_rows(entities, "addresses"),
            country=object_array(countries)[arrays["country"]],
            holdings=holding_columns,
            listings=listing_columns,
            places=int(arrays["places"]),
        )
        return dataset_from_tables(tables, columns)

    def save(self, dataset: Dataset, read_from: dict[str, Any] | None = None) -> None:
        """Store a dataset the columnar reader built from the folder as ``read_from`` (by
        default the fingerprint :meth:`load` took) describes it.

        Nothing is stored when the folder differs from ``read_from`` now (a file changed
        while it was read: the dataset may hold some of both; the reader, which checks
        the same, reads the folder again), nor when the entry cannot be written.
        """
        before = read_from if read_from is not None else self.read_from
        if before is None:
            return  # what the folder was when read is unknown
        if self._difference(before, self.fingerprint()):
            return
        from pyarrow import feather

        from ..columns import columns_of

        columns = columns_of(dataset)
        if columns.holdings.low.dtype == object:
            return  # shares beyond int64: rare, and not worth a second format
        try:
            tables = {name: getattr(dataset, name)._table for name in _TABLES}
        except AttributeError:
            return  # not read by columns
        arrays = column_arrays(columns, tables["entities"])
        countries = arrays.pop("countries")
        entry_id = os.urandom(8).hex()

        def write(folder: Path) -> None:
            for name, table in tables.items():
                feather.write_feather(table, folder / f"{name}.arrow", compression="uncompressed")
            write_arrays(folder / _COLUMNS, arrays)
            (folder / "countries.json").write_text(json.dumps(countries), encoding="utf-8")
            (folder / "source.json").write_text(json.dumps(before), encoding="utf-8")
            write_manifest(folder, entry_id, (_COLUMNS,))

        if write_staged(self.path, self.path.parent, write):
            self.entry_id = entry_id
            derived(dataset).store = self
            from ..resolve import NameIndex

            NameIndex(dataset).prepare()  # so that a later query by name is quick too

    # ------------------------------------------------------------------ analyses (ArrayStore)
    def get(self, key: str) -> dict[str, Any] | None:
        """Stored arrays under ``key``, or None (a damaged one is thrown away, with a
        note; one stored for another writing of the entry is not used)."""
        path = self.path / key
        identity = _identity(path)
        if self.entry_id is None or identity is None:
            return None
        try:
            entry = Entry(path)
            if entry.entry != self.entry_id:
                return None  # stored by a command that read the folder as it was before
            entry.check()
            return entry.arrays()
        except Stale:
            _discard(path)
        except Damaged as damage:
            _throw_away(path, identity, self.folder, f"{key}/{damage}")
        except Exception as exc:  # checked, yet unreadable: thrown away all the same
            _throw_away(path, identity, self.folder, f"{key}: cannot be read: {exc}")
        return None

    def put(self, key: str, arrays: dict[str, Any]) -> None:
        """Keep ``arrays`` under ``key``; the oldest analyses beyond ANALYSES_KEPT go.

        ``key/part`` keeps a part of the entry ``key``, which must be there: it goes
        when ``key`` is pruned or stored again."""
        entry_id = self.entry_id
        if entry_id is None or written_as(self.path) != entry_id:
            return  # the entry was rebuilt since: these arrays are of the folder as it was

        def write(folder: Path) -> None:
            write_arrays(folder, arrays)
            write_manifest(folder, entry_id)

        if write_staged(self.path / key, self.path, write):
            with contextlib.suppress(OSError):
                self._prune()

    def _prune(self) -> None:
        """Drop the analyses beyond ANALYSES_KEPT, least recently written (or given a
        part) first (names-normalised is not an analysis and is never pruned)."""
        stored = sorted(self.path.glob("analysis-*"), key=lambda p: p.stat().st_mtime_ns)
        for old in stored[:-ANALYSES_KEPT]:
            _discard(old)
