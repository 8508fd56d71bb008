"""The domain model: entities, holdings (ownership edges), listings, arrangements, sources.

Following FollowTheMoney, a holding is its own record (owner, owned, share, dates,
sources) and a listing is a record about an entity, not a flag on it. Derived facts
(coverage, exposure) never live here. The models validate one record each; checks that
span records (unknown references, duplicate ids, stakes above 100) live in
:mod:`ownership.checks`.

Percentages are :class:`decimal.Decimal`: with binary floats 33.3 + 16.4 + 0.3 falls
short of 50 and a verdict flips.

>>> h = Holding(owner="x", owned="a", percent="33.3")
>>> h.percent + Decimal("16.4") + Decimal("0.3") == 50
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    field_validator,
    model_validator,
)

from .errors import shown

__all__ = [
    "WELL_KNOWN_LISTS",
    "Address",
    "Arrangement",
    "Dataset",
    "Entity",
    "EntityKind",
    "FormerName",
    "Holding",
    "HoldingKind",
    "Identifier",
    "Listing",
    "Source",
]

#: List ids the shipped rules read; any other id is accepted and kept.
WELL_KNOWN_LISTS = ("entity_list", "meu_list", "unverified_list", "sdn", "eu", "uk")

#: Decimal places a share may have: every sum and comparison of such shares is exact in
#: Python's default decimal context (28 digits) with room to spare. More is refused, not
#: rounded: rounding 49.999999999999999999999 to 50 would be a wrong verdict.
MAX_SHARE_PLACES = 20


def _exact_share(value: Decimal) -> Decimal:
    """A share with at most :data:`MAX_SHARE_PLACES` places (trailing zeros aside)."""
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        raise ValueError(f"{value} is not a percentage; expected a number from 0 to 100")
    places = -exponent
    if places > MAX_SHARE_PLACES:
        kept = list(digits)
        while places > 0 and kept and kept[-1] == 0:
            kept.pop()
            places -= 1
        if places > MAX_SHARE_PLACES:
            raise ValueError(
                f"{fmt_decimal(value)} has {places} decimal places; at most {MAX_SHARE_PLACES} are "
                "computed exactly: round it, or give the range it lies in (minimum and "
                "maximum)"
            )
        return Decimal((sign, tuple(kept), -places))
    return value


Percent = Annotated[Decimal, Field(ge=0, le=100), AfterValidator(_exact_share)]
_PERCENT: TypeAdapter[Decimal] = TypeAdapter(Percent)
NonEmpty = Annotated[str, Field(min_length=1)]


class FieldValueError(ValueError):
    """A cross-field check that fails; names the field to point the user at."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class _Record(BaseModel):
    """Strict base: unknown fields are errors, not silently dropped."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Any:
        """As pydantic's, with lists in ``update`` made tuples: records never change."""
        return super().model_copy(update=_frozen(update) if update else update, deep=deep)


