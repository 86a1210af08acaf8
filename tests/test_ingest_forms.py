"""One bundle, five forms: working folder, our bag, a bagit-python bag, our zip and a
re-packed zip give the same bundle digest and the same JSON report bytes."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from hostile.sandbox import Workspace
from hostile.zips import Member, build_zip
from normenkader.errors import InputError
from normenkader.evidence.bundle import bundle_digest
from normenkader.evidence.ingest import Limits, hash_file
from normenkader.evidence.seal import seal_bundle
from normenkader.evidence.staging import stage

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "engine"


@pytest.fixture
def forms(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "folder"
    shutil.copytree(FIXTURES / "bundle", folder)
    made = {"folder": folder}
    with tempfile.TemporaryDirectory() as staging:
        made["bag"] = seal_bundle(folder, tmp_path / "bag", None, Path(staging)).output
        made["zip"] = seal_bundle(folder, tmp_path / "bag.zip", None, Path(staging)).output
    other = tmp_path / "bagit-python"
    shutil.copytree(folder, other)
    bagit = pytest.importorskip("bagit", reason="test extra: bagit creates bags")
    bagit.make_bag(str(other), checksums=["sha256"])
    made["bagit-python"] = other
    # re-packed: stored instead of deflated, reverse order, inside a top folder
    members = [
        Member(f"sealed/{p.relative_to(made['bag']).as_posix()}", p.read_bytes(), method=0)
        for p in sorted(made["bag"].rglob("*"), reverse=True)
        if p.is_file()
    ]
    repacked = tmp_path / "repacked.zip"
    repacked.write_bytes(build_zip(members))
    made["repacked"] = repacked
    return made


def test_same_digest_in_every_form(forms: dict[str, Path], tmp_path: Path) -> None:
    digests = {}
    for name, path in forms.items():
        work = tmp_path / f"work-{name}"
        work.mkdir()
        tree = stage(path, Limits(), work)
        digests[name] = bundle_digest(tree.files)
        assert tree.sealed == (name != "folder")
        assert not tree.signatures
    assert len(set(digests.values())) == 1, digests


def test_same_report_bytes_in_every_form(forms: dict[str, Path], tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    reports = {}
    for name, path in forms.items():
        outcome = workspace.run(
            "check",
            path,
            "--norms",
            FIXTURES / "norms",
            "--as-of",
            "2026-11-29",
            "--format",
            "json",
        )
        assert outcome.code in (0, 1, 2), outcome.stderr
        reports[name] = outcome.stdout
    assert len(set(reports.values())) == 1, {k: v[:200] for k, v in reports.items()}


def test_hash_file_never_opens_a_fifo_or_follows_a_link(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "link").symlink_to(tmp_path / "pipe")
    for name, code in (("pipe", "SPECIAL_FILE"), ("link", "SYMLINK")):
        with pytest.raises(InputError) as caught:
            hash_file(tmp_path / name)
        assert caught.value.code == code
    (tmp_path / "f").write_bytes(b"abc")
    assert hash_file(tmp_path / "f").sha256.startswith("ba7816bf")


def test_staging_writes_only_inside_workdir(forms: dict[str, Path], tmp_path: Path) -> None:
    before = {p for p in tmp_path.rglob("*")}
    work = tmp_path / "work"
    work.mkdir()
    for path in forms.values():
        stage(path, Limits(), work)
    after = {p for p in tmp_path.rglob("*")}
    assert all(p.is_relative_to(work) for p in after - before)
