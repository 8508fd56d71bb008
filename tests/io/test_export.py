"""Exports: GraphML, GEXF and Cytoscape read back by networkx with the same nodes, edges
and attributes; FtM and CSV read back by our readers with the same facts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from ownership import analyze
from ownership.io import export, load
from ownership.io.exporters import RESERVED_EDGE_KEYS, to_networkx
from ownership.io.ftm import read_ftm
from ownership.model import Dataset, Entity, Holding, Identifier, Listing

REPO = Path(__file__).resolve().parents[2]


def _dataset() -> Dataset:
    """Parallel edges, a range, an unknown share, control, dates and non-Latin names."""
    return Dataset(
        entities=[
            Entity(
                id="x",
                name="Listed X Group",
                country="CN",
                aliases=["X", "艾克斯"],
                identifiers=[Identifier(scheme="lei", value="5493000EXAMPLE000X01")],
                sources=["s1"],
            ),
            Entity(id="a", name="Alpha 浪潮 Ltd", country="HK", note="line one\nline two"),
            Entity(id="b", name="Beta Holdings", kind="company"),
            Entity(id="p", name="Pat Example", kind="person"),
        ],
        holdings=[
            Holding(owner="x", owned="a", percent="50.5", start="2020-01-01", sources=["s1"]),
            Holding(owner="x", owned="a", kind="control", note="board majority"),
            Holding(owner="a", owned="b", minimum=75, exclusiveMaximum=100, end="2030-12-31"),
            Holding(owner="p", owned="b"),
        ],
        listings=[
            Listing(entity="x", list="entity_list", start="2023-03-02", citation="88 FR 1"),
            Listing(entity="x", list="sdn", program="NPWMD; IFSR"),
            Listing(entity="p", list="dpl"),
        ],
    )


def _read(path: Path, fmt: str) -> nx.MultiDiGraph:
    if fmt == "graphml":
        return nx.read_graphml(path, force_multigraph=True)
    if fmt == "gexf":
        return nx.MultiDiGraph(nx.read_gexf(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    return nx.cytoscape_graph(data, name="label", ident="id")


def _edges(graph: nx.MultiDiGraph) -> list[tuple[str, str, dict[str, Any]]]:
    extra = {"source", "target", "key", "id"}
    out = [
        (u, v, {k: val for k, val in d.items() if k not in extra})
        for u, v, d in graph.edges(data=True)
    ]
    return sorted(out, key=lambda e: (e[0], e[1], json.dumps(e[2], sort_keys=True)))


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("g.graphml", "graphml"),
        ("g.gexf", "gexf"),
        ("g.cyjs", "cytoscape"),
        ("g.cytoscape.json", "cytoscape"),
    ],
)
@pytest.mark.parametrize("with_analysis", [False, True])
def test_graph_round_trip(tmp_path: Path, name: str, fmt: str, with_analysis: bool) -> None:
    dataset = _dataset()
    analysis = analyze(dataset, "ofac-50", "2024-01-01") if with_analysis else None
    written = export(dataset, tmp_path / name, analysis=analysis)
    original = to_networkx(dataset, analysis=analysis)
    back = _read(written, fmt)
    assert back.number_of_nodes() == original.number_of_nodes() == 4
    assert back.number_of_edges() == original.number_of_edges() == 4
    for node, attrs in original.nodes(data=True):
        read = back.nodes[node]
        assert {k: read.get(k) for k in attrs} == attrs
    assert _edges(back) == _edges(original)
    if with_analysis:
        assert back.nodes["a"]["status"] == "covered"
        assert back.nodes["a"]["effective_percent"] == pytest.approx(50.5)


def test_attributes_are_flat_and_never_reserved() -> None:
    graph = to_networkx(_dataset())
    for _, attrs in graph.nodes(data=True):
        assert all(isinstance(v, str | int | float | bool) for v in attrs.values())
    assert graph.nodes["x"]["aliases"] == "X;艾克斯"
    assert graph.nodes["x"]["lists"] == "entity_list;sdn"
    assert graph.nodes["x"]["identifiers"] == "lei:5493000EXAMPLE000X01"
    for _, _, attrs in graph.edges(data=True):
        assert not RESERVED_EDGE_KEYS & attrs.keys()
        assert all(isinstance(v, str | int | float | bool) for v in attrs.values())
    shares = sorted(d["share"] for _, _, d in graph.edges(data=True))
    assert shares == ["50.5%", "75-<100%", "control", "unknown %"]


def test_ftm_round_trip(tmp_path: Path) -> None:
    dataset = _dataset()
    path = export(dataset, tmp_path / "out.ftm.json")
    back = read_ftm(path).dataset

    def holdings(ds: Dataset) -> set[tuple[Any, ...]]:
        return {(h.owner, h.owned, h.kind, h.share_text(), h.start, h.end) for h in ds.holdings}

    def listings(ds: Dataset) -> set[tuple[Any, ...]]:
        return {(x.entity, x.list, x.program, x.start, x.end, x.citation) for x in ds.listings}

    assert holdings(back) == holdings(dataset)
    assert listings(back) == listings(dataset)
    names = {e.id: (e.name, e.kind, e.country, tuple(e.aliases)) for e in dataset.entities}
    assert {e.id: (e.name, e.kind, e.country, tuple(e.aliases)) for e in back.entities} == names


def test_csv_folder_round_trip(tmp_path: Path) -> None:
    dataset = load(REPO / "fixtures" / "inspur.yaml")
    folder = export(dataset, tmp_path / "dataset")
    assert load(folder) == dataset


def test_inspur_dataset_exports_everywhere(tmp_path: Path) -> None:
    dataset = load(REPO / "fixtures" / "inspur.yaml")
    analysis = analyze(dataset, "bis-affiliates", "2026-12-01")
    for name in ("i.graphml", "i.gexf", "i.cyjs", "i.jsonl"):
        assert export(dataset, tmp_path / name, analysis=analysis).stat().st_size > 0


@pytest.mark.parametrize("name", ["out.txt", "out.json"])
def test_unknown_suffix_needs_a_format(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="cannot tell the export format"):
        export(_dataset(), tmp_path / name)
    assert export(_dataset(), tmp_path / name, fmt="cytoscape").exists()
