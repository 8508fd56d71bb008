"""OwnershipGraph queries: owners, descendants with depth and paths, groups, snapshots."""

from __future__ import annotations

from ownership.graph import OwnershipGraph
from ownership.model import Entity, FormerName

from .factories import controls, dataset, day, listed, owns


def pyramid() -> OwnershipGraph:
    return OwnershipGraph(
        dataset(
            owns("top", "mid", 60),
            owns("mid", "low", 100, start=day("2020-01-01")),
            owns("top", "low", 10, end=day("2019-12-31")),
            controls("mid", "jv"),
            owns("partner", "jv", 49),
            owns("other", "unrelated", 100),
            listed("top", "entity_list", start=day("2021-01-01")),
        )
    )


def test_direct_owners_and_holdings() -> None:
    g = pyramid()
    assert sorted((h.owner, h.share_text()) for h in g.owners("jv")) == [
        ("mid", "control"),
        ("partner", "49%"),
    ]
    assert sorted(h.owned for h in g.holdings("mid")) == ["jv", "low"]


def test_descendants_have_shortest_depth_and_path() -> None:
    reached = {r.entity: (r.depth, r.path) for r in pyramid().descendants("top")}
    assert reached == {
        "mid": (1, ("top", "mid")),
        "low": (1, ("top", "low")),
        "jv": (2, ("top", "mid", "jv")),
    }


def test_max_depth_limits_the_walk() -> None:
    assert [r.entity for r in pyramid().descendants("top", max_depth=1)] == ["low", "mid"]


def test_ancestors_paths_run_top_down() -> None:
    reached = {r.entity: r.path for r in pyramid().ancestors("jv")}
    assert reached["top"] == ("top", "mid", "jv")
    assert reached["partner"] == ("partner", "jv")


def test_all_paths_and_ultimate_parents() -> None:
    g = pyramid()
    assert sorted(g.paths("top", "low")) == [["top", "low"], ["top", "mid", "low"]]
    assert g.ultimate_parents("jv") == ["partner", "top"]
    assert g.ultimate_parents("top") == ["top"]


def test_ultimate_parents_of_a_cycle_is_the_ring() -> None:
    g = OwnershipGraph(dataset(owns("a", "b", 50), owns("b", "a", 50), owns("b", "c", 100)))
    assert g.ultimate_parents("c") == ["a", "b"]


def test_group_is_the_connected_component() -> None:
    g = pyramid()
    assert g.group("partner") == {"top", "mid", "low", "jv", "partner"}
    assert g.group("unrelated") == {"other", "unrelated"}


def test_as_of_keeps_only_what_was_valid_that_day() -> None:
    g = pyramid()
    before = g.as_of(day("2019-06-01"))
    assert sorted((h.owner, h.owned) for h in before.owners("low")) == [("top", "low")]
    assert before.listings("top") == []
    after = g.as_of(day("2021-06-01"))
    assert sorted(h.owner for h in after.owners("low")) == ["mid"]
    assert [x.list for x in after.listings("top")] == ["entity_list"]


def test_as_of_uses_the_name_valid_that_day() -> None:
    renamed = Entity(
        id="aivres",
        name="Aivres Systems Inc.",
        former_names=[FormerName(name="Inspur Systems, Inc.", until=day("2023-05-01"))],
    )
    g = OwnershipGraph(dataset(renamed, owns("parent", "aivres", 100)))
    assert g.as_of(day("2023-05-01")).entity("aivres").name == "Inspur Systems, Inc."
    later = g.as_of(day("2023-05-02")).entity("aivres")
    assert later.name == "Aivres Systems Inc."
    assert [f.name for f in later.former_names] == ["Inspur Systems, Inc."]
