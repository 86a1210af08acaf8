"""One set of semantics: every format renders the same Result, gives the same exit code and
the same counts; SARIF validates against the official 2.1.0 schema, OSCAL loads with
compliance-trestle's models, JUnit parses with junitparser."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
import yaml

from audit_bundle_fixtures import AS_OF, write_bundle, write_norms
from audit_report_fixtures import HOSTILE, sample_result
from conftest import EXAMPLES, run_cli
from normenkader.report import markdown, oscal, sarif
from normenkader.report import render as render_format
from normenkader.results import STATUS_ORDER

#: the official OASIS schema, vendored (tests/schemas/README.md)
SARIF_SCHEMA = Path(__file__).resolve().parent / "schemas" / "sarif-schema-2.1.0.json"
FORMATS = ("json", "terminal", "html", "markdown", "sarif", "junit", "oscal")


def counts_json(text: str) -> Counter[str]:
    return Counter({k: v for k, v in json.loads(text)["summary"]["by_status"].items() if v})


def counts_sarif(text: str) -> Counter[str]:
    return Counter(r["properties"]["status"] for r in json.loads(text)["runs"][0]["results"])


def counts_junit(text: str) -> Counter[str]:
    root = ET.fromstring(text)
    return Counter(
        prop.get("value")
        for case in root.iter("testcase")
        for prop in case.iter("property")
        if prop.get("name") == "status"
    )


def counts_oscal(text: str) -> Counter[str]:
    findings = json.loads(text)["assessment-results"]["results"][0].get("findings", [])
    return Counter(next(p["value"] for p in f["props"] if p["name"] == "status") for f in findings)


def counts_html(text: str) -> Counter[str]:
    return Counter(re.findall(r'<article class="finding f-([a-z_]+)[ "]', text))


def counts_markdown(text: str) -> Counter[str]:
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| 🔴"))
    numbers = [int(n) for n in lines[header + 2].strip("| ").split(" | ")]
    order = [s.value for s in STATUS_ORDER]
    return Counter({s: n for s, n in zip(order, numbers, strict=True) if n})


COUNTERS = {
    "json": counts_json,
    "sarif": counts_sarif,
    "junit": counts_junit,
    "oscal": counts_oscal,
    "html": counts_html,
    "markdown": counts_markdown,
}


@pytest.fixture(scope="module")
def mixed_bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[str]]:
    """fail (TST.03), waived (TST.01), review (TST.02), not_applicable (TST.04)."""
    root = tmp_path_factory.mktemp("mixed")
    norms, bundle = write_norms(root), write_bundle(root, approved=False, organisation=HOSTILE)
    waivers = root / "waivers.yaml"
    waivers.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "waivers": [
                    {
                        "id": "W-1",
                        "norm": "NK.TST.01",
                        "scope": {"system": "00000042"},
                        "justification": "Board approval planned <b>December</b>.",
                        "author": "A. Auteur",
                        "approver": "B. Goedkeurder",
                        "issued": "2026-10-01",
                        "expires": "2027-01-31",
                    }
                ],
            }
        )
    )
    return bundle, norms, ["--norms", str(norms), "--waivers", str(waivers)]


def run_all(bundle: Path, extra: list[str], out: Path) -> dict[str, tuple[int, str]]:
    outputs = {}
    for fmt in FORMATS:
        target = out / f"report.{fmt}"
        run = run_cli("check", bundle, "--as-of", AS_OF, "--format", fmt, "-o", target, *extra)
        assert "Traceback" not in run.stderr, run.stderr
        assert run.code in (0, 1, 2), (fmt, run.stderr)
        outputs[fmt] = (run.code, target.read_text("utf-8"))
    return outputs


def assert_same(outputs: dict[str, tuple[int, str]]) -> Counter[str]:
    codes = {fmt: code for fmt, (code, _) in outputs.items()}
    assert len(set(codes.values())) == 1, codes
    expected = counts_json(outputs["json"][1])
    for fmt, counter in COUNTERS.items():
        assert counter(outputs[fmt][1]) == expected, fmt
    return expected


def test_every_format_same_exit_code_and_counts(mixed_bundle, tmp_path: Path) -> None:
    bundle, _, extra = mixed_bundle
    outputs = run_all(bundle, extra, tmp_path)
    counts = assert_same(outputs)
    assert counts == Counter({"fail": 1, "waived": 1, "review": 1, "not_applicable": 1})
    assert outputs["json"][0] == 1


def test_every_format_on_the_toeslagen_example(tmp_path: Path) -> None:
    example = EXAMPLES / "toeslagen"  # a broken example fails here, never skips
    outputs = run_all(example, [], tmp_path)
    counts = assert_same(outputs)
    assert counts["fail"] + counts["missing"] + counts["blocked"] > 0
    assert outputs["json"][0] in (1, 2)


# --- SARIF ------------------------------------------------------------------------------


def sarif_validator():
    import jsonschema_rs

    text = SARIF_SCHEMA.read_text("utf-8")
    # The official file carries one pattern that is fine in ECMA-262 (a lone "]" is a
    # literal) but rejected by Rust's regex engine; escaping it keeps its meaning.
    broken = '"^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$"'
    fixed = json.dumps("^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$")
    return jsonschema_rs.Draft7Validator(json.loads(text.replace(broken, fixed)))


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_sarif_validates_against_the_official_schema(lang: str, mixed_bundle, tmp_path) -> None:
    validator = sarif_validator()
    document = json.loads(sarif.render(sample_result(), lang=lang, norm_set=None))
    errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []
    bundle, _, extra = mixed_bundle
    out = tmp_path / "r.sarif"
    run_cli("check", bundle, "--as-of", AS_OF, "--format", "sarif", "-o", out, *extra)
    assert [e.message for e in validator.iter_errors(json.loads(out.read_text()))] == []
    # the validator is not a rubber stamp
    document["runs"][0]["results"][0]["kind"] = "broken"
    assert not validator.is_valid(document)


def test_sarif_mapping() -> None:
    run = json.loads(sarif.render(sample_result(), lang="en", norm_set=None))["runs"][0]
    results = {r["ruleId"]: r for r in run["results"]}
    assert (results["NK.DISC.01"]["kind"], results["NK.DISC.01"]["level"]) == ("fail", "error")
    assert results["NK.DATA.03"]["level"] == "warning"  # minor
    assert results["NK.DISC.02"]["kind"] == "review"
    assert results["NK.PRIV.02"]["kind"] == "open"
    assert results["NK.PRIV.01"]["kind"] == "notApplicable"
    waived = results["NK.GOV.01"]
    assert waived["suppressions"][0]["kind"] == "external"
    assert waived["suppressions"][0]["properties"]["approver"] == "B"
    location = results["NK.DISC.01"]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "model/model_card.yaml", "uriBaseId": "BUNDLEROOT"}
    assert (
        results["NK.DATA.01"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        == "bundle.yaml"
    )
    rule = run["tool"]["driver"]["rules"][results["NK.DISC.01"]["ruleIndex"]]
    assert rule["id"] == "NK.DISC.01"
    assert "AVG art. 35" in rule["help"]["text"]
    assert {a["location"]["uri"]: a["hashes"]["sha-256"] for a in run["artifacts"]}[
        "model/model_card.yaml"
    ] == "a" * 64
    assert run["invocations"][0]["executionSuccessful"] is False  # an error finding


# --- OSCAL ------------------------------------------------------------------------------


def test_oscal_loads_with_compliance_trestle() -> None:
    models = pytest.importorskip(
        "trestle.oscal.assessment_results",
        reason="compliance-trestle (test extra) is not installed",
    )
    text = oscal.render(sample_result(), lang="en", norm_set=None)
    document = json.loads(text)
    loaded = models.AssessmentResults.model_validate(document["assessment-results"])
    (result,) = loaded.results
    assert len(result.findings) == 10
    states = {f.target.target_id: f.target.status.state.value for f in result.findings}
    assert states["NK.DISC.01"] == "not-satisfied"
    assert states["NK.GOV.01"] == "satisfied"
    (risk,) = result.risks
    assert risk.status.root.root == "deviation-approved"
    evidence = [o for o in result.observations if o.relevant_evidence]
    assert {o.relevant_evidence[0].description for o in evidence} == {
        "sha256:" + "a" * 64,
        "sha256:" + "b" * 64,
    }
    # deterministic: the same result renders byte-identically
    assert oscal.render(sample_result(), lang="en", norm_set=None) == text
    # and trestle does reject a broken document
    document["assessment-results"]["results"][0]["findings"][0]["target"]["status"]["state"] = "ok"
    with pytest.raises(ValueError):
        models.AssessmentResults.model_validate(document["assessment-results"])


def test_oscal_from_the_cli_loads(mixed_bundle, tmp_path: Path) -> None:
    models = pytest.importorskip(
        "trestle.oscal.assessment_results",
        reason="compliance-trestle (test extra) is not installed",
    )
    bundle, _, extra = mixed_bundle
    out = tmp_path / "r.oscal.json"
    run_cli("check", bundle, "--as-of", AS_OF, "--format", "oscal", "-o", out, *extra)
    loaded = models.AssessmentResults.model_validate(
        json.loads(out.read_text())["assessment-results"]
    )
    assert loaded.results[0].risks is not None  # the waiver


# --- JUnit ------------------------------------------------------------------------------


def test_junit_parses_with_junitparser(tmp_path: Path) -> None:
    junitparser = pytest.importorskip("junitparser", reason="junitparser (test extra) missing")
    path = tmp_path / "junit.xml"
    path.write_text(render_format("junit", sample_result(), lang="nl"))  # type: ignore[arg-type]
    xml = junitparser.JUnitXml.fromfile(str(path))
    cases = {case.name.split()[0]: case for suite in xml for case in suite}
    assert len(cases) == 10

    def kinds(norm_id: str) -> list[str]:
        return [type(r).__name__ for r in cases[norm_id].result]

    for norm_id in ("NK.DISC.01", "NK.DATA.01", "NK.DATA.02"):
        assert kinds(norm_id) == ["Failure"], norm_id
    assert kinds("NK.PRIV.02") == ["Error"]
    assert kinds("NK.PRIV.01") == ["Skipped"]
    assert kinds("NK.DISC.02") == ["Skipped"]  # review: open
    assert kinds("NK.GOV.01") == [] and "B" in (cases["NK.GOV.01"].system_out or "")
    assert kinds("NK.GOV.02") == []
    totals = (xml.tests, xml.failures, xml.errors, xml.skipped)
    assert totals == (10, 4, 1, 2)


def test_junit_drops_characters_xml_cannot_carry() -> None:
    result = sample_result()
    result.findings[0].message = {"en": "bad \x00\x1b byte", "nl": "x"}
    text = render_format("junit", result, lang="en")
    assert isinstance(text, str)
    ET.fromstring(text)


# --- Markdown ---------------------------------------------------------------------------


def test_markdown_escapes_bundle_text() -> None:
    result = sample_result()
    result.findings[3].message = {"en": "| x | <img src=x onerror=alert(1)> **bold**", "nl": "x"}
    text = markdown.render(result, lang="en", norm_set=None)
    assert "<img" not in text
    assert "&lt;img" in text
    assert "\\| x \\|" in text
    assert "\\*\\*bold\\*\\*" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "NK.DISC.01" in line]
    assert rows and rows[0].count(" | ") == 4  # the cell did not split the row


@pytest.mark.parametrize("fmt", ["html", "markdown", "sarif", "junit", "oscal"])
def test_renderers_are_deterministic_and_bilingual(fmt: str) -> None:
    en = render_format(fmt, sample_result(), lang="en")
    assert render_format(fmt, sample_result(), lang="en") == en
    nl = render_format(fmt, sample_result(), lang="nl")
    assert "Titel NK.DISC.01" in str(nl) and "Title NK.DISC.01" in str(en)


# --- nothing hidden (issue 13 item 4) ---------------------------------------------------


def test_terminal_shows_notices_and_waived_findings(mixed_bundle, tmp_path: Path) -> None:
    bundle, norms, _ = mixed_bundle
    waivers = tmp_path / "waivers.yaml"
    entry = {
        "norm": "NK.TST.01",
        "scope": {"system": "00000042"},
        "justification": "Board approval planned December.",
        "author": "A. Auteur",
        "approver": "B. Goedkeurder",
        "issued": "2026-10-01",
        "expires": "2027-01-31",
    }
    refused = {**entry, "id": "W-2", "norm": "NK.TST.03", "approver": "A. Auteur"}
    refused["scope"] = {"system": "00000042"}  # its own mapping: no YAML alias
    waivers.write_text(yaml.safe_dump({"version": 1, "waivers": [{**entry, "id": "W-1"}, refused]}))
    args = ("check", bundle, "--norms", norms, "--as-of", AS_OF, "--waivers", waivers)
    run = run_cli(*args, "--no-color")
    assert run.code == 1, run.stderr
    notices = run.stdout.split("Notices:")[1]
    assert "waiver_refused NK.TST.03 W-2" in notices
    waived = run.stdout.split("Waived findings:")[1]
    assert "NK.TST.01" in waived and "W-1" in waived and "B. Goedkeurder" in waived
    assert "2027-01-31" in waived and "Board approval planned December." in waived
    # in Dutch and in colour, too
    nl = run_cli(*args, "--no-color", "--lang", "nl")
    assert "Meldingen:" in nl.stdout and "Vrijgestelde bevindingen:" in nl.stdout
    colour = run_cli(*args, "--color")
    assert "waiver_refused" in colour.stdout and "W-1" in colour.stdout
    # -o: the report in the file, one summary line and the path on stderr
    out = tmp_path / "r.sarif"
    quiet = run_cli(*args, "-o", out)
    assert quiet.stdout == ""
    (line,) = quiet.stderr.strip().splitlines()
    assert str(out) in line and "1 fail" in line and "1 waived" in line


def test_evidence_that_goes_stale_soon_is_listed(tmp_path: Path) -> None:
    example = EXAMPLES / "compliant"
    day = "2027-05-20"  # risk register (2026-06-01, P1Y) goes stale on 2027-06-02
    run = run_cli("check", example, "--as-of", day, "--no-color")
    section = run.stdout.split("Evidence that goes stale within the warning window:")[1]
    assert "NK.GOV.04 risk-register (risk-register) 2026-06-01: goes stale on 2027-06-02" in section
    assert "(maximum age 1 year)" in section
    assert (
        "Evidence that goes stale"
        not in run_cli("check", example, "--as-of", day, "--no-color", "--warn-stale", "0").stdout
    )
    short = run_cli("check", example, "--as-of", day, "--no-color", "--warn-stale", "P7D")
    assert "NK.GOV.04 risk-register" not in short.stdout
    # JSON notices, deterministic: they depend on the as-of date, never on today
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for target in (first, second):
        run_cli("check", example, "--as-of", day, "--format", "json", "-o", target)
    assert first.read_bytes() == second.read_bytes()
    notices = [
        n for n in json.loads(first.read_text())["notices"] if n["code"] == "evidence_stale_soon"
    ]
    assert {"norm_id": "NK.GOV.04", "stale_from": "2027-06-02", "max_age": "P1Y"}.items() <= next(
        n for n in notices if n["norm_id"] == "NK.GOV.04"
    ).items()
    # once stale it is a finding, no longer a warning
    later = run_cli("check", example, "--as-of", "2027-06-02", "--format", "json")
    stale = json.loads(later.stdout)
    assert not any(
        n.get("norm_id") == "NK.GOV.04" and n["code"] == "evidence_stale_soon"
        for n in stale["notices"]
    )
    bad = run_cli("check", example, "--as-of", day, "--warn-stale", "thirty days")
    assert bad.code == 3 and bad.stderr.startswith("error USAGE: --warn-stale")


def test_words_for_people_in_the_terminal() -> None:
    run = run_cli("check", EXAMPLES / "compliant", "--as-of", "2027-06-01", "--no-color")
    assert "older than 1 year at 2027-06-01" in run.stdout
    assert "older than P1Y" not in run.stdout
    assert "T00:00:00" not in run.stdout
    assert "{'" not in run.stdout and "['" not in run.stdout  # no Python repr
    assert "found_on: 2026-11-02; id: V-1; severity: high" in run.stdout  # labelled values
    nl = run_cli("check", EXAMPLES / "compliant", "--as-of", "2027-06-01", "--lang", "nl")
    assert "1 jaar" in nl.stdout and "P1Y" not in nl.stdout
