"""ownership: find the unlisted affiliates of listed companies, and whether a rule catches them.

>>> import ownership
>>> ds = ownership.load(ownership.bundled_dataset())
>>> len(ds.entities) > 10
True
"""

from __future__ import annotations

from pathlib import Path

from .analysis import Analysis, Verdict, analyze
from .errors import AmbiguousName, DataError, EntityNotFound, OwnershipError, Problem
from .graph import OwnershipGraph, Reach
from .io import export, import_sources, load, save
from .model import Arrangement, Dataset, Entity, Holding, Listing, Source

__all__ = [
    "AmbiguousName",
    "Analysis",
    "Arrangement",
    "DataError",
    "Dataset",
    "Entity",
    "EntityNotFound",
    "Holding",
    "Listing",
    "OwnershipError",
    "OwnershipGraph",
    "Problem",
    "Reach",
    "Source",
    "Verdict",
    "analyze",
    "bundled_dataset",
    "export",
    "import_sources",
    "load",
    "save",
]

__version__ = "0.1.0"


def bundled_dataset(name: str = "inspur") -> Path:
    """Path of a dataset shipped with the package (``inspur``: the Inspur case).

    Installed packages carry it in ``ownership/data``; a source checkout reads it from
    ``fixtures/``.
    """
    packaged = Path(__file__).parent / "data" / f"{name}.yaml"
    if packaged.exists():
        return packaged
    return Path(__file__).parent.parent / "fixtures" / f"{name}.yaml"
