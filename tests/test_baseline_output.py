"""Baseline-aware output (issue 13 item 3): with ``check --baseline`` every format marks
each finding as new or known, the terminal counts what was set aside and lists the new
findings first; ``diff`` names both results and agrees with ``--baseline`` on an open
review that became blocked. All through the real CLI, with explicit as-of dates."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLES, run_cli

COMPLIANT = EXAMPLES / "compliant"
THEN, NOW = "2026-11-29", "2027-06-01"  # the example passes then; evidence is stale now
PROBLEMS = {"fail", "missing", "blocked", "review"}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("baseline") / "baseline.json"
    run = run_cli("check", COMPLIANT, "--as-of", THEN, "--format", "json", "-o", path)
    assert run.code == 0, run.stderr
    return path


def check(*args: str | Path) -> tuple[int, str, str]:
    run = run_cli("check", COMPLIANT, "--as-of", NOW, "--warn-stale", "0", *args)
    assert "Traceback" not in run.stderr, run.stderr
    return run.code, run.stdout, run.stderr


def findings(path: Path) -> dict[str, dict[str, Any]]:
    return {f["norm_id"]: f for f in json.loads(path.read_text("utf-8"))["findings"]}


def test_json_marks_every_finding_and_names_the_baseline(baseline: Path, tmp_path: Path) -> None:
    out = tmp_path / "now.json"
    code, _, stderr = check("--baseline", baseline, "--format", "json", "-o", out)
    assert code == 1  # new problems
    data = json.loads(out.read_text("utf-8"))
    assert data["baseline"]["bundle"] == "gm9999-ex-compliant-2026-001"
    assert data["baseline"]["as_of"] == THEN
    old, now = findings(baseline), findings(out)
    assert all("baseline_state" in f for f in now.values())
    for norm_id, finding in now.items():
        state, before = finding["baseline_state"], old[norm_id]["status"]
        if finding["status"] in PROBLEMS:
            known = finding["status"] == before or (
                {finding["status"], before} <= {"fail", "missing", "blocked"}
            )
            assert state == ("unchanged" if known and finding["reason"] == old[norm_id]["reason"]
                             else "updated" if known else "new"), norm_id  # fmt: skip
        elif before in PROBLEMS:
            assert state == "absent", norm_id
    new = {n for n, f in now.items() if f["baseline_state"] == "new"}
    known = {
        n
        for n, f in now.items()
        if f["status"] in PROBLEMS and f["baseline_state"] in ("unchanged", "updated")
    }
    assert {"NK.ITGC.05", "NK.AIA.22"} <= new and known  # stale backups; reviews stay known
    assert data["baseline"]["known"] == len(known)
    assert f"{len(known)} known findings set aside" in stderr  # the -o summary line
    # without --baseline nothing is marked
    plain = tmp_path / "plain.json"
    check("--format", "json", "-o", plain)
    assert "baseline" not in json.loads(plain.read_text("utf-8"))
    assert not any("baseline_state" in f for f in findings(plain).values())


def test_sarif_baseline_state_per_result(baseline: Path, tmp_path: Path) -> None:
    out, ref = tmp_path / "now.sarif", tmp_path / "now.json"
    check("--baseline", baseline, "--format", "sarif", "-o", out)
    check("--baseline", baseline, "--format", "json", "-o", ref)
    run = json.loads(out.read_text("utf-8"))["runs"][0]
    states = {r["ruleId"]: r["baselineState"] for r in run["results"]}
    assert states == {n: f["baseline_state"] for n, f in findings(ref).items()}
    assert set(states.values()) <= {"new", "unchanged", "updated", "absent"}
    assert run["properties"]["baseline"]["as_of"] == THEN


def test_terminal_counts_known_and_lists_new_first(baseline: Path, tmp_path: Path) -> None:
    ref = tmp_path / "now.json"
    check("--baseline", baseline, "--format", "json", "-o", ref)
    states = {n: f["baseline_state"] for n, f in findings(ref).items()}
    known = sum(
        1
        for f in findings(ref).values()
        if f["status"] in PROBLEMS and f["baseline_state"] in ("unchanged", "updated")
    )
    code, out, _ = check("--baseline", baseline, "--no-color")
    assert code == 1
    assert f"{known} known findings set aside by the baseline" in out
    action = out.split("Findings that need action:")[1].split("  BLOCKED  ")[0]
    lines = [line for line in action.splitlines() if re.match(r"^  (NEW )?[A-Z]+ +NK\.", line)]
    marked = [line.strip().startswith("NEW ") for line in lines]
    assert marked and marked[0] and False in marked
    assert marked == sorted(marked, reverse=True)  # every NEW line before the known ones
    for norm_id, state in states.items():
        if state == "new" and f" {norm_id} [" in out:
            assert "NEW " in next(line for line in lines if f" {norm_id} [" in line)
    nl = check("--baseline", baseline, "--no-color", "--lang", "nl")[1]
    assert "NIEUW " in nl and "bekende bevindingen terzijde gelegd" in nl
    # the colour view says the same
    colour = check("--baseline", baseline, "--color")[1]
    assert "NEW" in colour and "known findings set aside" in colour


def test_markdown_marks_new(baseline: Path, tmp_path: Path) -> None:
    out = tmp_path / "now.md"
    check("--baseline", baseline, "--format", "markdown", "-o", out)
    text = out.read_text("utf-8")
    assert "**NEW**" in text and "known findings set aside" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`NK." in line]
    new = [row.startswith("| **NEW**") for row in rows]
    assert new == sorted(new, reverse=True)


def test_review_that_became_blocked_is_new_in_both(baseline: Path, tmp_path: Path) -> None:
    now = tmp_path / "now.json"
    check("--format", "json", "-o", now)
    current = findings(now)
    blocked = sorted(n for n, f in current.items() if f["status"] in ("blocked", "missing"))
    assert blocked
    # the baseline: the same result, with those norms still an open review
    data = json.loads(now.read_text("utf-8"))
    for finding in data["findings"]:
        if finding["norm_id"] in blocked:
            finding["status"], finding["reason"] = "review", "judgement_required"
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data), "utf-8")
    marked = tmp_path / "marked.json"
    code, _, _ = check("--baseline", old, "--format", "json", "-o", marked)
    assert code == 1  # review -> blocked/missing is new for --baseline ...
    assert {n for n, f in findings(marked).items() if f["baseline_state"] == "new"} == set(blocked)
    diff = run_cli("diff", old, now, "--format", "json")
    assert diff.code == 1
    report = json.loads(diff.stdout)
    assert {c["norm_id"] for c in report["new_problems"]} == set(blocked)  # ... and for diff
    assert not {c["norm_id"] for c in report["changed"]} & set(blocked)


def test_diff_names_both_results(baseline: Path, tmp_path: Path) -> None:
    now = tmp_path / "now.json"
    check("--format", "json", "-o", now)
    run = run_cli("diff", baseline, now)
    head = run.stdout.splitlines()[:2]
    assert head[0].startswith("old: gm9999-ex-compliant-2026-001 (Gemeente Voorbeeldstad")
    assert head[0].endswith(f"as of {THEN}") and head[1].endswith(f"as of {NOW}")
    assert run.stderr == ""  # the same system: no warning
    other = tmp_path / "other.json"
    run_cli("check", EXAMPLES / "toeslagen", "--as-of", THEN, "--format", "json", "-o", other)
    warned = run_cli("diff", baseline, other)
    assert "warning: OLD and NEW are results of other systems" in warned.stderr
    assert "ex-toeslagen-risicoclassificatie-2026-001" in warned.stdout.splitlines()[1]


def test_a_baseline_of_another_system_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    run_cli("check", EXAMPLES / "toeslagen", "--as-of", THEN, "--format", "json", "-o", other)
    out = tmp_path / "never.json"
    code, _, stderr = check("--baseline", other, "--format", "json", "-o", out)
    assert code == 3 and stderr.startswith("error BASELINE_OTHER_SYSTEM: ")
    assert not out.exists()
