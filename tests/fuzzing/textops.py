"""Structured edits of the seed syntaxes: JSON, JSON lines, YAML, CSV and XML.

A document is parsed into plain data, one place (a slot: a field, a list item, a cell, a
text node) is changed, and it is written back. Text that must appear verbatim (``.nan``,
``1e309``, a 100k-deep nest, a raw U+2028) is put in as a placeholder and substituted
after writing, since no well-behaved writer would produce it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

import yaml

__all__ = ["Doc", "Slot", "parse"]

_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YAML_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@dataclass
class Slot:
    """One changeable place: ``name`` is the field (or column, tag) it belongs to."""

    name: str
    value: Any
    setter: Callable[[Any], None]
    raw_setter: Callable[[str], None]
    depth: int = 0

    def set(self, value: Any) -> None:
        self.setter(value)

    def set_raw(self, text: str) -> None:
        """Put ``text`` verbatim in the written document, whatever the syntax allows."""
        self.raw_setter(text)


@dataclass
class Doc:
    """A parsed document with its slots and a writer."""

    syntax: str
    data: Any
    render_data: Callable[[Any], str]
    raw: dict[str, str] = field(default_factory=dict)
    xml_slots: list[tuple[int, int, str]] = field(default_factory=list)
    xml_edits: dict[int, str] = field(default_factory=dict)

    def placeholder(self, text: str) -> str:
        token = f"FUZZRAW{len(self.raw)}ZZ"
        self.raw[token] = text
        return token

    def slots(self) -> list[Slot]:
        if self.syntax == "xml":
            return self._xml_slots()
        out: list[Slot] = []
        _walk(self, self.data, "", 0, out)
        return out

    def render(self) -> str:
        if self.syntax == "xml":
            text = self.data
            for index in sorted(self.xml_edits, key=lambda i: -self.xml_slots[i][0]):
                start, end, _name = self.xml_slots[index]
                text = text[:start] + self.xml_edits[index] + text[end:]
            return str(text)
        text = self.render_data(self.data)
        for token, raw in self.raw.items():
            for quoted in (f'"{token}"', f"'{token}'", token):
                text = text.replace(quoted, raw)
        return text

    def _xml_slots(self) -> list[Slot]:
        out = []
        for index, (start, end, name) in enumerate(self.xml_slots):
            value = self.data[start:end]

            def setter(value: Any, index: int = index) -> None:
                self.xml_edits[index] = escape(str(value), {'"': "&quot;"})

            def raw_setter(text: str, index: int = index) -> None:
                self.xml_edits[index] = text

            out.append(Slot(name, value, setter, raw_setter))
        return out


def _walk(doc: Doc, node: Any, name: str, depth: int, out: list[Slot]) -> None:
    items: list[tuple[Any, Any, str]]
    if isinstance(node, dict):
        items = [(node, k, str(k)) for k in list(node)]
    elif isinstance(node, list):
        items = [(node, i, name) for i in range(len(node))]
    else:
        return
    for container, key, field_name in items:

        def setter(value: Any, container: Any = container, key: Any = key) -> None:
            container[key] = value

        def raw_setter(text: str, container: Any = container, key: Any = key) -> None:
            container[key] = doc.placeholder(text)

        value = container[key]
        out.append(Slot(field_name, value, setter, raw_setter, depth))
        _walk(doc, value, field_name, depth + 1, out)


def _dump_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n"


def _dump_jsonl(data: Any) -> str:
    lines = [
        line if isinstance(line, _RawLine) else json.dumps(line, ensure_ascii=False, default=str)
        for line in data
    ]
    return "\n".join(lines) + "\n"


def _dump_yaml(data: Any) -> str:
    return str(
        yaml.dump(
            data,
            Dumper=_YAML_DUMPER,
            allow_unicode=True,
            sort_keys=False,
            width=10**9,
            default_flow_style=False,
        )
    )


class _RawLine(str):
    """A JSON lines line that did not parse: written back as it was."""


def _csv_writer(terminator: str) -> Callable[[Any], str]:
    def dump(rows: Any) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator=terminator)
        writer.writerows(rows)
        return out.getvalue()

    return dump


_XML_TEXT = re.compile(r"<([\w:.-]+)[^<>]*?(?<!/)>([^<>]*\S[^<>]*)</")
_XML_ATTR = re.compile(r"\s([\w:.-]+)=\"([^\"<>]*)\"")


def parse(syntax: str, text: str) -> Doc:
    """Parse ``text``; ValueError (or a parser's own error) when it does not parse."""
    if syntax == "json":
        return Doc("json", json.loads(text), _dump_json)
    if syntax == "jsonl":
        records: list[Any] = []
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                records.append(_RawLine(line))
        return Doc("jsonl", records, _dump_jsonl)
    if syntax == "yaml":
        return Doc("yaml", yaml.load(text, Loader=_YAML_LOADER), _dump_yaml)
    if syntax == "csv":
        terminator = "\r\n" if "\r\n" in text else "\n"
        rows = list(csv.reader(io.StringIO(text, newline="")))
        doc = Doc("csv", rows, _csv_writer(terminator))
        return _named_cells(doc)
    if syntax == "xml":
        slots = [
            (m.start(2), m.end(2), m.group(1).split(":")[-1]) for m in _XML_TEXT.finditer(text)
        ]
        slots += [(m.start(2), m.end(2), m.group(1)) for m in _XML_ATTR.finditer(text)]
        return Doc("xml", text, lambda d: str(d), xml_slots=sorted(slots))
    raise ValueError(f"unknown syntax {syntax!r}")


def _named_cells(doc: Doc) -> Doc:
    """CSV cells take their column's name from the header (OFAC files have none: the
    column number is the name)."""
    rows = doc.data
    header = rows[0] if rows else []
    has_header = bool(header) and not (header[0].strip().isdigit())

    def slots() -> list[Slot]:
        out = []
        for r, row in enumerate(rows):
            for c in range(len(row)):
                name = header[c] if has_header and c < len(header) else str(c)

                def setter(value: Any, row: list[Any] = row, c: int = c) -> None:
                    row[c] = value if isinstance(value, str) else json.dumps(value, default=str)

                def raw_setter(text: str, row: list[Any] = row, c: int = c) -> None:
                    row[c] = doc.placeholder(text)

                out.append(Slot(name, row[c], setter, raw_setter, 0 if r == 0 else 1))
        return out

    doc.slots = slots  # type: ignore[method-assign]
    return doc
