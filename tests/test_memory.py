"""Memory handed back between a large command's phases, and the allocator it uses."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys

import pytest

from ownership.memory import return_freed_memory

_FREED_BACK = """
import numpy as np
from ownership.memory import return_freed_memory

def resident_mib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) >> 10

kept, dropped = [], []
for i in range(3000):  # 64 KiB arrays come from the heap, one kept in fifty
    (kept if i % 50 == 0 else dropped).append(np.ones(8192))
del dropped
before = resident_mib()
return_freed_memory()
print(before, resident_mib())
"""


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or not hasattr(ctypes.CDLL(None), "malloc_trim"),
    reason="the C library has no malloc_trim",
)
def test_freed_heap_memory_goes_back_to_the_system() -> None:
    """Arrays freed between arrays still alive stay in the heap until trimmed."""
    done = subprocess.run(
        [sys.executable, "-c", _FREED_BACK], capture_output=True, text=True, check=True
    )
    before, after = map(int, done.stdout.split())
    assert before - after > 100  # of the 184 MiB dropped


def test_returning_memory_works_without_pyarrow_loaded() -> None:
    probe = (
        "import sys; from ownership.memory import return_freed_memory; "
        "return_freed_memory(); print('pyarrow' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
    return_freed_memory()  # and with it loaded, as in this process


#: Probes of what the command line sets before numpy and pyarrow load: numpy's switch
#: for 2 MB pages (its setter returns the request it replaces) and Arrow's default pool.
_SWITCHES = {
    "NUMPY_MADVISE_HUGEPAGE": (
        "import ownership.cli, numpy as np; "
        "print(bool(np._core.multiarray._set_madvise_hugepage(True)))"
    ),
    "ARROW_DEFAULT_MEMORY_POOL": (
        "import ownership.cli, pyarrow as pa; print(pa.default_memory_pool().backend_name)"
    ),
}


@pytest.mark.parametrize(
    ("variable", "setting", "found"),
    [
        ("NUMPY_MADVISE_HUGEPAGE", None, "False"),
        ("NUMPY_MADVISE_HUGEPAGE", "1", "True"),
        ("ARROW_DEFAULT_MEMORY_POOL", None, "system"),
        ("ARROW_DEFAULT_MEMORY_POOL", "mimalloc", "mimalloc"),
    ],
)
def test_the_command_sets_the_memory_switches_unless_the_user_has(
    variable: str, setting: str | None, found: str
) -> None:
    """Small pages for numpy and the C library's malloc for Arrow, set by the command line
    before either library loads; a value the user gives wins."""
    env = {k: v for k, v in os.environ.items() if k != variable}
    if setting is not None:
        env[variable] = setting
    done = subprocess.run(
        [sys.executable, "-c", _SWITCHES[variable]],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert done.stdout.strip() == found


def test_analyze_hands_memory_back_after_the_load_and_after_the_analysis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before the analysis makes its arrays and before the writer makes its columns."""
    from typer.testing import CliRunner

    from ownership import memory
    from ownership.cli import app

    events: list[str] = []
    monkeypatch.setattr(memory, "return_freed_memory", lambda: events.append("returned"))
    from ownership import facade

    analyze = facade.analyze

    def analyzed(*args: object, **kwargs: object) -> object:
        events.append("analysis")
        return analyze(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(facade, "analyze", analyzed)
    result = CliRunner().invoke(
        app, ["--no-cache", "analyze", "--as-of", "2023-06-01", "--format", "jsonl"]
    )
    assert result.exit_code == 0, result.stderr
    assert events == ["returned", "analysis", "returned"]
    assert result.stdout.count("\n") == 18  # a line per bundled entity
