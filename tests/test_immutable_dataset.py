"""A dataset cannot change once made, so nothing computed from it can go stale.

The sequence that once gave a wrong verdict: X (listed) holds 60% of A, the dataset is
analysed, its holding is replaced by a 10% one, and the second analysis still said
covered. Every way of changing records in place is now refused; a changed dataset is
a new object, analysed afresh.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from ownership import analyze
from ownership.analysis import Status
from ownership.derived import derived
from ownership.io import load
from ownership.model import (
    Address,
    Arrangement,
    Dataset,
    Entity,
    FormerName,
    Holding,
    Identifier,
    Listing,
    Source,
)

DAY = dt.date(2025, 1, 1)
ROOT = Path(__file__).resolve().parent.parent


def sixty_percent() -> Dataset:
    return Dataset(
        entities=[Entity(id="x", name="X"), Entity(id="a", name="A"), Entity(id="b", name="B")],
        holdings=[Holding(owner="x", owned="a", percent=60, sources=["s"])],
        listings=[Listing(entity="x", list="sdn")],
        arrangements=[Arrangement(members=["x", "b"], target="a")],
        sources=[Source(id="s")],
    )


def test_replacing_a_holding_after_an_analysis_gives_the_new_verdict() -> None:
    dataset = sixty_percent()
    assert analyze(dataset, "ofac-50", DAY).status("a") is Status.covered
    with pytest.raises(TypeError):
        dataset.holdings[0] = Holding(owner="x", owned="a", percent=10)  # type: ignore[index]
    changed = dataset.model_copy(
        update={"holdings": [Holding(owner="x", owned="a", percent=10, sources=["s"])]}
    )
    assert analyze(changed, "ofac-50", DAY).status("a") is Status.exposed
    assert analyze(dataset, "ofac-50", DAY).status("a") is Status.covered
    fresh = Dataset.model_validate(changed.model_dump())
    assert analyze(fresh, "ofac-50", DAY).status("a") is Status.exposed


@pytest.mark.parametrize("field", ["entities", "holdings", "listings", "arrangements", "sources"])
def test_no_record_list_can_be_edited_in_place(field: str) -> None:
    dataset = sixty_percent()
    records = getattr(dataset, field)
    with pytest.raises(TypeError):
        records[0] = records[0]
    with pytest.raises(TypeError):
        del records[0]
    with pytest.raises(AttributeError):
        records.append(records[0])
    with pytest.raises(ValidationError):
        setattr(dataset, field, [])


@pytest.mark.parametrize(
    ("record", "field", "value"),
    [
        (Entity(id="a", name="A", aliases=["A1"]), "name", "B"),
        (Holding(owner="x", owned="a", percent=60), "percent", Decimal(10)),
        (Listing(entity="x", list="sdn"), "list", "eu"),
        (Arrangement(members=["x", "b"], target="a"), "target", "b"),
        (Source(id="s"), "id", "t"),
        (FormerName(name="Old"), "name", "New"),
        (Identifier(scheme="lei", value="1"), "value", "2"),
        (Address(address="Jinan"), "country", "CN"),
    ],
)
def test_no_record_can_be_edited_in_place(record: object, field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        setattr(record, field, value)


def test_lists_inside_records_are_tuples_even_when_copied_with_a_list() -> None:
    entity = Entity(id="a", name="A", aliases=["A1"], sources=["s"])
    assert isinstance(entity.aliases, tuple) and isinstance(entity.sources, tuple)
    copied = entity.model_copy(update={"aliases": ["A2"]})
    assert copied.aliases == ("A2",)
    with pytest.raises(AttributeError):
        copied.aliases.append("A3")  # type: ignore[attr-defined]
    built = Dataset.of(entities=[entity])
    assert isinstance(built.entities, tuple)


def test_derived_state_lives_beside_the_dataset_not_in_it() -> None:
    assert Dataset.__private_attributes__ == {}
    dataset = sixty_percent()
    analyze(dataset, "ofac-50", DAY)
    assert derived(dataset).checked and derived(dataset).columns is not None
    assert not derived(dataset.model_copy()).checked


def test_a_loaded_dataset_is_as_immutable_as_a_built_one() -> None:
    dataset = load(ROOT / "fixtures" / "inspur.yaml")
    with pytest.raises(TypeError):
        dataset.holdings[0] = dataset.holdings[1]  # type: ignore[index]
    with pytest.raises(ValidationError):
        dataset.holdings[0].percent = Decimal(1)  # type: ignore[misc]
