"""The native format itself: its sections, the CSV files and columns of a dataset
folder, how a CSV row becomes a record's fields, and how records are written back.

Readers (:mod:`ownership.io.native` checks each record; :mod:`ownership.io.columnar`
reads large folders by columns) and writers share these definitions.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from ..errors import shown
from ..model import Arrangement, Dataset, Entity, Holding, Listing, Source
from .cells import restored, reversible
from .jsontext import encode_exact
from .textfile import JsonDecoder

__all__ = [
    "CSV_COLUMNS",
    "CSV_FILES",
    "LIST_CELLS",
    "SECTIONS",
    "STRUCTURED_CELLS",
    "dataset_json_schema",
    "parse_list_cell",
    "record_from_row",
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


LIST_CELLS = {"aliases", "sources", "members"}


STRUCTURED_CELLS: dict[str, list[str]] = {
    "former_names": ["name", "until"],
    "identifiers": ["scheme", "value"],
    "addresses": ["address", "country", "start", "end"],
}


def record_from_row(row: dict[str, str | None]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for column, cell in row.items():
        if column is None:
            raise ValueError("the row has more cells than the header has columns")
        if cell is None or cell.strip() == "":
            continue
        cell = restored(cell.strip())
        if column in LIST_CELLS or column in STRUCTURED_CELLS:
            item[column] = parse_list_cell(column, cell)
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


def parse_list_cell(column: str, cell: str) -> list[Any]:
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
    keys = STRUCTURED_CELLS.get(column)
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


def _plain(dataset: Dataset) -> dict[str, Any]:
    """Dataset as plain data with Decimals kept (dates as ISO strings)."""
    data = dataset.model_dump(mode="python", by_alias=True, exclude_defaults=True)
    return _iso_dates(data)


def _iso_dates(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _iso_dates(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
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


#: libyaml's emitter when PyYAML was built with it
_SafeDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


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
        keys = STRUCTURED_CELLS.get(column)
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
