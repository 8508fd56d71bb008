"""The SDN advanced XML (``sdn_advanced.xml``): read into parties, sanctions entries and
profile relationships, and each of those turned into records.

:func:`parse_advanced_xml` reads the file in one pass into reference values, locations,
identity documents, parties, sanctions entries and profile relationships;
:func:`xml_entity`, :func:`xml_listing` and :func:`xml_relation` then make the entity,
the listing, and the holding or hint of each. Kept apart from :mod:`ownership.io.ofac`,
which holds the entry points and reads the legacy CSV set: the two formats share no code.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DataError, Problem, shown
from .building import Builder
from .countries import country_code
from .provenance import Where, join_notes, unique
from .values import identifier_scheme, identifier_value, slug

__all__ = [
    "OWNERSHIP_RELATIONS",
    "AdvancedXml",
    "Party",
    "parse_advanced_xml",
    "xml_entity",
    "xml_listing",
    "xml_relation",
]

#: Advanced-XML relation type ids that are ownership, and which end is the owner.
OWNERSHIP_RELATIONS = {"15003": "to", "92019": "from"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(elem: ET.Element, name: str) -> ET.Element | None:
    for sub in elem:
        if _local(sub.tag) == name:
            return sub
    return None


def _children(elem: ET.Element, name: str) -> list[ET.Element]:
    return [sub for sub in elem if _local(sub.tag) == name]


def _text(elem: ET.Element | None) -> str:
    return (elem.text or "").strip() if elem is not None else ""


def _descendants(elem: ET.Element, name: str) -> list[ET.Element]:
    return [sub for sub in elem.iter() if _local(sub.tag) == name]


def _xml_date(elem: ET.Element | None) -> dt.date | None:
    if elem is None:
        return None
    parts = {_local(sub.tag): (sub.text or "").strip() for sub in elem}
    try:
        return dt.date(int(parts["Year"]), int(parts.get("Month") or 1), int(parts.get("Day") or 1))
    except (KeyError, ValueError):
        return None


@dataclass
class Party:
    """One profile of a distinct party: its names, the locations of its features and its
    identities, as the file gives them, and its position among the parties."""

    profile: str
    fixed_ref: str
    subtype: str | None
    names: list[tuple[str, str, bool, bool]] = field(
        default_factory=list
    )  # type, name, primary, low
    locations: list[tuple[str, str]] = field(default_factory=list)  # (feature type, location)
    identities: list[str] = field(default_factory=list)
    index: int = 0


@dataclass
class AdvancedXml:
    """What an advanced XML file holds, as read: the reference values by set and id, the
    party type of each party subtype, locations and identity documents by id, the
    parties, the sanctions entries and profile relationships (each with its position),
    and the file's date of issue."""

    refs: dict[str, dict[str, str]]
    subtype_party: dict[str, str]
    locations: dict[str, tuple[str, str | None]]
    documents: dict[str, list[tuple[str, str]]]
    parties: list[Party]
    relations: list[tuple[int, dict[str, str]]]
    entries: list[tuple[int, ET.Element]]
    issued: dt.date | None


def parse_advanced_xml(file: Path) -> AdvancedXml:
    """Read an advanced XML file; raise DataError when it is not well-formed or cannot be
    read."""
    refs: dict[str, dict[str, str]] = defaultdict(dict)
    subtype_party: dict[str, str] = {}
    country_iso: dict[str, str] = {}
    locations: dict[str, tuple[str, str | None]] = {}
    documents: dict[str, list[tuple[str, str]]] = defaultdict(list)
    parties: list[Party] = []
    relations: list[tuple[int, dict[str, str]]] = []
    entries: list[tuple[int, ET.Element]] = []
    issued: dt.date | None = None
    problems: list[Problem] = []
    try:
        context = ET.iterparse(str(file), events=("end",))
        for _, elem in context:
            tag = _local(elem.tag)
            if tag == "DateOfIssue":
                issued = _xml_date(elem)
            elif tag == "ReferenceValueSets":
                for value_set in elem:
                    for item in value_set:
                        kind = _local(item.tag)
                        refs[kind][item.get("ID", "")] = (item.text or "").strip()
                        if kind == "PartySubType":
                            subtype_party[item.get("ID", "")] = item.get("PartyTypeID", "")
                        if kind == "Country" and item.get("ISO2"):
                            country_iso[item.get("ID", "")] = item.get("ISO2", "")
                elem.clear()
            elif tag == "Location":
                locations[elem.get("ID", "")] = _location(elem, country_iso, refs)
                elem.clear()
            elif tag == "IDRegDocument":
                number = _text(_child(elem, "IDRegistrationNo"))
                label = refs["IDRegDocType"].get(elem.get("IDRegDocTypeID", ""), "")
                documents[elem.get("IdentityID", "")].append((label, number.strip()))
                elem.clear()
            elif tag == "DistinctParty":
                parties += _parties(elem, len(parties))
                elem.clear()
            elif tag == "ProfileRelationship":
                relations.append((len(relations), dict(elem.attrib)))
                elem.clear()
            elif tag == "SanctionsEntry":
                entries.append((len(entries), elem))
    except ET.ParseError as exc:
        line, column = exc.position
        problems.append(
            Problem(f"not well-formed XML: {exc.msg} (column {column})", file=str(file), line=line)
        )
    except OSError as exc:
        problems.append(Problem(f"cannot read: {exc.strerror}", file=str(file)))
    if problems:
        raise DataError(problems)
    return AdvancedXml(
        refs, subtype_party, locations, documents, parties, relations, entries, issued
    )


