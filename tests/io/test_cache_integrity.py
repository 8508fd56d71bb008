"""The cache never answers from a folder read while it changed, nor from a damaged entry.

Each damage (a file deleted, truncated, emptied, altered, added; a manifest missing) in
each kind of entry (a folder's rows and columns, an analysis stored in it, a native file's
records) is found when the entry is opened, said in one line on stderr and rebuilt; the
verdicts are those of the same folder read without the cache.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import ownership
from ownership import analyze, settings
from ownership.cli import app
from ownership.derived import derived
from ownership.errors import DataError, OwnershipError
from ownership.io import cache, columnar, load, native, save
from ownership.resolve import NameIndex
from ownership.verdict_records import verdict_rows

RULES = ("bis-affiliates", "ofac-50")
DAY = "2025-10-01"
AN_HOUR_AGO_NS = 3600 * 10**9
#: A stake of 51% that becomes 45%: the same number of bytes, another verdict.
BEFORE, AFTER = ",inspur-cisco-jv,,51,", ",inspur-cisco-jv,,45,"


def cache_root() -> Path:
    """The cache the environment names (these tests give each its own)."""
    root = settings.cache_dir()
    assert root is not None
    return root


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The bundled case as a CSV folder read by columns (so cached), its files dated an hour
    back, as files are that were not written a moment ago."""
    path = tmp_path / "inspur"
    bundled = load(ownership.bundled_dataset())
    save(bundled.model_copy(update={"sources": [], "arrangements": []}), path)
    monkeypatch.setattr(columnar, "COLUMNAR_FROM_BYTES", 0)
    for file in path.iterdir():
        stat = file.stat()
        os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns - AN_HOUR_AGO_NS))
    assert BEFORE in (path / "holdings.csv").read_text(encoding="utf-8")
    return path.resolve()


def _verdicts(dataset: Any) -> dict[str, Any]:
    """Every verdict row under two rules, and the entities a name finds."""
    found = NameIndex(dataset).find("Aivres Systems")
    return {
        **{rule: list(verdict_rows(analyze(dataset, rule, DAY))) for rule in RULES},
        "names": [(m.entity.id, m.how, m.matched, m.until) for m in found],
    }


