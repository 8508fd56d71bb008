"""Find an entity from what a person types: id, name, alias or former name.

Names are compared after normalisation: case, punctuation, full-width characters and
company suffixes (Co., Ltd., Inc., 有限公司 ...) do not matter. :class:`NameIndex` holds
every name of a dataset's entities, normalised; :mod:`ownership.matching` scores queries
against it, resolves a name to one entity and suggests close names.

>>> normalise_name("Inspur Group Co., Ltd.")
'inspur group'
>>> normalise_name("ＩＮＳＰＵＲ　(Beijing) Electronic Information Industry Co.,Ltd")
'inspur beijing electronic information industry'
>>> normalise_name("浪潮集团有限公司")
'浪潮集团'
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from .columns import columns_of
from .derived import derived
from .model import Dataset, Entity

__all__ = ["Match", "NameIndex", "match_note", "normalise_name", "normalise_names"]

#: Legal-form words dropped before comparing names; they vary between sources.
COMPANY_SUFFIXES = (
    "co",
    "company",
    "corp",
    "corporation",
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "llc",
    "plc",
    "gmbh",
    "ag",
    "sa",
    "bv",
    "pte",
    "oy",
    "jsc",
    "pjsc",
    "ooo",
)
#: CJK legal-form endings, longest first.
CJK_SUFFIXES = ("股份有限公司", "有限责任公司", "有限責任公司", "有限公司", "公司")

#: Store key of the normalised current names of a dataset's entities.
NAME_KEYS = "names-normalised"

#: Store key of the aliases and former names of a dataset's entities.
OTHER_NAMES = "names-other"
#: Datasets of at most this many entities, with no store, are looked up in Python.
SMALL_INDEX = 5_000
_HOW = ("alias", "former name")

_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
_SPACES = re.compile(r"\s+")


def normalise_name(name: str) -> str:
    """Lower-case, NFKC (full-width to ASCII), no punctuation or legal-form suffixes."""
    text = unicodedata.normalize("NFKC", name).casefold().strip()
    for suffix in CJK_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    text = _PUNCT.sub(" ", text)
    words = _SPACES.sub(" ", text).strip().split(" ")
    while len(words) > 1 and words[-1] in COMPANY_SUFFIXES:
        words.pop()
    return " ".join(words)


#: Names of only these characters are normalised by Arrow kernels (:func:`normalise_names`):
#: for them NFKC changes nothing and lower case is case folding.
PLAIN_NAME = r"^[A-Za-z0-9 &'(),./-]*$"
#: Legal-form words at the end of a plain name, after another word.
_TRAILING_SUFFIXES = r"(?: (?:" + "|".join(COMPANY_SUFFIXES) + "))+$"


def normalise_names(names: list[str]) -> Any:
    """:func:`normalise_name` of each name, as an Arrow string array: plain ASCII names
    (most, in any register) by Arrow kernels at once, the others one by one."""
    import pyarrow as pa
    import pyarrow.compute as pc

    array = pa.array(names, pa.large_string())
    text = pc.replace_substring_regex(pc.utf8_lower(array), r"[^a-z0-9 ]", " ")
    text = pc.utf8_trim_whitespace(pc.replace_substring_regex(text, r" +", " "))
    text = pc.replace_substring_regex(text, _TRAILING_SUFFIXES, "")
    plain = pc.match_substring_regex(array, PLAIN_NAME)
    other = np.flatnonzero(~plain.to_numpy(zero_copy_only=False))
    if other.size:
        fixed = pa.array([normalise_name(names[k]) for k in other.tolist()], pa.large_string())
        mask = np.zeros(len(names), dtype=bool)
        mask[other] = True
        text = pc.replace_with_mask(text, pa.array(mask), fixed)
    return text


@dataclass(frozen=True)
class Match:
    """How a query found an entity: by id, name, alias or former name (with its end date)."""

    entity: Entity
    how: str  # id, name, alias, former name, fuzzy
    matched: str
    score: float = 100.0
    until: dt.date | None = None

    def note(self) -> str | None:
        """A line for the user when the match is not the entity's current name."""
        return match_note(self.how, self.matched, self.entity.name, self.score, self.until)


