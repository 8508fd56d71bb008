"""The SDN programmes the BIS Affiliates Rule reads are those of 15 CFR 744.8(a)(1), as
data: each seeds the rule, other programmes do not, and changing a tag is a data change."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ownership import analyze
from ownership.errors import OwnershipError, UnknownRule
from ownership.model import Dataset, Entity, Holding, Listing
from ownership.rules import get_rule, rules_from_data
from ownership.rules.base import WINDOWS_FILE, program_tags

#: 15 CFR 744.8(a)(1)(i)-(iv) as revised by 89 FR 20107 (21 Mar 2024), as the regulation
#: writes them (note the space in the drugs tag).
SECTION_744_8_A_1 = [
    "[BELARUS-EO14038]",
    "[BELARUS]",
    "[RUSSIA-EO14024]",
    "[UKRAINE-EO13660]",
    "[UKRAINE-EO13661]",
    "[UKRAINE-EO13662]",
    "[UKRAINE-EO13685]",
    "[FTO]",
    "[SDGT]",
    "[NPWMD]",
    "[ILLICIT DRUGS-EO14059]",
    "[SDNT]",
    "[SDNTK]",
    "[TCO]",
]

#: Real SDN programme tags that 744.8(a)(1) does not name.
OTHER_PROGRAMMES = [
    "[CUBA]",
    "[IRAN]",
    "[SYRIA]",
    "[DPRK3]",
    "[VENEZUELA-EO13850]",
    "[CYBER2]",
    "[GLOMAG]",
    "[RUSSIA-EO14066]",
    "[CAATSA - RUSSIA]",
    "[HK-EO13936]",
    "[IFSR]",
]


def sdn_owner_of_uae_company(program: str) -> Dataset:
    return Dataset(
        entities=[
            Entity(id="sdn", name="Listed Owner", country="RU"),
            Entity(id="ae", name="Gulf Trading FZE", country="AE"),
        ],
        holdings=[Holding(owner="sdn", owned="ae", percent=60)],
        listings=[Listing(entity="sdn", list="sdn", program=program)],
    )


def test_the_rule_data_holds_the_fourteen_tags_of_the_regulation() -> None:
    (sdn,) = [s for s in get_rule("bis-affiliates").seeds or () if s.list == "sdn"]
    as_written = {tag for text in SECTION_744_8_A_1 for tag in program_tags(text)}
    assert sdn.programs is not None and len(sdn.programs) == 14
    assert sdn.programs <= as_written
    assert "89 FR 20107" in (sdn.citation or "")


@pytest.mark.parametrize("program", SECTION_744_8_A_1)
def test_an_sdn_under_each_744_8_programme_seeds_the_affiliates_rule(program: str) -> None:
    result = analyze(sdn_owner_of_uae_company(program), "bis-affiliates", "2025-10-01")
    assert result.status("sdn").value == "listed"
    assert result.status("ae").value == "covered"


@pytest.mark.parametrize("program", OTHER_PROGRAMMES)
def test_an_sdn_under_another_programme_does_not(program: str) -> None:
    result = analyze(sdn_owner_of_uae_company(program), "bis-affiliates", "2025-10-01")
    assert result.status("sdn").value == "clear"
    assert result.status("ae").value == "clear"
    # the same listing does seed the OFAC rule, which reads every programme
    assert analyze(sdn_owner_of_uae_company(program), "ofac-50", "2025-10-01").status(
        "ae"
    ).value == ("covered")


def test_several_tags_in_one_entry_seed_when_any_is_read() -> None:
    dataset = sdn_owner_of_uae_company("[CYBER2] [RUSSIA-EO14024]")
    assert analyze(dataset, "bis-affiliates", "2025-10-01").status("ae").value == "covered"


def edited_rule_data(tmp_path: Path, edit: dict[str, list[str]]) -> Path:
    data = yaml.safe_load(WINDOWS_FILE.read_text(encoding="utf-8"))
    for seed in data["bis-affiliates"]["seeds"]:
        if seed["list"] == "sdn":
            seed["programs"] = [p for p in seed["programs"] if p not in edit["remove"]]
            seed["programs"] += edit["add"]
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_a_programme_tag_change_is_a_data_change(tmp_path: Path) -> None:
    path = edited_rule_data(tmp_path, {"remove": ["TCO"], "add": ["CUBA"]})
    rule = rules_from_data(path)["bis-affiliates"]
    for program, before, after in [("[TCO]", "covered", "clear"), ("[CUBA]", "clear", "covered")]:
        dataset = sdn_owner_of_uae_company(program)
        assert analyze(dataset, "bis-affiliates", "2025-10-01").status("ae").value == before
        assert analyze(dataset, rule, "2025-10-01").status("ae").value == after
    # everything the file does not change stays as shipped
    shipped = get_rule("bis-affiliates")
    assert (rule.windows, rule.thresholds, rule.out_of_scope_countries) == (
        shipped.windows,
        shipped.thresholds,
        shipped.out_of_scope_countries,
    )


def test_rule_data_naming_an_unknown_rule_or_malformed_is_refused(tmp_path: Path) -> None:
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("ofac-51:\n  thresholds: [{value: 50, inclusive: true}]\n")
    with pytest.raises(UnknownRule, match="ofac-51"):
        rules_from_data(unknown)
    broken = tmp_path / "broken.yaml"
    broken.write_text("uk:\n  thresholds: [{value: 50}]\n")
    with pytest.raises(OwnershipError, match=r"broken.yaml: rule uk: malformed item"):
        rules_from_data(broken)
