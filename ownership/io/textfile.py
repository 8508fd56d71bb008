"""Text files as people save them: UTF-8, or UTF-16/32 with a byte-order mark."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["TOO_DEEP", "JsonDecoder", "allow_long_cells", "decode_text"]

#: Byte-order marks and the encodings they announce (Excel's "Unicode text" is UTF-16).
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def decode_text(data: bytes, encoding: str | None = None) -> str:
    """Bytes of a text file as text: UTF-8, or UTF-16/32 when a byte-order mark says so,
    or ``encoding`` when the user names one.

    Raises ValueError saying where the first byte that does not decode is, and how to fix
    it; other encodings are not guessed (a guessed name would match the wrong entity).
    """
    if encoding is not None:
        try:
            return data.decode(encoding)
        except LookupError:
            raise ValueError(
                f"unknown encoding {encoding!r}; try utf-8, utf-16 or latin-1"
            ) from None
        except UnicodeDecodeError as exc:
            raise ValueError(
                f"not {encoding} text: {_first_bad_byte(data, exc)}; "
                "name the file's encoding with --encoding"
            ) from None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise ValueError(f"not valid {encoding.upper()} text at byte {exc.start}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"not UTF-8 text: {_first_bad_byte(data, exc)} (byte {exc.start}); "
            "save the file as UTF-8 (in Excel: CSV UTF-8)"
        ) from None


def _first_bad_byte(data: bytes, exc: UnicodeDecodeError) -> str:
    """Where decoding stopped, as a person finds it: the byte and its line."""
    line = data.count(b"\n", 0, exc.start) + 1
    return f"byte 0x{data[exc.start]:02x} on line {line}"


def allow_long_cells() -> None:
    """Let Python's CSV reader take cells of any length: its default stops at 131,072
    characters with an error, and a long alias list or note is still valid CSV."""
    import csv
    import sys

    limit = sys.maxsize
    while True:  # the C long behind the limit is 32 bits on some platforms
        try:
            csv.field_size_limit(limit)
            return
        except OverflowError:
            limit //= 2


allow_long_cells()


#: What a JSON or YAML value nested past what can be read is told.
TOO_DEEP = "nested deeper than can be read; flatten the structure"


class JsonDecoder(json.JSONDecoder):
    """The standard decoder, but a value nested past Python's recursion limit is a
    decoding error (with its place) rather than a crash."""

    def raw_decode(self, s: str, idx: int = 0) -> tuple[Any, int]:
        try:
            return super().raw_decode(s, idx)
        except RecursionError:
            raise json.JSONDecodeError(TOO_DEEP, s, idx) from None
