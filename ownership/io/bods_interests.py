"""BODS relationships as holdings and hints: which interests are ownership, which
control and which are only related, their shares and days, and the indirect interests
added only when the file does not already chain them.

The reading of statements and of their history is :mod:`ownership.io.bods_statements`,
the entities and persons :mod:`ownership.io.bods`; what is here turns one relationship
statement, within the days it describes, into records on the builder.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..errors import shown
from ..model import Holding
from .bods_statements import BodsStatement, Window, entity_id, record_details
from .building import Builder, add_unchained
from .provenance import Statement, Where, join_notes, unique
from .values import parse_date

__all__ = [
    "CONTROL_INTERESTS",
    "INDIRECT_NOTE",
    "RELATED_INTERESTS",
    "UNKNOWN_INTERESTS",
    "VOTING_CONTROL_ABOVE",
    "add_relationships",
]


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


def _camel(value: str) -> str:
    """``other-influence-or-control`` (BODS 0.2) -> ``otherInfluenceOrControl``."""
    head, *rest = value.split("-")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


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


def add_relationships(builder: Builder, relationships: list[tuple[BodsStatement, Window]]) -> None:
    """Add the holdings and hints of relationship statements, each with the days it
    describes: direct holdings at once, an indirect one only when the file has no chain of
    direct holdings from its owner to its subject (:func:`add_unchained`)."""
    components = {
        str(c)
        for statement, _ in relationships
        for c in record_details(statement).get("componentRecords") or []
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


@dataclass(frozen=True)
class _Edge:
    """A relationship statement being read: where it is, the prefix of its fields in
    problems (``recordDetails.`` in 0.4), its version, and the entity ids of its
    interested party (``owner``) and its subject (``owned``)."""

    where: Where
    prefix: str
    version: str
    owner: str
    owned: str


@dataclass(frozen=True)
class _Interest:
    """One interest of a relationship, read: its type, share and days (within the
    statement's window), whether it is held indirectly, and its field."""

    kind: str
    share: dict[str, Decimal]
    start: dt.date | None
    end: dt.date | None
    indirect: bool
    field: str


def _relationship(
    builder: Builder,
    statement: BodsStatement,
    window: Window,
    components: set[str],
) -> tuple[list[Holding], list[tuple[Holding, Where]]]:
    """The holdings of one relationship statement within ``window``: the direct ones
    (added to ``builder`` already) and the indirect ones, for :func:`add_relationships`
    to add or not. Control interests of one period make one ``kind: control`` holding."""
    details = record_details(statement)
    where = statement.where
    prefix = "recordDetails." if statement.version == "0.4" else ""
    if details.get("componentRecords"):
        builder.notice(
            "indirect relationship summarised by its component records; the components "
            "are imported instead, so nothing is counted twice",
            where,
        )
        return [], []
    edge = _edge(builder, details, where, prefix, statement.version)
    if edge is None:
        return [], []
    is_component = bool(details.get("isComponent")) or (where.record or "") in components
    direct: list[Holding] = []
    indirect: list[tuple[Holding, Where]] = []
    control: dict[tuple[dt.date | None, dt.date | None, bool], list[str]] = defaultdict(list)
    interests = details.get("interests") or []
    if not isinstance(interests, list):
        builder.problem("interests must be a list", where, f"{prefix}interests")
        return [], []
    stated: set[tuple[Any, ...]] = set()
    for number, item in enumerate(interests):
        interest = _read_interest(builder, edge, number, item, window)
        if interest is None:
            continue
        key = (interest.kind, tuple(sorted(interest.share.items())), interest.start, interest.end)
        if key in stated:
            # one interest stated again in one statement (the UK register writes a band
            # once per capacity: directly, as trustee, as a firm's member) is one interest
            builder.notice(
                f"interest {interest.kind or '(no type)'} {_share_text(interest.share)} "
                "stated again in one statement; read once",
                where,
                interest.field,
            )
            continue
        stated.add(key)
        via = interest.indirect and not is_component
        if _related(builder, edge, interest):
            continue
        if interest.kind == "votingRights" or interest.kind in CONTROL_INTERESTS:
            control[(interest.start, interest.end, via)].append(interest.kind)
            continue
        hold = _share_holding(builder, edge, interest, via)
        _keep(builder, hold, where, via, direct, indirect)
    for (start, end, via), kinds in control.items():
        hold = _control_holding(builder, edge, start, end, via, kinds)
        _keep(builder, hold, where, via, direct, indirect)
    return direct, indirect


def _edge(
    builder: Builder, details: dict[str, Any], where: Where, prefix: str, version: str
) -> _Edge | None:
    """The parties of a relationship, referenced on ``builder`` (a party the file does
    not describe becomes a placeholder); None when the subject is missing (a problem) or
    the interested party is unspecified (a note and a hint on the subject)."""
    subject, _ = _party_ref(details.get("subject"), version)
    if subject is None:
        builder.problem("the relationship names no subject", where, f"{prefix}subject")
        return None
    owner, unspecified = _party_ref(details.get("interestedParty"), version)
    builder.reference(
        entity_id(subject),
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
        builder.hint(where, entity=entity_id(subject), kind="unspecified_owner", text=text)
        builder.annotate(entity_id(subject), f"BODS: {text}")
        return None
    builder.reference(
        entity_id(owner),
        where,
        name=f"unknown party {owner}",
        why="named as an interested party by a BODS relationship",
    )
    return _Edge(where, prefix, version, entity_id(owner), entity_id(subject))


def _read_interest(
    builder: Builder, edge: _Edge, number: int, interest: Any, window: Window
) -> _Interest | None:
    """The ``number``-th interest of a relationship; None when it is unreadable (a
    problem) or describes no day of ``window``."""
    where = edge.where
    field = f"{edge.prefix}interests[{number}]"
    if not isinstance(interest, dict):
        builder.problem("an interest must be an object", where, field)
        return None
    kind = _camel(str(interest.get("type") or ""))
    try:
        start = parse_date(interest.get("startDate"))
    except ValueError as exc:
        builder.problem(str(exc), where, f"{field}.startDate")
        return None
    try:
        ended = parse_date(interest.get("endDate"))
    except ValueError as exc:
        builder.problem(str(exc), where, f"{field}.endDate")
        return None
    # the interest ended on its end date: the last day it was held is the one before
    end = ended - dt.timedelta(days=1) if ended and ended != start else ended
    dates = window.clamp(start, end)
    if dates is None:
        return None  # this statement's figures describe no day of the interest
    start, end = dates
    share = _share(builder, interest.get("share"), where, f"{field}.share", edge.version)
    if share is None:
        return None
    level = str(interest.get("directOrIndirect") or interest.get("interestLevel") or "")
    return _Interest(kind, share, start, end, level == "indirect", field)


def _related(builder: Builder, edge: _Edge, interest: _Interest) -> bool:
    """Whether an interest is related only, neither ownership nor control (voting rights
    of at most VOTING_CONTROL_ABOVE, an office, an economic right): then a hint."""
    kind, share = interest.kind, interest.share
    if kind == "votingRights":
        low = share.get("percent", share.get("minimum", share.get("exclusiveMinimum")))
        if share and (low is None or low <= VOTING_CONTROL_ABOVE):
            builder.hint(
                edge.where,
                entity=edge.owned,
                kind="related",
                target=edge.owner,
                text=f"voting rights {_share_text(share)} (not control)",
            )
            return True
        return False
    if kind in RELATED_INTERESTS:
        builder.hint(edge.where, entity=edge.owned, kind="related", target=edge.owner, text=kind)
        return True
    return False


def _share_holding(builder: Builder, edge: _Edge, interest: _Interest, via: bool) -> Holding | None:
    """The ownership holding of a shareholding or an interest of unknown kind (noticed
    when its type is not a BODS code)."""
    kind, field, prefix = interest.kind, interest.field, edge.prefix
    if kind != "shareholding" and kind not in UNKNOWN_INTERESTS:
        builder.notice(
            f"interest type {kind!r} is not a BODS code; read as an unknown interest",
            edge.where,
            f"{field}.type",
        )
    note = None if kind == "shareholding" else f"BODS interest {kind or '(no type)'}"
    if via:
        note = join_notes(note, INDIRECT_NOTE)
    return builder.build_holding(
        {
            "owner": edge.owner,
            "owned": edge.owned,
            **interest.share,
            "start": interest.start,
            "end": interest.end,
            "note": note,
        },
        edge.where,
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


def _control_holding(
    builder: Builder,
    edge: _Edge,
    start: dt.date | None,
    end: dt.date | None,
    via: bool,
    kinds: list[str],
) -> Holding | None:
    """The one ``kind: control`` holding of the control interests ``kinds`` of a period."""
    return builder.build_holding(
        {
            "owner": edge.owner,
            "owned": edge.owned,
            "kind": "control",
            "start": start,
            "end": end,
            "note": join_notes(
                "BODS interests: " + ", ".join(unique(kinds)), INDIRECT_NOTE if via else None
            ),
        },
        edge.where,
        fields={"owner": f"{edge.prefix}interestedParty", "owned": f"{edge.prefix}subject"},
    )


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
