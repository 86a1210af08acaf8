"""Same norms, bundle and as-of date: byte-identical JSON, whatever PYTHONHASHSEED or TZ."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import AS_OF, ENGINE_BUNDLE, ENGINE_NORMS, run_cli


def report(
    env: dict[str, str], bundle: Path = ENGINE_BUNDLE, norms: Path | None = ENGINE_NORMS
) -> str:
    extra = ["--norms", str(norms)] if norms else []
    run = run_cli("check", bundle, *extra, "--as-of", AS_OF, "--format", "json", env=env)
    assert run.code in (0, 1), run.stderr
    return run.stdout


def test_json_is_byte_identical_across_hash_seeds_time_zones_and_locales() -> None:
    outputs = {
        report({"PYTHONHASHSEED": "0", "TZ": "UTC", "LC_ALL": "C"}),
        report({"PYTHONHASHSEED": "1", "TZ": "Pacific/Kiritimati", "LC_ALL": "C.UTF-8"}),
        report({"PYTHONHASHSEED": "12345", "TZ": "America/Anchorage", "NORMENKADER_NO_CACHE": "1"}),
    }
    assert len(outputs) == 1
    data = json.loads(outputs.pop())
    assert data["as_of"] == AS_OF
    assert data["norm_set"]["digest"].startswith("sha256:")
    assert data["bundle"]["digest"].startswith("sha256:")
    assert [f["norm_id"] for f in data["findings"]] == sorted(
        f["norm_id"] for f in data["findings"]
    )


def test_bundle_digest_ignores_location_and_changes_with_content(tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "elsewhere"
    shutil.copytree(ENGINE_BUNDLE, copy)
    first = json.loads(report({}))["bundle"]["digest"]
    assert json.loads(report({}, copy))["bundle"]["digest"] == first
    (copy / "docs" / "dictionary.md").write_text("# changed\n")
    assert json.loads(report({}, copy))["bundle"]["digest"] != first


def test_norm_set_digest_is_independent_of_the_cache(tmp_path: Path) -> None:
    cached = json.loads(report({}))["norm_set"]["digest"]
    fresh = json.loads(report({"NORMENKADER_NO_CACHE": "1"}))["norm_set"]["digest"]
    assert cached == fresh


def test_warm_and_cold_norm_cache_give_the_same_bytes(tmp_path: Path) -> None:
    """The compiled-norm cache must not change a single byte of the report."""
    from conftest import EXAMPLES

    example = EXAMPLES / "compliant"
    env = {"NORMENKADER_CACHE_DIR": str(tmp_path / "cache")}
    cold = report(env, example, norms=None)
    warm = report(env, example, norms=None)
    uncached = report({"NORMENKADER_NO_CACHE": "1"}, example, norms=None)
    assert cold == warm == uncached


def test_engine_fingerprint_depends_on_content_only(tmp_path: Path) -> None:
    """The fingerprint in every cache key: the same whatever the hash seed, working folder
    or place of the package; another one when a single byte of the code changes."""
    import os
    import shutil
    import subprocess
    import sys

    from conftest import ROOT

    def fingerprint(package_root: Path, cwd: Path, seed: str) -> str:
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(package_root / "engine"))
        code = "from normenkader import cache; print(cache.fingerprint())"
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    copy = tmp_path / "copy"
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "engine" / "normenkader", copy / "engine" / "normenkader", ignore=ignore)
    shutil.copytree(ROOT / "evidence" / "schemas", copy / "evidence" / "schemas")
    (copy / "norms").mkdir()
    first = fingerprint(copy, tmp_path, "0")
    assert fingerprint(copy, copy, "12345") == first
    moved = tmp_path / "elsewhere" / "copy"
    shutil.copytree(copy, moved)
    assert fingerprint(moved, tmp_path, "1") == first
    results = moved / "engine" / "normenkader" / "results.py"
    results.write_bytes(results.read_bytes() + b"\n")
    assert fingerprint(moved, tmp_path, "1") != first
