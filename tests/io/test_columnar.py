"""The columnar CSV reader yields exactly what the strict reader does, or declines."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ownership
from ownership import analyze
from ownership.columns import Columns, columns_of
from ownership.derived import derived
from ownership.errors import DataError
from ownership.io import columnar, load, save
from ownership.io.columnar import read_csv_folder_columnar
from ownership.model import Address, Dataset, Entity, FormerName, Holding, Identifier, Listing
from ownership.verdict_json import write_verdict_lines

from ..factories import dated_holdings

DAYS = [None, dt.date(2019, 5, 1), dt.date(2023, 3, 2), dt.date(2025, 9, 29)]
SHARES = ["5", "10", "33.3", "16.4", "0.3", "50", "60", "100", "12.125"]


@st.composite
def datasets(draw: st.DrawFn) -> Dataset:
    n = draw(st.integers(1, 6))
    ids = [f"e{i}" for i in range(n)]
    entities = []
    for i in ids:
        entities.append(
            Entity(
                id=i,
                name=draw(st.sampled_from([f"{i.upper()} Co., Ltd.", "浪潮集团", "A; B | C"])),
                kind=draw(st.sampled_from(["company", "person"])),
                country=draw(st.sampled_from([None, "CN", "us"])),
                aliases=draw(st.lists(st.sampled_from(["Alias", "别名", "x;y"]), max_size=2)),
                former_names=[FormerName(name="Old", until=dt.date(2023, 5, 1))]
                if draw(st.booleans())
                else [],
                identifiers=[Identifier(scheme="lei", value=f"LEI{i}")]
                if draw(st.booleans())
                else [],
                addresses=[Address(address="1 Road, City", country="CN")]
                if draw(st.booleans())
                else [],
            )
        )
    holdings = [
        draw(dated_holdings(ids, DAYS, SHARES))
        for _ in range(draw(st.integers(0, 10)) if n > 1 else 0)
    ]
    listings = [
        Listing(
            entity=draw(st.sampled_from(ids)),
            list=draw(st.sampled_from(["entity_list", "sdn", "custom"])),
            program=draw(st.sampled_from([None, "NPWMD"])),
            start=draw(st.sampled_from(DAYS)),
            citation=draw(st.sampled_from([None, "90 FR 14046"])),
        )
        for _ in range(draw(st.integers(0, 3)))
    ]
    return Dataset(entities=entities, holdings=holdings, listings=listings)


def _strict(folder: Path) -> Dataset | DataError:
    try:
        return load(folder)  # small folders are read strictly
    except DataError as error:
        return error


def _same_columns(a: Columns, b: Columns) -> None:
    assert list(a.ids) == list(b.ids) and a.places == b.places
    assert list(a.country) == list(b.country)
    for name in vars(a.holdings):
        if not name.startswith("_"):
            assert np.array_equal(getattr(a.holdings, name), getattr(b.holdings, name)), name
    for name in ("entity", "list_id", "program", "start", "end"):
        assert list(getattr(a.listings, name)) == list(getattr(b.listings, name)), name


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(datasets())
def test_columnar_read_equals_the_strict_read(tmp_path: Path, dataset: Dataset) -> None:
    folder = tmp_path / f"ds{abs(hash(repr(dataset)))}"
    save(dataset, folder)
    strict = _strict(folder)
    fast = read_csv_folder_columnar(folder)
    if isinstance(strict, DataError):
        assert fast is None  # e.g. stakes above 100: only the strict reader reports
        return
    assert fast is not None
    assert fast == strict
    assert [e.name for e in fast.entities[::-1]] == [e.name for e in strict.entities[::-1]]
    _same_columns(columns_of(fast), Columns.from_dataset(strict))
    for rule in ("ofac-50", "bis-affiliates", "look-through"):
        fast_result = analyze(fast, rule, "2025-10-01")
        strict_result = analyze(strict, rule, "2025-10-01")
        assert fast_result.to_records() == strict_result.to_records()
        # ids and names stay in Arrow for the writer: the same names on the date, and bytes
        assert fast_result.dated_names.arrow().to_pylist() == strict_result.dated_names.every()
        assert _lines(fast_result) == _lines(strict_result)
    before_renames = analyze(fast, "ofac-50", "2020-01-01").dated_names  # "Old" until 2023
    assert before_renames.arrow().to_pylist() == before_renames.every()
    assert before_renames.every() == ["Old" if e.former_names else e.name for e in strict.entities]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(datasets(), st.data())
def test_records_made_together_equal_records_made_one_by_one(
    tmp_path: Path, dataset: Dataset, data: st.DataObject
) -> None:
    folder = tmp_path / f"ds{abs(hash(repr(dataset)))}"
    save(dataset, folder)
    fast = read_csv_folder_columnar(folder)
    if fast is None:
        return
    alone = read_csv_folder_columnar(folder)  # the same rows, each made by itself
    assert alone is not None
    for kind in ("entities", "holdings", "listings"):
        records = getattr(fast, kind)
        if not len(records):
            continue
        assert isinstance(records, columnar.RowRecords)
        some = data.draw(st.lists(st.integers(0, len(records) - 1), max_size=8))
        first = records[0]  # one made already, before the others
        together = records.many(some)
        assert together == [getattr(alone, kind)[k] for k in some]
        assert all(records[k] is made for k, made in zip(some, together, strict=True))
        assert records[0] is first


def _lines(result: object) -> bytes:
    out = io.BytesIO()
    write_verdict_lines(result, out)  # type: ignore[arg-type]
    return out.getvalue()


BROKEN = {
    "unknown entity": ("holdings.csv", "owner,owned,percent\nx,zz,10\n"),
    "percent above 100": ("holdings.csv", "owner,owned,percent\nx,a,150\n"),
    "stakes above 100": ("holdings.csv", "owner,owned,percent\nx,a,60\nb,a,60\n"),
    "half and more than half": (
        "holdings.csv", "owner,owned,percent,exclusiveMinimum,maximum\nx,a,50,,\nb,a,,50,55\n"
    ),
    "self-ownership": ("holdings.csv", "owner,owned,percent\na,a,10\n"),
    "start after end": ("holdings.csv", "owner,owned,percent,start,end\nx,a,10,2024-01-02,2023-01-01\n"),
    "malformed date": ("listings.csv", "entity,list,start\nx,sdn,2023-02-30\n"),
    "unknown column": ("listings.csv", "entity,list,colour\nx,sdn,red\n"),
    "range inverted": ("holdings.csv", "owner,owned,minimum,maximum\nx,a,60,40\n"),
    "duplicate id": ("entities.csv", "id,name\nx,X\na,Alpha\nb,Beta\na,Other Alpha\n"),
    "bad country": ("entities.csv", "id,name,country\nx,X,China\na,Alpha,\nb,Beta,\n"),
    "blank identifier": ("entities.csv", "id,name,identifiers\nx,X,lei|\u00a0\na,A,\nb,B,\n"),
    "identifier parts": ("entities.csv", "id,name,identifiers\nx,X,lei|1|2\na,A,\nb,B,\n"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_folders_get_the_strict_readers_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "entities.csv").write_text("id,name\nx,X\na,Alpha\nb,Beta\n")
    file, text = BROKEN[case]
    (folder / file).write_text(text)
    assert read_csv_folder_columnar(folder) is None
    with pytest.raises(DataError) as strict:
        load(folder)
    monkeypatch.setattr(columnar, "COLUMNAR_FROM_BYTES", 0)
    with pytest.raises(DataError) as through_columnar:
        load(folder)
    assert str(through_columnar.value) == str(strict.value)
    assert str(folder / file) in str(strict.value)


def test_a_closed_ring_is_read_alike_by_both_readers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "entities.csv").write_text("id,name\nx,X\na,Alpha\nb,Beta\n")
    (folder / "holdings.csv").write_text("owner,owned,percent\na,b,100\nb,a,100\n")
    fast = read_csv_folder_columnar(folder)
    strict = load(folder)
    assert fast is not None and fast == strict
    flags = {v.id: v.flags for v in analyze(fast, "ofac-50", "2025-10-01")}
    assert flags == {"x": (), "a": ("closed_ring",), "b": ("closed_ring",)}
    notes: dict[str, list[Any]] = {"strict": [], "columnar": []}
    load(folder, warnings=notes["strict"])
    monkeypatch.setattr(columnar, "COLUMNAR_FROM_BYTES", 0)
    load(folder, warnings=notes["columnar"])
    assert [(p.index, p.record_id) for p in notes["columnar"]] == [(0, "ring a, b")]
    assert "own each other 100%" in str(notes["strict"][0])


def test_large_folders_are_read_by_columns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "inspur"
    bundled = load(ownership.bundled_dataset())
    save(bundled.model_copy(update={"sources": [], "arrangements": []}), folder)
    strict = load(folder)
    monkeypatch.setattr(columnar, "COLUMNAR_FROM_BYTES", 0)
    fast = load(folder)
    assert isinstance(fast.entities, columnar.RowRecords)
    assert derived(fast).checked and fast == strict
    report = analyze(fast, "bis-affiliates", "2023-06-01").affiliates("Inspur Systems")
    assert report.entity.id == "aivres-systems"
    strict_report = analyze(strict, "bis-affiliates", "2023-06-01").affiliates("Inspur Systems")
    assert report.to_records() == strict_report.to_records()


def test_a_folder_with_sources_is_read_strictly(tmp_path: Path) -> None:
    folder = tmp_path / "inspur"
    save(load(ownership.bundled_dataset()), folder)
    assert (folder / "sources.csv").exists()
    assert read_csv_folder_columnar(folder) is None


def test_a_folder_of_entities_alone_is_read_by_columns(tmp_path: Path) -> None:
    folder = tmp_path / "entities-only"
    folder.mkdir()
    (folder / "entities.csv").write_text("id,name,country\na,Alpha,CN\nb,Beta,\n")
    fast = read_csv_folder_columnar(folder)
    assert fast is not None and fast == load(folder)
    assert (len(fast.holdings), len(fast.listings)) == (0, 0)
    assert analyze(fast, "ofac-50", "2025-01-01").counts()["clear"] == 2


def test_plain_identifier_cells_are_read_by_columns(tmp_path: Path) -> None:
    folder = tmp_path / "ids"
    folder.mkdir()
    (folder / "entities.csv").write_text(
        "id,name,identifiers\na,Alpha,lei|A1; duns|9\nb,Beta,lei|B2\nc,Gamma,\n"
    )
    fast = read_csv_folder_columnar(folder)
    assert fast is not None and fast == load(folder)
    assert [i.value for i in fast.entities[0].identifiers] == ["A1", "9"]


@pytest.mark.parametrize("space", ["\u3000", "\u00a0", "\x1f", " "])
def test_values_the_strict_reader_would_strip_are_left_to_it(tmp_path: Path, space: str) -> None:
    folder = tmp_path / "spaced"
    folder.mkdir()
    (folder / "entities.csv").write_text(f"id,name\na,{space}Alpha\nb,Beta\n")
    (folder / "holdings.csv").write_text(f"owner,owned,percent\na,b{space},10\n")
    assert read_csv_folder_columnar(folder) is None
    assert [e.name for e in load(folder).entities] == ["Alpha", "Beta"]


@pytest.mark.parametrize(
    ("entities", "holdings"),
    [
        ("id,name\na,'=Alpha\nb,Beta\n", "owner,owned,percent\na,b,10\n"),
        ("id,name\na,Alpha\nb,Beta\n", "owner,owned,percent,note\na,b,10,'+filed\n"),
    ],
)
def test_cells_quoted_against_formulas_are_left_to_the_strict_reader(
    tmp_path: Path, entities: str, holdings: str
) -> None:
    folder = tmp_path / "quoted"
    folder.mkdir()
    (folder / "entities.csv").write_text(entities)
    (folder / "holdings.csv").write_text(holdings)
    assert read_csv_folder_columnar(folder) is None
    assert len(load(folder).entities) == 2


@st.composite
def wholly_owned_graphs(draw: st.DrawFn) -> Dataset:
    """Small graphs of mostly 100% stakes, some dated, some partial: rings, chains into
    rings, rings with an outside owner, rings that existed on one date only."""
    n = draw(st.integers(2, 9))
    ids = [f"e{k}" for k in range(n)]
    holdings = []
    for _ in range(draw(st.integers(1, 16))):
        owner, owned = draw(st.sampled_from(ids)), draw(st.sampled_from(ids))
        if owner == owned:
            continue
        percent = draw(st.sampled_from([100, 100, 100, 60, 40, 50]))
        year = draw(st.sampled_from([None, 2020, 2024]))
        holdings.append(
            Holding(
                owner=owner,
                owned=owned,
                percent=percent,
                start=dt.date(year, 1, 1) if year else None,
                end=dt.date(year, 12, 31) if year else None,
            )
        )
    return Dataset(entities=[Entity(id=i, name=i.upper()) for i in ids], holdings=holdings)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wholly_owned_graphs())
def test_ring_notes_by_columns_equal_the_record_by_record_ones(dataset: Dataset) -> None:
    from ownership.checks import closed_rings

    expected = [(p.index, p.message) for p in closed_rings(list(dataset.holdings))]
    assert [(p.index, p.message) for p in columnar.closed_ring_notes(dataset)] == expected


def test_a_closed_ring_inside_a_larger_knot_is_found() -> None:
    """e0 and e1 own each other 100%; e2, owned 60% by e0, owned e0 in 2020 only: the
    three make one knot of stakes, and the ring of two is closed outside 2020."""
    from ownership.checks import closed_rings

    ids = [f"e{k}" for k in range(5)]
    year = {"start": dt.date(2020, 1, 1), "end": dt.date(2020, 12, 31)}
    dataset = Dataset(
        entities=[Entity(id=i, name=i.upper()) for i in ids],
        holdings=[
            Holding(owner="e0", owned="e2", percent=60),
            Holding(owner="e0", owned="e1", percent=100),
            Holding(owner="e4", owned="e2", percent=100),
            Holding(owner="e2", owned="e0", percent=100, **year),
            Holding(owner="e1", owned="e0", percent=100),
        ],
    )
    found = closed_rings(list(dataset.holdings))
    assert [p.record_id for p in found] == ["ring e0, e1"]
    assert [p.record_id for p in columnar.closed_ring_notes(dataset)] == ["ring e0, e1"]
    flags = {v.id: v.flags for v in analyze(dataset, "ofac-50", "2025-01-01")}
    assert flags["e0"] == flags["e1"] == ("closed_ring",)
