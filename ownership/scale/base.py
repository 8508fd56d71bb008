"""What the scale engines share: the share scale, the executor an engine provides, and
the record of a run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..rules.base import Rule, Threshold
from .rounds import big
from .tables import SHARE_PLACES

__all__ = ["HUNDRED", "SCALE", "ZERO", "Executor", "ScaleRun"]

#: Shares are integers: percent x SCALE.
SCALE = 10**SHARE_PLACES
HUNDRED = 100 * SCALE
ZERO = big(0)


class Executor(Protocol):
    """What the rounds need from an engine."""

    def table(self, name: str, query: str) -> None:
        """Make (or replace) table ``name`` from ``query``, which may read ``name``."""

    def append(self, name: str, query: str) -> None:
        """Add the rows of ``query`` (which does not read ``name``) to table ``name``."""

    def count(self, name: str) -> int: ...

    def rows(self, query: str) -> list[tuple[Any, ...]]: ...

    def load(self, name: str, table: Any) -> None:
        """Make table ``name`` from an Arrow table."""

    def single(self, value: str) -> str:
        """A list of one item."""

    def prepend(self, value: str, values: str) -> str:
        """The list ``values`` with ``value`` put first."""

    def joined(self, values: str, separator: str) -> str:
        """A list's items joined with ``separator`` as one string."""

    def matches(self, value: str, regex: str) -> str:
        """A condition: ``value`` matches the regular expression ``regex`` somewhere."""


@dataclass
class ScaleRun:
    """What a run worked out: the tables it left, and the rounds each part took."""

    rule: Rule
    as_of: dt.date
    in_force: bool
    threshold: Threshold | None
    rounds: dict[str, int] = field(default_factory=dict)
    #: look-through shares decided exactly near the threshold, and those left undecided
    exact: int = 0
    undecided: int = 0
