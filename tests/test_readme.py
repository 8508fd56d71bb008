"""The README's Python example runs as written, and says what it prints."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def python_api_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Python API", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the README's Python API section has no python block"
    return match.group(1)


def test_the_python_api_example_runs_and_prints_what_its_comments_say(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    code = python_api_block()
    names: dict[str, Any] = {}
    exec(compile(code, "README.md", "exec"), names)
    assert repr(names["res"].status("aivres-systems")) == "<Status.exposed: 'exposed'>"
    lower = names["ownership"].analyze(names["ds"], rule=names["lower"], as_of="2025-10-01")
    header = lower.header()
    assert header.startswith("Rule ofac-50, threshold changed to >= 40% ")
