"""Which list a sanction is on: the table, its documentation, and the order of evidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from ownership.io.authorities import UNATTRIBUTED, lists_table, sanction_list, sanction_lists
from ownership.rules import RULES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "lists.md"


def test_the_documented_table_is_the_table() -> None:
    text = DOCS.read_text(encoding="utf-8")
    shown = text.split("<!-- lists-table -->\n")[1].split("\n<!-- /lists-table -->")[0]
    assert shown == lists_table()


def test_the_table_says_which_rules_read_each_list() -> None:
    for entry in sanction_lists().values():
        readers = {
            rule.name
            for rule in RULES.values()
            if rule.seeds is not None and any(seed.list == entry.id for seed in rule.seeds)
        }
        assert {r.split()[0] for r in entry.rules} == readers, entry.id


@pytest.mark.parametrize(
    ("props", "datasets", "expected"),
    [
        # the dataset decides, whatever the authority says
        (
            {"authority": ["OFAC"], "program": ["Reciprocal"]},
            ["us_sam_exclusions"],
            "us_sam_exclusions",
        ),
        ({"authority": ["Council of the European Union"]}, ["eu_travel_bans"], "eu_travel_ban"),
        ({"authority": ["Some Registry"]}, ["xx_new_list"], "xx_new_list"),
        (
            {"program": ["Military End User (MEU) List - Bureau of Industry and Security"]},
            ["us_trade_csl"],
            "meu_list",
        ),
        # without a dataset: programme id, words, authority, host, programme prefix
        ({"programId": ["US-BIS-EL"]}, [], "entity_list"),
        ({"authority": ["Specially Designated Nationals (SDN) - Treasury Department"]}, [], "sdn"),
        (
            {
                "authority": [
                    "Directorate\u2011General for Financial Stability, Financial Services and Capital Markets Union"
                ]
            },
            [],
            "eu",
        ),
        ({"authority": ["Office of Financial Sanctions Implementation (OFSI)"]}, [], "uk"),
        ({"authority": ["Ministry of Finance"], "country": ["jp"]}, [], "jp_mof"),
        ({"authority": ["Ministry of Finance"], "country": ["xx"]}, [], UNATTRIBUTED),
        ({"sourceUrl": ["https://scsanctions.un.org/resources/xml/en/consolidated.xml"]}, [], "un"),
        ({"authority": ["Federal Public Service Finance"], "programId": ["EU-UKR"]}, [], "be_fps"),
        ({"programId": ["EU-UKR"]}, [], "eu"),
        # an authority running several lists, naming none: never the SDN or Entity List
        (
            {"authority": ["Office of Foreign Assets Control"], "program": ["SDGT"]},
            [],
            "ofac_unspecified",
        ),
        ({"authority": ["Bureau of Industry and Security"]}, [], "bis_unspecified"),
        # what our own FtM export writes
        ({"authority": ["uk"]}, [], "uk"),
        ({}, [], UNATTRIBUTED),
    ],
)
def test_order_of_evidence(props: dict[str, list[str]], datasets: list[str], expected: str) -> None:
    assert sanction_list(props, datasets)[0] == expected
