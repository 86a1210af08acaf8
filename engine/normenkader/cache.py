"""The local JSON cache: compiled norm sets, catalogues, roll-up plans, opened bundles,
dataset counts.

A cache must never change a verdict, so an entry is used only when all three hold:

* **Its key names everything the value depends on.** Each family hashes the bytes of the
  data it reads (norm files, catalogue files, staged evidence, ...) into its key, and
  ``make_key`` adds the engine ``fingerprint()``: a sha256 over the bytes of every file of
  this package and of the shipped schemas, the versions of the libraries that shape a
  result and the Python version. Never a name, size or modification time.
* **It was written by this user's engine.** Every entry carries an HMAC-SHA256 over its
  family, key and payload, under a secret kept *outside* the cache folder
  (``$NORMENKADER_CACHE_SECRET``, else a private per-user key file, see ``secret_path``).
  An edited or planted entry (a shared CI cache folder, another process) is a miss.
* **It can be read safely.** Only a regular file below ``MAX_ENTRY_BYTES`` is read
  (opened without following links and without blocking, checked with ``fstat``).

Entries live in ``$NORMENKADER_CACHE_DIR``, else ``$XDG_CACHE_HOME/normenkader`` or
``~/.cache/normenkader``, in a folder only the user can read (0700); a folder owned by
someone else or writable by others is not used at all. ``NORMENKADER_NO_CACHE=1``,
``check --no-cache`` (``bypass``) and ``disable()`` turn every cache off.

A cache can only ever make a run faster: an unreadable, corrupt, unauthenticated or foreign
entry is a miss, and a cache folder or key file that cannot be used is silently skipped.
See docs/design-decisions.md (speed) for the threat model.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from . import __version__
from .resources import schemas_dir

_SAFE_KEY = re.compile(r"^[0-9a-f]{64}$")
_SAFE_FAMILY = re.compile(r"^[a-z]{1,32}$")
#: Entries kept per family; the oldest are removed when a new one is written.
KEEP = {
    "bundle": 32,
    "dataset": 32,
    "rollup": 8,
    "normset": 16,
    "normindex": 16,
    "normshard": 2048,  # one per folder of norm files (norms/compiled.py)
    "catalogues": 8,
}
#: Bytes kept per family: the oldest entries beyond this go too (the newest always stays),
#: so audit-scale entries (a 10,000-item bundle, a 10,000-norm library: megabytes each)
#: never let the folder grow to ``KEEP`` times ``MAX_ENTRY_BYTES``.
KEEP_BYTES = 256 << 20
#: No entry larger than this is read or written (a planted 8 GiB sparse file is a miss).
MAX_ENTRY_BYTES = 64 << 20
#: First line of an entry: this tag, then the hex HMAC of the rest of the file.
_MAGIC = b"normenkader-cache/2 "
#: Distributions whose code decides a value that some family caches (validity, counts,
#: parsed values, canonical bytes, signatures).
DEPENDENCIES = (
    "jsonschema-rs",
    "common-expression-language",
    "PyYAML",
    "pydantic",
    "pydantic-core",
    "duckdb",
    "rfc8785",
    "cryptography",
)
#: Shortest ``$NORMENKADER_CACHE_SECRET`` accepted (a shorter one turns the cache off).
MIN_SECRET_CHARS = 32

#: Flags for reading an entry or the key: never through a link, never waiting on a FIFO.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_SAFE_OPEN = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0)
_disabled = False
_use: ContextVar[bool] = ContextVar("normenkader_cache_use", default=True)


def disable() -> None:
    """Turn every cache off for the rest of this process (``verify --rerun`` must compute
    everything afresh); unlike ``NORMENKADER_NO_CACHE`` it changes no environment."""
    global _disabled
    _disabled = True


@contextmanager
def bypass() -> Iterator[None]:
    """No cache is read or written inside this block (this thread or task only)."""
    token = _use.set(False)
    try:
        yield
    finally:
        _use.reset(token)


def enabled() -> bool:
    return not _disabled and _use.get() and os.environ.get("NORMENKADER_NO_CACHE", "") == ""


def cache_dir() -> Path:
    explicit = os.environ.get("NORMENKADER_CACHE_DIR")
    if explicit:
        return Path(explicit)
    # no HOME (a container with an arbitrary uid) makes Path.home() raise RuntimeError
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "normenkader"


def secret_path() -> Path:
    """The per-user cache key: ``$XDG_CONFIG_HOME/normenkader/cache.key`` (else
    ``~/.config/...``), never inside the cache folder, so sharing or restoring a cache
    folder never shares the key that vouches for its entries."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "normenkader" / "cache.key"


