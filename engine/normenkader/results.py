"""The result of evaluating a norm set against one bundle: statuses, findings, roll-ups.

Every renderer (JSON, terminal, HTML, SARIF, JUnit, OSCAL, Markdown) reads only a
``Result``; the exit code is computed from it alone, never from the output format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .records import Record


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    MISSING = "missing"
    BLOCKED = "blocked"
    REVIEW = "review"
    WAIVED = "waived"
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"


#: Statuses that let dependants run (design 6.2).
LETS_DEPENDANTS_RUN = frozenset({Status.PASS, Status.WAIVED, Status.NOT_APPLICABLE})
#: Statuses that count as non-compliant.
NON_COMPLIANT = frozenset({Status.FAIL, Status.MISSING, Status.BLOCKED})
#: Default ``--fail-on``.
DEFAULT_FAIL_ON = frozenset({Status.FAIL, Status.MISSING, Status.BLOCKED})
#: Fixed display order.
STATUS_ORDER = (
    Status.FAIL,
    Status.MISSING,
    Status.BLOCKED,
    Status.ERROR,
    Status.REVIEW,
    Status.WAIVED,
    Status.PASS,
    Status.NOT_APPLICABLE,
)
SEVERITIES = ("blocker", "major", "minor", "info")


class Reason(StrEnum):
    """Stable reason codes; documented in docs/semantics.md."""

    ALL_CHECKS_HOLD = "all_checks_hold"
    CHECK_FAILED = "check_failed"
    EVIDENCE_ABSENT = "evidence_absent"
    EVIDENCE_STALE = "evidence_stale"
    EVIDENCE_INVALID = "evidence_invalid"
    EVIDENCE_UNDATED = "evidence_undated"
    PREREQUISITE_NOT_PASSED = "prerequisite_not_passed"
    CONDITION_FALSE = "condition_false"
    NOT_IN_FORCE = "not_in_force"
    EXCLUDED_BY_PROFILE = "excluded_by_profile"
    JUDGEMENT_REQUIRED = "judgement_required"
    JUDGEMENT_LAPSED = "judgement_lapsed"
    JUDGEMENT_RECORDED = "judgement_recorded"
    INCONCLUSIVE = "inconclusive"
    EXPRESSION_ERROR = "expression_error"
    CHECK_ERROR = "check_error"
    WAIVER_APPLIED = "waiver_applied"
    NOTHING_TO_ANSWER = "nothing_to_answer"
    ANSWER_ABSENT = "answer_absent"
    EVALUATION_BUDGET_EXCEEDED = "evaluation_budget_exceeded"


Text = dict[str, str]  # {"nl": ..., "en": ...}


@dataclass(repr=False, eq=False)
class EvidenceUse(Record):
    """One evidence item a finding rests on, by digest, and what was read from it."""

    name: str  # the name the norm gives this input (e.g. model_card)
    id: str
    kind: str
    path: str
    sha256: str
    date: str | None = None
    read: list[str] = field(default_factory=list)  # JSON pointers of the values read
    problem: str | None = None  # why it was not usable (absent, stale, invalid: details)


@dataclass(repr=False, eq=False)
class CheckResult(Record):
    """The outcome of one check of a norm."""

    kind: str
    status: Status
    message: Text
    values: dict[str, Any] = field(default_factory=dict)  # measured values, witnesses
    thresholds: dict[str, Any] = field(default_factory=dict)
    #: the check rests only on the auditee's own statement (the norm says ``attested: true``)
    attested: bool = False


@dataclass(repr=False, eq=False)
class Finding(Record):
    """The verdict on one norm for one bundle, with its legal source and evidence."""

    norm_id: str
    set: str
    title: Text
    severity: str
    status: Status
    reason: Reason
    message: Text
    legal_basis: list[str] = field(default_factory=list)
    derived_from: list[dict[str, str]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    prerequisites: dict[str, str] = field(default_factory=dict)
    root_causes: list[str] = field(default_factory=list)
    evidence: list[EvidenceUse] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    original_status: Status | None = None  # set when waived
    waiver: dict[str, Any] | None = None
    judgement: dict[str, Any] | None = None
    #: the checks hold and at least one holding check is attested (the auditee's word only)
    attested: bool = False
    #: norms this one answers (``answers:``), with their status when this one was evaluated
    answers: dict[str, str] = field(default_factory=dict)
    #: the norms answering this one's finding: [{norm, status}], by norm id
    answered_by: list[dict[str, str]] = field(default_factory=list)

    @property
    def attested_pass(self) -> bool:
        """A pass that rests on the organisation's own statement: never shown as plain pass."""
        return self.attested and self.status is Status.PASS

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["evidence"] = [dict(use.__dict__) for use in self.evidence]
        data["checks"] = [dict(check.__dict__) for check in self.checks]
        return data


@dataclass(repr=False, eq=False)
class Result(Record):
    """Everything one evaluation produced: findings, roll-ups and what they depend on."""

    engine: dict[str, str]
    norm_set: dict[str, Any]  # digest, profile, count
    as_of: str
    bundle: dict[str, Any]  # id, organisation, submitted, system, digest, form
    findings: list[Finding]
    inputs: dict[str, str | None] = field(default_factory=dict)  # waivers/assessments digests
    requirements: list[dict[str, Any]] = field(default_factory=list)  # catalogue roll-ups
    notices: list[dict[str, Any]] = field(default_factory=list)  # e.g. expired waivers

    def summary(self) -> dict[str, Any]:
        """Counts per status, per set and per severity (all statuses always present)."""
        totals = dict.fromkeys((s.value for s in STATUS_ORDER), 0)
        per_set: dict[str, dict[str, int]] = {}
        per_severity: dict[str, dict[str, int]] = {
            sev: dict.fromkeys((s.value for s in STATUS_ORDER), 0) for sev in SEVERITIES
        }
        for finding in self.findings:
            status = finding.status.value
            totals[status] += 1
            per_set.setdefault(finding.set, dict.fromkeys((s.value for s in STATUS_ORDER), 0))[
                status
            ] += 1
            per_severity[finding.severity][status] += 1
        return {
            "total": len(self.findings),
            "by_status": totals,
            # passes (counted in by_status.pass too) that rest on the auditee's word alone
            "attested_pass": sum(1 for finding in self.findings if finding.attested_pass),
            "by_set": dict(sorted(per_set.items())),
            "by_severity": per_severity,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": "normenkader-result/1",
            "engine": self.engine,
            "norm_set": self.norm_set,
            "as_of": self.as_of,
            "bundle": self.bundle,
            "inputs": self.inputs,
            "summary": self.summary(),
            "requirements": self.requirements,
            "notices": self.notices,
            "findings": [f.to_dict() for f in sorted(self.findings, key=lambda f: f.norm_id)],
        }


def exit_code(
    result: Result,
    fail_on: frozenset[Status] = DEFAULT_FAIL_ON,
    min_severity: str = "info",
    ignore: frozenset[str] = frozenset(),
) -> int:
    """Exit code of design 6.7: 2 when any finding is ``error``, 1 when any finding at or
    above ``min_severity`` has a status in ``fail_on``, else 0 (higher wins).

    ``ignore`` holds norm ids whose findings do not count (baseline mode).
    """
    rank = SEVERITIES.index(min_severity)
    code = 0
    for finding in result.findings:
        if finding.norm_id in ignore:
            continue
        if finding.status is Status.ERROR:
            return 2
        if finding.status in fail_on and SEVERITIES.index(finding.severity) <= rank:
            code = 1
    return code
