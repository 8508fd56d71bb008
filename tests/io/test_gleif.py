"""GLEIF reader: Level 1, relationship records and reporting exceptions, XML and CSV."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ownership.errors import DataError
from ownership.io import import_sources
from ownership.io.gleif import gleif_kind, read_gleif

from .conftest import DATA, sample

P01, C01, C02, G01 = (f"lei-5493000EXAMPLE000{x}" for x in ("P01", "C01", "C02", "G01"))


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("lei-data.xml", "lei", {"entities": 13, "holdings": 0, "hints": 0, "placeholders": 0}),
        ("rr-data.xml", "rr", {"entities": 16, "holdings": 2, "hints": 9, "placeholders": 16}),
        (
            "repex-data.xml",
            "repex",
            {"entities": 10, "holdings": 0, "hints": 10, "placeholders": 10},
        ),
    ],
)
def test_real_xml_samples(name: str, kind: str, expected: dict[str, int]) -> None:
    path = sample("gleif", name)
    assert gleif_kind(path) == kind
    counts = read_gleif(path).counts()
    assert {k: counts[k] for k in expected} == expected


def test_level1_xml_facts() -> None:
    result = read_gleif(sample("gleif", "lei-data.xml"))
    fund = result.dataset.entity_index()["lei-001GPB6A9XPE8XJICC14"]
    assert fund.name == "Fidelity Advisor Leveraged Company Stock Fund"
    assert fund.kind.value == "other"  # a fund
    assert fund.country == "US"
    assert [f.name for f in fund.former_names] == [
        "FIDELITY ADVISOR SERIES I - Fidelity Advisor Leveraged Company Stock Fund"
    ]
    assert ("lei", "001GPB6A9XPE8XJICC14") in [(i.scheme, i.value) for i in fund.identifiers]
    assert len(fund.addresses) == 2


def test_relationship_xml_edges() -> None:
    result = read_gleif(sample("gleif", "rr-data.xml"))
    edges = {(h.owner, h.owned): h for h in result.dataset.holdings}
    child = "lei-010CMKZ3VON21WF2ZD45"
    direct = edges[("lei-ZZG38T0MDR3QY1ETUA76", child)]
    assert direct.kind.value == "control" and direct.start == dt.date(2018, 2, 6)
    # the ultimate parent is kept as an edge only because the direct chain is missing
    ultimate = edges[("lei-3C7474T6CDKPR9K6YT90", child)]
    assert "ultimate" in (ultimate.note or "")
    fund_hints = [h for h in result.hints if h.kind == "related"]
    assert len(fund_hints) == 8  # fund-managed-by and sub-fund-of are not ownership


def test_golden_copy_csv_group() -> None:
    dataset, report = import_sources(
        [DATA / "gleif_lei.csv", DATA / "gleif_rr.csv", DATA / "gleif_repex.csv"]
    )
    index = dataset.entity_index()
    edges = {(h.owner, h.owned): h for h in dataset.holdings}
    assert edges[(P01, C01)].kind.value == "control"
    assert edges[(P01, C02)].kind.value == "ownership"
    assert edges[(P01, C02)].percent == Decimal(60)
    ended = edges[(C01, G01)]
    assert (ended.start, ended.end) == (dt.date(2016, 1, 1), dt.date(2022, 12, 31))
    # the ultimate relation is chained by the direct edges: a note, not a second edge
    assert (P01, G01) not in edges
    assert f"ultimate consolidating parent: {P01}" in (index[G01].note or "")
    # placeholders of the relationship file gave way to the Level 1 records
    assert index[C01].name == "Example Electronics Co. Ltd."
    assert "placeholder" not in (index[C01].note or "")
    assert "NATURAL_PERSONS" in (index[P01].note or "")
    assert "NO_LEI" in (index[C02].note or "")
    assert [f.name for f in index[C01].former_names] == ["Example Old Electronics Co. Ltd."]
    assert index["lei-5493000EXAMPLE000F01"].name == "LEI 5493000EXAMPLE000F01"  # only referred
    kinds = sorted({h.kind for h in report.hints})
    assert kinds == ["related", "reporting_exception", "ultimate_parent"]
    assert set(index[P01].sources) == {
        "gleif:gleif_lei.csv",
        "gleif:gleif_rr.csv",
        "gleif:gleif_repex.csv",
    }


def test_broken_relationship_csv() -> None:
    with pytest.raises(DataError) as caught:
        read_gleif(DATA / "broken" / "gleif_rr_broken.csv")
    text = str(caught.value)
    assert (
        "gleif_rr_broken.csv:2: 5493000EXAMPLE000C01 -> 5493000EXAMPLE000P01: field "
        "'Relationship.Period.1.startDate': '2015-02-30' is not a valid date"
    ) in text
    assert "gleif_rr_broken.csv:3" in text and "IS_BEST_FRIEND_OF" in text


def test_not_a_gleif_file() -> None:
    with pytest.raises(DataError, match="not a GLEIF golden-copy file"):
        read_gleif(DATA / "csl_excerpt.json")
