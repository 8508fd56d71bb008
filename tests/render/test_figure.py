"""The static figure: what was drawn (markers, arrows, labels, legend, title), not pixels."""

from __future__ import annotations

from collections import Counter

import pytest

from ownership.errors import OwnershipError
from ownership.render.figure import LABEL_WRAP, plot_ownership, save_figure
from ownership.render.style import LINK_STYLE, STATUS_STYLE

from .conftest import EVIL, GROUP, GROUP_EDGES

matplotlib = pytest.importorskip("matplotlib")

#: Names on the date, written out so the test does not reuse the code it checks.
NAMES = {
    "parent": "Parent Group",
    "evil": EVIL,
    "sub": "Subsidiary With A Rather Long Name Limited",
    "range": "Range Co",
    "unknown": "Unknown Share Co",
    "ctl": "Controlled Co",
    "jv": "Joint Venture Co",
    "partner": "Partner Inc",
}


def new_axes():
    from matplotlib.figure import Figure

    return Figure(figsize=(10, 6)).subplots()


def drawn(ax, gid):
    artists = [*ax.collections, *ax.patches, *ax.texts]
    return [a for a in artists if a.get_gid() == gid]


@pytest.fixture(scope="module")
def ax(sample):
    return plot_ownership(sample, focus="parent", ax=new_axes())


def test_one_marker_per_entity_in_its_status_style(sample, ax):
    expected = Counter(sample.status(eid).value for eid in GROUP)
    for status, style in STATUS_STYLE.items():
        collections = drawn(ax, f"status-{status}")
        count = sum(len(c.get_offsets()) for c in collections)
        assert count == expected[status], status
        for points in collections:
            assert points.get_facecolor()[0][:3] == pytest.approx(
                matplotlib.colors.to_rgb(style.colour)
            )
            path = points.get_paths()[0]
            marker = matplotlib.markers.MarkerStyle(style.marker)
            assert len(path.vertices) == len(marker.get_path().vertices)


def test_one_arrow_per_active_holding_control_dashed(ax):
    arrows = drawn(ax, "edge")
    assert len(arrows) == GROUP_EDGES
    styles = Counter(arrow.get_linestyle() for arrow in arrows)
    assert styles == {
        LINK_STYLE["control"].mpl_linestyle: 1,
        LINK_STYLE["unknown"].mpl_linestyle: 1,
        LINK_STYLE["ownership"].mpl_linestyle: GROUP_EDGES - 2,
    }
    assert LINK_STYLE["control"].mpl_linestyle == "dashed"


def test_edge_labels_give_the_share(ax):
    labels = Counter(t.get_text() for t in drawn(ax, "edge-label"))
    assert labels == Counter(["60%", "100%", "30-35%", "?%", "control", "40%", "60%"])


def test_node_labels_are_wrapped_names(sample, ax):
    labels = [t.get_text() for t in drawn(ax, "node-label")]
    names = sorted(" ".join(label.split("\n")) for label in labels)
    assert names == sorted(NAMES[eid] for eid in GROUP)
    long = next(label for label in labels if label.startswith("Subsidiary"))
    assert "\n" in long and all(len(line) <= LABEL_WRAP for line in long.split("\n"))


def test_legend_names_statuses_with_counts_and_line_styles(ax):
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == [
        "listed (1)",
        "covered (2)",
        "exposed (4)",
        "clear (1)",
        *(link.label for link in LINK_STYLE.values()),
    ]


def test_title_names_the_group_the_rule_and_the_date(sample, ax):
    title = ax.get_title()
    assert title.startswith("Owners and holdings of Parent Group\n")
    assert "ofac-50" in title and "2024-01-01" in title
    assert " ".join(title.split("\n")[1:]) == sample.header()


def test_owners_are_drawn_above_what_they_own(sample, ax):
    positions = {}
    for label in drawn(ax, "node-label"):
        positions[" ".join(label.get_text().split("\n"))] = label.xy
    for hold in sample.dataset.holdings:
        if hold.owner in GROUP and hold.owned in GROUP:
            owner, owned = NAMES[hold.owner], NAMES[hold.owned]
            assert positions[owner][1] > positions[owned][1]


