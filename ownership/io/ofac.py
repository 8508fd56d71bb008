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
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError, Problem, shown
from .building import Builder, Imported
from .countries import country_code
from .ofac_xml import (
    OWNERSHIP_RELATIONS,
    parse_advanced_xml,
    xml_entity,
    xml_listing,
    xml_relation,
)
from .provenance import Where, unique
from .sourcefiles import make_source, read_text
from .values import identifier_scheme, identifier_value

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


def read_ofac_xml(path: str | Path, *, source_id: str | None = None) -> Imported:
    """Read the SDN advanced XML: parties, sanctions entries, ownership relations."""
    file = Path(path)
    parsed = parse_advanced_xml(file)
    builder = Builder(
        "ofac",
        [file],
        make_source(
            "ofac",
            file,
            source_id=source_id,
            title="OFAC SDN list (advanced XML)",
            publisher="US Treasury, Office of Foreign Assets Control",
            date=parsed.issued,
            url="https://sanctionslistservice.ofac.treas.gov/",
        ),
    )
    if not parsed.parties and not parsed.entries:
        builder.problem(
            "no DistinctParty or SanctionsEntry elements; is this the SDN advanced XML?",
            Where(str(file)),
        )
        raise DataError(builder.problems)
    ids: dict[str, str] = {}
    for party in parsed.parties:
        where = Where(
            str(file), record=f"Profile {party.profile}", section="DistinctParty", index=party.index
        )
        entity_id = f"ofac-{party.fixed_ref or party.profile}"
        ids[party.profile] = entity_id
        xml_entity(
            builder,
            where,
            entity_id,
            party,
            parsed.refs,
            parsed.subtype_party,
            parsed.locations,
            parsed.documents,
        )
    for index, entry in parsed.entries:
        xml_listing(builder, Path(file), index, entry, ids, parsed.refs)
    for index, attrs in parsed.relations:
        xml_relation(builder, Path(file), index, attrs, ids, parsed.refs)
    return builder.finish()
