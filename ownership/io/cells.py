"""CSV cells a spreadsheet will not run: the OWASP advice against CSV injection.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula
to Excel, LibreOffice and Google Sheets; a company name such as ``=HYPERLINK(...)`` from
a list file would run when an analyst opens the output. Such cells get a leading ``'``,
which spreadsheets show as text.

Verdict, affiliate and screening CSVs are reports: :func:`for_spreadsheet` adds the quote
and nothing takes it away. The native CSV folder is data that must read back exactly:
:func:`reversible` also quotes a cell that already starts with ``'`` followed by one of
those characters or another ``'``, and :func:`restored` takes exactly one such quote off
when reading, so every value survives the round trip (``'t Hooft`` is left alone both ways).

>>> for_spreadsheet("=1+2"), for_spreadsheet("-") , for_spreadsheet("O'Neil")
("'=1+2", "'-", "O'Neil")
>>> [restored(reversible(x)) for x in ["=x", "'=x", "''", "'t Hooft", "\\tx"]]
['=x', "'=x", "''", "'t Hooft", '\\tx']
"""

from __future__ import annotations

import re

__all__ = [
    "CONTROL_CHARACTER",
    "FORMULA_START",
    "for_spreadsheet",
    "restored",
    "reversible",
    "visible",
]

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_START = frozenset("=+-@\t\r")
_QUOTED = FORMULA_START | {"'"}


def for_spreadsheet(text: str) -> str:
    """``text`` as a cell a spreadsheet shows and does not run."""
    return "'" + text if text[:1] in FORMULA_START else text


def reversible(text: str) -> str:
    """:func:`for_spreadsheet`, quoting also what :func:`restored` would unquote."""
    if text[:1] in FORMULA_START or (text[:1] == "'" and text[1:2] in _QUOTED):
        return "'" + text
    return text


def restored(text: str) -> str:
    """A native CSV cell as written before :func:`reversible`."""
    return text[1:] if text[:1] == "'" and text[1:2] in _QUOTED else text


#: Characters a terminal would act on (C0 and C1 controls, DEL) except the newline.
CONTROL_CHARACTER = r"[\x00-\x09\x0b-\x1f\x7f-\x9f]"
_CONTROL = re.compile(CONTROL_CHARACTER)


def visible(text: str) -> str:
    """Data as a terminal should show it: control characters (an escape sequence in a name
    would recolour or rewrite the screen) as their escapes, ``\\x1b``."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text) if _CONTROL.search(text) else text
