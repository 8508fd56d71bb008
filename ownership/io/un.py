"""The UN Security Council Consolidated List (XML, as published at scsanctions.un.org).

Root ``<CONSOLIDATED_LIST dateGenerated=...>``, no namespace; ``<INDIVIDUAL>`` records
are persons, ``<ENTITY>`` records organisations. Each becomes:

- an entity ``un-<REFERENCE_NUMBER>`` (the permanent public id, such as ``KPe.023``;
  published with a stray trailing space at times), with an identifier of scheme ``un``
  (the EU's records of UN listings carry the same number, so the two link);
- its name: a person's name parts in order, an organisation's ``FIRST_NAME``;
  ``NAME_ORIGINAL_SCRIPT`` and good-quality aliases as aliases, ``f.k.a.`` aliases as
  former names; low-quality aliases are left out (as OFAC marks its weak ones), noted;
- its country: a person's single nationality, else the country of its addresses when
  they all lie in one; UN country names are read to ISO codes;
- one listing on list ``un``: programme ``UN_LIST_TYPE`` (the sanctions committee: DPRK,
  Al-Qaida, Taliban...), start ``LISTED_ON`` (a time zone some carry is dropped),
  citation the reference number; amendment dates are kept in its note.

Delisted records leave the published file; they are not marked in it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from .building import Builder, Imported
from .countries import country_code
from .provenance import Where, join_notes, unique
from .sourcefiles import fail, make_source
from .values import address_record, identifier_scheme, identifier_value, parse_date

__all__ = ["read_un"]

LIST_ID = "un"
_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")


def _text(elem: ET.Element | None) -> str:
    return " ".join((elem.text or "").split()) if elem is not None else ""


def _all(elem: ET.Element, path: str) -> list[str]:
    return [t for t in (_text(e) for e in elem.findall(path)) if t]


def read_un(path: str | Path, *, source_id: str | None = None) -> Imported:
    """Read the UN consolidated list; raise DataError naming every bad record."""
    file = Path(path)
    try:
        tree = ET.parse(file)
    except ET.ParseError as exc:
        line, _ = exc.position
        raise fail(file, f"not well-formed XML: {exc}", line=line) from None
    except OSError as exc:
        raise fail(file, f"cannot read: {exc.strerror}") from None
    root = tree.getroot()
    if root.tag != "CONSOLIDATED_LIST":
        raise fail(file, f"root element {root.tag!r} is not CONSOLIDATED_LIST")
    try:
        generated = parse_date(root.get("dateGenerated"))
    except ValueError:
        generated = None
    builder = Builder(
        "un",
        [file],
        make_source(
            "un",
            file,
            source_id=source_id,
            title="UN Security Council Consolidated List",
            publisher="United Nations Security Council",
            date=generated,
            url="https://scsanctions.un.org/resources/xml/en/consolidated.xml",
        ),
    )
    for index, record in enumerate(root.iter()):
        if record.tag in ("INDIVIDUAL", "ENTITY"):
            _record(builder, record, Where(str(file), index=index, record=_reference(record)))
    return builder.finish()


def _reference(record: ET.Element) -> str | None:
    return _text(record.find("REFERENCE_NUMBER")) or _text(record.find("DATAID")) or None


def _record(builder: Builder, record: ET.Element, where: Where) -> None:
    person = record.tag == "INDIVIDUAL"
    reference = where.record
    if reference is None:
        builder.problem("the record has neither REFERENCE_NUMBER nor DATAID", where)
        return
    parts = [_text(record.find(tag)) for tag in _NAME_PARTS] if person else []
    name = " ".join(p for p in parts if p) if person else _text(record.find("FIRST_NAME"))
    if not name:
        builder.problem("the record has no name", where, "FIRST_NAME")
        return
    alias_tag = "INDIVIDUAL_ALIAS" if person else "ENTITY_ALIAS"
    aliases, former, weak = [], [], []
    for alias in record.findall(alias_tag):
        text, quality = _text(alias.find("ALIAS_NAME")), _text(alias.find("QUALITY")).casefold()
        if not text:
            continue
        if quality == "low":
            weak.append(text)
        elif quality == "f.k.a.":
            former.append(text)
        else:
            aliases.append(text)
    aliases += _all(record, "NAME_ORIGINAL_SCRIPT")
    addresses, countries = _addresses(
        builder, record, "INDIVIDUAL_ADDRESS" if person else "ENTITY_ADDRESS"
    )
    nationals = unique(c for c in map(country_code, _all(record, "NATIONALITY/VALUE")) if c)
    country = nationals[0] if len(nationals) == 1 else None
    if country is None and not nationals and len(set(countries)) == 1:
        country = countries[0]
    builder.entity(
        {
            "id": f"un-{reference}",
            "name": name,
            "kind": "person" if person else "company",
            "country": country,
            "aliases": unique(aliases, exclude=[name]),
            "former_names": [
                {"name": f, "sources": [builder.source.id]} for f in unique(former, exclude=[name])
            ],
            "identifiers": [{"scheme": "un", "value": reference}, *_documents(record)],
            "addresses": addresses,
            "note": join_notes(
                _text(record.find("COMMENTS1")) or None,
                f"low-quality aliases (not used to link): {'; '.join(weak)}" if weak else None,
            ),
        },
        where,
        fields={"name": "FIRST_NAME", "country": "NATIONALITY"},
    )
    try:
        listed = parse_date(_text(record.find("LISTED_ON"))[:10] or None)
    except ValueError as exc:
        builder.problem(str(exc), where, "LISTED_ON")
        return
    updated = _all(record, "LAST_DAY_UPDATED/VALUE")
    builder.listing(
        {
            "entity": f"un-{reference}",
            "list": LIST_ID,
            "program": _text(record.find("UN_LIST_TYPE")) or None,
            "start": listed,
            "citation": reference,
            "note": f"amended {', '.join(updated)}" if updated else None,
        },
        where,
        fields={"start": "LISTED_ON", "program": "UN_LIST_TYPE"},
    )


def _addresses(
    builder: Builder, record: ET.Element, tag: str
) -> tuple[list[dict[str, Any]], list[str]]:
    out, countries = [], []
    for address in record.findall(tag):
        country_text = _text(address.find("COUNTRY"))
        code = country_code(country_text) if country_text else None
        parts = [_text(address.find(t)) for t in ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE")]
        if country_text and code is None:
            parts.append(country_text)
        note = _text(address.find("NOTE"))
        text = ", ".join(p for p in parts if p) + (f" ({note})" if note else "")
        if code:
            countries.append(code)
        made = address_record(text, code, [builder.source.id]) if text.strip(" ()") else None
        if made is None and code:
            made = {"address": country_text, "country": code, "sources": [builder.source.id]}
        if made is not None:
            out.append(made)
    return out, countries


def _documents(record: ET.Element) -> list[dict[str, str]]:
    """Passports and identity numbers, when their type is one we keep as an identifier."""
    found = []
    for document in record.findall("INDIVIDUAL_DOCUMENT"):
        label, number = _text(document.find("TYPE_OF_DOCUMENT")), _text(document.find("NUMBER"))
        scheme = identifier_scheme(label) if label else None
        if scheme and number:
            ident = {"scheme": scheme, "value": identifier_value(scheme, number)}
            if ident not in found:
                found.append(ident)
    return found
