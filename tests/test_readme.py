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


def test_every_dotted_name_the_docs_give_exists() -> None:
    """A name such as `ownership.verdict.VERDICT_FIELDS` in the README or docs is a claim
    that a reader can import it."""
    import importlib

    texts = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    names = {
        name
        for path in texts
        for name in re.findall(r"`(ownership(?:\.\w+)+)", path.read_text(encoding="utf-8"))
    }
    assert "ownership.verdict.VERDICT_FIELDS" in names
    for name in sorted(names):
        parts = name.split(".")
        for cut in range(len(parts), 0, -1):
            try:
                found: Any = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            for attribute in parts[cut:]:
                assert hasattr(found, attribute), name
                found = getattr(found, attribute)
            break