def _frozen(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with every list made a tuple (other sequences are immutable already)."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}


def _interval_error(start: dt.date | None, end: dt.date | None) -> None:
    if start is not None and end is not None and start > end:
        raise FieldValueError(
            "end",
            f"start {start.isoformat()} is after end {end.isoformat()}; "
            "dates are inclusive, so end must be on or after start",
        )


def active_on(start: dt.date | None, end: dt.date | None, day: dt.date) -> bool:
    """True when ``day`` lies in the inclusive interval ``[start, end]`` (open ends)."""
    return (start is None or start <= day) and (end is None or day <= end)


class Source(_Record):
    """Where a fact comes from: a report, a register, a Federal Register notice."""

    id: NonEmpty
    title: str | None = None
    publisher: str | None = None
    date: dt.date | None = None
    url: str | None = None
    #: the format of the file the records citing this source were imported from (``ftm``,
    #: ``bods``, ...); none for hand-written data
    format: str | None = None
    note: str | None = None


class EntityKind(StrEnum):
    company = "company"
    person = "person"
    government_body = "government_body"
    other = "other"
    #: the source does not say (the Entity List's rows in the CSL have no type); linking
    #: takes it as either a person or an organisation
    unknown = "unknown"


class FormerName(_Record):
    """A name the entity no longer uses; ``until`` is the last day it was used."""

    name: NonEmpty
    until: dt.date | None = None
    sources: tuple[str, ...] = ()


class Identifier(_Record):
    """A registry or code identifier, e.g. ``{scheme: lei, value: 5493...}``."""

    scheme: NonEmpty
    value: NonEmpty


class Address(_Record):
    """A postal address, optionally dated (moves after a listing are a red flag)."""

    address: NonEmpty
    country: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    sources: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        return {"address": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _dates(self) -> Address:
        _interval_error(self.start, self.end)
        return self


class Entity(_Record):
    """A company, person, government body or other party."""

    id: NonEmpty
    name: NonEmpty
    kind: EntityKind = EntityKind.company
    country: str | None = Field(
        default=None, description="ISO 3166-1 alpha-2 code, e.g. CN, US, TW"
    )
    aliases: tuple[str, ...] = ()
    former_names: tuple[FormerName, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    addresses: tuple[Address, ...] = ()
    sources: tuple[str, ...] = ()
    note: str | None = None

    @field_validator("country")
    @classmethod
    def _iso_country(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if len(value) != 2 or not value.isascii() or not value.isalpha():
            raise ValueError(
                f"{shown(value)} is not an ISO 3166-1 alpha-2 code; use two letters such as "
                "CN or US"
            )
        return value.upper()

    def all_names(self) -> list[str]:
        """The name, aliases and former names, in that order."""
        return [self.name, *self.aliases, *(f.name for f in self.former_names)]


class HoldingKind(StrEnum):
    ownership = "ownership"
    control = "control"


#: The nested range form ``percent: {minimum: 30, maximum: 35}`` (the rules reference
#: writes shares so), read as the flat range fields.
RANGE_KEYS = {
    "minimum": "minimum",
    "exclusiveMinimum": "exclusive_minimum",
    "maximum": "maximum",
    "exclusiveMaximum": "exclusive_maximum",
}
_NESTED_RANGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "a range, the same as the flat range fields",
    "properties": {
        key: {"anyOf": [{"type": "number", "minimum": 0, "maximum": 100}, {"type": "string"}]}
        for key in RANGE_KEYS
    },
    "additionalProperties": False,
}


def _with_nested_range(schema: dict[str, Any]) -> None:
    """The JSON schema of ``percent``: a number, or the nested range."""
    choices = schema.get("anyOf")
    if isinstance(choices, list):
        choices.insert(2, _NESTED_RANGE_SCHEMA)


class Holding(_Record):
    """An edge owner -> owned.

    The share is exact (``percent``), a range with BODS bound names
    (``minimum``/``exclusiveMinimum``/``maximum``/``exclusiveMaximum``), or unknown
    (all absent). A ``control`` link (board appointment, voting agreement) carries no
    share. ``start`` and ``end`` are inclusive.
    """

    owner: NonEmpty
    owned: NonEmpty
    kind: HoldingKind = HoldingKind.ownership
    percent: Percent | None = Field(
        default=None,
        json_schema_extra=lambda schema: _with_nested_range(schema),
    )
    minimum: Percent | None = None
    exclusive_minimum: Percent | None = Field(default=None, alias="exclusiveMinimum")
    maximum: Percent | None = None
    exclusive_maximum: Percent | None = Field(default=None, alias="exclusiveMaximum")
    start: dt.date | None = None
    end: dt.date | None = None
    sources: tuple[str, ...] = ()
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _nested_range(cls, value: Any) -> Any:
        if not isinstance(value, dict) or not isinstance(value.get("percent"), dict):
            return value
        nested = value["percent"]
        unknown = [k for k in nested if k not in RANGE_KEYS]
        if unknown:
            raise FieldValueError(
                "percent",
                f"unknown range field {unknown[0]!r} under percent; use " + ", ".join(RANGE_KEYS),
            )
        given = [k for k in (*RANGE_KEYS, *RANGE_KEYS.values()) if value.get(k) is not None]
        if given:
            raise FieldValueError(
                "percent", f"give the range once: under percent or as {given[0]}, not both"
            )
        for key, bound in nested.items():
            try:
                _PERCENT.validate_python(bound)
            except ValueError as exc:
                raise FieldValueError(
                    f"percent.{key}",
                    f"{bound} is not a percentage; expected a number from 0 to 100",
                ) from exc
        flat = {k: v for k, v in value.items() if k != "percent"}
        flat.update(nested)
        return flat

    @model_validator(mode="after")
    def _consistent(self) -> Holding:
        _interval_error(self.start, self.end)
        if self.owner == self.owned:
            raise FieldValueError(
                "owned",
                f"{self.owner!r} owns itself; an entity cannot hold a stake in itself "
                "(treasury shares are not an ownership edge)",
            )
        bounds = [self.minimum, self.exclusive_minimum, self.maximum, self.exclusive_maximum]
        has_range = any(b is not None for b in bounds)
        if self.percent is not None and has_range:
            raise FieldValueError(
                "percent", "give either percent or a range (minimum/maximum), not both"
            )
        if self.kind is HoldingKind.control and (self.percent is not None or has_range):
            raise FieldValueError(
                "kind", "a control link carries no share; drop the percent or use kind: ownership"
            )
        if self.minimum is not None and self.exclusive_minimum is not None:
            raise FieldValueError("minimum", "give minimum or exclusiveMinimum, not both")
        if self.maximum is not None and self.exclusive_maximum is not None:
            raise FieldValueError("maximum", "give maximum or exclusiveMaximum, not both")
        low, high = self.lower_bound, self.upper_bound
        if low > high:
            raise FieldValueError(
                "minimum",
                f"minimum {fmt_decimal(low)} is above maximum {fmt_decimal(high)}; swap them",
            )
        if low == high and (
            self.exclusive_minimum is not None or self.exclusive_maximum is not None
        ):
            raise FieldValueError(
                "maximum",
                f"the range excludes its only value {fmt_decimal(low)}; widen it or give percent",
            )
        return self

    @property
    def lower_bound(self) -> Decimal:
        """Smallest possible share; unknown counts as 0."""
        if self.percent is not None:
            return self.percent
        bound = self.minimum if self.minimum is not None else self.exclusive_minimum
        return bound if bound is not None else Decimal(0)

    @property
    def upper_bound(self) -> Decimal:
        """Largest possible share; unknown counts as 100."""
        if self.percent is not None:
            return self.percent
        bound = self.maximum if self.maximum is not None else self.exclusive_maximum
        return bound if bound is not None else Decimal(100)

    @property
    def is_exact(self) -> bool:
        return self.percent is not None

    @property
    def is_range(self) -> bool:
        return self.percent is None and any(
            b is not None
            for b in (self.minimum, self.exclusive_minimum, self.maximum, self.exclusive_maximum)
        )

    def share_text(self) -> str:
        """The share as people write it: ``51%``, ``75-<100%``, ``unknown``, ``control``."""
        if self.kind is HoldingKind.control:
            return "control"
        if self.percent is not None:
            return f"{fmt_decimal(self.percent)}%"
        if not self.is_range:
            return "unknown %"
        low = (
            f">{fmt_decimal(self.exclusive_minimum)}"
            if self.exclusive_minimum is not None
            else fmt_decimal(self.minimum if self.minimum is not None else Decimal(0))
        )
        high = (
            f"<{fmt_decimal(self.exclusive_maximum)}"
            if self.exclusive_maximum is not None
            else fmt_decimal(self.maximum if self.maximum is not None else Decimal(100))
        )
        return f"{low}-{high}%"

    def active_on(self, day: dt.date) -> bool:
        return active_on(self.start, self.end, day)


def fmt_decimal(value: Decimal | None) -> str:
    """Render a decimal without exponent or trailing zeros: 50.00 -> 50, 33.30 -> 33.3."""
    if value is None:
        return "?"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class Listing(_Record):
    """An entity's entry on a list (``entity_list``, ``sdn``, ...), with dates and citation."""

    entity: NonEmpty
    list: NonEmpty
    program: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    citation: str | None = None
    sources: tuple[str, ...] = ()
    note: str | None = None

    @model_validator(mode="after")
    def _dates(self) -> Listing:
        _interval_error(self.start, self.end)
        return self

    def active_on(self, day: dt.date) -> bool:
        return active_on(self.start, self.end, day)


class Arrangement(_Record):
    """A UK-style joint arrangement: members exercise their rights in ``target`` jointly.

    Under UK Schedule 1 para 3 each member is treated as holding the combined shares.
    """

    id: str | None = None
    kind: str = "joint_arrangement"
    members: Annotated[tuple[NonEmpty, ...], Field(min_length=2)]
    target: NonEmpty
    start: dt.date | None = None
    end: dt.date | None = None
    sources: tuple[str, ...] = ()
    note: str | None = None

    @model_validator(mode="after")
    def _dates(self) -> Arrangement:
        _interval_error(self.start, self.end)
        if self.kind != "joint_arrangement":
            raise FieldValueError("kind", f"kind {self.kind!r} is not known; use joint_arrangement")
        return self

    def active_on(self, day: dt.date) -> bool:
        return active_on(self.start, self.end, day)


class Dataset(_Record):
    """A whole dataset, as in the native YAML/JSON file format.

    Building one directly does not check cross references; use
    :func:`ownership.checks.check_dataset` or load it through :mod:`ownership.io`.
    """

    entities: tuple[Entity, ...] = ()
    holdings: tuple[Holding, ...] = ()
    listings: tuple[Listing, ...] = ()
    arrangements: tuple[Arrangement, ...] = ()
    sources: tuple[Source, ...] = ()

    @classmethod
    def of(
        cls,
        *,
        entities: Sequence[Entity] = (),
        holdings: Sequence[Holding] = (),
        listings: Sequence[Listing] = (),
        arrangements: Sequence[Arrangement] = (),
        sources: Sequence[Source] = (),
    ) -> Dataset:
        """A dataset of records already validated, without checking them again; lists are
        made tuples, so nothing can change the records once the dataset exists."""
        values = {
            "entities": entities,
            "holdings": holdings,
            "listings": listings,
            "arrangements": arrangements,
            "sources": sources,
        }
        return cls.model_construct(**_frozen(values))

    def __eq__(self, other: object) -> bool:
        """Equal when the records are, however the sequences holding them are made."""
        if not isinstance(other, Dataset):
            return NotImplemented
        return all(
            tuple(getattr(self, name)) == tuple(getattr(other, name))
            for name in type(self).model_fields
        )

    __hash__ = None  # type: ignore[assignment]  # compared by content, kept by identity

    def entity_index(self) -> dict[str, Entity]:
        return {e.id: e for e in self.entities}

    def date_span(self) -> tuple[dt.date, dt.date] | None:
        """Earliest and latest date mentioned by holdings, listings, names and arrangements."""
        days: list[dt.date] = []
        dated: list[Holding | Listing | Arrangement] = [
            *self.holdings,
            *self.listings,
            *self.arrangements,
        ]
        for rec in dated:
            days.extend(d for d in (rec.start, rec.end) if d is not None)
        for ent in self.entities:
            days.extend(f.until for f in ent.former_names if f.until is not None)
            for addr in ent.addresses:
                days.extend(d for d in (addr.start, addr.end) if d is not None)
        return (min(days), max(days)) if days else None

    def summary(self) -> str:
        """One line: counts and the span of dates, e.g. for ``ownership validate``."""
        span = self.date_span()
        when = f", dates {span[0].isoformat()} to {span[1].isoformat()}" if span else ""
        return (
            f"{len(self.entities)} entities, {len(self.holdings)} holdings, "
            f"{len(self.listings)} listings{when}"
        )

    def model_dump(self, **options: Any) -> dict[str, Any]:
        """As pydantic's, also for record sequences read by columns (made into lists first)."""
        names = type(self).model_fields
        if all(isinstance(getattr(self, name), tuple) for name in names):
            return super().model_dump(**options)
        records: dict[str, Any] = {name: tuple(getattr(self, name)) for name in names}
        plain = Dataset.model_construct(**records)
        return plain.model_dump(**options)
