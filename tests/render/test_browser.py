"""The HTML map in headless Chromium: it loads offline, counts match, tooltips and controls work.

Needs the ``playwright`` Python package and Chromium at /usr/bin/chromium (or
$OWNERSHIP_CHROMIUM); never ``playwright install``. Without them these tests skip,
except under CI (``CI`` set and not "false"/"0"), where they fail: CI must run them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ownership.render.html import write_map

from .conftest import EVIL, GROUP, GROUP_EDGES

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("OWNERSHIP_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_SCHEMES = ("file:", "data:", "about:")
#: Milliseconds to wait for the layout of a small map.
READY_TIMEOUT = 15_000


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install playwright)"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set OWNERSHIP_CHROMIUM)"
    return None


@dataclass
class MapPage:
    """An opened map with everything the page asked for and complained about."""

    page: Any
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def node_point(self, node_id: str) -> tuple[float, float]:
        """Where ``node_id`` is on screen: canvas position to DOM, plus the container's offset."""
        self.js("id => network.focus(id, {scale: 1.2})", node_id)
        return tuple(
            self.js(
                """id => {
                    const p = network.canvasToDOM(network.getPositions([id])[id]);
                    const box = document.getElementById('mynetwork').getBoundingClientRect();
                    return [box.left + p.x, box.top + p.y];
                }""",
                node_id,
            )
        )

    def edge_point(self, owner: str, owned: str) -> tuple[float, float]:
        """A point on the drawn link owner -> owned, near its head, where nothing else is."""
        self.js("ids => network.fit({nodes: ids})", [owner, owned])
        return tuple(
            self.js(
                """([owner, owned]) => {
                    const id = edges.getIds({filter: e => e.from === owner && e.to === owned})[0];
                    const edge = network.body.edges[id];
                    const box = document.getElementById('mynetwork').getBoundingClientRect();
                    for (let along = 0.85; along > 0.15; along -= 0.05) {
                        const p = network.canvasToDOM(edge.edgeType.getPoint(along));
                        if (network.getEdgeAt(p) === id && network.getNodeAt(p) === undefined) {
                            return [box.left + p.x, box.top + p.y];
                        }
                    }
                    throw new Error('no clear point on the link ' + owner + ' -> ' + owned);
                }""",
                [owner, owned],
            )
        )

    def hover(self, x: float, y: float) -> str:
        """Move onto a point and return the text of the tooltip that appears."""
        self.page.mouse.move(1, 1)  # off the network (the page header): no tooltip
        self.page.locator("div.vis-tooltip").wait_for(state="hidden", timeout=5_000)
        self.page.mouse.move(x, y)
        self.page.mouse.move(x + 1, y)
        tooltip = self.page.locator("div.vis-tooltip")
        tooltip.wait_for(state="visible", timeout=5_000)
        return tooltip.inner_text()


class Chromium:
    """Opens pages in one browser per module; skips or fails inside the test that asks."""

    def __init__(self) -> None:
        self.reason = missing()
        self._playwright: Any = None
        self._browser: Any = None

    @contextmanager
    def open(self, path: Path) -> Iterator[MapPage]:
        """Open ``path``; skip here when no browser, or fail under CI (in the test, not setup)."""
        if self.reason:
            if in_ci():
                pytest.fail(f"browser tests must run in CI, but {self.reason}")
            pytest.skip(self.reason)
        if self._browser is None:
            from playwright.sync_api import sync_playwright

            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
            )
        page = self._browser.new_page(viewport={"width": 1200, "height": 800})
        opened = MapPage(page)
        page.on("request", lambda request: opened.requests.append(request.url))
        page.on("dialog", lambda dialog: (opened.dialogs.append(dialog.message), dialog.dismiss()))
        page.on(
            "console",
            lambda msg: opened.errors.append(msg.text) if msg.type == "error" else None,
        )
        page.on("pageerror", lambda error: opened.errors.append(str(error)))
        page.goto(path.resolve().as_uri())
        # The page marks itself ready after the first drawing of the laid-out network.
        try:
            page.wait_for_selector("body[data-ready=true]", state="attached", timeout=READY_TIMEOUT)
            yield opened
        finally:
            page.close()

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._playwright.stop()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Chromium]:
    browser = Chromium()
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def group_map(sample, tmp_path_factory) -> Path:
    return write_map(sample, tmp_path_factory.mktemp("map") / "group.html", focus="parent")


