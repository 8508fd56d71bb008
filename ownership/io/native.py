"""The native dataset format: one YAML or JSON file, or a folder of CSV files.

Reading is all or nothing: every problem in every file is collected and raised together
as one :class:`~ownership.errors.DataError`, each naming the file, the record (line for
YAML and CSV, index and id for JSON) and the field. Percentages are read from their
literal text, never through a binary float.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..checks import Conflict, check_dataset, data_quality, stake_conflicts
from ..errors import DataError, Problem, shown
from ..model import Arrangement, Dataset, Entity, Holding, Listing, Source
from . import columnar
from .cells import restored, reversible
from .jsontext import encode_exact
from .textfile import JsonDecoder, decode_text
from .yamldoc import Mark, read_yaml

__all__ = [
    "SECTIONS",
    "csv_bytes",
    "dataset_json_schema",
    "load_native",
    "read_csv_folder",
    "read_native_file",
    "write_csv_folder",
    "write_json",
    "write_yaml",
]

SECTIONS: dict[str, type[BaseModel]] = {
    "entities": Entity,
    "holdings": Holding,
    "listings": Listing,
    "arrangements": Arrangement,
    "sources": Source,
}

CSV_FILES = {section: f"{section}.csv" for section in SECTIONS}

#: CSV columns per section, in the order written. Lists are ``;``-separated; the parts of
#: one structured item are ``|``-separated (``former_names``: ``name|until``;
#: ``identifiers``: ``scheme|value``; ``addresses``: ``address|country|start|end``). A cell
#: that starts with ``[`` is read as JSON, for values that contain ``;`` or ``|``.
CSV_COLUMNS: dict[str, list[str]] = {
    "entities": [
        "id", "name", "kind", "country", "aliases", "former_names",
        "identifiers", "addresses", "sources", "note",
    ],
    "holdings": [
        "owner", "owned", "kind", "percent", "minimum", "exclusiveMinimum",
        "maximum", "exclusiveMaximum", "start", "end", "sources", "note",
    ],
    "listings": ["entity", "list", "program", "start", "end", "citation", "sources", "note"],
    "arrangements": ["id", "kind", "members", "target", "start", "end", "sources", "note"],
    "sources": ["id", "title", "publisher", "date", "url", "format", "note"],
}  # fmt: skip

_LIST_CELLS = {"aliases", "sources", "members"}
_STRUCTURED_CELLS: dict[str, list[str]] = {
    "former_names": ["name", "until"],
    "identifiers": ["scheme", "value"],
    "addresses": ["address", "country", "start", "end"],
}


@dataclass
class Location:
    """Where one record came from: file, line (when the format has lines), index in file."""

    file: str
    index: int
    line: int | None = None
    field_lines: dict[str, int] = field(default_factory=dict)
    record_id: str | None = None


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
_SafeDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _mapping_item(mark: Mark | None, key: str) -> Mark | None:
    return mark.get(key) if mark is not None else None


def _field_lines(mark: Mark | None) -> dict[str, int]:
    return dict(mark.keys) if mark is not None else {}


def read_native_file(path: str | Path) -> Dataset:
    """Read one YAML or JSON dataset file, checking it fully."""
    return load_native([path])


#: Report progress every this many CSV rows (a callback per row would cost more than it tells).
PROGRESS_EVERY_ROWS = 20_000


def csv_bytes(folder: Path) -> int:
    """Bytes of a dataset folder's CSV files: what progress counts, and what picks the
    reader (:data:`columnar.COLUMNAR_FROM_BYTES`)."""
    return sum(
        (folder / name).stat().st_size for name in CSV_FILES.values() if (folder / name).exists()
    )


#: How a refused conflict tells the way to load it anyway.
ALLOW_CONFLICTS_HINT = (
    "; to load them and analyse them as conflicting data, give --allow-conflicts "
    "(allow_conflicts=True)"
)


def load_native(
    paths: Sequence[str | Path],
    *,
    progress: Callable[[int, int], None] | None = None,
    allow_conflicts: bool = False,
    warnings: list[Problem] | None = None,
) -> Dataset:
    """Read and merge native files and CSV folders; raise DataError listing every problem.

    Records that appear identically in several files (a shared entity, say) are kept once;
    differing records under one id are reported as duplicates. Stakes that cannot all be
    true are errors in a hand-written file, unless ``allow_conflicts``: then they load and
    the analysis reads them as a conflict. ``warnings``, when given, receives the
    data-quality findings (:func:`ownership.checks.data_quality`) with their files and
    lines. ``progress(done, total)`` is called with bytes of CSV read, for progress bars
    on large folders.

    A folder whose files change while they are read is read again, once; a second
    change is an error: an answer from files half old and half new is never given.
    """
    from .cache import fingerprint_difference, folder_fingerprint

    folders = [Path(p) for p in paths if Path(p).is_dir()]
    change = ""
    for _attempt in range(2):
        before = {folder: folder_fingerprint(folder) for folder in folders}
        found: list[Problem] = []
        dataset = _load_native_once(
            paths, folders, progress=progress, allow_conflicts=allow_conflicts, warnings=found
        )
        changed = [
            (folder, what)
            for folder in folders
            if (what := fingerprint_difference(folder, before[folder], folder_fingerprint(folder)))
        ]
        if not changed:
            if warnings is not None:
                warnings += found
            return dataset
        folder, change = changed[0]
    raise DataError(
        [
            Problem(
                f"the folder changed while it was read ({change}), twice; run the command "
                "again once it is written",
                file=str(folder),
            )
        ]
    )


def _load_native_once(
    paths: Sequence[str | Path],
    folders: list[Path],
    *,
    progress: Callable[[int, int], None] | None,
    allow_conflicts: bool,
    warnings: list[Problem],
) -> Dataset:
    """:func:`load_native`, read once."""
    loaded = _Loaded()
    total = sum(csv_bytes(folder) for folder in folders)
    if len(paths) == 1 and len(folders) == 1 and total >= columnar.COLUMNAR_FROM_BYTES:
        from .cache import folder_cache

        cache = folder_cache(folders[0])
        fast = cache.load() if cache is not None else None
        if fast is None:
            fast = columnar.read_csv_folder_columnar(folders[0], progress=progress, total=total)
            if fast is not None and cache is not None:
                cache.save(fast)
        if fast is not None:
            if progress is not None:
                progress(total, total)
            # accepted, so no conflict: rings are all it may hold
            warnings += columnar.closed_ring_notes(fast)
            return fast
    meter = _Meter(progress, total)
    for raw_path in paths:
        path = Path(raw_path)
        if path.is_dir():
            _read_csv_folder_into(path, loaded, meter)
        else:
            _read_document_into(path, loaded)
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
    return load_native([path])


def _read_document_into(path: Path, loaded: _Loaded) -> None:
    """Read one YAML or JSON file into ``loaded``; a large one's checked records are
    taken from the cache when its content was read before (:class:`.cache.DocumentCache`)."""
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
    from .cache import document_cache

    entry = document_cache(content) if path.suffix.lower() in (".yaml", ".yml", ".json") else None
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
            loaded.problems.append(_problem_from_pydantic(error, section, model, location))
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


_EXPECTED = {
    "date_from_datetime_parsing": "a date written YYYY-MM-DD",
    "date_parsing": "a date written YYYY-MM-DD",
    "date_type": "a date written YYYY-MM-DD",
    "less_than_equal": "a number from 0 to 100",
    "greater_than_equal": "a number from 0 to 100",
    "decimal_parsing": "a number such as 33.3",
    "decimal_type": "a number such as 33.3",
    "missing": "this required field",
    "enum": None,
}


def _problem_from_pydantic(
    error: Any, section: str, model: type[BaseModel], location: Location
) -> Problem:
    loc = [str(p) for p in error.get("loc", ())]
    field_path = ""
    for part in loc:
        field_path += f"[{part}]" if part.isdigit() else (f".{part}" if field_path else part)
    top_field = loc[0] if loc else None
    kind = error.get("type", "")
    found = error.get("input")
    if kind == "extra_forbidden":
        allowed = sorted(
            info.alias or name for name, info in _nested_fields(model, loc[:-1]).items()
        )
        message = f"unknown field {loc[-1]!r}; expected one of: {', '.join(allowed)}"
    elif kind == "missing":
        message = "required field is missing"
    elif not loc and isinstance((error.get("ctx") or {}).get("error"), ValueError):
        cause = error["ctx"]["error"]
        message = str(cause)
        field_path = getattr(cause, "field", "") or ""
        loc = [field_path] if field_path else []
        top_field = field_path.split(".")[0] or None
    else:
        text = str(error.get("msg", "invalid value"))
        text = text.removeprefix("Value error, ")
        expected = _EXPECTED.get(kind)
        message = f"{text}; found {_show(found)}"
        if expected:
            message += f", expected {expected}"
    line = location.line
    if top_field and top_field in location.field_lines:
        line = location.field_lines[top_field]
    return Problem(
        message,
        file=location.file,
        line=line,
        section=section,
        index=location.index,
        record_id=location.record_id,
        field=field_path or None,
    )


def _nested_fields(model: type[BaseModel], path: Sequence[str]) -> dict[str, Any]:
    """Fields of the (possibly nested) model that ``path`` points into."""
    current: type[BaseModel] = model
    for part in path:
        if part.isdigit():
            continue
        info = current.model_fields.get(part)
        if info is None:
            break
        inner = _model_in(info.annotation)
        if inner is None:
            break
        current = inner
    return dict(current.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _show(value: Any) -> str:
    return "a mapping" if isinstance(value, dict) else shown(value)


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
                    item = _record_from_row(row)
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


def _record_from_row(row: dict[str, str | None]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for column, cell in row.items():
        if column is None:
            raise ValueError("the row has more cells than the header has columns")
        if cell is None or cell.strip() == "":
            continue
        cell = restored(cell.strip())
        if column in _LIST_CELLS or column in _STRUCTURED_CELLS:
            item[column] = _parse_list_cell(column, cell)
        elif column == "percent" and cell.startswith("{"):
            item[column] = _parse_range_cell(cell)
        else:
            item[column] = cell
    return item


def _parse_range_cell(cell: str) -> dict[str, Any]:
    """A ``percent`` cell holding the nested range, ``{"minimum": 30, "maximum": 35}``."""
    try:
        value = JsonDecoder(parse_float=Decimal).decode(cell)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"column 'percent': a cell starting with '{{' must be a JSON range ({exc.msg})"
        ) from None
    if not isinstance(value, dict):
        raise ValueError("column 'percent': expected a JSON object such as {\"minimum\": 30}")
    return value


def _parse_list_cell(column: str, cell: str) -> list[Any]:
    if cell.startswith("["):
        try:
            value = JsonDecoder().decode(cell)
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"column {column!r}: a cell starting with '[' must be JSON ({exc.msg})"
            ) from None
        if not isinstance(value, list):
            raise ValueError(f"column {column!r}: expected a JSON list")
        return value
    parts = [p.strip() for p in cell.split(";") if p.strip()]
    keys = _STRUCTURED_CELLS.get(column)
    if keys is None:
        return parts
    items = []
    for part in parts:
        values = [v.strip() for v in part.split("|")]
        if len(values) > len(keys):
            raise ValueError(
                f"column {column!r}: {shown(part)} has {len(values)} '|'-separated parts; "
                f"expected at most {len(keys)} ({'|'.join(keys)})"
            )
        items.append({k: v for k, v in zip(keys, values, strict=False) if v})
    return items


def _finish(
    loaded: _Loaded, *, allow_conflicts: bool = False, warnings: list[Problem] | None = None
) -> Dataset:
    _collapse_identical(loaded)
    dataset = Dataset.model_construct(**loaded.records)  # type: ignore[arg-type]  # validated
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
    dataset.mark_checked()
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


def _plain(dataset: Dataset) -> dict[str, Any]:
    """Dataset as plain data with Decimals kept (dates as ISO strings)."""
    data = dataset.model_dump(mode="python", by_alias=True, exclude_defaults=True)
    return _iso_dates(data)


def _iso_dates(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _iso_dates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso_dates(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _decimal_text(value: Decimal) -> str:
    text = format(value, "f")
    return text


def write_json(dataset: Dataset, path: str | Path | None = None) -> str:
    """Write the dataset as native JSON; percentages keep their exact literal."""
    text = encode_exact(_plain(dataset), indent=2)
    if path is not None:
        Path(path).write_text(text + "\n", encoding="utf-8")
    return text


class _Dumper(_SafeDumper):  # type: ignore[misc]
    pass


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    text = _decimal_text(value)
    tag = "tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int"
    return dumper.represent_scalar(tag, text)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(Decimal, _represent_decimal)
_Dumper.add_representer(str, _represent_str)


def write_yaml(dataset: Dataset, path: str | Path | None = None) -> str:
    """Write the dataset as native YAML; percentages keep their exact literal."""
    data = {k: v for k, v in _plain(dataset).items() if v}
    text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def write_csv_folder(dataset: Dataset, folder: str | Path) -> list[Path]:
    """Write the dataset as ``entities.csv``, ``holdings.csv`` (...) in ``folder``."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    data = _plain(dataset)
    written = []
    for section, columns in CSV_COLUMNS.items():
        rows = data.get(section) or []
        if not rows and section not in ("entities", "holdings", "listings"):
            continue
        path = out / CSV_FILES[section]
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            for row in rows:
                writer.writerow({c: _csv_cell(c, row.get(c)) for c in columns})
        written.append(path)
    return written


