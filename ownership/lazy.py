"""Sequences whose items are made when first read: a million rows cost nothing until a
few of them are looked at."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar, overload

T = TypeVar("T")


class MadeOnRead(Sequence[T]):
    """Items are made by :meth:`_make_at` when first read, then kept; equal to any
    sequence with equal items."""

    def __init__(self) -> None:
        self._made: dict[int, T] = {}

    def __len__(self) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

    def _make_at(self, index: int) -> T:  # pragma: no cover - overridden
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self[k] for k in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        item = self._made.get(index)
        if item is None:
            item = self._made[index] = self._make_at(index)
        return item

    def many(self, indices: Sequence[int]) -> list[T]:
        """The items at ``indices`` (each in range), made together where they are not
        made yet, then kept as :meth:`__getitem__` keeps them."""
        missing = sorted({k for k in indices if k not in self._made})
        for index, item in zip(missing, self._make_many(missing), strict=True):
            self._made[index] = item
        return [self._made[k] for k in indices]

    def _make_many(self, indices: list[int]) -> list[T]:
        """:meth:`_make_at` of each of ``indices``; a subclass may make them faster
        together."""
        return [self._make_at(index) for index in indices]

    def each(self) -> Iterator[T]:
        """Every item in order, made for the caller and not kept (those already made are
        reused): going once through a million rows does not hold them all."""
        for index in range(len(self)):
            item = self._made.get(index)
            yield self._make_at(index) if item is None else item

    @property
    def made(self) -> int:
        """How many items have been made so far."""
        return len(self._made)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]
