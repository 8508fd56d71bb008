"""US Consolidated Screening List (trade.gov): CSV, TSV and JSON.

One CSL record becomes one :class:`~ownership.model.Entity` and one
:class:`~ownership.model.Listing`:

- list id from ``source``: the code in its first parentheses (``Entity List (EL) -
  ...`` -> ``EL``) maps to ``entity_list``, ``meu_list``, ``unverified_list`` and
  ``sdn``; other lists keep their lower-case code (``dpl``, ``isn``, ``ssi``, ``fse``,
  ``cmic``, ``ns-mbs``, ``plc``, ``dtc``, ``cap``);
- ``programs`` (``; ``-joined) is the listing's program, ``start_date``/``end_date`` its
  dates, ``federal_register_notice`` its citation (``67 F.R. 56530 9/4/02`` becomes
  ``67 FR 56530``; text with no FR cite is kept as written);
- entity ids are stable: ``ofac-<entity_number>`` for Treasury rows (the OFAC number,
  so the same entity imported from the OFAC files gets the same id), ``csl-<_id>``
  for the rest, and ``csl-<code>-<name slug>`` when a file has no ``_id`` column.
  Several rows with one id (an entity on SSI and NS-MBS) make one entity with several
  listings.

Edge cases handled:

- both CSV column sets (with and without the leading ``_id``), tab-separated files,
  and JSON as ``{"results": [...]}`` or a bare list; ``null``, ``""`` and ``[]`` all
  mean empty;
- ``alt_names`` split on ``"; "`` with the stray leading ``and`` of BIS data removed;
- BIS writes several street addresses into one address joined by ``; and``; each
  becomes its own address with the country given at the end;
- the country is the nationality or citizenship when there is one, else the country
  of the addresses when they all lie in one, else the vessel flag;
- ``ids`` keep only identifier types (registration, LEI, tax, IMO, passport...), not
  the sanctions-risk notes that share the column.

Names on the Entity List carry relationships in words: ``Parent (P). Affiliated
Entity: Child``, ``X, a subordinate institute of Y``, ``X, f.k.a. Y``; ISN names end
with ``; and any successor, sub-unit, or subsidiary thereof``. These are not facts
about shares, so they never become holdings. The name is cleaned, the words are kept
in the entity's ``note`` (and the ISN extension in the listing's note), a former name
is recorded as such, and each clue is returned as a :class:`~ownership.io.building.Hint`
so it can be reviewed and linked.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DataError, shown
from .building import Builder, Imported
from .countries import country_code
from .provenance import Where, unique
from .sourcefiles import fail, make_source, read_text
from .textfile import JsonDecoder
from .values import address_record, identifier_scheme, identifier_value, parse_date, slug

__all__ = ["LIST_IDS", "citation", "list_id", "read_csl", "read_csl_records"]

#: CSL source codes with a list id the shipped rules read; other codes are lower-cased.
LIST_IDS = {"EL": "entity_list", "MEU": "meu_list", "UVL": "unverified_list", "SDN": "sdn"}

#: Columns a CSL CSV must have; the rest are optional and unknown ones are ignored.
REQUIRED_COLUMNS = ("source", "name")

TREASURY = "treasury"

_PAREN = re.compile(r"\(([^)]*)\)")
_FR = re.compile(r"(\d+)\s*F\.?\s*R\.?\s*(\d+)")
_ISN_TAIL = re.compile(
    r"[;,]?\s*and any successors?,?\s*sub-units?,?\s*(?:or|and)\s*"
    r"subsidiar(?:y|ies)\s*thereof\.?\s*$",
    re.I,
)
_AFFILIATED = re.compile(r"\s*Affiliated Entit(?:y|ies)\s*:\s*", re.I)
_SUBORDINATE = re.compile(
    r"^(?P<name>.+?),?\s+(?:an?\s+)?subordinate(?:\s+[\w-]+){0,2}?\s+(?:of|to)\s+"
    r"(?P<parent>.+)$",
    re.I | re.S,
)
_FKA = re.compile(
    r"^(?P<name>.+?)[,;]?\s*(?P<open>\()?\s*(?:f\.k\.a\.?|formerly known as)[,:]?\s*"
    r"(?P<former>[^()]+?)(?(open)\)\.?|)$",
    re.I | re.S,
)
_TRAILING_CODE = re.compile(r"(?:^|,\s*)([A-Z]{2})$")


def list_id(source: str) -> str:
    """Our list id for a CSL ``source`` string.

    >>> list_id("Entity List (EL) - Bureau of Industry and Security")
    'entity_list'
    >>> list_id("Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department")
    'ns-mbs'
    """
    match = _PAREN.search(source)
    code = match.group(1).split()[0] if match and match.group(1).split() else source.strip()
    code = code.upper()
    return LIST_IDS.get(code, code.lower() if len(code) <= 12 else slug(source))


def _code(source: str) -> str:
    match = _PAREN.search(source)
    if match and match.group(1).split():
        return match.group(1).split()[0].upper()
    return slug(source).upper()


def citation(text: str | None) -> str | None:
    """Federal Register citations normalised to ``83 FR 37423``, ``; ``-joined.

    >>> citation("67 F.R. 56530 9/4/02 67 F.R. 10890 3/11/02")
    '67 FR 56530; 67 FR 10890'
    >>> citation("Vol. 88, No. 151, 08/08/2023")
    'Vol. 88, No. 151, 08/08/2023'
    """
    if not text or not text.strip():
        return None
    cites = unique(f"{vol} FR {page}" for vol, page in _FR.findall(text))
    return "; ".join(cites) if cites else " ".join(text.split())


@dataclass
class _Record:
    """One CSL record with its cells already split into values."""

    where: Where
    values: dict[str, Any]
    fields: dict[str, str] = field(default_factory=dict)

    def text(self, key: str) -> str:
        value = self.values.get(key)
        if value is None:
            return ""
        if isinstance(value, list):
            return "; ".join(str(v) for v in value if v not in (None, ""))
        return str(value).strip()

    def items(self, key: str) -> list[Any]:
        value = self.values.get(key)
        if value in (None, "", []):
            return []
        if isinstance(value, list):
            return value
        return [p for p in str(value).split("; ") if p.strip()]


def read_csl(path: str | Path, *, source_id: str | None = None) -> Imported:
    """Read a CSL CSV, TSV or JSON file; raise DataError naming every bad record."""
    file = Path(path)
    builder = Builder(
        "csl",
        [file],
        make_source(
            "csl",
            file,
            source_id=source_id,
            title="US Consolidated Screening List",
            publisher="International Trade Administration (trade.gov)",
            url="https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv",
        ),
    )
    text = read_text(file, builder)
    if text is None:
        raise DataError(builder.problems)
    records = _records(file, text)
    read_csl_records(records, builder)
    return builder.finish()


def _records(file: Path, text: str) -> list[_Record]:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return list(_json_records(file, stripped))
    return list(_csv_records(file, text))


def _json_records(file: Path, text: str) -> Iterator[_Record]:
    try:
        data = JsonDecoder().decode(text)
    except json.JSONDecodeError as exc:
        raise fail(
            file, f"not valid JSON: {exc.msg} (column {exc.colno})", line=exc.lineno
        ) from None
    if isinstance(data, dict):
        if not isinstance(data.get("results"), list):
            raise fail(
                file,
                'a CSL JSON file is {"results": [...]} or a list of records; '
                f"found a mapping with keys {', '.join(list(data)[:6]) or '(none)'}",
            )
        data = data["results"]
    if not isinstance(data, list):
        raise fail(file, f"a CSL JSON file holds a list of records; found {type(data).__name__}")
    for index, item in enumerate(data):
        where = Where(str(file), index=index, section="results")
        if not isinstance(item, dict):
            yield _Record(where, {"_invalid": item})
            continue
        rid = item.get("id") or item.get("_id")
        yield _Record(
            Where(str(file), index=index, section="results", record=str(rid) if rid else None),
            item,
        )


def _csv_records(file: Path, text: str) -> Iterator[_Record]:
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise fail(
            file,
            f"not a CSL file: missing column(s) {', '.join(missing)}; the header is "
            f"{', '.join(header[:8]) or '(empty)'}; expected the trade.gov column set "
            "(_id, source, entity_number, type, programs, name, ...)",
            line=1,
        )
    reader.fieldnames = header
    for row in reader:
        line = reader.line_num
        rid = row.get("_id") or row.get("id")
        values = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if None in row:
            values["_extra_cells"] = row[None]  # type: ignore[index]
        yield _Record(Where(str(file), line=line, record=rid or None), values)


def read_csl_records(records: Iterable[_Record], builder: Builder) -> None:
    """Turn CSL records into entities, listings and hints on ``builder``."""
    for record in records:
        _one(record, builder)


#: The CSL column each entity field comes from, for messages about a record.
ENTITY_COLUMNS = {
    "name": "name",
    "aliases": "alt_names",
    "addresses": "addresses",
    "identifiers": "ids",
    "country": "addresses",
    "kind": "type",
}
#: The CSL column each listing field comes from.
LISTING_COLUMNS = {
    "list": "source",
    "program": "programs",
    "start": "start_date",
    "end": "end_date",
    "citation": "federal_register_notice",
}


def _one(record: _Record, builder: Builder) -> None:
    """One CSL record: its entity and its listing, or a problem naming the record."""
    where = record.where
    if "_invalid" in record.values:
        builder.problem(
            f"a record must be a JSON object; found {shown(record.values['_invalid'])}", where
        )
        return
    if "_extra_cells" in record.values:
        builder.problem("the row has more cells than the header has columns", where)
        return
    source = record.text("source")
    raw_name = record.text("name")
    if not source:
        builder.problem("empty source; every CSL record names its list", where, "source")
    if not raw_name:
        builder.problem("empty name", where, "name")
    if not source or not raw_name:
        return
    entity_id = _entity_id(record, source, raw_name)
    if where.record is None:
        where = Where(where.file, where.line, entity_id, where.index, where.section)

    name, notes, former, listing_note, clues = _clean_name(raw_name)
    for kind, target_name in clues:
        builder.hint(where, entity=entity_id, kind=kind, text=raw_name, target_name=target_name)
    addresses, countries = _addresses(record)
    dates = _dates(record, builder, where)
    if dates is None:
        return
    fields = {
        "id": entity_id,
        "name": name,
        "kind": _kind(record),
        "country": _country(record, countries),
        "aliases": unique([_alias(a) for a in record.items("alt_names")], exclude=[name, *former]),
        "former_names": [{"name": f, "sources": [builder.source.id]} for f in former],
        "identifiers": _identifiers(record),
        "addresses": [
            a
            for a in (address_record(t, c, [builder.source.id]) for t, c in addresses)
            if a is not None
        ],
        "note": "\n".join(notes) if notes else None,
    }
    if builder.entity(fields, where, fields=ENTITY_COLUMNS) is None:
        return
    listing = _listing(record, entity_id, source, dates, listing_note)
    builder.listing(listing, where, fields=LISTING_COLUMNS)


def _entity_id(record: _Record, source: str, raw_name: str) -> str:
    """OFAC's own number for a Treasury record (the id the SDN readers give it), else the
    CSL record id, else the list's code and the name."""
    number = record.text("entity_number")
    rid = record.text("_id") or record.text("id")
    if number and TREASURY in source.casefold():
        return f"ofac-{number}"
    if rid:
        return f"csl-{rid}"
    return f"csl-{_code(source).lower()}-{slug(raw_name)}"