def _location(
    elem: ET.Element, country_iso: dict[str, str], refs: dict[str, dict[str, str]]
) -> tuple[str, str | None]:
    parts = []
    for part in _children(elem, "LocationPart"):
        values = [(v.text or "").strip() for v in _descendants(part, "Value")]
        parts += [v for v in values if v]
    country = None
    loc_country = _child(elem, "LocationCountry")
    if loc_country is not None:
        country_id = loc_country.get("CountryID", "")
        country = country_iso.get(country_id) or country_code(refs["Country"].get(country_id))
    return ", ".join(parts), country


def _parties(elem: ET.Element, start: int) -> list[Party]:
    out = []
    for offset, profile in enumerate(_children(elem, "Profile")):
        party = Party(
            profile=profile.get("ID", ""),
            fixed_ref=elem.get("FixedRef", ""),
            subtype=profile.get("PartySubTypeID"),
            index=start + offset,
        )
        for identity in _children(profile, "Identity"):
            party.identities.append(identity.get("ID", ""))
            for alias in _children(identity, "Alias"):
                for documented in _children(alias, "DocumentedName"):
                    words = [
                        (v.text or "").strip()
                        for v in _descendants(documented, "NamePartValue")
                        if (v.text or "").strip()
                    ]
                    if words:
                        party.names.append(
                            (
                                alias.get("AliasTypeID", ""),
                                " ".join(words),
                                alias.get("Primary") == "true",
                                alias.get("LowQuality") == "true",
                            )
                        )
        for feature in _descendants(profile, "Feature"):
            for version in _descendants(feature, "VersionLocation"):
                party.locations.append(
                    (feature.get("FeatureTypeID", ""), version.get("LocationID", ""))
                )
        out.append(party)
    return out


def xml_entity(
    builder: Builder,
    where: Where,
    entity_id: str,
    party: Party,
    refs: dict[str, dict[str, str]],
    subtype_party: dict[str, str],
    locations: dict[str, tuple[str, str | None]],
    documents: dict[str, list[tuple[str, str]]],
) -> None:
    primary = [n for _, n, is_primary, _ in party.names if is_primary]
    if not party.names:
        builder.problem("the party has no name (no Alias/DocumentedName)", where, "Identity")
        return
    name = primary[0] if primary else party.names[0][1]
    aliases: list[str] = []
    former: list[str] = []
    for alias_type, text, _, low in party.names:
        label = refs["AliasType"].get(alias_type, "").casefold()
        if low or text == name:
            continue
        (former if "f.k.a" in label else aliases).append(text)
    party_type = refs["PartyType"].get(subtype_party.get(party.subtype or "", ""), "")
    subtype = refs["PartySubType"].get(party.subtype or "", "")
    kind_text = f"{party_type} {subtype}".casefold()
    kind = (
        "person"
        if "individual" in kind_text
        else "other"
        if ("vessel" in kind_text or "aircraft" in kind_text)
        else "company"
    )
    # features naming where a party belongs (nationality, citizenship, registration)
    # decide its country; addresses only when they all lie in one country
    belongs, addresses = [], []
    for feature_type, location in party.locations:
        if location in locations:
            label = refs["FeatureType"].get(feature_type, "").casefold()
            if "nationality" in label or "citizenship" in label or "registration" in label:
                belongs.append(locations[location][1])
            else:
                addresses.append(locations[location])
    address_countries = {c for _, c in addresses if c}
    country = next((c for c in belongs if c), None) or (
        next(iter(address_countries)) if len(address_countries) == 1 else None
    )
    identifiers = []
    for identity in party.identities:
        for label, number in documents.get(identity, []):
            scheme = identifier_scheme(label)
            if scheme and number:
                ident = {"scheme": scheme, "value": identifier_value(scheme, number)}
                if ident not in identifiers:
                    identifiers.append(ident)
    builder.entity(
        {
            "id": entity_id,
            "name": name,
            "kind": kind,
            "country": country,
            "aliases": unique(aliases, exclude=[name]),
            "former_names": [{"name": f, "sources": [builder.source.id]} for f in unique(former)],
            "identifiers": identifiers,
            "addresses": [
                {"address": t, "country": c, "sources": [builder.source.id]}
                for t, c in addresses
                if t
            ],
        },
        where,
        fields={"name": "Alias", "country": "LocationCountry", "addresses": "Location"},
    )


