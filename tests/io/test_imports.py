"""Format detection, ``load`` over any format, and ``import_sources``: merging,
provenance, reports, and errors from several inputs at once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ownership import analyze
from ownership.errors import DataError
from ownership.io import detect_format, import_sources, load
from ownership.io.loading import load_native

from .conftest import DATA, SAMPLES, sample

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("csl", "csl_consolidated_excerpt_watchman.csv"), "csl"),
        (("ofac",), "ofac"),
        (("ofac", "sdn.csv"), "ofac"),
        (("ofac", "alt.csv"), "ofac"),
        (("bods", "joint-ownership.json"), "bods"),
        (("bods", "bods-0.2-from-gleif-rr-data-out.json"), "bods"),
        (("gleif", "rr-data.xml"), "gleif"),
        (("gleif", "lei-data.xml"), "gleif"),
    ],
)
def test_detect_real_samples(parts: tuple[str, ...], expected: str) -> None:
    assert detect_format(sample(*parts)) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("csl_excerpt.json", "csl"),
        ("ofac_advanced.xml", "ofac"),
        ("ftm_entities.jsonl", "ftm"),
        ("gleif_lei.csv", "gleif"),
        ("gleif_rr.csv", "gleif"),
        ("gleif_repex.csv", "gleif"),
        ("link_group.yaml", "native"),
    ],
)
def test_detect_own_fixtures(name: str, expected: str) -> None:
    assert detect_format(DATA / name) == expected


def test_detection_reads_content_not_suffix(tmp_path: Path) -> None:
    for name, fmt in (("ftm_entities.jsonl", "ftm"), ("csl_excerpt.json", "csl")):
        renamed = tmp_path / f"download-{fmt}.txt"
        shutil.copy(DATA / name, renamed)
        assert detect_format(renamed) == fmt
    assert detect_format(REPO / "fixtures" / "inspur.yaml") == "native"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,name\nx,X\n", "give the folder holding entities.csv"),
        ("hello world\n", "cannot tell the format"),
        ("<html></html>", "XML that is none of GLEIF"),
        ('{"foo": 1}', "JSON that matches none"),
    ],
)
def test_unknown_formats_are_explained(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "input.dat"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        detect_format(path)
    assert message in str(caught.value) and "input.dat" in str(caught.value)


def test_load_native_alone_is_unchanged() -> None:
    path = REPO / "fixtures" / "inspur.yaml"
    assert load(path) == load_native([path])


def test_load_reads_foreign_formats_and_merges_by_id() -> None:
    csl = sample("csl", "csl_consolidated_excerpt_watchman.csv")
    dataset = load(csl, sample("ofac"))
    index = dataset.entity_index()
    # TNK Trading is an SSI row of the CSL and an SDN row of the OFAC files: one entity
    tnk = index["ofac-28603"]
    assert {x.list for x in dataset.listings if x.entity == "ofac-28603"} == {"ssi", "sdn"}
    assert set(tnk.sources) == {"csl:csl_consolidated_excerpt_watchman.csv", "ofac:ofac"}
    assert len(dataset.entities) == 13 + 17 - 1


def test_every_record_cites_a_declared_source() -> None:
    paths = [
        REPO / "fixtures" / "inspur.yaml",
        DATA / "ftm_entities.jsonl",
        DATA / "gleif_lei.csv",
        DATA / "gleif_rr.csv",
    ]
    dataset, report = import_sources(paths)
    declared = {s.id for s in dataset.sources}
    assert {
        "native:inspur.yaml",
        "ftm:ftm_entities.jsonl",
        "gleif:gleif_lei.csv",
        "gleif:gleif_rr.csv",
    } <= declared
    for section in (dataset.entities, dataset.holdings, dataset.listings):
        for record in section:
            assert record.sources and set(record.sources) <= declared
    assert [i.format for i in report.inputs] == ["native", "ftm", "gleif", "gleif"]
    assert report.counts["entities"] == len(dataset.entities)


def test_all_samples_together() -> None:
    if not SAMPLES.exists():
        pytest.skip("real-data samples not available")
    paths = [
        SAMPLES / "csl" / "csl_consolidated_excerpt_watchman.csv",
        SAMPLES / "ofac",
        *sorted((SAMPLES / "gleif").glob("*.xml")),
        *sorted((SAMPLES / "bods").glob("*.json")),
        DATA / "ofac_advanced.xml",
        DATA / "ftm_entities.jsonl",
        DATA / "csl_excerpt.json",
    ]
    dataset, report = import_sources(paths)
    assert len(report.inputs) == len(paths)
    # placeholders of the GLEIF relationship file were replaced by Level 1 records
    fund = dataset.entity_index()["lei-001GPB6A9XPE8XJICC14"]
    assert fund.name == "Fidelity Advisor Leveraged Company Stock Fund"
    assert "NO_KNOWN_PERSON" in (fund.note or "")
    text = report.summary()
    assert "merged:" in text and "ownership hint(s)" in text
    assert report.to_dict()["counts"] == report.counts


def test_ofac_files_given_one_by_one_are_read_once() -> None:
    folder = sample("ofac")
    _, report = import_sources([folder / "sdn.csv", folder / "add.csv", folder / "alt.csv"])
    assert len(report.inputs) == 1


def test_problems_of_all_inputs_come_together() -> None:
    with pytest.raises(DataError) as caught:
        import_sources([DATA / "broken" / "csl_broken.csv", DATA / "ftm_broken.jsonl"])
    text = str(caught.value)
    assert "csl_broken.csv:3: bad-date-row" in text
    assert "ftm_broken.jsonl:2: not valid JSON" in text


def test_conflict_between_inputs_names_both_files(tmp_path: Path) -> None:
    native = tmp_path / "ours.yaml"
    native.write_text(
        "entities:\n  - {id: a, name: A}\n  - {id: b, name: B}\n"
        "holdings:\n  - {owner: a, owned: b, percent: 60}\n",
        encoding="utf-8",
    )
    ftm = tmp_path / "theirs.jsonl"
    ftm.write_text(
        '{"id": "c", "schema": "Company", "properties": {"name": ["C"]}}\n'
        '{"id": "o", "schema": "Ownership", "properties": {"owner": ["c"], "asset": ["b"], '
        '"percentage": ["70"]}}\n',
        encoding="utf-8",
    )
    # stakes from two inputs that cannot all be true are loaded and reported, not fatal
    dataset, report = import_sources([native, ftm], link=False)
    (note,) = [str(n) for n in report.warnings if "cannot all be true" in str(n)]
    assert "add up to 130%" in note and "theirs.jsonl" in note and "ours.yaml" in note
    assert "a 60%" in note and "c 70%" in note
    result = analyze(dataset, "ofac-50", "2025-01-01")
    assert result.flags("b") == ["conflicting_stakes"]


def test_free_text_sources_of_a_native_file_are_declared(tmp_path: Path) -> None:
    native = tmp_path / "notes.yaml"
    native.write_text(
        "entities:\n  - {id: a, name: A, sources: [Reuters 2024-01-02]}\n", encoding="utf-8"
    )
    dataset, _ = import_sources([native, DATA / "csl_excerpt.json"])
    assert "Reuters 2024-01-02" in {s.id for s in dataset.sources}
