"""Decision datasets and fairness metrics (design section 8).

Aggregate first, derive later: a backend (DuckDB embedded, or Spark for data lakes) scans a
decisions dataset once and returns per-cell confusion counts (``counts.CountTable``); every
metric, interval and verdict is computed from those counts in Python (``metrics``).
Pre-aggregated group counts enter the same path. Heavy imports (duckdb, pyspark) happen
only inside the backends, so importing this package is cheap.
"""

from __future__ import annotations
