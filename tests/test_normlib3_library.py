"""The third part of the norm library: GOV.09-11, the AIP set (AI Act provider and GPAI
duties) and the DM.18 check of NK.DISC.04, through the real CLI and the shipped files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from normenkader.cli import cli

ROOT = Path(__file__).resolve().parents[1]
NORMS = ROOT / "norms"
EXAMPLES = ROOT / "evidence" / "examples"
AS_OF = "2026-11-29"
AIP_REQUIREMENTS = (14, 15, 16, 18, 19, 28, 29, 30, 31, 32, 33, 34, 36, 38, 39)
AIP_IDS = [f"NK.AIP.{n}" for n in AIP_REQUIREMENTS]
GOV_IDS = ["NK.GOV.09", "NK.GOV.10", "NK.GOV.11"]
PRE_MARKET_HIGH_RISK = {
    "NK.AIP.14",
    "NK.AIP.15",
    "NK.AIP.16",
    "NK.AIP.18",
    "NK.AIP.19",
    "NK.AIP.34",
    "NK.AIP.38",
}


def _invoke(*args: str) -> tuple[int, str]:
    run = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return run.exit_code, run.output


def _norm(norm_id: str) -> dict[str, Any]:
    folder = "aip" if ".AIP." in norm_id else "gov"
    data = yaml.safe_load((NORMS / "nk" / folder / f"{norm_id}.yaml").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def test_one_aip_norm_per_requirement_citing_it() -> None:
    found = sorted(
        p.stem
        for p in (NORMS / "nk" / "aip").glob("NK.AIP.*.yaml")
        if not p.name.endswith(".test.yaml")
    )
    assert found == sorted(AIP_IDS)
    for n in AIP_REQUIREMENTS:
        norm = _norm(f"NK.AIP.{n}")
        cited = {d["id"] for d in norm["derived_from"]}
        assert f"urn:nl:ak:ver:aia-{n}" in cited
        assert any(law.startswith("AI Act art. ") for law in norm["legal_basis"])
        assert "NK.PRF.01" in norm["requires"]
        assert norm["effective"]["from"] in ("2025-08-02", "2026-08-02")


def test_fixture_suites_hold_and_cover_both_outcomes() -> None:
    for path in [
        NORMS / "nk" / "aip",
        *[NORMS / "nk" / "gov" / f"{i}.test.yaml" for i in GOV_IDS],
        NORMS / "nk" / "disc" / "NK.DISC.04.test.yaml",
    ]:
        code, output = _invoke("test", "--coverage", str(path))
        assert code == 0, output
        assert "0 failed" in output


def test_catalogues_have_no_silent_gaps() -> None:
    code, output = _invoke("coverage", "--format", "json")
    assert code == 0, output
    report = json.loads(output)
    assert report["complete"] is True
    for catalogue in report["catalogues"]:
        assert catalogue["counts"]["uncovered"] == 0, catalogue["catalogue"]
    items = {(c["catalogue"], i["id"]): i for c in report["catalogues"] for i in c["items"]}
    assert "NK.DISC.04" in items[("adr-onderzoekskader", "DM.18")]["norms"]
    assert "NK.GOV.09" in items[("ark-toetsingskader", "2.12")]["norms"]
    assert "NK.GOV.10" in items[("ark-toetsingskader", "1.07")]["norms"]
    assert "NK.GOV.11" in items[("adr-onderzoekskader", "SV.8")]["norms"]


def test_compliant_deployer_meets_gov_and_is_outside_the_provider_duties() -> None:
    code, output = _invoke(
        "check", str(EXAMPLES / "compliant"), "--as-of", AS_OF, "--format", "json"
    )
    assert code == 0, output
    status = {f["norm_id"]: f["status"] for f in json.loads(output)["findings"]}
    assert all(status[i] == "pass" for i in GOV_IDS)
    assert status["NK.AIP.33"] == "pass" and status["NK.AIP.36"] == "pass"
    assert all(status[i] == "not_applicable" for i in PRE_MARKET_HIGH_RISK)


def test_toeslagen_own_model_shows_missing_provider_evidence_without_errors() -> None:
    code, output = _invoke(
        "check", str(EXAMPLES / "toeslagen"), "--as-of", AS_OF, "--format", "json"
    )
    assert code == 1
    findings = json.loads(output)["findings"]
    assert not [f for f in findings if f["status"] == "error"]
    status = {f["norm_id"]: f["status"] for f in findings}
    assert status["NK.AIP.14"] == "missing"
    assert status["NK.AIP.29"] == "not_applicable"
