"""The discrimination hard line does not rest on the auditee's own tags (NK.DISC.01, 13-19).

Every test copies a shipped example bundle, changes what an organisation could change about
its own paperwork (a tag, a name, a missing dictionary, a dataset role), and runs the real CLI
at a fixed as-of date.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import AS_OF, EXAMPLES, ROOT, edit_yaml, run_cli

HARD_LINE_CHECK = "protected_terms"


def copy_example(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(EXAMPLES / name, target)
    return target


def findings(bundle: Path, *extra: str) -> dict[str, dict[str, Any]]:
    run = run_cli("check", bundle, "--as-of", AS_OF, "--format", "json", *extra)
    assert run.code in (0, 1), run.stderr
    return {f["norm_id"]: f for f in json.loads(run.stdout)["findings"]}


def terms_check(finding: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in finding["checks"] if c["kind"] == HARD_LINE_CHECK)


def relabel(card: Path, names: dict[str, str] | None = None, **changes: Any) -> None:
    """Tag every feature 'none'; optionally rename features and change their fields."""

    def change(data: dict[str, Any]) -> None:
        for feature in data["features"]:
            feature["protected_ground"] = "none"
            if names and feature["name"] in names:
                feature["name"] = names[feature["name"]]
                feature.update(changes)

    edit_yaml(card, change)


def test_relabelled_toeslagen_still_fails_on_nationality(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path, "toeslagen")
    relabel(bundle / "model" / "model_card.yaml")
    found = findings(bundle)
    disc = found["NK.DISC.01"]
    assert (disc["status"], disc["severity"]) == ("fail", "blocker")
    check = terms_check(disc)
    assert check["status"] == "fail"
    line = check["values"]["offending"][0]
    # names the feature, its tag, the ground, the term and where it matched
    assert line.startswith("dutch_nationality (tagged none): nationality, term '*nationalit*'")
    assert "model card feature name" in line
    assert check["values"]["term_list"]["version"]
    assert len(check["values"]["term_list"]["sha256"]) == 64
    # the tag check itself passes: only the cross-check catches the relabelling
    assert next(c for c in disc["checks"] if c["kind"] == "expr")["status"] == "pass"


def test_without_a_dictionary_the_relabelling_still_fails_and_the_gap_is_its_own_finding(
    tmp_path: Path,
) -> None:
    bundle = copy_example(tmp_path, "toeslagen")
    manifest = yaml.safe_load((bundle / "bundle.yaml").read_text("utf-8"))
    assert not [e for e in manifest["evidence"] if e["kind"] == "data-dictionary"]
    relabel(bundle / "model" / "model_card.yaml")
    found = findings(bundle)
    assert found["NK.DISC.01"]["status"] == "fail"
    notes = terms_check(found["NK.DISC.01"])["values"]["notes"]
    assert "no data dictionary: source fields were screened by name only" in notes
    gap = found["NK.DISC.14"]
    assert (gap["status"], gap["reason"]) == ("fail", "check_failed")
    assert "dutch_nationality" in gap["checks"][0]["values"]["offending"]


@pytest.mark.parametrize(
    ("new_name", "term"),
    [("nat_nl", "nat nl"), ("geboorteland_code", "*geboorteland*"), ("NatCode", "nat code")],
)
def test_a_renamed_feature_with_a_neutral_description_is_still_caught(
    tmp_path: Path, new_name: str, term: str
) -> None:
    bundle = copy_example(tmp_path, "toeslagen")
    relabel(
        bundle / "model" / "model_card.yaml",
        {"dutch_nationality": new_name},
        description="Indicator 1 of the 2013 model.",
        source_fields=["field_01"],
    )
    disc = findings(bundle)["NK.DISC.01"]
    assert disc["status"] == "fail"
    offending = terms_check(disc)["values"]["offending"]
    assert len(offending) == 1 and offending[0].startswith(f"{new_name} (tagged none)")
    assert f"term '{term}' in model card feature name" in offending[0]


def test_a_neutral_name_is_caught_through_the_dictionary(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path, "compliant")
    edit_yaml(
        bundle / "model" / "model_card.yaml",
        lambda d: d["features"].append(
            {"name": "indicator_9", "source_fields": ["field_09"], "protected_ground": "none"}
        ),
    )
    edit_yaml(
        bundle / "data" / "data_dictionary.yaml",
        lambda d: d["fields"].append(
            {"name": "field_09", "description": "Land van herkomst van de aanvrager."}
        ),
    )
    offending = terms_check(findings(bundle)["NK.DISC.01"])["values"]["offending"]
    assert offending == [
        "indicator_9 (tagged none): national_origin, term 'land van herkomst' in data"
        " dictionary description of 'field_09'"
    ]


def rename_group_column(bundle: Path, old: str, new: str) -> None:
    path = bundle / "data" / "decisions.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[0] = [new if c == old else c for c in rows[0]]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)

    def change(data: dict[str, Any]) -> None:
        for entry in data["evidence"]:
            if entry["kind"] == "decisions-dataset":
                entry["columns"]["group"] = [new]

    edit_yaml(bundle / "bundle.yaml", change)


def test_a_feature_that_is_the_bias_test_group_column_is_protected(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path, "compliant")
    rename_group_column(bundle, "nationality_group", "cohort")
    edit_yaml(
        bundle / "data" / "data_dictionary.yaml",
        lambda d: [
            f.update(name="cohort") for f in d["fields"] if f["name"] == "nationality_group"
        ],
    )
    edit_yaml(
        bundle / "model" / "model_card.yaml",
        lambda d: d["features"].append({"name": "cohort", "protected_ground": "none"}),
    )
    disc = findings(bundle)["NK.DISC.19"]
    assert disc["status"] == "fail"
    assert terms_check(disc)["values"]["offending"] == [
        "cohort (tagged none): nationality, a protected ground in decisions dataset group"
        " column 'cohort'"
    ]


def test_a_group_column_of_unknown_ground_as_a_feature_asks_for_review(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path, "compliant")
    rename_group_column(bundle, "nationality_group", "cohort")
    edit_yaml(
        bundle / "model" / "model_card.yaml",
        lambda d: d["features"].append({"name": "cohort", "protected_ground": "none"}),
    )
    disc = findings(bundle)["NK.DISC.19"]
    assert (disc["status"], disc["reason"]) == ("review", "inconclusive")
    assert "cohort" in disc["message"]["en"]


def test_the_dataset_declaring_a_group_column_as_a_feature_fails(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path, "compliant")

    def change(data: dict[str, Any]) -> None:
        for entry in data["evidence"]:
            if entry["kind"] == "decisions-dataset":
                entry["columns"]["features"].append("nationality_group")

    edit_yaml(bundle / "bundle.yaml", change)
    check = terms_check(findings(bundle)["NK.DISC.19"])
    assert check["status"] == "fail"
    assert (
        "dataset feature column 'nationality_group' is not on the model card"
        in (check["values"]["notes"])
    )
    assert check["values"]["offending"][0].startswith(
        "nationality_group (tagged none): nationality, term '*nationalit*' in decisions dataset"
        " feature column name"
    )


def test_compliant_keeps_passing_without_false_positives(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path, "compliant")
    found = findings(bundle)
    disc = found["NK.DISC.01"]
    assert disc["status"] == "pass"
    assert terms_check(disc)["values"]["matches"] == []
    assert found["NK.DISC.14"]["status"] == "pass"
    assert found["NK.DISC.19"]["status"] == "pass"
    justifiable = found["NK.DISC.13"]
    assert justifiable["status"] == "review"
    rows = justifiable["checks"][0]["values"]["features"]
    assert [(r["feature"], r["ground"], r["verdict"]) for r in rows] == [
        ("age_band", "age", "review")
    ]


def scan(bundle: Path) -> set[tuple[str, str, str]]:
    """Every strong term match in a bundle's model cards and data dictionaries."""
    from normenkader.checks.protected_terms import find, load_terms

    terms = load_terms()
    manifest = yaml.safe_load((bundle / "bundle.yaml").read_text("utf-8"))
    hits: set[tuple[str, str, str]] = set()
    for entry in manifest["evidence"]:
        if entry["kind"] not in ("model-card", "data-dictionary"):
            continue
        content = yaml.safe_load((bundle / entry["path"]).read_text("utf-8"))
        for item in content.get("features") or content.get("fields") or []:
            texts = [(item["name"], "names"), (item.get("description", ""), "text")]
            texts += [(source, "names") for source in item.get("source_fields", [])]
            for text, scope in texts:
                hits.update(
                    (entry["kind"], item["name"], hit.ground)
                    for hit in find(terms, text, scope)
                    if hit.strength == "strong"
                )
    return hits


