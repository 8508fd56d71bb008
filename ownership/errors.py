"""Errors written to be shown to people: what was wrong, where, and what would be right.

The CLI prints ``str(error)`` on stderr and exits non-zero; no traceback for a user mistake.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = [
    "AmbiguousName",
    "DataError",
    "EntityNotFound",
    "OwnershipError",
    "Problem",
    "UnknownRule",
    "UsageError",
    "shown",
]

#: How much of a wrong value a message quotes: enough to find it, never the whole of a
#: huge or deeply nested value (working that out could take longer than the rest).
_QUOTE = reprlib.Repr()
_QUOTE.maxlevel = 3
_QUOTE.maxlist = _QUOTE.maxtuple = _QUOTE.maxset = _QUOTE.maxdict = 5
_QUOTE.maxstring = _QUOTE.maxother = 60
_QUOTE.maxlong = 40


def shown(value: Any, limit: int = 60) -> str:
    """A value as an error message quotes it: a decimal as written, anything else as a
    bounded repr, at most ``limit`` characters.

    >>> shown(list(range(10**6)))
    '[0, 1, 2, 3, 4, ...]'
    >>> shown([[[[["deep"]]]]])
    '[[[[...]]]]'
    """
    text = format(value, "f") if isinstance(value, Decimal) else _QUOTE.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class OwnershipError(Exception):
    """Base class of every error this package raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the input, located as precisely as the format allows."""

    message: str
    file: str | None = None
    line: int | None = None
    section: str | None = None  # entities, holdings, listings, arrangements, sources
    index: int | None = None  # position within the section, 0-based
    record_id: str | None = None
    field: str | None = None
    value: str | None = None  # the offending value, where one stands out (e.g. an unknown id)

    def where(self) -> str:
        parts: list[str] = []
        if self.file:
            parts.append(self.file + (f":{self.line}" if self.line else ""))
        record = ""
        if self.section:
            record = self.section + (f"[{self.index}]" if self.index is not None else "")
        if self.record_id:
            record += f" ({self.record_id})" if record else self.record_id
        if record:
            parts.append(record)
        if self.field:
            parts.append(f"field {self.field!r}")
        return ": ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message


@dataclass
class DataError(OwnershipError):
    """Input data that cannot be used; carries every problem found, not just the first."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the input:"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])


class EntityNotFound(OwnershipError, LookupError):
    """No entity matches a name; carries close suggestions."""

    def __init__(self, query: str, suggestions: list[str] | None = None) -> None:
        self.query = query
        self.suggestions = suggestions or []
        hint = ""
        if self.suggestions:
            hint = " Did you mean " + ", ".join(repr(s) for s in self.suggestions) + "?"
        super().__init__(f"no entity matches {query!r}.{hint}")


class AmbiguousName(OwnershipError, LookupError):
    """Several entities match a name; the user must pick one by id."""

    def __init__(
        self, query: str, candidates: list[tuple[str, str]], evidence: list[str] | None = None
    ) -> None:
        self.query = query
        self.candidates = candidates
        self.evidence = evidence or [""] * len(candidates)
        listing = "; ".join(
            f"{eid} ({name}{': ' + why if why else ''})"
            for (eid, name), why in zip(candidates, self.evidence, strict=True)
        )
        super().__init__(f"{query!r} matches several entities: {listing}. Use the id instead.")


class UnknownRule(OwnershipError, KeyError):
    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        super().__init__(f"no rule named {name!r}; choose one of: {', '.join(known)}")

    def __str__(self) -> str:
        return str(self.args[0])


class UsageError(OwnershipError, ValueError):
    """An argument the call cannot use (an unknown format, a path it cannot write)."""
