"""What a rule works out on a date: each entity's status code and flags, and the arrays
behind them (the compiled graph, the fixed points, reachability, look-through shares).

:func:`compute` runs the engine; :class:`Computed` holds the outcome and turns it into
plain arrays and back, so that a dataset's store (:mod:`ownership.derived`) can keep it
between commands. :class:`ownership.analysis.Analysis` makes verdicts from it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from .columns import Columns
from .model import Dataset
from .propagate import (
    Compiled,
    FixedPoint,
    Reachability,
    compile_snapshot,
    covered_fixed_point,
    exact_look_through,
    look_through,
    per_owner_fixed_point,
    reach_from_seeds,
    run_starts,
)
from .rules.base import Aggregation, Rule, Threshold
from .verdict import FLAG_CODES, Flag

__all__ = ["LOOK_THROUGH_EXACT_MARGIN", "Computed", "compute", "on_its_side", "state_key"]

#: Margin within which a float look-through share is re-checked in exact arithmetic.
LOOK_THROUGH_EXACT_MARGIN = 1e-9
#: Stages :func:`compute` reports to its ``step`` callback: compile, fixed points,
#: reachability, classification.
STAGES = 4


@dataclass
class Computed:
    """The outcome of a rule on a date, as arrays over the dataset's entities."""

    compiled: Compiled
    reach: Reachability
    #: the rule's fixed point at the lower and upper share bounds (None: no threshold)
    lower: FixedPoint | None
    upper: FixedPoint | None
    #: status code per entity (see :data:`ownership.verdict.STATUS_CODES`)
    codes: np.ndarray
    #: flags of their own, by entity position (the rule's window flags come on top)
    flags: StoredFlags
    #: look-through shares, once worked out (see :attr:`effective`)
    shares: np.ndarray | None = None
    _shares_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        """What pickling keeps: every field but the lock (a new one comes with the copy)."""
        state = dict(self.__dict__)
        del state["_shares_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _shares_lock=threading.Lock())

    @property
    def effective(self) -> np.ndarray:
        """Look-through share held by listed parties, 0-1, per entity.

        Only the look-through rule's statuses depend on it; for the other rules it is
        worked out the first time it is read (0.5 s at 1M entities), once, whichever
        thread reads it first, so that statuses alone never wait for it."""
        found = self.shares
        if found is None:
            with self._shares_lock:
                if self.shares is None:
                    self.shares = look_through(self.compiled)
                found = self.shares
        return found

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Every array, for a store to keep (see :class:`ownership.derived.ArrayStore`)."""
        state: dict[str, np.ndarray] = {"effective": self.effective, "statuses": self.codes}
        parts: dict[str, Any] = {"c": self.compiled, "reach": self.reach}
        if self.lower is not None:
            parts["lower"] = self.lower
            if self.upper is not self.lower:
                parts["upper"] = self.upper
        for prefix, part in parts.items():
            for name in part.__dataclass_fields__:
                value = getattr(part, name)
                if isinstance(value, np.ndarray):
                    state[f"{prefix}.{name}"] = value
        state["c.scale"] = np.array(self.compiled.scale, dtype=np.int64)
        state["flags.position"] = self.flags.positions
        state["flags.code"] = self.flags.codes
        return state

    @classmethod
    def from_arrays(cls, state: dict[str, np.ndarray], columns: Columns) -> Computed | None:
        """The outcome a store kept; None when the stored arrays do not fit ``columns``."""
        try:
            fields = {
                "c": _fields_of(Compiled, state, "c"),
                "reach": _fields_of(Reachability, state, "reach"),
            }
            scale = int(fields["c"].pop("scale"))
            compiled = Compiled(ids=columns.ids, index=columns.index, scale=scale, **fields["c"])
            if compiled.seeds.size != columns.n:
                return None
            reach = Reachability(**fields["reach"])
            lower = upper = None
            if "lower.covered" in state:
                lower = FixedPoint(**_fields_of(FixedPoint, state, "lower"))
                upper = (
                    FixedPoint(**_fields_of(FixedPoint, state, "upper"))
                    if "upper.covered" in state
                    else lower
                )
            positions, codes = state["flags.position"], state["flags.code"]
            flags = StoredFlags(np.asarray(positions), np.asarray(codes))
            return cls(
                compiled, reach, lower, upper, state["statuses"], flags, shares=state["effective"]
            )
        except (KeyError, TypeError, ValueError):
            return None


class StoredFlags(Mapping[int, list[str]]):
    """Flags by entity position as a store keeps them: each flagged position's codes in a
    run, the runs in the order the flags were made. Read on demand: a query asks for the
    flags of a few of a million entities."""

    @classmethod
    def marked(cls, marks: list[tuple[np.ndarray, Flag]]) -> StoredFlags:
        """Each flag on the entities its mask marks: entities in the order they are first
        marked, each one's flags in the order of ``marks``."""
        found = [np.flatnonzero(mask) for mask, _ in marks]
        positions = np.concatenate([np.zeros(0, dtype=np.int64), *found])
        codes = np.concatenate(
            [np.zeros(0, dtype=np.int8)]
            + [
                np.full(f.size, FLAG_CODES.index(flag), np.int8)
                for f, (_, flag) in zip(found, marks, strict=True)
            ]
        )
        if positions.size:
            _, first, inverse = np.unique(positions, return_index=True, return_inverse=True)
            order = np.argsort(first[inverse.reshape(-1)], kind="stable")
            positions, codes = positions[order], codes[order]
        return cls(positions, codes)

    def __init__(self, positions: np.ndarray, codes: np.ndarray):
        self.positions, self.codes = positions, codes
        self.starts = run_starts(positions)
        self.ends = np.append(self.starts[1:], positions.size)[: self.starts.size]
        firsts = positions[self.starts]
        self.by_position = np.argsort(firsts, kind="stable")  # runs in position order
        self.sorted_firsts = firsts[self.by_position]
        self.names = [flag.value for flag in FLAG_CODES]

    def __getitem__(self, position: int) -> list[str]:
        at = int(np.searchsorted(self.sorted_firsts, position))
        if at == self.sorted_firsts.size or self.sorted_firsts[at] != position:
            raise KeyError(position)
        return self.flags_of_run(int(self.by_position[at]))

    def kinds(self) -> tuple[np.ndarray, np.ndarray]:
        """Each flagged position, in the order of iteration, and a number that two
        positions share exactly when they have the same flags in the same order (for a
        writer to make each distinct set's text once)."""
        width = len(self.names) + 1
        lengths = self.ends - self.starts
        firsts = self.positions[self.starts]
        if lengths.size and int(lengths.max()) * math.log2(width) >= 62:  # beyond int64
            seen: dict[tuple[int, ...], int] = {}
            codes = self.codes.tolist()
            bounds = zip(self.starts.tolist(), self.ends.tolist(), strict=True)
            found = [seen.setdefault(tuple(codes[a:b]), len(seen)) for a, b in bounds]
            return firsts, np.array(found, dtype=np.int64)
        place = np.arange(self.codes.size) - np.repeat(self.starts, lengths)
        terms = (self.codes.astype(np.int64) + 1) * width**place
        numbers = np.add.reduceat(terms, self.starts) if self.starts.size else terms[:0]
        return firsts, numbers

    def flags_of_run(self, run: int) -> list[str]:
        """The flags of the ``run``-th flagged position, in the order of iteration."""
        codes = self.codes[self.starts[run] : self.ends[run]].tolist()
        return [self.names[code] for code in codes]

    def __iter__(self) -> Iterator[int]:
        return iter(self.positions[self.starts].tolist())

    def __len__(self) -> int:
        return int(self.starts.size)

    def values(self) -> Any:
        """Each position's flags, in the order of iteration, all read at once."""
        names = [self.names[code] for code in self.codes.tolist()]
        bounds = zip(self.starts.tolist(), self.ends.tolist(), strict=True)
        return [names[a:b] for a, b in bounds]


def state_key(rule: Rule, day: dt.date) -> str:
    """A stable name for the results of ``rule`` on ``day`` (any parameter changes it)."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items() if k != "doc"}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if isinstance(value, (set, frozenset)):
            return sorted(plain(v) for v in value)
        return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)

    text = json.dumps({"rule": plain(asdict(rule)), "day": day.isoformat()}, sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"analysis-{rule.name}-{day.isoformat()}-{digest}"


def _fields_of(kind: Any, state: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The array fields of dataclass ``kind`` stored under ``prefix``."""
    return {
        name: state[f"{prefix}.{name}"]
        for name in kind.__dataclass_fields__
        if f"{prefix}.{name}" in state
    }


def compute(
    dataset: Dataset,
    rule: Rule,
    as_of: dt.date,
    step: Callable[[int], None],
    *,
    with_shares: bool = False,
) -> Computed:
    """Run ``rule`` over ``dataset`` on ``as_of``; ``step(k)`` after each of the
    :data:`STAGES` stages. Look-through shares are worked out here when the rule needs
    them or ``with_shares`` asks (a store keeps them), else when first read."""
    threshold = rule.threshold_on(as_of)
    c = compile_snapshot(dataset, as_of, rule)
    step(1)
    look = rule.aggregation is Aggregation.look_through
    # look-through shares (or else reachability) need only the compiled graph: worked
    # out on a second thread while the fixed points run (all spend their time in numpy)
    with ThreadPoolExecutor(max_workers=1) as pool:
        shares = pool.submit(look_through, c) if look or with_shares else None
        reached = pool.submit(reach_from_seeds, c) if shares is None else None
        lower = upper = None
        if threshold is not None and rule.aggregation is Aggregation.all:
            lower = covered_fixed_point(c, rule, threshold, upper=False)
            upper = covered_fixed_point(c, rule, threshold, upper=True)
        elif threshold is not None and rule.aggregation is Aggregation.per_owner:
            arrangements = [
                ([c.index[m] for m in a.members], c.index[a.target])
                for a in dataset.arrangements
                if a.active_on(as_of)
            ]
            lower = per_owner_fixed_point(
                c, rule, threshold, upper=False, arrangements=arrangements
            )
            upper = per_owner_fixed_point(c, rule, threshold, upper=True, arrangements=arrangements)
        step(2)
        reach = reached.result() if reached is not None else reach_from_seeds(c)
        step(3)
        effective = shares.result() if shares is not None else None
    if look:
        assert threshold is not None and effective is not None
        lower, upper = _look_through_fixed_point(c, effective, threshold)
    in_force = rule.in_force_on(as_of)
    codes, flags = _classify(c, reach, lower, upper, in_force)
    step(STAGES)
    return Computed(c, reach, lower, upper, codes, flags, shares=effective)


def _look_through_fixed_point(
    c: Compiled, effective: np.ndarray, threshold: Threshold
) -> tuple[FixedPoint, FixedPoint]:
    """Coverage by look-through share; ``effective`` is corrected in place where the exact
    share is on the other side of the threshold from its float."""
    limit = float(threshold.value) / 100
    meets = effective >= limit if threshold.inclusive else effective > limit
    covered = meets | c.seeds
    # shares within rounding of the threshold are decided exactly, ">=" or ">" as it says
    near = np.flatnonzero(~c.seeds & (np.abs(effective - limit) <= LOOK_THROUGH_EXACT_MARGIN))
    undecided = np.zeros(c.n, dtype=bool)
    if near.size:
        exact = exact_look_through(c, near)
        for i in near.tolist():
            if i not in exact:  # below a ring too large to solve exactly: not guessed
                covered[i] = False
                undecided[i] = True
                continue
            share = exact[i] * 100
            covered[i] = threshold.met_by(share)
            effective[i] = on_its_side(share, threshold) / 100
    rounds = np.where(covered, 1, -1)
    rounds[c.seeds] = 0
    received = np.zeros(c.n, dtype=c.low.dtype)
    lower = FixedPoint(covered=covered, received=received, round=rounds)
    if undecided.any():  # possibly covered: at the threshold, within rounding
        return lower, FixedPoint(covered=covered | undecided, received=received, round=rounds)
    return lower, lower


def _classify(
    c: Compiled,
    reach: Reachability,
    lower_point: FixedPoint | None,
    upper_point: FixedPoint | None,
    in_force: bool,
) -> tuple[np.ndarray, StoredFlags]:
    """Each entity's status code and flags of its own."""
    codes = np.full(c.n, 3, dtype=np.int8)  # clear
    codes[reach.reached] = 2  # exposed
    marks: list[tuple[np.ndarray, Flag]] = []
    if lower_point is not None:
        lower, upper = lower_point.covered, (upper_point or lower_point).covered
        in_scope = ~c.out_of_scope
        if in_force:
            codes[lower & in_scope & ~c.seeds] = 1
            # a US entity that may meet the test says so too, beside its scope
            marks.append((upper & ~lower & ~c.seeds & reach.reached, Flag.possibly_covered))
            marks.append((upper & c.out_of_scope & ~c.seeds, Flag.out_of_scope_us_entity))
        else:
            marks.append((lower & in_scope & ~c.seeds, Flag.would_be_covered))
    marks += [(c.conflicted, Flag.conflicting_stakes), (c.closed_ring, Flag.closed_ring)]
    codes[c.seeds] = 0
    return codes, StoredFlags.marked(marks)


def on_its_side(share: Fraction, threshold: Threshold) -> float:
    """An exact look-through share (percent) as the float reported for it, rounded to
    the six places JSON shows on the side of the threshold the exact share is on: a
    share just under 50% is never written 50.0 on an entity that is not covered."""
    value = float(share)
    shown = Fraction(Decimal(repr(round(value, 6))))
    if threshold.met_by(shown) == threshold.met_by(share):
        return value
    millionths = share * 1_000_000
    step = math.ceil(millionths) if threshold.met_by(share) else math.floor(millionths)
    return float(Fraction(step, 1_000_000))
