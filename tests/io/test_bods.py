"""BODS reader: 0.4 and 0.2 samples, components versus summaries, closed records,
unspecified owners, the public conformance pack, and broken statements."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ownership import analyze
from ownership.analysis import Flag
from ownership.errors import DataError
from ownership.io.bods import read_bods

from .conftest import DATA, sample

# file -> (entities, holdings, placeholders)
SAMPLES = {
    "bods-package-entity-owning-entity.json": (2, 1, 0),
    "bods-package-fi-soe.json": (4, 4, 0),
    "indirect-ownership.json": (3, 2, 0),
    "multiple-indirect-ownership.json": (4, 4, 0),
    "joint-ownership.json": (4, 3, 0),
    "listed-company-exempt-from-disclosure.json": (1, 0, 0),
    "bods-0.2-from-gleif-rr-data-out.json": (16, 10, 16),
}


@pytest.mark.parametrize(("name", "expected"), SAMPLES.items())
def test_every_sample_imports(name: str, expected: tuple[int, int, int]) -> None:
    result = read_bods(sample("bods", name))
    counts = result.counts()
    assert (counts["entities"], counts["holdings"], counts["placeholders"]) == expected


def _holdings(name: str) -> dict[tuple[str, str, str], Any]:
    result = read_bods(sample("bods", name))
    return {(h.owner, h.owned, h.kind.value): h for h in result.dataset.holdings}


def test_share_range_with_exclusive_bound() -> None:
    ((key, hold),) = _holdings("bods-package-entity-owning-entity.json").items()
    assert key == ("bods-e83cce729ada", "bods-12b7dd0770ce", "ownership")
    assert (hold.minimum, hold.exclusive_maximum) == (Decimal(75), Decimal(100))
    assert hold.share_text() == "75-<100%"


def test_components_are_imported_and_the_summary_is_not() -> None:
    holdings = _holdings("bods-package-fi-soe.json")
    shares = {k: h.share_text() for k, h in holdings.items()}
    assert shares == {
        ("bods-0199c515a699", "bods-19f1c5afe9d7", "ownership"): "76.5%",
        ("bods-7ff95ba3682c", "bods-0199c515a699", "ownership"): "100%",
        ("bods-7ff95ba3682c", "bods-19f1c5afe9d7", "ownership"): "23.5%",
        ("bods-05ce06ec97b1", "bods-7ff95ba3682c", "control"): "control",
    }
    # the summary edge state -> Gasgrid (100% indirect) is absent: no double counting
    assert not any(k[:2] == ("bods-05ce06ec97b1", "bods-19f1c5afe9d7") for k in holdings)
    start = holdings[("bods-0199c515a699", "bods-19f1c5afe9d7", "ownership")].start
    assert start == dt.date(2020, 1, 1)


def test_look_through_of_components_gives_the_summary_share() -> None:
    """The ministry's direct 23.5% and its 76.5% via Kaasuverkko add up to 100%."""
    result = read_bods(sample("bods", "bods-package-fi-soe.json"))
    from ownership.model import Listing

    dataset = result.dataset.model_copy(
        update={"listings": [Listing(entity="bods-7ff95ba3682c", list="sdn")]}
    )
    verdict = analyze(dataset, "look-through", "2024-01-01").verdict("bods-19f1c5afe9d7")
    assert verdict.effective_percent == pytest.approx(100.0)


def test_untyped_interest_is_unknown_ownership() -> None:
    holdings = _holdings("indirect-ownership.json")
    hold = holdings[("bods-c25d4d612c2c", "bods-d4ab89ea169a", "ownership")]
    assert hold.share_text() == "unknown %"
    assert "no type" in (hold.note or "")


def test_arrangement_stays_between_members_and_subject() -> None:
    result = read_bods(sample("bods", "joint-ownership.json"))
    arrangement = result.dataset.entity_index()["bods-91b4236a7d89"]
    assert arrangement.kind.value == "other"
    assert "arrangement" in (arrangement.note or "")


