"""Waivers (design 6.5): a time-boxed, approved exception for one norm in one scope.

A waiver file (``--waivers``) holds unsigned waivers (a team's self-check) and signed ones::

    version: 1
    waivers:                                # unsigned: who is a name
      - id: W-2026-001
        norm: NK.GOV.04
        scope: {system: "12345678"}        # Algoritmeregister id, and/or bundle: <bundle id>
        justification: "Register update is planned for Q1; see decision 2026-114."
        author: "J. de Vries (team lead)"
        approver: "M. Bakker (CISO)"
        issued: 2026-10-01
        expires: 2027-03-31                 # mandatory; valid up to and including this date
    signed:                                 # signed: who is a key (``waivers sign``)
      - {payloadType: ..., payload: ..., signatures: [{keyid: ..., sig: ...}, ...]}

A signed waiver is an in-toto statement (predicate type :data:`WAIVER_PREDICATE`) whose
predicate carries the fields above with ``author_keyid`` instead of the two names; its
subjects are ``system:<register id>`` and/or ``bundle:<bundle id>`` (sha256 of the name).
It counts only with ``--trusted-keys``: signed by its author (a person's key with role
``waiver-author``) and by an approver (a person's key with role ``waiver-approver``, not the
author's key nor the same person, not a ``submitter`` key and not a key of the bundle's
organisation), both keys valid on the day it was issued. Without ``--trusted-keys`` the
unsigned waivers count, their author and approver compared as names (see
:mod:`.identity`), and every report marks them ``signed: false``.

A policy file (``--waiver-policy``) bounds the length of a waiver::

    version: 1
    max_duration: P1Y       # expires - issued may not exceed this (default P1Y)
    warn_before: P30D       # "expires soon" horizon for notices and lint (default P30D)

A structurally malformed file (missing or unknown fields, bad dates, expiry before issue,
duplicate ids, a signed record that is not a well-formed envelope and statement) is rejected
as a whole (``WAIVER_INVALID``, exit 3). A waiver that is well-formed but breaks a rule
(approver is the author, a signature that does not verify, a missing role, longer than the
policy allows, the norm is not waivable or unknown) is *refused*: it does nothing and the
result says why. Expiry and scope are judged per bundle at the run's as-of date: an expired,
not yet valid or out-of-scope waiver does nothing and is reported as a notice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import InputError
from ..results import Finding, Reason, Status
from ..timeutil import Period, parse_period
from ._files import MAX_RECORDS, Fields, PayloadDocument, read_document
from .identity import same_person

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..evidence.signing import TrustedKey
    from ..yamlio import Document
    from .signed_records import Envelope

#: Statuses a waiver can cover (design 6.1).
WAIVABLE_STATUSES = frozenset({Status.FAIL, Status.MISSING, Status.BLOCKED, Status.REVIEW})
WAIVER_PREDICATE = "https://normenkader.nl/attestation/waiver/v1"
DEFAULT_MAX_DURATION = "P1Y"
DEFAULT_WARN_BEFORE = "P30D"
CODE = "WAIVER_INVALID"
_WAIVER_FIELDS = {
    "id",
    "norm",
    "scope",
    "justification",
    "author",
    "approver",
    "issued",
    "expires",
    "ticket",
}
_SIGNED_FIELDS = (_WAIVER_FIELDS - {"author", "approver"}) | {"author_keyid"}


class BundleLike(Protocol):
    """What a waiver needs from a bundle: its id and its system block."""

    @property
    def id(self) -> str: ...

    @property
    def system(self) -> dict[str, Any]: ...


def organisation_of(bundle: BundleLike) -> str | None:
    """The submitting organisation named in the bundle manifest (None when absent)."""
    manifest = getattr(bundle, "manifest", None)
    head = manifest.get("bundle") if isinstance(manifest, dict) else None
    value = head.get("organisation") if isinstance(head, dict) else None
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class WaiverPolicy:
    max_duration: Period
    warn_before: Period
    digest: str | None = None


@dataclass(frozen=True)
class Waiver:
    id: str
    norm: str
    justification: str
    author: str
    approver: str
    issued: date
    expires: date
    system: str | None = None
    bundle: str | None = None
    ticket: str | None = None
    line: int = 0
    signed: bool = False
    author_keyid: str | None = None  # signed waivers: the author's key id
    envelope: Envelope | None = field(default=None, compare=False)

    def scope(self) -> dict[str, str]:
        scope = {}
        if self.system is not None:
            scope["system"] = self.system
        if self.bundle is not None:
            scope["bundle"] = self.bundle
        return scope

    def in_scope(self, bundle: BundleLike) -> bool:
        if self.system is not None and str(bundle.system.get("register_id", "")) != self.system:
            return False
        return self.bundle is None or bundle.id == self.bundle

    def to_dict(self) -> dict[str, Any]:
        """The ``waiver`` block of a waived finding."""
        data: dict[str, Any] = {
            "id": self.id,
            "scope": self.scope(),
            "justification": self.justification,
            "author": self.author,
            "approver": self.approver,
            "issued": self.issued.isoformat(),
            "expires": self.expires.isoformat(),
            "signed": self.signed,
        }
        if self.ticket:
            data["ticket"] = self.ticket
        return data

    def predicate(self) -> dict[str, Any]:
        """The predicate of this waiver as a signed record (``author_keyid`` must be set)."""
        data: dict[str, Any] = {
            "id": self.id,
            "norm": self.norm,
            "scope": self.scope(),
            "justification": self.justification,
            "issued": self.issued.isoformat(),
            "expires": self.expires.isoformat(),
            "author_keyid": self.author_keyid,
        }
        if self.ticket:
            data["ticket"] = self.ticket
        return data

    def subjects(self) -> dict[str, str]:
        from .signed_records import name_digest

        return {f"{kind}:{name}": name_digest(name) for kind, name in self.scope().items()}


_MESSAGES: dict[str, tuple[str, str]] = {
    "approver_is_author": (
        "goedkeurder is dezelfde persoon als de auteur",
        "the approver is the author",
    ),
    "exceeds_max_duration": (
        "looptijd is langer dan het beleid toestaat",
        "the waiver runs longer than the policy allows",
    ),
    "not_waivable": (
        "deze norm mag niet worden vrijgesteld",
        "this norm cannot be waived",
    ),
    "unknown_norm": ("onbekende norm", "unknown norm id"),
    "not_signed": (
        "niet ondertekend, terwijl --trusted-keys is gegeven",
        "not signed, and --trusted-keys asks for signed waivers",
    ),
    "keys_not_given": (
        "ondertekende vrijstelling telt alleen met --trusted-keys",
        "a signed waiver counts only with --trusted-keys",
    ),
    "signature_invalid": (
        "een handtekening klopt niet (gewijzigd?)",
        "a signature does not verify (altered?)",
    ),
    "author_not_signed": (
        "niet ondertekend door de sleutel van de auteur, of die sleutel is niet vertrouwd",
        "not signed by the author's key, or that key is not trusted",
    ),
    "author_role_missing": (
        "de sleutel van de auteur heeft niet de rol waiver-author",
        "the author's key lacks the role waiver-author",
    ),
    "author_not_person": (
        "de sleutel van de auteur is van een organisatie, niet van een persoon",
        "the author's key is an organisation's, not a person's",
    ),
    "author_key_not_yet_valid": (
        "de sleutel van de auteur was op de uitgiftedatum nog niet geldig",
        "the author's key was not yet valid on the issue date",
    ),
    "author_key_expired": (
        "de sleutel van de auteur was op de uitgiftedatum verlopen",
        "the author's key had expired on the issue date",
    ),
    "not_approved": (
        "geen handtekening van een vertrouwde goedkeurder",
        "no signature by a trusted approver",
    ),
    "approver_role_missing": (
        "de sleutel van de goedkeurder heeft niet de rol waiver-approver",
        "the approver's key lacks the role waiver-approver",
    ),
    "approver_not_person": (
        "de sleutel van de goedkeurder is van een organisatie, niet van een persoon",
        "the approver's key is an organisation's, not a person's",
    ),
    "approver_is_submitter": (
        "de goedkeurder hoort bij de indienende organisatie",
        "the approver's key belongs to the submitting organisation",
    ),
    "approver_key_not_yet_valid": (
        "de sleutel van de goedkeurder was op de uitgiftedatum nog niet geldig",
        "the approver's key was not yet valid on the issue date",
    ),
    "approver_key_expired": (
        "de sleutel van de goedkeurder was op de uitgiftedatum verlopen",
        "the approver's key had expired on the issue date",
    ),
    "waiver_expired": ("vrijstelling is verlopen", "the waiver has expired"),
    "waiver_not_yet_valid": (
        "vrijstelling is nog niet ingegaan",
        "the waiver is not yet in force",
    ),
    "waiver_out_of_scope": (
        "vrijstelling geldt niet voor dit systeem of deze bundel",
        "the waiver does not cover this system or bundle",
    ),
    "waiver_unused": (
        "vrijstelling niet gebruikt: de norm is niet afgekeurd",
        "waiver not used: the norm is not failing",
    ),
    "waiver_expires_soon": ("vrijstelling verloopt binnenkort", "the waiver expires soon"),
    "waiver_norm_not_evaluated": (
        "de norm is in deze run niet geëvalueerd",
        "the norm was not evaluated in this run",
    ),
}

#: Details of ``waiver_refused`` (stable codes, docs/workflows.md).
REFUSALS = frozenset(_MESSAGES) - {
    "waiver_expired",
    "waiver_not_yet_valid",
    "waiver_out_of_scope",
    "waiver_unused",
    "waiver_expires_soon",
    "waiver_norm_not_evaluated",
}


def message(kind: str, detail: str = "") -> dict[str, str]:
    nl, en = _MESSAGES[kind]
    suffix = f" ({detail})" if detail else ""
    return {"nl": nl + suffix, "en": en + suffix}


def load_policy(path: Path | None) -> WaiverPolicy:
    """Load a waiver policy file; ``None`` gives the defaults (P1Y, warn P30D)."""
    if path is None:
        return WaiverPolicy(parse_period(DEFAULT_MAX_DURATION), parse_period(DEFAULT_WARN_BEFORE))
    doc, digest = read_document(path, "WAIVER_POLICY_INVALID")
    fields = Fields(doc, "", doc.value, "WAIVER_POLICY_INVALID", "a waiver policy")
    fields.only({"version", "max_duration", "warn_before"})
    _version(fields)
    periods = []
    for key, default in (("max_duration", None), ("warn_before", DEFAULT_WARN_BEFORE)):
        text = fields.text(key, required=default is None) or default
        assert text is not None
        try:
            periods.append(parse_period(text))
        except ValueError as exc:
            raise InputError("WAIVER_POLICY_INVALID", str(exc), fields.where(key)) from None
    return WaiverPolicy(periods[0], periods[1], digest)


def _version(fields: Fields) -> None:
    if fields.value.get("version") != 1:
        raise InputError(fields.code, "'version: 1' is required", fields.where("version"))


def _common(fields: Fields, entry: dict[str, Any]) -> dict[str, Any]:
    """The fields an unsigned and a signed waiver share, checked strictly."""
    code, doc, pointer = fields.code, fields.doc, fields.pointer
    if "scope" not in entry:
        raise InputError(code, "missing field 'scope'", fields.where())
    scope = Fields(doc, f"{pointer}/scope", entry["scope"], code, "'scope'")
    scope.only({"system", "bundle"})
    system, bundle = scope.text("system", False), scope.text("bundle", False)
    if system is None and bundle is None:
        raise InputError(code, "scope needs 'system' and/or 'bundle'", scope.where())
    issued, expires = fields.day("issued"), fields.day("expires")
    assert issued is not None and expires is not None
    if expires < issued:
        raise InputError(code, "'expires' lies before 'issued'", fields.where("expires"))
    return {
        "id": fields.required_text("id"),
        "norm": fields.norm_id(),
        "justification": fields.required_text("justification"),
        "issued": issued,
        "expires": expires,
        "system": system,
        "bundle": bundle,
        "ticket": fields.text("ticket", False),
    }


def _signed_waiver(doc: Document, index: int, entry: Any) -> Waiver:
    """A signed record of the file, its statement checked strictly (not its signatures)."""
    from .signed_records import parse_envelope

    pointer = f"/signed/{index}"
    envelope = parse_envelope(entry, doc.where(pointer), CODE, WAIVER_PREDICATE)
    payload = PayloadDocument(value=envelope.statement, source=doc.where(pointer))
    fields = Fields(payload, "/predicate", envelope.predicate, CODE, "a waiver predicate")
    fields.only(_SIGNED_FIELDS)
    keyid = fields.required_text("author_keyid")
    if len(keyid) != 64 or any(c not in "0123456789abcdef" for c in keyid):
        raise InputError(CODE, "author_keyid must be 64 hex digits", fields.where("author_keyid"))
    common = _common(fields, envelope.predicate)
    waiver = Waiver(
        author=f"key {keyid[:16]}",
        approver="",
        line=doc.position(pointer)[0],
        signed=True,
        author_keyid=keyid,
        envelope=envelope,
        **common,
    )
    subjects = {
        str(s.get("name")): str((s.get("digest") or {}).get("sha256"))
        for s in envelope.statement["subject"]
        if isinstance(s, dict)
    }
    if subjects != waiver.subjects() or len(envelope.statement["subject"]) != len(subjects):
        raise InputError(
            CODE, "the statement's subjects are not the waiver's scope", payload.where("/subject")
        )
    return waiver


def parse_waiver_document(doc: Document) -> list[Waiver]:
    """The waivers of a parsed waiver file (unsigned first, then signed), strictly."""
    top = Fields(doc, "", doc.value, CODE, "a waiver file")
    top.only({"version", "waivers", "signed"})
    _version(top)
    waivers: list[Waiver] = []
    for key in ("waivers", "signed"):
        entries = top.value.get(key)
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise InputError(CODE, f"'{key}' must be a list", top.where(key))
        if key == "signed" and len(entries) > MAX_RECORDS:
            raise InputError(CODE, f"more than {MAX_RECORDS} signed records", top.where(key))
        for index, entry in enumerate(entries):
            if key == "signed":
                waivers.append(_signed_waiver(doc, index, entry))
                continue
            fields = Fields(doc, f"/waivers/{index}", entry, CODE, "a waiver")
            fields.only(_WAIVER_FIELDS)
            common = _common(fields, entry)
            waivers.append(
                Waiver(
                    author=fields.required_text("author"),
                    approver=fields.required_text("approver"),
                    line=doc.position(f"/waivers/{index}")[0],
                    **common,
                )
            )
    seen: set[str] = set()
    for waiver in waivers:
        if waiver.id in seen:
            raise InputError(
                CODE, f"waiver id {waiver.id!r} used twice", f"{doc.source}:{waiver.line}"
            )
        seen.add(waiver.id)
    return waivers


def parse_waivers(path: Path) -> tuple[list[Waiver], str]:
    """Parse a waiver file strictly; returns the waivers and the file digest."""
    doc, digest = read_document(path, CODE)
    return parse_waiver_document(doc), digest


@dataclass(frozen=True)
class _Keys:
    """A signed waiver's verified author and the approvers that pass every rule but the
    bundle's organisation (which is judged per bundle)."""

    author: TrustedKey
    approvers: tuple[TrustedKey, ...]


