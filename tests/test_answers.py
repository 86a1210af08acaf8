"""The ``answers`` relation through the real CLI: a norm that answers another's finding.

TST.B.01 is the answered norm (the model card must not name a protected-ground feature);
TST.B.02 answers it with a documented mitigation (a ``document`` with id ``mitigation``).
docs/semantics.md, "Answers", states the rules these tests hold the engine to.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import AS_OF, EXAMPLES, ROOT, edit_yaml, run_cli

ANSWERED = """\
id: TST.B.01
title: {nl: "Geen beschermd kenmerk", en: "No protected-ground feature"}
description: {nl: "Testnorm.", en: "Test norm."}
severity: major
derived_from:
  - {catalogue: algoritmekader, id: "urn:nl:ak:ver:grw-02", version: v2.5.1, strength: full}
evidence:
  model_card: {kind: model-card}
checks:
  - kind: expr
    expr: "model_card.features.all(f, f.protected_ground == 'none')"
    witness: "model_card.features.filter(f, f.protected_ground != 'none').map(f, f.name)"
"""

ANSWERING = """\
id: TST.B.02
title: {nl: "Het kenmerk is gerechtvaardigd", en: "The feature is justified"}
description: {nl: "Testnorm.", en: "Test norm."}
severity: blocker
waivable: false
derived_from:
  - {catalogue: algoritmekader, id: "urn:nl:ak:mtr:ver-03", version: v2.5.1, strength: full}
answers: [TST.B.01]
evidence:
  mitigation: {kind: document, id: mitigation}
checks:
  - kind: expr
    expr: "evidence.mitigation.meta.steps_taken"
    explain: {nl: "geen maatregelen genomen", en: "no steps taken"}
  - kind: expr
    expr: "answered['TST.B.01'] == 'fail' || !('TST.B.01' in answered)"
