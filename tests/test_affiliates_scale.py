"""Affiliates worked out by arrays and made on demand equal a plain search, one by one."""

from __future__ import annotations

import datetime as dt
from collections import deque
from itertools import pairwise
from typing import Any

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ownership import Analysis, analyze, share_order
from ownership import affiliates as affiliates_module
from ownership import searches as searches_module
from ownership.affiliates import SEVERITY, SHARE_PLACES, _direct, affiliates
from ownership.checks import check_dataset
from ownership.display import HTML_ROW_LIMIT
from ownership.model import Dataset, Entity
from ownership.propagate import relative as relative_module
from ownership.propagate import relative_share_array, relative_shares
from ownership.redflags import RedFlagFinder
from ownership.share_order import ShareOrder

from .factories import dataset, dated_datasets, listed, owns

DAYS = [dt.date(2020, 1, 1), dt.date(2025, 10, 1)]
SHARES = ["10", "33.3", "50", "60", "100", "0.125", "25"]


def plain_walk(
    analysis: Analysis, start: int, forward: bool, max_depth: int | None = None
) -> dict[int, tuple[int, list[int]]]:
    """Breadth-first, each entity's usable links in position order: node -> (depth, path)."""
    c = analysis.compiled
    usable = (c.has_share & (c.high > 0)) | c.control
    parent, depth, queue = {start: -1}, {start: 0}, deque([start])
    while queue:
        node = queue.popleft()
        if depth[node] == max_depth:
            continue
        pairs = c.out_pairs(node) if forward else c.in_pairs(node)
        for nxt in sorted({int(c.dst[k] if forward else c.src[k]) for k in pairs if usable[k]}):
            if nxt not in parent:
                parent[nxt], depth[nxt] = node, depth[node] + 1
                queue.append(nxt)
    found = {}
    for node in parent:
        if node != start:
            path = [node]
            while parent[path[-1]] != -1:
                path.append(parent[path[-1]])
            found[node] = (depth[node], path[::-1] if forward else path)
    return found


def plain_group(analysis: Analysis, start: int, max_depth: int | None) -> list[int]:
    """Entities within ``max_depth`` links of ``start``, any link either way."""
    c = analysis.compiled
    if max_depth is None:
        return np.flatnonzero(analysis.groups == analysis.groups[start]).tolist()
    links = nx.Graph()
    links.add_nodes_from(range(c.n))
    links.add_edges_from(zip(c.src.tolist(), c.dst.tolist(), strict=True))
    return list(nx.single_source_shortest_path_length(links, start, cutoff=max_depth))


def plain_affiliates(
    analysis: Analysis,
    entity_id: str,
    scope: str,
    max_depth: int | None = None,
    unlisted: bool = False,
    min_percent: float | None = None,
) -> list[dict[str, Any]]:
    """Every affiliate built one by one, filtered and sorted, as the report documents them;
    shares over the links among the affiliates found."""
    c = analysis.compiled
    start = c.index[entity_id]
    reached: dict[int, tuple[str, int, list[int]]] = {}
    if scope in ("subsidiaries", "group"):
        for node, (depth, path) in plain_walk(analysis, start, True, max_depth).items():
            reached[node] = ("subsidiary", depth, path)
    if scope in ("parents", "group"):
        for node, (depth, path) in plain_walk(analysis, start, False, max_depth).items():
            reached.setdefault(node, ("parent", depth, path))
    if scope == "group":
        for node in plain_group(analysis, start, max_depth):
            reached.setdefault(node, ("group", -1, []))
    reached.pop(start, None)
    nodes = np.fromiter(reached, dtype=np.int64, count=len(reached))
    down = relative_shares(c, start, nodes) if nodes.size else {}
    up = relative_shares(c, start, nodes, upward=True) if nodes.size else {}
    finder = RedFlagFinder(
        analysis.dataset, np.flatnonzero(analysis.groups == analysis.groups[start])
    )
    rows = []
    for node, (relation, depth, path) in reached.items():
        verdict = analysis.verdict(c.ids[node])
        share = up.get(node, 0.0) if relation == "parent" else down.get(node, 0.0)
        if unlisted and verdict.status.value == "listed":
            continue
        if min_percent is not None and share * 100 < min_percent:
            continue
        if relation == "subsidiary":
            direct = _direct(analysis, entity_id, c.ids[node])
        elif relation == "parent":
            direct = _direct(analysis, c.ids[node], entity_id)
        else:
            direct = (None, None)
        ids = [c.ids[i] for i in path]
        rows.append(
            {
                "key": (
                    SEVERITY[verdict.status.value],
                    -float(np.round(share * 100, SHARE_PLACES)),
                    max(depth, 0),
                    verdict.name,
                ),
                "id": verdict.id,
                "relation": relation,
                "depth": depth if depth >= 0 else None,
                "path": ids,
                "path_names": [analysis.name_of(i) for i in ids],
                "direct_share": direct[0],
                "look_through_percent": round(share * 100, 6),
                "red_flags": [f.to_dict() for f in finder.flags(c.ids[node], verdict)],
                "explanation": verdict.explanation,
            }
        )
    rows.sort(key=lambda row: row.pop("key"))
    return rows