@dataclass
class WaiverSet:
    """Waivers ready to act inside the evaluation (engine hook: apply/notices/digest).

    ``trusted`` is the trusted-keys list in signed mode (``--trusted-keys``), None in
    unsigned mode.
    """

    waivers: list[Waiver]
    policy: WaiverPolicy
    known_norms: dict[str, bool]
    digest: str
    trusted: list[TrustedKey] | None = None
    refused: dict[str, str] = field(default_factory=dict)  # waiver id -> rule broken
    _keys: dict[str, _Keys] = field(default_factory=dict)  # signed waiver id -> its keys
    _outcomes: dict[str, str] = field(default_factory=dict)  # waiver id -> outcome this run
    _as_of: date | None = None

    def __post_init__(self) -> None:
        for waiver in self.waivers:
            rule = self._rule_broken(waiver)
            if rule:
                self.refused[waiver.id] = rule

    def _rule_broken(self, waiver: Waiver) -> str | None:
        if self.trusted is None:
            if waiver.signed:
                return "keys_not_given"
            if same_person(waiver.author, waiver.approver):
                return "approver_is_author"
        elif not waiver.signed:
            return "not_signed"
        else:
            problem = self._check_keys(waiver, self.trusted)
            if problem:
                return problem
        if waiver.expires > self.policy.max_duration.after(waiver.issued):
            return "exceeds_max_duration"
        if waiver.norm not in self.known_norms:
            return "unknown_norm"
        if not self.known_norms[waiver.norm]:
            return "not_waivable"
        return None

    def _check_keys(self, waiver: Waiver, trusted: list[TrustedKey]) -> str | None:
        """Who signed a signed waiver, by the rules of the module docstring."""
        from ..evidence.signing import WAIVER_APPROVER, WAIVER_AUTHOR
        from .signed_records import check_signatures, of_submitting_party, validity_problem

        assert waiver.envelope is not None and waiver.author_keyid is not None
        signers = check_signatures(waiver.envelope, trusted)
        if signers.failed:
            return "signature_invalid"
        author = signers.key(waiver.author_keyid)
        if author is None:
            return "author_not_signed"
        if not author.has_role(WAIVER_AUTHOR):
            return "author_role_missing"
        if author.person is None:
            return "author_not_person"
        problem = validity_problem(author, waiver.issued, "author")
        if problem:
            return problem
        problems: list[str] = []
        if sum(kid == author.key_id for kid, _ in waiver.envelope.signatures) > 1:
            problems.append("approver_is_author")  # the author's key signed twice
        approvers: list[TrustedKey] = []
        for key in signers.verified:
            if key.key_id == author.key_id:
                continue
            if not key.has_role(WAIVER_APPROVER):
                problems.append("approver_role_missing")
            elif key.person is None:
                problems.append("approver_not_person")
            elif same_person(key.person, author.person):
                problems.append("approver_is_author")
            elif of_submitting_party(key, None):
                problems.append("approver_is_submitter")
            else:
                problem = validity_problem(key, waiver.issued, "approver")
                if problem:
                    problems.append(problem)
                else:
                    approvers.append(key)
        if not approvers:
            return problems[0] if problems else "not_approved"
        self._keys[waiver.id] = _Keys(author, tuple(approvers))
        return None

    def approver(self, waiver: Waiver, bundle: BundleLike) -> TrustedKey | None:
        """The first approver of a signed waiver who is not of the bundle's organisation."""
        from .signed_records import of_submitting_party

        keys = self._keys.get(waiver.id)
        if keys is None:
            return None
        organisation = organisation_of(bundle)
        return next((k for k in keys.approvers if not of_submitting_party(k, organisation)), None)

    def state(self, waiver: Waiver, as_of: date) -> str | None:
        """Why a well-formed waiver does not act at ``as_of`` (None: it is in force)."""
        if waiver.id in self.refused:
            return self.refused[waiver.id]
        if as_of < waiver.issued:
            return "waiver_not_yet_valid"
        if as_of > waiver.expires:
            return "waiver_expired"
        return None

    def expires_soon(self, waiver: Waiver, as_of: date) -> bool:
        return as_of <= waiver.expires < self.policy.warn_before.after(as_of)

    def apply(self, finding: Finding, bundle: BundleLike, as_of: date) -> None:
        """Waive ``finding`` when a valid, in-scope waiver covers it (status kept aside)."""
        self._as_of = as_of
        for waiver in self.waivers:
            if waiver.norm != finding.norm_id:
                continue
            problem = self.state(waiver, as_of)
            if problem is None and not waiver.in_scope(bundle):
                problem = "waiver_out_of_scope"
            approver = None
            if problem is None and waiver.signed:
                approver = self.approver(waiver, bundle)
                if approver is None:
                    problem = "approver_is_submitter"
            if problem is None and finding.status is Status.WAIVED:
                problem = "waiver_unused"  # another waiver already covers it
            if problem is None and finding.status not in WAIVABLE_STATUSES:
                problem = "waiver_unused"
            if problem is not None:
                self._outcomes.setdefault(waiver.id, problem)
                continue
            self._outcomes[waiver.id] = "applied"
            finding.original_status = finding.status
            block = waiver.to_dict()
            if approver is not None:
                from .signed_records import describe_key, display_name

                author = self._keys[waiver.id].author
                block.update(
                    author=display_name(author),
                    approver=display_name(approver),
                    author_key=describe_key(author),
                    approver_key=describe_key(approver),
                )
            block["original_reason"] = finding.reason.value
            block["file_digest"] = self.digest
            finding.waiver = block
            finding.status = Status.WAIVED
            finding.reason = Reason.WAIVER_APPLIED

    def notices(self) -> list[dict[str, Any]]:
        """Refused, expired, out-of-scope, unused and soon-expiring waivers of this run."""
        notices: list[dict[str, Any]] = []
        for waiver in self.waivers:
            outcome = self._outcomes.get(waiver.id)
            refused = self.refused.get(waiver.id)
            if refused is None and outcome in REFUSALS:
                refused = outcome  # refused for this bundle (its organisation)
            if refused is not None:
                kind, detail = "waiver_refused", refused
            elif outcome is None:
                kind, detail = "waiver_norm_not_evaluated", ""
            elif outcome == "applied":
                if self._as_of is None or not self.expires_soon(waiver, self._as_of):
                    continue
                kind, detail = "waiver_expires_soon", waiver.expires.isoformat()
            else:
                kind, detail = outcome, ""
            text = message(detail if kind == "waiver_refused" else kind)
            if kind == "waiver_expires_soon":
                text = message(kind, detail)
            notices.append(
                {
                    "source": "waivers",
                    "code": kind,
                    "detail": detail,
                    "id": waiver.id,
                    "norm_id": waiver.norm,
                    "line": waiver.line,
                    "expires": waiver.expires.isoformat(),
                    "signed": waiver.signed,
                    "message": text,
                }
            )
        return sorted(notices, key=lambda n: (n["norm_id"], n["code"], n["id"]))


