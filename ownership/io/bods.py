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
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import shown
from ..model import Holding
from .building import Builder, Imported, add_unchained
from .countries import country_code
from .provenance import Statement, Where, join_notes, unique
from .sourcefiles import json_file_items, make_source
from .values import parse_date

__all__ = ["CONTROL_INTERESTS", "RELATED_INTERESTS", "read_bods", "read_bods_statements"]

#: Interest types that make the interested party a controller of the subject.
CONTROL_INTERESTS = frozenset(
    {
        "appointmentOfBoard",
        "otherInfluenceOrControl",
        "controlViaCompanyRulesOrArticles",
        "controlByLegalFramework",
        "rightsGrantedByContract",
        "conditionalRightsGrantedByContract",
        "settlor",
        "trustee",
        "protector",
        "nominator",
        "influenceOrControl",
    }
)
#: Interest types kept as hints only: offices and economic rights, not ownership or control.
RELATED_INTERESTS = frozenset(
    {
        "seniorManagingOfficial",
        "boardMember",
        "boardChair",
        "nominee",
        "beneficiaryOfLegalArrangement",
        "rightsToSurplusAssetsOnDissolution",
        "rightsToProfitOrIncome",
        "rightToProfitOrIncomeFromAssets",
        "enjoymentAndUseOfAssets",
    }
)
INDIRECT_NOTE = "indirect interest; the intermediaries are not in the file"
UNKNOWN_INTERESTS = frozenset({"", "unknownInterest", "unpublishedInterest"})
#: Voting rights above this share are control; at or below it they are a related interest.
VOTING_CONTROL_ABOVE = Decimal(50)

_SHARE_KEYS = {
    "exact": "percent",
    "minimum": "minimum",
    "maximum": "maximum",
    "exclusiveMinimum": "exclusiveMinimum",
    "exclusiveMaximum": "exclusiveMaximum",
}
_ENTITY_KINDS = {
    "registeredEntity": "company",
    "legalEntity": "company",
    "stateBody": "government_body",
    "state": "government_body",
}


@dataclass
class _Statement:
    data: dict[str, Any]
    where: Where
    order: int
    version: str  # "0.4" or "0.2"

    @property
    def date(self) -> dt.date:
        try:
            return parse_date(self.data.get("statementDate")) or dt.date.min
        except ValueError:
            return dt.date.min


def _camel(value: str) -> str:
    """``other-influence-or-control`` (BODS 0.2) -> ``otherInfluenceOrControl``."""
    head, *rest = value.split("-")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


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
    statements: list[_Statement] = []
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
        statements.append(_Statement(data, where, order, version))
    if publishers or dates:
        builder.source = builder.source.model_copy(
            update={
                "publisher": "; ".join(unique(publishers)) or None,
                "date": max(dates) if dates else None,
            }
        )
    histories = _histories(statements)
    parties: dict[str, _Statement] = {}
    relationships: list[tuple[_Statement, _Window]] = []
    for record_id, history in histories.items():
        current = history.current
        kind = _record_type(current)
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
    components = {
        str(c)
        for statement, _ in relationships
        for c in _details(statement).get("componentRecords") or []
    }
    direct: list[Holding] = []
    indirect: list[tuple[Holding, Where]] = []
    for statement, window in relationships:
        made_direct, made_indirect = _relationship(builder, statement, window, components)
        direct += made_direct
        indirect += made_indirect
    keep, dropped = add_unchained(direct, indirect)
    wheres = {id(hold): where for hold, where in indirect}
    for hold in keep:
        where = wheres[id(hold)]
        builder.add_holding(hold, where, Statement(where.record or "", _class(hold)))
    for hold, where in dropped:
        builder.notice(
            f"indirect interest of {hold.owner} in {hold.owned} not added: the file already "
            "chains them through direct holdings",
            where,
        )


def _record_type(statement: _Statement) -> str:
    if statement.version == "0.4":
        return str(statement.data.get("recordType"))
    kind = str(statement.data.get("statementType"))
    return {
        "entityStatement": "entity",
        "personStatement": "person",
        "ownershipOrControlStatement": "relationship",
    }.get(kind, kind)


def _details(statement: _Statement) -> dict[str, Any]:
    if statement.version == "0.4":
        details = statement.data.get("recordDetails")
        return details if isinstance(details, dict) else {}
    data = dict(statement.data)
    # 0.3 names components by statement id; keep one vocabulary below.
    if "componentStatementIDs" in data:
        data["componentRecords"] = data["componentStatementIDs"]
    return data


