"""The HTML map without a browser: self-contained, escaped, and carrying the right data."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from ownership import analyze
from ownership.graph import OwnershipGraph
from ownership.render.html import MapView, ownership_map, write_map
from ownership.render.style import LINK_STYLE, STATUS_STYLE

from .conftest import DAY, EVIL, EVIL_ALIAS, EVIL_FORMER, GROUP, GROUP_EDGES

#: Tags the page lets through into tooltips (see the template's allow-list).
TOOLTIP_TAGS = {"div", "span", "b", "i", "br", "ul", "li"}


def embedded(page: str, block: str) -> Any:
    match = re.search(
        rf'<script type="application/json" id="map-{block}">(.*?)</script>', page, re.S
    )
    assert match, f"no {block} block in the page"
    return json.loads(match.group(1))


def by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in items}


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs.update(name for name, _ in attrs)


def tags_in(markup: str) -> TagCollector:
    collector = TagCollector()
    collector.feed(markup)
    return collector


@pytest.fixture(scope="module")
def page(sample) -> str:
    return ownership_map(sample, focus="evil")


# ---------------------------------------------------------------------- self-contained


def test_page_loads_nothing_from_elsewhere(page):
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not re.search(r"<link\b", page, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?\s*(?:https?:)?//", page, re.I)
    assert "cdn.jsdelivr.net" not in page and "cdnjs.cloudflare.com" not in page
    assert "vis.Network" in page  # vis-network itself is inlined


def test_content_security_policy_allows_only_the_pages_own_scripts(page):
    policy = re.search(r'http-equiv="Content-Security-Policy"\s+content="([^"]*)"', page).group(1)
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    expected = {
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in scripts
    }
    allowed = set(re.search(r"script-src ([^;]*)", policy).group(1).split())
    assert len(scripts) == 2 and allowed == expected


# ---------------------------------------------------------------------- escaping


def test_hostile_strings_never_appear_raw(page):
    for hostile in (EVIL, EVIL_ALIAS, EVIL_FORMER, "<2>"):
        assert hostile not in page
    assert "<h1>Ownership group of &lt;img src=x onerror=alert(1)&gt;</h1>" in page
    assert "<title>Ownership group of &lt;img src=x onerror=alert(1)&gt;</title>" in page


def test_labels_keep_the_real_name_for_the_canvas(page):
    # vis-network draws labels as canvas text, never as HTML, so the name stays as written.
    assert by_id(embedded(page, "nodes"))["evil"]["label"] == EVIL


def test_tooltips_hold_only_escaped_data_in_allowed_tags(page):
    tips = [item["title"] for item in embedded(page, "nodes") + embedded(page, "edges")]
    for tip in tips:
        found = tags_in(tip)
        assert found.tags <= TOOLTIP_TAGS, tip
        assert found.attrs <= {"class"}, tip
    evil_tip = by_id(embedded(page, "nodes"))["evil"]["title"]
    for hostile in (EVIL, EVIL_ALIAS, EVIL_FORMER):
        assert hostile not in evil_tip
    assert "&lt;img src=x onerror=alert(1)&gt;" in evil_tip
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in evil_tip
    assert "&quot;&gt;&lt;svg onload=alert(3)&gt;" in evil_tip


# ---------------------------------------------------------------------- data


def test_nodes_and_edges_match_the_group_on_the_date(sample, page):
    snapshot = OwnershipGraph(sample.dataset).as_of(DAY)
    group = snapshot.group("evil")
    active = [h for h in snapshot.dataset.holdings if h.owner in group and h.owned in group]
    nodes, edges = embedded(page, "nodes"), embedded(page, "edges")
    assert {n["id"] for n in nodes} == group == set(GROUP)
    assert len(edges) == len(active) == GROUP_EDGES
    assert sorted((e["from"], e["to"]) for e in edges) == sorted((h.owner, h.owned) for h in active)


@pytest.mark.parametrize(
    ("focus", "depth", "count"), [(None, None, 10), ("sub", 1, 4), ("lone", None, 1)]
)
def test_focus_and_depth_choose_the_nodes(sample, focus, depth, count):
    assert len(embedded(ownership_map(sample, focus=focus, depth=depth), "nodes")) == count


def test_nodes_carry_status_colour_shape_and_border(sample, page):
    for node in embedded(page, "nodes"):
        status = sample.status(node["id"]).value
        style = STATUS_STYLE[status]
        assert node["status"] == status
        assert node["shape"] == style.shape_html
        assert node["color"]["background"] == style.colour
        assert node["color"]["border"] == style.border
        assert ("shapeProperties" in node) is style.dashed
    assert (
        by_id(embedded(page, "nodes"))["evil"]["borderWidth"] > STATUS_STYLE["covered"].border_width
    )


def test_edges_show_share_width_and_line_style(page):
    edges = {(e["from"], e["to"]): e for e in embedded(page, "edges")}
    labels = {pair: e["label"] for pair, e in edges.items()}
    assert labels[("parent", "sub")] == "60%"
    assert labels[("sub", "range")] == "30-35%"
    assert labels[("parent", "unknown")] == "?%"
    assert labels[("parent", "ctl")] == "control"
    assert "dashes" in edges[("parent", "ctl")] and "dashes" in edges[("parent", "unknown")]
    assert "dashes" not in edges[("parent", "sub")]
    assert "value" not in edges[("parent", "sub")]  # value would scale the label font too
    widths = [edges[p]["width"] for p in [("parent", "unknown"), ("sub", "jv"), ("parent", "evil")]]
    assert widths == sorted(widths) and widths[0] < widths[-1]


def test_node_tooltip_has_names_lists_status_and_explanation(sample, page):
    tips = {n["id"]: n["title"] for n in embedded(page, "nodes")}
    parent = tips["parent"]
    for text in (
        "Parent Group",
        "parent · company · CN",
        "Old Parent &amp; Sons (until 2023-06-30)",
        "PG Holdings",
        "SDN List [CHINA-EO13959]",
        "since 2021-01-15",
        "86 FR 1234",
        "listed",
    ):
        assert text in parent, text
    evil = tips["evil"]
    assert "Entity List" in evil and "not read by this rule" in evil and "covered" in evil
    assert "possibly_covered" in tips["unknown"]
    for node_id, tip in tips.items():
        assert html.escape(sample.verdict(node_id).explanation) in tip


def test_as_of_names_label_the_nodes(sample):
    earlier = analyze(sample.dataset, rule="ofac-50", as_of="2023-01-01")
    nodes = by_id(embedded(ownership_map(earlier, focus="parent"), "nodes"))
    assert nodes["parent"]["label"] == "Old Parent & Sons"
    assert "Parent Group (later name)" in nodes["parent"]["title"]


def test_edge_tooltip_has_share_dates_and_sources(page):
    edges = {(e["from"], e["to"]): e["title"] for e in embedded(page, "edges")}
    tip = edges[("parent", "sub")]
    assert "60%" in tip and "since 2015-01-01" in tip
    assert "Company register &lt;img src=x onerror=alert(1)&gt;, Registry, 2023-05-01" in tip
    assert "https://example.org/register?id=1&amp;x=&lt;2&gt;" in tip  # shown, not linked
    assert "dates not given" in edges[("sub", "range")] and "30-35%" in edges[("sub", "range")]
    assert "control (no share)" in edges[("parent", "ctl")]


# ---------------------------------------------------------------------- page furniture


def test_legend_lists_statuses_shapes_and_line_styles(sample, page):
    legend = page[page.index('<aside id="legend"') : page.index("</aside>")]
    counts = {"listed": 1, "covered": 2, "exposed": 4, "clear": 1}
    for status, style in STATUS_STYLE.items():
        assert f'data-status="{status}"' in legend
        assert f"{style.label} ({counts[status]})" in legend
        assert style.colour in legend
    for link in LINK_STYLE.values():
        assert link.label in legend
    assert legend.count("<svg") == len(STATUS_STYLE) + len(LINK_STYLE)
    assert legend.count('stroke-dasharray="8 5"') == 1  # control


def test_title_names_the_rule_its_window_and_date(sample, page):
    assert f'<p class="rule">{html.escape(sample.header())}</p>' in page
    assert "ofac-50" in sample.header() and "2024-01-01" in sample.header()


def test_custom_title_is_escaped(sample):
    page = ownership_map(sample, title="Review <b>draft</b>")
    assert "<h1>Review &lt;b&gt;draft&lt;/b&gt;</h1>" in page


def test_layout_is_top_down_with_physics_off_unless_asked(sample, page):
    options = embedded(page, "options")
    hierarchical = options["layout"]["hierarchical"]
    assert hierarchical["enabled"] and hierarchical["direction"] == "UD"
    assert hierarchical["sortMethod"] == "directed"
    assert options["physics"]["enabled"] is False
    assert 'id="physics"' in page and 'id="search"' in page
    assert embedded(ownership_map(sample, focus="evil", physics=True), "options")["physics"][
        "enabled"
    ]


def test_levels_put_owners_above(page):
    nodes = by_id(embedded(page, "nodes"))
    for edge in embedded(page, "edges"):
        assert nodes[edge["from"]]["level"] < nodes[edge["to"]]["level"]


def test_write_map_creates_folders(sample, tmp_path):
    out = write_map(sample, tmp_path / "a" / "b" / "map.html", focus="sub", depth=1)
    assert out == tmp_path / "a" / "b" / "map.html"
    assert len(embedded(out.read_text(encoding="utf-8"), "nodes")) == 4


def test_map_view_shows_inline_in_a_sandboxed_frame(sample, tmp_path):
    view = MapView(sample, focus="evil")
    assert repr(view) == f"<MapView 'Ownership group of {EVIL}': 8 entities, 7 links>"
    frame = view._repr_html_()
    assert frame.startswith('<iframe sandbox="allow-scripts" srcdoc="')
    assert "allow-same-origin" not in frame
    srcdoc = re.search(r'srcdoc="([^"]*)"', frame).group(1)
    assert html.unescape(srcdoc) == view.html == ownership_map(sample, focus="evil")
    assert EVIL not in frame
    assert view.write(tmp_path / "v" / "map.html").read_text(encoding="utf-8") == view.html
