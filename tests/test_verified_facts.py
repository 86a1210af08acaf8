"""Verified facts: a profile fact that removes obligations is checked against the bundle.

Real CLI runs on copies of the shipped examples with an explicit ``--as-of``: a declared
fact contradicted by the bundle's own evidence never silently turns norms not applicable
(they evaluate as with the true value), each affected finding records the declared value,
and NK.PRF.04 fails naming the fact, the evidence item (id, sha256) and the value read.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import AS_OF, EXAMPLES, ROOT, edit_yaml, run_cli
from normenkader.facts import FORMAT, load_rules, parse_rules, rules_path

SELECTION_NORMS = ("NK.DISC.05", "NK.DISC.06", "NK.DISC.07", "NK.DISC.08", "NK.DISC.10")
PRIVACY_NORMS = ("NK.DATA.01", "NK.PRIV.01", "NK.PRIV.03", "NK.PRIV.07", "NK.DISC.01")


def _check(bundle: Path, out: Path, *extra: str) -> dict[str, Any]:
    run = run_cli("check", bundle, "--as-of", AS_OF, "--format", "json", "-o", out, *extra)
    assert run.code in (0, 1), run.stderr
    return json.loads(out.read_text("utf-8"))  # type: ignore[no-any-return]


def _findings(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["norm_id"]: f for f in result["findings"]}


def _copy(name: str, tmp_path: Path, **profile: Any) -> Path:
    target = tmp_path / name
    shutil.copytree(EXAMPLES / name, target)

    def change(data: dict[str, Any]) -> None:
        data["profile"].update(profile)

    edit_yaml(target / "bundle.yaml", change)
    return target


@pytest.fixture(scope="module")
def originals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("originals")
    return {
        name: _check(EXAMPLES / name, folder / f"{name}.json")
        for name in ("selectie-bias", "toeslagen")
    }


def test_selection_norms_still_apply_when_automated_selection_is_denied(
    tmp_path: Path, originals: dict[str, dict[str, Any]]
) -> None:
    bundle = _copy("selectie-bias", tmp_path, automated_selection=False)
    before = _findings(originals["selectie-bias"])
    after = _findings(_check(bundle, tmp_path / "out.json"))
    for norm_id in SELECTION_NORMS:
        assert after[norm_id]["status"] == before[norm_id]["status"], norm_id
        assert after[norm_id]["status"] != "not_applicable", norm_id
        facts = after[norm_id]["facts"]
        assert facts["profile.automated_selection"] is True
        assert facts["profile.automated_selection (declared)"] is False
        assert "decisions-2025" in facts["profile.automated_selection (evidence)"]
    # every other finding is as before, but the new contradiction
    changed = {k for k in before if before[k]["status"] != after[k]["status"]}
    assert changed == {"NK.PRF.04"}
    assert before["NK.PRF.04"]["status"] == "pass"


def test_contradiction_names_fact_evidence_digest_and_value(tmp_path: Path) -> None:
    bundle = _copy("selectie-bias", tmp_path, automated_selection=False)
    result = _check(bundle, tmp_path / "out.json")
    finding = _findings(result)["NK.PRF.04"]
    assert finding["status"] == "fail"
    assert finding["severity"] == "major"
    values = finding["checks"][0]["values"]
    assert values["offending"] == ["automated_selection"]
    by_rule = {c["rule"]: c for c in values["contradictions"]}
    dataset = by_rule["selection-decisions-dataset"]
    assert dataset["fact"] == "automated_selection"
    assert dataset["declared"] is False and dataset["implied"] is True
    assert dataset["evidence"]["id"] == "decisions-2025"
    assert dataset["at"] == "/columns/selected" and dataset["read"] == "flagged"
    listed = {use["id"]: use["sha256"] for use in finding["evidence"]}
    assert dataset["evidence"]["sha256"] == listed["decisions-2025"]
    assert "decisions-2025" in finding["message"]["en"] and "flagged" in finding["message"]["en"]
    assert "opgegeven als false" in finding["message"]["nl"]
    assert result["inputs"]["fact_checks"] == load_rules().digest


def test_personal_data_norms_still_apply_when_personal_data_is_denied(
    tmp_path: Path, originals: dict[str, dict[str, Any]]
) -> None:
    bundle = _copy("toeslagen", tmp_path, processes_personal_data=False)
    before = _findings(originals["toeslagen"])
    after = _findings(_check(bundle, tmp_path / "out.json"))
    for norm_id in PRIVACY_NORMS:
        assert after[norm_id]["status"] == before[norm_id]["status"], norm_id
        assert after[norm_id]["facts"]["profile.processes_personal_data (declared)"] is False
    assert after["NK.PRF.04"]["status"] == "fail"
    assert after["NK.PRF.04"]["checks"][0]["values"]["offending"] == ["processes_personal_data"]
    changed = {k for k in before if before[k]["status"] != after[k]["status"]}
    assert changed == {"NK.PRF.04"}


def test_lower_risk_class_is_raised_to_the_recorded_classification(tmp_path: Path) -> None:
    bundle = _copy("toeslagen", tmp_path)

    def lower(data: dict[str, Any]) -> None:
        data["profile"]["ai_act"]["risk_class"] = "minimal"

    edit_yaml(bundle / "bundle.yaml", lower)
    findings = _findings(_check(bundle, tmp_path / "out.json"))
    contradictions = findings["NK.PRF.04"]["checks"][0]["values"]["contradictions"]
    assert {c["rule"] for c in contradictions} >= {"risk-class-classification"}
    assert {c["implied"] for c in contradictions} == {"high"}
    # high-risk norms still apply, and say why
    raised = [
        f
        for f in findings.values()
        if f["facts"].get("profile.ai_act.risk_class (declared)") == "minimal"
    ]
    assert raised and all(f["facts"]["profile.ai_act.risk_class"] == "high" for f in raised)
    assert any(f["status"] != "not_applicable" for f in raised)


def test_facts_agreeing_with_the_evidence_change_nothing(
    tmp_path: Path, originals: dict[str, dict[str, Any]]
) -> None:
    finding = _findings(originals["selectie-bias"])["NK.PRF.04"]
    assert finding["status"] == "pass"
    assert not any(
        k.endswith("(declared)") for f in originals["selectie-bias"]["findings"] for k in f["facts"]
    )


def test_evidence_dated_after_the_as_of_date_shows_nothing(tmp_path: Path) -> None:
    bundle = _copy("selectie-bias", tmp_path, automated_selection=False)
    manifest = yaml.safe_load((bundle / "bundle.yaml").read_text("utf-8"))
    selection_kinds = {
        "decisions-dataset",
        "group-counts",
        "human-review-stats",
        "random-sample",
        "art22-analysis",
    }
    dates = [e["date"] for e in manifest["evidence"] if e["kind"] in selection_kinds]
    earliest = min(str(d) for d in dates)
    day_before = f"{int(earliest[:4]) - 1}{earliest[4:]}"
    out = tmp_path / "early.json"
    run = run_cli("check", bundle, "--as-of", day_before, "--format", "json", "-o", out)
    assert run.code in (0, 1), run.stderr
    finding = _findings(json.loads(out.read_text("utf-8")))["NK.PRF.04"]
    offending = finding["checks"][0]["values"].get("offending", []) if finding["checks"] else []
    assert "automated_selection" not in offending


def test_shipped_rules_compile_and_cover_every_fact() -> None:
    data = yaml.safe_load(rules_path().read_text("utf-8"))
    rules = parse_rules(data, str(rules_path()), "sha256:test", strict=True)
    assert data["format"] == FORMAT
    covered = {rule.fact for rule in rules.rules}
    assert covered == set(rules.facts), set(rules.facts) - covered
    for rule in rules.rules:
        assert rule.because["nl"] != rule.because["en"]
        assert rule.source


def test_every_fact_check_kind_is_an_input_of_prf04() -> None:
    norm = yaml.safe_load((ROOT / "norms/nk/prf/NK.PRF.04.yaml").read_text("utf-8"))
    declared = {spec["kind"] for spec in norm["evidence"].values()}
    assert {rule.kind for rule in load_rules().rules} == declared


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "other/1"}, "not a normenkader-fact-checks/1 file"),
        ({"rules": [{"id": "x"}]}, "needs exactly the keys"),
    ],
)
def test_broken_rule_file_is_a_clear_input_error(change: dict[str, Any], message: str) -> None:
    from normenkader.errors import InputError

    data = yaml.safe_load(rules_path().read_text("utf-8"))
    data.update(change)
    with pytest.raises(InputError) as caught:
        parse_rules(data, "fact-checks.yaml", "sha256:test", strict=True)
    assert caught.value.code == "FACT_CHECKS_INVALID"
    assert message in caught.value.line()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("naam_aanvrager", True),
        ("Date of birth", True),
        ("BSN", True),
        ("e-mail", True),
        ("bedrijfsnaam", False),
        ("postcode_area", False),
        ("income_band", False),
    ],
)
def test_identifying_field_names_match_as_whole_words(name: str, expected: bool) -> None:
    from normenkader.facts import _ItemScope

    rules = load_rules()
    scope = _ItemScope({}, rules.phrases)
    assert scope.mentions(name, "personal_identifier") is expected


def test_a_rule_that_cannot_be_evaluated_counts_at_the_strictest_value(tmp_path: Path) -> None:
    """A rule over the evaluation budget must not relieve obligations: the fact is raised,
    and the problem is recorded (NK.PRF.04 then reports ``error``)."""
    from datetime import date

    from normenkader.evidence.bundle import open_bundle
    from normenkader.facts import _verify

    bundle_dir = _copy("selectie-bias", tmp_path / "copy", special_categories=False)
    manifest = yaml.safe_load((bundle_dir / "bundle.yaml").read_text("utf-8"))
    path = next(e["path"] for e in manifest["evidence"] if e["kind"] == "data-dictionary")
    fields = [{"name": f"veld_{i:04d}", "special_category": "none"} for i in range(1500)]
    (bundle_dir / path).write_text(yaml.safe_dump({"fields": fields}), "utf-8")
    data = yaml.safe_load(rules_path().read_text("utf-8"))
    quadratic = dict(data["rules"][0])  # a real rule, made to cost millions of steps here
    quadratic.update(
        id="quadratic",
        fact="special_categories",
        evidence="data-dictionary",
        when="item.fields.exists(f, item.fields.exists(g, g.name == f.name + '_'))",
    )
    data["rules"] = [quadratic]
    rules = parse_rules(data, "test", "sha256:test", strict=True)
    (tmp_path / "stage").mkdir(mode=0o700)
    bundle = open_bundle(bundle_dir, workdir=tmp_path / "stage")
    values = {i.id: i.content for i in bundle.items.values() if i.form == "structured"}
    outcome = _verify(bundle, date.fromisoformat(AS_OF), values, rules)
    assert outcome.profile["special_categories"] is True
    assert outcome.problems and "quadratic" in outcome.problems[0]
    assert "budget" in outcome.problems[0]
    (found,) = outcome.contradictions
    assert found.declared is False and found.implied is True
    assert "could not be evaluated" in found.because["en"]
