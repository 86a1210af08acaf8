"""OSCAL assessment-results (JSON): findings, observations with evidence digests, waivers
as risks with an approved deviation.

Mapping: each finding becomes an OSCAL finding whose target is the norm (``objective-id``)
with state ``satisfied`` (pass, waived, not_applicable) or ``not-satisfied`` (fail,
missing, blocked, review, error) and reason ``pass``/``fail``/``other``; the exact
normenkader status, reason and severity travel as props. Every evidence item a finding
rests on is an observation (method EXAMINE) whose relevant evidence carries the path and
sha256; the evaluation of each norm is an observation (method TEST) with the measured
values. A waived finding links a risk with status ``deviation-approved`` that holds the
waiver (author, approver, issued, expires, justification).

Output is deterministic: UUIDs are v5 UUIDs derived from the bundle and norm-set digests,
and timestamps come from the as-of date, never from the wall clock.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..results import Finding, Result, Status
from ._shared import ATTESTED_PASS_LABEL, check_lang, pick, result_key, stable_uuid

if TYPE_CHECKING:
    from ..norms.compiled import NormSet
    from .context import Context

OSCAL_VERSION = "1.2.1"
NS = "https://normenkader.nl/ns/oscal"
SATISFIED = {Status.PASS, Status.WAIVED, Status.NOT_APPLICABLE}
REASONS = {
    Status.PASS: "pass",
    Status.WAIVED: "pass",
    Status.FAIL: "fail",
    Status.MISSING: "fail",
    Status.BLOCKED: "fail",
}


def _one_line(text: Any, fallback: str = "-") -> str:
    """OSCAL titles and prop values: one line, no surrounding whitespace, not empty."""
    value = " ".join(str(text or "").split())
    return value or fallback


def _prop(name: str, value: Any) -> dict[str, str]:
    return {"name": name, "ns": NS, "value": _one_line(value)}


def _stamp(day: str | None, end_of_day: bool = False) -> str:
    day = (day or "")[:10] or "1970-01-01"
    return f"{day}T23:59:59Z" if end_of_day else f"{day}T00:00:00Z"


def render(
    result: Result,
    *,
    lang: str = "en",
    norm_set: NormSet | None = None,
    context: Context | None = None,
) -> str:
    """Assessment results; the baseline of a context is not part of OSCAL's model and is
    left out (the JSON and SARIF reports carry it)."""
    lang = check_lang(lang)
    key = result_key(result)
    bundle_id = str(result.bundle.get("id", ""))
    findings = sorted(result.findings, key=lambda f: f.norm_id)
    observations: dict[str, dict[str, Any]] = {}
    oscal_findings: list[dict[str, Any]] = []
    risks: list[dict[str, Any]] = []
    for finding in findings:
        related = [_norm_observation(finding, key, result, lang, observations)]
        for use in finding.evidence:
            if not use.id or not use.sha256:
                continue
            related.append(_evidence_observation(use, key, result, observations))
        item: dict[str, Any] = {
            "uuid": stable_uuid(key, "finding", finding.norm_id),
            "title": _one_line(f"{finding.norm_id}: {pick(finding.title, lang)}"),
            "description": pick(finding.message, lang) or finding.norm_id,
            "props": [
                _prop("status", finding.status.value),
                _prop("reason", finding.reason.value),
                _prop("severity", finding.severity),
                *[_prop("legal-basis", basis) for basis in finding.legal_basis],
                *[
                    _prop("derived-from", f"{s.get('catalogue')} {s.get('id')} {s.get('version')}")
                    for s in finding.derived_from
                ],
            ],
            "target": {
                "type": "objective-id",
                "target-id": finding.norm_id,
                "status": {
                    "state": "satisfied" if finding.status in SATISFIED else "not-satisfied",
                    "reason": REASONS.get(finding.status, "other"),
                },
            },
            "related-observations": [{"observation-uuid": uuid} for uuid in dict.fromkeys(related)],
        }
        if finding.original_status is not None:
            item["props"].append(_prop("original-status", finding.original_status.value))
        if finding.attested:
            item["props"].append(_prop("attested", "true"))
        if finding.attested_pass:
            item["description"] = f"{ATTESTED_PASS_LABEL[lang]}: {item['description']}"
        for answered, status in finding.answers.items():
            item["props"].append(_prop("answers", f"{answered} {status}"))
        for link in finding.answered_by:
            item["props"].append(_prop("answered-by", f"{link['norm']} {link['status']}"))
        if finding.waiver:
            risk = _waiver_risk(finding, key, lang, related)
            risks.append(risk)
            item["related-risks"] = [{"risk-uuid": risk["uuid"]}]
        if finding.judgement:
            judgement = finding.judgement
            if "signed" in judgement:
                signed = "true" if judgement["signed"] else "false"
                item["props"].append(_prop("judgement-signed", signed))
            item["remarks"] = (
                f"judgement: {judgement.get('verdict')} by {judgement.get('assessor')} on "
                f"{judgement.get('date')}"
                + ("" if judgement.get("signed", True) else " (unsigned: a name, not a key)")
                + (" (lapsed: evidence changed)" if judgement.get("lapsed") else "")
                + f"; {judgement.get('note', '')}"
            )
        oscal_findings.append(item)
    organisation = result.bundle.get("organisation")
    metadata: dict[str, Any] = {
        "title": _one_line(f"normenkader assessment results: {bundle_id}"),
        "last-modified": _stamp(result.as_of),
        "version": _one_line(f"{result.as_of}-{key[:12]}"),
        "oscal-version": OSCAL_VERSION,
        "props": [
            _prop("bundle-id", bundle_id),
            _prop("bundle-digest", result.bundle.get("digest")),
            _prop("norm-set-digest", result.norm_set.get("digest")),
            _prop("profile", result.norm_set.get("profile")),
            _prop("engine-version", result.engine.get("version")),
            _prop("as-of", result.as_of),
            *[
                _prop(f"{name}-digest", digest)
                for name, digest in sorted(result.inputs.items())
                if digest
            ],
        ],
    }
    if organisation:
        metadata["parties"] = [
            {
                "uuid": stable_uuid(key, "party", str(organisation)),
                "type": "organization",
                "name": _one_line(organisation),
            }
        ]
    summary = result.summary()
    document: dict[str, Any] = {
        "assessment-results": {
            "uuid": stable_uuid(key, "assessment-results"),
            "metadata": metadata,
            "import-ap": {
                "href": f"urn:normenkader:norm-set:{result.norm_set.get('profile')}:"
                f"{str(result.norm_set.get('digest', '')).removeprefix('sha256:')}",
                "remarks": "normenkader evaluates a norm set, not an OSCAL assessment plan; "
                "the reference names the norm set and profile that were applied.",
            },
            "results": [
                {
                    "uuid": stable_uuid(key, "result"),
                    "title": _one_line(f"Evaluation of bundle {bundle_id} at {result.as_of}"),
                    "description": "Counts by status: "
                    + ", ".join(f"{k}={v}" for k, v in summary["by_status"].items())
                    + f"; passes attested by the organisation={summary['attested_pass']}",
                    "start": _stamp(result.as_of),
                    "end": _stamp(result.as_of),
                    "reviewed-controls": {
                        "description": "Every norm of the norm set selected by the profile.",
                        "control-selections": [{"include-all": {}}],
                    },
                    "observations": [observations[u] for u in sorted(observations)],
                    **({"risks": risks} if risks else {}),
                    **({"findings": oscal_findings} if oscal_findings else {}),
                }
            ],
        }
    }
    if not observations:
        del document["assessment-results"]["results"][0]["observations"]
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _norm_observation(
    finding: Finding, key: str, result: Result, lang: str, observations: dict[str, dict[str, Any]]
) -> str:
    uuid = stable_uuid(key, "evaluation", finding.norm_id)
    measured = {
        check.kind: {
            "status": check.status.value,
            "values": check.values,
            "thresholds": check.thresholds,
        }
        for check in finding.checks
    }
    observation: dict[str, Any] = {
        "uuid": uuid,
        "title": _one_line(f"Evaluation of {finding.norm_id}"),
        "description": pick(finding.message, lang) or finding.norm_id,
        "props": [_prop("status", finding.status.value), _prop("reason", finding.reason.value)],
        "methods": ["TEST"],
        "types": ["finding"],
        "collected": _stamp(result.as_of),
    }
    if measured:
        observation["remarks"] = json.dumps(
            measured, ensure_ascii=False, sort_keys=True, default=str
        )
    if finding.facts:
        observation["props"].extend(
            _prop("fact", f"{name}={json.dumps(value, default=str)}")
            for name, value in sorted(finding.facts.items())
        )
    observations[uuid] = observation
    return uuid


def _evidence_observation(
    use: Any, key: str, result: Result, observations: dict[str, dict[str, Any]]
) -> str:
    sha = str(use.sha256).removeprefix("sha256:")
    uuid = stable_uuid(key, "evidence", use.id, sha)
    if uuid not in observations:
        observations[uuid] = {
            "uuid": uuid,
            "title": _one_line(f"Evidence {use.id}"),
            "description": _one_line(f"{use.kind} evidence at {use.path or '(no path)'}"),
            "props": [
                _prop("evidence-id", use.id),
                _prop("evidence-kind", use.kind),
                _prop("sha256", sha),
            ],
            "methods": ["EXAMINE"],
            "relevant-evidence": [
                {
                    "href": use.path or "bundle.yaml",
                    "description": f"sha256:{sha}",
                    "props": [_prop("sha256", sha)],
                }
            ],
            "collected": _stamp(use.date or result.as_of),
        }
    return uuid


def _waiver_risk(finding: Finding, key: str, lang: str, related: list[str]) -> dict[str, Any]:
    waiver = finding.waiver or {}
    original = finding.original_status.value if finding.original_status else "unknown"
    props = [
        _prop(name.replace("_", "-"), waiver.get(name))
        for name in ("id", "author", "approver", "issued", "expires")
        if waiver.get(name)
    ]
    if "signed" in waiver:
        props.append(_prop("signed", "true" if waiver["signed"] else "false"))
    return {
        "uuid": stable_uuid(key, "risk", finding.norm_id, str(waiver.get("id"))),
        "title": _one_line(f"Waiver {waiver.get('id')} for {finding.norm_id}"),
        "description": str(waiver.get("justification") or "-"),
        "statement": f"{finding.norm_id} would be {original}; a waiver approved by "
        f"{waiver.get('approver')} applies until {waiver.get('expires')}.",
        "props": [_prop("waiver-" + p["name"], p["value"]) for p in props],
        "status": "deviation-approved",
        "deadline": _stamp(str(waiver.get("expires", "")), end_of_day=True),
        "risk-log": {
            "entries": [
                {
                    "uuid": stable_uuid(key, "risk-log", finding.norm_id, str(waiver.get("id"))),
                    "title": _one_line(f"Deviation approved by {waiver.get('approver')}"),
                    "description": f"Requested by {waiver.get('author')}.",
                    "start": _stamp(str(waiver.get("issued", ""))),
                    "end": _stamp(str(waiver.get("expires", "")), end_of_day=True),
                    "status-change": "deviation-approved",
                }
            ]
        },
        "related-observations": [{"observation-uuid": uuid} for uuid in dict.fromkeys(related)],
    }
