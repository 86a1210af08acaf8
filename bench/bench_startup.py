"""Cold-start wall time of `normenkader check` against bare Python start-up.

Runs each command N times (after one warm-up run that lets Python write its bytecode
cache and normenkader its compiled norm-set cache, as on any user's machine) and prints
the medians and their ratio. The target (issue 2) is under 10x bare `python -c pass`.

    python bench/bench_startup.py [--runs 21] [--bundle evidence/examples/compliant]
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
    parser.add_argument("--bundle", default=str(ROOT / "evidence" / "examples" / "compliant"))
    parser.add_argument("--format", default="json")
    parser.add_argument("--norms", default=None, help="norm folder (default: shipped library)")
    args = parser.parse_args()

    executable = shutil.which("normenkader") or str(Path(sys.executable).parent / "normenkader")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cache = tempfile.mkdtemp(prefix="nk-bench-cache-")
    env["NORMENKADER_CACHE_DIR"] = cache
    check = [executable, "check", args.bundle, "--format", args.format, "--as-of", "2026-11-29"]
    if args.norms:
        check += ["--norms", args.norms]
    bare = [sys.executable, "-c", "pass"]
    # what the chosen dependencies cost before any of our code runs (design section 9)
    floor = [
        sys.executable,
        "-c",
        "import click, yaml, jsonschema_rs, tempfile, hashlib\n"
        "from normenkader.expressions import cel_module\ncel_module()",
    ]
    timed(check, env, 1)  # warm-up: bytecode and norm-set caches
    timed(bare, env, 1)
    timed(floor, env, 1)
    python_runs: list[float] = []
    floor_runs: list[float] = []
    check_runs: list[float] = []
    for _ in range(args.runs):  # interleave so machine noise hits all alike
        python_runs += timed(bare, env, 1)
        floor_runs += timed(floor, env, 1)
        check_runs += timed(check, env, 1)
    shutil.rmtree(cache, ignore_errors=True)
    py = statistics.median(python_runs)
    deps = statistics.median(floor_runs)
    nk = statistics.median(check_runs)
    print(f"runs: {args.runs} each, interleaved; bundle: {args.bundle}; format: {args.format}")
    print(f"python -c pass                 median {py * 1000:8.1f} ms")
    print(f"import of the dependencies     median {deps * 1000:8.1f} ms   ({deps / py:5.2f}x)")
    print(f"normenkader check              median {nk * 1000:8.1f} ms")
    print(f"ratio check / python           {nk / py:8.2f}x   (target < 10x)")
    print(f"ratio check / dependency floor {nk / deps:8.2f}x")


if __name__ == "__main__":
    main()
