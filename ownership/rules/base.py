"""What a rule is: parameters and dated windows, kept as data.

A rule is a :class:`Rule`: which lists seed it, the ownership threshold (and whether
exactly the threshold is enough), whether shares of different listed owners add up or
are counted per owner, whether control links count, which countries are out of scope,
and the windows in which it is in force. Windows and dated thresholds are read from
``windows.yaml`` beside this file, so that a new Federal Register notice is a one-line
data change.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "Aggregation",
    "Rule",
    "SeedList",
    "Threshold",
    "Window",
    "load_rule_data",
    "program_tag",
    "program_tags",
]

WINDOWS_FILE = Path(__file__).with_name("windows.yaml")
#: A seed list names its programmes in one line up to this many.
SHOWN_PROGRAMS = 4


class Aggregation(StrEnum):
    """How shares of several listed owners combine."""

    all = "all"  # OFAC, BIS, EU: add up every listed owner's share
    per_owner = "per_owner"  # UK: each designated person on its own (joint arrangements combine)
    look_through = "look_through"  # multiply along paths, add paths (integrated ownership)
    none = "none"  # no propagation at all


@dataclass(frozen=True)
class SeedList:
    """A list a rule reads, optionally only some of its programmes, with where the rule
    says so."""

    list: str
    programs: frozenset[str] | None = None  # None = every programme
    citation: str | None = field(default=None, compare=False)
    note: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.programs is not None:
            object.__setattr__(self, "programs", frozenset(map(program_tag, self.programs)))

    @classmethod
    def parse(cls, item: str) -> SeedList:
        """``LIST`` or ``LIST:PROG1+PROG2`` (only those programmes of the list), as
        ``--lists`` and ``what-if --list`` give it."""
        name, _, programs = item.partition(":")
        progs = frozenset(p.strip().upper() for p in programs.split("+") if p.strip())
        return cls(name.strip(), progs or None)

    def matches(self, list_id: str, program: str | None) -> bool:
        if list_id != self.list:
            return False
        if self.programs is None:
            return True
        return bool(program_tags(program) & self.programs)

    def __str__(self) -> str:
        if self.programs is None:
            return self.list
        if len(self.programs) > SHOWN_PROGRAMS:
            return f"{self.list} ({len(self.programs)} programmes: `ownership rules` lists them)"
        return f"{self.list} ({', '.join(sorted(self.programs))})"


def program_tag(text: str) -> str:
    """A programme tag as compared: upper case, spaces as hyphens (the EAR writes
    ``ILLICIT DRUGS-EO14059`` where OFAC's list writes ``ILLICIT-DRUGS-EO14059``)."""
    return "-".join(text.upper().split())


def program_tags(program: str | None) -> frozenset[str]:
    """The tags of a listing's programme text: ``[SDGT] [IRGC]``, ``RUSSIA-EO14024;
    US-RUSHAR`` or ``SDGT IRGC``; each bracketed or ``;``/``,``-separated part, and each
    word of it.

    >>> sorted(program_tags("[SDGT] [ILLICIT DRUGS-EO14059]; US-TERR"))
    ['DRUGS-EO14059', 'ILLICIT', 'ILLICIT-DRUGS-EO14059', 'SDGT', 'US-TERR']
    """
    parts = [p for p in re.split(r"[\[\];,]", program or "") if p.strip()]
    return frozenset(program_tag(t) for part in parts for t in [part, *part.split()])


@dataclass(frozen=True)
class Window:
    """A period (inclusive) in which a rule is in force or not."""

    start: dt.date | None
    end: dt.date | None
    in_force: bool
    label: str  # "in force", "stayed", ...
    citation: str | None = None
    verified: bool = True
    note: str | None = None

    def contains(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def describe(self) -> str:
        if self.start and self.end:
            span = f"{self.start.isoformat()}..{self.end.isoformat()}"
        elif self.start:
            span = f"from {self.start.isoformat()}"
        elif self.end:
            span = f"until {self.end.isoformat()}"
        else:
            span = "always"
        text = f"{self.label} {span}"
        if self.citation:
            text += f" ({self.citation})"
        if not self.verified:
            text += " [unverified]"
        return text


@dataclass(frozen=True)
class Threshold:
    """An ownership threshold: ``>= value`` when inclusive, ``> value`` otherwise."""

    value: Decimal
    inclusive: bool
    start: dt.date | None = None
    end: dt.date | None = None
    note: str | None = None

    def __str__(self) -> str:
        from ..model import fmt_decimal

        return f"{'>=' if self.inclusive else '>'} {fmt_decimal(self.value)}%"

    def met_by(self, share: Decimal | Fraction) -> bool:
        """A share, in percent (a decimal, or an exact fraction), meets it."""
        return share >= self.value if self.inclusive else share > self.value

    def met_by_scaled(self, shares: Any, scale: int) -> Any:
        """:meth:`met_by` for shares given as exact integers of ``1/scale`` percent (an
        int or an array)."""
        bound = self.value * scale
        return shares >= math.ceil(bound) if self.inclusive else shares > math.floor(bound)

    def contains(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Rule:
    """One regime's parameters. Built-in rules live one module each in this package."""

    name: str
    title: str
    aggregation: Aggregation
    seeds: tuple[SeedList, ...] | None  # None = every list
    thresholds: tuple[Threshold, ...] = ()
    control_counts: bool = False
    out_of_scope_countries: frozenset[str] = frozenset()
    windows: tuple[Window, ...] = ()
    summary: str = ""
    citation: str = ""
    custom: bool = False
    #: what was changed from the shipped rule, as the header and every verdict say it
    changes: tuple[str, ...] = ()
    doc: str = field(default="", repr=False, compare=False)

    @property
    def label(self) -> str:
        """The name verdicts carry: the rule's, with any change from it
        (``ofac-50, threshold changed to >= 40%``)."""
        return ", ".join((self.name, *self.changes))

    # -------------------------------------------------------------- dated parameters
    def threshold_on(self, day: dt.date) -> Threshold | None:
        for threshold in self.thresholds:
            if threshold.contains(day):
                return threshold
        return self.thresholds[-1] if self.thresholds else None

    def window_on(self, day: dt.date) -> Window | None:
        for window in self.windows:
            if window.contains(day):
                return window
        return None

    def in_force_on(self, day: dt.date) -> bool:
        """Rules without windows are always in force; others only inside an in-force window."""
        if not self.windows:
            return True
        window = self.window_on(day)
        return window is not None and window.in_force

    def reads(self, list_id: str, program: str | None = None) -> bool:
        if self.seeds is None:
            return True
        return any(s.matches(list_id, program) for s in self.seeds)

    def seed_for(self, list_id: str, program: str | None = None) -> SeedList | None:
        """The seed list through which the rule reads a listing (None: it does not, or it
        reads every list)."""
        for seed in self.seeds or ():
            if seed.matches(list_id, program):
                return seed
        return None

    def seed_names(self) -> list[str]:
        return ["any list"] if self.seeds is None else [str(s) for s in self.seeds]

    def describe_on(self, day: dt.date) -> str:
        """One line: rule, threshold and window on ``day``, e.g. for a report header."""
        parts = [f"{self.label} ({self.title})"]
        threshold = self.threshold_on(day)
        said = any(c == f"threshold changed to {threshold}" for c in self.changes)
        if threshold is not None and self.aggregation is not Aggregation.none and not said:
            parts.append(f"threshold {threshold}")
        window = self.window_on(day)
        if window is not None:
            parts.append(window.describe())
        elif self.windows:
            parts.append(f"not in force on {day.isoformat()}")
        return ", ".join(parts)

    def to_dict(self, day: dt.date | None = None) -> dict[str, Any]:
        """Everything the rule assumes, with citations, as plain data (``ownership rules``);
        with ``day``, also whether it is in force then and its threshold."""

        def iso(value: dt.date | None) -> str | None:
            return value.isoformat() if value else None

        result: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "title": self.title,
            "summary": self.summary,
            "citation": self.citation,
            "aggregation": self.aggregation.value,
            "control_counts": self.control_counts,
            "out_of_scope_countries": sorted(self.out_of_scope_countries),
            "seeds": None
            if self.seeds is None
            else [
                {
                    "list": seed.list,
                    "programs": sorted(seed.programs) if seed.programs is not None else None,
                    "citation": seed.citation,
                    "note": seed.note,
                }
                for seed in self.seeds
            ],
            "thresholds": [
                {
                    "text": str(t),
                    "value": str(t.value),
                    "inclusive": t.inclusive,
                    "start": iso(t.start),
                    "end": iso(t.end),
                    "note": t.note,
                }
                for t in self.thresholds
            ],
            "windows": [
                {
                    "start": iso(w.start),
                    "end": iso(w.end),
                    "in_force": w.in_force,
                    "label": w.label,
                    "citation": w.citation,
                    "verified": w.verified,
                    "note": w.note,
                }
                for w in self.windows
            ],
        }
        if day is not None:
            window = self.window_on(day)
            threshold = self.threshold_on(day)
            result["on"] = {
                "date": day.isoformat(),
                "in_force": self.in_force_on(day),
                "window": window.describe() if window else None,
                "threshold": str(threshold) if threshold else None,
            }
        return result

    def with_parameters(
        self,
        *,
        threshold: Decimal | None = None,
        inclusive: bool | None = None,
        per_owner: bool | None = None,
        control: bool | None = None,
    ) -> Rule:
        """The same rule with only the parameters given changed: its seeds, windows and
        the rest stay, and :attr:`changes` says what differs.

        A threshold given alone keeps each dated threshold's own ">=" or ">"; ``inclusive``
        alone keeps the values. Raises :class:`~ownership.errors.OwnershipError` for a
        parameter the rule has no use for: a look-through share is not a cascade (no owners
        to count one by one, no control to follow), and ``listed-only`` has no threshold.
        """
        from ..errors import OwnershipError

        cascade_only = {"--per-owner/--aggregate": per_owner, "--control/--no-control": control}
        given = [flag for flag, value in cascade_only.items() if value is not None]
        if self.aggregation is Aggregation.look_through and given:
            raise OwnershipError(
                f"{self.name} multiplies shares along every path; {' and '.join(given)} "
                "apply to the cascade rules (ofac-50, bis-affiliates, eu, uk, custom): drop "
                "them, or choose one of those rules"
            )
        wanted = (threshold, inclusive, per_owner, control)
        if self.aggregation is Aggregation.none and any(v is not None for v in wanted):
            raise OwnershipError(
                f"{self.name} covers nothing, so it has no threshold, aggregation or control "
                "to change: choose another rule, or --rule custom"
            )
        changes = list(self.changes)
        rule = self
        if threshold is not None or inclusive is not None:
            thresholds = tuple(
                replace(
                    t,
                    value=t.value if threshold is None else threshold,
                    inclusive=t.inclusive if inclusive is None else inclusive,
                    note=None,
                )
                for t in self.thresholds or (Threshold(Decimal(50), inclusive=True),)
            )
            rule = replace(rule, thresholds=thresholds)
            shown = sorted({str(t) for t in thresholds})
            changes.append(f"threshold changed to {' / '.join(shown)}")
        if per_owner is not None:
            aggregation = Aggregation.per_owner if per_owner else Aggregation.all
            if aggregation is not self.aggregation:
                rule = replace(rule, aggregation=aggregation)
                changes.append(
                    "each listed owner counted alone" if per_owner else "listed owners added up"
                )
        if control is not None and control != self.control_counts:
            rule = replace(rule, control_counts=control)
            changes.append("control links cover" if control else "control links do not cover")
        return replace(rule, changes=tuple(changes))

    def with_lists(self, lists: list[str]) -> Rule:
        """The same rule reading other lists (``--lists``).

        ``LIST:PROG1+PROG2`` reads only those programmes of a list, e.g. ``sdn:NPWMD``.
        """
        seeds = [SeedList.parse(item) for item in lists]
        read = ", ".join(str(seed) for seed in seeds)
        return replace(self, seeds=tuple(seeds), changes=(*self.changes, f"reading {read}"))


# ------------------------------------------------------------------ dated data
def _day(value: Any) -> dt.date | None:
    if value is None:
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


@cache
def load_rule_data(path: Path = WINDOWS_FILE) -> dict[str, dict[str, Any]]:
    """Seed lists, windows and dated thresholds per rule name, from ``windows.yaml`` (or
    another file of its form).

    Raises :class:`~ownership.errors.OwnershipError` naming the file and the rule when an
    item is malformed: a rule whose data cannot be read must not run on a guess.
    """
    from ..errors import OwnershipError

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise OwnershipError(f"{path}: cannot read rule data ({exc})") from None
    if not isinstance(raw, dict):
        raise OwnershipError(
            f"{path}: rule data must map rule names to their seeds, windows and thresholds"
        )
    result: dict[str, dict[str, Any]] = {}
    for name, spec in raw.items():
        try:
            result[str(name)] = _rule_spec(spec or {})
        except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError) as exc:
            raise OwnershipError(
                f"{path}: rule {name}: malformed item ({type(exc).__name__}: {exc}); each "
                "seed needs `list`, each window `in_force`, each threshold `value` and "
                "`inclusive`, dates as YYYY-MM-DD"
            ) from None
    return result


def _rule_spec(spec: dict[str, Any]) -> dict[str, Any]:
    windows = tuple(
        Window(
            start=_day(w.get("start")),
            end=_day(w.get("end")),
            in_force=bool(w["in_force"]),
            label=str(w.get("label") or ("in force" if w["in_force"] else "not in force")),
            citation=w.get("citation"),
            verified=bool(w.get("verified", True)),
            note=w.get("note"),
        )
        for w in spec.get("windows", [])
    )
    thresholds = tuple(
        Threshold(
            value=Decimal(str(t["value"])),
            inclusive=bool(t["inclusive"]),
            start=_day(t.get("start")),
            end=_day(t.get("end")),
            note=t.get("note"),
        )
        for t in spec.get("thresholds", [])
    )
    result: dict[str, Any] = {"windows": windows, "thresholds": thresholds}
    if "seeds" in spec:
        result["seeds"] = tuple(
            SeedList(
                list=str(item["list"]),
                programs=frozenset(str(p) for p in item["programs"])
                if item.get("programs")
                else None,
                citation=item.get("citation"),
                note=item.get("note"),
            )
            for item in spec["seeds"]
        )
    return result


def dated(name: str, path: Path = WINDOWS_FILE) -> dict[str, Any]:
    """The seeds, windows and thresholds of rule ``name`` (empty when it has none; no
    ``seeds`` key when the file names none, i.e. every list)."""
    return load_rule_data(path).get(name, {"windows": (), "thresholds": ()})
