"""``--engine spark`` gives the default engine's verdicts (one local[2] session for all).

Skipped where pyspark or Java is missing, except under CI (``CI`` set and not
"false"/"0"), where they fail: CI must run them.
"""

from __future__ import annotations

import os
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ownership
from tests.rules.test_properties import graphs
from tests.scale.verdict_equality import CASES, assert_same_verdicts, engine_rows

pytestmark = pytest.mark.spark


def _under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def spark():
    try:
        import pyspark  # noqa: F401
    except ImportError:
        reason = "pyspark is not installed"
    else:
        reason = "" if shutil.which("java") else "Java is not installed"
    if reason:
        if _under_ci():
            pytest.fail(f"Spark tests must run in CI, but {reason}")
        pytest.skip(reason)
    from ownership.scale.spark_engine import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()


def spark_rows(spark, dataset, rule_name, day):
    import tempfile

    from ownership.scale.spark_engine import SparkExecutor

    def fetch(query):
        return [row.asDict() for row in spark.sql(query).collect()]

    with tempfile.TemporaryDirectory(prefix="ownership-spark-") as scratch:
        return engine_rows(SparkExecutor(spark, scratch), fetch, dataset, rule_name, day)


@pytest.mark.parametrize("case", CASES)
def test_the_bundled_inspur_case(spark, case):
    dataset = ownership.load(ownership.bundled_dataset())
    assert_same_verdicts(dataset, *case, spark_rows(spark, dataset, *case))


#: Spark's per-statement overhead makes a 10k run take a minute and a half on local[2]:
#: the aggregated rule in and out of its window, and look-through.
CASES_10K = [CASES[0], CASES[1], CASES[2], CASES[5]]


@pytest.mark.parametrize("case", CASES_10K)
def test_a_generated_10k_dataset_gives_the_same_verdicts(spark, generated_dataset_10k, case):
    rows = spark_rows(spark, generated_dataset_10k, *case)
    assert {r["status"] for r in rows} >= {"listed", "exposed"}
    assert_same_verdicts(generated_dataset_10k, *case, rows)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dataset=graphs(), case=st.sampled_from(CASES))
def test_random_messy_graphs_give_the_same_verdicts(spark, dataset, case):
    assert_same_verdicts(dataset, *case, spark_rows(spark, dataset, *case))


def test_the_command_path_writes_what_duckdb_writes(spark, tmp_path):
    import csv
    import datetime as dt

    from ownership.rules import get_rule
    from ownership.scale import analyze_at_scale

    dataset = ownership.load(ownership.bundled_dataset())
    rule, day = get_rule("bis-affiliates"), dt.date(2025, 10, 1)
    by_spark = analyze_at_scale(
        dataset, rule, day, engine="spark", spark=spark, output=tmp_path / "spark", fmt="csv"
    )
    by_duckdb = analyze_at_scale(dataset, rule, day, output=tmp_path / "duck.csv", fmt="csv")
    assert by_spark.counts == by_duckdb.counts
    (part,) = (tmp_path / "spark").glob("part-*.csv")
    with part.open(encoding="utf-8") as a, (tmp_path / "duck.csv").open(encoding="utf-8") as b:
        found, expected = list(csv.DictReader(a)), list(csv.DictReader(b))
    columns = ["id", "status", "flags", "legal_percent", "legal_percent_max", "chain"]
    assert [[r[c] for c in columns] for r in found] == [[r[c] for c in columns] for r in expected]


def spark_tables(spark, folder):
    import tempfile

    from ownership.scale.spark_engine import SparkExecutor
    from tests.scale.test_csv_tables import read_tables

    def fetch(query):
        return [row.asDict() for row in spark.sql(query).collect()]

    with tempfile.TemporaryDirectory(prefix="ownership-spark-") as scratch:
        return read_tables(SparkExecutor(spark, scratch), fetch, folder)


