"""Native format: strict validation with located messages, merging, round trips."""

from __future__ import annotations

import json
import re
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

import ownership
from ownership import analyze
from ownership.errors import DataError
from ownership.io import load, save
from ownership.io.native_format import write_json, write_yaml

GOOD = textwrap.dedent(
    """\
    entities:
      - id: x
        name: Listed X
      - id: a
        name: Alpha
      - id: b
        name: Beta
    holdings:
      - owner: x
        owned: a
        percent: 33.3
      - owner: b
        owned: a
        percent: 16.4
    listings:
      - entity: x
        list: sdn
        start: 2020-01-01
    """
)

# (name, file name, content, expected line, fragments that must all appear in the message)
BROKEN = [
    (
        "unknown entity reference",
        "d.yaml",
        GOOD.replace("owner: b", "owner: nobody"),
        12,
        ["holdings[1]", "field 'owner'", "unknown entity 'nobody'", "add it to entities"],
    ),
    (
        "duplicate id",
        "d.yaml",
        GOOD.replace("holdings:", "  - id: a\n    name: Alpha again\nholdings:"),
        8,
        ["entities[3] (a)", "field 'id'", "duplicate id 'a'", "already used by entities[1]"],
    ),
    (
        "percent above 100",
        "d.yaml",
        GOOD.replace("percent: 16.4", "percent: 116.4"),
        14,
        ["holdings[1]", "field 'percent'", "found 116.4", "0 to 100"],
    ),
    (
        "percent below 0",
        "d.yaml",
        GOOD.replace("percent: 16.4", "percent: -5"),
        14,
        ["field 'percent'", "found -5", "0 to 100"],
    ),
    (
        "minimum above maximum",
        "d.yaml",
        GOOD.replace("percent: 16.4", "minimum: 60\n    maximum: 40"),
        14,
        ["holdings[1]", "field 'minimum'", "minimum 60 is above maximum 40"],
    ),
    (
        "stakes above 100 on one date",
        "d.yaml",
        GOOD.replace("percent: 16.4", "percent: 70"),
        14,
        [
            "holdings[1]",
            "'a' add up to 103.3% with no start date",
            "x 33.3% [d.yaml:9], b 70% [d.yaml:12]",
            "cannot all be true",
            "--allow-conflicts",
        ],
    ),
    (
        "start after end",
        "d.yaml",
        GOOD.replace("start: 2020-01-01", "start: 2020-01-01\n    end: 2019-12-31"),
        19,
        ["listings[0]", "field 'end'", "start 2020-01-01 is after end 2019-12-31"],
    ),
    (
        "self-ownership",
        "d.yaml",
        GOOD.replace("owned: a\n    percent: 16.4", "owned: b\n    percent: 16.4"),
        13,
        ["holdings[1] (b -> b)", "field 'owned'", "owns itself"],
    ),
    (
        "malformed date",
        "d.yaml",
        GOOD.replace("2020-01-01", "2020-13-01"),
        18,
        ["listings[0]", "field 'start'", "found '2020-13-01'", "YYYY-MM-DD"],
    ),
    (
        "unknown field",
        "d.yaml",
        GOOD.replace("name: Beta", "name: Beta\n    colour: red"),
        8,
        ["entities[2] (b)", "unknown field 'colour'", "expected one of", "aliases"],
    ),
    (
        "unknown nested field",
        "d.yaml",
        GOOD.replace(
            "name: Beta", "name: Beta\n    former_names: [{name: B0, untill: 2020-01-01}]"
        ),
        8,
        ["field 'former_names[0].untill'", "unknown field 'untill'", "until"],
    ),
    (
        "unknown section",
        "d.yaml",
        GOOD + "owners: []\n",
        19,
        ["unknown section 'owners'", "holdings"],
    ),
    (
        "bad country code",
        "d.yaml",
        GOOD.replace("name: Beta", "name: Beta\n    country: China"),
        8,
        ["field 'country'", "'China' is not an ISO 3166-1 alpha-2 code"],
    ),
    (
        "invalid yaml",
        "d.yaml",
        "entities:\n  - id: a\n   name: b\n",
        3,
        ["not valid YAML"],
    ),
    (
        "json with index and id",
        "d.json",
        json.dumps(
            {
                "entities": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}],
                "holdings": [{"owner": "a", "owned": "b", "percent": 150}],
            }
        ),
        None,
        ["d.json: holdings[0] (a -> b): field 'percent'", "found 150"],
    ),
    (
        "invalid json",
        "d.json",
        '{"entities": [}',
        1,
        ["not valid JSON"],
    ),
]


