"""Import several sources of any supported format into one checked dataset.

``import_sources`` is what ``ownership import SOURCE... --out dataset.yaml`` runs:

1. each path's format is detected from its content (:mod:`ownership.io.detect`); the
   files of one OFAC set given separately are read once;
2. each input is read by its reader into its own checked dataset, with one
   :class:`~ownership.model.Source` per input file cited by every record it gave;
   problems of *all* inputs are raised together as one DataError, so nothing is ever
   half-loaded;
3. the datasets are merged: records under the same id are one entity (names become
   aliases, lists are united, each fact keeps its sources); placeholders for ids an
   input only referred to give way to the real records of other inputs; identical
   holdings and listings from several inputs become one citing them all;
4. list entries are linked to ownership entities (:mod:`ownership.io.link`); the
   ``same_as`` file settles pairs; uncertain pairs are left for review;
5. the merged dataset is checked as a whole (references, stakes above 100%, closed
   rings); a problem names the input files of the records involved.

The :class:`ImportReport` says what came from where: counts per input, the hints
(ownership clues in words), link decisions, the pairs to review, and notices (rows
skipped, placeholders made).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..checks import check_dataset, data_quality
from ..errors import DataError, Problem, UsageError
from ..model import Dataset, Entity, Source
from .building import Hint, Imported, merge_entity
from .detect import detect_format
from .link import LinkDecision, SameAs, apply_links, find_links, read_same_as
from .provenance import join_notes, unique

__all__ = ["Hint", "ImportReport", "Imported", "InputSummary", "import_sources", "read_source"]


@dataclass(frozen=True)
class InputSummary:
    """One input: its path, format, Source id and what it gave."""

    path: str
    format: str
    source: str
    counts: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ImportReport:
    """What an import did, for a person to read and a pipeline to keep."""

    inputs: list[InputSummary] = field(default_factory=list)
    hints: list[Hint] = field(default_factory=list)
    links: list[LinkDecision] = field(default_factory=list)
    notices: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    #: stakes that cannot all be true and closed rings, loaded and analysed conservatively
    warnings: list[Problem] = field(default_factory=list)

    @property
    def review(self) -> list[LinkDecision]:
        """Pairs scored between the review and accept thresholds: a person should decide."""
        return [d for d in self.links if d.status == "review"]

    @property
    def linked(self) -> list[LinkDecision]:
        return [d for d in self.links if d.status in ("linked", "confirmed")]

    def summary(self) -> str:
        """A few lines for the terminal."""
        lines = []
        for item in self.inputs:
            counts = ", ".join(f"{v} {k}" for k, v in item.counts.items() if v)
            lines.append(f"{item.path} ({item.format}): {counts or 'nothing'}")
        total = ", ".join(f"{v} {k}" for k, v in self.counts.items())
        lines.append(f"merged: {total}")
        if self.linked:
            lines.append(f"linked {len(self.linked)} pair(s):")
            lines += [f"  {d}" for d in self.linked]
        if self.review:
            lines.append(
                f"{len(self.review)} pair(s) to review (confirm or reject in a same_as file):"
            )
            lines += [f"  {d}" for d in self.review]
        if self.hints:
            lines.append(f"{len(self.hints)} ownership hint(s) in words (not imported as holdings)")
        if self.notices:
            lines.append(f"{len(self.notices)} notice(s): rows skipped or placeholders made")
        if self.warnings:
            lines.append(
                f"{len(self.warnings)} data-quality warning(s): stakes that cannot all be true "
                "or rings owning themselves, loaded and flagged (see ownership validate)"
            )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "inputs": [i.to_dict() for i in self.inputs],
            "counts": self.counts,
            "links": [d.to_dict() for d in self.links],
            "review": [d.to_dict() for d in self.review],
            "hints": [h.to_dict() for h in self.hints],
            "notices": [str(n) for n in self.notices],
            "warnings": [str(w) for w in self.warnings],
        }


def _readers() -> dict[str, Callable[..., Imported]]:
    from .bods import read_bods
    from .csl import read_csl
    from .eu import read_eu
    from .ftm import read_ftm
    from .gleif import read_gleif
    from .ofac import read_ofac
    from .un import read_un

    return {
        "csl": read_csl,
        "ofac": read_ofac,
        "ftm": read_ftm,
        "bods": read_bods,
        "gleif": read_gleif,
        "un": read_un,
        "eu": read_eu,
        "native": _read_native,
    }


def _read_native(
    path: str | Path, *, source_id: str | None = None, allow_conflicts: bool = False
) -> Imported:
    """A native file or CSV folder as an import: its records also cite the file's Source.

    Free-text sources (allowed in a native dataset that declares no Source records)
    are declared here, so that provenance stays checkable once merged with inputs that
    do declare theirs.
    """
    from .native import read_native

    file = Path(path)
    warnings: list[Problem] = []
    data = read_native([file], allow_conflicts=allow_conflicts, warnings=warnings)
    source = Source(
        id=source_id or f"native:{file.name}",
        title="ownership dataset",
        note=f"imported from {file.name}",
    )
    declared = {s.id for s in data.sources}
    cited: list[str] = []
    for section in (data.entities, data.holdings, data.listings, data.arrangements):
        for record in section:
            cited += [s for s in record.sources if s not in declared]
    extra = [
        Source(id=s, title=s, note="cited as free text; declared on import") for s in unique(cited)
    ]

    def cite(record: Any) -> Any:
        return record.model_copy(update={"sources": unique([*record.sources, source.id])})

    dataset = Dataset.of(
        entities=[cite(e) for e in data.entities],
        holdings=[cite(h) for h in data.holdings],
        listings=[cite(x) for x in data.listings],
        arrangements=[cite(a) for a in data.arrangements],
        sources=[source, *data.sources, *extra],
    )
    return Imported(dataset=dataset, format="native", files=[str(file)], warnings=warnings)


def read_source(
    path: str | Path, *, fmt: str | None = None, source_id: str | None = None
) -> Imported:
    """Read one input of any supported format (detected when ``fmt`` is None)."""
    chosen = fmt or detect_format(path)
    readers = _readers()
    if chosen not in readers:
        raise UsageError(f"unknown format {chosen!r}; choose one of {', '.join(readers)}")
    return readers[chosen](path, source_id=source_id)


def _inputs(paths: Sequence[str | Path]) -> tuple[list[tuple[Path, str]], list[Problem]]:
    """Each distinct input with its format; the files of one OFAC set count once."""
    out: list[tuple[Path, str]] = []
    problems: list[Problem] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        try:
            fmt = detect_format(path)
        except DataError as exc:
            problems += exc.problems
            continue
        key = path.resolve()
        if fmt == "ofac" and path.is_file() and path.suffix.casefold() == ".csv":
            key = path.resolve().parent  # add.csv, alt.csv... belong to their sdn.csv
            path = path.parent
        if key in seen:
            continue
        seen.add(key)
        out.append((path, fmt))
    return out, problems


def _source_ids(inputs: list[tuple[Path, str]]) -> list[str]:
    ids: list[str] = []
    for path, fmt in inputs:
        base = f"{fmt}:{path.name}"
        candidate, n = base, 2
        while candidate in ids:
            candidate, n = f"{base}#{n}", n + 1
        ids.append(candidate)
    return ids


def import_sources(
    paths: Sequence[str | Path],
    *,
    same_as: str | Path | SameAs | None = None,
    link: bool = True,
    allow_conflicts: bool = False,
) -> tuple[Dataset, ImportReport]:
    """Read, merge and link ``paths``; return the checked dataset and a report.

    Raises :class:`~ownership.errors.DataError` listing every problem of every input
    (and of the merged whole); nothing is returned half-loaded. Stakes that cannot all
    be true are notices, except inside a native file (unless ``allow_conflicts``).
    """
    if not paths:
        raise UsageError("give at least one input path")
    inputs, problems = _inputs(paths)
    settled: SameAs | None = None
    if isinstance(same_as, SameAs):
        settled = same_as
    elif same_as is not None:
        try:
            settled = read_same_as(same_as)
        except DataError as exc:
            problems += exc.problems
    imported: list[Imported] = []
    readers = _readers()
    for (path, fmt), source_id in zip(inputs, _source_ids(inputs), strict=True):
        options = {"allow_conflicts": allow_conflicts} if fmt == "native" else {}
        try:
            imported.append(readers[fmt](path, source_id=source_id, **options))
        except DataError as exc:
            problems += exc.problems
    if problems:
        raise DataError(problems)
    report = ImportReport(
        inputs=[
            InputSummary(
                path=str(path), format=item.format, source=item.source.id, counts=item.counts()
            )
            for (path, _), item in zip(inputs, imported, strict=True)
        ]
    )
    for item in imported:
        report.hints += item.hints
        report.notices += item.notices
        report.warnings += item.warnings
    dataset = merge_imported(imported)
    if link:
        decisions = find_links(dataset, same_as=settled)
        dataset, mapping = apply_links(dataset, decisions)
        report.links = decisions
        report.hints = [_rewrite_hint(h, mapping) for h in report.hints]
        if settled is not None:
            known = dataset.entity_index().keys() | mapping.keys()
            for pair in settled.pairs:
                unknown = sorted(p for p in pair if p not in known)
                if unknown:
                    report.notices.append(
                        Problem(
                            f"same_as pair names {', '.join(unknown)}, which no input has; ignored",
                            file=settled.file,
                        )
                    )
    report.hints = _resolve_hints(report.hints, dataset)
    problems = [_locate(p, dataset) for p in check_dataset(dataset)]
    if problems:
        raise DataError(problems)
    # stakes that conflict across inputs (each input reported its own with its records)
    told = {w.value for w in report.warnings}
    report.warnings += [_locate(p, dataset) for p in data_quality(dataset) if p.value not in told]
    report.counts = {
        "entities": len(dataset.entities),
        "holdings": len(dataset.holdings),
        "listings": len(dataset.listings),
        "sources": len(dataset.sources),
    }
    return dataset, report


def merge_imported(imported: Sequence[Imported]) -> Dataset:
    """One dataset from several inputs.

    Records under one id are merged, placeholders give way to real records, and
    identical holdings or listings become one that cites every input.
    """
    from .link import dedupe_holdings, dedupe_listings

    entities: dict[str, Entity] = {}
    placeholders: dict[str, Entity] = {}
    for item in imported:
        for entity in item.dataset.entities:
            if entity.id in item.placeholders:
                existing = placeholders.get(entity.id)
                placeholders[entity.id] = (
                    merge_entity(existing, entity) if existing is not None else entity
                )
            elif entity.id in entities:
                entities[entity.id] = merge_entity(entities[entity.id], entity)
            else:
                entities[entity.id] = entity
    for entity_id, placeholder in placeholders.items():
        if entity_id in entities:
            real = entities[entity_id]
            facts = placeholder.model_copy(
                update={
                    "name": real.name,
                    "aliases": [],
                    "note": join_notes(
                        *(
                            line
                            for line in (placeholder.note or "").splitlines()
                            if not line.startswith("placeholder:")
                        )
                    ),
                }
            )
            entities[entity_id] = merge_entity(real, facts)
        else:
            entities[entity_id] = placeholder
    sources: dict[str, Source] = {}
    for item in imported:
        for source in item.dataset.sources:
            sources.setdefault(source.id, source)
    holdings = dedupe_holdings([h for item in imported for h in item.dataset.holdings])
    listings = dedupe_listings([x for item in imported for x in item.dataset.listings])
    arrangements = [a for item in imported for a in item.dataset.arrangements]
    return Dataset.of(
        entities=list(entities.values()),
        holdings=holdings,
        listings=listings,
        arrangements=arrangements,
        sources=list(sources.values()),
    )


def _rewrite_hint(hint: Hint, mapping: dict[str, str]) -> Hint:
    from dataclasses import replace

    target = mapping.get(hint.target, hint.target) if hint.target else hint.target
    return replace(hint, entity=mapping.get(hint.entity, hint.entity), target=target)


def _resolve_hints(hints: list[Hint], dataset: Dataset) -> list[Hint]:
    """Point unresolved hints at the one entity of the merged data carrying the named name."""
    from dataclasses import replace

    from ..resolve import normalise_name

    pending = [h for h in hints if h.target is None and h.target_name]
    if not pending:
        return hints
    index: dict[str, set[str]] = {}
    for entity in dataset.entities:
        for name in entity.all_names():
            index.setdefault(normalise_name(name), set()).add(entity.id)
    out = []
    for hint in hints:
        if hint.target is None and hint.target_name:
            ids = index.get(normalise_name(hint.target_name), set()) - {hint.entity}
            if len(ids) == 1:
                hint = replace(hint, target=next(iter(ids)))
        out.append(hint)
    return out


def _locate(problem: Problem, dataset: Dataset) -> Problem:
    """Name the input files of a record the merged check found wrong."""
    if problem.section is None or problem.index is None:
        return problem
    records = getattr(dataset, problem.section, [])
    if problem.index >= len(records):
        return problem
    notes = {s.id: s.note for s in dataset.sources}
    files = unique(
        (notes.get(s) or s).removeprefix("imported from ") for s in records[problem.index].sources
    )
    return Problem(
        problem.message,
        file=", ".join(files) or None,
        section=problem.section,
        index=problem.index,
        record_id=problem.record_id,
        field=problem.field,
        value=problem.value,
    )
