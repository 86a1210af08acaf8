"""Regressions found in the fresh-eyes review: hostile dates and periods, FIFOs given as
input files, profile tailoring, bag payload under data/signatures/, baseline semantics."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import date
from pathlib import Path

import pytest

from conftest import AS_OF, ENGINE_BUNDLE, run_cli
from normenkader.audit.diff import baseline_ignore
from normenkader.evidence.bundle import open_bundle
from normenkader.results import Finding, Reason, Result, Status
from normenkader.timeutil import parse_period


def check(bundle: Path, norms: Path, *extra: str | Path):
    return run_cli("check", bundle, "--norms", norms, "--as-of", AS_OF, *extra, timeout=60)


def assert_rejected(run, code: str) -> None:
    assert run.code == 3, (run.code, run.stdout, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error {code}:"), run.stderr


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")


# --- dates and periods -----------------------------------------------------------------


@pytest.mark.parametrize("bad", ["2026-02-30", "0001-01-01T00:00+01:00"])
def test_impossible_evidence_date_is_rejected(bundle: Path, norms: Path, bad: str) -> None:
    replace_in(bundle / "bundle.yaml", 'date: "2026-03-01"', f'date: "{bad}"')
    assert_rejected(check(bundle, norms), "MANIFEST_INVALID")


def test_impossible_submitted_date_is_rejected(bundle: Path, norms: Path) -> None:
    replace_in(bundle / "bundle.yaml", 'submitted: "2026-11-20"', 'submitted: "2026-13-45"')
    assert_rejected(check(bundle, norms), "MANIFEST_INVALID")


def test_out_of_range_datetime_in_evidence_content_is_just_text(bundle: Path, norms: Path) -> None:
    card = bundle / "model" / "model_card.yaml"
    card.write_text(card.read_text("utf-8") + 'owner: "0001-01-01T00:30+01:00"\n', "utf-8")
    run = check(bundle, norms)
    assert run.code in (0, 1), run.stderr


def test_periods_clamp_instead_of_crashing() -> None:
    assert parse_period("P9999Y").before(date(2026, 1, 1)) == date.min
    assert parse_period("P1D").before(date(1, 1, 1)) == date.min
    assert parse_period("P1D").after(date(9999, 12, 31)) == date.max
    assert parse_period("P2Y").before(date(2026, 2, 28)) == date(2024, 2, 28)
    with pytest.raises(ValueError):
        parse_period("P")


def test_huge_tailored_max_age_means_always_fresh(
    bundle: Path, norms: Path, tmp_path: Path
) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text("id: p\ntailoring:\n  TST.A.01: {max_age: {model_card: P9999Y}}\n")
    run = check(bundle, norms, "--profile", profile)
    assert run.code in (0, 1), run.stderr


@pytest.mark.parametrize(
    "tailoring",
    [
        "{max_age: {model_card: P}}",
        "{params: [1]}",
        "{max_age: [P1Y]}",
    ],
)
def test_bad_tailoring_is_rejected(
    bundle: Path, norms: Path, tmp_path: Path, tailoring: str
) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(f"id: p\ntailoring:\n  TST.A.01: {tailoring}\n")
    assert_rejected(check(bundle, norms, "--profile", profile), "PROFILE_INVALID")


def test_tailored_param_keeps_its_type(tmp_path: Path) -> None:
    from normenkader.errors import InputError
    from normenkader.norms.compiled import load_norm_set

    profile = tmp_path / "p.yaml"
    profile.write_text('id: p\ntailoring:\n  NK.GOV.04: {params: {review_interval_months: "18"}}\n')
    with pytest.raises(InputError) as caught:
        load_norm_set(None, str(profile))
    assert caught.value.code == "PROFILE_INVALID"
    assert "review_interval_months" in caught.value.message


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("max_age: P2Y", "max_age: P"),
        ("severity: blocker", 'severity: blocker\neffective: {from: "2026-02-30"}'),
        (
            "severity: blocker",
            'severity: blocker\neffective: {from: "2027-01-01", until: "2020-01-01"}',
        ),
    ],
)
def test_impossible_norm_periods_and_windows_fail_lint(
    bundle: Path, norms: Path, old: str, new: str
) -> None:
    replace_in(norms / "TST.A.01.yaml", old, new)
    assert_rejected(check(bundle, norms), "NORM_INVALID")


# --- input files that are not regular files --------------------------------------------


@pytest.mark.parametrize(
    ("option", "code"),
    [
        ("--waivers", "WAIVER_INVALID"),
        ("--assessments", "ASSESSMENT_INVALID"),
        ("--baseline", "RESULT_INVALID"),
        ("--trusted-keys", "TRUSTED_KEYS_INVALID"),
    ],
)
def test_fifo_input_files_are_rejected_not_read(
    bundle: Path, norms: Path, tmp_path: Path, option: str, code: str
) -> None:
    fifo = tmp_path / "input.yaml"
    os.mkfifo(fifo)
    extra: list[str | Path] = [option, fifo]
    if option == "--trusted-keys":
        extra.append("--require-signature")
    assert_rejected(check(bundle, norms, *extra), code)


def test_fifo_among_norm_files_is_a_load_error(bundle: Path, norms: Path) -> None:
    os.mkfifo(norms / "TST.A.09.yaml")
    assert_rejected(check(bundle, norms), "NORM_INVALID")


# --- a bag's payload folder data/signatures/ is covered by the bundle digest ------------


def _write_bag(root: Path, payload: Path) -> None:
    data = root / "data"
    shutil.copytree(payload, data)
    files = sorted(p for p in data.rglob("*") if p.is_file())
    (root / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    (root / "manifest-sha256.txt").write_text(
        "".join(
            f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(root).as_posix()}\n"
            for p in files
        )
    )
    (root / "tagmanifest-sha256.txt").write_text(
        "".join(
            f"{hashlib.sha256((root / n).read_bytes()).hexdigest()}  {n}\n"
            for n in ("bagit.txt", "manifest-sha256.txt")
        )
    )


def test_evidence_in_bag_payload_signatures_folder_is_in_the_digest(tmp_path: Path) -> None:
    payload = tmp_path / "payload"
    shutil.copytree(ENGINE_BUNDLE, payload)
    (payload / "signatures").mkdir()
    (payload / "model" / "model_card.yaml").rename(payload / "signatures" / "card.yaml")
    replace_in(payload / "bundle.yaml", "model/model_card.yaml", "signatures/card.yaml")
    _write_bag(tmp_path / "a", payload)
    card = payload / "signatures" / "card.yaml"
    card.write_text(card.read_text("utf-8") + "\n# changed after signing\n", "utf-8")
    _write_bag(tmp_path / "b", payload)
    first = open_bundle(tmp_path / "a", workdir=tmp_path)
    second = open_bundle(tmp_path / "b", workdir=tmp_path)
    assert first.items["model-card"].path == "signatures/card.yaml"
    assert first.digest != second.digest


# --- baseline: an open review is not a known non-compliance -----------------------------


def _result(status: Status) -> Result:
    finding = Finding(
        norm_id="NK.GOV.01",
        set="GOV",
        title={"en": "t", "nl": "t"},
        severity="major",
        status=status,
        reason=Reason.CHECK_FAILED,
        message={"en": "m", "nl": "m"},
    )
    bundle = {"id": "b-1", "digest": "sha256:00", "organisation": "X", "system": {"name": "S"}}
    return Result({}, {"digest": "d"}, AS_OF, bundle, [finding])


def test_baseline_review_turning_into_fail_counts_as_new(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(_result(Status.REVIEW).to_dict()))
    assert baseline_ignore(_result(Status.FAIL), baseline) == frozenset()
    assert baseline_ignore(_result(Status.REVIEW), baseline) == {"NK.GOV.01"}
    baseline.write_text(json.dumps(_result(Status.MISSING).to_dict()))
    assert baseline_ignore(_result(Status.FAIL), baseline) == {"NK.GOV.01"}


# --- reports: bundle-supplied names ------------------------------------------------------


def test_sarif_uris_are_percent_encoded(bundle: Path, norms: Path) -> None:
    (bundle / "model" / "model_card.yaml").rename(bundle / "model" / "model card#1.yaml")
    replace_in(bundle / "bundle.yaml", "model/model_card.yaml", "model/model card#1.yaml")
    run = check(bundle, norms, "--format", "sarif")
    assert run.code == 0, run.stderr
    uris = {
        location["physicalLocation"]["artifactLocation"]["uri"]
        for result in json.loads(run.stdout)["runs"][0]["results"]
        for location in result["locations"]
    }
    assert "model/model%20card%231.yaml" in uris
    assert not any("#" in uri or " " in uri for uri in uris)


def test_html_shows_bidi_and_control_characters_escaped(bundle: Path, norms: Path) -> None:
    card = bundle / "model" / "model_card.yaml"
    card.write_text(
        card.read_text("utf-8")
        + '  - {name: "nat\\u202eytilanoitan\\x1b[2J", protected_ground: nationality}\n',
        "utf-8",
    )
    run = check(bundle, norms, "--format", "html")
    assert run.code == 1, run.stderr
    assert "\u202e" not in run.stdout and "\x1b" not in run.stdout
    assert "nat\\u202eytilanoitan\\u001b[2J" in run.stdout


def test_assess_into_a_missing_folder_is_rejected(bundle: Path, norms: Path) -> None:
    run = run_cli(
        "assess", bundle, "--norms", norms, "--norm", "TST.A.02", "--verdict", "pass",
        "--note", "n", "--assessor", "a", "--file", bundle / "nope" / "a.yaml",
    )  # fmt: skip
    assert_rejected(run, "OUTPUT_INVALID")


def test_report_output_is_not_private_and_a_folder_is_rejected(
    bundle: Path, norms: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    assert check(bundle, norms, "-o", report).code == 0
    old = os.umask(0o022)
    os.umask(old)
    assert report.stat().st_mode & 0o777 == 0o666 & ~old
    assert_rejected(check(bundle, norms, "-o", tmp_path), "OUTPUT_INVALID")
