"""The words of every explanation, in one place.

A verdict's explanation is made of the sentences below. Each is a :class:`Template`
with named slots: the verdict made one by one (:mod:`ownership.explanation`) fills the
slots with strings; the writer by columns (:mod:`ownership.explanation_columns`) fills them
with columns of strings, piece by piece, so both write the same words.

>>> CLEAR.fill(name="B", rule_when="ofac-50 on 2024-01-01")
'B is clear: no listed party owns or controls it under ofac-50 on 2024-01-01.'
>>> [piece for piece in CHAIN.pieces]
[('Chain: ', False), ('chain', True), ('.', False)]
"""

from __future__ import annotations

import datetime as dt
import math
import re
import string
from collections.abc import Sequence
from decimal import Decimal

from .model import Listing, fmt_decimal
from .rules.base import Rule, Threshold, Window
from .verdict import Flag

__all__ = [
    "DOUBLE_STOP",
    "Template",
    "exposed_flag_sentences",
    "list_label",
    "names_text",
    "percent_words",
    "single_stops",
]


class Template:
    """A sentence with named slots (``{name}``), filled by :meth:`fill` or piece by piece."""

    def __init__(self, text: str) -> None:
        self.text = text
        pieces: list[tuple[str, bool]] = []
        for literal, slot, _, _ in string.Formatter().parse(text):
            if literal:
                pieces.append((literal, False))
            if slot is not None:
                pieces.append((slot, True))
        #: the text in order: (literal text, False) or (slot name, True)
        self.pieces = tuple(pieces)

    def fill(self, **values: str) -> str:
        return self.text.format(**values)

    def __repr__(self) -> str:
        return f"Template({self.text!r})"


# -- the rule and the date, as every explanation names them
RULE_WHEN = Template("{label} ({title}) on {date}{window}")
NOT_IN_FORCE = Template("The rule is not in force on {date}{window}.")
UNVERIFIED_WINDOW = Template("This rule window is unverified: {note}.")
#: What an unverified window without a note of its own asks.
CHECK_THE_REGISTER = "check the Federal Register"

# -- the first sentence, by status
LISTED = Template("{name} is listed: on {lists}; {rule_when}.")
#: The lists of a listed entity whose listings the rule reads under another name.
SOME_LIST_READ = "a list the rule reads"
COVERED_THROUGH_ALL_PATHS = Template(
    "{name} is covered under {rule_when}: listed parties hold {effective} of it through "
    "all paths (threshold {threshold})."
)
COVERED = Template("{name} is covered under {rule_when}: {basis}: {owners}.")
BASIS_CONTROL = Template("controlled by listed or covered owners")
BASIS_HELD = Template("listed or covered owners hold {held} (threshold {threshold})")
BASIS_ONE_PERSON = Template(
    "designated {person} alone holds or controls {held} (threshold {threshold}, "
    "no aggregation across persons)"
)
EXPOSED = Template(
    "{name} is exposed: not listed and not covered under {rule_when}, yet owned or "
    "controlled through {chain} by listed {nearest}."
)
CLEAR = Template("{name} is clear: no listed party owns or controls it under {rule_when}.")

# -- what follows it
CHAIN = Template("Chain: {chain}.")
LOOK_THROUGH = Template("Look-through share {effective}.")
EXPOSED_SHARES = Template(
    "Listed or covered owners hold {held} (threshold {threshold}); look-through share {effective}."
)
OWNERS_THAT_COUNT = Template("Owners that count: {owners}.")
#: One counted owner: ``joint`` is :data:`JOINT` for a stake a joint arrangement brings in.
OWNER = Template("{name} {share} ({status}{joint})")
JOINT = ", joint arrangement"
UNDECIDED = Template(
    "Possibly covered: its look-through share is within rounding of the threshold "
    "({threshold}) and it lies below a ring too large to decide that exactly here; "
    "establish the shares."
)
POSSIBLY_COVERED = Template(
    "Possibly covered: unknown or range shares could reach {reach}; "
    "establish the exact shares{cite}."
)
#: Where the Affiliates Rule's own guidance says so; the other rules leave it to due diligence.
BIS_RED_FLAG = " (BIS Red Flag 29)"
OUT_OF_SCOPE = Template(
    "It meets (or may meet) the ownership test, but the rule reaches non-US entities only; "
    "it still passes coverage down to its foreign subsidiaries."
)
WOULD_BE_COVERED = Template("Were the rule in force on this date, it would be covered.")
JOINT_ARRANGEMENT = Template(
    "{members} exercise their rights in {name} under a joint arrangement: each is treated "
    "as holding their combined shares (SAMLA Sch. 1 para 3), which count here because "
    "{counted} {are} listed or owned by a listed party."
)

#: The shares line of a verdict's panel (``ownership explain``).
SHARES_LINE = Template("listed or covered owners hold {held}{up_to}; look-through {effective}")
UP_TO = Template(" (up to {most} with unknown or range shares)")