def test_unspecified_interested_party_is_a_note_and_hint() -> None:
    result = read_bods(sample("bods", "listed-company-exempt-from-disclosure.json"))
    (entity,) = result.dataset.entities
    assert "subjectExemptFromDisclosure" in (entity.note or "")
    (hint,) = result.hints
    assert (hint.entity, hint.kind) == ("bods-4c7ea3bfbe6c", "unspecified_owner")


def test_legacy_statements_with_missing_entities() -> None:
    result = read_bods(sample("bods", "bods-0.2-from-gleif-rr-data-out.json"))
    kinds = {h.kind.value for h in result.dataset.holdings}
    assert kinds == {"control"}  # other-influence-or-control
    first = result.dataset.holdings[0]
    assert first.start == dt.date(2012, 11, 29)
    # the indirect (ultimate-parent) interest has no chain in the file, so it is kept
    indirect = [h for h in result.dataset.holdings if "indirect" in (h.note or "")]
    assert [(h.owner, h.owned) for h in indirect] == [
        ("bods-20815b26-efdc-a516-a905-7abdfa63d128", "bods-9f94abe2-349c-8e96-edaf-cf832eab1ac8")
    ]
    assert all("placeholder" in (e.note or "") for e in result.dataset.entities)


def _statement(record_id: str, kind: str, details: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "statementId": f"{record_id}-{extra.pop('n', 1):032d}",
        "statementDate": extra.pop("date", "2024-01-01"),
        "recordId": record_id,
        "recordType": kind,
        "recordDetails": details,
        **extra,
    }


COMPANY = {"isComponent": False, "entityType": {"type": "registeredEntity"}, "name": "Co"}
PERSON = {"isComponent": False, "personType": "knownPerson", "names": [{"fullName": "P"}]}


def _write(tmp_path: Path, statements: list[dict[str, Any]], lines: bool = False) -> Path:
    path = tmp_path / ("s.jsonl" if lines else "s.json")
    if lines:
        path.write_text("\n".join(json.dumps(s) for s in statements) + "\n", encoding="utf-8")
    else:
        path.write_text(json.dumps(statements, indent=2), encoding="utf-8")
    return path


