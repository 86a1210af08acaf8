"""The group_metric and proxy check kinds through the real CLI, on the example bundles."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from normenkader.cli import cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "evidence" / "examples"

# A norm without prerequisites, so the example bundles exercise the checks directly.
NORM = """\
id: NK.TST.01
title: {nl: Selectiekans per groep, en: Selection rate per group}
description: {nl: Testnorm voor group_metric., en: Test norm for group_metric.}
severity: major
derived_from: [{catalogue: adr-onderzoekskader, id: DM.21, version: "2023", strength: full}]
evidence:
  decisions: {kind: decisions-dataset, optional: true}
  group_counts: {kind: group-counts, optional: true}
  fairness_requirements: {kind: fairness-requirements, optional: true}
params:
  bands: {selection_rate_ratio: [0.8, 1.25]}
  min_group_size: 50
  alpha: 0.05
checks:
  - kind: group_metric
    dataset: decisions
    counts: group_counts
    requirements: fairness_requirements
    metrics: [selection_rate_ratio]
---
id: NK.TST.02
title: {nl: Proxy's, en: Proxies}
description: {nl: Testnorm voor proxy., en: Test norm for proxy.}
severity: major
derived_from: [{catalogue: adr-onderzoekskader, id: DM.19, version: "2023", strength: full}]
evidence:
  decisions: {kind: decisions-dataset}
  proxy_analysis: {kind: proxy-analysis, optional: true}
params: {proxy_threshold: 0.3, proxy_nmi_threshold: 0.2}
checks:
  - kind: proxy
    dataset: decisions
    analysis: proxy_analysis
"""


@pytest.fixture()
def norms(tmp_path: Path) -> Path:
    folder = tmp_path / "norms" / "tst"
    folder.mkdir(parents=True)
    first, second = NORM.split("---\n")
    (folder / "NK.TST.01.yaml").write_text(first, encoding="utf-8")
    (folder / "NK.TST.02.yaml").write_text(second, encoding="utf-8")
    return tmp_path / "norms"


def _check(bundle: Path, norms: Path) -> tuple[int, dict[str, dict]]:  # type: ignore[type-arg]
    result = CliRunner().invoke(
        cli,
        ["check", str(bundle), "--norms", str(norms), "--format", "json", "--as-of", "2026-11-29"],
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    report = json.loads(result.output)
    return result.exit_code, {f["norm_id"]: f for f in report["findings"]}


def test_selectie_bias_fails_with_the_group_table(norms: Path) -> None:
    code, findings = _check(EXAMPLES / "selectie-bias", norms)
    assert code == 1
    finding = findings["NK.TST.01"]
    assert finding["status"] == "fail"
    check = finding["checks"][0]
    values = check["values"]
    assert check["thresholds"]["bands"] == {"selection_rate_ratio": [0.8, 1.25]}
    grouping = values["groupings"][0]
    # the declared requirements ask for the largest group as the reference
    assert grouping["reference"] == {"nationality_group": "NL"}
    assert grouping["reference_rule"] == "largest"
    rows = {row["group"]["nationality_group"]: row for row in grouping["groups"]}
    assert set(rows) == {"EU", "MA", "NL", "TR"}
    assert {"n", "selected", "tp", "fp", "tn", "fn", "rates"} <= set(rows["TR"])
    assert (rows["TR"]["n"], rows["TR"]["selected"]) == (1500, 468)
    assert (rows["NL"]["n"], rows["NL"]["selected"]) == (6000, 518)
    # outcomes are known for every case: error rates are estimable (3% FPR by construction)
    assert rows["TR"]["rates"]["fpr"]["value"] == pytest.approx(0.03, abs=0.001)
    tr = next(c for c in grouping["comparisons"] if c["group"] == {"nationality_group": "TR"})
    assert tr["verdict"] == "fail"
    assert tr["value"] == pytest.approx((468 / 1500) / (518 / 6000), abs=1e-5)
    assert tr["interval"][0] > 1.25
    assert "TR" in finding["message"]["en"]
    # the proxy screen finds postcode area standing in for nationality
    proxy = findings["NK.TST.02"]
    assert proxy["status"] == "fail"
    assert "postcode_area" in proxy["message"]["en"]


def test_toeslagen_example_fails_and_compliant_passes(norms: Path) -> None:
    code, findings = _check(EXAMPLES / "toeslagen", norms)
    assert findings["NK.TST.01"]["status"] == "fail"
    assert code == 1
    code, findings = _check(EXAMPLES / "compliant", norms)
    assert findings["NK.TST.01"]["status"] == "pass"
    assert findings["NK.TST.02"]["status"] == "pass"
    assert code == 0


def test_pre_aggregated_counts_alone_give_the_same_verdict(norms: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(EXAMPLES / "selectie-bias", bundle)
    manifest = (bundle / "bundle.yaml").read_text(encoding="utf-8")
    start = manifest.index("  - {id: decisions-2025")
    end = manifest.index("  - {id: counts-2025")
    (bundle / "bundle.yaml").write_text(manifest[:start] + manifest[end:], encoding="utf-8")
    (bundle / "data" / "decisions.csv").unlink()
    code, findings = _check(bundle, norms)
    assert code == 1
    grouping = findings["NK.TST.01"]["checks"][0]["values"]["groupings"][0]
    tr = next(c for c in grouping["comparisons"] if c["group"] == {"nationality_group": "TR"})
    assert tr["verdict"] == "fail"
    assert tr["value"] == pytest.approx((468 / 1500) / (518 / 6000), abs=1e-5)
    assert findings["NK.TST.02"]["status"] == "missing"


def test_a_hostile_dataset_is_an_error_finding_not_a_crash(norms: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(EXAMPLES / "selectie-bias", bundle)
    (bundle / "data" / "decisions.csv").write_bytes(
        "nationality_group,age_band,flagged,fraud_confirmed,postcode_area,income_band\n"
        "T\u00fcrkiye,18-34,1,,1011,low\n".encode("latin-1")
    )
    code, findings = _check(bundle, norms)
    assert code == 2
    finding = findings["NK.TST.01"]
    assert finding["status"] == "error"
    assert "DATASET_UNREADABLE" in finding["message"]["en"]


@pytest.mark.parametrize("norm", ["NK.DISC.02", "NK.DISC.04", "NK.DISC.05", "NK.DISC.06"])
def test_norm_fixtures(norm: str) -> None:
    path = ROOT / "norms" / "nk" / "disc" / f"{norm}.test.yaml"
    result = CliRunner().invoke(cli, ["test", str(path)])
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.output


def test_unknown_metric_is_a_norm_load_error(tmp_path: Path) -> None:
    folder = tmp_path / "norms" / "tst"
    folder.mkdir(parents=True)
    first = NORM.split("---\n")[0].replace("metrics: [selection_rate_ratio]", "metrics: [accuracy]")
    (folder / "NK.TST.01.yaml").write_text(first, encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "normenkader",
            "check",
            str(EXAMPLES / "compliant"),
            "--norms",
            str(tmp_path / "norms"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 3
    assert "NORM_INVALID" in result.stderr + result.stdout
    assert "accuracy" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_a_profile_band_wider_than_the_declared_one_is_tightened(
    norms: Path, tmp_path: Path
) -> None:
    # the selectie-bias requirements declare [0.8, 1.25]; a lax norm band cannot loosen it
    path = norms / "tst" / "NK.TST.01.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("[0.8, 1.25]", "[0.1, 10.0]"), encoding="utf-8"
    )
    _code, findings = _check(EXAMPLES / "selectie-bias", norms)
    check = findings["NK.TST.01"]["checks"][0]
    assert check["thresholds"]["bands"]["selection_rate_ratio"] == [0.8, 1.25]
    assert check["values"]["requirements"]["used"] is True
    assert findings["NK.TST.01"]["status"] == "fail"
