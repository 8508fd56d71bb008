"""The native dataset format: one YAML or JSON file, or a folder of CSV files.

Reading is all or nothing: every problem in every file is collected and raised together
as one :class:`~ownership.errors.DataError`, each naming the file, the record (line for
YAML and CSV, index and id for JSON) and the field. Percentages are read from their
literal text, never through a binary float.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, ValidationError

from ..checks import Conflict, check_dataset, data_quality, stake_conflicts
from ..derived import derived
from ..errors import DataError, Problem, shown
from ..model import Dataset
from .native_format import CSV_COLUMNS, CSV_FILES, SECTIONS, record_from_row
from .problems import Location, problem_from_pydantic
from .textfile import JsonDecoder, decode_text
from .yamldoc import Mark, read_yaml

if TYPE_CHECKING:
    from .cache import DocumentCache

__all__ = [
    "csv_bytes",
    "read_csv_folder",
    "read_native",
    "read_native_file",
]


@dataclass
class _Loaded:
    """Validated records of one or more files, each with its location."""

    records: dict[str, list[BaseModel]] = field(default_factory=lambda: {s: [] for s in SECTIONS})
    locations: dict[str, list[Location]] = field(default_factory=lambda: {s: [] for s in SECTIONS})
    problems: list[Problem] = field(default_factory=list)
    #: ids of records that failed validation, so references to them are not reported twice
    failed_ids: set[str] = field(default_factory=set)
    #: records that failed validation, still checked for references to unknown entities
    failed_records: list[tuple[str, dict[str, Any], Location]] = field(default_factory=list)


# --------------------------------------------------------------------------- reading


#: libyaml's emitter when PyYAML was built with it (several times faster on a large file),
#: else PyYAML's own: both write the same text.


def _mapping_item(mark: Mark | None, key: str) -> Mark | None:
    return mark.get(key) if mark is not None else None


def _field_lines(mark: Mark | None) -> dict[str, int]:
    return dict(mark.keys) if mark is not None else {}


def read_native_file(path: str | Path) -> Dataset:
    """Read one YAML or JSON dataset file, checking it fully."""
    return read_native([path])


#: Report progress every this many CSV rows (a callback per row would cost more than it tells).
PROGRESS_EVERY_ROWS = 20_000


def csv_bytes(folder: Path) -> int:
    """Bytes of a dataset folder's CSV files: what progress counts, and what picks the
    reader (:data:`ownership.io.columnar.COLUMNAR_FROM_BYTES`)."""
    return sum(
        (folder / name).stat().st_size for name in CSV_FILES.values() if (folder / name).exists()
    )


#: How a refused conflict tells the way to load it anyway.
ALLOW_CONFLICTS_HINT = (
    "; to load them and analyse them as conflicting data, give --allow-conflicts "
    "(allow_conflicts=True)"
)


def read_native(
    paths: Sequence[str | Path],
    *,
    progress: Callable[[int, int], None] | None = None,
    allow_conflicts: bool = False,
    warnings: list[Problem] | None = None,
    documents: Callable[[bytes], DocumentCache | None] | None = None,
) -> Dataset:
    """Read and merge native files and CSV folders, checking every record; raise
    DataError listing every problem.

    Records that appear identically in several files (a shared entity, say) are kept once;
    differing records under one id are reported as duplicates. Stakes that cannot all be
    true are errors in a hand-written file, unless ``allow_conflicts``: then they load and
    the analysis reads them as a conflict. ``warnings``, when given, receives the
    data-quality findings (:func:`ownership.checks.data_quality`) with their files and
    lines. ``progress(done, total)`` is called with bytes of CSV read, for progress bars
    on large folders. ``documents(content)`` gives the cache entry of a large YAML or
    JSON file's content, if any (:func:`ownership.io.cache.document_cache`).

    This reader reads; :func:`ownership.io.loading.load_native` chooses it, the columnar
    reader or the cache, and reads a folder again when it changed meanwhile.
    """
    loaded = _Loaded()
    folders = [Path(p) for p in paths if Path(p).is_dir()]
    meter = _Meter(progress, sum(csv_bytes(folder) for folder in folders))
    for raw_path in paths:
        path = Path(raw_path)
        if path.is_dir():
            _read_csv_folder_into(path, loaded, meter)
        else:
            _read_document_into(path, loaded, documents)
    meter.done()
    return _finish(loaded, allow_conflicts=allow_conflicts, warnings=warnings)


class _Meter:
    """Bytes read so far across CSV files, reported to an optional callback."""

    def __init__(self, callback: Callable[[int, int], None] | None, total: int) -> None:
        self.callback = callback
        self.total = total
        self.finished = 0  # bytes of files already read completely

    def report(self, position: int) -> None:
        if self.callback is not None:
            self.callback(min(self.finished + position, self.total), self.total)

    def file_done(self, size: int) -> None:
        self.finished += size
        self.report(0)

    def done(self) -> None:
        if self.callback is not None:
            self.callback(self.total, self.total)


def read_csv_folder(path: str | Path) -> Dataset:
    """Read a folder holding ``entities.csv``, ``holdings.csv``, ``listings.csv`` (...)."""
    return read_native([path])


def _read_document_into(
    path: Path,
    loaded: _Loaded,
    documents: Callable[[bytes], DocumentCache | None] | None = None,
) -> None:
    """Read one YAML or JSON file into ``loaded``; a large one's checked records are
    taken from ``documents`` when its content was read before."""
    name = str(path)
    if not path.exists():
        loaded.problems.append(Problem("file not found; check the path", file=name))
        return
    try:
        content = path.read_bytes()
        text = decode_text(content)
    except OSError as exc:
        loaded.problems.append(Problem(f"cannot read: {exc.strerror}", file=name))
        return
    except ValueError as exc:
        loaded.problems.append(Problem(str(exc), file=name))
        return
    native_suffix = path.suffix.lower() in (".yaml", ".yml", ".json")
    entry = documents(content) if documents is not None and native_suffix else None
    stored = entry.load(SECTIONS) if entry is not None else None
    if stored is not None:
        records, places = stored
        for section in SECTIONS:
            loaded.records[section] += records[section]
            loaded.locations[section] += [
                Location(file=name, index=i, line=line, field_lines=lines, record_id=rid)
                for i, line, lines, rid in places[section]
            ]
        return
    part = _Loaded()
    _parse_document_into(path, text, part)
    loaded.problems += part.problems
    loaded.failed_ids |= part.failed_ids
    loaded.failed_records += part.failed_records
    for section in SECTIONS:
        loaded.records[section] += part.records[section]
        loaded.locations[section] += part.locations[section]
    if entry is not None and not part.problems:
        places = {
            section: [
                [x.index, x.line, x.field_lines, x.record_id] for x in part.locations[section]
            ]
            for section in SECTIONS
        }
        entry.save(path, part.records, places)


def _parse_document_into(path: Path, text: str, loaded: _Loaded) -> None:
    name = str(path)
    suffix = path.suffix.lower()
    root: Mark | None = None
    try:
        if suffix == ".json":
            data = JsonDecoder(parse_float=Decimal).decode(text)
        elif suffix in (".yaml", ".yml"):
            data, root = read_yaml(text)
        else:
            loaded.problems.append(
                Problem(
                    f"unknown file type {suffix or '(none)'!r}; native datasets are .yaml, "
                    ".yml or .json files, or a folder of CSV files",
                    file=name,
                )
            )
            return
    except json.JSONDecodeError as exc:
        loaded.problems.append(
            Problem(f"not valid JSON: {exc.msg} (column {exc.colno})", file=name, line=exc.lineno)
        )
        return
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        loaded.problems.append(
            Problem(
                f"not valid YAML: {exc.problem}",
                file=name,
                line=mark.line + 1 if mark else None,
            )
        )
        return
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        character = chr(exc.character) if isinstance(exc.character, int) else exc.character
        loaded.problems.append(
            Problem(
                f"not valid YAML: character {character!r} is not allowed in YAML text; "
                "remove it or quote the value with an escape",
                file=name,
                line=text.count("\n", 0, exc.position) + 1,
            )
        )
        return
    if data is None:
        data = {}
    if not isinstance(data, dict):
        loaded.problems.append(
            Problem(
                "the top level must be a mapping with sections "
                + ", ".join(SECTIONS)
                + f"; found a {type(data).__name__}",
                file=name,
                line=1,
            )
        )
        return
    for key in data:
        if key not in SECTIONS:
            line = _field_lines(root).get(str(key))
            loaded.problems.append(
                Problem(
                    f"unknown section {key!r}; expected one of: {', '.join(SECTIONS)}",
                    file=name,
                    line=line,
                )
            )
    for section, model in SECTIONS.items():
        items = data.get(section) or []
        section_mark = _mapping_item(root, section)
        if not isinstance(items, list):
            loaded.problems.append(
                Problem(
                    f"section must be a list of records; found a {type(items).__name__}",
                    file=name,
                    line=_field_lines(root).get(section),
                    section=section,
                )
            )
            continue
        item_marks = section_mark.items if section_mark is not None else []
        for index, item in enumerate(items):
            mark = item_marks[index] if index < len(item_marks) else None
            location = Location(
                file=name,
                index=index,
                line=mark.line if mark is not None else None,
                field_lines=_field_lines(mark),
            )
            _validate_into(loaded, section, model, item, location)


def _validate_into(
    loaded: _Loaded, section: str, model: type[BaseModel], item: Any, location: Location
) -> None:
    if isinstance(item, dict):
        location.record_id = _record_id(section, item)
    if not isinstance(item, dict):
        loaded.problems.append(
            Problem(
                f"a record must be a mapping of fields; found {shown(item)}",
                file=location.file,
                line=location.line,
                section=section,
                index=location.index,
            )
        )
        return
    try:
        record = model.model_validate(item)
    except ValidationError as exc:
        if section == "entities" and item.get("id") is not None:
            loaded.failed_ids.add(str(item["id"]))
        loaded.failed_records.append((section, item, location))
        for error in exc.errors():
            loaded.problems.append(problem_from_pydantic(error, section, model, location))
        return
    loaded.records[section].append(record)
    loaded.locations[section].append(location)


def _record_id(section: str, item: dict[str, Any]) -> str | None:
    if section == "holdings":
        return f"{item.get('owner')} -> {item.get('owned')}"
    if section == "listings":
        return f"{item.get('entity')} on {item.get('list')}"
    if section == "arrangements":
        return str(item.get("id") or f"arrangement on {item.get('target')}")
    value = item.get("id")
    return str(value) if value is not None else None


def _read_csv_folder_into(folder: Path, loaded: _Loaded, meter: _Meter | None = None) -> None:
    present = [s for s, f in CSV_FILES.items() if (folder / f).exists()]
    if "entities" not in present:
        loaded.problems.append(
            Problem(
                "a CSV dataset folder needs entities.csv (and usually holdings.csv and "
                "listings.csv); none found",
                file=str(folder),
            )
        )
        return
    for section in present:
        path = folder / CSV_FILES[section]
        name = str(path)
        try:
            handle = io.StringIO(decode_text(path.read_bytes()), newline="")
        except OSError as exc:
            loaded.problems.append(Problem(f"cannot open: {exc.strerror}", file=name))
            continue
        except ValueError as exc:
            loaded.problems.append(Problem(str(exc), file=name))
            continue
        with handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            unknown = [c for c in header if c not in CSV_COLUMNS[section]]
            if unknown:
                loaded.problems.append(
                    Problem(
                        f"unknown column(s) {', '.join(map(repr, unknown))}; expected columns: "
                        + ", ".join(CSV_COLUMNS[section]),
                        file=name,
                        line=1,
                    )
                )
                continue
            for index, row in enumerate(reader):
                if meter is not None and index % PROGRESS_EVERY_ROWS == 0:
                    meter.report(_byte_position(handle))
                line = reader.line_num
                location = Location(file=name, index=index, line=line)
                try:
                    item = record_from_row(row)
                except ValueError as exc:
                    loaded.problems.append(
                        Problem(str(exc), file=name, line=line, section=section, index=index)
                    )
                    continue
                _validate_into(loaded, section, SECTIONS[section], item, location)
        if meter is not None:
            meter.file_done(path.stat().st_size)


def _byte_position(handle: Any) -> int:
    """Roughly the bytes read so far from a CSV being iterated: a file's own tell() is
    disabled then, its buffer's is not; text in memory counts characters."""
    buffer = getattr(handle, "buffer", None)
    return int(buffer.tell()) if buffer is not None else int(handle.tell())


