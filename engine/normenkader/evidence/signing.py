"""Ed25519 signatures: in-toto Statement v1 in a DSSE envelope.

Three statements are made, each carrying its signing time (``signed_at``, RFC 3339, UTC):

* a **submission** (``normenkader sign``): an organisation vouches for a bundle;
  ``require_signature`` accepts a bundle only when such a statement names exactly this
  bundle's digest and verifies under a trusted key with the role ``submitter`` of the
  bundle's own organisation, valid at the signing time;
* a **result** (``check --sign-key``): the supervisor's verdict, carrying the norm-set
  digest, engine version, as-of date, every input that changes the report, the summary and
  the digest of the report bytes; ``verify_result`` accepts it only from a ``supervisor``
  key valid at the signing time, signed on or after the as-of date;
* an **attestation** (``normenkader attest``): a role-holder (dpo, ciso, ...) states a
  claim about a bundle; the ``attestation`` check kind verifies it.

Keys, roles, the trusted-keys file and signing times are in ``keys`` (re-exported here);
attestations in ``attestations``.

DSSE signs ``PAE(payloadType, payload)``, never the JSON envelope itself, so envelope
whitespace does not matter; statements are serialised canonically (RFC 8785).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..errors import InputError
from ..yamlio import loads_json
from .ingest import StagedTree
from .keys import (
    ASSESSOR,
    DEFINED_ROLES,
    MAX_TRUSTED_KEYS,
    ROLE_PATTERN,
    SUBMITTER,
    SUPERVISOR,
    WAIVER_APPROVER,
    WAIVER_AUTHOR,
    TrustedKey,
    file_digest,
    format_signed_at,
    generate_key,
    key_id,
    load_private_key,
    load_trusted_keys,
    normalise_name,
    parse_signed_at,
    public_key_text,
    read_trusted_keys,
    same_name,
    signing_time,
    trusted_keys_entry,
)

__all__ = [  # the key names are re-exported: callers import them from here
    "ASSESSOR",
    "DEFINED_ROLES",
    "MAX_TRUSTED_KEYS",
    "ROLE_PATTERN",
    "SUBMITTER",
    "SUPERVISOR",
    "WAIVER_APPROVER",
    "WAIVER_AUTHOR",
    "Opened",
    "ResultClaim",
    "TrustedKey",
    "bundle_statement",
    "check_submission",
    "compare_inputs",
    "file_digest",
    "format_signed_at",
    "generate_key",
    "key_id",
    "load_private_key",
    "load_trusted_keys",
    "normalise_name",
    "open_envelope",
    "pae",
    "parse_signed_at",
    "public_key_text",
    "read_trusted_keys",
    "report_digest",
    "require_signature",
    "rerun_settings",
    "result_predicate",
    "result_statement",
    "run_inputs",
    "same_name",
    "sign_bundle",
    "sign_statement",
    "signature_path",
    "signing_time",
    "statement_type",
    "subject_digests",
    "trusted_keys_entry",
    "uses_trusted_keys",
    "verify_result",
    "write_signature",
]

PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
SUBMISSION_PREDICATE = "https://normenkader.nl/attestation/bundle-submission/v1"
RESULT_PREDICATE = "https://normenkader.nl/attestation/check-result/v1"
MAX_ENVELOPE_BYTES = 1 << 20


# --------------------------------------------------------------------------- envelopes


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def sign_statement(statement: dict[str, Any], key: Ed25519PrivateKey) -> bytes:
    """A DSSE envelope (canonical JSON bytes, newline-terminated) over ``statement``."""
    payload = rfc8785.dumps(statement)
    signature = key.sign(pae(PAYLOAD_TYPE, payload))
    envelope: dict[str, Any] = {
        "payloadType": PAYLOAD_TYPE,
        "payload": base64.b64encode(payload).decode("ascii"),
        "signatures": [
            {"keyid": key_id(key.public_key()), "sig": base64.b64encode(signature).decode("ascii")}
        ],
    }
    return rfc8785.dumps(envelope) + b"\n"


@dataclass(frozen=True)
class Opened:
    statement: dict[str, Any]
    key: TrustedKey | None  # the trusted key that verified it (None: no trusted key matched)


def open_envelope(data: bytes, trusted: list[TrustedKey], where: str) -> Opened:
    """Parse a DSSE envelope strictly and verify it against the trusted keys.

    Raises SIGNATURE_INVALID for a malformed envelope or statement. Returns ``key=None``
    when no trusted key produced any of its signatures.
    """
    if len(data) > MAX_ENVELOPE_BYTES:
        raise InputError("SIGNATURE_INVALID", "envelope too large", where)
    try:
        envelope = loads_json(data, where)
    except InputError as exc:
        raise InputError(
            "SIGNATURE_INVALID", f"not a DSSE envelope: {exc.code} {exc.message}", where
        ) from None
    if (
        not isinstance(envelope, dict)
        or envelope.get("payloadType") != PAYLOAD_TYPE
        or not isinstance(envelope.get("payload"), str)
        or not isinstance(envelope.get("signatures"), list)
        or not envelope["signatures"]
    ):
        raise InputError(
            "SIGNATURE_INVALID", f"not a DSSE envelope with payloadType {PAYLOAD_TYPE}", where
        )
    try:
        payload = base64.b64decode(envelope["payload"], validate=True)
    except (binascii.Error, ValueError):
        raise InputError("SIGNATURE_INVALID", "payload is not base64", where) from None
    message = pae(PAYLOAD_TYPE, payload)
    verified: TrustedKey | None = None
    named_but_failed = False
    for entry in envelope["signatures"][:16]:
        if not isinstance(entry, dict) or not isinstance(entry.get("sig"), str):
            raise InputError("SIGNATURE_INVALID", "signature entry without 'sig'", where)
        try:
            signature = base64.b64decode(entry["sig"], validate=True)
        except (binascii.Error, ValueError):
            raise InputError("SIGNATURE_INVALID", "sig is not base64", where) from None
        for key in trusted:
            if entry.get("keyid") not in (None, "", key.keyid):
                continue
            try:
                key.public.verify(signature, message)
            except InvalidSignature:
                named_but_failed = named_but_failed or entry.get("keyid") == key.keyid
                continue
            verified = key
            break
        if verified:
            break
    if verified is None and named_but_failed:
        raise InputError(
            "SIGNATURE_INVALID", "the signature by a trusted key does not verify (altered?)", where
        )
    try:
        statement = loads_json(payload, where + "#payload")
    except InputError as exc:
        raise InputError("SIGNATURE_INVALID", f"payload: {exc.code} {exc.message}", where) from None
    if (
        not isinstance(statement, dict)
        or statement.get("_type") != STATEMENT_TYPE
        or not isinstance(statement.get("subject"), list)
        or not isinstance(statement.get("predicateType"), str)
    ):
        raise InputError("SIGNATURE_INVALID", "payload is not an in-toto Statement v1", where)
    return Opened(statement, verified)


def subject_digests(statement: dict[str, Any]) -> list[str]:
    found = []
    for subject in statement.get("subject", []):
        if isinstance(subject, dict) and isinstance(subject.get("digest"), dict):
            value = subject["digest"].get("sha256")
            if isinstance(value, str):
                found.append("sha256:" + value)
    return found


def _subject(digest: str, name: str) -> list[dict[str, Any]]:
    return [{"name": name, "digest": {"sha256": digest.removeprefix("sha256:")}}]


def _private(key: Path | Ed25519PrivateKey) -> Ed25519PrivateKey:
    return key if isinstance(key, Ed25519PrivateKey) else load_private_key(key)


def _trusted(keys: Path | list[TrustedKey]) -> list[TrustedKey]:
    return keys if isinstance(keys, list) else load_trusted_keys(keys)


def statement_type(envelope: bytes, where: str) -> str:
    """The predicate type of an envelope, before any signature is judged."""
    return str(open_envelope(envelope, [], where).statement.get("predicateType"))


# --------------------------------------------------------------------------- bundles


def bundle_statement(
    digest: str, bundle_id: str, organisation: str | None, signed_at: datetime | None = None
) -> dict[str, Any]:
    predicate: dict[str, Any] = {
        "bundle": {"id": bundle_id, "organisation": organisation, "digest": digest}
    }
    predicate["signed_at"] = format_signed_at(signed_at or signing_time(None))
    return {
        "_type": STATEMENT_TYPE,
        "subject": _subject(digest, f"bundle:{bundle_id}"),
        "predicateType": SUBMISSION_PREDICATE,
        "predicate": predicate,
    }


def sign_bundle(
    digest: str,
    bundle_id: str,
    organisation: str | None,
    key: Path | Ed25519PrivateKey,
    signed_at: datetime | None = None,
) -> bytes:
    """A submission statement over ``digest``, signed with ``key`` (a path or a loaded key)."""
    return sign_statement(
        bundle_statement(digest, bundle_id, organisation, signed_at), _private(key)
    )


def check_submission(
    opened: Opened, digest: str, organisation: str | None, where: str
) -> dict[str, Any]:
    """Judge an opened submission statement; return who signed, or raise with the reason.

    The key must hold the role submitter, belong to the bundle's organisation (names
    compared with ``normalise_name``) and be valid at the statement's ``signed_at``.
    """
    if opened.key is None:
        raise InputError("SIGNATURE_UNTRUSTED", "not signed by a key in the trusted keys", where)
    statement, key = opened.statement, opened.key
    predicate = statement.get("predicate")
    if statement.get("predicateType") != SUBMISSION_PREDICATE or not isinstance(predicate, dict):
        raise InputError(
            "SIGNATURE_INVALID",
            f"not a bundle submission statement ({statement.get('predicateType')})",
            where,
        )
    if digest not in subject_digests(statement):
        raise InputError(
            "SIGNATURE_SUBJECT_MISMATCH",
            f"signed a different bundle ({', '.join(subject_digests(statement))}),"
            f" this one is {digest}",
            where,
        )
    if not key.has_role(SUBMITTER):
        raise InputError(
            "ROLE_NOT_ALLOWED",
            f"key {key.key_id[:16]} ({key.organisation}, roles {key.role}) may not sign bundle"
            " submissions (needs the role submitter)",
            where,
        )
    if not same_name(key.organisation, organisation):
        raise InputError(
            "ORGANISATION_MISMATCH",
            f"signed by a key of {key.organisation!r}; the bundle is from {organisation!r}",
            where,
        )
    signed_at = parse_signed_at(predicate.get("signed_at"), where)
    problem = key.validity_problem(signed_at, where)
    if problem is not None:
        raise problem
    return {
        **key.describe(),
        "signature": where,
        "subject": digest,
        "signed_at": format_signed_at(signed_at),
    }


def signature_path(bundle: Path, output: Path | None, key: Ed25519PrivateKey) -> Path:
    """Where ``sign`` writes: ``output`` (detached), else ``BUNDLE/signatures/<keyid>``.

    A zip is never changed (USAGE without ``output``); a ``signatures`` that is a file or a
    link is OUTPUT_INVALID. Nothing is created here: see ``write_signature``.
    """
    if output is not None:
        return output
    if not bundle.is_dir() or bundle.is_symlink():
        raise InputError("USAGE", "signing a .zip needs -o (the zip itself is not changed)")
    folder = bundle / "signatures"
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise InputError("OUTPUT_INVALID", "signatures is not a folder", str(folder))
    return folder / f"{key_id(key.public_key())[:16]}.dsse.json"


def write_signature(path: Path, envelope: bytes, bundle: Path) -> None:
    """Write an envelope atomically; only ``BUNDLE/signatures`` is created when absent (a
    detached ``-o`` must name an existing folder)."""
    from ..atomic import unwritable, write_atomic

    folder = bundle / "signatures"
    if path.parent == folder and not folder.is_dir() and not folder.is_symlink():
        try:
            folder.mkdir(mode=0o755)
        except OSError as exc:
            raise unwritable(exc, folder) from None
    write_atomic(path, envelope, public=True)


#: When several signatures fail, the most telling reason is reported.
_RANK = (
    "SIGNATURE_SUBJECT_MISMATCH",
    "ORGANISATION_MISMATCH",
    "ROLE_NOT_ALLOWED",
    "KEY_EXPIRED",
    "KEY_NOT_YET_VALID",
    "SIGNED_AT_INVALID",
    "SIGNATURE_UNTRUSTED",
    "SIGNATURE_INVALID",
)


def require_signature(
    tree: StagedTree,
    digest: str,
    trusted_keys: Path | list[TrustedKey],
    *,
    organisation: str | None = None,
    detached: tuple[bytes, str] | None = None,
) -> dict[str, Any]:
    """Accept the bundle only if a submitter of its organisation signed its digest.

    The signatures are the bundle's ``signatures/*.dsse.json``, or only ``detached``
    (bytes, where) when given. Raises SIGNATURE_MISSING or the most telling problem of
    the candidates (see ``_RANK``). Key validity is judged at the statement's signing
    time, never at the as-of date. Returns who signed.
    """
    trusted = _trusted(trusted_keys)
    if detached is not None:
        candidates = [(detached[1], detached[0])]
    else:
        candidates = [(f"signatures/{n}", d) for n, d in sorted(tree.signatures.items())]
    if not candidates:
        raise InputError("SIGNATURE_MISSING", "the bundle carries no signatures/*.dsse.json", None)
    problems: list[InputError] = []
    for where, data in candidates:
        try:
            return check_submission(
                open_envelope(data, trusted, where), digest, organisation, where
            )
        except InputError as exc:
            problems.append(exc)
    problems.sort(key=lambda e: _RANK.index(e.code) if e.code in _RANK else len(_RANK))
    raise problems[0]


# --------------------------------------------------------------------------- results


def uses_trusted_keys(norm_set: Any) -> bool:
    """Whether the norm set holds a check whose verdict depends on the trusted keys."""
    return any(
        data.get("kind") == "attestation"
        for norm in norm_set.norms.values()
        for data in norm.check_data
    )


def run_inputs(
    norm_set: Any,
    waiver_policy: Path | None,
    trusted_keys: str | None,
    require_signature: bool,
    only: list[str],
    records: bool = False,
) -> dict[str, Any]:
    """The inputs of a run that only the command line knows, for the result statement.

    ``trusted_keys`` is the digest of the trusted-keys file; it is recorded only when it
    mattered: a required signature, an attestation check in the norm set, or waivers and
    judgements (``records``), whose signatures are judged against the same keys.
    """
    mattered = require_signature or records or uses_trusted_keys(norm_set)
    return {
        "waiver_policy": (
            file_digest(waiver_policy, "WAIVER_POLICY_INVALID") if waiver_policy else None
        ),
        "trusted_keys": trusted_keys if mattered else None,
        "require_signature": require_signature,
        "only": sorted(set(only)) or None,
    }


def report_digest(report_bytes: bytes) -> str:
    return "sha256:" + hashlib.sha256(report_bytes).hexdigest()


def result_predicate(
    result_dict: dict[str, Any],
    report_bytes: bytes,
    report_format: str,
    lang: str | None,
    run_inputs: dict[str, Any] | None = None,
    signed_at: datetime | None = None,
) -> dict[str, Any]:
    """What a result statement records: every input that changes the report.

    ``run_inputs`` adds what only the command line knows (waiver policy digest, trusted-keys
    digest when it mattered, the ``--only`` set).
    """
    bundle = result_dict.get("bundle") or {}
    inputs = dict(result_dict.get("inputs") or {})
    inputs.update(run_inputs or {})
    return {
        "engine": result_dict.get("engine"),
        "norm_set": result_dict.get("norm_set"),
        "as_of": result_dict.get("as_of"),
        "bundle": {
            "id": bundle.get("id"),
            "digest": bundle.get("digest"),
            "organisation": bundle.get("organisation"),
        },
        "inputs": inputs,
        "summary": result_dict.get("summary"),
        "report": {"digest": report_digest(report_bytes), "format": report_format, "lang": lang},
        "signed_at": format_signed_at(signed_at or signing_time(None)),
    }


def result_statement(
    result_dict: dict[str, Any],
    report_bytes: bytes,
    key: Path | Ed25519PrivateKey,
    *,
    report_format: str = "json",
    lang: str | None = None,
    run_inputs: dict[str, Any] | None = None,
    signed_at: datetime | None = None,
) -> bytes:
    """A signed in-toto statement of a check result (DSSE envelope JSON bytes)."""
    digest = (result_dict.get("bundle") or {}).get("digest")
    if not isinstance(digest, str) or not digest.startswith("sha256:"):
        raise InputError("RESULT_INVALID", "the result carries no bundle digest", None)
    statement = {
        "_type": STATEMENT_TYPE,
        "subject": _subject(digest, f"bundle:{(result_dict.get('bundle') or {}).get('id')}"),
        "predicateType": RESULT_PREDICATE,
        "predicate": result_predicate(
            result_dict, report_bytes, report_format, lang, run_inputs, signed_at
        ),
    }
    return sign_statement(statement, _private(key))


def rerun_settings(predicate: dict[str, Any], where: str) -> tuple[date, str]:
    """The as-of date and report language a ``--rerun`` must use, from a result predicate
    (only JSON reports are reproduced)."""
    from ..timeutil import parse_date

    report = predicate.get("report") or {}
    fmt = report.get("format") or "json"
    lang = report.get("lang") or "en"
    if fmt != "json":
        raise InputError("USAGE", f"--rerun reproduces JSON reports; the signed one is {fmt}")
    if lang not in ("en", "nl"):
        raise InputError("SIGNATURE_INVALID", f"report language {lang!r} is unknown", where)
    try:
        return parse_date(str(predicate.get("as_of"))), str(lang)
    except ValueError:
        raise InputError("SIGNATURE_INVALID", "statement has no valid as_of date", where) from None


def compare_inputs(predicate: dict[str, Any], given: dict[str, str | None], where: str) -> None:
    """Refuse a rerun whose inputs differ from those the statement records, naming the
    first that differs (RERUN_INPUT_MISMATCH). ``given`` maps the names ``engine version``,
    ``waivers``, ``waiver policy``, ``assessments`` and, when recorded, ``trusted keys`` to
    what this run has."""
    raw = predicate.get("inputs")
    inputs: dict[str, Any] = raw if isinstance(raw, dict) else {}
    recorded = {
        "engine version": (predicate.get("engine") or {}).get("version"),
        "waivers": inputs.get("waivers"),
        "waiver policy": inputs.get("waiver_policy"),
        "assessments": inputs.get("assessments"),
        "trusted keys": inputs.get("trusted_keys"),
    }
    for name, value in given.items():
        if recorded.get(name) != value:
            raise InputError(
                "RERUN_INPUT_MISMATCH",
                f"{name} differs: statement {recorded.get(name) or 'none'},"
                f" given {value or 'none'}",
                where,
            )


@dataclass
class ResultClaim:
    """A verified result statement: who signed and what it claims."""

    signer: dict[str, Any]
    bundle_digest: str
    predicate: dict[str, Any]

    @property
    def report_digest(self) -> str:
        return str((self.predicate.get("report") or {}).get("digest"))

    @property
    def norm_set_digest(self) -> str | None:
        value = (self.predicate.get("norm_set") or {}).get("digest")
        return str(value) if value is not None else None

    @property
    def inputs(self) -> dict[str, Any]:
        value = self.predicate.get("inputs")
        return value if isinstance(value, dict) else {}


def verify_result(
    envelope: bytes,
    trusted_keys: Path | list[TrustedKey],
    *,
    bundle_digest: str | None = None,
    norm_set_digest: str | None = None,
    report_bytes: bytes | None = None,
    where: str = "result",
    bundle_organisation: str | None = None,
) -> ResultClaim:
    """Verify a signed result; compare it with the bundle, norm set and report given.

    The key must hold the role supervisor (a submitter key never can: the roles exclude
    each other), may not belong to the audited organisation (``bundle_organisation``,
    when given) and must be valid at the statement's ``signed_at``, which may not lie before
    the result's as-of date. Codes: SIGNATURE_INVALID, SIGNATURE_UNTRUSTED,
    ROLE_NOT_ALLOWED, SIGNED_AT_INVALID, SIGNED_BEFORE_AS_OF, KEY_NOT_YET_VALID,
    KEY_EXPIRED, SIGNATURE_SUBJECT_MISMATCH (another bundle), NORM_SET_MISMATCH,
    REPORT_MISMATCH.
    """
    opened = open_envelope(envelope, _trusted(trusted_keys), where)
    if opened.key is None:
        raise InputError("SIGNATURE_UNTRUSTED", "not signed by a trusted key", where)
    statement, key = opened.statement, opened.key
    if statement.get("predicateType") != RESULT_PREDICATE or not isinstance(
        statement.get("predicate"), dict
    ):
        raise InputError("SIGNATURE_INVALID", "not a normenkader check-result statement", where)
    if not key.has_role(SUPERVISOR) or key.has_role(SUBMITTER):
        raise InputError(
            "ROLE_NOT_ALLOWED",
            f"key {key.key_id[:16]} ({key.organisation}, roles {key.role}) may not sign check"
            " results (needs the role supervisor; a submitter never can)",
            where,
        )
    predicate: dict[str, Any] = statement["predicate"]
    digests = subject_digests(statement)
    if len(digests) != 1:
        raise InputError("SIGNATURE_INVALID", "a result statement has exactly one subject", where)
    from ..timeutil import parse_date

    try:
        as_of = parse_date(str(predicate.get("as_of")))
    except ValueError:
        raise InputError("SIGNATURE_INVALID", "statement has no valid as_of date", where) from None
    signed_at = parse_signed_at(predicate.get("signed_at"), where)
    if signed_at.date() < as_of:
        raise InputError(
            "SIGNED_BEFORE_AS_OF",
            f"signed at {format_signed_at(signed_at)}, before its as-of date {as_of.isoformat()}",
            where,
        )
    problem = key.validity_problem(signed_at, where)
    if problem is not None:
        raise problem
    if bundle_digest is not None and digests[0] != bundle_digest:
        raise InputError(
            "SIGNATURE_SUBJECT_MISMATCH",
            f"the result is about bundle {digests[0]}, this bundle is {bundle_digest}",
            where,
        )
    if same_name(key.organisation, bundle_organisation):
        raise InputError(
            "ROLE_NOT_ALLOWED",
            f"key {key.key_id[:16]} belongs to {key.organisation!r}, the audited organisation:"
            " it may not sign a check result about its own bundle",
            where,
        )
    signer = {**key.describe(), "signed_at": format_signed_at(signed_at)}
    claim = ResultClaim(signer, digests[0], predicate)
    if norm_set_digest is not None and claim.norm_set_digest != norm_set_digest:
        raise InputError(
            "NORM_SET_MISMATCH",
            f"the result used norm set {claim.norm_set_digest}, these norms are {norm_set_digest}",
            where,
        )
    if report_bytes is not None and report_digest(report_bytes) != claim.report_digest:
        raise InputError(
            "REPORT_MISMATCH",
            f"report digest {report_digest(report_bytes)} differs from the signed"
            f" {claim.report_digest}",
            where,
        )
    return claim
