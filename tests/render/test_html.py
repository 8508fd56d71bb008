"""The HTML map without a browser: self-contained, escaped, and carrying the right data."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from typing import Any

import pytest

from ownership import analyze
from ownership.graph import OwnershipGraph
from ownership.render.html import FRAME_SANDBOX, MapView, ownership_map, unpack, write_map
from ownership.render.style import LINK_STYLE, STATUS_STYLE

from .conftest import DAY, EVIL, EVIL_ALIAS, EVIL_FORMER, GROUP, GROUP_EDGES


def embedded(page: str, block: str) -> Any:
    match = re.search(
        rf'<script type="application/json" id="map-{block}">(.*?)</script>', page, re.S
    )
    assert match, f"no {block} block in the page"
    return json.loads(match.group(1))


def store(page: str) -> dict[str, Any]:
    """The packed data of a map page."""
    match = re.search(
        r'<script type="application/octet-stream" id="map-store">(.*?)</script>', page, re.S
    )
    assert match, "no store in the page"
    return unpack(match.group(1))


class MapData:
    """A map's data as tests read it: entities by id, links by pair, names and statuses
    on the map's date."""

    def __init__(self, page: str) -> None:
        self.raw = store(page)
        self.order = [e["id"] for e in self.raw["entities"]]
        self.entities = {e["id"]: e for e in self.raw["entities"]}
        base = self.raw["steps"][self.raw["base"]]
        self.base = base
        letters = {v["status"]: k for k, v in embedded(page, "styles")["statuses"].items()}
        self.status = {eid: _status(base["status"][i], letters) for i, eid in enumerate(self.order)}
        self.name = dict(zip(self.order, base["names"], strict=True))
        self.explain = dict(zip(self.order, base["explain"], strict=True))
        self.links = {(self.order[x["from"]], self.order[x["to"]]): x for x in self.raw["links"]}
        self.shown = {self.order[i] for i in self.raw["shown"]}


def _status(letter: str, letters: dict[str, str]) -> str:
    return next(status for status, code in letters.items() if code == letter)


@pytest.fixture(scope="module")
def page(sample) -> str:
    return ownership_map(sample, focus="parent")


@pytest.fixture(scope="module")
def data(page) -> MapData:
    return MapData(page)


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


def test_hostile_strings_never_appear_raw(sample, page):
    evil_page = ownership_map(sample, focus="evil")
    for text in (page, evil_page):
        for hostile in (EVIL, EVIL_ALIAS, EVIL_FORMER, "<2>"):
            assert hostile not in text
    assert "<h1>Owners and holdings of &lt;img src=x onerror=alert(1)&gt;</h1>" in evil_page
    assert "<title>Owners and holdings of &lt;img src=x onerror=alert(1)&gt;</title>" in evil_page


def test_data_keeps_the_real_names_for_the_page_to_show_as_text(data):
    # the script puts names on the canvas and in the panel as text, never as markup
    assert data.name["evil"] == EVIL
    assert EVIL_ALIAS in data.entities["evil"]["aliases"]
    assert [EVIL_FORMER, "", "2020-06-30"] in data.entities["evil"]["names"]