@pytest.mark.parametrize(
    ("file_name", "content", "line", "fragments"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_broken_file_is_reported_with_location(
    tmp_path: Path, file_name: str, content: str, line: int | None, fragments: list[str]
) -> None:
    path = tmp_path / file_name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load(path)
    problems = caught.value.problems
    assert len(problems) == 1, str(caught.value)
    text = str(problems[0])
    assert str(path) in text
    if line is not None:
        assert problems[0].line == line, text
    for fragment in fragments:
        assert fragment in text


def test_every_problem_is_collected_not_just_the_first(tmp_path: Path) -> None:
    content = (
        GOOD.replace("percent: 16.4", "percent: 116.4")
        .replace("owner: x", "owner: ghost")
        .replace("name: Beta", "name: Beta\n    colour: red")
    )
    path = tmp_path / "many.yaml"
    path.write_text(content)
    with pytest.raises(DataError) as caught:
        load(path)
    messages = [str(p) for p in caught.value.problems]
    assert len(messages) == 3
    assert any("unknown field 'colour'" in m for m in messages)
    assert any("unknown entity 'ghost'" in m for m in messages)
    assert any("found 116.4" in m for m in messages)


def test_good_file_loads_with_exact_decimals(tmp_path: Path) -> None:
    content = GOOD.replace(
        "holdings:",
        "  - id: c\n    name: Gamma\nholdings:\n  - owner: c\n    owned: a\n    percent: 0.3",
    )
    path = tmp_path / "good.yaml"
    path.write_text(content)
    dataset = load(path)
    total = sum((h.percent or 0 for h in dataset.holdings if h.owned == "a"), Decimal(0))
    assert total == Decimal("50")  # 33.3 + 16.4 + 0.3 exactly, which binary floats miss
    assert 33.3 + 16.4 + 0.3 < 50
    assert all(isinstance(h.percent, Decimal) for h in dataset.holdings)


def test_stakes_on_different_dates_do_not_add_up(tmp_path: Path) -> None:
    content = GOOD.replace("percent: 33.3", "percent: 80\n    end: 2020-12-31").replace(
        "percent: 16.4", "percent: 70\n    start: 2021-01-01"
    )
    path = tmp_path / "succession.yaml"
    path.write_text(content)
    assert len(load(path).holdings) == 2


def test_merging_files_keeps_shared_entities_once(tmp_path: Path) -> None:
    first = tmp_path / "one.yaml"
    first.write_text(GOOD)
    second = tmp_path / "two.yaml"
    second.write_text(
        "entities:\n  - id: a\n    name: Alpha\n  - id: c\n    name: Gamma\n"
        "holdings:\n  - owner: a\n    owned: c\n    percent: 100\n"
    )
    merged = load(first, second)
    assert [e.id for e in merged.entities] == ["x", "a", "b", "c"]
    assert len(merged.holdings) == 3


def test_merging_conflicting_records_names_both_files(tmp_path: Path) -> None:
    first = tmp_path / "one.yaml"
    first.write_text(GOOD)
    second = tmp_path / "two.yaml"
    second.write_text("entities:\n  - id: a\n    name: Another Alpha\n")
    with pytest.raises(DataError) as caught:
        load(first, second)
    text = str(caught.value)
    assert f"{second}:2: entities[0] (a): field 'id': duplicate id 'a'" in text


def test_csv_folder_loads_and_reports_lines(tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "entities.csv").write_text(
        "id,name,country,aliases,former_names\n"
        "x,Listed X,CN,X Corp; 艾克斯,\n"
        "a,Alpha,US,,Old Alpha|2023-05-01\n"
    )
    (folder / "holdings.csv").write_text("owner,owned,percent\nx,a,33.3\nx,zz,5\n")
    with pytest.raises(DataError) as caught:
        load(folder)
    assert str(caught.value.problems[0]).startswith(
        f"{folder / 'holdings.csv'}:3: holdings[1] (x -> zz): field 'owned': unknown entity 'zz'"
    )
    (folder / "holdings.csv").write_text("owner,owned,percent\nx,a,33.3\n")
    dataset = load(folder)
    assert list(dataset.entities[0].aliases) == ["X Corp", "艾克斯"]
    assert dataset.entities[1].former_names[0].name == "Old Alpha"
    assert dataset.holdings[0].percent == Decimal("33.3")


def test_csv_unknown_column_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "entities.csv").write_text("id,name,colour\na,Alpha,red\n")
    with pytest.raises(DataError) as caught:
        load(folder)
    text = str(caught.value)
    assert "entities.csv:1" in text and "unknown column(s) 'colour'" in text


def test_missing_file_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found"):
        load(tmp_path / "nope.yaml")


def test_writers_keep_the_literal_percent(tmp_path: Path) -> None:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD)
    dataset = load(path)
    assert "percent: 33.3\n" in write_yaml(dataset)
    assert '"percent": 33.3' in write_json(dataset)
    for target in (tmp_path / "out.yaml", tmp_path / "out.json", tmp_path / "folder"):
        save(dataset, target)
        assert load(target) == dataset


