"""OFAC SDN files: the legacy CSV set and the SDN advanced XML.

Legacy CSV (``sdn.csv`` with its siblings ``add.csv``, ``alt.csv`` and
``sdn_comments.csv``; or the consolidated ``cons_prim.csv`` set), given as the folder
or as the path of ``sdn.csv``. The files have no header; ``-0-`` means empty.

- one entity per ``sdn.csv`` row, id ``ofac-<ent_num>`` (the CSL reader gives Treasury
  rows the same ids); ``individual`` -> person, ``vessel``/``aircraft`` -> other, else
  company; a vessel's flag is its country;
- one listing on ``sdn`` (``non_sdn`` for the consolidated set) whose program is the
  ``Program`` tags split on ``] [`` and ``; ``-joined;
- ``alt.csv``: ``aka`` and ``nka`` names become aliases, ``fka`` former names;
- ``add.csv``: addresses, with OFAC's country names turned into ISO codes;
- the entity's country is the nationality, citizenship or nationality of registration
  its remarks give, else the country a registration number was issued in, else the
  country of its addresses when they all lie in one (none when they differ);
- remarks (with the ``sdn_comments.csv`` overflow) are kept in the entity's note; the
  identifiers in them (registration, LEI, tax, IMO, passport...) are read out;
- ``Linked To: NAME`` remarks become ``linked_to`` hints, pointed at the named entity
  when the file holds exactly one by that name: a link is not an ownership fact.

Rows in ``add.csv``/``alt.csv``/``sdn_comments.csv`` for entity numbers missing from
``sdn.csv`` (excerpts often have them) are skipped and reported as notices.

Advanced XML (``sdn_advanced.xml``): parties with names, aliases, addresses and
identity documents, sanctions entries (list, programs, listing date), and the profile
relationships. ``Owned or Controlled By`` (15003, from = asset, to = owner) and ``Owns,
controls, or operates`` (92019, from = owner) become holdings of ``kind: ownership``
with **no percentage** (OFAC publishes none): under the share rules such an edge gives a
lower bound of 0 and an upper bound of 100, so the asset shows as exposed and possibly
covered - honest about what is known - rather than ``kind: control``, which the EU and
UK rules would treat as decisive and OFAC's wording ("owned *or* controlled") does not
establish. Former relationships and every other relation type (acting for, associate
of, family member, leader of...) are returned as ``related`` hints, not edges.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DataError, Problem, shown
from .building import Builder, Imported
from .countries import country_code
from .provenance import Where, join_notes, unique
from .sourcefiles import make_source, read_text
from .values import identifier_scheme, identifier_value, slug

__all__ = [
    "OWNERSHIP_RELATIONS",
    "ofac_files",
    "read_ofac",
    "read_ofac_csv",
    "read_ofac_xml",
]

NULL = "-0-"

SDN_COLUMNS = [
    "ent_num",
    "SDN_Name",
    "SDN_Type",
    "Program",
    "Title",
    "Call_Sign",
    "Vess_type",
    "Tonnage",
    "GRT",
    "Vess_flag",
    "Vess_owner",
    "Remarks",
]
ADD_COLUMNS = [
    "ent_num",
    "Add_num",
    "Address",
    "City/State/Province/Postal Code",
    "Country",
    "Add_remarks",
]
ALT_COLUMNS = ["ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks"]
COMMENT_COLUMNS = ["ent_num", "Remarks_extension"]

#: Advanced-XML relation type ids that are ownership, and which end is the owner.
OWNERSHIP_RELATIONS = {"15003": "to", "92019": "from"}

_LINKED = re.compile(r"Linked To:\s*([^;]+?)\s*\.?\s*(?:;|$)", re.I)


# --------------------------------------------------------------------------- files


@dataclass
class _Files:
    main: Path
    add: Path | None
    alt: Path | None
    comments: Path | None
    list_id: str


def ofac_files(path: str | Path) -> _Files:
    """The SDN (or consolidated) file set for a folder or for the path of one of its files."""
    given = Path(path)
    folder = given if given.is_dir() else given.parent
    names = {p.name.casefold(): p for p in folder.iterdir()} if folder.is_dir() else {}
    consolidated = given.name.casefold().startswith("cons_") or (
        given.is_dir() and "sdn.csv" not in names and "cons_prim.csv" in names
    )
    prefix, main_name = ("cons_", "cons_prim.csv") if consolidated else ("", "sdn.csv")
    main = names.get(main_name)
    if main is None:
        raise DataError(
            [
                Problem(
                    f"no {main_name} found; give the folder of the OFAC files or the path of "
                    f"{main_name} (with add.csv, alt.csv and sdn_comments.csv beside it)",
                    file=str(given),
                )
            ]
        )
    return _Files(
        main=main,
        add=names.get(f"{prefix}add.csv"),
        alt=names.get(f"{prefix}alt.csv"),
        comments=names.get(f"{prefix}comments.csv" if consolidated else "sdn_comments.csv"),
        list_id="non_sdn" if consolidated else "sdn",
    )


def read_ofac(path: str | Path, *, source_id: str | None = None) -> Imported:
    """Read OFAC data: the advanced XML file, or the legacy CSV set (folder or sdn.csv)."""
    file = Path(path)
    if file.is_file() and file.suffix.casefold() == ".xml":
        return read_ofac_xml(file, source_id=source_id)
    return read_ofac_csv(file, source_id=source_id)


def _rows(path: Path, columns: list[str], builder: Builder) -> list[tuple[int, dict[str, str]]]:
    text = read_text(path, builder)
    if text is None:
        return []
    rows = []
    reader = csv.reader(io.StringIO(text, newline=""))
    for cells in reader:
        line = reader.line_num
        if not cells or all(not c.strip() or c.strip() == "\x1a" for c in cells):
            continue
        if len(cells) != len(columns):
            builder.problem(
                f"{len(cells)} cells; an OFAC {path.name} row has {len(columns)} "
                f"({', '.join(columns)})",
                Where(str(path), line=line, record=cells[0].strip() or None),
            )
            continue
        values = {c: v.strip() for c, v in zip(columns, cells, strict=True)}
        values = {c: ("" if v == NULL else v) for c, v in values.items()}
        if not values["ent_num"].isdigit():
            builder.problem(
                f"ent_num {shown(values['ent_num'])} is not a number",
                Where(str(path), line=line, record=values["ent_num"] or None),
                "ent_num",
            )
            continue
        rows.append((line, values))
    return rows


def read_ofac_csv(path: str | Path, *, source_id: str | None = None) -> Imported:
    """Read the legacy OFAC CSV set; raise DataError naming every bad row."""
    files = ofac_files(path)
    present = [p for p in (files.main, files.add, files.alt, files.comments) if p is not None]
    title = "OFAC SDN list" if files.list_id == "sdn" else "OFAC consolidated (non-SDN) list"
    builder = Builder(
        "ofac",
        present,
        make_source(
            "ofac",
            files.main,
            source_id=source_id,
            title=f"{title} (legacy CSV)",
            publisher="US Treasury, Office of Foreign Assets Control",
            url="https://sanctionslistservice.ofac.treas.gov/",
        ),
    )
    main_rows = _rows(files.main, SDN_COLUMNS, builder)
    extra: dict[str, dict[str, list[tuple[Where, dict[str, str]]]]] = {}
    for key, file, columns in (
        ("add", files.add, ADD_COLUMNS),
        ("alt", files.alt, ALT_COLUMNS),
        ("comments", files.comments, COMMENT_COLUMNS),
    ):
        grouped: dict[str, list[tuple[Where, dict[str, str]]]] = defaultdict(list)
        if file is not None:
            for line, values in _rows(file, columns, builder):
                where = Where(str(file), line=line, record=values["ent_num"])
                grouped[values["ent_num"]].append((where, values))
        extra[key] = grouped
    known = {values["ent_num"] for _, values in main_rows}
    for key, grouped in extra.items():
        for number, items in grouped.items():
            if number not in known:
                where = items[0][0]
                builder.notice(
                    f"{len(items)} {key} row(s) for entity {number}, which is not in "
                    f"{files.main.name}; skipped",
                    where,
                )
    for line, values in main_rows:
        number = values["ent_num"]
        _sdn_entity(
            builder,
            Where(str(files.main), line=line, record=number),
            values,
            extra["add"].get(number, []),
            extra["alt"].get(number, []),
            extra["comments"].get(number, []),
            files.list_id,
        )
    return builder.finish()


def _sdn_entity(
    builder: Builder,
    where: Where,
    values: dict[str, str],
    addresses: list[tuple[Where, dict[str, str]]],
    alts: list[tuple[Where, dict[str, str]]],
    comments: list[tuple[Where, dict[str, str]]],
    list_id: str,
) -> None:
    entity_id = f"ofac-{values['ent_num']}"
    name = values["SDN_Name"]
    if not name:
        builder.problem("empty SDN_Name", where, "SDN_Name")
        return
    kind = {"individual": "person", "vessel": "other", "aircraft": "other"}.get(
        values["SDN_Type"].casefold(), "company"
    )
    remarks = " ".join([values["Remarks"], *(c["Remarks_extension"] for _, c in comments)]).strip()
    aliases: list[str] = []
    former: list[str] = []
    for alt_where, alt in alts:
        alt_name = alt["alt_name"]
        if not alt_name:
            builder.problem("empty alt_name", alt_where, "alt_name")
            continue
        (former if alt["alt_type"].casefold() == "fka" else aliases).append(alt_name)
    address_items = []
    countries = []
    for add_where, add in addresses:
        country_text = add["Country"]
        code = country_code(country_text) if country_text else None
        if country_text and code is None:
            builder.notice(
                f"country {country_text!r} is not a known country name; kept in the address",
                add_where,
                "Country",
            )
        parts = [add["Address"], add["City/State/Province/Postal Code"]]
        if country_text and code is None:
            parts.append(country_text)
        text = " ".join(", ".join(p for p in parts if p).split())
        if code:
            countries.append(code)
        if text:
            address_items.append({"address": text, "country": code, "sources": [builder.source.id]})
    # nationality, citizenship or registration first; an address country only when every
    # address is in one country (a Cuban bank with offices in Switzerland is not Swiss)
    country = remark_country(remarks) or (countries[0] if len(set(countries)) == 1 else None)
    if kind == "other" and values["Vess_flag"]:
        country = country_code(values["Vess_flag"]) or country
    entity = builder.entity(
        {
            "id": entity_id,
            "name": name,
            "kind": kind,
            "country": country,
            "aliases": unique(aliases, exclude=[name]),
            "former_names": [
                {"name": f, "sources": [builder.source.id]} for f in unique(former, exclude=[name])
            ],
            "identifiers": remark_identifiers(remarks),
            "addresses": address_items,
            "note": f"OFAC remarks: {remarks}" if remarks else None,
        },
        where,
        fields={"name": "SDN_Name", "kind": "SDN_Type", "country": "Country"},
    )
    if entity is None:
        return
    programs = [p.strip(" []") for p in values["Program"].split("] [") if p.strip(" []")]
    builder.listing(
        {
            "entity": entity_id,
            "list": list_id,
            "program": "; ".join(programs) or None,
            "note": f"title: {values['Title']}" if values["Title"] else None,
        },
        where,
        fields={"program": "Program"},
    )
    for target in _LINKED.findall(remarks):
        builder.hint(
            where,
            entity=entity_id,
            kind="linked_to",
            text=f"Linked To: {target}",
            target_name=target.strip(),
        )


def remark_identifiers(remarks: str) -> list[dict[str, str]]:
    """Identifiers written into OFAC remarks (``Registration Number 26740 (Iran)``).

    >>> remark_identifiers("Legal Entity Number 5299007NTWCC3U23WM81 (Czech Republic); "
    ...                    "Gender Male; alt. Identification Number IMO 9339301")
    [{'scheme': 'lei', 'value': '5299007NTWCC3U23WM81'}, {'scheme': 'imo', 'value': '9339301'}]
    """
    out: list[dict[str, str]] = []
    for part in remarks.split(";"):
        text = part.strip().removeprefix("alt.").strip()
        text = re.sub(r"(\s*\([^)]*\))+\.?$", "", text).strip()
        scheme: str | None
        if text.casefold().startswith("identification number imo"):
            scheme, value = "imo", text[len("identification number") :]
        else:
            scheme, value = _labelled(text)
        if scheme:
            value = identifier_value(scheme, value)
            ident = {"scheme": scheme, "value": value}
            if value and ident not in out:
                out.append(ident)
    return out


#: Remarks that say where an entity belongs: a person's nationality or citizenship, a
#: vessel's or company's nationality of registration.
_BELONGS = re.compile(r"^(?:nationality of registration|nationality|citizen)\s+(.+?)\.?$", re.I)
#: Registration numbers whose brackets name the registering country.
_REGISTERED = re.compile(r"\(([^()]+)\)\.?$")


def remark_country(remarks: str) -> str | None:
    """The country an OFAC entry belongs to, as its remarks say: nationality, citizenship
    or nationality of registration, else the country a registration number was issued in;
    None when the remarks say nothing (alternatives, ``alt.``, are passed over).

    >>> remark_country("Website www.x.ir; Registration Number 341189 (Iran)")
    'IR'
    >>> remark_country("DOB 1960; nationality Egypt; citizen Egypt; alt. nationality Qatar")
    'EG'
    """
    registered = None
    for part in remarks.split(";"):
        text = part.strip()
        if text.casefold().startswith("alt."):
            continue
        match = _BELONGS.match(text)
        if match and (code := country_code(match.group(1))):
            return code
        bracket = _REGISTERED.search(text)
        if registered is None and bracket and _labelled(text)[0] in ("registration", "uscc"):
            registered = country_code(bracket.group(1))
    return registered


def _labelled(text: str) -> tuple[str | None, str]:
    words = text.split()
    for cut in range(min(len(words) - 1, 6), 0, -1):
        scheme = identifier_scheme(" ".join(words[:cut]))
        if scheme:
            return scheme, " ".join(words[cut:])
    return None, ""


# --------------------------------------------------------------------------- advanced XML


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
class _Party:
    profile: str
    fixed_ref: str
    subtype: str | None
    names: list[tuple[str, str, bool, bool]] = field(
        default_factory=list
    )  # type, name, primary, low
    locations: list[tuple[str, str]] = field(default_factory=list)  # (feature type, location)
    identities: list[str] = field(default_factory=list)
    index: int = 0


def read_ofac_xml(path: str | Path, *, source_id: str | None = None) -> Imported:
    """Read the SDN advanced XML: parties, sanctions entries, ownership relations."""
    file = Path(path)
    refs: dict[str, dict[str, str]] = defaultdict(dict)
    subtype_party: dict[str, str] = {}
    country_iso: dict[str, str] = {}
    locations: dict[str, tuple[str, str | None]] = {}
    documents: dict[str, list[tuple[str, str]]] = defaultdict(list)
    parties: list[_Party] = []
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
    builder = Builder(
        "ofac",
        [file],
        make_source(
            "ofac",
            file,
            source_id=source_id,
            title="OFAC SDN list (advanced XML)",
            publisher="US Treasury, Office of Foreign Assets Control",
            date=issued,
            url="https://sanctionslistservice.ofac.treas.gov/",
        ),
    )
    if not parties and not entries:
        builder.problem(
            "no DistinctParty or SanctionsEntry elements; is this the SDN advanced XML?",
            Where(str(file)),
        )
        raise DataError(builder.problems)
    ids: dict[str, str] = {}
    for party in parties:
        where = Where(
            str(file), record=f"Profile {party.profile}", section="DistinctParty", index=party.index
        )
        entity_id = f"ofac-{party.fixed_ref or party.profile}"
        ids[party.profile] = entity_id
        _xml_entity(builder, where, entity_id, party, refs, subtype_party, locations, documents)
    for index, entry in entries:
        _xml_listing(builder, Path(file), index, entry, ids, refs)
    for index, attrs in relations:
        _xml_relation(builder, Path(file), index, attrs, ids, refs)
    return builder.finish()


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


def _parties(elem: ET.Element, start: int) -> list[_Party]:
    out = []
    for offset, profile in enumerate(_children(elem, "Profile")):
        party = _Party(
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


def _xml_entity(
    builder: Builder,
    where: Where,
    entity_id: str,
    party: _Party,
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


def _xml_listing(
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


def _xml_relation(
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
