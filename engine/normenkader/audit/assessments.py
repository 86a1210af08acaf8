"""Judgements (design 6.6): a supervisor's verdict on a norm, pinned to the evidence judged.

An assessments file (``--assessments``), usually grown with ``normenkader assess``::

    version: 1
    assessments:
      - norm: NK.HUM.02
        verdict: pass                     # pass | fail
        assessor: "A. Jansen (ADR)"
        date: 2026-11-25
        note: "Oversight procedure is followed; sampled 20 cases."
        bundle: gm0363-12345678-2026-001  # the bundle judged
        system: "12345678"                # optional: the judgement carries over to later
                                          # bundles of this system while the evidence is unchanged
        evidence:                         # evidence id -> sha256 of the bytes judged
          oversight-procedure: sha256:3f7a...

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
from typing import Any

from ..errors import InputError
from ..results import Finding, Reason, Status
from ._files import Fields, read_document
from .waivers import BundleLike

VERDICTS = {"pass": Status.PASS, "fail": Status.FAIL}
_FIELDS = {"norm", "verdict", "assessor", "date", "note", "bundle", "system", "evidence"}
CODE = "ASSESSMENT_INVALID"


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
        }


def parse_assessments(path: Path) -> tuple[list[Assessment], str]:
    """Parse an assessments file strictly; returns the judgements and the file digest."""
    doc, digest = read_document(path, CODE)
    top = Fields(doc, "", doc.value, CODE, "an assessments file")
    top.only({"version", "assessments"})
    if top.value.get("version") != 1:
        raise InputError(CODE, "'version: 1' is required", top.where("version"))
    entries = top.value.get("assessments") or []
    if not isinstance(entries, list):
        raise InputError(CODE, "'assessments' must be a list", top.where("assessments"))
    found: list[Assessment] = []
    for index, entry in enumerate(entries):
        pointer = f"/assessments/{index}"
        fields = Fields(doc, pointer, entry, CODE, "an assessment")
        fields.only(_FIELDS)
        verdict = fields.required_text("verdict")
        if verdict not in VERDICTS:
            raise InputError(
                CODE, f"verdict must be one of {', '.join(VERDICTS)}", fields.where("verdict")
            )
        day = fields.day("date")
        assert day is not None
        if "evidence" not in entry:
            raise InputError(CODE, "missing field 'evidence'", fields.where())
        pins = Fields(doc, f"{pointer}/evidence", entry["evidence"] or {}, CODE, "'evidence'")
        evidence: dict[str, str] = {}
        for evidence_id in pins.value:
            value = pins.required_text(evidence_id)
            hexpart = plain_digest(value)
            if len(hexpart) != 64 or any(c not in "0123456789abcdef" for c in hexpart):
                raise InputError(CODE, "expected sha256:<64 hex digits>", pins.where(evidence_id))
            evidence[str(evidence_id)] = "sha256:" + hexpart
        found.append(
            Assessment(
                norm=fields.norm_id(),
                verdict=verdict,
                assessor=fields.required_text("assessor"),
                date=day,
                note=fields.required_text("note"),
                bundle=fields.required_text("bundle"),
                system=fields.text("system", False),
                evidence=evidence,
                line=doc.position(pointer)[0],
            )
        )
    return found, digest


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
}


def _text(code: str, **values: str) -> dict[str, str]:
    nl, en = _TEXT[code]
    return {"nl": nl.format(**values), "en": en.format(**values)}


@dataclass
class AssessmentSet:
    """Judgements ready to act inside the evaluation (engine hook: apply/notices/digest)."""

    assessments: list[Assessment]
    digest: str
    _outcomes: dict[int, tuple[str, list[dict[str, str | None]]]] = field(default_factory=dict)

    def apply(self, finding: Finding, bundle: BundleLike, as_of: date) -> None:
        """Decide a ``review`` finding with the newest matching judgement, or mark it lapsed."""
        candidates: list[tuple[int, Assessment]] = []
        for index, item in enumerate(self.assessments):
            if item.norm != finding.norm_id:
                continue
            if not item.in_scope(bundle):
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
                self._decide(finding, item)
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
        block = newest.to_dict()
        block.update({"lapsed": True, "changed": changed, "file_digest": self.digest})
        finding.judgement = block
        ids = ", ".join(str(change["id"]) for change in changed)
        finding.message = _text(
            "judgement_lapsed", who=newest.assessor, day=newest.date.isoformat(), ids=ids
        )

    def _decide(self, finding: Finding, item: Assessment) -> None:
        block = item.to_dict()
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
            who=item.assessor,
            day=item.date.isoformat(),
            note=item.note,
        )

    def notices(self) -> list[dict[str, Any]]:
        """Lapsed, out-of-scope, future-dated, unused and unevaluated judgements."""
        notices: list[dict[str, Any]] = []
        for index, item in enumerate(self.assessments):
            code, changed = self._outcomes.get(index, ("judgement_norm_not_evaluated", []))
            if code in ("applied", "judgement_superseded"):
                continue
            if code == "judgement_lapsed":
                text = _text(
                    code,
                    who=item.assessor,
                    day=item.date.isoformat(),
                    ids=", ".join(str(c["id"]) for c in changed),
                )
            else:
                text = _text(code)
            notices.append(
                {
                    "source": "assessments",
                    "code": code,
                    "norm_id": item.norm,
                    "line": item.line,
                    "assessor": item.assessor,
                    "date": item.date.isoformat(),
                    "changed": changed,
                    "message": text,
                }
            )
        return sorted(notices, key=lambda n: (n["norm_id"], n["code"], n["line"]))


def load_assessments(path: Path) -> AssessmentSet:
    """Load an assessments file (engine-hook contract)."""
    assessments, digest = parse_assessments(path)
    return AssessmentSet(assessments, digest)


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


def _full_text(items: list[Assessment]) -> str:
    """The whole file in the layout ``render_entry`` appends to (used when text append fails)."""
    return "version: 1\nassessments:\n" + "".join(render_entry(item) for item in items)


def append_assessment(path: Path, item: Assessment) -> None:
    """Append one judgement to ``path`` atomically, under a lock, keeping earlier text.

    The existing file is validated first; the new entry is appended as text and the result
    is parsed again before it replaces the file, so a file in an unusual layout is rewritten
    in full (comments lost, judgements kept) rather than corrupted.
    """
    import fcntl

    from ..atomic import write_atomic

    lock_path = path.with_name(f".{path.name}.lock")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError("OUTPUT_INVALID", "output folder does not exist", str(folder))
    with open(lock_path, "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            if path.exists():
                existing, _ = parse_assessments(path)
                text = path.read_text(encoding="utf-8")
            else:
                existing, text = [], "version: 1\nassessments:\n"
            if text and not text.endswith("\n"):
                text += "\n"
            if path.suffix.lower() == ".json":
                import json

                entries = [
                    {k: v for k, v in a.to_dict().items() if v is not None}
                    for a in [*existing, item]
                ]
                data = {"version": 1, "assessments": entries}
                write_atomic(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
                return
            chosen = _full_text([*existing, item])
            for indent in (2, 0, 4):
                candidate = text + render_entry(item, indent)
                if _appended(candidate, path, existing, item):
                    chosen = candidate
                    break
            write_atomic(path, chosen)
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _appended(candidate: str, path: Path, existing: list[Assessment], item: Assessment) -> bool:
    """True when ``candidate`` parses to the existing judgements plus ``item``, in order."""
    from ..workdir import private_workdir

    with private_workdir() as folder:
        probe = folder / path.name
        probe.write_text(candidate, encoding="utf-8")
        try:
            parsed, _ = parse_assessments(probe)
        except InputError:
            return False
    strip = [Assessment(**{**a.__dict__, "line": 0}) for a in parsed]
    wanted = [Assessment(**{**a.__dict__, "line": 0}) for a in [*existing, item]]
    return strip == wanted


def judge_bundle(
    bundle: Path,
    norm_id: str,
    *,
    verdict: str,
    note: str,
    assessor: str,
    day: date,
    carry_over: bool,
    as_of: date | None = None,
    norm_paths: list[Path] | None = None,
    profile: str | None = None,
) -> tuple[Assessment, Finding]:
    """Build a judgement of ``norm_id`` on ``bundle``, pinned to the evidence the engine
    uses for that norm (evaluated exactly as ``check`` does, at ``as_of``, default ``day``).

    Returns the judgement and the current finding (so the caller can warn when the norm
    does not await a judgement). ``carry_over`` scopes it to the system (register id)
    instead of the single bundle.
    """
    from ..engine import Options, evaluate
    from ..evidence.bundle import open_bundle
    from ..norms.compiled import load_norm_set
    from ..workdir import private_workdir

    if verdict not in VERDICTS:
        raise InputError("USAGE", f"verdict must be one of {', '.join(VERDICTS)}")
    for key, value in (("note", note), ("assessor", assessor)):
        if not value.strip():
            raise InputError("USAGE", f"--{key} must not be empty")
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
            assessor=" ".join(assessor.split()),
            date=day,
            note=note.strip(),
            bundle=opened.id,
            system=system if carry_over else None,
            evidence=evidence_digests(finding),
        )
    return item, finding