def test_map_loads_offline_with_the_groups_nodes_and_edges(chromium, group_map, tmp_path):
    with chromium.open(group_map) as opened:
        counts = opened.js("[network.body.data.nodes.length, network.body.data.edges.length]")
        assert counts == [len(GROUP), GROUP_EDGES]
        assert sorted(opened.js("nodes.getIds()")) == sorted(GROUP)
        assert opened.requests and all(url.startswith(LOCAL_SCHEMES) for url in opened.requests), (
            opened.requests
        )
        assert opened.errors == []
        shot = tmp_path / "group.png"
        opened.page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000


def test_layout_is_top_down(chromium, group_map):
    with chromium.open(group_map) as opened:
        positions = opened.js("network.getPositions()")
        for edge in opened.js("edges.get()"):
            assert positions[edge["from"]]["y"] < positions[edge["to"]]["y"]


def test_hovering_a_node_shows_its_explanation(chromium, group_map, sample):
    with chromium.open(group_map) as opened:
        text = opened.hover(*opened.node_point("sub"))
        verdict = sample.verdict("sub")
        assert " ".join(verdict.explanation.split()) in " ".join(text.split())
        assert "covered" in text and "Subsidiary With A Rather Long Name Limited" in text
        assert "<div" not in text  # the markup was turned into elements, not shown as text
        tags = opened.js("[...document.querySelectorAll('div.vis-tooltip *')].map(e => e.tagName)")
        assert set(tags) <= {"DIV", "SPAN", "B", "I", "BR", "UL", "LI"}


def test_a_hostile_name_is_shown_as_text_and_never_runs(chromium, group_map):
    with chromium.open(group_map) as opened:
        text = opened.hover(*opened.node_point("evil"))
        assert EVIL in text and "<script>alert(2)</script>" in text
        assert opened.page.locator("div.vis-tooltip img, div.vis-tooltip script").count() == 0
        assert opened.js("id => nodes.get(id).label", "evil") == EVIL
        opened.page.wait_for_timeout(200)
        assert opened.dialogs == []
        assert opened.errors == []
        assert all(url.startswith(LOCAL_SCHEMES) for url in opened.requests)


def test_hovering_an_edge_shows_share_dates_and_source(chromium, group_map):
    with chromium.open(group_map) as opened:
        text = opened.hover(*opened.edge_point("parent", "sub"))
        assert "60%" in text and "since 2015-01-01" in text
        assert f"Company register {EVIL}" in text


def test_status_filter_hides_nodes_and_their_links(chromium, group_map):
    with chromium.open(group_map) as opened:
        hidden = "ids => nodes.get(ids).filter(n => n.hidden).map(n => n.id).sort()"
        exposed = sorted(n for n in GROUP if n in {"range", "unknown", "ctl", "jv"})
        opened.page.locator('#legend input[data-status="exposed"]').uncheck()
        assert opened.js(hidden, list(GROUP)) == exposed
        hidden_edges = opened.js("edges.get().filter(e => e.hidden).map(e => e.to).sort()")
        assert hidden_edges == ["ctl", "jv", "jv", "range", "unknown"]  # jv has two owners
        opened.page.locator('#legend input[data-status="exposed"]').check()
        assert opened.js(hidden, list(GROUP)) == []
        assert opened.js("edges.get().filter(e => e.hidden).length") == 0


def test_search_selects_and_focuses_a_node(chromium, group_map):
    with chromium.open(group_map) as opened:
        for query, expected in [
            ("joint venture co", "jv"),
            ("pg holdings", "parent"),
            ("range", "range"),
        ]:
            opened.page.fill("#search", query)
            opened.page.press("#search", "Enter")
            assert opened.js("network.getSelectedNodes()") == [expected]
        opened.page.fill("#search", "no such company")
        opened.page.press("#search", "Enter")
        assert "No entity matches" in opened.page.inner_text("#found")


