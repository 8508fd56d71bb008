"""Real files published by others: sanctions by authority, several statements of one stake,
BODS versions and histories. The files and where they come from: tests/data/real/README.md."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from ownership import analyze
from ownership.io import load
from ownership.io.bods import read_bods
from ownership.io.ftm import read_ftm

from .conftest import REAL

ZALA = REAL / "opensanctions_zala.ftm.jsonl"
LLC_CST = "NK-abdzbEBkqyT29GyREbiURZ"
ZAKHAROV = "NK-aU5ybkbRFJucf8YMwsJvDw"


def test_each_authoritys_sanction_is_on_its_own_list() -> None:
    listings = read_ftm(ZALA).dataset.listings
    lists = Counter(x.list for x in listings if x.entity == LLC_CST)
    assert lists == {
        "sdn": 2,
        "entity_list": 1,
        "eu": 1,
        "uk": 1,
        "ch_seco": 3,
        "ca_sema": 1,
        "au_dfat": 1,
        "nz_mfat": 3,
        "jp_mof": 1,
        "jp_meti": 1,
        "fr_tresor": 2,
        "be_fps": 1,
        "mc_fund": 1,  # two records, the same listing: kept once, notes joined
        "ua_nsdc": 2,
        "ua_gur": 2,
        "us_sam_exclusions": 1,  # authority "OFAC", but the SAM.gov exclusions list
        "gb_coh_disqualified": 1,  # not in the table: its dataset is its list
    }
    assert Counter(x.list for x in listings if x.entity == ZAKHAROV)["eu_travel_ban"] == 1


def test_a_sanctions_dates_programme_and_citation_are_kept() -> None:
    listings = read_ftm(ZALA).dataset.listings
    (eu,) = [x for x in listings if x.entity == LLC_CST and x.list == "eu"]
    # EU start 2023-12-18, relisted by the regulation of 2025-03-15: in force from the first
    assert (eu.start, eu.program, eu.citation) == (
        dt.date(2023, 12, 18),
        "UKR; EU-UKR",
        "EU.10966.20",
    )
    assert "listing date 2025-03-15" in (eu.note or "") and "dataset eu_fsf" in (eu.note or "")
    expiring = sorted(
        (x.start, x.end) for x in listings if x.entity == LLC_CST and x.list == "ua_nsdc"
    )
    assert expiring == [
        (dt.date(2021, 10, 30), dt.date(2024, 10, 30)),
        (dt.date(2024, 11, 12), dt.date(2034, 11, 12)),
    ]
    sdn = {x.program for x in listings if x.entity == LLC_CST and x.list == "sdn"}
    assert sdn == {"RUSSIA-EO14024; US-RUSHAR"}


@pytest.mark.parametrize(
    ("rule", "seeded"),
    [
        ("ofac-50", {LLC_CST, ZAKHAROV}),  # both on the SDN List
        ("eu", {LLC_CST, ZAKHAROV}),
        ("uk", {LLC_CST, ZAKHAROV}),
        # LLC CST is on the Entity List; both are SDNs under RUSSIA-EO14024, one of the
        # fourteen programmes of 15 CFR 744.8(a)(1)
        ("bis-affiliates", {LLC_CST, ZAKHAROV}),
    ],
)
def test_each_list_seeds_only_the_rules_that_read_it(rule: str, seeded: set[str]) -> None:
    result = analyze(load(ZALA), rule, "2025-10-01")
    listed = {v.id for v in result if v.status.value == "listed"}
    assert listed == seeded


def test_three_statements_of_one_stake_are_its_range_not_a_sum() -> None:
    result = read_ftm(ZALA)
    stakes = [h for h in result.dataset.holdings if (h.owner, h.owned) == (ZAKHAROV, LLC_CST)]
    assert [(h.share_text(), h.start, h.end) for h in stakes] == [
        ("48-51%", dt.date(2015, 11, 25), dt.date(2023, 3, 2)),
        ("48-51%", dt.date(2023, 3, 3), dt.date(2023, 12, 21)),
        ("51%", dt.date(2023, 12, 22), None),
    ]
    assert "ru-770bdf5f22537fa2a94176f53fa87fe28ecf94fa" in (stakes[0].note or "")
    assert not result.warnings  # 48-51% beside the other owners' stakes: no conflict
    assert any("3 statements of" in str(n) for n in result.notices)


def test_bods_01_register_bands_read_their_boolean_bounds() -> None:
    result = read_bods(REAL / "oo_register_bods01_mixed_bands.jsonl")
    shares = Counter(h.share_text() for h in result.dataset.holdings if h.kind.value == "ownership")
    # "more than 25% up to 50%", "more than 50%, less than 75%", "75% to 100%"
    assert shares == {"75-100%": 2, ">50-<75%": 1, ">25-50%": 1}
    assert not result.warnings
    stated = [n for n in result.notices if "stated again in one statement" in str(n)]
    assert len(stated) == 2  # the register's band written once per capacity


def test_one_person_under_two_statements_is_a_reported_conflict() -> None:
    result = read_bods(REAL / "oo_register_bods01_greener_for_life.jsonl")
    (warning,) = result.warnings
    assert "add up to 125% on 2016-06-29" in str(warning)
    assert "oo_register_bods01_greener_for_life.jsonl" in str(warning)
    owned = warning.value
    analysis = analyze(result.dataset, "ofac-50", "2020-01-01")
    assert "conflicting_stakes" in analysis.flags(str(owned))


def test_bods_03_exclusive_minimum_flag() -> None:
    result = read_bods(REAL / "bods03_linking_annotations.json")
    (hold,) = result.dataset.holdings
    assert (hold.exclusive_minimum, hold.exclusive_maximum) == (Decimal(25), Decimal(50))


def test_bods_04_history_of_a_stake_gives_each_figure_its_days() -> None:
    result = read_bods(REAL / "bods04_fermcat.json")
    assert not result.warnings  # a transfer on a day counts one holder, not both
    history = [
        (h.share_text(), h.start, h.end)
        for h in result.dataset.holdings
        if h.owner == "bods-per-41c0bb0cef246f7c"
    ]
    # 50% (stated again each year: one holding), then 100% from the update of 2022-01-21
    assert history == [
        ("50%", dt.date(2019, 9, 11), dt.date(2022, 1, 20)),
        ("100%", dt.date(2022, 1, 21), None),
    ]


def test_bods_04_closed_record_ends_and_updates_apply_from_their_start() -> None:
    result = read_bods(REAL / "bods04_tecido.json")
    esteves = [
        (h.share_text(), h.start, h.end)
        for h in result.dataset.holdings
        if h.owner == "bods-018AF6B3EB" and h.kind.value == "ownership"
    ]
    assert esteves == [
        ("100%", dt.date(2002, 3, 9), dt.date(2021, 9, 23)),
        ("40%", dt.date(2021, 9, 24), dt.date(2022, 9, 20)),
        ("30%", dt.date(2022, 9, 21), dt.date(2023, 3, 2)),
    ]
    # the closing statement came two days after the other holder's 80% began: reported
    (warning,) = result.warnings
    assert "add up to 110% on 2023-03-01" in str(warning)


def _real_inputs() -> list[Path]:
    """Every real third-party input: committed here, and the shared samples when present."""
    from .conftest import SAMPLES

    shared = SAMPLES.parent
    found = sorted(p for p in REAL.iterdir() if p.name != "README.md")
    for folder in (shared / "real", SAMPLES / "csl", SAMPLES / "bods", SAMPLES / "gleif"):
        if folder.is_dir():
            found += sorted(p for p in folder.iterdir() if p.suffix in (".json", ".csv", ".xml"))
    if (SAMPLES / "ofac").is_dir():
        found.append(SAMPLES / "ofac")
    return found


@pytest.mark.parametrize("source", _real_inputs(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_real_file_imports_and_analyses(tmp_path: Path, source: Path) -> None:
    from typer.testing import CliRunner

    from ownership.cli import app

    runner = CliRunner()
    out = tmp_path / "imported.yaml"
    result = runner.invoke(app, ["import", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    for rule in ("ofac-50", "eu", "bis-affiliates"):
        analysed = runner.invoke(
            app,
            [
                "analyze",
                "--data",
                str(out),
                "--rule",
                rule,
                "--as-of",
                "2025-10-01",
                "--format",
                "jsonl",
            ],
        )
        assert analysed.exit_code == 0, analysed.stderr
        assert "Traceback" not in analysed.stderr