def _rel(interests: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    details = {
        "isComponent": False,
        "subject": "co",
        "interestedParty": "p",
        "interests": interests,
    }
    return _statement("rel", "relationship", details, **extra)


@pytest.mark.parametrize("lines", [False, True])
def test_closed_record_ends_the_holding(tmp_path: Path, lines: bool) -> None:
    share = [{"type": "shareholding", "share": {"exact": 60}, "startDate": "2019-01-01"}]
    statements = [
        _statement("co", "entity", COMPANY),
        _statement("p", "person", PERSON),
        _rel(share, date="2019-01-01"),
        _rel(share, n=2, date="2023-06-30", recordStatus="closed"),
    ]
    result = read_bods(_write(tmp_path, statements, lines))
    (hold,) = result.dataset.holdings
    # closed by 2023-06-30: last held the day before
    assert (hold.start, hold.end, hold.percent) == (
        dt.date(2019, 1, 1),
        dt.date(2023, 6, 29),
        Decimal(60),
    )


@pytest.mark.parametrize(
    ("interest", "kind", "hinted"),
    [
        ({"type": "appointmentOfBoard"}, "control", False),
        ({"type": "votingRights"}, "control", False),
        ({"type": "votingRights", "share": {"exact": 75}}, "control", False),
        ({"type": "votingRights", "share": {"exact": 20}}, None, True),
        ({"type": "seniorManagingOfficial"}, None, True),
        ({"type": "unknownInterest"}, "ownership", False),
    ],
)
def test_interest_types(
    tmp_path: Path, interest: dict[str, Any], kind: str | None, hinted: bool
) -> None:
    statements = [
        _statement("co", "entity", COMPANY),
        _statement("p", "person", PERSON),
        _rel([interest]),
    ]
    result = read_bods(_write(tmp_path, statements))
    assert [h.kind.value for h in result.dataset.holdings] == ([kind] if kind else [])
    assert bool(result.hints) == hinted


def test_exact_share_is_read_from_its_literal(tmp_path: Path) -> None:
    statements = [
        _statement("co", "entity", COMPANY),
        _statement("p", "person", PERSON),
        _rel([{"type": "shareholding", "share": {"exact": 33.3}}]),
    ]
    (hold,) = read_bods(_write(tmp_path, statements)).dataset.holdings
    assert hold.percent == Decimal("33.3")


def test_broken_statements_name_file_line_record_and_field() -> None:
    with pytest.raises(DataError) as caught:
        read_bods(DATA / "broken" / "bods_broken.json")
    text = str(caught.value)
    assert (
        "bods_broken.json:16: example-relationship: field "
        "'recordDetails.interests[0].share.exact': 150 is not a percentage from 0 to 100"
    ) in text
    assert "bods_broken.json:28: example-no-type: field 'recordType': required field" in text


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('[\n  {"statementId": "x",\n  "recordId": }\n]\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"bad.json:3: not valid JSON"):
        read_bods(path)


# --------------------------------------------------------------------------- conformance pack

fixtures = pytest.importorskip("bods_fixtures")


def _pack_path(name: str) -> Path:
    from importlib.resources import files

    return Path(str(files("bods_fixtures") / "data" / f"{name}.json"))


@pytest.mark.parametrize("case", fixtures.list_cases())
def test_conformance_pack_case(case: str) -> None:
    path = _pack_path(case)
    result = read_bods(path)
    if case == "edge-cases/10-circular-ownership":
        # Two companies owning each other 100% with no outside owner: loaded, reported,
        # flagged on both, and nothing counted twice (no look-through from outside).
        (note,) = [n for n in result.warnings if "own each other 100%" in str(n)]
        assert "10-circular-ownership.json" in str(note)
        assert "rec-rel-alpha-owns-beta" in str(note)
        analysis = analyze(result.dataset, rule="ofac-50", as_of="2024-06-01")
        assert all(Flag.closed_ring.value in v.flags for v in analysis)
        assert [v.status.value for v in analysis] == ["clear", "clear"]
        assert [v.effective_percent for v in analysis] == [0.0, 0.0]
        return
    if case == "core/01-direct-ownership":
        kinds = sorted((h.kind.value, h.share_text()) for h in result.dataset.holdings)
        # shareholding and voting rights are both kept: 75% of shares, and control
        assert kinds == [("control", "control"), ("ownership", "75%")]
        assert {h.owner for h in result.dataset.holdings} == {"bods-rec-jane-smith-1975"}
    if case == "edge-cases/11-anonymous-person":
        assert not result.dataset.holdings
        assert not [e for e in result.dataset.entities if e.kind.value == "person"]
        (hint,) = result.hints
        assert "subjectUnableToConfirmOrIdentifyBeneficialOwner" in hint.text


def test_circular_holding_does_not_inflate_totals(tmp_path: Path) -> None:
    """With an outside listed owner, the cycle resolves: nothing exceeds 100%."""
    statements = json.loads(_pack_path("edge-cases/10-circular-ownership").read_text("utf-8"))
    for statement in statements:
        for interest in statement["recordDetails"].get("interests", []):
            interest["share"] = {"exact": 50}
    statements += [
        _statement("outsider", "entity", dict(COMPANY, name="Outside Owner Ltd")),
        _statement(
            "rel-out",
            "relationship",
            {
                "isComponent": False,
                "subject": "rec-alpha-corp",
                "interestedParty": "outsider",
                "interests": [{"type": "shareholding", "share": {"exact": 50}}],
            },
        ),
    ]
    result = read_bods(_write(tmp_path, statements))
    assert len(result.dataset.holdings) == 3  # both sides of the cycle are kept
    from ownership.model import Listing

    dataset = result.dataset.model_copy(
        update={"listings": [Listing(entity="bods-outsider", list="sdn")]}
    )
    analysis = analyze(dataset, "look-through", "2024-01-01")
    alpha = analysis.verdict("bods-rec-alpha-corp").effective_percent
    beta = analysis.verdict("bods-rec-beta-corp").effective_percent
    assert alpha == pytest.approx(200 / 3)  # 50 / (1 - 0.25)
    assert beta == pytest.approx(100 / 3)