def shown(report: Any) -> list[dict[str, Any]]:
    fields = ("id", "relation", "depth", "path", "path_names", "direct_share")
    more = ("look_through_percent", "red_flags", "explanation")
    return [{k: r[k] for k in (*fields, *more)} for r in report.to_records()]


#: The thresholds at which a query of many affiliates works differently, and the value
#: that sends the smallest query that way.
LARGE_QUERY = [
    (affiliates_module, "NAMES_AT_ONCE", 0),  # names ordered by Arrow
    (affiliates_module, "STORED_ORDER_FROM", 0),  # shares from the stored order
    (relative_module, "IN_ORDER_FROM", 0),  # the others solved component by component
    (affiliates_module, "FIRST_RANKED", 1),  # only the first rows ordered
    (affiliates_module, "RANKED_GROWTH", 1),  # ... one more at each read
    (searches_module, "FOLLOWED_BACK", 0),  # every depth worked out at once
    (searches_module, "SEARCHED_BY_LEVELS", 0),  # the search by scipy, as for large groups
    (relative_module, "DENSE_FROM", 0),  # shares solved as a sparse system
    (relative_module, "PAIRS_BY_OWNER_BELOW", 10**9),  # a group's pairs by its owners' index
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dated_datasets(DAYS, SHARES, arrangements=False),
    st.sampled_from(DAYS),
    st.sampled_from(["bis-affiliates", "ofac-50", "uk"]),
    st.sampled_from(["subsidiaries", "parents", "group"]),
    st.lists(st.sampled_from(LARGE_QUERY), unique=True),
    st.fixed_dictionaries(
        {
            "max_depth": st.sampled_from([None, None, 1, 2]),
            "unlisted": st.booleans(),
            "min_percent": st.sampled_from([None, None, 0.0, 30.0, 50.0]),
        }
    ),
    st.data(),
)
def test_reports_equal_the_plain_search_on_random_graphs(
    data: Dataset,
    day: dt.date,
    rule: str,
    scope: str,
    large: list[tuple[Any, str, int]],
    options: dict[str, Any],
    draw: st.DataObject,
) -> None:
    """Every way of working out a report (few rows or many, any depth limit and
    filter) gives the same, whether the rows are read in order or one is read first."""
    assume(not check_dataset(data))
    analysis = analyze(data, rule, day)
    entity = draw.draw(st.sampled_from([e.id for e in data.entities]))
    expected = plain_affiliates(analysis, entity, scope, **options)
    with pytest.MonkeyPatch.context() as patch:
        for module, name, value in large:
            patch.setattr(module, name, value)
        report = affiliates(analysis, entity, scope=scope, **options)
        if expected:
            first = draw.draw(st.integers(0, len(expected) - 1))
            assert report.items[first].id == expected[first]["id"]
        assert shown(report) == expected


def _chain(length: int) -> Dataset:
    ids = [f"c{k:03d}" for k in range(length)]
    links = [owns(a, b, 40 if k % 3 == 2 else 60) for k, (a, b) in enumerate(pairwise(ids))]
    return dataset(*links, owns("side", "c002", 30), listed("c000"), listed("side"))


def test_affiliates_are_made_when_read_and_counted_without_being_made() -> None:
    report = analyze(_chain(100), "ofac-50", "2025-01-01").affiliates("c000")
    assert len(report) == 99 and report.items.made == 0
    counts = report.counts()
    assert counts == {"affiliates": 99, "listed": 0, "covered": 2, "exposed": 97, "clear": 0}
    assert report.items.made == 0
    first = report.items[0]
    assert report.items.made == 1 and report.items[0] is first and report.items[-99] is first
    assert [a.status for a in report.items[:3]] == ["exposed"] * 3
    html = report._repr_html_()
    assert report.items.made == HTML_ROW_LIMIT
    assert f"{99 - HTML_ROW_LIMIT} more rows" in html
    assert counts == {s: sum(a.status == s for a in report) for s in counts} | {"affiliates": 99}


def test_depths_and_paths_follow_the_chain() -> None:
    report = analyze(_chain(30), "bis-affiliates", "2025-01-01").affiliates("c000", max_depth=5)
    depths = {a.id: a.depth for a in report}
    assert depths == {f"c{k:03d}": k for k in range(1, 6)}
    assert next(a for a in report if a.id == "c004").path == tuple(f"c{k:03d}" for k in range(5))


