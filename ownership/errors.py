"""Errors written to be shown to people: what was wrong, where, and what would be right.

The CLI prints ``str(error)`` on stderr and exits non-zero; no traceback for a user mistake.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "AmbiguousName",
    "DataError",
    "EntityNotFound",
    "OwnershipError",
    "Problem",
    "UnknownRule",
]


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

    def __init__(self, query: str, candidates: list[tuple[str, str]]) -> None:
        self.query = query
        self.candidates = candidates
        listing = "; ".join(f"{eid} ({name})" for eid, name in candidates)
        super().__init__(f"{query!r} matches several entities: {listing}. Use the id instead.")


class UnknownRule(OwnershipError, KeyError):
    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        super().__init__(f"no rule named {name!r}; choose one of: {', '.join(known)}")

    def __str__(self) -> str:
        return str(self.args[0])