def test_depth_limits_what_is_drawn(sample):
    ax = plot_ownership(sample, focus="sub", depth=1, ax=new_axes(), title="Around sub")
    assert len(drawn(ax, "node-label")) == 4
    assert len(drawn(ax, "edge")) == 3
    assert ax.get_title().startswith("Around sub\n")


def test_without_axes_a_pyplot_figure_is_made(sample):
    import matplotlib.pyplot as plt

    ax = plot_ownership(sample, focus="lone")
    try:
        assert len(drawn(ax, "node-label")) == 1 and not drawn(ax, "edge")
    finally:
        plt.close(ax.figure)


@pytest.mark.parametrize(
    ("suffix", "magic"), [(".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")]
)
def test_save_figure_writes_each_format(sample, tmp_path, suffix, magic):
    out = save_figure(sample, tmp_path / "deep" / f"group{suffix}", focus="parent")
    assert out.read_bytes().startswith(magic)


def test_save_figure_refuses_unknown_formats(sample, tmp_path):
    with pytest.raises(OwnershipError, match=r"\.png, \.svg, \.pdf"):
        save_figure(sample, tmp_path / "group.jpg")


def fan(children: int):
    """A listed parent with ``children`` 40% subsidiaries (exposed), each owning one more."""
    from ownership import analyze
    from tests.factories import dataset, listed, owns

    records = [listed("p")]
    for i in range(children):
        records += [owns("p", f"c{i:03}", 40), owns(f"c{i:03}", f"g{i:03}", 100)]
    return analyze(dataset(*records), rule="ofac-50", as_of="2024-01-01")


def test_past_the_budget_subtrees_fold_into_boxes_with_counts():
    from ownership.render.collapse import collapse
    from ownership.render.scene import build_scene

    analysis = fan(60)
    ax = plot_ownership(analysis, focus="p", ax=new_axes())  # default budget: 60
    scene = build_scene(analysis, focus="p")
    folded = collapse(scene, 60)
    assert folded.clusters
    boxes = [" ".join(t.get_text().split()) for t in drawn(ax, "cluster")]
    assert boxes == [" ".join(c.label(scene.statuses).split()) for c in folded.clusters]
    assert len(drawn(ax, "node-label")) == len(folded.shown)
    assert len(drawn(ax, "node-label")) + len(boxes) <= 60
    assert len(drawn(ax, "cluster-link")) == len(folded.clusters)
    assert "Showing 59 of 121 entities" in ax.get_title()
    more = plot_ownership(analysis, focus="p", budget=121, ax=new_axes())
    assert len(drawn(more, "node-label")) == 121 and not drawn(more, "cluster")


def test_what_must_stay_in_view_past_the_budget_is_refused_naming_how_to_narrow_it(tmp_path):
    from ownership import analyze
    from tests.factories import dataset, listed, owns

    chain = [owns(f"n{i}", f"n{i + 1}", 100) for i in range(6)]
    analysis = analyze(dataset(*chain, listed("n0")), rule="ofac-50", as_of="2024-01-01")
    with pytest.raises(OwnershipError) as caught:
        save_figure(analysis, tmp_path / "big.png", focus="n6", budget=3)
    message = str(caught.value)
    assert "its listed owners take 7 entities, more than the figure's budget of 3" in message
    assert "--max-depth or --min-percent" in message and "--budget" in message
    assert not (tmp_path / "big.png").exists()
    with pytest.raises(OwnershipError, match="between 1 and 300"):
        save_figure(analysis, tmp_path / "big.png", focus="n6", budget=301)


