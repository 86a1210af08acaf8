"""Judgements (design 6.6): a supervisor's verdict on a norm, pinned to the evidence judged.

An assessments file (``--assessments``), usually grown with ``normenkader assess``::

    version: 1
    assessments:
      - norm: NK.GOV.08
        verdict: pass                     # pass | fail
        assessor: "A. Jansen (ADR)"
        date: 2026-11-25
        note: "Oversight procedure is followed; sampled 20 cases."
        bundle: gm0363-12345678-2026-001  # the bundle judged
        system: "12345678"                # optional: the judgement carries over to later
                                          # bundles of this system while the evidence is unchanged
        evidence:                         # evidence id -> sha256 of the bytes judged
          oversight-procedure: sha256:3f7a...

A signed judgement (``assess --key``) is kept under ``signed:`` as a DSSE envelope: an in-toto
statement (predicate type :data:`JUDGEMENT_PREDICATE`) whose predicate has the fields above
with ``assessor_keyid`` instead of the name, and whose subjects are the evidence judged
(``evidence:<id>`` with its sha256; ``bundle:<id>`` when none). With ``--trusted-keys`` only
signed judgements count: signed by a person's key with the role ``assessor``, valid on the
judgement's date, that is not a ``submitter`` key nor a key of the bundle's organisation.
Without ``--trusted-keys`` only unsigned ones count, and every report marks them
``signed: false``. A judgement that breaks one of these rules is *refused*: it does nothing
and a notice ``judgement_refused`` says why.

A judgement decides a finding whose status is ``review`` when it is in scope (same system
when one is recorded, otherwise the same bundle id), dated on or before the as-of date, and
when the evidence the finding rests on is exactly the evidence judged (same ids, same
digests). When the evidence changed, the judgement lapses: the finding stays ``review``
with reason ``judgement_lapsed`` and names what changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..results import Finding, Reason, Status
from ._files import MAX_RECORDS, Fields, PayloadDocument, read_document
from .waivers import BundleLike, organisation_of

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ..evidence.signing import TrustedKey
    from ..yamlio import Document
    from .signed_records import Envelope

VERDICTS = {"pass": Status.PASS, "fail": Status.FAIL}
_FIELDS = {"norm", "verdict", "assessor", "date", "note", "bundle", "system", "evidence"}
_SIGNED_FIELDS = (_FIELDS - {"assessor"}) | {"assessor_keyid"}
CODE = "ASSESSMENT_INVALID"
JUDGEMENT_PREDICATE = "https://normenkader.nl/attestation/judgement/v1"


def plain_digest(value: str) -> str:
    """``sha256:<hex>`` and bare hex compare equal."""
    return value.removeprefix("sha256:").lower()


def evidence_digests(finding: Finding) -> dict[str, str]:
    """The evidence a finding rests on: id -> ``sha256:<hex>`` (unusable items excluded)."""
    return {
        use.id: "sha256:" + plain_digest(use.sha256)
        for use in finding.evidence
        if use.id and use.sha256
    }


@dataclass(frozen=True)
class Assessment:
    norm: str
    verdict: str
    assessor: str
    date: date
    note: str
    bundle: str
    system: str | None
    evidence: dict[str, str]
    line: int = 0
    signed: bool = False
    assessor_keyid: str | None = None  # signed judgements: the assessor's key id
    envelope: Envelope | None = field(default=None, compare=False)

    def in_scope(self, bundle: BundleLike) -> bool:
        if self.system is not None:
            return str(bundle.system.get("register_id", "")) == self.system
        return bundle.id == self.bundle

    def changes(self, current: dict[str, str]) -> list[dict[str, str | None]]:
        """Evidence ids whose bytes differ from what was judged (added, removed, changed)."""
        judged = {key: plain_digest(value) for key, value in self.evidence.items()}
        now = {key: plain_digest(value) for key, value in current.items()}
        changed: list[dict[str, str | None]] = []
        for evidence_id in sorted(set(judged) | set(now)):
            before, after = judged.get(evidence_id), now.get(evidence_id)
            if before != after:
                changed.append(
                    {
                        "id": evidence_id,
                        "judged": f"sha256:{before}" if before else None,
                        "now": f"sha256:{after}" if after else None,
                    }
                )
        return changed

    def to_dict(self) -> dict[str, Any]:
        return {
            "norm": self.norm,
            "verdict": self.verdict,
            "assessor": self.assessor,
            "date": self.date.isoformat(),
            "note": self.note,
            "bundle": self.bundle,
            "system": self.system,
            "evidence": dict(sorted(self.evidence.items())),
            "signed": self.signed,
        }

    def predicate(self) -> dict[str, Any]:
        """The predicate of this judgement as a signed record (``assessor_keyid`` set)."""
        data: dict[str, Any] = {
            "norm": self.norm,
            "verdict": self.verdict,
            "date": self.date.isoformat(),
            "note": self.note,
            "bundle": self.bundle,
            "evidence": dict(sorted(self.evidence.items())),
            "assessor_keyid": self.assessor_keyid,
        }
        if self.system is not None:
            data["system"] = self.system
        return data

    def subjects(self) -> dict[str, str]:
        from .signed_records import name_digest

        if not self.evidence:
            return {f"bundle:{self.bundle}": name_digest(self.bundle)}
        return {f"evidence:{k}": plain_digest(v) for k, v in self.evidence.items()}


def _entry(fields: Fields, entry: dict[str, Any], **extra: Any) -> Assessment:
    """The fields an unsigned and a signed judgement share, checked strictly."""
    code, doc, pointer = fields.code, fields.doc, fields.pointer
    verdict = fields.required_text("verdict")
    if verdict not in VERDICTS:
        raise InputError(
            code, f"verdict must be one of {', '.join(VERDICTS)}", fields.where("verdict")
        )
    day = fields.day("date")
    assert day is not None
    if "evidence" not in entry:
        raise InputError(code, "missing field 'evidence'", fields.where())
    pins = Fields(doc, f"{pointer}/evidence", entry["evidence"] or {}, code, "'evidence'")
    evidence: dict[str, str] = {}
    for evidence_id in pins.value:
        value = pins.required_text(evidence_id)
        hexpart = plain_digest(value)
        if len(hexpart) != 64 or any(c not in "0123456789abcdef" for c in hexpart):
            raise InputError(code, "expected sha256:<64 hex digits>", pins.where(evidence_id))
        evidence[str(evidence_id)] = "sha256:" + hexpart
    return Assessment(
        norm=fields.norm_id(),
        verdict=verdict,
        date=day,
        note=fields.required_text("note"),
        bundle=fields.required_text("bundle"),
        system=fields.text("system", False),
        evidence=evidence,
        **extra,
    )


def _signed_entry(doc: Document, index: int, value: Any) -> Assessment:
    from .signed_records import parse_envelope

    pointer = f"/signed/{index}"
    envelope = parse_envelope(value, doc.where(pointer), CODE, JUDGEMENT_PREDICATE)
    payload = PayloadDocument(value=envelope.statement, source=doc.where(pointer))
    fields = Fields(payload, "/predicate", envelope.predicate, CODE, "a judgement predicate")
    fields.only(_SIGNED_FIELDS)
    keyid = fields.required_text("assessor_keyid")
    if len(keyid) != 64 or any(c not in "0123456789abcdef" for c in keyid):
        raise InputError(
            CODE, "assessor_keyid must be 64 hex digits", fields.where("assessor_keyid")
        )
    item = _entry(
        fields,
        envelope.predicate,
        assessor=f"key {keyid[:16]}",
        line=doc.position(pointer)[0],
        signed=True,
        assessor_keyid=keyid,
        envelope=envelope,
    )
    subjects = {
        str(s.get("name")): str((s.get("digest") or {}).get("sha256"))
        for s in envelope.statement["subject"]
        if isinstance(s, dict)
    }
    if subjects != item.subjects() or len(envelope.statement["subject"]) != len(subjects):
        raise InputError(
            CODE,
            "the statement's subjects are not the evidence judged",
            payload.where("/subject"),
        )
    return item


def parse_assessment_document(doc: Document) -> list[Assessment]:
    """The judgements of a parsed assessments file (unsigned first, then signed), strictly."""
    top = Fields(doc, "", doc.value, CODE, "an assessments file")
    top.only({"version", "assessments", "signed"})
    if top.value.get("version") != 1:
        raise InputError(CODE, "'version: 1' is required", top.where("version"))
    found: list[Assessment] = []
    for key in ("assessments", "signed"):
        entries = top.value.get(key) or []
        if not isinstance(entries, list):
            raise InputError(CODE, f"'{key}' must be a list", top.where(key))
        if key == "signed" and len(entries) > MAX_RECORDS:
            raise InputError(CODE, f"more than {MAX_RECORDS} signed records", top.where(key))
        for index, entry in enumerate(entries):
            if key == "signed":
                found.append(_signed_entry(doc, index, entry))
                continue
            pointer = f"/assessments/{index}"
            fields = Fields(doc, pointer, entry, CODE, "an assessment")
            fields.only(_FIELDS)
            found.append(
                _entry(
                    fields,
                    entry,
                    assessor=fields.required_text("assessor"),
                    line=doc.position(pointer)[0],
                )
            )
    return found


def parse_assessments(path: Path) -> tuple[list[Assessment], str]:
    """Parse an assessments file strictly; returns the judgements and the file digest."""
    doc, digest = read_document(path, CODE)
    return parse_assessment_document(doc), digest


_TEXT = {
    "judgement_lapsed": (
        "Oordeel van {who} ({day}) vervallen: het beoordeelde bewijs is gewijzigd ({ids})",
        "Judgement by {who} ({day}) lapsed: the evidence judged has changed ({ids})",
    ),
    "judgement_recorded": (
        "Oordeel {verdict} door {who} ({day}): {note}",
        "Judged {verdict} by {who} ({day}): {note}",
    ),
    "judgement_not_yet_recorded": (
        "oordeel is gedateerd na de peildatum",
        "the judgement is dated after the as-of date",
    ),
    "judgement_unused": (
        "oordeel niet gebruikt: de norm vraagt nu geen oordeel",
        "judgement not used: the norm does not await a judgement now",
    ),
    "judgement_norm_not_evaluated": (
        "de norm is in deze run niet geëvalueerd",
        "the norm was not evaluated in this run",
    ),
    "judgement_out_of_scope": (
        "oordeel geldt niet voor dit systeem of deze bundel",
        "the judgement does not cover this system or bundle",
    ),
    "judgement_refused": ("oordeel geweigerd: {why}", "judgement refused: {why}"),
}

#: Details of ``judgement_refused`` (stable codes, docs/workflows.md).
REFUSALS: dict[str, tuple[str, str]] = {
    "not_signed": (
        "niet ondertekend, terwijl --trusted-keys is gegeven",
        "not signed, and --trusted-keys asks for signed judgements",
    ),
    "keys_not_given": (
        "een ondertekend oordeel telt alleen met --trusted-keys",
        "a signed judgement counts only with --trusted-keys",
    ),
    "signature_invalid": (
        "de handtekening klopt niet (gewijzigd?)",
        "the signature does not verify (altered?)",
    ),
    "assessor_not_signed": (
        "niet ondertekend door de sleutel van de beoordelaar, of die sleutel is niet vertrouwd",
        "not signed by the assessor's key, or that key is not trusted",
    ),
    "assessor_role_missing": (
        "de sleutel heeft niet de rol assessor",
        "the key lacks the role assessor",
    ),
    "assessor_not_person": (
        "de sleutel is van een organisatie, niet van een persoon",
        "the key is an organisation's, not a person's",
    ),
    "assessor_is_submitter": (
        "de sleutel hoort bij de indienende organisatie",
        "the key belongs to the submitting organisation",
    ),
    "assessor_key_not_yet_valid": (
        "de sleutel was op de datum van het oordeel nog niet geldig",
        "the key was not yet valid on the judgement's date",
    ),
    "assessor_key_expired": (
        "de sleutel was op de datum van het oordeel verlopen",
        "the key had expired on the judgement's date",
    ),
}


def _text(code: str, **values: str) -> dict[str, str]:
    nl, en = _TEXT[code]
    if code == "judgement_refused":
        why_nl, why_en = REFUSALS[values["why"]]
        return {"nl": nl.format(why=why_nl), "en": en.format(why=why_en)}
    return {"nl": nl.format(**values), "en": en.format(**values)}


@dataclass
class AssessmentSet:
    """Judgements ready to act inside the evaluation (engine hook: apply/notices/digest).

    ``trusted`` is the trusted-keys list in signed mode (``--trusted-keys``), None in
    unsigned mode.
    """

    assessments: list[Assessment]
    digest: str
    trusted: list[TrustedKey] | None = None
    refused: dict[int, str] = field(default_factory=dict)  # index -> rule broken
    _keys: dict[int, TrustedKey] = field(default_factory=dict)  # index -> assessor's key
    _outcomes: dict[int, tuple[str, list[dict[str, str | None]]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for index, item in enumerate(self.assessments):
            rule = self._rule_broken(index, item)
            if rule:
                self.refused[index] = rule

    def _rule_broken(self, index: int, item: Assessment) -> str | None:
        from ..evidence.signing import ASSESSOR
        from .signed_records import check_signatures, of_submitting_party, validity_problem

        if self.trusted is None:
            return "keys_not_given" if item.signed else None
        if not item.signed:
            return "not_signed"
        assert item.envelope is not None and item.assessor_keyid is not None
        signers = check_signatures(item.envelope, self.trusted)
        if signers.failed:
            return "signature_invalid"
        key = signers.key(item.assessor_keyid)
        if key is None:
            return "assessor_not_signed"
        if not key.has_role(ASSESSOR):
            return "assessor_role_missing"
        if key.person is None:
            return "assessor_not_person"
        if of_submitting_party(key, None):
            return "assessor_is_submitter"
        problem = validity_problem(key, item.date, "assessor")
        if problem:
            return problem
        self._keys[index] = key
        return None

    def _refusal(self, index: int, bundle: BundleLike) -> str | None:
        """Why judgement ``index`` may not act on ``bundle`` (None: it may)."""
        from .signed_records import of_submitting_party

        if index in self.refused:
            return self.refused[index]
        key = self._keys.get(index)
        if key is not None and of_submitting_party(key, organisation_of(bundle)):
            return "assessor_is_submitter"
        return None

    def apply(self, finding: Finding, bundle: BundleLike, as_of: date) -> None:
        """Decide a ``review`` finding with the newest matching judgement, or mark it lapsed."""
        candidates: list[tuple[int, Assessment]] = []
        for index, item in enumerate(self.assessments):
            if item.norm != finding.norm_id:
                continue
            refusal = self._refusal(index, bundle)
            if refusal is not None:
                self._outcomes.setdefault(index, (f"refused:{refusal}", []))
            elif not item.in_scope(bundle):
                self._outcomes.setdefault(index, ("judgement_out_of_scope", []))
            elif item.date > as_of:
                self._outcomes.setdefault(index, ("judgement_not_yet_recorded", []))
            elif finding.status is not Status.REVIEW:
                self._outcomes.setdefault(index, ("judgement_unused", []))
            else:
                candidates.append((index, item))
        if not candidates:
            return
        # newest first; file order breaks ties (a later line supersedes an earlier one)
        candidates.sort(key=lambda pair: (pair[1].date, pair[0]), reverse=True)
        current = evidence_digests(finding)
        for index, item in candidates:
            if not item.changes(current):
                self._decide(finding, index, item)
                self._outcomes[index] = ("applied", [])
                for other, _ in candidates:
                    self._outcomes.setdefault(other, ("judgement_superseded", []))
                return
        index, newest = candidates[0]
        changed = newest.changes(current)
        self._outcomes[index] = ("judgement_lapsed", changed)
        for other, _ in candidates[1:]:
            self._outcomes.setdefault(other, ("judgement_superseded", []))
        finding.reason = Reason.JUDGEMENT_LAPSED
        block = self._block(index, newest)
        block.update({"lapsed": True, "changed": changed, "file_digest": self.digest})
        finding.judgement = block
        ids = ", ".join(str(change["id"]) for change in changed)
        finding.message = _text(
            "judgement_lapsed", who=block["assessor"], day=newest.date.isoformat(), ids=ids
        )

    def _block(self, index: int, item: Assessment) -> dict[str, Any]:
        """The ``judgement`` block of a finding; for a signed one, who signed it."""
        block = item.to_dict()
        key = self._keys.get(index)
        if key is not None:
            from .signed_records import describe_key, display_name

            block.update(assessor=display_name(key), assessor_key=describe_key(key))
        return block

    def _decide(self, finding: Finding, index: int, item: Assessment) -> None:
        block = self._block(index, item)
        block.update(
            {
                "lapsed": False,
                "changed": [],
                "file_digest": self.digest,
                "original_message": finding.message,
            }
        )
        finding.judgement = block
        finding.status = VERDICTS[item.verdict]
        finding.reason = Reason.JUDGEMENT_RECORDED
        finding.message = _text(
            "judgement_recorded",
            verdict=item.verdict,
            who=block["assessor"],
            day=item.date.isoformat(),
            note=item.note,
        )

    def notices(self) -> list[dict[str, Any]]:
        """Refused, lapsed, out-of-scope, future-dated, unused and unevaluated judgements."""
        notices: list[dict[str, Any]] = []
        for index, item in enumerate(self.assessments):
            code, changed = self._outcomes.get(index, ("judgement_norm_not_evaluated", []))
            detail = ""
            if code in ("applied", "judgement_superseded"):
                continue
            if index in self.refused:
                code, detail = "judgement_refused", self.refused[index]
            elif code.startswith("refused:"):
                code, detail = "judgement_refused", code.removeprefix("refused:")
            who = self._block(index, item)["assessor"]
            if code == "judgement_lapsed":
                text = _text(
                    code,
                    who=who,
                    day=item.date.isoformat(),
                    ids=", ".join(str(c["id"]) for c in changed),
                )
            elif code == "judgement_refused":
                text = _text(code, why=detail)
            else:
                text = _text(code)
            notices.append(
                {
                    "source": "assessments",
                    "code": code,
                    "detail": detail,
                    "norm_id": item.norm,
                    "line": item.line,
                    "assessor": who,
                    "date": item.date.isoformat(),
                    "changed": changed,
                    "signed": item.signed,
                    "message": text,
                }
            )
        return sorted(notices, key=lambda n: (n["norm_id"], n["code"], n["line"]))


def load_assessments(path: Path, trusted: Sequence[TrustedKey] | None = None) -> AssessmentSet:
    """Load an assessments file (engine-hook contract); with ``trusted`` keys only signed
    judgements count (signed mode)."""
    assessments, digest = parse_assessments(path)
    return AssessmentSet(assessments, digest, list(trusted) if trusted is not None else None)


def render_entry(item: Assessment, indent: int = 2) -> str:
    """One assessment as a YAML block list item, for appending to a file."""
    import json

    def scalar(value: str) -> str:
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML scalar

    pad = " " * indent
    lines = [
        f"{pad}- norm: {item.norm}",
        f"{pad}  verdict: {item.verdict}",
        f"{pad}  assessor: {scalar(item.assessor)}",
        f"{pad}  date: {item.date.isoformat()}",
        f"{pad}  note: {scalar(item.note)}",
        f"{pad}  bundle: {scalar(item.bundle)}",
    ]
    if item.system is not None:
        lines.append(f"{pad}  system: {scalar(item.system)}")
    if item.evidence:
        lines.append(f"{pad}  evidence:")
        lines.extend(f"{pad}    {scalar(k)}: {v}" for k, v in sorted(item.evidence.items()))
    else:
        lines.append(f"{pad}  evidence: {{}}")
    return "\n".join(lines) + "\n"


def _plain_entry(item: Assessment) -> dict[str, Any]:
    """An unsigned judgement as a mapping of the file."""
    return {k: v for k, v in item.to_dict().items() if v is not None and k != "signed"}


def append_assessment(path: Path, item: Assessment) -> None:
    """Append one judgement to ``path`` atomically, under a lock, keeping earlier text.

    The existing file is validated first; the new entry (an unsigned one under
    ``assessments:``, a signed one under ``signed:``) is appended as text and the result is
    parsed again before it replaces the file, so a file in an unusual layout (or JSON) is
    rewritten in full (comments lost, judgements kept) rather than corrupted.
    """
    import fcntl
    import json

    from ..atomic import write_atomic
    from ._files import dump_text

    lock_path = path.with_name(f".{path.name}.lock")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError("OUTPUT_INVALID", "output folder does not exist", str(folder))
    key = "signed" if item.signed else "assessments"
    with open(lock_path, "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            if path.exists():
                doc, _ = read_document(path, CODE)
                existing = parse_assessment_document(doc)
                value: dict[str, Any] = dict(doc.value)
                text = path.read_text(encoding="utf-8")
            else:
                existing, value = [], {"version": 1}
                text = f"version: 1\n{key}:\n"
            if text and not text.endswith("\n"):
                text += "\n"
            if item.envelope is not None:
                entry: dict[str, Any] = item.envelope.to_dict()
                line = json.dumps(entry, ensure_ascii=False)  # a JSON object is YAML
                candidates = [text + f"  - {line}\n", text + f"signed:\n  - {line}\n"]
            else:
                entry = _plain_entry(item)
                candidates = [text + render_entry(item, indent) for indent in (2, 0, 4)]
            value[key] = [*(value.get(key) or []), entry]
            chosen = dump_text(value, str(path))
            if path.suffix.lower() != ".json":
                for candidate in candidates:
                    if _appended(candidate, path, existing, item):
                        chosen = candidate
                        break
            write_atomic(path, chosen)
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _appended(candidate: str, path: Path, existing: list[Assessment], item: Assessment) -> bool:
    """True when ``candidate`` parses to the existing judgements plus ``item``."""
    from ._files import parse_text

    try:
        parsed = parse_assessment_document(parse_text(candidate.encode("utf-8"), str(path)))
    except InputError:
        return False

    def plain(items: list[Assessment]) -> list[Assessment]:
        return sorted(
            # a signed record's assessor is its key (the name comes from trusted keys)
            (
                Assessment(**{**a.__dict__, "line": 0, "assessor": a.assessor_keyid or a.assessor})
                for a in items
            ),
            key=lambda a: (a.signed, a.date, a.norm, a.verdict, a.note),
        )

    return plain(parsed) == plain([*existing, item])


def judge_bundle(
    bundle: Path,
    norm_id: str,
    *,
    verdict: str,
    note: str,
    assessor: str | None,
    day: date,
    carry_over: bool,
    as_of: date | None = None,
    norm_paths: list[Path] | None = None,
    profile: str | None = None,
    key: Ed25519PrivateKey | None = None,
    trusted: Sequence[TrustedKey] | None = None,
) -> tuple[Assessment, Finding]:
    """Build a judgement of ``norm_id`` on ``bundle``, pinned to the evidence the engine
    uses for that norm (evaluated exactly as ``check`` does, at ``as_of``, default ``day``).

    Returns the judgement and the current finding (so the caller can warn when the norm
    does not await a judgement). ``carry_over`` scopes it to the system (register id)
    instead of the single bundle. With ``key`` the judgement is a signed record by that
    key; with ``trusted`` the key must be in it as a person's ``assessor`` key, valid on
    ``day`` and not of the submitting organisation (else ``ROLE_NOT_ALLOWED``,
    ``KEY_NOT_YET_VALID``, ``KEY_EXPIRED``).
    """
    from ..engine import Options, evaluate
    from ..evidence.bundle import open_bundle
    from ..norms.compiled import load_norm_set
    from ..workdir import private_workdir

    if verdict not in VERDICTS:
        raise InputError("USAGE", f"verdict must be one of {', '.join(VERDICTS)}")
    if not note.strip():
        raise InputError("USAGE", "--note must not be empty")
    if key is None and not (assessor or "").strip():
        raise InputError("USAGE", "--assessor is needed for an unsigned judgement (or --key)")
    norm_set = load_norm_set(norm_paths, profile, only=[norm_id])
    if norm_id not in norm_set.norms:
        raise InputError("UNKNOWN_NORM", f"no norm {norm_id!r} in the norm set")
    with private_workdir() as staging:
        opened = open_bundle(bundle, None, staging)
        result = evaluate(norm_set, opened, Options(as_of=as_of or day))
        system = str(opened.system.get("register_id") or "") or None
        if carry_over and system is None:
            raise InputError(
                "USAGE", "--carry-over needs a system.register_id in the bundle manifest"
            )
        finding = next(f for f in result.findings if f.norm_id == norm_id)
        item = Assessment(
            norm=norm_id,
            verdict=verdict,
            assessor=" ".join((assessor or "").split()),
            date=day,
            note=note.strip(),
            bundle=opened.id,
            system=system if carry_over else None,
            evidence=evidence_digests(finding),
        )
        organisation = organisation_of(opened)
    if key is not None:
        item = _signed_judgement(item, key, trusted, organisation)
    return item, finding


def _signed_judgement(
    item: Assessment,
    key: Ed25519PrivateKey,
    trusted: Sequence[TrustedKey] | None,
    organisation: str | None,
) -> Assessment:
    from dataclasses import replace

    from ..evidence.signing import ASSESSOR, key_id
    from .signed_records import display_name, of_submitting_party, payload_bytes, sign

    keyid = key_id(key.public_key())
    name = f"key {keyid[:16]}"
    if trusted is not None:
        signer = next((k for k in trusted if k.key_id == keyid), None)
        if signer is None:
            raise InputError(
                "SIGNATURE_UNTRUSTED", f"key {keyid[:16]} is not in the trusted-keys file"
            )
        if not signer.has_role(ASSESSOR) or signer.person is None:
            raise InputError(
                "ROLE_NOT_ALLOWED",
                f"key {keyid[:16]} ({signer.role}) is not a person's key with the role assessor",
            )
        if of_submitting_party(signer, organisation):
            raise InputError(
                "ROLE_NOT_ALLOWED",
                f"key {keyid[:16]} belongs to the submitting organisation ({signer.organisation})",
            )
        problem = signer.validity_problem(item.date, None)
        if problem is not None:
            raise problem
        name = display_name(signer)
    item = replace(item, assessor=name, signed=True, assessor_keyid=keyid)
    payload = payload_bytes(JUDGEMENT_PREDICATE, item.subjects(), item.predicate())
    return replace(item, envelope=sign(payload, key, "judgement", CODE))
