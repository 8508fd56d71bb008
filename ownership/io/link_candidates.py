"""Candidate pairs for linking: entities that may be one, each with the best score
proposed for it and the reason.

Identifiers propose pairs of any two entities of different sources
(:func:`propose_by_identifier`); names only pairs of a list entry and another entity
(:func:`propose_by_name`), equal once normalised or close by a fuzzy ratio, narrowed by
shared words first. The country sets the penalty of each, and a person never pairs with a
company. Kept apart from :mod:`ownership.io.link`, which decides what becomes of the
candidates (linked, to review, settled by a same_as file) and merges the linked ones: what
is here scores one pair at a time and decides nothing.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from ..model import Dataset, Entity, EntityKind
from ..resolve import normalise_name

__all__ = [
    "COUNTRY_MISMATCH_PENALTY",
    "UNKNOWN_COUNTRY_PENALTY",
    "Candidates",
    "propose_by_identifier",
    "propose_by_name",
]


#: Different countries: two companies of one name in two countries are usually two.
COUNTRY_MISMATCH_PENALTY = 20.0
#: One side without a country: the tie-breaker cannot help.
UNKNOWN_COUNTRY_PENALTY = 5.0
#: Fuzzy name scores are scaled by this, so fuzzy alone never reaches ACCEPT_SCORE.
FUZZY_SCALE = 0.94
#: A word in more names than this is too common to narrow fuzzy comparisons.
BLOCK_WORD_LIMIT = 5000
#: A registration number this short is too common to link on across registers.
MIN_REGISTRATION_LENGTH = 6

#: Schemes whose values identify one entity worldwide; an equal value links at 100 (``un``
#: and ``eu``: the reference numbers of the UN and EU lists; the EU file repeats the UN's).
GLOBAL_SCHEMES = frozenset(
    {"lei", "imo", "swift", "mmsi", "opensanctions", "duns", "uscc", "un", "eu"}
)
#: Schemes that are not company registrations (and so never match across schemes).
NON_REGISTRATION = GLOBAL_SCHEMES | {"passport", "national_id", "tax", "vat", "msn"}


def _norm_value(value: str) -> str:
    return re.sub(r"[\s.\-/]", "", value).upper()


def _countries(a: Entity, b: Entity) -> tuple[float, str]:
    if a.country and b.country:
        if a.country == b.country:
            return 0.0, f"same country {a.country}"
        return COUNTRY_MISMATCH_PENALTY, f"countries differ ({a.country} / {b.country})"
    return UNKNOWN_COUNTRY_PENALTY, "a country is unknown"


def _leis(entity: Entity) -> set[str]:
    return {i.value.upper() for i in entity.identifiers if i.scheme == "lei"}


def _kinds_clash(a: Entity, b: Entity) -> bool:
    """A person and an organisation are never one; a kind the source left unknown
    meets either."""
    if EntityKind.unknown in (a.kind, b.kind):
        return False
    return (a.kind is EntityKind.person) != (b.kind is EntityKind.person)


class Candidates:
    """Pairs that may be one entity, each with the best score proposed for it and why."""

    def __init__(self, entities: Mapping[str, Entity]) -> None:
        self.entities = entities
        #: The best (score, reason) of each pair of entity ids.
        self.scores: dict[frozenset[str], tuple[float, str]] = {}

    def propose(self, a: str, b: str, score: float, reason: str) -> None:
        if a == b:
            return
        leis_a, leis_b = _leis(self.entities[a]), _leis(self.entities[b])
        if leis_a and leis_b and not leis_a & leis_b:
            return  # two different LEIs: two different legal entities
        key = frozenset({a, b})
        if key not in self.scores or self.scores[key][0] < score:
            self.scores[key] = (score, reason)


def _different_sources(a: Entity, b: Entity) -> bool:
    return not (set(a.sources) & set(b.sources)) or not a.sources


def propose_by_identifier(dataset: Dataset, candidates: Candidates) -> None:
    """Pairs of entities of different sources sharing an identifier: at 100 for a
    worldwide scheme (else less the country penalty), at 96 less the country penalty for
    one registration number under two registers' schemes."""
    entities = candidates.entities
    by_ident: dict[tuple[str, str], list[str]] = defaultdict(list)
    by_registration: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for entity in dataset.entities:
        for ident in entity.identifiers:
            value = _norm_value(ident.value)
            by_ident[(ident.scheme.casefold(), value)].append(entity.id)
            if ident.scheme.casefold() not in NON_REGISTRATION and len(value) >= (
                MIN_REGISTRATION_LENGTH
            ):
                by_registration[value].append((entity.id, ident.scheme))
    for (scheme, value), ids in by_ident.items():
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                ea, eb = entities[a], entities[b]
                if not _different_sources(ea, eb) or _kinds_clash(ea, eb):
                    continue
                penalty, country = _countries(ea, eb)
                score = 100.0 if scheme in GLOBAL_SCHEMES else 100.0 - penalty
                candidates.propose(a, b, score, f"same {scheme} identifier {value}; {country}")
    for value, items in by_registration.items():
        for i, (a, scheme_a) in enumerate(items):
            for b, scheme_b in items[i + 1 :]:
                ea, eb = entities[a], entities[b]
                if scheme_a == scheme_b or not _different_sources(ea, eb) or _kinds_clash(ea, eb):
                    continue
                penalty, country = _countries(ea, eb)
                candidates.propose(
                    a,
                    b,
                    96.0 - penalty,
                    f"registration number {value} in both ({scheme_a} / {scheme_b}); {country}",
                )


