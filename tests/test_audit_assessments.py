"""Judgements (design 6.6): recorded with `normenkader assess`, pinned to evidence digests,
lapsing back to review when one byte of the judged evidence changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from audit_bundle_fixtures import AS_OF, write_bundle, write_norms
from conftest import run_cli
from normenkader.audit.assessments import load_assessments
from normenkader.errors import InputError


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    return write_norms(tmp_path), write_bundle(tmp_path)


def assess(
    bundle: Path,
    norms: Path,
    file: Path,
    *extra: str,
    verdict: str = "pass",
    day: str = "2026-11-28",
    norm: str = "NK.TST.02",
):
    return run_cli(
        "assess",
        bundle,
        "--norms",
        norms,
        "--norm",
        norm,
        "--verdict",
        verdict,
        "--note",
        "Procedure sampled: 20 cases, followed.",
        "--assessor",
        "A. Jansen (ADR)",
        "--file",
        file,
        "--date",
        day,
        *extra,
    )


def check(bundle: Path, norms: Path, *extra: str | Path, as_of: str = AS_OF):
    out = bundle.parent / "result.json"
    run = run_cli(
        "check", bundle, "--norms", norms, "--as-of", as_of, "--format", "json", "-o", out, *extra
    )
    assert "Traceback" not in run.stderr, run.stderr
    result = json.loads(out.read_text())
    out.unlink()
    return run, result


def finding(result: dict, norm_id: str) -> dict:
    return next(f for f in result["findings"] if f["norm_id"] == norm_id)


def test_judgement_decides_review_and_lapses_after_one_byte_changes(setup, tmp_path) -> None:
    norms, bundle = setup
    file = tmp_path / "assessments.yaml"
    recorded = assess(bundle, norms, file)
    assert recorded.code == 0, recorded.stderr
    _, before = check(bundle, norms)
    assert finding(before, "NK.TST.02")["status"] == "review"  # without the file: open
    pinned = load_assessments(file).assessments[0].evidence
    digest = finding(before, "NK.TST.02")["evidence"][0]["sha256"]
    assert pinned == {"procedure": f"sha256:{digest}"}

    _, judged = check(bundle, norms, "--assessments", file)
    decided = finding(judged, "NK.TST.02")
    assert (decided["status"], decided["reason"]) == ("pass", "judgement_recorded")
    assert decided["judgement"]["assessor"] == "A. Jansen (ADR)"
    assert decided["judgement"]["lapsed"] is False
    assert judged["inputs"]["assessments"].startswith("sha256:")

    procedure = bundle / "docs" / "procedure.md"
    data = bytearray(procedure.read_bytes())
    data[0] ^= 0x01  # one byte
    procedure.write_bytes(bytes(data))
    _, after = check(bundle, norms, "--assessments", file)
    lapsed = finding(after, "NK.TST.02")
    assert (lapsed["status"], lapsed["reason"]) == ("review", "judgement_lapsed")
    assert lapsed["judgement"]["lapsed"] is True
    (change,) = lapsed["judgement"]["changed"]
    assert change["id"] == "procedure"
    assert change["judged"] == f"sha256:{digest}"
    assert change["now"] != change["judged"]
    assert "procedure" in lapsed["message"]["en"]
    assert [n["code"] for n in after["notices"]] == ["judgement_lapsed"]


def test_fail_verdict_fails_the_norm(setup, tmp_path) -> None:
    norms, bundle = setup
    file = tmp_path / "a.yaml"
    assert assess(bundle, norms, file, verdict="fail").code == 0
    run, result = check(bundle, norms, "--assessments", file)
    assert finding(result, "NK.TST.02")["status"] == "fail"
    assert run.code == 1


def test_judgement_dated_after_as_of_does_not_count(setup, tmp_path) -> None:
    norms, bundle = setup
    file = tmp_path / "a.yaml"
    assert assess(bundle, norms, file, day="2026-12-05").code == 0
    _, result = check(bundle, norms, "--assessments", file)
    assert finding(result, "NK.TST.02")["status"] == "review"
    assert [n["code"] for n in result["notices"]] == ["judgement_not_yet_recorded"]
    _, later = check(bundle, norms, "--assessments", file, as_of="2026-12-06")
    assert finding(later, "NK.TST.02")["status"] == "pass"


def test_scope_bundle_by_default_system_with_carry_over(setup, tmp_path) -> None:
    norms, bundle = setup
    only_bundle, carried = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert assess(bundle, norms, only_bundle).code == 0
    assert assess(bundle, norms, carried, "--carry-over").code == 0
    manifest = bundle / "bundle.yaml"
    data = yaml.safe_load(manifest.read_text())
    data["bundle"]["id"] = "gm0001-test-2026-002"  # the next submission, same evidence
    manifest.write_text(yaml.safe_dump(data, sort_keys=False))
    _, result = check(bundle, norms, "--assessments", only_bundle)
    assert finding(result, "NK.TST.02")["status"] == "review"
    assert result["notices"][0]["code"] == "judgement_out_of_scope"
    _, result = check(bundle, norms, "--assessments", carried)
    assert finding(result, "NK.TST.02")["status"] == "pass"


def test_assess_appends_and_keeps_earlier_text(setup, tmp_path) -> None:
    norms, bundle = setup
    file = tmp_path / "a.yaml"
    file.write_text("# judgements of the 2026 audit\nversion: 1\nassessments: []\n")
    # a flow-style empty list cannot take an appended block item: rewritten in full
    assert assess(bundle, norms, file).code == 0
    assert len(load_assessments(file).assessments) == 1
    file.write_text("# judgements of the 2026 audit\n" + file.read_text())
    assert assess(bundle, norms, file, verdict="fail", day="2026-11-29").code == 0
    text = file.read_text()
    assert text.startswith("# judgements of the 2026 audit\n")
    verdicts = [a.verdict for a in load_assessments(file).assessments]
    assert verdicts == ["pass", "fail"]
    # the newest judgement wins
    _, result = check(bundle, norms, "--assessments", file)
    assert finding(result, "NK.TST.02")["status"] == "fail"


def test_signed_judgements_are_appended_under_signed_keeping_earlier_text(setup, tmp_path) -> None:
    norms, bundle = setup
    assert run_cli("keygen", tmp_path / "assessor").code == 0
    file = tmp_path / "a.yaml"
    assert assess(bundle, norms, file).code == 0
    file.write_text("# judgements of the 2026 audit\n" + file.read_text())
    both = assess(bundle, norms, file, "--key", str(tmp_path / "assessor.key"))
    assert both.code == 3
    assert both.stderr.startswith("error USAGE:"), both.stderr
    for verdict in ("pass", "fail"):
        run = run_cli(
            *("assess", bundle, "--norms", norms, "--norm", "NK.TST.02", "--verdict", verdict),
            *("--note", "Sampled.", "--file", file, "--date", "2026-11-28"),
            *("--key", tmp_path / "assessor.key"),
        )
        assert run.code == 0, run.stderr
        assert "signed by key " in run.stdout
    assert file.read_text().startswith("# judgements of the 2026 audit\n")
    loaded = load_assessments(file).assessments
    assert [(a.verdict, a.signed) for a in loaded] == [
        ("pass", False),
        ("pass", True),
        ("fail", True),
    ]
    assert yaml.safe_load(file.read_text())["signed"][1]["payloadType"].startswith("application/")


def test_assess_warns_when_the_norm_does_not_await_review(setup, tmp_path) -> None:
    norms, bundle = setup
    run = assess(bundle, norms, tmp_path / "a.yaml", day=AS_OF, norm="NK.TST.03")
    assert run.code == 0
    assert "warning: NK.TST.03 is fail" in run.stderr


def test_assess_unknown_norm_is_exit_3(setup, tmp_path) -> None:
    norms, bundle = setup
    run = assess(bundle, norms, tmp_path / "a.yaml", norm="NK.TST.55")
    assert run.code == 3
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "a.yaml").exists()


@pytest.mark.parametrize(
    "text",
    [
        "version: 1\nassessments:\n  - {norm: NK.TST.02, verdict: maybe, assessor: a, "
        "date: 2026-11-01, note: n, bundle: b, evidence: {}}\n",
        "version: 1\nassessments:\n  - {norm: NK.TST.02, verdict: pass, assessor: a, "
        "date: 2026-11-01, note: n, bundle: b, evidence: {x: 'sha256:12'}}\n",
        "version: 1\nassessments:\n  - {norm: NK.TST.02, verdict: pass, assessor: a, "
        "date: 2026-11-01, note: n, bundle: b}\n",
        "version: 1\nassessments:\n  - {norm: NK.TST.02, verdict: pass, assessor: a, "
        "date: 2026-11-01, note: n, bundle: b, evidence: {}, signed: yes}\n",
    ],
    ids=["verdict", "digest", "no-evidence", "unknown-field"],
)
def test_malformed_assessments_file_is_rejected(setup, tmp_path, text: str) -> None:
    file = tmp_path / "a.yaml"
    file.write_text(text)
    with pytest.raises(InputError) as caught:
        load_assessments(file)
    assert caught.value.code == "ASSESSMENT_INVALID"
    assert caught.value.where is not None and caught.value.where.startswith(f"{file}:3:")


def test_malformed_assessments_file_is_exit_3(setup, tmp_path) -> None:
    norms, bundle = setup
    file = tmp_path / "a.yaml"
    file.write_text("version: 1\nassessments:\n  - {norm: NK.TST.02}\n")
    run = run_cli("check", bundle, "--norms", norms, "--as-of", AS_OF, "--assessments", file)
    assert run.code == 3, run.stderr
    assert run.stderr.startswith(f"error ASSESSMENT_INVALID: {file}:3:"), run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
