"""Link strength on the shipped library: every `derived_from` link says how much of the
item the norm tests, and `coverage` reports it honestly (docs/catalogues.md)."""

from __future__ import annotations

import json
from typing import Any

import yaml

from conftest import ROOT, run_cli

NK = ROOT / "norms" / "nk"
STRENGTHS = {"full", "partial", "nominal"}

#: Links the legal review of December 2026 (section 3) found nominal, and what became of
#: them; DM.22 -> NK.DISC.07 is left out: its owner upgrades it with the justification route.
REVIEW_NOMINAL = {
    ("NK.MOD.02", "urn:nl:ak:ver:aia-06"): {"nominal"},
    ("NK.MOD.06", "urn:nl:ak:ver:aia-08"): {"nominal"},
    ("NK.GOV.07", "urn:nl:ak:ver:aia-11"): {"nominal"},
    ("NK.TR.01", "urn:nl:ak:ver:woo-01"): {"partial"},  # publicity of the entry is tested
}
#: Links the review found weak: never claimed as full.
REVIEW_WEAK = {
    ("NK.GOV.04", "urn:nl:ak:ver:aia-03"),
    ("NK.MOD.08", "urn:nl:ak:ver:aia-12"),
    ("NK.TR.04", "urn:nl:ak:ver:aia-12"),
    ("NK.PRIV.04", "urn:nl:ak:ver:avg-04"),
    ("NK.PRIV.02", "3.05"),
    ("NK.DATA.01", "3.05"),
    ("NK.TR.02", "2.09"),
}


def _links() -> dict[tuple[str, str], str]:
    links: dict[tuple[str, str], str] = {}
    for path in sorted(NK.glob("*/NK.*.yaml")):
        if path.name.endswith(".test.yaml"):
            continue
        norm: dict[str, Any] = yaml.safe_load(path.read_text("utf-8"))
        for source in norm["derived_from"]:
            assert source.get("strength") in STRENGTHS, (path.name, source)
            links[(norm["id"], str(source["id"]))] = source["strength"]
    return links


def test_every_link_states_its_strength() -> None:
    links = _links()
    assert len(links) > 400
    assert set(links.values()) == STRENGTHS


def test_the_reviews_nominal_and_weak_links_are_not_claimed_as_full() -> None:
    links = _links()
    for key, allowed in REVIEW_NOMINAL.items():
        assert links[key] in allowed, key
    for key in REVIEW_WEAK:
        assert links[key] != "full", key


def test_avg04_and_ark209_are_now_tested_by_norms_of_their_own() -> None:
    """The weak links stay partial; new norms test what the items ask."""
    links = _links()
    assert links[("NK.PRIV.13", "urn:nl:ak:ver:avg-04")] == "full"
    assert links[("NK.TR.05", "2.09")] == "full"


def _coverage() -> dict[str, Any]:
    run = run_cli("coverage", "--format", "json")
    assert run.code == 0, run.stdout + run.stderr
    report: dict[str, Any] = json.loads(run.stdout)
    return report


def test_coverage_counts_links_and_strongest_links_per_catalogue() -> None:
    report = _coverage()
    links = _links()
    for catalogue in report["catalogues"]:
        rows = catalogue["items"]
        per_link = sum(len(row.get("links", [])) for row in rows)
        assert sum(catalogue["links"].values()) == per_link
        cited = [row for row in rows if row.get("links")]
        assert sum(catalogue["strengths"].values()) == len(cited)
        for row in cited:
            for link in row["links"]:
                assert links[(link["norm"], row["id"])] == link["strength"]
            order = ["full", "partial", "nominal"]
            assert row["strength"] == min((lk["strength"] for lk in row["links"]), key=order.index)
            if row["strength"] == "nominal":
                assert row["status"] in ("nominal", "judgement_only", "not_covered")
            else:
                assert row["status"] == "covered"
    ak = next(c for c in report["catalogues"] if c["catalogue"] == "algoritmekader")
    rows = {row["id"]: row for row in ak["items"]}
    for item in ("aia-06", "aia-08", "aia-11"):
        assert rows[f"urn:nl:ak:ver:{item}"]["status"] == "nominal", item
    assert rows["urn:nl:ak:ver:woo-01"]["status"] == "covered"
    assert rows["urn:nl:ak:ver:woo-01"]["strength"] == "partial"


def test_coverage_table_shows_strength_in_both_languages() -> None:
    en = run_cli("coverage").stdout
    assert "strongest link per cited item:" in en and "NOMINAL" in en
    assert "NK.GOV.07 (nominal)" in en
    nl = run_cli("coverage", "--lang", "nl").stdout
    assert "NOMINAAL" in nl


def test_nominal_decisions_are_documented() -> None:
    docs = (ROOT / "docs" / "catalogues.md").read_text("utf-8")
    section = docs[docs.index("### Link strength") :]
    for norm_id, item in REVIEW_NOMINAL:
        assert f"`{item}`" in section and norm_id in section, item


def test_published_norm_schema_requires_strength() -> None:
    schema = json.loads((ROOT / "norms" / "norm.schema.json").read_text("utf-8"))
    source = schema["$defs"]["Source"]
    assert "strength" in source["required"]
    assert set(source["properties"]["strength"]["enum"]) == STRENGTHS
