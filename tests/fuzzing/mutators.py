"""Mutations of seed files, one family per kind of damage real inputs suffer.

Each mutator takes a random source, a seed and optionally the variant to apply (so a
plan can make sure every variant appears), changes one file of the seed and says what
it did. Structural mutations parse the file (:mod:`.textops`) and fall back to a byte
mutation when the file does not parse (a deliberately broken seed).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from random import Random

from .corpus import Seed, syntax_of
from .textops import Doc, Slot, parse

__all__ = ["MUTATORS", "PAYLOADS", "Mutation", "Mutator", "MutatorSpec"]


@dataclass(frozen=True)
class Mutation:
    """The seed's files after the change, the variant applied, the file changed, and
    names worth asking about (a payload put into a name field)."""

    files: dict[str, bytes]
    variant: str
    target: str
    names: tuple[str, ...] = ()


Mutator = Callable[[Random, Seed, "str | None"], Mutation]


@dataclass(frozen=True)
class MutatorSpec:
    """A family: its variants and the syntaxes it applies to."""

    func: Mutator
    variants: tuple[str, ...]
    syntaxes: frozenset[str]


ALL_SYNTAXES = frozenset({"json", "jsonl", "yaml", "csv", "xml"})

#: Deep enough to exhaust any recursive reader (Python's limit is 1,000 frames).
NEST_DEPTH = 100_000
#: Characters a nest in a CSV cell may take: below the csv module's 131,072-character field
#: limit, so the nest reaches the JSON reader behind the cell (60,000 lists, 20,000 objects).
CSV_NEST_CHARS = 120_000
#: Python's csv module refuses fields above this many characters by default.
CSV_FIELD_LIMIT = 131_072

BYTE_OPS = ("flip", "delete", "duplicate", "insert-token", "truncate")
TOKENS = (
    b"{", b"}", b"[", b"]", b'"', b",", b":", b"\n", b"- ", b"&a ", b"*a", b"!!binary ",
    b"!!python/object/apply:os.system ", b"<", b">", b"</x>", b"&amp;", b"&#0;", b"&e;",
    b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>", b"-0-", b"\r\n", b"\r",
    b"\x00", b"null", b"true", b"1e309", b"NaN", b"\xef\xbb\xbf", b"\xff\xfe", b"percent",
    b'"percent": ', b"\\u0000", b"\\ud800", b"%", b"\t", b"''", b"~", b"? ", b"|", b";",
    b"\xc0\x80", b"\xed\xa0\x80", b"\x1b[31m", b"[/]", b"\xe2\x80\xa8", b"\xc2\x85",
)  # fmt: skip

#: Names that a renderer or a spreadsheet may interpret; each carries the marker FUZZ.
PAYLOADS = {
    "close-tag": "[/] FUZZ Holdings",
    "bold": "[bold]FUZZ[/bold] Co",
    "unclosed": "[bold FUZZ Co",
    "style-tags": "[/][red on white]FUZZ[/]",
    "link": "[link=https://example.invalid]FUZZ[/link]",
    "escape": "\x1b[31mFUZZ Red\x1b[0m Ltd",
    "osc8": "\x1b]8;;https://example.invalid\x07FUZZ\x1b]8;;\x07",
    "formula-eq": '=HYPERLINK("https://example.invalid","FUZZ")',
    "formula-plus": "+FUZZ+1",
    "formula-minus": "-FUZZ-1",
    "formula-at": "@SUM(FUZZ)",
    "tab": "\tFUZZ Tab Co",
    "cr": "\rFUZZ CR Co",
    "html": "<script>alert('FUZZ')</script>",
    "emoji-code": ":warning: FUZZ %s {0}",
}

NUMBERS = (
    ".inf", "-.inf", ".nan", "1e309", "-1e309", "1.0e+309", "-0", "-0.0", "1e-400",
    "33.333333333333333333", "50.0000000000000000000000000000000000001",
    "99.9999999999999999999999999999999999999999", "0.00000000000000000000000000000000000001",
    "1_000", "0x32", "+50", "NaN", "Infinity",
)  # fmt: skip
#: JSON spells the infinities and NaN its own way (as Python's json module reads them).
JSON_NUMBERS = {".inf": "Infinity", "-.inf": "-Infinity", ".nan": "NaN"}

YAML_CONTROL = ("raw", "escaped", "c1", "surrogate", "bidi", "bom", "noncharacter")
SEPARATORS = {"u2028": "\u2028", "u2029": "\u2029", "u0085": "\u0085"}
ENCODINGS = ("utf-16", "latin-1", "utf-16-be", "utf-8-bom", "cp1252", "utf-32")
ACCENTED = "Société Générale Zürich Ñandú Ærøskøbing"

NAME_FIELD = re.compile(r"name|caption|alias|title|customer|legalname|wholename", re.I)
ID_FIELD = re.compile(r"^(id|owner|owned|entity|asset|a|b|left|right|statementid|recordid)$", re.I)
NUMBER_FIELD = re.compile(r"percent|minimum|maximum|exclusive|share|amount|quantif|value", re.I)


def _text(data: bytes) -> str:
    return data.decode("utf-8-sig", "replace")


def _pick_file(rng: Random, seed: Seed, syntaxes: frozenset[str]) -> str:
    files = [p for p, d in seed.files.items() if syntax_of(p, d) in syntaxes]
    return rng.choice(files or sorted(seed.files))


def _with(seed: Seed, path: str, data: bytes) -> dict[str, bytes]:
    files = dict(seed.files)
    files[path] = data
    return files


def _doc(seed: Seed, path: str) -> Doc | None:
    try:
        return parse(syntax_of(path, seed.files[path]), _text(seed.files[path]))
    except Exception:
        return None


def _slot(rng: Random, doc: Doc, *patterns: re.Pattern[str], strings: bool = False) -> Slot | None:
    """A slot whose field matches the first pattern that has any, else any (string) slot."""
    slots = [s for s in doc.slots() if not strings or isinstance(s.value, str)]
    whole = rng.random() < 0.1  # now and then a whole section, not a field of a record
    body = slots if whole else ([s for s in slots if s.depth > 0] or slots)
    for pattern in patterns:
        matching = [s for s in body if pattern.search(s.name)]
        if matching:
            return rng.choice(matching)
    return rng.choice(body) if body else None


def byte_mutation(rng: Random, seed: Seed, variant: str | None) -> Mutation:
    """Flip bits, delete, duplicate, insert a token, or truncate: damage a parser meets
    in downloads cut short, bad merges and hand edits."""
    op = variant or rng.choice(BYTE_OPS)
    path = rng.choice(sorted(seed.files))
    data = bytearray(seed.files[path])
    for _ in range(1 if op == "truncate" else rng.randint(1, 4)):
        size = len(data)
        at = rng.randrange(size + 1)
        if op == "flip" and size:
            at = min(at, size - 1)
            data[at] ^= 1 << rng.randrange(8)
        elif op == "delete":
            del data[at : at + rng.randint(1, 64)]
        elif op == "duplicate":
            chunk = data[at : at + rng.randint(1, 256)]
            data[rng.randrange(size + 1) : rng.randrange(size + 1)] = chunk
        elif op == "insert-token":
            data[at:at] = rng.choice(TOKENS)
        elif op == "truncate":
            del data[at:]
    return Mutation(_with(seed, path, bytes(data)), op, path)


def _structural(
    rng: Random,
    seed: Seed,
    variant: str,
    syntaxes: frozenset[str],
    change: Callable[[Doc, Slot, str], str | None],
    *patterns: re.Pattern[str],
    strings: bool = False,
) -> Mutation:
    """Parse a file, let ``change`` edit one slot, write it back; bytes when it can't."""
    path = _pick_file(rng, seed, syntaxes)
    doc = _doc(seed, path)
    slot = _slot(rng, doc, *patterns, strings=strings) if doc is not None else None
    if doc is None or slot is None:
        fallback = byte_mutation(rng, seed, "insert-token")
        return Mutation(fallback.files, f"{variant}(bytes)", fallback.target)
    name = change(doc, slot, doc.syntax)
    text = doc.render()
    data = text.encode("utf-8", "surrogatepass")
    return Mutation(_with(seed, path, data), variant, path, (name,) if name else ())