def _uncached(path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The verdicts of the folder read afresh, the cache off."""
    with monkeypatch.context() as off:
        off.setenv("OWNERSHIP_CACHE", "off")
        return _verdicts(load(path))


def _refuse_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the folder was parsed again")

    monkeypatch.setattr(columnar, "read_csv_folder_columnar", refuse)


def _entry(private_cache: Path) -> Path:
    [entry] = [p for p in private_cache.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return entry


# ---------------------------------------------------------------------- changed while read


def _rewrite_in_place(path: Path) -> None:
    with path.open("r+b") as handle:
        data = handle.read()
        handle.seek(0)
        handle.write(data.replace(BEFORE.encode(), AFTER.encode()))


def _replace_keeping_the_time(path: Path) -> None:
    """A same-size file renamed over the old one, its modification time set back."""
    stat = path.stat()
    fresh = path.with_name(".holdings.csv.new")
    fresh.write_bytes(path.read_bytes().replace(BEFORE.encode(), AFTER.encode()))
    os.replace(fresh, path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size


def _append(path: Path) -> None:
    _rewrite_in_place(path)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("cisco-systems,inspur-power-systems,,10,,,,,,,,\n")


CHANGES: dict[str, Callable[[Path], None]] = {
    "rewritten in place, same size": _rewrite_in_place,
    "replaced, same size and time": _replace_keeping_the_time,
    "grown": _append,
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_folder_changed_while_read_is_read_again_not_cached(
    folder: Path,
    private_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    change: Callable[[Path], None],
) -> None:
    before = _uncached(folder, monkeypatch)
    read = columnar.read_csv_folder_columnar
    reads: list[Path] = []

    def read_then_change(path: Path, **options: Any) -> Any:
        dataset = read(path, **options)
        if not reads:  # after the reader took the file, before the store; once
            change(path / "holdings.csv")
        reads.append(path)
        return dataset

    monkeypatch.setattr(columnar, "read_csv_folder_columnar", read_then_change)
    during = load(folder)
    assert len(reads) == 2  # the half-old answer was thrown away, the folder read again
    monkeypatch.setattr(columnar, "read_csv_folder_columnar", read)
    after = _uncached(folder, monkeypatch)
    assert after != before
    assert _verdicts(during) == after
    assert capsys.readouterr().err == ""
    _refuse_parsing(monkeypatch)
    assert _verdicts(load(folder)) == after  # the second read was cached


def test_a_folder_that_keeps_changing_is_refused(
    folder: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = columnar.read_csv_folder_columnar

    def read_then_touch(path: Path, **options: Any) -> Any:
        dataset = read(path, **options)
        with (path / "holdings.csv").open("a", encoding="utf-8") as handle:
            handle.write("\n")
        return dataset

    monkeypatch.setattr(columnar, "read_csv_folder_columnar", read_then_touch)
    with pytest.raises(DataError, match=r"changed while it was read \(holdings.csv modified\)"):
        load(folder)
    assert cache.cached_folders(cache_root()) == []


def test_a_file_added_while_read_has_the_folder_read_again(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    read = columnar.read_csv_folder_columnar
    reads: list[Path] = []

    def read_then_add(path: Path, **options: Any) -> Any:
        dataset = read(path, **options)
        if not reads:
            (path / "README.txt").write_text("where these came from\n", encoding="utf-8")
        reads.append(path)
        return dataset

    monkeypatch.setattr(columnar, "read_csv_folder_columnar", read_then_add)
    load(folder)
    assert len(reads) == 2 and capsys.readouterr().err == ""
    assert [name for name, _ in cache.cached_folders(cache_root())] == [str(folder)]


def test_a_change_between_two_commands_is_seen(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file replaced by one of the same size and modification time still differs from
    what was cached (its inode and change time do)."""
    load(folder)
    holdings = folder / "holdings.csv"
    stat = holdings.stat()
    _replace_keeping_the_time(holdings)
    assert (holdings.stat().st_size, holdings.stat().st_mtime_ns) == (
        stat.st_size,
        stat.st_mtime_ns,
    )
    assert _verdicts(load(folder)) == _uncached(folder, monkeypatch)


def _coarse_file_times(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a file system keeping sizes and whole-second modification times only (no
    change time, no inode numbers), with every file of the folder changed recently."""
    fingerprint = cache.FolderCache.fingerprint

    def coarse(self: cache.FolderCache) -> dict[str, Any]:
        found = fingerprint(self)
        for values in found["files"].values():
            values[1] -= values[1] % 10**9
            values[2] = values[3] = 0
        return found

    monkeypatch.setattr(cache.FolderCache, "fingerprint", coarse)
    monkeypatch.setattr(cache, "RECENT_NS", 10**18)


def _rewrite_within_the_second(path: Path) -> None:
    stat = path.stat()
    _rewrite_in_place(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_a_recent_file_changed_while_read_is_seen_by_its_content(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _coarse_file_times(monkeypatch)
    before = _uncached(folder, monkeypatch)
    read = columnar.read_csv_folder_columnar

    reads: list[Path] = []

    def read_then_change(path: Path, **options: Any) -> Any:
        dataset = read(path, **options)
        if not reads:
            _rewrite_within_the_second(path / "holdings.csv")
        reads.append(path)
        return dataset

    monkeypatch.setattr(columnar, "read_csv_folder_columnar", read_then_change)
    during = _verdicts(load(folder))
    assert len(reads) == 2  # seen by its content, though its times did not move
    monkeypatch.setattr(columnar, "read_csv_folder_columnar", read)
    assert during == _uncached(folder, monkeypatch) != before
    assert capsys.readouterr().err == ""


def test_a_recent_file_changed_between_two_commands_is_seen_by_its_content(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _coarse_file_times(monkeypatch)
    load(folder)
    _rewrite_within_the_second(folder / "holdings.csv")
    after = _uncached(folder, monkeypatch)
    assert _verdicts(load(folder)) == after


# ---------------------------------------------------------------------- damaged entries


def _delete(path: Path) -> str:
    path.unlink()
    return "missing"


def _truncate(path: Path) -> str:
    size = path.stat().st_size
    path.write_bytes(path.read_bytes()[: size // 2])
    return f"{size // 2:,} bytes, not {size:,}"


def _empty(path: Path) -> str:
    size = path.stat().st_size
    path.write_bytes(b"")
    return f"0 bytes, not {size:,}"


def _flip(path: Path) -> str:
    data = bytearray(path.read_bytes())
    data[len(data) * 2 // 3] ^= 0xFF
    path.write_bytes(bytes(data))
    return "checksum differs"


DAMAGES: dict[str, Callable[[Path], str]] = {
    "deleted": _delete,
    "truncated": _truncate,
    "emptied": _empty,
    "a byte flipped": _flip,
}


def _analysis_dir(entry: Path) -> str:
    [found] = [p.name for p in entry.glob("analysis-bis-affiliates-*")]
    return found


#: Where in a folder's entry: a function of the entry giving a file's relative path.
TARGETS: dict[str, Callable[[Path], str]] = {
    "rows": lambda entry: "holdings.arrow",
    "columns": lambda entry: "columns/holdings.low.npy",
    "fingerprint": lambda entry: "source.json",
    "stored analysis": lambda entry: f"{_analysis_dir(entry)}/effective.npy",
    "stored part": lambda entry: f"{_analysis_dir(entry)}/ancestry/label.npy",
    "stored names": lambda entry: "names-normalised/data.npy",
    "stored other names": lambda entry: "names-other/key_data.npy",
}


def _cached_with_analyses(folder: Path, private_cache: Path) -> dict[str, Any]:
    """Load the folder (so cached) and answer (so analyses, their parts and names stored)."""
    answers = _verdicts(load(folder))
    entry = _entry(private_cache)
    assert {p.name for p in (entry / _analysis_dir(entry)).iterdir() if p.is_dir()} == {
        "ancestry",
        "groups",
    }
    return answers


def _assert_rebuilt(
    folder: Path,
    expected: dict[str, Any],
    note: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The next command says ``note`` and answers as without the cache; the one after
    finds a whole entry again, silently and without parsing."""
    assert _verdicts(load(folder)) == expected
    err = capsys.readouterr().err
    assert err == f"note: cache entry for {folder} was damaged ({note}); rebuilt\n"
    _refuse_parsing(monkeypatch)
    assert _verdicts(load(folder)) == expected
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("damage", DAMAGES.values(), ids=DAMAGES.keys())
@pytest.mark.parametrize("target", TARGETS.values(), ids=TARGETS.keys())
def test_a_damaged_file_is_found_and_the_entry_rebuilt(
    folder: Path,
    private_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    damage: Callable[[Path], str],
    target: Callable[[Path], str],
) -> None:
    expected = _uncached(folder, monkeypatch)
    assert _cached_with_analyses(folder, private_cache) == expected
    entry = _entry(private_cache)
    name = target(entry)
    what = damage(entry / name)
    capsys.readouterr()
    _assert_rebuilt(folder, expected, f"{name}: {what}", capsys, monkeypatch)


#: Where a stray file or a missing manifest is noticed: a directory of the entry.
DIRECTORIES: dict[str, Callable[[Path], str]] = {
    "entry": lambda entry: "",
    "columns": lambda entry: "columns/",
    "stored analysis": lambda entry: f"{_analysis_dir(entry)}/",
    "stored part": lambda entry: f"{_analysis_dir(entry)}/groups/",
}


@pytest.mark.parametrize("directory", DIRECTORIES.values(), ids=DIRECTORIES.keys())
def test_a_file_not_in_the_manifest_makes_the_entry_damaged(
    folder: Path,
    private_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    directory: Callable[[Path], str],
) -> None:
    expected = _uncached(folder, monkeypatch)
    _cached_with_analyses(folder, private_cache)
    entry = _entry(private_cache)
    stray = f"{directory(entry)}effective.old.npy"
    (entry / stray).write_bytes((entry / "columns" / "places.npy").read_bytes())
    capsys.readouterr()
    _assert_rebuilt(folder, expected, f"{stray}: not in the manifest", capsys, monkeypatch)


@pytest.mark.parametrize(
    "directory",
    [d for k, d in DIRECTORIES.items() if k != "columns"],
    ids=[k for k in DIRECTORIES if k != "columns"],
)
def test_a_missing_manifest_makes_the_entry_damaged(
    folder: Path,
    private_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    directory: Callable[[Path], str],
) -> None:
    expected = _uncached(folder, monkeypatch)
    _cached_with_analyses(folder, private_cache)
    entry = _entry(private_cache)
    manifest = f"{directory(entry)}{cache.MANIFEST}"
    (entry / manifest).unlink()
    capsys.readouterr()
    _assert_rebuilt(folder, expected, f"{manifest}: missing", capsys, monkeypatch)


def test_a_damaged_manifest_makes_the_entry_damaged(
    folder: Path,
    private_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    expected = _uncached(folder, monkeypatch)
    _cached_with_analyses(folder, private_cache)
    manifest = _entry(private_cache) / cache.MANIFEST
    manifest.write_bytes(manifest.read_bytes()[:-10])
    capsys.readouterr()
    _assert_rebuilt(folder, expected, f"{cache.MANIFEST}: not valid JSON", capsys, monkeypatch)


def test_an_entry_of_an_earlier_version_is_rebuilt_silently(
    folder: Path,
    private_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    expected = _verdicts(load(folder))
    entry = _entry(private_cache)
    (entry / cache.MANIFEST).unlink()  # earlier versions wrote none
    source = json.loads((entry / "source.json").read_text(encoding="utf-8"))
    (entry / "source.json").write_text(json.dumps({**source, "version": 4}), encoding="utf-8")
    capsys.readouterr()
    assert _verdicts(load(folder)) == expected
    assert capsys.readouterr().err == ""
    assert (_entry(private_cache) / cache.MANIFEST).exists()


def test_the_command_line_answers_as_without_the_cache(
    folder: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    command = ["affiliates", "Inspur Group", "--data", str(folder), "--as-of", DAY]
    uncached = runner.invoke(app, ["--no-cache", *command])
    assert uncached.exit_code == 0, uncached.output
    assert runner.invoke(app, command).stdout == uncached.stdout
    _flip(_entry(private_cache) / "holdings.arrow")
    damaged = runner.invoke(app, command)
    assert damaged.exit_code == 0, damaged.output
    assert damaged.stdout == uncached.stdout
    note = f"note: cache entry for {folder} was damaged (holdings.arrow: checksum differs); rebuilt"
    lines = damaged.stderr.splitlines()
    assert lines.count(note) == 1
    lines.remove(note)
    assert lines == uncached.stderr.splitlines()  # nothing else said


# ---------------------------------------------------------------------- native files


@pytest.fixture
def big(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "inspur.yaml"
    save(load(ownership.bundled_dataset()), path)
    monkeypatch.setattr(cache, "DOCUMENT_FROM_BYTES", 0)
    return path


def _stray(path: Path) -> str:
    (path.parent / "extra.json").write_text("[]", encoding="utf-8")
    return "STRAY"


@pytest.mark.parametrize("damage", [*DAMAGES.values(), _stray], ids=[*DAMAGES, "a stray file"])
def test_a_damaged_document_entry_is_rebuilt(
    big: Path,
    private_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    damage: Callable[[Path], str],
) -> None:
    first = load(big)
    [entry] = private_cache.glob("document-*")
    what = damage(entry / "holdings.json")
    note = "extra.json: not in the manifest" if what == "STRAY" else f"holdings.json: {what}"
    capsys.readouterr()
    assert load(big) == first
    assert capsys.readouterr().err == (
        f"note: cache entry for {big.resolve()} was damaged ({note}); rebuilt\n"
    )

    def refuse(text: str) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(native, "read_yaml", refuse)
    assert load(big) == first
    assert capsys.readouterr().err == ""


# ---------------------------------------------------------------------- writers at once


def test_a_writer_finishing_over_another_leaves_one_whole_entry(
    folder: Path,
    private_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """While one command stages its entry, another writes the whole of its own: the last
    rename wins, and what stays is one whole entry, never a mixture."""
    expected = _uncached(folder, monkeypatch)
    write_manifest = cache.write_manifest
    interleaved: list[Path] = []

    def meanwhile(staged: Path, *args: Any) -> None:
        if not interleaved:
            interleaved.append(staged)
            assert _verdicts(load(folder)) == expected  # the other command, start to end
            assert cache.cached_folders(cache_root())
        write_manifest(staged, *args)

    monkeypatch.setattr(cache, "write_manifest", meanwhile)
    assert _verdicts(load(folder)) == expected
    assert interleaved and not interleaved[0].exists()  # staged, then renamed into place
    assert len(cache.cached_folders(cache_root())) == 1
    assert not [p for p in private_cache.iterdir() if p.name.startswith(".")]
    _refuse_parsing(monkeypatch)
    assert _verdicts(load(folder)) == expected
    assert capsys.readouterr().err == ""


def test_an_analysis_stored_for_an_earlier_entry_is_not_used(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dataset keeps to the analyses stored for the entry it came from, even once a later
    command has rebuilt the entry from a changed folder and stored its own."""
    load(folder)
    older = load(folder)  # mapped from the entry, which is then replaced
    assert isinstance(derived(older).store, cache.FolderCache)
    expected_older = _uncached(folder, monkeypatch)
    _rewrite_in_place(folder / "holdings.csv")
    expected_newer = _uncached(folder, monkeypatch)
    assert _verdicts(load(folder)) == expected_newer  # the entry rebuilt, analyses stored
    assert _verdicts(older) == expected_older


def test_an_analysis_stored_twice_at_once_stays_whole(folder: Path) -> None:
    store = derived(load(folder)).store
    assert isinstance(store, cache.FolderCache)
    name = "analysis-ofac-50-2025-01-01-0000000000000000"
    write_manifest = cache.write_manifest
    calls: list[int] = []

    def meanwhile(staged: Path, *args: Any) -> None:
        if not calls:
            calls.append(1)
            store.put(name, {"level": [2, 2]})  # a second writer, start to end
        write_manifest(staged, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cache, "write_manifest", meanwhile)
        store.put(name, {"level": [1]})
    assert calls
    stored = store.get(name)
    assert stored is not None and stored["level"].tolist() == [1]  # the last one renamed


# ---------------------------------------------------------------------- the cache location


@contextlib.contextmanager
def _read_only(directory: Path, only: Path | None = None) -> Iterator[None]:
    """As when this user may not write ``directory``: what it holds (or only ``only``)
    cannot be moved or deleted. Root ignores permissions, so there, and for ``only``,
    renaming is made to fail as the system would."""
    if only is None and os.geteuid() != 0:
        directory.chmod(0o555)
        try:
            yield
        finally:
            directory.chmod(0o755)
        return
    rename = os.rename

    def refuse(source: Any, target: Any) -> None:
        if only is None or Path(source) == only:
            raise PermissionError(13, "Permission denied", str(source))
        rename(source, target)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cache.os, "rename", refuse)
        yield


def test_clear_on_a_read_only_directory_says_what_it_could_not_remove(
    folder: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _verdicts(load(folder))
    entry = _entry(private_cache)
    with _read_only(private_cache):
        with pytest.raises(OwnershipError) as raised:
            cache.clear_cache(cache_root())
        result = CliRunner().invoke(app, ["cache", "--clear"])
    message = str(raised.value)
    assert "\n" not in message
    assert str(entry) in message and "Permission denied" in message
    assert "removed 0 of 1 entries" in message and f"chmod -R u+w {private_cache}" in message
    assert result.exit_code != 0 and "removed" not in result.stdout
    _refuse_parsing(monkeypatch)
    assert _verdicts(load(folder)) == expected  # the entry is whole and still used


def test_a_damaged_entry_that_cannot_be_removed_is_read_around(
    folder: Path,
    private_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    expected = _uncached(folder, monkeypatch)
    load(folder)
    entry = _entry(private_cache)
    _flip(entry / "holdings.arrow")
    capsys.readouterr()
    with _read_only(private_cache):
        for _ in range(2):  # said each time, never used
            assert _verdicts(load(folder)) == expected
            err = capsys.readouterr().err
            assert err.startswith(
                f"note: cache entry for {folder} was damaged (holdings.arrow: checksum "
                "differs) and cannot be removed (Permission denied: "
            )
            assert err.endswith("); read afresh\n") and err.count("\n") == 1
    assert _verdicts(load(folder)) == expected  # now removed and rebuilt
    assert "rebuilt" in capsys.readouterr().err


def test_clear_counts_only_what_it_removed(
    folder: Path, tmp_path: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(folder)
    other = tmp_path / "other"
    other.mkdir()
    for file in folder.iterdir():
        (other / file.name).write_bytes(file.read_bytes())
    load(other)
    kept = cache.FolderCache(private_cache, other).path
    with _read_only(private_cache, only=kept), pytest.raises(OwnershipError) as raised:
        cache.clear_cache(cache_root())
    assert f"cannot remove {kept} from the cache" in str(raised.value)
    assert "removed 1 of 2 entries" in str(raised.value)
    assert [p for p in private_cache.iterdir() if not p.name.startswith(".")] == [kept]
    assert cache.clear_cache(cache_root()) == 1
    assert cache.cached_folders(cache_root()) == []


def test_a_cache_location_that_is_a_file_turns_the_cache_off(
    folder: Path,
    big: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    expected = _uncached(folder, monkeypatch)
    records = load(big)
    not_a_directory = tmp_path / "cache-file"
    not_a_directory.write_text("not a directory\n", encoding="utf-8")
    monkeypatch.setenv("OWNERSHIP_CACHE_DIR", str(not_a_directory))
    monkeypatch.setattr(cache, "_NOTED", set())
    capsys.readouterr()
    assert _verdicts(load(folder)) == expected
    assert load(big) == records
    err = capsys.readouterr().err
    assert err == (
        f"note: the cache location {not_a_directory} is a file, not a directory: remove it "
        "or set OWNERSHIP_CACHE_DIR to a directory this user can write; the cache is off "
        "for this run\n"
    )
    assert not_a_directory.read_text(encoding="utf-8") == "not a directory\n"
    for command in (cache.clear_cache, cache.cached_folders):
        with pytest.raises(OwnershipError, match=re.escape(f"{not_a_directory} is a file")):
            command(cache_root())

    monkeypatch.setattr(cache, "_NOTED", set())
    result = CliRunner().invoke(
        app, ["affiliates", "Inspur Group", "--data", str(folder), "--as-of", DAY]
    )
    assert result.exit_code == 0, result.output
    assert "is a file, not a directory" in result.stderr


def test_a_cache_location_inside_a_file_turns_the_cache_off(
    folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    expected = _uncached(folder, monkeypatch)
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    monkeypatch.setenv("OWNERSHIP_CACHE_DIR", str(tmp_path / "a-file" / "cache"))
    assert _verdicts(load(folder)) == expected
    assert "the cache is off for this run" in capsys.readouterr().err
    with pytest.raises(OwnershipError, match="cannot be used"):
        cache.clear_cache(cache_root())
