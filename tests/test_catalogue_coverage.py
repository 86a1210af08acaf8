"""`normenkader coverage`: covered / judgement-only / not covered / silently uncovered."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from normenkader.catalogue.coverage import STATUSES

CATALOGUES = ROOT / "norms" / "catalogues"

NORM = """id: {id}
title: {{nl: Toets, en: Test}}
description: {{nl: Toets, en: Test}}
severity: major
derived_from:
{derived}
review: {review}
{checks}
"""


def write_norm(
    folder: Path,
    norm_id: str,
    derived: list[tuple[str, str, str]] | list[tuple[str, str, str, str]],
    review: bool = False,
) -> None:
    """A norm citing ``derived`` as (catalogue, id, version[, strength]); strength default full."""
    lines = "\n".join(
        f'  - {{catalogue: {d[0]}, id: "{d[1]}", version: "{d[2]}", '
        f"strength: {d[3] if len(d) > 3 else 'full'}}}"
        for d in derived
    )
    checks = "" if review else 'checks:\n  - {kind: expr, expr: "true"}'
    (folder / f"{norm_id}.yaml").write_text(
        NORM.format(id=norm_id, derived=lines, review=str(review).lower(), checks=checks), "utf-8"
    )


@pytest.fixture
def library(tmp_path: Path) -> tuple[Path, Path]:
    """A small norm folder and a copy of the shipped catalogues with our own exception list."""
    norms = tmp_path / "norms"
    norms.mkdir()
    write_norm(
        norms,
        "TST.A.01",
        [
            ("algoritmekader", "urn:nl:ak:ver:grw-02", "v2.5.1"),
            ("adr-onderzoekskader", "DM.19", "2023"),
            ("ark-toetsingskader", "3.08", "2.0"),  # an accepted alias of the catalogue version
        ],
    )
    write_norm(
        norms,
        "TST.A.02",
        [
            ("algoritmekader", "urn:nl:ak:ver:avg-13", "v2.5.1"),
            ("algoritmekader", "urn:nl:ak:mtr:owk-03", "v2.5.1"),
        ],
        review=True,
    )
    write_norm(
        norms,
        "TST.A.03",
        [
            ("algoritmekader", "urn:nl:ak:ver:xyz-99", "v2.5.1"),
            ("algoritmekader", "urn:nl:ak:ver:grw-01", "v1.0"),
        ],
    )
    catalogues = tmp_path / "catalogues"
    shutil.copytree(CATALOGUES, catalogues)
    (catalogues / "judgement-only.yaml").write_text(
        """format: normenkader-coverage-exceptions/1
items:
  - catalogue: algoritmekader
    id: urn:nl:ak:ver:aut-01
    version: v2.5.1
    status: judgement_only
    reason: {nl: Juridisch oordeel per bron, en: A legal judgement per source}
  - catalogue: algoritmekader
    id: urn:nl:ak:ver:grw-02
    version: v2.5.1
    status: not_covered
    reason: {nl: Verouderd, en: Stale}
