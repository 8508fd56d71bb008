"""Every test keeps the dataset cache in its own temporary directory, never the user's."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("OWNERSHIP_CACHE_DIR", str(folder))
    monkeypatch.delenv("OWNERSHIP_CACHE", raising=False)
    return folder


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--fuzz-cases N`` and ``--fuzz-seed S`` size the fuzzing run of tests/test_fuzz.py."""
    group = parser.getgroup("fuzzing")
    group.addoption(
        "--fuzz-cases",
        type=int,
        default=300,
        help="cases the fuzzing test runs (default 300; python -m tests.fuzzing for more)",
    )
    group.addoption("--fuzz-seed", type=int, default=0, help="seed of the fuzzing plan")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fuzz: the seeded fuzzing run of the command line (deselect with -m 'not fuzz')"
    )
