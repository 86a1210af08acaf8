"""A hand-built Result covering every status, a waiver, a judgement, metric tables and a
hostile organisation name; shared by the test_report_* and test_audit_* files."""

from __future__ import annotations

from normenkader.results import CheckResult, EvidenceUse, Finding, Reason, Result, Status

HOSTILE = '<script>alert("x")</script> & Co'
SHA_A = "a" * 64
SHA_B = "b" * 64


def _finding(norm_id: str, status: Status, reason: Reason, **extra: object) -> Finding:
    set_id = norm_id.split(".")[1]
    finding = Finding(
        norm_id=norm_id,
        set=set_id,
        title={"nl": f"Titel {norm_id}", "en": f"Title {norm_id}"},
        severity=str(extra.pop("severity", "major")),
        status=status,
        reason=reason,
        message={"nl": f"bericht {norm_id}", "en": f"message {norm_id}"},
        legal_basis=["AVG art. 35"],
        derived_from=[
            {"catalogue": "algoritmekader", "id": "urn:nl:ak:ver:avg-01", "version": "v2.5.1"}
        ],
    )
    for key, value in extra.items():
        setattr(finding, key, value)
    return finding


def sample_result() -> Result:
    findings = [
        _finding(
            "NK.DATA.01",
            Status.MISSING,
            Reason.EVIDENCE_ABSENT,
            severity="blocker",
            evidence=[
                EvidenceUse(
                    name="dictionary",
                    id="",
                    kind="data-dictionary",
                    path="",
                    sha256="",
                    problem="no evidence of kind 'data-dictionary'",
                )
            ],
        ),
        _finding(
            "NK.DATA.02",
            Status.BLOCKED,
            Reason.PREREQUISITE_NOT_PASSED,
            prerequisites={"NK.DATA.01": "missing"},
            root_causes=["NK.DATA.01"],
        ),
        _finding(
            "NK.DATA.03",
            Status.BLOCKED,
            Reason.PREREQUISITE_NOT_PASSED,
            severity="minor",
            prerequisites={"NK.DATA.02": "blocked"},
            root_causes=["NK.DATA.01"],
        ),
        _finding(
            "NK.DISC.01",
            Status.FAIL,
            Reason.CHECK_FAILED,
            severity="blocker",
            facts={"profile.automated_selection": True},
            evidence=[
                EvidenceUse(
                    name="model_card",
                    id="model-card",
                    kind="model-card",
                    path="model/model_card.yaml",
                    sha256=SHA_A,
                    date="2026-03-01",
                    read=["/features"],
                )
            ],
            checks=[
                CheckResult(
                    kind="expr",
                    status=Status.FAIL,
                    message={"nl": "nationaliteit", "en": "nationality <b>used</b>"},
                    values={"witness": ["nationality"]},
                )
            ],
        ),
        _finding(
            "NK.DISC.02",
            Status.REVIEW,
            Reason.INCONCLUSIVE,
            checks=[
                CheckResult(
                    kind="group_metric",
                    status=Status.REVIEW,
                    message={"nl": "onzeker", "en": "inconclusive"},
                    values={
                        "groups": [
                            {"group": "A", "n": 1000, "selected": 80, "rate": 0.08, "ratio": 1.0},
                            {"group": "B<i>", "n": 300, "selected": 30, "rate": 0.1, "ratio": 1.25},
                        ],
                        "groupings": [
                            {
                                "attributes": ["g"],
                                "groups": [
                                    {
                                        "group": {"g": "A"},
                                        "n": 10,
                                        "rates": {"fnr": {"value": 0.4, "interval": [0.3, 0.5]}},
                                    },
                                ],
                            }
                        ],
                    },
                    thresholds={"band": [0.8, 1.25], "min_group_size": 100},
                )
            ],
        ),
        _finding(
            "NK.GOV.01",
            Status.WAIVED,
            Reason.WAIVER_APPLIED,
            severity="minor",
            original_status=Status.FAIL,
            waiver={
                "id": "W-1",
                "scope": {"system": "12345678"},
                "justification": "planned",
                "author": "A",
                "approver": "B",
                "issued": "2026-10-01",
                "expires": "2027-03-31",
                "original_reason": "check_failed",
            },
        ),
        _finding(
            "NK.GOV.02",
            Status.PASS,
            Reason.JUDGEMENT_RECORDED,
            evidence=[
                EvidenceUse(
                    name="procedure",
                    id="oversight",
                    kind="document",
                    path="docs/oversight.pdf",
                    sha256=SHA_B,
                    date="2026-01-01",
                )
            ],
            judgement={
                "verdict": "pass",
                "assessor": "S. Upervisor",
                "date": "2026-11-20",
                "note": "fine",
                "lapsed": False,
                "changed": [],
            },
        ),
        _finding(
            "NK.GOV.03", Status.PASS, Reason.ALL_CHECKS_HOLD, prerequisites={"NK.GOV.02": "pass"}
        ),
        _finding(
            "NK.PRIV.01",
            Status.NOT_APPLICABLE,
            Reason.CONDITION_FALSE,
            severity="info",
            facts={"profile.processes_personal_data": False},
        ),
        _finding("NK.PRIV.02", Status.ERROR, Reason.EXPRESSION_ERROR),
    ]
    return Result(
        engine={"name": "normenkader", "version": "0.1.0"},
        norm_set={"digest": "sha256:" + "c" * 64, "profile": "full", "norms": len(findings)},
        as_of="2026-11-29",
        bundle={
            "id": "gm0363-12345678-2026-001",
            "organisation": HOSTILE,
            "submitted": "2026-11-20",
            "system": {"name": "Risico <model>", "register_id": "12345678"},
            "digest": "sha256:" + "d" * 64,
            "files": 7,
        },
        findings=findings,
        inputs={"waivers": "sha256:" + "e" * 64, "assessments": None},
        requirements=[
            {
                "catalogue": "algoritmekader",
                "id": "urn:nl:ak:ver:grw-02",
                "version": "v2.5.1",
                "title": {"nl": "Non-discriminatie", "en": "Non-discrimination"},
                "status": "not_satisfied",
                "rule": "all",
                "norms": {"NK.DISC.01": "fail", "NK.DISC.02": "review"},
            }
        ],
        notices=[
            {
                "source": "waivers",
                "code": "waiver_expired",
                "norm_id": "NK.GOV.04",
                "id": "W-0",
                "message": {"nl": "verlopen", "en": "expired"},
            }
        ],
    )
