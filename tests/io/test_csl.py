"""CSL reader: both CSV column sets, JSON, names that carry relationships, bad rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ownership.errors import DataError
from ownership.io.csl import citation, list_id, read_csl

from .conftest import DATA, sample

CETC = "csl-99ed1b052fdb09695fae1ba87516d8a0882b0df04652e07aeb5ce7be"


def test_real_csv_sample_imports_every_row() -> None:
    result = read_csl(sample("csl", "csl_consolidated_excerpt_watchman.csv"))
    counts = result.counts()
    assert (counts["entities"], counts["listings"], counts["holdings"]) == (13, 13, 0)
    lists = sorted(x.list for x in result.dataset.listings)
    assert lists == sorted(
        [
            "isn",
            "unverified_list",
            "meu_list",
            "plc",
            "plc",
            "sdn",
            "dtc",
            "dpl",
            "ssi",
            "ssi",
            "ssi",
            "fse",
            "entity_list",
        ]
    )
    assert result.source.id == "csl:csl_consolidated_excerpt_watchman.csv"
    assert list(all(e.sources) == [result.source.id] for e in result.dataset.entities)


def test_entity_list_row_for_cetc_13() -> None:
    result = read_csl(sample("csl", "csl_consolidated_excerpt_watchman.csv"))
    entity = result.dataset.entity_index()[CETC]
    listing = next(x for x in result.dataset.listings if x.entity == CETC)
    assert listing.list == "entity_list"
    assert listing.citation == "83 FR 37423; 87 FR 77505"
    assert listing.start == dt.date(2018, 8, 1)
    assert entity.country == "CN"
    assert len(entity.addresses) == 3
    assert entity.addresses[0].address == "113 Hezuo Road, Shijiazhuang, Hebei, China"
    assert {a.country for a in entity.addresses} == {"CN"}
    assert "CETC Research Institute 13" in entity.aliases  # the stray "and " is gone
    assert not any(a.startswith("and ") for a in entity.aliases)


@pytest.mark.parametrize(
    ("entity_id", "expected"),
    [
        # a North Korean national with addresses in Shenyang and Pyongyang: his nationality
        ("ofac-52291", {"kind": "person", "country": "KP", "program": "NPWMD", "list": "sdn"}),
        (
            "ofac-28603",
            {
                "kind": "company",
                "country": "CH",
                "list": "ssi",
                "program": "VENEZUELA-EO13850; UKRAINE-EO13662",
            },
        ),
        ("ofac-26182", {"kind": "person", "country": "TR", "list": "fse", "program": "FSE-IR"}),
    ],
)
def test_treasury_rows_take_ofac_ids(entity_id: str, expected: dict[str, str]) -> None:
    result = read_csl(sample("csl", "csl_consolidated_excerpt_watchman.csv"))
    entity = result.dataset.entity_index()[entity_id]
    listing = next(x for x in result.dataset.listings if x.entity == entity_id)
    assert entity.kind.value == expected["kind"]
    assert entity.country == expected["country"]
    assert listing.list == expected["list"]
    assert listing.program == expected.get("program")


def test_identifiers_keep_ids_and_drop_sanctions_notes() -> None:
    result = read_csl(sample("csl", "csl_consolidated_excerpt_watchman.csv"))
    tnk = result.dataset.entity_index()["ofac-28603"]
    assert [(i.scheme, i.value) for i in tnk.identifiers] == [
        ("vat", "CHE-267.936.404"),
        ("registration", "CH-660.0.559.011-2"),
    ]


def test_isn_successor_clause_is_a_listing_note() -> None:
    result = read_csl(sample("csl", "csl_consolidated_excerpt_watchman.csv"))
    isn = next(x for x in result.dataset.listings if x.list == "isn")
    entity = result.dataset.entity_index()[isn.entity]
    assert entity.name == "Sinobright Import and Export Company"
    assert "successor, sub-unit, or subsidiary" in (isn.note or "")
    assert "name as listed" in (entity.note or "")


def test_json_fixture_matches_the_csv_rows() -> None:
    """The JSON shape (lists, address objects, null/""/[]) gives the CSV's records."""
    from_json = read_csl(DATA / "csl_excerpt.json")
    from_csv = read_csl(sample("csl", "csl_consolidated_excerpt_watchman.csv"))
    csv_index = from_csv.dataset.entity_index()
    assert len(from_json.dataset.entities) == 4
    for entity in from_json.dataset.entities:
        twin = csv_index[entity.id]
        strip = {"sources": None}
        assert entity.model_copy(update=strip).model_dump(exclude={"addresses"}) == twin.model_copy(
            update=strip
        ).model_dump(exclude={"addresses"})
        assert [(a.address, a.country) for a in entity.addresses] == [
            (a.address, a.country) for a in twin.addresses
        ]
    listings = {(x.entity, x.list, x.citation, x.start) for x in from_json.dataset.listings}
    assert (CETC, "entity_list", "83 FR 37423; 87 FR 77505", dt.date(2018, 8, 1)) in listings


