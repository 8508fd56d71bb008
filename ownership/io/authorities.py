"""Which list a sanction belongs to, from how its publisher names itself.

A FollowTheMoney ``Sanction`` says who issued it (``authority``, ``country``), under
which programme (``program``, ``programId``), where it was read (``sourceUrl``) and, in
OpenSanctions exports, which dataset holds it (``datasets``). The same authority is
written many ways ("Office of Foreign Assets Control (OFAC)", "Directorate‑General
for ...", with a non-breaking hyphen), one authority runs several lists (OFAC: SDN and
non-SDN; BIS: Entity List, MEU List, Denied Persons), and one programme id is shared by
the governments that implement it (EU-UKR on Belgian and French records). So the list
is read in this order, each step only when the one before says nothing:

1. an ``authority`` that is itself a list id (what :mod:`ownership.io.exporters` writes);
2. the Sanction's own OpenSanctions dataset (``eu_fsf`` -> ``eu``); a dataset not in the
   table is its own list, so nothing is guessed; the Consolidated Screening List
   (``us_trade_csl``) names its list in the programme (``Entity List (EL) - ...``);
3. a programme id that names a list (``US-BIS-EL``);
4. the list named in words (Entity List, Military End User, Unverified List, SDN);
5. the authority's name (with the country where governments share a name);
6. the host of ``sourceUrl``;
7. a programme id of a regime a publisher runs (``EU-``, ``GB-``, ``UN-``);
8. otherwise ``sanction_unattributed``: read by no shipped rule.

The table is data (``sanction_lists.yaml``) and docs/lists.md shows it.

>>> sanction_list({"authority": ["Council of the European Union"]}, [])
('eu', 'authority Council of the European Union')
>>> sanction_list({"authority": ["Office of Foreign Assets Control"], "program": ["SDGT"]},
...               ["us_ofac_sdn"])
('sdn', 'dataset us_ofac_sdn')
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "LISTS_FILE",
    "UNATTRIBUTED",
    "SanctionList",
    "lists_table",
    "sanction_list",
    "sanction_lists",
]

LISTS_FILE = Path(__file__).with_name("sanction_lists.yaml")
#: The list of a sanction whose publisher nothing identifies: read by no shipped rule.
UNATTRIBUTED = "sanction_unattributed"

_NAMED_LISTS = (
    (re.compile(r"\bentity[ -]list\b|\(EL\)", re.I), "entity_list"),
    (re.compile(r"military[ -]end[ -]user|\(MEU\)", re.I), "meu_list"),
    (re.compile(r"unverified[ -]list|\(UVL\)", re.I), "unverified_list"),
    (re.compile(r"(?<!non-)\bSDN\b|specially designated nationals", re.I), "sdn"),
)
_ACRONYM = re.compile(r"\s*\([^()]*\)\s*$")
_HYPHENS = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212"), "-")


@dataclass(frozen=True)
class SanctionList:
    """One list and the names its publishers use (see ``sanction_lists.yaml``)."""

    id: str
    title: str
    datasets: tuple[str, ...] = ()
    authorities: tuple[tuple[str, str | None], ...] = ()  # (normalised name, country)
    programs: tuple[str, ...] = ()
    program_prefixes: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    rules: tuple[str, ...] = field(default=(), compare=False)


@cache
def sanction_lists() -> dict[str, SanctionList]:
    """The table of ``sanction_lists.yaml``, by list id."""
    import yaml

    raw = yaml.safe_load(LISTS_FILE.read_text(encoding="utf-8"))
    out = {}
    for list_id, spec in raw.items():
        names = []
        for item in spec.get("authorities") or []:
            name, country = (
                (item["name"], item.get("country"))
                if isinstance(item, dict)
                else (
                    item,
                    None,
                )
            )
            names.append((normalise_authority(str(name)), country))
        out[list_id] = SanctionList(
            id=list_id,
            title=str(spec["title"]),
            datasets=tuple(spec.get("datasets") or ()),
            authorities=tuple(names),
            programs=tuple(spec.get("programs") or ()),
            program_prefixes=tuple(spec.get("program_prefixes") or ()),
            hosts=tuple(spec.get("hosts") or ()),
            rules=tuple(spec.get("rules") or ()),
        )
    return out


def normalise_authority(name: str) -> str:
    """An authority's name as compared: case, hyphen variants, spacing and a trailing
    acronym in brackets do not count.

    >>> normalise_authority("Directorate\u2011General for Financial Stability (DG FISMA)")
    'directorate-general for financial stability'
    """
    text = unicodedata.normalize("NFKC", name).translate(_HYPHENS)
    text = _ACRONYM.sub("", text)
    return " ".join(text.split()).casefold()


def _values(props: dict[str, Any], name: str) -> list[str]:
    value = props.get(name)
    items = value if isinstance(value, list) else [value] if value is not None else []
    return [str(v).strip() for v in items if v is not None and str(v).strip()]


def sanction_list(props: dict[str, Any], datasets: Iterable[str]) -> tuple[str, str]:
    """The list id of a Sanction (its ``properties``, its ``datasets``) and what decided it."""
    table = sanction_lists()
    authorities = _values(props, "authority")
    programs = _values(props, "program")
    program_ids = _values(props, "programId")
    countries = {c.casefold() for c in _values(props, "country")}
    for name in authorities:
        if name in table or (" " not in name and name.islower() and name.isascii()):
            return name, f"authority {name}"
    for dataset in sorted(set(datasets)):
        if dataset == "us_trade_csl":
            from .csl import list_id as csl_list

            for text in [*programs, *authorities]:
                if "(" in text:
                    return csl_list(text), f"dataset {dataset}, {text}"
            continue
        for entry in table.values():
            if dataset in entry.datasets:
                return entry.id, f"dataset {dataset}"
        return dataset, f"dataset {dataset} (a list of its own)"
    for program in program_ids:
        for entry in table.values():
            if program.upper() in entry.programs:
                return entry.id, f"programme {program}"
    text = " ".join([*authorities, *programs, *program_ids])
    for pattern, named in _NAMED_LISTS:
        if pattern.search(text):
            return named, f"named in {text!r}"
    for name in authorities:
        key = normalise_authority(name)
        for entry in table.values():
            for known, country in entry.authorities:
                if known == key and (country is None or country in countries):
                    return entry.id, f"authority {name}"
    for url in _values(props, "sourceUrl"):
        host = urlsplit(url).hostname or ""
        for entry in table.values():
            if host in entry.hosts:
                return entry.id, f"source {host}"
    for program in program_ids:
        for entry in table.values():
            if any(program.upper().startswith(p) for p in entry.program_prefixes):
                return entry.id, f"programme {program}"
    return UNATTRIBUTED, "nothing names its list"


def lists_table() -> str:
    """The table of ``sanction_lists.yaml`` as Markdown, as docs/lists.md shows it."""
    import yaml

    raw = yaml.safe_load(LISTS_FILE.read_text(encoding="utf-8"))
    lines = [
        "| list id | what it is | read by | OpenSanctions datasets | authority names "
        "| programme ids | web hosts |",
        "|---|---|---|---|---|---|---|",
    ]
    for list_id, spec in raw.items():
        names = [
            f"{a['name']} ({a['country']})" if isinstance(a, dict) else str(a)
            for a in spec.get("authorities") or []
        ]
        programs = [
            *(spec.get("programs") or []),
            *(f"{p}..." for p in spec.get("program_prefixes") or []),
        ]
        cells = [
            f"`{list_id}`",
            spec["title"],
            ", ".join(spec.get("rules") or []) or "no shipped rule",
            ", ".join(spec.get("datasets") or []),
            "; ".join(names),
            ", ".join(programs),
            ", ".join(spec.get("hosts") or []),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
