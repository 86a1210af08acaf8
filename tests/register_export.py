"""A generated Algoritmeregister export: N entries of publication standard v1.0.0, seeded.

Every entry is valid against the standard's JSON schema (field names, enums, the
``YYYY-MM`` start date, maximum lengths, ``language: nld``, ``schema: 1.0.0``) and carries
the register's own ``lars`` id and ``publication_dt``, which the schema allows as extra
fields. The texts are invented; some optional fields are left out, a share of entries is
category C or lacks its legal basis, so the transparency norms see both passes and gaps.

    python tests/register_export.py 1000 out.json   (or out.csv)
"""

from __future__ import annotations

import csv
import io
import json
import random
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

STATUSES = ("In gebruik", "In ontwikkeling", "Buiten gebruik")
CATEGORIES = (
    "Hoog-risico AI-systeem (Categorie A)",
    "Impactvolle algoritmes (Categorie B)",
    "Overige algoritmes (Categorie C)",
)
ORGANISATIONS = (
    "Gemeente Noorderhaaks",
    "Gemeente Zuiderveen",
    "Gemeente Oostermeer",
    "Provincie Westerland",
    "Waterschap Lage Landen",
    "Dienst Uitkeringen",
    "Belastingkantoor Midden",
    "Ministerie van Voorbeeldzaken",
)
THEMES = ("Verkeer", "Sociale zekerheid", "Belasting", "Openbare orde", "Ruimtelijke ordening")
VERBS = ("Selecteren", "Voorspellen", "Sorteren", "Controleren", "Toewijzen", "Herkennen")
OBJECTS = (
    "aanvragen bijstand",
    "meldingen openbare ruimte",
    "parkeerrechten",
    "heronderzoek toeslagen",
    "verkeersstromen",
    "bezwaarschriften",
    "vergunningaanvragen",
)
#: the CSV header: the standard's field names, plus the register's id and publication date
COLUMNS = (
    "lars",
    "name",
    "description_short",
    "organization",
    "theme",
    "status",
    "start_date",
    "end_date",
    "contact",
    "link",
    "publication_category",
    "source_link",
    "purpose_and_impact",
    "considerations",
    "human_intervention",
    "risk_management",
    "legal_basis",
    "legal_basis_link",
    "legal_basis_title",
    "processing_register_link",
    "impact_assessments",
    "impact_assessment_link",
    "impact_assessment_explanation",
    "data",
    "data_source_link",
    "data_source_title",
    "technical_operation",
    "supplier",
    "source_code_link",
    "language",
    "schema",
    "source_id",
    "publication_dt",
)


def _sentence(rng: random.Random, subject: str, limit: int) -> str:
    parts = [
        f"Het algoritme ondersteunt {subject}.",
        "Een medewerker beoordeelt elke uitkomst voordat er een besluit volgt.",
        "De gegevens komen uit de eigen basisregistraties.",
        "Het model wordt elk kwartaal gecontroleerd op fouten en ongelijke behandeling.",
        "Burgers kunnen bezwaar maken tegen het besluit.",
    ]
    rng.shuffle(parts)
    return " ".join(parts[: rng.randint(1, len(parts))])[:limit]


def entry(rng: random.Random, index: int) -> dict[str, Any]:
    """One entry of the export (valid against publication standard v1.0.0)."""
    subject = f"{rng.choice(OBJECTS)} ({index})"
    organisation = rng.choice(ORGANISATIONS)
    slug = organisation.lower().replace(" ", "")
    category = CATEGORIES[rng.choices((0, 1, 2), weights=(1, 6, 3))[0]]
    status = STATUSES[rng.choices((0, 1, 2), weights=(8, 1, 1))[0]]
    start = date(2018, 1, 1) + timedelta(days=rng.randint(0, 2900))
    published = date(2025, 1, 1) + timedelta(days=rng.randint(0, 690))
    value: dict[str, Any] = {
        "lars": f"{10000000 + index:08d}",
        "name": f"{rng.choice(VERBS)} {subject}"[:99],
        "description_short": _sentence(rng, subject, 399),
        "organization": organisation,
        "theme": rng.sample(THEMES, rng.randint(1, 2)),
        "status": status,
        "start_date": f"{start.year:04d}-{start.month:02d}",
        "contact": f"algoritmes@{slug}.example",
        "publication_category": category,
        "purpose_and_impact": _sentence(rng, subject, 2499),
        "considerations": _sentence(rng, subject, 2499),
        "human_intervention": _sentence(rng, subject, 2499),
        "risk_management": _sentence(rng, subject, 2499),
        "impact_assessments": rng.choice(("DPIA, IAMA", "DPIA", "IAMA", "Geen")),
        "data": _sentence(rng, subject, 2499),
        "technical_operation": _sentence(rng, subject, 4999),
        "supplier": rng.choice(("Eigen organisatie", "Leverancier BV", "Rekenhuis NV")),
        "language": "nld",
        "schema": "1.0.0",
        "publication_dt": f"{published.isoformat()}T10:00:00",
    }
    if rng.random() < 0.85:
        value["legal_basis"] = _sentence(rng, subject, 2499)
        value["legal_basis_title"] = "Participatiewet art. 17"
        value["legal_basis_link"] = "https://wetten.overheid.nl/BWBR0015703"
    if status == "Buiten gebruik":
        end = start + timedelta(days=rng.randint(40, 400))
        value["end_date"] = f"{end.year:04d}-{end.month:02d}"
    if rng.random() < 0.5:
        value["link"] = f"https://www.{slug}.example/algoritmes/{index}"
    return value


def export(count: int, seed: int = 2026) -> list[dict[str, Any]]:
    """``count`` entries, the same for the same seed."""
    rng = random.Random(seed)
    return [entry(rng, index) for index in range(count)]


def to_json(entries: list[dict[str, Any]]) -> bytes:
    return json.dumps(entries, ensure_ascii=False, indent=1).encode("utf-8")


def to_csv(entries: list[dict[str, Any]]) -> bytes:
    """The register's CSV form: one header row, lists joined with ', ', empty cells absent."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for value in entries:
        cells = []
        for column in COLUMNS:
            cell = value.get(column)
            cells.append(", ".join(cell) if isinstance(cell, list) else (cell or ""))
        writer.writerow(cells)
    return out.getvalue().encode("utf-8")


if __name__ == "__main__":  # pragma: no cover
    target = Path(sys.argv[2])
    made = export(int(sys.argv[1]))
    target.write_bytes(to_csv(made) if target.suffix == ".csv" else to_json(made))
