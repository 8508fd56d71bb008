"""A record's validation errors as problems that name its file, line, record and field.

Every reader validates source records through the domain models; pydantic's errors are
turned here into one :class:`~ownership.errors.Problem` each, in the user's words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from ..errors import Problem, shown

__all__ = ["Location", "problem_from_pydantic"]


@dataclass
class Location:
    """Where one record came from: file, line (when the format has lines), index in file."""

    file: str
    index: int
    line: int | None = None
    field_lines: dict[str, int] = field(default_factory=dict)
    record_id: str | None = None


_EXPECTED = {
    "date_from_datetime_parsing": "a date written YYYY-MM-DD",
    "date_parsing": "a date written YYYY-MM-DD",
    "date_type": "a date written YYYY-MM-DD",
    "less_than_equal": "a number from 0 to 100",
    "greater_than_equal": "a number from 0 to 100",
    "decimal_parsing": "a number such as 33.3",
    "decimal_type": "a number such as 33.3",
    "missing": "this required field",
    "enum": None,
}


def problem_from_pydantic(
    error: Any, section: str, model: type[BaseModel], location: Location
) -> Problem:
    loc = [str(p) for p in error.get("loc", ())]
    field_path = ""
    for part in loc:
        field_path += f"[{part}]" if part.isdigit() else (f".{part}" if field_path else part)
    top_field = loc[0] if loc else None
    kind = error.get("type", "")
    found = error.get("input")
    if kind == "extra_forbidden":
        allowed = sorted(
            info.alias or name for name, info in _nested_fields(model, loc[:-1]).items()
        )
        message = f"unknown field {loc[-1]!r}; expected one of: {', '.join(allowed)}"
    elif kind == "missing":
        message = "required field is missing"
    elif not loc and isinstance((error.get("ctx") or {}).get("error"), ValueError):
        cause = error["ctx"]["error"]
        message = str(cause)
        field_path = getattr(cause, "field", "") or ""
        loc = [field_path] if field_path else []
        top_field = field_path.split(".")[0] or None
    else:
        text = str(error.get("msg", "invalid value"))
        text = text.removeprefix("Value error, ")
        expected = _EXPECTED.get(kind)
        message = f"{text}; found {_show(found)}"
        if expected:
            message += f", expected {expected}"
    line = location.line
    if top_field and top_field in location.field_lines:
        line = location.field_lines[top_field]
    return Problem(
        message,
        file=location.file,
        line=line,
        section=section,
        index=location.index,
        record_id=location.record_id,
        field=field_path or None,
    )


def _nested_fields(model: type[BaseModel], path: Sequence[str]) -> dict[str, Any]:
    """Fields of the (possibly nested) model that ``path`` points into."""
    current: type[BaseModel] = model
    for part in path:
        if part.isdigit():
            continue
        info = current.model_fields.get(part)
        if info is None:
            break
        inner = _model_in(info.annotation)
        if inner is None:
            break
        current = inner
    return dict(current.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _show(value: Any) -> str:
    return "a mapping" if isinstance(value, dict) else shown(value)
