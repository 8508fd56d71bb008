"""Readers and writers at the edge of the package.

``load`` reads any supported input - native YAML/JSON files and CSV folders, the US
Consolidated Screening List, OFAC SDN files, FollowTheMoney entities, BODS statements,
GLEIF files - detecting the format from the content, and merges several into one
checked :class:`~ownership.model.Dataset`. It merges records by id only;
``import_sources`` also links list entries to ownership entities and reports what it
did. ``save`` writes the native format, ``export`` graph formats (GraphML, GEXF,
Cytoscape JSON, FollowTheMoney).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import settings
from ..errors import Problem, UsageError
from ..model import Dataset
from ..settings import FROM_ENVIRONMENT, FromEnvironment
from .native_format import dataset_json_schema, write_csv_folder, write_json, write_yaml

if TYPE_CHECKING:
    from ..analysis import Analysis
    from .imports import ImportReport
    from .link import SameAs

__all__ = ["dataset_json_schema", "detect_format", "export", "import_sources", "load", "save"]


def load(
    *paths: str | Path,
    progress: Callable[[int, int], None] | None = None,
    allow_conflicts: bool = False,
    warnings: list[Problem] | None = None,
    cache_dir: Path | FromEnvironment | None = FROM_ENVIRONMENT,
) -> Dataset:
    """Load and merge datasets of any supported format; raise DataError on any problem.

    Native inputs alone are read exactly as before; as soon as one input is in another
    format, every input goes through :func:`import_sources` without linking (records
    meet by id only). Stakes that cannot all be true are loaded from imported formats
    (and analysed as a conflict), but refused in native files unless ``allow_conflicts``;
    ``warnings``, when given, receives them (and closed rings) with their files and
    records. ``progress(done, total)`` follows the reading of CSV folders. Large native
    inputs are kept in the cache at ``cache_dir`` (None: no cache; by default where the
    environment says, :func:`ownership.settings.cache_dir`).
    """
    if not paths:
        raise UsageError("give at least one path")
    from .detect import detect_format

    if all(_is_native(p, detect_format) for p in paths):
        from .loading import load_native

        return load_native(
            list(paths),
            progress=progress,
            allow_conflicts=allow_conflicts,
            warnings=warnings,
            cache_dir=settings.cache_dir() if isinstance(cache_dir, FromEnvironment) else cache_dir,
        )
    from .imports import import_sources as run

    dataset, report = run(list(paths), link=False, allow_conflicts=allow_conflicts)
    if warnings is not None:
        warnings += report.warnings
    return dataset


def _is_native(path: str | Path, detect: Any) -> bool:
    file = Path(path)
    if file.suffix.casefold() in (".yaml", ".yml") or not file.exists():
        return True  # the native reader reports a missing file with its usual message
    from ..errors import DataError

    try:
        return bool(detect(file) == "native")
    except DataError:
        if file.is_dir() or file.suffix.casefold() == ".json":
            return True  # the native reader explains a broken JSON file or folder best
        raise


def import_sources(
    paths: Sequence[str | Path],
    *,
    same_as: str | Path | SameAs | None = None,
    link: bool = True,
    allow_conflicts: bool = False,
) -> tuple[Dataset, ImportReport]:
    """Read, merge and link inputs of any supported format; see :mod:`ownership.io.imports`."""
    from .imports import import_sources as run

    return run(paths, same_as=same_as, link=link, allow_conflicts=allow_conflicts)


def detect_format(path: str | Path) -> str:
    """The format of an input file or folder: native, csl, ofac, ftm, bods or gleif."""
    from .detect import detect_format as detect

    return detect(path)


def export(
    dataset: Dataset,
    path: str | Path,
    fmt: str | None = None,
    analysis: Analysis | None = None,
) -> Path:
    """Write a graph format chosen by ``fmt`` or the suffix; see :mod:`ownership.io.exporters`."""
    from .exporters import export as run

    return run(dataset, path, fmt=fmt, analysis=analysis)


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
        raise UsageError(f"cannot write {suffix!r}; use .yaml, .json or a folder name")
    return out
