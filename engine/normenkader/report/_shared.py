"""What the report renderers share: labels in nl/en, status mappings, small text helpers.

Every renderer reads only a ``Result`` (and, optionally, the norm set for descriptions and
review prompts); nothing here decides a status.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import TYPE_CHECKING, Any

from ..results import STATUS_ORDER, Finding, Result, Status

if TYPE_CHECKING:
    from ..norms.compiled import CompiledNorm, NormSet

LANGS = ("nl", "en")

LABELS: dict[str, dict[str, str]] = {
    "title": {"nl": "Toetsingsrapport normenkader", "en": "normenkader assessment report"},
    "bundle": {"nl": "Bundel", "en": "Bundle"},
    "organisation": {"nl": "Organisatie", "en": "Organisation"},
    "system": {"nl": "Systeem", "en": "System"},
    "register_id": {"nl": "Algoritmeregister", "en": "Algorithm register"},
    "submitted": {"nl": "Ingediend", "en": "Submitted"},
    "as_of": {"nl": "Peildatum", "en": "As-of date"},
    "engine": {"nl": "Engine", "en": "Engine"},
    "norm_set": {"nl": "Normenset", "en": "Norm set"},
    "profile": {"nl": "Profiel", "en": "Profile"},
    "digest": {"nl": "Digest", "en": "Digest"},
    "bundle_digest": {"nl": "Bundeldigest", "en": "Bundle digest"},
    "waivers_file": {"nl": "Vrijstellingen (bestand)", "en": "Waivers (file)"},
    "assessments_file": {"nl": "Oordelen (bestand)", "en": "Judgements (file)"},
    "none": {"nl": "geen", "en": "none"},
    "summary": {"nl": "Samenvatting", "en": "Summary"},
    "per_set": {"nl": "Per normenset", "en": "Per set"},
    "per_severity": {"nl": "Per ernst", "en": "Per severity"},
    "per_requirement": {"nl": "Per vereiste uit de kaders", "en": "Per catalogue requirement"},
    "set": {"nl": "Set", "en": "Set"},
    "severity": {"nl": "Ernst", "en": "Severity"},
    "total": {"nl": "Totaal", "en": "Total"},
    "requirement": {"nl": "Vereiste", "en": "Requirement"},
    "catalogue": {"nl": "Kader", "en": "Catalogue"},
    "rule": {"nl": "Regel", "en": "Rule"},
    "norms": {"nl": "Normen", "en": "Norms"},
    "graph": {"nl": "Afhankelijkheden tussen normen", "en": "Dependencies between norms"},
    "graph_note": {
        "nl": "Pijlen lopen van voorwaarde naar afhankelijke norm. Een dikke rode pijl "
        "toont waar een geblokkeerde norm op wacht; dik omlijnd is een grondoorzaak.",
        "en": "Arrows run from prerequisite to dependant. A thick red arrow shows what a "
        "blocked norm waits for; a thick outline marks a root cause.",
    },
    "standalone": {"nl": "Normen zonder afhankelijkheden", "en": "Norms without dependencies"},
    "notices": {"nl": "Meldingen", "en": "Notices"},
    "findings": {"nl": "Bevindingen", "en": "Findings"},
    "norm_title": {"nl": "Titel", "en": "Title"},
    "status": {"nl": "Status", "en": "Status"},
    "reason": {"nl": "Reden", "en": "Reason"},
    "message": {"nl": "Toelichting", "en": "Message"},
    "description": {"nl": "Waarom dit ertoe doet", "en": "Why this matters"},
    "legal_basis": {"nl": "Wettelijke grondslag", "en": "Legal basis"},
    "derived_from": {"nl": "Afgeleid van", "en": "Derived from"},
    "facts": {"nl": "Gebruikte feiten", "en": "Facts used"},
    "prerequisites": {"nl": "Voorwaarden", "en": "Prerequisites"},
    "root_causes": {"nl": "Grondoorzaak", "en": "Root cause"},
    "evidence": {"nl": "Bewijs", "en": "Evidence"},
    "evidence_id": {"nl": "Id", "en": "Id"},
    "kind": {"nl": "Soort", "en": "Kind"},
    "path": {"nl": "Pad", "en": "Path"},
    "date": {"nl": "Datum", "en": "Date"},
    "values_read": {"nl": "Gelezen waarden", "en": "Values read"},
    "problem": {"nl": "Probleem", "en": "Problem"},
    "checks": {"nl": "Controles", "en": "Checks"},
    "measured": {"nl": "Gemeten waarden", "en": "Measured values"},
    "thresholds": {"nl": "Grenzen", "en": "Thresholds"},
    "waiver": {"nl": "Vrijstelling", "en": "Waiver"},
    "judgement": {"nl": "Oordeel", "en": "Judgement"},
    "original_status": {"nl": "Oorspronkelijke status", "en": "Original status"},
    "original_reason": {"nl": "Oorspronkelijke reden", "en": "Original reason"},
    "justification": {"nl": "Onderbouwing", "en": "Justification"},
    "author": {"nl": "Auteur", "en": "Author"},
    "approver": {"nl": "Goedgekeurd door", "en": "Approved by"},
    "valid": {"nl": "Geldig", "en": "Valid"},
    "until": {"nl": "t/m", "en": "until"},
    "verdict": {"nl": "Oordeel", "en": "Verdict"},
    "assessor": {"nl": "Beoordelaar", "en": "Assessor"},
    "note": {"nl": "Notitie", "en": "Note"},
    "lapsed": {"nl": "Vervallen: bewijs gewijzigd", "en": "Lapsed: evidence changed"},
    "judged": {"nl": "Beoordeeld", "en": "Judged"},
    "now": {"nl": "Nu", "en": "Now"},
    "review_prompt": {"nl": "Te beoordelen", "en": "To judge"},
    "footer": {
        "nl": "Dit rapport is gemaakt uit het resultaat hieronder; de JSON-uitvoer van "
        "dezelfde run is de bron voor ondertekening.",
        "en": "This report is rendered from the result below; the JSON output of the same "
        "run is what gets signed.",
    },
    "verdict_open": {"nl": "Open punten", "en": "Open items"},
    "compliant": {"nl": "Geen afwijkingen", "en": "No non-compliance"},
    "non_compliant": {"nl": "Afwijkingen gevonden", "en": "Non-compliance found"},
    "incomplete": {"nl": "Evaluatie onvolledig", "en": "Evaluation incomplete"},
    "answers": {"nl": "Beantwoordt", "en": "Answers"},
    "answered_by": {"nl": "Beantwoord door", "en": "Answered by"},
    "attested_pass": {
        "nl": "waarvan verklaard door de organisatie",
        "en": "of which attested by the organisation",
    },
    "attested_note": {
        "nl": "Deze norm voldoet alleen op grond van wat de organisatie over zichzelf verklaart "
        "(controles met attested: true); het bewijs is daarop niet onafhankelijk getoetst.",
        "en": "This norm passes only on what the organisation states about itself (checks "
        "marked attested: true); the evidence has not independently verified it.",
    },
    "attested_check": {
        "nl": "berust alleen op de verklaring van de organisatie",
        "en": "rests only on the organisation's own statement",
    },
    "answer_edge": {
        "nl": "Een gestippelde blauwe pijl loopt van een bevinding naar de norm die haar "
        "beantwoordt (rechtvaardiging, herstel of mitigatie); de bevinding zelf blijft staan.",
        "en": "A dotted blue arrow runs from a finding to the norm that answers it "
        "(justification, remedy or mitigation); the finding itself stands.",
    },
}

STATUS_LABELS: dict[str, dict[str, str]] = {
    "pass": {"nl": "voldoet", "en": "pass"},
    "fail": {"nl": "voldoet niet", "en": "fail"},
    "missing": {"nl": "bewijs ontbreekt", "en": "missing"},
    "blocked": {"nl": "geblokkeerd", "en": "blocked"},
    "review": {"nl": "oordeel nodig", "en": "review"},
    "waived": {"nl": "vrijgesteld", "en": "waived"},
    "not_applicable": {"nl": "niet van toepassing", "en": "not applicable"},
    "error": {"nl": "fout", "en": "error"},
    # requirement roll-up states
    "satisfied": {"nl": "vervuld", "en": "satisfied"},
    "not_satisfied": {"nl": "niet vervuld", "en": "not satisfied"},
    "open": {"nl": "open", "en": "open"},
    "not_tested": {"nl": "niet getoetst", "en": "not tested"},
}

#: A pass that rests only on the organisation's own statement is never shown as a plain pass.
ATTESTED_PASS_LABEL: dict[str, str] = {
    "nl": "voldoet (verklaard door de organisatie)",
    "en": "pass (attested by the organisation)",
}

SEVERITY_LABELS: dict[str, dict[str, str]] = {
    "blocker": {"nl": "blokkerend", "en": "blocker"},
    "major": {"nl": "groot", "en": "major"},
    "minor": {"nl": "klein", "en": "minor"},
    "info": {"nl": "info", "en": "info"},
}

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
