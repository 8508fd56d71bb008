"""What is worked out from a dataset once and kept beside it, never inside it.

A :class:`~ownership.model.Dataset` and its records cannot change once made, so what
was computed from one dataset object stays true for it: the cross-record checks that
passed, the columns the engine compiles from, and a store of computed arrays (an
on-disk cache entry). Each is kept per dataset object and dropped with it; a changed
dataset is a new object and starts with nothing.

>>> from ownership.model import Dataset
>>> dataset = Dataset()
>>> derived(dataset).checked
False
>>> derived(dataset).checked = True
>>> derived(dataset).checked, derived(Dataset()).checked
(True, False)
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .model import Dataset

__all__ = ["ArrayStore", "Derived", "derived"]


class ArrayStore(Protocol):
    """Somewhere to keep arrays computed from a dataset, e.g. an on-disk cache."""

    def get(self, key: str) -> dict[str, Any] | None: ...

    def put(self, key: str, arrays: dict[str, Any]) -> None: ...


@dataclass
class Derived:
    """What is known of one dataset object: the checks passed, its columns (built by
    :func:`ownership.columns.columns_of`), and the store its reader gave it."""

    checked: bool = False
    columns: Any = None
    store: ArrayStore | None = None
    #: compiled holdings by date (:func:`ownership.propagate.snapshot.compile_holdings`)
    holdings: dict[Any, Any] = field(default_factory=dict)


_KEPT: dict[int, Derived] = {}


def derived(dataset: Dataset) -> Derived:
    """The derived state of ``dataset``, made empty on first use and dropped with it."""
    key = id(dataset)
    found = _KEPT.get(key)
    if found is None:
        found = _KEPT[key] = Derived()
        weakref.finalize(dataset, _KEPT.pop, key, None)
    return found