def test_search_reveals_a_node_hidden_by_the_filter(chromium, group_map):
    with chromium.open(group_map) as opened:
        opened.page.locator('#legend input[data-status="clear"]').uncheck()
        opened.page.fill("#search", "Partner Inc")
        opened.page.press("#search", "Enter")
        assert opened.js("network.getSelectedNodes()") == ["partner"]
        assert opened.js("nodes.get('partner').hidden") is False
        assert opened.page.locator('#legend input[data-status="clear"]').is_checked()


def test_physics_button_toggles_physics(chromium, group_map):
    with chromium.open(group_map) as opened:
        button = opened.page.locator("#physics")
        assert button.inner_text() == "Physics: off"
        assert opened.js("network.physics.physicsEnabled") is False
        button.click()
        assert button.inner_text() == "Physics: on"
        assert opened.js("network.physics.physicsEnabled") is True
        button.click()
        assert opened.js("network.physics.physicsEnabled") is False
        assert opened.errors == []


def test_title_and_legend_are_visible(chromium, group_map, sample):
    with chromium.open(group_map) as opened:
        assert opened.page.inner_text("h1") == "Owners and holdings of Parent Group"
        assert opened.page.inner_text("header p.rule") == sample.header()
        legend = opened.page.inner_text("#legend")
        for label in ("listed (1)", "covered (2)", "exposed (4)", "clear (1)", "control"):
            assert label in legend


def test_a_map_with_physics_on_settles_and_loads(chromium, sample, tmp_path):
    path = write_map(sample, tmp_path / "physics.html", physics=True)
    with chromium.open(path) as opened:
        assert opened.js("network.physics.physicsEnabled") is True
        assert opened.js("nodes.length") == len(sample.dataset.entities)
        assert opened.page.locator("#physics").inner_text() == "Physics: on"
        assert opened.errors == []


# ---------------------------------------------------------------------- large groups


def fan_analysis(children: int):
    """A listed parent with ``children`` 40% subsidiaries (exposed), each owning one more."""
    from ownership import analyze
    from tests.factories import dataset, listed, owns

    records: list[Any] = [listed("p")]
    for i in range(children):
        records += [owns("p", f"c{i:03}", 40), owns(f"c{i:03}", f"g{i:03}", 100)]
    return analyze(dataset(*records), rule="ofac-50", as_of="2024-01-01")


@pytest.fixture(scope="module")
def fan_map(tmp_path_factory) -> tuple[Any, Path]:
    analysis = fan_analysis(60)
    path = write_map(analysis, tmp_path_factory.mktemp("fan") / "fan.html", focus="p", budget=30)
    return analysis, path


def test_a_large_group_draws_within_the_budget_with_counted_clusters(chromium, fan_map):
    from ownership.render.collapse import collapse
    from ownership.render.scene import build_scene

    analysis, path = fan_map
    scene = build_scene(analysis, focus="p")
    folded = collapse(scene, budget=30)
    with chromium.open(path) as opened:
        drawn = opened.js("nodes.getIds()")
        assert len(drawn) <= 30
        assert set(folded.shown) <= set(drawn)
        labels = opened.js("nodes.get().filter(n => n.status === 'cluster').map(n => n.label)")
        assert labels == [c.label(scene.statuses) for c in folded.clusters]
        assert "of 121 entities" in opened.page.inner_text("header p.folded")
        assert opened.errors == []


def test_clicking_a_cluster_opens_it(chromium, fan_map):
    with chromium.open(fan_map[1]) as opened:
        (cluster,) = opened.js("nodes.getIds({filter: n => n.status === 'cluster'})")
        before = opened.js("nodes.length")
        opened.page.mouse.click(*opened.node_point(cluster))
        opened.page.wait_for_function("id => nodes.get(id) === null", arg=cluster)
        ids = opened.js("nodes.getIds()")
        assert {f"c{i:03}" for i in range(60)} <= set(ids)
        assert len(ids) > before
        assert opened.errors == []
        assert all(url.startswith(LOCAL_SCHEMES) for url in opened.requests)


