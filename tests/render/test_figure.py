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
    assert title.startswith("Ownership group of Parent Group\n")
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


def test_a_figure_past_its_budget_is_refused_naming_how_to_narrow_it(sample, tmp_path, monkeypatch):
    from ownership.errors import OwnershipError
    from ownership.render import figure

    monkeypatch.setattr(figure, "FIGURE_BUDGET", 3)
    with pytest.raises(OwnershipError) as caught:
        save_figure(sample, tmp_path / "big.png", focus="parent")
    assert "more than a figure can label legibly (at most 3)" in str(caught.value)
    assert "--max-depth or --min-percent" in str(caught.value)
    assert not (tmp_path / "big.png").exists()
    out = save_figure(sample, tmp_path / "small.png", focus="sub", scope="subsidiaries")
    assert out.exists()  # sub, range and jv: within the budget


def test_plot_and_map_take_the_affiliates_scope_on_the_command_line(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from ownership.cli import app
    from ownership.render import figure

    runner = CliRunner()
    args = ["--as-of", "2023-06-01", "--scope", "subsidiaries", "--max-depth", "1"]
    done = runner.invoke(app, ["map", "Inspur Group", *args, "--out", str(tmp_path / "m.html")])
    assert done.exit_code == 0, done.output
    assert (
        "Subsidiaries (up to 1 link) of Inspur Group Co., Ltd." in (tmp_path / "m.html").read_text()
    )
    monkeypatch.setattr(figure, "FIGURE_BUDGET", 2)
    refused = runner.invoke(app, ["plot", "Inspur Group", *args, "--out", str(tmp_path / "p.png")])
    assert refused.exit_code == 2
    assert "narrow it with --max-depth or --min-percent" in refused.stderr
    assert not (tmp_path / "p.png").exists()
