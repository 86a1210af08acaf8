"""The shipped example bundles against the shipped library, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import AS_OF, EXAMPLES, run_cli


def result(name: str, *extra: str) -> tuple[int, dict]:
    run = run_cli("check", EXAMPLES / name, "--as-of", AS_OF, "--format", "json", *extra)
    assert run.code in (0, 1), run.stderr
    return run.code, json.loads(run.stdout)


def test_toeslagen_fails_on_nationality_features() -> None:
    code, data = result("toeslagen")
    assert code == 1
    found = {f["norm_id"]: f for f in data["findings"]}
    disc = found["NK.DISC.01"]
    assert disc["status"] == "fail"
    offending = " ".join(map(str, disc["checks"][0]["values"].get("offending", [])))
    # the record: Dutch nationality yes/no in the risk model; dual nationality was retained
    # data (NK.PRIV.06), not a model feature (legal review F9)
    assert "dutch_nationality" in offending and "dual_nationality" not in offending
    used = {use["kind"]: use for use in disc["evidence"]}
    assert len(used["model-card"]["sha256"]) == 64
    assert found["NK.DATA.01"]["status"] == "missing"
    blocked_by_dictionary = [
        f["norm_id"]
        for f in data["findings"]
        if f["status"] == "blocked" and "NK.DATA.01" in f["root_causes"]
    ]
    assert blocked_by_dictionary, "the missing data dictionary must block its dependants"
    assert found["NK.PRIV.07"]["status"] in ("fail", "missing")  # no DPIA
    assert not [f for f in data["findings"] if f["status"] == "error"]


def test_toeslagen_terminal_view_names_the_root_cause() -> None:
    run = run_cli("check", EXAMPLES / "toeslagen", "--as-of", AS_OF)
    assert run.code == 1
    lines = run.stdout.splitlines()
    disc = [line for line in lines if "NK.DISC.01" in line]
    assert disc and disc[0].strip().startswith("FAIL")
    dictionary = lines.index(
        next(line for line in lines if "NK.DATA.01" in line and "MISSING" in line)
    )
    following = "\n".join(lines[dictionary : dictionary + 6])
    assert "root cause of:" in following
    dutch = run_cli("check", EXAMPLES / "toeslagen", "--as-of", AS_OF, "--lang", "nl")
    assert "oorzaak van:" in dutch.stdout


def test_compliant_example_passes_everything_that_applies() -> None:
    code, data = result("compliant")
    statuses = {f["norm_id"]: f["status"] for f in data["findings"]}
    assert code == 0, {k: v for k, v in statuses.items() if v not in ("pass", "not_applicable")}
    assert set(statuses.values()) <= {"pass", "not_applicable", "review"}
    assert "pass" in statuses.values()


def test_terminal_output_escapes_hostile_bundle_text(tmp_path: Path) -> None:
    """An organisation name with ANSI escapes, bidi overrides or newlines cannot forge output."""
    import shutil

    from conftest import ENGINE_BUNDLE, ENGINE_NORMS, edit_yaml

    bundle = tmp_path / "b"
    shutil.copytree(ENGINE_BUNDLE, bundle)
    hostile = "Gemeente \x1b[2J\u202eX\nPASS  NK.FAKE.01 forged [bold]markup[/bold]"
    edit_yaml(bundle / "bundle.yaml", lambda d: d["bundle"].update(organisation=hostile))
    for colour in ("--no-color", "--color"):
        run = run_cli("check", bundle, "--norms", ENGINE_NORMS, "--as-of", AS_OF, colour)
        assert run.code == 0, run.stderr
        assert "\x1b[2J" not in run.stdout and "\u202e" not in run.stdout
        assert "\\u001b[2J" in run.stdout and "\\u202e" in run.stdout
        assert not any(line.startswith("PASS  NK.FAKE") for line in run.stdout.splitlines())
        assert "[bold]markup[/bold]" in run.stdout  # shown as text, not interpreted