# --- engine fingerprint -------------------------------------------------------------------

_fingerprint: str | None = None


def fingerprint() -> str:
    """sha256 over everything besides its own inputs that can change a cached value:

    * the bytes (and relative paths) of every file of the package, ``__pycache__`` and the
      wheel's ``_data`` left out, and of every file of the shipped schemas folder;
    * ``Name==version`` of each of ``DEPENDENCIES``, as importlib.metadata reports it;
    * ``sys.version`` and the bytecode tag of this interpreter.

    Computed once per process. The norm library, catalogues and profiles are *inputs*: the
    families that read them hash their bytes into their own keys.
    """
    global _fingerprint
    if _fingerprint is None:
        digest = hashlib.sha256(b"normenkader-engine/1\0")
        tag = sys.implementation.cache_tag or ""
        digest.update(f"{__version__}\0{sys.version}\0{tag}\0".encode())
        for name, version in dependency_versions().items():
            digest.update(f"{name}=={version}\0".encode())
        package = Path(__file__).resolve().parent
        try:
            schemas: Path | None = schemas_dir()
        except FileNotFoundError:
            schemas = None
        try:
            for label, root in (("package", package), ("schemas", schemas)):
                digest.update(f"\0{label}\0".encode())
                if root is not None:
                    _hash_tree(digest, str(root), "")
            _fingerprint = digest.hexdigest()
        except OSError:  # a file of the engine cannot be read: no key can name the code
            disable()
            _fingerprint = os.urandom(32).hex()
    return _fingerprint


