"""The local cache makes runs faster and never changes what they report.

Every test runs the real CLI or the real library in fresh interpreters against a private
cache folder; entries are real files that the tests corrupt, outdate or count.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import AS_OF, ENGINE_BUNDLE, ENGINE_NORMS, EXAMPLES, ROOT, edit_yaml, run_cli

MAGIC = b"normenkader-cache/2 "


@pytest.fixture(autouse=True)
def _private_key_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every run of this module keeps its cache key in a folder of its own."""
    home = tmp_path / "config-home"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.delenv("NORMENKADER_CACHE_SECRET", raising=False)
    return home


def _key_file() -> Path:
    return Path(os.environ["XDG_CONFIG_HOME"]) / "normenkader" / "cache.key"


def _resign(entry: Path, change: Callable[[dict], dict]) -> None:  # type: ignore[type-arg]
    """Rewrite an entry's payload and authenticate it with this user's key, as the
    engine itself would: a value of the wrong shape that *is* authentic."""
    head, _, payload = entry.read_bytes().partition(b"\n")
    assert head.startswith(MAGIC)
    family, key = entry.stem.split("-", 1)
    data = json.dumps(change(json.loads(payload))).encode()
    secret = bytes.fromhex(_key_file().read_text("ascii").strip())
    mac = hmac.new(secret, f"{family}\0{key}\0".encode() + data, hashlib.sha256)
    entry.write_bytes(MAGIC + mac.hexdigest().encode() + b"\n" + data)


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
    assert {"normset", "bundle", "rollup", "catalogues"} <= families


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

    def wrong_shape(data: dict) -> dict:  # type: ignore[type-arg]
        data["value"] = [1, 2] if isinstance(data["value"], dict) else {"cells": 1}
        return data

    for entry in cache.glob("dataset-*.json"):  # right key and MAC, value of the wrong shape
        _resign(entry, wrong_shape)
    assert run() == (first, True)
    decisions = bundle / "data" / "decisions.csv"
    lines = decisions.read_text("utf-8").splitlines(keepends=True)
    decisions.write_text("".join(lines[:4001]), "utf-8")  # a different sample
    changed, scanned = run()
    assert scanned and changed != first
    args = ("check", bundle, "--as-of", AS_OF, "--format", "json")
    uncached = run_cli(*args, env={"NORMENKADER_NO_CACHE": "1"})
    assert uncached.stdout == changed


def test_applies_if_follows_the_facts_on_warm_runs(tmp_path: Path) -> None:
    """``applies_if`` values (errors included) are not cached: a changed fact is seen."""
    bundle = tmp_path / "bundle"
    shutil.copytree(ENGINE_BUNDLE, bundle)
    cache = tmp_path / "cache"
    edit_yaml(bundle / "bundle.yaml", lambda d: d["profile"].pop("automated_selection"))
    reports = [_check(bundle, cache)[1] for _ in range(2)]
    assert reports[0] == reports[1]
    assert not list(cache.glob("conditions-*.json"))
    finding = _finding(reports[1], "TST.A.03")
    assert finding["status"] == "error" and "declare the facts" in finding["message"]["en"]
    edit_yaml(bundle / "bundle.yaml", lambda d: d["profile"].update(automated_selection=False))
    assert _finding(_check(bundle, cache)[1], "TST.A.03")["status"] == "not_applicable"
    edit_yaml(bundle / "bundle.yaml", lambda d: d["profile"].update(automated_selection=True))
    assert _finding(_check(bundle, cache)[1], "TST.A.03")["status"] != "not_applicable"


# --- a cache that can never change a verdict -------------------------------------------------


def _engine_copy(target: Path) -> Path:
    """A private copy of the package with its data and the toeslagen example, run from
    source (PYTHONPATH), so that the tests can edit code, schemas and catalogues."""
    shutil.copytree(
        ROOT / "engine" / "normenkader",
        target / "engine" / "normenkader",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copytree(ROOT / "norms", target / "norms")
    shutil.copytree(ROOT / "evidence" / "schemas", target / "evidence" / "schemas")
    shutil.copytree(EXAMPLES / "toeslagen", target / "bundle")
    (target / "cache").mkdir(mode=0o700)
    (target / "site").mkdir()
    return target


def _copy_env(copy: Path) -> dict[str, str]:
    env = dict(os.environ, NORMENKADER_CACHE_DIR=str(copy / "cache"), NORMENKADER_NO_CACHE="")
    # fake distributions first, then the copied package, then the real environment
    env["PYTHONPATH"] = os.pathsep.join([str(copy / "site"), str(copy / "engine")])
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _run_copy(copy: Path, *extra: str) -> tuple[int, str, str]:
    command = [sys.executable, "-m", "normenkader", "check", "bundle", "--as-of", AS_OF]
    command += ["--format", "json", *extra]
    done = subprocess.run(
        command, cwd=copy, env=_copy_env(copy), capture_output=True, text=True, timeout=180
    )
    assert done.returncode != 4, done.stderr  # never an internal error
    return done.returncode, done.stdout, done.stderr


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert text.count(old) >= 1, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), "utf-8")


