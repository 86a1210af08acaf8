"""The local JSON cache: compiled norm sets, catalogues, roll-up plans, opened bundles.

Every entry is a pure function of its key: the key is a sha256 over the exact input bytes
(or their digests) and the code that turns them into the cached value, so a hit returns
what a miss would have computed. Entries live in ``$NORMENKADER_CACHE_DIR``, else
``$XDG_CACHE_HOME/normenkader`` or ``~/.cache/normenkader``, in a folder only the user can
read (0700); a folder owned by someone else or writable by others is not used at all.
``NORMENKADER_NO_CACHE=1`` (or ``check --no-cache``) turns every cache off.

A cache can only ever make a run faster: an unreadable, corrupt or foreign entry is a miss,
and a cache folder that cannot be written (read-only home, no home) is silently skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import __version__

_SAFE_KEY = re.compile(r"^[0-9a-f]{64}$")
#: Entries kept per family; the oldest are removed when a new one is written.
KEEP = {"bundle": 32, "dataset": 32, "conditions": 32, "rollup": 8, "normset": 16, "catalogues": 8}


_disabled = False


def disable() -> None:
    """Turn every cache off for the rest of this process (``verify --rerun`` must compute
    everything afresh); unlike ``NORMENKADER_NO_CACHE`` it changes no environment."""
    global _disabled
    _disabled = True


def enabled() -> bool:
    return not _disabled and os.environ.get("NORMENKADER_NO_CACHE", "") == ""


def cache_dir() -> Path:
    explicit = os.environ.get("NORMENKADER_CACHE_DIR")
    if explicit:
        return Path(explicit)
    # no HOME (a container with an arbitrary uid) makes Path.home() raise RuntimeError
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "normenkader"


def make_key(fmt: str, parts: Iterable[str | bytes]) -> str:
    """sha256 over the cache format, the engine version and ``parts`` (NUL-separated)."""
    digest = hashlib.sha256(f"{fmt}|{__version__}".encode())
    for part in parts:
        digest.update(
            b"\0" + (part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part)
        )
    return digest.hexdigest()


def code_stamps(files: Iterable[Path]) -> str:
    """Name, size and mtime of the code that computes a cached value: a changed file (an
    editable install, a patched check kind) invalidates the entries it produced."""
    stamps = []
    for path in files:
        status = path.stat()
        stamps.append((path.name, status.st_size, status.st_mtime_ns))
    return repr(sorted(stamps))


def _trusted(folder: Path) -> bool:
    """Only a folder that this user owns and nobody else may write is used: on a shared
    machine another account must not be able to plant an entry (the value would be
    believed, as it is keyed by content, not signed)."""
    try:
        status = os.stat(folder)
    except OSError:
        return False
    owner = os.getuid() if hasattr(os, "getuid") else status.st_uid
    return status.st_uid == owner and not status.st_mode & 0o022


def read(family: str, fmt: str, key: str) -> Any | None:
    """The cached value, or None on a miss (absent, unreadable or not this key's entry)."""
    if not enabled() or not _SAFE_KEY.match(key):
        return None
    try:
        folder = cache_dir()
        if not _trusted(folder):
            return None
        data = json.loads((folder / f"{family}-{key}.json").read_bytes())
    except (OSError, ValueError, RuntimeError):
        return None
    if not isinstance(data, dict) or data.get("format") != fmt or data.get("key") != key:
        return None
    return data.get("value")


def write(family: str, fmt: str, key: str, value: Any) -> None:
    """Store ``value`` (JSON types only; key order is kept, as callers rely on it)."""
    if not enabled() or not _SAFE_KEY.match(key):
        return
    try:
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not _trusted(folder):
            return
        from .atomic import write_atomic

        payload = {"format": fmt, "key": key, "value": value}
        write_atomic(folder / f"{family}-{key}.json", json.dumps(payload, ensure_ascii=False))
        _prune(folder, family, KEEP.get(family, 8))
    except Exception:  # a read-only or full cache folder must not break a run
        return


def _prune(folder: Path, family: str, keep: int) -> None:
    entries = []
    for path in folder.glob(f"{family}-*.json"):
        try:
            entries.append((path.stat().st_mtime_ns, path.name, path))
        except OSError:
            continue
    entries.sort(reverse=True)
    for _, _, path in entries[keep:]:
        try:
            path.unlink()
        except OSError:
            continue