@pytest.mark.parametrize("stored_from", [affiliates_module.STORED_ORDER_FROM, 0])
def test_a_depth_limit_counts_only_the_paths_within_it(
    stored_from: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """x is held 10% directly and 50% through a chain of three links: within one link,
    only the direct 10% shows, however the shares are worked out."""
    monkeypatch.setattr(affiliates_module, "STORED_ORDER_FROM", stored_from)
    data = dataset(owns("a", "x", 10), owns("a", "b", 100), owns("b", "c", 100), owns("c", "x", 50))
    analysis = analyze(data, "look-through", "2025-01-01")
    shares = {r.id: r.look_through_percent for r in affiliates(analysis, "a", max_depth=1)}
    assert shares == {"x": 10.0, "b": 100.0}
    shares = {r.id: r.look_through_percent for r in affiliates(analysis, "a")}
    assert shares == pytest.approx({"x": 60.0, "b": 100.0, "c": 100.0})


@st.composite
def ringed_groups(draw: st.DrawFn) -> Dataset:
    """Up to 40 entities whose stakes make chains, diamonds and rings, some heavy."""
    n = draw(st.integers(4, 40))
    ids = [f"e{i:02d}" for i in range(n)]
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=n, max_size=3 * n
        )
    )
    held = [0.0] * n  # never more than 100% of anyone
    stakes = {}
    for a, b in pairs:
        share = draw(st.sampled_from([0.5, 10, 30, 60, 90]))
        if a != b and (a, b) not in stakes and held[b] + share <= 100:
            held[b] += share
            stakes[a, b] = owns(ids[a], ids[b], share)
    return dataset(*(Entity(id=x, name=x.upper()) for x in ids), *stakes.values())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(dated_datasets(DAYS, SHARES), ringed_groups()), st.booleans(), st.data())
def test_solving_in_order_gives_the_direct_solution(
    data: Dataset, upward: bool, draw: st.DataObject
) -> None:
    """Components in topological order, rings solved on their own, equal the whole
    system solved at once, as a dense system (small groups) or a sparse one."""
    assume(not check_dataset(data))
    c = analyze(data, "look-through", DAYS[1]).compiled
    source = draw.draw(st.integers(0, c.n - 1))
    nodes = np.arange(c.n)
    direct = relative_share_array(c, source, nodes, upward=upward)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(relative_module, "DENSE_FROM", 0)
        sparse = relative_share_array(c, source, nodes, upward=upward)
        patch.setattr(relative_module, "IN_ORDER_FROM", 0)
        in_order = relative_share_array(c, source, nodes, upward=upward)
    assert np.array_equal(direct[0], in_order[0]) and np.array_equal(direct[0], sparse[0])
    np.testing.assert_allclose(in_order[1], direct[1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(sparse[1], direct[1], rtol=0, atol=1e-12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(dated_datasets(DAYS, SHARES), ringed_groups()), st.booleans(), st.data())
def test_a_group_s_pairs_found_by_owner_are_those_of_the_pass_over_all(
    data: Dataset, upward: bool, draw: st.DataObject
) -> None:
    """A small group's share links come from its members' own pairs, in pair order: the
    system, and so every share, is the one a pass over all pairs gives, bit for bit."""
    c = analyze(data, "look-through", DAYS[1]).compiled
    source = draw.draw(st.integers(0, c.n - 1))
    nodes = np.asarray(sorted(draw.draw(st.sets(st.integers(0, c.n - 1)))), dtype=np.int64)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(relative_module, "PAIRS_BY_OWNER_BELOW", 0)
        every = relative_share_array(c, source, nodes, upward=upward)
        patch.setattr(relative_module, "PAIRS_BY_OWNER_BELOW", 10**9)
        by_owner = relative_share_array(c, source, nodes, upward=upward)
    assert np.array_equal(every[0], by_owner[0]) and np.array_equal(every[1], by_owner[1])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(dated_datasets(DAYS, SHARES), ringed_groups()),
    st.sampled_from([share_order.DENSE_RING, 2, 1]),
    st.sampled_from([share_order.DENSE_NUMBERS, 4]),
    st.data(),
)
def test_shares_from_the_stored_order_equal_the_whole_system_solved(
    data: Dataset, dense_ring: int, dense_numbers: int, draw: st.DataObject
) -> None:
    """Rings kept as inverses (up to a size, and a budget of numbers in all) or solved
    when reached, one pass over the stored order gives what solving every entity's
    equations at once gives, for any entities asked about; a source on a ring is left
    to that solve."""
    assume(not check_dataset(data))
    c = analyze(data, "look-through", DAYS[1]).compiled
    source = draw.draw(st.integers(0, c.n - 1))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(share_order, "DENSE_RING", dense_ring)
        patch.setattr(share_order, "DENSE_NUMBERS", dense_numbers)
        order = ShareOrder.build(c)
    of = np.asarray(draw.draw(st.lists(st.integers(0, c.n - 1), unique=True)), dtype=np.int64)
    shares = order.shares_from(source, of)
    _, direct = relative_share_array(c, source, np.arange(c.n))
    links = nx.DiGraph()
    links.add_edges_from(
        (int(c.src[k]), int(c.dst[k])) for k in np.flatnonzero(c.has_share & (c.low > 0))
    )
    on_ring = source in links and any(
        nx.has_path(links, after, source) for after in links.successors(source)
    )
    if on_ring:
        assert shares is None
    else:
        assert shares is not None
        np.testing.assert_allclose(shares, direct[of], rtol=0, atol=1e-12)
