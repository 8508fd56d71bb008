"""Where an imported record came from: its file and place, its source statement, and
the small helpers that keep sources and notes when records are merged."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Statement", "Where", "join_notes", "unique", "where_text"]


@dataclass(frozen=True)
class Statement:
    """Where a holding came from: the source record's id, and the share class or kind of
    interest the record names (records naming different ones are distinct stakes)."""

    id: str
    share_class: str | None = None


@dataclass(frozen=True)
class Where:
    """The place of one source record: file, line (when the format has lines), record id."""

    file: str
    line: int | None = None
    record: str | None = None
    index: int | None = None
    section: str | None = None


def unique(values: Iterable[str], exclude: Iterable[str] = ()) -> list[str]:
    """Distinct non-empty strings in first-seen order, case-insensitively."""
    seen = {v.casefold() for v in exclude}
    out = []
    for value in values:
        text = value.strip() if value else ""
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            out.append(text)
    return out


def join_notes(*notes: str | None) -> str | None:
    parts = unique(n for n in notes if n)
    return "\n".join(parts) if parts else None


def where_text(where: Where) -> str:
    """A source record as its file knows it: file, line or record id."""
    name = Path(where.file).name
    if where.line:
        return f"{name}:{where.line}" + (f" {where.record}" if where.record else "")
    return f"{name} {where.record}" if where.record else name
