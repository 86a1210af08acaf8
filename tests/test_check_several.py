"""`normenkader check B1 B2 ...`: several bundles against one compiled norm set."""

from __future__ import annotations

from pathlib import Path

from conftest import AS_OF, EXAMPLES, run_cli

COMPLIANT, FSV = EXAMPLES / "compliant", EXAMPLES / "fsv"


def test_each_report_in_turn_and_the_highest_exit_code(tmp_path: Path) -> None:
    both = run_cli("check", COMPLIANT, FSV, "--as-of", AS_OF)
    assert both.code == 1, both.stderr  # compliant exits 0, fsv 1
    assert both.stdout.index(f"== {COMPLIANT}") < both.stdout.index(f"== {FSV}")
    with_missing = run_cli("check", COMPLIANT, tmp_path / "absent", FSV, "--as-of", AS_OF)
    assert with_missing.code == 3  # a rejected bundle is reported and the others still run
    assert with_missing.stderr.count("error BUNDLE_UNREADABLE") == 1
    assert f"== {FSV}" in with_missing.stdout and "Traceback" not in with_missing.stderr


def test_one_file_per_bundle_equal_to_a_single_check(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    made = run_cli("check", COMPLIANT, FSV, "--as-of", AS_OF, "--format", "json", "-o", out)
    assert made.code == 1, made.stderr
    assert sorted(p.name for p in out.iterdir()) == ["compliant.json", "fsv.json"]
    for bundle in (COMPLIANT, FSV):
        single = tmp_path / f"{bundle.name}-single.json"
        run_cli("check", bundle, "--as-of", AS_OF, "-o", single)
        assert (out / f"{bundle.name}.json").read_bytes() == single.read_bytes()


def test_options_of_one_bundle_are_refused_before_any_work(tmp_path: Path) -> None:
    cases = [
        (("--format", "json"), "error USAGE"),  # several JSON documents need a folder
        (("--baseline", tmp_path / "old.json"), "error USAGE"),
        (("-o", tmp_path / "file.json"), "error OUTPUT_INVALID"),
    ]
    for extra, code in cases:
        refused = run_cli("check", COMPLIANT, FSV, "--as-of", AS_OF, *extra)
        assert refused.code == 3 and refused.stderr.startswith(code), (extra, refused.stderr)
        assert refused.stdout == ""
    assert not (tmp_path / "file.json").exists()
    same = run_cli("check", COMPLIANT, tmp_path / "x" / "compliant", "-o", tmp_path)
    assert same.code == 3 and "same name" in same.stderr
