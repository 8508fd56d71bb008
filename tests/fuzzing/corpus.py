"""The seed corpus: small real and made-up inputs of every format the package reads.

A seed is a set of files (a dataset may be a folder of several) plus the paths the
command line names. Seeds are described statically (``SEEDS``) so a plan of cases can be
drawn without reading anything; their bytes are read (or derived) on first use.

The files under ``tests/data`` and ``fixtures`` are always used. The shared sample folder
beside the repository is read only in the long run, and only when it exists.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

__all__ = ["FORMATS", "REPO", "SEEDS", "Seed", "SeedSpec", "load_seed", "seed_names", "syntax_of"]

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
SHARED = REPO.parent / "shared" / "data"

#: Every format label used in the summary; generated graphs use the native ones and ftm.
FORMATS = (
    "native-yaml",
    "native-json",
    "native-csv",
    "native-csv-big",
    "ftm",
    "bods-json",
    "bods-jsonl",
    "csl-json",
    "csl-csv",
    "ofac-csv",
    "ofac-xml",
    "gleif-csv",
    "gleif-xml",
    "un-xml",
    "eu-xml",
    "counterparty-csv",
    "same-as-csv",
    "same-as-yaml",
)

#: Rows of filler added to the Inspur CSV folder so it passes the columnar reader's 1 MB mark.
BIG_FILLER_ROWS = 9000


@dataclass(frozen=True)
class SeedSpec:
    """What a seed is, known without reading it: enough to plan cases."""

    name: str
    fmt: str
    role: str  # "dataset", "counterparties" or "same-as"
    syntaxes: frozenset[str]
    long_only: bool = False


@dataclass(frozen=True)
class Seed:
    """A seed's files (path relative to the case's ``in/`` folder -> bytes) and the paths
    a command names (``inputs``). ``names`` are entity names for explain and friends."""

    spec: SeedSpec
    files: dict[str, bytes]
    inputs: tuple[str, ...]
    names: tuple[str, ...] = field(default=())


def syntax_of(path: str, data: bytes = b"") -> str:
    """The syntax of a seed file, which decides the structural mutations it can take."""
    lower = path.lower()
    if lower.endswith((".yaml", ".yml")):
        return "yaml"
    if lower.endswith(".jsonl"):
        return "jsonl"
    if lower.endswith(".json"):
        lines = [line for line in data.splitlines() if line.strip()]
        if len(lines) > 1 and all(line.lstrip().startswith(b"{") for line in lines[:3]):
            return "jsonl"
        return "json"
    if lower.endswith(".xml"):
        return "xml"
    return "csv"


GLEIF_LEI_XML = """<?xml version="1.0" encoding="UTF-8"?>
<lei:LEIData xmlns:lei="http://www.gleif.org/data/schema/leidata/2016">
  <lei:LEIHeader><lei:ContentDate>2024-01-02T00:00:00Z</lei:ContentDate><lei:RecordCount>2</lei:RecordCount></lei:LEIHeader>
  <lei:LEIRecords>
    <lei:LEIRecord>
      <lei:LEI>5493000FUZZ00000P001</lei:LEI>
      <lei:Entity>
        <lei:LegalName xml:lang="en">Fuzz Parent Holdings Ltd</lei:LegalName>
        <lei:OtherEntityNames><lei:OtherEntityName xml:lang="en" type="PREVIOUS_LEGAL_NAME">Old Fuzz Parent Ltd</lei:OtherEntityName></lei:OtherEntityNames>
        <lei:LegalAddress><lei:FirstAddressLine>1 Example Avenue</lei:FirstAddressLine><lei:City>Jinan</lei:City><lei:Country>CN</lei:Country><lei:PostalCode>250101</lei:PostalCode></lei:LegalAddress>
        <lei:LegalJurisdiction>CN</lei:LegalJurisdiction>
        <lei:EntityCategory>GENERAL</lei:EntityCategory>
        <lei:EntityStatus>ACTIVE</lei:EntityStatus>
        <lei:EntityCreationDate>2000-01-01T00:00:00Z</lei:EntityCreationDate>
      </lei:Entity>
      <lei:Registration><lei:RegistrationStatus>ISSUED</lei:RegistrationStatus><lei:LastUpdateDate>2024-01-02T00:00:00Z</lei:LastUpdateDate></lei:Registration>
    </lei:LEIRecord>
    <lei:LEIRecord>
      <lei:LEI>5493000FUZZ00000C001</lei:LEI>
      <lei:Entity>
        <lei:LegalName xml:lang="en">Fuzz Subsidiary Co. Ltd.</lei:LegalName>
        <lei:LegalAddress><lei:FirstAddressLine>2 Example Road</lei:FirstAddressLine><lei:City>Taipei</lei:City><lei:Country>TW</lei:Country></lei:LegalAddress>
        <lei:LegalJurisdiction>TW</lei:LegalJurisdiction>
        <lei:EntityStatus>ACTIVE</lei:EntityStatus>
      </lei:Entity>
      <lei:Registration><lei:RegistrationStatus>ISSUED</lei:RegistrationStatus></lei:Registration>
    </lei:LEIRecord>
  </lei:LEIRecords>
