"""Proxy screening: how strongly each model feature predicts a protected attribute.

For every (feature, attribute) pair one contingency table is counted in DuckDB (all pairs
in one pass with GROUPING SETS); numeric features are first cut into quantile bins. From
each table: Cramér's V (chi-square based, 0 = independent, 1 = one determines the other)
and normalised mutual information ``I(F;A) / sqrt(H(F) H(A))``. Missing values form their
own level: missingness can itself be a proxy.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ..errors import InputError
from .duck import ScanLimits, connection, open_source, require_columns, run
from .spec import DatasetSpec
from .sql import DUCKDB, type_class

MAX_LEVELS = 1_000
MISSING = "(missing)"


def _margins(
    table: dict[tuple[str, str], float],
) -> tuple[dict[str, float], dict[str, float], float]:
    """Row totals, column totals and the grand total of a contingency table."""
    rows: dict[str, float] = {}
    cols: dict[str, float] = {}
    for (r, c), count in table.items():
        rows[r] = rows.get(r, 0.0) + count
        cols[c] = cols.get(c, 0.0) + count
    return rows, cols, sum(rows.values())


def cramers_v(table: dict[tuple[str, str], float]) -> float | None:
    """Cramér's V of a contingency table {(row, column): count}; None when degenerate."""
    rows, cols, n = _margins(table)
    k = min(len(rows), len(cols))
    if n <= 0 or k < 2:
        return None
    chi2 = 0.0
    for r, rt in rows.items():
        for c, ct in cols.items():
            expected = rt * ct / n
            chi2 += (table.get((r, c), 0.0) - expected) ** 2 / expected
    return math.sqrt(chi2 / n / (k - 1))


def normalised_mi(table: dict[tuple[str, str], float]) -> float | None:
    """I(F;A) / sqrt(H(F) H(A)); None when either side is constant."""
    rows, cols, n = _margins(table)
    if n <= 0:
        return None

    def entropy(margin: dict[str, float]) -> float:
        return -sum((v / n) * math.log(v / n) for v in margin.values() if v > 0)

    hr, hc = entropy(rows), entropy(cols)
    if hr <= 0 or hc <= 0:
        return None
    mi = sum(
        (v / n) * math.log(v * n / (rows[r] * cols[c])) for (r, c), v in table.items() if v > 0
    )
    return max(0.0, mi) / math.sqrt(hr * hc)


def contingency_tables(
    path: Path,
    spec: DatasetSpec,
    features: tuple[str, ...],
    attributes: tuple[str, ...],
    bins: int = 10,
    limits: ScanLimits | None = None,
) -> dict[tuple[str, str], dict[tuple[str, str], float]]:
    """{(feature, attribute): {(feature level, attribute value): count}} in DuckDB."""
    limits = limits or ScanLimits()
    with connection(path, limits) as con:
        source, params, types = open_source(
            con, path, spec.format, spec.encoding, spec.delimiter, limits
        )
        require_columns(tuple(dict.fromkeys((*features, *attributes))), types)
        level_exprs: dict[str, tuple[str, list[Any]]] = {}
        numeric = _numeric_features(con, source, params, features, types, bins, limits)
        for feature in features:
            col = DUCKDB.quote(feature)
            cuts = numeric.get(feature)
            if cuts:
                number = (
                    f"CAST({col} AS DOUBLE)"
                    if type_class(types[feature]) == "num"
                    else f"TRY_CAST({col} AS DOUBLE)"
                )
                steps = " + ".join(f"CAST({number} >= ? AS INTEGER)" for _ in cuts)
                level_exprs[feature] = (
                    f"CASE WHEN {number} IS NULL THEN NULL ELSE CAST({steps} AS VARCHAR) END",
                    list(cuts),
                )
            else:
                level_exprs[feature] = (f"CAST({col} AS VARCHAR)", [])
        inner, inner_params = [], []
        for i, feature in enumerate(features):
            expr, p = level_exprs[feature]
            inner.append(f"{expr} AS f{i}")
            inner_params.extend(p)
        for j, attribute in enumerate(attributes):
            inner.append(f"CAST({DUCKDB.quote(attribute)} AS VARCHAR) AS a{j}")
        sets = ", ".join(
            f"(f{i}, a{j})" for i in range(len(features)) for j in range(len(attributes))
        )
        fcols = ", ".join(f"f{i}" for i in range(len(features)))
        acols = ", ".join(f"a{j}" for j in range(len(attributes)))
        grouping = ", ".join(
            [
                *(f"GROUPING(f{i})" for i in range(len(features))),
                *(f"GROUPING(a{j})" for j in range(len(attributes))),
            ]
        )
        query = (
            f"SELECT {fcols}, {acols}, {grouping}, count(*) FROM "
            f"(SELECT {', '.join(inner)} FROM {source}) AS t GROUP BY GROUPING SETS ({sets})"
        )
        rows = run(con, query, inner_params + params, limits)
    if len(rows) > MAX_LEVELS * max(1, len(features) * len(attributes)):
        raise InputError("DATASET_TOO_MANY_LEVELS", "too many distinct feature values to screen")
    nf, na = len(features), len(attributes)
    out: dict[tuple[str, str], dict[tuple[str, str], float]] = {}
    for row in rows:
        flags = row[nf + na : nf + na + nf + na]
        fi = next(i for i in range(nf) if flags[i] == 0)
        aj = next(j for j in range(na) if flags[nf + j] == 0)
        level = MISSING if row[fi] is None else str(row[fi])
        value = MISSING if row[nf + aj] is None else str(row[nf + aj])
        table = out.setdefault((features[fi], attributes[aj]), {})
        table[(level, value)] = table.get((level, value), 0.0) + float(row[-1])
    return out


def _numeric_features(
    con: Any,
    source: str,
    params: list[Any],
    features: tuple[str, ...],
    types: dict[str, str],
    bins: int,
    limits: ScanLimits,
) -> dict[str, list[float]]:
    """Quantile cut points for features that are numeric with more than ``bins`` values."""
    if not features:
        return {}
    parts = []
    for i, feature in enumerate(features):
        col = DUCKDB.quote(feature)
        number = (
            f"CAST({col} AS DOUBLE)"
            if type_class(types[feature]) == "num"
            else f"TRY_CAST({col} AS DOUBLE)"
        )
        probs = "[" + ", ".join(str(round(q / bins, 6)) for q in range(1, bins)) + "]"
        parts.append(
            f"count({col}) AS c{i}, count({number}) AS k{i}, "
            f"approx_count_distinct({col}) AS d{i}, approx_quantile({number}, {probs}) AS q{i}"
        )
    row = run(con, f"SELECT {', '.join(parts)} FROM {source}", params, limits)[0]
    cuts: dict[str, list[float]] = {}
    for i, feature in enumerate(features):
        present, numeric, distinct, quantiles = row[4 * i : 4 * i + 4]
        if present and numeric == present and distinct > bins and quantiles:
            cuts[feature] = sorted({float(q) for q in quantiles if q is not None})
        elif distinct and distinct > MAX_LEVELS:
            raise InputError(
                "DATASET_TOO_MANY_LEVELS",
                f"feature {feature[:60]!r} has about {distinct} distinct text values "
                f"(limit {MAX_LEVELS}): declare it numeric or bin it",
            )
    return cuts
