"""``what-if``: the statuses a new listing (or a delisting) would change, checked against
the analysis of a dataset made with that listing from its records; the bundled case; and
the command's outputs and refusals."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import ownership
from ownership.cli import app
from ownership.derived import derived
from ownership.errors import OwnershipError
from ownership.model import Dataset, Listing
from ownership.what_if import HYPOTHETICAL

from .factories import dataset, listed, owns

RULES = ["ofac-50", "bis-affiliates", "eu", "uk", "look-through"]
SHARES = ["10", "25", "33.3", "50", "60", "100"]
DAY = dt.date(2024, 1, 1)


@st.composite
def groups(draw: st.DrawFn) -> Dataset:
    """Up to 8 entities linked by random stakes, some on the lists the rules read."""
    n = draw(st.integers(2, 8))
    ids = [f"e{k}" for k in range(n)]
    stakes = draw(
        st.lists(
            st.tuples(st.sampled_from(ids), st.sampled_from(ids), st.sampled_from(SHARES)),
            max_size=12,
        )
    )
    lists = draw(
        st.lists(
            st.tuples(st.sampled_from(ids), st.sampled_from(["sdn", "entity_list", "eu", "uk"])),
            max_size=3,
        )
    )
    return dataset(
        *(owns(a, b, share) for a, b, share in stakes if a != b),
        *(listed(x, name, start=dt.date(2020, 1, 1)) for x, name in lists),
        ids[-1] and listed(ids[-1], "other"),  # every id an entity
    )


def _rule_list(rule: str) -> str:
    return {"ofac-50": "sdn", "bis-affiliates": "entity_list", "eu": "eu", "uk": "uk"}.get(
        rule, "sdn"
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(groups(), st.sampled_from(RULES), st.data())
def test_changes_are_those_of_the_dataset_made_with_the_listing(
    data: Dataset, rule: str, draw: st.DataObject
) -> None:
    result = ownership.analyze(data, rule, DAY)
    entity = draw.draw(st.sampled_from([e.id for e in data.entities]))
    list_id = _rule_list(rule)
    on_list = [k for k, x in enumerate(data.listings) if x.entity == entity and x.list == list_id]
    remove = bool(on_list) and draw.draw(st.booleans())
    if remove:
        rebuilt = data.model_copy(
            update={"listings": tuple(x for k, x in enumerate(data.listings) if k not in on_list)}
        )
    else:
        added = Listing(entity=entity, list=list_id, start=DAY, note=HYPOTHETICAL)
        rebuilt = data.model_copy(update={"listings": (*data.listings, added)})
    expected = ownership.analyze(rebuilt, rule, DAY)
    report = result.what_if(entity, list_id, remove=remove)
    before, after = np.asarray(result.codes), np.asarray(expected.codes)
    assert np.array_equal(np.asarray(report.after.codes), after)
    assert sorted(report.changed.tolist()) == np.flatnonzero(before != after).tolist()
    for row in report.records():
        verdict = expected.verdict(row["id"])
        assert row["status_after"] == verdict.status.value
        assert row["explanation"] == verdict.explanation
        assert row["chain"] == list(verdict.chain)
        assert row["legal_percent"] == verdict.legal_percent
    # the analysed dataset is left as it was
    assert ownership.analyze(data, rule, DAY).codes.tolist() == before.tolist()


def test_the_hypothetical_dataset_shares_the_compiled_holdings() -> None:
    data = ownership.load(ownership.bundled_dataset())
    result = ownership.analyze(data, as_of="2025-10-01")
    report = result.what_if("inspur-cisco-layer-2", "entity_list")
    day = dt.date(2025, 10, 1)
    assert derived(report.after.dataset).holdings[day] is derived(data).holdings[day]
    assert report.after.dataset.listings[-1].note == HYPOTHETICAL
    assert len(report.after.dataset.listings) == len(data.listings) + 1


def test_listing_a_holding_company_captures_its_joint_venture() -> None:
    result = ownership.analyze(ownership.load(ownership.bundled_dataset()), as_of="2025-10-01")
    report = result.what_if("inspur-cisco-layer-2", "entity_list")
    assert report.counts() == {"exposed -> listed": 1, "exposed -> covered": 1}
    rows = report.to_records()
    assert [(r["id"], r["status_after"]) for r in rows] == [
        ("inspur-cisco-layer-2", "listed"),
        ("inspur-cisco-jv", "covered"),
    ]
    assert rows[1]["legal_percent"] == 51
    assert rows[1]["chain_names"][-1] == "Inspur-Cisco joint venture"
    # taking Inspur Group off the Entity List clears what it alone reached
    off = result.what_if("Inspur Group", "entity_list", remove=True)
    assert off.counts() == {"listed -> clear": 1, "exposed -> clear": 4}
    assert "inspur-group" in off._repr_html_()


def test_no_change_is_said_as_such() -> None:
    result = ownership.analyze(ownership.load(ownership.bundled_dataset()), as_of="2025-10-01")
    report = result.what_if("Inspur Group", "entity_list")
    assert len(report) == 0
    assert report.summary() == (
        "No status would change: Inspur Group Co., Ltd. is already listed under bis-affiliates"
    )


@pytest.mark.parametrize(
    ("name", "list_id", "remove", "message"),
    [
        ("Inspur Group", "sdn", False, "bis-affiliates does not read sdn"),
        ("IBM", "entity_list", True, "is not on entity_list on 2025-10-01"),
        ("Inspur Group", ":NPWMD", False, "give a list"),
    ],
)
def test_what_cannot_change_a_status_is_refused(
    name: str, list_id: str, remove: bool, message: str
) -> None:
    result = ownership.analyze(ownership.load(ownership.bundled_dataset()), as_of="2025-10-01")
    with pytest.raises(OwnershipError, match=message):
        result.what_if(name, list_id, remove=remove)


runner = CliRunner()


def test_the_command_in_every_format() -> None:
    base = ["what-if", "inspur-cisco-layer-2", "--list", "entity_list", "--as-of", "2025-10-01"]
    table = runner.invoke(app, base)
    assert table.exit_code == 0, table.output
    assert "2 entities would change status" in table.output
    doc = json.loads(runner.invoke(app, [*base, "--format", "json"]).stdout)
    assert doc["counts"] == {"exposed -> covered": 1, "exposed -> listed": 1}
    assert [r["id"] for r in doc["changes"]] == ["inspur-cisco-layer-2", "inspur-cisco-jv"]
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, [*base, "-f", "csv"]).stdout)))
    assert rows[1]["status_before"] == "exposed" and rows[1]["status_after"] == "covered"
    lines = runner.invoke(app, [*base, "-f", "jsonl"]).stdout.splitlines()
    assert json.loads(lines[1])["legal_percent"] == 51
    refused = runner.invoke(app, ["what-if", "IBM", "--list", "entity_list", "--remove"])
    assert refused.exit_code == 2 and "nothing to remove" in refused.output
    assert "Traceback" not in refused.output


def test_a_programme_is_matched_as_the_rule_matches_it() -> None:
    data = dataset(
        listed("p", "sdn", program="NPWMD; IFSR", start=dt.date(2020, 1, 1)),
        owns("p", "e", 60),
    )
    result = ownership.analyze(data, "ofac-50", DAY)
    off = result.what_if("p", "sdn:npwmd", remove=True)
    assert off.counts() == {"covered -> clear": 1, "listed -> clear": 1}
    with pytest.raises(OwnershipError, match="is not on sdn \\(SDGT\\)"):
        result.what_if("p", "sdn:SDGT", remove=True)
    added = result.what_if("e", "sdn:NPWMD+IFSR")
    assert added.after.dataset.listings[-1].program == "IFSR; NPWMD"
