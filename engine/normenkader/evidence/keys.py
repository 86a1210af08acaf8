"""Keys: who may sign what, and when.

The trusted-keys file (YAML or JSON)::

    keys:
      - organisation: Gemeente X
        person: J. de Vries          # optional: a person's key (absent: the organisation's)
        roles: [submitter]           # or the earlier single ``role: submitter``
        public_key: <base64 of the 32-byte Ed25519 key, or a PEM block>
        valid_from: "2026-01-01"
        valid_until: "2027-12-31"    # optional, inclusive

Roles: ``submitter``, ``supervisor``, ``waiver-author``, ``waiver-approver``, ``assessor``
and free names (``^[a-z][a-z0-9-]*$``) for attestations. One key may not be both submitter
and supervisor. Organisation names are compared after NFKC, case folding and whitespace
collapsing (``normalise_name``).

Every statement carries its signing time (``signed_at``, RFC 3339, UTC), and a key's
validity is judged at that time, never at the as-of date. ``signed_at`` is the signer's own
claim: offline there is no trusted timestamp authority, so a key holder can back-date within
the key's validity.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..errors import InputError
from ..yamlio import loads_yaml

MAX_TRUSTED_KEYS = 1000


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def generate_key() -> tuple[bytes, bytes, str]:
    """(private PEM, public PEM, key id) of a new Ed25519 key."""
    private = Ed25519PrivateKey.generate()
    public = private.public_key()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem, key_id(public)


def public_key_text(public_pem: bytes) -> str:
    """The base64 form used in trusted-keys files."""
    public = serialization.load_pem_public_key(public_pem)
    assert isinstance(public, Ed25519PublicKey)
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def load_private_key(path: Path) -> Ed25519PrivateKey:
    from ..inputfile import read_input_file

    data = read_input_file(Path(path), "KEY_INVALID", 64 << 10)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise InputError(
            "KEY_INVALID", f"not an unencrypted PEM private key ({exc})", str(path)
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError("KEY_INVALID", "not an Ed25519 private key", str(path))
    return key


def _public_key(value: Any, where: str) -> Ed25519PublicKey:
    if not isinstance(value, str):
        raise InputError("TRUSTED_KEYS_INVALID", "public_key must be a string", where)
    text = value.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode("ascii"))
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError("not an Ed25519 key")
            return key
        raw = base64.b64decode(text.removeprefix("ed25519:"), validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, TypeError, binascii.Error, UnicodeEncodeError) as exc:
        raise InputError("TRUSTED_KEYS_INVALID", f"bad Ed25519 public key ({exc})", where) from None


#: Roles with a meaning in the engine; any other name matching ROLE_PATTERN is a free
#: attestation role (dpo, ciso, ...).
SUBMITTER = "submitter"  # an organisation's key: signs bundle submissions
SUPERVISOR = "supervisor"  # signs check-result statements
WAIVER_AUTHOR = "waiver-author"
WAIVER_APPROVER = "waiver-approver"
ASSESSOR = "assessor"  # signs judgements (a person's key)
DEFINED_ROLES = frozenset({SUBMITTER, SUPERVISOR, WAIVER_AUTHOR, WAIVER_APPROVER, ASSESSOR})
ROLE_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,63}$")
MAX_NAME_CHARS = 200


def normalise_name(text: str) -> str:
    """Organisation or person names compared: Unicode NFKC, case-folded, whitespace collapsed."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(unicodedata.normalize("NFKC", folded).split())


