"""Large native files keep their checked records under the hash of their content."""

from __future__ import annotations

from pathlib import Path

import pytest

import ownership
from ownership.errors import DataError
from ownership.io import cache, load, native, save


@pytest.fixture
def big(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "inspur.yaml"
    save(load(ownership.bundled_dataset()), path)
    monkeypatch.setattr(cache, "DOCUMENT_FROM_BYTES", 0)  # the bundled case counts as large
    return path


def _refuse_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(native, "read_yaml", refuse)


def test_a_second_load_takes_the_checked_records(
    big: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load(big)
    assert list(private_cache.glob("document-*/source.json"))
    _refuse_parsing(monkeypatch)
    assert load(big) == first
    assert "document" in {p.name.split("-")[0] for p in private_cache.iterdir()}


def test_a_changed_file_is_read_again(big: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load(big)
    big.write_text(big.read_text(encoding="utf-8").replace("Aivres Systems Inc.", "Renamed Inc."))
    dataset = load(big)
    assert "Renamed Inc." in {e.name for e in dataset.entities}


def test_a_damaged_entry_is_thrown_away(
    big: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load(big)
    (stored,) = private_cache.glob("document-*/entities.json")
    stored.write_bytes(stored.read_bytes().replace(b"Inspur", b"Xnspur", 1))
    assert load(big) == first  # the hash no longer matches: read afresh
    (stored,) = private_cache.glob("document-*/entities.json")
    stored.unlink()
    assert load(big) == first


def test_a_file_with_problems_is_not_kept(
    big: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big.write_text(big.read_text(encoding="utf-8").replace("percent: 100", "percent: 101", 1))
    with pytest.raises(DataError):
        load(big)
    assert not list(private_cache.glob("document-*"))


def test_no_cache_reads_afresh(
    big: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OWNERSHIP_CACHE", "off")
    load(big)
    assert not list(private_cache.glob("document-*"))
