"""Terminal output: readable rich tables and panels."""

from __future__ import annotations

import heapq
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..io.cells import visible
from ..model import fmt_decimal
from ..wording import SHARES_LINE, UP_TO
from .style import STATUS_STYLE

if TYPE_CHECKING:
    from ..affiliates import AffiliateReport
    from ..analysis import Analysis, Verdict
    from ..card import EntityCard
    from ..loopholes import LoopholeReport
    from ..screening import ScreenRow
    from ..status_changes import ChangeReport
    from ..timeline import TimelineEntry
    from ..what_if import WhatIfReport

__all__ = [
    "affiliates_table",
    "analysis_table",
    "card_panel",
    "cell",
    "changes_table",
    "loopholes_table",
    "percent_text",
    "red_flag_lines",
    "safe",
    "screen_table",
    "status_text",
    "table_rows",
    "timeline_table",
    "verdict_panel",
    "visible",
    "what_if_table",
]

#: Entities a table cell shows of the path between an affiliate and the query: the
#: first and last halves, with "…" between (JSON and CSV write the whole path).
VIA_SHOWN = 6

#: Order of statuses in tables: the loophole first.
TABLE_ORDER = {"exposed": 0, "covered": 1, "listed": 2, "clear": 3}


def safe(text: str) -> str:
    """Data for a string rich reads as markup: visible, with ``[`` escaped (a ``[/]`` in a
    name would otherwise close a tag, or fail)."""
    return escape(visible(text))


def cell(text: str | None) -> Text:
    """Data as a table cell or title: plain text, never markup."""
    return Text(visible(text or ""))


def status_text(status: str) -> Text:
    return Text(status, style=STATUS_STYLE[status].terminal)


def percent_text(value: float | Decimal) -> str:
    """A share for a table: a decimal (what the data says, or an exact sum) exactly, a
    float (look-through) to two places."""
    if isinstance(value, Decimal):
        return f"{fmt_decimal(value)}%"
    return f"{value:.2f}".rstrip("0").rstrip(".") + "%"


def _nearest(result: Analysis, v: Verdict) -> str:
    if v.status.value in ("listed", "clear") or len(v.chain_names) < 2:
        return ""
    hops = len(v.chain_names) - 1
    return f"{v.chain_names[0]} ({hops} link{'s' if hops > 1 else ''})"


def table_rows(result: Analysis, limit: int | None = None) -> list[str]:
    """Entity ids in table order (exposed, covered, listed, clear; then the largest
    look-through share; then the name), the first ``limit`` of them if given. Only those
    become verdicts, so a short table of a large analysis is quick."""
    statuses = result.statuses()
    effective = result.effective

    def key(position: int) -> tuple[int, float, str]:
        entity_id = ids[position]
        return (
            TABLE_ORDER[statuses[entity_id].value],
            -float(effective[position]),
            result.name_of(entity_id),
        )

    ids = result.compiled.ids
    positions = range(len(ids))
    if limit is None or limit >= len(ids):
        chosen = sorted(positions, key=key)
    else:
        chosen = heapq.nsmallest(limit, positions, key=key)
    return [ids[k] for k in chosen]


def analysis_table(result: Analysis, limit: int | None = None) -> Table:
    """Every verdict, most exposed first; the first ``limit`` rows, if given."""
    table = Table(show_lines=False, header_style="bold", expand=False)
    table.add_column("status", no_wrap=True)
    table.add_column("entity", overflow="fold", ratio=3)
    table.add_column("ctry", no_wrap=True)
    table.add_column("held by listed", justify="right", no_wrap=True)
    table.add_column("look-through", justify="right", no_wrap=True)
    table.add_column("reached from", overflow="fold", ratio=2)
    table.add_column("flags", overflow="fold", ratio=1)
    verdicts = [result.verdict(entity_id) for entity_id in table_rows(result, limit)]
    for v in verdicts:
        legal = percent_text(v.legal_percent)
        if v.legal_percent_max > v.legal_percent:
            legal += f"-{percent_text(v.legal_percent_max)}"
        local = [f for f in v.flags if f not in result.global_flags]
        listed = v.status.value == "listed"
        table.add_row(
            status_text(v.status.value),
            cell(v.name),
            cell(v.country),
            "" if listed else legal,
            "" if listed else percent_text(v.effective_percent),
            cell(_nearest(result, v)),
            ", ".join(local),
        )
    return table