def _country(record: _Record, countries: list[str]) -> str | None:
    """A nationality or citizenship first; an address country only when every address
    lies in it (a bank with offices abroad is not of the first office's country); then
    the record's country or flag."""
    nationals = unique(
        c
        for c in (
            country_code(str(v))
            for v in [*record.items("nationalities"), *record.items("citizenships")]
        )
        if c
    )
    country = nationals[0] if len(nationals) == 1 else None
    if country is None and not nationals and len(set(countries)) == 1:
        country = countries[0]
    return (
        country or country_code(record.text("country")) or country_code(record.text("vessel_flag"))
    )


def _dates(
    record: _Record, builder: Builder, where: Where
) -> tuple[dt.date | None, dt.date | None] | None:
    """The listing's start and end; None, with the problem noted, when one is not a date."""
    try:
        start = parse_date(record.text("start_date"))
    except ValueError as exc:
        builder.problem(str(exc), where, "start_date")
        return None
    try:
        end = parse_date(record.text("end_date"), end=True)
    except ValueError as exc:
        builder.problem(str(exc), where, "end_date")
        return None
    return start, end


def _listing(
    record: _Record,
    entity_id: str,
    source: str,
    dates: tuple[dt.date | None, dt.date | None],
    listing_note: str | None,
) -> dict[str, Any]:
    """The listing's fields: list, programmes, dates, citation and what the record notes."""
    remarks = record.text("remarks")
    requirement = record.text("license_requirement")
    note_parts = [
        listing_note,
        f"remarks: {remarks}" if remarks else None,
        f"license requirement: {requirement}" if requirement else None,
    ]
    return {
        "entity": entity_id,
        "list": list_id(source),
        "program": "; ".join(str(p).strip() for p in record.items("programs")) or None,
        "start": dates[0],
        "end": dates[1],
        "citation": citation(record.text("federal_register_notice")),
        "note": "\n".join(p for p in note_parts if p) or None,
    }


