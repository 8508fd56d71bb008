"""Link list entries to ownership entities, and merge what is linked.

A screening list names a company; a register or ownership file describes it under
another id. Linking finds the pairs, in order of strength:

1. **identifiers**: the same LEI, IMO number, SWIFT code or OpenSanctions id (score
   100), or the same registration number under two registers' schemes (96). Two
   entities with different LEIs are never linked.
2. **names**: normalised names (:func:`ownership.resolve.normalise_name`: case,
   punctuation, legal-form suffixes) equal on the primary names (100) or through an
   alias or former name (97); otherwise a fuzzy score (``rapidfuzz`` token-sort ratio,
   scaled so it never reaches the accept threshold on its own).
3. **country** as tie-breaker: the same country keeps the score, one side unknown
   costs :data:`UNKNOWN_COUNTRY_PENALTY`, different countries
   :data:`COUNTRY_MISMATCH_PENALTY`; a person never links to a company.

Only list entries (entities with a listing) are matched by name; identifiers link any
two entities. Entities from the same source are never paired: a source's ids are
distinct by construction. A pair scoring at least :data:`ACCEPT_SCORE`, clearly ahead
of the next candidate, is linked; pairs from :data:`REVIEW_SCORE` up are reported for
review. A ``same_as`` file settles pairs either way::

    # same_as.yaml
    - {a: csl-99ed1b05..., b: lei-300300ABCDEF0000XY12, same: true}
    - {a: ofac-28603, b: bods-9f3a, same: false, note: different Geneva company}

(or a CSV with columns ``a,b,same[,note]``).

Merging keeps one entity per linked group - the ownership entity: one without a
listing, then the one in most holdings, with most identifiers, first in the dataset. The
others' listings and holdings move to it, their names become its aliases (former
names stay former names), identifiers and addresses are united, and every record keeps
its own ``sources``, so provenance stays with each fact.

>>> from ownership.model import Dataset, Entity, Holding, Listing
>>> ds = Dataset(
...     entities=[
...         Entity(id="csl-1", name="Example Trading Co., Ltd.", country="CN", sources=["csl"]),
...         Entity(id="reg-1", name="EXAMPLE TRADING CO LTD", country="CN", sources=["reg"]),
...         Entity(id="reg-2", name="Example Holdings", country="CN", sources=["reg"]),
...     ],
...     holdings=[Holding(owner="reg-2", owned="reg-1", percent=60, sources=["reg"])],
...     listings=[Listing(entity="csl-1", list="entity_list", sources=["csl"])],
... )
>>> linked, decisions = link_dataset(ds)
>>> [(d.left, d.right, d.status, d.score) for d in decisions]
[('csl-1', 'reg-1', 'linked', 100.0)]
>>> decisions[0].reason
"same name 'example trading' (name = name); same country CN"
>>> [(x.entity, x.list) for x in linked.listings]
[('reg-1', 'entity_list')]
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, Self, TypeVar

import yaml

from ..errors import DataError, Problem, shown
from ..model import Dataset, Entity, Holding, Listing
from .building import merge_entity
from .link_candidates import (
    COUNTRY_MISMATCH_PENALTY,
    UNKNOWN_COUNTRY_PENALTY,
    Candidates,
    propose_by_identifier,
    propose_by_name,
)
from .provenance import join_notes, unique
from .textfile import decode_text
from .yamldoc import read_yaml

__all__ = [
    "ACCEPT_SCORE",
    "COUNTRY_MISMATCH_PENALTY",
    "REVIEW_SCORE",
    "UNKNOWN_COUNTRY_PENALTY",
    "LinkDecision",
    "SameAs",
    "apply_links",
    "find_links",
    "link_dataset",
    "read_same_as",
]


#: Linked without asking: identical normalised names with the same country, or a
#: shared identifier. An exact name with one country unknown (100 - 5) still passes.
ACCEPT_SCORE = 95.0
#: Reported for a person to confirm: aliases with an unknown country, close fuzzy names.
REVIEW_SCORE = 80.0
#: The best candidate must lead the next by this much to be linked without review.
AMBIGUITY_MARGIN = 3.0


@dataclass(frozen=True)
class LinkDecision:
    """One proposed pair: ``left`` (merged away) and ``right`` (kept), with why."""

    left: str
    right: str
    score: float
    reason: str
    status: str  # linked, review, confirmed, rejected
    left_name: str = ""
    right_name: str = ""

    def __str__(self) -> str:
        return (
            f"{self.status}: {self.left_name} [{self.left}] = {self.right_name} [{self.right}] "
            f"(score {self.score:.0f}: {self.reason})"
        )

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class SameAs:
    """Pairs a person has settled: ``{frozenset({a, b}): True/False}``, with notes."""

    pairs: dict[frozenset[str], bool] = field(default_factory=dict)
    notes: dict[frozenset[str], str] = field(default_factory=dict)
    file: str | None = None


def read_same_as(path: str | Path) -> SameAs:
    """Read a same_as YAML or CSV file; raise DataError naming every bad row."""
    file = Path(path)
    try:
        text = decode_text(file.read_bytes())
    except OSError as exc:
        raise DataError([Problem(f"cannot read: {exc.strerror}", file=str(file))]) from None
    except ValueError as exc:
        raise DataError([Problem(str(exc), file=str(file))]) from None
    rows: list[tuple[int | None, Any]] = []
    problems: list[Problem] = []
    if file.suffix.casefold() == ".csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))
        rows = [(reader.line_num, dict(row)) for row in reader]
    else:
        try:
            data, root = read_yaml(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise DataError(
                [
                    Problem(
                        f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
                        file=str(file),
                        line=mark.line + 1 if mark else None,
                    )
                ]
            ) from None
        if isinstance(data, dict):
            data = data.get("same_as")
            root = root.get("same_as") if root is not None else None
        if data is None:
            data = []
        if not isinstance(data, list):
            raise DataError(
                [Problem("expected a list of {a, b, same} pairs", file=str(file), line=1)]
            )
        lines = [m.line for m in root.items] if root is not None else []
        rows = [(lines[i] if i < len(lines) else None, row) for i, row in enumerate(data)]
    result = SameAs(file=str(file))
    for index, (line, row) in enumerate(rows):
        where: dict[str, Any] = {
            "file": str(file),
            "line": line,
            "section": "pairs",
            "index": index,
        }
        if not isinstance(row, dict):
            problems.append(Problem("a pair must be a mapping with a, b and same", **where))
            continue
        left = str(row.get("a") or row.get("left") or "").strip()
        right = str(row.get("b") or row.get("right") or "").strip()
        for name, value in (("a", left), ("b", right)):
            if not value:
                problems.append(Problem("required field is missing", field=name, **where))
        same = _boolean(row.get("same"))
        if same is None:
            problems.append(
                Problem(
                    f"same must be true or false; found {shown(row.get('same'))}",
                    field="same",
                    record_id=f"{left} / {right}",
                    **where,
                )
            )
        if not left or not right or same is None:
            continue
        key = frozenset({left, right})
        result.pairs[key] = same
        if row.get("note"):
            result.notes[key] = str(row["note"])
    if problems:
        raise DataError(problems)
    return result


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().casefold()
    if text in ("true", "yes", "1", "y", "same"):
        return True
    if text in ("false", "no", "0", "n", "different"):
        return False
    return None


# --------------------------------------------------------------------------- finding


def find_links(
    dataset: Dataset,
    *,
    same_as: SameAs | None = None,
    accept: float = ACCEPT_SCORE,
    review: float = REVIEW_SCORE,
) -> list[LinkDecision]:
    """Every linked, confirmed, rejected and to-review pair, strongest first."""
    entities = dataset.entity_index()
    rank = _ranker(dataset)

    def keep_first(a: str, b: str) -> tuple[str, str]:
        """(left, right): right is the entity that stays after merging."""
        return (b, a) if rank(a) <= rank(b) else (a, b)

    # 1. identifiers; 2. names, for list entries
    candidates = Candidates(entities)
    propose_by_identifier(dataset, candidates)
    propose_by_name(dataset, candidates, review)

    # 3. decide
    settled = same_as.pairs if same_as else {}
    notes = same_as.notes if same_as else {}
    decisions = _proposed(candidates, keep_first, settled, accept, review)
    decisions += _settled(entities, keep_first, settled, notes)
    status_rank = {"confirmed": 0, "linked": 1, "review": 2, "rejected": 3}
    decisions.sort(key=lambda d: (status_rank[d.status], -d.score, d.left, d.right))
    return decisions


def _proposed(
    candidates: Candidates,
    keep_first: Callable[[str, str], tuple[str, str]],
    settled: Mapping[frozenset[str], bool],
    accept: float,
    review: float,
) -> list[LinkDecision]:
    """The candidate pairs the same_as file does not settle that score ``review`` or more:
    linked from ``accept`` when no rival scores within AMBIGUITY_MARGIN, else to review."""
    entities = candidates.entities
    decisions: list[LinkDecision] = []
    best_for: dict[str, list[tuple[float, frozenset[str]]]] = defaultdict(list)
    for pair, (score, _) in candidates.scores.items():
        for member in pair:  # a pair's rivals: the other pairs of either of its members
            best_for[member].append((score, pair))
    for pair, (score, reason) in candidates.scores.items():
        a, b = sorted(pair)
        left, right = keep_first(a, b)
        if pair in settled:
            continue
        if score < review:
            continue
        rivals = [
            s for member in pair for s, other in best_for[member] if other != pair and s >= review
        ]
        clear_lead = all(score - s >= AMBIGUITY_MARGIN for s in rivals)
        status = "linked" if score >= accept and clear_lead else "review"
        if status == "review" and score >= accept:
            reason += "; another candidate scores close"
        decisions.append(
            LinkDecision(
                left,
                right,
                round(score, 1),
                reason,
                status,
                entities[left].name,
                entities[right].name,
            )
        )
    return decisions


def _settled(
    entities: Mapping[str, Entity],
    keep_first: Callable[[str, str], tuple[str, str]],
    settled: Mapping[frozenset[str], bool],
    notes: Mapping[frozenset[str], str],
) -> list[LinkDecision]:
    """The pairs the same_as file confirms or rejects, of entities in the dataset."""
    decisions: list[LinkDecision] = []
    for pair, same in settled.items():
        members = sorted(pair)
        if len(members) != 2 or any(m not in entities for m in members):
            continue
        left, right = keep_first(*members)
        reason = "confirmed in the same_as file" if same else "rejected in the same_as file"
        if notes.get(pair):
            reason += f" ({notes[pair]})"
        decisions.append(
            LinkDecision(
                left,
                right,
                100.0 if same else 0.0,
                reason,
                "confirmed" if same else "rejected",
                entities[left].name,
                entities[right].name,
            )
        )
    return decisions


def _ranker(dataset: Dataset) -> Any:
    """Sort key choosing which entity of a linked group stays.

    The ownership entity stays and the list entry merges into it: first an entity
    with no listing, then the one in most holdings, with most identifiers, first seen.
    """
    holdings_count: dict[str, int] = defaultdict(int)
    for hold in dataset.holdings:
        holdings_count[hold.owner] += 1
        holdings_count[hold.owned] += 1
    listed = {x.entity for x in dataset.listings}
    identifiers = {e.id: len(e.identifiers) for e in dataset.entities}
    order = {e.id: i for i, e in enumerate(dataset.entities)}

    def rank(entity_id: str) -> tuple[bool, int, int, int]:
        return (
            entity_id in listed,
            -holdings_count[entity_id],
            -identifiers.get(entity_id, 0),
            order[entity_id],
        )

    return rank


# --------------------------------------------------------------------------- merging


def apply_links(
    dataset: Dataset, decisions: Iterable[LinkDecision]
) -> tuple[Dataset, dict[str, str]]:
    """Merge every linked or confirmed pair; return the dataset and the id mapping."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for decision in decisions:
        if decision.status in ("linked", "confirmed"):
            ra, rb = find(decision.left), find(decision.right)
            if ra != rb:
                parent[ra] = rb
    groups: dict[str, list[str]] = defaultdict(list)
    for entity in dataset.entities:
        groups[find(entity.id)].append(entity.id)
    rank = _ranker(dataset)
    mapping: dict[str, str] = {}
    for members in groups.values():
        if len(members) > 1:
            survivor = min(members, key=rank)
            mapping.update({m: survivor for m in members if m != survivor})
    if not mapping:
        return dataset, {}
    index = dataset.entity_index()
    merged: dict[str, Entity] = {}
    for entity in dataset.entities:
        target = mapping.get(entity.id, entity.id)
        if target == entity.id:
            merged.setdefault(entity.id, entity)
    for entity in dataset.entities:
        if entity.id not in mapping:
            continue
        target = mapping[entity.id]
        base = merged.get(target, index[target])
        combined = merge_entity(base, entity)
        note = f"linked with {entity.id} ({entity.name}; sources: {', '.join(entity.sources)})"
        merged[target] = combined.model_copy(update={"note": join_notes(combined.note, note)})
    entities = [merged[e.id] for e in dataset.entities if e.id in merged]
    holdings = dedupe_holdings(
        [
            h.model_copy(
                update={
                    "owner": mapping.get(h.owner, h.owner),
                    "owned": mapping.get(h.owned, h.owned),
                }
            )
            for h in dataset.holdings
            if mapping.get(h.owner, h.owner) != mapping.get(h.owned, h.owned)
        ]
    )
    listings = dedupe_listings(
        [x.model_copy(update={"entity": mapping.get(x.entity, x.entity)}) for x in dataset.listings]
    )
    arrangements = [
        a.model_copy(
            update={
                "members": unique(mapping.get(m, m) for m in a.members),
                "target": mapping.get(a.target, a.target),
            }
        )
        for a in dataset.arrangements
    ]
    result = Dataset.of(
        entities=entities,
        holdings=holdings,
        listings=listings,
        arrangements=arrangements,
        sources=list(dataset.sources),
    )
    return result, mapping


