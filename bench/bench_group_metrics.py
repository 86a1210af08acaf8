"""Per-group fairness metrics on a large decisions dataset, against a bare DuckDB scan.

Generates a Parquet file (five nationality groups x a three-level age band, a selection
flag and a known outcome; one cell without positives, where FNR is undefined), then runs
each contender in its own subprocess, several times, and prints side by side the median
wall time of the work (imports excluded), its ratio to DuckDB's bare scan of the needed
columns, and the peak memory (max RSS) of the process:

* duckdb-scan   bare scan of the four columns (min/bool_or: every value is read)
* duckdb-groupby  plain ``GROUP BY`` of the four columns with ``count(*)`` (the floor of
                any group-count approach)
* normenkader   ``compute_counts`` in the sandboxed connection + every metric and interval
* aequitas      ``Group().get_crosstabs`` (when installed)
* fairlearn     ``MetricFrame`` with selection rate, FPR, FNR, precision (when installed)

and checks that all give the same per-group counts and rates (undefined stays undefined).
Targets (issue 5): normenkader within 1.5x of the bare scan and under 300 MB at 10M rows.

    python bench/bench_group_metrics.py [--rows 10000000] [--repeats 5] [--data DIR]
    python bench/bench_group_metrics.py --rows 100000000 --repeats 3
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GROUPS = ["NL", "TR", "MA", "SR", "EU"]
AGES = ["18-34", "35-54", "55+"]


def generate(path: Path, rows: int) -> None:
    """Deterministic synthetic data, written by DuckDB (no numpy needed)."""
    import duckdb

    con = duckdb.connect()
    con.execute(
        f"""
        COPY (
          SELECT
            {GROUPS}[1 + gi] AS nationality_group,
            {AGES}[1 + ai] AS age_band,
            u < CASE WHEN gi = 1 THEN 0.20 ELSE 0.08 END AS flagged,
            CASE WHEN gi = 4 AND ai = 2 THEN false
                 ELSE v < CASE WHEN u < 0.1 THEN 0.5 ELSE 0.05 END
            END AS fraud_confirmed
          FROM (
            SELECT CAST(hash(i * 3 + 1) % 5 AS BIGINT) AS gi,
                   CAST(hash(i * 5 + 2) % 3 AS BIGINT) AS ai,
                   (hash(i) % 10000) / 10000.0 AS u, (hash(i * 31 + 7) % 10000) / 10000.0 AS v
            FROM range({rows}) AS t(i)
          )
        ) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 122880)
        """
    )
    con.close()


WORKER = r"""
import json, resource, statistics, sys, time
from pathlib import Path
name, path, repeats = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
COLS = ["nationality_group", "age_band", "flagged", "fraud_confirmed"]

def run():
    if name == "duckdb-scan":
        import duckdb
        con = duckdb.connect(config={"threads": 2})
        con.execute("SET enable_progress_bar = false")
        def work():
            # min/bool_or make DuckDB read every value (count() is answered from metadata)
            return con.execute(
                "SELECT min(nationality_group), min(age_band), bool_or(flagged), "
                "bool_or(fraud_confirmed) FROM read_parquet(?)", [str(path)]).fetchall()
        def result(_):
            rows = con.execute(
                "SELECT nationality_group, age_band, count(*), count(*) FILTER (WHERE flagged), "
                "count(*) FILTER (WHERE flagged AND fraud_confirmed), "
                "count(*) FILTER (WHERE flagged AND NOT fraud_confirmed), "
                "count(*) FILTER (WHERE NOT flagged AND NOT fraud_confirmed), "
                "count(*) FILTER (WHERE NOT flagged AND fraud_confirmed) "
                "FROM read_parquet(?) GROUP BY ALL", [str(path)]).fetchall()
            return {f"{g}|{a}": list(map(int, r)) for g, a, *r in rows}
        return work, result
    if name == "duckdb-groupby":
        import duckdb
        con = duckdb.connect(config={"threads": 2})
        con.execute("SET enable_progress_bar = false")
        def work():
            return con.execute(
                "SELECT nationality_group, age_band, flagged, fraud_confirmed, count(*) "
                "FROM read_parquet(?) GROUP BY ALL", [str(path)]).fetchall()
        def result(rows):
            return len(rows)
        return work, result
    if name == "normenkader":
        from normenkader.datasets.duck import compute_counts
        from normenkader.datasets.metrics import DEFAULT_BANDS, METRICS, Settings, evaluate
        from normenkader.datasets.spec import dataset_spec
        spec = dataset_spec({"columns": {"group": ["nationality_group", "age_band"],
                             "selected": "flagged", "outcome": "fraud_confirmed"},
                             "dataset": {"format": "parquet"}})
        def work():
            table = compute_counts(path, spec)
            settings = Settings(metrics=METRICS, bands=dict(DEFAULT_BANDS),
                                groupings=(("nationality_group",), ("age_band",),
                                           ("nationality_group", "age_band")))
            return table, evaluate(table, settings)
        def result(out):
            table, report = out
            cells = {f"{k[0]}|{k[1]}": [int(c.n), int(c.sel), int(c.tp), int(c.fp), int(c.tn),
                     int(c.fn)] for k, c in table.cells.items()}
            return cells
        return work, result
    if name == "aequitas":
        import pandas as pd
        from aequitas.group import Group
        def work():
            df = pd.read_parquet(path, columns=COLS)
            df = df.assign(score=df.flagged.astype(int), label_value=df.fraud_confirmed.astype(int),
                           cell=df.nationality_group + "|" + df.age_band)
            xtab, _ = Group().get_crosstabs(df[["score", "label_value", "cell"]])
            return xtab
        def result(xtab):
            return {r.attribute_value: [int(r.group_size), int(r.pp), int(r.tp), int(r.fp),
                    int(r.tn), int(r.fn)] for r in xtab.itertuples()}
        return work, result
    if name == "fairlearn":
        import pandas as pd
        from fairlearn.metrics import (MetricFrame, count, false_negative_rate,
                                       false_positive_rate, selection_rate)
        from sklearn.metrics import precision_score
        def work():
            df = pd.read_parquet(path, columns=COLS)
            return MetricFrame(
                metrics={"n": count, "selection_rate": selection_rate,
                         "fpr": false_positive_rate, "fnr": false_negative_rate,
                         "precision": lambda y, p: precision_score(y, p, zero_division=0)},
                y_true=df.fraud_confirmed.astype(int), y_pred=df.flagged.astype(int),
                sensitive_features=df[["nationality_group", "age_band"]])
        def result(frame):
            return {f"{g}|{a}": {"n": int(r["n"]), "fnr": float(r["fnr"])}
                    for (g, a), r in frame.by_group.iterrows()}
        return work, result
    raise SystemExit(f"unknown contender {name}")

