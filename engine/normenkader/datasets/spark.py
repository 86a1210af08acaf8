"""Spark backend: the same aggregate query, run where the decision logs live.

Install with ``pip install 'normenkader[spark]'``. pyspark is imported only here, and only
when a dataset says ``format: spark`` (a table in the lake) or the environment variable
``NORMENKADER_DATASET_BACKEND=spark`` asks for file scans on Spark. The session is
``SparkSession.builder.getOrCreate()``: it follows the usual Spark configuration
(``spark-defaults.conf``, ``SPARK_REMOTE`` for Spark Connect, ``--master`` via
``PYSPARK_SUBMIT_ARGS``), so a supervisor points normenkader at the cluster the way any
Spark job is pointed at it.

The query text comes from ``sql.count_query`` in the Spark dialect (backtick-quoted
identifiers, bound ``?`` parameters), so DuckDB and Spark compute the same counts.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from ..errors import InputError
from .counts import CountTable
from .duck import require_columns, table_from_rows
from .spec import DatasetSpec
from .sql import SPARK, count_query


def _session() -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InputError(
            "SPARK_NOT_INSTALLED",
            "this dataset needs Spark: pip install 'normenkader[spark]' (and Java 17)",
        ) from None
    return SparkSession.builder.appName("normenkader").getOrCreate()


def _frame(spark: Any, path: Path | None, spec: DatasetSpec) -> Any:
    if spec.format == "spark":
        if not spec.table:
            raise InputError("DATASET_FORMAT", "format spark needs dataset.table")
        return spark.table(spec.table)
    assert path is not None
    if spec.format == "parquet":
        return spark.read.parquet(str(path))
    return (
        spark.read.option("header", "true")
        .option("sep", spec.delimiter)
        .option("quote", '"')
        .option("escape", '"')
        .option("encoding", spec.encoding)
        .option("inferSchema", "false")
        .option("mode", "FAILFAST")
        .option("maxCharsPerColumn", str(1 << 20))
        .csv(str(path))
    )


def spark_counts(path: Path | None, spec: DatasetSpec) -> CountTable:
    """Per-cell confusion counts computed by Spark (a file, or ``dataset.table``)."""
    spark = _session()
    try:
        frame = _frame(spark, path, spec)
        types = {field.name: field.dataType.simpleString() for field in frame.schema.fields}
        require_columns(spec.columns(), types)
        view = "nk_source_" + uuid.uuid4().hex
        frame.createOrReplaceTempView(view)
        try:
            query, params = count_query(spec, types, SPARK.quote(view), [], SPARK)
            rows = [tuple(row) for row in spark.sql(query, args=params).collect()]
        finally:
            spark.catalog.dropTempView(view)
    except InputError:
        raise
    except Exception as exc:  # py4j / analysis errors: report, never crash
        first = (str(exc).strip().splitlines() or ["Spark query failed"])[0][:240]
        raise InputError("DATASET_UNREADABLE", f"Spark: {first}") from None
    return table_from_rows(rows, spec, "spark")
