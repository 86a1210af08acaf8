"""``normenkader init`` makes a bundle that validates, and never overwrites."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli


def test_init_creates_a_valid_working_bundle(tmp_path: Path) -> None:
    target = tmp_path / "new"
    run = run_cli("init", target)
    assert run.code == 0, run.stderr
    assert (target / "bundle.yaml").is_file()
    assert any((target / "templates").glob("model-card.yaml"))
    assert run_cli("validate", target).code == 0


def test_init_refuses_a_folder_with_files(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("precious")
    run = run_cli("init", tmp_path)
    assert run.code == 3
    assert run.stderr.startswith("error OUTPUT_EXISTS:")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