def test_bundled_dataset_loads() -> None:
    dataset = ownership.load(ownership.bundled_dataset())
    ids = {e.id for e in dataset.entities}
    assert {"inspur-group", "aivres-systems"} <= ids


def test_a_broken_record_still_has_its_references_checked(tmp_path: Path) -> None:
    path = tmp_path / "both.yaml"
    path.write_text(
        GOOD.replace(
            "owner: b\n    owned: a\n    percent: 16.4",
            "owner: nobody\n    owned: a\n    percent: 160",
        )
    )
    with pytest.raises(DataError) as caught:
        load(path)
    messages = sorted(str(p) for p in caught.value.problems)
    assert len(messages) == 2
    assert "field 'owner': unknown entity 'nobody'" in messages[0] + messages[1]
    assert "found 160" in messages[0] + messages[1]


def test_loading_a_csv_folder_reports_progress_in_bytes(tmp_path: Path) -> None:
    dataset = load(ownership.bundled_dataset())
    folder = tmp_path / "csv"
    save(dataset, folder)
    seen: list[tuple[int, int]] = []
    assert load(folder, progress=lambda done, total: seen.append((done, total))) == dataset
    total = sum(p.stat().st_size for p in folder.glob("*.csv"))
    assert seen[-1] == (total, total)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_half_and_more_than_half_of_one_entity_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "d.yaml"
    data.write_text(
        "entities:\n  - {id: a, name: A}\n  - {id: x, name: X}\n  - {id: y, name: Y}\n"
        "holdings:\n  - {owner: x, owned: a, percent: 50}\n"
        "  - {owner: y, owned: a, exclusiveMinimum: 50, maximum: 55}\n"
    )
    with pytest.raises(DataError) as error:
        load(data)
    text = str(error.value)
    assert str(data) in text and "holdings[1]" in text
    assert "'a' add up to more than 100%" in text and "x 50% [d.yaml:6], y >50-55%" in text
    # loaded when asked for, and analysed as a conflict
    result = analyze(load(data, allow_conflicts=True), "ofac-50", "2025-01-01")
    assert result.flags("a") == ["conflicting_stakes"]


