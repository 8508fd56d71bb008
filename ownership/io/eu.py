"""The EU Financial Sanctions Files (FSF): the consolidated list of persons, groups and
entities subject to EU financial sanctions, XML 1.1 and the older 1.0.

1.1: root ``<export xmlns="http://eu.europa.ec/fpi/fsd/export">`` with one
``<sanctionEntity>`` per entry. 1.0: root ``<WHOLE Date="dd/mm/yyyy">`` with ``<ENTITY
Type="P|E">``. Both keep an entry's id (``logicalId``, ``Id``) from year to year, and
both become:

- an entity ``eu-<id>``: a person (``P``) or an organisation (``E``); its first name
  entry as its name and the others (translations, spellings) as aliases; identifiers
  of scheme ``eu`` (``euReferenceNumber``), ``un`` (``unitedNationId``, the UN list's
  reference number: the two lists link by it), and registration and passport numbers;
  addresses with their countries (``00``/UNKNOWN is no country; 1.0 writes ISO
  alpha-3 codes); its country, a person's single citizenship, else the country of its
  addresses when they all lie in one;
- one listing on list ``eu`` (what the ``eu`` rule reads): programme the regime code
  (``UKR``, ``IRN``, ``TERR``...), start the designation date, else the earliest date
  of an act that listed or amended it (``designationDate`` is often absent), citation
  the EU reference number and the latest act.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .building import Builder, Imported
from .countries import country_code
from .provenance import Where, join_notes, unique
from .sourcefiles import fail, make_source
from .values import parse_date

__all__ = ["NAMESPACE", "read_eu"]

LIST_ID = "eu"
NAMESPACE = "http://eu.europa.ec/fpi/fsd/export"
_ID_SCHEMES = {"regnumber": "registration", "passport": "passport", "id": "national_id"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(elem: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in elem if _local(child.tag) == name]


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def _country(code: str | None, description: str | None = None) -> str | None:
    """A country from an ISO code (``00`` is none) or, failing that, its description."""
    value = _clean(code)
    if value and value != "00":
        found = country_code(value)
        if found:
            return found
    text = _clean(description)
    return country_code(text) if text and text.upper() != "UNKNOWN" else None


def _day(text: str | None) -> dt.date | None:
    try:
        return parse_date(_clean(text)[:10] or None)
    except ValueError:
        return None


def read_eu(path: str | Path, *, source_id: str | None = None) -> Imported:
    """Read an EU FSF XML file (1.1 or 1.0); raise DataError naming every bad entry."""
    file = Path(path)
    try:
        root = ET.parse(file).getroot()
    except ET.ParseError as exc:
        raise fail(file, f"not well-formed XML: {exc}", line=exc.position[0]) from None
    except OSError as exc:
        raise fail(file, f"cannot read: {exc.strerror}") from None
    tag = _local(root.tag)
    if tag == "export":
        generated = _day(root.get("generationDate"))
    elif tag == "WHOLE":
        try:
            generated = dt.datetime.strptime(root.get("Date") or "", "%d/%m/%Y").date()
        except ValueError:
            generated = None
    else:
        raise fail(file, f"root element {tag!r} is neither export (FSF 1.1) nor WHOLE (FSF 1.0)")
    builder = Builder(
        "eu",
        [file],
        make_source(
            "eu",
            file,
            source_id=source_id,
            title="EU Financial Sanctions Files: consolidated list of persons, groups and "
            "entities subject to EU financial sanctions",
            publisher="European Commission",
            date=generated,
        ),
    )
    if tag == "export":
        for index, entry in enumerate(_children(root, "sanctionEntity")):
            where = Where(str(file), index=index, record=entry.get("logicalId"))
            _entry(builder, where, _read_11(entry))
    else:
        for index, entry in enumerate(_children(root, "ENTITY")):
            where = Where(str(file), index=index, record=entry.get("Id"))
            _entry(builder, where, _read_10(entry))
    return builder.finish()


def _read_11(entry: ET.Element) -> dict[str, Any]:
    """One 1.1 ``sanctionEntity`` in the shape :func:`_entry` takes."""
    subject = next(iter(_children(entry, "subjectType")), None)
    names = [_clean(a.get("wholeName")) for a in _children(entry, "nameAlias")]
    regulations = _children(entry, "regulation")
    dates = [
        _day(r.get(attr)) for r in regulations for attr in ("entryIntoForceDate", "publicationDate")
    ]
    dates += [
        _day(s.get("publicationDate")) for s in entry.iter() if _local(s.tag) == "regulationSummary"
    ]
    identifiers = []
    for ident in _children(entry, "identification"):
        scheme = _ID_SCHEMES.get(_clean(ident.get("identificationTypeCode")))
        number = _clean(ident.get("number")) or _clean(ident.get("latinNumber"))
        if scheme and number:
            identifiers.append({"scheme": scheme, "value": number})
    addresses = []
    for address in _children(entry, "address"):
        parts = [address.get(k) for k in ("street", "poBox", "city", "zipCode", "region", "place")]
        country = _country(address.get("countryIso2Code"), address.get("countryDescription"))
        addresses.append((", ".join(_clean(p) for p in parts if _clean(p)), country))
    return {
        "kind": "person"
        if (subject is not None and subject.get("classificationCode") == "P")
        else "company",
        "names": names,
        "reference": _clean(entry.get("euReferenceNumber")),
        "un": _clean(entry.get("unitedNationId")),
        "designated": _day(entry.get("designationDate")),
        "dates": dates,
        "programmes": [_clean(r.get("programme")) for r in regulations],
        "acts": [_clean(r.get("numberTitle")) for r in regulations],
        "citizenships": [
            _country(c.get("countryIso2Code"), c.get("countryDescription"))
            for c in _children(entry, "citizenship")
        ],
        "addresses": addresses,
        "identifiers": identifiers,
        "remark": "; ".join(_clean(r.text) for r in _children(entry, "remark") if _clean(r.text)),
    }


def _read_10(entry: ET.Element) -> dict[str, Any]:
    """One 1.0 ``ENTITY`` in the shape :func:`_entry` takes."""

    def text(elem: ET.Element, name: str) -> str:
        found = elem.find(name)
        return _clean(found.text if found is not None else None)

    names = [text(n, "WHOLENAME") for n in entry.findall("NAME")]
    dates = [_day(e.get("reg_date")) for e in entry.iter() if e.get("reg_date")]
    identifiers = []
    for passport in entry.findall("PASSPORT"):
        number = text(passport, "NUMBER").split(" (", 1)[0]  # "AD001095 (passport-...)"
        if number:
            identifiers.append({"scheme": "passport", "value": number})
    addresses = []
    for address in entry.findall("ADDRESS"):
        parts = [text(address, k) for k in ("NUMBER", "STREET", "ZIPCODE", "CITY", "OTHER")]
        addresses.append((", ".join(p for p in parts if p), _country(text(address, "COUNTRY"))))
    return {
        "kind": "person" if entry.get("Type") == "P" else "company",
        "names": names,
        "reference": "",
        "un": "",
        "designated": None,
        "dates": dates,
        "programmes": [_clean(entry.get("programme"))],
        "acts": [_clean(entry.get("legal_basis"))],
        "citizenships": [_country(text(c, "COUNTRY")) for c in entry.findall("CITIZEN")],
        "addresses": addresses,
        "identifiers": identifiers,
        "remark": _clean(entry.get("remark")).strip("()"),
    }


def _entry(builder: Builder, where: Where, entry: dict[str, Any]) -> None:
    names = unique(entry["names"])
    if where.record is None:
        builder.problem("the entry has no id (logicalId, Id)", where)
        return
    if not names:
        builder.problem("the entry has no name", where, "nameAlias")
        return
    entity_id = f"eu-{where.record}"
    nationals = unique(c for c in entry["citizenships"] if c)
    countries = {c for _, c in entry["addresses"] if c}
    country = nationals[0] if len(nationals) == 1 else None
    if country is None and not nationals and len(countries) == 1:
        country = next(iter(countries))
    identifiers = [
        *(
            {"scheme": s, "value": entry[k]}
            for s, k in (("eu", "reference"), ("un", "un"))
            if entry[k]
        ),
        *entry["identifiers"],
    ]
    builder.entity(
        {
            "id": entity_id,
            "name": names[0],
            "kind": entry["kind"],
            "country": country,
            "aliases": names[1:],
            "identifiers": _distinct(identifiers),
            "addresses": [
                {"address": text, "country": code, "sources": [builder.source.id]}
                for text, code in entry["addresses"]
                if text
            ],
            "note": entry["remark"] or None,
        },
        where,
        fields={"name": "nameAlias", "country": "citizenship"},
    )
    known = [d for d in entry["dates"] if d]
    acts = unique(a for a in entry["acts"] if a)
    builder.listing(
        {
            "entity": entity_id,
            "list": LIST_ID,
            "program": "; ".join(unique(p for p in entry["programmes"] if p)) or None,
            "start": entry["designated"] or (min(known) if known else None),
            "citation": "; ".join([*([entry["reference"]] if entry["reference"] else []), *acts])
            or None,
            "note": join_notes(
                None
                if entry["designated"]
                else "no designation date given: listed from the earliest act that names it",
            ),
        },
        where,
        fields={"start": "designationDate", "program": "regulation"},
    )


def _distinct(items: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out