def _xml_list_id(name: str) -> str:
    upper = name.upper()
    if upper.startswith("SDN"):
        return "sdn"
    match = re.search(r"\(([^)]+)\)", name)
    if match:
        return match.group(1).split()[0].lower()
    return slug(re.sub(r"\s+list$", "", name, flags=re.I)) or "ofac"


def xml_listing(
    builder: Builder,
    file: Path,
    index: int,
    entry: ET.Element,
    ids: dict[str, str],
    refs: dict[str, dict[str, str]],
) -> None:
    profile = entry.get("ProfileID", "")
    where = Where(
        str(file),
        record=f"SanctionsEntry {entry.get('ID', '')}",
        section="SanctionsEntry",
        index=index,
    )
    entity_id = ids.get(profile)
    if entity_id is None:
        builder.problem(f"profile {profile!r} is not among the DistinctParties", where, "ProfileID")
        return
    list_name = refs["List"].get(entry.get("ListID", ""), "")
    dates = [_xml_date(_child(e, "Date")) for e in _children(entry, "EntryEvent")]
    programs = []
    for measure in _children(entry, "SanctionsMeasure"):
        kind = refs["SanctionsType"].get(measure.get("SanctionsTypeID", ""), "")
        comment = _text(_child(measure, "Comment"))
        if comment.strip() and (not kind or "program" in kind.casefold()):
            programs.append(comment.strip())
    start = min((d for d in dates if d is not None), default=None)
    builder.listing(
        {
            "entity": entity_id,
            "list": _xml_list_id(list_name) if list_name else "sdn",
            "program": "; ".join(unique(programs)) or None,
            "start": start,
        },
        where,
        fields={"list": "ListID", "program": "SanctionsMeasure", "start": "EntryEvent"},
    )


def xml_relation(
    builder: Builder,
    file: Path,
    index: int,
    attrs: dict[str, str],
    ids: dict[str, str],
    refs: dict[str, dict[str, str]],
) -> None:
    where = Where(
        str(file),
        record=f"ProfileRelationship {attrs.get('ID', '')}",
        section="ProfileRelationship",
        index=index,
    )
    source, target = attrs.get("From-ProfileID", ""), attrs.get("To-ProfileID", "")
    relation = attrs.get("RelationTypeID", "")
    label = refs["RelationType"].get(relation, f"relation type {relation}")
    missing = [
        (f, v) for f, v in (("From-ProfileID", source), ("To-ProfileID", target)) if v not in ids
    ]
    for field_name, value in missing:
        message = f"profile {shown(value)} is not among the DistinctParties"
        builder.problem(message, where, field_name)
    if missing:
        return
    former = attrs.get("Former") == "true"
    owner_end = OWNERSHIP_RELATIONS.get(relation)
    if owner_end is None or former:
        builder.hint(
            where,
            entity=ids[source],
            kind="related",
            text=f"{label}{' (former)' if former else ''}",
            target=ids[target],
        )
        return
    owner, owned = (source, target) if owner_end == "from" else (target, source)
    builder.holding(
        {
            "owner": ids[owner],
            "owned": ids[owned],
            "note": join_notes(f"OFAC: {label} (no share published)"),
        },
        where,
        fields={
            "owner": "To-ProfileID" if owner_end == "to" else "From-ProfileID",
            "owned": "From-ProfileID" if owner_end == "to" else "To-ProfileID",
        },
    )
