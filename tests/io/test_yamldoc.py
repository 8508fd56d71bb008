"""The event-driven YAML reader gives what PyYAML's safe loader gives (floats as Decimal,
timestamps as text), with every key's line, and no recursion."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ownership.io.yamldoc import read_yaml


class _Reference(yaml.SafeLoader):
    """PyYAML's pure-Python safe loader with the two readings the datasets need."""


_Reference.add_constructor(
    "tag:yaml.org,2002:float",
    lambda loader, node: (
        Decimal(loader.construct_scalar(node).replace("_", ""))
        if loader.construct_scalar(node).lstrip("+-").lower() not in (".inf", ".nan")
        else float(loader.construct_yaml_float(node))
    ),
)
_Reference.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)


def _reference(text: str) -> Any:
    return yaml.load(text, Loader=_Reference)


DOCUMENTS = [
    "entities:\n  - {id: a, name: A, kind: person}\n",
    "a: 33.3\nb: 1_000\nc: 0x1F\nd: 0o17\ne: 017\nf: 1:30\ng: -.inf\nh: 1e3\n",
    "yes: [yes, no, on, off, true, False, Y, n, ~, null, '', \"\"]\n",
    "dates: [2024-01-02, 2024-13-45, 2001-12-14t21:59:43.10-05:00, '2024-01-02']\n",
    "base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\nlist: [*b, *b]\n",
    "over:\n  y: 9\n  <<: [{x: 1, y: 2}, {z: 3}]\n",
    "text: |\n  two\n  lines\nfolded: >\n  one\n  line\n",
    "quoted: ['1', \"2.5\", 'yes', !!str 7, !!int '8', !!float '2.5']\n",
    "nested: [[[[1]]], {a: {b: {c: [x]}}}]\n",
    "? complex key\n: value\n",
    "empty:\n",
    "",
    "just a scalar\n",
    "- 1\n- 2\n",
    "unicode: ['浪潮集团', \"\\u00e9\", 'Ελλάδα']\n",
]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_the_same_values_as_the_safe_loader(text: str) -> None:
    assert read_yaml(text)[0] == _reference(text)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.decimals(allow_nan=False, allow_infinity=False, places=4),
    st.text(max_size=20),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)).map(str),
)
documents = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(documents, st.booleans())
def test_any_document_reads_as_the_safe_loader_reads_it(value: Any, flow: bool) -> None:
    value = _plain_decimals(value)
    text = yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True)
    assert read_yaml(text)[0] == _reference(text)


def _plain_decimals(value: Any) -> Any:
    """safe_dump cannot write a Decimal: write it as the float literal it stands for."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list):
        return [_plain_decimals(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain_decimals(v) for k, v in value.items()}
    return value


def test_lines_of_keys_and_items() -> None:
    text = "entities:\n  - id: a\n    name: A\n  - id: b\n\n    name: B\nholdings: []\n"
    _, marks = read_yaml(text)
    assert marks is not None and marks.keys == {"entities": 1, "holdings": 7}
    items = marks.get("entities").items  # type: ignore[union-attr]
    assert [m.line for m in items] == [2, 4]
    assert items[1].keys == {"id": 4, "name": 6}


def test_deep_nesting_needs_no_recursion() -> None:
    depth = 900  # what libyaml allows; deeper is a parse error, not a crash
    data, _ = read_yaml("[" * depth + "]" * depth)
    for _ in range(depth - 1):
        data = data[0]
    assert data == []
    with pytest.raises(yaml.MarkedYAMLError, match="nesting depth"):
        read_yaml("[" * 20_000 + "]" * 20_000)


@pytest.mark.parametrize(
    ("text", "problem", "line"),
    [
        ("a: !!python/object:os.system x\n", "could not determine a constructor", 1),
        ("a: 1\nb: *nowhere\n", "nowhere", 2),
        ("a: 1\n---\nb: 2\n", "another document", 2),
        ("a: [1, 2\nb: 3\n", "", None),
        ("? [1, 2]\n: x\n", "unhashable", 1),
    ],
)
def test_errors_carry_the_line(text: str, problem: str, line: int | None) -> None:
    with pytest.raises(yaml.MarkedYAMLError) as caught:
        read_yaml(text)
    assert problem in str(caught.value)
    if line is not None:
        assert caught.value.problem_mark is not None
        assert caught.value.problem_mark.line + 1 == line


def bomb(levels: int, width: int = 9) -> str:
    """The "billion laughs": each level an alias list of the one before."""
    lines = [f"a0: &a0 [{', '.join(['x'] * width)}]"]
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return "\n".join(lines) + f"\nentities: *a{levels}\n"


def test_an_alias_bomb_is_refused_quickly_with_its_line() -> None:
    import time

    text = bomb(9)
    assert len(text) < 1_000
    started = time.perf_counter()
    with pytest.raises(yaml.YAMLError, match="aliases expand the document") as error:
        read_yaml(text)
    assert time.perf_counter() - started < 1
    mark = getattr(error.value, "problem_mark", None)
    assert mark is not None and 1 <= mark.line + 1 <= 10


def test_aliases_used_as_yaml_intends_are_read() -> None:
    text = "base: &b {country: CN, kind: company}\n" + "".join(
        f"e{k}: {{<<: *b, id: e{k}}}\n" for k in range(2_000)
    )
    value, _ = read_yaml(text)
    assert value["e1999"] == {"country": "CN", "kind": "company", "id": "e1999"}


def test_a_bomb_through_the_command_line_is_one_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from ownership.cli import app

    path = tmp_path / "bomb.yaml"
    path.write_text(bomb(9))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "aliases expand the document" in result.stderr
    assert len(result.stderr) < 600
