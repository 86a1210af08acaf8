"""Read a bundle, safely, into a private staging folder: a ``StagedTree``.

Contract used by the rest of the engine: ``stage(source, limits, workdir)`` returns the
payload root (the staged folder that holds ``bundle.yaml``), the form the bundle came in,
a record (size, sha256) per payload file keyed by its ``/``-separated relative path, and
the bytes of any ``signatures/*.dsse.json``. Only staged bytes are parsed and evaluated
afterwards: each source file is read exactly once, hashed while it is copied, and never
reopened (no hash-then-reopen race). Small files of a folder are staged in memory and
written below the root only when something asks for the root (``StagedTree``).

Every byte of a bundle is hostile (design section 11):

* folders are walked with directory file descriptors opened ``O_NOFOLLOW``; symbolic links,
  hard links (``st_nlink > 1``), FIFOs, sockets and devices are rejected from ``lstat``
  without ever being opened;
* a folder is listed whole before any file is opened, so the limits on the number of
  files, each file's size and the total size refuse a bundle before any work on its bytes
  (the bytes actually read are counted against the same limits while copying);
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
from collections.abc import Callable, Iterable
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
    """A bundle copied into private staging: payload root, form and per-file records.

    Small files of a folder bundle are staged in memory (``pending``): creating a file
    costs far more than reading one on some file systems (about 1 ms on ext4 in a VM), and
    a warm ``check`` takes structured evidence from the cache without reading it again.
    Reading ``root`` writes every pending file below it first, so code that opens staged
    files through ``root`` always finds them; ``staged_bytes`` and ``materialize`` serve
    the bytes, or write chosen files, without that.
    """

    root: Path  # payload root: holds bundle.yaml (staged copy); see the property below
    form: str  # folder | bag | zip
    files: dict[str, FileRecord] = field(default_factory=dict)
    signatures: dict[str, bytes] = field(default_factory=dict)  # signatures/*.dsse.json
    sealed: bool = False  # True when the bundle came as a verified BagIt bag (folder or zip)
    bag_info: dict[str, str] = field(default_factory=dict)
    #: staged bytes not yet written below the root, keyed like ``files``
    pending: dict[str, bytes] = field(default_factory=dict, repr=False, compare=False)
    _root: Path = field(init=False, repr=False, compare=False)  # behind ``root``

    def path(self, relative: str) -> Path:
        """Where a staged file is (or will be, once materialized), without writing it."""
        return self._root / relative

    def staged_bytes(self, relative: str) -> bytes:
        """The staged bytes of one file, from memory or from the staged copy."""
        data = self.pending.get(relative)
        return data if data is not None else self.path(relative).read_bytes()

    def materialize(self, paths: Iterable[str] | None = None) -> None:
        """Write pending files (all, or those of ``paths``) below the root."""
        # one path may be named by several evidence items: each file is written once
        wanted = (
            list(self.pending)
            if paths is None
            else list(dict.fromkeys(p for p in paths if p in self.pending))
        )
        if wanted:  # a bag's data/ folder is not made while all its files are pending
            with contextlib.suppress(FileExistsError):
                os.mkdir(self._root, 0o700)
        for relative in wanted:
            write_staged(self._root, relative, self.pending[relative])
            del self.pending[relative]


def _get_root(tree: StagedTree) -> Path:
    if tree.pending:
        tree.materialize()
    return tree._root


def _set_root(tree: StagedTree, value: Path) -> None:
    tree._root = value


# the dataclass field ``root`` is stored as ``_root``; reading it materializes the tree
StagedTree.root = property(_get_root, _set_root)  # type: ignore[assignment]


# --------------------------------------------------------------------------- names


def check_component(name: str, where: str) -> None:
    """One path component: no traversal, separators, control, bidi or invisible characters."""
    # the common case: printable ASCII holds no control, bidi or invisible character
    if (
        name.isascii()
        and name.isprintable()
        and name not in ("", ".", "..")
        and "\\" not in name
        and len(name) <= MAX_COMPONENT_BYTES
        and not _windows_unsafe(name)
    ):
        return
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
    if _windows_unsafe(name):
        raise InputError(
            "NAME_UNSAFE", "name ends in a dot or space, or is a reserved device name", where
        )


def _windows_unsafe(name: str) -> bool:
    return name != name.rstrip(" .") or name.split(".")[0].lower() in _WINDOWS_RESERVED


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


def write_staged(staging: Path, relative: str, data: bytes) -> None:
    """Write one staged file (exclusively, 0600), making its folders (0700)."""
    out = create_private(staging, relative.split("/"))
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(out, view) :]
    finally:
        os.close(out)


def _hashed(
    chunks: Iterable[bytes | memoryview],
    consume: Callable[[bytes | memoryview], None],
    budget: Budget,
    file_limit: int,
    where: str,
    code: str,
) -> FileRecord:
    """Hash ``chunks`` while enforcing the byte limits, handing each to ``consume``."""
    digest = hashlib.sha256()
    size = 0
    for chunk in chunks:
        size += len(chunk)
        budget.add_bytes(len(chunk), size, file_limit, where, code)
        digest.update(chunk)
        consume(chunk)
    return FileRecord(size=size, sha256=digest.hexdigest())


def copy_hashed(
    chunks: Iterable[bytes | memoryview],
    out_fd: int,
    budget: Budget,
    file_limit: int,
    where: str,
    code: str = "FILE_TOO_LARGE",
) -> FileRecord:
    """Write chunks to ``out_fd`` while hashing them and enforcing the byte limits."""

    def write(chunk: bytes | memoryview) -> None:
        view = memoryview(chunk)
        while view:
            written = os.write(out_fd, view)
            view = view[written:]

    return _hashed(chunks, write, budget, file_limit, where, code)


def hash_chunks(
    chunks: Iterable[bytes | memoryview],
    kept: list[bytes],
    budget: Budget,
    file_limit: int,
    where: str,
    code: str = "FILE_TOO_LARGE",
) -> FileRecord:
    """Like ``copy_hashed``, but the bytes are appended to ``kept`` instead of written."""
    return _hashed(chunks, lambda chunk: kept.append(bytes(chunk)), budget, file_limit, where, code)


def read_fd_chunks(fd: int, buffer: bytearray | None = None) -> Iterable[memoryview]:
    """The bytes of ``fd`` in chunks; each chunk is only valid until the next is read (one
    ``buffer``, which a caller copying many files passes to each, is reused)."""
    if buffer is None:
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


@dataclass
class _Folder:
    """A source folder as listed: its identity and its entries in sorted order."""

    name: str
    where: str
    info: os.stat_result | None
    entries: list[_Folder | _File] = field(default_factory=list)
    has_files: bool = False


class _File(NamedTuple):
    """A regular file as listed, with the byte limit that applies to it."""

    name: str
    relative: str
    where: str
    info: os.stat_result
    limit: int
    code: str


#: Files up to this size may be staged in memory (``StagedTree.pending``) ...
MEMORY_FILE_BYTES = 64 << 10
#: ... as long as the bytes so kept stay under this; larger files are written at once.
MEMORY_TOTAL_BYTES = 64 << 20


def stage_folder(
    source: Path, staging: Path, limits: Limits, pending: dict[str, bytes] | None = None
) -> dict[str, FileRecord]:
    """Walk ``source`` through directory fds (never following links) copying every file.

    Two passes. The first lists the whole tree (``lstat`` only, nothing opened but folders)
    and enforces every name, type and hard-link rule and the limits on the number of files,
    each file's declared size and the declared total, so a bundle over a limit is refused
    before any file is read, copied or hashed. The second copies each listed file once,
    checking that it is still the listed file (device and inode) and counting the bytes
    actually read against the same limits (declared sizes can lie or grow).

    With ``pending`` given, small files (``MEMORY_FILE_BYTES``, up to ``MEMORY_TOTAL_BYTES``
    in all) are not written: their bytes, read and hashed once like any other, go into
    ``pending`` under their relative path, for ``StagedTree`` to write when asked.
    """
    dir_flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    root_fd = _open_nofollow(str(source), dir_flags, None, str(source))
    try:
        root = _list_tree(source, root_fd, limits)
        copier = _Copier(staging, Budget(limits), pending)
        copier.copy(root, root_fd)
    finally:
        os.close(root_fd)
    return copier.files


def _list_tree(source: Path, root_fd: int, limits: Limits) -> _Folder:
    """First pass: every rule that needs no file's bytes, over the whole tree."""
    declared = Budget(limits)
    names = NameRegistry(f"{source}/")
    dir_flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    bag = False
    with contextlib.suppress(OSError):
        bag = stat.S_ISREG(os.lstat("bagit.txt", dir_fd=root_fd).st_mode)

    def walk(dir_fd: int, prefix: str, folder: _Folder) -> None:
        listed: list[tuple[str, os.stat_result]] = []
        with os.scandir(dir_fd) as iterator:
            for entry in iterator:
                listed.append((entry.name, entry.stat(follow_symlinks=False)))
                if len(listed) + declared.files > 2 * limits.max_files:
                    raise InputError(
                        "TOO_MANY_FILES", f"more than {limits.max_files} files", str(source)
                    )
        listed.sort(key=lambda pair: pair[0])
        for name, info in listed:
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
                    sub = _Folder(name, where, info)
                    walk(child, relative + "/", sub)
                finally:
                    os.close(child)
                if sub.has_files:
                    folder.entries.append(sub)
                    folder.has_files = True
                continue
            if not stat.S_ISREG(info.st_mode):
                raise InputError("SPECIAL_FILE", "not a regular file", where)
            if info.st_nlink > 1:
                raise InputError("HARDLINK", "file has other hard links", where)
            names.add(relative, "file")
            declared.count_file(where)
            limit, code = _file_limit(relative, bag, limits)
            declared.add_bytes(info.st_size, info.st_size, limit, where, code)
            folder.entries.append(_File(name, relative, where, info, limit, code))
            folder.has_files = True

    root = _Folder("", str(source), None)
    walk(root_fd, "", root)
    return root