def propose_by_name(dataset: Dataset, candidates: Candidates, review: float) -> None:
    """Pairs of a list entry and an entity of another source whose names (or aliases, or
    former names) are equal once normalised, or close enough to score ``review`` or more."""
    entities = candidates.entities
    order = {e.id: i for i, e in enumerate(dataset.entities)}
    listed = {x.entity for x in dataset.listings}
    names: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for entity in dataset.entities:
        for name, how in _names(entity):
            key = normalise_name(name)
            if key:
                names[key].append((entity.id, how))
    blocks = _Blocks(names, entities)
    for entity_id in sorted(listed, key=lambda e: order.get(e, 0)):
        if entity_id not in entities:
            continue
        entity = entities[entity_id]
        for name, how in _names(entity):
            key = normalise_name(name)
            if not key:
                continue
            for other_id, other_how in names.get(key, []):
                _name_candidate(
                    entity,
                    entities[other_id],
                    key,
                    how,
                    other_how,
                    0.0,
                    candidates.propose,
                    _different_sources,
                )
            for other_key, ratio in _fuzzy(key, blocks.candidates(key, entity), review):
                for other_id, other_how in names[other_key]:
                    _name_candidate(
                        entity,
                        entities[other_id],
                        f"{key} ~ {other_key}",
                        how,
                        other_how,
                        ratio,
                        candidates.propose,
                        _different_sources,
                    )


def _names(entity: Entity) -> list[tuple[str, str]]:
    return [
        (entity.name, "name"),
        *((a, "alias") for a in entity.aliases),
        *((f.name, "former name") for f in entity.former_names),
    ]


class _Blocks:
    """Which normalised names are worth a fuzzy comparison with a query.

    Comparing every list entry with every name is quadratic; a name is a candidate only
    when it shares a word with the query and comes from an entity of another source.
    Words carried by more than :data:`BLOCK_WORD_LIMIT` names ("china", "technology")
    select too much to help and are not used for blocking.
    """

    def __init__(self, names: Mapping[str, list[tuple[str, str]]], entities: Mapping[str, Entity]):
        self.by_word: dict[str, set[str]] = defaultdict(set)
        self.sources: dict[str, set[str]] = defaultdict(set)
        for key, owners in names.items():
            for word in set(key.split()):
                if len(word) >= 3 or not word.isascii():
                    self.by_word[word].add(key)
            for entity_id, _ in owners:
                self.sources[key].update(entities[entity_id].sources)

    def candidates(self, key: str, entity: Entity) -> list[str]:
        found: set[str] = set()
        for word in set(key.split()):
            posting = self.by_word.get(word, set())
            if len(posting) <= BLOCK_WORD_LIMIT:
                found |= posting
        own = set(entity.sources)
        return sorted(k for k in found if k != key and not (own and self.sources[k] <= own))


def _fuzzy(key: str, keys: list[str], review: float) -> list[tuple[str, float]]:
    from rapidfuzz import fuzz, process

    cutoff = review / FUZZY_SCALE
    found = process.extract(key, keys, scorer=fuzz.token_sort_ratio, score_cutoff=cutoff, limit=10)
    return [(other, float(score)) for other, score, _ in found if other != key]


def _name_candidate(
    entity: Entity,
    other: Entity,
    key: str,
    how: str,
    other_how: str,
    ratio: float,
    propose: Any,
    different_sources: Any,
) -> None:
    if other.id == entity.id or not different_sources(entity, other):
        return
    if _kinds_clash(entity, other):
        return
    if ratio:
        base = ratio * FUZZY_SCALE
        what = f"similar names {key!r} ({how} ~ {other_how}, {ratio:.0f})"
    else:
        base = 100.0 if how == other_how == "name" else 97.0
        what = f"same name {key!r} ({how} = {other_how})"
    penalty, country = _countries(entity, other)
    propose(entity.id, other.id, base - penalty, f"{what}; {country}")
