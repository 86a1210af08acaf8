"""The local cache makes runs faster and never changes what they report.

Every test runs the real CLI or the real library in fresh interpreters against a private
cache folder; entries are real files that the tests corrupt, outdate or count.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import AS_OF, ENGINE_BUNDLE, ENGINE_NORMS, EXAMPLES, edit_yaml, run_cli


def _check(bundle: Path, cache: Path, *extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    run = run_cli(
        "check",
        bundle,
        "--norms",
        ENGINE_NORMS,
        "--as-of",
        AS_OF,
        "--format",
        "json",
        *extra,
        env={"NORMENKADER_CACHE_DIR": str(cache)},
    )
    assert run.code in (0, 1, 2), run.stderr  # 2: some finding is an error
    return run.code, json.loads(run.stdout)


def _finding(report: dict, norm_id: str) -> dict:  # type: ignore[type-arg]
    return next(f for f in report["findings"] if f["norm_id"] == norm_id)


HEAVY = ("yaml", "jsonschema_rs", "pydantic", "networkx", "rich", "jinja2", "duckdb")
_REPORT_IMPORTS = (
    "import sys\n"
    "from normenkader.cli import main\n"
    "try:\n"
    "    main()\n"
    "except SystemExit:\n"
    "    pass\n"
    f"sys.stderr.write('HEAVY=' + ','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
)


def _check_in_process(bundle: Path, cache: Path) -> tuple[str, set[str]]:
    """The JSON report of a real ``check`` run, and which heavy modules it imported."""
    env = dict(os.environ, NORMENKADER_CACHE_DIR=str(cache), NORMENKADER_NO_CACHE="")
    argv = ["check", str(bundle), "--as-of", AS_OF, "--format", "json"]
    done = subprocess.run(
        [sys.executable, "-c", _REPORT_IMPORTS, *argv], capture_output=True, text=True, env=env
    )
    loaded = done.stderr.rsplit("HEAVY=", 1)[1]
    return done.stdout, set(loaded.split(",")) - {""}


@pytest.mark.parametrize("example", ["toeslagen", "compliant", "fsv", "selectie-bias"])
def test_cold_warm_and_uncached_runs_give_the_same_bytes(tmp_path: Path, example: str) -> None:
    """Norm set, roll-up plan and opened bundle all come from the cache on the warm run."""
    env = {"NORMENKADER_CACHE_DIR": str(tmp_path / "cache")}
    args = ("check", EXAMPLES / example, "--as-of", AS_OF, "--format", "json")
    cold = run_cli(*args, env=env)
    families = {entry.name.split("-")[0] for entry in (tmp_path / "cache").iterdir()}
    warm = run_cli(*args, env=env)
    uncached = run_cli(*args, env={"NORMENKADER_NO_CACHE": "1"})
    assert cold.code == warm.code == uncached.code
    assert cold.stdout == warm.stdout == uncached.stdout
    assert {"normset", "bundle", "rollup", "conditions"} <= families


def test_a_warm_run_imports_no_yaml_parser_or_schema_validator(tmp_path: Path) -> None:
    """The point of the bundle cache: an unchanged bundle is not parsed or validated again."""
    first, loaded = _check_in_process(EXAMPLES / "toeslagen", tmp_path / "cache")
    assert "yaml" in loaded  # the first run parses bundle.yaml
    second, loaded_again = _check_in_process(EXAMPLES / "toeslagen", tmp_path / "cache")
    assert (second, loaded_again) == (first, set())


def test_changed_evidence_is_read_afresh(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(ENGINE_BUNDLE, bundle)
    cache = tmp_path / "cache"
    _, before = _check(bundle, cache)
    _, again = _check(bundle, cache)
    assert _finding(again, "TST.A.01")["status"] == _finding(before, "TST.A.01")["status"]
    assert _finding(before, "TST.A.01")["status"] == "pass"
    card = bundle / "model" / "model_card.yaml"
    card.write_text(
        card.read_text("utf-8").replace(
            "household_size, protected_ground: none", "nationality, protected_ground: nationality"
        )
    )
    _, changed = _check(bundle, cache)
    assert _finding(changed, "TST.A.01")["status"] == "fail"
    card.write_text("name: [unclosed\n", "utf-8")
    for _ in range(2):  # an invalid item is cached with its problem, and reported alike
        _, broken = _check(bundle, cache)
        finding = _finding(broken, "TST.A.01")
        assert (finding["status"], finding["reason"]) == ("missing", "evidence_invalid")
        assert "model/model_card.yaml" in finding["message"]["en"]


def test_corrupt_or_foreign_entries_are_misses(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _, first = _check(ENGINE_BUNDLE, cache)
    entries = sorted(cache.glob("*.json"))
    assert entries
    for index, entry in enumerate(entries):
        garbage = [b"", b"{not json", b'{"format": "other", "key": "x", "value": 1}', b"[]"]
        entry.write_bytes(garbage[index % len(garbage)])
    _, second = _check(ENGINE_BUNDLE, cache)
    assert second == first


def test_no_cache_flag_reads_and_writes_nothing(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _, report = _check(ENGINE_BUNDLE, cache, "--no-cache")
    assert not cache.exists() or not any(cache.iterdir())
    _, cached = _check(ENGINE_BUNDLE, cache)
    assert report == cached


def test_cache_folder_is_private_and_bounded(tmp_path: Path) -> None:
    """Each family keeps its newest entries only; the folder is the user's alone."""
    script = (
        "from normenkader import cache\n"
        "for n in range(cache.KEEP['bundle'] + 10):\n"
        "    cache.write('bundle', 'f/1', cache.make_key('f/1', [str(n)]), {'n': n})\n"
        "last = cache.make_key('f/1', [str(cache.KEEP['bundle'] + 9)])\n"
        "print(cache.read('bundle', 'f/1', last)['n'], cache.KEEP['bundle'])\n"
    )
    folder = tmp_path / "cache"
    env = dict(os.environ, NORMENKADER_CACHE_DIR=str(folder), NORMENKADER_NO_CACHE="")
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    last, keep = map(int, done.stdout.split())
    assert last == keep + 9
    assert len(list(folder.glob("bundle-*.json"))) == keep
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in folder.iterdir())


