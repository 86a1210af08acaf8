"""Read a bundle's files from disk, safely, into a ``StagedTree``.

Contract used by the rest of the engine: ``stage(source, limits, workdir)`` returns the
payload root (the folder that holds ``bundle.yaml``), the form it came in, and a record
(size, sha256) per payload file keyed by its ``/``-separated relative path. Only staged
bytes are parsed and evaluated afterwards.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError

CHUNK = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Bounds on what a bundle may contain; all can be set on the command line."""

    max_files: int = 10_000
    max_file_bytes: int = 8 << 30
    max_total_bytes: int = 32 << 30
    max_depth: int = 16
    max_path_length: int = 512
    max_ratio: int = 200  # zip: uncompressed/compressed
    max_manifest_bytes: int = 8 << 20  # bundle.yaml, tag files, structured evidence


@dataclass(frozen=True)
class FileRecord:
    size: int
    sha256: str


@dataclass
class StagedTree:
    root: Path  # payload root: holds bundle.yaml
    form: str  # folder | bag | zip
    files: dict[str, FileRecord] = field(default_factory=dict)
    signatures: dict[str, bytes] = field(default_factory=dict)  # bag signatures/ content


def hash_file(path: Path) -> FileRecord:
    """Hash a regular file opened without following links."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError("SPECIAL_FILE", "not a regular file", str(path))
        digest = hashlib.sha256()
        size = 0
        while chunk := os.read(fd, CHUNK):
            digest.update(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    return FileRecord(size=size, sha256=digest.hexdigest())


def stage(source: Path, limits: Limits | None = None, workdir: Path | None = None) -> StagedTree:
    """Open a working folder (bags and zips are added by the sealed-bundle issue)."""
    limits = limits or Limits()
    try:
        info = os.lstat(source)
    except OSError as exc:
        raise InputError("BUNDLE_UNREADABLE", exc.strerror or "cannot open", str(source)) from None
    if not stat.S_ISDIR(info.st_mode):
        raise InputError("BUNDLE_UNREADABLE", "not a bundle folder", str(source))
    if not (source / "bundle.yaml").is_file():
        raise InputError("MANIFEST_MISSING", "no bundle.yaml at the bundle root", str(source))
    tree = StagedTree(root=source, form="folder")
    for relative, full in _walk(source, limits):
        tree.files[relative] = hash_file(full)
    return tree


def _walk(root: Path, limits: Limits) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    stack: list[tuple[Path, str, int]] = [(root, "", 0)]
    while stack:
        folder, prefix, depth = stack.pop()
        if depth > limits.max_depth:
            raise InputError("PATH_TOO_DEEP", f"deeper than {limits.max_depth}", prefix)
        with os.scandir(folder) as entries:
            for entry in entries:
                relative = f"{prefix}{entry.name}"
                mode = entry.stat(follow_symlinks=False).st_mode
                if stat.S_ISLNK(mode):
                    raise InputError("SYMLINK", "symbolic links are not allowed", relative)
                if stat.S_ISDIR(mode):
                    stack.append((Path(entry.path), relative + "/", depth + 1))
                elif stat.S_ISREG(mode):
                    found.append((relative, Path(entry.path)))
                    if len(found) > limits.max_files:
                        raise InputError(
                            "TOO_MANY_FILES", f"more than {limits.max_files} files", str(root)
                        )
                else:
                    raise InputError("SPECIAL_FILE", "FIFO, socket or device", relative)
    return sorted(found)