def test_search_finds_and_reveals_a_folded_entity(chromium, fan_map):
    with chromium.open(fan_map[1]) as opened:
        assert opened.js("nodes.get('g059')") is None
        opened.page.fill("#search", "G059")
        opened.page.press("#search", "Enter")
        assert opened.js("network.getSelectedNodes()") == ["g059"]
        assert opened.js("nodes.get('c059') !== null")  # the path to it opened too


def test_a_filter_on_a_large_map_hides_only_that_status(chromium, fan_map):
    with chromium.open(fan_map[1]) as opened:
        opened.page.locator('#legend input[data-status="exposed"]').uncheck()
        statuses = opened.js("nodes.get({filter: n => !n.hidden}).map(n => n.status)")
        assert "exposed" not in statuses and "listed" in statuses


# ---------------------------------------------------------------------- the side panel


@pytest.fixture(scope="module")
def panel_map(sample, tmp_path_factory) -> Path:
    return write_map(sample, tmp_path_factory.mktemp("panel") / "panel.html", focus="parent")


def test_clicking_an_entity_opens_its_card_with_sources_as_plain_links(chromium, panel_map, sample):
    with chromium.open(panel_map) as opened:
        assert opened.page.locator("#panel").is_hidden()
        opened.page.mouse.click(*opened.node_point("sub"))
        panel = opened.page.locator("#panel")
        panel.wait_for(state="visible")
        text = panel.inner_text()
        assert "Subsidiary With A Rather Long Name Limited" in text
        assert " ".join(sample.verdict("sub").explanation.split()) in " ".join(text.split())
        assert "Owners and shares" in text and "Parent Group: 60%, since 2015-01-01" in text
        links = opened.js(
            "[...document.querySelectorAll('#panel a')].map(a => [a.getAttribute('href'), "
            "a.target, a.rel, a.textContent, a.getAttributeNames().sort()])"
        )
        assert links == [
            [
                "https://example.org/register?id=1&x=<2>",
                "_blank",
                "noopener noreferrer",
                f"Company register {EVIL}, Registry, 2023-05-01",
                ["href", "rel", "target"],
            ]
        ]
        # an owner in the card is a button to its own card
        opened.page.get_by_role("button", name="Parent Group").click()
        assert opened.page.locator("#panel h2").inner_text() == "Parent Group"
        assert "SDN List [CHINA-EO13959], since 2021-01-15, 86 FR 1234" in panel.inner_text()
        opened.page.locator("#panel-close").click()
        assert panel.is_hidden()
        assert all(url.startswith(LOCAL_SCHEMES) for url in opened.requests)
        assert opened.errors == [] and opened.dialogs == []


def test_a_source_address_that_is_not_http_is_text_not_a_link(chromium, tmp_path):
    from ownership import analyze
    from ownership.model import Dataset, Entity, Holding, Source

    ds = Dataset(
        entities=[Entity(id="a", name="A", sources=["s1"]), Entity(id="b", name="B")],
        holdings=[Holding(owner="a", owned="b", percent=60)],
        sources=[Source(id="s1", title="Script", url="javascript:alert(1)")],
    )
    path = write_map(analyze(ds, as_of="2024-01-01"), tmp_path / "js.html", focus="a")
    with chromium.open(path) as opened:
        opened.page.mouse.click(*opened.node_point("a"))
        opened.page.locator("#panel").wait_for(state="visible")
        assert opened.page.locator("#panel a").count() == 0
        assert "Script (javascript:alert(1))" in opened.page.inner_text("#panel")
        assert opened.dialogs == []


# ---------------------------------------------------------------------- the date slider


@pytest.fixture(scope="module")
def inspur_map(tmp_path_factory) -> tuple[Any, Path]:
    import ownership

    analysis = ownership.analyze(
        ownership.load(ownership.bundled_dataset()), rule="bis-affiliates", as_of="2025-10-01"
    )
    focus = analysis.resolve("Inspur Group")
    path = write_map(analysis, tmp_path_factory.mktemp("inspur") / "inspur.html", focus=focus)
    return analysis, path