def test_spark_reads_a_csv_folder_as_the_default_loader_reads_it(spark, generated_folder_10k):
    from tests.scale.test_csv_tables import FIXTURES, assert_same_tables, loaded_tables

    for folder in (FIXTURES / "byod", generated_folder_10k):
        assert_same_tables(spark_tables(spark, folder), loaded_tables(folder))


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dataset=graphs())
def test_spark_reads_random_messy_graphs_back_the_same(spark, tmp_path_factory, dataset):
    from ownership.io import save
    from tests.scale.test_csv_tables import assert_same_tables, loaded_tables

    folder = tmp_path_factory.mktemp("graph") / "data"
    save(dataset, folder)
    assert_same_tables(spark_tables(spark, folder), loaded_tables(folder))


def test_spark_reads_quoted_cells_line_breaks_and_refuses_as_duckdb_does(spark, tmp_path):
    from ownership.errors import OwnershipError
    from tests.scale.test_csv_tables import REFUSED, folder_with

    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "entities.csv").write_text(
        'id,name,note\n\'=a,A,"two\nlines"\nb,B,\nc,C,"and\r\nthree"\n', encoding="utf-8"
    )
    (folder / "holdings.csv").write_text(
        "owner,owned,percent,start,sources\n'=a,c,50.5,2020-02-29,x; y\n", encoding="utf-8"
    )
    found = spark_tables(spark, folder)
    assert [(e["id"], e["entity_id"]) for e in found["entities"]] == [
        (0, "=a"),
        (1, "b"),
        (2, "c"),
    ]
    assert found["holdings"][0]["low"] == 50_500_000_000_000_000_000
    # each kind of refusal, with the message DuckDB gives
    for k, (section, row, column, value, message) in enumerate(REFUSED):
        broken = folder_with(tmp_path / str(k), section, row, column, value)
        with pytest.raises(OwnershipError) as raised:
            spark_tables(spark, broken)
        assert message in str(raised.value), (column, value)


def test_spark_quotes_formula_cells_in_csv_as_duckdb_does(spark, tmp_path):
    """A spreadsheet runs ``=...``: both engines write it with a leading quote (Spark reads
    the SQL literal ``''''`` as empty, so the quote must be spelt otherwise)."""
    import datetime as dt

    from ownership.rules import get_rule
    from ownership.scale import analyze_at_scale

    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "entities.csv").write_text("id,name\n'=HYPERLINK(1),P\nit's,C\n", encoding="utf-8")
    (folder / "holdings.csv").write_text(
        "owner,owned,percent\n'=HYPERLINK(1),it's,60\n", encoding="utf-8"
    )
    (folder / "listings.csv").write_text("entity,list\n'=HYPERLINK(1),sdn\n", encoding="utf-8")
    rule, day = get_rule("ofac-50"), dt.date(2025, 1, 1)
    analyze_at_scale(folder, rule, day, engine="spark", spark=spark, output=tmp_path / "s")
    analyze_at_scale(folder, rule, day, output=tmp_path / "d.csv")
    (part,) = (tmp_path / "s").glob("part-*.csv")
    spark_lines = part.read_text(encoding="utf-8").splitlines()
    duck_lines = (tmp_path / "d.csv").read_text(encoding="utf-8").splitlines()
    assert spark_lines[1].startswith("'=HYPERLINK(1),listed")
    assert duck_lines[1].startswith("'=HYPERLINK(1),listed")
    assert spark_lines[2].split(",")[:2] == duck_lines[2].split(",")[:2] == ["it's", "covered"]


@pytest.mark.parametrize(
    ("holdings", "message"),
    [
        (b"owner,owned,percent\na,b,50,extra\n", "a row Spark cannot read as CSV"),
        (b"owner,owned,percent\na,b,50\na\n", "a row Spark cannot read as CSV"),
        (b'owner,owned,percent\na,"b,50\n', "a row Spark cannot read as CSV"),
        (  # past the header's first read: Spark reads the byte as U+FFFD
            b"owner,owned,percent\n" + b"a,b,1\n" * 3000 + b"a\xff,b,50\n",
            r"row 3001, owner 'a\ufffd': holds U\+FFFD, written where a file is not UTF-8",
        ),
    ],
)
def test_spark_refuses_rows_that_are_not_csv_of_the_headers_width(
    spark, tmp_path, holdings, message
):
    from ownership.errors import OwnershipError

    (tmp_path / "entities.csv").write_text("id,name\na,A\nb,B\n", encoding="utf-8")
    (tmp_path / "holdings.csv").write_bytes(holdings)
    with pytest.raises(OwnershipError, match=message) as raised:
        spark_tables(spark, tmp_path)
    assert str(raised.value).startswith(f"{tmp_path / 'holdings.csv'}: ")


