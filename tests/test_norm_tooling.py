"""lint (file:line:col), the dependency graph, explain and the published norm schema."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import ROOT, run_cli


def test_lint_clean_fixture_norms(norms: Path) -> None:
    run = run_cli("lint", norms)
    assert run.code == 0, run.stdout + run.stderr
    assert "5 norm file(s) OK" in run.stdout


def test_lint_reports_every_problem_with_position(norms: Path) -> None:
    path = norms / "TST.A.02.yaml"
    text = path.read_text().replace("severity: major", "severity: huge")
    path.write_text(
        text.replace(
            'expr: "evidence.dictionary.date <= as_of"', 'expr: "evidence.dictionary.date <= "'
        )
    )
    bad_cel = norms / "TST.A.05.yaml"
    bad_cel.write_text(
        bad_cel.read_text().replace(
            "size(model_card.features) > 0", "size(model_card.features) >> 0"
        )
    )
    run = run_cli("lint", norms)
    assert run.code == 3
    lines = run.stdout.strip().splitlines()
    severity = [line for line in lines if "severity" in line]
    assert severity and severity[0].startswith(f"{path}:4:11:"), lines
    cel = [line for line in lines if "TST.A.05.yaml" in line]
    assert cel and "CEL" in cel[0], lines
    line_no = int(cel[0].split(":")[1])
    assert bad_cel.read_text().splitlines()[line_no - 1].strip().startswith("expr:")


def test_lint_cycle_prints_the_path(norms: Path) -> None:
    path = norms / "TST.A.02.yaml"
    path.write_text(path.read_text() + "requires: [TST.A.01]\n")
    run = run_cli("lint", norms)
    assert run.code == 3
    assert "dependency cycle" in run.stdout
    assert (
        "TST.A.01 -> TST.A.02 -> TST.A.01" in run.stdout
        or "TST.A.02 -> TST.A.01 -> TST.A.02" in run.stdout
    )


def test_lint_unknown_prerequisite_and_self_reference(norms: Path) -> None:
    path = norms / "TST.A.03.yaml"
    path.write_text(path.read_text() + "requires: [TST.A.03, TST.Z.99]\n")
    run = run_cli("lint", norms)
    assert run.code == 3
    assert "requires itself" in run.stdout
    assert "unknown norm TST.Z.99" in run.stdout


def test_lint_duplicate_key_in_norm_file(norms: Path) -> None:
    path = norms / "TST.A.04.yaml"
    path.write_text(path.read_text() + "severity: major\n")
    run = run_cli("lint", norms)
    assert run.code == 3
    assert "duplicate key 'severity'" in run.stdout


def test_graph_formats(norms: Path) -> None:
    dot = run_cli("graph", "--norms", norms, "--format", "dot")
    assert dot.code == 0 and '"TST.A.02" -> "TST.A.01";' in dot.stdout
    mermaid = run_cli("graph", "--norms", norms, "--format", "mermaid")
    assert "TST_A_02 --> TST_A_01" in mermaid.stdout
    data = json.loads(run_cli("graph", "--norms", norms, "--format", "json").stdout)
    assert {"from": "TST.A.02", "to": "TST.A.01", "type": "requires"} in data["edges"]


def test_explain_shows_sources_evidence_and_both_directions(norms: Path) -> None:
    run = run_cli("explain", "TST.A.02", "--norms", norms)
    assert run.code == 0
    assert "urn:nl:ak:mtr:dat-01 (v2.5.1)" in run.stdout
    assert "dictionary: document (max_age P1Y)" in run.stdout
    assert "dependants (all): TST.A.01" in run.stdout
    nl = run_cli("explain", "TST.A.01", "--norms", norms, "--lang", "nl")
    assert "vereist (alle): TST.A.02" in nl.stdout
    assert "geen ontheffing mogelijk" in nl.stdout


def test_shipped_norm_schema_matches_the_model() -> None:
    shipped = ROOT / "norms" / "norm.schema.json"
    run = run_cli("schema")
    assert run.code == 0
    assert json.loads(shipped.read_text()) == json.loads(run.stdout), (
        "norms/norm.schema.json is out of date: run `normenkader schema -o norms/norm.schema.json`"
    )
