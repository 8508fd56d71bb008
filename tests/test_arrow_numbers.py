"""Arrow arrays of numbers read from their buffers are what pyarrow's conversion gives,
slices, chunks and nulls included; and a folder read by columns, the reader that does
so, and every rule's statuses of it import no pandas (nor scipy, but for look-through)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ownership.arrow_numbers import edge_bytes, numbers, present
from ownership.io.columnar_cells import Decline, _no_surrounding_space

from .factories import dataset, listed, owns

KINDS = {
    "int8": (pa.int8(), st.integers(-128, 127)),
    "int32": (pa.int32(), st.integers(-(2**31), 2**31 - 1)),
    "int64": (pa.int64(), st.integers(-(2**63), 2**63 - 1)),
    "uint16": (pa.uint16(), st.integers(0, 2**16 - 1)),
    "float32": (pa.float32(), st.floats(width=32, allow_nan=False)),
    "float64": (pa.float64(), st.floats(allow_nan=False)),
    "bool": (pa.bool_(), st.booleans()),
}


@st.composite
def arrays(draw: st.DrawFn) -> tuple[pa.ChunkedArray, list[object]]:
    """Chunks of one type, some sliced, some with nulls; and their values in order."""
    kind, values = KINDS[draw(st.sampled_from(sorted(KINDS)))]
    chunks, every = [], []
    for _ in range(draw(st.integers(0, 4))):
        cells = draw(st.lists(st.none() | values, max_size=40))
        start = draw(st.integers(0, len(cells)))
        chunk = pa.array(cells, type=kind).slice(start)
        chunks.append(chunk)
        every += cells[start:]
    return pa.chunked_array(chunks, type=kind), every


@settings(max_examples=400, deadline=None)
@given(arrays(), st.booleans())
def test_numbers_are_pyarrows_values_with_nulls_filled(
    drawn: tuple[pa.ChunkedArray, list[object]], whole: bool
) -> None:
    array, cells = drawn
    values = array.combine_chunks() if whole else array
    expected_type = np.dtype(array.type.to_pandas_dtype())
    if any(cell is None for cell in cells):
        with pytest.raises(ValueError, match="null values"):
            numbers(values)
    got = numbers(values, missing=0)
    assert got.dtype == expected_type
    assert got.tolist() == [0 if cell is None else cell for cell in cells]


@settings(max_examples=200, deadline=None)
@given(arrays(), st.booleans())
def test_rows_present_are_those_with_a_value(
    drawn: tuple[pa.ChunkedArray, list[object]], as_text: bool
) -> None:
    array, cells = drawn
    values = array.cast(pa.string()) if as_text else array
    assert present(values).tolist() == [cell is not None for cell in cells]


#: letters, and characters Python strips (one byte, several bytes) or keeps (several bytes)
_LETTERS = st.sampled_from(
    ["a", " ", "\t", "\x1f", "\x85", "\u00a0", "\u3000", "é", "中", "\u200b"]
)


@st.composite
def texts(draw: st.DrawFn) -> tuple[pa.ChunkedArray, list[str | None]]:
    """Chunks of strings (some large strings, some sliced, some missing); their values."""
    kind = draw(st.sampled_from([pa.string(), pa.large_string()]))
    chunks, every = [], []
    for _ in range(draw(st.integers(0, 3))):
        cells = draw(st.lists(st.none() | st.text(_LETTERS, max_size=4), max_size=12))
        start = draw(st.integers(0, len(cells)))
        chunks.append(pa.array(cells, type=kind).slice(start))
        every += cells[start:]
    return pa.chunked_array(chunks, type=kind), every


@settings(max_examples=300, deadline=None)
@given(texts(), st.booleans())
def test_edge_bytes_are_each_strings_first_and_last_byte(
    drawn: tuple[pa.ChunkedArray, list[str | None]], whole: bool
) -> None:
    array, cells = drawn
    first, last = edge_bytes(array.combine_chunks() if whole else array)
    encoded = [(cell or "").encode() for cell in cells]
    assert first.tolist() == [raw[0] if raw else 0 for raw in encoded]
    assert last.tolist() == [raw[-1] if raw else 0 for raw in encoded]


@settings(max_examples=300, deadline=None)
@given(texts(), st.booleans())
def test_a_column_is_declined_exactly_when_python_would_strip_a_value(
    drawn: tuple[pa.ChunkedArray, list[str | None]], whole: bool
) -> None:
    """Only values starting or ending in a space's byte are searched: none is missed."""
    array, cells = drawn
    strips = any(cell is not None and cell != cell.strip() for cell in cells)
    try:
        _no_surrounding_space(array.combine_chunks() if whole else array, "name")
        declined = False
    except Decline:
        declined = True
    assert declined == strips


def test_other_types_are_refused() -> None:
    with pytest.raises(TypeError, match="not an Arrow array of numbers: string"):
        numbers(pa.array(["a"]))


def test_loading_and_analysing_by_columns_imports_no_pandas_and_scipy_only_for_shares(
    tmp_path: Path,
) -> None:
    """Every rule's statuses, of a folder read by columns, without pandas; without scipy
    too, but for the look-through rule, whose shares use it."""
    from ownership.facade import analyze
    from ownership.io.native_format import write_csv_folder
    from ownership.rules import RULES

    folder = tmp_path / "data"
    group = dataset(listed("p"), owns("p", "a", 60), owns("a", "b", 50), owns("b", "c", 100))
    write_csv_folder(group, folder)
    found = {}
    for rule in sorted(RULES):
        code = (
            "import sys\n"
            "import ownership\n"
            "from ownership.io import columnar\n"
            "columnar.COLUMNAR_FROM_BYTES = 0\n"
            f"data = ownership.load({str(folder)!r}, cache_dir=None)\n"
            "print(type(data.holdings).__name__)\n"
            f"print(ownership.analyze(data, {rule!r}, '2025-10-01').status('c').value)\n"
            "print('pandas' in sys.modules, 'scipy' in sys.modules)\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        read_by, status, imported = done.stdout.splitlines()
        assert read_by == "RowRecords"  # the reader by columns
        assert status == analyze(group, rule, "2025-10-01").status("c").value
        found[rule] = (status, imported)
    assert {imported for rule, (_, imported) in found.items() if rule != "look-through"} == {
        "False False"
    }
    assert found["look-through"][1].startswith("False ")
    assert "covered" in {status for status, _ in found.values()}
