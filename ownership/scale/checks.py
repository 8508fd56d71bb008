"""The rows of a Parquet table folder checked before a verdict is made from them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import OwnershipError
from .base import HUNDRED
from .rounds import big
from .tables import TABLE_FILES

__all__ = ["check_tables"]


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
    bad = ex.rows(
        f"""SELECT owner, owned FROM holdings
            WHERE owner = owned OR control IS NULL OR low IS NULL OR high IS NULL
               OR low_strict IS NULL OR high_strict IS NULL OR provenance IS NULL
               OR start_day IS NULL OR end_day IS NULL OR start_day > end_day
               OR low < {big(0)} OR high > {big(HUNDRED)} OR low > high LIMIT 1"""
    )
    if bad:
        raise OwnershipError(
            f"{holdings}: the holding of {bad[0][0]} in {bad[0][1]} is of an entity in itself, "
            "or has a missing or impossible share or date (0 <= low <= high <= 100% x "
            "10**18, start_day <= end_day)"
        )
    listings = folder / TABLE_FILES["listings"]
    wrong = ex.rows(
        f"""SELECT entity, list_id FROM listings
            WHERE {outside.format("entity")} OR list_id IS NULL OR start_day IS NULL
               OR end_day IS NULL OR start_day > end_day LIMIT 1"""
    )
    if wrong:
        raise OwnershipError(
            f"{listings}: the listing of {wrong[0][0]} on {wrong[0][1]!r} names no entity "
            "or has no list or a missing or impossible date"
        )