def test_a_wide_level_wraps_so_no_two_labels_overlap(tmp_path):
    from matplotlib.figure import Figure

    from ownership.render.figure import _drawable, _figure_size, _plot

    analysis = fan(99)
    drawing = _drawable(analysis, "p", None, "subsidiaries", 1, None, 100)
    width, height = _figure_size(drawing)
    assert width <= 26 and height <= 30  # was 7202 x 1836 pixels for 99 subsidiaries
    fig = Figure(figsize=(width, height))
    ax = fig.subplots()
    _plot(drawing, ax, None)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in drawn(ax, "node-label")]
    assert len(boxes) == 100
    for i, first in enumerate(boxes):
        for second in boxes[i + 1 :]:
            assert not first.overlaps(second)
    for text in drawn(ax, "node-label"):
        assert text.get_fontsize() >= 8


def test_a_dollar_in_a_name_is_drawn_as_written():
    from ownership import analyze
    from ownership.model import Dataset, Entity, Holding

    ds = Dataset(
        entities=[Entity(id="a", name="$Cash$ Holdings"), Entity(id="b", name="B")],
        holdings=[Holding(owner="a", owned="b", percent=60)],
    )
    from matplotlib.figure import Figure

    fig = Figure()
    ax = plot_ownership(analyze(ds, as_of="2024-01-01"), focus="a", ax=fig.subplots())
    (label,) = [t for t in drawn(ax, "node-label") if "Cash" in t.get_text()]
    assert label.get_text() == "$Cash$ Holdings"
    fig.savefig(__import__("io").BytesIO(), format="png")  # no mathtext error either


def test_plot_and_map_take_the_affiliates_scope_on_the_command_line(tmp_path):
    from typer.testing import CliRunner

    from ownership.cli import app

    runner = CliRunner()
    args = ["--as-of", "2023-06-01", "--scope", "subsidiaries", "--max-depth", "1"]
    done = runner.invoke(app, ["map", "Inspur Group", *args, "--out", str(tmp_path / "m.html")])
    assert done.exit_code == 0, done.output
    assert (
        "Subsidiaries (up to 1 link) of Inspur Group Co., Ltd." in (tmp_path / "m.html").read_text()
    )
    plotted = runner.invoke(
        app, ["plot", "Inspur Group", *args, "--budget", "3", "--out", str(tmp_path / "p.png")]
    )
    assert plotted.exit_code == 0, plotted.output
    assert (tmp_path / "p.png").read_bytes().startswith(b"\x89PNG")
    refused = runner.invoke(
        app, ["plot", "Inspur Group", "--budget", "0", "--out", str(tmp_path / "q.png")]
    )
    assert refused.exit_code == 2
    assert "--budget" in refused.stderr and not (tmp_path / "q.png").exists()


def test_map_and_figures_are_the_same_bytes_under_every_hash_seed(tmp_path):
    import os
    import subprocess
    import sys

    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "OWNERSHIP_CACHE": "off"}
        files = []
        for name in ("map.html", "tree.svg", "tree.pdf", "tree.png"):
            out = tmp_path / seed / name
            command = "map" if name.endswith(".html") else "plot"
            subprocess.run(
                [sys.executable, "-m", "ownership", command, "Inspur Group", "--as-of",
                 "2025-10-01", "--out", str(out)],
                check=True, capture_output=True, env=env,
            )  # fmt: skip
            files.append(out.read_bytes())
        outputs.append(files)
    assert outputs[0] == outputs[1]


def test_a_whole_dataset_past_the_budget_is_refused_naming_its_separate_groups(tmp_path):
    from ownership import analyze
    from ownership.model import Entity
    from ownership.render.html import ownership_map
    from tests.factories import dataset, listed, owns

    loners = [Entity(id=f"e{i}", name=f"E{i}") for i in range(80)]
    analysis = analyze(
        dataset(*loners, owns("e0", "e1", 60), listed("e0")), rule="ofac-50", as_of="2024-01-01"
    )
    with pytest.raises(OwnershipError) as caught:
        save_figure(analysis, tmp_path / "all.png")
    assert "the 79 separate groups drawn are more than the figure's budget of 60" in str(
        caught.value
    )
    assert save_figure(analysis, tmp_path / "all.png", budget=100).exists()
    import html

    page = html.unescape(ownership_map(analysis, budget=10))
    assert "The 79 separate groups' tops and their clusters take 80 nodes" in page
