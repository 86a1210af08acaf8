"""Hostile working folders through the real CLI: links, special files and bad names are
rejected from lstat without being opened, exit 3, nothing written outside staging."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from hostile.sandbox import Workspace, assert_budget, assert_rejected
from hostile.trees import working_bundle


def symlink_file(root: Path) -> None:
    (root / "docs" / "passwd.md").symlink_to("/etc/passwd")


def symlink_dir(root: Path) -> None:
    (root / "etc").symlink_to("/etc", target_is_directory=True)


def dangling_symlink(root: Path) -> None:
    (root / "docs" / "gone.md").symlink_to(root.parent / "does-not-exist")


def hardlink(root: Path) -> None:
    outside = root.parent / "outside-secret.txt"
    outside.write_text("secret outside the bundle")
    os.link(outside, root / "docs" / "secret.md")


def fifo(root: Path) -> None:
    os.mkfifo(root / "docs" / "pipe.md")


def unix_socket(root: Path) -> None:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(root / "docs" / "s"))
    server.close()


def write(name: str, data: bytes = b"x") -> Callable[[Path], None]:
    def make(root: Path) -> None:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    return make


def both(*makers: Callable[[Path], None]) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        for maker in makers:
            maker(root)

    return make


CASES: dict[str, tuple[str, Callable[[Path], None]]] = {
    "symlink-file": ("SYMLINK", symlink_file),
    "symlink-dir": ("SYMLINK", symlink_dir),
    "dangling-symlink": ("SYMLINK", dangling_symlink),
    "hardlink": ("HARDLINK", hardlink),
    "fifo": ("SPECIAL_FILE", fifo),
    "socket": ("SPECIAL_FILE", unix_socket),
    "control-char": ("NAME_UNSAFE", write("docs/bell\x07.md")),
    "newline-name": ("NAME_UNSAFE", write("docs/two\nlines.md")),
    "bidi-char": ("NAME_UNSAFE", write("docs/invoice\u202efdp.exe")),
    "trailing-dot": ("NAME_UNSAFE", write("docs/notes.")),
    "backslash-name": ("PATH_INVALID", write("docs/..\\..\\evil.md")),
    "case-collision": ("NAME_COLLISION", write("docs/NOTES.md")),
    "nfc-collision": (
        "NAME_COLLISION",
        both(write("docs/caf\u00e9.md"), write("docs/cafe\u0301.md")),
    ),
    "too-deep": ("PATH_TOO_DEEP", write("a/" * 20 + "f.md")),
    "too-long": ("PATH_TOO_LONG", write(("d" * 120 + "/") * 5 + "f.md")),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_folder_is_rejected(tmp_path: Path, name: str) -> None:
    code, make = CASES[name]
    root = working_bundle(tmp_path / "bundle")
    make(root)
    workspace = Workspace(tmp_path)
    assert_rejected(workspace.run("validate", root), code)


def test_bundle_root_symlink_is_rejected(tmp_path: Path) -> None:
    root = working_bundle(tmp_path / "bundle")
    (tmp_path / "link").symlink_to(root, target_is_directory=True)
    assert_rejected(Workspace(tmp_path).run("validate", tmp_path / "link"), "SYMLINK")


def test_fifo_as_the_bundle_is_rejected_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "bundle.zip")
    assert_rejected(Workspace(tmp_path).run("validate", tmp_path / "bundle.zip"), "SPECIAL_FILE")


def test_folder_without_manifest(tmp_path: Path) -> None:
    root = working_bundle(tmp_path / "bundle")
    (root / "bundle.yaml").unlink()
    assert_rejected(Workspace(tmp_path).run("validate", root), "MANIFEST_MISSING")


def test_good_folder_within_budget(tmp_path: Path) -> None:
    root = working_bundle(tmp_path / "bundle")
    outcome = Workspace(tmp_path).run("validate", root)
    assert outcome.code == 0, outcome.stderr
    assert_budget(outcome)


def test_file_size_limits_are_options(tmp_path: Path) -> None:
    root = working_bundle(tmp_path / "bundle", {"docs/big.bin": bytes(5000)})
    workspace = Workspace(tmp_path)
    assert_rejected(workspace.run("validate", root, "--max-file-size", "4096"), "FILE_TOO_LARGE")
    assert_rejected(workspace.run("validate", root, "--max-total-size", "4096"), "BUNDLE_TOO_LARGE")
    assert_rejected(workspace.run("validate", root, "--max-depth", "1"), "PATH_TOO_DEEP")
    assert workspace.run("validate", root).code == 0


def test_file_count_limit_on_a_folder(tmp_path: Path) -> None:
    extra = {f"docs/{i}.md": b"x" for i in range(6)}
    root = working_bundle(tmp_path / "bundle", extra)
    outcome = Workspace(tmp_path).run("validate", root, "--max-files", "3")
    assert_rejected(outcome, "TOO_MANY_FILES")