def _finish(
    loaded: _Loaded, *, allow_conflicts: bool = False, warnings: list[Problem] | None = None
) -> Dataset:
    _collapse_identical(loaded)
    dataset = Dataset.of(**loaded.records)  # type: ignore[arg-type]  # validated
    problems = list(loaded.problems)
    for problem in check_dataset(dataset):
        if problem.value is not None and problem.value in loaded.failed_ids:
            continue  # the referenced record is already reported as broken
        problems.append(_locate(problem, loaded.locations))
    if not allow_conflicts:
        # refused when hand-written; stakes that cite an imported source were loaded
        # from data that said so, and an import reported them
        imported = {s.id for s in dataset.sources if s.format}
        holdings = dataset.holdings

        def hand_written(conflict: Conflict) -> bool:
            return not any(imported.intersection(holdings[k].sources) for k in conflict.rows)

        places = loaded.locations["holdings"]
        for problem in stake_conflicts(holdings, lambda k: _place(places[k]), hand_written):
            message = problem.message + ALLOW_CONFLICTS_HINT
            problems.append(_locate(replace(problem, message=message), loaded.locations))
    if warnings is not None and not problems:
        places = loaded.locations["holdings"]
        found = data_quality(dataset, lambda k: _place(places[k]))
        warnings += [_locate(problem, loaded.locations) for problem in found]
    problems += _references_of_broken_records(loaded, {e.id for e in dataset.entities})
    if problems:
        raise DataError(problems)
    derived(dataset).checked = True
    return dataset