def test_the_date_slider_plays_the_inspur_story_with_the_engines_verdicts(chromium, inspur_map):
    import ownership
    from ownership.render.style import STATUS_STYLE

    analysis, path = inspur_map
    with chromium.open(path) as opened:
        dates = opened.js(
            "[...Array(Number(document.getElementById('when').max) + 1).keys()]"
            ".map(k => (mapView.showStep(k), document.getElementById('when-date').textContent))"
        )
        days = [d.split(" ")[0] for d in dates]
        for day in ("2023-03-02", "2023-05-02", "2025-03-25", "2025-09-29", "2025-11-10"):
            assert day in days
        assert dates[days.index("2025-10-01")].endswith("(the map's date)")
        for day in days:
            opened.js("k => mapView.showStep(k)", days.index(day))
            engine = ownership.analyze(analysis.dataset, rule="bis-affiliates", as_of=day)
            drawn = opened.js("nodes.get({filter: n => n.status !== 'cluster'})")
            assert drawn
            for node in drawn:
                verdict = engine.verdict(node["id"])
                assert node["status"] == verdict.status.value, (day, node["id"])
                assert node["color"]["background"] == STATUS_STYLE[verdict.status.value].colour
                assert node["label"] == verdict.name, (day, node["id"])
        opened.js("k => mapView.showStep(k)", days.index("2023-03-02"))
        assert opened.js("nodes.get('aivres-systems').label") == "Inspur Systems, Inc."
        assert "Inspur Group Co., Ltd. added to entity_list" in opened.page.inner_text(
            "#when-events"
        )
        opened.js("k => mapView.showStep(k)", days.index("2023-05-02"))
        assert opened.js("nodes.get('aivres-systems').label") == "Aivres Systems Inc."
        assert "listed (1)" in opened.page.inner_text("#legend")
        opened.js("k => mapView.showStep(k)", days.index("2025-03-25"))
        assert "listed (7)" in opened.page.inner_text("#legend")
        # the card follows the slider: that day's name, status and explanation
        opened.page.mouse.click(*opened.node_point("aivres-systems"))
        opened.page.locator("#panel").wait_for(state="visible")
        opened.js("k => mapView.showStep(k)", days.index("2023-03-02"))
        engine = ownership.analyze(analysis.dataset, rule="bis-affiliates", as_of="2023-03-02")
        verdict = engine.verdict("aivres-systems")
        panel = " ".join(opened.page.inner_text("#panel").split())
        assert opened.page.inner_text("#panel h2") == "Inspur Systems, Inc."
        assert f"{verdict.status.value} on 2023-03-02" in panel
        assert " ".join(verdict.explanation.split()) in panel
        assert opened.errors == []


def test_moving_the_slider_by_hand_recolours(chromium, inspur_map):
    with chromium.open(inspur_map[1]) as opened:
        slider = opened.page.locator("#when")
        slider.focus()
        opened.page.keyboard.press("Home")
        assert opened.js("nodes.get('inspur-group').status") == "clear"
        opened.page.keyboard.press("ArrowRight")
        assert opened.js("nodes.get('inspur-group').status") == "listed"


# ---------------------------------------------------------------------- export


def test_png_and_svg_downloads_of_the_current_view(chromium, group_map, tmp_path):
    import xml.etree.ElementTree as ET

    with chromium.open(group_map) as opened:
        with opened.page.expect_download() as png:
            opened.page.click("#save-png")
        png_path = tmp_path / png.value.suggested_filename
        png.value.save_as(png_path)
        assert png_path.name == "ownership-map-2024-01-01.png"
        assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        opened.page.locator('#legend input[data-status="clear"]').uncheck()
        with opened.page.expect_download() as svg:
            opened.page.click("#save-svg")
        svg_path = tmp_path / svg.value.suggested_filename
        svg.value.save_as(svg_path)
        root = ET.parse(svg_path).getroot()
        ns = {"s": "http://www.w3.org/2000/svg"}
        groups = root.findall(".//s:g[@class='entities']/s:g", ns)
        assert len(groups) == len(GROUP) - 1  # the clear one is filtered out of the view
        texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
        assert EVIL in texts and "60%" in texts  # a name is text in the drawing, not markup
        assert not root.findall(".//s:script", ns) and not root.findall(".//s:image", ns)
        assert all(url.startswith((*LOCAL_SCHEMES, "blob:")) for url in opened.requests)
        assert opened.errors == []


