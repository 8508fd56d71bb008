"""Values as sources write them: dates with missing parts, shares in words or ranges,
identifier schemes, addresses, slugs for ids."""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import shown

__all__ = [
    "ID_SCHEMES",
    "address_record",
    "identifier_scheme",
    "identifier_value",
    "parse_date",
    "parse_share",
    "slug",
]


_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ].*)?$")


def parse_date(value: Any, *, end: bool = False) -> dt.date | None:
    """A date from ISO text, a datetime (``2012-11-29T00:00:00.000Z``) or a partial date.

    Partial dates (``2017``, ``2017-11``) stand for their first day, or their last day
    when ``end`` is true, so that an inclusive interval never claims more than the
    source says. Empty values give None; anything else raises ValueError.

    >>> parse_date("2012-11-29T00:00:00.000Z")
    datetime.date(2012, 11, 29)
    >>> parse_date("2017-02", end=True)
    datetime.date(2017, 2, 28)
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    match = _DATE.match(text)
    if match is None:
        raise ValueError(f"{shown(text)} is not a date; expected YYYY-MM-DD")
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    try:
        if month is None:
            return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
        if day is None:
            last = calendar.monthrange(year, month)[1]
            return dt.date(year, month, last if end else 1)
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"{shown(text)} is not a valid date; expected YYYY-MM-DD") from None


_NUMBER = r"(\d+(?:[.,]\d+)?)"


_RANGE = re.compile(rf"^(>)?\s*{_NUMBER}\s*%?\s*(?:-|–|to)\s*(<)?\s*{_NUMBER}\s*%?$")


_WORDS = {
    "majority": {"exclusiveMinimum": Decimal(50)},
    "minority": {"exclusiveMaximum": Decimal(50)},
    "wholly owned": {"percent": Decimal(100)},
    "sole owner": {"percent": Decimal(100)},
}


_BOUND = re.compile(
    rf"^(>=|≥|<=|≤|>|<|more than|over|above|at least|less than|under|below|up to)\s*{_NUMBER}\s*%?$"
)


_EXACT = re.compile(rf"^{_NUMBER}\s*%?$")


_BOUND_KEYS = {
    ">=": "minimum",
    "≥": "minimum",
    "at least": "minimum",
    ">": "exclusiveMinimum",
    "more than": "exclusiveMinimum",
    "over": "exclusiveMinimum",
    "above": "exclusiveMinimum",
    "<=": "maximum",
    "≤": "maximum",
    "up to": "maximum",
    "<": "exclusiveMaximum",
    "less than": "exclusiveMaximum",
    "under": "exclusiveMaximum",
    "below": "exclusiveMaximum",
}


def _decimal(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def parse_share(text: Any) -> dict[str, Decimal] | None:
    """Holding share fields from free text: exact, a range, a bound, or unknown.

    Returns ``{"percent": ...}``, range bounds with BODS names, ``{}`` for an
    explicitly unknown share, or None when the text cannot be read (the caller keeps
    the share unknown and says so). Numbers above 100 raise ValueError: that is a
    wrong figure, not an unreadable one.

    >>> parse_share("51%")
    {'percent': Decimal('51')}
    >>> parse_share("25 - 50")
    {'minimum': Decimal('25'), 'maximum': Decimal('50')}
    >>> parse_share("> 75 %")
    {'exclusiveMinimum': Decimal('75')}
    >>> parse_share("75-<100%")  # as Holding.share_text writes it
    {'minimum': Decimal('75'), 'exclusiveMaximum': Decimal('100')}
    >>> parse_share("majority")
    {'exclusiveMinimum': Decimal('50')}
    >>> parse_share("undisclosed") is None
    True
    """
    if text is None:
        return {}
    raw = str(text).strip().casefold()
    if raw in ("", "unknown", "n/a", "na", "-", "?"):
        return {}
    result: dict[str, Decimal]
    try:
        if (match := _EXACT.match(raw)) is not None:
            result = {"percent": _decimal(match.group(1))}
        elif (match := _RANGE.match(raw)) is not None:
            low, high = _decimal(match.group(2)), _decimal(match.group(4))
            if low > high:
                low, high = high, low
            result = {
                "exclusiveMinimum" if match.group(1) else "minimum": low,
                "exclusiveMaximum" if match.group(3) else "maximum": high,
            }
        elif raw.rstrip(" %") in _WORDS:
            result = dict(_WORDS[raw.rstrip(" %")])
        elif (match := _BOUND.match(raw)) is not None:
            result = {_BOUND_KEYS[match.group(1)]: _decimal(match.group(2))}
        else:
            return None
    except InvalidOperation:
        return None
    for value in result.values():
        if value > 100 or value < 0:
            raise ValueError(f"share {shown(str(text))} is outside 0-100")
    return result


def slug(text: str, *, limit: int = 60) -> str:
    """A stable, readable id fragment; names without Latin letters get a short hash.

    >>> slug("China Electronics Technology Group Corp. (CETC 13)")
    'china-electronics-technology-group-corp-cetc-13'
    >>> slug("浪潮集团")
    'h-b783ac48eb24'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    cleaned = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(cleaned) < 3:
        return "h-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    return cleaned[:limit].rstrip("-")


def address_record(text: str, country: str | None, sources: list[str]) -> dict[str, Any] | None:
    text = " ".join(text.split()).strip(" ,;")
    if not text:
        return None
    return {"address": text, "country": country, "sources": sources}


#: Identifier labels used by OFAC and the CSL -> our scheme names. Labels not listed
#: here (sanctions-risk notes, gender, e-mail) are not identifiers and are skipped.
ID_SCHEMES: dict[str, str] = {
    "legal entity number": "lei",
    "lei": "lei",
    "registration id": "registration",
    "registration number": "registration",
    "registration no.": "registration",
    "business registration number": "registration",
    "business registration document #": "registration",
    "company number": "registration",
    "uk company number": "registration",
    "public registration number": "registration",
    "commercial registry number": "registration",
    "chamber of commerce number": "registration",
    "business number": "registration",
    "certificate of incorporation number": "registration",
    "unified social credit code (uscc)": "uscc",
    "tax id no.": "tax",
    "tax identification number": "tax",
    "v.a.t. number": "vat",
    "vat number": "vat",
    "swift/bic": "swift",
    "vessel registration identification": "imo",
    "imo": "imo",
    "mmsi": "mmsi",
    "passport": "passport",
    "national id no.": "national_id",
    "national identification number": "national_id",
    "national foreign id number": "national_id",
    "cedula no.": "national_id",
    "d-u-n-s number": "duns",
    "aircraft manufacturer's serial number (msn)": "msn",
}


def identifier_scheme(label: str) -> str | None:
    """Our scheme for a list's identifier label, or None when it is not an identifier."""
    key = " ".join(label.strip().rstrip(":").split()).casefold()
    key = key.removeprefix("alt. ").strip()
    return ID_SCHEMES.get(key)


def identifier_value(scheme: str, value: str) -> str:
    """Identifier values as registers write them: no surrounding space, IMO without prefix."""
    text = " ".join(value.split()).strip(" .;,")
    if scheme == "imo":
        text = re.sub(r"^IMO\s*", "", text, flags=re.I)
    if scheme == "lei":
        text = text.upper()
    return text
