"""The folder cache: a second read maps what the first stored, and any change refreshes it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ownership
from ownership import affiliates as affiliates_module
from ownership import analyze, settings
from ownership import ancestry as ancestry_module
from ownership import computed as computed_module
from ownership.cli import app
from ownership.columns import Columns, columns_of
from ownership.derived import derived
from ownership.io import cache, cache_entries, columnar, load, save
from ownership.resolve import NameIndex
from ownership.share_order import ShareOrder
from ownership.verdict_records import verdict_rows

from .test_columnar import _same_columns

RULES = ("ofac-50", "bis-affiliates", "uk", "look-through")
DAY = "2025-10-01"


def cache_root() -> Path:
    """The cache the environment names (these tests give each its own)."""
    root = settings.cache_dir()
    assert root is not None
    return root


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The bundled case as a CSV folder, read by columns (so cached) whatever its size."""
    path = tmp_path / "inspur"
    bundled = load(ownership.bundled_dataset())
    save(bundled.model_copy(update={"sources": [], "arrangements": []}), path)
    monkeypatch.setattr(columnar, "COLUMNAR_FROM_BYTES", 0)
    return path


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the folder was parsed again")

    monkeypatch.setattr(columnar, "read_csv_folder_columnar", refuse)


def _count_parsing(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The folders parsed from now on, one item per parse."""
    parsed: list[Path] = []
    read = columnar.read_csv_folder_columnar

    def counting(path: Path, **options: object) -> object:
        parsed.append(path)
        return read(path, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(columnar, "read_csv_folder_columnar", counting)
    return parsed


def test_a_second_load_maps_what_the_first_stored(
    folder: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load(folder)
    assert [name for name, _ in cache.cached_folders(cache_root())] == [str(folder.resolve())]
    _no_parsing(monkeypatch)
    second = load(folder)
    assert isinstance(second.entities, columnar.RowRecords)
    assert second == first and derived(second).checked
    _same_columns(columns_of(second), Columns.from_dataset(first))
    for rule in RULES:
        assert list(verdict_rows(analyze(second, rule, DAY))) == list(
            verdict_rows(analyze(first, rule, DAY))
        )
    for query in ("Aivres Systems", "Inspur Systems", "aivres-systems", "浪潮集团"):
        found = [(m.entity.id, m.how, m.matched, m.until) for m in NameIndex(second).find(query)]
        expected = [(m.entity.id, m.how, m.matched, m.until) for m in NameIndex(first).find(query)]
        assert found == expected and found


def test_analyses_are_restored_not_recomputed(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed = {rule: list(verdict_rows(analyze(load(folder), rule, DAY))) for rule in RULES}

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("propagated again")

    monkeypatch.setattr(computed_module, "compile_snapshot", refuse)
    again = load(folder)
    for rule in RULES:
        assert list(verdict_rows(analyze(again, rule, DAY))) == computed[rule]
    with pytest.raises(AssertionError, match="propagated again"):
        analyze(again, "ofac-50", "2019-01-01")  # a date not seen before is computed


def test_listed_ancestors_are_restored_not_worked_out_again(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = analyze(load(folder), "bis-affiliates", DAY)
    worked_out = [first.verdict(i).listed_ancestors for i in first.compiled.ids]
    assert any(worked_out)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("worked out again")

    monkeypatch.setattr(ancestry_module.SeedAncestry, "components", staticmethod(refuse))
    again = analyze(load(folder), "bis-affiliates", DAY)
    assert [again.verdict(i).listed_ancestors for i in again.compiled.ids] == worked_out
    with pytest.raises(AssertionError, match="worked out again"):
        analyze(load(folder), "bis-affiliates", "2024-01-01").verdict("aivres-systems")


def test_the_share_order_is_restored_not_built_again(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(affiliates_module, "STORED_ORDER_FROM", 0)  # every query reads it
    first = analyze(load(folder), "bis-affiliates", DAY).affiliates("inspur-group")
    assert first.counts()["affiliates"] > 1

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("built again")

    monkeypatch.setattr(ShareOrder, "build", refuse)
    again = analyze(load(folder), "bis-affiliates", DAY).affiliates("inspur-group")
    assert again.to_records() == first.to_records()
    with pytest.raises(AssertionError, match="built again"):
        analyze(load(folder), "bis-affiliates", "2024-01-01").affiliates("inspur-group")


def test_the_oldest_analyses_go_with_their_parts(folder: Path) -> None:
    store = derived(load(folder)).store
    assert isinstance(store, cache.FolderCache)
    names = [f"analysis-ofac-50-2025-01-01-{k:016x}" for k in range(cache.ANALYSES_KEPT + 2)]
    for written, name in enumerate(names, start=1):
        for part in (name, f"{name}/groups", f"{name}/shares"):
            store.put(part, {"level": [written]})
        # written in this order, whatever the clock's resolution
        os.utime(store.path / name, ns=(written * 10**9, written * 10**9))
    kept = {path.name for path in store.path.glob("analysis-*")}
    assert kept == set(names[2:])
    for name in names[2:]:
        assert {p.name for p in (store.path / name).iterdir() if p.is_dir()} == {
            "groups",
            "shares",
        }
    assert store.get(f"{names[-1]}/shares")["level"].tolist() == [len(names)]
    assert store.get(names[-1])["level"].tolist() == [len(names)]  # its parts are not read


def test_a_part_goes_when_its_analysis_is_stored_again(folder: Path) -> None:
    store = derived(load(folder)).store
    assert isinstance(store, cache.FolderCache)
    name = "analysis-ofac-50-2025-01-01-0000000000000000"
    store.put(f"{name}/shares", {"level": [1]})
    assert store.get(f"{name}/shares") is None  # no part without its analysis
    store.put(name, {"level": [1]})
    store.put(f"{name}/shares", {"level": [2]})
    assert store.get(f"{name}/shares")["level"].tolist() == [2]
    store.put(name, {"level": [3]})
    assert store.get(f"{name}/shares") is None


def test_a_changed_file_refreshes_the_entry(folder: Path) -> None:
    before = analyze(load(folder), "bis-affiliates", DAY)
    holdings = folder / "holdings.csv"
    lines = holdings.read_text(encoding="utf-8").splitlines()
    owned = [line for line in lines[1:] if line.split(",")[1] == "aivres-systems"]
    assert owned, "the fixture has a holding in Aivres Systems"
    holdings.write_text(
        "\n".join(line for line in lines if line not in owned) + "\n", encoding="utf-8"
    )
    after = analyze(load(folder), "bis-affiliates", DAY)
    assert before.status("aivres-systems").value == "exposed"
    assert after.status("aivres-systems").value == "clear"
    assert after.holdings_into("aivres-systems") == []


def test_a_new_file_in_the_folder_refreshes_the_entry(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = _count_parsing(monkeypatch)
    first = load(folder)
    load(folder)
    assert len(parsed) == 1
    (folder / "README.txt").write_text("where these files came from\n", encoding="utf-8")
    assert load(folder) == first
    assert len(parsed) == 2


def test_an_entry_written_by_other_code_is_rebuilt(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entries hold what the code made (tables, analyses): after an upgrade, or any change
    of the package's files, they are made again, not served."""
    parsed = _count_parsing(monkeypatch)
    analyze(load(folder), "ofac-50", DAY)
    analyze(load(folder), "ofac-50", DAY)
    assert len(parsed) == 1
    monkeypatch.setattr(cache_entries, "code_version", lambda: "other code")
    computed: list[object] = []
    compile_snapshot = computed_module.compile_snapshot

    def counting_compile(*args: object) -> object:
        computed.append(args)
        return compile_snapshot(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(computed_module, "compile_snapshot", counting_compile)
    analyze(load(folder), "ofac-50", DAY)
    assert len(parsed) == 2 and len(computed) == 1  # the folder read, the rule run again
    analyze(load(folder), "ofac-50", DAY)
    assert len(parsed) == 2 and len(computed) == 1  # and kept for this code


def test_a_broken_entry_is_discarded_and_the_folder_read_again(
    folder: Path, private_cache: Path
) -> None:
    first = load(folder)
    [entry] = [p for p in private_cache.iterdir() if p.is_dir()]
    (entry / "holdings.arrow").write_bytes(b"not arrow")
    assert load(folder) == first
    assert (entry / "holdings.arrow").read_bytes() != b"not arrow"


def test_the_cache_can_be_turned_off(
    folder: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OWNERSHIP_CACHE", "off")
    load(folder)
    assert list(private_cache.iterdir()) == []
    monkeypatch.delenv("OWNERSHIP_CACHE")
    result = CliRunner().invoke(
        app, ["--no-cache", "affiliates", "Inspur Group", "--data", str(folder)]
    )
    assert result.exit_code == 0, result.output
    assert list(private_cache.iterdir()) == []
    assert "OWNERSHIP_CACHE" not in os.environ  # --no-cache is an argument, not a variable


def test_the_cache_command_lists_and_clears_entries(folder: Path) -> None:
    runner = CliRunner()
    load(folder)
    listed = runner.invoke(app, ["cache"])
    assert listed.exit_code == 0 and str(folder.resolve()) in listed.output
    cleared = runner.invoke(app, ["cache", "--clear"])
    assert "removed 1 cache entry" in cleared.output
    assert cache.cached_folders(cache_root()) == []


def test_a_cached_folder_keeps_its_ring_candidates(
    tmp_path: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The search for closed rings (0.7 s at 1M entities) runs when the folder is first
    read; a later load takes its candidates from the cache and tells the same notes."""
    folder = tmp_path / "ring"
    folder.mkdir()
    (folder / "entities.csv").write_text("id,name\nx,X\na,Alpha\nb,Beta\n")
    (folder / "holdings.csv").write_text("owner,owned,percent\na,b,100\nb,a,100\nx,a,0\n")
    monkeypatch.setattr(columnar, "COLUMNAR_FROM_BYTES", 0)
    first: list[object] = []
    load(folder, warnings=first)
    searches = []
    search = columnar._ring_candidates
    monkeypatch.setattr(columnar, "_ring_candidates", lambda c: searches.append(1) or search(c))
    again: list[object] = []
    load(folder, warnings=again)
    assert searches == []
    assert [str(p) for p in again] == [str(p) for p in first] != []
    (folder / "holdings.csv").write_text("owner,owned,percent\na,b,100\nb,a,60\n")
    changed: list[object] = []
    load(folder, warnings=changed)  # a changed folder: searched afresh, and no ring
    assert searches == [1] and changed == []
