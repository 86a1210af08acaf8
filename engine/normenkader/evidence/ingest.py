"""Read a bundle, safely, into a private staging folder: a ``StagedTree``.

Contract used by the rest of the engine: ``stage(source, limits, workdir)`` returns the
payload root (the staged folder that holds ``bundle.yaml``), the form the bundle came in,
a record (size, sha256) per payload file keyed by its ``/``-separated relative path, and
the bytes of any ``signatures/*.dsse.json``. Only staged bytes are parsed and evaluated
afterwards: each source file is read exactly once, hashed while it is copied, and never
reopened (no hash-then-reopen race).

Every byte of a bundle is hostile (design section 11):

* folders are walked with directory file descriptors opened ``O_NOFOLLOW``; symbolic links,
  hard links (``st_nlink > 1``), FIFOs, sockets and devices are rejected from ``lstat``
  without ever being opened;
* zips are never extracted with ``extractall``: ``zipstage`` parses the central directory
  itself and copies each member once, within limits;
* every name is checked before anything is written (traversal, absolute, backslash,
  control and bidi characters, case/NFC collisions, depth, length);
* bags are verified closed-world by ``bag`` (our own code, not a BagIt library).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from ..errors import InputError
from ..records import Record

CHUNK = 1 << 20
MAX_COMPONENT_BYTES = 255
MAX_SIGNATURES = 64

#: Invisible characters that can make two names look alike or reorder how a name displays.
_BIDI_AND_INVISIBLE = frozenset(
    "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)
_WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"]
    + [f"com{i}" for i in range(1, 10)]
    + [f"lpt{i}" for i in range(1, 10)]
)


class Limits(NamedTuple):
    """Bounds on what a bundle may contain; all can be set on the command line."""

    max_files: int = 10_000
    max_file_bytes: int = 8 << 30
    max_total_bytes: int = 32 << 30
    max_depth: int = 16
    max_path_length: int = 512
    max_ratio: int = 200  # zip: uncompressed/compressed, for members over RATIO_FLOOR bytes
    max_manifest_bytes: int = 8 << 20  # bundle.yaml, tag files, signatures, structured evidence
    #: longest list in a structured evidence item: norms compare lists with nested CEL
    #: macros (quadratic), so 2,000 items bound one such expression to about a second
    max_list_items: int = 2_000


#: Members smaller than this are exempt from the ratio limit (a small file of zeros
#: compresses a thousandfold and is harmless); the per-file and total limits still apply.
RATIO_FLOOR = 1 << 20


class FileRecord(NamedTuple):
    """Size and sha256 of one staged payload file."""

    size: int
    sha256: str


@dataclass(repr=False, eq=False)
class StagedTree(Record):
    """A bundle copied into private staging: payload root, form and per-file records."""

    root: Path  # payload root: holds bundle.yaml (staged copy)
    form: str  # folder | bag | zip
    files: dict[str, FileRecord] = field(default_factory=dict)
    signatures: dict[str, bytes] = field(default_factory=dict)  # signatures/*.dsse.json
    sealed: bool = False  # True when the bundle came as a verified BagIt bag (folder or zip)
    bag_info: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- names


def check_component(name: str, where: str) -> None:
    """One path component: no traversal, separators, control, bidi or invisible characters."""
    if name in ("", ".", ".."):
        code = "PATH_INVALID" if name == "" else "PATH_TRAVERSAL"
        raise InputError(code, f"path component {name!r} is not allowed", where)
    if "\\" in name:
        raise InputError("PATH_INVALID", "backslash in a name; paths are '/'-separated", where)
    if "\x00" in name:
        raise InputError("NAME_UNSAFE", "NUL character in a name", where)
    for char in name:
        category = unicodedata.category(char)
        if (
            category in ("Cc", "Cs", "Co", "Cn")
            or char in _BIDI_AND_INVISIBLE
            or (category == "Cf")
        ):
            raise InputError(
                "NAME_UNSAFE",
                f"control, bidi or invisible character U+{ord(char):04X} in a name",
                where,
            )
    if len(name.encode("utf-8")) > MAX_COMPONENT_BYTES:
        raise InputError(
            "PATH_TOO_LONG", f"a name is longer than {MAX_COMPONENT_BYTES} bytes", where
        )
    if name != name.rstrip(" .") or name.split(".")[0].lower() in _WINDOWS_RESERVED:
        raise InputError(
            "NAME_UNSAFE", "name ends in a dot or space, or is a reserved device name", where
        )


def check_path(path: str, limits: Limits, where: str | None = None) -> list[str]:
    """Validate a ``/``-separated relative path; return its components."""
    shown = where or printable(path)
    if path.startswith(("/", "\\")) or (len(path) > 1 and path[1] == ":"):
        raise InputError("PATH_ABSOLUTE", "absolute path or drive letter", shown)
    parts = path.split("/")
    if ".." in parts or "." in parts:
        raise InputError(
            "PATH_TRAVERSAL", "path leaves or re-enters the bundle ('..' or '.')", shown
        )
    if len(path.encode("utf-8", "surrogatepass")) > limits.max_path_length:
        raise InputError("PATH_TOO_LONG", f"path longer than {limits.max_path_length} bytes", shown)
    if len(parts) > limits.max_depth:
        raise InputError("PATH_TOO_DEEP", f"deeper than {limits.max_depth} levels", shown)
    for part in parts:
        check_component(part, shown)
    return parts


def collision_key(path: str) -> str:
    """Two names with the same key would land on one file on some systems (case, NFC)."""
    return unicodedata.normalize("NFC", path).casefold()


def printable(text: str) -> str:
    """A name as it may appear in an error line: escapes for anything invisible."""
    shown = text.encode("unicode_escape", "backslashreplace").decode("ascii")
    return shown if len(shown) <= 200 else shown[:200] + "..."


class NameRegistry:
    """Detects duplicates, case/NFC collisions and file/folder conflicts among entries."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix  # how the container is shown: "bundle.zip!" or "folder/"
        self.exact: dict[str, str] = {}  # path -> "file" | "dir"
        self.folded: dict[str, str] = {}

    def add(self, path: str, kind: str) -> None:
        shown = self.prefix + printable(path)
        if path in self.exact:
            if kind == "dir" and self.exact[path] == "dir":
                return
            code = "DUPLICATE_ENTRY" if kind == self.exact[path] else "PATH_CONFLICT"
            raise InputError(code, "the same name appears twice", shown)
        key = collision_key(path)
        other = self.folded.get(key)
        if other is not None and other != path:
            raise InputError(
                "NAME_COLLISION",
                f"collides with {printable(other)!r} (case or Unicode form)",
                shown,
            )
        self.exact[path] = kind
        self.folded[key] = path
        parts = path.split("/")
        for depth in range(1, len(parts)):
            parent = "/".join(parts[:depth])
            known = self.exact.get(parent)
            if known == "file":
                raise InputError(
                    "PATH_CONFLICT", f"{printable(parent)!r} is both a file and a folder", shown
                )
            if known is None:
                self.add(parent, "dir")


