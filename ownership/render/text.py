"""Terminal output: readable rich tables and panels."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .style import STATUS_STYLE

if TYPE_CHECKING:
    from ..analysis import Analysis, Verdict

__all__ = ["analysis_table", "percent_text", "status_text", "verdict_panel"]

#: Order of statuses in tables: the loophole first.
TABLE_ORDER = {"exposed": 0, "covered": 1, "listed": 2, "clear": 3}


def status_text(status: str) -> Text:
    return Text(status, style=STATUS_STYLE[status].terminal)


def percent_text(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") + "%"


def _nearest(result: Analysis, v: Verdict) -> str:
    if v.status.value in ("listed", "clear") or len(v.chain_names) < 2:
        return ""
    hops = len(v.chain_names) - 1
    return f"{v.chain_names[0]} ({hops} link{'s' if hops > 1 else ''})"


def analysis_table(result: Analysis) -> Table:
    table = Table(show_lines=False, header_style="bold", expand=False)
    table.add_column("status", no_wrap=True)
    table.add_column("entity", overflow="fold", ratio=3)
    table.add_column("ctry", no_wrap=True)
    table.add_column("held by listed", justify="right", no_wrap=True)
    table.add_column("look-through", justify="right", no_wrap=True)
    table.add_column("reached from", overflow="fold", ratio=2)
    table.add_column("flags", overflow="fold", ratio=1)
    verdicts = sorted(
        result.verdicts(),
        key=lambda v: (TABLE_ORDER[v.status.value], -v.effective_percent, v.name),
    )
    for v in verdicts:
        legal = percent_text(float(v.legal_percent))
        if v.legal_percent_max > v.legal_percent:
            legal += f"-{percent_text(float(v.legal_percent_max))}"
        local = [f for f in v.flags if f not in result.global_flags]
        listed = v.status.value == "listed"
        table.add_row(
            status_text(v.status.value),
            v.name,
            v.country or "",
            "" if listed else legal,
            "" if listed else percent_text(v.effective_percent),
            _nearest(result, v),
            ", ".join(local),
        )
    return table


def verdict_panel(v: Verdict) -> Panel:
    owners = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    owners.add_column("owner")
    owners.add_column("share", justify="right")
    owners.add_column("owner status")
    for o in v.owners:
        owners.add_row(o.owner_name, o.share, status_text(o.owner_status))
    lines: list[object] = [
        Text.assemble(
            ("status ", "bold"),
            status_text(v.status.value),
            ("  flags: " + (", ".join(v.flags) or "none"), "dim"),
        ),
        Text(
            f"rule {v.rule} ({v.rule_title}); {v.window}; threshold {v.threshold}; "
            f"as of {v.as_of.isoformat()}"
        ),
        Text(
            f"listed or covered owners hold {percent_text(float(v.legal_percent))}"
            + (
                f" (up to {percent_text(float(v.legal_percent_max))} with unknown or range shares)"
                if v.legal_percent_max > v.legal_percent
                else ""
            )
            + f"; look-through {percent_text(v.effective_percent)}"
        ),
    ]
    if v.chain_names:
        lines.append(Text("chain: " + " -> ".join(v.chain_names)))
    if v.listed_ancestors:
        lines.append(Text("listed ancestors: " + ", ".join(v.listed_ancestors)))
    for listing in v.listings:
        lines.append(
            Text(
                f"listing: {listing.list} since {listing.start or '?'}"
                + (f" ({listing.citation})" if listing.citation else "")
            )
        )
    if v.owners:
        lines.append(owners)
    lines.append(Text(v.explanation, style="italic"))
    return Panel(Group(*lines), title=f"{v.name} ({v.id})", expand=False)  # type: ignore[arg-type]
