"""Arrow arrays of numbers and booleans as numpy arrays, read from their buffers.

pyarrow's own conversion (``to_numpy``), like any conversion of a Python value into
Arrow, imports pandas the first time when pandas is installed, only to learn whether a
value is a pandas object: 0.3 s, as long as reading the ids of a 1M-entity folder. The
reader by columns turns its Arrow results into numpy here instead, and puts no Python
value into Arrow, so that loading a folder and working out its statuses import no pandas.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["edge_bytes", "numbers", "present"]

#: numpy's name of each Arrow float type (Arrow calls float64 "double").
_FLOATS = {"halffloat": "float16", "float": "float32", "double": "float64"}


def numbers(values: Any, missing: Any = None) -> np.ndarray:
    """``values`` (an Arrow array or chunked array of integers, floats or booleans) as a
    numpy array, ``missing`` where a value is null; nulls with no ``missing`` raise."""
    chunks = values.chunks if hasattr(values, "chunks") else [values]
    kind = values.type
    parts = [_chunk(chunk, kind, missing) for chunk in chunks]
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return np.zeros(0, dtype=_dtype(kind))
    return np.concatenate(parts)


def present(values: Any) -> np.ndarray:
    """Per row of ``values`` (an Arrow array or chunked array of any type), whether it
    holds a value, read from the validity bitmaps."""
    chunks = values.chunks if hasattr(values, "chunks") else [values]
    parts = [np.zeros(0, dtype=bool)]
    for chunk in chunks:
        size, nulls = len(chunk), chunk.null_count
        if nulls in (0, size):
            parts.append(np.full(size, nulls == 0))
        else:
            parts.append(_bits(chunk.buffers()[0], chunk.offset, size))
    return np.concatenate(parts)


def edge_bytes(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per string of ``values`` (an Arrow array or chunked array of strings), its first
    and its last byte, read from the offsets (0 for an empty or missing string): whether
    a string may start or end with some character, without a pass over its bytes."""
    chunks = values.chunks if hasattr(values, "chunks") else [values]
    firsts, lasts = [np.zeros(0, dtype=np.uint8)], [np.zeros(0, dtype=np.uint8)]
    for chunk in chunks:
        size = len(chunk)
        _, offsets, data = chunk.buffers()[:3]
        first, last = np.zeros(size, dtype=np.uint8), np.zeros(size, dtype=np.uint8)
        if size and data is not None:
            wide = np.int64 if str(chunk.type) == "large_string" else np.int32
            stored = np.frombuffer(offsets, dtype=wide, count=chunk.offset + size + 1)
            bounds: np.ndarray = stored[chunk.offset :].astype(np.int64)
            raw = np.frombuffer(data, dtype=np.uint8, count=int(bounds[-1]))
            filled = bounds[1:] > bounds[:-1]
            first[filled] = raw[bounds[:-1][filled]]
            last[filled] = raw[bounds[1:][filled] - 1]
        firsts.append(first)
        lasts.append(last)
    return np.concatenate(firsts), np.concatenate(lasts)


def _dtype(kind: Any) -> np.dtype[Any]:
    name = str(kind)
    if name == "bool":
        return np.dtype(bool)
    if name in _FLOATS:
        return np.dtype(_FLOATS[name])
    if name.startswith(("int", "uint")):
        return np.dtype(name)
    raise TypeError(f"not an Arrow array of numbers: {name}")


def _bits(buffer: Any, offset: int, size: int) -> np.ndarray:
    packed = np.frombuffer(buffer, dtype=np.uint8)
    return np.unpackbits(packed, bitorder="little", count=offset + size)[offset:].astype(bool)


def _chunk(chunk: Any, kind: Any, missing: Any) -> np.ndarray:
    dtype = _dtype(kind)
    size, offset = len(chunk), chunk.offset
    if size == 0:
        return np.zeros(0, dtype=dtype)
    validity, data = chunk.buffers()[:2]
    if dtype == np.dtype(bool):
        found = _bits(data, offset, size)
    else:
        found = np.frombuffer(data, dtype=dtype, count=offset + size)[offset:]
    if chunk.null_count == 0:
        return found
    if missing is None:
        raise ValueError(f"{chunk.null_count} null values and no value for them")
    return np.where(_bits(validity, offset, size), found, np.asarray(missing).astype(dtype))
