"""`normenkader test`: the norm fixture runner, on a small library of its own and on ours."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from normenkader.normtest import Case, materialise, merge_patch

NORM = """\
id: NK.TST.01
title: {nl: Er is een stopprocedure, en: There is a stop procedure}
description: {nl: Testnorm voor de runner., en: Test norm for the runner.}
severity: major
derived_from:
  - {catalogue: algoritmekader, id: "urn:nl:ak:mtr:owk-02", version: v2.5.1, strength: full}
applies_if: profile.processes_personal_data
evidence:
  stop: {kind: stop-procedure}
checks:
  - kind: expr
    expr: "stop.meta.decision_owner != 'nobody'"
    explain: {nl: Niemand beslist., en: Nobody decides.}
"""

BUNDLE = """\
bundle: {id: t-1, organisation: Test, submitted: "2026-01-01"}
system: {name: Test system}
profile: {processes_personal_data: true}
evidence:
  - id: stop
    kind: stop-procedure
    path: docs/stop.md
    date: "2026-01-01"
    meta: {decision_owner: Director}
  - {id: other, kind: document, path: docs/other.md, date: "2026-01-01"}
"""

CASES_OK = """\
norm: NK.TST.01
base: fixtures/base
cases:
  - name: owner named
    expect: {status: pass, reason: all_checks_hold}
  - name: nobody decides
    drop_evidence: [stop]
    add_evidence:
      - id: stop2
        kind: stop-procedure
        path: docs/stop.md
        date: "2026-01-01"
        meta: {decision_owner: nobody}
    expect: {status: fail, reason: check_failed}
  - name: not applicable
    manifest: {profile: {processes_personal_data: false}}
    expect: {status: not_applicable}
  - name: procedure absent
    drop_evidence: [stop]
    expect: {status: missing, reason: evidence_absent}
