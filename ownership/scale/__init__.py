"""The rules' verdicts on engines beyond one process's memory: DuckDB (out of core) and
Apache Spark, from the same SQL (``docs/scale.md``).

:func:`analyze_at_scale` is the one call; :mod:`~ownership.scale.engine` holds the
algorithm, :mod:`~ownership.scale.rounds` its fixed-point rounds, and the
``duckdb_engine`` and ``spark_engine`` modules the two executors.
"""

from .run import ScaleReport, analyze_at_scale

__all__ = ["ScaleReport", "analyze_at_scale"]
