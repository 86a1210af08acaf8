"""Time law through the real CLI: AI Act art. 111(2)/(3) and art. 113 application dates as
profile parameters, on copies of the shipped examples at explicit as-of dates."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import EXAMPLES, ROOT, edit_yaml, run_cli

#: high-risk duties (art. 26, 27, 49 for deployers; 16-19, 43 ... for providers)
HIGH_RISK = [
    "NK.AIA.20",
    "NK.AIA.21",
    "NK.AIA.22",
    "NK.AIA.23",
    "NK.AIA.24",
    "NK.AIA.25",
    "NK.AIA.26",
    "NK.AIA.27",
    "NK.AIP.14",
    "NK.AIP.15",
    "NK.AIP.16",
    "NK.AIP.18",
    "NK.AIP.19",
    "NK.AIP.34",
    "NK.AIP.38",
]


def findings(bundle: Path, as_of: str, *extra: str) -> dict[str, dict[str, Any]]:
    run = run_cli("check", bundle, "--as-of", as_of, "--format", "json", *extra)
    assert run.code in (0, 1), run.stderr
    return {f["norm_id"]: f for f in json.loads(run.stdout)["findings"]}


def toeslagen_copy(tmp_path: Path, **ai_act: Any) -> Path:
    bundle = tmp_path / "toeslagen"
    shutil.copytree(EXAMPLES / "toeslagen", bundle)

    def change(data: dict[str, Any]) -> None:
        facts = data["profile"]["ai_act"]
        for key, value in ai_act.items():
            if value is None:
                facts.pop(key, None)
            else:
                facts[key] = value

    edit_yaml(bundle / "bundle.yaml", change)
    return bundle


def bound(found: dict[str, dict[str, Any]]) -> list[str]:
    """High-risk norms that are not relieved (anything but not_applicable)."""
    return [n for n in HIGH_RISK if found[n]["status"] != "not_applicable"]


def test_legacy_public_system_is_relieved_until_2_august_2030() -> None:
    early = findings(EXAMPLES / "toeslagen", "2026-12-02")
    assert bound(early) == []
    assert all(early[n]["reason"] == "condition_false" for n in HIGH_RISK)
    assert early["NK.AIA.25"]["facts"]["profile.ai_act.significant_change"] is False
    assert early["NK.AIA.25"]["facts"]["dates.ai_act_legacy_public"] == "2030-08-02"
    assert early["NK.PRF.02"]["status"] != "not_applicable"  # art. 5 applies now
    late = findings(EXAMPLES / "toeslagen", "2030-08-03")
    assert bound(late) == HIGH_RISK
    assert late["NK.AIA.25"]["status"] in ("missing", "fail", "blocked")


def test_a_new_system_is_bound_at_once(tmp_path: Path) -> None:
    bundle = toeslagen_copy(tmp_path, put_into_service="2026-09-01")
    assert bound(findings(bundle, "2026-12-02")) == HIGH_RISK


def test_a_significant_change_binds_a_legacy_system_from_the_change(tmp_path: Path) -> None:
    change = {"date": "2027-01-15", "description": "new model with new data sources"}
    bundle = toeslagen_copy(tmp_path, significant_change=change)
    assert bound(findings(bundle, "2027-01-14")) == []
    assert bound(findings(bundle, "2027-01-15")) == HIGH_RISK


@pytest.mark.parametrize("left_out", ["put_into_service", "significant_change"])
def test_a_missing_fact_never_relieves(tmp_path: Path, left_out: str) -> None:
    bundle = toeslagen_copy(tmp_path, **{left_out: None})
    assert bound(findings(bundle, "2026-12-02")) == HIGH_RISK


def test_annex_i_products_apply_from_2_august_2027(tmp_path: Path) -> None:
    bundle = toeslagen_copy(tmp_path, annex="I", put_into_service="2026-10-01")
    assert bound(findings(bundle, "2027-08-01")) == []
    assert bound(findings(bundle, "2027-08-02")) == HIGH_RISK


def profile_file(tmp_path: Path, dates: str) -> Path:
    path = tmp_path / "omnibus.yaml"
    path.write_text(
        "id: omnibus\ntitle: {nl: Uitstel, en: Postponement}\n"
        "include: {sets: [], norms: [], tags: []}\n"
        "exclude: {sets: [], norms: [], tags: []}\n"
        f"tailoring: {{}}\ndates: {dates}\n",
        "utf-8",
    )
    return path


def test_a_profile_postpones_an_application_date_without_editing_norms(tmp_path: Path) -> None:
    bundle = toeslagen_copy(tmp_path, put_into_service="2026-09-01")
    profile = profile_file(tmp_path, '{ai_act_annex_iii: "2027-12-02"}')
    postponed = run_cli(
        "check", bundle, "--as-of", "2026-12-02", "--profile", profile, "--format", "json"
    )
    assert postponed.code in (0, 1), postponed.stderr
    data = json.loads(postponed.stdout)
    assert data["norm_set"]["dates"]["ai_act_annex_iii"] == "2027-12-02"
    assert data["norm_set"]["dates"]["ai_act_legacy_public"] == "2030-08-02"
    found = {f["norm_id"]: f for f in data["findings"]}
    assert bound(found) == []
    default = run_cli("check", bundle, "--as-of", "2026-12-02", "--format", "json")
    assert json.loads(default.stdout)["norm_set"]["digest"] != data["norm_set"]["digest"]
    assert bound(findings(bundle, "2027-12-02", "--profile", str(profile))) == HIGH_RISK


@pytest.mark.parametrize(
    ("dates", "text"),
    [
        ('{ai_act_annex_iii: "2026-01-01"}', "may postpone an application date, not advance it"),
        ('{ai_act_annex_iv: "2027-01-01"}', "unknown date 'ai_act_annex_iv'"),
        ('{ai_act_annex_iii: "2027-02-30"}', "is not a date"),
        ('{ai_act_annex_iii: "soon"}', "must be a date"),
        ("[2027-01-01]", "dates must be a mapping"),
    ],
)
def test_bad_profile_dates_are_rejected(tmp_path: Path, dates: str, text: str) -> None:
    profile = profile_file(tmp_path, dates)
    run = run_cli("check", EXAMPLES / "compliant", "--profile", profile)
    assert run.code == 3, run.stdout[-500:]
    assert run.stderr.startswith("error PROFILE_INVALID:")
    assert text in run.stderr


def test_gpai_models_already_on_the_market_comply_by_2_august_2027(tmp_path: Path) -> None:
    bundle = toeslagen_copy(
        tmp_path, risk_class="gpai", role="provider", gpai_placed_on_market="2025-03-01"
    )
    gpai = ["NK.AIP.29", "NK.AIP.39"]
    early = findings(bundle, "2026-12-02")
    assert [early[n]["status"] for n in gpai] == ["not_applicable"] * 2
    late = findings(bundle, "2027-08-02")
    assert all(late[n]["status"] != "not_applicable" for n in gpai)


def _applies_if(norm_id: str) -> str:
    folder = {"AIA": "aia", "AIP": "aip"}[norm_id.split(".")[1]]
    data = yaml.safe_load((ROOT / "norms" / "nk" / folder / f"{norm_id}.yaml").read_text("utf-8"))
    return " ".join(str(data["applies_if"]).split())


def test_every_high_risk_norm_carries_the_same_transition_clause() -> None:
    """Art. 111(2) and art. 113 are written out in each norm: they must not drift apart."""
    reference = _applies_if("NK.AIA.21")
    clause = reference[reference.index("as_of >= (has(profile.ai_act.annex)") :]
    assert "dates.ai_act_legacy_public" in clause and "significant_change" in clause
    for norm_id in HIGH_RISK:
        assert _applies_if(norm_id).endswith(clause), norm_id
    gpai = _applies_if("NK.AIP.29")
    gpai_clause = gpai[gpai.index("as_of >= dates.ai_act_gpai") :]
    for norm_id in ("NK.AIP.30", "NK.AIP.31", "NK.AIP.32", "NK.AIP.39"):
        assert _applies_if(norm_id).endswith(gpai_clause), norm_id
