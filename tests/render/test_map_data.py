"""The map's dated data: every day a status or a name changes, with the engine's verdicts."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

import pytest

import ownership
from ownership.render import map_data
from ownership.render.collapse import collapse
from ownership.render.map_data import STATUS_LETTERS, map_steps
from ownership.render.scene import build_scene


@pytest.fixture(scope="module")
def inspur():
    dataset = ownership.load(ownership.bundled_dataset())
    analysis = ownership.analyze(dataset, rule="bis-affiliates", as_of="2025-10-01")
    scene = build_scene(analysis, focus=analysis.resolve("Inspur Group"))
    return analysis, scene, collapse(scene).order


def test_the_days_tell_the_inspur_story(inspur):
    _analysis, scene, order = inspur
    steps = {s.day.isoformat(): s for s in map_steps(scene, order)}
    assert "Inspur Group Co., Ltd. added to entity_list" in steps["2023-03-02"].events
    assert "Inspur Systems, Inc. renamed Aivres Systems Inc." in steps["2023-05-02"].events
    assert sum("(90 FR 14046)" in e for e in steps["2025-03-25"].events) == 6
    assert any("BIS Affiliates Rule: in force" in e for e in steps["2025-09-29"].events)
    assert any("stayed" in e for e in steps["2025-11-10"].events)
    assert "2025-10-01" in steps  # the map's own date


def test_each_day_holds_the_engines_verdicts_on_the_whole_dataset(inspur):
    analysis, scene, order = inspur
    for step in map_steps(scene, order):
        engine = ownership.analyze(analysis.dataset, rule="bis-affiliates", as_of=step.day)
        for k, eid in enumerate(order):
            verdict = engine.verdict(eid)
            assert step.statuses[k] == STATUS_LETTERS[verdict.status.value], (step.day, eid)
            assert step.names[k] == verdict.name
            assert step.explanations is not None
            assert step.explanations[k] == verdict.explanation


def test_a_day_that_changes_nothing_drawn_is_left_out(inspur):
    _analysis, scene, order = inspur
    steps = map_steps(scene, order)
    for before, after in pairwise(steps):
        rule_day = any("BIS Affiliates Rule" in e for e in after.events)
        if not rule_day and after.day != dt.date(2025, 10, 1):
            assert (before.statuses, before.names) != (after.statuses, after.names)


def test_past_a_size_only_the_maps_own_date_keeps_explanations(inspur, monkeypatch):
    _analysis, scene, order = inspur
    monkeypatch.setattr(map_data, "EXPLAINED_VERDICTS", len(order))
    steps = map_steps(scene, order)
    kept = [s.day.isoformat() for s in steps if s.explanations is not None]
    assert kept == ["2025-10-01"]
    assert all(len(s.statuses) == len(order) for s in steps)


def test_at_most_max_days_are_analysed_the_nearest_to_the_maps_date(inspur):
    _analysis, scene, order = inspur
    days = [s.day.isoformat() for s in map_steps(scene, order, max_days=2)]
    assert "2025-10-01" in days and "2015-09-23" not in days
    assert len(days) <= 3


def test_a_listing_of_an_owner_not_drawn_on_the_maps_date_is_a_day_on_the_slider():
    from ownership import analyze
    from tests.factories import dataset, day, listed, owns

    ds = dataset(
        owns("l", "o", 60, start=day("2015-01-01"), end=day("2022-12-31")),
        listed("l", start=day("2020-06-01")),
        owns("o", "f", 60),
    )
    analysis = analyze(ds, rule="ofac-50", as_of="2025-01-01")
    scene = build_scene(analysis, focus="f")
    assert "l" not in scene.nodes  # the stake ended before the map's date
    steps = {s.day.isoformat(): s for s in map_steps(scene, collapse(scene).order)}
    assert steps["2020-06-01"].statuses == ("C", "C")  # o and f covered from the listing
    assert steps["2023-01-01"].statuses == ("N", "N")
