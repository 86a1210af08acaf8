"""Private working folders for staging a bundle.

``tempfile`` and ``shutil`` pull in ``random``, ``bz2``, ``lzma`` and ``fnmatch``: about
2% of a warm ``check`` run for one folder. The two things the check path needs are
written out here: make a folder only this user can enter, under a name nobody can
predict, and remove it again without ever following a symbolic link.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

_CANDIDATES = ("TMPDIR", "TEMP", "TMP")
_FALLBACKS = ("/tmp", "/var/tmp", "/usr/tmp")


def make_private_dir(prefix: str, parent: Path | None = None) -> Path:
    """A new folder (mode 0700) named ``prefix`` + 96 random bits, in ``parent`` or the
    first usable temporary folder (``TMPDIR``, ``TEMP``, ``TMP``, then ``/tmp``...)."""
    if parent is not None:
        bases = [str(parent)]
    else:
        bases = [os.environ[n] for n in _CANDIDATES if os.environ.get(n)] + list(_FALLBACKS)
    last: OSError | None = None
    for base in bases:
        for _ in range(8):
            path = os.path.join(base, prefix + os.urandom(12).hex())
            try:
                os.mkdir(path, 0o700)
            except FileExistsError as exc:
                last = exc
                continue
            except OSError as exc:  # not there, not writable: the next base
                last = exc
                break
            return Path(path)
    raise last or FileNotFoundError("no usable temporary folder")


def remove_tree(path: Path) -> None:
    """Remove ``path`` and everything in it; links are unlinked, never followed.

    Used on folders this process made; anything it cannot remove is left (as
    ``shutil.rmtree(ignore_errors=True)`` would).
    """
    for folder, subfolders, names in os.walk(path, topdown=False):
        for name in names:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, name))
        for name in subfolders:
            child = os.path.join(folder, name)
            with contextlib.suppress(OSError):
                if os.path.islink(child):
                    os.unlink(child)
                else:
                    os.rmdir(child)
    with contextlib.suppress(OSError):
        os.rmdir(path)


@contextlib.contextmanager
def private_workdir(prefix: str = "normenkader-") -> Iterator[Path]:
    """A private temporary folder for the duration of a ``with`` block."""
    path = make_private_dir(prefix)
    try:
        yield path
    finally:
        remove_tree(path)
