"""Every status of design 6.1 is reached through the real CLI on real files."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import AS_OF, edit_yaml, run_cli


def findings(bundle: Path, norms: Path, *extra: str) -> tuple[int, dict[str, dict]]:
    run = run_cli("check", bundle, "--norms", norms, "--as-of", AS_OF, "--format", "json", *extra)
    assert run.stderr == "" or run.code != 3, run.stderr
    data = json.loads(run.stdout)
    return run.code, {f["norm_id"]: f for f in data["findings"]}


def test_pass_review_and_not_applicable(bundle: Path, norms: Path) -> None:
    code, found = findings(bundle, norms)
    assert code == 0
    assert found["TST.A.01"]["status"] == "pass"
    assert found["TST.A.01"]["reason"] == "all_checks_hold"
    assert found["TST.A.01"]["facts"] == {"profile.processes_personal_data": True}
    assert found["TST.A.01"]["evidence"][0]["read"] == ["/features"]
    assert found["TST.A.05"]["status"] == "review"
    assert found["TST.A.05"]["reason"] == "judgement_required"
    assert found["TST.A.03"]["status"] == "not_applicable"
    assert found["TST.A.03"]["reason"] == "condition_false"
    assert found["TST.A.03"]["facts"] == {
        "profile.automated_selection": False,
        "profile.processes_personal_data": True,
    }
    assert found["TST.A.04"]["status"] == "not_applicable"
    assert found["TST.A.04"]["reason"] == "not_in_force"


def test_fail_names_the_offending_features(bundle: Path, norms: Path) -> None:
    card = bundle / "model" / "model_card.yaml"
    edit_yaml(
        card,
        lambda d: d["features"].extend(
            [
                {"name": "nationality", "protected_ground": "nationality"},
                {"name": "dual_nationality", "protected_ground": "dual_nationality"},
            ]
        ),
    )
    code, found = findings(bundle, norms)
    assert code == 1
    finding = found["TST.A.01"]
    assert finding["status"] == "fail"
    assert finding["reason"] == "check_failed"
    assert finding["checks"][0]["values"]["offending"] == ["nationality", "dual_nationality"]
    assert "protected-ground" in finding["message"]["en"]


def test_missing_and_blocked_with_root_cause(bundle: Path, norms: Path) -> None:
    edit_yaml(
        bundle / "bundle.yaml",
        lambda d: d.update(evidence=[e for e in d["evidence"] if e["kind"] != "document"]),
    )
    code, found = findings(bundle, norms)
    assert code == 1
    assert found["TST.A.02"]["status"] == "missing"
    assert found["TST.A.02"]["reason"] == "evidence_absent"
    assert found["TST.A.01"]["status"] == "blocked"
    assert found["TST.A.01"]["root_causes"] == ["TST.A.02"]
    assert found["TST.A.01"]["prerequisites"] == {"TST.A.02": "missing"}


def test_blocked_root_cause_walks_up_the_chain(bundle: Path, norms: Path) -> None:
    (norms / "TST.A.06.yaml").write_text(
        (norms / "TST.A.05.yaml")
        .read_text()
        .replace("TST.A.05", "TST.A.06")
        .replace("review: true", "review: false")
        + "requires: [TST.A.01]\n"
    )
    edit_yaml(
        bundle / "bundle.yaml",
        lambda d: d.update(evidence=[e for e in d["evidence"] if e["kind"] != "document"]),
    )
    _, found = findings(bundle, norms)
    assert found["TST.A.06"]["status"] == "blocked"
    assert found["TST.A.06"]["root_causes"] == ["TST.A.02"]


def test_stale_evidence_is_missing_at_the_as_of_date(bundle: Path, norms: Path) -> None:
    _, found = findings(bundle, norms, "--as-of", "2027-03-01")
    assert found["TST.A.02"]["status"] == "missing"
    assert found["TST.A.02"]["reason"] == "evidence_stale"
    assert "older than P1Y" in found["TST.A.02"]["message"]["en"]
    # the same bundle judged at an earlier date is fresh
    _, earlier = findings(bundle, norms, "--as-of", "2026-06-01")
    assert earlier["TST.A.02"]["status"] == "pass"


def test_evidence_invalid_against_its_kind_schema(bundle: Path, norms: Path) -> None:
    edit_yaml(bundle / "model" / "model_card.yaml", lambda d: d["features"].append({"name": "x"}))
    _, found = findings(bundle, norms)
    assert found["TST.A.01"]["status"] == "missing"
    assert found["TST.A.01"]["reason"] == "evidence_invalid"
    assert "/features/2" in found["TST.A.01"]["message"]["en"]


def test_most_recent_valid_item_is_used_and_named(bundle: Path, norms: Path) -> None:
    (bundle / "model" / "old_card.yaml").write_text(
        "name: old\nfeatures:\n  - {name: nationality, protected_ground: nationality}\n"
    )
    edit_yaml(
        bundle / "bundle.yaml",
        lambda d: d["evidence"].append(
            {
                "id": "model-card-2024",
                "kind": "model-card",
                "path": "model/old_card.yaml",
                "date": "2025-01-01",
            }
        ),
    )
    _, found = findings(bundle, norms)
    assert found["TST.A.01"]["status"] == "pass"
    assert found["TST.A.01"]["evidence"][0]["id"] == "model-card"


def test_expression_error_is_an_error_finding_and_exit_2(bundle: Path, norms: Path) -> None:
    path = norms / "TST.A.02.yaml"
    path.write_text(
        path.read_text().replace(
            "evidence.dictionary.date <= as_of", "evidence.dictionary.meta.reviewer == 'x'"
        )
    )
    code, found = findings(bundle, norms)
    assert code == 2
    assert found["TST.A.02"]["status"] == "error"
    assert found["TST.A.02"]["reason"] == "expression_error"


def test_missing_applicability_fact_is_an_error_not_a_silent_pass(
    bundle: Path, norms: Path
) -> None:
    edit_yaml(bundle / "bundle.yaml", lambda d: d["profile"].pop("automated_selection"))
    code, found = findings(bundle, norms)
    assert code == 2
    assert found["TST.A.03"]["status"] == "error"
    assert "declare the facts" in found["TST.A.03"]["message"]["en"]


def test_only_selects_norm_and_prerequisites(bundle: Path, norms: Path) -> None:
    _, found = findings(bundle, norms, "--only", "TST.A.01")
    assert sorted(found) == ["TST.A.01", "TST.A.02"]


def test_fail_on_and_min_severity(bundle: Path, norms: Path) -> None:
    code, _ = findings(bundle, norms, "--fail-on", "review")
    assert code == 1  # TST.A.05 is review
    code, _ = findings(bundle, norms, "--fail-on", "review", "--min-severity", "blocker")
    assert code == 0  # the review norm is only major


def test_overlong_list_in_evidence_is_invalid_not_a_hang(bundle: Path, norms: Path) -> None:
    """Nested CEL macros are quadratic: list length in structured evidence is bounded."""
    features = "".join(f"  - {{name: f{i}, protected_ground: none}}\n" for i in range(300))
    (bundle / "model" / "model_card.yaml").write_text(f"name: big\nfeatures:\n{features}")
    _, found = findings(bundle, norms, "--max-list-items", "250")
    assert found["TST.A.01"]["status"] == "missing"
    assert found["TST.A.01"]["reason"] == "evidence_invalid"
    assert "EVIDENCE_TOO_LARGE" in found["TST.A.01"]["message"]["en"]
    assert "/features has 300 items" in found["TST.A.01"]["message"]["en"]
    _, allowed = findings(bundle, norms)  # the default (2,000) admits it
    assert allowed["TST.A.01"]["status"] == "pass"


def test_fields_read_are_whole_identifiers_only() -> None:
    """An input named ``card`` is not read by ``cards.x``, ``x.card`` or ``'card_id'``."""
    from normenkader.norms.compiled import fields_read

    sources = [
        "card.features.all(f, f.name != '') && cards.size > 0 && x.card == 1",
        "{'card_id': card.owner.name, 'n': size(card)}",
        "card.labels.exists(l, l == 'a')",
    ]
    assert fields_read(["card", "other"], sources) == {
        "card": ["", "/features", "/labels", "/owner/name"],
        "other": [],
    }