def _csv_cell(column: str, value: Any) -> str:
    """A native CSV cell; text a spreadsheet would run is quoted, reversibly
    (:mod:`ownership.io.cells`)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, list):
        keys = _STRUCTURED_CELLS.get(column)
        if keys is None:
            simple = all(_csv_safe(v) for v in value)
            text = "; ".join(value) if simple else json.dumps(value, ensure_ascii=False)
            return reversible(text)
        rows = [[str(item.get(k) or "") for k in keys] for item in value]
        extra = any(set(item) - set(keys) for item in value)
        if extra or not all(_csv_safe(v) for row in rows for v in row):
            return reversible(json.dumps(value, ensure_ascii=False))
        return reversible("; ".join("|".join(row).rstrip("|") for row in rows))
    return reversible(str(value))


def _csv_safe(text: str) -> bool:
    return (
        text == text.strip()
        and text != ""
        and not any(ch in text for ch in ";|\n\r")
        and not text.startswith("[")
    )


def dataset_json_schema() -> dict[str, Any]:
    """JSON Schema of the native format (what ``ownership schema`` prints)."""
    schema = Dataset.model_json_schema(by_alias=True, mode="validation")
    schema["title"] = "ownership dataset"
    schema["description"] = (
        "Entities, holdings (owner -> owned edges with exact, range or unknown shares), "
        "listings, joint arrangements and sources. Dates are YYYY-MM-DD and inclusive."
    )
    return schema


def iter_sections(dataset: Dataset) -> Iterable[tuple[str, list[BaseModel]]]:
    for section in SECTIONS:
        yield section, getattr(dataset, section)