def test_false_positive_scan_of_every_example_bundle() -> None:
    """Every strong match in the shipped examples is a real protected ground, and no more."""
    card, dictionary = "model-card", "data-dictionary"
    neutral = {
        (card, "age_band", "age"),
        (dictionary, "birth_date", "age"),
        (dictionary, "nationality_group", "nationality"),  # the bias-test label, not a feature
    }
    expected = {
        "compliant": neutral,
        "selectie-bias": neutral,
        "toeslagen": {(card, "dutch_nationality", "nationality"), (card, "age_band", "age")},
        "fsv": {
            (card, "nationality_flag", "nationality"),
            (card, "surname_origin", "name_origin"),
            (card, "surname_origin", "disability_or_health"),
            (card, "mosque_donations", "religion_or_belief"),
            (dictionary, "nationality", "nationality"),
            (dictionary, "medical_costs_deduction", "disability_or_health"),
        },
    }
    assert sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()) == sorted(expected)
    for name, hits in expected.items():
        assert scan(EXAMPLES / name) == hits, name
    assert scan(ROOT / "norms" / "fixtures" / "base") == neutral


def test_a_profile_can_mark_a_ground_legally_relevant(tmp_path: Path) -> None:
    profile = tmp_path / "toeslagpartner.yaml"
    profile.write_text(
        yaml.safe_dump(
            {
                "id": "toeslagpartner",
                "title": {"nl": "Leeftijd wettelijk relevant", "en": "Age legally relevant"},
                "description": {"nl": "Test.", "en": "Test."},
                "include": {"sets": [], "norms": [], "tags": []},
                "exclude": {"sets": [], "norms": [], "tags": []},
                "tailoring": {"NK.DISC.13": {"params": {"legally_relevant_grounds": ["age"]}}},
            }
        ),
        "utf-8",
    )
    found = findings(EXAMPLES / "compliant", "--profile", str(profile))
    assert found["NK.DISC.13"]["status"] == "pass"
    assert "legally relevant: age_band: age" in found["NK.DISC.13"]["checks"][0]["message"]["en"]


