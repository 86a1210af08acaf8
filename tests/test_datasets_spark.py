"""Spark (local mode) computes exactly the counts DuckDB computes. Skipped without pyspark."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow  # starts a JVM: about a minute on two cores
pyspark = pytest.importorskip("pyspark")
if shutil.which("java") is None:  # pragma: no cover - depends on the machine
    pytest.skip("Spark needs Java", allow_module_level=True)

from normenkader.datasets.duck import compute_counts  # noqa: E402
from normenkader.datasets.metrics import DEFAULT_BANDS, Settings, evaluate  # noqa: E402
from normenkader.datasets.spark import spark_counts  # noqa: E402
from normenkader.datasets.spec import dataset_spec  # noqa: E402
from normenkader.errors import InputError  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("normenkader-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_spark_and_duckdb_agree(spark: Any, tmp_path: Path) -> None:
    csv = (ROOT / "evidence/examples/selectie-bias/data/decisions.csv").resolve()
    entries = [
        {
            "columns": {
                "group": ["nationality_group", "age_band"],
                "selected": "flagged",
                "outcome": "fraud_confirmed",
            }
        },
        {
            "columns": {
                "group": "nationality_group",
                "selected": {"column": "flagged", "values": ["1"]},
            }
        },
    ]
    for entry in entries:
        spec = dataset_spec(entry, csv.name)
        assert spark_counts(csv, spec).to_dict() == compute_counts(csv, spec).to_dict()
    # a table in the lake: format spark names the table instead of a file
    frame = spark.read.option("header", "true").csv(str(csv))
    frame.createOrReplaceTempView("decisions_2025")
    lake = dataset_spec(
        {
            "columns": entries[0]["columns"],
            "dataset": {"format": "spark", "table": "decisions_2025"},
        }
    )
    from_lake = spark_counts(None, lake)
    from_file = compute_counts(csv, dataset_spec(entries[0], csv.name))
    assert from_lake.to_dict() == from_file.to_dict()
    settings = Settings(metrics=("selection_rate_ratio",), bands=dict(DEFAULT_BANDS))
    assert evaluate(from_lake, settings)["groupings"] == evaluate(from_file, settings)["groupings"]
    # a declared column missing from the table is a clear error, as with DuckDB
    broken = dataset_spec(
        {
            "columns": {"group": "nationality", "selected": "flagged"},
            "dataset": {"format": "spark", "table": "decisions_2025"},
        }
    )
    with pytest.raises(InputError) as err:
        spark_counts(None, broken)
    assert err.value.code == "DATASET_COLUMN_MISSING"
    # typed Parquet with weights: identical sums
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "w.parquet"
    pq.write_table(
        pa.table(
            {
                "g": ["A", "B", "A", "B"] * 50,
                "s": [True, False, False, True] * 50,
                "w": [0.5, 1.5, 2.0, 1.0] * 50,
            }
        ),
        path,
    )
    weighted = dataset_spec(
        {"columns": {"group": "g", "selected": "s", "weight": "w"}}, "w.parquet"
    )
    assert spark_counts(path, weighted).to_dict() == compute_counts(path, weighted).to_dict()