def wrong_types(rng: Random, seed: Seed, variant: str | None) -> Mutation:
    """A known field with a value of the wrong type: the most common error in hand-made
    or converted files, and one a validator must name rather than crash on."""
    kind = variant or rng.choice(("str", "num", "list", "obj", "null", "bool"))
    values: dict[str, object] = {
        "str": "fifty",
        "num": 50,
        "list": ["x", 1],
        "obj": {"minimum": "x", "name": ["y"]},
        "null": None,
        "bool": rng.choice((True, False)),
    }

    def change(doc: Doc, slot: Slot, syntax: str) -> None:
        value = values[kind]
        if kind == "str" and isinstance(slot.value, str):
            value = ""
        if syntax == "xml":
            slot.set_raw("<x>nested</x>" if kind == "obj" else json.dumps(value))
        elif syntax == "csv":
            slot.set(value if isinstance(value, str) else json.dumps(value))
        else:
            slot.set(value)

    return _structural(rng, seed, kind, ALL_SYNTAXES, change, NUMBER_FIELD, NAME_FIELD)


def _nest(syntax: str, shape: str, depth: int) -> str:
    if syntax == "xml":
        return "<a>" * depth + "x" + "</a>" * depth
    if shape == "list":
        return "[" * depth + "]" * depth
    if syntax == "yaml":
        return "{a: " * depth + "1" + "}" * depth
    return '{"a":' * depth + "1" + "}" * depth


