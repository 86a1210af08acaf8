"""Exit codes of design 6.7 through the real CLI; bad input is one line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import AS_OF, edit_yaml, run_cli


def check(bundle: Path, norms: Path, *extra: str):
    return run_cli("check", bundle, "--norms", norms, "--as-of", AS_OF, *extra)


def assert_rejected(run, code: str, *fragments: str) -> None:
    assert run.code == 3, (run.code, run.stdout, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith(f"error {code}:"), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "Traceback" not in run.stderr


def test_exit_0_when_compliant(bundle: Path, norms: Path) -> None:
    assert check(bundle, norms).code == 0


def test_exit_1_when_non_compliant(bundle: Path, norms: Path) -> None:
    edit_yaml(
        bundle / "model" / "model_card.yaml",
        lambda d: d["features"].append({"name": "nat", "protected_ground": "nationality"}),
    )
    assert check(bundle, norms).code == 1


def test_exit_2_beats_exit_1(bundle: Path, norms: Path) -> None:
    edit_yaml(
        bundle / "model" / "model_card.yaml",
        lambda d: d["features"].append({"name": "nat", "protected_ground": "nationality"}),
    )
    path = norms / "TST.A.03.yaml"
    path.write_text(
        path.read_text()
        .replace('expr: "false"', 'expr: "1 / 0 == 1"')
        .replace('applies_if: "profile.automated_selection && profile.processes_personal_data"', "")
    )
    run = check(bundle, norms)
    assert run.code == 2


def test_exit_3_bundle_does_not_exist(tmp_path: Path, norms: Path) -> None:
    assert_rejected(check(tmp_path / "nope", norms), "BUNDLE_UNREADABLE", "nope")


def test_exit_3_folder_without_manifest(tmp_path: Path, norms: Path) -> None:
    assert_rejected(check(tmp_path, norms), "MANIFEST_MISSING")


def test_exit_3_invalid_yaml_names_file_line_column(bundle: Path, norms: Path) -> None:
    (bundle / "bundle.yaml").write_text("bundle: {id: x\nsystem: [\n")
    assert_rejected(check(bundle, norms), "YAML_SYNTAX", "bundle.yaml:")


def test_exit_3_duplicate_key(bundle: Path, norms: Path) -> None:
    text = (bundle / "bundle.yaml").read_text()
    (bundle / "bundle.yaml").write_text(text + "profile: {}\n")
    assert_rejected(check(bundle, norms), "YAML_DUPLICATE_KEY", "profile")


def test_exit_3_schema_violation_names_pointer(bundle: Path, norms: Path) -> None:
    edit_yaml(bundle / "bundle.yaml", lambda d: d["profile"].update(automated_selection="yes"))
    assert_rejected(
        check(bundle, norms), "MANIFEST_INVALID", "/profile/automated_selection", "bundle.yaml:"
    )


def test_exit_3_evidence_path_outside_bundle(bundle: Path, norms: Path) -> None:
    edit_yaml(bundle / "bundle.yaml", lambda d: d["evidence"][0].update(path="../etc/passwd"))
    assert_rejected(check(bundle, norms), "PATH_TRAVERSAL")


def test_exit_3_lookalike_id(bundle: Path, norms: Path) -> None:
    edit_yaml(bundle / "bundle.yaml", lambda d: d["evidence"][0].update(id="model\u2010card"))
    run = check(bundle, norms)
    assert run.code == 3 and "Traceback" not in run.stderr
    assert "U+2010" in run.stderr or "MANIFEST_INVALID" in run.stderr


def test_exit_3_unknown_norm_id_on_command_line(bundle: Path, norms: Path) -> None:
    assert_rejected(check(bundle, norms, "--only", "NK.NOPE.99"), "UNKNOWN_NORM", "NK.NOPE.99")
    assert_rejected(run_cli("explain", "NK.NOPE.99", "--norms", norms), "UNKNOWN_NORM")


def test_exit_3_bad_as_of(bundle: Path, norms: Path) -> None:
    assert_rejected(check(bundle, norms, "--as-of", "yesterday"), "USAGE", "--as-of")


def test_exit_3_invalid_norm_file(bundle: Path, norms: Path) -> None:
    path = norms / "TST.A.02.yaml"
    path.write_text(path.read_text().replace("severity: major", "severity: huge"))
    run = check(bundle, norms)
    assert_rejected(run, "NORM_INVALID", "TST.A.02.yaml:")


def test_exit_4_internal_error_is_one_line(bundle: Path, norms: Path) -> None:
    """Fault injection: an unexpected exception inside the engine is exit 4, one line."""
    code = (
        "import sys, normenkader.engine as e\n"
        "def boom(*a, **k):\n    raise RuntimeError('injected fault')\n"
        "e.evaluate = boom\n"
        "from normenkader.cli import main\n"
        f"main(['check', {str(bundle)!r}, '--norms', {str(norms)!r}, '--as-of', '{AS_OF}'])\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ)
    )
    assert completed.returncode == 4
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error INTERNAL:"), completed.stderr
    assert "injected fault" in lines[0]


@pytest.mark.parametrize("fmt", ["json", "terminal"])
def test_output_file_is_written_atomically(
    bundle: Path, norms: Path, tmp_path: Path, fmt: str
) -> None:
    target = tmp_path / f"report.{fmt}"
    run = check(bundle, norms, "--format", fmt, "-o", target)
    assert run.code == 0
    assert target.read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report")] == []


def test_output_into_missing_folder_is_rejected(bundle: Path, norms: Path, tmp_path: Path) -> None:
    assert_rejected(check(bundle, norms, "-o", tmp_path / "no" / "r.json"), "OUTPUT_INVALID")
