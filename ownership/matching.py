"""One matcher for every name a person or a file gives: screening and name resolution.

A query (a name, and optionally a country and identifiers such as an LEI) gets every
entity that scores at least the threshold, each with its evidence: which name, alias or
former name matched and how (exactly after :func:`~ownership.resolve.normalise_name`,
or by fuzzy score), which identifier matched or differs, whether the countries agree.

Scores run 0-100: an exact name, alias or former name scores 100, a fuzzy one its
``rapidfuzz`` WRatio; a country that differs takes :data:`COUNTRY_PENALTY` off, an
identifier of the same scheme with another value :data:`IDENTIFIER_CONFLICT_PENALTY`.
An identifier that matches makes a candidate of its own at 100.

Candidates are ordered by score, then by the strength of the evidence (id, identifier,
exact name, alias, former name, fuzzy), then by entity id: the same input gives the same
order on every run and under every hash seed. A query is ``ambiguous`` when the
runner-up has evidence of the same strength class (identifier, exact, fuzzy) and scores
within :data:`AMBIGUITY_MARGIN` of the best.

>>> import ownership
>>> matcher = Matcher(NameIndex(ownership.load(ownership.bundled_dataset())))
>>> found = matcher.match(Query("Inspur Group Co., Ltd."))
>>> found.best.entity_id, found.best.score, str(found.best.evidence[0]), found.ambiguous
('inspur-group', 100.0, "name 'Inspur Group Co., Ltd.'", False)
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from .errors import AmbiguousName, EntityNotFound
from .propagate import concatenated_ranges
from .resolve import Match, NameIndex, normalise_name

__all__ = [
    "AMBIGUITY_MARGIN",
    "THRESHOLD",
    "Candidate",
    "Evidence",
    "MatchResult",
    "Matcher",
    "Query",
]

#: Lowest score (0-100) a candidate needs to be reported.
THRESHOLD = 88.0
#: Scores within this many points of the best, with evidence as strong, make it ambiguous.
AMBIGUITY_MARGIN = 3.0
#: Points off when the query's country and the entity's differ.
COUNTRY_PENALTY = 10.0
#: Points off when the query and the entity hold different values of one identifier scheme.
IDENTIFIER_CONFLICT_PENALTY = 30.0
#: Candidates kept per query, best first.
CANDIDATES_KEPT = 10
#: A word naming more distinct names than this does not select candidates for fuzzy
#: scoring ("group", "technology"); the rarer words of the query do.
BLOCK_LIMIT = 5_000
#: Up to this many distinct names, every name is scored for fuzzy candidates (a typo in
#: every word still finds its name); above, only names sharing a word with the query.
FULL_SCAN_LIMIT = 50_000
#: Fuzzy suggestions offered when a name resolves to nothing.
SUGGESTIONS = 5
#: Fuzzy score (0-100) below which a name is not offered as a suggestion.
SUGGESTION_CUTOFF = 70.0

#: Strength of each kind of evidence, strongest first: the second key of the order.
HOW_RANK = {
    "id": 0,
    "identifier": 1,
    "name": 2,
    "alias": 3,
    "former name": 4,
    "fuzzy": 5,
}
#: Kinds of evidence compared for ambiguity: one class each.
STRENGTH_CLASS = {"id": 0, "identifier": 1, "name": 2, "alias": 2, "former name": 2, "fuzzy": 3}
#: Schemes whose values name one legal entity: two values of one scheme cannot both be it.
UNIQUE_SCHEMES = frozenset({"lei", "uscc", "duns", "swift", "imo"})
_ENTRY_HOW = ("name", "alias", "former name")
#: Scripts written without spaces between words, for RE2 and for Python.
JOINED_SCRIPT = r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]"
JOINED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


@dataclass(frozen=True)
class Query:
    """What a counterparty row or a person gives: a name, maybe a country (ISO-2) and
    identifiers by scheme (``{"lei": "5493..."}``)."""

    name: str
    country: str | None = None
    identifiers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Evidence:
    """One reason a candidate matched, or counts less."""

    kind: str  # id, identifier, name, alias, former name, fuzzy <how>, country, identifier differs
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Candidate:
    """An entity a query may denote, with its score and evidence."""

    entity_id: str
    entity_name: str
    score: float
    how: str  # the strongest evidence: id, identifier, name, alias, former name, fuzzy
    matched: str  # the name (or identifier) that matched
    evidence: tuple[Evidence, ...]
    until: dt.date | None = None  # when a matched former name was last used

    def evidence_text(self) -> str:
        return "; ".join(str(e) for e in self.evidence)

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "entity_name": self.entity_name,
            "score": self.score,
            "how": self.how,
            "evidence": [str(e) for e in self.evidence],
        }


@dataclass(frozen=True)
class MatchResult:
    """The candidates of one query, best first, and whether the best is in doubt."""

    query: Query
    candidates: tuple[Candidate, ...]
    ambiguous: bool

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


class Matcher:
    """Matches queries against every name of a dataset's entities (see module docs)."""

    def __init__(self, index: NameIndex, threshold: float = THRESHOLD) -> None:
        self.index = index
        self.threshold = threshold

    # ------------------------------------------------------------------ the name table
    @cached_property
    def _table(self) -> _NameTable:
        return _NameTable.build(self.index)

    @cached_property
    def _identifiers(self) -> dict[tuple[str, str], list[int]]:
        """(scheme, value as compared) -> entity positions, in dataset order."""
        entities = self.index.dataset.entities
        read = getattr(entities, "field_values", None)  # rows kept by columns: no records
        positions = list(range(len(entities)))
        if read is not None:
            lists = read("identifiers", positions)
        else:
            lists = [entity.identifiers for entity in entities]
        found: dict[tuple[str, str], list[int]] = defaultdict(list)
        for position, identifiers in zip(positions, lists, strict=True):
            for identifier in identifiers:
                found[(_scheme(identifier.scheme), _value(identifier.value))].append(position)
        return found

    # ------------------------------------------------------------------ matching
    def match(self, query: Query, threshold: float | None = None) -> MatchResult:
        """The candidates of one query scoring ``threshold`` (default: the matcher's) or more."""
        return self.match_many([query], threshold=threshold)[0]

    def match_many(
        self,
        queries: Sequence[Query],
        *,
        threshold: float | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[MatchResult]:
        """Every query's candidates; names are looked up together, so a long list costs
        one pass over the name table, not one per query."""
        floor = self.threshold if threshold is None else threshold
        table = self._table
        keys = [normalise_name(q.name) for q in queries]
        exact = table.exact_keys(keys)
        blocks = table.blocks(keys)
        results = []
        for k, query in enumerate(queries):
            if progress is not None and k % 1000 == 0:
                progress(k, len(queries))
            results.append(self._one(query, keys[k], exact[k], blocks[k], floor))
        if progress is not None:
            progress(len(queries), len(queries))
        return results

    def _one(
        self, query: Query, key: str, exact: int, block: np.ndarray, floor: float
    ) -> MatchResult:
        table = self._table
        columns = self.index.columns
        identifiers = {_scheme(s): _value(v) for s, v in query.identifiers.items() if v.strip()}
        country = (query.country or "").strip().upper()
        # per entity position: (score, how, matched, until, which of its names matched)
        found: dict[int, tuple[float, str, str, dt.date | None, str]] = {}
        adjusted: dict[int, float] = {}  # the score less what country and identifiers take

        def offer(
            position: int, score: float, how: str, matched: str, until: Any, kind: str = ""
        ) -> None:
            current = found.get(position)
            if current is None or (-score, HOW_RANK[how]) < (-current[0], HOW_RANK[current[1]]):
                found[position] = (score, how, matched, until, kind or how)
                adjusted[position] = score - self._penalty(position, country, identifiers)

        position = columns.index.get(query.name.strip())
        if position is not None:
            offer(position, 100.0, "id", query.name.strip(), None)
        if key and exact >= 0:  # a name of only punctuation or suffixes matches nothing
            for position, how, name, until in table.entries(exact):
                offer(position, 100.0, how, name, until)
        for scheme, value in identifiers.items():
            for position in self._identifiers.get((scheme, value), []):
                offer(position, 100.0, "identifier", f"{scheme.upper()} {value}", None)
        if key and block.size:
            self._fuzzy(key, block, floor, offer, country, identifiers)
        best = sorted(
            (p for p in found if adjusted[p] >= floor or found[p][1] == "id"),
            key=lambda p: (-round(max(adjusted[p], 0.0), 1), HOW_RANK[found[p][1]], columns.ids[p]),
        )[:CANDIDATES_KEPT]
        kept = [self._candidate(query, identifiers, p, adjusted[p], *found[p]) for p in best]
        return MatchResult(query, tuple(kept), _ambiguous(kept))

    def _fuzzy(
        self,
        key: str,
        block: np.ndarray,
        floor: float,
        offer: Callable[..., None],
        country: str,
        identifiers: Mapping[str, str],
    ) -> None:
        """Offer the entities whose names in ``block`` are close to ``key``: the best
        :data:`CANDIDATES_KEPT` (twice that, for rounding) by score less penalties, then
        entity id; the others cannot be kept."""
        from rapidfuzz import fuzz, process

        table = self._table
        scored = process.extract(
            key, table.key_texts(block), scorer=fuzz.WRatio, limit=None, score_cutoff=floor
        )
        if not scored:
            return
        key_ids = block[np.fromiter((s[2] for s in scored), np.int64, len(scored))]
        scores = np.fromiter((s[1] for s in scored), np.float64, len(scored))
        starts = table.entry_offsets[key_ids]
        counts = table.entry_offsets[key_ids + 1] - starts
        entries = concatenated_ranges(starts, counts)
        raw = np.repeat(scores, counts)
        positions = table.entry_position[entries]
        adjusted = raw.copy()
        if country:  # _checks's country rule, for every entry at once
            theirs = self._countries[positions]
            adjusted[(theirs != "") & (theirs != country)] -= COUNTRY_PENALTY
        if identifiers:
            adjusted -= [self._penalty(int(p), "", identifiers) for p in positions.tolist()]
        order = np.lexsort((self._id_rank[positions], -np.round(np.maximum(adjusted, 0.0), 1)))
        _, first = np.unique(positions[order], return_index=True)
        for k in order[np.sort(first)][: 2 * CANDIDATES_KEPT].tolist():
            position, kind, name, until = table.entry(int(entries[k]))
            offer(position, float(raw[k]), "fuzzy", name, until, kind)

    @cached_property
    def _countries(self) -> np.ndarray:
        """Each entity's country, upper case ("" unknown), for comparing many at once."""
        return np.asarray([(c or "").upper() for c in self.index.columns.country], dtype=object)

    @cached_property
    def _id_rank(self) -> np.ndarray:
        """Each entity's place in id order: equal scores are ordered by id."""
        import pyarrow as pa
        import pyarrow.compute as pc

        order = pc.sort_indices(pa.array(self.index.columns.ids, pa.large_string()))
        rank = np.empty(len(order), dtype=np.int64)
        rank[order.to_numpy()] = np.arange(len(order))
        return rank

    def _penalty(self, position: int, country: str, identifiers: Mapping[str, str]) -> float:
        """Points off the score of the entity at ``position`` (see :meth:`_checks`)."""
        return sum(points for _, points in self._checks(position, country, identifiers))

    def _checks(
        self, position: int, country: str, identifiers: Mapping[str, str], how: str = ""
    ) -> list[tuple[Evidence, float]]:
        """What the query's identifiers and country say of the entity at ``position``,
        each with the points it takes off: an identifier that matches (unless it is how
        the entity was found) or differs in a scheme naming one entity, a country that
        agrees or differs."""
        found: list[tuple[Evidence, float]] = []
        if identifiers:
            held = self._identifiers_of(position)
            for scheme, value in identifiers.items():
                theirs = held.get(scheme, set())
                if value in theirs and how != "identifier":
                    found.append((Evidence("identifier", f"{scheme.upper()} {value} matches"), 0))
                elif theirs and value not in theirs and scheme in UNIQUE_SCHEMES:
                    listed = ", ".join(sorted(theirs))
                    differs = Evidence(
                        "identifier differs", f"{scheme.upper()} {value} differs: theirs {listed}"
                    )
                    found.append((differs, IDENTIFIER_CONFLICT_PENALTY))
        theirs_country = (self.index.columns.country[position] or "").upper()
        if country and theirs_country:
            if country == theirs_country:
                found.append((Evidence("country", f"country {country} agrees"), 0))
            else:
                text = f"country {country} differs: theirs {theirs_country}"
                found.append((Evidence("country", text), COUNTRY_PENALTY))
        return found

    def _candidate(
        self,
        query: Query,
        identifiers: Mapping[str, str],
        position: int,
        final: float,
        score: float,
        how: str,
        matched: str,
        until: dt.date | None,
        kind: str,
    ) -> Candidate:
        """The candidate at ``position``: ``final`` is ``score`` less :meth:`_penalty`."""
        columns = self.index.columns
        country = (query.country or "").strip().upper()
        evidence = [_how_evidence(how, kind, matched, score, until)]
        evidence += [e for e, _ in self._checks(position, country, identifiers, how)]
        final = round(max(final, 0.0), 1)
        name = columns.names[position]
        return Candidate(columns.ids[position], name, final, how, matched, tuple(evidence), until)

    def _identifiers_of(self, position: int) -> dict[str, set[str]]:
        entity = self.index.dataset.entities[position]
        held: dict[str, set[str]] = defaultdict(set)
        for identifier in entity.identifiers:
            held[_scheme(identifier.scheme)].add(_value(identifier.value))
        return held

    # ------------------------------------------------------------------ resolving a name
    def find(self, query: str) -> list[Match]:
        """Every entity whose id, name, alias or former name is ``query`` once normalised."""
        return self.index.find(query)

    def suggest(self, query: str, limit: int = SUGGESTIONS) -> list[Match]:
        """Close names by fuzzy score, best first, ties by entity id (stable)."""
        result = self.match(Query(query), threshold=SUGGESTION_CUTOFF)
        entities = self.index.dataset.entities
        columns = self.index.columns
        return [
            Match(entities[columns.index[c.entity_id]], "fuzzy", c.matched, c.score, c.until)
            for c in result.candidates[:limit]
        ]

    def resolve(self, query: str) -> Match:
        """Exactly one entity for ``query`` (id, name, alias or former name), or
        :class:`AmbiguousName` listing the candidates and their evidence, or
        :class:`EntityNotFound` with close names."""
        matches = self.find(query)
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            ordered = sorted(matches, key=lambda m: (HOW_RANK[m.how], m.entity.id))
            raise AmbiguousName(
                query,
                [(m.entity.id, m.entity.name) for m in ordered],
                [f"{m.how} {m.matched!r}" for m in ordered],
            )
        suggestions = [f"{m.entity.name} [{m.entity.id}]" for m in self.suggest(query)]
        raise EntityNotFound(query, suggestions)


def _ambiguous(candidates: Sequence[Candidate]) -> bool:
    if len(candidates) < 2:
        return False
    best, second = candidates[0], candidates[1]
    return (
        STRENGTH_CLASS[best.how] == STRENGTH_CLASS[second.how]
        and best.score - second.score < AMBIGUITY_MARGIN
    )


def _how_evidence(
    how: str, kind: str, matched: str, score: float, until: dt.date | None
) -> Evidence:
    """The evidence of how a candidate was found; ``kind`` is which of its names (name,
    alias, former name) a fuzzy match is close to."""
    used = f", used until {until.isoformat()}" if until and kind == "former name" else ""
    if how == "id":
        return Evidence("id", f"id {matched!r}")
    if how == "identifier":
        return Evidence("identifier", f"{matched} matches")
    if how == "fuzzy":
        return Evidence("fuzzy", f"close to {kind} {matched!r} (score {score:.0f}){used}")
    return Evidence(how, f"{how} {matched!r}{used}")


def _pairs(key: str) -> list[str]:
    """The two-character words of the parts of ``key`` written in a script without spaces."""
    found: list[str] = []
    for word in key.split():
        if JOINED.search(word):
            found += [word[k : k + 2] for k in range(len(word) - 1)]
    return found


def _scheme(scheme: str) -> str:
    return "".join(scheme.split()).casefold()


def _value(value: str) -> str:
    """Identifier values as compared: upper case, letters and digits only."""
    return "".join(ch for ch in value.upper() if ch.isalnum())


class _NameTable:
    """Every distinct normalised name (current, alias, former) once, the entries that
    carry it, and its words, for exact look-up and for choosing fuzzy candidates."""

    def __init__(
        self,
        keys: Any,
        entry_offsets: np.ndarray,
        entries: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
        words: Any,
        postings: tuple[np.ndarray, np.ndarray],
        index: NameIndex,
    ) -> None:
        self.keys = keys  # Arrow strings: distinct keys, in order of first use
        self.entry_offsets = entry_offsets
        self.entry_position, self.entry_how, self.entry_row, self.entry_until = entries
        self.words = words  # Arrow strings: distinct words
        self.word_offsets, self.word_keys = postings
        self.index = index

    @classmethod
    def build(cls, index: NameIndex) -> _NameTable:
        import pyarrow as pa
        import pyarrow.compute as pc

        current = index.name_keys
        other = index.other_name_table
        n = len(current)
        all_keys = pa.concat_arrays([current, other.keys.cast(pa.large_string())])
        positions = np.concatenate([np.arange(n, dtype=np.int64), other.position])
        how = np.concatenate([np.zeros(n, dtype=np.int8), other.how.astype(np.int8) + 1])
        rows = np.concatenate([np.full(n, -1, dtype=np.int64), np.arange(len(other.keys))])
        until = np.concatenate([np.zeros(n, dtype=np.int64), other.until])
        encoded = pc.dictionary_encode(all_keys)
        key_id = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        keys = encoded.dictionary
        order = np.argsort(key_id, kind="stable")
        offsets = np.searchsorted(key_id[order], np.arange(len(keys) + 1))
        entries = (positions[order], how[order], rows[order], until[order])
        split = pc.utf8_split_whitespace(keys)
        word_of = pc.list_flatten(split)
        parent = pc.list_parent_indices(split).to_numpy(zero_copy_only=False).astype(np.int64)
        # names written without spaces (Chinese, Japanese, Korean) are words of two
        # characters too, so that a part of such a name finds it
        joined = np.flatnonzero(
            pc.match_substring_regex(keys, JOINED_SCRIPT).to_numpy(zero_copy_only=False)
        )
        if joined.size:
            texts = keys.take(pa.array(joined)).to_pylist()
            extra = [
                (int(k), pair)
                for k, key in zip(joined.tolist(), texts, strict=True)
                for pair in _pairs(key)
            ]
            if extra:
                pairs = pa.array([w for _, w in extra], pa.large_string())
                word_of = pa.concat_arrays([word_of.cast(pa.large_string()), pairs])
                parent = np.concatenate([parent, np.array([k for k, _ in extra], dtype=np.int64)])
        words_encoded = pc.dictionary_encode(word_of)
        word_id = words_encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        by_word = np.lexsort((parent, word_id))
        word_id, parent = word_id[by_word], parent[by_word]
        distinct = np.ones(word_id.size, dtype=bool)
        distinct[1:] = (word_id[1:] != word_id[:-1]) | (parent[1:] != parent[:-1])
        word_id, parent = word_id[distinct], parent[distinct]
        word_offsets = np.searchsorted(word_id, np.arange(len(words_encoded.dictionary) + 1))
        return cls(keys, offsets, entries, words_encoded.dictionary, (word_offsets, parent), index)

    def exact_keys(self, keys: Sequence[str]) -> np.ndarray:
        """Per query key, the id of the equal distinct key, or -1."""
        import pyarrow as pa
        import pyarrow.compute as pc

        found = pc.index_in(pa.array(list(keys), pa.large_string()), value_set=self.keys)
        return np.asarray(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)

    def blocks(self, keys: Sequence[str]) -> list[np.ndarray]:
        """Per query key, the distinct keys sharing one of its rarer words, in key order."""
        import pyarrow as pa
        import pyarrow.compute as pc

        words = [key.split() + _pairs(key) for key in keys]
        flat = [w for ws in words for w in ws]
        ids = pc.index_in(pa.array(flat, pa.large_string()), value_set=self.words)
        word_ids = np.asarray(ids.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
        if len(self.keys) <= FULL_SCAN_LIMIT:  # small enough: every name is a candidate
            every = np.arange(len(self.keys), dtype=np.int64)
            return [every for _ in keys]
        offsets, postings = self.word_offsets, self.word_keys
        result = []
        at = 0
        for ws in words:
            mine = word_ids[at : at + len(ws)]
            at += len(ws)
            mine = mine[mine >= 0]
            sizes = offsets[mine + 1] - offsets[mine]
            rare = mine[sizes <= BLOCK_LIMIT]
            if not rare.size and mine.size:
                rare = mine[np.argsort(sizes, kind="stable")[:1]]  # the rarest common word
            if rare.size:
                chosen = np.concatenate([postings[offsets[w] : offsets[w + 1]] for w in rare])
                result.append(np.unique(chosen))
            else:
                result.append(np.zeros(0, dtype=np.int64))
        return result

    def key_texts(self, key_ids: np.ndarray) -> list[str]:
        import pyarrow as pa

        return self.keys.take(pa.array(key_ids)).to_pylist()

    def entries(self, key_id: int) -> list[tuple[int, str, str, dt.date | None]]:
        """(position, how, name as written, last day used) of the names with this key."""
        start, stop = int(self.entry_offsets[key_id]), int(self.entry_offsets[key_id + 1])
        return [self.entry(k) for k in range(start, stop)]

    def entry(self, k: int) -> tuple[int, str, str, dt.date | None]:
        """(position, how, name as written, last day used) of entry ``k``."""
        position, how = int(self.entry_position[k]), int(self.entry_how[k])
        row, until = int(self.entry_row[k]), int(self.entry_until[k])
        if row < 0:
            name = self.index.columns.names[position]
        else:
            name = self.index.other_name_table.names[row].as_py()
        last = dt.date.fromordinal(until) if until > 0 else None
        return position, _ENTRY_HOW[how], name, last
