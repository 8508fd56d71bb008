"""FollowTheMoney entities (OpenSanctions ``entities.ftm.json``), and a coverage cross-check.

The file is JSON lines (a JSON array is accepted too), one entity per line:
``{"id", "schema", "properties": {name: [str, ...]}, "datasets", ...}``. It is parsed
directly rather than through the ``followthemoney`` library: that package brings
twenty-odd dependencies (SQLAlchemy, rdflib, openpyxl, and PyICU, which compiles
against the ICU C library), while reading needs only a handful of property names.

- ``Company``, ``Organization``, ``LegalEntity``, ``PublicBody``, ``Person``,
  ``Vessel`` and ``Airplane`` become entities with their FtM ids (OpenSanctions'
  ``ofac-<n>`` ids then meet the OFAC and CSL readers' ids), plus an identifier of
  scheme ``opensanctions`` so the link survives merging. ``name`` gives the name and
  aliases, ``previousName`` former names, ``country``/``jurisdiction``/``mainCountry``
  (or a person's ``nationality``) the country, ``leiCode``, ``registrationNumber``,
  ``taxNumber``, ``imoNumber``, ``swiftBic`` the identifiers.
- ``Ownership`` (``owner`` -> ``asset``) becomes a holding. ``percentage`` is an
  untyped string: it is read exactly when it is a number (``51``, ``51.0%``), as a range
  or bound when written so (``25-50``, ``>50``), and as an unknown share otherwise,
  with a notice. ``startDate``/``endDate`` are its dates. An ``UnknownLink`` with role
  ``control`` (what :mod:`ownership.io.exporters` writes) is a control holding;
  ``Directorship`` and other ``UnknownLink`` records are ``related`` hints.
- ``Sanction`` records become listings on the list of whoever issued them
  (:mod:`ownership.io.authorities`: the record's OpenSanctions dataset first, then its
  programme id, the list named in words, the authority's name, the source's host; the
  table is docs/lists.md), with the programme and programme id, the earliest of the
  start and listing dates, the latest end date, ``authorityId`` as citation.
- An entity with a ``sanction`` or ``export.control`` topic but no Sanction record gets
  one listing per topic, on ``opensanctions_sanction_topic`` or
  ``opensanctions_export_control_topic``: a topic says sanctioned, not by whom, so no
  shipped rule reads them (never ``sdn``, whatever the entity's datasets).
- Several ``Ownership`` records of one owner and asset are statements of one stake: on
  each day, the range their figures span (:mod:`ownership.io.figures`), unless they name
  other share types.

OpenSanctions tags entities owned by listed ones (``sanction.control``,
``export.control.linked``) down the whole chain, whatever the stake.
:func:`compare_coverage` sets those tags beside an :class:`~ownership.analysis.Analysis`:
where they tag and we say clear, and where we find coverage or exposure they do not.

OpenSanctions data is licensed CC BY-NC 4.0: point the reader at your own download.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DataError, shown
from .authorities import sanction_list
from .building import Builder, Imported
from .countries import country_code
from .provenance import Statement, Where, join_notes, unique
from .sourcefiles import json_file_items, json_items, make_source
from .values import parse_date, parse_share

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..model import Dataset

__all__ = [
    "ENTITY_SCHEMATA",
    "LINKED_TOPICS",
    "CoverageComparison",
    "TagDifference",
    "compare_coverage",
    "read_ftm",
    "read_ftm_records",
]

ENTITY_SCHEMATA = {
    "Company": "company",
    "Organization": "company",
    "LegalEntity": "company",
    "PublicBody": "government_body",
    "Person": "person",
    "Vessel": "other",
    "Airplane": "other",
}
#: OpenSanctions' derived "owned by a listed entity" topics.
LINKED_TOPICS = ("sanction.control", "export.control.linked")

_IDENTIFIER_PROPS = {
    "leiCode": "lei",
    "registrationNumber": "registration",
    "ogrnCode": "registration",
    "innCode": "tax",
    "taxNumber": "tax",
    "vatCode": "vat",
    "imoNumber": "imo",
    "swiftBic": "swift",
    "dunsCode": "duns",
}


def _values(record: dict[str, Any], prop: str) -> list[str]:
    props = record.get("properties") or {}
    value = props.get(prop) if isinstance(props, dict) else None
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(v).strip() for v in items if v is not None and str(v).strip()]


def _first(record: dict[str, Any], *props: str) -> str | None:
    for prop in props:
        values = _values(record, prop)
        if values:
            return values[0]
    return None


def read_ftm(path: str | Path, *, source_id: str | None = None) -> Imported:
    """Read FtM JSON lines (or a JSON array); raise DataError naming every bad line."""
    file = Path(path)
    items, syntax = json_file_items(file)
    builder = Builder(
        "ftm",
        [file],
        make_source(
            "ftm",
            file,
            source_id=source_id,
            title="FollowTheMoney entities",
            publisher="OpenSanctions (or another FtM publisher)",
        ),
    )
    builder.problems += syntax  # JSON lines: report bad lines with the other problems
    read_ftm_records(items, builder)
    return builder.finish()


def read_ftm_records(items: Iterable[tuple[int, Any]], builder: Builder) -> None:
    """Turn FtM records (each with its line) into entities, holdings, listings and hints."""
    file = builder.files[0] if builder.files else "(records)"
    entities: list[tuple[Where, dict[str, Any]]] = []
    links: list[tuple[Where, dict[str, Any]]] = []
    sanctions: list[tuple[Where, dict[str, Any]]] = []
    skipped: dict[str, int] = defaultdict(int)
    for index, (line, record) in enumerate(items):
        where = Where(file, line=line, index=index)
        if not isinstance(record, dict):
            builder.problem(f"an FtM record must be a JSON object; found {shown(record)}", where)
            continue
        rid, schema = record.get("id"), record.get("schema")
        where = Where(file, line=line, index=index, record=str(rid) if rid else None)
        if not rid:
            builder.problem("required field is missing", where, "id")
            continue
        if not schema:
            builder.problem("required field is missing", where, "schema")
            continue
        if not isinstance(schema, str):
            builder.problem(
                f'schema must be a string such as "Company"; found {shown(schema)}',
                where,
                "schema",
            )
            continue
        if not isinstance(rid, str | int):
            builder.problem(f"id must be a string; found {shown(rid)}", where, "id")
            continue
        if not isinstance(record.get("properties", {}), dict):
            builder.problem("properties must be an object of lists", where, "properties")
            continue
        if schema in ENTITY_SCHEMATA:
            entities.append((where, record))
        elif schema in ("Ownership", "UnknownLink", "Directorship"):
            links.append((where, record))
        elif schema == "Sanction":
            sanctions.append((where, record))
        else:
            skipped[str(schema)] += 1
    by_id: dict[str, dict[str, Any]] = {}
    for where, record in entities:
        _entity(builder, where, record)
        by_id[str(record["id"])] = record
    listed: set[str] = set()
    for where, record in sanctions:
        entity = _sanction(builder, where, record, by_id)
        if entity:
            listed.add(entity)
    for where, record in entities:
        if str(record["id"]) not in listed:
            _topic_listings(builder, where, record)
    for where, record in links:
        _link(builder, where, record)
    if skipped:
        summary = ", ".join(f"{n} {schema}" for schema, n in sorted(skipped.items()))
        builder.notice(f"records of other schemata not used: {summary}", Where(file))


def _entity(builder: Builder, where: Where, record: dict[str, Any]) -> None:
    schema = str(record["schema"])
    names = unique(_values(record, "name"))
    name = names[0] if names else str(record.get("caption") or "")
    aliases = unique([*names[1:], *_values(record, "alias")], exclude=[name])
    countries = [
        c
        for c in (
            country_code(v)
            for prop in ("country", "jurisdiction", "mainCountry", "nationality", "citizenship")
            for v in _values(record, prop)
        )
        if c
    ]
    identifiers = [{"scheme": "opensanctions", "value": str(record["id"])}]
    for prop, scheme in _IDENTIFIER_PROPS.items():
        for value in _values(record, prop):
            ident = {"scheme": scheme, "value": value.upper() if scheme == "lei" else value}
            if ident not in identifiers:
                identifiers.append(ident)
    addresses = [
        {"address": a, "sources": [builder.source.id]} for a in unique(_values(record, "address"))
    ]
    topics = _values(record, "topics")
    notes = [*_values(record, "notes")]
    if topics:
        notes.append("OpenSanctions topics: " + ", ".join(topics))
    builder.entity(
        {
            "id": str(record["id"]),
            "name": name,
            "kind": ENTITY_SCHEMATA[schema],
            "country": countries[0] if countries else None,
            "aliases": aliases,
            "former_names": [
                {"name": n, "sources": [builder.source.id]}
                for n in unique(_values(record, "previousName"), exclude=[name])
            ],
            "identifiers": identifiers,
            "addresses": addresses,
            "note": join_notes(*notes),
        },
        where,
        fields={"name": "properties.name", "country": "properties.country"},
    )


def _sanction(
    builder: Builder, where: Where, record: dict[str, Any], by_id: dict[str, dict[str, Any]]
) -> str | None:
    entity_id = _first(record, "entity")
    if entity_id is None:
        builder.problem("a Sanction names no entity", where, "properties.entity")
        return None
    if entity_id not in by_id:
        builder.reference(
            entity_id, where, name=f"FtM entity {entity_id}", why="named by an FtM Sanction"
        )
    dates: dict[str, list[dt.date]] = {}
    for prop, is_end in (("listingDate", False), ("startDate", False), ("endDate", True)):
        try:
            days = (parse_date(v, end=is_end) for v in _values(record, prop))
            dates[prop] = sorted(d for d in days if d)
        except ValueError as exc:
            builder.problem(str(exc), where, f"properties.{prop}")
            return None
    program = "; ".join(unique([*_values(record, "program"), *_values(record, "programId")]))
    reason = "; ".join(_values(record, "reason"))
    props = record.get("properties") or {}
    list_id, basis = sanction_list(props, [str(d) for d in record.get("datasets") or []])
    # in force from the earliest of its start and listing dates, to its latest end
    begun = [*dates["startDate"], *dates["listingDate"]]
    shown = [
        f"{label} {', '.join(d.isoformat() for d in dates[prop])}"
        for prop, label in (("listingDate", "listing date"), ("startDate", "start date"))
        if dates[prop]
    ]
    builder.listing(
        {
            "entity": entity_id,
            "list": list_id,
            "program": program or None,
            "start": min(begun) if begun else None,
            "end": max(dates["endDate"]) if dates["endDate"] else None,
            "citation": "; ".join(_values(record, "authorityId")) or None,
            "note": join_notes(
                f"list read from the {basis}",
                f"authority: {'; '.join(_values(record, 'authority'))}"
                if _values(record, "authority")
                else None,
                "; ".join(shown) or None,
                f"reason: {reason}" if reason else None,
            ),
        },
        where,
        fields={
            "entity": "properties.entity",
            "start": "properties.listingDate",
            "end": "properties.endDate",
        },
    )
    return entity_id


#: Lists of entities tagged by OpenSanctions with no Sanction record to say by whom:
#: which list is not known, so no shipped rule reads them.
TOPIC_LISTS = {
    "sanction": "opensanctions_sanction_topic",
    "export.control": "opensanctions_export_control_topic",
}


def _topic_lists(record: dict[str, Any]) -> list[str]:
    topics = set(_values(record, "topics"))
    return [list_id for topic, list_id in TOPIC_LISTS.items() if topic in topics]


def _topic_listings(builder: Builder, where: Where, record: dict[str, Any]) -> None:
    datasets = ", ".join(str(d) for d in record.get("datasets") or []) or "none named"
    for list_id in _topic_lists(record):
        builder.listing(
            {
                "entity": str(record["id"]),
                "list": list_id,
                "note": "from OpenSanctions topics, with no Sanction record in the input to "
                f"say which list (datasets: {datasets})",
            },
            where,
            fields={"list": "properties.topics"},
        )


def _link(builder: Builder, where: Where, record: dict[str, Any]) -> None:
    schema = record["schema"]
    ends = {
        "Ownership": ("owner", "asset"),
        "UnknownLink": ("subject", "object"),
        "Directorship": ("director", "organization"),
    }[schema]
    values = [_first(record, prop) for prop in ends]
    for prop, value in zip(ends, values, strict=True):
        if value is None:
            builder.problem(f"{schema} has no {prop}", where, f"properties.{prop}")
    owner, owned = values
    if owner is None or owned is None:
        return
    for value, prop in ((owner, ends[0]), (owned, ends[1])):
        builder.reference(
            value, where, name=f"FtM entity {value}", why=f"named as {prop} by an FtM {schema}"
        )
    roles = [r.casefold() for r in _values(record, "role")]
    if schema == "Directorship" or (schema == "UnknownLink" and "control" not in roles):
        builder.hint(
            where,
            entity=owned,
            kind="related",
            target=owner,
            text=f"{schema}: {', '.join(roles) or 'no role given'}",
        )
        return
    try:
        start = min((d for d in map(parse_date, _values(record, "startDate")) if d), default=None)
        end = max(
            (d for d in (parse_date(v, end=True) for v in _values(record, "endDate")) if d),
            default=None,
        )
    except ValueError as exc:
        builder.problem(str(exc), where, "properties.startDate")
        return
    share: dict[str, Decimal] = {}
    note = None
    if schema == "Ownership":
        parsed, note = _percentage(builder, where, _values(record, "percentage"))
        if parsed is None:
            return
        share = parsed
    kinds = [t for t in _values(record, "ownershipType")]
    classes = unique([*_values(record, "sharesType"), *kinds])
    builder.holding(
        {
            "owner": owner,
            "owned": owned,
            "kind": "control" if schema == "UnknownLink" else "ownership",
            **share,
            "start": start,
            "end": end,
            "note": join_notes(note, f"ownership type: {', '.join(kinds)}" if kinds else None),
        },
        where,
        fields={
            "owner": f"properties.{ends[0]}",
            "owned": f"properties.{ends[1]}",
            "percent": "properties.percentage",
            "minimum": "properties.percentage",
            "maximum": "properties.percentage",
            "start": "properties.startDate",
            "end": "properties.endDate",
        },
        # each Ownership record is a statement: several of one stake are its figures
        statement=Statement(str(record["id"]), "; ".join(classes) or None),
    )


def _percentage(
    builder: Builder, where: Where, values: list[str]
) -> tuple[dict[str, Decimal] | None, str | None]:
    """Share fields from FtM percentage strings; (None, _) after reporting a bad figure."""
    parsed: list[dict[str, Decimal]] = []
    for value in values:
        try:
            share = parse_share(value)
        except ValueError as exc:
            builder.problem(f"{exc}; a percentage is from 0 to 100", where, "properties.percentage")
            return None, None
        if share is None:
            builder.notice(
                f"percentage {shown(value)} is not a number or range; the share is kept unknown",
                where,
                "properties.percentage",
            )
            return {}, f"percentage as published: {value}"
        if share:
            parsed.append(share)
    if not parsed:
        return {}, None
    if len(parsed) == 1 or all(p == parsed[0] for p in parsed):
        return parsed[0], None
    lows = [
        p.get("percent", p.get("minimum", p.get("exclusiveMinimum", Decimal(0)))) for p in parsed
    ]
    highs = [
        p.get("percent", p.get("maximum", p.get("exclusiveMaximum", Decimal(100)))) for p in parsed
    ]
    builder.notice(
        f"several percentages {values}; kept as the range they span", where, "properties.percentage"
    )
    return {"minimum": min(lows), "maximum": max(highs)}, f"percentages as published: {values}"


# --------------------------------------------------------------------------- cross-check


@dataclass(frozen=True)
class TagDifference:
    """One entity where our verdict and OpenSanctions' derived tags are compared."""

    entity: str
    name: str
    our_status: str
    their_topics: tuple[str, ...]
    ftm_id: str | None = None

    def __str__(self) -> str:
        tags = ", ".join(self.their_topics) or "no linked tag"
        return f"{self.name} [{self.entity}]: ours {self.our_status}; theirs {tags}"


