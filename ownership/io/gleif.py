"""GLEIF golden copy: Level 1 LEI records, Level 2 relationships, reporting exceptions.

Each kind comes as XML (``lei-data.xml``, ``rr-data.xml``, ``repex-data.xml``) or as the
golden-copy CSV; the reader tells them apart by content. Both are turned into records
keyed by the CSV column names (``Entity.LegalName``, ``Relationship.StartNode.NodeID``)
and read by one code path. Entity ids are ``lei-<LEI>`` with an identifier of scheme
``lei``, so records of one LEI from several files meet.

- Level 1: legal name; previous legal names as former names, other and transliterated
  names as aliases; legal and headquarters addresses; the country of the legal
  jurisdiction (else of the legal address); the registration authority's id as an
  identifier (scheme = the authority id, e.g. ``RA000665``); funds are kind ``other``;
  an inactive entity says so in its note.
- Level 2 (StartNode = child, EndNode = parent), parent -> child:
  ``IS_DIRECTLY_CONSOLIDATED_BY`` is ``kind: control`` (accounting consolidation
  means control, with no share), or ownership with the percent when a quantifier in
  ``PERCENTAGE`` units is given; ``IS_INTERNATIONAL_BRANCH_OF`` is control (a branch
  is part of its head office). ``IS_ULTIMATELY_CONSOLIDATED_BY`` adds nothing where
  the direct edges already chain the ultimate parent to the child (that would count it
  twice); it becomes a control edge only when that chain is missing from the input,
  and is always returned as an ``ultimate_parent`` hint. Fund relations (fund-managed
  by, sub-fund of, feeder to) are management, not ownership: ``related`` hints only.
  The ``RELATIONSHIP_PERIOD`` gives start and end; an ``INACTIVE`` relationship with
  no end date ends on the record's last update; ``ANNULLED`` records are skipped.
- Reporting exceptions (``NO_LEI``, ``NON_CONSOLIDATING``, ``NATURAL_PERSONS``...) are
  notes on the entity and ``reporting_exception`` hints: an undisclosed parent is an
  opacity signal worth seeing.

LEIs a file only refers to get placeholder entities (reported as notices), replaced
by the Level 1 record when one is imported alongside.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from ..errors import DataError, Problem
from ..model import Holding
from .building import Builder, Imported, add_unchained
from .countries import country_code
from .provenance import Where, join_notes, unique
from .sourcefiles import make_source, read_text
from .values import parse_date

__all__ = ["gleif_kind", "read_gleif"]

#: Relationship types that are control edges parent -> child.
CONTROL_TYPES = {
    "IS_DIRECTLY_CONSOLIDATED_BY": "direct accounting consolidation",
    "IS_INTERNATIONAL_BRANCH_OF": "international branch",
}
ULTIMATE = "IS_ULTIMATELY_CONSOLIDATED_BY"
FUND_TYPES = {"IS_FUND-MANAGED_BY", "IS_SUBFUND_OF", "IS_FEEDER_TO"}

REASON_TEXT = {
    "NO_LEI": "the parent exists but has no LEI",
    "NATURAL_PERSONS": "controlled by natural persons",
    "NON_CONSOLIDATING": "the parent does not consolidate it",
    "NO_KNOWN_PERSON": "no known controlling person",
    "NON_PUBLIC": "the parent is not disclosed (non-public)",
    "LEGAL_OBSTACLES": "legal obstacles to disclosure",
    "CONSENT_NOT_OBTAINED": "the parent's consent was not obtained",
    "BINDING_LEGAL_COMMITMENTS": "binding legal commitments prevent disclosure",
    "DETRIMENT_NOT_EXCLUDED": "disclosure may be detrimental",
    "DISCLOSURE_DETRIMENTAL": "disclosure would be detrimental",
}
CATEGORY_TEXT = {
    "DIRECT_ACCOUNTING_CONSOLIDATION_PARENT": "direct parent",
    "ULTIMATE_ACCOUNTING_CONSOLIDATION_PARENT": "ultimate parent",
}

NS = {
    "lei": "http://www.gleif.org/data/schema/leidata/2016",
    "rr": "http://www.gleif.org/data/schema/rr/2016",
    "repex": "http://www.gleif.org/data/schema/repex/2016",
}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def gleif_kind(path: str | Path) -> str | None:
    """``lei``, ``rr`` or ``repex`` for a GLEIF XML or CSV file, or None."""
    file = Path(path)
    try:
        with file.open("rb") as handle:
            head = handle.read(4096).decode("utf-8-sig", "replace")
    except OSError:
        return None
    if head.lstrip().startswith("<"):
        for kind, namespace in NS.items():
            if namespace in head:
                return kind
        return None
    first = head.splitlines()[0] if head else ""
    if "Relationship.StartNode.NodeID" in first:
        return "rr"
    if "Exception.Category" in first:
        return "repex"
    if "Entity.LegalName" in first:
        return "lei"
    return None


def read_gleif(path: str | Path, *, source_id: str | None = None) -> Imported:
    """Read a GLEIF Level 1, Level 2 or reporting-exception file (XML or CSV)."""
    file = Path(path)
    kind = gleif_kind(file)
    if kind is None:
        raise DataError(
            [
                Problem(
                    "not a GLEIF golden-copy file: expected LEI-CDF, relationship (rr) or "
                    "reporting-exception (repex) XML, or the golden-copy CSV with columns "
                    "LEI/Entity.LegalName, Relationship.StartNode.NodeID or Exception.Category",
                    file=str(file),
                )
            ]
        )
    titles = {
        "lei": "GLEIF Level 1 LEI records",
        "rr": "GLEIF Level 2 relationship records",
        "repex": "GLEIF Level 2 reporting exceptions",
    }
    builder = Builder(
        "gleif",
        [file],
        make_source(
            "gleif",
            file,
            source_id=source_id,
            title=titles[kind],
            publisher="Global Legal Entity Identifier Foundation (GLEIF)",
            url="https://goldencopy.gleif.org/",
        ),
    )
    is_xml = file.suffix.casefold() == ".xml" or _starts_with_tag(file)
    records = _xml_records(file, kind, builder) if is_xml else _csv_records(file, builder)
    if builder.problems:
        raise DataError(builder.problems)
    if kind == "lei":
        for where, record in records:
            _entity(builder, where, record)
    elif kind == "rr":
        _relationships(builder, records)
    else:
        for where, record in records:
            _exception(builder, where, record)
    return builder.finish()


def _starts_with_tag(file: Path) -> bool:
    with file.open("rb") as handle:
        return handle.read(512).decode("utf-8-sig", "replace").lstrip().startswith("<")


# --------------------------------------------------------------------------- records


def _csv_records(file: Path, builder: Builder) -> list[tuple[Where, dict[str, str]]]:
    text = read_text(file, builder)
    if text is None:
        return []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    out = []
    for index, row in enumerate(reader):
        values = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
        if None in row:
            builder.problem(
                "the row has more cells than the header has columns",
                Where(str(file), line=reader.line_num, index=index),
            )
            continue
        record = values.get("LEI") or values.get("Relationship.StartNode.NodeID")
        out.append((Where(str(file), line=reader.line_num, record=record or None), values))
    return out


def _xml_records(file: Path, kind: str, builder: Builder) -> list[tuple[Where, dict[str, str]]]:
    tag = {"lei": "LEIRecord", "rr": "RelationshipRecord", "repex": "Exception"}[kind]
    flatten = {"lei": _flat_lei, "rr": _flat_rr, "repex": _flat_repex}[kind]
    out: list[tuple[Where, dict[str, str]]] = []
    try:
        for _, elem in ET.iterparse(str(file), events=("end",)):
            if _local(elem.tag) != tag:
                continue
            record = flatten(elem)
            ident = record.get("LEI") or record.get("Relationship.StartNode.NodeID")
            out.append(
                (Where(str(file), record=ident or None, section=tag, index=len(out)), record)
            )
            elem.clear()
    except ET.ParseError as exc:
        line, column = exc.position
        builder.problem(
            f"not well-formed XML: {exc.msg} (column {column})", Where(str(file), line=line)
        )
    return out


def _text(elem: ET.Element | None) -> str:
    return (elem.text or "").strip() if elem is not None else ""


def _find(elem: ET.Element, *names: str) -> ET.Element | None:
    node: ET.Element | None = elem
    for name in names:
        if node is None:
            return None
        node = next((c for c in node if _local(c.tag) == name), None)
    return node


def _findall(elem: ET.Element | None, name: str) -> list[ET.Element]:
    return [c for c in elem if _local(c.tag) == name] if elem is not None else []


def _flat_lei(elem: ET.Element) -> dict[str, str]:
    out = {"LEI": _text(_find(elem, "LEI"))}
    entity = _find(elem, "Entity")
    if entity is None:
        return out
    out["Entity.LegalName"] = _text(_find(entity, "LegalName"))
    for n, other in enumerate(_findall(_find(entity, "OtherEntityNames"), "OtherEntityName"), 1):
        out[f"Entity.OtherEntityNames.OtherEntityName.{n}"] = _text(other)
        out[f"Entity.OtherEntityNames.OtherEntityName.{n}.type"] = other.get("type", "")
    translit = _findall(
        _find(entity, "TransliteratedOtherEntityNames"), "TransliteratedOtherEntityName"
    )
    for n, other in enumerate(translit, 1):
        key = f"Entity.TransliteratedOtherEntityNames.TransliteratedOtherEntityName.{n}"
        out[key] = _text(other)
    for kind in ("LegalAddress", "HeadquartersAddress"):
        address = _find(entity, kind)
        if address is None:
            continue
        for part in ("FirstAddressLine", "City", "Region", "Country", "PostalCode"):
            out[f"Entity.{kind}.{part}"] = _text(_find(address, part))
        for n, extra in enumerate(_findall(address, "AdditionalAddressLine"), 1):
            out[f"Entity.{kind}.AdditionalAddressLine.{n}"] = _text(extra)
    authority = _find(entity, "RegistrationAuthority")
    if authority is not None:
        for part in ("RegistrationAuthorityID", "RegistrationAuthorityEntityID"):
            out[f"Entity.RegistrationAuthority.{part}"] = _text(_find(authority, part))
    for part in ("LegalJurisdiction", "EntityCategory", "EntityStatus", "EntityCreationDate"):
        out[f"Entity.{part}"] = _text(_find(entity, part))
    successor = _find(entity, "SuccessorEntity", "SuccessorLEI")
    if successor is not None:
        out["Entity.SuccessorEntity.1.SuccessorLEI"] = _text(successor)
    registration = _find(elem, "Registration")
    if registration is not None:
        for part in ("RegistrationStatus", "LastUpdateDate"):
            out[f"Registration.{part}"] = _text(_find(registration, part))
    return out


def _flat_rr(elem: ET.Element) -> dict[str, str]:
    out: dict[str, str] = {}
    rel = _find(elem, "Relationship")
    if rel is not None:
        for node in ("StartNode", "EndNode"):
            out[f"Relationship.{node}.NodeID"] = _text(_find(rel, node, "NodeID"))
            out[f"Relationship.{node}.NodeIDType"] = _text(_find(rel, node, "NodeIDType"))
        out["Relationship.RelationshipType"] = _text(_find(rel, "RelationshipType"))
        out["Relationship.RelationshipStatus"] = _text(_find(rel, "RelationshipStatus"))
        periods = _findall(_find(rel, "RelationshipPeriods"), "RelationshipPeriod")
        for n, period in enumerate(periods, 1):
            out[f"Relationship.Period.{n}.startDate"] = _text(_find(period, "StartDate"))
            out[f"Relationship.Period.{n}.endDate"] = _text(_find(period, "EndDate"))
            out[f"Relationship.Period.{n}.periodType"] = _text(_find(period, "PeriodType"))
        quantifiers = _findall(_find(rel, "RelationshipQuantifiers"), "RelationshipQuantifier")
        for n, quantifier in enumerate(quantifiers, 1):
            for part in ("MeasurementMethod", "QuantifierAmount", "QuantifierUnits"):
                out[f"Relationship.Quantifiers.{n}.{part}"] = _text(_find(quantifier, part))
    registration = _find(elem, "Registration")
    if registration is not None:
        for part in ("RegistrationStatus", "LastUpdateDate"):
            out[f"Registration.{part}"] = _text(_find(registration, part))
    return out


def _flat_repex(elem: ET.Element) -> dict[str, str]:
    out = {"LEI": _text(_find(elem, "LEI"))}
    out["Exception.Category"] = _text(_find(elem, "ExceptionCategory"))
    for n, reason in enumerate(_findall(elem, "ExceptionReason"), 1):
        out[f"Exception.Reason.{n}"] = _text(reason)
    for n, reference in enumerate(_findall(elem, "ExceptionReference"), 1):
        out[f"Exception.Reference.{n}"] = _text(reference)
    return out


def _numbered(record: dict[str, str], prefix: str, suffix: str = "") -> list[tuple[int, str]]:
    out = []
    for n in range(1, 100):
        key = f"{prefix}.{n}{suffix}"
        if key not in record:
            if n > 5:
                break
            continue
        if record[key]:
            out.append((n, record[key]))
    return out


# --------------------------------------------------------------------------- Level 1


def _lei_id(lei: str) -> str:
    return f"lei-{lei.strip().upper()}"


def _entity(builder: Builder, where: Where, record: dict[str, str]) -> None:
    lei = record.get("LEI", "").strip().upper()
    if not lei:
        builder.problem("required field is missing", where, "LEI")
        return
    name = record.get("Entity.LegalName", "")
    former: list[str] = []
    aliases: list[str] = []
    for n, other in _numbered(record, "Entity.OtherEntityNames.OtherEntityName"):
        kind = record.get(f"Entity.OtherEntityNames.OtherEntityName.{n}.type", "")
        (former if kind == "PREVIOUS_LEGAL_NAME" else aliases).append(other)
    aliases += [
        v
        for _, v in _numbered(
            record, "Entity.TransliteratedOtherEntityNames.TransliteratedOtherEntityName"
        )
    ]
    addresses: list[dict[str, Any]] = []
    for kind in ("LegalAddress", "HeadquartersAddress"):
        parts = [record.get(f"Entity.{kind}.FirstAddressLine", "")]
        parts += [v for _, v in _numbered(record, f"Entity.{kind}.AdditionalAddressLine")]
        parts += [record.get(f"Entity.{kind}.{p}", "") for p in ("City", "Region", "PostalCode")]
        text = ", ".join(p for p in parts if p)
        country = country_code(record.get(f"Entity.{kind}.Country", ""))
        if text and all(str(a["address"]).casefold() != text.casefold() for a in addresses):
            addresses.append({"address": text, "country": country, "sources": [builder.source.id]})
    jurisdiction = record.get("Entity.LegalJurisdiction", "")
    country = country_code(jurisdiction[:2]) or country_code(
        record.get("Entity.LegalAddress.Country", "")
    )
    identifiers = [{"scheme": "lei", "value": lei}]
    authority = record.get("Entity.RegistrationAuthority.RegistrationAuthorityID", "")
    registered = record.get("Entity.RegistrationAuthority.RegistrationAuthorityEntityID", "")
    if authority and registered:
        identifiers.append({"scheme": authority, "value": registered})
    category = record.get("Entity.EntityCategory", "")
    notes = []
    if category and category != "GENERAL":
        notes.append(f"GLEIF entity category {category}")
    if record.get("Entity.EntityStatus") == "INACTIVE":
        notes.append("GLEIF entity status INACTIVE")
    successor = record.get("Entity.SuccessorEntity.1.SuccessorLEI", "")
    if successor:
        notes.append(f"successor entity: LEI {successor}")
    builder.entity(
        {
            "id": _lei_id(lei),
            "name": name,
            "kind": "other" if category == "FUND" else "company",
            "country": country,
            "aliases": unique(aliases, exclude=[name, *former]),
            "former_names": [
                {"name": f, "sources": [builder.source.id]} for f in unique(former, exclude=[name])
            ],
            "identifiers": identifiers,
            "addresses": addresses,
            "note": join_notes(*notes),
        },
        where,
        fields={
            "name": "Entity.LegalName",
            "country": "Entity.LegalJurisdiction",
            "identifiers": "LEI",
        },
    )


# --------------------------------------------------------------------------- Level 2


def _node(builder: Builder, record: dict[str, str], node: str, where: Where) -> str | None:
    value = record.get(f"Relationship.{node}.NodeID", "").strip()
    kind = record.get(f"Relationship.{node}.NodeIDType", "LEI").strip() or "LEI"
    if not value:
        builder.problem("required field is missing", where, f"Relationship.{node}.NodeID")
        return None
    if kind.upper() == "LEI":
        entity_id = _lei_id(value)
        builder.reference(
            entity_id,
            where,
            name=f"LEI {value.upper()}",
            identifiers=_lei_identifier(value),
            why="named by a GLEIF relationship record",
        )
        return entity_id
    entity_id = f"gleif-{kind.lower()}-{value}"
    builder.reference(
        entity_id, where, name=f"{kind} {value}", why="named by a GLEIF relationship record"
    )
    return entity_id


def _lei_identifier(value: str) -> list[Any]:
    from ..model import Identifier

    return [Identifier(scheme="lei", value=value.strip().upper())]


def _relationships(builder: Builder, records: list[tuple[Where, dict[str, str]]]) -> None:
    direct: list[Holding] = []
    ultimate: list[tuple[Holding, Where]] = []
    for where, record in records:
        if where.record is not None and record.get("Relationship.EndNode.NodeID"):
            where = Where(
                where.file,
                where.line,
                f"{where.record} -> {record['Relationship.EndNode.NodeID']}",
                where.index,
                where.section,
            )
        kind = record.get("Relationship.RelationshipType", "")
        if record.get("Registration.RegistrationStatus") == "ANNULLED":
            builder.notice(
                "annulled relationship record; skipped", where, "Registration.RegistrationStatus"
            )
            continue
        child = _node(builder, record, "StartNode", where)
        parent = _node(builder, record, "EndNode", where)
        if child is None or parent is None:
            continue
        if kind in FUND_TYPES:
            builder.hint(
                where,
                entity=child,
                kind="related",
                target=parent,
                text=kind.lower().replace("_", " "),
            )
            continue
        if kind not in CONTROL_TYPES and kind != ULTIMATE:
            builder.problem(
                f"unknown relationship type {kind!r}; expected one of "
                + ", ".join([*CONTROL_TYPES, ULTIMATE, *sorted(FUND_TYPES)]),
                where,
                "Relationship.RelationshipType",
            )
            continue
        made = _holding(builder, where, record, parent, child, kind)
        if made is None:
            continue
        if kind == ULTIMATE:
            builder.hint(
                where,
                entity=child,
                kind="ultimate_parent",
                target=parent,
                text="ultimate accounting consolidation parent",
            )
            ultimate.append((made, where))
        else:
            direct.append(made)
            builder.add_holding(made, where)
    keep, dropped = add_unchained(direct, ultimate)
    wheres = {id(h): w for h, w in ultimate}
    for made in keep:
        builder.add_holding(made, wheres[id(made)])
    for made, _ in dropped:
        builder.annotate(made.owned, f"ultimate consolidating parent: {made.owner} (GLEIF)")


def _holding(
    builder: Builder,
    where: Where,
    record: dict[str, str],
    parent: str,
    child: str,
    kind: str,
) -> Holding | None:
    start = end = None
    for n, period_type in _numbered(record, "Relationship.Period", ".periodType"):
        if period_type != "RELATIONSHIP_PERIOD":
            continue
        for part in ("startDate", "endDate"):
            key = f"Relationship.Period.{n}.{part}"
            try:
                value = parse_date(record.get(key), end=part == "endDate")
            except ValueError as exc:
                builder.problem(str(exc), where, key)
                return None
            start, end = (value, end) if part == "startDate" else (start, value)
    notes = [
        CONTROL_TYPES.get(
            kind, "ultimate accounting consolidation (the direct chain is not in the input)"
        )
    ]
    if record.get("Relationship.RelationshipStatus") == "INACTIVE" and end is None:
        try:
            end = parse_date(record.get("Registration.LastUpdateDate"))
        except ValueError:
            end = None
        notes.append("inactive; ended by the record's last update at the latest")
        if end is not None and start is not None and end < start:
            end = start
    share: dict[str, Any] = {}
    for n, units in _numbered(record, "Relationship.Quantifiers", ".QuantifierUnits"):
        amount = record.get(f"Relationship.Quantifiers.{n}.QuantifierAmount", "")
        if units.upper() == "PERCENTAGE" and amount:
            share = {"kind": "ownership", "percent": amount}
            method = record.get(f"Relationship.Quantifiers.{n}.MeasurementMethod", "")
            if method:
                notes.append(f"measured by {method}")
            break
    return builder.build_holding(
        {
            "owner": parent,
            "owned": child,
            "kind": "control",
            **share,
            "start": start,
            "end": end,
            "note": join_notes(*notes),
        },
        where,
        fields={
            "owner": "Relationship.EndNode.NodeID",
            "owned": "Relationship.StartNode.NodeID",
            "percent": "Relationship.Quantifiers.QuantifierAmount",
            "start": "Relationship.Period.startDate",
            "end": "Relationship.Period.endDate",
        },
    )


# --------------------------------------------------------------------------- exceptions


def _exception(builder: Builder, where: Where, record: dict[str, str]) -> None:
    lei = record.get("LEI", "").strip().upper()
    if not lei:
        builder.problem("required field is missing", where, "LEI")
        return
    category = record.get("Exception.Category", "")
    reasons = [v for _, v in _numbered(record, "Exception.Reason")]
    if not reasons:
        builder.problem("no exception reason", where, "Exception.Reason")
        return
    which = CATEGORY_TEXT.get(category, category.lower().replace("_", " ") or "parent")
    text = f"GLEIF reporting exception ({which}): " + "; ".join(
        f"{reason} - {REASON_TEXT.get(reason, reason.lower().replace('_', ' '))}"
        for reason in reasons
    )
    references = [v for _, v in _numbered(record, "Exception.Reference")]
    if references:
        text += f" (reference: {'; '.join(references)})"
    entity_id = _lei_id(lei)
    builder.reference(
        entity_id,
        where,
        name=f"LEI {lei}",
        identifiers=_lei_identifier(lei),
        why="named by a GLEIF reporting exception",
    )
    builder.annotate(entity_id, text)
    builder.hint(where, entity=entity_id, kind="reporting_exception", text=text)
