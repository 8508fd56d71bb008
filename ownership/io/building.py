"""Shared machinery of the foreign-format readers (CSL, OFAC, FtM, BODS, GLEIF).

Every reader works the same way: it turns source records into plain dicts, validates
each through the domain models, and collects every problem with the source's own file,
line or record id and field name. Only when the whole input is clean does it hand back
an :class:`Imported` - a checked :class:`~ownership.model.Dataset` plus what a person
should look at (hints, notices). Nothing is ever half-loaded.

Conventions shared by all readers:

- Every record carries the id of one :class:`~ownership.model.Source` per input file,
  so provenance survives merging.
- A record that names another entity which the input does not describe (a GLEIF
  relationship to an LEI without a Level 1 record, a BODS 0.2 statement whose entity
  statement is elsewhere) gets a *placeholder* entity, reported as a notice, so the
  fact is kept; :func:`ownership.io.imports.import_sources` replaces placeholders by
  real records from other inputs.
- A relationship given only as an indirect summary (BODS ``indirect`` without
  components, GLEIF ultimate consolidation) is added as an edge only when the input
  does not already chain owner to owned through direct edges; otherwise it would be
  counted twice. See :func:`add_unchained`.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..checks import check_dataset, data_quality
from ..errors import DataError, Problem
from ..model import Dataset, Entity, EntityKind, Holding, Identifier, Listing, Source
from .provenance import Statement, Where, join_notes, unique, where_text

__all__ = ["Builder", "Hint", "Imported", "add_unchained", "merge_entity"]


@dataclass(frozen=True)
class Hint:
    """A relationship a source states in words, not as data: kept for review and linking.

    Sanctions lists write ownership clues into names and remarks ("Affiliated Entity:",
    "Linked To:", "subordinate institute of"). They are not facts about shares, so they
    never become holdings; they are returned so that an analyst can confirm them.

    ``kind`` is one of ``affiliated_with``, ``subordinate_of``, ``former_name``,
    ``linked_to``, ``related`` (OFAC relations other than ownership),
    ``ultimate_parent``, ``unspecified_owner``, ``reporting_exception``.
    """

    entity: str
    kind: str
    text: str
    target_name: str | None = None
    target: str | None = None
    file: str | None = None
    record: str | None = None

    def __str__(self) -> str:
        other = self.target or self.target_name
        tail = f" -> {other}" if other else ""
        where = f" ({self.file}: {self.record})" if self.file and self.record else ""
        return f"{self.entity} {self.kind}{tail}: {self.text}{where}"

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class Imported:
    """What one reader made of one input: a checked dataset plus what needs a person's eye."""

    dataset: Dataset
    format: str
    files: list[str]
    hints: list[Hint] = field(default_factory=list)
    notices: list[Problem] = field(default_factory=list)
    placeholders: set[str] = field(default_factory=set)
    #: what the input says that cannot all be true, or leaves entities with no ultimate
    #: owner (:func:`ownership.checks.data_quality`), each naming its source records
    warnings: list[Problem] = field(default_factory=list)

    @property
    def source(self) -> Source:
        return self.dataset.sources[0]

    def counts(self) -> dict[str, int]:
        return {
            "entities": len(self.dataset.entities),
            "holdings": len(self.dataset.holdings),
            "listings": len(self.dataset.listings),
            "hints": len(self.hints),
            "placeholders": len(self.placeholders),
        }


# --------------------------------------------------------------------------- merging


def merge_entity(first: Entity, second: Entity) -> Entity:
    """One entity from two records of it: the first's name wins, everything else unites.

    The second record's name becomes an alias when it differs; lists are united without
    duplicates; the first record's country and kind win when both are set (a kind the
    source left unknown is not set).
    """
    aliases = unique([*first.aliases, second.name, *second.aliases], exclude=[first.name])
    former = list(first.former_names)
    known_former = {f.name.casefold() for f in former}
    for item in second.former_names:
        if item.name.casefold() not in known_former:
            former.append(item)
            known_former.add(item.name.casefold())
    aliases = [a for a in aliases if a.casefold() not in known_former]
    identifiers = list(first.identifiers)
    for ident in second.identifiers:
        if ident not in identifiers:
            identifiers.append(ident)
    addresses = list(first.addresses)
    known_addresses = {(a.address.casefold(), a.country) for a in addresses}
    for addr in second.addresses:
        key = (addr.address.casefold(), addr.country)
        if key not in known_addresses:
            addresses.append(addr)
            known_addresses.add(key)
    return first.model_copy(
        update={
            "aliases": aliases,
            "former_names": former,
            "identifiers": identifiers,
            "addresses": addresses,
            "country": first.country or second.country,
            "kind": second.kind if first.kind is EntityKind.unknown else first.kind,
            "sources": unique([*first.sources, *second.sources]),
            "note": join_notes(first.note, second.note),
        }
    )


