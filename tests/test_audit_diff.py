"""`normenkader diff` and the baseline (ratchet) mode of `check --baseline`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit_bundle_fixtures import AS_OF, write_bundle, write_norms
from audit_report_fixtures import sample_result
from conftest import run_cli
from normenkader.audit.diff import baseline_ignore, compare, load_result
from normenkader.errors import InputError
from normenkader.results import Status


def result_file(bundle: Path, norms: Path, out: Path, *extra: str) -> int:
    run = run_cli(
        "check", bundle, "--norms", norms, "--as-of", AS_OF, "--format", "json", "-o", out, *extra
    )
    assert "Traceback" not in run.stderr
    return run.code


@pytest.fixture
def two_results(tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    """OLD: only NK.TST.03 fails. NEW: the policy is no longer approved (TST.01 fails,
    TST.02 is blocked)."""
    norms = write_norms(tmp_path)
    bundle = write_bundle(tmp_path, approved=True)
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    assert result_file(bundle, norms, old) == 1
    (bundle / "bundle.yaml").write_text(
        (bundle / "bundle.yaml").read_text().replace("approved: true", "approved: false")
    )
    assert result_file(bundle, norms, new) == 1
    return norms, bundle, old, new


def test_diff_lists_new_fixed_and_changed(two_results) -> None:
    _, _, old, new = two_results
    run = run_cli("diff", old, new, "--format", "json")
    assert run.code == 1
    report = json.loads(run.stdout)
    # review -> blocked is a new problem, as for check --baseline (docs/workflows.md)
    assert [c["norm_id"] for c in report["new_problems"]] == ["NK.TST.01", "NK.TST.02"]
    assert report["new_problems"][0]["old"] == {"status": "pass", "reason": "all_checks_hold"}
    assert report["new_problems"][0]["new"] == {"status": "fail", "reason": "check_failed"}
    assert report["new_problems"][1]["old"]["status"] == "review"
    assert report["new_problems"][1]["new"]["status"] == "blocked"
    assert report["changed"] == []
    assert report["fixed"] == []
    back = run_cli("diff", new, old)
    assert back.code == 0
    assert "fixed: 1" in back.stdout and "NK.TST.01" in back.stdout
    assert "new problems: 0" in back.stdout


def test_diff_rejects_a_non_result(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text('{"format": "something-else"}')
    run = run_cli("diff", bad, bad)
    assert run.code == 3
    assert run.stderr.startswith("error RESULT_INVALID: ")


def test_baseline_fails_only_on_new_problems(two_results, tmp_path: Path) -> None:
    norms, bundle, old, new = two_results
    # against its own result as baseline: nothing is new
    assert result_file(bundle, norms, tmp_path / "a.json", "--baseline", new) == 0
    # against OLD: TST.01 fails and TST.02 is blocked anew -> exit 1
    assert result_file(bundle, norms, tmp_path / "b.json", "--baseline", old) == 1
    # the ratchet holds per norm: with --fail-on fail only, TST.01 is still new
    assert (
        result_file(bundle, norms, tmp_path / "c.json", "--baseline", old, "--fail-on", "fail") == 1
    )
    # and with --min-severity blocker, the new major/minor problems do not count
    assert (
        result_file(
            bundle, norms, tmp_path / "d.json", "--baseline", old, "--min-severity", "blocker"
        )
        == 0
    )


def test_baseline_never_ignores_errors_and_waived_is_not_known(tmp_path: Path) -> None:
    result = sample_result()
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(result.to_dict()))
    ignored = baseline_ignore(result, baseline)
    assert ignored == {"NK.DATA.01", "NK.DATA.02", "NK.DATA.03", "NK.DISC.01", "NK.DISC.02"}
    assert "NK.PRIV.02" not in ignored  # error
    # a waiver that lapsed: the problem was waived in the baseline, so it counts as new
    lapsed = sample_result()
    waived = next(f for f in lapsed.findings if f.norm_id == "NK.GOV.01")
    waived.status, waived.waiver = Status.FAIL, None
    assert "NK.GOV.01" not in baseline_ignore(lapsed, baseline)


def test_compare_library(tmp_path: Path) -> None:
    old = sample_result().to_dict()
    new = sample_result().to_dict()
    new["findings"] = [f for f in new["findings"] if f["norm_id"] != "NK.PRIV.01"]
    new["findings"][0]["status"] = "pass"  # NK.DATA.01 fixed
    diff = compare(old, new)
    assert [c.norm_id for c in diff.fixed] == ["NK.DATA.01"]
    assert diff.removed == ["NK.PRIV.01"]
    assert diff.new_problems == []
    path = tmp_path / "r.json"
    path.write_text("[]")
    with pytest.raises(InputError):
        load_result(path)
