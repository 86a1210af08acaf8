"""`normenkader audit run` over many bundles against one `check` process per bundle.

A supervisor's audit evaluates every bundle of the workspace in one process pool, with the
norm set compiled once per worker. The baseline is what a supervisor would do without it:
a shell loop of `normenkader check` processes, one per bundle, with a warm local cache.
Both are measured in the same run on the same N distinct bundles (copies of an example
with their own bundle id, so each has its own digest), interleaved, several times; printed
are the medians, the ratio (target: at least 6x on 2 cores) and peak memory (largest
resident set of any process of each command, from getrusage of the children).

Each repetition of `audit run` starts from a fresh copy of a workspace whose bundles were
received once (`audit add` is not timed: it is intake, done once per bundle in an audit),
so every repetition evaluates every bundle.

    python bench/bench_audit.py [--bundles 100] [--runs 5] [--jobs 2]
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

import yaml

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-29"


def executable() -> str:
    return shutil.which("normenkader") or str(Path(sys.executable).parent / "normenkader")


def run(command: list[str], env: dict[str, str], ok: tuple[int, ...] = (0, 1)) -> float:
    """Run ``command``; its peak resident set in MiB (its own or any of its children's)."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    error = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stderr.close()
    if process.returncode not in ok:
        sys.exit(f"failed ({process.returncode}): {' '.join(command)}\n{error.decode()}")
    return usage.ru_maxrss / 1024


def make_bundles(example: Path, folder: Path, count: int) -> list[Path]:
    bundles = []
    for index in range(count):
        target = folder / f"bundle-{index:04d}"
        shutil.copytree(example, target)
        manifest = target / "bundle.yaml"
        text = manifest.read_text("utf-8")
        value = yaml.safe_load(text)
        old = str(value["bundle"]["id"])
        manifest.write_text(text.replace(old, f"{old}-{index:04d}", 1), "utf-8")
        bundles.append(target)
    return bundles


def make_keys(folder: Path, env: dict[str, str]) -> tuple[Path, Path]:
    made = subprocess.run(
        [
            executable(),
            "keygen",
            str(folder / "supervisor"),
            "--organisation",
            "Bench",
            "--person",
            "Bench Supervisor",
            "--role",
            "supervisor",
            "--valid-from",
            "2026-01-01",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    entry = yaml.safe_load("\n".join(x for x in made.stdout.splitlines() if not x.startswith("#")))
    trusted = folder / "trusted-keys.yaml"
    trusted.write_text(yaml.safe_dump({"keys": entry}), "utf-8")
    return folder / "supervisor.key", trusted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundles", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--example", default=str(ROOT / "evidence" / "examples" / "compliant"))
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="nk-bench-audit-"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.pop("NORMENKADER_NO_CACHE", None)
    cache = work / "cache"
    cache.mkdir(mode=0o700)
    env["NORMENKADER_CACHE_DIR"] = str(cache)
    env["XDG_CONFIG_HOME"] = str(work / "config")
    env.pop("NORMENKADER_CACHE_SECRET", None)
    try:
        bundles = make_bundles(Path(args.example), work, args.bundles)
        key, trusted = make_keys(work, env)
        nk = executable()
        base = work / "ws"
        run(
            [
                nk,
                "audit",
                "init",
                str(base),
                "--name",
                "bench",
                "--trusted-keys",
                str(trusted),
                "--as-of",
                AS_OF,
                "--key",
                str(key),
            ],
            env,
            (0,),
        )
        run([nk, "audit", "add", str(base), *map(str, bundles), "--key", str(key)], env, (0,))
        # warm-up: bytecode, the compiled norm set and each bundle's cache entries
        for bundle in bundles:
            run([nk, "check", str(bundle), "--as-of", AS_OF, "--format", "json"], env)
        loop_times: list[float] = []
        audit_times: list[float] = []
        loop_peak = audit_peak = 0.0
        for repetition in range(args.runs):
            copy = work / f"ws-{repetition}"
            shutil.copytree(base, copy)
            start = time.perf_counter()
            for bundle in bundles:
                peak = run([nk, "check", str(bundle), "--as-of", AS_OF, "--format", "json"], env)
                loop_peak = max(loop_peak, peak)
            loop_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            peak = run(
                [nk, "audit", "run", str(copy), "--jobs", str(args.jobs), "--key", str(key)],
                env,
                (0,),
            )
            audit_times.append(time.perf_counter() - start)
            audit_peak = max(audit_peak, peak)
            shutil.rmtree(copy)
        loop, audit = statistics.median(loop_times), statistics.median(audit_times)
        print(
            f"bundles: {args.bundles} distinct copies of {Path(args.example).name}; "
            f"runs: {args.runs}; jobs: {args.jobs}; cores: {os.cpu_count()}"
        )
        print(
            f"loop of {args.bundles} `check` processes: median {loop:.2f} s "
            f"({1000 * loop / args.bundles:.0f} ms per bundle)"
        )
        print(
            f"`audit run` (one pool):            median {audit:.2f} s "
            f"({1000 * audit / args.bundles:.0f} ms per bundle)"
        )
        print(f"speed-up: {loop / audit:.1f}x (target: at least 6x)")
        print(
            f"peak memory: one `check` {loop_peak:.0f} MiB; `audit run` (largest of the "
            f"parent and its workers) {audit_peak:.0f} MiB"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
