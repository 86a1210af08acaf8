"""Atomic output: write to a temporary file in the target folder, fsync, then rename.

An interrupted run never leaves a half-written report where a complete one is expected.
"""

from __future__ import annotations

import contextlib
import os
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
    except OSError as exc:  # a name too long for the file system, a loop of links
        raise unwritable(exc, path) from None
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


def unwritable(exc: OSError, path: Path) -> InputError:
    """The one-line rejection for an output the operating system will not let us write
    (a folder we may not write, a name too long, a full disk, /proc): never a traceback."""
    reason = exc.strerror or type(exc).__name__
    return InputError("OUTPUT_INVALID", f"cannot write the output here ({reason})", str(path))
