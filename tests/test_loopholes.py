"""``loopholes``: every listed entity ranked by its unlisted exposure, checked against a
walk of the ownership graph in networkx, on the bundled Inspur case and on generated
datasets; and the command's outputs and refusals."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from unittest import mock

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import ownership
from ownership import listed_columns
from ownership.cli import app
from ownership.model import Address, Entity
from ownership.redflags import AFTER_LISTING_WINDOW
from ownership.verdict import Status

from .factories import dataset, dated_datasets, listed, owns

DAYS = [dt.date(2020, 1, 1), dt.date(2022, 6, 1), dt.date(2024, 1, 1)]
SHARES = ["10", "25", "33.3", "50", "60", "100"]


def _usable_graph(result: ownership.Analysis) -> nx.DiGraph:
    """The links that carry ownership or control on the analysis date, in networkx."""
    c = result.compiled
    usable = c.usable()
    graph = nx.DiGraph()
    graph.add_nodes_from(range(c.n))
    graph.add_edges_from(zip(c.src[usable].tolist(), c.dst[usable].tolist(), strict=True))
    return graph


def _expected(result: ownership.Analysis, min_look_through: float | None, country: str | None):
    """Per listed entity, (unlisted, covered, exposed) by a walk over the links that carry
    ownership or control on the date, and the dataset's reach."""
    c = result.compiled
    graph = _usable_graph(result)
    seeds = set(np.flatnonzero(c.seeds).tolist())
    seeds_asked = {s for s in seeds if not country or result.columns.country[s] == country}
    effective = np.asarray(result.effective)
    rows: dict[int, tuple[int, int, int]] = {}
    reached: set[int] = set()
    for seed in sorted(seeds_asked):
        below = nx.descendants(graph, seed) - seeds
        statuses = [result.codes[k] for k in below]
        exposed = [
            k
            for k in below
            if Status.exposed == _status(result, k)
            and (min_look_through is None or round(effective[k] * 100, 6) >= min_look_through)
        ]
        covered = [k for k in below if _status(result, k) is Status.covered]
        rows[seed] = (len(statuses), len(covered), len(exposed))
        reached |= below
    return rows, reached


def _status(result: ownership.Analysis, k: int) -> Status:
    return result.status(result.compiled.ids[k])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dated_datasets(DAYS, SHARES, renames=True),
    st.sampled_from(["ofac-50", "bis-affiliates", "eu", "uk", "look-through"]),
    st.sampled_from(DAYS),
    st.sampled_from([None, 0.0, 10.0, 50.0]),
    st.sampled_from([None, "CN"]),
)
def test_counts_are_those_of_a_walk_down_from_each_listed_entity(
    data: ownership.Dataset,
    rule: str,
    day: dt.date,
    min_look_through: float | None,
    country: str | None,
) -> None:
    result = ownership.analyze(data, rule, day)
    report = result.loopholes(min_look_through=min_look_through, country=country)
    expected, reached = _expected(result, min_look_through, country)
    got = {
        int(p): (int(u), int(c), int(e))
        for p, u, c, e in zip(
            report.listed, report.unlisted, report.covered, report.exposed, strict=True
        )
    }
    assert got == expected
    # most exposed first, then most unlisted, then dataset order
    keys = [(-e, -u, int(p)) for p, (u, _, e) in zip(report.listed, got.values(), strict=True)]
    assert keys == sorted(keys)
    m = report.multiplier
    assert (m.listed, m.entities) == (len(expected), len(reached))
    assert m.reaching == sum(1 for u, _, _ in expected.values() if u)
    assert m.covered == sum(1 for k in reached if _status(result, k) is Status.covered)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dated_datasets(DAYS, SHARES), st.sampled_from(DAYS), st.integers(1, 4))
