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
