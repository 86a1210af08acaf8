"""The embedded ledger store: one SQLite file (stdlib ``sqlite3``), WAL, ``synchronous=FULL``,
append-only enforced by triggers, one ``BEGIN IMMEDIATE`` transaction per entry.

SQLite's locking relies on POSIX advisory locks and, in WAL mode, on shared memory beside
the database; both are unreliable on network file systems (NFS, CIFS/SMB, most FUSE
mounts), where two writers can corrupt the file. A ledger there is refused
(``LEDGER_NETWORK_FS``); use the PostgreSQL store for a shared ledger.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import InputError
from .store import TABLE, Row

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    seq   INTEGER PRIMARY KEY CHECK (seq >= 1),
    hash  TEXT NOT NULL UNIQUE,
    entry BLOB NOT NULL,
    keyid TEXT NOT NULL,
    sig   TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE}
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: UPDATE refused'); END;
CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE}
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: DELETE refused'); END;
"""

#: File-system types on which SQLite's locks cannot be trusted (``/proc/mounts`` names).
NETWORK_FS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb",
        "smb2",
        "smb3",
        "smbfs",
        "9p",
        "afs",
        "ceph",
        "glusterfs",
        "lustre",
        "gpfs",
        "ncpfs",
        "coda",
        "sshfs",
        "davfs",
        "virtiofs",
    }
)
BUSY_TIMEOUT_MS = 60_000


def _unescape(field: str) -> str:
    """``/proc/mounts`` escapes space, tab, newline and backslash as octal."""
    return (
        field.replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\")
    )


def filesystem_type(path: Path, mounts: str | None = None) -> str | None:
    """The type of the file system holding ``path`` (longest mount point), from
    ``/proc/mounts`` (None where that file is absent, e.g. not Linux)."""
    if mounts is None:
        try:
            mounts = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    target = str(path.resolve())
    best, kind = "", None
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = _unescape(fields[1])
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, fields[2]
    return kind


def network_problem(fstype: str | None) -> str | None:
    """Why a SQLite ledger may not live on ``fstype`` (None: it may)."""
    if fstype is None:
        return None
    if fstype in NETWORK_FS or (fstype.startswith("fuse") and fstype not in {"fuseblk"}):
        return (
            f"the folder is on a {fstype} file system, where SQLite's file locks are "
            "unreliable (two writers can corrupt the ledger); keep the workspace on a local "
            "disk or use a PostgreSQL ledger"
        )
    return None


class SQLiteStore:
    """A :class:`~normenkader.workspace.store.LedgerStore` in one SQLite file."""

    def __init__(self, path: Path, *, create: bool = False, mounts: str | None = None) -> None:
        problem = network_problem(filesystem_type(path.parent, mounts))
        if problem:
            raise InputError("LEDGER_NETWORK_FS", problem, str(path))
        if not create and not path.is_file():
            raise InputError("LEDGER_MISSING", "the workspace has no ledger file", str(path))
        try:
            self._db = sqlite3.connect(
                str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
            )
            self._db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise InputError("LEDGER_INVALID", f"cannot switch to WAL (got {mode})", str(path))
            self._db.execute("PRAGMA synchronous=FULL")
            if create:
                self._db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise InputError(
                "LEDGER_INVALID", f"not a readable ledger ({exc})", str(path)
            ) from None
        self.path = path

    def append(self, build: Callable[[int, str], Row | None]) -> Row | None:
        from .store import GENESIS

        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            last = db.execute(f"SELECT seq, hash FROM {TABLE} ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev = (int(last[0]) + 1, str(last[1])) if last else (1, GENESIS)
            row = build(seq, prev)
            if row is None:
                db.execute("ROLLBACK")
                return None
            db.execute(
                f"INSERT INTO {TABLE} (seq, hash, entry, keyid, sig) VALUES (?, ?, ?, ?, ?)",
                (row.seq, row.hash, row.entry, row.keyid, row.sig),
            )
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return row

    def rows(self) -> Iterator[Row]:
        try:
            cursor = self._db.execute(
                f"SELECT seq, hash, entry, keyid, sig FROM {TABLE} ORDER BY seq"
            )
            for seq, digest, entry, keyid, sig in cursor:
                data = entry if isinstance(entry, bytes) else str(entry).encode("utf-8")
                yield Row(int(seq), str(digest), data, str(keyid), str(sig))
        except sqlite3.DatabaseError as exc:
            raise InputError(
                "LEDGER_INVALID", f"cannot read the ledger ({exc})", str(self.path)
            ) from None

    def head(self) -> Row | None:
        found = self._db.execute(
            f"SELECT seq, hash, entry, keyid, sig FROM {TABLE} ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        if found is None:
            return None
        return Row(int(found[0]), str(found[1]), bytes(found[2]), str(found[3]), str(found[4]))

    def close(self) -> None:
        self._db.close()
