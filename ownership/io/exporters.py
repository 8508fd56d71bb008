"""Graph exports: GraphML and GEXF (Gephi, yEd, Cytoscape desktop), Cytoscape.js JSON,
FollowTheMoney JSON lines, and the native CSV folder.

Nodes are entities, edges holdings (owner -> owned; several holdings between one
pair stay several edges). Attribute values are what all three graph formats can
carry: strings, numbers and booleans. Lists are flattened to ``;``-joined strings and
missing values are left out (GraphML and GEXF refuse ``None``; GEXF reads a list as
time "spells"). Edge attributes are never called ``source``, ``target``, ``id``,
``name``, ``value`` or ``key``: Cytoscape JSON and node-link data overwrite those with
the endpoints, so provenance is ``data_sources``.

Node attributes: ``label`` (the name), ``kind``, ``country``, ``aliases``,
``former_names``, ``identifiers`` (``scheme:value``), ``addresses``, ``listed``,
``lists``, ``programs``, ``data_sources``, ``note``; with an analysis also ``status``,
``flags``, ``effective_percent`` (look-through share held by listed parties) and
``legal_percent``. Edge attributes: ``kind``, ``label`` and ``share`` (as written,
``51%``, ``75-<100%``, ``unknown %``, ``control``), ``percent`` when exact,
``percent_min``/``percent_max`` (the bounds the rules use), ``weight`` (= the lower
bound, for layouts), ``start``, ``end``, ``data_sources``, ``note``.

The FtM export writes ``Company``/``Person``/``PublicBody``/``LegalEntity`` records,
``Ownership`` for shares (``percentage`` as written above), ``UnknownLink`` with role
``control`` for control links and ``Sanction`` for listings, each entity carrying the
``sanction``/``export.control``/``debarment`` topic of its lists; reading it back
with :mod:`ownership.io.ftm` gives the same holdings and listings.

>>> from ownership.model import Dataset, Entity, Holding
>>> ds = Dataset(entities=[Entity(id="a", name="A"), Entity(id="b", name="B")],
...              holdings=[Holding(owner="a", owned="b", percent="50.5")])
>>> graph = to_networkx(ds)
>>> graph.edges["a", "b", 0]["share"], graph.edges["a", "b", 0]["percent"]
('50.5%', 50.5)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..model import Dataset, Entity, Holding, HoldingKind, Listing, fmt_decimal

if TYPE_CHECKING:
    import networkx as nx

    from ..analysis import Analysis

__all__ = ["EXPORT_FORMATS", "export", "to_cytoscape", "to_ftm_records", "to_networkx"]

#: Format name -> file suffixes that choose it.
EXPORT_FORMATS = {
    "graphml": (".graphml",),
    "gexf": (".gexf",),
    "cytoscape": (".cyjs", ".cytoscape.json"),
    "ftm": (".ftm.json", ".ftm.jsonl", ".jsonl"),
    "csv": ("",),
    "tables": (),
}
RESERVED_EDGE_KEYS = frozenset({"source", "target", "id", "name", "value", "key"})

#: How list ids are named in FtM Sanction records (read back by ownership.io.ftm).
LIST_AUTHORITIES = {
    "entity_list": "Entity List (EL) - Bureau of Industry and Security",
    "meu_list": "Military End User (MEU) List - Bureau of Industry and Security",
    "unverified_list": "Unverified List (UVL) - Bureau of Industry and Security",
    "sdn": "Specially Designated Nationals (SDN) - Treasury Department",
}
EXPORT_CONTROL_LISTS = frozenset({"entity_list", "meu_list", "unverified_list", "dpl"})
DEBARMENT_LISTS = frozenset({"dtc"})
FTM_SCHEMATA = {
    "person": "Person",
    "company": "Company",
    "government_body": "PublicBody",
    "other": "LegalEntity",
    "unknown": "LegalEntity",
}


def _joined(values: Sequence[str]) -> str | None:
    text = ";".join(v for v in values if v)
    return text or None


def _clean(attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attrs.items() if v is not None and v != ""}


def _node_attrs(entity: Entity, listings: list[Listing]) -> dict[str, Any]:
    return _clean(
        {
            "label": entity.name,
            "kind": entity.kind.value,
            "country": entity.country,
            "aliases": _joined(entity.aliases),
            "former_names": _joined([f.name for f in entity.former_names]),
            "identifiers": _joined([f"{i.scheme}:{i.value}" for i in entity.identifiers]),
            "addresses": _joined([a.address for a in entity.addresses]),
            "listed": bool(listings),
            "lists": _joined(sorted({x.list for x in listings})),
            "programs": _joined(sorted({x.program for x in listings if x.program})),
            "data_sources": _joined(entity.sources),
            "note": entity.note,
        }
    )


def _edge_attrs(hold: Holding) -> dict[str, Any]:
    share = hold.share_text()
    is_control = hold.kind is HoldingKind.control
    attrs = _clean(
        {
            "kind": hold.kind.value,
            "label": share,
            "share": share,
            "percent": float(hold.percent) if hold.percent is not None else None,
            "percent_min": None if is_control else float(hold.lower_bound),
            "percent_max": None if is_control else float(hold.upper_bound),
            "weight": 0.0 if is_control else float(hold.lower_bound),
            "start": hold.start.isoformat() if hold.start else None,
            "end": hold.end.isoformat() if hold.end else None,
            "data_sources": _joined(hold.sources),
            "note": hold.note,
        }
    )
    assert not RESERVED_EDGE_KEYS & attrs.keys()
    return attrs


def to_networkx(dataset: Dataset, *, analysis: Analysis | None = None) -> nx.MultiDiGraph:
    """The dataset as a MultiDiGraph with flat attributes, optionally with verdicts."""
    import networkx as nx

    graph = nx.MultiDiGraph()
    by_entity: dict[str, list[Listing]] = {}
    for listing in dataset.listings:
        by_entity.setdefault(listing.entity, []).append(listing)
    for entity in dataset.entities:
        attrs = _node_attrs(entity, by_entity.get(entity.id, []))
        if analysis is not None:
            attrs.update(_verdict_attrs(analysis, entity.id))
        graph.add_node(entity.id, **attrs)
    for hold in dataset.holdings:
        graph.add_edge(hold.owner, hold.owned, **_edge_attrs(hold))
    return graph


def _verdict_attrs(analysis: Analysis, entity_id: str) -> dict[str, Any]:
    try:
        verdict = analysis.verdict(entity_id)
    except KeyError:
        return {}
    return _clean(
        {
            "status": verdict.status.value,
            "flags": _joined(list(verdict.flags)),
            "effective_percent": round(float(verdict.effective_percent), 6),
            "legal_percent": float(verdict.legal_percent),
            "rule": verdict.rule,
            "as_of": verdict.as_of.isoformat(),
        }
    )


def to_cytoscape(dataset: Dataset, *, analysis: Analysis | None = None) -> dict[str, Any]:
    """Cytoscape.js JSON (``elements.nodes``/``elements.edges``) of the dataset."""
    import networkx as nx

    return nx.cytoscape_data(to_networkx(dataset, analysis=analysis), name="label", ident="id")


def _format_for(path: Path, fmt: str | None) -> str:
    if fmt is not None:
        key = fmt.casefold().lstrip(".")
        aliases = {"cyjs": "cytoscape", "jsonl": "ftm", "folder": "csv", "followthemoney": "ftm"}
        key = aliases.get(key, key)
        if key not in EXPORT_FORMATS:
            raise UsageError(
                f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}"
            )
        return key
    name = path.name.casefold()
    for key, suffixes in EXPORT_FORMATS.items():
        if any(s and name.endswith(s) for s in suffixes):
            return key
    if path.suffix == "":
        return "csv"
    raise UsageError(
        f"cannot tell the export format from {path.name!r}; use .graphml, .gexf, .cyjs, "
        ".cytoscape.json, .ftm.json or .jsonl, a folder name for CSV, or pass fmt"
    )


def export(
    dataset: Dataset,
    path: str | Path,
    fmt: str | None = None,
    analysis: Analysis | None = None,
) -> Path:
    """Write ``dataset`` as ``fmt`` (or the format the suffix names); return the path.

    ``analysis`` adds each entity's status, flags and shares as node attributes (GraphML,
    GEXF, Cytoscape); the FtM and CSV exports carry the data only.
    """
    import networkx as nx

    out = Path(path)
    chosen = _format_for(out, fmt)
    if chosen == "tables":
        from ..columns import columns_of
        from ..scale.tables import tables_of, write_table_folder

        write_table_folder(tables_of(columns_of(dataset)), out)
        return out
    if chosen == "csv":
        from .native_format import write_csv_folder

        write_csv_folder(dataset, out)
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    if chosen == "graphml":
        nx.write_graphml(to_networkx(dataset, analysis=analysis), out)
    elif chosen == "gexf":
        nx.write_gexf(to_networkx(dataset, analysis=analysis), out, version="1.2draft")
    elif chosen == "cytoscape":
        data = to_cytoscape(dataset, analysis=analysis)
        out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    else:
        with out.open("w", encoding="utf-8") as handle:
            for record in to_ftm_records(dataset):
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return out


# --------------------------------------------------------------------------- FtM


def _ftm_id(prefix: str, *parts: Any) -> str:
    digest = hashlib.sha1("|".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:16]
    return f"{prefix}-{digest}"


def _topic(list_id: str) -> str:
    if list_id in EXPORT_CONTROL_LISTS:
        return "export.control"
    if list_id in DEBARMENT_LISTS:
        return "debarment"
    return "sanction"


def to_ftm_records(dataset: Dataset) -> list[dict[str, Any]]:
    """FollowTheMoney records: entities, then Ownership/UnknownLink, then Sanction."""
    by_entity: dict[str, list[Listing]] = {}
    for listing in dataset.listings:
        by_entity.setdefault(listing.entity, []).append(listing)
    records: list[dict[str, Any]] = []
    for entity in dataset.entities:
        props: dict[str, list[str]] = {"name": [entity.name]}
        if entity.aliases:
            props["alias"] = list(entity.aliases)
        if entity.former_names:
            props["previousName"] = [f.name for f in entity.former_names]
        if entity.country:
            props["country"] = [entity.country.lower()]
        if entity.addresses:
            props["address"] = [a.address for a in entity.addresses]
        for ident in entity.identifiers:
            prop = {
                "lei": "leiCode",
                "imo": "imoNumber",
                "swift": "swiftBic",
                "tax": "taxNumber",
                "vat": "vatCode",
                "duns": "dunsCode",
            }.get(ident.scheme, "registrationNumber")
            if ident.scheme == "opensanctions":
                continue
            props.setdefault(prop, []).append(ident.value)
        topics = sorted({_topic(x.list) for x in by_entity.get(entity.id, [])})
        if topics:
            props["topics"] = topics
        if entity.note:
            props["notes"] = [entity.note]
        records.append(
            {
                "id": entity.id,
                "schema": FTM_SCHEMATA[entity.kind.value],
                "caption": entity.name,
                "properties": props,
                "datasets": list(entity.sources),
            }
        )
    for hold in dataset.holdings:
        key = (hold.owner, hold.owned, hold.kind.value, hold.share_text(), hold.start, hold.end)
        props = {}
        if hold.start:
            props["startDate"] = [hold.start.isoformat()]
        if hold.end:
            props["endDate"] = [hold.end.isoformat()]
        if hold.note:
            props["description"] = [hold.note]
        if hold.kind is HoldingKind.control:
            props.update({"subject": [hold.owner], "object": [hold.owned], "role": ["control"]})
            records.append(
                {
                    "id": _ftm_id("control", *key),
                    "schema": "UnknownLink",
                    "properties": props,
                    "datasets": list(hold.sources),
                }
            )
            continue
        props.update({"owner": [hold.owner], "asset": [hold.owned]})
        if hold.percent is not None or hold.is_range:
            props["percentage"] = [
                hold.share_text() if hold.is_range else fmt_decimal(hold.percent)
            ]
        records.append(
            {
                "id": _ftm_id("ownership", *key),
                "schema": "Ownership",
                "properties": props,
                "datasets": list(hold.sources),
            }
        )
    for listing in dataset.listings:
        props = {
            "entity": [listing.entity],
            "authority": [LIST_AUTHORITIES.get(listing.list, listing.list)],
        }
        if listing.program:
            props["program"] = [listing.program]
        if listing.start:
            props["startDate"] = [listing.start.isoformat()]
        if listing.end:
            props["endDate"] = [listing.end.isoformat()]
        if listing.citation:
            props["authorityId"] = [listing.citation]
        records.append(
            {
                "id": _ftm_id(
                    "sanction",
                    listing.entity,
                    listing.list,
                    listing.program,
                    listing.start,
                    listing.end,
                ),
                "schema": "Sanction",
                "properties": props,
                "datasets": list(listing.sources),
            }
        )
    return records