def test_toeslagen_risk_profiles_fail_on_all_three_uses_of_nationality() -> None:
    found = findings(EXAMPLES / "toeslagen")
    crm = found["NK.DISC.15"]
    assert (crm["status"], crm["severity"]) == ("fail", "blocker")
    offending = " | ".join(crm["checks"][0]["values"]["offending"])
    for profile in ("risk-classification-model", "application-assessment", "organised-fraud"):
        assert profile in offending
    assert "organised-fraud/nationality (nationality): solely or decisively" in offending
    assert found["NK.DISC.16"]["status"] == "fail"  # postcode without a proxy justification


def test_every_blocker_in_disc_is_not_waivable() -> None:
    for path in sorted((ROOT / "norms" / "nk" / "disc").glob("NK.DISC.*.yaml")):
        if path.name.endswith(".test.yaml"):
            continue
        data = yaml.safe_load(path.read_text("utf-8"))
        if data["severity"] == "blocker":
            assert data.get("waivable") is False, path.name


def test_too_much_text_to_screen_is_an_error_finding_not_a_hang(tmp_path: Path) -> None:
    profile = tmp_path / "small-budget.yaml"
    profile.write_text(
        yaml.safe_dump(
            {
                "id": "small-budget",
                "title": {"nl": "Kleine zoekruimte", "en": "Small screening budget"},
                "description": {"nl": "Test.", "en": "Test."},
                "include": {"sets": [], "norms": [], "tags": []},
                "exclude": {"sets": [], "norms": [], "tags": []},
                "tailoring": {"NK.DISC.01": {"params": {"max_screened_chars": 200}}},
            }
        ),
        "utf-8",
    )
    bundle = copy_example(tmp_path, "compliant")
    edit_yaml(
        bundle / "model" / "model_card.yaml",
        lambda d: d["features"].extend(
            {"name": f"f{i}", "description": "x " * 60, "protected_ground": "none"}
            for i in range(10)
        ),
    )
    run = run_cli("check", bundle, "--as-of", AS_OF, "--format", "json", "--profile", str(profile))
    assert run.code == 2, run.stderr
    disc = {f["norm_id"]: f for f in json.loads(run.stdout)["findings"]}["NK.DISC.01"]
    assert disc["status"] == "error"
    assert "too much text to screen" in terms_check(disc)["message"]["en"]


