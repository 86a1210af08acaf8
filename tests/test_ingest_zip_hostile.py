"""Hostile zips through the real CLI: each is rejected with its stable code, exit 3,
within a time and memory budget, and nothing appears outside staging."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from hostile.sandbox import Workspace, assert_budget, assert_rejected
from hostile.trees import BUNDLE_YAML, NOTES
from hostile.zips import (
    UNIX_DIR,
    UNIX_FIFO,
    UNIX_SYMLINK,
    Member,
    build_zip,
    deflate,
    million_entry_zip,
)

EVIL = f"normenkader-evil-{uuid.uuid4().hex}"


def base() -> list[Member]:
    return [Member("bundle.yaml", BUNDLE_YAML, method=8), Member("docs/notes.md", NOTES, method=8)]


def with_extra(*extra: Member) -> bytes:
    return build_zip([*base(), *extra])


def overlapping() -> bytes:
    """Member 1's local header and data sit inside member 0's stored data."""
    inner_name = b"docs/inner.md"
    inner = b"PK\x03\x04" + bytes(26) + inner_name
    import struct
    import zlib

    payload = b"x" * 16
    inner = struct.pack(
        "<4sHHHHHIIIHH",
        b"PK\x03\x04",
        20,
        0x800,
        0,
        0,
        0x21,
        zlib.crc32(payload),
        len(payload),
        len(payload),
        len(inner_name),
        0,
    )
    inner += inner_name + payload
    outer_data = b"header-" + inner + b"-trailer"
    zip_bytes = bytearray(build_zip([*base(), Member("docs/outer.md", outer_data)]))
    # add a central directory entry for the inner member pointing into the outer data
    outer_at = zip_bytes.find(b"docs/outer.md") - 30
    inner_at = outer_at + 30 + len(b"docs/outer.md") + len(b"header-")
    from hostile.zips import finish

    cd_at = zip_bytes.find(b"PK\x01\x02")
    eocd = zip_bytes.rfind(b"PK\x05\x06")
    central = bytes(zip_bytes[cd_at:eocd])
    central += (
        struct.pack(
            "<4sHHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            (3 << 8) | 20,
            20,
            0x800,
            0,
            0,
            0x21,
            zlib.crc32(payload),
            len(payload),
            len(payload),
            len(inner_name),
            0,
            0,
            0,
            0,
            0o100644 << 16,
            inner_at,
        )
        + inner_name
    )
    return bytes(zip_bytes[:cd_at]) + finish(central, cd_at, 4)


def lying_bomb() -> bytes:
    """Declares 1000 bytes, inflates to 64 MiB: the output is cut at the declared size."""
    zeros = bytes(64 << 20)
    return with_extra(Member("docs/bomb.bin", zeros, method=8, raw=deflate(zeros), size=1000))


CASES: dict[str, tuple[str, object]] = {
    "traversal": ("PATH_TRAVERSAL", lambda: with_extra(Member(f"../{EVIL}", b"x"))),
    "traversal-inner": ("PATH_TRAVERSAL", lambda: with_extra(Member(f"docs/../../{EVIL}", b"x"))),
    "absolute": ("PATH_ABSOLUTE", lambda: with_extra(Member(f"/tmp/{EVIL}", b"x"))),
    "drive-letter": ("PATH_ABSOLUTE", lambda: with_extra(Member(f"C:/{EVIL}", b"x"))),
    "backslash": ("PATH_INVALID", lambda: with_extra(Member(f"..\\{EVIL}", b"x"))),
    "control-char": ("NAME_UNSAFE", lambda: with_extra(Member("docs/a\x07b.md", b"x"))),
    "bidi-char": ("NAME_UNSAFE", lambda: with_extra(Member("docs/report\u202edm.exe", b"x"))),
    "zero-width": ("NAME_UNSAFE", lambda: with_extra(Member("docs/no\u200btes.md", b"x"))),
    "bad-utf8-name": ("NAME_ENCODING", lambda: with_extra(Member(b"docs/\xff\xfe.md", b"x"))),
    "duplicate": ("DUPLICATE_ENTRY", lambda: with_extra(Member("docs/notes.md", b"other"))),
    "case-collision": ("NAME_COLLISION", lambda: with_extra(Member("docs/NOTES.md", b"x"))),
    "nfc-collision": (
        "NAME_COLLISION",
        lambda: with_extra(Member("docs/caf\u00e9.md", b"x"), Member("docs/cafe\u0301.md", b"y")),
    ),
    "file-dir-conflict": (
        "PATH_CONFLICT",
        lambda: with_extra(Member("docs/x", b"file"), Member("docs/x/y.md", b"inner")),
    ),
    "dir-then-file": (
        "PATH_CONFLICT",
        lambda: with_extra(Member("docs/d/", b"", mode=UNIX_DIR), Member("docs/d", b"file")),
    ),
    "symlink-entry": (
        "SYMLINK",
        lambda: with_extra(Member("docs/link", b"/etc/passwd", mode=UNIX_SYMLINK)),
    ),
    "fifo-entry": ("SPECIAL_FILE", lambda: with_extra(Member("docs/pipe", b"", mode=UNIX_FIFO))),
    "shared-data-hardlink": (
        "ZIP_OVERLAP",
        lambda: build_zip([*base(), Member("docs/copy.md", NOTES, method=8, share_with=1)]),
    ),
    "overlapping-entries": ("ZIP_OVERLAP", overlapping),
    "zip-bomb-ratio": (
        "RATIO_EXCEEDED",
        lambda: with_extra(Member("docs/bomb.bin", bytes(48 << 20), method=8)),
    ),
    "zip-bomb-lying-size": ("ZIP_CORRUPT", lying_bomb),
    "zip-bomb-many-small": (
        "RATIO_EXCEEDED",
        lambda: with_extra(
            *(Member(f"docs/z{i}.bin", bytes(1 << 20), method=8) for i in range(40))
        ),
    ),
    "million-entries": ("TOO_MANY_FILES", lambda: million_entry_zip()),
    "lying-entry-count": ("TOO_MANY_FILES", lambda: million_entry_zip(30_000, declared=2)),
    "too-deep": ("PATH_TOO_DEEP", lambda: with_extra(Member("a/" * 20 + "f.md", b"x"))),
    "too-long-path": (
        "PATH_TOO_LONG",
        lambda: with_extra(Member(("d" * 100 + "/") * 6 + "f", b"x")),
    ),
    "too-long-name": ("PATH_TOO_LONG", lambda: with_extra(Member("docs/" + "n" * 300, b"x"))),
    "encrypted": ("ZIP_ENCRYPTED", lambda: with_extra(Member("docs/secret.md", b"x", flags=0x801))),
    "aes-method": ("ZIP_ENCRYPTED", lambda: with_extra(Member("docs/secret.md", b"x", method=99))),
    "bzip2-method": (
        "ZIP_UNSUPPORTED_METHOD",
        lambda: with_extra(Member("docs/b.md", b"x", method=12, raw=b"BZh9")),
    ),
    "bad-crc": ("ZIP_CORRUPT", lambda: with_extra(Member("docs/c.md", b"content", crc=12345))),
    "truncated": ("ZIP_CORRUPT", lambda: with_extra(Member("docs/c.md", b"content"))[:-7]),
    "garbage-deflate": (
        "ZIP_CORRUPT",
        lambda: with_extra(Member("docs/c.md", b"abc", method=8, raw=b"\xff" * 8, size=3)),
    ),
    "local-name-differs": (
        "ZIP_CORRUPT",
        lambda: with_extra(Member("docs/c.md", b"abc", local_name=f"../{EVIL}")),
    ),
    "prepended-data": ("ZIP_CORRUPT", lambda: b"MZ" + bytes(64) + build_zip(base())),
    "not-a-zip": ("BUNDLE_FORMAT", lambda: b"just some text, not an archive\n" * 4),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_zip_is_rejected(tmp_path: Path, name: str) -> None:
    code, build = CASES[name]
    workspace = Workspace(tmp_path)
    archive = tmp_path / "bundle.zip"
    archive.write_bytes(build())  # type: ignore[operator]
    outcome = workspace.run("validate", archive)
    assert_rejected(outcome, code)
    assert not Path("/tmp", EVIL).exists() and not (tmp_path.parent / EVIL).exists()


def test_good_zip_is_accepted_within_budget(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    archive = tmp_path / "bundle.zip"
    archive.write_bytes(build_zip(base()))
    outcome = workspace.run("validate", archive)
    assert outcome.code == 0, outcome.stderr
    assert "hostile-test-001" in outcome.stdout
    assert_budget(outcome)


def test_ratio_limit_is_an_option(tmp_path: Path) -> None:
    """A highly compressible file passes when the supervisor raises --max-ratio."""
    workspace = Workspace(tmp_path)
    archive = tmp_path / "bundle.zip"
    archive.write_bytes(with_extra(Member("docs/zeros.bin", bytes(4 << 20), method=8)))
    assert workspace.run("validate", archive).error_code == "RATIO_EXCEEDED"
    assert workspace.run("validate", archive, "--max-ratio", "5000").code == 0


def test_file_count_limit_is_an_option(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    archive = tmp_path / "bundle.zip"
    archive.write_bytes(with_extra(*(Member(f"docs/{i}.md", b"x") for i in range(5))))
    assert_rejected(workspace.run("validate", archive, "--max-files", "3"), "TOO_MANY_FILES")


@pytest.mark.parametrize(
    "name", ["traversal", "symlink-entry", "zip-bomb-ratio", "overlapping-entries"]
)
def test_check_rejects_before_evaluating(tmp_path: Path, name: str) -> None:
    """`check` goes through the same staging: rejected with the same code, no report."""
    code, build = CASES[name]
    norms = Path(__file__).resolve().parent / "fixtures" / "engine" / "norms"
    workspace = Workspace(tmp_path)
    archive = tmp_path / "bundle.zip"
    archive.write_bytes(build())  # type: ignore[operator]
    outcome = workspace.run(
        "check", archive, "--norms", norms, "--as-of", "2026-11-29", "-o", tmp_path / "r.json"
    )
    assert_rejected(outcome, code)
    assert not (tmp_path / "r.json").exists()