def _hash_tree(digest: Any, folder: str, relative: str) -> None:
    """Each regular file below ``folder`` as ``path NUL length NUL bytes``, sorted by path."""
    with os.scandir(folder) as listing:
        entries = sorted(listing, key=lambda entry: entry.name)
    for entry in entries:
        name = relative + entry.name
        if entry.is_dir():
            if entry.name not in ("__pycache__", "_data"):
                _hash_tree(digest, entry.path, name + "/")
        elif entry.is_file():
            fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            try:  # os.read, not open(): a quarter of the cost for ~150 small files
                chunks = []
                while chunk := os.read(fd, 1 << 20):
                    chunks.append(chunk)
            finally:
                os.close(fd)
            data = b"".join(chunks)
            digest.update(f"{name}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
            digest.update(data)


def _normalize(name: str) -> str:
    """importlib.metadata's normalised name: runs of ``-``, ``_`` and ``.`` become ``_``."""
    name = name.lower().replace("-", "_").replace(".", "_")
    while "__" in name:
        name = name.replace("__", "_")
    return name


def dependency_versions() -> dict[str, str]:
    """``DEPENDENCIES`` with the version importlib.metadata would report ("" if absent).

    Importing importlib.metadata costs about 35 ms, more than a warm ``check`` may spend,
    so the common layout is read directly, the way importlib.metadata's path finder
    searches it: the first ``*.dist-info`` of that name along ``sys.path``, its METADATA's
    ``Version``. Anything else on the way (an ``.egg-info``, a zip on ``sys.path``, a
    metadata finder of its own) hands the question to importlib.metadata itself.
    """
    wanted = {_normalize(name): name for name in DEPENDENCIES}
    found: dict[str, str] = {}
    unusual = any(
        hasattr(finder, "find_distributions") and getattr(finder, "__name__", "") != "PathFinder"
        for finder in sys.meta_path
    )
    for entry in sys.path if not unusual else []:
        folder = entry or "."
        try:
            names = os.listdir(folder)
        except NotADirectoryError:
            unusual = True  # a zip file: importlib.metadata reads it
            break
        except OSError:
            continue
        for child in names:
            low = child.lower()
            if not low.endswith((".dist-info", ".egg-info")):
                continue
            normalized = _normalize(low.rpartition(".")[0].partition("-")[0])
            if normalized not in wanted or normalized in found:
                continue
            version = None
            if low.endswith(".dist-info"):
                version = _metadata_version(os.path.join(folder, child))
            if version is None:  # an egg-info, or no readable Version
                unusual = True
                break
            found[normalized] = version
        if unusual or len(found) == len(wanted):
            break
    if unusual or len(found) < len(wanted):
        from importlib import metadata

        for normalized, name in wanted.items():
            if normalized not in found or unusual:
                try:
                    found[normalized] = metadata.version(name)
                except metadata.PackageNotFoundError:
                    found[normalized] = ""
    return {name: found[normalized] for normalized, name in sorted(wanted.items())}


def _metadata_version(dist_info: str) -> str | None:
    """The ``Version`` header of a dist-info's METADATA (None if there is none)."""
    try:
        with open(os.path.join(dist_info, "METADATA"), "rb") as handle:
            for raw in handle:
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                if not line:
                    return None  # end of the headers
                name, colon, value = line.partition(":")
                if colon and name.strip().lower() == "version":
                    return value.strip()
    except OSError:
        return None
    return None


def make_key(fmt: str, parts: Iterable[str | bytes]) -> str:
    """sha256 over the cache format, the engine fingerprint and ``parts`` (NUL-separated)."""
    digest = hashlib.sha256(f"{fmt}|{fingerprint()}".encode())
    for part in parts:
        data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
        digest.update(b"\0%d\0" % len(data) + data)
    return digest.hexdigest()


# --- authentication -----------------------------------------------------------------------

_secret: bytes | None = None
_secret_known = False


def secret() -> bytes | None:
    """The key that authenticates entries, or None (then no cache is used).

    ``$NORMENKADER_CACHE_SECRET`` when set (CI jobs that share one cache folder set it from
    the CI's secret store; at least ``MIN_SECRET_CHARS`` characters), else the per-user
    key file, created on first use with 32 random bytes: mode 0600, in a folder of this
    user that nobody else may write, never inside the cache folder.
    """
    global _secret, _secret_known
    if not _secret_known:
        _secret = _load_secret()
        _secret_known = True
    return _secret


def _load_secret() -> bytes | None:
    given = os.environ.get("NORMENKADER_CACHE_SECRET")
    if given is not None:
        if len(given) < MIN_SECRET_CHARS:
            return None
        return hashlib.sha256(b"normenkader-cache-secret\0" + given.encode()).digest()
    try:
        path = secret_path()
        folder = cache_dir().resolve()
        where = path.parent.resolve()
        if where == folder or folder in where.parents:
            return None  # whoever may write the cache folder must not read its key
        known = _read_key(path)
        if known is not None or path.exists() or os.path.islink(path):
            return known
        return _create_key(path)
    except (OSError, RuntimeError, ValueError):
        return None


def _read_key(path: Path) -> bytes | None:
    """The key file's 32 bytes if it is a regular 0600 file of this user, else None."""
    try:
        fd = os.open(path, _SAFE_OPEN)
    except FileNotFoundError:
        return None
    try:
        status = os.fstat(fd)
        if (
            not stat.S_ISREG(status.st_mode)
            or status.st_uid != _uid(status.st_uid)
            or status.st_mode & 0o077
            or status.st_size != 65
        ):
            return None
        text = os.read(fd, 66)
    finally:
        os.close(fd)
    if len(text) != 65 or text[64:] != b"\n":
        return None
    return bytes.fromhex(text[:64].decode("ascii"))


def _create_key(path: Path) -> bytes | None:
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not _trusted(folder):
        return None
    temporary = folder / f".cache.key.{os.getpid()}.{os.urandom(8).hex()}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
    fd = os.open(temporary, flags, 0o600)
    try:
        os.write(fd, os.urandom(32).hex().encode("ascii") + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temporary, path)  # atomic, and never replaces a key another run made
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)
    return _read_key(path)


