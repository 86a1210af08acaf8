"""Signed audit records: an in-toto Statement v1 in a DSSE envelope with one or more signatures.

Waivers (author and approver) and judgements (assessor) are such records. They are kept in
the waiver or assessments file under ``signed:``, one envelope each::

    signed:
      - payloadType: application/vnd.in-toto+json
        payload: <base64 of the canonical (RFC 8785) statement>
        signatures:
          - {keyid: <sha256 hex of the raw Ed25519 public key>, sig: <base64>}
          - {keyid: ..., sig: ...}          # a second signer (an approver) signs the same bytes

Every signature is over ``PAE(payloadType, payload)`` (DSSE v1), so signatures can be added
one by one without changing what was signed. Who signed is decided here only by keys: a
signature counts when its ``keyid`` names a key of the trusted-keys file and it verifies
under that key; a signature naming a trusted key that does not verify means the record was
altered. Signatures by keys that are not trusted are ignored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature

from ..errors import InputError
from ..evidence.signing import (
    PAYLOAD_TYPE,
    STATEMENT_TYPE,
    SUBMITTER,
    TrustedKey,
    key_id,
    pae,
)
from ..yamlio import loads_json
from .identity import same_organisation

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

MAX_SIGNATURES = 16
MAX_PAYLOAD_BYTES = 256 * 1024
_KEYID = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Envelope:
    """A parsed DSSE envelope: the payload bytes, its statement and the signatures."""

    payload: bytes
    statement: dict[str, Any]
    signatures: tuple[tuple[str, bytes], ...]  # (keyid, signature), envelope order

    def to_dict(self) -> dict[str, Any]:
        return {
            "payloadType": PAYLOAD_TYPE,
            "payload": base64.b64encode(self.payload).decode("ascii"),
            "signatures": [
                {"keyid": keyid, "sig": base64.b64encode(sig).decode("ascii")}
                for keyid, sig in self.signatures
            ],
        }

    @property
    def predicate(self) -> dict[str, Any]:
        value = self.statement.get("predicate")
        return value if isinstance(value, dict) else {}

    def signed_by(self, keyid: str) -> bool:
        return any(kid == keyid for kid, _ in self.signatures)


def parse_envelope(value: Any, where: str, code: str, predicate_type: str) -> Envelope:
    """Check an envelope's structure strictly (``code``, exit 3 on any defect).

    Signatures are only decoded here, not verified (see :func:`check_signatures`).
    """
    if not isinstance(value, dict) or set(value) != {"payloadType", "payload", "signatures"}:
        raise InputError(
            code, "a signed record is a DSSE envelope: payloadType, payload, signatures", where
        )
    if value["payloadType"] != PAYLOAD_TYPE:
        raise InputError(code, f"payloadType must be {PAYLOAD_TYPE}", where)
    if not isinstance(value["payload"], str):
        raise InputError(code, "payload must be base64 text", where)
    try:
        payload = base64.b64decode(value["payload"], validate=True)
    except (binascii.Error, ValueError):
        raise InputError(code, "payload is not base64", where) from None
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise InputError(code, f"payload larger than {MAX_PAYLOAD_BYTES} bytes", where)
    entries = value["signatures"]
    if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_SIGNATURES:
        raise InputError(code, f"signatures must be a list of 1 to {MAX_SIGNATURES}", where)
    signatures: list[tuple[str, bytes]] = []
    for entry in entries:
        if (
            not isinstance(entry, dict)
            or set(entry) != {"keyid", "sig"}
            or not isinstance(entry["keyid"], str)
            or not _KEYID.match(entry["keyid"])
            or not isinstance(entry["sig"], str)
        ):
            raise InputError(
                code, "each signature is {keyid: <64 hex digits>, sig: <base64>}", where
            )
        try:
            sig = base64.b64decode(entry["sig"], validate=True)
        except (binascii.Error, ValueError):
            raise InputError(code, "sig is not base64", where) from None
        signatures.append((entry["keyid"], sig))
    try:
        statement = loads_json(payload, where + "#payload")
    except InputError as exc:
        raise InputError(code, f"payload: {exc.message}", where) from None
    if (
        not isinstance(statement, dict)
        or set(statement) != {"_type", "subject", "predicateType", "predicate"}
        or statement["_type"] != STATEMENT_TYPE
        or not isinstance(statement["subject"], list)
        or not isinstance(statement["predicate"], dict)
    ):
        raise InputError(code, "payload is not an in-toto Statement v1", where)
    if statement["predicateType"] != predicate_type:
        raise InputError(code, f"predicateType must be {predicate_type}", where)
    return Envelope(payload, statement, tuple(signatures))


def payload_bytes(
    predicate_type: str, subjects: dict[str, str], predicate: dict[str, Any]
) -> bytes:
    """Canonical payload bytes of a statement; ``subjects`` maps a name to sha256 hex."""
    import rfc8785

    return rfc8785.dumps(
        {
            "_type": STATEMENT_TYPE,
            "subject": [
                {"name": name, "digest": {"sha256": digest}}
                for name, digest in sorted(subjects.items())
            ],
            "predicateType": predicate_type,
            "predicate": predicate,
        }
    )


def name_digest(text: str) -> str:
    """The sha256 hex of a name, for subjects that are names (a bundle id, a register id)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sign(payload: bytes, key: Ed25519PrivateKey, where: str, code: str) -> Envelope:
    """A new one-signature envelope over ``payload``."""
    signature = key.sign(pae(PAYLOAD_TYPE, payload))
    envelope = {
        "payloadType": PAYLOAD_TYPE,
        "payload": base64.b64encode(payload).decode("ascii"),
        "signatures": [
            {"keyid": key_id(key.public_key()), "sig": base64.b64encode(signature).decode("ascii")}
        ],
    }
    predicate_type = loads_json(payload, where).get("predicateType", "")
    return parse_envelope(envelope, where, code, str(predicate_type))


