"""Linking list entries to ownership entities: identifiers, names, country, same_as."""

from __future__ import annotations

from pathlib import Path

import pytest

from ownership.errors import DataError
from ownership.io import import_sources
from ownership.io.link import find_links, link_dataset, read_same_as
from ownership.model import Dataset, Entity, Identifier, Listing

from .conftest import DATA

INPUTS = [DATA / "link_group.yaml", DATA / "ofac_advanced.xml"]


def _decisions(same_as: Path | None = None) -> dict[tuple[str, str], tuple[str, str]]:
    _, report = import_sources(INPUTS, same_as=same_as)
    return {(d.left, d.right): (d.status, d.reason) for d in report.links}


def test_identifier_then_names_then_review() -> None:
    decisions = _decisions()
    status, reason = decisions[("ofac-90001", "grp-parent")]
    assert status == "linked" and "same lei identifier 5493000EXAMPLE000A01" in reason
    status, reason = decisions[("ofac-90002", "grp-hk")]
    assert status == "linked" and "same name 'example trading hk'" in reason
    assert "same country HK" in reason
    status, reason = decisions[("ofac-90002", "grp-old")]
    assert status == "review" and "former name" in reason and "a country is unknown" in reason
    status, reason = decisions[("ofac-90004", "grp-person")]
    assert status == "review" and "similar names" in reason
    # same normalised name, but two different LEIs: never linked
    assert not [k for k in decisions if "grp-other-lei" in k]


def test_merge_moves_listings_and_keeps_provenance() -> None:
    dataset, _ = import_sources(INPUTS)
    index = dataset.entity_index()
    assert "ofac-90001" not in index and "ofac-90002" not in index
    parent = index["grp-parent"]
    assert "EXAMPLE HOLDING GROUP CO., LTD." in parent.aliases
    assert set(parent.sources) == {
        "group-report",
        "native:link_group.yaml",
        "ofac:ofac_advanced.xml",
    }
    listing = next(x for x in dataset.listings if x.entity == "grp-parent")
    assert (listing.list, list(listing.sources)) == ("sdn", ["ofac:ofac_advanced.xml"])
    hk = index["grp-hk"]
    assert [f.name for f in hk.former_names] == ["OLD EXAMPLE TRADING LIMITED"]
    # the OFAC ownership relation now joins the ownership entities, citing OFAC
    ofac_edges = [h for h in dataset.holdings if list(h.sources) == ["ofac:ofac_advanced.xml"]]
    assert {(h.owner, h.owned) for h in ofac_edges} == {
        ("grp-parent", "grp-hk"),
        ("grp-parent", "ofac-90003"),
    }


@pytest.mark.parametrize("name", ["same_as.yaml", "same_as.csv"])
def test_same_as_confirms_and_rejects(name: str) -> None:
    decisions = _decisions(DATA / name)
    assert decisions[("ofac-90004", "grp-person")][0] == "confirmed"
    status, reason = decisions[("ofac-90002", "grp-old")]
    assert status == "rejected" and "another firm" in reason
    dataset, report = import_sources(INPUTS, same_as=DATA / name)
    assert not report.review
    assert "ofac-90004" not in dataset.entity_index()
    assert any(x.entity == "grp-person" for x in dataset.listings)


def test_broken_same_as_file() -> None:
    with pytest.raises(DataError) as caught:
        read_same_as(DATA / "broken" / "same_as_broken.yaml")
    text = str(caught.value)
    assert "same_as_broken.yaml:1: pairs[0] (ofac-90002 / grp-old): field 'same'" in text
    assert "same_as_broken.yaml:2: pairs[1]: field 'b': required field is missing" in text


def test_unknown_ids_in_same_as_are_notices(tmp_path: Path) -> None:
    path = tmp_path / "same_as.yaml"
    path.write_text("- {a: nobody, b: grp-hk, same: true}\n", encoding="utf-8")
    _, report = import_sources(INPUTS, same_as=path)
    assert any("nobody" in n.message for n in report.notices)


def _entity(eid: str, name: str, country: str | None, source: str, **extra: object) -> Entity:
    return Entity(id=eid, name=name, country=country, sources=[source], **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("other", "status"),
    [
        (("Example Optics Co., Ltd.", "CN"), "linked"),  # same name, same country
        (("EXAMPLE OPTICS CO LTD", None), "linked"),  # one country unknown: 95
        (("Example Optics Co., Ltd.", "US"), "review"),  # countries differ: 80, a person decides
        (("Example Opticks Co., Ltd.", "CN"), "review"),  # fuzzy: never linked alone
    ],
)
def test_country_is_the_tie_breaker(other: tuple[str, str | None], status: str | None) -> None:
    dataset = Dataset(
        entities=[
            _entity("csl-1", "Example Optics Co., Ltd.", "CN", "csl"),
            _entity("reg-1", other[0], other[1], "reg"),
        ],
        listings=[Listing(entity="csl-1", list="entity_list", sources=["csl"])],
    )
    found = [d.status for d in find_links(dataset)]
    assert found == ([status] if status else [])