def _edit_code(copy: Path) -> None:
    """A maintainer adds a rule to norm validation (the code review's E1)."""
    _replace(
        copy / "engine" / "normenkader" / "norms" / "compiled.py",
        "    value = document.value\n    if not isinstance(value, dict):\n",
        "    value = document.value\n"
        "    if isinstance(value, dict) and value.get('severity') == 'blocker':\n"
        "        return [f\"{document.where('/severity')}: blocker is no longer allowed\"]\n"
        "    if not isinstance(value, dict):\n",
    )


def _edit_schema(copy: Path) -> None:
    """A kind schema changes but keeps its size and modification time (the review's E2)."""
    schema = copy / "evidence" / "schemas" / "kinds" / "problem-goal.schema.json"
    before = schema.stat()
    _replace(schema, '"maxLength": 5000', '"maxLength": 9   ')
    os.utime(schema, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = schema.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def _edit_catalogue(copy: Path) -> None:
    catalogue = copy / "norms" / "catalogues" / "algoritmekader-v2.5.1.yaml"
    _replace(catalogue, "en: Prohibited AI practices are not used", "en: No prohibited AI")


def _edit_profile(copy: Path) -> None:
    profile = copy / "norms" / "profiles" / "self-check.yaml"
    _replace(profile, "exclude: {sets: [ITGC],", "exclude: {sets: [ITGC, GOV],")


EDITS = {
    "code": (_edit_code, ()),
    "schema": (_edit_schema, ()),
    "catalogue": (_edit_catalogue, ()),
    "profile": (_edit_profile, ("--profile", "self-check")),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_warm_run_after_an_edit_equals_no_cache(tmp_path: Path, edit: str) -> None:
    """Code, a schema (same size and mtime), a catalogue, a profile: once edited, the warm
    run gives the bytes and exit code of ``--no-cache``, and they differ from before."""
    change, extra = EDITS[edit]
    copy = _engine_copy(tmp_path / "copy")
    cold = _run_copy(copy, *extra)
    assert _run_copy(copy, *extra) == cold  # warm
    assert len(list((copy / "cache").iterdir())) >= 4
    change(copy)
    warm = _run_copy(copy, *extra)
    uncached = _run_copy(copy, *extra, "--no-cache")
    assert warm == uncached
    assert warm != cold  # the edit matters, so a stale entry would have shown


def test_a_dependency_version_is_part_of_every_key(tmp_path: Path) -> None:
    """A different jsonschema-rs version, as importlib.metadata sees it, is a miss for
    every family; the report is that of ``--no-cache``."""
    copy = _engine_copy(tmp_path / "copy")
    cold = _run_copy(copy)
    entries = {p.name for p in (copy / "cache").iterdir()}
    assert {name.split("-")[0] for name in entries} >= {"normset", "bundle", "rollup"}
    dist = copy / "site" / "jsonschema_rs-99.0.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: jsonschema-rs\nVersion: 99.0.0\n\nfake\n", "utf-8"
    )
    seen = subprocess.run(
        [sys.executable, "-c", "import importlib.metadata as m; print(m.version('jsonschema-rs'))"],
        cwd=copy,
        env=_copy_env(copy),
        capture_output=True,
        text=True,
        check=True,
    )
    assert seen.stdout.strip() == "99.0.0"
    warm = _run_copy(copy)
    assert warm == _run_copy(copy, "--no-cache") == cold
    written = {p.name for p in (copy / "cache").iterdir()} - entries
    assert {name.split("-")[0] for name in written} >= {"normset", "bundle", "rollup"}


def test_dependency_versions_are_those_of_importlib_metadata() -> None:
    from importlib import metadata

    from normenkader import cache

    versions = cache.dependency_versions()
    assert set(versions) == set(cache.DEPENDENCIES)
    for name, version in versions.items():
        assert version == metadata.version(name)


def test_a_planted_dataset_entry_is_a_miss(tmp_path: Path) -> None:
    """The security review's poisoning: "TR" replaced by "NL" in the cached counts (with or
    without a MAC made under another key) is not believed; the verdict stays ``fail``."""
    cache = tmp_path / "cache"
    args = ("check", EXAMPLES / "selectie-bias", "--only", "NK.DISC.06", "--as-of", AS_OF)
    env = {"NORMENKADER_CACHE_DIR": str(cache)}
    first = run_cli(*args, "--format", "json", env=env)
    assert _finding(json.loads(first.stdout), "NK.DISC.06")["status"] == "fail"
    entries = list(cache.glob("dataset-*.json"))
    assert entries and all(b'"TR"' in entry.read_bytes() for entry in entries)
    for entry in entries:
        entry.write_bytes(entry.read_bytes().replace(b'"TR"', b'"NL"'))
    edited = run_cli(*args, "--format", "json", env=env)
    assert (edited.code, edited.stdout) == (first.code, first.stdout)
    for entry in cache.glob("dataset-*.json"):  # authentic under a key that is not ours
        _, _, payload = entry.read_bytes().partition(b"\n")
        payload = payload.replace(b'"TR"', b'"NL"')
        family, key = entry.stem.split("-", 1)
        forged = hmac.new(b"k" * 32, f"{family}\0{key}\0".encode() + payload, hashlib.sha256)
        entry.write_bytes(MAGIC + forged.hexdigest().encode() + b"\n" + payload)
    planted = run_cli(*args, "--format", "json", env=env)
    assert (planted.code, planted.stdout) == (first.code, first.stdout)


def test_an_entry_that_is_a_fifo_or_a_huge_sparse_file_is_skipped(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _, first = _check(ENGINE_BUNDLE, cache)
    entries = sorted(cache.glob("*.json"))
    assert entries
    for index, entry in enumerate(entries):
        entry.unlink()
        if index % 2:
            os.mkfifo(entry, 0o600)
        else:
            with entry.open("wb") as handle:
                handle.truncate(8 << 30)  # 8 GiB, sparse
    # run_cli's timeout turns a hang into a failure
    _, second = _check(ENGINE_BUNDLE, cache)
    assert second == first


def test_the_key_is_private_and_outside_the_cache_folder(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _check(ENGINE_BUNDLE, cache)
    key = _key_file()
    assert stat.S_ISREG(key.lstat().st_mode)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert cache.resolve() not in key.resolve().parents
    assert all(b"cache.key" not in p.name.encode() for p in cache.iterdir())
    assert len(bytes.fromhex(key.read_text("ascii").strip())) == 32
    # a cache folder that would hold the key is not used at all
    inside = key.parent
    _, report = _check(ENGINE_BUNDLE, inside)
    assert sorted(p.name for p in inside.iterdir()) == ["cache.key"]
    # a key readable by others turns the cache off instead of being believed
    key.chmod(0o644)
    other = tmp_path / "other-cache"
    _, again = _check(ENGINE_BUNDLE, other)
    assert again == report and (not other.exists() or not any(other.iterdir()))


def test_jobs_that_share_a_cache_folder_share_a_secret(tmp_path: Path) -> None:
    """CI: two jobs with their own homes use one restored cache folder only when both have
    ``NORMENKADER_CACHE_SECRET``; without it each job's key disbelieves the other's."""
    cache = tmp_path / "shared-cache"
    secret = {"NORMENKADER_CACHE_SECRET": "s" * 40}

    def job(name: str, env: dict[str, str]) -> tuple[str, set[str]]:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("XDG_CONFIG_HOME", str(tmp_path / name))
            for variable, value in env.items():
                patch.setenv(variable, value)
            return _check_in_process(EXAMPLES / "toeslagen", cache)

    # a miss validates the norm library (pydantic) and the bundle (jsonschema-rs) again
    validators = {"pydantic", "jsonschema_rs"}
    report, loaded = job("job-1", secret)
    assert validators <= loaded
    again, loaded_again = job("job-2", secret)  # every entry believed
    assert again == report and not validators & loaded_again
    own, loaded_own = job("job-3", {})  # its own per-user key: every entry a miss
    assert own == report and validators <= loaded_own
    short = job("job-4", {"NORMENKADER_CACHE_SECRET": "short"})  # too weak: no cache
    assert short[0] == report and validators <= short[1]


def test_no_cache_and_disable_leave_the_environment_alone(tmp_path: Path) -> None:
    """``--no-cache`` is scoped to its command; ``cache.disable()`` lasts for the process."""
    script = (
        "import os\n"
        "from normenkader import cache\n"
        "from normenkader.cli import main\n"
        "try:\n"
        f"    main(['check', {str(ENGINE_BUNDLE)!r}, '--norms', {str(ENGINE_NORMS)!r},\n"
        f"          '--as-of', {AS_OF!r}, '--format', 'json', '--no-cache'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('|', os.environ.get('NORMENKADER_NO_CACHE'), cache.enabled())\n"
        "cache.disable()\n"
        "print('|', os.environ.get('NORMENKADER_NO_CACHE'), cache.enabled())\n"
    )
    env = dict(os.environ, NORMENKADER_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("NORMENKADER_NO_CACHE", None)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("|")]
    assert lines == ["| None True", "| None False"], done.stderr
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())