def test_the_script_never_parses_data_as_markup():
    from ownership.render.html import _TEMPLATES

    script = (_TEMPLATES / "map.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script
    assert "DOMParser" not in script and "new Function" not in script


# ---------------------------------------------------------------------- data


def test_entities_and_links_match_the_group_on_the_date(sample, data):
    snapshot = OwnershipGraph(sample.dataset).as_of(DAY)
    group = snapshot.group("parent")
    active = [h for h in snapshot.dataset.holdings if h.owner in group and h.owned in group]
    assert set(data.order) == group == set(GROUP) == data.shown
    assert len(data.links) == len(active) == GROUP_EDGES
    assert sorted(data.links) == sorted((h.owner, h.owned) for h in active)


@pytest.mark.parametrize(
    ("focus", "depth", "count"), [(None, None, 10), ("sub", 1, 4), ("lone", None, 1)]
)
def test_focus_and_depth_choose_the_entities(sample, focus, depth, count):
    assert len(MapData(ownership_map(sample, focus=focus, depth=depth)).order) == count


def test_statuses_are_the_engines_on_the_date(sample, data):
    for eid in data.order:
        assert data.status[eid] == sample.status(eid).value
        assert data.explain[eid] == sample.verdict(eid).explanation


def test_styles_give_each_status_its_colour_shape_and_border(page):
    styles = embedded(page, "styles")["statuses"]
    for style in STATUS_STYLE.values():
        (drawn,) = [s for s in styles.values() if s["status"] == style.label]
        assert (drawn["colour"], drawn["border"], drawn["shape"], drawn["dashed"]) == (
            style.colour,
            style.border,
            style.shape_html,
            style.dashed,
        )
    links = embedded(page, "styles")["links"]
    assert links["control"]["dashes"] == list(LINK_STYLE["control"].dashes)


def test_links_carry_share_width_and_kind(data):
    links = data.links
    labels = {pair: x["label"] for pair, x in links.items()}
    assert labels[("parent", "sub")] == "60%"
    assert labels[("sub", "range")] == "30-35%"
    assert labels[("parent", "unknown")] == "?%"
    assert labels[("parent", "ctl")] == "control"
    assert links[("parent", "ctl")]["kind"] == "control"
    assert links[("parent", "unknown")]["kind"] == "unknown"
    widths = [links[p]["width"] for p in [("parent", "unknown"), ("sub", "jv"), ("parent", "evil")]]
    assert widths == sorted(widths) and widths[0] < widths[-1]


def test_entity_cards_have_names_lists_identifiers_owners_and_sources(sample, data):
    parent = data.entities["parent"]
    assert parent["names"] == [
        ["Old Parent & Sons", "", "2023-06-30"],
        ["Parent Group", "2023-07-01", ""],
    ]
    assert parent["aliases"] == ["PG Holdings"]
    assert parent["lists"] == [
        {
            "list": "SDN List [CHINA-EO13959]",
            "span": "since 2021-01-15",
            "citation": "86 FR 1234",
            "note": "",
        }
    ]
    evil = data.entities["evil"]
    assert evil["lists"][0]["note"] == "not read by this rule"
    order = data.order
    sub = data.entities["sub"]
    assert sub["owners"] == [[order.index("parent"), "Parent Group", "60%", "since 2015-01-01"]]
    assert sub["sources"] == [
        [
            f"Company register {EVIL}, Registry, 2023-05-01",
            "https://example.org/register?id=1&x=<2>",
        ]
    ]
    assert "possibly_covered" in data.base["flags"][order.index("unknown")]


def test_as_of_names_label_the_entities(sample):
    earlier = MapData(
        ownership_map(analyze(sample.dataset, rule="ofac-50", as_of="2023-01-01"), focus="parent")
    )
    assert earlier.name["parent"] == "Old Parent & Sons"


def test_links_have_share_dates_note_and_sources(data):
    link = data.links[("parent", "sub")]
    assert (link["share"], link["span"]) == ("60%", "since 2015-01-01")
    assert link["sources"] == [
        [
            f"Company register {EVIL}, Registry, 2023-05-01",
            "https://example.org/register?id=1&x=<2>",
        ]
    ]
    assert data.links[("parent", "evil")]["note"] == EVIL
    assert data.links[("sub", "range")]["span"] == "dates not given"
    assert data.links[("parent", "ctl")]["share"] == "control (no share)"


def test_the_same_map_is_the_same_bytes(sample, page):
    assert ownership_map(sample, focus="parent") == page


# ---------------------------------------------------------------------- page furniture


def test_legend_lists_statuses_shapes_and_line_styles(sample, page):
    start = page.index('<aside id="legend"')
    legend = page[start : page.index("</aside>", start)]
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
    assert embedded(ownership_map(sample, focus="parent", physics=True), "options")["physics"][
        "enabled"
    ]


def test_levels_put_owners_above(data):
    for owner, owned in data.links:
        assert data.entities[owner]["level"] < data.entities[owned]["level"]


def test_write_map_creates_folders(sample, tmp_path):
    out = write_map(sample, tmp_path / "a" / "b" / "map.html", focus="sub", depth=1)
    assert out == tmp_path / "a" / "b" / "map.html"
    assert len(MapData(out.read_text(encoding="utf-8")).order) == 4


def test_map_view_shows_inline_in_a_sandboxed_frame(sample, tmp_path):
    view = MapView(sample, focus="parent")
    assert repr(view) == "<MapView 'Owners and holdings of Parent Group': 8 entities, 7 links>"
    frame = view._repr_html_()
    assert frame.startswith(f'<iframe sandbox="{FRAME_SANDBOX}" srcdoc="')
    assert "allow-same-origin" not in frame
    srcdoc = re.search(r'srcdoc="([^"]*)"', frame).group(1)
    assert html.unescape(srcdoc) == view.html == ownership_map(sample, focus="parent")
    assert EVIL not in frame
    assert view.write(tmp_path / "v" / "map.html").read_text(encoding="utf-8") == view.html


def test_names_over_time_are_the_cards(sample):
    from ownership.card import entity_card
    from ownership.model import Dataset, Entity, FormerName

    entity = Entity(
        id="a",
        name="Now",
        former_names=[FormerName(name="Dated", until="2020-01-31"), FormerName(name="Undated")],
    )
    data = MapData(ownership_map(analyze(Dataset(entities=[entity]), as_of=DAY), focus="a"))
    expected = [
        [n.name, n.since.isoformat() if n.since else "", n.until.isoformat() if n.until else ""]
        for n in entity_card(Dataset(entities=[entity]), "a").names
    ]
    assert data.entities["a"]["names"] == expected
    assert expected == [["Undated", "", ""], ["Dated", "", "2020-01-31"], ["Now", "2020-02-01", ""]]
