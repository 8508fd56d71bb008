"""``ownership`` as a ``spark-submit`` application: the command line, unchanged.

    spark-submit --master yarn ownership/scale/spark_job.py \\
        analyze --engine spark --master yarn --data TABLES -o OUT.parquet

Only the driver needs ``ownership`` installed: every step is Spark SQL, so the workers
run no Python of ours.
"""

from ownership.cli import main

if __name__ == "__main__":
    main()
