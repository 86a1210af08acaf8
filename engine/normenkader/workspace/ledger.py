"""The audit ledger: signed, hash-chained entries over any :class:`~.store.LedgerStore`.

An entry is a JSON object, stored in its canonical form (RFC 8785)::

    {"format": "normenkader-ledger/1", "seq": 7, "prev": "sha256:<hex of entry 6>",
     "type": "judgement", "at": "2026-11-29T10:00:00Z", "actor": "<keyid>", "body": {...}}

``hash = sha256(prev + "\\n" + canonical entry)`` and the actor's Ed25519 key signs
``b"normenkader-ledger/1\\n" + hash`` (a detached signature; the domain prefix keeps the
signature from being replayed as any other statement). The actor's key must be in the
workspace's trusted-keys file with the role :data:`ROLES` names for the entry type, and be
valid on the day of ``at``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .store import GENESIS, LedgerStore, Row

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ..evidence.keys import TrustedKey

FORMAT = "normenkader-ledger/1"
DOMAIN = b"normenkader-ledger/1\n"

#: entry type -> the role its signer's key must carry
ROLES: dict[str, str] = {
    "init": "supervisor",  # the workspace was created: name, norm-set digest, profile, as-of
    "receipt": "supervisor",  # a bundle taken in (or rejected, with its error code)
    "run": "supervisor",  # an evaluation of every bundle: bundle digest -> result digest
    "judgement": "assessor",  # a signed judgement (the assessments record, embedded)
    "waiver": "waiver-approver",  # a waiver decision (a signed waiver record, embedded)
    "report": "supervisor",  # an issued audit report: its digest and language
}


def canonical(value: Any) -> bytes:
    import rfc8785

    return rfc8785.dumps(value)


def entry_hash(prev: str, entry: bytes) -> str:
    return "sha256:" + hashlib.sha256(prev.encode("ascii") + b"\n" + entry).hexdigest()


def signed_message(digest: str) -> bytes:
    return DOMAIN + digest.encode("ascii")


def now_text() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Entry:
    """A verified (or freshly written) entry: its row and its parsed content."""

    row: Row
    value: dict[str, Any]

    @property
    def seq(self) -> int:
        return self.row.seq

    @property
    def type(self) -> str:
        return str(self.value["type"])

    @property
    def body(self) -> dict[str, Any]:
        body = self.value.get("body")
        return body if isinstance(body, dict) else {}


def signer_for(kind: str, key: Ed25519PrivateKey, trusted: list[TrustedKey]) -> TrustedKey:
    """The trusted key of ``key``, when it holds the role an entry of ``kind`` needs."""
    from ..evidence.keys import key_id

    keyid = key_id(key.public_key())
    role = ROLES[kind]
    signer = next((k for k in trusted if k.key_id == keyid), None)
    if signer is None:
        raise InputError(
            "SIGNATURE_UNTRUSTED", f"key {keyid[:16]} is not in the workspace's trusted keys"
        )
    if not signer.has_role(role):
        raise InputError(
            "ROLE_NOT_ALLOWED",
            f"a {kind} entry is signed by a key with the role {role}; key {keyid[:16]} has "
            f"{signer.role}",
        )
    return signer


def append(
    store: LedgerStore,
    kind: str,
    body: dict[str, Any],
    key: Ed25519PrivateKey,
    trusted: list[TrustedKey],
    at: str | None = None,
    unless: Callable[[list[Entry]], bool] | None = None,
) -> Entry | None:
    """Sign and append one entry; the key must hold the role of ``kind`` (ROLE_NOT_ALLOWED).

    ``unless`` sees the entries inside the write transaction; when it returns True nothing
    is written and None is returned (e.g. the bundle was already received)."""
    from ..evidence.keys import key_id, parse_signed_at

    keyid = key_id(key.public_key())
    signer = signer_for(kind, key, trusted)
    moment = at or now_text()
    problem = signer.validity_problem(parse_signed_at(moment, "ledger"), None)
    if problem is not None:
        raise problem
    holder: dict[str, Any] = {}

    def build(seq: int, prev: str) -> Row | None:
        if unless is not None and unless(read(store)):
            return None
        value = {
            "format": FORMAT,
            "seq": seq,
            "prev": prev,
            "type": kind,
            "at": moment,
            "actor": keyid,
            "body": body,
        }
        data = canonical(value)
        digest = entry_hash(prev, data)
        sig = base64.b64encode(key.sign(signed_message(digest))).decode("ascii")
        holder["value"] = value
        return Row(seq, digest, data, keyid, sig)

    row = store.append(build)
    return None if row is None else Entry(row, holder["value"])


@dataclass(frozen=True)
class Problem:
    """The first defect of a ledger: which entry and why (``code`` is stable)."""

    seq: int
    code: str
    message: str

    def line(self) -> str:
        return f"entry {self.seq}: {self.code}: {self.message}"


def _fail(seq: int, code: str, message: str) -> Problem:
    return Problem(seq, code, message)


def check_row(
    row: Row, expected_seq: int, prev: str, by_id: dict[str, TrustedKey]
) -> tuple[dict[str, Any] | None, Problem | None]:
    """One row against its place in the chain, its signature and its signer's role."""
    from cryptography.exceptions import InvalidSignature

    from ..evidence.keys import parse_signed_at

    if row.seq != expected_seq:
        what = "removed" if row.seq > expected_seq else "duplicated or reordered"
        return None, _fail(
            expected_seq,
            "entry_missing",
            f"entry {expected_seq} is {what} (the next stored row is {row.seq})",
        )
    try:
        value = json.loads(row.entry.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, _fail(row.seq, "entry_unreadable", "the entry is not JSON")
    if not isinstance(value, dict) or canonical(value) != row.entry:
        return None, _fail(row.seq, "entry_not_canonical", "the entry is not canonical JSON")
    if (
        set(value) != {"format", "seq", "prev", "type", "at", "actor", "body"}
        or value["format"] != FORMAT
    ):
        return None, _fail(row.seq, "entry_invalid", f"not a {FORMAT} entry")
    if value["seq"] != row.seq:
        return None, _fail(
            row.seq, "entry_reordered", f"the entry says it is number {value['seq']}"
        )
    if value["prev"] != prev:
        return None, _fail(
            row.seq,
            "chain_broken",
            "the entry does not follow the previous one (changed, removed or reordered before it)",
        )
    if entry_hash(prev, row.entry) != row.hash:
        return None, _fail(row.seq, "hash_mismatch", "the stored hash is not the entry's hash")
    if value["actor"] != row.keyid:
        return None, _fail(row.seq, "signer_mismatch", "the row's key is not the entry's actor")
    key = by_id.get(row.keyid)
    if key is None:
        return None, _fail(
            row.seq, "signer_untrusted", f"key {row.keyid[:16]} is not in the trusted keys"
        )
    try:
        signature = base64.b64decode(row.sig, validate=True)
        key.public.verify(signature, signed_message(row.hash))
    except (binascii.Error, ValueError, InvalidSignature):
        return None, _fail(row.seq, "signature_invalid", "the signature does not verify (forged?)")
    role = ROLES.get(str(value["type"]))
    if role is None:
        return None, _fail(row.seq, "entry_invalid", f"unknown entry type {value['type']!r}")
    if not key.has_role(role):
        return None, _fail(
            row.seq,
            "role_missing",
            f"a {value['type']} entry needs a key with the role {role}; "
            f"key {row.keyid[:16]} has {key.role}",
        )
    try:
        moment = parse_signed_at(value["at"], None)
    except InputError:
        return None, _fail(row.seq, "entry_invalid", "'at' is not an RFC 3339 time")
    problem = key.validity_problem(moment, None)
    if problem is not None:
        return None, _fail(row.seq, "key_not_valid", problem.message)
    if not isinstance(value["body"], dict):
        return None, _fail(row.seq, "entry_invalid", "body is not an object")
    return value, None


def verify(
    rows: Iterable[Row],
    trusted: list[TrustedKey],
    check_body: Callable[[Entry], str | None] | None = None,
) -> tuple[list[Entry], Problem | None]:
    """Walk the chain; returns the entries read and the first problem (None: intact).

    ``check_body`` checks what an entry points to (a sealed bundle, a result file) and
    returns why it no longer matches.
    """
    by_id = {key.key_id: key for key in trusted}
    entries: list[Entry] = []
    prev, expected = GENESIS, 1
    for row in rows:
        value, problem = check_row(row, expected, prev, by_id)
        if problem is not None:
            return entries, problem
        assert value is not None
        entry = Entry(row, value)
        if check_body is not None:
            why = check_body(entry)
            if why is not None:
                return entries, _fail(row.seq, "content_changed", why)
        entries.append(entry)
        prev, expected = row.hash, expected + 1
    return entries, None


def read(store: LedgerStore) -> list[Entry]:
    """Entries as stored, parsed without verification (status and review read these after
    the workspace is opened; ``ledger verify`` is the check)."""
    entries = []
    for row in store.rows():
        try:
            value = json.loads(row.entry.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise InputError(
                "LEDGER_INVALID", f"entry {row.seq} is not JSON (run 'audit ledger verify')"
            ) from None
        if not isinstance(value, dict) or "type" not in value:
            raise InputError("LEDGER_INVALID", f"entry {row.seq} is not a ledger entry")
        entries.append(Entry(row, value))
    return entries
