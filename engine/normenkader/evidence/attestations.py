"""Attestations: a role-holder (dpo, ciso, ...) states a claim about a bundle.

An attestation is an in-toto Statement v1 in a DSSE envelope (``normenkader attest``),
carried in the bundle as an evidence item of kind ``attestation`` and verified by the
``attestation`` check kind against ``check --trusted-keys``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..errors import InputError
from .keys import TrustedKey, format_signed_at, parse_signed_at, same_name
from .signing import STATEMENT_TYPE, open_envelope, subject_digests

ATTESTATION_PREDICATE = "https://normenkader.nl/attestation/statement/v1"
CLAIM_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")


def attestation_statement(
    *,
    claim: str,
    bundle_id: str,
    organisation: str,
    signed_at: datetime,
    norm: str | None = None,
    about: dict[str, str] | None = None,
    text: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An attestation (in-toto Statement v1): a role-holder states ``claim`` about a bundle.

    ``about`` maps evidence ids to the sha256 digests the statement covers; when an item
    changes, the attestation no longer applies. Without it the subject is the bundle id.
    """
    if not CLAIM_PATTERN.match(claim):
        raise InputError("USAGE", f"claim {claim!r} must be an id (^[A-Za-z0-9][A-Za-z0-9._:-]*$)")
    subjects = [
        {"name": f"evidence:{item}", "digest": {"sha256": digest.removeprefix("sha256:")}}
        for item, digest in sorted((about or {}).items())
    ] or [
        {
            "name": f"bundle:{bundle_id}",
            "digest": {"sha256": hashlib.sha256(bundle_id.encode("utf-8")).hexdigest()},
        }
    ]
    predicate: dict[str, Any] = {
        "claim": claim,
        "bundle_id": bundle_id,
        "organisation": organisation,
        "signed_at": format_signed_at(signed_at),
    }
    if norm:
        predicate["norm"] = norm
    if text:
        predicate["text"] = dict(text)
    return {
        "_type": STATEMENT_TYPE,
        "subject": subjects,
        "predicateType": ATTESTATION_PREDICATE,
        "predicate": predicate,
    }


@dataclass(frozen=True)
class Attested:
    """A verified attestation: who signed which claim, when."""

    key: TrustedKey
    claim: str
    signed_at: datetime
    about: dict[str, str]

    def describe(self) -> dict[str, Any]:
        return {
            "claim": self.claim,
            "signed_at": format_signed_at(self.signed_at),
            "about": dict(sorted(self.about.items())),
            "signer": self.key.describe(),
        }


def verify_attestation(
    envelope: bytes,
    trusted: list[TrustedKey],
    *,
    role: str | None,
    bundle_id: str,
    organisation: str | None,
    evidence_digests: dict[str, str],
    as_of: date,
    claim: str | None = None,
    norm: str | None = None,
    same_organisation: bool = True,
    where: str = "attestation",
) -> Attested:
    """Verify an attestation envelope for this bundle; raise InputError with the reason.
    ``role`` None accepts any role of a trusted key (``verify`` shows which).

    Codes: SIGNATURE_INVALID, SIGNATURE_UNTRUSTED, ATTESTATION_INVALID, ROLE_NOT_ALLOWED,
    ORGANISATION_MISMATCH, SIGNATURE_SUBJECT_MISMATCH (another bundle or changed evidence),
    ATTESTATION_CLAIM_MISMATCH, SIGNED_AT_INVALID, SIGNED_AFTER_AS_OF, KEY_NOT_YET_VALID,
    KEY_EXPIRED.
    """
    opened = open_envelope(envelope, trusted, where)
    if opened.key is None:
        raise InputError("SIGNATURE_UNTRUSTED", "not signed by a key in --trusted-keys", where)
    statement, key = opened.statement, opened.key
    predicate = statement.get("predicate")
    if statement.get("predicateType") != ATTESTATION_PREDICATE or not isinstance(predicate, dict):
        raise InputError(
            "ATTESTATION_INVALID", f"not an attestation statement ({ATTESTATION_PREDICATE})", where
        )
    stated = predicate.get("claim")
    if not isinstance(stated, str) or not CLAIM_PATTERN.match(stated):
        raise InputError("ATTESTATION_INVALID", "the statement names no claim id", where)
    if role is not None and not key.has_role(role):
        raise InputError(
            "ROLE_NOT_ALLOWED",
            f"signed by key {key.key_id[:16]} ({key.organisation}, roles {key.role}),"
            f" which lacks the role {role}",
            where,
        )
    if predicate.get("bundle_id") != bundle_id:
        raise InputError(
            "SIGNATURE_SUBJECT_MISMATCH",
            f"the attestation is about bundle {predicate.get('bundle_id')!r},"
            f" this is {bundle_id!r}",
            where,
        )
    if not same_name(str(predicate.get("organisation")), organisation):
        raise InputError(
            "ORGANISATION_MISMATCH",
            f"the attestation is about {predicate.get('organisation')!r}, the bundle's"
            f" organisation is {organisation!r}",
            where,
        )
    if same_organisation and not same_name(key.organisation, organisation):
        raise InputError(
            "ORGANISATION_MISMATCH",
            f"signed by a key of {key.organisation!r}, the bundle's organisation is"
            f" {organisation!r}",
            where,
        )
    about: dict[str, str] = {}
    for subject in statement["subject"]:
        name = subject.get("name") if isinstance(subject, dict) else None
        digest = subject_digests({"subject": [subject]})
        if not isinstance(name, str) or len(digest) != 1:
            raise InputError("ATTESTATION_INVALID", "a subject without name and sha256", where)
        if name.startswith("evidence:"):
            item = name.removeprefix("evidence:")
            if evidence_digests.get(item) != digest[0]:
                raise InputError(
                    "SIGNATURE_SUBJECT_MISMATCH",
                    f"the attestation covers evidence {item} with {digest[0]}; the bundle has"
                    f" {evidence_digests.get(item) or 'no such item'}",
                    where,
                )
            about[item] = digest[0]
        elif name != f"bundle:{bundle_id}":
            raise InputError(
                "SIGNATURE_SUBJECT_MISMATCH", f"subject {name!r} is not this bundle", where
            )
    if claim is not None and stated != claim:
        raise InputError(
            "ATTESTATION_CLAIM_MISMATCH", f"the statement claims {stated!r}, not {claim!r}", where
        )
    if norm is not None and predicate.get("norm") not in (None, norm):
        raise InputError(
            "ATTESTATION_CLAIM_MISMATCH",
            f"the statement is about norm {predicate.get('norm')!r}, not {norm}",
            where,
        )
    signed_at = parse_signed_at(predicate.get("signed_at"), where)
    if signed_at.date() > as_of:
        raise InputError(
            "SIGNED_AFTER_AS_OF",
            f"signed at {format_signed_at(signed_at)}, after the as-of date {as_of.isoformat()}",
            where,
        )
    problem = key.validity_problem(signed_at, where)
    if problem is not None:
        raise problem
    return Attested(key, stated, signed_at, about)
