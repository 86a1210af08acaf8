"""`normenkader check` at audit scale, against a warm check of a small example bundle.

Cases (issue 12, item 5), each run as real CLI processes:

* big bundle: a copy of the smallest example bundle plus 10,000 small structured evidence
  items (attestation envelopes of about 500 bytes each, 5 MB in all), checked warm with
  ``--max-files 20000``; target under 2 s;
* over --max-files: the same bundle with the default limits (10,000 files): it must be
  refused (TOO_MANY_FILES) before any file is copied or hashed; target well under 0.5 s;
* norm library: 10,000 norms (copies of a shipped norm with new ids), checked warm, and
  checked right after one norm file was edited (a different norm each round); target: the
  edited run under 1.5x the warm library run. The same pair with ``--only`` one norm shows
  the library's load and validation alone (no evaluation of 10,000 norms, no roll-up).

Every case runs N times after one warm-up run (bytecode, cache key, local caches), all with
a private ``NORMENKADER_CACHE_DIR`` and ``XDG_CONFIG_HOME``, and a fixed ``--as-of``.
Printed: the median seconds, the ratio to a warm check of the smallest example bundle
measured in the same run, and the peak resident memory of one more run of each case
(``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` read in a fresh wrapper process).

    python bench/bench_scale.py [--runs 5] [--items 10000] [--norms 10000]
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "evidence" / "examples"
AS_OF = "2026-11-29"
#: The shipped norm that the library copies (one expr check, one evidence input).
TEMPLATE_NORM = ROOT / "norms" / "nk" / "itgc" / "NK.ITGC.04.yaml"


def smallest_example() -> Path:
    """The example bundle with the fewest bytes."""

    def size(folder: Path) -> int:
        return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())

    return min((p for p in EXAMPLES.iterdir() if (p / "bundle.yaml").is_file()), key=size)


def make_big_bundle(base: Path, target: Path, items: int) -> None:
    """``base`` plus attestation envelopes (1,000 per folder) up to ``items`` evidence items
    in all (the manifest schema allows at most 10,000)."""
    import yaml

    shutil.copytree(base, target)
    known = len(yaml.safe_load((base / "bundle.yaml").read_text(encoding="utf-8"))["evidence"])
    lines = []
    for index in range(items - known):
        folder = target / "attestations" / f"{index // 1000:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        payload = base64.b64encode(f"statement {index} ".encode() * 22).decode()
        (folder / f"a{index:05d}.json").write_text(
            '{"payloadType": "application/vnd.in-toto+json", '
            f'"payload": "{payload}", "signatures": [{{"keyid": "k{index}", "sig": "c2ln"}}]}}\n'
        )
        lines.append(
            f"  - {{id: att-{index:05d}, kind: attestation, "
            f'path: attestations/{index // 1000:03d}/a{index:05d}.json, date: "2026-03-01"}}\n'
        )
    with open(target / "bundle.yaml", "a", encoding="utf-8") as handle:
        handle.write("".join(lines))


def norm_id(index: int) -> str:
    return f"NK.SC{index // 100:03d}.{index % 100:02d}"


def make_library(target: Path, norms: int) -> list[Path]:
    """``norms`` copies of ``TEMPLATE_NORM`` with new ids, 100 per set folder."""
    text = TEMPLATE_NORM.read_text(encoding="utf-8")
    original = "id: NK.ITGC.04\n"
    assert text.startswith(original), "the template norm changed; pick another"
    files = []
    for index in range(norms):
        identifier = norm_id(index)
        folder = target / f"sc{index // 100:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{identifier}.yaml"
        path.write_text(f"id: {identifier}\n" + text[len(original) :], encoding="utf-8")
        files.append(path)
    return files


def edit_norm(path: Path, round_: int) -> None:
    """Change one norm's English title (a real edit: the norm's digest changes)."""
    text = path.read_text(encoding="utf-8")
    edited, count = re.subn(
        r'  en: "(\(edit \d+\) )?Access to data and code is logged',
        f'  en: "(edit {round_}) Access to data and code is logged',
        text,
        count=1,
    )
    assert count == 1, path
    path.write_text(edited, encoding="utf-8")


def run(command: list[str], env: dict[str, str], expect: tuple[int, ...]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode not in expect:
        sys.exit(f"exit {done.returncode}: {' '.join(command)}\n{done.stderr.decode()[-2000:]}")
    return elapsed


_PEAK = (
    "import resource, subprocess, sys\n"
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def peak_mib(command: list[str], env: dict[str, str]) -> float:
    """Peak resident memory of one run of ``command`` (its own process tree), MiB."""
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, *command], env=env, capture_output=True, check=True
    )
    return int(done.stdout) / 1024  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--norms", type=int, default=10_000)
    parser.add_argument("--skip-library", action="store_true", help="bundle cases only")
    args = parser.parse_args()

    executable = shutil.which("normenkader") or str(Path(sys.executable).parent / "normenkader")
    work = Path(tempfile.mkdtemp(prefix="nk-bench-scale-"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE",)}
    for name in ("NORMENKADER_NO_CACHE", "NORMENKADER_CACHE_SECRET"):
        env.pop(name, None)
    cache = work / "cache"
    cache.mkdir(mode=0o700)
    config = work / "config"
    config.mkdir(mode=0o700)
    env["NORMENKADER_CACHE_DIR"] = str(cache)
    env["XDG_CONFIG_HOME"] = str(config)
    try:
        base = smallest_example()
        big = work / "big-bundle"
        make_big_bundle(base, big, args.items)
        check = [executable, "check", "--format", "json", "--as-of", AS_OF]
        baseline = [*check, str(base)]
        big_check = [*check, str(big), "--max-files", str(2 * args.items + 100)]
        over = [*check, str(big)]  # default --max-files: 10,000
        cases: list[tuple[str, list[str], tuple[int, ...], Callable[[int], None] | None]] = [
            (f"warm check of {base.name} (baseline)", baseline, (0, 1), None),
            (f"bundle of {args.items} items, warm", big_check, (0, 1), None),
            ("same bundle over --max-files", over, (3,), None),
        ]
        if not args.skip_library:
            library = work / "library"
            files = make_library(library, args.norms)
            lib_check = [*check, str(base), "--norms", str(library)]
            cases.append((f"library of {args.norms} norms, warm", lib_check, (0, 1), None))
            cases.append(
                (
                    "same library, one norm edited",
                    lib_check,
                    (0, 1),
                    lambda round_: edit_norm(files[(round_ * 7919) % len(files)], round_),
                )
            )
            # the same with the evaluation of a single norm: what loading (and, after an
            # edit, validating) the library costs, without evaluating 10,000 norms or
            # building their catalogue roll-up
            only = [*lib_check, "--only", norm_id(0)]
            cases.append((f"library, --only {norm_id(0)}, warm", only, (0, 1), None))
            cases.append(
                (
                    "same, one other norm edited",
                    only,
                    (0, 1),
                    lambda round_: edit_norm(files[1 + (round_ * 7919) % (len(files) - 1)], round_),
                )
            )
        results: list[tuple[str, float, float]] = []
        round_ = 0
        for label, command, expect, before in cases:
            run(command, env, expect)  # warm-up
            samples = []
            for _ in range(args.runs):
                round_ += 1
                if before is not None:
                    before(round_)
                samples.append(run(command, env, expect))
            if before is not None:
                before(round_ + 1000)
            results.append((label, statistics.median(samples), peak_mib(command, env)))
        base_median = results[0][1]
        print(f"runs: {args.runs} each (median), after one warm-up; as-of {AS_OF}")
        print(f"{'case':42s} {'median s':>9s} {'x baseline':>11s} {'peak MiB':>9s}")
        for label, median, peak in results:
            print(f"{label:42s} {median:9.3f} {median / base_median:10.2f}x {peak:9.1f}")
        if not args.skip_library:
            for warm, edited in ((results[3], results[4]), (results[5], results[6])):
                ratio = edited[1] / warm[1]
                print(f"{edited[0]} / {warm[0]}: {ratio:.2f}x (target < 1.5x)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
