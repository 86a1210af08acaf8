"""JUnit XML for CI test views: one test suite per norm set, one test case per norm.

Mapping (design 6.1): fail, missing and blocked are ``<failure>``; error is ``<error>``;
not_applicable and review (open: awaiting a supervisor's judgement) are ``<skipped>``;
pass and waived pass (a waived case says so in ``system-out``). Every case carries the
exact normenkader status, reason and severity as properties.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from ..results import Finding, Result, Status
from ._shared import FAILING, answer_links, check_lang, finding_status_label, pick

if TYPE_CHECKING:
    from ..norms.compiled import NormSet
    from .context import Context

SKIPPED = (Status.NOT_APPLICABLE, Status.REVIEW)


def _clean(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (bundle text is hostile)."""
    return "".join(
        c
        for c in text
        if c in "\t\n\r"
        or 0x20 <= ord(c) <= 0xD7FF
        or 0xE000 <= ord(c) <= 0xFFFD
        or 0x10000 <= ord(c) <= 0x10FFFF
    )


def _detail(finding: Finding, lang: str) -> str:
    lines = [f"{finding.norm_id}: {pick(finding.title, lang)}", pick(finding.message, lang)]
    if finding.legal_basis:
        lines.append("legal basis: " + "; ".join(finding.legal_basis))
    if finding.root_causes:
        lines.append("root cause: " + ", ".join(finding.root_causes))
    lines.extend(answer_links(finding, lang))
    for use in finding.evidence:
        where = f"{use.path} sha256:{use.sha256}" if use.path else "absent"
        lines.append(
            f"evidence {use.name}: {use.id or '-'} ({where})"
            + (f" problem: {use.problem}" if use.problem else "")
        )
    for check in finding.checks:
        lines.append(f"check {check.kind}: {check.status.value}: {pick(check.message, lang)}")
    return _clean("\n".join(lines))


def render(
    result: Result,
    *,
    lang: str = "en",
    norm_set: NormSet | None = None,
    context: Context | None = None,
) -> str:
    """With a baseline (context), each case carries a ``baseline_state`` property and a
    known failure's message starts with ``[known]``, a new one's with ``[NEW]``."""
    lang = check_lang(lang)
    findings = sorted(result.findings, key=lambda f: f.norm_id)
    sets = sorted({f.set for f in findings})
    bundle_id = _clean(str(result.bundle.get("id", "")))
    root = ET.Element("testsuites", {"name": f"normenkader {bundle_id}"})
    totals: dict[str, int] = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for set_id in sets:
        members = [f for f in findings if f.set == set_id]
        counts: dict[str, int] = {
            "tests": len(members),
            "failures": sum(f.status in FAILING for f in members),
            "errors": sum(f.status is Status.ERROR for f in members),
            "skipped": sum(f.status in SKIPPED for f in members),
        }
        for name, value in counts.items():
            totals[name] += value
        suite = ET.SubElement(
            root,
            "testsuite",
            {
                "name": f"normenkader.{set_id}",
                "timestamp": f"{result.as_of}T00:00:00",
                "time": "0",
                **{name: str(value) for name, value in counts.items()},
            },
        )
        properties = ET.SubElement(suite, "properties")
        suite_properties: tuple[tuple[str, str], ...] = (
            ("bundle", bundle_id),
            ("bundle_digest", str(result.bundle.get("digest", ""))),
            ("norm_set_digest", str(result.norm_set.get("digest", ""))),
            ("as_of", result.as_of),
        )
        for key, text in suite_properties:
            ET.SubElement(properties, "property", {"name": key, "value": _clean(text)})
        for finding in members:
            case = ET.SubElement(
                suite,
                "testcase",
                {
                    "classname": f"normenkader.{set_id}",
                    "name": _clean(f"{finding.norm_id} {pick(finding.title, lang)}"),
                    "time": "0",
                },
            )
            props = ET.SubElement(case, "properties")
            for key, text in (
                ("status", finding.status.value),
                ("reason", finding.reason.value),
                ("severity", finding.severity),
            ):
                ET.SubElement(props, "property", {"name": key, "value": text})
            if finding.attested:
                ET.SubElement(props, "property", {"name": "attested", "value": "true"})
            state = context.state(finding.norm_id) if context else None
            if state:
                ET.SubElement(props, "property", {"name": "baseline_state", "value": state})
            for key, block in (("waiver", finding.waiver), ("judgement", finding.judgement)):
                if block and "signed" in block:
                    signed = "true" if block["signed"] else "false"
                    ET.SubElement(props, "property", {"name": f"{key}_signed", "value": signed})
            marker = {"new": "[NEW] ", "unchanged": "[known] ", "updated": "[known] "}
            message = _clean(
                f"{marker.get(state or '', '')}{finding_status_label(finding, lang)}: "
                f"{pick(finding.message, lang)}"
            )
            if finding.status in FAILING:
                failure = ET.SubElement(
                    case, "failure", {"message": message, "type": finding.status.value}
                )
                failure.text = _detail(finding, lang)
            elif finding.status is Status.ERROR:
                error = ET.SubElement(case, "error", {"message": message, "type": "error"})
                error.text = _detail(finding, lang)
            elif finding.status in SKIPPED:
                ET.SubElement(case, "skipped", {"message": message})
            elif finding.status is Status.WAIVED and finding.waiver:
                out = ET.SubElement(case, "system-out")
                waiver = finding.waiver
                out.text = _clean(
                    f"waived ({finding.original_status.value if finding.original_status else ''})"
                    f" by waiver {waiver.get('id')}, approved by {waiver.get('approver')} until "
                    f"{waiver.get('expires')}: {waiver.get('justification')}"
                    + (" [unsigned]" if waiver.get("signed") is False else "")
                )
            elif finding.attested_pass or finding.answers or finding.answered_by:
                out = ET.SubElement(case, "system-out")
                out.text = _clean("\n".join([message, *answer_links(finding, lang)]))
    for name, total in totals.items():
        root.set(name, str(total))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
