"""Screening, timelines and entity cards on the bundled data."""

from __future__ import annotations

import datetime as dt

import pytest

import ownership
from ownership import analyze
from ownership.card import entity_card
from ownership.screening import LEVELS, screen, worst_level
from ownership.timeline import timeline


@pytest.fixture(scope="module")
def inspur() -> ownership.Dataset:
    return ownership.load(ownership.bundled_dataset())


def test_screening_matches_former_names_aliases_fuzzy_and_misses(inspur: ownership.Dataset) -> None:
    result = analyze(inspur, "bis-affiliates", "2025-10-01")
    rows = screen(
        result,
        ["Inspur Systems Inc", "浪潮集团", "Inspur Grp", "Acme Widgets GmbH"],
        countries=["US", None, None, "DE"],
    )
    assert [(r.entity_id, r.match, r.status) for r in rows] == [
        ("aivres-systems", "former name", "exposed"),
        ("inspur-group", "alias", "listed"),
        ("inspur-group", "fuzzy", "listed"),
        (None, "none", "no match"),
    ]
    assert "former name of Aivres Systems Inc." in rows[0].reason
    assert 80 < rows[2].score < 100
    assert worst_level(rows) == LEVELS["listed"]


def test_timeline_tells_the_inspur_story(inspur: ownership.Dataset) -> None:
    entries = timeline(inspur, "aivres-systems", "bis-affiliates")
    by_day = {e.day: e for e in entries}
    listing = by_day[dt.date(2023, 3, 2)]
    assert (listing.status_before, listing.status) == ("clear", "exposed")
    assert "Inspur Group Co., Ltd. added to entity_list" in [e.text for e in listing.events]
    rename = by_day[dt.date(2023, 5, 2)]
    assert "Inspur Systems, Inc. renamed Aivres Systems Inc." in [e.text for e in rename.events]
    assert any(
        e.text == "IEIT Systems Co., Ltd. added to entity_list (90 FR 14046)"
        for e in by_day[dt.date(2025, 3, 25)].events
    )
    assert "out_of_scope_us_entity" in by_day[dt.date(2025, 9, 29)].flags
    assert "rule_not_in_force" in by_day[dt.date(2025, 11, 10)].flags
    assert "unverified_window" in by_day[dt.date(2026, 11, 10)].flags


def test_group_timeline_reports_each_entity_change(inspur: ownership.Dataset) -> None:
    entries = timeline(inspur, "inspur-group", "ofac-50", group=True)
    # no SDN listing in the data: every entity stays clear, reported once each
    assert {e.status for e in entries} == {"clear"}
    assert len({e.entity_id for e in entries}) == len(entries) - sum(
        1 for e in entries if any(x.kind == "renamed" for x in e.events)
    )
    changes = timeline(inspur, "inspur-group", "listed-only", group=True)
    ieit = [e for e in changes if e.entity_id == "inspur-electronic"]
    assert [(e.day.isoformat(), e.status) for e in ieit][-2:] == [
        ("2023-03-02", "exposed"),
        ("2025-03-25", "listed"),
    ]


def test_entity_card_collects_names_facts_and_sources(inspur: ownership.Dataset) -> None:
    card = entity_card(inspur, "inspur-electronic")
    data = card.to_dict()
    assert data["identifiers"] == [{"scheme": "szse", "value": "000977"}]
    assert [o["owner"] for o in data["owners"]] == ["inspur-group"]
    assert data["owners"][0]["share"] == "30-35%"
    assert "aivres-systems" in [h["owned"] for h in data["holdings"]]
    assert data["listings"][0]["citation"] == "90 FR 14046"
    assert {"wsj-2025-03-26", "register-2023-03-11"} <= {s["id"] for s in data["sources"]}
    assert len(data["addresses"]) == 2