def _holding_key(h: Holding) -> tuple[Any, ...]:
    return (
        h.owner,
        h.owned,
        h.kind,
        h.percent,
        h.minimum,
        h.exclusive_minimum,
        h.maximum,
        h.exclusive_maximum,
        h.start,
        h.end,
    )


def dedupe_holdings(holdings: list[Holding]) -> list[Holding]:
    """Identical holdings from several sources become one that cites them all."""
    return _merge_identical(holdings, _holding_key)


def dedupe_listings(listings: list[Listing]) -> list[Listing]:
    """Identical listings from several sources become one that cites them all."""
    return _merge_identical(
        listings, lambda x: (x.entity, x.list, x.program, x.start, x.end, x.citation)
    )


class _Cited(Protocol):
    """A record that cites sources and may carry a note (holdings, listings)."""

    @property
    def sources(self) -> tuple[str, ...]: ...

    @property
    def note(self) -> str | None: ...

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> Self: ...


R = TypeVar("R", bound=_Cited)


def _merge_identical(records: list[R], key: Callable[[R], tuple[Any, ...]]) -> list[R]:
    """Records with the same key become the first of them, citing every source and note."""
    out: dict[tuple[Any, ...], R] = {}
    for item in records:
        same = key(item)
        kept = out.get(same)
        if kept is None:
            out[same] = item
            continue
        sources = unique([*kept.sources, *item.sources])
        out[same] = kept.model_copy(
            update={"sources": sources, "note": join_notes(kept.note, item.note)}
        )
    return list(out.values())


def link_dataset(
    dataset: Dataset, *, same_as: SameAs | str | Path | None = None
) -> tuple[Dataset, list[LinkDecision]]:
    """Find links, merge the linked and confirmed pairs; decisions include those to review."""
    settled = read_same_as(same_as) if isinstance(same_as, str | Path) else same_as
    decisions = find_links(dataset, same_as=settled)
    merged, _ = apply_links(dataset, decisions)
    return merged, decisions
