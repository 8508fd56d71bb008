"""Beneficial Ownership Data Standard (BODS) 0.4, and the legacy 0.2/0.3 statements.

Input is a JSON array of statements or a JSON-lines stream. Entities and persons become
entities (ids ``bods-<recordId>``; 0.2/0.3 use the statement id); relationships become
holdings from the interested party to the subject:

- ``shareholding``: an ownership holding; ``share.exact`` is its percent, the
  ``minimum``/``maximum``/``exclusiveMinimum``/``exclusiveMaximum`` bounds its range,
  no share an unknown one;
- control interests (``votingRights`` without a share or above 50%,
  ``appointmentOfBoard``, ``otherInfluenceOrControl``, control via articles, legal
  framework or contract, ``settlor``, ``trustee``, ``protector``, ``nominator``): one
  ``kind: control`` holding per relationship and period, its note naming the interests;
- an interest with no type, ``unknownInterest`` or ``unpublishedInterest``: ownership
  of unknown size (it may be shares; the rules then report "possibly covered");
- officers (``seniorManagingOfficial``, ``boardMember``, ``boardChair``), a
  ``nominee``, minority voting rights and rights to income or assets are not ownership
  or control of the company; they are returned as ``related`` hints;
- ``startDate`` is the holding's first day; ``endDate`` is the day the interest ended,
  so the holding's last day is the one before (a transfer on one day does not count
  both holders). A record whose latest statement has ``recordStatus: closed`` ends its
  holdings before the interest's end date or, if none, the closing statement's date;
- an indirect relationship that lists ``componentRecords`` is a summary: its
  component (direct) relationships are imported and the summary edge is not, so
  nothing is counted twice. An indirect interest without components is added only
  when the file has no chain of direct edges from owner to subject;
- an unspecified interested party (``{"reason": ..., "description": ...}``) is kept as
  a note on the subject and an ``unspecified_owner`` hint: a declared unknown is a
  signal, not an absence;
- several statements of one record (0.4 ``recordId``; 0.2/0.3 statements chained by
  ``replacesStatements``) are its history: each describes the days from when its figures
  took effect (its interests' start date when that is new, else its statement date) to
  the day before the next one's, so a stake that went from 50% to 100% is 50% before the
  change and 100% after. Entities and persons take their latest statement. Statements of
  *different* records about one owner and one subject are alternative figures for one
  stake (:mod:`ownership.io.figures`);
- 0.1-0.3 share bounds: ``exclusiveMinimum``/``exclusiveMaximum`` are booleans flagging
  ``minimum``/``maximum`` as exclusive (by default the minimum is inclusive and the
  maximum exclusive, as the schema says); in 0.4 they are the bounds themselves.

Relationships that point at an entity the file does not describe (the GLEIF-derived
0.2 files carry only relationship statements) get placeholder entities, reported as
notices. A BODS ``arrangement`` (a joint shareholding) stays an entity of kind
``other`` between its members and the subject.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..errors import shown
from .bods_interests import CONTROL_INTERESTS, RELATED_INTERESTS, add_relationships
from .bods_statements import (
    BodsStatement,
    Window,
    entity_id,
    record_details,
    record_histories,
    record_type,
)
from .building import Builder, Imported
from .countries import country_code
from .provenance import Where, join_notes, unique
from .sourcefiles import json_file_items, make_source
from .values import parse_date

__all__ = ["CONTROL_INTERESTS", "RELATED_INTERESTS", "read_bods", "read_bods_statements"]


_ENTITY_KINDS = {
    "registeredEntity": "company",
    "legalEntity": "company",
    "stateBody": "government_body",
    "state": "government_body",
}


def read_bods(path: str | Path, *, source_id: str | None = None) -> Imported:
    """Read a BODS file (0.4, 0.3 or 0.2; array or JSON lines); raise DataError on any problem."""
    file = Path(path)
    items, syntax = json_file_items(file)
    builder = Builder(
        "bods",
        [file],
        make_source(
            "bods", file, source_id=source_id, title="Beneficial ownership statements (BODS)"
        ),
    )
    builder.problems += syntax  # JSON lines: report bad lines with the other problems
    read_bods_statements(items, builder)
    return builder.finish()


def read_bods_statements(items: list[tuple[int, Any]], builder: Builder) -> None:
    """Turn BODS statements (each with its line) into records on ``builder``."""
    file = builder.files[0] if builder.files else "(statements)"
    statements: list[BodsStatement] = []
    publishers: list[str] = []
    dates: list[dt.date] = []
    for order, (line, data) in enumerate(items):
        where = Where(file, line=line, index=order)
        if not isinstance(data, dict):
            builder.problem(
                f"a statement must be a JSON object; found {type(data).__name__}", where
            )
            continue
        version = "0.4" if ("recordType" in data or "recordId" in data) else "0.2"
        ident = data.get("recordId") if version == "0.4" else data.get("statementID")
        where = Where(file, line=line, index=order, record=str(ident) if ident else None)
        required = (
            ("statementId", "recordId", "recordType", "recordDetails")
            if version == "0.4"
            else ("statementID", "statementType")
        )
        missing = [f for f in required if not data.get(f)]
        if missing:
            for name in missing:
                builder.problem("required field is missing", where, name)
            continue
        details = data.get("publicationDetails") or {}
        if not isinstance(details, dict):
            builder.problem(
                f"publicationDetails must be an object; found {shown(details)}",
                where,
                "publicationDetails",
            )
            continue
        publisher = details.get("publisher") or {}
        publisher = publisher.get("name") if isinstance(publisher, dict) else None
        if publisher:
            publishers.append(str(publisher))
        try:
            published = parse_date(details.get("publicationDate"))
        except ValueError:
            published = None
        if published:
            dates.append(published)
        statements.append(BodsStatement(data, where, order, version))
    if publishers or dates:
        builder.source = builder.source.model_copy(
            update={
                "publisher": "; ".join(unique(publishers)) or None,
                "date": max(dates) if dates else None,
            }
        )
    histories = record_histories(statements)
    parties: dict[str, BodsStatement] = {}
    relationships: list[tuple[BodsStatement, Window]] = []
    for record_id, history in histories.items():
        current = history.current
        kind = record_type(current)
        if kind in ("entity", "person"):
            parties[record_id] = current
        elif kind == "relationship":
            relationships += history.windows()
        else:
            field = "recordType" if current.version == "0.4" else "statementType"
            builder.problem(
                f"unknown {field} {kind!r}; expected entity, person or relationship "
                "(0.2/0.3: entityStatement, personStatement, ownershipOrControlStatement)",
                current.where,
                field,
            )
    for record_id, statement in parties.items():
        _party(builder, record_id, statement)
    add_relationships(builder, relationships)


def _party(builder: Builder, record_id: str, statement: BodsStatement) -> None:
    details = record_details(statement)
    where = statement.where
    is_person = record_type(statement) == "person"
    notes: list[str] = []
    aliases: list[str] = []
    if is_person:
        names = [n for n in details.get("names") or [] if isinstance(n, dict)]
        legal = [n for n in names if n.get("type") in (None, "legal", "individual")] or names
        name = _person_name(legal[0]) if legal else ""
        aliases = [_person_name(n) for n in names]
        person_type = details.get("personType")
        if person_type in ("anonymousPerson", "unknownPerson"):
            name = name or f"{person_type} ({record_id})"
            notes.append(f"BODS personType {person_type}")
        kind = "person"
        nationalities = details.get("nationalities") or []
        country = next(
            (
                country_code(str(n.get("code") or n.get("name") or ""))
                for n in nationalities
                if isinstance(n, dict)
            ),
            None,
        )
    else:
        name = str(details.get("name") or "").strip()
        aliases = [str(a) for a in details.get("alternateNames") or []]
        entity_type = details.get("entityType")
        type_code = entity_type.get("type") if isinstance(entity_type, dict) else entity_type
        kind = _ENTITY_KINDS.get(str(type_code), "other")
        if type_code in ("anonymousEntity", "unknownEntity", "arrangement"):
            notes.append(f"BODS entityType {type_code}")
            name = name or f"{type_code} ({record_id})"
        jurisdiction = details.get("jurisdiction") or details.get("incorporatedInJurisdiction")
        country = None
        if isinstance(jurisdiction, dict):
            prefix = str(jurisdiction.get("code") or "")[:2]
            country = country_code(prefix) or country_code(str(jurisdiction.get("name") or ""))
        dissolved = details.get("dissolutionDate")
        if dissolved:
            notes.append(f"dissolved {dissolved}")
        unspecified = details.get("unspecifiedEntityDetails")
        if isinstance(unspecified, dict) and unspecified.get("reason"):
            notes.append(f"unspecified entity: {unspecified.get('reason')}")
    addresses: list[dict[str, Any]] = []
    for item in details.get("addresses") or []:
        if not isinstance(item, dict):
            continue
        item_country: Any = item.get("country")
        if isinstance(item_country, dict):
            item_country = item_country.get("code") or item_country.get("name")
        code = country_code(str(item_country)) if item_country else None
        text = ", ".join(str(item.get(k)).strip() for k in ("address", "postCode") if item.get(k))
        if text:
            addresses.append({"address": text, "country": code, "sources": [builder.source.id]})
        country = country or code
    if statement.data.get("recordStatus") == "closed":
        notes.append(f"BODS record closed on {statement.data.get('statementDate')}")
    builder.entity(
        {
            "id": entity_id(record_id),
            "name": name,
            "kind": kind,
            "country": country,
            "aliases": unique(aliases, exclude=[name]),
            "identifiers": _identifiers(details.get("identifiers") or []),
            "addresses": addresses,
            "note": join_notes(*notes),
        },
        where,
        fields={
            "name": "recordDetails.names" if is_person else "recordDetails.name",
            "country": "recordDetails.jurisdiction",
            "identifiers": "recordDetails.identifiers",
        },
    )


def _person_name(name: dict[str, Any]) -> str:
    full = str(name.get("fullName") or "").strip()
    if full:
        return full
    parts = [name.get("givenName"), name.get("patronymicName"), name.get("familyName")]
    return " ".join(str(p).strip() for p in parts if p)


def _identifiers(items: list[Any]) -> list[dict[str, str]]:
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        value = str(item.get("id") or "").strip()
        scheme = str(item.get("scheme") or item.get("schemeName") or "").strip()
        if not value or not scheme:
            continue
        if scheme.upper() in ("XI-LEI", "LEI"):
            scheme, value = "lei", value.upper()
        ident = {"scheme": scheme, "value": value}
        if ident not in out:
            out.append(ident)
    return out