def match_note(
    how: str, matched: str, name: str, score: float, until: dt.date | None
) -> str | None:
    """A line for the user when ``matched`` (found by ``how``) is not the current
    ``name`` of the entity it found."""
    if how == "former name":
        when = f" until {until.isoformat()}" if until else ""
        return f"{matched!r} is a former name of {name} (used{when}); renamed."
    if how == "alias":
        return f"{matched!r} is an alias of {name.rstrip('.')}."
    if how == "fuzzy":
        return f"closest name to your query: {name} (score {score:.0f})."
    return None


def _pack(values: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Strings as one UTF-8 byte array and the offsets of each (Arrow's layout)."""
    import pyarrow as pa

    array = pa.array(values, pa.large_string())
    offsets, data = array.buffers()[1:3]
    return (
        np.frombuffer(offsets, dtype=np.int64)[: len(values) + 1].copy(),
        np.frombuffer(data, dtype=np.uint8).copy() if data else np.zeros(0, np.uint8),
    )


def _strings(offsets: np.ndarray, data: np.ndarray) -> Any:
    """The strings of :func:`_pack`'s layout as an Arrow array, without copying."""
    import pyarrow as pa

    count = max(offsets.size - 1, 0)
    return pa.LargeStringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(data))


@dataclass(frozen=True)
class OtherNames:
    """Aliases and former names by columns: entity position, the name, its normalised
    key, 0 alias / 1 former name, and the last day a former name was used (0 unknown)."""

    position: np.ndarray
    names: Any
    keys: Any
    how: np.ndarray
    until: np.ndarray


class NameIndex:
    """Every name of every entity, normalised, for exact and fuzzy look-up.

    Current names are normalised once into one array (kept in the dataset's store when it
    has one, so a cached million-entity dataset is not normalised again); aliases and
    former names are read only from the entities that have them.
    """

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.columns = columns_of(dataset)

    def entity(self, entity_id: str) -> Entity | None:
        """The entity with this id, if any (no name index needed)."""
        position = self.columns.index.get(entity_id)
        return None if position is None else self.dataset.entities[position]

    @cached_property
    def name_keys(self) -> Any:
        """The normalised current name of every entity, as an Arrow string array."""

        store = derived(self.dataset).store
        stored = store.get(NAME_KEYS) if store is not None else None
        if stored is not None and stored["offsets"].size == self.columns.n + 1:
            return _strings(stored["offsets"], stored["data"])
        keys = normalise_names(list(self.columns.names))
        if store is not None:
            offsets, data = _pack(keys.to_pylist())
            store.put(NAME_KEYS, {"offsets": offsets, "data": data})
        return keys

    @cached_property
    def other_name_table(self) -> OtherNames:
        """Every alias and former name, a row each in dataset order, with its key."""
        store = derived(self.dataset).store
        table = store.get(OTHER_NAMES) if store is not None else None
        if table is None:
            rows = self._read_other_names()
            names = [row[1] for row in rows]
            name_offsets, name_data = _pack(names)
            key_offsets, key_data = _pack(normalise_names(names).to_pylist())
            table = {
                "position": np.array([row[0] for row in rows], dtype=np.int64),
                "how": np.array([row[2] for row in rows], dtype=np.int8),
                "until": np.array([row[3] for row in rows], dtype=np.int64),
                "name_offsets": name_offsets,
                "name_data": name_data,
                "key_offsets": key_offsets,
                "key_data": key_data,
            }
            if store is not None:
                store.put(OTHER_NAMES, table)
        return OtherNames(
            position=np.asarray(table["position"]),
            names=_strings(table["name_offsets"], table["name_data"]),
            keys=_strings(table["key_offsets"], table["key_data"]),
            how=np.asarray(table["how"]),
            until=np.asarray(table["until"]),
        )

    def _other_entries(self, rows: Any) -> list[tuple[int, str, str, dt.date | None]]:
        """(position, name, how, last day used) of the given rows of the other names."""
        table = self.other_name_table
        rows = np.asarray(rows, dtype=np.int64)
        names = table.names.take(rows).to_pylist()
        untils = table.until[rows].tolist()
        return [
            (position, name, _HOW[how], dt.date.fromordinal(until) if until > 0 else None)
            for position, name, how, until in zip(
                table.position[rows].tolist(), names, table.how[rows].tolist(), untils, strict=True
            )
        ]

    def _read_other_names(self) -> list[tuple[int, str, int, int]]:
        """(position, name, 0 alias / 1 former name, last day used or 0) of every entity."""
        entities = self.dataset.entities
        aliased = np.flatnonzero(self.columns.aliased).tolist()
        renamed = np.flatnonzero(self.columns.renamed).tolist()
        read = getattr(entities, "field_values", None)  # rows kept by columns: no records
        if read is not None:
            aliases, formers = read("aliases", aliased), read("former_names", renamed)
        else:
            aliases = [entities[p].aliases for p in aliased]
            formers = [entities[p].former_names for p in renamed]
        rows = [
            (position, alias, 0, 0)
            for position, names in zip(aliased, aliases, strict=True)
            for alias in names
        ]
        rows += [
            (position, f.name, 1, f.until.toordinal() if f.until else 0)
            for position, names in zip(renamed, formers, strict=True)
            for f in names
        ]
        rows.sort(key=lambda row: row[0])
        return rows

    def prepare(self) -> None:
        """Normalise every name now (and keep them in the dataset's store, if it has one)."""
        _ = self.name_keys, self.other_name_table

    @cached_property
    def _keys_in_python(self) -> tuple[list[str], list[tuple[int, str, int, int]], list[str]]:
        """A small dataset's normalised current names, its other names and theirs, made
        in Python: importing Arrow takes longer than normalising a few thousand names."""
        others = self._read_other_names()
        return (
            [normalise_name(name) for name in self.columns.names],
            others,
            [normalise_name(row[1]) for row in others],
        )

    def _entries(self, key: str) -> list[tuple[Entity, str, str, dt.date | None]]:
        """Entities using the normalised name ``key``, in dataset order."""
        entries: list[tuple[int, str, str, dt.date | None]] = []
        small = self.columns.n <= SMALL_INDEX and derived(self.dataset).store is None
        if key and small:
            current, others, other_keys = self._keys_in_python
            names = self.columns.names
            entries = [(p, names[p], "name", None) for p, k in enumerate(current) if k == key]
            entries += [
                (position, name, _HOW[how], dt.date.fromordinal(until) if until > 0 else None)
                for (position, name, how, until), k in zip(others, other_keys, strict=True)
                if k == key
            ]
        elif key:
            import pyarrow.compute as pc

            same = pc.equal(self.name_keys, key).to_numpy(zero_copy_only=False)
            entries = [
                (p, self.columns.names[p], "name", None) for p in np.flatnonzero(same).tolist()
            ]
            keys = self.other_name_table.keys
            if len(keys):
                same = pc.equal(keys, key).to_numpy(zero_copy_only=False)
                entries += self._other_entries(np.flatnonzero(same))
        entries.sort(key=lambda entry: entry[0])
        entities = self.dataset.entities
        return [(entities[int(p)], name, how, until) for p, name, how, until in entries]

    def find(self, query: str) -> list[Match]:
        """Every entity whose id or some name matches ``query`` exactly after normalising."""
        by_id = self.entity(query)
        if by_id is not None:
            return [Match(by_id, "id", query)]
        found: dict[str, Match] = {}
        rank = {"name": 0, "alias": 1, "former name": 2}
        for entity, name, how, until in self._entries(normalise_name(query)):
            current = found.get(entity.id)
            if current is None or rank[how] < rank[current.how]:
                found[entity.id] = Match(entity, how, name, until=until)
        return list(found.values())
