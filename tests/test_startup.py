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


def _after_command(args: list[str]) -> subprocess.CompletedProcess[str]:
    """Run ``ownership ARGS`` through the console entry point in a fresh interpreter and
    print, after its output, which of pandas and networkx it loaded."""
    code = (
        "import sys\n"
        "from ownership.cli import main\n"
        f"sys.argv = ['ownership', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('LOADED', ' '.join(m for m in ('pandas', 'networkx') if m in sys.modules))"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)


def test_a_query_loads_neither_pandas_nor_networkx() -> None:
    """pandas (no dependency, imported by pyarrow only to recognise pandas values) and the
    graph library cost about 0.8 s of a small query's start; the check for rings and the
    query need neither."""
    pytest.importorskip("pandas")  # the finding only matters where pandas is installed
    done = _after_command(["affiliates", "Inspur Group", "--format", "json"])
    assert '"inspur-group"' in done.stdout
    assert done.stdout.rsplit("LOADED", 1)[1].split() == []


def test_the_command_line_runs_as_where_pandas_is_not_installed() -> None:
    pytest.importorskip("pandas")
    code = (
        "import sys\n"
        "from ownership.cli import main\n"
        "sys.argv = ['ownership', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "try:\n    import pandas\nexcept ModuleNotFoundError as error:\n    print('REFUSED', error)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "REFUSED No module named 'pandas'" in done.stdout