def verdict_panel(v: Verdict) -> Panel:
    owners = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    owners.add_column("owner")
    owners.add_column("share", justify="right")
    owners.add_column("owner status")
    for o in v.owners:
        via = " (joint arrangement)" if o.kind == "arrangement" else ""
        owners.add_row(cell(o.owner_name), cell(o.share + via), status_text(o.owner_status))
    lines: list[object] = [
        Text.assemble(
            ("status ", "bold"),
            status_text(v.status.value),
            ("  flags: " + (", ".join(v.flags) or "none"), "dim"),
        ),
        cell(
            f"rule {v.rule} ({v.rule_title}); {v.window}; threshold {v.threshold}; "
            f"as of {v.as_of.isoformat()}"
        ),
        Text(
            SHARES_LINE.fill(
                held=percent_text(v.legal_percent),
                up_to=UP_TO.fill(most=percent_text(v.legal_percent_max))
                if v.legal_percent_max > v.legal_percent
                else "",
                effective=percent_text(v.effective_percent),
            )
        ),
    ]
    if v.chain_names:
        lines.append(cell("chain: " + " -> ".join(v.chain_names)))
    if v.listed_ancestors:
        lines.append(cell("listed ancestors: " + ", ".join(v.listed_ancestors)))
    for listing in v.listings:
        lines.append(
            cell(
                f"listing: {listing.list} since {listing.start or '?'}"
                + (f" ({listing.citation})" if listing.citation else "")
            )
        )
    if v.owners:
        lines.append(owners)
    lines.append(Text(visible(v.explanation), style="italic"))
    title = f"{safe(v.name)} ({safe(v.id)})"
    return Panel(Group(*lines), title=title, expand=False)  # type: ignore[arg-type]


SHORT_FLAGS = {
    "possibly_covered": "possibly covered",
    "out_of_scope_us_entity": "US: out of BIS scope",
    "would_be_covered": "covered if in force",
}


