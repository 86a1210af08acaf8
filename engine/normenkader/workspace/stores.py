"""Which store a workspace's ``ledger`` setting names: a file name inside the workspace
(SQLite, the default ``ledger.sqlite``) or a ``postgresql://`` URL (a shared server)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import LedgerStore


def valid_setting(text: object) -> bool:
    """A file name inside the workspace, or a PostgreSQL URL."""
    from .store_postgres import is_postgres_url

    if not isinstance(text, str) or not text:
        return False
    if is_postgres_url(text):
        return "\n" not in text and len(text) <= 2000
    return "/" not in text and not text.startswith(".")


def open_store(root: Path, ledger: str, *, create: bool = False) -> LedgerStore:
    from ..errors import InputError
    from .store_postgres import PostgresStore, is_postgres_url, redact

    if is_postgres_url(ledger):
        store = PostgresStore(ledger, create=create)
        if create and store.head() is not None:  # a new workspace never joins another chain
            store.close()
            raise InputError(
                "OUTPUT_EXISTS",
                "the ledger table already holds entries: give each workspace its own "
                "database (or schema, through the URL's options)",
                redact(ledger),
            )
        return store
    from .store_sqlite import SQLiteStore

    return SQLiteStore(root / ledger, create=create)
