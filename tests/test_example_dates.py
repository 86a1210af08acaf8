"""Examples that never rot: the as-of rule of ``check`` and findings that do not depend on
the day they are produced (docs/semantics.md, "Time").

Today is injected through ``NORMENKADER_TODAY`` (a test-only hook of ``asof.today``), so
these tests prove the property for days years apart without waiting for them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import EXAMPLES, edit_yaml, run_cli

EXAMPLE_NAMES = ["compliant", "toeslagen", "fsv", "selectie-bias"]
TODAYS = ["2026-12-02", "2029-02-28", "2036-12-02"]


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_example_findings_are_the_same_on_any_day(name: str) -> None:
    runs = [
        run_cli("check", EXAMPLES / name, "--format", "json", env={"NORMENKADER_TODAY": day})
        for day in TODAYS
    ]
    for run in runs:
        assert run.code in (0, 1), run.stderr
    assert runs[0].stdout == runs[1].stdout == runs[2].stdout
    assert len({run.code for run in runs}) == 1
    data = json.loads(runs[0].stdout)
    submitted = data["bundle"].get("submitted") or ""
    assert data["as_of"] == submitted[:10]
    assert data["inputs"]["as_of_source"] == "bundle.submitted"
    # the stderr notice, never in the report: only when judged more than a year ago
    assert "more than a year before today" not in runs[0].stderr
    assert "more than a year before today" in runs[2].stderr
    assert "more than a year" not in runs[2].stdout


def test_compliant_example_exits_0_now_and_in_ten_years() -> None:
    for day in ("2026-12-02", "2036-12-02"):
        run = run_cli("check", EXAMPLES / "compliant", env={"NORMENKADER_TODAY": day})
        assert run.code == 0, run.stdout[-3000:]
        assert "as of: 2026-11-29 (the bundle's submission date)" in run.stdout


def test_as_of_today_and_explicit_dates_are_recorded() -> None:
    today = run_cli(
        "check",
        EXAMPLES / "compliant",
        "--as-of",
        "today",
        "--format",
        "json",
        env={"NORMENKADER_TODAY": "2027-06-01"},
    )
    assert today.code in (0, 1), today.stderr
    data = json.loads(today.stdout)
    assert data["as_of"] == "2027-06-01"
    assert data["inputs"]["as_of_source"] == "today"
    explicit = run_cli("check", EXAMPLES / "compliant", "--as-of", "2026-11-25", "--format", "json")
    assert json.loads(explicit.stdout)["inputs"]["as_of_source"] == "option"
    dutch = run_cli("check", EXAMPLES / "compliant", "--lang", "nl")
    assert "peildatum: 2026-11-29 (de indieningsdatum van de bundel)" in dutch.stdout


def test_a_declared_reference_date_wins_over_the_submission_date(tmp_path: Path) -> None:
    bundle = tmp_path / "compliant"
    shutil.copytree(EXAMPLES / "compliant", bundle)
    edit_yaml(bundle / "bundle.yaml", lambda d: d["bundle"].update(reference_date="2026-11-19"))
    run = run_cli("check", bundle, "--format", "json")
    data = json.loads(run.stdout)
    assert data["as_of"] == "2026-11-19"
    assert data["inputs"]["as_of_source"] == "bundle.reference_date"
    terminal = run_cli("check", bundle)
    assert "(the bundle's reference date)" in terminal.stdout


@pytest.mark.parametrize(
    ("args", "env", "text"),
    [
        (["--as-of", "yesterday"], {}, "--as-of 'yesterday' is not a date"),
        (["--as-of", "2026-02-30"], {}, "is not a date"),
        (["--as-of", "today"], {"NORMENKADER_TODAY": "soon"}, "NORMENKADER_TODAY 'soon'"),
    ],
)
def test_bad_as_of_values_are_usage_errors(args: list[str], env: dict[str, str], text: str) -> None:
    run = run_cli("check", EXAMPLES / "compliant", *args, env=env)
    assert run.code == 3, run.stdout[-500:]
    assert run.stderr.startswith("error USAGE:")
    assert text in run.stderr
    assert "Traceback" not in run.stderr


def test_a_submission_date_time_counts_as_the_calendar_date_written(tmp_path: Path) -> None:
    bundle = tmp_path / "compliant"
    shutil.copytree(EXAMPLES / "compliant", bundle)
    edit_yaml(
        bundle / "bundle.yaml",
        lambda d: d["bundle"].update(submitted="2026-11-29T00:30:00+02:00"),
    )
    run = run_cli("check", bundle, "--format", "json")
    assert run.code == 0, run.stdout[-2000:]
    assert json.loads(run.stdout)["as_of"] == "2026-11-29"
