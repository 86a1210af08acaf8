"""Waivers (design 6.5): a time-boxed, approved exception for one norm in one scope.

A waiver file (``--waivers``)::

    version: 1
    waivers:
      - id: W-2026-001
        norm: NK.GOV.04
        scope: {system: "12345678"}        # Algoritmeregister id, and/or bundle: <bundle id>
        justification: "Register update is planned for Q1; see decision 2026-114."
        author: "J. de Vries (team lead)"
        approver: "M. Bakker (CISO)"
        issued: 2026-10-01
        expires: 2027-03-31                 # mandatory; valid up to and including this date

A policy file (``--waiver-policy``) bounds the length of a waiver::

    version: 1
    max_duration: P1Y       # expires - issued may not exceed this (default P1Y)
    warn_before: P30D       # "expires soon" horizon for notices and lint (default P30D)

A structurally malformed file (missing or unknown fields, bad dates, expiry before issue,
duplicate ids) is rejected as a whole (``WAIVER_INVALID``, exit 3). A waiver that is
well-formed but breaks a rule (approver is the author, longer than the policy allows, the
norm is not waivable or unknown) is *refused*: it does nothing and the result says why.
Expiry and scope are judged per bundle at the run's as-of date: an expired, not yet valid
or out-of-scope waiver does nothing and is reported as a notice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from ..errors import InputError
from ..results import Finding, Reason, Status
from ..timeutil import Period, parse_period
from ._files import Fields, read_document

#: Statuses a waiver can cover (design 6.1).
WAIVABLE_STATUSES = frozenset({Status.FAIL, Status.MISSING, Status.BLOCKED, Status.REVIEW})
DEFAULT_MAX_DURATION = "P1Y"
DEFAULT_WARN_BEFORE = "P30D"
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


class BundleLike(Protocol):
    """What a waiver needs from a bundle: its id and its system block."""

    @property
    def id(self) -> str: ...

    @property
    def system(self) -> dict[str, Any]: ...


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
        }
        if self.ticket:
            data["ticket"] = self.ticket
        return data


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


def parse_waivers(path: Path) -> tuple[list[Waiver], str]:
    """Parse a waiver file strictly; returns the waivers and the file digest."""
    code = "WAIVER_INVALID"
    doc, digest = read_document(path, code)
    top = Fields(doc, "", doc.value, code, "a waiver file")
    top.only({"version", "waivers"})
    _version(top)
    entries = top.value.get("waivers")
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise InputError(code, "'waivers' must be a list", top.where("waivers"))
    waivers: list[Waiver] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        fields = Fields(doc, f"/waivers/{index}", entry, code, "a waiver")
        fields.only(_WAIVER_FIELDS)
        waiver_id = fields.required_text("id")
        if waiver_id in seen:
            raise InputError(code, f"waiver id {waiver_id!r} used twice", fields.where("id"))
        seen.add(waiver_id)
        if "scope" not in entry:
            raise InputError(code, "missing field 'scope'", fields.where())
        scope = Fields(doc, f"/waivers/{index}/scope", entry["scope"], code, "'scope'")
        scope.only({"system", "bundle"})
        system, bundle = scope.text("system", False), scope.text("bundle", False)
        if system is None and bundle is None:
            raise InputError(code, "scope needs 'system' and/or 'bundle'", scope.where())
        issued, expires = fields.day("issued"), fields.day("expires")
        assert issued is not None and expires is not None
        if expires < issued:
            raise InputError(code, "'expires' lies before 'issued'", fields.where("expires"))
        waivers.append(
            Waiver(
                id=waiver_id,
                norm=fields.norm_id(),
                justification=fields.required_text("justification"),
                author=fields.required_text("author"),
                approver=fields.required_text("approver"),
                issued=issued,
                expires=expires,
                system=system,
                bundle=bundle,
                ticket=fields.text("ticket", False),
                line=doc.position(f"/waivers/{index}")[0],
            )
        )
    return waivers, digest


def _same_person(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


@dataclass
class WaiverSet:
    """Waivers ready to act inside the evaluation (engine hook: apply/notices/digest)."""

    waivers: list[Waiver]
    policy: WaiverPolicy
    known_norms: dict[str, bool]
    digest: str
    refused: dict[str, str] = field(default_factory=dict)  # waiver id -> rule broken
    _outcomes: dict[str, str] = field(default_factory=dict)  # waiver id -> outcome this run
    _as_of: date | None = None

    def __post_init__(self) -> None:
        for waiver in self.waivers:
            rule = self._rule_broken(waiver)
            if rule:
                self.refused[waiver.id] = rule

    def _rule_broken(self, waiver: Waiver) -> str | None:
        if _same_person(waiver.author, waiver.approver):
            return "approver_is_author"
        if waiver.expires > self.policy.max_duration.after(waiver.issued):
            return "exceeds_max_duration"
        if waiver.norm not in self.known_norms:
            return "unknown_norm"
        if not self.known_norms[waiver.norm]:
            return "not_waivable"
        return None

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
                    "message": text,
                }
            )
        return sorted(notices, key=lambda n: (n["norm_id"], n["code"], n["id"]))


def load_waivers(path: Path, policy: Path | None, known_norms: dict[str, bool]) -> WaiverSet:
    """Load a waiver file and its policy (engine-hook contract)."""
    waivers, digest = parse_waivers(path)
    return WaiverSet(waivers, load_policy(policy), dict(known_norms), digest)


def lint_waivers(
    path: Path, policy: Path | None, known_norms: dict[str, bool], as_of: date
) -> list[dict[str, Any]]:
    """Problems of a waiver file at ``as_of``: refused, expired, not yet valid, soon expiring.

    Each item: {level: error|warning, code, detail, id, norm_id, line, message}. Structural problems
    raise ``InputError`` (exit 3) as they do in ``check``.
    """
    waiver_set = load_waivers(path, policy, known_norms)
    problems: list[dict[str, Any]] = []
    for waiver in waiver_set.waivers:
        state = waiver_set.state(waiver, as_of)
        level, kind, detail = "", "", ""
        if state in waiver_set.refused.values() and waiver.id in waiver_set.refused:
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
                "message": text,
            }
        )
    return problems