def test_the_top_exposed_affiliates_have_the_largest_look_through_shares(
    data: ownership.Dataset, day: dt.date, most: int
) -> None:
    result = ownership.analyze(data, "ofac-50", day)
    report = result.loopholes(top=most)
    expected_rows, _ = _expected(result, None, None)
    effective = np.asarray(result.effective)
    graph = _usable_graph(result)
    seeds = set(np.flatnonzero(result.compiled.seeds).tolist())
    for k in range(len(report)):
        seed = int(report.listed[k])
        exposed = [
            x for x in nx.descendants(graph, seed) - seeds if _status(result, x) is Status.exposed
        ]
        record = report.record(k)
        # largest share first, then dataset order
        largest = sorted(exposed, key=lambda x: (-effective[x], x))[:most]
        ids = result.compiled.ids
        assert [x["id"] for x in record["largest_exposed"]] == [ids[x] for x in largest]
        assert [x["look_through_percent"] for x in record["largest_exposed"]] == [
            round(effective[x] * 100, 6) for x in largest
        ]
        top = int(report.top[k, 0])
        if not exposed:
            assert top == -1 and record["top_exposed"] is None
            continue
        best = max(effective[x] for x in exposed)
        assert top in exposed and effective[top] == best
        assert top == min(x for x in exposed if effective[x] == best)
        assert record["top_look_through_percent"] == round(best * 100, 6)
    assert len(report) == len(expected_rows)


def test_inspur_group_heads_the_bundled_case_before_its_affiliates_were_listed() -> None:
    result = ownership.analyze(ownership.load(ownership.bundled_dataset()), as_of="2023-06-01")
    report = result.loopholes()
    first = report.record(0)
    assert first["name"] == "Inspur Group Co., Ltd."
    assert (first["exposed"], first["covered"], first["unlisted"]) == (11, 0, 11)
    assert first["lists"] == ["entity_list"] and first["listed_since"] == "2023-03-02"
    assert (first["top_exposed_name"], first["top_look_through_percent"]) == (
        "IEIT Systems Co., Ltd.",
        30.0,
    )
    # IEIT Systems' wholly owned US unit comes next, at the same 30%
    assert [(x["name"], x["look_through_percent"]) for x in first["largest_exposed"][:2]] == [
        ("IEIT Systems Co., Ltd.", 30.0),
        ("Aivres Systems Inc.", 30.0),
    ]
    # Inspur Systems renamed itself Aivres Systems two months after; IEIT Systems moved
    assert (first["renamed_after_listing"], first["moved_after_listing"]) == (1, 1)
    report_records = report.to_records()
    assert [r["rank"] for r in report_records] == list(range(1, len(report) + 1))
    assert report.multiplier.entities >= 11
    assert "Inspur Group" in report._repr_html_()


def test_renames_and_moves_count_within_two_years_after_the_listing_began() -> None:
    start = dt.date(2023, 3, 2)
    soon, late = start + dt.timedelta(days=60), start + AFTER_LISTING_WINDOW + dt.timedelta(1)
    before = start - dt.timedelta(days=1)
    entities = [
        Entity(id="p", name="P"),
        Entity(id="r", name="R", former_names=[{"name": "Old R", "until": soon}]),
        Entity(id="q", name="Q", former_names=[{"name": "Old Q", "until": late}]),
        Entity(id="m", name="M", addresses=[Address(address="1 New St", start=soon)]),
        Entity(id="o", name="O", addresses=[Address(address="1 Old St", end=before)]),
    ]
    data = dataset(
        *entities,
        listed("p", "entity_list", start=start),
        *(owns("p", x, 100) for x in "rqmo"),
    )
    report = ownership.analyze(data, "bis-affiliates", "2024-01-01").loopholes()
    row = report.record(0)
    assert row["id"] == "p" and row["unlisted"] == 4
    assert (row["renamed_after_listing"], row["moved_after_listing"]) == (1, 1)


def test_a_country_narrows_the_listed_parties_and_their_reach() -> None:
    data = dataset(
        listed("a"),
        listed("b"),
        owns("a", "x", 60),
        owns("a", "y", 20),
        owns("b", "y", 20),
        owns("b", "z", 10),
        countries={"a": "CN", "b": "RU"},
    )
    result = ownership.analyze(data, "ofac-50", "2024-01-01")
    everyone = result.loopholes()
    assert everyone.multiplier.to_dict() == {
        "listed": 2,
        "reaching": 2,
        "entities": 3,
        "covered": 1,
        "exposed": 2,
    }
    china = result.loopholes(country="cn")
    assert [r["id"] for r in china.to_records()] == ["a"]
    assert china.multiplier.to_dict() == {
        "listed": 1,
        "reaching": 1,
        "entities": 2,
        "covered": 1,
        "exposed": 1,
    }
    # y: 20% from each listed party, 40% together; z: 10%
    for least, exposed in (
        (25, {"a": 1, "b": 1}),
        (40, {"a": 1, "b": 1}),
        (40.5, {"a": 0, "b": 0}),
    ):
        rows = result.loopholes(min_look_through=least).to_records()
        assert {r["id"]: r["exposed"] for r in rows} == exposed


