"""What the report renderers share: labels in nl/en, status mappings, small text helpers.

Every renderer reads only a ``Result`` (and, optionally, the norm set for descriptions and
review prompts); nothing here decides a status.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import TYPE_CHECKING, Any

from .. import messages
from ..results import STATUS_ORDER, Finding, Result, Status

if TYPE_CHECKING:
    from ..norms.compiled import CompiledNorm, NormSet

LANGS = ("nl", "en")

#: report labels, statuses and severities: views of the message catalogue (messages/)
LABELS: dict[str, dict[str, str]] = messages.table("report")

STATUS_LABELS: dict[str, dict[str, str]] = {
    name: entry
    for name, entry in messages.table("status").items()
    if "." not in name and name != "attested_pass"
}

#: A pass that rests only on the organisation's own statement is never shown as a plain pass.
ATTESTED_PASS_LABEL: dict[str, str] = messages.CATALOGUE["status.attested_pass"]

SEVERITY_LABELS: dict[str, dict[str, str]] = messages.table("severity")

#: Statuses that count as test failures / non-compliance in tool formats.
FAILING = (Status.FAIL, Status.MISSING, Status.BLOCKED)


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r} (nl or en)")
    return lang


def pick(text: Any, lang: str) -> str:
    """The text in ``lang`` from an {nl, en} mapping, falling back to the other language."""
    if isinstance(text, dict):
        for key in (lang, "en", "nl"):
            if text.get(key):
                return str(text[key])
        return ""
    return "" if text is None else str(text)


def label(key: str, lang: str) -> str:
    return LABELS[key][lang]


def status_label(status: str, lang: str) -> str:
    return STATUS_LABELS.get(status, {}).get(lang, status)


def finding_status_label(finding: Finding, lang: str) -> str:
    """The status of a finding as shown to a reader: an attested pass says so."""
    if finding.attested_pass:
        return ATTESTED_PASS_LABEL[lang]
    return status_label(finding.status.value, lang)


def answer_links(finding: Finding, lang: str) -> list[str]:
    """``Answers NK.X.01 (fail)`` and ``Answered by NK.X.02 (review)`` lines, if any."""
    lines: list[str] = []
    if finding.answers:
        shown = ", ".join(f"{n} ({status_label(s, lang)})" for n, s in finding.answers.items())
        lines.append(f"{label('answers', lang)}: {shown}")
    if finding.answered_by:
        shown = ", ".join(
            f"{link['norm']} ({status_label(link['status'], lang)})" for link in finding.answered_by
        )
        lines.append(f"{label('answered_by', lang)}: {shown}")
    return lines


def ordered(findings: list[Finding]) -> list[Finding]:
    """Findings in display order: by status (fail first), then norm id."""
    rank = {status: index for index, status in enumerate(STATUS_ORDER)}
    return sorted(findings, key=lambda f: (rank[f.status], f.norm_id))


def norm_of(norm_set: NormSet | None, norm_id: str) -> CompiledNorm | None:
    if norm_set is None:
        return None
    return norm_set.norms.get(norm_id)


def stable_uuid(*parts: str) -> str:
    """A deterministic UUID (v5) so the same result renders byte-identically."""
    namespace = uuid.UUID("6f1c3c56-8b0e-5a52-9d39-2f0a7c1e4b11")
    return str(uuid.uuid5(namespace, "\x1f".join(parts)))


def result_key(result: Result) -> str:
    """A short identity of a run (bundle digest, norm set, as-of, inputs)."""
    material = "|".join(
        [
            str(result.bundle.get("digest", "")),
            str(result.norm_set.get("digest", "")),
            result.as_of,
            str(result.inputs.get("waivers") or ""),
            str(result.inputs.get("assessments") or ""),
        ]
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def verdict(result: Result) -> str:
    """compliant | non_compliant | incomplete, by the default fail-on set (for headlines)."""
    statuses = {f.status for f in result.findings}
    if Status.ERROR in statuses:
        return "incomplete"
    if statuses & set(FAILING):
        return "non_compliant"
    return "compliant"