def test_an_unwritable_cache_folder_does_not_break_a_run(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    _, report = _check(ENGINE_BUNDLE, blocked / "cache")
    _, uncached = _check(ENGINE_BUNDLE, tmp_path / "other", "--no-cache")
    assert report == uncached


def test_a_cache_folder_others_may_write_is_not_used(tmp_path: Path) -> None:
    """On a shared machine another account must not be able to plant an entry."""
    shared = tmp_path / "shared-cache"
    shared.mkdir()
    shared.chmod(0o777)
    _, report = _check(ENGINE_BUNDLE, shared)
    assert list(shared.iterdir()) == []  # nothing written
    _, again = _check(ENGINE_BUNDLE, shared)
    assert again == report
    shared.chmod(0o700)
    _check(ENGINE_BUNDLE, shared)
    assert any(shared.iterdir())  # the user's own private folder is used


def test_dataset_counts_are_cached_by_content(tmp_path: Path) -> None:
    """A warm run on unchanged decision data neither imports DuckDB nor scans the file; a
    changed file is scanned afresh; a corrupt entry is scanned again."""
    bundle = tmp_path / "bundle"
    shutil.copytree(EXAMPLES / "selectie-bias", bundle)
    cache = tmp_path / "cache"

    def run() -> tuple[str, bool]:
        report, loaded = _check_in_process(bundle, cache)
        return report, "duckdb" in loaded

    first, scanned = run()
    assert scanned
    second, scanned_again = run()
    assert (second, scanned_again) == (first, False)
    for entry in cache.glob("dataset-*.json"):  # right key, value of the wrong shape
        data = json.loads(entry.read_text("utf-8"))
        data["value"] = [1, 2] if isinstance(data["value"], dict) else {"cells": 1}
        entry.write_text(json.dumps(data), "utf-8")
    assert run() == (first, True)
    decisions = bundle / "data" / "decisions.csv"
    lines = decisions.read_text("utf-8").splitlines(keepends=True)
    decisions.write_text("".join(lines[:4001]), "utf-8")  # a different sample
    changed, scanned = run()
    assert scanned and changed != first
    args = ("check", bundle, "--as-of", AS_OF, "--format", "json")
    uncached = run_cli(*args, env={"NORMENKADER_NO_CACHE": "1"})
    assert uncached.stdout == changed


def test_conditions_are_kept_per_facts_and_as_of_date(tmp_path: Path) -> None:
    """``applies_if`` values (errors included) are cached under the facts they can see."""
    bundle = tmp_path / "bundle"
    shutil.copytree(ENGINE_BUNDLE, bundle)
    cache = tmp_path / "cache"
    edit_yaml(bundle / "bundle.yaml", lambda d: d["profile"].pop("automated_selection"))
    reports = [_check(bundle, cache)[1] for _ in range(2)]
    assert reports[0] == reports[1]
    assert list(cache.glob("conditions-*.json"))
    finding = _finding(reports[1], "TST.A.03")
    assert finding["status"] == "error" and "declare the facts" in finding["message"]["en"]
    edit_yaml(bundle / "bundle.yaml", lambda d: d["profile"].update(automated_selection=False))
    assert _finding(_check(bundle, cache)[1], "TST.A.03")["status"] == "not_applicable"
    edit_yaml(bundle / "bundle.yaml", lambda d: d["profile"].update(automated_selection=True))
    assert _finding(_check(bundle, cache)[1], "TST.A.03")["status"] != "not_applicable"
