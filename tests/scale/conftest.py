"""A generated 10k dataset (dated holdings, rings, ranges) the scale engines' tests share."""

from __future__ import annotations

import pytest


def generator():
    """``benchmarks/generate.py`` as a module."""
    import sys
    from pathlib import Path

    benchmarks = Path(__file__).resolve().parents[2] / "benchmarks"
    sys.path.insert(0, str(benchmarks))
    try:
        import generate
    finally:
        sys.path.remove(str(benchmarks))
    return generate


@pytest.fixture(scope="session")
def generated_folder_10k(tmp_path_factory):
    """The CSV folder of the generated 10k dataset."""
    generate, write_folder = generator().generate, generator().write_folder
    out = tmp_path_factory.mktemp("scale") / "10k"
    write_folder(generate(10_000, seed=5, dated_holdings=0.2), out, quiet=True)
    return out


@pytest.fixture(scope="session")
def generated_dataset_10k(generated_folder_10k):
    import ownership

    return ownership.load(generated_folder_10k)