@dataclass
class _Window:
    """The days one statement of a record describes: from ``start`` (or its interests'
    own start dates) to ``end`` (both inclusive, open when None)."""

    start: dt.date | None = None
    end: dt.date | None = None

    def clamp(
        self, start: dt.date | None, end: dt.date | None
    ) -> tuple[dt.date | None, dt.date | None] | None:
        """An interest's dates within the window; None when nothing is left."""
        if self.start is not None and (start is None or start < self.start):
            start = self.start
        if self.end is not None and (end is None or end > self.end):
            end = self.end
        if start is not None and end is not None and start > end:
            return None
        return start, end


@dataclass
class _History:
    """The statements of one record (0.4 ``recordId``; a 0.2/0.3 statement and those
    that replace it), in order; the closing one apart."""

    statements: list[_Statement]
    closing: _Statement | None

    @property
    def current(self) -> _Statement:
        return self.statements[-1]

    def windows(self) -> list[tuple[_Statement, _Window]]:
        """Each statement with the days it describes: from the day its figures took
        effect (its interests' start when that is new, else its statement date) to the
        day before the next one's, the last to the record's closing (an interest's
        ``endDate`` or the closing statement's date: the day it ended, not held)."""
        # a statement that repeats the one before (an annual confirmation) changes nothing
        kept = [self.statements[0]]
        for statement in self.statements[1:]:
            if _interests(statement) != _interests(kept[-1]):
                kept.append(statement)
        starts: list[dt.date | None] = [None]
        known = _interest_start(kept[0])
        for statement in kept[1:]:
            began = _interest_start(statement)
            if began is not None and (known is None or began > known):
                starts.append(began)
            else:
                starts.append(statement.date if statement.date != dt.date.min else began)
            known = max((d for d in (known, starts[-1]) if d is not None), default=None)
        out = []
        for k, statement in enumerate(kept):
            if k + 1 < len(kept):
                following = starts[k + 1]
                end = following - dt.timedelta(days=1) if following else None
            else:
                end = _closed_before(self.closing)
            out.append((statement, _Window(starts[k], end)))
        return out


def _interests(statement: _Statement) -> Any:
    return _details(statement).get("interests")


def _interest_dates(statement: _Statement, key: str) -> list[dt.date]:
    """The readable ``startDate`` or ``endDate`` values of a statement's interests."""
    found = []
    for interest in _details(statement).get("interests") or []:
        if isinstance(interest, dict):
            try:
                day = parse_date(interest.get(key))
            except ValueError:
                day = None
            if day is not None:
                found.append(day)
    return found


def _interest_start(statement: _Statement) -> dt.date | None:
    """The latest start date among a statement's interests (when its figures began)."""
    return max(_interest_dates(statement, "startDate"), default=None)


def _closed_before(closing: _Statement | None) -> dt.date | None:
    """The last day a closed record's interests were held: the day before their end
    date, else before the closing statement's date."""
    if closing is None:
        return None
    ends = _interest_dates(closing, "endDate")
    ended = max(ends) if ends else closing.date
    return None if ended == dt.date.min else ended - dt.timedelta(days=1)


def _histories(statements: list[_Statement]) -> dict[str, _History]:
    """The history of each record: 0.4 statements grouped by ``recordId``; 0.2/0.3
    statements chained by ``replacesStatements`` under the id of the latest."""
    replaced_by: dict[str, str] = {}
    for statement in statements:
        if statement.version == "0.2":
            for old in statement.data.get("replacesStatements") or []:
                replaced_by[str(old)] = str(statement.data["statementID"])
    by_record: dict[str, list[_Statement]] = defaultdict(list)
    for statement in statements:
        if statement.version == "0.4":
            key = str(statement.data["recordId"])
        else:
            key, seen = str(statement.data["statementID"]), set()
            while key in replaced_by and key not in seen:  # a cycle of replacements ends
                seen.add(key)
                key = replaced_by[key]
        by_record[key].append(statement)
    out: dict[str, _History] = {}
    for record_id, items in by_record.items():
        items.sort(key=lambda s: (s.date, s.order))
        closing = items[-1] if items[-1].data.get("recordStatus") == "closed" else None
        open_items = [s for s in items if s.data.get("recordStatus") != "closed"]
        out[record_id] = _History(open_items or items[-1:], closing)
    return out


def _entity_id(record_id: str) -> str:
    return f"bods-{record_id}"


def _party(builder: Builder, record_id: str, statement: _Statement) -> None:
    details = _details(statement)
    where = statement.where
    is_person = _record_type(statement) == "person"
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
            "id": _entity_id(record_id),
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


