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


def _dot_labels(text: str) -> list[str]:
    """The label strings of a DOT file, unescaped as Graphviz reads them (``\\n`` is a line
    break; ``\\\\`` a backslash; ``\\"`` a quote)."""
    import re

    labels = []
    for raw in re.findall(r'label="((?:[^"\\]|\\.)*)"', text):
        out, index = [], 0
        while index < len(raw):
            if raw[index] == "\\" and index + 1 < len(raw):
                nxt = raw[index + 1]
                out.append("\n" if nxt == "n" else nxt)
                index += 2
            else:
                out.append(raw[index])
                index += 1
        labels.append("".join(out))
    return labels


def test_graph_dot_labels_break_lines_and_cluster_by_set(tmp_path: Path) -> None:
    run = run_cli("graph", "--format", "dot")
    assert run.code == 0, run.stderr
    labels = [label for label in _dot_labels(run.stdout) if label.startswith("NK.")]
    assert len(labels) > 50
    for label in labels:
        assert "\\" not in label, label  # no literal backslash left after Graphviz reads it
        assert "\n" in label
    assert 'subgraph "cluster_DISC"' in run.stdout
    assert '"NK.DISC.01" [label="NK.DISC.01\\n' in run.stdout
    out = tmp_path / "g.dot"
    written = run_cli("graph", "-o", out, "--lang", "nl", "--profile", "self-check")
    assert written.code == 0 and written.stdout == ""
    assert out.read_text("utf-8").startswith("digraph normenkader")
    import shutil
    import subprocess

    if shutil.which("dot"):  # render when Graphviz is installed
        subprocess.run(["dot", "-Tsvg", "-o", str(tmp_path / "g.svg"), str(out)], check=True)


def test_explain_params_bands_checks_in_words_and_verbose_cel() -> None:
    run = run_cli("explain", "nk.disc.06")  # case-insensitive
    assert run.code == 0, run.stderr
    assert "bands (accepted range per metric):" in run.stdout
    assert "- selection_rate_ratio: [0.8, 1.25]" in run.stdout
    assert "- min_group_size: 50" in run.stdout
    assert "A group is selected clearly more or less often" in run.stdout
    disc01 = run_cli("explain", "NK.DISC.01")
    assert "params.hard_line_grounds" not in disc01.stdout  # no raw CEL without --verbose
    assert "- hard_line_grounds: [nationality, dual_nationality" in disc01.stdout
    verbose = run_cli("explain", "NK.DISC.01", "--verbose")
    assert "expr: !model_card.features.exists(" in verbose.stdout
    data = json.loads(run_cli("explain", "NK.GOV.03", "--format", "json").stdout)
    assert data["id"] == "NK.GOV.03" and data["checks"][0]["text"]
    assert "/controller" in next(e for e in data["evidence"] if e["kind"] == "raci")["reads"]


def test_unknown_names_get_a_suggestion() -> None:
    norm = run_cli("explain", "NK.DISK.01")
    assert norm.code == 3 and "did you mean NK.DISC.01?" in norm.stderr
    command = run_cli("chek", "x")
    assert command.code == 3 and "did you mean check?" in command.stderr
    kind = run_cli("schema", "modelcard")
    assert kind.code == 3 and "UNKNOWN_EVIDENCE_KIND" in kind.stderr
    assert "did you mean model-card?" in kind.stderr
    profile = run_cli("graph", "--profile", "audit-rekenkamer")
    assert profile.code == 3 and "did you mean audit?" in profile.stderr


def test_schema_kind_prints_schema_and_commented_example() -> None:
    run = run_cli("schema", "raci")
    assert run.code == 0, run.stderr
    assert '"title": "Roles and responsibilities (RACI)"' in run.stdout
    assert "dpo:  # optional; read by NK.GOV.03" in run.stdout
    example = run_cli("schema", "raci", "--example")
    import yaml

    assert "roles" in yaml.safe_load(example.stdout)
    schema = json.loads(run_cli("schema", "raci", "--json").stdout)
    assert schema["x-normenkader-form"] == "structured"
    dataset = run_cli("schema", "decisions-dataset")
    assert dataset.code == 0 and '"kind": "decisions-dataset"' in dataset.stdout


def test_format_aliases_name_the_human_format_terminal() -> None:
    for alias in ("terminal", "table", "text"):
        run = run_cli("coverage", "--format", alias)
        assert run.code in (0, 1), run.stderr
        assert run.stdout.strip()
    bad = run_cli("coverage", "--format", "tabel")
    assert bad.code == 3 and "error USAGE" in bad.stderr
