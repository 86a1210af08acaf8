"""Catalogue loading and requirement roll-up: cold (strict YAML) vs cached (JSON), and the
roll-up of one example result. Prints medians and the ratio cold/cached, measured in the
same run. Usage: python bench/bench_catalogue.py [repeats]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def median_ms(fn: object, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    os.environ["NORMENKADER_CACHE_DIR"] = tempfile.mkdtemp(prefix="nk-bench-")
    from normenkader.catalogue import model

    folder = ROOT / "norms" / "catalogues"

    def cold() -> None:
        os.environ["NORMENKADER_NO_CACHE"] = "1"
        model._load_all.cache_clear()
        model.load_catalogues(folder)

    def cached() -> None:
        os.environ["NORMENKADER_NO_CACHE"] = ""
        model._load_all.cache_clear()
        model.load_catalogues(folder)

    cached()  # fill the cache
    cold_ms = median_ms(cold, repeats)
    cached_ms = median_ms(cached, repeats)
    print(f"catalogues cold (strict YAML): {cold_ms:.1f} ms")
    print(f"catalogues cached (JSON):      {cached_ms:.1f} ms  (ratio {cold_ms / cached_ms:.1f}x)")

    from datetime import date

    from normenkader.catalogue.rollup import rollup
    from normenkader.engine import Options, evaluate
    from normenkader.evidence.bundle import open_bundle
    from normenkader.evidence.ingest import Limits
    from normenkader.norms.compiled import load_norm_set

    norm_set = load_norm_set(None, profile=None)
    with tempfile.TemporaryDirectory() as staging:
        bundle = open_bundle(ROOT / "evidence" / "examples" / "toeslagen", Limits(), Path(staging))
        options = Options(as_of=date(2026, 11, 29))
        result = evaluate(norm_set, bundle, options)
        total_ms = median_ms(lambda: evaluate(norm_set, bundle, options), repeats)
    rollup_ms = median_ms(lambda: rollup(result, norm_set), repeats)
    print(
        f"evaluate toeslagen example ({len(norm_set.norms)} norms, incl. roll-up): "
        f"{total_ms:.1f} ms"
    )
    print(
        f"roll-up alone: {rollup_ms:.1f} ms ({len(result.requirements)} rows; "
        f"{100 * rollup_ms / total_ms:.0f}% of the evaluation)"
    )


if __name__ == "__main__":
    main()