def _party_ref(value: Any, version: str) -> tuple[str | None, dict[str, Any] | None]:
    """A party reference: (record id, None) or (None, unspecified details)."""
    if version == "0.4":
        if isinstance(value, str) and value:
            return value, None
        if isinstance(value, dict):
            return None, value
        return None, None
    if isinstance(value, dict):
        for key in ("describedByEntityStatement", "describedByPersonStatement"):
            if value.get(key):
                return str(value[key]), None
        if isinstance(value.get("unspecified"), dict):
            return None, value["unspecified"]
        if value.get("unspecified"):
            return None, {"reason": str(value["unspecified"])}
    return None, None


def _relationship(
    builder: Builder,
    statement: _Statement,
    window: _Window,
    components: set[str],
) -> tuple[list[Holding], list[tuple[Holding, Where]]]:
    details = _details(statement)
    where = statement.where
    version = statement.version
    record_id = where.record or ""
    prefix = "recordDetails." if version == "0.4" else ""
    if details.get("componentRecords"):
        builder.notice(
            "indirect relationship summarised by its component records; the components "
            "are imported instead, so nothing is counted twice",
            where,
        )
        return [], []
    subject, _ = _party_ref(details.get("subject"), version)
    if subject is None:
        builder.problem("the relationship names no subject", where, f"{prefix}subject")
        return [], []
    owner, unspecified = _party_ref(details.get("interestedParty"), version)
    builder.reference(
        _entity_id(subject),
        where,
        name=f"unknown party {subject}",
        why="named as a subject by a BODS relationship",
    )
    if owner is None:
        reason = (unspecified or {}).get("reason") or "unknown"
        description = (unspecified or {}).get("description")
        text = f"interested party unspecified ({reason})" + (
            f": {description}" if description else ""
        )
        builder.hint(where, entity=_entity_id(subject), kind="unspecified_owner", text=text)
        builder.annotate(_entity_id(subject), f"BODS: {text}")
        return [], []
    builder.reference(
        _entity_id(owner),
        where,
        name=f"unknown party {owner}",
        why="named as an interested party by a BODS relationship",
    )
    owner_id, owned_id = _entity_id(owner), _entity_id(subject)
    is_component = bool(details.get("isComponent")) or record_id in components
    direct: list[Holding] = []
    indirect: list[tuple[Holding, Where]] = []
    control: dict[tuple[dt.date | None, dt.date | None, bool], list[str]] = defaultdict(list)
    interests = details.get("interests") or []
    if not isinstance(interests, list):
        builder.problem("interests must be a list", where, f"{prefix}interests")
        return [], []
    stated: set[tuple[Any, ...]] = set()
    for number, interest in enumerate(interests):
        field = f"{prefix}interests[{number}]"
        if not isinstance(interest, dict):
            builder.problem("an interest must be an object", where, field)
            continue
        kind = _camel(str(interest.get("type") or ""))
        try:
            start = parse_date(interest.get("startDate"))
        except ValueError as exc:
            builder.problem(str(exc), where, f"{field}.startDate")
            continue
        try:
            ended = parse_date(interest.get("endDate"))
        except ValueError as exc:
            builder.problem(str(exc), where, f"{field}.endDate")
            continue
        # the interest ended on its end date: the last day it was held is the one before
        end = ended - dt.timedelta(days=1) if ended and ended != start else ended
        dates = window.clamp(start, end)
        if dates is None:
            continue  # this statement's figures describe no day of the interest
        start, end = dates
        share = _share(builder, interest.get("share"), where, f"{field}.share", version)
        if share is None:
            continue
        key = (kind, tuple(sorted(share.items())), start, end)
        if key in stated:
            # one interest stated again in one statement (the UK register writes a band
            # once per capacity: directly, as trustee, as a firm's member) is one interest
            builder.notice(
                f"interest {kind or '(no type)'} {_share_text(share)} stated again in one "
                "statement; read once",
                where,
                field,
            )
            continue
        stated.add(key)
        level = str(interest.get("directOrIndirect") or interest.get("interestLevel") or "")
        via = level == "indirect" and not is_component
        if kind == "votingRights":
            low = share.get("percent", share.get("minimum", share.get("exclusiveMinimum")))
            if share and (low is None or low <= VOTING_CONTROL_ABOVE):
                builder.hint(
                    where,
                    entity=owned_id,
                    kind="related",
                    target=owner_id,
                    text=f"voting rights {_share_text(share)} (not control)",
                )
                continue
            control[(start, end, via)].append(kind)
            continue
        if kind in CONTROL_INTERESTS:
            control[(start, end, via)].append(kind)
            continue
        if kind in RELATED_INTERESTS:
            builder.hint(where, entity=owned_id, kind="related", target=owner_id, text=kind)
            continue
        if kind != "shareholding" and kind not in UNKNOWN_INTERESTS:
            builder.notice(
                f"interest type {kind!r} is not a BODS code; read as an unknown interest",
                where,
                f"{field}.type",
            )
        note = None if kind == "shareholding" else f"BODS interest {kind or '(no type)'}"
        if via:
            note = join_notes(note, INDIRECT_NOTE)
        hold = builder.build_holding(
            {
                "owner": owner_id,
                "owned": owned_id,
                **share,
                "start": start,
                "end": end,
                "note": note,
            },
            where,
            fields={
                "owner": f"{prefix}interestedParty",
                "owned": f"{prefix}subject",
                "percent": f"{field}.share",
                "minimum": f"{field}.share",
                "maximum": f"{field}.share",
                "start": f"{field}.startDate",
                "end": f"{field}.endDate",
            },
        )
        _keep(builder, hold, where, via, direct, indirect)
    for (start, end, via), kinds in control.items():
        hold = builder.build_holding(
            {
                "owner": owner_id,
                "owned": owned_id,
                "kind": "control",
                "start": start,
                "end": end,
                "note": join_notes(
                    "BODS interests: " + ", ".join(unique(kinds)), INDIRECT_NOTE if via else None
                ),
            },
            where,
            fields={"owner": f"{prefix}interestedParty", "owned": f"{prefix}subject"},
        )
        _keep(builder, hold, where, via, direct, indirect)
    return direct, indirect


