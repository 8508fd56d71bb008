"""Summaries of a run: counts by family, format and command against outcome, and the
distinct failures (one per exception type and package frame) with example repros."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from .runner import FAILURES, Outcome

__all__ = ["distinct_failures", "failure_lines", "note_lines", "summary", "write_reports"]

COLUMNS = ("ok", *FAILURES)


def _table(title: str, rows: dict[str, Counter[str]]) -> str:
    width = max([len(title), *map(len, rows)]) + 2
    head = title.ljust(width) + "".join(c.rjust(10) for c in (*COLUMNS, "total"))
    lines = [head, "-" * len(head)]
    for key in sorted(rows):
        counts = rows[key]
        lines.append(
            key.ljust(width)
            + "".join(str(counts.get(c, 0) or ".").rjust(10) for c in COLUMNS)
            + str(sum(counts.values())).rjust(10)
        )
    total: Counter[str] = Counter()
    for counts in rows.values():
        total.update(counts)
    lines.append("-" * len(head))
    lines.append(
        "all".ljust(width)
        + "".join(str(total.get(c, 0)).rjust(10) for c in COLUMNS)
        + str(sum(total.values())).rjust(10)
    )
    return "\n".join(lines)


def summary(outcomes: Sequence[Outcome]) -> str:
    """Three tables (family, format, command by outcome) and the notes counted."""
    parts = []
    keys: tuple[tuple[str, Callable[[Outcome], str]], ...] = (
        ("family", lambda o: o.family),
        ("format", lambda o: o.fmt),
        ("command", lambda o: o.command.split("=", 1)[0]),
    )
    for title, key in keys:
        rows: dict[str, Counter[str]] = defaultdict(Counter)
        for outcome in outcomes:
            rows[key(outcome)][outcome.outcome] += 1
        parts.append(_table(title, rows))
    notes = Counter(n for o in outcomes for n in o.notes)
    if notes:
        parts.append("notes: " + ", ".join(f"{k} {v}" for k, v in sorted(notes.items())))
    seconds = sum(o.seconds for o in outcomes)
    parts.append(f"{len(outcomes)} cases, {seconds:,.0f} s of case time")
    return "\n\n".join(parts)


def _key(outcome: Outcome) -> tuple[str, str, str]:
    """Failures with the same exception type at the same package line are one bug; a hang
    is keyed by the package function it was in (the line varies)."""
    frame = outcome.frame
    if outcome.outcome == "HANG":
        frame = re.sub(r":\d+ ", " ", frame)
    if outcome.outcome == "BLOWUP":
        return (outcome.outcome, outcome.command, outcome.family)
    return (outcome.outcome, outcome.exc_type, frame)


def distinct_failures(outcomes: Iterable[Outcome]) -> list[list[Outcome]]:
    """Failing outcomes grouped by :func:`_key`, most frequent first."""
    groups: dict[tuple[str, str, str], list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        if outcome.failed:
            groups[_key(outcome)].append(outcome)
    return sorted(groups.values(), key=lambda g: (-len(g), _key(g[0])))


def failure_lines(outcomes: Iterable[Outcome], limit: int = 80) -> list[str]:
    """One paragraph per distinct failure, for an assertion message or a report."""
    lines = []
    for group in distinct_failures(outcomes)[:limit]:
        first = min(group, key=lambda o: len(o.argv))
        families = ", ".join(sorted({o.family for o in group}))
        formats = ", ".join(sorted({o.fmt for o in group}))
        commands = ", ".join(sorted({o.command for o in group}))
        lines.append(
            f"{first.outcome} x{len(group)}: {first.exc_type}: {first.message}\n"
            f"    at {first.frame or '(no package frame)'}"
            + (
                f" (raised in {first.origin})"
                if first.origin and first.origin != first.frame
                else ""
            )
            + f"\n    families: {families}; formats: {formats}; commands: {commands}"
            + f"\n    e.g. case {first.index} [{first.family}/{first.fmt}/{first.variant}]"
            + (f" (step {first.step})" if " && " in first.argv else "")
            + ": "
            + first.argv[:300]
            + (f"\n    repro: {first.saved}" if first.saved else "")
        )
    return lines


def note_lines(outcomes: Iterable[Outcome]) -> list[str]:
    """One line per note, family, format and command, with a saved example."""
    groups: dict[tuple[str, str, str, str], list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        for note in outcome.notes:
            groups[(note, outcome.family, outcome.fmt, outcome.command)].append(outcome)
    return [
        f"{note} x{len(group)}: {family}/{fmt} {command}, e.g. case {group[0].index}"
        + (f": {group[0].saved}" if group[0].saved else "")
        for (note, family, fmt, command), group in sorted(groups.items())
    ]


def write_reports(outcomes: Sequence[Outcome], folder: Path) -> None:
    """``summary.txt``, ``failures.txt`` (distinct failures, then notes) and
    ``outcomes.jsonl`` (every case)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.txt").write_text(summary(outcomes) + "\n", encoding="utf-8")
    (folder / "failures.txt").write_text(
        "\n\n".join(failure_lines(outcomes, limit=10_000))
        + "\n\nnotes (these do not fail a case):\n"
        + "\n".join(note_lines(outcomes))
        + "\n",
        encoding="utf-8",
    )
    with (folder / "outcomes.jsonl").open("w", encoding="utf-8") as handle:
        for outcome in sorted(outcomes, key=lambda o: o.index):
            record = outcome.to_dict()
            record.pop("trace")
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
