"""Waivers (design 6.5) through the real CLI and the library: expiry at the as-of date,
approver = author, non-waivable norms, scope, policy length, malformed files (exit 3)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml

from audit_bundle_fixtures import AS_OF, write_bundle, write_norms
from conftest import run_cli
from normenkader.audit.waivers import lint_waivers, load_waivers
from normenkader.errors import InputError

BUNDLE_ID = "gm0001-test-2026-001"
SYSTEM = "00000042"


def waiver(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "id": "W-1",
        "norm": "NK.TST.01",
        "scope": {"system": SYSTEM},
        "justification": "Policy approval is scheduled for the December board.",
        "author": "J. de Vries",
        "approver": "M. Bakker",
        "issued": "2026-10-01",
        "expires": "2026-11-29",
    }
    data.update(overrides)
    return data


def write_waivers(path: Path, *entries: dict[str, object]) -> Path:
    path.write_text(yaml.safe_dump({"version": 1, "waivers": list(entries)}, sort_keys=False))
    return path


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    """Norms and a bundle where NK.TST.01 fails (policy not approved)."""
    return write_norms(tmp_path), write_bundle(tmp_path, approved=False)


def check_json(bundle: Path, norms: Path, *extra: str | Path, as_of: str = AS_OF):
    out = bundle.parent / "result.json"
    run = run_cli(
        "check", bundle, "--norms", norms, "--as-of", as_of, "--format", "json", "-o", out, *extra
    )
    assert "Traceback" not in run.stderr, run.stderr
    result = json.loads(out.read_text()) if out.exists() else None
    if out.exists():
        out.unlink()
    return run, result


def finding(result: dict, norm_id: str) -> dict:
    return next(f for f in result["findings"] if f["norm_id"] == norm_id)


def test_waiver_valid_on_its_expiry_date_and_lapses_the_day_after(setup, tmp_path: Path) -> None:
    norms, bundle = setup
    file = write_waivers(tmp_path / "waivers.yaml", waiver(expires="2026-11-29"))
    run, result = check_json(bundle, norms, "--waivers", file, as_of="2026-11-29")
    waived = finding(result, "NK.TST.01")
    assert waived["status"] == "waived"
    assert waived["original_status"] == "fail"
    assert waived["reason"] == "waiver_applied"
    assert waived["waiver"]["approver"] == "M. Bakker"
    assert waived["waiver"]["expires"] == "2026-11-29"
    assert waived["waiver"]["original_reason"] == "check_failed"
    # the waived prerequisite lets its dependant run: review, not blocked
    assert finding(result, "NK.TST.02")["status"] == "review"
    assert result["inputs"]["waivers"].startswith("sha256:")
    assert run.code == 1  # NK.TST.03 still fails (it is not waivable)

    run, result = check_json(bundle, norms, "--waivers", file, as_of="2026-11-30")
    expired = finding(result, "NK.TST.01")
    assert expired["status"] == "fail"
    assert expired["waiver"] is None
    assert finding(result, "NK.TST.02")["status"] == "blocked"
    codes = {(n["code"], n["id"]) for n in result["notices"]}
    assert ("waiver_expired", "W-1") in codes


def test_waiver_not_yet_issued_at_as_of_does_nothing(setup, tmp_path: Path) -> None:
    norms, bundle = setup
    file = write_waivers(tmp_path / "w.yaml", waiver(issued="2026-12-01", expires="2027-01-31"))
    _, result = check_json(bundle, norms, "--waivers", file)
    assert finding(result, "NK.TST.01")["status"] == "fail"
    assert [n["code"] for n in result["notices"]] == ["waiver_not_yet_valid"]


@pytest.mark.parametrize("approver", ["J. de Vries", "  j. DE  vries "])
def test_approver_equal_to_author_is_refused(setup, tmp_path: Path, approver: str) -> None:
    norms, bundle = setup
    file = write_waivers(tmp_path / "w.yaml", waiver(approver=approver))
    _, result = check_json(bundle, norms, "--waivers", file)
    assert finding(result, "NK.TST.01")["status"] == "fail"
    notice = result["notices"][0]
    assert (notice["code"], notice["detail"]) == ("waiver_refused", "approver_is_author")


@pytest.mark.parametrize(
    "approver",
    [
        "J. de Vr\u0456es",  # Cyrillic i
        "J. de\u200bVries",  # zero-width space
        "\uff2a. \uff44\uff45 \uff36\uff52\uff49\uff45\uff53",  # fullwidth
        "J de Vries",  # punctuation
        "J. de Vries (approver)",  # a qualifier
        "j.DE.vr\u00ecEs\ufe0f",  # accent and variation selector
    ],
)
def test_disguised_self_approval_is_refused_by_the_loader(tmp_path: Path, approver: str) -> None:
    file = write_waivers(tmp_path / "w.yaml", waiver(approver=approver))
    loaded = load_waivers(file, None, {"NK.TST.01": True})
    assert loaded.refused == {"W-1": "approver_is_author"}
    other = write_waivers(tmp_path / "o.yaml", waiver(approver="J. de Vos"))
    assert load_waivers(other, None, {"NK.TST.01": True}).refused == {}


def test_non_waivable_norm_cannot_be_waived(setup, tmp_path: Path) -> None:
    norms, bundle = setup
    file = write_waivers(tmp_path / "w.yaml", waiver(norm="NK.TST.03"))
    run, result = check_json(bundle, norms, "--waivers", file)
    assert finding(result, "NK.TST.03")["status"] == "fail"
    assert finding(result, "NK.TST.03")["waiver"] is None
    assert result["notices"][0]["detail"] == "not_waivable"
    assert run.code == 1


def test_out_of_scope_waiver_is_reported(setup, tmp_path: Path) -> None:
    norms, bundle = setup
    file = write_waivers(
        tmp_path / "w.yaml",
        waiver(id="W-other-system", scope={"system": "99999999"}),
        waiver(id="W-other-bundle", scope={"system": SYSTEM, "bundle": "gm0001-other"}),
    )
    _, result = check_json(bundle, norms, "--waivers", file)
    assert finding(result, "NK.TST.01")["status"] == "fail"
    assert sorted((n["code"], n["id"]) for n in result["notices"]) == [
        ("waiver_out_of_scope", "W-other-bundle"),
        ("waiver_out_of_scope", "W-other-system"),
    ]


def test_bundle_scope_applies(setup, tmp_path: Path) -> None:
    norms, bundle = setup
    file = write_waivers(tmp_path / "w.yaml", waiver(scope={"bundle": BUNDLE_ID}))
    _, result = check_json(bundle, norms, "--waivers", file)
    assert finding(result, "NK.TST.01")["status"] == "waived"


def test_policy_bounds_the_length(setup, tmp_path: Path) -> None:
    norms, bundle = setup
    file = write_waivers(tmp_path / "w.yaml", waiver(issued="2026-10-01", expires="2027-09-30"))
    # default policy: at most one year -> allowed
    _, result = check_json(bundle, norms, "--waivers", file)
    assert finding(result, "NK.TST.01")["status"] == "waived"
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\nmax_duration: P6M\n")
    _, result = check_json(bundle, norms, "--waivers", file, "--waiver-policy", policy)
    assert finding(result, "NK.TST.01")["status"] == "fail"
    assert result["notices"][0]["detail"] == "exceeds_max_duration"


def test_unused_waiver_on_a_passing_norm_is_reported(tmp_path: Path) -> None:
    norms, bundle = write_norms(tmp_path), write_bundle(tmp_path, approved=True)
    file = write_waivers(tmp_path / "w.yaml", waiver())
    _, result = check_json(bundle, norms, "--waivers", file)
    assert finding(result, "NK.TST.01")["status"] == "pass"
    assert [n["code"] for n in result["notices"]] == ["waiver_unused"]


MALFORMED = {
    "missing expires": "version: 1\nwaivers:\n  - {id: W, norm: NK.TST.01, scope: {system: x}, "
    "justification: j, author: a, approver: b, issued: 2026-01-01}\n",
    "unknown field": "version: 1\nwaivers:\n  - {id: W, norm: NK.TST.01, scope: {system: x}, "
    "justification: j, author: a, approver: b, issued: 2026-01-01, expires: 2026-02-01, "
    "forever: true}\n",
    "expiry before issue": "version: 1\nwaivers:\n  - {id: W, norm: NK.TST.01, scope: {system: x},"
    " justification: j, author: a, approver: b, issued: 2026-03-01, expires: 2026-02-01}\n",
    "bad date": "version: 1\nwaivers:\n  - {id: W, norm: NK.TST.01, scope: {system: x}, "
    "justification: j, author: a, approver: b, issued: 2026-02-30, expires: 2026-03-01}\n",
    "no scope": "version: 1\nwaivers:\n  - {id: W, norm: NK.TST.01, scope: {}, "
    "justification: j, author: a, approver: b, issued: 2026-01-01, expires: 2026-02-01}\n",
    "no version": "waivers: []\n",
    "not a list": "version: 1\nwaivers: {id: W}\n",
    "bad norm id": "version: 1\nwaivers:\n  - {id: W, norm: 'NK TST 1', scope: {system: x}, "
    "justification: j, author: a, approver: b, issued: 2026-01-01, expires: 2026-02-01}\n",
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_waiver_file_is_rejected_with_position(tmp_path: Path, case: str) -> None:
    file = tmp_path / "w.yaml"
    file.write_text(MALFORMED[case])
    with pytest.raises(InputError) as caught:
        load_waivers(file, None, {"NK.TST.01": True})
    assert caught.value.code == "WAIVER_INVALID", case
    assert caught.value.exit_code == 3
    assert caught.value.where is not None and caught.value.where.startswith(f"{file}:")


def test_malformed_waiver_file_is_exit_3_one_line(setup, tmp_path: Path) -> None:
    norms, bundle = setup
    file = tmp_path / "w.yaml"
    file.write_text(MALFORMED["expiry before issue"])
    run = run_cli("check", bundle, "--norms", norms, "--as-of", AS_OF, "--waivers", file)
    assert run.code == 3, (run.stdout, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    # the position is that of the offending value (col 121 in the one-line flow mapping)
    assert lines[0] == f"error WAIVER_INVALID: {file}:3:121: 'expires' lies before 'issued'"
    assert run.stdout == ""


def test_duplicate_key_and_duplicate_id_rejected(tmp_path: Path) -> None:
    dup_key = tmp_path / "a.yaml"
    dup_key.write_text("version: 1\nversion: 1\nwaivers: []\n")
    with pytest.raises(InputError) as caught:
        load_waivers(dup_key, None, {})
    assert caught.value.code == "YAML_DUPLICATE_KEY"
    dup_id = write_waivers(tmp_path / "b.yaml", waiver(), waiver())
    with pytest.raises(InputError, match="used twice") as caught:
        load_waivers(dup_id, None, {"NK.TST.01": True})
    assert caught.value.code == "WAIVER_INVALID"
    assert caught.value.where is not None and caught.value.where.startswith(f"{dup_id}:")


def test_malformed_policy_is_exit_3(setup, tmp_path: Path) -> None:
    norms, bundle = setup
    file = write_waivers(tmp_path / "w.yaml", waiver())
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\nmax_duration: 1 year\n")
    run = run_cli(
        "check",
        bundle,
        "--norms",
        norms,
        "--as-of",
        AS_OF,
        "--waivers",
        file,
        "--waiver-policy",
        policy,
    )
    assert run.code == 3
    assert run.stderr.startswith("error WAIVER_POLICY_INVALID: "), run.stderr


def test_lint_reports_unknown_expired_and_soon_expiring(tmp_path: Path) -> None:
    norms = write_norms(tmp_path)
    file = write_waivers(
        tmp_path / "w.yaml",
        waiver(id="W-ok", expires="2027-06-30"),
        waiver(id="W-soon", expires="2026-12-10"),
        waiver(id="W-expired", expires="2026-11-01"),
        waiver(id="W-unknown", norm="NK.TST.77", expires="2027-06-30"),
        waiver(id="W-hard", norm="NK.TST.03", expires="2027-06-30"),
    )
    run = run_cli("waivers", "lint", file, "--norms", norms, "--as-of", AS_OF)
    assert run.code == 1, run.stderr
    lines = run.stdout.strip().splitlines()
    by_id = {line.split(": ")[2].split()[0]: line for line in lines}
    assert set(by_id) == {"W-soon", "W-expired", "W-unknown", "W-hard"}
    assert "warning waiver_expires_soon (2026-12-10)" in by_id["W-soon"]
    assert "error waiver_expired" in by_id["W-expired"]
    assert "error waiver_refused (unknown_norm)" in by_id["W-unknown"]
    assert "error waiver_refused (not_waivable)" in by_id["W-hard"]
    assert by_id["W-soon"].startswith(f"{file}:")
    # only a soon-expiring waiver: warnings do not fail the lint
    clean = write_waivers(tmp_path / "c.yaml", waiver(id="W-soon", expires="2026-12-10"))
    assert run_cli("waivers", "lint", clean, "--norms", norms, "--as-of", AS_OF).code == 0


def test_lint_missing_field_is_exit_3(tmp_path: Path) -> None:
    norms = write_norms(tmp_path)
    file = tmp_path / "w.yaml"
    file.write_text(MALFORMED["missing expires"])
    run = run_cli("waivers", "lint", file, "--norms", norms, "--as-of", AS_OF)
    assert run.code == 3
    assert "missing field 'expires'" in run.stderr
    assert f"{file}:3:" in run.stderr


def test_lint_library_judges_at_the_given_date(tmp_path: Path) -> None:
    file = write_waivers(tmp_path / "w.yaml", waiver(expires="2026-12-31"))
    known = {"NK.TST.01": True}
    assert lint_waivers(file, None, known, date(2026, 11, 1)) == []
    (soon,) = lint_waivers(file, None, known, date(2026, 12, 15))
    assert soon["code"] == "waiver_expires_soon"
    (gone,) = lint_waivers(file, None, known, date(2027, 1, 1))
    assert gone["code"] == "waiver_expired"