def affiliates_table(report: AffiliateReport, limit: int | None = None) -> Table:
    """Most exposed first: status, shares, depth and the links in between; the first
    ``limit`` affiliates, if given."""
    table = Table(header_style="bold", expand=False)
    table.add_column("status", no_wrap=True)
    table.add_column("affiliate", overflow="fold", ratio=3, min_width=16)
    table.add_column("ctry", no_wrap=True)
    table.add_column("direct", justify="right", no_wrap=True)
    table.add_column("look-thru", justify="right", no_wrap=True)
    table.add_column("listed own", justify="right", no_wrap=True)
    table.add_column("depth", justify="right", no_wrap=True)
    table.add_column("via / notes", overflow="fold", ratio=3, min_width=16)
    shown = report.items if limit is None else report.items[:limit]
    for number, a in enumerate(shown, start=1):
        v = a.verdict
        legal = percent_text(v.legal_percent)
        if v.legal_percent_max > v.legal_percent:
            legal += f"-{percent_text(v.legal_percent_max)}"
        between: tuple[str, ...] = ()
        if a.relation in ("subsidiary", "parent"):
            between = a.path_names[1:-1]
            if a.path_via and a.relation == "subsidiary":  # cut: it starts below the query
                between = ("…", *a.path_names[:-1])
            elif a.path_via:
                between = (*a.path_names[1:], "…")
        if len(between) > VIA_SHOWN:  # a long path reads best as its two ends
            between = (*between[: VIA_SHOWN // 2], "…", *between[-(VIA_SHOWN // 2) :])
        notes = [" -> ".join(between)] if between else []
        notes += [SHORT_FLAGS[f] for f in v.flags if f in SHORT_FLAGS]
        if a.red_flags:
            notes.append(f"red flags: see {number}")
        table.add_row(
            status_text(a.status),
            cell(f"{number}. {a.name}"),
            cell(v.country),
            (a.direct_share or "").replace("unknown %", "?"),
            percent_text(a.look_through_percent),
            "" if a.status == "listed" else legal,
            str(a.depth) if a.depth is not None else "",
            cell("; ".join(notes)),
        )
    return table


def red_flag_lines(report: AffiliateReport, limit: int | None = None) -> list[str]:
    """Red flags as numbered lines to print under the affiliates table (of its first
    ``limit`` rows, if given)."""
    lines = []
    shown = report.items if limit is None else report.items[:limit]
    for number, a in enumerate(shown, start=1):
        for flag in a.red_flags:
            lines.append(visible(f"{number}. {a.name}: {flag.message}"))
    return lines


def loopholes_table(report: LoopholeReport, limit: int | None = None) -> Table:
    """Listed entities, most exposed first: their unlisted descendants, covered and
    exposed, the exposed ones with the largest look-through shares, and red flags; the
    first ``limit`` rows, if given."""
    table = Table(header_style="bold", expand=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("listed entity", overflow="fold", ratio=3, min_width=16)
    table.add_column("ctry", no_wrap=True)
    table.add_column("unlisted", justify="right", no_wrap=True)
    table.add_column("covered", justify="right", no_wrap=True)
    table.add_column("exposed", justify="right", no_wrap=True)
    table.add_column("largest look-through (exposed)", overflow="fold", ratio=3, min_width=16)
    table.add_column("renamed / moved", justify="right", no_wrap=True)
    shown = len(report) if limit is None else min(limit, len(report))
    for k in range(shown):
        row = report.record(k)
        largest = [
            cell(f"{percent_text(x['look_through_percent'])} {x['name']}")
            for x in row["largest_exposed"]
        ]
        table.add_row(
            str(row["rank"]),
            cell(f"{row['name']} ({row['id']})"),
            cell(row["country"] or ""),
            f"{row['unlisted']:,}",
            f"{row['covered']:,}",
            Text(
                f"{row['exposed']:,}",
                style=STATUS_STYLE["exposed"].terminal if row["exposed"] else "",
            ),
            Text("\n").join(largest) if largest else cell("-"),
            f"{row['renamed_after_listing']} / {row['moved_after_listing']}",
        )
    return table


def changes_table(report: ChangeReport, limit: int | None = None) -> Table:
    """The entities whose status or flags changed: both statuses and flags, and the
    events between the dates; the first ``limit`` rows, if given."""
    table = Table(header_style="bold", expand=False)
    table.add_column("entity", overflow="fold", ratio=2, min_width=16)
    table.add_column("from", no_wrap=True)
    table.add_column("to", no_wrap=True)
    table.add_column("flags to", overflow="fold", ratio=1, min_width=8)
    table.add_column("events between the dates", overflow="fold", ratio=4, min_width=20)
    for k, row in enumerate(report.records()):
        if limit is not None and k >= limit:
            break
        table.add_row(
            cell(f"{row['name']} ({row['id']})"),
            status_text(row["status_from"]),
            status_text(row["status_to"]),
            cell(", ".join(row["flags_to"])),
            cell("\n".join(row["events"])),
        )
    return table


def what_if_table(report: WhatIfReport, limit: int | None = None) -> Table:
    """The entities whose status would change: before and after, the legal and
    look-through shares after, the chain after; the first ``limit`` rows, if given."""
    table = Table(header_style="bold", expand=False)
    table.add_column("entity", overflow="fold", ratio=2, min_width=16)
    table.add_column("before", no_wrap=True)
    table.add_column("after", no_wrap=True)
    table.add_column("listed own", justify="right", no_wrap=True)
    table.add_column("look-thru", justify="right", no_wrap=True)
    table.add_column("chain after", overflow="fold", ratio=3, min_width=16)
    for k, row in enumerate(report.records()):
        if limit is not None and k >= limit:
            break
        legal = percent_text(Decimal(str(row["legal_percent"])))
        if row["legal_percent_max"] != row["legal_percent"]:
            legal += f"-{percent_text(Decimal(str(row['legal_percent_max'])))}"
        table.add_row(
            cell(f"{row['name']} ({row['id']})"),
            status_text(row["status_before"]),
            status_text(row["status_after"]),
            legal,
            percent_text(float(row["effective_percent"])),
            cell(" -> ".join(row["chain_names"])),
        )
    return table


def screen_table(rows: list[ScreenRow]) -> Table:
    table = Table(header_style="bold", expand=False)
    table.add_column("row", justify="right", no_wrap=True)
    table.add_column("counterparty", overflow="fold", ratio=2)
    table.add_column("matched entity", overflow="fold", ratio=2)
    table.add_column("match", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("reason", overflow="fold", ratio=5)
    for r in rows:
        status = (
            status_text(r.status)
            if r.status in STATUS_STYLE
            else Text(visible(r.status), style="dim")
        )
        table.add_row(
            str(r.row),
            cell(r.query),
            cell(r.entity_name),
            r.match,
            f"{r.score:.0f}" if r.entity_id else "",
            status,
            cell(r.reason),
        )
    return table


def timeline_table(entries: list[TimelineEntry], group: bool) -> Table:
    table = Table(header_style="bold", expand=False)
    table.add_column("date", no_wrap=True)
    if group:
        table.add_column("entity", overflow="fold", ratio=2)
    table.add_column("status", no_wrap=True)
    table.add_column("flags", overflow="fold", ratio=1)
    table.add_column("what happened", overflow="fold", ratio=4)
    for e in entries:
        change = status_text(e.status)
        if e.status_before and e.status_before != e.status:
            change = Text.assemble(
                Text(f"{e.status_before} -> ", style="dim"), status_text(e.status)
            )
        what = cell("\n".join(x.text for x in e.events) or "-")
        cells: list[object] = [e.day.isoformat()]
        if group:
            cells.append(cell(e.name))
        cells += [change, ", ".join(e.flags), what]
        table.add_row(*cells)  # type: ignore[arg-type]
    return table


def card_panel(card: EntityCard) -> Panel:
    e = card.entity
    parts: list[object] = []
    head = f"{e.kind.value}" + (f", {e.country}" if e.country else "")
    parts.append(Text(visible(head), style="dim"))
    names = Table(title="names over time", title_justify="left", box=None, header_style="bold")
    names.add_column("name")
    names.add_column("from")
    names.add_column("until")
    for n in card.names:
        names.add_row(
            cell(n.name),
            n.since.isoformat() if n.since else "",
            n.until.isoformat() if n.until else ("(current)" if n.name == e.name else "?"),
        )
    parts.append(names)
    if e.aliases:
        parts.append(cell("aliases: " + "; ".join(e.aliases)))
    if card.identifiers:
        parts.append(
            cell("identifiers: " + "; ".join(f"{i.scheme} {i.value}" for i in card.identifiers))
        )
    for a in card.addresses:
        span = ""
        if a.start or a.end:
            since = a.start.isoformat() if a.start else "..."
            until = a.end.isoformat() if a.end else "..."
            span = f" ({since} to {until})"
        parts.append(cell(f"address: {a.address}{', ' + a.country if a.country else ''}{span}"))
    for title, rows, key in (
        ("owners", card.owners, "owner"),
        ("holdings", card.holdings, "owned"),
    ):
        if not rows:
            continue
        t = Table(title=title, title_justify="left", box=None, header_style="bold")
        t.add_column(key)
        t.add_column("share", justify="right")
        t.add_column("from")
        t.add_column("until")
        t.add_column("note", overflow="fold", max_width=60)
        for h, other in rows:
            t.add_row(
                cell(other),
                h.share_text(),
                h.start.isoformat() if h.start else "",
                h.end.isoformat() if h.end else "",
                cell(h.note),
            )
        parts.append(t)
    if card.listings:
        t = Table(title="listings", title_justify="left", box=None, header_style="bold")
        for col in ("list", "program", "from", "until", "citation"):
            t.add_column(col)
        for x in card.listings:
            t.add_row(
                cell(x.list),
                cell(x.program),
                x.start.isoformat() if x.start else "",
                x.end.isoformat() if x.end else "",
                cell(x.citation),
            )
        parts.append(t)
    if card.sources:
        t = Table(title="sources", title_justify="left", box=None, header_style="bold")
        for col in ("id", "publisher", "date", "title"):
            t.add_column(col, overflow="fold")
        for s in card.sources:
            t.add_row(
                cell(s.id),
                cell(s.publisher),
                s.date.isoformat() if s.date else "",
                cell(s.title or s.url),
            )
        parts.append(t)
    if e.note:
        parts.append(Text(visible(e.note), style="italic"))
    title = f"{safe(e.name)} ({safe(e.id)})"
    return Panel(Group(*parts), title=title, expand=False)  # type: ignore[arg-type]


def rules_panels(rules: list[dict[str, Any]]) -> list[Panel]:
    """One panel per rule (``Rule.to_dict`` with a date): what it reads, its thresholds
    and windows, each with its citation."""
    panels = []
    for r in rules:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        on = r.get("on")
        if on:
            state = "in force" if on["in_force"] else "NOT in force"
            detail = f": {on['window']}" if on["window"] else ""
            grid.add_row(f"on {on['date']}", Text(f"{state}{detail}"))
        if r["summary"]:
            grid.add_row("rule", Text(r["summary"]))
        if r["citation"]:
            grid.add_row("source", Text(r["citation"]))
        counting = {
            "all": "listed owners add up",
            "per_owner": "each designated person counted alone (joint arrangements combine)",
            "look_through": "shares multiplied along every path (analysis, not law)",
            "none": "nothing is covered",
        }[r["aggregation"]]
        grid.add_row("counting", Text(counting))
        grid.add_row("control", Text("control links cover" if r["control_counts"] else "no"))
        if r["out_of_scope_countries"]:
            grid.add_row(
                "scope", Text(f"never covers entities of {', '.join(r['out_of_scope_countries'])}")
            )
        for t in r["thresholds"]:
            span = _span(t["start"], t["end"])
            grid.add_row("threshold", Text(f"{t['text']}{span}" + _note(t["note"])))
        if r["seeds"] is None:
            grid.add_row("reads", Text("every list"))
        for seed in r["seeds"] or ():
            programs = seed["programs"]
            text = seed["list"] + (f" [{', '.join(programs)}]" if programs else "")
            text += f": {seed['citation']}" if seed["citation"] else ""
            grid.add_row("reads", Text(text + _note(seed["note"])))
        for w in r["windows"]:
            text = f"{w['label']}{_span(w['start'], w['end'])}"
            text += f" ({w['citation']})" if w["citation"] else ""
            text += "" if w["verified"] else " - unverified"
            grid.add_row("window", Text(text + _note(w["note"])))
        title = f"{safe(r['label'])}: {safe(r['title'])}"
        panels.append(Panel(grid, title=title, title_align="left"))
    return panels


def _span(start: str | None, end: str | None) -> str:
    if start and end:
        return f" {start}..{end}"
    if start:
        return f" from {start}"
    return f" until {end}" if end else ""


def _note(note: str | None) -> str:
    return f"; {note}" if note else ""
