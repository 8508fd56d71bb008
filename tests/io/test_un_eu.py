"""The UN Security Council Consolidated List and the EU Financial Sanctions Files (XML)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ownership import analyze
from ownership.errors import DataError
from ownership.io import detect_format, import_sources, load
from ownership.io.eu import read_eu
from ownership.io.un import read_un

from .conftest import REAL

UN = REAL / "un_consolidated_excerpt.xml"
EU_11 = REAL / "eu_fsf_v11_excerpt.xml"
EU_10 = REAL / "eu_fsf_v10_excerpt.xml"


@pytest.mark.parametrize(("path", "fmt"), [(UN, "un"), (EU_11, "eu"), (EU_10, "eu")])
def test_formats_are_told_from_the_content(tmp_path: Path, path: Path, fmt: str) -> None:
    renamed = tmp_path / "download.xml"
    renamed.write_bytes(path.read_bytes())
    assert detect_format(renamed) == fmt


def test_un_records_become_entities_and_listings() -> None:
    result = read_un(UN)
    index = result.dataset.entity_index()
    assert len(index) == 16 and len(result.dataset.listings) == 16
    bank = index["un-KPe.023"]  # published as "KPe.023 " with a trailing space
    assert (bank.name, bank.kind.value, bank.country) == (
        "DAEDONG CREDIT BANK (DCB)",
        "company",
        "KP",
    )
    assert ("un", "KPe.023") in [(i.scheme, i.value) for i in bank.identifiers]
    adf = index["un-CDe.001"]
    assert "ADF/NALU" in [f.name for f in adf.former_names]  # f.k.a.
    assert "Allied Democratic Forces" in adf.aliases  # a.k.a.
    assert index["un-KPi.008"].country == "KP"  # a person's nationality
    assert index["un-CFi.001"].country is None  # two nationalities: none claimed
    assert "Lydia" not in index["un-CDi.030"].aliases  # a low-quality alias is not linked on
    assert "Lydia" in (index["un-CDi.030"].note or "")
    listing = next(x for x in result.dataset.listings if x.entity == "un-QDi.352")
    # LISTED_ON "2015-04-07-04:00" carries a time zone
    assert (listing.list, listing.program, listing.start) == ("un", "Al-Qaida", dt.date(2015, 4, 7))


def test_un_listings_seed_only_rules_told_to_read_them() -> None:
    dataset = load(UN)
    assert analyze(dataset, "eu", "2025-01-01").counts()["listed"] == 0
    assert analyze(dataset, "eu", "2025-01-01", lists=["un"]).counts()["listed"] == 16


def test_eu_entries_are_the_same_in_both_formats() -> None:
    new, old = read_eu(EU_11).dataset, read_eu(EU_10).dataset
    assert [e.id for e in new.entities] == [e.id for e in old.entities] == ["eu-1", "eu-207"]
    mugabe = new.entity_index()["eu-1"]
    assert (mugabe.kind.value, mugabe.name) == ("person", "Robert Gabriel Mugabe")
    assert ("passport", "AD001095") in [(i.scheme, i.value) for i in mugabe.identifiers]
    assert ("eu", "EU.36.64") in [(i.scheme, i.value) for i in mugabe.identifiers]
    front = old.entity_index()["eu-207"]
    assert front.kind.value == "company" and "İslami Büyük Doğu Akıncılar Cephesi" in front.aliases
    programmes = {(x.entity, x.list, x.program) for x in new.listings}
    assert programmes == {("eu-1", "eu", "ZWE"), ("eu-207", "eu", "TERR")}
    # no designation date in the file: listed from the earliest act naming the entry
    listing = next(x for x in old.listings if x.entity == "eu-1")
    assert listing.start == dt.date(2002, 9, 13)


def test_eu_listings_seed_the_eu_rule() -> None:
    result = analyze(load(EU_11), "eu", "2025-01-01")
    assert result.counts()["listed"] == 2


def test_a_un_listing_and_its_eu_transposition_link_by_reference(tmp_path: Path) -> None:
    eu = tmp_path / "eu.xml"
    eu.write_text(
        '<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="2026-01-02">'
        '<sanctionEntity unitedNationId="KPe.023" euReferenceNumber="EU.1.2" logicalId="77">'
        '<regulation programme="PRK" publicationDate="2017-01-01" numberTitle="x"/>'
        '<subjectType code="enterprise" classificationCode="E"/>'
        '<nameAlias wholeName="Daedong Credit Bank"/></sanctionEntity></export>',
        encoding="utf-8",
    )
    dataset, report = import_sources([UN, eu])
    (decision,) = [d for d in report.linked if "eu-77" in (d.left, d.right)]
    assert "same un identifier KPE023" in decision.reason  # compared normalised
    (bank,) = [
        e
        for e in dataset.entities
        if ("un", "KPe.023") in [(i.scheme, i.value) for i in e.identifiers]
    ]
    assert {x.list for x in dataset.listings if x.entity == bank.id} == {"un", "eu"}


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>", ["bad.xml:1", "not well-formed XML"]),
        (
            "<CONSOLIDATED_LIST><ENTITIES><ENTITY><REFERENCE_NUMBER>XXe.1</REFERENCE_NUMBER>"
            "</ENTITY></ENTITIES></CONSOLIDATED_LIST>",
            ["bad.xml", "XXe.1", "the record has no name", "FIRST_NAME"],
        ),
        (
            "<CONSOLIDATED_LIST><ENTITIES><ENTITY><FIRST_NAME>X</FIRST_NAME>"
            "<REFERENCE_NUMBER>XXe.2</REFERENCE_NUMBER><LISTED_ON>2020-13-45</LISTED_ON>"
            "</ENTITY></ENTITIES></CONSOLIDATED_LIST>",
            ["XXe.2", "LISTED_ON", "not a valid date"],
        ),
        (
            '<export xmlns="http://eu.europa.ec/fpi/fsd/export"><sanctionEntity logicalId="5">'
            '<subjectType classificationCode="E"/></sanctionEntity></export>',
            ["bad.xml", "5", "the entry has no name", "nameAlias"],
        ),
    ],
)
def test_broken_files_name_the_file_and_record(
    tmp_path: Path, text: str, fragments: list[str]
) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load(path)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message