""",
        "utf-8",
    )
    return norms, catalogues


def test_coverage_json_classifies_every_item(library: tuple[Path, Path]) -> None:
    norms, catalogues = library
    run = run_cli("coverage", "--norms", norms, "--catalogue-dir", catalogues, "--format", "json")
    assert run.code == 1  # items silently uncovered and unresolved citations
    report = json.loads(run.stdout)
    assert report["complete"] is False and report["norms"] == 3
    by_name = {c["catalogue"]: c for c in report["catalogues"]}
    assert list(by_name) == ["algoritmekader", "adr-onderzoekskader", "ark-toetsingskader"]
    ak = {row["id"]: row for row in by_name["algoritmekader"]["items"]}
    assert len(ak) == 63 and by_name["algoritmekader"]["total"] == 63
    assert ak["urn:nl:ak:ver:grw-02"]["status"] == "covered"
    assert ak["urn:nl:ak:ver:grw-02"]["norms"] == ["TST.A.01"]
    assert ak["urn:nl:ak:ver:avg-13"]["judgement_only_norms"] == ["TST.A.02"]
    assert ak["urn:nl:ak:ver:aut-01"]["status"] == "judgement_only"
    assert ak["urn:nl:ak:ver:aut-01"]["reason"] == "A legal judgement per source"
    assert ak["urn:nl:ak:ver:grw-01"]["status"] == "uncovered"  # cited at an unknown version
    # a norm citing only a measure does not cover its requirements; it is shown as a hint
    assert ak["urn:nl:ak:ver:avg-10"]["status"] == "uncovered"
    assert ak["urn:nl:ak:ver:avg-10"]["via_measures"] == ["TST.A.02"]
    assert by_name["algoritmekader"]["measures"] == {"total": 108, "cited": 1}
    counts = by_name["algoritmekader"]["counts"]
    assert set(counts) == set(STATUSES) and sum(counts.values()) == 63
    assert counts["covered"] == 2 and counts["judgement_only"] == 1
    assert by_name["adr-onderzoekskader"]["total"] == 84
    assert by_name["ark-toetsingskader"]["total"] == 55
    adr = {row["id"]: row["status"] for row in by_name["adr-onderzoekskader"]["items"]}
    ark = {row["id"]: row["status"] for row in by_name["ark-toetsingskader"]["items"]}
    assert adr["DM.19"] == "covered" and ark["3.08"] == "covered"
    assert {(u["norm"], u["id"]) for u in report["unresolved"]} == {
        ("TST.A.03", "urn:nl:ak:ver:xyz-99"),
        ("TST.A.03", "urn:nl:ak:ver:grw-01"),
    }
    assert "rollups: urn:nl:ak:ver:grw-01: unknown norm NK.FRIA.01" in report["rule_problems"]
    assert report["stale"] == [
        {
            "catalogue": "algoritmekader",
            "id": "urn:nl:ak:ver:grw-02",
            "version": "v2.5.1",
            "problem": "listed as not_covered but covered",
        }
    ]


def test_coverage_table_and_exit_zero_when_complete(library: tuple[Path, Path]) -> None:
    norms, catalogues = library
    (norms / "TST.A.03.yaml").unlink()
    (catalogues / "rollups.yaml").unlink()  # its rules name library norms absent here
    items = []
    for name, version in (
        ("algoritmekader", "v2.5.1"),
        ("adr-onderzoekskader", "2023"),
        ("ark-toetsingskader", "2023"),
    ):
        run = run_cli(
            "coverage",
            "--norms",
            norms,
            "--catalogue-dir",
            catalogues,
            "--catalogue",
            name,
            "--format",
            "json",
        )
        rows = json.loads(run.stdout)["catalogues"][0]["items"]
        items += [(name, version, r["id"]) for r in rows if r["status"] != "covered"]
    entries = "".join(
        f"""  - catalogue: {c}
    id: "{i}"
    version: "{v}"
    status: not_covered
    reason: {{nl: Buiten deze toets, en: Outside this test}}
