"""``normenkader init`` makes a bundle to start from, and never overwrites; ``validate``
refuses its placeholders until they are replaced."""

from __future__ import annotations

from pathlib import Path

import yaml

from conftest import EXAMPLES, run_cli


def test_init_creates_a_working_bundle_whose_placeholders_validate_refuses(
    tmp_path: Path,
) -> None:
    target = tmp_path / "new"
    run = run_cli("init", target)
    assert run.code == 0, run.stderr
    assert (target / "bundle.yaml").is_file()
    assert any((target / "templates").glob("model-card.yaml"))
    untouched = run_cli("validate", target)
    assert untouched.code == 3
    assert "error PLACEHOLDER_LEFT: bundle.yaml: /bundle/organisation:" in untouched.stderr
    assert "every profile fact is false" in untouched.stdout
    manifest = target / "bundle.yaml"
    text = manifest.read_text("utf-8").replace("CHANGE ME", "Gemeente Havenstad")
    manifest.write_text(text.replace("CHANGE-ME", "gm0001-test"), "utf-8")
    filled = run_cli("validate", target, "--format", "json")
    assert filled.code == 0, filled.stdout + filled.stderr
    assert '"code": "all_false"' in filled.stdout


def test_templates_hold_the_fields_norms_read_with_comments(tmp_path: Path) -> None:
    target = tmp_path / "new"
    assert run_cli("init", target).code == 0
    raci = (target / "templates" / "raci.yaml").read_text("utf-8")
    # optional fields the study's team only found in the schema (NK.GOV.03 reads them)
    for field in ("controller:", "dpo:", "processors:"):
        line = next(row for row in raci.splitlines() if row.startswith(field))
        assert "read by NK.GOV.03" in line, line
    card = (target / "templates" / "model-card.yaml").read_text("utf-8")
    protected = next(row for row in card.splitlines() if "protected_ground:" in row)
    assert "NK.DISC.01" in protected and "one of: none, nationality" in protected
    # fields no norm reads stay visible, commented out
    assert "# owner: TODO  # optional" in card
    for path in (target / "templates").glob("*.yaml"):
        yaml.safe_load(path.read_text("utf-8"))  # every template is valid YAML


def test_init_with_facts_puts_the_needed_evidence_in_place(tmp_path: Path) -> None:
    target = tmp_path / "new"
    run = run_cli(
        "init", target, "--fact", "processes_personal_data", "--fact", "automated_selection"
    )
    assert run.code == 0, run.stderr
    manifest = yaml.safe_load((target / "bundle.yaml").read_text("utf-8"))
    assert manifest["profile"]["automated_selection"] is True
    kinds = {entry["kind"] for entry in manifest["evidence"]}
    assert {"model-card", "raci", "legal-basis"} <= kinds
    for entry in manifest["evidence"]:
        assert (target / entry["path"]).is_file()
    check = run_cli("check", target, "--as-of", manifest["bundle"]["submitted"])
    assert "no evidence of kind 'model-card'" not in check.stdout
    assert run_cli("validate", target).code == 3  # the TODOs are still there


def test_init_unknown_fact_suggests_the_name(tmp_path: Path) -> None:
    run = run_cli("init", tmp_path / "new", "--fact", "automated_selectoin")
    assert run.code == 3
    assert "error UNKNOWN_FACT" in run.stderr
    assert "did you mean automated_selection?" in run.stderr
    assert not (tmp_path / "new").exists()


def test_validate_several_bundles_json_and_as_of() -> None:
    run = run_cli(
        "validate",
        EXAMPLES / "compliant",
        EXAMPLES / "toeslagen",
        "--format",
        "json",
        "--as-of",
        "2026-11-01",
    )
    assert run.code == 0, run.stderr
    import json

    reports = json.loads(run.stdout)
    assert [r["bundle"]["source"].rsplit("/", 1)[-1] for r in reports] == [
        "compliant",
        "toeslagen",
    ]
    assert any(w["code"] == "future" for w in reports[0]["warnings"])
    text = run_cli("validate", EXAMPLES / "compliant", "--format", "text", "--lang", "nl")
    assert text.code == 0 and text.stdout.startswith("bundel ")


def test_init_refuses_a_folder_with_files(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("precious")
    run = run_cli("init", tmp_path)
    assert run.code == 3
    assert run.stderr.startswith("error OUTPUT_EXISTS:")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
