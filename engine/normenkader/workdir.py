"""Private working folders for staging a bundle.

``tempfile`` and ``shutil`` pull in ``random``, ``bz2``, ``lzma`` and ``fnmatch``: about
2% of a warm ``check`` run for one folder. The two things the check path needs are
written out here: make a folder only this user can enter, under a name nobody can
predict, and remove it again without ever following a symbolic link.

A staging folder holds a copy of the auditee's evidence, so it must not outlive the run,
also when the run is interrupted: the first private folder installs handlers that turn
SIGTERM and SIGHUP into ``SystemExit`` (and SIGINT into ``KeyboardInterrupt``, if it was
reset to the default), so ``finally`` blocks and ``atexit`` cleanups run. A second signal
during that cleanup is ignored, so the cleanup completes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

_CANDIDATES = ("TMPDIR", "TEMP", "TMP")
_FALLBACKS = ("/tmp", "/var/tmp", "/usr/tmp")


_handled = False
_exiting = False


def _on_signal(signum: int, frame: FrameType | None) -> None:
    """Leave through ``SystemExit`` so cleanups run; ignore repeats while cleaning up."""
    global _exiting
    if _exiting:
        return
    _exiting = True
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + signum)


def install_signal_handlers() -> None:
    """Make SIGTERM, SIGHUP (and a default SIGINT) unwind the stack instead of killing the
    process outright; handlers someone else installed are left alone. Main thread only."""
    global _handled
    if _handled or threading.current_thread() is not threading.main_thread():
        return
    _handled = True
    for name in ("SIGTERM", "SIGHUP", "SIGINT"):
        number = getattr(signal, name, None)
        if number is None:
            continue
        current = signal.getsignal(number)
        if current == signal.SIG_DFL:  # Python's own SIGINT handler already unwinds
            signal.signal(number, _on_signal)


def make_private_dir(prefix: str, parent: Path | None = None) -> Path:
    """A new folder (mode 0700) named ``prefix`` + 96 random bits, in ``parent`` or the
    first usable temporary folder (``TMPDIR``, ``TEMP``, ``TMP``, then ``/tmp``...)."""
    install_signal_handlers()
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