work, result = run()
times = []
out = None
for _ in range(repeats):
    start = time.perf_counter()
    out = work()
    times.append(time.perf_counter() - start)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"median_s": statistics.median(times), "peak_mb": peak, "result": result(out)}))
"""


def contend(name: str, path: Path, repeats: int) -> dict[str, object] | None:
    proc = subprocess.run(
        [sys.executable, "-c", WORKER, name, str(path), str(repeats)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        print(f"  {name}: failed: {proc.stderr.strip().splitlines()[-1:]}")
        return None
    line = [text for text in proc.stdout.splitlines() if text.startswith("{")][-1]
    return json.loads(line)  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "nk-bench")
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    path = args.data / f"decisions-{args.rows}.parquet"
    if not path.exists():
        start = time.perf_counter()
        generate(path, args.rows)
        print(
            f"generated {path} ({path.stat().st_size / 1e6:.0f} MB) in "
            f"{time.perf_counter() - start:.1f} s"
        )
    contenders = ["duckdb-scan", "duckdb-groupby", "normenkader"]
    for optional in ("aequitas", "fairlearn"):
        if importlib.util.find_spec(optional) is None:
            print(f"  {optional}: not installed, skipped")
        else:
            contenders.append(optional)
    results = {}
    for name in contenders:
        out = contend(name, path, args.repeats if name not in ("fairlearn",) else 1)
        if out is not None:
            results[name] = out
    base = results["duckdb-scan"]["median_s"]  # type: ignore[index]
    print(f"\n{args.rows:,} rows, {args.repeats} repeats, median of the work (imports excluded)")
    print(f"{'contender':<16}{'median s':>10}{'x scan':>9}{'peak MB':>10}")
    for name, out in results.items():
        median = float(out["median_s"])  # type: ignore[arg-type]
        peak_mb = float(out["peak_mb"])  # type: ignore[arg-type]
        print(f"{name:<16}{median:>10.3f}{median / base:>9.2f}{peak_mb:>10.0f}")
    truth = results["duckdb-scan"]["result"]
    ours = results["normenkader"]["result"]
    print(f"\nnormenkader counts equal plain DuckDB GROUP BY: {ours == truth}")
    if "aequitas" in results:
        print(f"aequitas counts equal: {results['aequitas']['result'] == truth}")
    if "fairlearn" in results:
        fl = results["fairlearn"]["result"]
        same_n = all(fl[k]["n"] == v[0] for k, v in truth.items())  # type: ignore[index]
        undefined = [k for k, v in truth.items() if v[2] + v[5] == 0]  # type: ignore[index]
        print(
            f"fairlearn group sizes equal: {same_n}; FNR where undefined (no positives): "
            + ", ".join(f"{k}={fl[k]['fnr']}" for k in undefined)
        )  # type: ignore[index]
    undefined = [k for k, v in truth.items() if v[2] + v[5] == 0]  # type: ignore[index]
    print(f"cells without positives (FNR undefined, reported as null by normenkader): {undefined}")
    ratio = float(results["normenkader"]["median_s"]) / base  # type: ignore[arg-type]
    peak = float(results["normenkader"]["peak_mb"])  # type: ignore[arg-type]
    print(
        f"targets: within 1.5x of the bare scan: {ratio:.2f}x "
        f"{'ok' if ratio <= 1.5 else 'MISSED'}; peak under 300 MB: {peak:.0f} MB "
        f"{'ok' if peak < 300 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
