"""Interactive ownership maps: one self-contained HTML file per group, drawn with pyvis.

The page works offline and makes no request to any other host: vis-network is inlined
from the copy pyvis ships, and the page template is our own (pyvis's links bootstrap
from a CDN even with ``cdn_resources="in_line"``). Every string from the data is escaped
where it meets HTML; node labels are drawn on a canvas as plain text, and tooltips are
built from escaped markup that the page copies through an allow-list of tags.

>>> from ownership import analyze
>>> from ownership.model import Dataset, Entity, Holding, Listing
>>> ds = Dataset(
...     entities=[Entity(id="x", name="X <Holdings>"), Entity(id="a", name="A")],
...     holdings=[Holding(owner="x", owned="a", percent=60)],
...     listings=[Listing(entity="x", list="sdn")],
... )
>>> page = ownership_map(analyze(ds, rule="ofac-50", as_of="2024-01-01"), focus="x")
>>> "X <Holdings>" in page, "X &lt;Holdings&gt;" in page
(False, True)
>>> import re; re.search(r'(src|href)\\s*=\\s*["\\']?\\s*(https?:)?//', page) is None
True
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .scene import Scene, build_scene
from .style import (
    LEGEND_ORDER,
    LINK_STYLE,
    STATUS_STYLE,
    edge_width,
    link_kind,
    share_label,
)

if TYPE_CHECKING:
    from pyvis.network import Network

    from ..analysis import Analysis
    from ..model import Entity, Holding, Listing, Source

__all__ = ["MapView", "ownership_map", "write_map"]

#: Above this many entities the layout skips vis-network's costlier passes (edge crossing
#: minimisation, block shifting, curved links, stabilising physics before the first
#: drawing) so a 2,000-entity group still opens in a few seconds.
LARGE_MAP = 400
#: Widest label before it wraps, in pixels.
LABEL_WIDTH = 170
#: Upper bound on physics iterations before the first drawing when physics is on.
STABILIZATION_ITERATIONS = 150

#: vis-network shapes that draw their label inside; the others draw it underneath.
LABEL_INSIDE = ("box", "ellipse", "circle", "database", "text")
#: Behind labels drawn under a shape, where links pass.
LABEL_BACKGROUND = "rgba(255,255,255,0.85)"

_TEMPLATES = Path(__file__).parent / "templates"

_LIST_NAMES = {
    "entity_list": "Entity List",
    "meu_list": "MEU List",
    "unverified_list": "Unverified List",
    "sdn": "SDN List",
    "eu": "EU list",
    "uk": "UK list",
}


def ownership_map(
    analysis: Analysis,
    *,
    focus: str | None = None,
    depth: int | None = None,
    scope: str | None = None,
    max_depth: int | None = None,
    min_percent: float | None = None,
    physics: bool = False,
    title: str | None = None,
) -> str:
    """The HTML text of a map of ``focus``'s group (or ``depth`` links around it), or all.

    Colour, shape and border show each entity's status; arrows run owner -> owned, wider
    for larger shares; control links are dashed. Hover for names, lists and the
    verdict's explanation; search by name and filter by status in the page.
    """
    return MapView(
        analysis,
        focus=focus,
        depth=depth,
        scope=scope,
        max_depth=max_depth,
        min_percent=min_percent,
        physics=physics,
        title=title,
    ).html


def write_map(
    analysis: Analysis,
    path: str | Path,
    *,
    focus: str | None = None,
    depth: int | None = None,
    scope: str | None = None,
    max_depth: int | None = None,
    min_percent: float | None = None,
    physics: bool = False,
    title: str | None = None,
) -> Path:
    """Write :func:`ownership_map` to ``path`` (parent folders are created) and return it."""
    view = MapView(
        analysis,
        focus=focus,
        depth=depth,
        scope=scope,
        max_depth=max_depth,
        min_percent=min_percent,
        physics=physics,
        title=title,
    )
    return view.write(path)


class MapView:
    """A map to show inline in Jupyter (in a sandboxed frame) or to write to a file.

    The page is built on first use and kept.

    >>> from ownership import analyze
    >>> from ownership.model import Dataset, Entity
    >>> view = MapView(analyze(Dataset(entities=[Entity(id="a", name="A")]), as_of="2024-01-01"))
    >>> view
    <MapView 'Ownership map of the whole dataset': 1 entity, 0 links>
    >>> view._repr_html_().startswith('<iframe sandbox="allow-scripts"')
    True
    """

    #: Height of the inline frame in a notebook, in pixels.
    FRAME_HEIGHT = 650

    def __init__(
        self,
        analysis: Analysis,
        *,
        focus: str | None = None,
        depth: int | None = None,
        scope: str | None = None,
        max_depth: int | None = None,
        min_percent: float | None = None,
        physics: bool = False,
        title: str | None = None,
    ) -> None:
        self.scene = build_scene(
            analysis,
            focus=focus,
            depth=depth,
            scope=scope,
            max_depth=max_depth,
            min_percent=min_percent,
        )
        self.physics = physics
        self.title = title
        self._html: str | None = None

    @property
    def html(self) -> str:
        """The page, as :func:`ownership_map` returns it."""
        if self._html is None:
            net = _network(self.scene, physics=self.physics)
            self._html = _page(net, self.scene, title=self.title, physics=self.physics)
        return self._html

    def write(self, path: str | Path) -> Path:
        """Write the page to ``path`` (parent folders are created) and return it."""
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(self.html, encoding="utf-8")
        return out

    def _repr_html_(self) -> str:
        # srcdoc keeps the notebook free of side files; the sandbox gives the page an opaque
        # origin, so its scripts cannot reach the notebook.
        return (
            f'<iframe sandbox="allow-scripts" srcdoc="{_e(self.html, quote=True)}" '
            f'style="width:100%;height:{self.FRAME_HEIGHT}px;border:1px solid #ddd"></iframe>'
        )

    def __repr__(self) -> str:
        count, links = len(self.scene.nodes), len(self.scene.edges)
        return (
            f"<MapView {self.scene.heading(self.title)!r}: {count} "
            f"entit{'y' if count == 1 else 'ies'}, {links} link{'' if links == 1 else 's'}>"
        )


# ---------------------------------------------------------------------- the network


def _network(scene: Scene, *, physics: bool) -> Network:
    """A pyvis network of the scene, with vis-network options for a top-down hierarchy."""
    from pyvis.network import Network

    analysis = scene.analysis
    entities = analysis.dataset.entity_index()
    sources = {s.id: s for s in analysis.dataset.sources}
    listings: dict[str, list[Listing]] = {}
    for listing in analysis.dataset.listings:
        listings.setdefault(listing.entity, []).append(listing)
    global_flags = set(analysis.global_flags)

    net = Network(directed=True, cdn_resources="in_line", height="100%", width="100%")
    for eid in scene.nodes:
        status = scene.statuses[eid]
        style = STATUS_STYLE[status]
        entity = entities[eid]
        verdict = analysis.verdict(eid)
        flags = [f for f in verdict.flags if f not in global_flags]
        options: dict[str, Any] = {
            "level": scene.levels[eid],
            "status": status,
            "search": _search_text(entity, scene.names[eid]),
            "borderWidth": style.border_width,
            "color": {
                "background": style.colour,
                "border": style.border,
                "highlight": {"background": style.colour, "border": "#000000"},
                "hover": {"background": style.colour, "border": "#000000"},
            },
            "title": _node_tip(
                entity,
                scene.names[eid],
                status,
                flags,
                verdict.explanation,
                listings.get(eid, []),
                analysis,
            ),
        }
        if style.dashed:
            options["shapeProperties"] = {"borderDashes": [5, 3]}
        font: dict[str, Any] = {}
        if style.shape_html not in LABEL_INSIDE:
            font["background"] = LABEL_BACKGROUND  # keeps links from striking through it
        if eid == scene.focus:
            font["size"] = 18
            options["borderWidth"] = style.border_width + 2
        if font:
            options["font"] = font
        net.add_node(eid, label=scene.names[eid], shape=style.shape_html, **options)

    for index, hold in enumerate(scene.edges):
        link = LINK_STYLE[link_kind(hold)]
        edge: dict[str, Any] = {
            "id": f"e{index}",
            "label": share_label(hold),
            "width": edge_width(hold),
            "color": {"color": link.colour, "highlight": "#000000", "hover": "#000000"},
            "title": _edge_tip(hold, scene, sources),
        }
        if link.dashes:
            edge["dashes"] = list(link.dashes)
        net.add_edge(hold.owner, hold.owned, **edge)

    net.options = _vis_options(len(scene.nodes), physics=physics)  # type: ignore[assignment]
    return net


def _vis_options(count: int, *, physics: bool) -> dict[str, Any]:
    """vis-network options: hierarchical top-down, cheaper passes for large groups."""
    large = count > LARGE_MAP
    return {
        "layout": {
            "improvedLayout": False,
            "hierarchical": {
                "enabled": True,
                "direction": "UD",
                "sortMethod": "directed",
                "shakeTowards": "roots",
                "levelSeparation": 170,
                "nodeSpacing": LABEL_WIDTH + 20,
                "treeSpacing": LABEL_WIDTH + 60,
                "blockShifting": not large,
                "edgeMinimization": not large,
                "parentCentralization": True,
            },
        },
        "physics": {
            "enabled": physics,
            "solver": "hierarchicalRepulsion",
            "hierarchicalRepulsion": {"nodeDistance": LABEL_WIDTH + 20, "avoidOverlap": 1},
            # Above LARGE_MAP a physics step takes a large fraction of a second (repulsion is
            # pairwise): draw at once and let the layout move, rather than wait for it.
            "stabilization": {"enabled": not large, "iterations": STABILIZATION_ITERATIONS},
        },
        "nodes": {
            "font": {"size": 14, "face": "Arial, Helvetica, sans-serif", "color": "#111111"},
            "widthConstraint": {"maximum": LABEL_WIDTH},
            "size": 16,
        },
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.7}},
            "font": {"size": 12, "align": "horizontal", "background": "#FFFFFF", "strokeWidth": 0},
            "smooth": (
                {"enabled": False}
                if large
                else {"enabled": True, "type": "cubicBezier", "forceDirection": "vertical"}
            ),
        },
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": large},
    }


# ---------------------------------------------------------------------- tooltips

_e = html.escape


def _date(day: dt.date | None) -> str:
    return day.isoformat() if day else "?"


def _span(start: dt.date | None, end: dt.date | None) -> str:
    if start is None and end is None:
        return "dates not given"
    if end is None:
        return f"since {_date(start)}"
    return f"{_date(start)} to {_date(end)}"


def _node_tip(
    entity: Entity,
    name: str,
    status: str,
    flags: list[str],
    explanation: str,
    listings: list[Listing],
    analysis: Analysis,
) -> str:
    """Tooltip markup; every piece of data passes through :func:`html.escape`."""
    meta = [entity.id, entity.kind.value]
    if entity.country:
        meta.append(entity.country)
    parts = [
        f'<div class="tip-name">{_e(name)}</div>',
        f'<div class="tip-meta">{_e(" · ".join(meta))}</div>',
        f'<div><span class="tip-status tip-{_e(status)}">{_e(status)}</span>'
        + (f" <i>{_e(', '.join(flags))}</i>" if flags else "")
        + "</div>",
    ]
    names = [f"{_e(f.name)} (until {_date(f.until)})" for f in entity.former_names]
    if name != entity.name:
        names.append(f"{_e(entity.name)} (later name)")
    if names:
        parts.append(_section("Other names", names))
    if entity.aliases:
        parts.append(_section("Also known as", [_e(a) for a in entity.aliases]))
    if listings:
        parts.append(_section("Lists", [_listing_line(x, analysis) for x in listings]))
    parts.append(f'<div class="tip-explain">{_e(explanation)}</div>')
    return "".join(parts)


def _listing_line(listing: Listing, analysis: Analysis) -> str:
    label = _LIST_NAMES.get(listing.list, listing.list)
    if listing.program:
        label += f" [{listing.program}]"
    text = f"<b>{_e(label)}</b>, {_e(_span(listing.start, listing.end))}"
    if listing.citation:
        text += f", {_e(listing.citation)}"
    notes = []
    if not listing.active_on(analysis.as_of):
        notes.append("not in force on the date")
    elif not analysis.rule.reads(listing.list, listing.program):
        notes.append("not read by this rule")
    if notes:
        text += f" <i>({_e('; '.join(notes))})</i>"
    return text


def _edge_tip(hold: Holding, scene: Scene, sources: dict[str, Source]) -> str:
    owner, owned = scene.names[hold.owner], scene.names[hold.owned]
    share = "control (no share)" if hold.kind.value == "control" else hold.share_text()
    parts = [
        f'<div class="tip-name">{_e(owner)} &#8594; {_e(owned)}</div>',
        f"<div><b>{_e(share)}</b>, {_e(_span(hold.start, hold.end))}</div>",
    ]
    if hold.note:
        parts.append(f"<div>{_e(hold.note)}</div>")
    if hold.sources:
        parts.append(_section("Sources", [_source_line(s, sources) for s in hold.sources]))
    return "".join(parts)


def _source_line(source_id: str, sources: dict[str, Source]) -> str:
    """A source as text: addresses are shown, not linked, so the page never leaves the file."""
    source = sources.get(source_id)
    if source is None:
        return _e(source_id)
    bits = [source.title or source.id]
    if source.publisher:
        bits.append(source.publisher)
    if source.date:
        bits.append(source.date.isoformat())
    text = _e(", ".join(bits))
    if source.url:
        text += f'<br><span class="tip-url">{_e(source.url)}</span>'
    return text


def _section(heading: str, items: list[str]) -> str:
    """A titled list; ``items`` are already escaped markup."""
    lis = "".join(f"<li>{item}</li>" for item in items)
    return f'<div class="tip-h">{_e(heading)}</div><ul>{lis}</ul>'


def _search_text(entity: Entity, name: str) -> str:
    """Every name the search box should find the entity by, lower-cased."""
    return "\n".join(dict.fromkeys(n.lower() for n in [name, *entity.all_names(), entity.id]))


# ---------------------------------------------------------------------- the page


def _page(net: Network, scene: Scene, *, title: str | None, physics: bool) -> str:
    nodes, edges, _heading, _height, _width, options = net.get_network_data()
    counts = scene.status_counts()
    legend = [
        {
            "status": status,
            "style": STATUS_STYLE[status],
            "count": counts[status],
        }
        for status in LEGEND_ORDER
    ]
    template = _environment().get_template("map.html")
    page = template.render(
        script_hashes=_HASHES_SLOT,
        heading=scene.heading(title),
        header=scene.analysis.header(),
        notice=scene.analysis.seed_notice(),
        nodes=nodes,
        edges=edges,
        options=json.loads(options) if isinstance(options, str) else options,
        physics=physics,
        legend=legend,
        links=list(LINK_STYLE.values()),
        vis_js=_vis_asset("vis-network.min.js"),
        vis_css=_vis_asset("vis-network.css"),
    )
    return _pin_scripts(page)


#: Stands in the page's Content-Security-Policy until the scripts' hashes are known.
_HASHES_SLOT = "SCRIPT-HASHES-SLOT"
_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def _pin_scripts(page: str) -> str:
    """Allow exactly the page's own scripts: no inline handler or injected script can run.

    The policy's ``default-src 'none'`` also stops any request leaving the file. The slot
    is the first occurrence (the policy precedes every script), so data never reaches it.
    """
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _SCRIPT.findall(page)
    )
    return page.replace(_HASHES_SLOT, hashes, 1)


@cache
def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _vis_asset(name: str) -> str:
    """The vis-network file pyvis bundles, to inline; it must not close its own tag."""
    from importlib.resources import files

    text = (files("pyvis") / "templates" / "lib" / "vis-9.1.2" / name).read_text("utf-8")
    if "</script" in text.lower() or "</style" in text.lower():
        raise RuntimeError(f"pyvis's {name} cannot be inlined: it contains a closing tag")
    return text