def load_waivers(
    path: Path,
    policy: Path | None,
    known_norms: dict[str, bool],
    trusted: Sequence[TrustedKey] | None = None,
) -> WaiverSet:
    """Load a waiver file and its policy (engine-hook contract); with ``trusted`` keys only
    signed waivers count (signed mode)."""
    waivers, digest = parse_waivers(path)
    keys = list(trusted) if trusted is not None else None
    return WaiverSet(waivers, load_policy(policy), dict(known_norms), digest, keys)


def lint_waivers(
    path: Path,
    policy: Path | None,
    known_norms: dict[str, bool],
    as_of: date,
    trusted: Sequence[TrustedKey] | None = None,
) -> list[dict[str, Any]]:
    """Problems of a waiver file at ``as_of``: refused, expired, not yet valid, soon expiring.

    Each item: {level: error|warning, code, detail, id, norm_id, line, message}. Structural problems
    raise ``InputError`` (exit 3) as they do in ``check``. The bundle's organisation is not
    known here, so an approver of the submitting organisation is found only by ``check``.
    """
    waiver_set = load_waivers(path, policy, known_norms, trusted)
    problems: list[dict[str, Any]] = []
    for waiver in waiver_set.waivers:
        state = waiver_set.state(waiver, as_of)
        level, kind, detail = "", "", ""
        if waiver.id in waiver_set.refused:
            level, kind, detail = "error", "waiver_refused", state or ""
        elif state == "waiver_expired":
            level, kind = "error", state
        elif state == "waiver_not_yet_valid":
            level, kind = "warning", state
        elif waiver_set.expires_soon(waiver, as_of):
            level, kind, detail = "warning", "waiver_expires_soon", waiver.expires.isoformat()
        if not level:
            continue
        text = message(detail) if kind == "waiver_refused" else message(kind, detail)
        problems.append(
            {
                "level": level,
                "code": kind,
                "detail": detail,
                "id": waiver.id,
                "norm_id": waiver.norm,
                "line": waiver.line,
                "signed": waiver.signed,
                "message": text,
            }
        )
    return problems