"""
        for c, v, i in items
    )
    (catalogues / "judgement-only.yaml").write_text(
        "format: normenkader-coverage-exceptions/1\nitems:\n" + entries, "utf-8"
    )
    run = run_cli(
        "coverage",
        "--norms",
        norms,
        "--catalogue-dir",
        catalogues,
        "--catalogue",
        "algoritmekader@v2.5.1",
        "--lang",
        "nl",
    )
    assert run.code == 0, run.stdout + run.stderr
    summary = (
        "algoritmekader@v2.5.1: 63 onderdelen: 2 gedekt, 0 NOMINAAL, 0 alleen oordeel, "
        "61 niet gedekt"
    )
    assert summary in run.stdout
    assert "Buiten deze toets" in run.stdout
    assert run.stdout.rstrip().endswith("volledig")


def test_bad_exception_file_and_unknown_catalogue_are_input_errors(
    library: tuple[Path, Path],
) -> None:
    norms, catalogues = library
    run = run_cli(
        "coverage", "--norms", norms, "--catalogue-dir", catalogues, "--catalogue", "nope"
    )
    assert run.code == 3 and run.stderr.startswith("error CATALOGUE_UNKNOWN:")
    (catalogues / "judgement-only.yaml").write_text(
        "format: normenkader-coverage-exceptions/1\nitems:\n"
        "  - {catalogue: algoritmekader, id: x, version: v2.5.1, status: maybe,"
        " reason: {nl: a, en: b}}\n",
        "utf-8",
    )
    run = run_cli("coverage", "--norms", norms, "--catalogue-dir", catalogues)
    assert run.code == 3
    assert run.stderr.startswith("error CATALOGUE_INVALID:") and "judgement-only.yaml:3:5" in (
        run.stderr
    )


def test_shipped_library_accounts_for_every_requirement_or_says_which() -> None:
    """Over the shipped library every item has a status; the exceptions list stays honest."""
    run = run_cli("coverage", "--format", "json")
    report = json.loads(run.stdout)
    assert run.code == (0 if report["complete"] else 1)
    for catalogue in report["catalogues"]:
        for row in catalogue["items"]:
            assert row["status"] in STATUSES
            if row["status"] in ("judgement_only", "not_covered"):
                assert row["reason"].strip()
    assert {c["catalogue"]: c["total"] for c in report["catalogues"]} == {
        "algoritmekader": 63,
        "adr-onderzoekskader": 84,
        "ark-toetsingskader": 55,
    }
    assert report["stale"] == [] and report["rule_problems"] == []
    docs = (ROOT / "docs" / "catalogues.md").read_text("utf-8")
    for catalogue in report["catalogues"]:
        for row in catalogue["items"]:
            strengths = {link["strength"] for link in row.get("links", [])}
            if row["status"] == "covered":
                assert strengths & {"full", "partial"}, row["id"]
            if row["status"] == "nominal":
                assert strengths == {"nominal"}, row["id"]
                # every item left nominal is named, with what we decided, in the docs
                assert f"`{row['id']}`" in docs, row["id"]


def test_link_strength_decides_covered_or_nominal(tmp_path: Path) -> None:
    """An item cited only by nominal links is `nominal`, not covered; the strongest link
    decides; a listed exception still accounts for a nominal item and is not stale."""
    norms = tmp_path / "norms"
    norms.mkdir()
    ak = "algoritmekader"
    write_norm(
        norms,
        "TST.B.01",
        [
            (ak, "urn:nl:ak:ver:aia-06", "v2.5.1", "nominal"),
            (ak, "urn:nl:ak:ver:aia-08", "v2.5.1", "partial"),
            (ak, "urn:nl:ak:ver:grw-02", "v2.5.1", "full"),
        ],
    )
    write_norm(
        norms,
        "TST.B.02",
        [
            (ak, "urn:nl:ak:ver:aia-08", "v2.5.1", "nominal"),
            (ak, "urn:nl:ak:ver:grw-02", "v2.5.1", "nominal"),
        ],
    )
    write_norm(norms, "TST.B.03", [(ak, "urn:nl:ak:ver:aia-11", "v2.5.1", "nominal")])
    catalogues = tmp_path / "catalogues"
    shutil.copytree(CATALOGUES, catalogues)
    (catalogues / "rollups.yaml").unlink()
    (catalogues / "judgement-only.yaml").write_text(
        "format: normenkader-coverage-exceptions/1\nitems:\n"
        "  - {catalogue: algoritmekader, id: 'urn:nl:ak:ver:aia-11', version: v2.5.1,"
        " status: not_covered, reason: {nl: Aanbiederplicht, en: A provider duty}}\n",
        "utf-8",
    )
    args = ("coverage", "--norms", norms, "--catalogue-dir", catalogues, "--catalogue", ak)
    report = json.loads(run_cli(*args, "--format", "json").stdout)
    assert report["stale"] == []
    cat = report["catalogues"][0]
    rows = {row["id"]: row for row in cat["items"]}
    aia06, aia08, grw02, aia11 = (
        rows[f"urn:nl:ak:ver:{i}"] for i in ("aia-06", "aia-08", "grw-02", "aia-11")
    )
    assert (aia06["status"], aia06["strength"], aia06["norms"]) == (
        "nominal",
        "nominal",
        ["TST.B.01"],
    )
    assert (aia08["status"], aia08["strength"]) == ("covered", "partial")
    assert aia08["links"] == [
        {"norm": "TST.B.01", "strength": "partial"},
        {"norm": "TST.B.02", "strength": "nominal"},
    ]
    assert (grw02["status"], grw02["strength"]) == ("covered", "full")
    assert (aia11["status"], aia11["reason"], aia11["norms"]) == (
        "not_covered",
        "A provider duty",
        ["TST.B.03"],
    )
    assert cat["counts"]["covered"] == 2 and cat["counts"]["nominal"] == 1
    assert cat["strengths"] == {"full": 1, "partial": 1, "nominal": 2}
    assert cat["links"] == {"full": 1, "partial": 1, "nominal": 4}
    text = run_cli(*args, "--all").stdout
    assert "2 covered, 1 NOMINAL, 0 judgement-only, 1 not covered" in text
    assert "strongest link per cited item: 1 full, 1 partial, 2 nominal" in text
    assert "-> TST.B.01 (partial), TST.B.02 (nominal)" in text
    assert "-> TST.B.01 (nominal)" in text
    assert "[nominal: TST.B.03]" in text


def test_a_link_without_strength_is_rejected_by_lint(tmp_path: Path) -> None:
    norms = tmp_path / "norms"
    norms.mkdir()
    write_norm(norms, "TST.C.01", [("algoritmekader", "urn:nl:ak:ver:grw-02", "v2.5.1")])
    path = norms / "TST.C.01.yaml"
    path.write_text(path.read_text("utf-8").replace(", strength: full", ""), "utf-8")
    run = run_cli("lint", norms)
    assert run.code == 3
    assert "TST.C.01.yaml:6:" in run.stdout + run.stderr and "strength" in run.stdout + run.stderr
    path.write_text(
        path.read_text("utf-8").replace('version: "v2.5.1"', 'version: "v2.5.1", strength: weak'),
        "utf-8",
    )
    run = run_cli("lint", norms)
    assert run.code == 3 and "strength" in run.stdout + run.stderr