</lei:LEIData>
"""

GLEIF_RR_XML = """<?xml version="1.0" encoding="UTF-8"?>
<rr:RelationshipData xmlns:rr="http://www.gleif.org/data/schema/rr/2016">
  <rr:Header><rr:ContentDate>2024-01-02T00:00:00Z</rr:ContentDate><rr:RecordCount>1</rr:RecordCount></rr:Header>
  <rr:RelationshipRecords>
    <rr:RelationshipRecord>
      <rr:Relationship>
        <rr:StartNode><rr:NodeID>5493000FUZZ00000C001</rr:NodeID><rr:NodeIDType>LEI</rr:NodeIDType></rr:StartNode>
        <rr:EndNode><rr:NodeID>5493000FUZZ00000P001</rr:NodeID><rr:NodeIDType>LEI</rr:NodeIDType></rr:EndNode>
        <rr:RelationshipType>IS_DIRECTLY_CONSOLIDATED_BY</rr:RelationshipType>
        <rr:RelationshipPeriods><rr:RelationshipPeriod><rr:StartDate>2015-01-01T00:00:00Z</rr:StartDate><rr:PeriodType>RELATIONSHIP_PERIOD</rr:PeriodType></rr:RelationshipPeriod></rr:RelationshipPeriods>
        <rr:RelationshipStatus>ACTIVE</rr:RelationshipStatus>
        <rr:RelationshipQuantifiers><rr:RelationshipQuantifier><rr:MeasurementMethod>ACCOUNTING_CONSOLIDATION</rr:MeasurementMethod><rr:QuantifierAmount>60</rr:QuantifierAmount><rr:QuantifierUnits>PERCENTAGE</rr:QuantifierUnits></rr:RelationshipQuantifier></rr:RelationshipQuantifiers>
      </rr:Relationship>
      <rr:Registration><rr:RegistrationStatus>PUBLISHED</rr:RegistrationStatus></rr:Registration>
    </rr:RelationshipRecord>
  </rr:RelationshipRecords>