def _alias(text: Any) -> str:
    value = " ".join(str(text).split())
    return value[4:] if value.lower().startswith("and ") else value


def _kind(record: _Record) -> str:
    kind = record.text("type").casefold()
    if kind == "individual":
        return "person"
    if kind in ("vessel", "aircraft"):
        return "other"
    if not kind and (record.items("dates_of_birth") or record.items("places_of_birth")):
        return "person"
    # the Entity List, the Unverified List and the State and Commerce lists give no type:
    # a person on them must still meet the same person in the ownership data
    return "company" if kind else "unknown"


def _clean_name(
    raw: str,
) -> tuple[str, list[str], list[str], str | None, list[tuple[str, str | None]]]:
    """The entity's own name, notes, former names, a listing note and relationship clues."""
    name = " ".join(raw.split())
    notes: list[str] = []
    former: list[str] = []
    clues: list[tuple[str, str | None]] = []
    listing_note = None
    if _ISN_TAIL.search(name):
        name = _ISN_TAIL.sub("", name).strip()
        listing_note = "the listing extends to any successor, sub-unit, or subsidiary"
    parts = _AFFILIATED.split(name, maxsplit=1)
    if len(parts) == 2 and parts[0].strip() and parts[1].strip():
        parent = _stop(parts[0])
        name = _stop(parts[1])
        clues.append(("affiliated_with", _primary(parent)))
        notes.append(f"listed as an affiliated entity of {parent} (from the list's name field)")
    match = _SUBORDINATE.match(name)
    if match:
        parent = _stop(match.group("parent"))
        name = match.group("name").strip().rstrip(",")
        clues.append(("subordinate_of", _primary(parent)))
        notes.append(f"described as subordinate to {parent} (from the list's name field)")
    elif re.search(r"\bsubordinate\b", name, re.I):
        clues.append(("subordinate_of", None))
        notes.append("the list's name field mentions subordinate units; review it")
    match = _FKA.match(name)
    if match:
        name = match.group("name").strip().rstrip(",")
        former = unique(
            _stop(re.sub(r"^and\s+", "", f.strip(), flags=re.I))
            for f in re.split(r";\s*", match.group("former"))
        )
        for item in former:
            clues.append(("former_name", item))
    if name != " ".join(raw.split()):
        notes.append(f"name as listed: {' '.join(raw.split())}")
    return name, notes, former, listing_note, clues


