"""The selection both renderers draw: groups on the date, depth limits, levels."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ownership import analyze
from ownership.errors import EntityNotFound, OwnershipError
from ownership.render.scene import build_scene
from tests.factories import dataset, listed, owns

from .conftest import GROUP, GROUP_EDGES


def test_group_is_taken_on_the_date(sample):
    scene = build_scene(sample, focus="parent")
    assert set(scene.nodes) == set(GROUP)  # "sold" left in 2020, "lone" is another group
    assert len(scene.edges) == GROUP_EDGES


def test_a_name_draws_its_owners_up_to_the_listed_ones_and_what_it_owns():
    ds = dataset(
        owns("state", "top", 100),
        owns("top", "mid", 60),
        owns("mid", "focus", 51),
        owns("other", "focus", 49),
        owns("focus", "jv", 50),
        owns("partner", "jv", 50),
        owns("partner", "elsewhere", 100),
        owns("mid", "sibling", 100),
        listed("top"),
    )
    scene = build_scene(analyze(ds, rule="ofac-50", as_of="2024-01-01"), focus="focus")
    # above the listed "top" is not drawn; nor the partner's other holding, nor a sibling
    assert set(scene.nodes) == {"top", "mid", "focus", "other", "jv", "partner"}
    assert scene.heading().startswith("Owners and holdings of ")


def test_whole_dataset_keeps_every_entity(sample):
    scene = build_scene(sample)
    assert len(scene.nodes) == len(sample.dataset.entities)
    assert len(scene.edges) == GROUP_EDGES  # the sold stake ended before the date


@pytest.mark.parametrize(
    ("depth", "expected"),
    [
        (0, {"sub"}),
        (1, {"sub", "parent", "range", "jv"}),
        (2, {"sub", "parent", "range", "jv", "partner", "evil", "unknown", "ctl"}),
    ],
)
def test_depth_counts_links_in_either_direction(sample, depth, expected):
    assert set(build_scene(sample, focus="sub", depth=depth).nodes) == expected


def test_owners_sit_above_everything_they_own(sample):
    scene = build_scene(sample)
    assert all(scene.levels[h.owner] < scene.levels[h.owned] for h in scene.edges)
    assert scene.levels["jv"] == 2  # below sub (level 1), not beside its other owner
    assert scene.levels["partner"] == 1  # an outside partner sits just above its venture
    assert scene.levels["parent"] == 0


def test_a_cross_holding_ring_shares_a_level():
    ds = dataset(owns("x", "y", 30), owns("y", "x", 20), owns("y", "z", 50), listed("x"))
    scene = build_scene(analyze(ds, rule="ofac-50", as_of="2024-01-01"), focus="z")
    assert scene.levels == {"x": 0, "y": 0, "z": 1}


def test_names_are_those_used_on_the_date(sample):
    assert build_scene(sample, focus="parent").names["parent"] == "Parent Group"
    earlier = analyze(sample.dataset, rule="ofac-50", as_of="2023-01-01")
    assert build_scene(earlier, focus="parent").names["parent"] == "Old Parent & Sons"


def test_unknown_focus_and_depth_without_focus_are_user_errors(sample):
    with pytest.raises(EntityNotFound, match="nobody"):
        build_scene(sample, focus="nobody")
    with pytest.raises(OwnershipError, match="needs a focus"):
        build_scene(sample, depth=2)
    with pytest.raises(OwnershipError, match="needs a focus"):
        build_scene(sample, focus="sub", depth=-1)


@pytest.mark.parametrize(
    ("focus", "depth", "heading"),
    [
        (None, None, "Ownership map of the whole dataset"),
        ("sub", None, "Owners and holdings of Subsidiary With A Rather Long Name Limited"),
        ("sub", 1, "Ownership within 1 link of Subsidiary With A Rather Long Name Limited"),
        ("sub", 2, "Ownership within 2 links of Subsidiary With A Rather Long Name Limited"),
    ],
)
def test_heading_says_what_is_drawn(sample, focus, depth, heading):
    assert build_scene(sample, focus=focus, depth=depth).heading() == heading
    assert build_scene(sample, focus=focus, depth=depth).heading("Mine") == "Mine"


def test_a_scope_draws_what_affiliates_reports(sample):
    # parent owns sub, evil, unknown and controls ctl; sub owns range and 40% of jv
    subsidiaries = build_scene(sample, focus="parent", scope="subsidiaries")
    assert set(subsidiaries.nodes) == {"parent", "sub", "evil", "unknown", "ctl", "range", "jv"}
    assert set(subsidiaries.nodes) == {"parent", *(a.id for a in sample.affiliates("parent"))}
    assert "partner" in build_scene(sample, focus="parent", scope="group").nodes
    assert set(build_scene(sample, focus="jv", scope="parents").nodes) == {
        "jv",
        "sub",
        "partner",
        "parent",
    }
    near = build_scene(sample, focus="parent", scope="subsidiaries", max_depth=1)
    assert set(near.nodes) == {"parent", "sub", "evil", "unknown", "ctl"}
    assert near.heading() == "Subsidiaries (up to 1 link) of Parent Group"


def test_a_scope_needs_a_name_and_replaces_depth(sample):
    with pytest.raises(OwnershipError, match="need a NAME, and replace --depth"):
        build_scene(sample, scope="group")
    with pytest.raises(OwnershipError, match="need a NAME, and replace --depth"):
        build_scene(sample, focus="parent", depth=1, max_depth=1)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 30), st.lists(st.tuples(st.integers(0, 29), st.integers(0, 29)), max_size=60))
def test_levels_without_a_ring_are_those_of_the_ring_collapsing_way(count, pairs):
    from ownership.render.scene import _levels, _levels_with_rings

    nodes = {f"n{i}" for i in range(count)}
    # owner before owned: no ring
    links = {(f"n{min(a, b)}", f"n{max(a, b)}") for a, b in pairs if a != b and max(a, b) < count}
    levels = _levels(nodes, links)
    assert levels == _levels_with_rings(nodes, links)
    assert all(levels[owner] < levels[owned] for owner, owned in links)