def same_name(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and normalise_name(a) == normalise_name(b)


@dataclass(frozen=True)
class TrustedKey:
    """One key of a trusted-keys file: whose it is, what it may sign, and when."""

    key_id: str
    organisation: str
    roles: frozenset[str]
    public: Ed25519PublicKey
    valid_from: date
    valid_until: date | None
    person: str | None = None  # None: the organisation's key, not a person's

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.public

    @property
    def keyid(self) -> str:  # the earlier name
        return self.key_id

    @property
    def role(self) -> str:
        """The roles as one display text (``submitter`` or ``assessor, dpo``)."""
        return ", ".join(sorted(self.roles))

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def validity_problem(self, when: datetime | date, where: str | None) -> InputError | None:
        """KEY_NOT_YET_VALID or KEY_EXPIRED when the key was not valid at ``when``."""
        day = when.astimezone(UTC).date() if isinstance(when, datetime) else when
        stamp = when.isoformat().replace("+00:00", "Z") if isinstance(when, datetime) else str(day)
        if day < self.valid_from:
            return InputError(
                "KEY_NOT_YET_VALID",
                f"key {self.key_id[:16]} is valid from {self.valid_from.isoformat()};"
                f" signed at {stamp}",
                where,
            )
        if self.valid_until is not None and day > self.valid_until:
            return InputError(
                "KEY_EXPIRED",
                f"key {self.key_id[:16]} expired on {self.valid_until.isoformat()};"
                f" signed at {stamp}",
                where,
            )
        return None

    def describe(self) -> dict[str, Any]:
        return {
            "keyid": self.key_id,
            "organisation": self.organisation,
            "person": self.person,
            "role": self.role,
            "roles": sorted(self.roles),
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
        }


def _date(value: Any, where: str) -> date:
    from ..timeutil import parse_date

    try:
        return parse_date(str(value))
    except ValueError as exc:
        raise InputError("TRUSTED_KEYS_INVALID", str(exc), where) from None


def _roles(entry: dict[str, Any], where: str) -> frozenset[str]:
    if "role" in entry and "roles" in entry:
        raise InputError("TRUSTED_KEYS_INVALID", "give either roles or role, not both", where)
    raw = entry.get("roles", [entry["role"]] if "role" in entry else None)
    if not isinstance(raw, list) or not raw or len(raw) > 32:
        raise InputError("TRUSTED_KEYS_INVALID", "roles must be a list of 1 to 32 names", where)
    for role in raw:
        if not isinstance(role, str) or not ROLE_PATTERN.match(role):
            raise InputError(
                "TRUSTED_KEYS_INVALID",
                f"role {role!r} is not a role name (^[a-z][a-z0-9-]*$, at most 64 characters)",
                where,
            )
    roles = frozenset(raw)
    if len(roles) != len(raw):
        raise InputError("TRUSTED_KEYS_INVALID", "a role is listed twice", where)
    if SUBMITTER in roles and SUPERVISOR in roles:
        raise InputError(
            "TRUSTED_KEYS_ROLE_CONFLICT",
            "a key may not be both submitter and supervisor (the audited party would judge itself)",
            where,
        )
    return roles


def _text(entry: dict[str, Any], name: str, where: str, required: bool) -> str | None:
    value = entry.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME_CHARS:
        raise InputError(
            "TRUSTED_KEYS_INVALID",
            f"{name} must be a text of 1 to {MAX_NAME_CHARS} characters",
            where,
        )
    return value


KEY_FIELDS = frozenset(
    {
        "organisation",
        "person",
        "role",
        "roles",
        "public_key",
        "valid_from",
        "valid_until",
        "keyid",
        "comment",
    }
)


def load_trusted_keys(path: Path) -> list[TrustedKey]:
    """Read a trusted-keys file (YAML or JSON); see the module docstring for the format."""
    return read_trusted_keys(path)[0]


def read_trusted_keys(path: Path) -> tuple[list[TrustedKey], str]:
    """The keys of a trusted-keys file and the sha256 digest of the bytes they came from."""
    from ..inputfile import read_input_file

    data = read_input_file(Path(path), "TRUSTED_KEYS_INVALID", 1 << 20)
    return _parse_trusted_keys(data, str(path)), "sha256:" + hashlib.sha256(data).hexdigest()


def _parse_trusted_keys(data: bytes, path: str) -> list[TrustedKey]:
    doc = loads_yaml(data, str(path))
    value = doc.value
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("keys"), list)
        or set(value) - {"keys", "format"}
    ):
        raise InputError("TRUSTED_KEYS_INVALID", "expected a mapping with a 'keys' list", str(path))
    if len(value["keys"]) > MAX_TRUSTED_KEYS:
        raise InputError("TRUSTED_KEYS_INVALID", f"more than {MAX_TRUSTED_KEYS} keys", str(path))
    keys: list[TrustedKey] = []
    seen: dict[str, str] = {}
    for index, entry in enumerate(value["keys"]):
        where = doc.where(f"/keys/{index}")
        if not isinstance(entry, dict) or set(entry) - KEY_FIELDS:
            raise InputError(
                "TRUSTED_KEYS_INVALID",
                f"a key entry has only the fields {sorted(KEY_FIELDS)}",
                where,
            )
        organisation = _text(entry, "organisation", where, True)
        person = _text(entry, "person", where, False)
        if "valid_from" not in entry or "public_key" not in entry:
            raise InputError(
                "TRUSTED_KEYS_INVALID", "public_key and valid_from are required", where
            )
        roles = _roles(entry, where)
        public = _public_key(entry["public_key"], where)
        keyid = key_id(public)
        if entry.get("keyid") not in (None, keyid):
            raise InputError("TRUSTED_KEYS_INVALID", "keyid does not match public_key", where)
        if keyid in seen:
            raise InputError(
                "TRUSTED_KEYS_INVALID",
                f"the same key is listed twice (also at {seen[keyid]})",
                where,
            )
        seen[keyid] = where
        until = entry.get("valid_until")
        valid_from = _date(entry["valid_from"], where)
        valid_until = _date(until, where) if until is not None else None
        if valid_until is not None and valid_until < valid_from:
            raise InputError("TRUSTED_KEYS_INVALID", "valid_until is before valid_from", where)
        assert organisation is not None
        keys.append(
            TrustedKey(
                key_id=keyid,
                organisation=organisation,
                roles=roles,
                public=public,
                valid_from=valid_from,
                valid_until=valid_until,
                person=person,
            )
        )
    return keys


