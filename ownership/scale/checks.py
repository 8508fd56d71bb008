"""The rows of a Parquet table folder checked before a verdict is made from them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import OwnershipError
from .base import HUNDRED
from .rounds import big
from .tables import TABLE_FILES

__all__ = ["HOLDING_COLUMNS", "check_tables", "first_failing"]


def check_tables(ex: Any, folder: Path) -> None:
    """The rows of a table folder the engines read: entities numbered 0 to n-1 with
    distinct ids, holdings and listings naming entities, shares and dates that can be
    (the checks the default loader makes on its records). Stakes that add up past 100%
    are analysed, counted from 0 and flagged ``conflicting_stakes``."""
    count, low, high, distinct, missing = ex.rows(
        "SELECT COUNT(*), MIN(id), MAX(id), COUNT(DISTINCT id), "
        "SUM(CASE WHEN entity_id IS NULL THEN 1 ELSE 0 END) FROM entities"
    )[0]
    entities = folder / TABLE_FILES["entities"]
    if count and (low != 0 or high != count - 1 or distinct != count):
        raise OwnershipError(f"{entities}: column id must number the entities 0 to {count - 1}")
    if missing:
        raise OwnershipError(f"{entities}: {missing} entities have no entity_id")
    twice = ex.rows("SELECT entity_id FROM entities GROUP BY entity_id HAVING COUNT(*) > 1")
    if twice:
        raise OwnershipError(f"{entities}: entity id {twice[0][0]!r} appears more than once")
    last = count - 1
    outside = f"{{0}} IS NULL OR {{0}} < 0 OR {{0}} > {last}"
    holdings = folder / TABLE_FILES["holdings"]
    named = ex.rows(
        f"SELECT owner, owned FROM holdings WHERE {outside.format('owner')} "
        f"OR {outside.format('owned')} LIMIT 1"
    )
    if named:
        raise OwnershipError(
            f"{holdings}: the holding of {named[0][0]} in {named[0][1]} names no entity "
            f"(entities are numbered 0 to {last})"
        )
    hundred = big(HUNDRED)
    problems = [  # (condition, field, what it should be), checked in this order
        ("owner = owned", "owned", "an entity other than the owner"),
        *((f"{column} IS NULL", column, "a value") for column in HOLDING_COLUMNS),
        (f"low < {big(0)}", "low", "at least 0"),
        (f"high > {hundred}", "high", "at most 100% (x 10**18)"),
        ("low > high", "low", "at most high"),
        ("start_day > end_day", "start_day", "at most end_day"),
    ]
    _first_problem(ex, "holdings", "owner, owned", problems, folder, "the holding of {} in {}")
    problems = [
        (outside.format("entity"), "entity", f"an entity number, 0 to {last}"),
        *(
            (f"{column} IS NULL", column, "a value")
            for column in ("list_id", "start_day", "end_day")
        ),
        ("start_day > end_day", "start_day", "at most end_day"),
    ]
    _first_problem(ex, "listings", "entity, list_id", problems, folder, "the listing of {} on {!r}")


#: Holding columns that may not be empty (owner and owned are checked before).
HOLDING_COLUMNS = (
    "control", "low", "high", "low_strict", "high_strict", "provenance", "start_day", "end_day",
)  # fmt: skip


def _first_problem(
    ex: Any,
    table: str,
    key: str,
    problems: list[tuple[str, str, str]],
    folder: Path,
    record: str,
) -> None:
    """The first row of ``table`` with any of ``problems``, refused in one line that names
    the file, the record (by ``key``) and the field."""
    found = first_failing(ex, table, [cond for cond, _, _ in problems], key)
    if found:
        k, *values = found
        _, field, wanted = problems[k]
        raise OwnershipError(
            f"{folder / TABLE_FILES[table]}: {record.format(*values)}: {field} must be {wanted}"
        )


def first_failing(
    ex: Any, table: str, conditions: list[str], select: str, order: str | None = None
) -> tuple[Any, ...] | None:
    """The first row of ``table`` meeting any of ``conditions`` (by ``order``, else any):
    the number of the first condition it meets, then ``select``, which may name it as
    ``code``; None when no row does."""
    which = " ".join(f"WHEN {cond} THEN {k}" for k, cond in enumerate(conditions))
    anyof = " OR ".join(f"({cond})" for cond in conditions)
    ordered = f" ORDER BY {order}" if order else ""
    found = ex.rows(
        f"SELECT code, {select} FROM (SELECT *, CASE {which} END AS code FROM {table} "
        f"WHERE {anyof}) p{ordered} LIMIT 1"
    )
    return (int(found[0][0]), *found[0][1:]) if found else None
