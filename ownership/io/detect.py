"""Tell an input's format from its content, not only its name.

Files are downloaded, renamed and re-zipped; a ``.json`` may be a CSL download, an FtM
export, BODS statements or a native dataset, and a ``.csv`` a CSL file, an OFAC file
without header, a GLEIF golden copy or a native section. The first few kilobytes say
which. Formats: ``native``, ``csl``, ``ofac``, ``ftm``, ``bods``, ``gleif``, ``un`` (the
UN Security Council Consolidated List XML) and ``eu`` (the EU Financial Sanctions Files
XML, 1.1 or 1.0).

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "download.json"
>>> _ = path.write_text('{"id": "NK-1", "schema": "Company", "properties": {}}\\n')
>>> detect_format(path)
'ftm'
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ..errors import DataError, Problem
from .textfile import JsonDecoder

__all__ = ["FORMATS", "detect_format"]

FORMATS = ("native", "csl", "ofac", "ftm", "bods", "gleif", "un", "eu")

#: How much of a file is read to tell its format.
HEAD_BYTES = 256 * 1024

OFAC_FILES = {
    "sdn.csv",
    "add.csv",
    "alt.csv",
    "sdn_comments.csv",
    "cons_prim.csv",
    "cons_add.csv",
    "cons_alt.csv",
    "cons_comments.csv",
}
NATIVE_SECTIONS = {"entities", "holdings", "listings", "arrangements", "sources"}
GLEIF_NAMESPACES = (
    "http://www.gleif.org/data/schema/leidata/2016",
    "http://www.gleif.org/data/schema/rr/2016",
    "http://www.gleif.org/data/schema/repex/2016",
)
CSL_COLUMNS = {"source", "name", "alt_names", "federal_register_notice", "programs"}


def _unknown(path: Path, detail: str) -> DataError:
    return DataError(
        [
            Problem(
                f"cannot tell the format: {detail}. Supported: a native dataset (.yaml, .json "
                "or a folder of CSV files), CSL CSV/JSON, OFAC SDN CSV files or advanced XML, "
                "FollowTheMoney JSON lines, BODS JSON, GLEIF XML or golden-copy CSV, the UN "
                "Security Council Consolidated List XML, EU Financial Sanctions Files XML",
                file=str(path),
            )
        ]
    )


def detect_format(path: str | Path) -> str:
    """The format of a file or folder; DataError when it is none we read."""
    file = Path(path)
    if file.is_dir():
        names = {p.name.casefold() for p in file.iterdir()}
        if "sdn.csv" in names or "cons_prim.csv" in names:
            return "ofac"
        if "entities.csv" in names:
            return "native"
        raise _unknown(file, "a folder with neither sdn.csv (OFAC) nor entities.csv (native)")
    if not file.exists():
        raise DataError([Problem("file not found; check the path", file=str(file))])
    if file.name.casefold() in OFAC_FILES:
        return "ofac"
    suffix = file.suffix.casefold()
    if suffix in (".yaml", ".yml"):
        return "native"
    try:
        with file.open("rb") as handle:
            head = handle.read(HEAD_BYTES).decode("utf-8-sig", "replace")
    except OSError as exc:
        raise DataError([Problem(f"cannot read: {exc.strerror}", file=str(file))]) from None
    text = head.lstrip()
    if not text:
        raise _unknown(file, "the file is empty")
    if text.startswith("<"):
        return _xml_format(file, text)
    if text.startswith(("{", "[")):
        return _json_format(file, text)
    return _csv_format(file, head)


def _xml_format(file: Path, text: str) -> str:
    if any(ns in text for ns in GLEIF_NAMESPACES):
        return "gleif"
    if re.search(r"<(?:\w+:)?Sanctions\b", text) or "sanctionslistservice" in text:
        return "ofac"
    if re.search(r"<CONSOLIDATED_LIST\b", text):
        return "un"
    if "fpi/fsd/export" in text or re.search(r"<sanctionEntity\b", text):
        return "eu"
    if re.search(r"<WHOLE\b[^>]*>\s*(?:<!--.*?-->\s*)*<ENTITY\b[^>]*legal_basis", text, re.S):
        return "eu"
    raise _unknown(
        file,
        "XML that is none of GLEIF (LEI, rr, repex), the OFAC advanced XML, the UN "
        "consolidated list or the EU Financial Sanctions Files",
    )


def _classify_record(record: Any) -> str | None:
    if isinstance(record, list):
        return _classify_record(record[0]) if record else None
    if not isinstance(record, dict):
        return None
    keys = set(record)
    if {"schema", "properties"} <= keys or ("schema" in keys and "id" in keys):
        return "ftm"
    if keys & {"statementId", "statementID", "recordType", "statementType"}:
        return "bods"
    if "results" in keys:
        return "csl"
    if {"source", "name"} <= keys and keys & (CSL_COLUMNS - {"source", "name"}):
        return "csl"
    if keys and keys <= NATIVE_SECTIONS:
        return "native"
    return None


def _json_format(file: Path, text: str) -> str:
    decoder = JsonDecoder()
    first: Any = None
    try:
        if text.startswith("["):
            inner = text[1:].lstrip()
            first = [] if inner.startswith("]") else [decoder.raw_decode(inner)[0]]
        else:
            first = decoder.raw_decode(text)[0]
    except json.JSONDecodeError:
        first = None
    found = _classify_record(first) if first is not None else None
    if found:
        return found
    # A large pretty-printed object cut by the head: judge by its first keys.
    keys = re.findall(r'"([A-Za-z_]+)"\s*:', text[:20000])
    if keys:
        top = keys[0]
        if top == "results":
            return "csl"
        if top in NATIVE_SECTIONS:
            return "native"
        if top in ("statementId", "statementID"):
            return "bods"
        if "schema" in keys[:8] and "properties" in keys[:8]:
            return "ftm"
    if file.suffix.casefold() == ".json" and isinstance(first, dict) and not first:
        return "native"
    raise _unknown(file, "JSON that matches none of the known record shapes")


def _csv_format(file: Path, head: str) -> str:
    first_line = head.splitlines()[0] if head else ""
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    cells = [c.strip().strip('"') for c in first_line.split(delimiter)]
    columns = set(cells)
    if (
        "Relationship.StartNode.NodeID" in columns
        or "Exception.Category" in columns
        or ("LEI" in columns and "Entity.LegalName" in columns)
    ):
        return "gleif"
    if {"source", "name"} <= columns and columns & {"alt_names", "federal_register_notice"}:
        return "csl"
    if cells and cells[0].isdigit() and "-0-" in first_line:
        return "ofac"
    if {"id", "name"} <= columns or {"owner", "owned"} <= columns:
        raise _unknown(
            file,
            "this looks like one CSV of a native dataset; give the folder holding "
            "entities.csv, holdings.csv and listings.csv",
        )
    raise _unknown(file, f"the first line is {first_line[:80]!r}")
