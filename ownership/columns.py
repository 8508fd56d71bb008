"""A dataset as columns: the arrays every analysis compiles its snapshot from.

Holdings and listings become numpy arrays once per dataset (owner and owned as entity
positions, shares as integers scaled by ``10**places``, dates as day numbers), so that
compiling the snapshot of any date is a handful of array operations rather than a loop
over a million records. A dataset read by the columnar CSV reader arrives with its columns
already built; any other dataset gets them from its records on first use.

>>> from ownership.model import Dataset, Entity, Holding
>>> ds = Dataset(entities=[Entity(id="x", name="X"), Entity(id="a", name="A")],
...              holdings=[Holding(owner="x", owned="a", percent="33.3")])
>>> cols = columns_of(ds)
>>> cols.places, cols.holdings.low.tolist(), cols.holdings.high.tolist()
(1, [333], [333])
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, overload

import numpy as np
from numpy.typing import NDArray

from .derived import derived
from .model import Dataset, HoldingKind, fmt_decimal
from .stakes import provenance

if TYPE_CHECKING:
    from .model import Entity
    from .rules.base import Rule

__all__ = [
    "NO_END",
    "NO_START",
    "Columns",
    "DatedNames",
    "HoldingColumns",
    "ListingColumns",
    "PositionIndex",
    "columns_of",
    "day_number",
    "decimal_places",
    "object_array",
    "position_type",
    "provenance_numbers",
    "sum_into",
]

#: Day numbers standing for an open start or end (``date.toordinal`` fits in between).
NO_START = -1
NO_END = 10**7
#: Most decimal places int64 holds exactly; beyond, shares are kept as Python ints.
MAX_PLACES = 12

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


def day_number(day: dt.date | None, missing: int) -> int:
    return missing if day is None else day.toordinal()


@dataclass
class HoldingColumns:
    """One row per holding, in dataset order."""

    owner: IntArray
    owned: IntArray
    control: BoolArray  # a control link (no share)
    low: NDArray[Any]  # lower bound of the share, scaled (unknown = 0); int64 or object
    high: NDArray[Any]  # upper bound, scaled (unknown = 100)
    low_strict: BoolArray  # exclusiveMinimum
    high_strict: BoolArray  # exclusiveMaximum
    places: NDArray[np.int8]  # decimal places the holding's own figures need
    percent_given: BoolArray  # written as one percent, not a range
    range_given: BoolArray  # written as a range (unknown when neither is given)
    start: IntArray
    end: IntArray
    #: the holding's sources as a number: holdings citing the same sources (or none) add
    #: up, others are alternative figures (see :mod:`ownership.stakes`)
    provenance: IntArray

    def active(self, day: dt.date) -> BoolArray:
        return _active(self.start, self.end, day)

    def into(self, owned: int) -> IntArray:
        """Rows of the holdings in entity ``owned`` (all dates), in dataset order."""
        return _rows_of(self, self.owned, owned)

    def share_text(self, row: int, scale: int) -> str:
        """The share of one row as :meth:`ownership.model.Holding.share_text` writes it."""
        if self.control[row]:
            return "control"
        low = fmt_decimal(Decimal(int(self.low[row])) / scale)
        if self.percent_given[row]:
            return f"{low}%"
        if not self.range_given[row]:
            return "unknown %"
        high = fmt_decimal(Decimal(int(self.high[row])) / scale)
        return (
            f"{'>' if self.low_strict[row] else ''}{low}-{'<' if self.high_strict[row] else ''}"
            f"{high}%"
        )


@dataclass
class ListingColumns:
    """One row per listing, in dataset order."""

    entity: IntArray
    list_id: NDArray[np.object_]
    program: NDArray[np.object_]  # None when absent
    start: IntArray
    end: IntArray

    def active(self, day: dt.date) -> BoolArray:
        return _active(self.start, self.end, day)

    def of(self, entity: int) -> IntArray:
        """Rows of the listings of ``entity`` (all dates), in dataset order."""
        return _rows_of(self, self.entity, entity)

    def read_by(self, rule: Rule, rows: IntArray) -> BoolArray:
        """Which listing ``rows`` are on a list ``rule`` reads; each list and programme is
        put to the rule once."""
        pairs = list(zip(self.list_id[rows], self.program[rows], strict=True))
        read = {pair: rule.reads(*pair) for pair in set(pairs)}
        return np.fromiter((read[pair] for pair in pairs), dtype=bool, count=len(pairs))


def _active(start: IntArray, end: IntArray, day: dt.date) -> BoolArray:
    """Rows whose inclusive interval [start, end] holds ``day``."""
    number = day.toordinal()
    return np.asarray((start <= number) & (number <= end))


def _rows_of(table: Any, column: IntArray, value: int) -> IntArray:
    """Rows where ``column`` equals ``value``, through a sorted index kept on ``table``."""
    cached = table.__dict__.get("_sorted_index")
    if cached is None:
        order = np.argsort(column, kind="stable")
        cached = table.__dict__["_sorted_index"] = (order, column[order])
    order, ordered = cached
    left, right = np.searchsorted(ordered, [value, value + 1])
    return np.asarray(order[left:right])


class ArrowStrings(Sequence[str]):
    """A string column read a value at a time, or whole when iterated or sliced.

    With ``keep`` (the ids and names: some commands read them all, a query a handful),
    the whole column once read is kept, and it is read whole after ``WHOLE_AFTER`` single
    reads or a tenth of its length, whichever is more (about the time reading it whole
    takes), so that bulk use costs what a list's does while a query, or a writer that
    needs the rows it builds one at a time, does not keep a million strings.
    """

    WHOLE_AFTER = 20_000
    #: Fewer values than this are taken by reading each (see :meth:`take`).
    READ_ONE_BY_ONE_BELOW = 1_000

    def __init__(self, column: Any, keep: bool = False) -> None:
        self._column = column
        self._keep = keep
        self._whole: list[str] | None = None
        self._reads = 0
        self._takes = 0
        self._taken_from = column

    @property
    def arrow(self) -> Any:
        """The Arrow column itself."""
        return self._column

    def __len__(self) -> int:
        return len(self._column)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if self._whole is not None:
            return self._whole[index]
        if isinstance(index, slice):
            return list(self._column[index].to_pylist())
        self._reads += 1
        if self._keep and self._reads > max(self.WHOLE_AFTER, len(self._column) // 10):
            return self.whole()[index]
        return str(self._column[int(index)].as_py())

    def whole(self) -> list[str]:
        """Every value, as a list (kept with ``keep``)."""
        if self._whole is not None:
            return self._whole
        values: list[str] = self._column.to_pylist()
        if self._keep:
            self._whole = values
        return values

    def __iter__(self) -> Iterator[str]:
        return iter(self.whole())

    def take(self, positions: Any) -> list[str]:
        """The values at ``positions``, in one take from the column (no read counted)."""
        if self._whole is not None:
            whole = self._whole
            return [whole[k] for k in np.asarray(positions).tolist()]
        at = np.asarray(positions, dtype=np.int64)
        if at.size < self.READ_ONE_BY_ONE_BELOW and self._taken_from is self._column:
            # the first takes from many chunks join them (70 to 200 ms for 1M ids mapped
            # from the cache, against a few microseconds a value read one by one)
            column = self._column
            return [str(column[k].as_py()) for k in at.tolist()]
        self._takes += 1
        if self._takes == 2 and getattr(self._column, "num_chunks", 1) > 1:
            # taken from again and again (a writer, a batch at a time): a take from many
            # chunks costs a pass over all of them (0.9 ms for 1M ids), from one a lookup
            self._taken_from = self._column.combine_chunks()
        taken: list[str] = self._taken_from.take(at).to_pylist()
        return taken


class PositionIndex(Mapping[str, int]):
    """Entity id -> position, without hashing a million ids for a handful of look-ups,
    nor at all for a run that only walks the entities in order (``analyze``).

    With the ids' sorted ``order`` (kept with a cached dataset), look-ups first go by
    binary search, reading some twenty ids each; after ``DICT_AFTER`` of them, or at the
    first without an order, a dict is built, so bulk use stays fast.
    """

    DICT_AFTER = 2_000

    def __init__(self, ids: Sequence[str], order: IntArray | None = None) -> None:
        self._ids = ids
        self._order = order
        self._rank: IntArray | None = None  # each position's place in ``order``
        self._dict: dict[str, int] | None = None
        self._lookups = 0

    def __getitem__(self, key: str) -> int:
        if self._dict is not None:
            return self._dict[key]
        self._lookups += 1
        if self._order is None or self._lookups > self.DICT_AFTER:
            self._dict = dict(zip(self._ids, range(len(self._ids)), strict=True))
            return self._dict[key]
        if not isinstance(key, str):
            raise KeyError(key)
        ids, order = self._ids, self._order
        k = bisect_left(range(len(order)), key, key=lambda m: ids[int(order[m])])
        if k < len(order) and ids[int(order[k])] == key:
            return int(order[k])
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def in_id_order(self, positions: IntArray) -> IntArray:
        """``positions`` sorted by their entities' ids: by the ids' sorted order when
        there is one (no id is read), else by the ids."""
        positions = np.asarray(positions, dtype=np.int64)
        if self._order is None:
            return _sorted_by_ids(self._ids, positions)
        if self._rank is None:
            self._rank = np.empty(len(self._order), dtype=np.int64)
            self._rank[self._order] = np.arange(len(self._order))
        return positions[np.argsort(self._rank[positions])]


@dataclass
class Columns:
    """Entities, holdings and listings of a dataset as arrays (see the module docstring)."""

    ids: Sequence[str]  # a list, or an Arrow column read as needed (ArrowStrings)
    index: Mapping[str, int]
    names: Sequence[str]  # current names
    renamed: BoolArray  # has former names, so its name on a date may differ
    aliased: BoolArray  # has aliases
    addressed: BoolArray  # has addresses (a move after a listing is a red flag)
    country: NDArray[np.object_]  # ISO code or None
    holdings: HoldingColumns
    listings: ListingColumns
    places: int  # the scale of ``holdings.low`` / ``high`` is ``10**places``

    @property
    def n(self) -> int:
        return len(self.ids)

    @classmethod
    def from_dataset(cls, dataset: Dataset) -> Columns:
        """Columns of a dataset of records (shares beyond MAX_PLACES decimals as Python ints)."""
        ids = [e.id for e in dataset.entities]
        index = {eid: i for i, eid in enumerate(ids)}
        names = [e.name for e in dataset.entities]
        renamed = np.fromiter((bool(e.former_names) for e in dataset.entities), bool, len(ids))
        aliased = np.fromiter((bool(e.aliases) for e in dataset.entities), bool, len(ids))
        addressed = np.fromiter((bool(e.addresses) for e in dataset.entities), bool, len(ids))
        country = np.array([e.country for e in dataset.entities] or [], dtype=object)
        holdings = dataset.holdings
        places = 0
        per_holding = np.zeros(len(holdings), dtype=np.int8)
        for k, h in enumerate(holdings):
            most = max(
                (
                    decimal_places(v)
                    for v in (
                        h.percent,
                        h.minimum,
                        h.exclusive_minimum,
                        h.maximum,
                        h.exclusive_maximum,
                    )
                    if v is not None
                ),
                default=0,
            )
            per_holding[k] = min(most, 127)
            places = max(places, most)
        scale = 10**places
        count = len(holdings)
        share_type: Any = np.int64 if places <= MAX_PLACES else object
        hold = HoldingColumns(
            owner=np.fromiter((index[h.owner] for h in holdings), np.int64, count),
            owned=np.fromiter((index[h.owned] for h in holdings), np.int64, count),
            control=np.fromiter((h.kind is HoldingKind.control for h in holdings), bool, count),
            low=np.array([int(h.lower_bound * scale) for h in holdings], dtype=share_type),
            high=np.array([int(h.upper_bound * scale) for h in holdings], dtype=share_type),
            low_strict=np.fromiter(
                (h.exclusive_minimum is not None for h in holdings), bool, count
            ),
            high_strict=np.fromiter(
                (h.exclusive_maximum is not None for h in holdings), bool, count
            ),
            places=per_holding,
            percent_given=np.fromiter((h.percent is not None for h in holdings), bool, count),
            range_given=np.fromiter((h.is_range for h in holdings), bool, count),
            start=np.fromiter((day_number(h.start, NO_START) for h in holdings), np.int64, count),
            end=np.fromiter((day_number(h.end, NO_END) for h in holdings), np.int64, count),
            provenance=provenance_numbers([provenance(h) for h in holdings]),
        )
        listings = dataset.listings
        total = len(listings)
        lists = ListingColumns(
            entity=np.fromiter((index[x.entity] for x in listings), np.int64, total),
            list_id=object_array([x.list for x in listings]),
            program=object_array([x.program for x in listings]),
            start=np.fromiter((day_number(x.start, NO_START) for x in listings), np.int64, total),
            end=np.fromiter((day_number(x.end, NO_END) for x in listings), np.int64, total),
        )
        return cls(
            ids=ids,
            index=index,
            names=names,
            renamed=renamed,
            aliased=aliased,
            addressed=addressed,
            country=country,
            holdings=hold,
            listings=lists,
            places=places,
        )


def provenance_numbers(keys: Sequence[tuple[str, ...]]) -> IntArray:
    """A number per provenance key (:func:`ownership.stakes.provenance`), the same number
    for the same key; 0 is no source."""
    numbers: dict[tuple[str, ...], int] = {(): 0}
    return np.fromiter((numbers.setdefault(key, len(numbers)) for key in keys), np.int64, len(keys))


def sum_into(count: int, slots: IntArray, values: NDArray[Any], rows: BoolArray) -> NDArray[Any]:
    """Per slot, the exact sum of ``values`` over the selected rows (``slots[k]`` is row
    k's slot); Python ints when the values are (shares beyond int64)."""
    chosen = values[rows]
    if chosen.dtype == np.int64 and chosen.size:
        bound = int(np.abs(chosen).max()) * chosen.size
        if bound < 2**53:  # every partial sum is exact in a double
            sums = np.bincount(slots[rows], weights=chosen, minlength=count)
            return np.rint(sums).astype(np.int64)
    total = np.zeros(count, dtype=values.dtype)
    np.add.at(total, slots[rows], chosen)
    return total


def position_type(size: int) -> type[np.signedinteger]:
    """The narrower of int32 and int64 that numbers ``size`` positions (0 to size - 1):
    a million positions in 4 MB instead of 8."""
    return np.int32 if size <= 2**31 else np.int64


def object_array(values: list[Any]) -> NDArray[np.object_]:
    """A 1-d object array of ``values`` (numpy would nest sequences)."""
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def decimal_places(value: Decimal) -> int:
    """Decimal places a value is written with (50.00 -> 2), the scale it needs."""
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def in_id_order(index: Mapping[str, int], ids: Sequence[str], positions: IntArray) -> IntArray:
    """``positions`` sorted by their entities' ids (``index`` maps ids to positions)."""
    if isinstance(index, PositionIndex):
        return index.in_id_order(positions)
    return _sorted_by_ids(ids, np.asarray(positions, dtype=np.int64))


#: More ids than this, still in Arrow, are sorted there rather than read one by one.
SORTED_IN_ARROW_FROM = 1_000


def values_at(values: Sequence[str], positions: IntArray) -> list[str]:
    """``values[k]`` for each of ``positions``: from a column still in Arrow, in one take
    rather than a read per value."""
    if isinstance(values, ArrowStrings):
        return values.take(positions)
    return [values[k] for k in np.asarray(positions).tolist()]


def _sorted_by_ids(ids: Sequence[str], positions: IntArray) -> IntArray:
    if isinstance(ids, ArrowStrings) and len(positions) > SORTED_IN_ARROW_FROM:
        import pyarrow.compute as pc  # many ids: sorted in Arrow (by UTF-8 bytes, which is
        # the order of code points Python compares), not read one by one

        return positions[pc.sort_indices(ids.arrow.take(positions)).to_numpy()]
    return np.asarray(sorted(positions.tolist(), key=ids.__getitem__), dtype=np.int64)


def columns_of(dataset: Dataset) -> Columns:
    """The dataset's columns, built once per dataset (which cannot change)."""
    kept = derived(dataset)
    if kept.columns is None:
        kept.columns = Columns.from_dataset(dataset)
    return kept.columns  # type: ignore[no-any-return]


def attach_columns(dataset: Dataset, columns: Columns) -> None:
    """Keep ``columns`` with ``dataset`` (readers that build columns directly call this)."""
    derived(dataset).columns = columns


class DatedNames(Mapping[str, str]):
    """Entity id -> the name it used on the analysis date.

    Only entities with former names can differ from their current name; their records
    are read on first use.
    """

    def __init__(self, columns: Columns, entities: Sequence[Entity], as_of: dt.date) -> None:
        self.columns = columns
        self._entities = entities
        self._as_of = as_of
        self._known: dict[int, str] = {}
        self._arrow: Any = None

    def __getitem__(self, entity_id: str) -> str:
        return self.at(self.columns.index[entity_id])

    def at(self, position: int) -> str:
        """The name of the entity at ``position`` in the dataset."""
        if not self.columns.renamed[position]:
            return self.columns.names[position]
        name = self._known.get(position)
        if name is None:
            from .graph import name_on

            entity = self._entities[position]
            name = self._known[position] = name_on(entity, self._as_of)
        return name

    def take(self, positions: np.ndarray) -> list[str]:
        """The names of the entities at ``positions`` on the date, read at once."""
        names = values_at(self.columns.names, positions)
        for k in np.flatnonzero(self.columns.renamed[positions]).tolist():
            names[k] = self.at(int(positions[k]))
        return names

    def every(self) -> list[str]:
        """Every entity's name on the date, in dataset order."""
        names = list(self.columns.names)
        for position in np.flatnonzero(self.columns.renamed).tolist():
            names[position] = self.at(position)
        return names

    def arrow(self) -> Any:
        """:meth:`every` as an Arrow string array, made on first use and kept."""
        if self._arrow is None:
            import pyarrow as pa

            names = self.columns.names
            if not isinstance(names, ArrowStrings):
                self._arrow = pa.array(self.every(), pa.large_string())
                return self._arrow
            import pyarrow.compute as pc

            # the names read as they are, those of renamed entities replaced in order
            whole = names.arrow  # one chunk as the columnar reader keeps it: not copied
            one = whole.chunk(0) if whole.num_chunks == 1 else whole.combine_chunks()
            current = one.cast(pa.large_string())
            renamed = np.flatnonzero(self.columns.renamed).tolist()
            if renamed:
                dated = pa.array([self.at(k) for k in renamed], pa.large_string())
                current = pc.replace_with_mask(current, pa.array(self.columns.renamed), dated)
            self._arrow = current
        return self._arrow

    def __iter__(self) -> Iterator[str]:
        return iter(self.columns.ids)

    def __len__(self) -> int:
        return self.columns.n