def test_two_close_candidates_for_one_entry_go_to_review_not_linked() -> None:
    """One list entry whose name two register entities carry equally well: which one it
    is, a person decides; neither is linked, each says another candidate scores close."""
    dataset = Dataset(
        entities=[
            _entity("csl-1", "Example Optics Co., Ltd.", "CN", "csl"),
            _entity("reg-1", "Example Optics Co., Ltd.", "CN", "reg"),
            _entity("gov-1", "EXAMPLE OPTICS CO LTD", "CN", "gov"),
        ],
        listings=[Listing(entity="csl-1", list="entity_list", sources=["csl"])],
    )
    found = {(d.left, d.right): d for d in find_links(dataset) if "csl-1" in (d.left, d.right)}
    assert len(found) == 2
    assert all(d.status == "review" for d in found.values())
    assert all("another candidate scores close" in d.reason for d in found.values())


def test_a_clear_lead_is_linked_beside_a_weaker_candidate() -> None:
    dataset = Dataset(
        entities=[
            _entity("csl-1", "Example Optics Co., Ltd.", "CN", "csl"),
            _entity("reg-1", "Example Optics Co., Ltd.", "CN", "reg"),
            _entity("gov-1", "Example Opticks Co., Ltd.", "CN", "gov"),
        ],
        listings=[Listing(entity="csl-1", list="entity_list", sources=["csl"])],
    )
    status = {frozenset((d.left, d.right)): d.status for d in find_links(dataset)}
    assert status[frozenset(("csl-1", "reg-1"))] == "linked"
    assert status[frozenset(("csl-1", "gov-1"))] == "review"


def test_registration_number_across_registers() -> None:
    dataset = Dataset(
        entities=[
            _entity(
                "ofac-1",
                "ROSNEFT TRADE LIMITED",
                "CY",
                "ofac",
                identifiers=[Identifier(scheme="registration", value="C122790")],
            ),
            _entity(
                "bods-1",
                "Rosneft Trading Ltd",
                "CY",
                "bods",
                identifiers=[Identifier(scheme="CY-DRCOR", value="C 122790")],
            ),
        ],
        listings=[Listing(entity="ofac-1", list="ssi", sources=["ofac"])],
    )
    linked, decisions = link_dataset(dataset)
    (decision,) = decisions
    assert decision.status == "linked" and "registration number C122790" in decision.reason
    assert [x.entity for x in linked.listings] == ["bods-1"]


def test_entities_of_one_source_are_not_paired() -> None:
    dataset = Dataset(
        entities=[
            _entity("a", "Example Twin Ltd", "GB", "reg"),
            _entity("b", "Example Twin Ltd", "GB", "reg"),
        ],
        listings=[Listing(entity="a", list="uk", sources=["reg"])],
    )
    assert find_links(dataset) == []


def test_person_never_links_to_company() -> None:
    dataset = Dataset(
        entities=[
            _entity("p", "Example Name", "GB", "list", kind="person"),
            _entity("c", "Example Name", "GB", "reg"),
        ],
        listings=[Listing(entity="p", list="uk", sources=["list"])],
    )
    assert find_links(dataset) == []


def test_an_untyped_list_entry_links_to_the_person_it_names(tmp_path: Path) -> None:
    """An Entity List row has no type: the person on it still meets the same person in
    the ownership data, and that person's 60% subsidiary is covered."""
    csl = tmp_path / "el.csv"
    csl.write_text(
        "source,entity_number,type,programs,name,addresses,federal_register_notice,start_date\n"
        'Entity List (EL) - Bureau of Industry and Security,,,,Example Wang Person,"Road 1, '
        'Beijing, CN",88 FR 12345,2023-03-02\n',
        encoding="utf-8",
    )
    owners = tmp_path / "owners.yaml"
    owners.write_text(
        "entities:\n"
        "  - {id: wang, name: Example Wang Person, kind: person, country: CN}\n"
        "  - {id: sub, name: Example Wang Trading Ltd, country: HK}\n"
        "holdings:\n  - {owner: wang, owned: sub, percent: 60}\n",
        encoding="utf-8",
    )
    dataset, report = import_sources([csl, owners])
    (linked,) = report.linked
    assert {linked.left, linked.right} >= {"wang"}
    (person,) = [e for e in dataset.entities if e.name == "Example Wang Person"]
    assert person.kind.value == "person"  # the known kind wins over the unknown one
    from ownership import analyze

    result = analyze(dataset, "bis-affiliates", "2025-10-01")
    assert result.status(person.id).value == "listed"
    assert result.status("sub").value == "covered"


def test_entity_list_rows_keep_their_kind_unknown() -> None:
    from ownership.io.csl import read_csl

    from .conftest import shared_real

    result = read_csl(shared_real("watchman_csl_legacy.csv"))
    el = {x.entity for x in result.dataset.listings if x.list == "entity_list"}
    kinds = {e.kind.value for e in result.dataset.entities if e.id in el}
    assert kinds == {"unknown"}