def _stop(text: str) -> str:
    """Drop a sentence stop after a closing parenthesis; keep ``Ltd.`` and ``Inc.``."""
    text = text.strip()
    return text[:-1] if text.endswith(").") else text


def _primary(name: str | None) -> str | None:
    """``Huawei Technologies Co., Ltd. (Huawei)`` -> ``Huawei Technologies Co., Ltd.``."""
    if not name:
        return None
    stripped = re.sub(r"\s*\([^)]*\)\s*$", "", name).strip()
    return stripped or name


def _addresses(record: _Record) -> tuple[list[tuple[str, str | None]], list[str]]:
    """Each address with its ISO country, and the countries in order of appearance."""
    out: list[tuple[str, str | None]] = []
    raw = record.values.get("addresses")
    if isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict):
                out += _json_address(item)
            elif item:
                out += _string_addresses(str(item))
    elif raw:
        out = _string_addresses(str(raw))
    countries = unique(c for _, c in out if c)
    return [(t, c) for t, c in out if t.strip()], countries


def _string_addresses(cell: str) -> list[tuple[str, str | None]]:
    groups: list[list[str]] = []
    for part in cell.split("; "):
        part = part.strip()
        if not part:
            continue
        if part.lower().startswith("and ") and groups:
            groups[-1].append(part[4:].strip())
        else:
            groups.append([part])
    out: list[tuple[str, str | None]] = []
    for group in groups:
        last = group[-1]
        match = _TRAILING_CODE.search(last)
        country = None
        if match and country_code(match.group(1)):
            country = match.group(1)
            group[-1] = last[: match.start()].strip().rstrip(",")
        for text in group:
            out.append((text, country))
    return out


def _json_address(item: dict[str, Any]) -> list[tuple[str, str | None]]:
    country = country_code(str(item.get("country") or "")) if item.get("country") else None
    street = str(item.get("address") or "").strip()
    tail = [str(item.get(k) or "").strip() for k in ("city", "state", "postal_code")]
    streets = [s.strip() for s in re.split(r";\s*(?:and\s+)?", street) if s.strip()] or [""]
    out = [(s, country) for s in streets[:-1]]
    out.append((", ".join(p for p in [streets[-1], *tail] if p), country))
    return out


def _identifiers(record: _Record) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for item in record.items("ids"):
        if isinstance(item, dict):
            label, number = str(item.get("type") or ""), str(item.get("number") or "")
        else:
            label, _, number = str(item).partition(", ")
            number = re.sub(r",\s*[A-Z]{2}$", "", number)
        scheme = identifier_scheme(label)
        value = identifier_value(scheme, number) if scheme else ""
        if scheme and value:
            ident = {"scheme": scheme, "value": value}
            if ident not in out:
                out.append(ident)
    return out
