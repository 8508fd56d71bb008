"""ownership: find the unlisted affiliates of listed companies, and whether a rule catches them.

>>> import ownership
>>> ds = ownership.load(ownership.bundled_dataset())
>>> len(ds.entities) > 10
True
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import AmbiguousName, DataError, EntityNotFound, OwnershipError, Problem

if TYPE_CHECKING:
    from .analysis import Verdict
    from .facade import Analysis, analyze
    from .graph import OwnershipGraph, Reach
    from .io import export, import_sources, load, save
    from .model import Arrangement, Dataset, Entity, Holding, Listing, Source
    from .status_changes import changes

#: Names imported when first used: the engine needs numpy and scipy, and the records
#: pydantic, which the command line's help, and a process that sets numpy up first,
#: should not pay for at import.
_LATER = {
    **dict.fromkeys(["Arrangement", "Dataset", "Entity", "Holding", "Listing", "Source"], ".model"),
    "Verdict": ".analysis",
    "changes": ".status_changes",
    "Analysis": ".facade",
    "analyze": ".facade",
    "OwnershipGraph": ".graph",
    "Reach": ".graph",
    "export": ".io",
    "import_sources": ".io",
    "load": ".io",
    "save": ".io",
}


def __getattr__(name: str) -> Any:
    if name not in _LATER:
        raise AttributeError(f"module 'ownership' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LATER[name], __name__), name)
    globals()[name] = value
    return value


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
    "changes",
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
