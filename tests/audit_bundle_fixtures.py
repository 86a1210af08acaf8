"""A tiny norm set and bundle written to a temporary folder, for end-to-end tests of the
audit workflow through the real CLI (independent of the shipped library's evolution)."""

from __future__ import annotations

from pathlib import Path

import yaml

AS_OF = "2026-11-29"

NORMS: dict[str, dict[str, object]] = {
    "NK.TST.01": {
        "severity": "major",
        "evidence": {"policy": {"kind": "document", "id": "policy"}},
        "checks": [
            {
                "kind": "expr",
                "expr": "policy.meta.approved == true",
                "explain": {"nl": "Beleid is niet goedgekeurd.", "en": "Policy not approved."},
            }
        ],
    },
    "NK.TST.02": {
        "severity": "minor",
        "requires": ["NK.TST.01"],
        "evidence": {
            "procedure": {"kind": "document", "id": "procedure"},
        },
        "review": True,
        "review_prompt": {"nl": "Is de procedure toereikend?", "en": "Is the procedure adequate?"},
        "checks": [],
    },
    "NK.TST.03": {
        "severity": "blocker",
        "waivable": False,
        "checks": [
            {
                "kind": "expr",
                "expr": "profile.automated_selection == false",
                "explain": {"nl": "Automatische selectie.", "en": "Automated selection."},
            }
        ],
    },
    "NK.TST.04": {
        "severity": "info",
        "applies_if": "profile.self_learning",
        "checks": [{"kind": "expr", "expr": "true", "explain": {"nl": "n.v.t.", "en": "n/a"}}],
    },
}


def write_norms(root: Path) -> Path:
    folder = root / "norms" / "tst"
    folder.mkdir(parents=True)
    for norm_id, extra in NORMS.items():
        data: dict[str, object] = {
            "id": norm_id,
            "title": {"nl": f"Testnorm {norm_id}", "en": f"Test norm {norm_id}"},
            "description": {"nl": "Alleen voor tests.", "en": "For tests only."},
            "derived_from": [
                {
                    "catalogue": "algoritmekader",
                    "id": "urn:nl:ak:ver:awb-01",
                    "version": "v2.5.1",
                    "strength": "full",
                }
            ],
            "legal_basis": ["Awb art. 3:2"],
            **extra,
        }
        (folder / f"{norm_id}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return root / "norms"


def write_bundle(
    root: Path,
    *,
    approved: bool = True,
    organisation: str = "Gemeente Test",
    procedure_text: str = "Procedure v1\n",
) -> Path:
    bundle = root / "bundle"
    (bundle / "docs").mkdir(parents=True)
    (bundle / "docs" / "policy.md").write_text("# Policy\n")
    (bundle / "docs" / "procedure.md").write_text(procedure_text)
    manifest = {
        "format": 1,
        "bundle": {
            "id": "gm0001-test-2026-001",
            "organisation": organisation,
            "submitted": "2026-11-20",
        },
        "system": {"name": "Testsysteem", "register_id": "00000042"},
        "profile": {"automated_selection": True, "self_learning": False},
        "evidence": [
            {
                "id": "policy",
                "kind": "document",
                "path": "docs/policy.md",
                "date": "2026-01-01",
                "meta": {"approved": approved},
            },
            {
                "id": "procedure",
                "kind": "document",
                "path": "docs/procedure.md",
                "date": "2026-01-01",
            },
        ],
    }
    text = yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True)
    (bundle / "bundle.yaml").write_text(text)
    return bundle
