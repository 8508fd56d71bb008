"""Find an entity from what a person types: id, name, alias or former name.

Names are compared after normalisation: case, punctuation, full-width characters and
company suffixes (Co., Ltd., Inc., 有限公司 ...) do not matter. When nothing matches,
close names are suggested; when several entities match, the caller must choose.

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
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from .columns import columns_of
from .errors import AmbiguousName, EntityNotFound
from .model import Dataset, Entity

__all__ = ["Match", "NameIndex", "normalise_name"]

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

#: Fuzzy score (0-100) below which a name is not offered as a suggestion.
SUGGESTION_CUTOFF = 70

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
        if self.how == "former name":
            when = f" until {self.until.isoformat()}" if self.until else ""
            return f"{self.matched!r} is a former name of {self.entity.name} (used{when}); renamed."
        if self.how == "alias":
            return f"{self.matched!r} is an alias of {self.entity.name.rstrip('.')}."
        if self.how == "fuzzy":
            return f"closest name to your query: {self.entity.name} (score {self.score:.0f})."
        return None


class NameIndex:
    """Every name of every entity, normalised, for exact and fuzzy look-up."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset

    def entity(self, entity_id: str) -> Entity | None:
        """The entity with this id, if any (no name index needed)."""
        position = columns_of(self.dataset).index.get(entity_id)
        return None if position is None else self.dataset.entities[position]

    @cached_property
    def _by_key(self) -> dict[str, list[tuple[Entity, str, str, dt.date | None]]]:
        """Normalised name -> the entities using it; built on the first look-up by name."""
        by_key: dict[str, list[tuple[Entity, str, str, dt.date | None]]] = defaultdict(list)

        def add(entity: Entity, name: str, how: str, until: dt.date | None = None) -> None:
            key = normalise_name(name)
            if key:
                by_key[key].append((entity, name, how, until))

        for entity in self.dataset.entities:
            add(entity, entity.name, "name")
            for alias in entity.aliases:
                add(entity, alias, "alias")
            for former in entity.former_names:
                add(entity, former.name, "former name", former.until)
        return by_key

    def find(self, query: str) -> list[Match]:
        """Every entity whose id or some name matches ``query`` exactly after normalising."""
        by_id = self.entity(query)
        if by_id is not None:
            return [Match(by_id, "id", query)]
        found: dict[str, Match] = {}
        rank = {"name": 0, "alias": 1, "former name": 2}
        for entity, name, how, until in self._by_key.get(normalise_name(query), []):
            current = found.get(entity.id)
            if current is None or rank[how] < rank[current.how]:
                found[entity.id] = Match(entity, how, name, until=until)
        return list(found.values())

    def suggest(self, query: str, limit: int = 5) -> list[Match]:
        """Close names by fuzzy score, best first (``rapidfuzz``)."""
        from rapidfuzz import fuzz, process, utils

        keys = list(self._by_key)
        if not keys:
            return []
        scored = process.extract(
            normalise_name(query),
            keys,
            scorer=fuzz.WRatio,
            processor=utils.default_process,
            limit=limit * 2,
            score_cutoff=SUGGESTION_CUTOFF,
        )
        result: dict[str, Match] = {}
        for key, score, _ in scored:
            for entity, name, _, until in self._by_key[key]:
                if entity.id not in result:
                    result[entity.id] = Match(entity, "fuzzy", name, float(score), until)
        return list(result.values())[:limit]

    def resolve(self, query: str) -> Match:
        """Exactly one entity for ``query``, or EntityNotFound / AmbiguousName."""
        matches = self.find(query)
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise AmbiguousName(query, [(m.entity.id, m.entity.name) for m in matches])
        suggestions = [f"{m.entity.name} [{m.entity.id}]" for m in self.suggest(query)]
        raise EntityNotFound(query, suggestions)