"""


def make_library(tmp_path: Path, cases: str) -> Path:
    library = tmp_path / "lib"
    (library / "nk" / "tst").mkdir(parents=True)
    (library / "nk" / "tst" / "NK.TST.01.yaml").write_text(NORM)
    (library / "nk" / "tst" / "NK.TST.01.test.yaml").write_text(cases)
    base = library / "fixtures" / "base"
    (base / "docs").mkdir(parents=True)
    (base / "bundle.yaml").write_text(BUNDLE)
    (base / "docs" / "stop.md").write_text("# Stop\n")
    (base / "docs" / "other.md").write_text("# Other\n")
    return library


def test_passing_suite(tmp_path: Path) -> None:
    library = make_library(tmp_path, CASES_OK)
    run = run_cli("test", library / "nk", "--coverage", "-v")
    assert run.code == 0, run.stdout + run.stderr
    assert run.stdout.splitlines()[-1] == "4 passed, 0 failed, 0 coverage problem(s)"
    assert "ok   NK.TST.01 :: nobody decides  [fail/check_failed]" in run.stdout


def test_wrong_expectation_fails_with_the_actual_status(tmp_path: Path) -> None:
    cases = CASES_OK.replace(
        "expect: {status: fail, reason: check_failed}", "expect: {status: pass}"
    )
    library = make_library(tmp_path, cases)
    run = run_cli("test", library)
    assert run.code == 1
    assert run.stdout.splitlines()[-1] == "3 passed, 1 failed"
    assert "FAIL NK.TST.01 :: nobody decides  [fail/check_failed]" in run.stdout
    assert "status fail, expected pass" in run.stdout
    assert "Nobody decides." in run.stdout


def test_wrong_reason_and_witness_are_failures(tmp_path: Path) -> None:
    cases = CASES_OK.replace(
        "expect: {status: missing, reason: evidence_absent}",
        "expect: {status: missing, reason: evidence_stale}",
    ).replace(
        "expect: {status: fail, reason: check_failed}",
        "expect: {status: fail, witness: [somebody]}",
    )
    run = run_cli("test", make_library(tmp_path, cases))
    assert run.code == 1
    assert "reason evidence_absent, expected evidence_stale" in run.stdout
    assert "witness lacks ['somebody']" in run.stdout


def test_coverage_needs_a_case_where_the_norm_does_not_hold(tmp_path: Path) -> None:
    only_pass = "\n".join(CASES_OK.splitlines()[:5]) + "\n"
    library = make_library(tmp_path, only_pass)
    plain = run_cli("test", library)
    assert plain.code == 0 and plain.stdout.splitlines()[-1] == "1 passed, 0 failed"
    covered = run_cli("test", library, "--coverage")
    assert covered.code == 1
    assert "coverage: NK.TST.01: no passing case where the norm does not hold" in covered.stdout


def test_coverage_flags_a_norm_without_tests(tmp_path: Path) -> None:
    library = make_library(tmp_path, CASES_OK)
    second = NORM.replace("NK.TST.01", "NK.TST.02")
    (library / "nk" / "tst" / "NK.TST.02.yaml").write_text(second)
    run = run_cli("test", library, "--coverage")
    assert run.code == 1
    assert "coverage: NK.TST.02: no passing case where the norm holds" in run.stdout


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ("norm: NK.TST.01\nbase: fixtures/base\ncases: []\n", "'cases' must be a non-empty list"),
        (
            "norm: NK.TST.01\nbase: fixtures/nowhere\ncases: [{name: a, expect: {status: pass}}]\n",
            "is not a bundle folder",
        ),
        (
            "norm: NK.TST.01\nbase: fixtures/base\ncases: [{name: a, expect: {status: fine}}]\n",
            "unknown status 'fine'",
        ),
        (
            "norm: NK.TST.01\nbase: ../../etc\ncases: [{name: a, expect: {status: pass}}]\n",
            "must be a relative path inside the bundle",
        ),
        (
            "norm: NK.TST.01\nbase: fixtures/base\n"
            "cases: [{name: a, colour: red, expect: {status: pass}}]\n",
            "unknown key 'colour'",
        ),
    ],
)
def test_invalid_test_file_is_rejected_with_its_position(
    tmp_path: Path, broken: str, message: str
) -> None:
    library = make_library(tmp_path, broken)
    run = run_cli("test", library)
    assert run.code == 3
    line = run.stderr.strip()
    assert line.startswith("error NORMTEST_INVALID: ") and "NK.TST.01.test.yaml:" in line
    assert message in line
    assert "Traceback" not in run.stderr


def test_unknown_dropped_evidence_is_a_failed_case(tmp_path: Path) -> None:
    cases = CASES_OK.replace(
        "drop_evidence: [stop]\n    expect", "drop_evidence: [stopp]\n    expect"
    )
    run = run_cli("test", make_library(tmp_path, cases))
    assert run.code == 1
    assert "drop_evidence names unknown evidence 'stopp'" in run.stdout


def test_merge_patch_follows_rfc_7396() -> None:
    assert merge_patch({"a": "b"}, {"a": "c"}) == {"a": "c"}
    assert merge_patch({"a": "b"}, {"b": "c"}) == {"a": "b", "b": "c"}
    assert merge_patch({"a": "b"}, {"a": None}) == {}
    assert merge_patch({"a": ["b"]}, {"a": "c"}) == {"a": "c"}
    assert merge_patch({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}) == {"a": {"b": "d"}}
    assert merge_patch({"e": None}, {"a": 1}) == {"e": None, "a": 1}
    assert merge_patch(["a"], {"a": "b"}) == {"a": "b"}


def test_materialise_mutations(tmp_path: Path) -> None:
    base = make_library(tmp_path, CASES_OK) / "fixtures" / "base"
    case = Case(
        name="x",
        where="t",
        expect_status="pass",
        files={"docs/new.yaml": {"a": [1, "2026-01-01"]}, "docs/other.md": None},
        manifest={"system": {"name": "Renamed"}},
        drop_evidence=("stop",),
    )
    out = materialise(base, case, tmp_path / "out")
    manifest = (out / "bundle.yaml").read_text()
    assert "Renamed" in manifest and "id: stop\n" not in manifest and "id: other" in manifest
    assert not (out / "docs" / "stop.md").exists()  # dropped with its entry
    assert not (out / "docs" / "other.md").exists()  # files: null deletes
    assert "'2026-01-01'" in (out / "docs" / "new.yaml").read_text()  # dates stay strings
    trimmed = materialise(
        base,
        Case(name="y", where="t", expect_status="pass"),
        tmp_path / "o2",
        frozenset({"stop-procedure"}),
    )
    assert "kind: document" not in (trimmed / "bundle.yaml").read_text()
    assert (trimmed / "docs" / "stop.md").is_file() and not (trimmed / "docs" / "other.md").exists()
    assert (base / "docs" / "stop.md").is_file(), "the base bundle is never modified"


def test_shipped_library_passes_with_coverage() -> None:
    run = run_cli("test", ROOT / "norms", "--coverage", timeout=600)
    assert run.code == 0, run.stdout[-3000:] + run.stderr
    last = run.stdout.splitlines()[-1]
    assert last.endswith(" 0 failed, 0 coverage problem(s)")
    assert int(last.split()[0]) >= 250


def test_a_single_norm_file_runs_its_tests() -> None:
    run = run_cli("test", ROOT / "norms" / "nk" / "disc" / "NK.DISC.01.yaml")
    assert run.code == 0, run.stdout
    assert run.stdout.splitlines()[-1] == "13 passed, 0 failed"