def _keep(
    builder: Builder,
    hold: Holding | None,
    where: Where,
    via: bool,
    direct: list[Holding],
    indirect: list[tuple[Holding, Where]],
) -> None:
    """A direct holding joins the dataset now; an indirect one waits for add_unchained."""
    if hold is None:
        return
    if via:
        indirect.append((hold, where))
    else:
        direct.append(hold)
        builder.add_holding(hold, where, Statement(where.record or "", _class(hold)))


def _class(hold: Holding) -> str | None:
    """The kind of interest a holding stands for, as its note names it (shareholding when
    none): statements of different kinds are distinct stakes."""
    return hold.note.split("\n")[0] if hold.note and hold.note.startswith("BODS") else None


def _share(
    builder: Builder, share: Any, where: Where, field: str, version: str
) -> dict[str, Decimal] | None:
    """Share fields from a BODS ``share`` object; None after reporting a bad value.

    In 0.4 ``exclusiveMinimum``/``exclusiveMaximum`` are the bounds themselves; in 0.1 to
    0.3 they are booleans saying whether ``minimum``/``maximum`` are exclusive, by default
    false and true ("minimum <= share < maximum").
    """
    if share in (None, {}):
        return {}
    if not isinstance(share, dict):
        builder.problem(f"share must be an object; found {shown(share)}", where, field)
        return None
    if version != "0.4":
        share = _bounds_from_flags(builder, share, where, field)
        if share is None:
            return None
    out: dict[str, Decimal] = {}
    for key, target in _SHARE_KEYS.items():
        value = share.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | Decimal | float | str):
            builder.problem(f"{shown(value)} is not a number", where, f"{field}.{key}")
            return None
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            builder.problem(f"{shown(value)} is not a number", where, f"{field}.{key}")
            return None
        if not re.fullmatch(r"-?\d+(\.\d+)?(E[-+]?\d+)?", str(number), re.I) or not (
            0 <= number <= 100
        ):
            builder.problem(f"{value} is not a percentage from 0 to 100", where, f"{field}.{key}")
            return None
        out[target] = number
    if "percent" in out:
        return {"percent": out["percent"]}  # exact wins over bounds given beside it
    return out


def _bounds_from_flags(
    builder: Builder, share: dict[str, Any], where: Where, field: str
) -> dict[str, Any] | None:
    """A 0.1-0.3 share with boolean ``exclusiveMinimum``/``exclusiveMaximum`` in the 0.4
    shape: the flagged bound moves under the exclusive name."""
    out = {k: v for k, v in share.items() if k not in ("exclusiveMinimum", "exclusiveMaximum")}
    for flag, bound, default in (
        ("exclusiveMinimum", "minimum", False),
        ("exclusiveMaximum", "maximum", True),
    ):
        value = share.get(flag, default)
        if not isinstance(value, bool):
            builder.problem(
                f"{shown(value)} is not true or false (BODS 0.1-0.3 flags an exclusive {bound})",
                where,
                f"{field}.{flag}",
            )
            return None
        if value and out.get(bound) is not None and "exact" not in share:
            out[flag] = out.pop(bound)
    return out


def _share_text(share: dict[str, Decimal]) -> str:
    if "percent" in share:
        return f"{share['percent']}%"
    low = share.get("minimum", share.get("exclusiveMinimum", Decimal(0)))
    high = share.get("maximum", share.get("exclusiveMaximum", Decimal(100)))
    return f"{low}-{high}%"