def add_unchained(
    direct: list[Holding], indirect: list[tuple[Holding, Where]]
) -> tuple[list[Holding], list[tuple[Holding, Where]]]:
    """Split indirect edges into those to add and those already chained by direct edges.

    An indirect edge owner -> owned adds nothing (and would double count) when the input
    already links owner to owned through direct holdings; it is kept only when that
    chain is missing, so the fact is not lost.
    """
    children: dict[str, set[str]] = defaultdict(set)
    for hold in direct:
        children[hold.owner].add(hold.owned)
    keep: list[Holding] = []
    dropped: list[tuple[Holding, Where]] = []
    for hold, where in indirect:
        if _reaches(children, hold.owner, hold.owned):
            dropped.append((hold, where))
        else:
            keep.append(hold)
    return keep, dropped


def _reaches(children: Mapping[str, set[str]], start: str, goal: str) -> bool:
    seen = {start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in children.get(node, ()):
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return False


# --------------------------------------------------------------------------- building


class Builder:
    """Collects one input's records, problems, hints and notices; validates at the end.

    Readers call :meth:`entity`, :meth:`holding` and :meth:`listing` with plain dicts
    and the source location; ``fields`` maps model field names to the source's own
    field names so that a validation problem names what the user can find in the file.
    """

    def __init__(self, fmt: str, files: list[Path], source: Source) -> None:
        self.format = fmt
        self.files = [str(f) for f in files]
        self.source = source
        self.problems: list[Problem] = []
        self.notices: list[Problem] = []
        self.hints: list[Hint] = []
        self.entities: dict[str, Entity] = {}
        self.entity_where: dict[str, Where] = {}
        self.holdings: list[Holding] = []
        self.holding_where: list[Where] = []
        self.holding_statements: list[Statement | None] = []
        self.listings: list[Listing] = []
        self.listing_where: list[Where] = []
        self._listing_index: dict[tuple[Any, ...], int] = {}
        self.references: dict[str, tuple[str, list[Identifier], Where, str]] = {}
        self.annotations: dict[str, list[str]] = defaultdict(list)
        self.failed: set[str] = set()

    # -- reporting
    def problem(self, message: str, where: Where, field: str | None = None) -> None:
        self.problems.append(_problem(message, where, field))

    def notice(self, message: str, where: Where, field: str | None = None) -> None:
        self.notices.append(_problem(message, where, field))

    def hint(self, where: Where, **values: Any) -> Hint:
        made = Hint(file=where.file, record=where.record, **values)
        self.hints.append(made)
        return made

    # -- records
    def entity(
        self, data: dict[str, Any], where: Where, fields: Mapping[str, str] | None = None
    ) -> Entity | None:
        """Validate and add an entity; a second record with the same id is merged in."""
        data = {k: v for k, v in data.items() if v not in (None, "", [])}
        data.setdefault("sources", [self.source.id])
        made = self._validate(Entity, data, where, fields)
        if made is None:
            if data.get("id"):
                self.failed.add(str(data["id"]))
            return None
        assert isinstance(made, Entity)
        existing = self.entities.get(made.id)
        if existing is not None:
            made = merge_entity(existing, made)
        else:
            self.entity_where[made.id] = where
        self.entities[made.id] = made
        return made

    def holding(
        self,
        data: dict[str, Any],
        where: Where,
        fields: Mapping[str, str] | None = None,
        statement: Statement | None = None,
    ) -> Holding | None:
        """Validate and add a holding; ``statement``, the source record it came from, lets
        several reports of one stake be read as one (:mod:`ownership.io.figures`)."""
        made = self.build_holding(data, where, fields)
        if made is not None:
            self.add_holding(made, where, statement)
        return made

    def build_holding(
        self, data: dict[str, Any], where: Where, fields: Mapping[str, str] | None = None
    ) -> Holding | None:
        data = {k: v for k, v in data.items() if v not in (None, "", [])}
        data.setdefault("sources", [self.source.id])
        made = self._validate(Holding, data, where, fields)
        assert made is None or isinstance(made, Holding)
        return made

    def add_holding(self, made: Holding, where: Where, statement: Statement | None = None) -> None:
        self.holdings.append(made)
        self.holding_where.append(where)
        self.holding_statements.append(statement)

    def listing(
        self, data: dict[str, Any], where: Where, fields: Mapping[str, str] | None = None
    ) -> Listing | None:
        data = {k: v for k, v in data.items() if v not in (None, "", [])}
        data.setdefault("sources", [self.source.id])
        made = self._validate(Listing, data, where, fields)
        if made is None:
            return None
        assert isinstance(made, Listing)
        key = _listing_key(made)
        index = self._listing_index.get(key)
        if index is not None:
            other = self.listings[index]
            self.listings[index] = other.model_copy(
                update={"note": join_notes(other.note, made.note)}
            )
            return self.listings[index]
        self._listing_index[key] = len(self.listings)
        self.listings.append(made)
        self.listing_where.append(where)
        return made

    def annotate(self, entity_id: str, note: str) -> None:
        """Add ``note`` to the entity's note when the input is finished."""
        self.annotations[entity_id].append(note)

    def reference(
        self,
        entity_id: str,
        where: Where,
        *,
        name: str | None = None,
        identifiers: list[Identifier] | None = None,
        why: str = "",
    ) -> None:
        """Note that ``entity_id`` is referred to; a placeholder is made if never described."""
        if entity_id not in self.references:
            self.references[entity_id] = (name or entity_id, identifiers or [], where, why)

    def _resolve_hints(self) -> None:
        """Point hints at an entity of this input when exactly one carries the named name."""
        from ..resolve import normalise_name

        pending = [h for h in self.hints if h.target is None and h.target_name]
        if not pending:
            return
        index = _name_index(self.entities.values())
        resolved = []
        for made in self.hints:
            if made.target is None and made.target_name:
                ids = index.get(normalise_name(made.target_name), set()) - {made.entity}
                if len(ids) == 1:
                    made = replace(made, target=next(iter(ids)))
            resolved.append(made)
        self.hints = resolved

    def _validate(
        self,
        model: type[BaseModel],
        data: dict[str, Any],
        where: Where,
        fields: Mapping[str, str] | None,
    ) -> BaseModel | None:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for problem in _model_problems(exc, model, where, fields or {}):
                self.problems.append(problem)
            return None

    # -- finishing
    def finish(self) -> Imported:
        """Make placeholders, check everything, and raise one DataError or return the result."""
        placeholders: set[str] = set()
        for entity_id, (name, identifiers, where, why) in self.references.items():
            if entity_id in self.entities or entity_id in self.failed:
                continue
            note = (
                f"placeholder: {why or 'referred to'} but not described in {Path(where.file).name}"
            )
            made = self.entity(
                {
                    "id": entity_id,
                    "name": name,
                    "kind": "other",
                    "identifiers": [i.model_dump() for i in identifiers],
                    "note": note,
                },
                where,
            )
            if made is not None:
                placeholders.add(entity_id)
                self.notice(f"{entity_id} is {note[len('placeholder: ') :]}", where)
        for entity_id, notes in self.annotations.items():
            if entity_id in self.entities:
                entity = self.entities[entity_id]
                self.entities[entity_id] = entity.model_copy(
                    update={"note": join_notes(entity.note, *notes)}
                )
        self._resolve_hints()
        from .figures import merge_statements

        self.holdings, self.holding_where, merged = merge_statements(
            self.holdings, self.holding_where, self.holding_statements
        )
        self.notices += [Problem(line, file=self.files[0]) for line in merged]
        problems = list(self.problems)
        dataset = Dataset.of(
            entities=list(self.entities.values()),
            holdings=self.holdings,
            listings=self.listings,
            arrangements=[],
            sources=[self.source],
        )
        if not problems:
            wheres = {
                "entities": [self.entity_where[e.id] for e in dataset.entities],
                "holdings": self.holding_where,
                "listings": self.listing_where,
            }
            for problem in check_dataset(dataset):
                problems.append(_relocate(problem, wheres))
        if problems:
            raise DataError(problems)
        # what cannot all be true is loaded, reported and analysed conservatively
        warnings = [
            _relocate(finding, wheres)
            for finding in data_quality(dataset, lambda k: where_text(self.holding_where[k]))
        ]
        return Imported(
            dataset=dataset,
            format=self.format,
            files=self.files,
            hints=self.hints,
            notices=self.notices,
            placeholders=placeholders,
            warnings=warnings,
        )


def _name_index(entities: Iterable[Entity]) -> dict[str, set[str]]:
    from ..resolve import normalise_name

    index: dict[str, set[str]] = defaultdict(set)
    for entity in entities:
        for name in entity.all_names():
            key = normalise_name(name)
            if key:
                index[key].add(entity.id)
    return index


def _listing_key(x: Listing) -> tuple[Any, ...]:
    return (x.entity, x.list, x.program, x.start, x.end, x.citation)


def _problem(message: str, where: Where, field: str | None) -> Problem:
    return Problem(
        message,
        file=where.file,
        line=where.line,
        section=where.section,
        index=where.index,
        record_id=where.record,
        field=field,
    )


def _model_problems(
    exc: ValidationError, model: type[BaseModel], where: Where, fields: Mapping[str, str]
) -> list[Problem]:
    from .problems import Location, problem_from_pydantic

    location = Location(file=where.file, index=where.index or 0, line=where.line)
    out = []
    for error in exc.errors():
        made = problem_from_pydantic(error, "", model, location)
        top = (made.field or "").split(".")[0].split("[")[0]
        source_field = fields.get(top, made.field) if top else made.field
        out.append(
            replace(
                made,
                section=where.section,
                index=where.index,
                record_id=where.record,
                field=source_field,
            )
        )
    return out


def _relocate(problem: Problem, wheres: Mapping[str, list[Where]]) -> Problem:
    """Point a cross-record problem at the source record it came from."""
    if problem.section is None or problem.index is None or problem.section not in wheres:
        return problem
    where = wheres[problem.section][problem.index]
    record = where.record or problem.record_id
    if where.record and problem.record_id and problem.record_id != where.record:
        record = f"{where.record}; {problem.record_id}"
    return Problem(
        problem.message,
        file=where.file,
        line=where.line,
        section=where.section,
        index=where.index,
        record_id=record,
        field=problem.field,
        value=problem.value,
    )
