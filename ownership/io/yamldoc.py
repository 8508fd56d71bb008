"""A YAML document as plain data with the line of every key and item, read from events.

PyYAML builds a tree of nodes and then constructs objects from it through a generic,
generator-driven constructor: on a 5 MB dataset (an import of the full SDN list) that
is nine seconds of ten. Read from libyaml's event stream instead, the same document is
plain data in a fraction of a second. Scalars are resolved by PyYAML's own implicit
resolver (memoised: real files repeat their values), so a value means what it means
in PyYAML's safe loader, with two differences the readers need: a float stays a
:class:`~decimal.Decimal` of its literal text (33.3 is exactly 33.3) and a timestamp
stays text (a bad date is reported by the record that holds it).

The walk keeps its own stack, so a deeply nested document cannot exhaust Python's
recursion; aliases are shared, not copied. Errors are :class:`yaml.MarkedYAMLError`
with the line, as PyYAML raises them.

>>> data, marks = read_yaml("a:\\n  - {x: 33.3, d: 2024-01-02, n: ~}\\n")
>>> data
{'a': [{'x': Decimal('33.3'), 'd': '2024-01-02', 'n': None}]}
>>> marks.get("a").items[0].keys["d"]
2
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml
from yaml import events
from yaml.constructor import ConstructorError

__all__ = ["Mark", "read_yaml"]

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

STR = "tag:yaml.org,2002:str"
FLOAT = "tag:yaml.org,2002:float"
TIMESTAMP = "tag:yaml.org,2002:timestamp"
MERGE = "tag:yaml.org,2002:merge"
VALUE = "tag:yaml.org,2002:value"
_SAFE_SCALARS = {
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    FLOAT,
    "tag:yaml.org,2002:binary",
    TIMESTAMP,
    STR,
    VALUE,
    MERGE,
}


@dataclass
class Mark:
    """Where a mapping or sequence starts (1-based line); for a mapping, the line of
    each key and the mark of its value when that is a mapping or sequence; for a
    sequence, the mark of each item."""

    line: int
    keys: dict[str, int] = field(default_factory=dict)
    values: dict[str, Mark] = field(default_factory=dict)
    items: list[Mark] = field(default_factory=list)

    def get(self, key: str) -> Mark | None:
        return self.values.get(key)


class _Scalars:
    """Plain Python values of scalars, as PyYAML's safe loader gives them (floats as
    Decimal, timestamps as text); implicit resolutions are memoised."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.resolved: dict[tuple[str, bool], str] = {}

    def value(self, event: events.ScalarEvent) -> Any:
        plain, _ = event.implicit
        text = event.value
        tag = event.tag
        if tag is None or tag == "!":
            if not plain:
                return text
            key = (text, True)
            tag = self.resolved.get(key)
            if tag is None:
                tag = self.resolved[key] = self.loader.resolve(
                    yaml.ScalarNode, text, event.implicit
                )
        if tag == STR:
            return text
        if tag not in _SAFE_SCALARS:
            raise ConstructorError(
                None,
                None,
                f"could not determine a constructor for the tag {tag!r}",
                event.start_mark,
            )
        if tag == FLOAT:
            try:
                return Decimal(text.replace("_", ""))
            except ArithmeticError:  # .inf, .nan
                return float(self.loader.construct_yaml_float(yaml.ScalarNode(tag, text)))
        if tag in (TIMESTAMP, MERGE, VALUE):  # a merge key is read by the mapping it is in
            return text
        return self.loader.construct_object(yaml.ScalarNode(tag, text, event.start_mark))


def read_yaml(text: str) -> tuple[Any, Mark | None]:
    """The single document of ``text`` as plain data, and the marks of its containers
    (None when the document is empty or a scalar)."""
    loader = _Loader(text)
    try:
        return _build(loader)
    finally:
        loader.dispose()


#: Values a document may reach through aliases, beyond what it writes out: one alias
#: can stand for a whole tree, and nine nested ones for 9**9 values from 1 KB of text.
ALIAS_ALLOWANCE = 100_000


