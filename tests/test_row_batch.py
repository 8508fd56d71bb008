"""Lines of chosen rows (``Batch`` of positions) are those of the same rows in a run:
every field, JSON lines and CSV, the awkward names included; and ``Batch.of`` slices a
run and takes chosen rows alike."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ownership import analyze
from ownership.arrow_text import DistinctTexts
from ownership.checks import check_dataset
from ownership.model import Dataset
from ownership.row_batch import Batch
from ownership.rules import RULES
from ownership.verdict import chosen_fields
from ownership.verdict_json import LineColumns

from .test_verdict_json import DAYS, awkwardly_named


def lines_of(lines: LineColumns, batch: Batch) -> list[str]:
    text, rows = lines.assemble(batch, *lines.prepare(batch))
    made = text.to_pylist()
    for k, line in rows:
        made[k] = line
    return made


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    awkwardly_named(),
    st.sampled_from(DAYS),
    st.sampled_from(sorted(RULES)),
    st.booleans(),
    st.data(),
)
def test_lines_of_chosen_rows_are_those_of_the_run(
    data: Dataset, day: dt.date, rule: str, csv: bool, draw: st.DataObject
) -> None:
    assume(not check_dataset(data))
    analysis = analyze(data, rule, day)
    assume(analysis.compiled.low.dtype != object)  # written row by row
    n = analysis.compiled.n
    chosen = sorted(draw.draw(st.sets(st.integers(0, n - 1), min_size=1)))
    with ThreadPoolExecutor(2) as pool:
        lines = LineColumns(analysis, "\n", pool, csv=csv, fields=chosen_fields(None, csv=csv))
        every = lines_of(lines, Batch.of_run(0, n))
        picked = lines_of(lines, Batch(np.asarray(chosen, dtype=np.int64)))
    assert picked == [every[k] for k in chosen]


@given(st.integers(1, 30), st.data())
def test_of_slices_a_run_and_takes_chosen_rows(n: int, draw: st.DataObject) -> None:
    chosen = np.asarray(sorted(draw.draw(st.sets(st.integers(0, n - 1), min_size=1))))
    batch = Batch(chosen)
    values = np.arange(n) * 7
    texts = pa.array([f"t{k}" for k in range(n)])
    distinct = DistinctTexts(pa.array(["a", "b", "c"]), np.arange(n) % 3)
    assert batch.run == (chosen[-1] - chosen[0] + 1 == chosen.size)
    assert batch.of(values).tolist() == values[chosen].tolist()
    assert batch.of(texts).to_pylist() == [f"t{k}" for k in chosen.tolist()]
    assert batch.of(distinct).to_pylist() == ["abc"[k % 3] for k in chosen.tolist()]
