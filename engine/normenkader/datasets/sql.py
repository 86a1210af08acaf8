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

from .counts import COUNT_FIELDS
from .spec import DatasetSpec

TRUE_WORDS = ("1", "true", "t", "yes", "y", "ja", "j")
FALSE_WORDS = ("0", "false", "f", "no", "n", "nee")
MAX_VALUES = 200


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


def _words(words: tuple[str, ...]) -> str:
    # Fixed vocabulary from this module, never from evidence.
    return ", ".join(f"'{w}'" for w in words)


def flag_expr(column: str, type_name: str, dialect: Dialect) -> str:
    """1, 0 or NULL (unreadable or missing) from a boolean-like column."""
    col = dialect.quote(column)
    kind = type_class(type_name)
    if kind == "bool":
        return f"CAST({col} AS INTEGER)"
    if kind == "num":
        return f"CASE WHEN {col} = 1 THEN 1 WHEN {col} = 0 THEN 0 END"
    text = f"lower(trim(CAST({col} AS {dialect.string_type})))"
    return (
        f"CASE WHEN {text} IN ({_words(TRUE_WORDS)}) THEN 1 "
        f"WHEN {text} IN ({_words(FALSE_WORDS)}) THEN 0 END"
    )


def _number(column: str, type_name: str, dialect: Dialect) -> str:
    col = dialect.quote(column)
    if type_class(type_name) == "num":
        return f"CAST({col} AS DOUBLE)"
    return f"TRY_CAST({col} AS DOUBLE)"


def selection_expr(
    spec: DatasetSpec, types: dict[str, str], dialect: Dialect
) -> tuple[str, list[Any]]:
    rule = spec.selection
    if rule.rule == "flag":
        return flag_expr(rule.column, types[rule.column], dialect), []
    if rule.rule == "score":
        number = _number(rule.column, types[rule.column], dialect)
        return f"CASE WHEN {number} IS NULL THEN NULL WHEN {number} >= ? THEN 1 ELSE 0 END", [
            rule.threshold
        ]
    values = list(rule.values)[:MAX_VALUES]
    col = dialect.quote(rule.column)
    marks = ", ".join("?" for _ in values)
    return (
        f"CASE WHEN {col} IS NULL THEN NULL "
        f"WHEN CAST({col} AS {dialect.string_type}) IN ({marks}) THEN 1 ELSE 0 END",
        values,
    )


def count_query(
    spec: DatasetSpec,
    types: dict[str, str],
    source: str,
    source_params: list[Any],
    dialect: Dialect,
) -> tuple[str, list[Any]]:
    """SQL and parameters for the per-cell counts, one row per cell.

    Columns: g0..gk (group values as strings), then ``COUNT_FIELDS``, then the numbers of
    rows with an unreadable selection, outcome, weight or control value.
    """
    inner: list[str] = []
    params: list[Any] = []
    for i, group in enumerate(spec.groups):
        inner.append(f"CAST({dialect.quote(group)} AS {dialect.string_type}) AS g{i}")
    sel, sel_params = selection_expr(spec, types, dialect)
    inner.append(f"{sel} AS s")
    params.extend(sel_params)
    raw_sel = dialect.quote(spec.selection.column)
    inner.append(f"{raw_sel} IS NULL AS s_missing")
    if spec.outcome:
        y = flag_expr(spec.outcome, types[spec.outcome], dialect)
        inner.append(f"{y} AS y")
        inner.append(f"({dialect.quote(spec.outcome)} IS NOT NULL AND ({y}) IS NULL) AS y_bad")
    else:
        inner.append("CAST(NULL AS INTEGER) AS y")
        inner.append("FALSE AS y_bad")
    if spec.weight:
        w = _number(spec.weight, types[spec.weight], dialect)
        inner.append(f"{w} AS w")
    if spec.control:
        ctl = flag_expr(spec.control, types[spec.control], dialect)
        inner.append(f"COALESCE({ctl}, 0) AS ctl")
        inner.append(f"({dialect.quote(spec.control)} IS NOT NULL AND ({ctl}) IS NULL) AS ctl_bad")
    else:
        inner.append("0 AS ctl")
        inner.append("FALSE AS ctl_bad")
    params.extend(source_params)

    def total(condition: str | None) -> str:
        if spec.weight:
            return f"sum(w) FILTER (WHERE {condition})" if condition else "sum(w)"
        return f"count(*) FILTER (WHERE {condition})" if condition else "count(*)"

    weight_sq = "sum(w * w)" if spec.weight else "count(*)"
    aggregates = {
        "n": "count(*)",
        "w": total(None),
        "w2": weight_sq,
        "sel": total("s = 1"),
        "tp": total("s = 1 AND y = 1"),
        "fp": total("s = 1 AND y = 0"),
        "tn": total("s = 0 AND y = 0"),
        "fn": total("s = 0 AND y = 1"),
        "labelled_unselected": "count(*) FILTER (WHERE s = 0 AND y IS NOT NULL)",
        "ctl_n": total("ctl = 1"),
        "ctp": total("ctl = 1 AND s = 1 AND y = 1"),
        "cfp": total("ctl = 1 AND s = 1 AND y = 0"),
        "ctn": total("ctl = 1 AND s = 0 AND y = 0"),
        "cfn": total("ctl = 1 AND s = 0 AND y = 1"),
    }
    assert tuple(aggregates) == COUNT_FIELDS
    bad_weight = (
        "count(*) FILTER (WHERE w IS NULL OR NOT (w >= 0 AND w < 1e300))" if spec.weight else "0"
    )
    groups = ", ".join(f"g{i}" for i in range(len(spec.groups)))
    select = ", ".join([groups, *(f"{expr} AS {name}" for name, expr in aggregates.items())])
    query = (
        f"SELECT {select}, "
        "count(*) FILTER (WHERE s IS NULL AND NOT s_missing) AS bad_selected, "
        "count(*) FILTER (WHERE s_missing) AS missing_selected, "
        "count(*) FILTER (WHERE y_bad) AS bad_outcome, "
        f"{bad_weight} AS bad_weight, "
        "count(*) FILTER (WHERE ctl_bad) AS bad_control "
        f"FROM (SELECT {', '.join(inner)} FROM {source}) AS t GROUP BY {groups}"
    )
    return query, params


#: Names of the trailing problem columns of ``count_query``.
PROBLEM_FIELDS = ("bad_selected", "missing_selected", "bad_outcome", "bad_weight", "bad_control")


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