def test_the_inspur_card_names_identifiers_listings_and_former_names(chromium, inspur_map):
    with chromium.open(inspur_map[1]) as opened:
        opened.page.mouse.click(*opened.node_point("inspur-electronic"))
        panel = opened.page.locator("#panel")
        panel.wait_for(state="visible")
        text = panel.inner_text()
        assert "Identifiers" in text and "szse: 000977" in text
        assert "Entity List, since 2025-03-25, 90 FR 14046" in text
        assert "Inspur Group Co., Ltd.:" in text  # an owner and its share
        opened.page.mouse.click(*opened.node_point("aivres-systems"))
        assert "Inspur Systems, Inc. (until 2023-05-01)" in panel.inner_text()
        assert "Aivres Systems Inc. (from 2023-05-02)" in panel.inner_text()
        assert opened.errors == []


def test_the_notebook_frame_unpacks_and_draws_the_map(chromium, sample, tmp_path):
    from ownership.render.html import MapView

    view = MapView(sample, focus="parent")
    wrapper = tmp_path / "notebook.html"
    wrapper.write_text(f'<html><body data-ready="true">{view._repr_html_()}</body></html>')
    with chromium.open(wrapper) as opened:
        frame = opened.page.frames[1]
        frame.wait_for_selector("body[data-ready=true]", state="attached", timeout=READY_TIMEOUT)
        assert sorted(frame.evaluate("nodes.getIds()")) == sorted(GROUP)
        assert opened.errors == []


def test_an_entity_id_shaped_like_a_cluster_never_takes_a_clusters_place(chromium, tmp_path):
    from ownership import analyze
    from tests.factories import dataset, listed, owns

    ds = dataset(
        owns("cluster:b:0", "x", 60),
        owns("x", "y", 60),
        owns("x", "z", 60),
        owns("x", "w", 60),
        listed("cluster:b:0"),
    )
    path = write_map(
        analyze(ds, rule="ofac-50", as_of="2024-01-01"), tmp_path / "ids.html", focus="x", budget=3
    )
    with chromium.open(path) as opened:
        clusters = opened.js("nodes.get({filter: n => n.status === 'cluster'}).map(n => n.label)")
        assert clusters == ["3 entities: 3 covered"]
        assert "cluster:b:0" in opened.js("nodes.getIds()")
        assert opened.errors == []


def test_a_cluster_hides_when_the_filter_hides_everything_in_it(chromium, tmp_path):
    from ownership import analyze
    from tests.factories import dataset, listed, owns

    ds = dataset(listed("f"), *[owns("f", f"c{i}", 60) for i in range(6)], owns("f", "e", 10))
    path = write_map(
        analyze(ds, rule="ofac-50", as_of="2024-01-01"), tmp_path / "fc.html", focus="f", budget=3
    )
    with chromium.open(path) as opened:
        cluster = "nodes.get({filter: n => n.status === 'cluster'})[0]"
        assert opened.js(cluster + ".hidden") is False
        opened.page.locator('#legend input[data-status="covered"]').uncheck()
        label = opened.js(cluster + ".label")
        assert opened.js(cluster + ".hidden") is ("exposed" not in label)
        opened.page.locator('#legend input[data-status="exposed"]').uncheck()
        assert opened.js(cluster + ".hidden") is True
        assert opened.js("edges.get({filter: e => e.id.startsWith('to:')})[0].hidden") is True


def test_downloads_are_named_after_the_date_on_the_slider(chromium, inspur_map, tmp_path):
    with chromium.open(inspur_map[1]) as opened:
        opened.js("k => mapView.showStep(k)", 1)
        day = opened.page.inner_text("#when-date").split(" ")[0]
        with opened.page.expect_download() as svg:
            opened.page.click("#save-svg")
        assert svg.value.suggested_filename == f"ownership-map-{day}.svg"