def _place(location: Location) -> str:
    """A record as its file knows it: ``file:line``, or the file and the record's index."""
    name = Path(location.file).name
    return f"{name}:{location.line}" if location.line else f"{name} #{location.index}"


_REFERENCE_FIELDS = {
    "holdings": ("owner", "owned"),
    "listings": ("entity",),
    "arrangements": ("members", "target"),
}


def _references_of_broken_records(loaded: _Loaded, entity_ids: set[str]) -> list[Problem]:
    """Unknown entity ids in records that failed validation, so every mistake shows at once."""
    known = entity_ids | loaded.failed_ids
    problems = []
    for section, item, location in loaded.failed_records:
        for field_name in _REFERENCE_FIELDS.get(section, ()):
            values = item.get(field_name)
            for value in values if isinstance(values, list) else [values]:
                if isinstance(value, str) and value and value not in known:
                    problems.append(
                        Problem(
                            f"unknown entity {shown(value)}; add it to entities or fix the id",
                            file=location.file,
                            line=location.field_lines.get(field_name, location.line),
                            section=section,
                            index=location.index,
                            record_id=location.record_id,
                            field=field_name,
                            value=value,
                        )
                    )
    return problems


def _collapse_identical(loaded: _Loaded) -> None:
    """Keep one copy of entities and sources repeated verbatim across files."""
    for section in ("entities", "sources"):
        seen: dict[str, BaseModel] = {}
        kept, kept_locations = [], []
        for record, location in zip(
            loaded.records[section], loaded.locations[section], strict=True
        ):
            rid = record.id  # type: ignore[attr-defined]
            previous = seen.get(rid)
            if previous is not None and previous == record:
                continue
            seen.setdefault(rid, record)
            kept.append(record)
            kept_locations.append(location)
        loaded.records[section] = kept
        loaded.locations[section] = kept_locations


def _locate(problem: Problem, locations: dict[str, list[Location]]) -> Problem:
    if problem.section is None or problem.index is None:
        return problem
    location = locations[problem.section][problem.index]
    line = location.line
    if problem.field and problem.field in location.field_lines:
        line = location.field_lines[problem.field]
    return Problem(
        problem.message,
        file=location.file,
        line=line,
        section=problem.section,
        index=location.index,
        record_id=problem.record_id,
        field=problem.field,
        value=problem.value,
    )


# --------------------------------------------------------------------------- writing
