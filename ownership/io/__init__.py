"""Readers and writers at the edge of the package.

``load`` reads any supported input (native YAML/JSON files, CSV folders) and merges
several into one checked :class:`~ownership.model.Dataset`; ``save`` writes the native
format chosen by the path's suffix.
"""

from __future__ import annotations

from pathlib import Path

from ..model import Dataset
from .native import (
    dataset_json_schema,
    load_native,
    write_csv_folder,
    write_json,
    write_yaml,
)

__all__ = ["dataset_json_schema", "load", "save"]


def load(*paths: str | Path) -> Dataset:
    """Load and merge datasets; raise :class:`~ownership.errors.DataError` on any problem."""
    if not paths:
        raise ValueError("give at least one path")
    return load_native(list(paths))


def save(dataset: Dataset, path: str | Path) -> Path:
    """Write ``dataset`` as YAML, JSON, or a CSV folder (a path with no suffix)."""
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix in (".yaml", ".yml"):
        out.parent.mkdir(parents=True, exist_ok=True)
        write_yaml(dataset, out)
    elif suffix == ".json":
        out.parent.mkdir(parents=True, exist_ok=True)
        write_json(dataset, out)
    elif suffix == "":
        write_csv_folder(dataset, out)
    else:
        raise ValueError(f"cannot write {suffix!r}; use .yaml, .json or a folder name")
    return out