def test_bare_json_list_and_csv_without_id_column(tmp_path: Path) -> None:
    import json

    records = json.loads((DATA / "csl_excerpt.json").read_text(encoding="utf-8"))["results"]
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(records), encoding="utf-8")
    assert len(read_csl(bare).dataset.entities) == 4
    header = "source,entity_number,type,programs,name,addresses,federal_register_notice,"
    header += "start_date,alt_names,ids\n"
    row = '"Entity List (EL) - Bureau of Industry and Security","","","","Example Optics Co., '
    row += 'Ltd.","1 Example Road, Wuhan, CN","89 FR 1","2024-01-02","Example Optics",""\n'
    old = tmp_path / "csl_2019.csv"
    old.write_text(header + row, encoding="utf-8")
    result = read_csl(old)
    (entity,) = result.dataset.entities
    assert entity.id == "csl-el-example-optics-co-ltd"
    assert result.dataset.listings[0].list == "entity_list"


ROWS_WITH_HINTS = [
    (
        "Huawei Technologies Co., Ltd. (Huawei).  Affiliated Entity:  Example Huawei Affiliate "
        "Co., Ltd.",
        "Example Huawei Affiliate Co., Ltd.",
        ("affiliated_with", "Huawei Technologies Co., Ltd."),
    ),
    (
        "Example Research Institute, a subordinate institute of Example Group Corporation (EGC).",
        "Example Research Institute",
        ("subordinate_of", "Example Group Corporation"),
    ),
    (
        "Example New Name Co., Ltd., f.k.a. Example Old Name Co., Ltd.",
        "Example New Name Co., Ltd.",
        ("former_name", "Example Old Name Co., Ltd."),
    ),
]


@pytest.mark.parametrize(("raw", "name", "hint"), ROWS_WITH_HINTS)
def test_names_carrying_relationships_become_hints(
    tmp_path: Path, raw: str, name: str, hint: tuple[str, str]
) -> None:
    path = tmp_path / "el.csv"
    path.write_text(
        "_id,source,name,addresses\n"
        f'"row1","Entity List (EL) - Bureau of Industry and Security","{raw}","Beijing, CN"\n',
        encoding="utf-8",
    )
    result = read_csl(path)
    (entity,) = result.dataset.entities
    assert entity.name == name
    assert not result.dataset.holdings  # a hint is not a fact about shares
    (found,) = result.hints
    assert (found.kind, found.target_name) == hint
    assert found.entity == "csl-row1" and found.record == "row1"
    assert "name as listed" in (entity.note or "")
    if hint[0] == "former_name":
        assert [f.name for f in entity.former_names] == [hint[1]]


def test_hint_points_at_the_named_entity_in_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "el.csv"
    source = "Entity List (EL) - Bureau of Industry and Security"
    path.write_text(
        "_id,source,name\n"
        f'"p","{source}","Example Parent Co., Ltd."\n'
        f'"c","{source}","Example Parent Co., Ltd. (EP). Affiliated Entity: Example Child Ltd."\n',
        encoding="utf-8",
    )
    (found,) = read_csl(path).hints
    assert (found.entity, found.target) == ("csl-c", "csl-p")


def test_list_ids_and_citations() -> None:
    assert list_id("Unverified List (UVL) - Bureau of Industry and Security") == "unverified_list"
    assert list_id("Capta List (CAP) - Treasury Department") == "cap"
    assert citation("85 FR 83799") == "85 FR 83799"
    assert citation("") is None


def test_broken_file_names_file_row_and_field() -> None:
    path = DATA / "broken" / "csl_broken.csv"
    with pytest.raises(DataError) as caught:
        read_csl(path)
    text = str(caught.value)
    assert "csl_broken.csv:3: bad-date-row: field 'start_date'" in text
    assert "'2024-13-45' is not a valid date" in text
    assert "csl_broken.csv:4: no-name-row: field 'name': empty name" in text
    assert len(caught.value.problems) == 2


def test_not_a_csl_file(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing column"):
        read_csl(path)
