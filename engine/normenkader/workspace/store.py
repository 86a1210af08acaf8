"""The ledger's storage interface: a store keeps rows and enforces append-only; the ledger
(``ledger.py``) builds, chains, signs and verifies them.

A store holds one table ``ledger_entries`` with the columns of :class:`Row`. Every backend
(SQLite here, PostgreSQL next) implements :class:`LedgerStore` with the same columns and the
same guarantees:

* ``append`` runs one transaction that reads the chain head *inside* an exclusive write
  transaction (SQLite ``BEGIN IMMEDIATE``; PostgreSQL ``LOCK TABLE ... IN EXCLUSIVE MODE``
  or ``SELECT ... FOR UPDATE`` on a head row), so two writers never build on the same head;
* the row is durable when ``append`` returns (SQLite WAL with ``synchronous=FULL``);
* the database refuses UPDATE and DELETE of rows (SQLite triggers that RAISE; PostgreSQL a
  trigger plus a role without UPDATE/DELETE grants).

The verification does not trust the store: it recomputes every hash and signature.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

#: The one table every store holds (column meaning: see :class:`Row`).
TABLE = "ledger_entries"
GENESIS = "sha256:" + "0" * 64


@dataclass(frozen=True)
class Row:
    """One stored ledger entry.

    ``seq`` counts from 1 without gaps; ``entry`` is the canonical (RFC 8785) JSON of the
    entry (which itself holds ``seq`` and ``prev``); ``hash`` is ``sha256:<hex>`` of
    ``prev + "\\n" + entry``; ``sig`` is the base64 Ed25519 signature of ``keyid`` over
    :func:`normenkader.workspace.ledger.signed_message` of the hash.
    """

    seq: int
    hash: str
    entry: bytes
    keyid: str
    sig: str


class LedgerStore(Protocol):
    """What the ledger needs from a database (SQLite: ``store_sqlite.SQLiteStore``)."""

    def append(self, build: Callable[[int, str], Row | None]) -> Row | None:
        """In one exclusive transaction: read the head, call ``build(next_seq, prev_hash)``,
        insert the row it returns, commit. ``build`` may read :meth:`rows` (same
        transaction) and return None to write nothing (a duplicate); its exceptions pass
        through untouched and nothing is written then."""
        ...

    def rows(self) -> Iterator[Row]:
        """Every row in ``seq`` order (a consistent snapshot)."""
        ...

    def head(self) -> Row | None:
        """The last row, or None for an empty ledger."""
        ...

    def close(self) -> None: ...
