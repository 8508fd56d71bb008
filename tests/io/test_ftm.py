"""FollowTheMoney reader and the coverage cross-check against OpenSanctions tags."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from ownership import analyze
from ownership.errors import DataError
from ownership.io.ftm import compare_coverage, read_ftm

from .conftest import DATA

FTM = DATA / "ftm_entities.jsonl"


def test_entities_holdings_listings() -> None:
    result = read_ftm(FTM)
    counts = result.counts()
    assert (counts["entities"], counts["holdings"], counts["listings"]) == (11, 6, 4)
    index = result.dataset.entity_index()
    parent = index["ofac-1001"]
    assert list(parent.aliases) == ["ELP Co"]
    assert parent.country == "CN"
    assert ("lei", "5493000EXAMPLE000B01") in [(i.scheme, i.value) for i in parent.identifiers]
    assert ("opensanctions", "ofac-1001") in [(i.scheme, i.value) for i in parent.identifiers]
    assert index["NK-person"].kind.value == "person"
    assert [f.name for f in index["NK-yankee"].former_names] == ["Example Old Yankee Co"]


@pytest.mark.parametrize(
    ("owned", "share", "fields"),
    [
        ("NK-alpha", "60%", {"percent": Decimal(60), "start": dt.date(2019, 5, 1)}),
        ("NK-beta", "10%", {"percent": Decimal(10)}),
        ("NK-gamma", "25-50%", {"minimum": Decimal(25), "maximum": Decimal(50)}),
        ("NK-foxtrot", "unknown %", {}),
        ("NK-epsilon", "80%", {"end": dt.date(2020, 1, 1)}),
        ("NK-yankee", "51%", {"percent": Decimal("51.0")}),
    ],
)
def test_percentages_are_parsed_defensively(
    owned: str, share: str, fields: dict[str, object]
) -> None:
    result = read_ftm(FTM)
    (hold,) = [h for h in result.dataset.holdings if h.owned == owned]
    assert hold.share_text() == share
    for name, value in fields.items():
        assert getattr(hold, name) == value


def test_unreadable_percentage_is_a_notice() -> None:
    result = read_ftm(FTM)
    (notice,) = [n for n in result.notices if "undisclosed" in n.message]
    assert notice.record_id == "own-foxtrot" and notice.line == 14


@pytest.mark.parametrize(
    ("entity", "list_id", "how"),
    [
        ("trade-csl-xray", "entity_list", "Sanction record"),
        ("ofac-1001", "sdn", "Sanction record of dataset us_ofac_sdn"),
        # a topic says sanctioned, not by whom: never the SDN List
        ("ofac-2002", "opensanctions_sanction_topic", "topic sanction + dataset us_ofac_sdn"),
        ("NK-zulu", "opensanctions_export_control_topic", "topic only"),
    ],
)
def test_listings(entity: str, list_id: str, how: str) -> None:
    result = read_ftm(FTM)
    (listing,) = [x for x in result.dataset.listings if x.entity == entity]
    assert listing.list == list_id, how
    if how == "Sanction record":
        assert (listing.start, listing.citation) == (dt.date(2023, 3, 2), "88 FR 99999")


def test_directorship_is_a_hint() -> None:
    (hint,) = read_ftm(FTM).hints
    assert (hint.entity, hint.kind, hint.target) == ("NK-beta", "related", "NK-person")


def test_broken_lines_are_all_reported() -> None:
    with pytest.raises(DataError) as caught:
        read_ftm(DATA / "ftm_broken.jsonl")
    text = str(caught.value)
    assert "ftm_broken.jsonl:2: not valid JSON" in text
    assert "ftm_broken.jsonl:3: own-bad: field 'properties.owner': Ownership has no owner" in text


def test_percentage_above_100_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(
        '{"id": "a", "schema": "Company", "properties": {"name": ["A"]}}\n'
        '{"id": "b", "schema": "Company", "properties": {"name": ["B"]}}\n'
        '{"id": "o", "schema": "Ownership", "properties": {"owner": ["a"], "asset": ["b"], '
        '"percentage": ["150"]}}\n',
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"x.jsonl:3: o: field 'properties.percentage'"):
        read_ftm(path)


@pytest.mark.parametrize(
    ("rule", "topics", "agreed", "ours_only", "theirs_only"),
    [
        (
            "ofac-50",
            ("sanction.control",),
            {"NK-alpha": "covered", "NK-beta": "exposed", "NK-gamma": "exposed"},
            ["NK-foxtrot"],  # unknown share: we flag exposure, their data has no tag
            ["NK-epsilon"],  # tagged by them; its only owner link ended in 2020
        ),
        (
            "look-through",
            ("sanction.control", "export.control.linked"),
            {
                "NK-alpha": "covered",
                "NK-beta": "exposed",
                "NK-gamma": "exposed",
                "NK-yankee": "covered",
            },
            ["NK-foxtrot"],
            ["NK-epsilon"],
        ),
    ],
)
def test_compare_coverage_with_their_tags(
    rule: str,
    topics: tuple[str, ...],
    agreed: dict[str, str],
    ours_only: list[str],
    theirs_only: list[str],
) -> None:
    dataset = read_ftm(FTM).dataset
    analysis = analyze(dataset, rule, "2024-06-01")
    result = compare_coverage(dataset, FTM, analysis, topics=topics)
    assert {d.entity: d.our_status for d in result.agreed} == agreed
    assert [d.entity for d in result.ours_only] == ours_only
    assert [d.entity for d in result.theirs_only] == theirs_only
    assert f"they tag, we say clear: {len(theirs_only)}" in result.summary()


def test_compare_coverage_survives_linking() -> None:
    """After merging, the FtM id lives on as an identifier and still matches."""
    dataset = read_ftm(FTM).dataset
    renamed = dataset.model_copy(
        update={
            "entities": [
                e.model_copy(update={"id": "ours-alpha"}) if e.id == "NK-alpha" else e
                for e in dataset.entities
            ],
            "holdings": [
                h.model_copy(update={"owner": "ours-alpha"})
                if h.owner == "NK-alpha"
                else h.model_copy(update={"owned": "ours-alpha"})
                if h.owned == "NK-alpha"
                else h
                for h in dataset.holdings
            ],
        }
    )
    analysis = analyze(renamed, "ofac-50", "2024-06-01")
    result = compare_coverage(renamed, FTM, analysis, topics=("sanction.control",))
    assert "ours-alpha" in {d.entity for d in result.agreed}
