"""The shared ledger store: one PostgreSQL table through psycopg 3 (the ``postgres`` extra).

The same table and columns as the SQLite store (:mod:`.store`), for a team of auditors who
share one ledger on a server. Guarantees:

* one transaction per entry that takes a transaction-scoped advisory lock
  (``pg_advisory_xact_lock``) and reads the head *after* it: two writers queue, neither
  builds on a stale head, readers are not blocked. Not ``LOCK TABLE ... IN EXCLUSIVE
  MODE``: PostgreSQL grants that only to roles with UPDATE, DELETE or TRUNCATE, which the
  auditors' role must not have. A writer that bypasses the lock still cannot fork the
  chain: ``seq`` is the primary key, so the second insert of a number fails;
* a killed client leaves no half entry: PostgreSQL rolls back a transaction whose
  connection is gone;
* append-only in the database: a trigger raises on UPDATE and DELETE (per row) and on
  TRUNCATE (per statement). A table owner or superuser can drop the trigger, so the ledger's
  verification never trusts the database; for day-to-day use connect as a role that has
  only ``SELECT, INSERT`` on the table (docs/audit.md shows the grants).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .store import GENESIS, TABLE, Row

if TYPE_CHECKING:
    import psycopg

SCHEMES = ("postgresql://", "postgres://")
CONNECT_TIMEOUT_S = 10

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    seq   BIGINT PRIMARY KEY CHECK (seq >= 1),
    hash  TEXT NOT NULL UNIQUE,
    entry BYTEA NOT NULL,
    keyid TEXT NOT NULL,
    sig   TEXT NOT NULL
);
CREATE OR REPLACE FUNCTION {TABLE}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % refused', TG_OP;
END;
$$;
CREATE OR REPLACE TRIGGER {TABLE}_no_change BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only();
CREATE OR REPLACE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_append_only();
"""
#: serialises two ``create`` calls on one fresh database (CREATE ... IF NOT EXISTS races)
_CREATE_LOCK = 0x6E6B_6C65_6467  # "nkledg"
#: the writers' queue: held from reading the head to commit (see the module docstring)
_APPEND_LOCK = 0x6E6B_6C65_6461  # "nkleda"


def is_postgres_url(text: str) -> bool:
    return text.startswith(SCHEMES)


def redact(url: str) -> str:
    """The URL without its password (error lines and reports never show it)."""
    return re.sub(r"^(postgres(?:ql)?://[^:/@]*):[^@]*@", r"\1:***@", url)


class PostgresStore:
    """A :class:`~normenkader.workspace.store.LedgerStore` in one PostgreSQL table."""

    def __init__(self, url: str, *, create: bool = False) -> None:
        try:
            import psycopg
        except ImportError:
            raise InputError(
                "LEDGER_UNAVAILABLE",
                "a PostgreSQL ledger needs psycopg 3 (the postgres extra: "
                "pip install '.[postgres]' from a clone)",
                redact(url),
            ) from None
        self._psycopg = psycopg
        self.where = redact(url)
        try:
            self._db: psycopg.Connection[Any] = psycopg.connect(
                url,
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT_S,
                application_name="normenkader-ledger",
            )
        except psycopg.Error as exc:
            raise InputError(
                "LEDGER_UNAVAILABLE", f"cannot connect ({_first_line(exc)})", self.where
            ) from None
        try:
            if create:
                with self._db.transaction():
                    self._db.execute("SELECT pg_advisory_xact_lock(%s)", (_CREATE_LOCK,))
                    self._db.execute(SCHEMA)  # type: ignore[arg-type]
            found = self._db.execute("SELECT to_regclass(%s)", (TABLE,)).fetchone()
        except psycopg.Error as exc:
            self._db.close()
            raise InputError(
                "LEDGER_INVALID", f"cannot prepare the ledger ({_first_line(exc)})", self.where
            ) from None
        if found is None or found[0] is None:
            self._db.close()
            raise InputError("LEDGER_MISSING", f"the database has no {TABLE} table", self.where)

    def append(self, build: Callable[[int, str], Row | None]) -> Row | None:
        psycopg = self._psycopg
        db = self._db
        try:
            with db.transaction():
                db.execute("SELECT pg_advisory_xact_lock(%s)", (_APPEND_LOCK,))
                last = db.execute(
                    f"SELECT seq, hash FROM {TABLE} ORDER BY seq DESC LIMIT 1"  # type: ignore[arg-type]
                ).fetchone()
                seq, prev = (int(last[0]) + 1, str(last[1])) if last else (1, GENESIS)
                row = build(seq, prev)
                if row is None:
                    return None  # the transaction commits having written nothing
                db.execute(
                    f"INSERT INTO {TABLE} (seq, hash, entry, keyid, sig)"  # type: ignore[arg-type]
                    " VALUES (%s, %s, %s, %s, %s)",
                    (row.seq, row.hash, row.entry, row.keyid, row.sig),
                )
        except psycopg.Error as exc:
            raise InputError(
                "LEDGER_INVALID", f"cannot append to the ledger ({_first_line(exc)})", self.where
            ) from None
        return row

    def _select(self, sql: str) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(sql).fetchall()  # type: ignore[arg-type]
        except self._psycopg.Error as exc:
            raise InputError(
                "LEDGER_INVALID", f"cannot read the ledger ({_first_line(exc)})", self.where
            ) from None

    def rows(self) -> Iterator[Row]:
        # one statement: one snapshot, also outside a transaction
        for seq, digest, entry, keyid, sig in self._select(
            f"SELECT seq, hash, entry, keyid, sig FROM {TABLE} ORDER BY seq"
        ):
            yield Row(int(seq), str(digest), bytes(entry), str(keyid), str(sig))

    def head(self) -> Row | None:
        found = self._select(
            f"SELECT seq, hash, entry, keyid, sig FROM {TABLE} ORDER BY seq DESC LIMIT 1"
        )
        if not found:
            return None
        seq, digest, entry, keyid, sig = found[0]
        return Row(int(seq), str(digest), bytes(entry), str(keyid), str(sig))

    def close(self) -> None:
        self._db.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