def _build(loader: Any) -> tuple[Any, Mark | None]:
    scalars = _Scalars(loader)
    anchors: dict[str, Any] = {}
    weights: dict[str, int] = {}  # values under each anchor, aliases expanded
    written = 0  # values the text writes out
    expanded = 0  # values reached through aliases
    # each open container: its value, its mark, and for a mapping the key waiting for
    # its value (with the key's line)
    stack: list[list[Any]] = []
    result: Any = None
    root: Mark | None = None
    documents = 0

    def attach(value: Any, mark: Mark | None, event: events.Event, weight: int = 1) -> None:
        nonlocal result, root
        if not stack:
            result, root = value, mark
            return
        top = stack[-1]
        top[5] += weight
        container, container_mark = top[0], top[1]
        if isinstance(container, list):
            container.append(value)
            container_mark.items.append(mark or Mark(event.start_mark.line + 1))
            return
        if top[2] is _NO_KEY:
            if isinstance(value, (dict, list)):
                raise ConstructorError(
                    "while constructing a mapping",
                    None,
                    "found unhashable key",
                    event.start_mark,
                )
            top[2], top[3] = value, event.start_mark.line + 1
            return
        key, line = top[2], top[3]
        top[2] = _NO_KEY
        if key == "<<" and top[4]:
            _merge(container, value, event)
            return
        container[key] = value
        container_mark.keys[str(key)] = line
        if mark is not None:
            container_mark.values[str(key)] = mark

    while True:
        event = loader.get_event()
        if event is None:
            break
        kind = type(event)
        if kind is events.ScalarEvent:
            value = scalars.value(event)
            if stack and isinstance(stack[-1][0], dict) and stack[-1][2] is _NO_KEY:
                # a key: remember whether it is the merge key, as the resolver says
                stack[-1][4] = event.value == "<<" and event.implicit[0]
            written += 1
            attach(value, None, event)
            if event.anchor:
                anchors[event.anchor] = value
                weights[event.anchor] = 1
        elif kind is events.MappingStartEvent or kind is events.SequenceStartEvent:
            tag = event.tag
            if tag not in (None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"):
                raise ConstructorError(
                    None,
                    None,
                    f"could not determine a constructor for the tag {tag!r}",
                    event.start_mark,
                )
            container: Any = {} if kind is events.MappingStartEvent else []
            written += 1
            if event.anchor:
                anchors[event.anchor] = container
            frame = [container, Mark(event.start_mark.line + 1), _NO_KEY, 0, False, 1]
            stack.append([*frame, event.anchor])
        elif kind is events.MappingEndEvent or kind is events.SequenceEndEvent:
            container, mark, _, _, _, weight, anchor = stack.pop()
            if anchor:
                weights[anchor] = weight
            attach(container, mark, event, weight)
        elif kind is events.AliasEvent:
            if event.anchor not in anchors:
                raise ConstructorError(
                    None, None, f"found undefined alias {event.anchor!r}", event.start_mark
                )
            weight = weights.get(event.anchor, 1)  # an alias inside its own anchor: a cycle
            expanded += weight
            if expanded > ALIAS_ALLOWANCE + 10 * written:
                raise ConstructorError(
                    None,
                    None,
                    f"aliases expand the document to more than {expanded:,} values from "
                    f"{written:,} written ones; write the values out instead of repeating "
                    "aliases of aliases",
                    event.start_mark,
                )
            attach(anchors[event.anchor], None, event, weight)
        elif kind is events.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise ConstructorError(
                    "expected a single document in the stream",
                    None,
                    "but found another document",
                    event.start_mark,
                )
    return result, root


class _NoKey:
    """Stands for "no key read yet" in an open mapping (None is a key YAML allows)."""


_NO_KEY = _NoKey()


def _merge(target: dict[Any, Any], value: Any, event: events.Event) -> None:
    """A ``<<`` merge: keys of the merged mapping(s) the target does not set yet."""
    sources = value if isinstance(value, list) else [value]
    for source in reversed(sources):
        if not isinstance(source, dict):
            raise ConstructorError(
                "while constructing a mapping",
                None,
                "expected a mapping or list of mappings for merging",
                event.start_mark,
            )
        for key, item in source.items():
            target.setdefault(key, item)