@pytest.mark.parametrize(
    "other",
    [
        "{owner: y, owned: a, exclusiveMinimum: 0, maximum: 10}",
        "{owner: y, owned: a, percent: 0.001}",
        "{owner: y, owned: a, percent: {exclusiveMinimum: 0}}",
    ],
)
def test_a_whole_stake_beside_any_stake_above_zero_is_refused(tmp_path: Path, other: str) -> None:
    data = tmp_path / "d.yaml"
    data.write_text(
        "entities:\n  - {id: a, name: A}\n  - {id: x, name: X}\n  - {id: y, name: Y}\n"
        f"holdings:\n  - {{owner: x, owned: a, percent: 100}}\n  - {other}\n"
    )
    with pytest.raises(DataError) as error:
        load(data)
    text = str(error.value)
    assert "d.yaml:7: holdings[1]" in text
    assert re.search(r"'a' add up to (more than 100%|100\.001%)", text), text
    # a stake that may be 0 beside it is no excess
    data.write_text(data.read_text().replace(other, "{owner: y, owned: a, maximum: 10}"))
    assert len(load(data).holdings) == 2


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "d.yaml",
            "entities: [{id: x, name: X}, {id: a, name: A}]\nholdings:\n"
            "  - {owner: x, owned: a, percent: {minimum: 30, exclusiveMaximum: 35}}\n",
        ),
        (
            "d.json",
            '{"entities": [{"id": "x", "name": "X"}, {"id": "a", "name": "A"}], '
            '"holdings": [{"owner": "x", "owned": "a", '
            '"percent": {"minimum": 30, "exclusiveMaximum": 35}}]}',
        ),
    ],
)
def test_a_range_can_be_written_under_percent(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    (hold,) = load(path).holdings
    assert (hold.percent, hold.minimum, hold.exclusive_maximum) == (None, 30, 35)
    assert hold.share_text() == "30-<35%"


def test_a_range_under_percent_in_a_csv_cell(tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "entities.csv").write_text("id,name\nx,X\na,A\n")
    (folder / "holdings.csv").write_text('owner,owned,percent\nx,a,"{""maximum"": 35.5}"\n')
    (hold,) = load(folder).holdings
    assert (hold.minimum, hold.maximum) == (None, Decimal("35.5"))


@pytest.mark.parametrize(
    ("holding", "message"),
    [
        ("{owner: x, owned: a, percent: {min: 3}}", "unknown range field 'min' under percent"),
        ("{owner: x, owned: a, percent: {minimum: 3}, maximum: 9}", "give the range once"),
        ("{owner: x, owned: a, percent: {minimum: 130}}", "130 is not a percentage"),
    ],
)
def test_a_wrong_range_under_percent_is_named(tmp_path: Path, holding: str, message: str) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(
        f"entities: [{{id: x, name: X}}, {{id: a, name: A}}]\nholdings:\n  - {holding}\n"
    )
    with pytest.raises(DataError) as caught:
        load(path)
    text = str(caught.value)
    assert f"{path}:3: holdings[0] (x -> a): field 'percent" in text and message in text


def test_the_schema_shows_the_range_under_percent() -> None:
    from ownership.io import dataset_json_schema

    schema = dataset_json_schema()
    holding = schema["$defs"]["Holding"]["properties"]["percent"]
    nested = [c for c in holding["anyOf"] if c.get("type") == "object"]
    assert set(nested[0]["properties"]) == {
        "minimum",
        "exclusiveMinimum",
        "maximum",
        "exclusiveMaximum",
    }


def test_a_control_character_in_yaml_is_named_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_bytes(b"entities:\n  - {id: a, name: A}\n  - {id: b, name: B\x15}\n")
    with pytest.raises(DataError) as caught:
        load(path)
    (problem,) = caught.value.problems
    assert problem.line == 3 and "'\\x15' is not allowed" in problem.message