EVERYDAY_NAMES = [
    "inkomen",
    "inkomensband",
    "toetsingsinkomen",
    "vermogen",
    "spaargeld",
    "bankrekening_saldo",
    "aantal_kinderen",
    "kinderopvang_uren",
    "uurprijs",
    "gastouderbureau",
    "kvk_nummer",
    "btw_nummer",
    "bsn",
    "a_nummer",
    "postcode",
    "postcode_gebied",
    "huisnummer",
    "wijkcode",
    "buurtcode",
    "gemeentecode",
    "woonplaats",
    "adreswijzigingen",
    "verhuisfrequentie",
    "aantal_bewoners",
    "huurprijs",
    "huurtoeslag",
    "zorgtoeslag",
    "kinderbijslag",
    "uitkering_bedrag",
    "uitkeringsduur",
    "bijstand_duur",
    "werkloosheidsduur",
    "dienstverband",
    "contract_type",
    "uren_per_week",
    "werkgever_sector",
    "loonheffing",
    "aangifte_te_laat",
    "herinneringen",
    "aanmaningen",
    "betalingsachterstand",
    "schuld_bedrag",
    "terugvordering",
    "boete",
    "eerdere_fraude",
    "signaal_bron",
    "signaal_datum",
    "melding_anoniem",
    "risico_score",
    "model_versie",
    "selectie_datum",
    "steekproef",
    "override_reden",
    "behandelaar_id",
    "doorlooptijd",
    "bezwaar",
    "beroep",
    "kenteken",
    "voertuig_waarde",
    "woz_waarde",
    "hypotheek",
    "eigen_woning",
    "aftrekposten",
    "giften_bedrag",
    "studiefinanciering",
    "opleidingsniveau",
    "diploma",
    "uitwonend",
    "thuiswonend",
    "reisafstand",
    "national_insurance_number",
    "income_band",
    "employment_status",
    "months_unemployed",
    "benefit_amount",
    "claim_count",
    "previous_claims",
    "address_changes",
    "household_income",
    "tax_return_late",
    "account_age_days",
    "page_views",
    "login_count",
    "device_type",
    "ip_country",
    "email_domain",
    "iban_prefix",
    "payment_method",
    "transaction_count",
    "average_transaction",
    "origin_system",
    "source_channel",
    "record_created_at",
    "data_quality_flag",
    "duplicate_flag",
    "fraud_label",
    "investigation_outcome",
    "region",
    "district",
    "municipality",
    "country_of_residence",
    "residence_country",
    "emigration_date",
    "internationale_transacties",
    "grensarbeider",
    "buitenlands_inkomen",
    "herkomst_inkomen",
    "geloofwaardigheid",
    "afkomstig_van",
    "geslachtsnaam_lengte",
    "afwijking_norm",
    "diagnostics_count",
]

DISGUISED_HARD_LINE = [
    "nat_nl",
    "NatCode",
    "natcode",
    "geboorteland_code",
    "dutchNationality",
    "land_van_herkomst",
    "migratieachtergrond_ind",
    "etniciteit",
    "huidskleur",
    "niet_westers",
    "allochtoon",
    "naamsherkomst",
    "dual_nat",
    "tweede_nationaliteit",
    "country_of_birth",
    "birthCountry",
    "ethnicGroup",
    "is_dutch",
    "herkomstland_ouders",
]


def test_everyday_feature_names_never_match_a_ground_strongly() -> None:
    from normenkader.checks.protected_terms import find, load_terms

    terms = load_terms()
    strong = {
        name: [h.ground for h in find(terms, name, "names") if h.strength == "strong"]
        for name in EVERYDAY_NAMES
    }
    assert {k: v for k, v in strong.items() if v} == {}
    assert len(EVERYDAY_NAMES) >= 110


def test_disguised_hard_line_names_match_strongly() -> None:
    from normenkader.checks.protected_terms import find, load_terms

    terms = load_terms()
    for name in DISGUISED_HARD_LINE:
        grounds = {h.ground for h in find(terms, name, "names") if h.strength == "strong"}
        assert grounds & terms.hard_line, name


def test_an_invalid_dataset_cannot_hold_up_the_hard_line(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path, "toeslagen")
    relabel(bundle / "model" / "model_card.yaml")

    def change(data: dict[str, Any]) -> None:
        for entry in data["evidence"]:
            if entry["kind"] == "decisions-dataset":
                entry["columns"]["bogus"] = "x"

    edit_yaml(bundle / "bundle.yaml", change)
    found = findings(bundle)
    assert found["NK.DISC.01"]["status"] == "fail"
    assert (found["NK.DISC.19"]["status"], found["NK.DISC.19"]["reason"]) == (
        "missing",
        "evidence_invalid",
    )
