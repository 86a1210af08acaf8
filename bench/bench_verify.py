"""Benchmark: verifying a sealed bag vs ``sha256sum -c`` over the same files.

Builds a sealed BagIt bag of about --size-mib MiB (a few big random files plus a small
bundle.yaml) in a temporary folder, warms the page cache, then prints the median of
--runs runs of:

* ``stage()`` (our closed-world verify: walk without following links, copy each file once
  into staging while hashing it, check manifests, tag manifest and Payload-Oxum);
* ``normenkader validate`` as a fresh process (start-up, staging, manifest schema);
* ``sha256sum -c manifest-sha256.txt`` in the bag (the baseline);

and the ratios against the baseline (target: verify under 1.3x). Use ``--zip`` to also
time the sealed .zip form (inflate + hash + copy).

    python bench/bench_verify.py                 # quick: 256 MiB
    python bench/bench_verify.py --size-mib 1024 # the figure for the closing note
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

BUNDLE_YAML = b"""bundle: {id: bench-001, organisation: "Gemeente Bench", submitted: "2026-11-20"}
system: {name: "Bench"}
profile: {processes_personal_data: true}
evidence: []
"""


def build_bag(root: Path, size_mib: int, files: int) -> int:
    """Write a valid sealed bag by hand; return the payload size in bytes."""
    data = root / "data"
    (data / "blobs").mkdir(parents=True)
    payload = {"bundle.yaml": BUNDLE_YAML}
    per_file = (size_mib << 20) // files
    block = os.urandom(1 << 20)
    lines = [f"{hashlib.sha256(BUNDLE_YAML).hexdigest()}  data/bundle.yaml\n"]
    (data / "bundle.yaml").write_bytes(BUNDLE_YAML)
    total = len(BUNDLE_YAML)
    for index in range(files):
        name = f"blobs/part-{index:03d}.bin"
        digest = hashlib.sha256()
        with (data / name).open("wb") as out:
            written = 0
            while written < per_file:
                chunk = hashlib.sha256(
                    block[:64] + index.to_bytes(4, "big") + written.to_bytes(8, "big")
                ).digest()
                piece = chunk + block[len(chunk) : min(len(block), per_file - written)]
                out.write(piece)
                digest.update(piece)
                written += len(piece)
        lines.append(f"{digest.hexdigest()}  data/{name}\n")
        payload[name] = b""
        total += written
    tags = {
        "bagit.txt": b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
        "bag-info.txt": f"Payload-Oxum: {total}.{files + 1}\n".encode(),
        "manifest-sha256.txt": "".join(
            sorted(lines, key=lambda line: line.split("  ", 1)[1])
        ).encode(),
    }
    for name, content in tags.items():
        (root / name).write_bytes(content)
    (root / "tagmanifest-sha256.txt").write_text(
        "".join(f"{hashlib.sha256(c).hexdigest()}  {n}\n" for n, c in sorted(tags.items()))
    )
    return total


def median_seconds(action: Callable[[], object], runs: int) -> float:
    action()  # warm-up: page cache, imports
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--size-mib", type=int, default=256, help="payload size (default 256; 1024 = 1 GiB)"
    )
    parser.add_argument("--files", type=int, default=8, help="number of payload files (default 8)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per tool (default 5)")
    parser.add_argument("--zip", action="store_true", help="also time the sealed .zip form")
    parser.add_argument(
        "--dir", type=Path, default=None, help="where to build (default: a temp folder)"
    )
    args = parser.parse_args()

    from normenkader.evidence.bag import seal_bundle
    from normenkader.evidence.ingest import Limits, stage

    sha256sum = shutil.which("sha256sum")
    if sha256sum is None:
        sys.exit("sha256sum not found")
    with tempfile.TemporaryDirectory(prefix="bench-verify-", dir=args.dir) as scratch:
        root = Path(scratch)
        bag = root / "bag"
        total = build_bag(bag, args.size_mib, args.files)
        limits = Limits(max_file_bytes=64 << 30, max_total_bytes=64 << 30)
        print(
            f"bag: {total / (1 << 20):.0f} MiB in {args.files + 1} payload files;"
            f" {args.runs} runs, median"
        )

        def ours(source: Path) -> Callable[[], object]:
            def run() -> None:
                work = Path(tempfile.mkdtemp(dir=root, prefix="stage-"))
                try:
                    stage(source, limits, work)
                finally:
                    shutil.rmtree(work)

            return run

        def baseline() -> None:
            subprocess.run([sha256sum, "--quiet", "-c", "manifest-sha256.txt"], cwd=bag, check=True)

        def cli(source: Path) -> Callable[[], object]:
            def run() -> None:
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "normenkader",
                        "validate",
                        str(source),
                        "--max-file-size",
                        str(64 << 30),
                        "--max-total-size",
                        str(64 << 30),
                    ],
                    check=True,
                    stdout=subprocess.DEVNULL,
                    env=dict(os.environ, TMPDIR=str(root)),
                )

            return run

        base = median_seconds(baseline, args.runs)
        rows = [("sha256sum -c manifest-sha256.txt", base)]
        rows.append(("normenkader stage() (bag folder)", median_seconds(ours(bag), args.runs)))
        rows.append(("normenkader validate (bag folder, CLI)", median_seconds(cli(bag), args.runs)))
        if args.zip:
            work = root / "seal-work"
            work.mkdir()
            archive = seal_bundle(bag, root / "bag.zip", limits, work).output
            shutil.rmtree(work)
            rows.append(
                ("normenkader stage() (sealed .zip)", median_seconds(ours(archive), args.runs))
            )
        mib = total / (1 << 20)
        for name, seconds in rows:
            print(
                f"{name:42s} {seconds:7.3f} s  {mib / seconds:7.0f} MiB/s"
                f"  ratio {seconds / base:5.2f}x"
            )
        print(f"target: verify under 1.3x sha256sum; measured {rows[1][1] / base:.2f}x")


if __name__ == "__main__":
    main()