# --------------------------------------------------------------------------- copying


class Budget:
    """Running totals checked while bytes are copied (declared sizes can lie)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.files = 0
        self.total = 0

    def count_file(self, where: str) -> None:
        self.files += 1
        if self.files > self.limits.max_files:
            raise InputError("TOO_MANY_FILES", f"more than {self.limits.max_files} files", where)

    def add_bytes(
        self, amount: int, file_size: int, file_limit: int, where: str, code: str = "FILE_TOO_LARGE"
    ) -> None:
        self.total += amount
        if file_size > file_limit:
            raise InputError(code, f"file larger than {file_limit} bytes", where)
        if self.total > self.limits.max_total_bytes:
            raise InputError(
                "BUNDLE_TOO_LARGE", f"bundle larger than {self.limits.max_total_bytes} bytes", where
            )


def create_private(staging: Path, parts: list[str]) -> int:
    """Create ``staging/parts`` exclusively (0600), making folders (0700); return its fd."""
    folder = staging
    for part in parts[:-1]:
        folder = folder / part
        with contextlib.suppress(FileExistsError):
            os.mkdir(folder, 0o700)
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            raise InputError("PATH_CONFLICT", "name is both a file and a folder", "/".join(parts))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        return os.open(folder / parts[-1], flags, 0o600)
    except FileExistsError:
        raise InputError(
            "DUPLICATE_ENTRY", "the same name appears twice", "/".join(parts)
        ) from None
    except IsADirectoryError:
        raise InputError(
            "PATH_CONFLICT", "name is both a file and a folder", "/".join(parts)
        ) from None


def copy_hashed(
    chunks: Iterable[bytes | memoryview],
    out_fd: int,
    budget: Budget,
    file_limit: int,
    where: str,
    code: str = "FILE_TOO_LARGE",
) -> FileRecord:
    """Write chunks to ``out_fd`` while hashing them and enforcing the byte limits."""
    digest = hashlib.sha256()
    size = 0
    for chunk in chunks:
        size += len(chunk)
        budget.add_bytes(len(chunk), size, file_limit, where, code)
        digest.update(chunk)
        view = memoryview(chunk)
        while view:
            written = os.write(out_fd, view)
            view = view[written:]
    return FileRecord(size=size, sha256=digest.hexdigest())


def read_fd_chunks(fd: int) -> Iterable[memoryview]:
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    while True:
        count = os.readv(fd, [buffer])
        if not count:
            return
        yield view[:count]


def hash_file(path: Path) -> FileRecord:
    """Hash a regular file opened without following links (never blocks on a FIFO)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        info = os.lstat(path)
    except OSError as exc:
        raise InputError("BUNDLE_UNREADABLE", exc.strerror or "cannot read", str(path)) from None
    _reject_type(info.st_mode, str(path))
    fd = _open_nofollow(path.name, flags, None, str(path), full=path)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError("SPECIAL_FILE", "not a regular file", str(path))
        digest = hashlib.sha256()
        size = 0
        for chunk in read_fd_chunks(fd):
            digest.update(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    return FileRecord(size=size, sha256=digest.hexdigest())


# --------------------------------------------------------------------------- staging


def read_signatures(
    staging: Path, files: dict[str, FileRecord], limits: Limits, display: str
) -> dict[str, bytes]:
    """``signatures/*.dsse.json`` (one level, bounded) as name -> bytes."""
    found: dict[str, bytes] = {}
    for path, record in sorted(files.items()):
        if not path.startswith("signatures/"):
            continue
        name = path[len("signatures/") :]
        if "/" in name or not name.endswith(".dsse.json"):
            raise InputError(
                "SIGNATURE_INVALID",
                "signatures/ may only hold *.dsse.json files",
                f"{display}!{path}",
            )
        if record.size > limits.max_manifest_bytes:
            raise InputError("TAG_FILE_TOO_LARGE", "signature file too large", f"{display}!{path}")
        found[name] = (staging / path).read_bytes()
        if len(found) > MAX_SIGNATURES:
            raise InputError("SIGNATURE_INVALID", f"more than {MAX_SIGNATURES} signatures", display)
    return found


def _reject_type(mode: int, where: str) -> None:
    if stat.S_ISLNK(mode):
        raise InputError("SYMLINK", "symbolic links are not allowed", where)
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        raise InputError("SPECIAL_FILE", "FIFO, socket or device file", where)


def _open_nofollow(
    name: str, flags: int, dir_fd: int | None, where: str, full: Path | None = None
) -> int:
    try:
        if dir_fd is None:
            return os.open(full if full is not None else name, flags | getattr(os, "O_CLOEXEC", 0))
        return os.open(name, flags | getattr(os, "O_CLOEXEC", 0), dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):
            raise InputError("SYMLINK", "symbolic links are not allowed", where) from None
        raise InputError("BUNDLE_UNREADABLE", exc.strerror or "cannot open", where) from None


def stage_folder(source: Path, staging: Path, limits: Limits) -> dict[str, FileRecord]:
    """Walk ``source`` through directory fds (never following links) copying every file."""
    budget = Budget(limits)
    names = NameRegistry(f"{source}/")
    files: dict[str, FileRecord] = {}
    dir_flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    file_flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
    root_fd = _open_nofollow(str(source), dir_flags, None, str(source))
    bag = False
    with contextlib.suppress(OSError):
        bag = stat.S_ISREG(os.lstat("bagit.txt", dir_fd=root_fd).st_mode)

    def walk(dir_fd: int, prefix: str) -> None:
        listed: list[tuple[str, os.stat_result]] = []
        with os.scandir(dir_fd) as iterator:
            for entry in iterator:
                listed.append((entry.name, entry.stat(follow_symlinks=False)))
                if len(listed) + budget.files > 2 * limits.max_files:
                    raise InputError(
                        "TOO_MANY_FILES", f"more than {limits.max_files} files", str(source)
                    )
        entries = sorted(listed, key=lambda pair: pair[0])
        for name, info in entries:
            relative = prefix + name
            where = f"{source}/{printable(relative)}"
            check_path(relative, limits, where)
            _reject_type(info.st_mode, where)
            if stat.S_ISDIR(info.st_mode):
                names.add(relative, "dir")
                child = _open_nofollow(name, dir_flags, dir_fd, where)
                try:
                    if not _same(os.fstat(child), info):
                        raise InputError(
                            "BUNDLE_CHANGED", "folder changed while it was read", where
                        )
                    walk(child, relative + "/")
                finally:
                    os.close(child)
                continue
            if not stat.S_ISREG(info.st_mode):
                raise InputError("SPECIAL_FILE", "not a regular file", where)
            if info.st_nlink > 1:
                raise InputError("HARDLINK", "file has other hard links", where)
            names.add(relative, "file")
            budget.count_file(where)
            limit, code = _file_limit(relative, bag, limits)
            if info.st_size > limit:
                budget.add_bytes(0, info.st_size, limit, where, code)
            fd = _open_nofollow(name, file_flags, dir_fd, where)
            try:
                opened = os.fstat(fd)
                if not stat.S_ISREG(opened.st_mode) or not _same(opened, info):
                    raise InputError("BUNDLE_CHANGED", "file changed while it was read", where)
                out = create_private(staging, relative.split("/"))
                try:
                    files[relative] = copy_hashed(
                        read_fd_chunks(fd), out, budget, limit, where, code
                    )
                finally:
                    os.close(out)
            finally:
                os.close(fd)

    try:
        walk(root_fd, "")
    finally:
        os.close(root_fd)
    return files


def _same(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _file_limit(relative: str, bag: bool, limits: Limits) -> tuple[int, str]:
    """Tag files and signatures are small; payload files may be large."""
    if relative.startswith("signatures/") or (bag and not relative.startswith("data/")):
        return limits.max_manifest_bytes, "TAG_FILE_TOO_LARGE"
    return limits.max_file_bytes, "FILE_TOO_LARGE"
