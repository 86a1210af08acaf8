"""The importer: upstream Algoritmekader pages / task-registry YAML -> catalogue id/link part."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from normenkader.catalogue.legal import law_ids, law_ids_of_page
from normenkader.catalogue.model import load_catalogues
from normenkader.catalogue.upstream import ark_id, read_snapshot
from normenkader.errors import InputError

CATALOGUES = ROOT / "norms" / "catalogues"


def shared_reference() -> Path:
    """../shared/reference next to the repository (NORMENKADER_SHARED overrides ../shared)."""
    base = Path(os.environ.get("NORMENKADER_SHARED") or ROOT.parent / "shared")
    return base / "reference"


REQ_PAGE = """---
title: {title}
id: urn:nl:ak:ver:{ident}
levenscyclus:
- ontwerp
onderwerp:
- governance
risicogroep:
- hoog-risico-ai-systeem
hide:
- navigation
hide:
- toc
---

## Vereiste

Tekst.

## Bronnen

- [Artikel 26(6) Verordening Artificiële Intelligentie](https://example.org/a)
- [Artikel 5 lid 1 onder a en b Algemene Verordening Gegevensbescherming](https://example.org/b)
- [Advies artikel 22 AVG en geautomatiseerde selectie-instrumenten](https://example.org/c)

## Risico
"""

MTR_PAGE = """---
title: {title}
id: urn:nl:ak:mtr:{ident}
vereiste:
{links}
levenscyclus:
- ontwerp
onderwerp:
- governance
sources:
  ADR: SV.12
  ARK:
  - 2.10
  - 1.04
---
Body.
"""


def make_upstream(folder: Path, measures: dict[str, tuple[str, list[str]]]) -> Path:
    """A small Algoritmekader snapshot: two requirements and the given measures."""
    (folder / "vereisten").mkdir(parents=True)
    (folder / "maatregelen").mkdir()
    for ident, title in (("aia-21", "Eerste vereiste"), ("grw-02", "Tweede vereiste")):
        (folder / "vereisten" / f"{ident}-slug.md").write_text(
            REQ_PAGE.format(ident=ident, title=title), "utf-8"
        )
    for ident, (title, links) in measures.items():
        lines = "\n".join(f"- {link}" for link in links)
        (folder / "maatregelen" / f"0-{ident}-slug.md").write_text(
            MTR_PAGE.format(ident=ident, title=title, links=lines), "utf-8"
        )
    (folder / "SOURCE.txt").write_text("Example at tag v9.9.9 = commit " + "a" * 40 + "\n")
    return folder


def test_law_citations_become_article_ids() -> None:
    assert law_ids("Artikel 26(6) Verordening Artificiële Intelligentie") == ["AI Act art. 26"]
    assert law_ids("Artikel 15 - 21 Algemene Verordening Gegevensbescherming") == [
        f"AVG art. {n}" for n in range(15, 22)
    ]
    assert law_ids("Artikel 3:46 en 3:47 Awb") == ["Awb art. 3:46", "Awb art. 3:47"]
    assert law_ids("Artikel 40 Uitvoeringswet AVG") == ["UAVG art. 40"]
    assert law_ids("Bijlage III, onderdeel 2 en 5, AI-verordening") == ["AI Act annex III"]
    assert law_ids("Overweging 39 en 45 Algemene Verordening Gegevensbescherming") == [
        "AVG recital 39",
        "AVG recital 45",
    ]
    assert law_ids("Afdeling 3.2 Algemene wet bestuursrecht") == ["Awb afd. 3.2"]
    assert law_ids("Grondwet") == ["Grondwet"]
    # guidance that merely mentions a law is not a law article
    assert law_ids("Advies artikel 22 AVG en geautomatiseerde selectie-instrumenten") == []
    assert law_ids("Handreiking Algoritmeregister") == []


def test_bronnen_section_only() -> None:
    page = "## Toelichting\n[Artikel 9 AVG](x)\n## Bronnen\n[Artikel 6 AVG](y)\n## Risico\n"
    assert law_ids_of_page(page) == ["AVG art. 6"]


def test_ark_ids_keep_two_decimals() -> None:
    assert ark_id(2.1) == "2.10"  # YAML reads 2.10 as the number 2.1
    assert ark_id(3.08) == "3.08"
    assert ark_id("4.01") == "4.01"


def test_first_import_then_change_report_and_write_keeps_titles(tmp_path: Path) -> None:
    upstream = make_upstream(
        tmp_path / "up",
        {
            "org-01": ("Maatregel een", ["aia-21-slug"]),
            "org-02": ("Maatregel twee", ["grw-02-slug", "aia-21-slug"]),
        },
    )
    folder = tmp_path / "catalogues"
    folder.mkdir()
    first = run_cli(
        "import-catalogue", upstream, "--catalogue-dir", folder, "--write", "--format", "json"
    )
    assert first.code == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["version"] == "v9.9.9" and report["commit"] == "a" * 40
    ak = next(c for c in report["catalogues"] if c["catalogue"] == "algoritmekader")
    assert ak["compared_with"] is None
    assert len(ak["untitled"]) == 4  # nothing of ours yet: titles are null, never upstream's
    written = folder / "algoritmekader-v9.9.9.yaml"
    text = written.read_text("utf-8")
    assert "Maatregel een" not in text and "Eerste vereiste" not in text
    assert "'2.10'" in text and "SV.12" in text
    # the duplicate 'hide' key upstream is ignored; legal links are article ids
    assert "AI Act art. 26" in text and "AVG art. 5" in text

    # our titles go in, then upstream changes: a link, a new measure, a reworded title
    text = text.replace("title: null", "title:\n    nl: Onze titel\n    en: Our title", 4)
    written.write_text(text, "utf-8")
    shutil.rmtree(upstream)
    make_upstream(
        upstream,
        {
            "org-01": ("Maatregel een, anders", ["aia-21-slug"]),
            "org-02": ("Maatregel twee", ["grw-02-slug"]),
            "org-03": ("Maatregel drie", ["grw-02-slug"]),
        },
    )
    check = run_cli("import-catalogue", upstream, "--catalogue-dir", folder, "--check")
    assert check.code == 1
    assert "+ 1 measures: urn:nl:ak:mtr:org-03" in check.stdout
    assert "~ urn:nl:ak:mtr:org-02 requirements: -urn:nl:ak:ver:aia-21" in check.stdout
    assert "upstream title changed (check our title): urn:nl:ak:mtr:org-01" in check.stdout

    write = run_cli("import-catalogue", upstream, "--catalogue-dir", folder, "--write")
    assert write.code == 0, write.stderr
    catalogue = load_catalogues(folder)["algoritmekader@v9.9.9"]
    assert catalogue.items["urn:nl:ak:mtr:org-02"].title == {"nl": "Onze titel", "en": "Our title"}
    assert catalogue.items["urn:nl:ak:mtr:org-02"].data["requirements"] == ["urn:nl:ak:ver:grw-02"]
    # a measure whose upstream title changed loses our title: ids get renumbered upstream
    assert catalogue.items["urn:nl:ak:mtr:org-01"].title is None
    assert catalogue.items["urn:nl:ak:mtr:org-03"].title is None
    again = run_cli("import-catalogue", upstream, "--catalogue-dir", folder, "--check")
    assert again.code == 0, again.stdout


def test_bad_upstream_is_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_snapshot(tmp_path)
    assert caught.value.code == "IMPORT_SOURCE"
    upstream = make_upstream(tmp_path / "up", {"org-01": ("x", ["aia-21-slug"])})
    page = upstream / "maatregelen" / "0-org-01-slug.md"
    page.write_text(page.read_text().replace("title: x", "title: x\ntitle: y"), "utf-8")
    run = run_cli("import-catalogue", upstream, "--catalogue-dir", tmp_path)
    assert run.code == 3
    assert run.stderr.startswith("error YAML_DUPLICATE_KEY:") and "Traceback" not in run.stderr
    assert "0-org-01-slug.md:3:1" in run.stderr


@pytest.fixture
def reference() -> Path:
    path = shared_reference()
    if not (path / "algoritmekader-v2.5.1").is_dir():
        pytest.skip(f"upstream reference data not found at {path} (set NORMENKADER_SHARED)")
    return path


def test_importer_reproduces_committed_catalogues_exactly(reference: Path) -> None:
    run = run_cli("import-catalogue", reference, "--format", "json", "--check")
    report = json.loads(run.stdout)
    assert run.code == 0, json.dumps(report, indent=1)[:3000]
    assert report["form"] == "algoritmekader" and report["version"] == "v2.5.1"
    assert {c["catalogue"]: c["compared_with"] for c in report["catalogues"]} == {
        "algoritmekader": "algoritmekader@v2.5.1",
        "adr-onderzoekskader": "adr-onderzoekskader@2023",
        "ark-toetsingskader": "ark-toetsingskader@2023",
        "law": "law@2026",
    }
    assert all(c["identical"] and not c["untitled"] for c in report["catalogues"])


def test_write_from_reference_is_byte_identical(reference: Path, tmp_path: Path) -> None:
    folder = tmp_path / "catalogues"
    shutil.copytree(CATALOGUES, folder)
    run = run_cli("import-catalogue", reference, "--catalogue-dir", folder, "--write")
    assert run.code == 0, run.stderr
    for path in sorted(CATALOGUES.glob("*.yaml")):
        assert (folder / path.name).read_bytes() == path.read_bytes(), path.name


def test_task_registry_form_shows_measure_renumbering(reference: Path) -> None:
    snapshot = read_snapshot(reference, form="task-registry", version="v2.5.1")
    assert snapshot.form == "task-registry"
    assert len(snapshot.catalogues["algoritmekader"]["requirements"]) == 63
    run = run_cli(
        "import-catalogue",
        reference,
        "--form",
        "task-registry",
        "--version",
        "v2.5.1",
        "--format",
        "json",
    )
    assert run.code == 0, run.stderr
    ak = json.loads(run.stdout)["catalogues"][0]
    # requirement ids are stable between the two; measure ids were renumbered (dat-02 ...)
    assert "requirements" not in ak["added"] and "requirements" not in ak["removed"]
    assert "urn:nl:ak:mtr:dat-02" in ak["meaning_changed"]


def test_writing_needs_a_known_version(reference: Path, tmp_path: Path) -> None:
    folder = tmp_path / "catalogues"
    shutil.copytree(CATALOGUES, folder)
    run = run_cli(
        "import-catalogue", reference / "task-registry", "--catalogue-dir", folder, "--write"
    )
    assert run.code == 3 and run.stderr.startswith("error IMPORT_VERSION:"), run.stderr
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in CATALOGUES.iterdir())


def test_catalogue_agrees_with_the_research_crosswalk(reference: Path) -> None:
    """Independent check of the links against crosswalk-ak-v2.5.1-adr-ark.csv."""
    import csv

    ak = load_catalogues(CATALOGUES)["algoritmekader@v2.5.1"]
    expected: dict[str, tuple[set[str], set[str], set[str]]] = {}
    with (reference / "crosswalk-ak-v2.5.1-adr-ark.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            reqs, adr, ark = expected.setdefault(row["measure_id"], (set(), set(), set()))
            if row["requirement_id"]:
                reqs.add("urn:nl:ak:ver:" + row["requirement_id"])
            adr.update(i for i in row["adr_ids"].split() if i != "-")
            ark.update(i for i in row["ark_ids"].split() if i != "-")
    assert len(expected) == 108
    for short, (reqs, adr, ark) in expected.items():
        measure = ak.items["urn:nl:ak:mtr:" + short]
        assert set(measure.data.get("requirements", [])) == reqs, short
        assert set(measure.data.get("adr", [])) == adr, short
        assert set(measure.data.get("ark", [])) == ark, short
