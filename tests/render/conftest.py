"""A small group with every kind of link, dated names and lists, and hostile strings."""

from __future__ import annotations

import datetime as dt

import pytest

from ownership import Analysis, analyze
from ownership.model import Dataset, Entity, FormerName, Holding, Listing, Source
from tests.factories import controls, owns

#: A name that runs script if any renderer writes it into HTML unescaped.
EVIL = "<img src=x onerror=alert(1)>"
EVIL_ALIAS = "<script>alert(2)</script>"
EVIL_FORMER = '"><svg onload=alert(3)>'
DAY = dt.date(2024, 1, 1)

#: The group of ``parent`` on DAY: ``sold`` left it in 2020, ``lone`` was never in it.
GROUP = ("parent", "evil", "sub", "range", "unknown", "ctl", "jv", "partner")
GROUP_EDGES = 7


def sample_dataset() -> Dataset:
    entities = [
        Entity(
            id="parent",
            name="Parent Group",
            country="CN",
            aliases=["PG Holdings"],
            former_names=[FormerName(name="Old Parent & Sons", until=dt.date(2023, 6, 30))],
        ),
        Entity(
            id="evil",
            name=EVIL,
            country="HK",
            aliases=[EVIL_ALIAS],
            former_names=[FormerName(name=EVIL_FORMER, until=dt.date(2020, 6, 30))],
        ),
        Entity(id="sub", name="Subsidiary With A Rather Long Name Limited"),
        Entity(id="range", name="Range Co"),
        Entity(id="unknown", name="Unknown Share Co"),
        Entity(id="ctl", name="Controlled Co"),
        Entity(id="jv", name="Joint Venture Co"),
        Entity(id="partner", name="Partner Inc", country="US"),
        Entity(id="sold", name="Sold Co"),
        Entity(id="lone", name="Lone Listed Co"),
    ]
    holdings: list[Holding] = [
        owns("parent", "sub", 60, start=dt.date(2015, 1, 1), sources=["register"]),
        owns("parent", "evil", 100, note=EVIL),
        Holding(owner="sub", owned="range", minimum=30, maximum=35),
        owns("parent", "unknown"),
        controls("parent", "ctl"),
        owns("sub", "jv", 40),
        owns("partner", "jv", 60),
        owns("parent", "sold", 100, end=dt.date(2020, 1, 1)),
    ]
    listings = [
        Listing(
            entity="parent",
            list="sdn",
            program="CHINA-EO13959",
            start=dt.date(2021, 1, 15),
            citation="86 FR 1234",
        ),
        Listing(entity="evil", list="entity_list", start=dt.date(2022, 2, 2), citation=EVIL),
        Listing(entity="lone", list="sdn"),
    ]
    sources = [
        Source(
            id="register",
            title=f"Company register {EVIL}",
            publisher="Registry",
            date=dt.date(2023, 5, 1),
            url="https://example.org/register?id=1&x=<2>",
        )
    ]
    return Dataset(entities=entities, holdings=holdings, listings=listings, sources=sources)


@pytest.fixture(scope="session")
def sample() -> Analysis:
    return analyze(sample_dataset(), rule="ofac-50", as_of=DAY)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: opens generated maps in headless Chromium (needs playwright)"
    )
