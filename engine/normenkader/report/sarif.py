"""SARIF 2.1.0: findings as results, norms as rules, the evidence file as location.

Mapping (design 6.1): fail/missing/blocked are ``kind: fail`` with a level from the norm's
severity (blocker/major -> error, minor -> warning, info -> note); review is
``kind: review``; error is ``kind: open`` (the tool could not decide); pass is
``kind: pass`` and not_applicable ``kind: notApplicable`` (level none); a waived finding
is ``kind: fail`` with an accepted external suppression carrying the waiver. Locations are
relative to the bundle root (``uriBaseId: BUNDLEROOT``); a finding without a usable
evidence file points at ``bundle.yaml``, where evidence is declared.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..results import Finding, Result, Status
from ._shared import answer_links, check_lang, finding_status_label, norm_of, pick

if TYPE_CHECKING:
    from ..norms.compiled import NormSet
    from .context import Context

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"blocker": "error", "major": "error", "minor": "warning", "info": "note"}
KINDS = {
    Status.FAIL: "fail",
    Status.MISSING: "fail",
    Status.BLOCKED: "fail",
    Status.WAIVED: "fail",
    Status.REVIEW: "review",
    Status.ERROR: "open",
    Status.PASS: "pass",
    Status.NOT_APPLICABLE: "notApplicable",
}
BASE = "BUNDLEROOT"


def _rule(finding: Finding, norm_set: NormSet | None, lang: str) -> dict[str, Any]:
    norm = norm_of(norm_set, finding.norm_id)
    description = pick(norm.description, lang) if norm is not None else ""
    sources = [
        f"{s.get('catalogue')} {s.get('id')} ({s.get('version')})" for s in finding.derived_from
    ]
    lines = [pick(finding.title, lang)]
    if description:
        lines += ["", description]
    if finding.legal_basis:
        lines += ["", "Legal basis: " + "; ".join(finding.legal_basis)]
    if sources:
        lines += ["Derived from: " + "; ".join(sources)]
    markdown = [f"**{pick(finding.title, lang)}**"]
    if description:
        markdown += ["", description]
    if finding.legal_basis:
        markdown += ["", "Legal basis: " + "; ".join(finding.legal_basis)]
    if sources:
        markdown += ["", "Derived from: " + "; ".join(f"`{s}`" for s in sources)]
    rule: dict[str, Any] = {
        "id": finding.norm_id,
        "name": finding.norm_id.replace(".", ""),
        "shortDescription": {"text": pick(finding.title, lang)},
        "fullDescription": {"text": description or pick(finding.title, lang)},
        "help": {"text": "\n".join(lines), "markdown": "\n".join(markdown)},
        "defaultConfiguration": {"level": LEVELS.get(finding.severity, "warning")},
        "properties": {
            "severity": finding.severity,
            "set": finding.set,
            "legal_basis": finding.legal_basis,
            "derived_from": finding.derived_from,
            # SARIF's schema requires unique tags: a norm may carry its set name as a tag
            "tags": list(
                dict.fromkeys(
                    ["compliance", finding.set.lower(), *(norm.tags if norm is not None else [])]
                )
            ),
        },
    }
    return rule


def _uri(path: str) -> str:
    """A bundle path as a relative URI reference: a name may hold ``#``, ``%``, ``?``,
    spaces or non-ASCII letters, which SARIF consumers would misread unencoded."""
    return quote(path, safe="/")


def _locations(finding: Finding) -> list[dict[str, Any]]:
    locations = []
    for use in finding.evidence:
        if not use.path:
            continue
        location: dict[str, Any] = {
            "physicalLocation": {"artifactLocation": {"uri": _uri(use.path), "uriBaseId": BASE}},
            "message": {"text": f"{use.name}: {use.id} ({use.kind})"},
        }
        if use.read:
            location["logicalLocations"] = [
                {"name": pointer, "fullyQualifiedName": f"{use.id}#{pointer}", "kind": "member"}
                for pointer in use.read
            ]
        locations.append(location)
    if not locations:
        locations.append(
            {"physicalLocation": {"artifactLocation": {"uri": "bundle.yaml", "uriBaseId": BASE}}}
        )
    return locations


def _result(
    finding: Finding, index: int, result: Result, lang: str, state: str | None = None
) -> dict[str, Any]:
    kind = KINDS[finding.status]
    level = LEVELS.get(finding.severity, "warning") if kind == "fail" else "none"
    text = f"{finding_status_label(finding, lang)}: {pick(finding.message, lang)}"
    for line in answer_links(finding, lang):
        text += f" [{line}]"
    system = str((result.bundle.get("system") or {}).get("register_id") or result.bundle.get("id"))
    fingerprint = hashlib.sha256(f"{system}\x1f{finding.norm_id}".encode()).hexdigest()
    item: dict[str, Any] = {
        "ruleId": finding.norm_id,
        "ruleIndex": index,
        "kind": kind,
        "level": level,
        "message": {"text": text},
        "locations": _locations(finding),
        "partialFingerprints": {"normenkader/system-norm/v1": fingerprint},
        **({"baselineState": state} if state else {}),
        "properties": {
            "status": finding.status.value,
            "reason": finding.reason.value,
            "severity": finding.severity,
            "evidence": [
                {"id": u.id, "path": u.path, "sha256": u.sha256, "read": u.read}
                for u in finding.evidence
                if u.id
            ],
        },
    }
    if finding.root_causes:
        item["properties"]["root_causes"] = finding.root_causes
    if finding.attested:
        item["properties"]["attested"] = True  # rests on the organisation's own statement
    if finding.answers:
        item["properties"]["answers"] = finding.answers
    if finding.answered_by:
        item["properties"]["answered_by"] = finding.answered_by
    if finding.original_status is not None:
        item["properties"]["original_status"] = finding.original_status.value
    if finding.waiver:
        waiver = finding.waiver
        item["suppressions"] = [
            {
                "kind": "external",
                "justification": str(waiver.get("justification", "")),
                # no status/state: the reference schema copy and the OASIS errata name it
                # differently; an absent status means accepted
                "properties": {
                    key: waiver.get(key)
                    for key in ("id", "author", "approver", "issued", "expires", "scope", "signed")
                },
            }
        ]
    if finding.judgement:
        item["properties"]["judgement"] = finding.judgement
    return item


def render(
    result: Result,
    *,
    lang: str = "en",
    norm_set: NormSet | None = None,
    context: Context | None = None,
) -> str:
    """With a baseline (context), every result carries ``baselineState`` (SARIF 3.27.24:
    new, unchanged, updated, absent) and the run names the baseline in its properties."""
    lang = check_lang(lang)
    states = context.baseline.states if context and context.baseline else {}
    findings = sorted(result.findings, key=lambda f: f.norm_id)
    artifacts: dict[str, str] = {}
    for finding in findings:
        for use in finding.evidence:
            if use.path and use.sha256:
                artifacts[use.path] = use.sha256.removeprefix("sha256:")
    notifications = [
        {
            "level": "warning",
            "message": {"text": pick(notice.get("message"), lang) or str(notice.get("code"))},
            "descriptor": {"id": str(notice.get("code", "notice"))},
            "properties": {k: v for k, v in notice.items() if k != "message"},
        }
        for notice in result.notices
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "normenkader",
                "version": str(result.engine.get("version", "")),
                "semanticVersion": str(result.engine.get("version", "")),
                "rules": [_rule(f, norm_set, lang) for f in findings],
                "language": lang,
            }
        },
        "invocations": [
            {
                "executionSuccessful": all(f.status is not Status.ERROR for f in findings),
                "toolExecutionNotifications": notifications,
            }
        ],
        "originalUriBaseIds": {
            BASE: {"description": {"text": f"root of evidence bundle {result.bundle.get('id')}"}}
        },
        "artifacts": [
            {
                "location": {"uri": _uri(path), "uriBaseId": BASE},
                "hashes": {"sha-256": digest},
            }
            for path, digest in sorted(artifacts.items())
        ],
        "results": [
            _result(f, i, result, lang, states.get(f.norm_id)) for i, f in enumerate(findings)
        ],
        "language": lang,
        "properties": {
            "as_of": result.as_of,
            "bundle": result.bundle,
            "norm_set": result.norm_set,
            "inputs": result.inputs,
            "summary": result.summary(),
        },
    }
    if context and context.baseline:
        run["properties"]["baseline"] = context.baseline.source
    for soon in context.stale_soon if context else ():
        notice = soon.to_notice()
        notifications.append(
            {
                "level": "note",
                "message": {"text": pick(notice["message"], lang)},
                "descriptor": {"id": "evidence_stale_soon"},
                "properties": {k: v for k, v in notice.items() if k != "message"},
            }
        )
    document = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
