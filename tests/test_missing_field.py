"""A check that reads a field the evidence does not have names that field, in words and in
both languages: never a Python repr such as ``'owner_x'``."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import AS_OF, run_cli


def test_the_missing_field_is_named(bundle: Path, norms: Path) -> None:
    norm = norms / "TST.A.01.yaml"
    norm.write_text(
        norm.read_text("utf-8").replace("f.protected_ground == 'none'", "f.sensitivity == 'low'"),
        "utf-8",
    )
    run = run_cli("check", bundle, "--norms", norms, "--as-of", AS_OF, "--format", "json")
    assert run.code == 2, run.stderr  # an error finding
    finding = next(f for f in json.loads(run.stdout)["findings"] if f["norm_id"] == "TST.A.01")
    assert finding["status"] == "error"
    check = finding["checks"][0]
    assert check["values"]["missing_field"] == "sensitivity"
    assert "no field 'sensitivity'" in check["message"]["en"]
    assert "geen veld 'sensitivity'" in check["message"]["nl"]
    dutch = run_cli("check", bundle, "--norms", norms, "--as-of", AS_OF, "--lang", "nl")
    assert "geen veld 'sensitivity'" in dutch.stdout and "KeyError" not in dutch.stdout