</rr:RelationshipData>
"""


def _spec(name: str, fmt: str, role: str, syntaxes: str, long_only: bool = False) -> SeedSpec:
    return SeedSpec(name, fmt, role, frozenset(syntaxes.split()), long_only)


#: Every seed: name, format, role, the syntaxes of its files.
SEEDS: tuple[SeedSpec, ...] = (
    _spec("inspur.yaml", "native-yaml", "dataset", "yaml"),
    _spec("link_group.yaml", "native-yaml", "dataset", "yaml"),
    _spec("inspur.json", "native-json", "dataset", "json"),
    _spec("inspur-csv", "native-csv", "dataset", "csv"),
    _spec("byod", "native-csv", "dataset", "csv"),
    _spec("inspur-csv-big", "native-csv-big", "dataset", "csv"),
    _spec("opensanctions_zala.ftm.jsonl", "ftm", "dataset", "jsonl"),
    _spec("ftm_entities.jsonl", "ftm", "dataset", "jsonl"),
    _spec("ftm_broken.jsonl", "ftm", "dataset", "jsonl"),
    _spec("bods04_fermcat.json", "bods-json", "dataset", "json"),
    _spec("bods04_tecido.json", "bods-json", "dataset", "json"),
    _spec("bods03_linking_annotations.json", "bods-json", "dataset", "json"),
    _spec("bods_broken.json", "bods-json", "dataset", "json"),
    _spec("oo_register_bods01_mixed_bands.jsonl", "bods-jsonl", "dataset", "jsonl"),
    _spec("oo_register_bods01_greener_for_life.jsonl", "bods-jsonl", "dataset", "jsonl"),
    _spec("csl_excerpt.json", "csl-json", "dataset", "json"),
    _spec("csl_excerpt.csv", "csl-csv", "dataset", "csv"),
    _spec("csl_broken.csv", "csl-csv", "dataset", "csv"),
    _spec("ofac_sdn_excerpt", "ofac-csv", "dataset", "csv"),
    _spec("ofac_broken", "ofac-csv", "dataset", "csv"),
    _spec("ofac_advanced.xml", "ofac-xml", "dataset", "xml"),
    _spec("ofac_advanced_broken.xml", "ofac-xml", "dataset", "xml"),
    _spec("gleif-csv", "gleif-csv", "dataset", "csv"),
    _spec("gleif_rr_broken.csv", "gleif-csv", "dataset", "csv"),
    _spec("gleif-xml", "gleif-xml", "dataset", "xml"),
    _spec("un_consolidated_excerpt.xml", "un-xml", "dataset", "xml"),
    _spec("eu_fsf_v10_excerpt.xml", "eu-xml", "dataset", "xml"),
    _spec("eu_fsf_v11_excerpt.xml", "eu-xml", "dataset", "xml"),
    _spec("counterparties.csv", "counterparty-csv", "counterparties", "csv"),
    _spec("same_as.csv", "same-as-csv", "same-as", "csv"),
    _spec("same_as.yaml", "same-as-yaml", "same-as", "yaml"),
    _spec("same_as_broken.yaml", "same-as-yaml", "same-as", "yaml"),
    _spec("shared-bods", "bods-json", "dataset", "json", long_only=True),
    _spec("shared-csl.csv", "csl-csv", "dataset", "csv", long_only=True),
    _spec("shared-csl-legacy.csv", "csl-csv", "dataset", "csv", long_only=True),
    _spec("shared-ofac", "ofac-csv", "dataset", "csv", long_only=True),
    _spec("shared-gleif-xml", "gleif-xml", "dataset", "xml", long_only=True),
    _spec("shared-bodspipelines-xml", "gleif-xml", "dataset", "xml", long_only=True),
    _spec("shared-yente.ftm.json", "ftm", "dataset", "jsonl", long_only=True),
)

#: Files every same-as case imports: the native group and the OFAC file it links to.
SAME_AS_DATASETS = ("link_group.yaml", "ofac_advanced.xml")


def seed_names(long: bool) -> list[SeedSpec]:
    """The seeds of a run; the long run adds the shared samples when they are present."""
    return [s for s in SEEDS if not s.long_only or (long and _shared_present(s.name))]


def _shared_present(name: str) -> bool:
    try:
        return bool(_SHARED_FILES[name]())
    except OSError:
        return False


def _read(path: Path) -> bytes:
    return path.read_bytes()


def _one(path: Path) -> dict[str, bytes]:
    return {path.name: _read(path)}


def _folder(path: Path, name: str, files: tuple[str, ...] | None = None) -> dict[str, bytes]:
    chosen = files or tuple(sorted(p.name for p in path.iterdir() if p.is_file()))
    return {f"{name}/{f}": _read(path / f) for f in chosen}


@cache
def _inspur_native() -> dict[str, bytes]:
    """The Inspur case as native JSON and a native CSV folder, written by the package's
    own ``save`` so the fuzzer starts from what the package itself writes."""
    from ownership import load
    from ownership.io import save

    dataset = load(REPO / "fixtures" / "inspur.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        save(dataset, Path(tmp) / "inspur.json")
        save(dataset, Path(tmp) / "inspur-csv")
        out = {"inspur.json": (Path(tmp) / "inspur.json").read_bytes()}
        out.update(_folder(Path(tmp) / "inspur-csv", "inspur-csv"))
    return out


def _inspur_big() -> dict[str, bytes]:
    """The Inspur CSV folder padded past 1 MB with a forest of filler companies, so the
    columnar reader (and not only the strict one) meets the mutations."""
    files = {k.replace("inspur-csv/", "inspur-csv-big/"): v for k, v in _inspur_native().items()}
    files.pop("inspur.json")
    entities = files["inspur-csv-big/entities.csv"].decode("utf-8")
    holdings = files["inspur-csv-big/holdings.csv"].decode("utf-8")
    listings = files["inspur-csv-big/listings.csv"].decode("utf-8")
    e_cols = entities.splitlines()[0].split(",")
    h_cols = holdings.splitlines()[0].split(",")
    l_cols = listings.splitlines()[0].split(",")
    e_out, h_out, l_out = io.StringIO(), io.StringIO(), io.StringIO()
    e_writer = csv.DictWriter(e_out, e_cols, lineterminator="\n")
    h_writer = csv.DictWriter(h_out, h_cols, lineterminator="\n")
    l_writer = csv.DictWriter(l_out, l_cols, lineterminator="\n")
    for i in range(BIG_FILLER_ROWS):
        e_writer.writerow(
            {
                "id": f"filler-{i}",
                "name": f"Filler Trading Company Number {i} Limited",
                "country": "CN" if i % 3 else "HK",
                "note": "padding row for the columnar reader " + "x" * 40,
            }
        )
        if i % 10:
            h_writer.writerow(
                {"owner": f"filler-{i - i % 10}", "owned": f"filler-{i}", "percent": "51"}
            )
        else:
            l_writer.writerow(
                {"entity": f"filler-{i}", "list": "entity_list", "start": "2020-01-01"}
            )
    files["inspur-csv-big/entities.csv"] = (entities + e_out.getvalue()).encode("utf-8")
    files["inspur-csv-big/holdings.csv"] = (holdings + h_out.getvalue()).encode("utf-8")
    files["inspur-csv-big/listings.csv"] = (listings + l_out.getvalue()).encode("utf-8")
    return files


def _csl_csv() -> dict[str, bytes]:
    """The CSL JSON excerpt written in the CSL CSV shape (lists joined by ``;``)."""
    records = json.loads((DATA / "io" / "csl_excerpt.json").read_text("utf-8"))["results"]
    columns = list(records[0])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["_id" if c == "id" else c for c in columns])
    for record in records:
        writer.writerow([_csl_cell(record.get(c)) for c in columns])
    return {"csl_excerpt.csv": out.getvalue().encode("utf-8")}


def _csl_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(_csl_cell(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(str(v) for v in value.values() if v)
    return str(value)


def _shared_files(*names: str) -> Callable[[], dict[str, bytes]]:
    def read() -> dict[str, bytes]:
        out = {}
        for name in names:
            path = SHARED / name
            if path.is_dir():
                out.update(_folder(path, path.name))
            elif path.exists():
                out[path.name] = _read(path)
        return out

    return read


_SHARED_FILES: dict[str, Callable[[], dict[str, bytes]]] = {
    "shared-bods": _shared_files(
        "samples/bods/bods-package-fi-soe.json", "samples/bods/joint-ownership.json"
    ),
    "shared-csl.csv": _shared_files("samples/csl/csl_consolidated_excerpt_watchman.csv"),
    "shared-csl-legacy.csv": _shared_files("real/watchman_csl_legacy.csv"),
    "shared-ofac": _shared_files("samples/ofac"),
    "shared-gleif-xml": _shared_files("samples/gleif/lei-data.xml", "samples/gleif/rr-data.xml"),
    "shared-bodspipelines-xml": _shared_files(
        "real/bodspipelines_lei-updates-data2.xml", "real/bodspipelines_rr-updates-data2.xml"
    ),
    "shared-yente.ftm.json": _shared_files("real/yente_t1_entities.ftm.json"),
}


def _files(name: str) -> dict[str, bytes]:
    real, io_, broken = DATA / "real", DATA / "io", DATA / "io" / "broken"
    simple = {
        "inspur.yaml": REPO / "fixtures" / "inspur.yaml",
        "link_group.yaml": io_ / "link_group.yaml",
        "opensanctions_zala.ftm.jsonl": real / "opensanctions_zala.ftm.jsonl",
        "ftm_entities.jsonl": io_ / "ftm_entities.jsonl",
        "ftm_broken.jsonl": io_ / "ftm_broken.jsonl",
        "bods04_fermcat.json": real / "bods04_fermcat.json",
        "bods04_tecido.json": real / "bods04_tecido.json",
        "bods03_linking_annotations.json": real / "bods03_linking_annotations.json",
        "bods_broken.json": broken / "bods_broken.json",
        "oo_register_bods01_mixed_bands.jsonl": real / "oo_register_bods01_mixed_bands.jsonl",
        "oo_register_bods01_greener_for_life.jsonl": real
        / "oo_register_bods01_greener_for_life.jsonl",
        "csl_excerpt.json": io_ / "csl_excerpt.json",
        "csl_broken.csv": broken / "csl_broken.csv",
        "ofac_advanced.xml": io_ / "ofac_advanced.xml",
        "ofac_advanced_broken.xml": broken / "ofac_advanced_broken.xml",
        "gleif_rr_broken.csv": broken / "gleif_rr_broken.csv",
        "un_consolidated_excerpt.xml": real / "un_consolidated_excerpt.xml",
        "eu_fsf_v10_excerpt.xml": real / "eu_fsf_v10_excerpt.xml",
        "eu_fsf_v11_excerpt.xml": real / "eu_fsf_v11_excerpt.xml",
        "counterparties.csv": REPO / "fixtures" / "byod" / "counterparties.csv",
        "same_as.csv": io_ / "same_as.csv",
        "same_as.yaml": io_ / "same_as.yaml",
        "same_as_broken.yaml": broken / "same_as_broken.yaml",
    }
    if name in simple:
        return _one(simple[name])
    if name == "inspur.json":
        return {"inspur.json": _inspur_native()["inspur.json"]}
    if name == "inspur-csv":
        return {k: v for k, v in _inspur_native().items() if k.startswith("inspur-csv/")}
    if name == "inspur-csv-big":
        return _inspur_big()
    if name == "byod":
        files = ("entities.csv", "holdings.csv", "listings.csv")
        return _folder(REPO / "fixtures" / "byod", "byod", files)
    if name == "csl_excerpt.csv":
        return _csl_csv()
    if name == "ofac_sdn_excerpt":
        return _folder(real / "ofac_sdn_excerpt", "ofac_sdn_excerpt")
    if name == "ofac_broken":
        return _folder(broken / "ofac", "ofac_broken")
    if name == "gleif-csv":
        return {f.name: _read(f) for f in sorted(io_.glob("gleif_*.csv"))}
    if name == "gleif-xml":
        return {
            "gleif_lei.xml": GLEIF_LEI_XML.encode("utf-8"),
            "gleif_rr.xml": GLEIF_RR_XML.encode("utf-8"),
        }
    if name in _SHARED_FILES:
        return _SHARED_FILES[name]()
    raise KeyError(name)


def _inputs(files: dict[str, bytes]) -> tuple[str, ...]:
    """The paths a command names: each folder once, every other file."""
    seen: list[str] = []
    for path in files:
        top = path.split("/", 1)[0]
        if top not in seen:
            seen.append(top)
    return tuple(seen)


@cache
def load_seed(name: str) -> Seed:
    """A seed's files and the entity names found in it (read once per process)."""
    spec = next(s for s in SEEDS if s.name == name)
    files = _files(name)
    return Seed(spec, files, _inputs(files), _entity_names(files, spec))


def _entity_names(files: dict[str, bytes], spec: SeedSpec) -> tuple[str, ...]:
    """Names to ask about: listed entities and their subsidiaries first, as loaded by the
    package from the clean seed; the bundled case's names for seeds that are no dataset."""
    if spec.role != "dataset":
        return ("Inspur Group", "IEIT Systems", "Aivres Systems")
    try:
        from ownership import load

        with tempfile.TemporaryDirectory() as tmp:
            for path, data in files.items():
                (Path(tmp) / path).parent.mkdir(parents=True, exist_ok=True)
                (Path(tmp) / path).write_bytes(data)
            dataset = load(*(Path(tmp) / p for p in _inputs(files)), allow_conflicts=True)
    except Exception:
        return ("Inspur Group",)
    by_id = {e.id: e for e in dataset.entities}
    listed = [by_id[x.entity].name for x in dataset.listings if x.entity in by_id]
    owned = [by_id[h.owned].name for h in dataset.holdings if h.owned in by_id]
    owners = [by_id[h.owner].name for h in dataset.holdings if h.owner in by_id]
    names = list(dict.fromkeys(listed[:3] + owners[:3] + owned[:3]))
    return tuple(names or [e.name for e in list(dataset.entities)[:3]] or ["Inspur Group"])
