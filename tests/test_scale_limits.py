"""Audit scale without timing: limits refuse before any work, one edited norm is validated
alone (issue 12, item 5; the timings are in bench/bench_scale.py)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from conftest import AS_OF, ENGINE_BUNDLE, ENGINE_NORMS, EXAMPLES, ROOT, edit_yaml, run_cli
from normenkader.errors import InputError
from normenkader.evidence.ingest import Limits
from normenkader.evidence.staging import stage
from normenkader.norms.compiled import load_norm_set, validation_count

SHIPPED_NORMS = ROOT / "norms" / "nk"


def _bundle_with_extra_files(tmp_path: Path, extra: int) -> Path:
    target = tmp_path / "bundle"
    shutil.copytree(ENGINE_BUNDLE, target)
    (target / "zz-extra").mkdir()
    for index in range(extra):
        (target / "zz-extra" / f"note-{index:03d}.txt").write_text(f"note {index}\n")
    return target


def _files_below(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if not path.is_dir()]


def test_too_many_files_refused_before_any_file_is_staged(tmp_path: Path) -> None:
    source = _bundle_with_extra_files(tmp_path, 30)
    count = len(_files_below(source))
    work = tmp_path / "work"
    work.mkdir(mode=0o700)
    with pytest.raises(InputError) as raised:
        stage(source, Limits(max_files=count - 1), work)
    assert raised.value.code == "TOO_MANY_FILES"
    # copying while counting would have staged count - 1 files before the refusal
    assert _files_below(work) == []


def test_too_large_bundle_refused_before_any_file_is_staged(tmp_path: Path) -> None:
    source = _bundle_with_extra_files(tmp_path, 30)
    total = sum(path.stat().st_size for path in _files_below(source))
    work = tmp_path / "work"
    work.mkdir(mode=0o700)
    with pytest.raises(InputError) as raised:
        stage(source, Limits(max_total_bytes=total - 1), work)
    assert raised.value.code == "BUNDLE_TOO_LARGE"
    assert _files_below(work) == []


def test_too_many_files_through_the_cli(tmp_path: Path) -> None:
    source = _bundle_with_extra_files(tmp_path, 30)
    count = len(_files_below(source))
    done = run_cli("check", source, "--as-of", AS_OF, "--max-files", str(count - 1))
    assert done.code == 3, done.stderr
    assert done.stderr.startswith("error TOO_MANY_FILES: "), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    done = run_cli(
        "check",
        source,
        "--as-of",
        AS_OF,
        "--max-files",
        str(count),
        "--norms",
        ENGINE_NORMS,
        "--format",
        "json",
    )
    assert done.code in (0, 1), done.stderr


def test_staged_files_hold_the_source_bytes(tmp_path: Path) -> None:
    """Small files are kept in memory after staging; reading the tree's root writes them,
    byte for byte as they were read and hashed."""
    source = EXAMPLES / "fsv"
    work = tmp_path / "work"
    work.mkdir(mode=0o700)
    tree = stage(source, Limits(), work)
    assert tree.pending  # the small files were not written yet
    assert tree.staged_bytes("bundle.yaml") == (source / "bundle.yaml").read_bytes()
    root = tree.root
    assert not tree.pending
    expected = {str(path.relative_to(source)) for path in _files_below(source)}
    assert set(tree.files) == expected
    for relative, record in tree.files.items():
        data = (root / relative).read_bytes()
        assert data == (source / relative).read_bytes()
        assert (record.size, record.sha256) == (len(data), hashlib.sha256(data).hexdigest())
        assert (root / relative).stat().st_mode & 0o777 == 0o600


def _summary(norm_set: object) -> list[tuple[object, ...]]:
    norms = norm_set.norms  # type: ignore[attr-defined]
    return [
        (n.id, n.source, n.title, n.check_data, n.params, n.evidence, n.fields_read)
        for n in norms.values()
    ]


def _edit_title(path: Path) -> None:
    def change(data: dict[str, dict[str, str]]) -> None:
        data["title"]["en"] = "(edited) " + data["title"]["en"]

    edit_yaml(path, change)


def test_one_edited_norm_is_validated_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    monkeypatch.setenv("NORMENKADER_CACHE_DIR", str(cache))
    monkeypatch.setenv("NORMENKADER_NO_CACHE", "")
    library = tmp_path / "library"
    shutil.copytree(SHIPPED_NORMS, library)
    files = sorted(p for p in library.rglob("*.yaml") if not p.name.endswith(".test.yaml"))
    assert len(files) > 20

    start = validation_count()
    load_norm_set([library])
    assert validation_count() - start == len(files)  # cold: every norm
    assert list(cache.glob("normset-*.json")), "the cache must be usable for this test"

    start = validation_count()
    load_norm_set([library])
    assert validation_count() == start  # warm: none

    edited = files[len(files) // 2]
    _edit_title(edited)
    shards = set(cache.glob("normshard-*.json"))
    assert len(shards) == len({path.parent for path in files})  # one per folder
    start = validation_count()
    incremental = load_norm_set([library])
    assert validation_count() - start == 1  # only the edited norm
    assert len(set(cache.glob("normshard-*.json")) - shards) == 1  # only its folder's shard
    cold = load_norm_set([library], use_cache=False)
    assert incremental.digest == cold.digest
    assert _summary(incremental) == _summary(cold)
    norm = incremental.norms[edited.stem]
    assert norm.title["en"].startswith("(edited) ")

    start = validation_count()
    again = load_norm_set([library])
    assert validation_count() == start  # the edited library is now cached whole
    assert again.digest == cold.digest


def test_edit_that_breaks_a_norm_reports_as_a_cold_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from normenkader.errors import NormLoadError

    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    monkeypatch.setenv("NORMENKADER_CACHE_DIR", str(cache))
    monkeypatch.setenv("NORMENKADER_NO_CACHE", "")
    library = tmp_path / "library"
    shutil.copytree(ENGINE_NORMS, library)
    load_norm_set([library])
    victim = sorted(p for p in library.rglob("*.yaml") if not p.name.endswith(".test.yaml"))[0]
    victim.write_text(victim.read_text("utf-8").replace("severity:", "severity: nonsense\nx:", 1))
    with pytest.raises(NormLoadError) as warm:
        load_norm_set([library])
    with pytest.raises(NormLoadError) as cold:
        load_norm_set([library], use_cache=False)
    assert str(warm.value) == str(cold.value)


def test_edited_library_report_equals_an_uncached_one(tmp_path: Path) -> None:
    library = tmp_path / "library"
    shutil.copytree(ENGINE_NORMS, library)
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    env = {"NORMENKADER_CACHE_DIR": str(cache)}
    args = ("check", ENGINE_BUNDLE, "--norms", library, "--as-of", AS_OF, "--format", "json")
    first = run_cli(*args, env=env)
    assert first.code in (0, 1), first.stderr
    victim = sorted(p for p in library.rglob("*.yaml") if not p.name.endswith(".test.yaml"))[0]
    _edit_title(victim)
    warm = run_cli(*args, env=env)
    cold = run_cli(*args, "--no-cache", env=env)
    assert warm.code == cold.code
    assert warm.stdout == cold.stdout
    assert warm.stdout != first.stdout  # the norm set's digest names the edit


def test_one_file_named_by_several_items(tmp_path: Path) -> None:
    """Two evidence items may cite one staged file (kept in memory): both open."""
    source = tmp_path / "bundle"
    shutil.copytree(ENGINE_BUNDLE, source)
    manifest = source / "bundle.yaml"
    text = manifest.read_text("utf-8")
    line = (
        '  - {id: dictionary-2026, kind: document, path: docs/dictionary.md, date: "2026-02-01"}\n'
    )
    assert line in text
    twice = line + line.replace("dictionary-2026", "dictionary-copy")
    twice += (
        '  - {id: card-copy, kind: model-card, path: model/model_card.yaml, date: "2026-03-01"}\n'
    )
    manifest.write_text(text.replace(line, twice), "utf-8")
    args = ("check", source, "--norms", ENGINE_NORMS, "--as-of", AS_OF, "--format", "json")
    done = run_cli(*args)
    assert done.code in (0, 1), done.stderr
    uncached = run_cli(*args, "--no-cache")
    assert uncached.stdout == done.stdout
