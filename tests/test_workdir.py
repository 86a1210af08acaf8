"""Private staging folders: unguessable, owner-only, removed without following links."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from conftest import AS_OF, EXAMPLES, run_cli
from normenkader.workdir import make_private_dir, private_workdir, remove_tree


def test_private_dirs_are_owner_only_and_unique(tmp_path: Path) -> None:
    made = {make_private_dir("x-", tmp_path) for _ in range(50)}
    assert len(made) == 50
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o700 for p in made)
    assert all(p.parent == tmp_path and len(p.name) == 2 + 24 for p in made)


def test_temporary_folder_comes_from_tmpdir(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    with private_workdir() as folder:
        assert folder.parent == tmp_path
        (folder / "a" / "b").mkdir(parents=True)
        (folder / "a" / "b" / "f.txt").write_text("x")
    assert not folder.exists()


def test_remove_tree_never_follows_links(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    work = make_private_dir("w-", tmp_path)
    (work / "sub").mkdir()
    os.symlink(outside, work / "sub" / "link-to-dir")
    os.symlink(outside / "keep.txt", work / "link-to-file")
    remove_tree(work)
    assert not work.exists()
    assert (outside / "keep.txt").read_text() == "keep"


def test_a_check_run_leaves_no_staging_behind(tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    run = run_cli(
        "check",
        EXAMPLES / "toeslagen",
        "--as-of",
        AS_OF,
        "--format",
        "json",
        env={"TMPDIR": str(scratch)},
    )
    assert run.code == 1, run.stderr
    assert list(scratch.iterdir()) == []