# -- what the data says that cannot all be true
CONFLICTING_STAKES = Template(
    "The stakes in it cannot all be true on {date}: {records} add up to {total}%{or_more}; "
    "until the figures are settled each counts from 0 up to its own figure, so coverage "
    "that rests on them is possible, not certain."
)
DIFFERENT_FIGURES = Template(
    "Sources give different figures for {owner}'s stake: {records}; "
    "read as one stake of {low}-{high}%."
)
CLOSED_RING = Template(
    "It is on a ring of entities owning each other 100% with no outside owner ({ring}): "
    "nobody ultimately owns them, look-through counts nothing around the ring, and a "
    "listed member still passes its stakes on."
)

#: How verdicts name the lists the rules read; any other list by its key.
LIST_NAMES = {
    "entity_list": "the Entity List",
    "meu_list": "the MEU List",
    "unverified_list": "the Unverified List",
    "sdn": "the SDN List",
    "eu": "the EU list",
    "uk": "the UK list",
}


def rule_when(rule: Rule, as_of: dt.date, window: Window | None) -> str:
    """The rule and the date as every explanation names them."""
    dated = f" ({window.describe()})" if window is not None and rule.windows else ""
    return RULE_WHEN.fill(label=rule.label, title=rule.title, date=as_of.isoformat(), window=dated)


def window_text(rule: Rule, window: Window | None) -> str:
    """The rule's window on the date, as the ``window`` field writes it."""
    if window is not None:
        return window.describe()
    return "always in force" if not rule.windows else "not in force"


def threshold_text(threshold: Threshold | None) -> str:
    """The threshold as the ``threshold`` field writes it."""
    return str(threshold) if threshold else "none"


def window_sentences(flags: Sequence[str], as_of: dt.date, window: Window | None) -> list[str]:
    """Closing sentences on the rule's window, for the flags that hold on the date."""
    sentences = []
    if Flag.rule_not_in_force.value in flags:
        dated = f" ({window.describe()})" if window else ""
        sentences.append(NOT_IN_FORCE.fill(date=as_of.isoformat(), window=dated))
    if window is not None and Flag.unverified_window.value in flags:
        sentences.append(UNVERIFIED_WINDOW.fill(note=window.note or CHECK_THE_REGISTER))
    return sentences


def exposed_flag_sentences(flags: Sequence[str], reach: str, rule: Rule) -> list[str]:
    """The sentences an exposed entity's flags add to its explanation; ``reach`` is the
    most that unknown or range shares could add up to, as text (``"60%"``)."""
    sentences = []
    if Flag.possibly_covered.value in flags:
        cite = BIS_RED_FLAG if rule.name == "bis-affiliates" else ""
        sentences.append(POSSIBLY_COVERED.fill(reach=reach, cite=cite))
    if Flag.out_of_scope_us_entity.value in flags:
        sentences.append(OUT_OF_SCOPE.fill())
    if Flag.would_be_covered.value in flags:
        sentences.append(WOULD_BE_COVERED.fill())
    return sentences


def percent_words(value: float | Decimal, threshold: Threshold | None = None) -> str:
    """A share as text: a decimal exactly; a float (look-through) to two places, or to six
    where two would put it on the other side of ``threshold`` (49.9999999 is not 50%)."""
    if isinstance(value, Decimal):
        return f"{fmt_decimal(value)}%"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    if threshold is not None and math.isfinite(value):
        shown, actual = Decimal(f"{value:.2f}"), Decimal(repr(value))
        if threshold.met_by(shown) != threshold.met_by(actual):
            text = f"{value:.6f}".rstrip("0").rstrip(".")
    return f"{text}%"


def list_label(listing: Listing) -> str:
    """A listing as a listed entity's explanation names it."""
    label = LIST_NAMES.get(listing.list, f"list {listing.list!r}")
    if listing.program:
        label += f" [{listing.program}]"
    if listing.start:
        label += f" since {listing.start.isoformat()}"
    if listing.citation:
        label += f" ({listing.citation})"
    return label


def read_under(rule: Rule, listing: Listing) -> str:
    """Where the rule says it reads this listing, when the rule data cites it."""
    seed = rule.seed_for(listing.list, listing.program)
    return f", read under {seed.citation}" if seed is not None and seed.citation else ""


def names_text(names: Sequence[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


#: A sentence stop right after a name that ends in one ("Co.", "Ltd.").
DOUBLE_STOP = re.compile(r"\.\.(?=\s|$)")
WORD_CHARACTER = re.compile(r"\w")


def single_stops(text: str) -> str:
    """``text`` with a stop after a name ending in one written once: "Acme Co.." ends
    "Acme Co."; an ellipsis ("…..", ".. ") is left as written."""
    return DOUBLE_STOP.sub(_single_stop, text) if ".." in text else text


def _single_stop(match: re.Match[str]) -> str:
    start = match.start()
    return "." if start and WORD_CHARACTER.match(match.string, start - 1) else ".."
