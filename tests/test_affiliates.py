"""Affiliates of one entity: statuses, shares, paths and red flags."""

from __future__ import annotations

import pytest

import ownership
from ownership import analyze
from ownership.model import Address, Entity, FormerName

from .factories import dataset, day, listed, owns


@pytest.fixture(scope="module")
def inspur() -> ownership.Dataset:
    return ownership.load(ownership.bundled_dataset())


def test_2023_loophole_every_inspur_affiliate_is_exposed(inspur: ownership.Dataset) -> None:
    report = analyze(inspur, "bis-affiliates", "2023-06-01").affiliates(
        "Inspur Group", unlisted=True
    )
    counts = report.counts()
    assert counts["exposed"] == counts["affiliates"] == len(report) > 5
    ieit = next(a for a in report if a.id == "inspur-electronic")
    assert (ieit.depth, ieit.direct_share, round(ieit.look_through_percent)) == (1, "30-35%", 30)
    aivres = next(a for a in report if a.id == "aivres-systems")
    assert aivres.path == ("inspur-group", "inspur-electronic", "aivres-systems")
    assert aivres.look_through_percent == pytest.approx(30)
    assert [f.code for f in aivres.red_flags] == ["renamed_after_listing"]
    assert "60 days after listed Inspur Group Co., Ltd." in aivres.red_flags[0].message
    assert {f.code for f in ieit.red_flags} == {"shared_address", "moved_after_listing"}
    assert report.summary().startswith(
        f"{len(report)} affiliates of Inspur Group Co., Ltd.: 0 listed"
    )


def test_unlisted_drops_the_2025_listings(inspur: ownership.Dataset) -> None:
    result = analyze(inspur, "bis-affiliates", "2025-10-01")
    everything = result.affiliates("inspur-group")
    unlisted = result.affiliates("inspur-group", unlisted=True)
    assert everything.counts()["listed"] == 6
    assert unlisted.counts()["listed"] == 0
    assert len(everything) - len(unlisted) == 6
    # most exposed first
    statuses = [a.status for a in unlisted]
    assert statuses == sorted(statuses, key=lambda s: {"exposed": 0, "covered": 1, "clear": 3}[s])


def synthetic() -> ownership.Dataset:
    return dataset(
        owns("x", "a", 60),
        owns("a", "b", 50),
        owns("b", "c", 40),
        owns("p", "x", 70),
        owns("q", "p", 100),
        owns("x", "s", 10),
        owns("z", "s", 20),
        listed("x"),
    )


def test_scope_subsidiaries_parents_and_group() -> None:
    result = analyze(synthetic(), "ofac-50", "2024-01-01")
    subs = {a.id: a for a in result.affiliates("x")}
    assert set(subs) == {"a", "b", "c", "s"}
    assert [subs[i].status for i in "abc"] == ["covered", "covered", "exposed"]
    assert subs["b"].look_through_percent == pytest.approx(30)
    assert subs["c"].look_through_percent == pytest.approx(12)
    parents = {a.id: a for a in result.affiliates("x", scope="parents")}
    assert set(parents) == {"p", "q"}
    assert parents["q"].look_through_percent == pytest.approx(70)
    assert parents["p"].direct_share == "70%"
    assert parents["q"].path == ("q", "p", "x")
    group = {a.id: a.relation for a in result.affiliates("x", scope="group")}
    assert group == {
        "a": "subsidiary",
        "b": "subsidiary",
        "c": "subsidiary",
        "s": "subsidiary",
        "p": "parent",
        "q": "parent",
        "z": "group",
    }


def test_max_depth_and_min_percent() -> None:
    result = analyze(synthetic(), "ofac-50", "2024-01-01")
    assert {a.id for a in result.affiliates("x", max_depth=1)} == {"a", "s"}
    assert {a.id for a in result.affiliates("x", min_percent=25)} == {"a", "b"}


def test_possible_coverage_is_a_red_flag() -> None:
    result = analyze(dataset(owns("x", "a"), listed("x")), "ofac-50", "2024-01-01")
    (only,) = result.affiliates("x")
    assert [f.code for f in only.red_flags] == ["share_could_reach_threshold"]


def test_rename_long_before_the_listing_is_not_flagged() -> None:
    renamed = Entity(
        id="a",
        name="New A",
        former_names=[FormerName(name="Old A", until=day("2010-01-01"))],
        addresses=[Address(address="1 Main St", start=day("2024-03-01"))],
    )
    result = analyze(
        dataset(renamed, owns("x", "a", 100), listed("x", start=day("2024-01-01"))),
        "ofac-50",
        "2024-06-01",
    )
    (only,) = result.affiliates("x")
    assert [f.code for f in only.red_flags] == ["moved_after_listing"]


def test_analysis_reports_progress_by_stage(inspur: ownership.Dataset) -> None:
    seen: list[tuple[int, int]] = []
    analyze(
        inspur, "ofac-50", "2024-01-01", progress=lambda done, total: seen.append((done, total))
    )
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_direct_share_is_the_stake_the_rules_read() -> None:
    """Two sources' figures for one stake are its range: the direct share is its lower
    bound, not the two added up."""
    from ownership import analyze

    from .factories import dataset, listed, owns

    data = dataset(
        owns("x", "a", 50, sources=["registry"]),
        owns("x", "a", 48, sources=["news"]),
        listed("x"),
    )
    (row,) = analyze(data, "ofac-50", "2024-01-01").affiliates("x")
    assert (row.direct_share, str(row.direct_percent)) == ("50%, 48%", "48")


def test_records_stream_the_rows_with_progress_and_keep_none_of_them() -> None:
    """``records`` (what the command writes) gives ``to_records``'s rows in order, tells
    its progress up to the total, and leaves no affiliate kept: a group of 200,000 is
    written as it is made."""
    from itertools import pairwise

    from ownership import affiliates as affiliates_module

    ids = [f"n{k:04d}" for k in range(2_100)]
    data = dataset(listed(ids[0]), *(owns(a, b, 60) for a, b in pairwise(ids)))
    report = analyze(data, "ofac-50", "2025-01-01").affiliates(ids[0])
    told: list[tuple[int, int]] = []
    rows = list(report.records(lambda done, total: told.append((done, total))))
    assert report.items.made == 0
    assert rows == report.to_records() and len(rows) == 2_099
    every = affiliates_module.PROGRESS_EVERY
    assert told == [(k, 2_099) for k in range(0, 2_099, every)] + [(2_099, 2_099)]
    assert [row["id"] for row in report.records()] == [row["id"] for row in rows]
