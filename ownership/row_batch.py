"""The rows of one batch of lines: a run of consecutive entities (``analyze`` writes the
whole dataset a run at a time) or chosen ones (the changed entities' explanations),
so the same assembly serves both; a run's columns are sliced, chosen rows' taken."""

from __future__ import annotations

from typing import Protocol, overload

import numpy as np
import pyarrow as pa

__all__ = ["Batch"]


class Sliced(Protocol):
    """Texts kept for every entity, made for a run or for chosen rows."""

    def slice(self, start: int, size: int) -> pa.Array: ...
    def take(self, rows: np.ndarray) -> pa.Array: ...


class Batch:
    """Entities ``positions`` (ascending, no repeats), with ``start`` and ``stop`` when
    they are a run."""

    __slots__ = ("positions", "run", "size", "start", "stop")

    def __init__(self, positions: np.ndarray) -> None:
        self.positions = positions
        self.size = int(positions.size)
        self.start = int(positions[0]) if self.size else 0
        self.stop = int(positions[-1]) + 1 if self.size else 0
        self.run = self.stop - self.start == self.size

    @classmethod
    def of_run(cls, start: int, stop: int) -> Batch:
        """Entities ``start`` to ``stop``."""
        return cls(np.arange(start, stop))

    @overload
    def of(self, values: np.ndarray) -> np.ndarray: ...
    @overload
    def of(self, values: pa.Array | Sliced) -> pa.Array: ...

    def of(self, values: np.ndarray | pa.Array | Sliced) -> np.ndarray | pa.Array:
        """The batch's rows of a column of every entity's values."""
        if isinstance(values, np.ndarray):
            return values[self.start : self.stop] if self.run else values[self.positions]
        if self.run:
            return values.slice(self.start, self.size)
        return values.take(self.positions)