def sign_waiver_file(
    path: Path,
    key_path: Path,
    *,
    ids: tuple[str, ...] = (),
    trusted_keys: Path | None = None,
    output: Path | None = None,
) -> list[tuple[str, str]]:
    """Add the signature of ``key_path`` to the waivers of ``path`` (all, or ``ids``).

    An unsigned waiver becomes a signed record authored by this key (its author and
    approver names are dropped: the keys say who). A signed waiver by another author gets
    this key's signature as an approval. With ``trusted_keys`` the key's roles and validity
    on the issue date are checked first (``ROLE_NOT_ALLOWED``, ``KEY_NOT_YET_VALID``,
    ``KEY_EXPIRED``, ``WAIVER_SELF_APPROVAL``). The file is rewritten atomically (YAML
    comments are not kept). Returns (waiver id, ``author`` or ``approver``) per signature.
    """
    from dataclasses import replace

    from ..atomic import write_atomic
    from ..evidence.signing import (
        WAIVER_APPROVER,
        WAIVER_AUTHOR,
        key_id,
        load_private_key,
        load_trusted_keys,
    )
    from ._files import dump_text, parse_text
    from .signed_records import add_signature, payload_bytes, sign

    key = load_private_key(key_path)
    keyid = key_id(key.public_key())
    doc, _ = read_document(path, CODE)
    waivers = parse_waiver_document(doc)
    unknown = sorted(set(ids) - {waiver.id for waiver in waivers})
    if unknown:
        raise InputError("USAGE", f"no waiver with id {', '.join(unknown)}", str(path))
    signer = None
    if trusted_keys is not None:
        signer = next((k for k in load_trusted_keys(trusted_keys) if k.key_id == keyid), None)
        if signer is None:
            raise InputError(
                "SIGNATURE_UNTRUSTED", f"key {keyid[:16]} is not in the trusted-keys file", None
            )

    def allowed(waiver: Waiver, role: str) -> None:
        if signer is None:
            return
        where = f"{path}:{waiver.line}"
        if not signer.has_role(role) or signer.person is None:
            raise InputError(
                "ROLE_NOT_ALLOWED",
                f"{waiver.id}: key {keyid[:16]} ({signer.role}) is not a person's key with"
                f" the role {role}",
                where,
            )
        problem = signer.validity_problem(waiver.issued, where)
        if problem is not None:
            raise problem

    value: dict[str, Any] = dict(doc.value)
    signed_entries: list[Any] = list(value.get("signed") or [])
    kept: list[Any] = []
    done: list[tuple[str, str]] = []
    unsigned = [waiver for waiver in waivers if not waiver.signed]
    for entry, waiver in zip(list(value.get("waivers") or []), unsigned, strict=True):
        if ids and waiver.id not in ids:
            kept.append(entry)
            continue
        allowed(waiver, WAIVER_AUTHOR)
        record = replace(waiver, author_keyid=keyid)
        payload = payload_bytes(WAIVER_PREDICATE, record.subjects(), record.predicate())
        signed_entries.append(sign(payload, key, str(path), CODE).to_dict())
        done.append((waiver.id, "author"))
    for index, waiver in enumerate(w for w in waivers if w.signed):
        if ids and waiver.id not in ids:
            continue
        assert waiver.envelope is not None and waiver.author_keyid is not None
        if waiver.envelope.signed_by(keyid):
            if ids:
                raise InputError(
                    "WAIVER_SELF_APPROVAL"
                    if keyid == waiver.author_keyid
                    else "WAIVER_ALREADY_SIGNED",
                    f"{waiver.id} is already signed by key {keyid[:16]}",
                    f"{path}:{waiver.line}",
                )
            continue
        allowed(waiver, WAIVER_APPROVER)
        if signer is not None and trusted_keys is not None:
            author = next(
                (k for k in load_trusted_keys(trusted_keys) if k.key_id == waiver.author_keyid),
                None,
            )
            if author is not None and same_person(author.person, signer.person):
                raise InputError(
                    "WAIVER_SELF_APPROVAL",
                    f"{waiver.id}: {signer.person} would approve their own waiver",
                    f"{path}:{waiver.line}",
                )
        signed_entries[index] = add_signature(
            waiver.envelope, key, f"{path}:{waiver.line}", CODE
        ).to_dict()
        done.append((waiver.id, "approver"))
    if not done:
        raise InputError(
            "WAIVER_NOTHING_TO_SIGN", f"no waiver left to sign with key {keyid[:16]}", str(path)
        )
    if kept:
        value["waivers"] = kept
    else:
        value.pop("waivers", None)
    value["signed"] = signed_entries
    target = output or path
    text = dump_text(value, str(target))
    parse_waiver_document(parse_text(text.encode("utf-8"), str(target)))  # what we write reads
    write_atomic(target, text, public=True)
    return done
