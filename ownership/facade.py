"""The analysis as notebooks and the command line use it.

:class:`ownership.analysis.Analysis` computes verdicts and answers questions about
them; the questions built on verdicts (affiliates, timeline, screening, the entity card)
and the drawings (map, plot) are added here, above every layer they use, so that no
layer below imports one above it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from . import analysis
from .display import Tabular
from .rules import DEFAULT_RULE, Rule

if TYPE_CHECKING:
    from .affiliates import AffiliateReport
    from .loopholes import LoopholeReport
    from .model import Dataset
    from .what_if import WhatIfReport

__all__ = ["Analysis", "analyze"]


class Analysis(analysis.Analysis, Tabular):
    """The result of one rule on one date over a dataset.

    Iterate it for :class:`~ownership.analysis.Verdict` s; ``to_records()`` /
    ``to_pandas()`` for tables; in Jupyter it shows as a table. ``affiliates``,
    ``timeline``, ``screen``, ``card``, ``map``, ``plot``, ``loopholes`` and ``what_if``
    answer the usual questions.
    """

    _table_columns = (
        "id",
        "name",
        "country",
        "status",
        "flags",
        "legal_percent",
        "effective_percent",
        "nearest_listed",
        "explanation",
    )

    def to_records(self) -> list[dict[str, Any]]:
        """One plain dict per entity (the documented JSON row), computed by columns."""
        from .verdict_records import verdict_rows

        return list(verdict_rows(self))

    def _table_caption(self) -> str:
        counts = ", ".join(f"{v} {k}" for k, v in self.counts().items())
        return f"{self.header()} {counts}."

    def affiliates(
        self,
        name: str,
        *,
        scope: str = "subsidiaries",
        unlisted: bool = False,
        max_depth: int | None = None,
        min_percent: float | None = None,
    ) -> AffiliateReport:
        """Affiliates of the entity ``name`` (id, name, alias or former name), most exposed
        first. See :func:`ownership.affiliates.affiliates`."""
        from .affiliates import affiliates

        match = self.names.resolve(name)
        report = affiliates(
            self,
            match.entity.id,
            scope=scope,
            unlisted=unlisted,
            max_depth=max_depth,
            min_percent=min_percent,
        )
        note = match.note()
        return replace(report, resolved_note=note) if note else report

    def loopholes(
        self,
        *,
        min_look_through: float | None = None,
        country: str | None = None,
        top: int = 3,
    ) -> LoopholeReport:
        """Every listed entity (of ``country``, an ISO code, if given) ranked by its
        unlisted exposure, naming its ``top`` exposed descendants of the largest
        look-through shares, with how far the listed parties reach. See
        :func:`ownership.loopholes.loopholes`."""
        from .loopholes import loopholes

        return loopholes(self, min_look_through=min_look_through, country=country, top=top)

    def what_if(self, name: str, list_id: str, *, remove: bool = False) -> WhatIfReport:
        """The entities whose status would change if ``name`` were added to ``list_id``
        (``LIST`` or ``LIST:PROGRAM``) on this date, or with ``remove`` taken off it. See
        :func:`ownership.what_if.what_if`."""
        from .what_if import what_if

        return what_if(self, name, list_id, remove=remove)

    def timeline(self, name: str, *, group: bool = False) -> Any:
        """Status changes of ``name`` under this analysis's rule (all dates, not only as_of)."""
        from .timeline import timeline

        return timeline(self.dataset, self.resolve(name), self.rule, group=group)

    def screen(self, names: list[str], **options: Any) -> Any:
        """Screen counterparty names; see :func:`ownership.screening.screen`."""
        from .screening import screen

        return screen(self, names, **options)

    def card(self, name: str) -> Any:
        """The entity card of ``name``: names over time, facts, listings and sources."""
        from .card import entity_card

        return entity_card(self.dataset, self.resolve(name))

    def map(
        self,
        name: str | None = None,
        *,
        depth: int | None = None,
        scope: str | None = None,
        max_depth: int | None = None,
        min_percent: float | None = None,
        budget: int | None = None,
        physics: bool = False,
    ) -> Any:
        """An interactive HTML map of ``name``, its owners up to the listed ones and all
        it owns (or what ``affiliates`` reports with ``scope``, ``max_depth``,
        ``min_percent``, or everything), folded past ``budget``; shows inline in Jupyter."""
        from .render.html import MapView
        from .render.style import MAP_BUDGET

        focus = self.resolve(name) if name else None
        return MapView(
            self,
            focus=focus,
            depth=depth,
            scope=scope,
            max_depth=max_depth,
            min_percent=min_percent,
            budget=MAP_BUDGET if budget is None else budget,
            physics=physics,
        )

    def plot(
        self,
        name: str | None = None,
        *,
        depth: int | None = None,
        scope: str | None = None,
        max_depth: int | None = None,
        min_percent: float | None = None,
        budget: int | None = None,
        ax: Any = None,
    ) -> Any:
        """A matplotlib ownership tree of the map's entities (or what ``affiliates``
        reports with ``scope``, ``max_depth``, ``min_percent``, or everything), folded past
        ``budget``; returns the Axes."""
        from .render.figure import plot_ownership
        from .render.style import FIGURE_BUDGET

        focus = self.resolve(name) if name else None
        return plot_ownership(
            self,
            focus=focus,
            depth=depth,
            scope=scope,
            max_depth=max_depth,
            min_percent=min_percent,
            budget=FIGURE_BUDGET if budget is None else budget,
            ax=ax,
        )


def analyze(
    dataset: Dataset,
    rule: str | Rule = DEFAULT_RULE,
    as_of: dt.date | str | None = None,
    *,
    lists: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    shares: bool = False,
) -> Analysis:
    """Every entity's status under ``rule`` on ``as_of`` (default: today); see
    :func:`ownership.analysis.analyze`. The result answers the usual questions too."""
    chosen, day = analysis.prepared(dataset, rule, as_of, lists)
    return Analysis(dataset, chosen, day, progress=progress, shares=shares)
