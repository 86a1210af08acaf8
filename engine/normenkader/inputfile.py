"""Read a small input file named on the command line (waivers, assessments, keys, results).

``Path.read_bytes`` blocks forever on a FIFO and reads ``/dev/zero`` until memory runs
out. This opens without blocking, accepts only a regular file, and never reads more than
``limit`` bytes, so every bad path is one ``error CODE:`` line instead of a hang.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import InputError


def read_input_file(path: Path, code: str, limit: int) -> bytes:
    """The bytes of regular file ``path`` (at most ``limit``); InputError(code) otherwise."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputError(code, exc.strerror or "cannot read file", str(path)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            what = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise InputError(code, f"{what}; expected a file", str(path))
        if info.st_size > limit:
            raise InputError(code, f"file is larger than {limit} bytes", str(path))
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # grew while being read
            raise InputError(code, f"file is larger than {limit} bytes", str(path))
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(code, exc.strerror or "cannot read file", str(path)) from None
    finally:
        os.close(fd)
