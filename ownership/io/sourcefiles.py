"""Reading one source file: the :class:`~ownership.model.Source` record that every
record from it cites, its text, and the records of a JSON or JSON-lines file with
the line each starts on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DataError, Problem
from ..model import Source
from .textfile import JsonDecoder, decode_text

if TYPE_CHECKING:
    from .building import Builder

__all__ = ["fail", "json_file_items", "json_items", "make_source", "read_text"]


def make_source(
    fmt: str,
    path: Path,
    *,
    source_id: str | None = None,
    title: str,
    publisher: str | None = None,
    date: dt.date | None = None,
    url: str | None = None,
) -> Source:
    """The Source record of one input file; its id is ``<format>:<file name>`` by default."""
    return Source(
        id=source_id or f"{fmt}:{path.name}",
        title=title,
        publisher=publisher,
        date=date,
        url=url,
        format=fmt,
        note=f"imported from {path.name}",
    )


def read_text(path: Path, builder_or_problems: Builder | list[Problem]) -> str | None:
    """The file as text (:func:`decode_text`), or None after recording why not."""
    try:
        return decode_text(path.read_bytes())
    except FileNotFoundError:
        message = "file not found; check the path"
    except IsADirectoryError:
        message = "is a folder; give a file"
    except ValueError as exc:
        message = str(exc)
    except OSError as exc:
        message = f"cannot read: {exc.strerror}"
    problem = Problem(message, file=str(path))
    if isinstance(builder_or_problems, list):
        builder_or_problems.append(problem)
    else:
        builder_or_problems.problems.append(problem)
    return None


def fail(path: Path | str, message: str, **where: Any) -> DataError:
    """A DataError with one problem, for input that cannot be read at all."""
    return DataError([Problem(message, file=str(path), **where)])


def json_file_items(file: Path) -> tuple[list[tuple[int, Any]], list[Problem]]:
    """The records of a JSON or JSON-lines file, a top-level array unpacked, with the
    syntax problems of lines that could not be read; DataError when nothing can be."""
    problems: list[Problem] = []
    text = read_text(file, problems)
    if text is None:
        raise DataError(problems)
    items, syntax = json_items(text, str(file))
    if syntax and not items:
        raise DataError(syntax)
    if len(items) == 1 and isinstance(items[0][1], list):
        line, values = items[0]
        items = [(line, v) for v in values]
    return items, syntax


def json_items(text: str, file: str) -> tuple[list[tuple[int, Any]], list[Problem]]:
    """The records of a JSON array, a JSON-lines stream or a single JSON object.

    Each record comes with the line it starts on, so that a problem can point at it;
    numbers with a fraction are read as Decimal from their literal. A syntax error in
    an array stops the reading; in JSON lines every bad line is reported.
    """
    import json

    decoder = JsonDecoder(parse_float=Decimal)
    stripped = text.lstrip()
    offset = len(text) - len(stripped)
    items: list[tuple[int, Any]] = []
    problems: list[Problem] = []
    if stripped.startswith("["):
        pos = offset + 1
        line = text.count("\n", 0, pos) + 1
        counted = pos
        while True:
            while pos < len(text) and text[pos] in " \t\r\n,":
                pos += 1
            if pos >= len(text):
                problems.append(
                    Problem(
                        "unexpected end of file: the JSON array is not closed",
                        file=file,
                        line=text.count("\n") + 1,
                    )
                )
                break
            if text[pos] == "]":
                break
            line += text.count("\n", counted, pos)
            counted = pos
            try:
                value, end = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                problems.append(
                    Problem(
                        f"not valid JSON: {exc.msg} (column {exc.colno})",
                        file=file,
                        line=exc.lineno,
                    )
                )
                break
            items.append((line, value))
            pos = end
        return items, problems
    lines = text.split("\n")  # not splitlines(): U+2028 and U+0085 are text in JSON
    first = next((i for i, raw in enumerate(lines) if raw.strip()), None)
    if first is not None and len([raw for raw in lines if raw.strip()]) > 1:
        try:
            decoder.decode(lines[first])
            is_lines = True
        except json.JSONDecodeError:
            is_lines = False
        if is_lines:
            for number, raw in enumerate(lines, start=1):
                if not raw.strip():
                    continue
                try:
                    items.append((number, decoder.decode(raw)))
                except json.JSONDecodeError as exc:
                    problems.append(
                        Problem(
                            f"not valid JSON: {exc.msg} (column {exc.colno})",
                            file=file,
                            line=number,
                        )
                    )
            return items, problems
    try:
        value = decoder.decode(stripped) if stripped else None
    except json.JSONDecodeError as exc:
        problems.append(
            Problem(
                f"not valid JSON: {exc.msg} (column {exc.colno})",
                file=file,
                line=exc.lineno + text.count("\n", 0, offset),
            )
        )
        return items, problems
    if value is not None:
        items.append((text.count("\n", 0, offset) + 1, value))
    return items, problems
