"""Start-up: the command line's help and the package import load none of the heavy
libraries; each comes in with the first command that needs it."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("numpy", "pyarrow", "pydantic", "scipy", "networkx", "matplotlib", "pyvis", "yaml")


@pytest.mark.parametrize("module", ["ownership", "ownership.cli"])
def test_importing_loads_no_heavy_library(module: str) -> None:
    code = f"import sys, {module}; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == []


def test_the_records_are_still_the_package_s_names() -> None:
    import ownership
    from ownership.model import Dataset, Entity

    assert ownership.Dataset is Dataset and ownership.Entity is Entity
    assert {"Arrangement", "Dataset", "Entity", "Holding", "Listing", "Source"} <= set(
        ownership.__all__
    )


def test_help_runs_without_loading_them() -> None:
    code = (
        "import sys\n"
        "from ownership.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print('LOADED', ' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Usage" in done.stdout
    assert done.stdout.rsplit("LOADED", 1)[1].split() == []