def _hub_folder(folder, holdings=3000):
    """A listed hub owning 60% of ``holdings`` entities, each owning 40% or 50% of one more,
    and a short chain beside it: the hub's rows are one key of the rounds' join."""
    folder.mkdir()
    names = ["hub", *(f"h{i}" for i in range(holdings)), *(f"g{i}" for i in range(holdings))]
    names += [f"c{i}" for i in range(5)]
    rows = [f"hub,h{i},60" for i in range(holdings)] + [
        f"h{i},g{i},{50 if i % 2 else 40}" for i in range(holdings)
    ]
    rows += [f"c{i},c{i + 1},55" for i in range(4)]
    (folder / "entities.csv").write_text("id,name\n" + "".join(f"{n},{n}\n" for n in names))
    (folder / "holdings.csv").write_text("owner,owned,percent\n" + "\n".join(rows) + "\n")
    (folder / "listings.csv").write_text("entity,list\nhub,sdn\nc0,sdn\n")
    return folder


def _round_join_plans(spark, first_execution):
    """The plans, from ``first_execution`` on, of the statements that join a round's
    frontier with the pairs (the scratch tables are folders named after them)."""
    return [
        plan
        for execution in _executions(spark)
        if execution.executionId() >= first_execution
        for plan in [execution.physicalPlanDescription()]
        if "-pairs]" in plan and "-frontier]" in plan
    ]


def _executions(spark):
    """The SQL executions Spark's status store keeps (its last 1,000)."""
    executions = spark._jsparkSession.sharedState().statusStore().executionsList().iterator()
    while executions.hasNext():
        yield executions.next()


def _last_execution(spark):
    return max((execution.executionId() for execution in _executions(spark)), default=-1)


#: Broadcasts off, skew thresholds low and partitions left uncoalesced (so the pairs span
#: several files, as a large table spans several input splits): a hub of 3,000 holdings
#: is then split the way a hub of millions is with Spark's defaults.
SKEW_AT_TEST_SIZE = {
    "spark.sql.autoBroadcastJoinThreshold": "-1",
    "spark.sql.adaptive.autoBroadcastJoinThreshold": "-1",
    "spark.sql.adaptive.coalescePartitions.enabled": "false",
    "spark.sql.adaptive.skewJoin.skewedPartitionThresholdInBytes": "1k",
    "spark.sql.adaptive.skewJoin.skewedPartitionFactor": "2",
    "spark.sql.adaptive.advisoryPartitionSizeInBytes": "1k",
}


@pytest.mark.parametrize(
    "settings_for_run, case",
    [({}, CASES[0]), (SKEW_AT_TEST_SIZE, CASES[0]), (SKEW_AT_TEST_SIZE, CASES[5])],
    ids=["defaults", "split-ofac-50", "split-look-through"],
)
def test_a_hub_owner_is_never_one_task_and_the_verdicts_stay_the_same(
    spark, tmp_path, settings_for_run, case
):
    """A hub owner puts all its holdings under one key of the join of each round's
    frontier with the pairs. With Spark's defaults a small frontier is broadcast (the
    pairs are not shuffled by owner at all); a large one is joined by sort-merge and
    adaptive execution splits the hub's partition over several tasks. Either way the
    verdicts are the default engine's."""
    dataset = ownership.load(_hub_folder(tmp_path / "hub"))
    before = {key: spark.conf.get(key, None) for key in settings_for_run}
    first = _last_execution(spark) + 1
    try:
        for key, value in settings_for_run.items():
            spark.conf.set(key, value)
        rows = spark_rows(spark, dataset, *case)
        plans = _round_join_plans(spark, first)
    finally:
        for key, value in before.items():
            if value is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, value)
    assert plans
    if settings_for_run:
        assert any("SortMergeJoin(skew=true) Inner" in plan for plan in plans)
    else:
        assert all("BroadcastHashJoin Inner" in p and "SortMergeJoin" not in p for p in plans)
    assert {r["status"] for r in rows} >= {"listed", "covered", "exposed"}
    assert_same_verdicts(dataset, *case, rows)
