"""The one aggregate query, built from validated, quoted identifiers and bound parameters.

The same query text (in a small dialect: identifier quote and string type) runs on DuckDB
and on Spark SQL, so both backends compute the same counts. Column names are checked in
``spec.check_name`` and must match a column of the source exactly; they enter SQL only
through ``quote``. Values from evidence (a score threshold, category values) are always
bound parameters, never text in the query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .spec import DatasetSpec

MAX_VALUES = 200
#: The range of a usable non-zero weight (see ``count_query``).
MIN_WEIGHT = "1e-100"
MAX_WEIGHT = "1e100"


@dataclass(frozen=True)
class Dialect:
    name: str
    quote_char: str
    string_type: str

    def quote(self, name: str) -> str:
        q = self.quote_char
        return q + name.replace(q, q + q) + q


DUCKDB = Dialect("duckdb", '"', "VARCHAR")
SPARK = Dialect("spark", "`", "STRING")


def type_class(type_name: str) -> str:
    """bool, num, str or other, from a DuckDB or Spark type name."""
    t = type_name.strip().upper()
    if t in ("BOOLEAN", "BOOL"):
        return "bool"
    if t in ("VARCHAR", "STRING", "TEXT") or t.startswith(("VARCHAR", "CHAR")):
        return "str"
    numeric = (
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "INT",
        "BIGINT",
        "HUGEINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
        "UHUGEINT",
        "FLOAT",
        "DOUBLE",
        "REAL",
        "DECIMAL",
        "BYTE",
        "SHORT",
        "LONG",
    )
    if t.startswith(numeric):
        return "num"
    return "other"


def _number(column: str, type_name: str, dialect: Dialect) -> str:
    col = dialect.quote(column)
    if type_class(type_name) == "num":
        return f"CAST({col} AS DOUBLE)"
    return f"TRY_CAST({col} AS DOUBLE)"


def selection_expr(
    spec: DatasetSpec, types: dict[str, str], dialect: Dialect
) -> tuple[str, list[Any]]:
    """SQL for the selection: the raw column for a flag (mapped in Python over the few
    distinct values, which keeps the scan as cheap as a bare GROUP BY), else 1, 0, -1
    (unreadable) or NULL (missing) for a score threshold or a set of category values."""
    rule = spec.selection
    col = dialect.quote(rule.column)
    if rule.rule == "flag":
        return col, []
    if rule.rule == "score":
        number = _number(rule.column, types[rule.column], dialect)
        return (
            f"CASE WHEN {col} IS NULL THEN NULL WHEN {number} IS NULL THEN -1 "
            f"WHEN {number} >= ? THEN 1 ELSE 0 END",
            [rule.threshold],
        )
    values: list[Any] = list(rule.values)[:MAX_VALUES]
    marks = ", ".join("?" for _ in values)
    matches = f"CAST({col} AS {dialect.string_type}) IN ({marks})"
    numbers = list(rule.numbers)[:MAX_VALUES]
    if numbers:
        # 1.0 in the manifest and "1" in the file are the same value
        number = _number(rule.column, types[rule.column], dialect)
        matches += f" OR {number} IN ({', '.join('?' for _ in numbers)})"
    return (
        f"CASE WHEN {col} IS NULL THEN NULL WHEN {matches} THEN 1 ELSE 0 END",
        values + numbers,
    )


def count_query(
    spec: DatasetSpec,
    types: dict[str, str],
    source: str,
    source_params: list[Any],
    dialect: Dialect,
) -> tuple[str, list[Any]]:
    """SQL and parameters for the per-cell counts.

    One row per distinct (group values, selection, outcome, control) with its row count,
    and with weights the sum of weights, of squared weights, and the number of unusable
    weights. ``counts.fold_rows`` turns these rows into cells.
    """
    inner: list[str] = [f"{dialect.quote(g)} AS g{i}" for i, g in enumerate(spec.groups)]
    sel, params = selection_expr(spec, types, dialect)
    inner.append(f"{sel} AS s")
    inner.append(f"{dialect.quote(spec.outcome)} AS y" if spec.outcome else "NULL AS y")
    inner.append(f"{dialect.quote(spec.control)} AS c" if spec.control else "NULL AS c")
    aggregates = ["count(*) AS n"]
    if spec.weight:
        inner.append(f"{_number(spec.weight, types[spec.weight], dialect)} AS w")
        # a usable weight is 0 or lies in [1e-100, 1e100], so that w * w neither underflows
        # to 0 nor overflows to inf (Kish's effective size divides by the sum of squares)
        usable = f"(w = 0 OR (w >= {MIN_WEIGHT} AND w <= {MAX_WEIGHT}))"
        aggregates += [
            f"sum(w) FILTER (WHERE {usable}) AS w",
            f"sum(w * w) FILTER (WHERE {usable}) AS w2",
            f"count(*) FILTER (WHERE w IS NULL OR NOT {usable}) AS bad_w",
        ]
    keys = [f"g{i}" for i in range(len(spec.groups))] + ["s", "y", "c"]
    ordinals = ", ".join(str(i + 1) for i in range(len(keys)))
    query = (
        f"SELECT {', '.join(keys + aggregates)} "
        f"FROM (SELECT {', '.join(inner)} FROM {source}) AS t GROUP BY {ordinals}"
    )
    return query, params + list(source_params)


def counts_file_query(
    groups: tuple[str, ...],
    roles: dict[str, str],
    types: dict[str, str],
    source: str,
    source_params: list[Any],
    dialect: Dialect,
) -> tuple[str, list[Any]]:
    """SQL for a pre-aggregated group-counts file: sums per cell of the declared roles,
    with the number of rows whose count is not a non-negative number."""
    cols = [
        f"CAST({dialect.quote(g)} AS {dialect.string_type}) AS g{i}" for i, g in enumerate(groups)
    ]
    sums = []
    for role in ("n", "selected", "tp", "fp", "tn", "fn"):
        if role in roles:
            number = _number(roles[role], types[roles[role]], dialect)
            sums.append(f"sum({number}) AS {role}")
            sums.append(
                f"count(*) FILTER (WHERE {number} IS NULL OR NOT ({number} >= 0 "
                f"AND {number} < 1e15)) AS bad_{role}"
            )
        else:
            sums.append(f"NULL AS {role}")
            sums.append(f"0 AS bad_{role}")
    ordinals = ", ".join(str(i + 1) for i in range(len(groups)))
    query = f"SELECT {', '.join([*cols, *sums])} FROM {source} GROUP BY {ordinals}"
    return query, list(source_params)