def deep_nesting(rng: Random, seed: Seed, variant: str | None) -> Mutation:
    """100,000 nested lists or objects: a recursive reader exhausts the stack (or, in C,
    crashes the process) long before it reaches the end."""
    shape = variant or rng.choice(("list", "object", "document"))
    path = _pick_file(rng, seed, frozenset({"json", "jsonl", "yaml", "xml", "csv"}))
    syntax = syntax_of(path, seed.files[path])
    kind = "object" if shape == "object" else "list"
    depth = NEST_DEPTH if syntax != "csv" else CSV_NEST_CHARS // (6 if kind == "object" else 2)
    nest = _nest(syntax, kind, depth)
    if shape == "document" and syntax in ("json", "yaml"):
        return Mutation(_with(seed, path, nest.encode()), shape, path)
    if shape == "document" and syntax == "jsonl":
        data = seed.files[path].rstrip(b"\n") + b"\n" + nest.encode() + b"\n"
        return Mutation(_with(seed, path, data), shape, path)

    def change(doc: Doc, slot: Slot, syntax: str) -> None:
        slot.set_raw(nest)

    return _structural(rng, seed, shape, ALL_SYNTAXES, change, NUMBER_FIELD, NAME_FIELD)


def long_cell(rng: Random, seed: Seed, variant: str | None) -> Mutation:
    """A value longer than the csv module's 131,072-byte field limit, in a cell or any
    field: real lists carry long remarks, and a reader must not die on one."""
    shape = variant or rng.choice(("plain", "words", "quoted", "json"))
    length = rng.randint(CSV_FIELD_LIMIT + 1, 3 * CSV_FIELD_LIMIT)
    unit = {"plain": "A", "words": "Long Name Co ", "quoted": 'a,"b";c|\n', "json": "x"}[shape]
    value = (unit * (length // len(unit) + 1))[:length]
    if shape == "json":
        value = '["' + value + '"]'

    def change(doc: Doc, slot: Slot, syntax: str) -> None:
        slot.set(value)

    return _structural(rng, seed, shape, ALL_SYNTAXES, change, NAME_FIELD, strings=True)


def yaml_control(rng: Random, seed: Seed, variant: str | None) -> Mutation:
    """Control characters in YAML scalars, raw (the reader must reject them cleanly) and
    escaped (they reach names, then terminals and files)."""
    kind = variant or rng.choice(YAML_CONTROL)
    code = rng.choice([*range(1, 9), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])

    def change(doc: Doc, slot: Slot, syntax: str) -> str:
        text = {
            "raw": f"Name{chr(code)}Tail",
            "escaped": f'"Name\\x{code:02x}Tail\\0"',
            "c1": f'"Name\\x{rng.randrange(0x80, 0xA0):02x}Tail"',
            "surrogate": '"Name \\ud800 Tail"',
            "bidi": '"Name \\u202e liaT"',
            "bom": '"Name \\ufeff Tail"',
            "noncharacter": '"Name \\uffff \\ufffe Tail"',
        }[kind]
        slot.set_raw(text)
        return text.strip('"')

    return _structural(rng, seed, kind, frozenset({"yaml"}), change, NAME_FIELD, strings=True)


def odd_numbers(rng: Random, seed: Seed, variant: str | None) -> Mutation:
    """Infinities, NaN, overflowing exponents, negative zero and 17-40 decimal places in
    number fields: exact-decimal code paths meet what floats and YAML make of them."""
    number = variant or rng.choice(NUMBERS)

    def change(doc: Doc, slot: Slot, syntax: str) -> None:
        if syntax in ("json", "jsonl"):
            slot.set_raw(JSON_NUMBERS.get(number, number))
        elif syntax == "yaml":
            slot.set_raw(number)
        else:
            slot.set(number)

    return _structural(rng, seed, number, ALL_SYNTAXES, change, NUMBER_FIELD)


def _bomb(levels: int = 9, width: int = 9) -> str:
    """A ~1 KB YAML "billion laughs": 9 levels of 9 aliases, 9**9 leaves when expanded."""
    parts = ["&a0 [" + ", ".join(["lol"] * width) + "]"]
    for level in range(1, levels):
        parts.append(f"&a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return "[" + ", ".join(parts) + "]"


XML_BOMB = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "' + f"&lol{i - 1 if i > 1 else ''};" * 10 + '">' for i in range(1, 10)
    )
    + "]>"
)


def alias_bomb(rng: Random, seed: Seed, variant: str | None) -> Mutation:
    """A YAML alias bomb (or its XML entity twin): small on disk, a billion items when
    anything copies it."""
    place = variant or rng.choice(("field", "section", "xml-entities"))
    path = _pick_file(rng, seed, frozenset({"yaml", "xml"}))
    syntax = syntax_of(path, seed.files[path])
    if syntax == "xml":
        doc = _doc(seed, path)
        slots = doc.slots() if doc is not None else []
        for slot in rng.sample(slots, min(len(slots), rng.randint(1, 3))):
            slot.set_raw("&lol9;")
        text = doc.render() if doc is not None else _text(seed.files[path])
        head, sep, rest = text.partition("?>")
        out = head + sep + XML_BOMB + rest if sep else XML_BOMB + text
        return Mutation(_with(seed, path, out.encode()), "xml-entities", path)
    if place == "section":
        text = _text(seed.files[path])
        out = f"bomb: &bomb {_bomb()}\n" + text + "\nnote: [*bomb, *bomb]\n"
        return Mutation(_with(seed, path, out.encode()), place, path)

    def change(doc: Doc, slot: Slot, syntax: str) -> None:
        slot.set_raw(_bomb())

    return _structural(rng, seed, "field", frozenset({"yaml"}), change, NAME_FIELD)


def separators(rng: Random, seed: Seed, variant: str | None) -> Mutation:
    """U+2028, U+2029 and U+0085 inside strings: valid in JSON, but line breaks to
    ``str.splitlines`` and to YAML, so a line-based reader splits a record in two."""
    kind = variant or rng.choice(tuple(SEPARATORS))
    char = SEPARATORS[kind]

    def change(doc: Doc, slot: Slot, syntax: str) -> str:
        value = f"{slot.value}{char}FUZZ" if isinstance(slot.value, str) else f"FUZZ{char}x"
        if syntax == "yaml":
            slot.set_raw(json.dumps(value, ensure_ascii=False))
        else:
            slot.set(value)
        return value

    syntaxes = frozenset({"json", "jsonl", "yaml", "csv"})
    return _structural(rng, seed, kind, syntaxes, change, NAME_FIELD, strings=True)


def nul_bytes(rng: Random, seed: Seed, variant: str | None) -> Mutation:
    """NUL in names (escaped, as JSON and YAML allow) or raw in the file: C libraries,
    the csv module and terminals all treat it specially."""
    kind = variant or rng.choice(("escaped", "raw", "bytes"))
    if kind == "bytes":
        path = rng.choice(sorted(seed.files))
        data = bytearray(seed.files[path])
        for _ in range(rng.randint(1, 4)):
            data.insert(rng.randrange(len(data) + 1), 0)
        return Mutation(_with(seed, path, bytes(data)), kind, path)

    def change(doc: Doc, slot: Slot, syntax: str) -> str:
        value = f"Na\x00me {slot.value}" if isinstance(slot.value, str) else "Na\x00me"
        if kind == "raw" or syntax == "xml":
            slot.set_raw(value)
        else:
            slot.set(value)
        return value

    return _structural(rng, seed, kind, ALL_SYNTAXES, change, NAME_FIELD, strings=True)


def encodings(rng: Random, seed: Seed, variant: str | None) -> Mutation:
    """The same text saved by another tool: UTF-16 with a BOM (Excel's "Unicode text"),
    latin-1 and cp1252 (older exports), UTF-32. Accented names are put in first so the
    single-byte encodings differ from UTF-8."""
    encoding = variant or rng.choice(ENCODINGS)
    path = rng.choice(sorted(seed.files))
    doc = _doc(seed, path)
    slot = _slot(rng, doc, NAME_FIELD, strings=True) if doc is not None else None
    if doc is not None and slot is not None:
        slot.set(f"{ACCENTED} {slot.value}")
        text = doc.render()
    else:
        text = _text(seed.files[path])
    codec = {"utf-8-bom": "utf-8-sig", "utf-16-be": "utf-16-be"}.get(encoding, encoding)
    data = text.encode(codec, "replace")
    if encoding == "utf-16-be":
        data = "\ufeff".encode("utf-16-be") + data
    return Mutation(_with(seed, path, data), encoding, path)


def markup(rng: Random, seed: Seed, variant: str | None) -> Mutation:
    """Names a renderer or spreadsheet interprets: rich markup, terminal escapes, formula
    starts, tab and CR; put in name fields (or ids) of any format."""
    key = variant or rng.choice(tuple(PAYLOADS))
    payload = PAYLOADS[key]
    in_ids = rng.random() < 0.25

    def change(doc: Doc, slot: Slot, syntax: str) -> str:
        slot.set(payload)
        return payload

    patterns = (ID_FIELD, NAME_FIELD) if in_ids else (NAME_FIELD,)
    return _structural(rng, seed, key, ALL_SYNTAXES, change, *patterns, strings=True)


MUTATORS: dict[str, MutatorSpec] = {
    "bytes": MutatorSpec(byte_mutation, BYTE_OPS, ALL_SYNTAXES),
    "types": MutatorSpec(
        wrong_types,
        ("str", "num", "list", "obj", "null", "bool"),
        frozenset({"json", "jsonl", "yaml", "csv"}),
    ),
    "nesting": MutatorSpec(deep_nesting, ("list", "object", "document"), ALL_SYNTAXES),
    "long-cell": MutatorSpec(long_cell, ("plain", "words", "quoted", "json"), ALL_SYNTAXES),
    "yaml-control": MutatorSpec(yaml_control, YAML_CONTROL, frozenset({"yaml"})),
    "numbers": MutatorSpec(odd_numbers, NUMBERS, ALL_SYNTAXES),
    "alias-bomb": MutatorSpec(
        alias_bomb, ("field", "section", "xml-entities"), frozenset({"yaml", "xml"})
    ),
    "separators": MutatorSpec(
        separators, tuple(SEPARATORS), frozenset({"json", "jsonl", "yaml", "csv"})
    ),
    "nul": MutatorSpec(nul_bytes, ("escaped", "raw", "bytes"), ALL_SYNTAXES),
    "encoding": MutatorSpec(encodings, ENCODINGS, ALL_SYNTAXES),
    "markup": MutatorSpec(markup, tuple(PAYLOADS), ALL_SYNTAXES),
}
