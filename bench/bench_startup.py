"""Cold-start wall time of `normenkader check` against bare Python start-up.

Every run is a new process. Each command runs N times, interleaved so machine noise hits
all alike, after one warm-up run that lets Python write its bytecode cache and normenkader
its local caches (compiled norm set, roll-up plan, opened bundle), as on the machine of
anyone who ran it before. Printed are the medians and their ratio to `python -c pass`; the
target (issue 2) is under 10x for the warm run.

Also measured, because they are what a first run pays:

* new bundle: the norm-set cache is warm but this bundle was never opened (its YAML is
  parsed and validated: PyYAML and jsonschema-rs are imported; decision data is scanned);
* no cache (``--no-cache-runs``): ``NORMENKADER_NO_CACHE=1``, the whole library is
  validated with pydantic, as on a fresh CI machine without a kept cache folder;
* the engine fingerprint that every cache key includes (hashing the package's files and
  reading the dependency versions), timed inside a fresh interpreter.

    python bench/bench_startup.py [--runs 21] [--bundle evidence/examples/toeslagen]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str], env: dict[str, str], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        completed = subprocess.run(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        samples.append(time.perf_counter() - start)
        if completed.returncode not in (0, 1):
            sys.exit(
                f"command failed ({completed.returncode}): {' '.join(command)}\n"
                f"{completed.stderr.decode()}"
            )
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--bundle", default=str(ROOT / "evidence" / "examples" / "toeslagen"))
    parser.add_argument("--format", default="json")
    parser.add_argument("--norms", default=None, help="norm folder (default: shipped library)")
    parser.add_argument("--no-cache-runs", type=int, default=5, help="runs without any cache")
    args = parser.parse_args()

    executable = shutil.which("normenkader") or str(Path(sys.executable).parent / "normenkader")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE",)}
    env.pop("NORMENKADER_NO_CACHE", None)
    cache = Path(tempfile.mkdtemp(prefix="nk-bench-cache-"))
    env["NORMENKADER_CACHE_DIR"] = str(cache)
    config = Path(tempfile.mkdtemp(prefix="nk-bench-config-"))
    env["XDG_CONFIG_HOME"] = str(config)  # the cache key: made on the warm-up run
    env.pop("NORMENKADER_CACHE_SECRET", None)
    check = [executable, "check", args.bundle, "--format", args.format, "--as-of", "2026-11-29"]
    if args.norms:
        check += ["--norms", args.norms]
    bare = [sys.executable, "-c", "pass"]
    # what a warm check imports before any of our code runs (design section 9); a new
    # bundle adds PyYAML and jsonschema-rs
    floor = [
        sys.executable,
        "-c",
        "import click, hashlib\nfrom normenkader.expressions import cel_module\ncel_module()",
    ]
    timed(check, env, 1)  # warm-up: bytecode and local caches
    timed(bare, env, 1)
    timed(floor, env, 1)
    python_runs: list[float] = []
    floor_runs: list[float] = []
    check_runs: list[float] = []
    new_bundle_runs: list[float] = []
    for _ in range(args.runs):  # interleave so machine noise hits all alike
        python_runs += timed(bare, env, 1)
        floor_runs += timed(floor, env, 1)
        check_runs += timed(check, env, 1)
        for entry in [*cache.glob("bundle-*.json"), *cache.glob("dataset-*.json")]:
            entry.unlink()  # forget the opened bundle and its data (not timed)
        new_bundle_runs += timed(check, env, 1)
    no_cache_runs = timed(check, {**env, "NORMENKADER_NO_CACHE": "1"}, args.no_cache_runs)
    shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(config, ignore_errors=True)
    fingerprint = fingerprint_cost(env, args.runs)
    py = statistics.median(python_runs)
    deps = statistics.median(floor_runs)
    nk = statistics.median(check_runs)
    fresh = statistics.median(new_bundle_runs)
    cold = statistics.median(no_cache_runs) if no_cache_runs else float("nan")
    print(f"runs: {args.runs} each, interleaved; bundle: {args.bundle}; format: {args.format}")
    print(f"python -c pass                 median {py * 1000:8.1f} ms")
    print(f"import of the dependencies     median {deps * 1000:8.1f} ms   ({deps / py:5.2f}x)")
    print(f"normenkader check (warm)       median {nk * 1000:8.1f} ms   ({nk / py:5.2f}x)")
    print(f"check, new bundle              median {fresh * 1000:8.1f} ms   ({fresh / py:5.2f}x)")
    label = f"check, no cache ({len(no_cache_runs)} runs)"
    print(f"{label:30s} median {cold * 1000:8.1f} ms   ({cold / py:5.2f}x)")
    # each round's check and bare start ran back to back: the median of their ratios
    # cancels the slow drifts of a shared machine that move whole runs up or down
    paired = statistics.median(c / p for c, p in zip(check_runs, python_runs, strict=True))
    print(f"ratio check / python           {nk / py:8.2f}x   (of the medians; target < 10x)")
    print(f"ratio check / python, paired   {paired:8.2f}x   (median of the per-round ratios)")
    print(f"ratio check / dependency floor {nk / deps:8.2f}x")
    print(f"engine fingerprint, in process median {fingerprint:6.2f} ms   (part of the warm run)")


#: Times ``cache.fingerprint()`` inside a fresh interpreter (files not yet read by it).
_FINGERPRINT = (
    "import time\n"
    "from normenkader import cache\n"
    "start = time.perf_counter()\n"
    "cache.fingerprint()\n"
    "print(time.perf_counter() - start)\n"
)


def fingerprint_cost(env: dict[str, str], runs: int) -> float:
    """Median milliseconds of the engine fingerprint (package and schema bytes, dependency
    versions), the price every cached run pays for keys that name the code."""
    samples = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", _FINGERPRINT], env=env, capture_output=True, check=True
        )
        samples.append(float(done.stdout) * 1000)
    return statistics.median(samples)


if __name__ == "__main__":
    main()
