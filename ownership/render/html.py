"""Interactive ownership maps: one self-contained HTML file per group.

The page works offline and makes no request to any other host: vis-network is inlined
from the copy pyvis ships, and the page template is our own (pyvis's links bootstrap
from a CDN even with ``cdn_resources="in_line"``). Strings from the data reach the page
as data only: headings are escaped, and everything else is packed (:func:`pack`) and put
on the page by the script as text (``textContent``), never as markup.

A large group is folded (:mod:`ownership.render.collapse`): at most ``budget`` entities
and clusters are drawn at first, and a click on a cluster opens it.

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
import gzip
import hashlib
import html
import json
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import OwnershipError
from ..memory import collector_paused
from .collapse import Folded, collapse
from .map_data import map_payload, map_steps, page_styles
from .scene import Scene, build_scene
from .style import LEGEND_ORDER, LINK_STYLE, MAP_BUDGET, STATUS_STYLE

if TYPE_CHECKING:
    from ..analysis import Analysis

__all__ = ["MapView", "ownership_map", "pack", "unpack", "write_map"]

#: Above this many drawn entities the layout skips vis-network's costlier passes (edge
#: crossing minimisation, block shifting, curved links, stabilising physics before the
#: first drawing) so a large map still opens in a few seconds.
LARGE_MAP = 400
#: Widest label before it wraps, in pixels.
LABEL_WIDTH = 170
#: Upper bound on physics iterations before the first drawing when physics is on.
STABILIZATION_ITERATIONS = 150

_TEMPLATES = Path(__file__).parent / "templates"
#: A map shown in a notebook runs its own scripts, opens source links in a new tab and
#: saves PNG and SVG files; without allow-same-origin it cannot reach the notebook.
FRAME_SANDBOX = "allow-scripts allow-popups allow-popups-to-escape-sandbox allow-downloads"


def ownership_map(
    analysis: Analysis,
    *,
    focus: str | None = None,
    depth: int | None = None,
    scope: str | None = None,
    max_depth: int | None = None,
    min_percent: float | None = None,
    budget: int = MAP_BUDGET,
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
        budget=budget,
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
    budget: int = MAP_BUDGET,
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
        budget=budget,
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
    >>> view._repr_html_().startswith('<iframe sandbox="allow-scripts allow-popups')
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
        budget: int = MAP_BUDGET,
        physics: bool = False,
        title: str | None = None,
    ) -> None:
        if budget < 1:
            raise OwnershipError(f"a map's budget must be 1 or more entities, not {budget}")
        with collector_paused():
            self.scene = build_scene(
                analysis,
                focus=focus,
                depth=depth,
                scope=scope,
                max_depth=max_depth,
                min_percent=min_percent,
            )
        self.budget = budget
        self.physics = physics
        self.title = title
        self._html: str | None = None

    @property
    def html(self) -> str:
        """The page, as :func:`ownership_map` returns it."""
        if self._html is None:
            with collector_paused():
                self._html = _page(
                    self.scene, budget=self.budget, title=self.title, physics=self.physics
                )
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
            f'<iframe sandbox="{FRAME_SANDBOX}" srcdoc="{html.escape(self.html, quote=True)}" '
            f'style="width:100%;height:{self.FRAME_HEIGHT}px;border:1px solid #ddd"></iframe>'
        )

    def __repr__(self) -> str:
        count, links = len(self.scene.nodes), len(self.scene.edges)
        return (
            f"<MapView {self.scene.heading(self.title)!r}: {count} "
            f"entit{'y' if count == 1 else 'ies'}, {links} link{'' if links == 1 else 's'}>"
        )


# ---------------------------------------------------------------------- the page


def _page(scene: Scene, *, budget: int, title: str | None, physics: bool) -> str:
    folded = collapse(scene, budget)
    steps = map_steps(scene, folded.order)
    payload = map_payload(scene, folded, steps)
    counts = scene.status_counts()
    legend = [
        {"status": status, "style": STATUS_STYLE[status], "count": counts[status]}
        for status in LEGEND_ORDER
    ]
    shown = len(folded.shown) + len(folded.clusters)
    template = _environment().get_template("map.html")
    page = template.render(
        script_hashes=_HASHES_SLOT,
        heading=scene.heading(title),
        header=scene.analysis.header(),
        notice=scene.analysis.seed_notice(),
        folded=_folded_notice(scene, folded, budget),
        store=pack(payload),
        styles=page_styles(),
        options=_vis_options(shown, physics=physics),
        physics=physics,
        legend=legend,
        links=list(LINK_STYLE.values()),
        steps=len(steps),
        vis_js=_vis_asset("vis-network.min.js"),
        vis_css=_vis_asset("vis-network.css"),
    )
    return _pin_scripts(page)


def pack(payload: dict[str, Any]) -> str:
    """The page's data as base64 of gzip of JSON: the same data gives the same text.

    Explanations repeat most of their words from one entity to the next, so a group of
    20,000 entities fits in a few megabytes; the page unpacks it with the browser's own
    DecompressionStream.
    """
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(gzip.compress(text.encode("utf-8"), compresslevel=1, mtime=0)).decode(
        "ascii"
    )


def unpack(text: str) -> dict[str, Any]:
    """The data :func:`pack` made (for tests and for reading a map back)."""
    return json.loads(gzip.decompress(base64.b64decode(text)).decode("utf-8"))


def _folded_notice(scene: Scene, folded: Folded, budget: int) -> str | None:
    if not folded.folded:
        return None
    total = len(scene.nodes)
    hidden = total - len(folded.shown)
    text = (
        f"Showing {len(folded.shown):,} of {total:,} entities; the other {hidden:,} are in "
        f"{len(folded.clusters):,} cluster{'' if len(folded.clusters) == 1 else 's'} "
        "(click one to open it; search finds them too)."
    )
    exposed = sum(1 for c in folded.clusters for m in c.members if scene.statuses[m] == "exposed")
    if exposed:
        text += f" {exposed:,} exposed entities are among them."
    drawn = len(folded.shown) + len(folded.clusters)
    if drawn > budget and scene.focus is None:
        text += (
            f" The {folded.pinned:,} separate groups' tops and their clusters take "
            f"{drawn:,} nodes, more than the budget of {budget:,}."
        )
    elif drawn > budget:
        text += (
            f" The paths to the listed owners take {folded.pinned:,} entities, and with "
            f"their clusters {drawn:,} nodes, more than the budget of {budget:,}."
        )
    else:
        text += f" Budget: {budget:,} entities and clusters (--budget to change it)."
    return text


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
