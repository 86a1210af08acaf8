"""Atomic output: write to a temporary file in the target folder, fsync, then rename.

An interrupted run never leaves a half-written report where a complete one is expected.
An existing character device or FIFO (``-o /dev/null``) is written in place instead: a
rename would replace the device node itself.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from .errors import InputError


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes | str, *, public: bool = False) -> None:
    """Write ``data`` to ``path`` atomically. The file is private (0600) unless ``public``:
    then it gets the mode a plain ``open()`` would give (0666 less the umask), as a report
    meant for CI artifacts and colleagues should."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    folder = path.parent if str(path.parent) else Path(".")
    try:
        if not folder.is_dir():
            raise InputError("OUTPUT_INVALID", "output folder does not exist", str(folder))
        if path.is_dir():
            raise InputError("OUTPUT_INVALID", "output is a folder; name a file", str(path))
        kind = path.stat().st_mode if path.exists() else None
    except OSError as exc:  # a name too long for the file system, a loop of links
        raise unwritable(exc, path) from None
    if kind is not None and not stat.S_ISREG(kind):
        _write_special(path, payload, kind)  # never rename over /dev/null or a FIFO
        return
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name[:80]}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise unwritable(exc, path) from None
    try:
        if public:  # mkstemp made it 0600
            os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise unwritable(exc, path) from None
        raise


def _write_special(path: Path, payload: bytes, kind: int) -> None:
    """Write to an existing character device (``-o /dev/null``, a terminal) or a FIFO with
    a reader, in place: renaming a file over it would replace the device node. Anything
    else (a socket, a block device), and a FIFO nobody reads, is refused."""
    if not (stat.S_ISCHR(kind) or stat.S_ISFIFO(kind)):
        raise InputError("OUTPUT_INVALID", "output is not a regular file", str(path))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:  # ENXIO: a FIFO without a reader
        raise unwritable(exc, path) from None
    try:
        os.set_blocking(fd, True)
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view) :]
    except OSError as exc:
        raise unwritable(exc, path) from None
    finally:
        os.close(fd)


def unwritable(exc: OSError, path: Path) -> InputError:
    """The one-line rejection for an output the operating system will not let us write
    (a folder we may not write, a name too long, a full disk, /proc): never a traceback."""
    reason = exc.strerror or type(exc).__name__
    return InputError("OUTPUT_INVALID", f"cannot write the output here ({reason})", str(path))