runner = CliRunner()


def test_the_command_ranks_inspur_group_first_in_every_format() -> None:
    table = runner.invoke(app, ["loopholes", "--as-of", "2023-06-01"])
    assert table.exit_code == 0, table.output
    assert "listed parties reach" in table.output
    lines = [line for line in table.output.splitlines() if "│" in line]
    assert "Inspur Group" in lines[0]
    doc = runner.invoke(app, ["loopholes", "--as-of", "2023-06-01", "--format", "json"])
    parsed = json.loads(doc.stdout)
    assert parsed["loopholes"][0]["name"] == "Inspur Group Co., Ltd."
    assert parsed["multiplier"]["entities"] >= 11 and parsed["as_of"] == "2023-06-01"
    rows = runner.invoke(app, ["loopholes", "--as-of", "2023-06-01", "--format", "csv"])
    read = list(csv.DictReader(io.StringIO(rows.stdout)))
    assert read[0]["exposed"] == "11" and read[0]["lists"] == "entity_list"
    assert read[0]["largest_exposed"].split(";")[:2] == [
        "inspur-electronic (30%)",
        "aivres-systems (30%)",
    ]
    one = runner.invoke(app, ["loopholes", "--as-of", "2023-06-01", "-f", "csv", "--top", "1"])
    assert next(csv.DictReader(io.StringIO(one.stdout)))["largest_exposed"] == (
        "inspur-electronic (30%)"
    )
    # the table names the second largest too, on a line of its own in the cell
    assert "Aivres" in table.output
    lines_out = runner.invoke(app, ["loopholes", "--as-of", "2023-06-01", "--format", "jsonl"])
    assert json.loads(lines_out.stdout.splitlines()[0])["exposed"] == 11
    again = runner.invoke(app, ["loopholes", "--as-of", "2023-06-01", "--format", "json"])
    assert again.stdout == doc.stdout


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--min-look-through", "120"], "give a percent from 0 to 100"),
        (["--country", "China"], "give a two-letter ISO code"),
        (["--top", "0"], "give how many exposed affiliates to name"),
    ],
)
def test_bad_options_are_refused_in_one_line(option: list[str], message: str) -> None:
    result = runner.invoke(app, ["loopholes", *option])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


@st.composite
def listed_groups(draw: st.DrawFn) -> ownership.Dataset:
    """Up to 9 entities, several of them listed, linked by random stakes."""
    n = draw(st.integers(3, 9))
    ids = [f"e{k}" for k in range(n)]
    stakes = draw(
        st.lists(
            st.tuples(st.sampled_from(ids), st.sampled_from(ids), st.sampled_from(SHARES)),
            max_size=14,
        )
    )
    seeds = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=4, unique=True))
    countries = {i: draw(st.sampled_from(["CN", "RU", "US"])) for i in ids}
    holdings = [owns(a, b, share) for a, b, share in stakes if a != b]
    return dataset(*holdings, *(listed(x) for x in seeds), countries=countries)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(listed_groups(), st.sampled_from([None, "CN"]), st.integers(1, 3))
def test_sets_taken_a_few_at_a_time_give_the_same_report(
    data: ownership.Dataset, country: str | None, at_once: int
) -> None:
    result = ownership.analyze(data, "ofac-50", "2024-01-01")
    whole = result.loopholes(country=country)
    expected, reached = _expected(result, None, country)
    assert whole.multiplier.entities == len(reached) and len(whole) == len(expected)
    with (
        mock.patch.object(listed_columns, "ANCESTOR_SETS_AT_ONCE", at_once),
        mock.patch.object(listed_columns, "ANCESTOR_MEMBERS_AT_ONCE", at_once),
    ):
        parts = result.loopholes(country=country)
    assert parts.to_records() == whole.to_records()
    assert parts.multiplier == whole.multiplier