@dataclass
class CoverageComparison:
    """Our covered/exposed verdicts set beside OpenSanctions' ownership-derived topics."""

    rule: str
    as_of: dt.date
    topics: tuple[str, ...]
    ours_only: list[TagDifference] = field(default_factory=list)
    theirs_only: list[TagDifference] = field(default_factory=list)
    agreed: list[TagDifference] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"Compared with OpenSanctions tags {', '.join(self.topics)} "
            f"(rule {self.rule}, as of {self.as_of.isoformat()}):",
            f"  both flag: {len(self.agreed)}",
            f"  we flag (covered or exposed), they do not tag: {len(self.ours_only)}",
            *(f"    {d}" for d in self.ours_only),
            f"  they tag, we say clear: {len(self.theirs_only)}",
            *(f"    {d}" for d in self.theirs_only),
        ]
        if self.unmatched:
            lines.append(f"  tagged in their data but not in ours: {len(self.unmatched)}")
        lines.append(
            "  (they tag along any ownership chain whatever the stake and ignore ended "
            "relationships; we apply the rule's threshold on the date)"
        )
        return "\n".join(lines)


def compare_coverage(
    dataset: Dataset,
    records: Iterable[dict[str, Any]] | str | Path,
    analysis: Analysis,
    *,
    topics: Iterable[str] = LINKED_TOPICS,
) -> CoverageComparison:
    """Where our covered/exposed verdicts and OpenSanctions' linked-entity tags disagree.

    ``records`` are FtM entity dicts or the path of an FtM file. An FtM record is matched
    to a dataset entity by id, by an ``opensanctions`` identifier (what :func:`read_ftm`
    records, so the match survives linking), or through the record's ``referents``.
    Listed entities are left out: the tags are about entities *owned* by listed ones.
    """
    wanted = tuple(topics)
    if isinstance(records, str | Path):
        text = Path(records).read_text(encoding="utf-8-sig")
        items, problems = json_items(text, str(records))
        if problems:
            raise DataError(problems)
        records = [r for _, r in items if isinstance(r, dict)]
    by_key: dict[str, str] = {}
    for entity in dataset.entities:
        by_key[entity.id] = entity.id
        for ident in entity.identifiers:
            if ident.scheme == "opensanctions":
                by_key[ident.value] = entity.id
    tags: dict[str, set[str]] = defaultdict(set)
    ftm_ids: dict[str, str] = {}
    unmatched = []
    for record in records:
        if record.get("schema") not in ENTITY_SCHEMATA:
            continue
        keys = [str(record.get("id")), *(str(r) for r in record.get("referents") or [])]
        match = next((by_key[k] for k in keys if k in by_key), None)
        found = {t for t in _values(record, "topics") if t in wanted}
        if match is None:
            if found:
                unmatched.append(str(record.get("id")))
            continue
        tags[match] |= found
        ftm_ids.setdefault(match, str(record.get("id")))
    result = CoverageComparison(
        rule=analysis.rule.label, as_of=analysis.as_of, topics=wanted, unmatched=unmatched
    )
    names = {e.id: e.name for e in dataset.entities}
    for entity_id, status in analysis.statuses().items():
        if status.value == "listed":
            continue
        ours = status.value in ("covered", "exposed")
        theirs = sorted(tags.get(entity_id, set()))
        if not ours and not theirs:
            continue
        item = TagDifference(
            entity=entity_id,
            name=names.get(entity_id, entity_id),
            our_status=status.value,
            their_topics=tuple(theirs),
            ftm_id=ftm_ids.get(entity_id),
        )
        if ours and theirs:
            result.agreed.append(item)
        elif ours:
            result.ours_only.append(item)
        else:
            result.theirs_only.append(item)
    return result
