"""The entities' texts made before the analysis are the writer's own, and only when they
are this data's on this date for these fields."""

from __future__ import annotations

import datetime as dt
import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ownership import analyze, load
from ownership.cli import app
from ownership.columns import columns_of
from ownership.entity_texts import EntityTexts
from ownership.model import Dataset
from ownership.verdict import chosen_fields
from ownership.verdict_json import write_verdict_csv, write_verdict_lines

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "inspur.yaml"
#: Inspur Systems was renamed Aivres Systems on 2023-05-01 (the fixture's date).
BEFORE_RENAME, AFTER_RENAME = dt.date(2023, 4, 1), dt.date(2023, 6, 1)
FIELD_CHOICES = [None, "id,name,country", "id,status,chain", "name,explanation", "chain,id"]


def texts_for(dataset: Dataset, day: dt.date, *, csv: bool, fields: str | None) -> EntityTexts:
    with ThreadPoolExecutor(max_workers=1) as pool:
        chosen = fields.split(",") if fields else None
        return EntityTexts.made_beside(dataset, day, pool, csv=csv, fields=chosen).result()


def written(
    dataset: Dataset, day: dt.date, *, csv: bool, fields: str | None, texts: EntityTexts | None
) -> bytes:
    result = analyze(dataset, "bis-affiliates", day)
    out = io.BytesIO()
    chosen = fields.split(",") if fields else None
    write = write_verdict_csv if csv else write_verdict_lines
    write(result, out, fields=chosen, texts=texts)
    return out.getvalue()


@pytest.mark.parametrize("csv", [False, True])
@pytest.mark.parametrize("fields", FIELD_CHOICES)
def test_texts_made_beforehand_give_the_same_bytes(csv: bool, fields: str | None) -> None:
    dataset = load(FIXTURE)
    for day in (BEFORE_RENAME, AFTER_RENAME):
        texts = texts_for(dataset, day, csv=csv, fields=fields)
        chosen = chosen_fields(fields.split(",") if fields else None, csv=csv)
        assert texts.serves(columns_of(dataset), day, csv=csv, fields=chosen)
        expected = written(dataset, day, csv=csv, fields=fields, texts=None)
        assert written(dataset, day, csv=csv, fields=fields, texts=texts) == expected


@pytest.mark.parametrize("csv", [False, True])
def test_texts_of_another_date_format_or_fields_are_not_used(csv: bool) -> None:
    dataset = load(FIXTURE)
    expected = written(dataset, AFTER_RENAME, csv=csv, fields="id,name", texts=None)
    assert b"Aivres Systems Inc." in expected
    # the name on the other date, the other format's cells, fields without the names
    others = [
        texts_for(dataset, BEFORE_RENAME, csv=csv, fields="id,name"),
        texts_for(dataset, AFTER_RENAME, csv=not csv, fields="id,name"),
        texts_for(dataset, AFTER_RENAME, csv=csv, fields="id,status"),
        texts_for(load(FIXTURE), AFTER_RENAME, csv=csv, fields="id,name"),
    ]
    assert b"Inspur Systems, Inc." in written(
        dataset, BEFORE_RENAME, csv=csv, fields="id,name", texts=None
    )
    for texts in others:
        chosen = chosen_fields(["id", "name"], csv=csv)
        assert not texts.serves(columns_of(dataset), AFTER_RENAME, csv=csv, fields=chosen)
        assert written(dataset, AFTER_RENAME, csv=csv, fields="id,name", texts=texts) == expected


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "json"])
def test_the_command_makes_the_texts_once_beside_the_analysis(
    fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[bool] = []
    original = EntityTexts.__init__

    def counted(self: EntityTexts, *args: object, **kwargs: object) -> None:
        made.append(True)
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(EntityTexts, "__init__", counted)
    args = ["analyze", "--data", str(FIXTURE), "--as-of", "2023-06-01", "--format", fmt]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert len(made) == 1
    dataset = load(FIXTURE)
    csv = fmt == "csv"
    if fmt != "json":  # (the array's bytes are the lines' in brackets)
        expected = written(dataset, AFTER_RENAME, csv=csv, fields=None, texts=None)
        assert result.stdout.encode() == expected