def add_signature(envelope: Envelope, key: Ed25519PrivateKey, where: str, code: str) -> Envelope:
    """The envelope with one more signature by ``key`` over the same payload."""
    keyid = key_id(key.public_key())
    if envelope.signed_by(keyid):
        raise InputError(code, f"key {keyid[:16]} has already signed this record", where)
    if len(envelope.signatures) >= MAX_SIGNATURES:
        raise InputError(code, f"a record has at most {MAX_SIGNATURES} signatures", where)
    signature = key.sign(pae(PAYLOAD_TYPE, envelope.payload))
    return Envelope(
        envelope.payload, envelope.statement, (*envelope.signatures, (keyid, signature))
    )


@dataclass(frozen=True)
class Signers:
    """The outcome of checking an envelope's signatures against the trusted keys."""

    verified: tuple[TrustedKey, ...]  # trusted keys whose signature verifies, envelope order
    failed: tuple[str, ...]  # key ids of trusted keys whose signature does NOT verify

    def key(self, keyid: str) -> TrustedKey | None:
        return next((key for key in self.verified if key.key_id == keyid), None)


def check_signatures(envelope: Envelope, trusted: list[TrustedKey]) -> Signers:
    """Verify the signatures whose keyid names a trusted key (the others are ignored).

    A key counts once; the first signature that does not verify ends the check (the record
    is refused anyway), so a record costs at most one verification per trusted signer + 1.
    """
    by_id = {key.key_id: key for key in trusted}
    message = pae(PAYLOAD_TYPE, envelope.payload)
    verified: list[TrustedKey] = []
    for keyid, signature in envelope.signatures:
        key = by_id.get(keyid)
        if key is None or any(known.key_id == keyid for known in verified):
            continue
        try:
            key.public.verify(signature, message)
        except InvalidSignature:
            return Signers(tuple(verified), (keyid,))
        verified.append(key)
    return Signers(tuple(verified), ())


def validity_problem(key: TrustedKey, day: date, prefix: str) -> str | None:
    """``<prefix>_key_not_yet_valid`` / ``<prefix>_key_expired`` when ``key`` is not valid
    on ``day`` (the day the record was issued or signed)."""
    if day < key.valid_from:
        return f"{prefix}_key_not_yet_valid"
    if key.valid_until is not None and day > key.valid_until:
        return f"{prefix}_key_expired"
    return None


def of_submitting_party(key: TrustedKey, organisation: str | None) -> bool:
    """True for a key of the audited party: role ``submitter``, or the bundle's organisation
    (compared as names are, see :mod:`.identity`)."""
    if key.has_role(SUBMITTER):
        return True
    return organisation is not None and same_organisation(key.organisation, organisation)


def describe_key(key: TrustedKey) -> dict[str, Any]:
    """Who a key is, for a report: key id, person, organisation, roles."""
    return {
        "keyid": key.key_id,
        "person": key.person,
        "organisation": key.organisation,
        "roles": sorted(key.roles),
    }


def display_name(key: TrustedKey) -> str:
    return f"{key.person} ({key.organisation})" if key.person else key.organisation
