"""Paths of the test data: our own fixtures, and the shared real-data samples.

The real samples (CSL, OFAC, BODS, GLEIF excerpts) live in the shared data folder
beside the repository; tests that need them are skipped where it is absent. Set
``OWNERSHIP_SAMPLES`` to point elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data" / "io"
#: Real third-party files committed with the tests (see its README for their origin).
REAL = DATA.parent / "real"
_DEFAULT_SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "samples"
SAMPLES = Path(os.environ.get("OWNERSHIP_SAMPLES", _DEFAULT_SAMPLES))


def shared_real(name: str) -> Path:
    """A real third-party file of the shared data folder (``real/``); skips when absent."""
    return sample("..", "real", name)


def sample(*parts: str) -> Path:
    """The path of a shared real-data sample; skips the test when samples are absent."""
    path = SAMPLES.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real-data sample {path} not available")
    return path


@pytest.fixture
def data() -> Path:
    return DATA
