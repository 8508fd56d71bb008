"""Flags kept as arrays: made from masks as a dict filled flag by flag would hold them,
and read back from a store as they were made (the same entities, in the same order, with
the same flags; an unflagged entity has none)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ownership.checks import check_dataset
from ownership.columns import columns_of
from ownership.computed import Computed, StoredFlags, compute
from ownership.model import Dataset
from ownership.rules import get_rule
from ownership.verdict import FLAG_CODES, Flag

from .factories import dated_datasets

DAYS = [dt.date(2020, 1, 1), dt.date(2025, 10, 1), dt.date(2026, 12, 3)]
SHARES = ["10", "50", "60", "100", "25.5", "0"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dated_datasets(DAYS, SHARES, arrangements=True),
    st.sampled_from(DAYS),
    st.sampled_from(["ofac-50", "bis-affiliates", "eu", "uk", "look-through"]),
)
def test_flags_read_back_from_a_store_are_those_made(
    dataset: Dataset, day: dt.date, rule: str
) -> None:
    if check_dataset(dataset):
        return
    made = compute(dataset, get_rule(rule), day, lambda _: None)
    read = Computed.from_arrays(made.to_arrays(), columns_of(dataset))
    assert read is not None and isinstance(read.flags, StoredFlags)
    assert list(read.flags) == list(made.flags)
    assert list(read.flags.values()) == list(made.flags.values())
    for position in range(len(dataset.entities)):
        assert read.flags.get(position, []) == made.flags.get(position, [])
        assert (position in read.flags) == (position in made.flags)
    assert len(read.flags) == len(made.flags)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 30).flatmap(
        lambda n: st.lists(
            st.tuples(st.lists(st.booleans(), min_size=n, max_size=n), st.sampled_from(FLAG_CODES)),
            max_size=5,
        )
    )
)
def test_flags_marked_by_masks_are_those_added_one_by_one(
    marks: list[tuple[list[bool], Flag]],
) -> None:
    """Flags made from masks at once read as a dict filled mask by mask, entity by
    entity: entities in the order first flagged, each one's flags in the masks' order."""
    expected: dict[int, list[str]] = defaultdict(list)
    for mask, flag in marks:
        for i, marked in enumerate(mask):
            if marked:
                expected[i].append(flag.value)
    flags = StoredFlags.marked([(np.array(mask, dtype=bool), flag) for mask, flag in marks])
    assert list(flags) == list(expected)
    assert list(flags.values()) == list(expected.values())
    assert {i: flags[i] for i in flags} == dict(expected)
    positions, numbers = flags.kinds()
    assert positions.tolist() == list(expected)
    number_of: dict[tuple[str, ...], int] = {}
    for run, (found, number) in enumerate(zip(expected.values(), numbers.tolist(), strict=True)):
        assert flags.flags_of_run(run) == found
        # one number per distinct list of flags, and one list per number
        assert number_of.setdefault(tuple(found), number) == number
    assert len(set(number_of.values())) == len(number_of)


def test_kinds_of_runs_too_long_for_one_integer_are_numbered_alike() -> None:
    """25 flags on one position (each flag at most once in practice) do not fit the
    number made of their codes: they are numbered by a dict instead, alike."""
    every = np.ones(3, dtype=bool)
    marks = [(every, FLAG_CODES[k % len(FLAG_CODES)]) for k in range(25)]
    marks.append((np.array([False, True, False]), Flag.closed_ring))
    flags = StoredFlags.marked(marks)
    positions, numbers = flags.kinds()
    assert positions.tolist() == [0, 1, 2]
    assert numbers[0] == numbers[2] != numbers[1]
    assert len(flags.flags_of_run(0)) == 25 and len(flags.flags_of_run(1)) == 26