review: true
review_prompt: {nl: "Overtuigt de rechtvaardiging?", en: "Does the justification convince?"}
"""

MITIGATION = {
    "id": "mitigation",
    "kind": "document",
    "path": "docs/dictionary.md",
    "date": "2026-02-01",
    "meta": {"steps_taken": True},
}


@pytest.fixture
def answer_norms(norms: Path) -> Path:
    (norms / "TST.B.01.yaml").write_text(ANSWERED, "utf-8")
    (norms / "TST.B.02.yaml").write_text(ANSWERING, "utf-8")
    return norms


def _protected(bundle: Path) -> None:
    edit_yaml(
        bundle / "model" / "model_card.yaml",
        lambda d: d["features"].append({"name": "nationality", "protected_ground": "nationality"}),
    )


def _add_mitigation(bundle: Path, **meta: Any) -> None:
    entry = dict(MITIGATION, meta={**MITIGATION["meta"], **meta})
    edit_yaml(bundle / "bundle.yaml", lambda d: d["evidence"].append(entry))


def check(bundle: Path, norms: Path, *extra: str) -> tuple[int, dict[str, dict[str, Any]]]:
    run = run_cli("check", bundle, "--norms", norms, "--as-of", AS_OF, "--format", "json", *extra)
    assert run.code in (0, 1, 2), run.stderr
    return run.code, {f["norm_id"]: f for f in json.loads(run.stdout)["findings"]}


def test_nothing_to_answer_when_the_answered_norm_passes(bundle: Path, answer_norms: Path) -> None:
    code, found = check(bundle, answer_norms)
    assert found["TST.B.01"]["status"] == "pass"
    answer = found["TST.B.02"]
    assert (answer["status"], answer["reason"]) == ("not_applicable", "nothing_to_answer")
    assert answer["answers"] == {"TST.B.01": "pass"}
    assert found["TST.B.01"]["answered_by"] == [{"norm": "TST.B.02", "status": "not_applicable"}]
    assert code == 0


def test_absent_answer_is_a_fail_and_the_finding_stays(bundle: Path, answer_norms: Path) -> None:
    _protected(bundle)
    code, found = check(bundle, answer_norms)
    answered, answer = found["TST.B.01"], found["TST.B.02"]
    assert (answered["status"], answered["reason"]) == ("fail", "check_failed")
    assert answered["checks"][0]["values"]["offending"] == ["nationality"]
    assert (answer["status"], answer["reason"]) == ("fail", "answer_absent")
    assert "TST.B.01" in answer["message"]["en"]
    assert answered["answered_by"] == [{"norm": "TST.B.02", "status": "fail"}]
    assert code == 1


def test_documented_answer_turns_the_pair_into_review(bundle: Path, answer_norms: Path) -> None:
    _protected(bundle)
    _add_mitigation(bundle)
    code, found = check(bundle, answer_norms)
    answered, answer = found["TST.B.01"], found["TST.B.02"]
    assert answered["status"] == "fail"  # the answer never changes the answered finding
    assert (answer["status"], answer["reason"]) == ("review", "judgement_required")
    assert "Does the justification convince?" in answer["message"]["en"]
    assert answer["answers"] == {"TST.B.01": "fail"}
    assert answered["answered_by"] == [{"norm": "TST.B.02", "status": "review"}]
    assert code == 1  # the answered fail still counts


def test_an_answer_whose_check_fails_is_a_fail(bundle: Path, answer_norms: Path) -> None:
    _protected(bundle)
    _add_mitigation(bundle, steps_taken=False)
    _, found = check(bundle, answer_norms)
    assert (found["TST.B.02"]["status"], found["TST.B.02"]["reason"]) == ("fail", "check_failed")
    assert found["TST.B.01"]["answered_by"] == [{"norm": "TST.B.02", "status": "fail"}]


def test_unknown_answered_finding_blocks_with_its_root_cause(
    bundle: Path, answer_norms: Path
) -> None:
    (answer_norms / "TST.B.01.yaml").write_text(
        ANSWERED.replace("severity: major\n", "severity: major\nrequires: [TST.A.02]\n"), "utf-8"
    )
    edit_yaml(
        bundle / "bundle.yaml",
        lambda d: d.update(evidence=[e for e in d["evidence"] if e["kind"] != "model-card"]),
    )
    _, found = check(bundle, answer_norms)
    assert found["TST.B.01"]["status"] == "missing"
    answer = found["TST.B.02"]
    assert (answer["status"], answer["reason"]) == ("blocked", "prerequisite_not_passed")
    assert answer["root_causes"] == ["TST.B.01"]
    # blocked answered norm: the root cause walks up to what blocked it
    edit_yaml(
        bundle / "bundle.yaml",
        lambda d: d.update(evidence=[e for e in d["evidence"] if e["kind"] != "document"]),
    )
    _, found = check(bundle, answer_norms)
    assert found["TST.B.01"]["status"] == "blocked"
    assert found["TST.B.02"]["status"] == "blocked"
    assert found["TST.B.02"]["root_causes"] == ["TST.A.02"]


def test_cycles_across_requires_and_answers_are_load_errors(answer_norms: Path) -> None:
    text = ANSWERED.replace("severity: major\n", "severity: major\nrequires: [TST.B.02]\n")
    (answer_norms / "TST.B.01.yaml").write_text(text, "utf-8")
    run = run_cli("lint", answer_norms)
    assert run.code == 3
    assert "dependency cycle" in run.stdout
    assert "TST.B.01" in run.stdout and "TST.B.02" in run.stdout


def test_answers_are_validated(answer_norms: Path) -> None:
    both = ANSWERING.replace("answers: [TST.B.01]", "answers: [TST.B.01]\nrequires: [TST.B.01]")
    (answer_norms / "TST.B.02.yaml").write_text(both, "utf-8")
    run = run_cli("lint", answer_norms)
    assert run.code == 3
    assert "both required" in run.stdout
    unknown = ANSWERING.replace("answers: [TST.B.01]", "answers: [TST.B.09]")
    (answer_norms / "TST.B.02.yaml").write_text(unknown, "utf-8")
    run = run_cli("lint", answer_norms)
    assert run.code == 3
    assert "answers unknown norm TST.B.09" in run.stdout
    (answer_norms / "TST.B.02.yaml").write_text(
        ANSWERING.replace("mitigation: {kind", "answered: {kind"), "utf-8"
    )
    run = run_cli("lint", answer_norms)
    assert run.code == 3
    assert "reserved" in run.stdout


def test_every_report_shows_the_link(bundle: Path, answer_norms: Path) -> None:
    _protected(bundle)
    _add_mitigation(bundle)
    base = ("check", bundle, "--norms", answer_norms, "--as-of", AS_OF, "--format")
    text = run_cli(*base, "terminal").stdout
    assert "Answered by: TST.B.02 (review)" in text
    assert "Answers: TST.B.01 (fail)" in text
    assert (
        "Beantwoord door: TST.B.02 (oordeel nodig)"
        in run_cli(*base, "terminal", "--lang", "nl").stdout
    )
    assert "Answered by: TST.B.02 (review)" in run_cli(*base, "markdown").stdout
    sarif = json.loads(run_cli(*base, "sarif").stdout)
    props = {r["ruleId"]: r["properties"] for r in sarif["runs"][0]["results"]}
    assert props["TST.B.01"]["answered_by"] == [{"norm": "TST.B.02", "status": "review"}]
    assert props["TST.B.02"]["answers"] == {"TST.B.01": "fail"}
    assert "Answered by: TST.B.02 (review)" in run_cli(*base, "junit").stdout
    oscal = json.loads(run_cli(*base, "oscal").stdout)
    found = oscal["assessment-results"]["results"][0]["findings"]
    oscal_props = {p["value"] for f in found for p in f["props"] if p["name"] == "answered-by"}
    assert oscal_props == {"TST.B.02 review"}
    html = run_cli(*base, "html").stdout
    assert 'class="answer-edge"' in html
    assert "Answered by" in html
    # the pair is shown together: the answer follows the finding it answers
    assert html.index('id="TST.B.01"') < html.index('id="TST.B.02"')
    between = html[html.index('id="TST.B.01"') : html.index('id="TST.B.02"')]
    assert between.count("<article") == 1  # only the answer's own article starts in between


def test_graph_exports_keep_answer_edges_apart(answer_norms: Path) -> None:
    dot = run_cli("graph", "--norms", answer_norms, "--format", "dot").stdout
    assert '"TST.B.01" -> "TST.B.02" [style=dashed' in dot
    assert '"TST.A.02" -> "TST.A.01";' in dot
    mermaid = run_cli("graph", "--norms", answer_norms, "--format", "mermaid").stdout
    assert "TST_B_01 -. answers .-> TST_B_02" in mermaid
    assert "linkStyle" in mermaid
    edges = json.loads(run_cli("graph", "--norms", answer_norms, "--format", "json").stdout)[
        "edges"
    ]
    assert {"from": "TST.B.01", "to": "TST.B.02", "type": "answers"} in edges
    assert {"from": "TST.A.02", "to": "TST.A.01", "type": "requires"} in edges
    explain = run_cli("explain", "TST.B.01", "--norms", answer_norms).stdout
    assert "answered by: TST.B.02" in explain


def test_selectie_bias_justification_runs_and_the_disparity_stays(tmp_path: Path) -> None:
    """Legal review F1: NK.DISC.07 is not blocked when NK.DISC.06 finds a disparity."""
    run = run_cli(
        "check", EXAMPLES / "selectie-bias", "--as-of", AS_OF, "--format", "json",
        "--only", "NK.DISC.07", "--only", "NK.DISC.06",
    )  # fmt: skip
    assert run.code in (0, 1), run.stderr
    found = {f["norm_id"]: f for f in json.loads(run.stdout)["findings"]}
    disparity, justification = found["NK.DISC.06"], found["NK.DISC.07"]
    # the measured disparity is a hard fact: no prerequisite may hide it
    assert disparity["status"] == "fail", disparity["message"]["en"]
    assert disparity["severity"] == "major"
    assert justification["status"] != "blocked", (
        f"NK.DISC.07 blocked by {justification['root_causes']}: {justification['message']['en']}"
    )
    assert justification["status"] == "review"
    assert "neither solely nor decisively on a suspect ground" in justification["message"]["en"]
    assert disparity["answered_by"] == [{"norm": "NK.DISC.07", "status": "review"}]
    # without the justification test, the answering norm fails; DISC.06 still fails
    copy = tmp_path / "selectie-bias"
    shutil.copytree(EXAMPLES / "selectie-bias", copy)
    edit_yaml(
        copy / "bundle.yaml",
        lambda d: d.update(
            evidence=[e for e in d["evidence"] if e.get("kind") != "justification-test"]
        ),
    )
    run = run_cli(
        "check", copy, "--as-of", AS_OF, "--format", "json",
        "--only", "NK.DISC.07", "--only", "NK.DISC.06",
    )  # fmt: skip
    found = {f["norm_id"]: f for f in json.loads(run.stdout)["findings"]}
    assert (found["NK.DISC.07"]["status"], found["NK.DISC.07"]["reason"]) == (
        "fail",
        "answer_absent",
    )
    assert found["NK.DISC.06"]["status"] == "fail"
    # an examination that denies the measured disparity does not answer it
    edit_yaml(
        copy / "bundle.yaml",
        lambda d: d["evidence"].append(
            {
                "id": "jt",
                "kind": "justification-test",
                "path": "model/justification_test.md",
                "date": "2026-02-20",
                "meta": {"disparity_found": False, "conclusion": "no_disparity"},
            }
        ),
    )
    run = run_cli(
        "check", copy, "--as-of", AS_OF, "--format", "json",
        "--only", "NK.DISC.07", "--only", "NK.DISC.06",
    )  # fmt: skip
    found = {f["norm_id"]: f for f in json.loads(run.stdout)["findings"]}
    assert found["NK.DISC.07"]["status"] == "fail"
    assert "does not answer the finding" in found["NK.DISC.07"]["message"]["en"]


def test_shipped_docs_describe_answers() -> None:
    semantics = (ROOT / "docs" / "semantics.md").read_text("utf-8")
    for word in ("answers", "nothing_to_answer", "answer_absent", "answered_by"):
        assert word in semantics


def test_toeslagen_disparity_is_not_hidden_behind_paperwork() -> None:
    """The toeslagen example lacks a random sample and performance criteria; its selection
    ratio for dual nationals is still a finding of its own, answered by nothing."""
    run = run_cli(
        "check", EXAMPLES / "toeslagen", "--as-of", AS_OF, "--format", "json",
        "--only", "NK.DISC.06", "--only", "NK.DISC.07",
    )  # fmt: skip
    found = {f["norm_id"]: f for f in json.loads(run.stdout)["findings"]}
    assert (found["NK.DISC.06"]["status"], found["NK.DISC.06"]["reason"]) == (
        "fail",
        "check_failed",
    )
    assert "nationality_group=dual" in found["NK.DISC.06"]["message"]["en"]
    assert found["NK.DISC.06"]["answered_by"] == [
        {"norm": "NK.DISC.07", "status": found["NK.DISC.07"]["status"]}
    ]