def trusted_keys_entry(
    public_pem: bytes,
    organisation: str,
    roles: list[str],
    valid_from: date,
    valid_until: date | None = None,
    person: str | None = None,
) -> dict[str, Any]:
    """The trusted-keys entry for a new key (``keygen`` prints it)."""
    entry: dict[str, Any] = {"organisation": organisation or "CHANGE ME"}
    if person:
        entry["person"] = person
    entry["roles"] = list(roles)
    entry["public_key"] = public_key_text(public_pem)
    entry["valid_from"] = valid_from.isoformat()
    if valid_until is not None:
        entry["valid_until"] = valid_until.isoformat()
    _roles(entry, "keygen")  # the same rules as a trusted-keys file
    return entry


def file_digest(path: Path, code: str, limit: int = 1 << 20) -> str:
    """sha256 of a small input file (waiver policy, trusted keys) as ``sha256:<hex>``."""
    from ..inputfile import read_input_file

    return "sha256:" + hashlib.sha256(read_input_file(Path(path), code, limit)).hexdigest()


# --------------------------------------------------------------------------- time


def format_signed_at(moment: datetime) -> str:
    """RFC 3339 in UTC with seconds, e.g. ``2026-11-20T09:30:00Z``."""
    if moment.tzinfo is None:
        raise ValueError("signing time must carry a timezone")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


_RFC3339 = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)


def parse_signed_at(value: Any, where: str | None) -> datetime:
    """A statement's ``signed_at`` (RFC 3339 with a zone) as an aware UTC datetime."""
    if not isinstance(value, str) or not _RFC3339.match(value):
        raise InputError(
            "SIGNED_AT_INVALID", "signed_at must be an RFC 3339 time with a zone", where
        )
    text = re.sub(r"\.[0-9]+", "", value.upper().replace("Z", "+00:00"))  # whole seconds
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except (ValueError, OverflowError):
        raise InputError("SIGNED_AT_INVALID", f"signed_at {value!r} is not a time", where) from None


def signing_time(value: str | None) -> datetime:
    """``--signed-at`` (a date or an RFC 3339 time) or else the wall clock, in UTC."""
    if value is None:
        return datetime.now(UTC).replace(microsecond=0)
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        from ..timeutil import parse_date

        try:
            day = parse_date(value)
        except ValueError as exc:
            raise InputError("USAGE", f"--signed-at: {exc}") from None
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    try:
        return parse_signed_at(value, "--signed-at")
    except InputError as exc:
        raise InputError("USAGE", f"--signed-at: {exc.message}") from None
