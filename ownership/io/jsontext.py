"""JSON text with exact decimals.

The standard encoder writes a :class:`~decimal.Decimal` only by way of a binary float,
which would print ``49.99999999999999998`` as ``50.0``. Here each Decimal is first
written as a string carrying a mark made afresh for each process (no input can contain
it), and the quotes around marked strings are then dropped, leaving the exact number
literal. Every other string, whatever it holds, stays a string.
"""

from __future__ import annotations

import json
import re
import secrets
from decimal import Decimal
from typing import Any

from ..model import fmt_decimal

__all__ = ["encode_exact"]

_NONCE = secrets.token_hex(12)
_MARKED = re.compile('"\\\\u0000' + _NONCE + '([-0-9.]+)"')


def _mark_decimal(value: Any) -> str:
    if isinstance(value, Decimal):
        return "\x00" + _NONCE + fmt_decimal(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


_MARKING = json.JSONEncoder(ensure_ascii=False, default=_mark_decimal).encode


def encode_exact(value: Any, *, indent: int | None = None) -> str:
    """JSON text of ``value`` with every Decimal as its exact number literal (``50``,
    ``49.99999999999999998``). A reader that parses numbers into binary floats rounds
    them; ``json.loads(text, parse_float=Decimal)`` keeps them exact.

    >>> encode_exact({"share": Decimal("49.99999999999999998"), "name": "\\x00x"})
    '{"share": 49.99999999999999998, "name": "\\\\u0000x"}'
    """
    if indent is None:
        text = _MARKING(value)
    else:
        text = json.dumps(value, ensure_ascii=False, indent=indent, default=_mark_decimal)
    return _MARKED.sub(r"\1", text) if _NONCE in text else text
