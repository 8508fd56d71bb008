"""The scale engine's rounds on Apache Spark: every table a checkpointed DataFrame.

Each statement of :mod:`ownership.scale.engine` runs as Spark SQL over temporary views,
and its result is written as Parquet to a scratch folder and read back: a checkpoint,
so the plan of a later round does not grow with every round before it. (Spark's own
``checkpoint`` keeps the size estimates of the plan it cut, and those multiply round
after round until the driver runs out of memory estimating them.) Entities are numbered
(ids as integers), shares are ``DecimalType(38,0)`` with ANSI mode on, so an overflow
stops the job instead of giving a wrong number. The input tables come from Arrow or from
a Parquet table folder (:mod:`ownership.scale.tables`), which any cluster can read.

Needs the ``pyspark`` package and Java 17 (``pip install 'ownership[spark]'``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import OwnershipError
from .csv_tables import STRIPPED_SPACE
from .rounds import pattern
from .tables import TABLE_FILES, Tables

__all__ = ["SparkExecutor", "spark_session"]


def spark_session(master: str = "local[2]", memory: str | None = None) -> Any:
    """A Spark session for ``master`` (``local[2]``, ``spark://HOST:PORT``, ``yarn``):
    two shuffle partitions per core locally, no UI or progress bar, ANSI arithmetic (an
    overflow is an error) and no precision loss in decimal arithmetic."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise OwnershipError(
            "the spark engine needs pyspark and Java 17: pip install 'ownership[spark]'"
        ) from error
    builder = (
        SparkSession.builder.master(master)
        .appName("ownership")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.ansi.enabled", "true")
        .config("spark.sql.decimalOperations.allowPrecisionLoss", "false")
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.sql.adaptive.skewJoin.enabled", "true")
    )
    if master.startswith("local"):
        builder = builder.config("spark.sql.shuffle.partitions", "4")
    if memory:
        builder = builder.config("spark.driver.memory", memory)
    try:
        session = builder.getOrCreate()
    except Exception as error:  # no Java, or a master that cannot be reached
        raise OwnershipError(f"could not start Spark on {master}: {error}") from error
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkExecutor:
    """:class:`ownership.scale.engine.Executor` on a Spark session."""

    def __init__(self, spark: Any, scratch: str | Path) -> None:
        """``scratch``: a folder every worker can read and write (the local disk for
        ``local[N]``; HDFS, S3 or a shared mount on a cluster)."""
        self.spark = spark
        self.scratch = str(scratch).rstrip("/")
        self.frames: dict[str, Any] = {}
        self.paths: dict[str, str] = {}
        self.written = 0

    def table(self, name: str, query: str) -> None:
        self._keep(name, self.spark.sql(query))

    def _keep(self, name: str, frame: Any) -> None:
        """``frame`` written to a fresh scratch folder and read back as table ``name``."""
        self.written += 1
        path = f"{self.scratch}/{self.written:06d}-{name}"
        frame.write.mode("overwrite").parquet(path)
        self.paths[name] = path
        self._view(name, self.spark.read.parquet(path))

    def append(self, name: str, query: str) -> None:
        frame = self.spark.sql(query).toDF(*self.frames[name].columns)
        frame.write.mode("append").parquet(self.paths[name])
        self._view(name, self.spark.read.parquet(self.paths[name]))

    def _view(self, name: str, frame: Any) -> None:
        frame.createOrReplaceTempView(name)
        self.frames[name] = frame

    def count(self, name: str) -> int:
        return int(self.frames[name].count())

    def rows(self, query: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.spark.sql(query).collect()]

    def load(self, name: str, table: Any) -> None:
        self._keep(name, self.spark.createDataFrame(table))

    def single(self, value: str) -> str:
        return f"array({value})"

    def prepend(self, value: str, values: str) -> str:
        return f"concat(array({value}), {values})"

    def joined(self, values: str, separator: str) -> str:
        return f"array_join({values}, '{separator}')"

    def read_csv(self, name: str, path: Path, width: int) -> None:
        """The file read whole by one task (a quoted cell may hold a line break), each
        row numbered by its partition's offset and its place in the partition."""
        from pyspark.sql import functions as F

        frame = (
            self.spark.read.option("header", True)
            .option("multiLine", True)
            .option("escape", '"')
            .option("mode", "FAILFAST")
            .csv(str(path))
        )
        columns = [f"f{k}" for k in range(width)]
        numbered = frame.toDF(*columns).select(
            F.spark_partition_id().alias("part"), F.monotonically_increasing_id().alias("at"), "*"
        )
        try:
            self._keep(f"{name}__rows", numbered)
        except Exception as error:  # FAILFAST: a row that is not CSV with the header's width
            first = str(error).strip().splitlines()[0][:200]
            raise OwnershipError(f"{path}: a row Spark cannot read as CSV ({first})") from error
        self.table(
            name,
            f"""SELECT o.start + r.at - o.first AS record, {", ".join(f"r.{c}" for c in columns)}
                FROM {name}__rows r JOIN (
                  SELECT part, first, SUM(n) OVER (ORDER BY part) - n AS start
                  FROM (SELECT part, MIN(at) AS first, COUNT(*) AS n
                        FROM {name}__rows GROUP BY part) c) o ON o.part = r.part""",
        )

    def matches(self, value: str, regex: str) -> str:
        return f"{value} RLIKE {pattern(regex, True)}"

    def day_number(self, day: str) -> str:
        return f"CAST(datediff({day}, DATE '0001-01-01') + 1 AS BIGINT)"

    def list_key(self, value: str) -> str:
        items = f"split(COALESCE({value}, ''), ';')"
        strip = f"regexp_replace(x, {pattern(STRIPPED_SPACE, True)}, '')"
        kept = f"filter(transform({items}, x -> {strip}), x -> x <> '')"
        return f"array_join(array_sort(array_distinct({kept})), ';')"

    def sources(self, tables: Tables | Path) -> None:
        """The input tables: Arrow tables, or a Parquet table folder (read by the
        cluster's workers, never by this process)."""
        for name, file in TABLE_FILES.items():
            if isinstance(tables, Path):
                self._view(name, self.spark.read.parquet(str(tables / file)))
            else:
                self.load(name, getattr(tables, name))