def _uid(fallback: int) -> int:
    return os.getuid() if hasattr(os, "getuid") else fallback


def _mac(key: bytes, family: str, entry_key: str, payload: bytes) -> bytes:
    message = b"%s\0%s\0" % (family.encode("ascii"), entry_key.encode("ascii"))
    return hmac.new(key, message + payload, hashlib.sha256).hexdigest().encode("ascii")


# --- entries -------------------------------------------------------------------------------


def _trusted(folder: Path) -> bool:
    """Only a folder that this user owns and nobody else may write is used: on a shared
    machine another account must not be able to plant an entry or a key."""
    try:
        status = os.stat(folder)
    except OSError:
        return False
    return (
        stat.S_ISDIR(status.st_mode)
        and status.st_uid == _uid(status.st_uid)
        and not status.st_mode & 0o022
    )


def read_regular(path: Path, limit: int) -> bytes | None:
    """The bytes of ``path`` if it is a regular file (not followed through a link) of at
    most ``limit`` bytes; None otherwise. Never blocks on a FIFO or device."""
    try:
        fd = os.open(path, _SAFE_OPEN)
    except OSError:
        return None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode) or status.st_size > limit:
            return None
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 24))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError:
        return None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    return data if len(data) <= limit else None


def read(family: str, fmt: str, key: str) -> Any | None:
    """The cached value, or None on a miss (absent, unreadable, unauthenticated, too large,
    not a regular file, or not this key's entry)."""
    if not enabled() or not _SAFE_KEY.match(key) or not _SAFE_FAMILY.match(family):
        return None
    try:
        folder = cache_dir()
        if not _trusted(folder):
            return None
        key_bytes = secret()
        if key_bytes is None:
            return None
        raw = read_regular(folder / f"{family}-{key}.json", MAX_ENTRY_BYTES)
    except (OSError, RuntimeError, ValueError):
        return None
    if raw is None or not raw.startswith(_MAGIC):
        return None
    head, newline, payload = raw.partition(b"\n")
    if not newline or not hmac.compare_digest(
        head[len(_MAGIC) :], _mac(key_bytes, family, key, payload)
    ):
        return None
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("format") != fmt or data.get("key") != key:
        return None
    return data.get("value")


def write(family: str, fmt: str, key: str, value: Any) -> None:
    """Store ``value`` (JSON types only; key order is kept, as callers rely on it)."""
    if not enabled() or not _SAFE_KEY.match(key) or not _SAFE_FAMILY.match(family):
        return
    try:
        key_bytes = secret()
        if key_bytes is None:
            return
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not _trusted(folder):
            return
        payload = json.dumps({"format": fmt, "key": key, "value": value}, ensure_ascii=False)
        data = payload.encode("utf-8")
        if len(data) > MAX_ENTRY_BYTES - 100:
            return
        entry = _MAGIC + _mac(key_bytes, family, key, data) + b"\n" + data
        from .atomic import write_atomic  # tempfile: only a run that writes pays for it

        write_atomic(folder / f"{family}-{key}.json", entry)
        _prune(folder, family, KEEP.get(family, 8))
    except Exception:  # a read-only or full cache folder must not break a run
        return


def _prune(folder: Path, family: str, keep: int, keep_bytes: int = KEEP_BYTES) -> None:
    """Remove all but the ``keep`` newest entries of ``family``, and beyond the newest one
    every entry that would take the family over ``keep_bytes``."""
    entries = []
    for path in folder.glob(f"{family}-*.json"):
        try:
            info = path.lstat()
        except OSError:
            continue
        entries.append((info.st_mtime_ns, path.name, info.st_size, path))
    entries.sort(reverse=True)
    total = 0
    for index, (_, _, size, path) in enumerate(entries):
        total += size
        if index < keep and (index == 0 or total <= keep_bytes):
            continue
        try:
            path.unlink()
        except OSError:
            continue