class _Copier:
    """Second pass: copy and hash each listed file once, in listing order."""

    def __init__(self, staging: Path, budget: Budget, pending: dict[str, bytes] | None) -> None:
        self.staging = staging
        self.budget = budget
        self.pending = pending
        self.in_memory = 0
        self.buffer = bytearray(CHUNK)
        self.files: dict[str, FileRecord] = {}

    def copy(self, folder: _Folder, dir_fd: int) -> None:
        dir_flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
        for entry in folder.entries:
            if isinstance(entry, _Folder):
                child = _open_nofollow(entry.name, dir_flags, dir_fd, entry.where)
                try:
                    if entry.info is None or not _same(os.fstat(child), entry.info):
                        raise InputError(
                            "BUNDLE_CHANGED", "folder changed while it was read", entry.where
                        )
                    self.copy(entry, child)
                finally:
                    os.close(child)
            else:
                self._copy_file(entry, dir_fd)

    def _copy_file(self, entry: _File, dir_fd: int) -> None:
        file_flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
        fd = _open_nofollow(entry.name, file_flags, dir_fd, entry.where)
        try:
            opened = os.fstat(fd)
            if not stat.S_ISREG(opened.st_mode) or not _same(opened, entry.info):
                raise InputError("BUNDLE_CHANGED", "file changed while it was read", entry.where)
            chunks = read_fd_chunks(fd, self.buffer)
            size = entry.info.st_size
            if (
                self.pending is not None
                and size <= MEMORY_FILE_BYTES
                and self.in_memory + size <= MEMORY_TOTAL_BYTES
            ):
                kept: list[bytes] = []
                record = hash_chunks(
                    chunks, kept, self.budget, entry.limit, entry.where, entry.code
                )
                data = b"".join(kept)
                self.in_memory += len(data)
                self.pending[entry.relative] = data
            else:
                out = create_private(self.staging, entry.relative.split("/"))
                try:
                    record = copy_hashed(
                        chunks, out, self.budget, entry.limit, entry.where, entry.code
                    )
                finally:
                    os.close(out)
            self.files[entry.relative] = record
        finally:
            os.close(fd)


def _same(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _file_limit(relative: str, bag: bool, limits: Limits) -> tuple[int, str]:
    """Tag files and signatures are small; payload files may be large."""
    if relative.startswith("signatures/") or (bag and not relative.startswith("data/")):
        return limits.max_manifest_bytes, "TAG_FILE_TOO_LARGE"
    return limits.max_file_bytes, "FILE_TOO_LARGE"
