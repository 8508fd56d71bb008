"""OFAC readers: legacy CSV set (folder or sdn.csv) and the advanced XML relations."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from ownership.errors import DataError
from ownership.io.ofac import read_ofac, remark_identifiers

from .conftest import DATA, REAL, sample


@pytest.mark.parametrize("given", ["folder", "sdn.csv"])
def test_real_csv_set_imports_from_folder_or_sdn_path(given: str) -> None:
    folder = sample("ofac")
    result = read_ofac(folder if given == "folder" else folder / "sdn.csv")
    counts = result.counts()
    assert (counts["entities"], counts["listings"], counts["holdings"]) == (17, 17, 0)
    assert len(result.files) == 4  # sdn, add, alt, comments
    assert {x.list for x in result.dataset.listings} == {"sdn"}


def test_real_csv_facts() -> None:
    result = read_ofac(sample("ofac"))
    index = result.dataset.entity_index()
    iran = index["ofac-11195"]
    assert iran.country == "IR"
    assert len(iran.addresses) == 5
    assert "HESA TRADE CENTER" in iran.aliases
    assert ("registration", "26740") in [(i.scheme, i.value) for i in iran.identifiers]
    listing = next(x for x in result.dataset.listings if x.entity == "ofac-11195")
    assert listing.program == "NPWMD; IFSR; IRAN-CON-ARMS-EO"
    # sdn_comments.csv overflow is read: the LEI sits in the continuation of the remarks
    suex = index["ofac-33151"]
    assert ("lei", "5299007NTWCC3U23WM81") in [(i.scheme, i.value) for i in suex.identifiers]
    assert index["ofac-47371"].kind.value == "other" and index["ofac-47371"].country == "GA"
    assert index["ofac-10278"].kind.value == "person"


def test_linked_to_remarks_are_hints_not_holdings() -> None:
    result = read_ofac(sample("ofac"))
    linked = [(h.entity, h.target_name) for h in result.hints if h.kind == "linked_to"]
    assert ("ofac-19709", "MAHAN AIR") in linked
    assert ("ofac-11195", "ISLAMIC REVOLUTIONARY GUARD CORPS") in linked
    assert len(linked) == 11
    assert not result.dataset.holdings


def test_orphan_rows_in_sibling_files_are_notices() -> None:
    result = read_ofac(sample("ofac"))
    orphans = [n for n in result.notices if "not in sdn.csv" in n.message]
    assert len(orphans) == 9
    assert any(n.file and n.file.endswith("add.csv") and n.record_id == "12562" for n in orphans)


def test_sdn_csv_path_finds_siblings(tmp_path: Path) -> None:
    for name in ("sdn.csv", "add.csv"):
        shutil.copy(sample("ofac", name), tmp_path / name)
    result = read_ofac(tmp_path / "sdn.csv")
    assert len(result.files) == 2
    assert list(result.dataset.entity_index()["ofac-11195"].aliases) == []


def test_advanced_xml_relations() -> None:
    result = read_ofac(DATA / "ofac_advanced.xml")
    assert result.source.date == dt.date(2024, 3, 15)
    holdings = {(h.owner, h.owned): h for h in result.dataset.holdings}
    # 15003 Owned or Controlled By: from = asset, to = owner
    owned = holdings[("ofac-90001", "ofac-90002")]
    # 92019 Owns, controls, or operates: from = owner
    operated = holdings[("ofac-90001", "ofac-90003")]
    for hold in (owned, operated):
        assert hold.kind.value == "ownership"
        assert hold.share_text() == "unknown %"  # OFAC publishes no percentage
    assert "Owned or Controlled By" in (owned.note or "")
    assert len(holdings) == 2
    (associate,) = result.hints
    assert (associate.entity, associate.kind, associate.target) == (
        "ofac-90004",
        "related",
        "ofac-90001",
    )


def test_advanced_xml_parties_and_entries() -> None:
    result = read_ofac(DATA / "ofac_advanced.xml")
    index = result.dataset.entity_index()
    parent = index["ofac-90001"]
    assert parent.name == "EXAMPLE HOLDING GROUP CO., LTD."
    assert list(parent.aliases) == []  # the low-quality a.k.a. is left out
    assert parent.identifiers[0].scheme == "lei"
    assert parent.country == "CN"
    assert [f.name for f in index["ofac-90002"].former_names] == ["OLD EXAMPLE TRADING LIMITED"]
    assert index["ofac-90003"].kind.value == "other"
    assert index["ofac-90004"].kind.value == "person"
    listing = next(x for x in result.dataset.listings if x.entity == "ofac-90001")
    assert (listing.list, listing.program, listing.start) == (
        "sdn",
        "NPWMD; IFSR",
        dt.date(2022, 6, 1),
    )


@pytest.mark.parametrize(
    ("path", "fragments"),
    [
        (
            "broken/ofac",
            ["sdn.csv:2: 90002: 4 cells", "sdn.csv:3: X9003: field 'ent_num'"],
        ),
        (
            "broken/ofac_advanced_broken.xml",
            [
                "ofac_advanced_broken.xml",
                "ProfileRelationship 7777",
                "field 'To-ProfileID'",
                "'99999' is not among the DistinctParties",
            ],
        ),
    ],
)
def test_broken_files_name_file_record_and_field(path: str, fragments: list[str]) -> None:
    with pytest.raises(DataError) as caught:
        read_ofac(DATA / path)
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_not_well_formed_xml(tmp_path: Path) -> None:
    path = tmp_path / "sdn_advanced.xml"
    path.write_text("<Sanctions><DistinctParties></Sanctions>", encoding="utf-8")
    with pytest.raises(DataError, match=r"sdn_advanced.xml:1: not well-formed XML"):
        read_ofac(path)


def test_remark_identifiers() -> None:
    text = "UK Company Number 03632365; Tax ID No. 52-2083095 (United States); Gender Male"
    assert remark_identifiers(text) == [
        {"scheme": "registration", "value": "03632365"},
        {"scheme": "tax", "value": "52-2083095"},
    ]


def test_country_is_nationality_or_registration_not_the_first_address() -> None:
    """The Cuban National Bank has offices in Switzerland, Spain, Japan and Panama: its
    addresses disagree and its remarks give no nationality, so no country is claimed.
    Registration, nationality and citizenship remarks decide where they are given."""
    index = read_ofac(REAL / "ofac_sdn_excerpt").dataset.entity_index()
    bank = index["ofac-306"]
    assert bank.name == "BANCO NACIONAL DE CUBA"
    assert {a.country for a in bank.addresses} == {"CH", "ES", "JP", "PA"}
    assert bank.country is None
    assert index["ofac-8127"].country == "NL"  # Registration ID 27134614 (Netherlands)
    assert index["ofac-23149"].country == "KP"  # Nationality of Registration Korea, North
    assert index["ofac-6915"].country == "EG"  # citizen Egypt
    assert index["ofac-9754"].country == "IR"  # nationality Iran, an address in Pakistan
    assert index["ofac-12300"].country is None  # addresses in Colombia and Mexico


def test_advanced_xml_nationality_feature_decides_the_country(tmp_path: Path) -> None:
    text = (DATA / "ofac_advanced.xml").read_text(encoding="utf-8")
    text = text.replace(
        "<CountryValues>",
        '<FeatureTypeValues><FeatureType ID="10">Nationality Country</FeatureType>'
        '<FeatureType ID="25">Location</FeatureType></FeatureTypeValues><CountryValues>',
    ).replace(
        '<Feature ID="3001" FeatureTypeID="25">',
        '<Feature ID="3009" FeatureTypeID="10"><FeatureVersion ID="3109" ReliabilityID="1">'
        '<VersionLocation LocationID="501"/></FeatureVersion></Feature>'
        '<Feature ID="3001" FeatureTypeID="25">',
    )
    path = tmp_path / "sdn_advanced.xml"
    path.write_text(text, encoding="utf-8")
    parent = read_ofac(path).dataset.entity_index()["ofac-90001"]
    assert parent.country == "HK"  # nationality, though its address is in Shenzhen
    assert [a.country for a in parent.addresses] == ["CN"]  # a nationality is not an address
