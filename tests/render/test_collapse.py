"""Folding a large scene into counted clusters: what stays in view, and what each cluster holds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ownership import analyze
from ownership.render.collapse import collapse
from ownership.render.scene import build_scene
from tests.factories import dataset, listed, owns


def fan(children: int, *, percent: float = 40):
    """A listed parent owning ``children`` companies, each owning one more."""
    records = [listed("p")]
    for i in range(children):
        records.append(owns("p", f"c{i:03}", percent))
        records.append(owns(f"c{i:03}", f"g{i:03}", 100))
    return analyze(dataset(*records), rule="ofac-50", as_of="2024-01-01")


def test_a_scene_within_the_budget_is_not_folded():
    scene = build_scene(fan(5), focus="p")
    folded = collapse(scene, budget=100)
    assert set(folded.shown) == set(scene.nodes)
    assert folded.clusters == ()


def test_the_nearest_exposed_entities_are_shown_and_the_rest_fold_with_counts():
    analysis = fan(30)  # c*: 40% of a listed parent, g*: theirs; all exposed
    scene = build_scene(analysis, focus="p")
    folded = collapse(scene, budget=45)
    shown = set(folded.shown)
    assert len(shown) + len(folded.clusters) <= 45
    # showing a child's only child costs nothing (it replaces the child's cluster), so the
    # budget holds 21 children with theirs, and one cluster under the parent the other 9
    assert len(shown) == 43
    (cluster,) = folded.clusters
    assert cluster.anchor == "p" and cluster.below
    assert sorted(cluster.members) == sorted(set(scene.nodes) - shown)
    assert cluster.label(scene.statuses) == "18 entities: 18 exposed"
    assert [m for m in cluster.members if m.startswith("c")] == [f"c{i:03}" for i in range(21, 30)]


def test_a_cluster_label_counts_statuses_and_names_the_worst():
    analysis = fan(12, percent=60)  # c*: covered; g*: covered
    scene = build_scene(analysis, focus="p")
    folded = collapse(scene, budget=3)
    (cluster,) = folded.clusters
    assert cluster.anchor == "p" and len(cluster.members) == 24
    assert cluster.label(scene.statuses) == "24 entities: 24 covered"
    assert cluster.worst(scene.statuses) == "covered"


def test_the_path_to_every_listed_owner_stays_in_view_whatever_the_budget():
    records = [listed("top"), owns("top", "a", 100), owns("a", "b", 100), owns("b", "focus", 30)]
    records += [owns("focus", f"s{i}", 100) for i in range(20)]
    scene = build_scene(
        analyze(dataset(*records), rule="ofac-50", as_of="2024-01-01"), focus="focus"
    )
    folded = collapse(scene, budget=2)
    assert {"focus", "b", "a", "top"} <= set(folded.shown)
    assert folded.pinned == 4


@st.composite
def random_groups(draw):
    count = draw(st.integers(2, 40))
    records = []
    for i in range(1, count):
        owner = draw(st.integers(0, i - 1))
        records.append(owns(f"n{owner:02}", f"n{i:02}", draw(st.integers(1, 100))))
        if draw(st.booleans()):
            other = draw(st.integers(0, count - 1))
            if other != i:
                records.append(owns(f"n{other:02}", f"n{i:02}", draw(st.integers(1, 100))))
    for i in draw(st.sets(st.integers(0, count - 1), max_size=4)):
        records.append(listed(f"n{i:02}"))
    focus = f"n{draw(st.integers(0, count - 1)):02}"
    return dataset(*records), focus, draw(st.integers(1, 30))


@settings(max_examples=150, deadline=None)
@given(random_groups())
def test_every_entity_is_shown_or_in_one_cluster_under_a_shown_entity(case):
    ds, focus, budget = case
    scene = build_scene(analyze(ds, rule="ofac-50", as_of="2024-01-01"), focus=focus)
    folded = collapse(scene, budget=budget)
    shown = set(folded.shown)
    members = [m for c in folded.clusters for m in c.members]
    assert sorted([*shown, *members]) == sorted(scene.nodes)
    assert len(members) == len(set(members)) and not shown & set(members)
    assert focus in shown
    for node in shown - {focus}:  # what is shown hangs from the focus through shown entities
        assert folded.parent[node] in shown
    for cluster in folded.clusters:
        assert cluster.anchor in shown
        assert all(
            folded.parent[m] == cluster.anchor or m in cluster.members for m in cluster.members
        )
    if len(shown) > folded.pinned:
        assert len(shown) + len(folded.clusters) <= budget


def test_a_listed_owner_that_also_holds_a_subsidiary_stays_above_the_focus():
    records = [owns("o", "f", 60), owns("l", "o", 60), listed("l"), owns("f", "s", 60)]
    records += [owns("l", "s", 10), *(owns("f", f"c{i}", 60) for i in range(5))]
    scene = build_scene(analyze(dataset(*records), rule="ofac-50", as_of="2024-01-01"), focus="f")
    for budget in (1, 3, 4):
        folded = collapse(scene, budget)
        assert {"l", "o", "f"} <= set(folded.shown)
        assert folded.parent["l"] == "o" and not folded.below["l"]
        assert all("l" not in c.members for c in folded.clusters)
