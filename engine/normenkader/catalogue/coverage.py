"""Coverage: which catalogue items our executable norms cover, and which are accounted for.

An item (Algoritmekader requirement, ADR control, Rekenkamer item) is

* ``covered`` when at least one norm's ``derived_from`` cites it (at a version the
  catalogue accepts) with strength ``full`` or ``partial``;
* ``nominal`` when norms cite it, but only with strength ``nominal``: the item is named,
  not tested, and is not counted as covered (unless the exception list accounts for it,
  then that status is shown with the nominal norms beside it);
* ``judgement_only`` when it is listed in ``judgement-only.yaml`` as something only a
  supervisor's judgement can settle, with the reason;
* ``not_covered`` when it is listed there as deliberately not covered, with the reason;
* ``uncovered`` otherwise: silently missing, which ``normenkader coverage`` reports as a
  failure.

Every item a norm cites also carries its strongest link (``strength``) and the links per
norm (``links``); each catalogue counts its items by strongest link (``strengths``) and its
links by strength (``links``). Citations that name no known catalogue item are reported
as ``unresolved``; listed exceptions for items a norm now covers (full or partial) are
reported as ``stale`` so the list stays short.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..yamlio import load_structured
from .citations import STRENGTHS, NormInfo
from .model import ROLLUP_TYPES, Catalogue, catalogues_dir, find
from .upstream import natural_key

EXCEPTIONS_FORMAT = "normenkader-coverage-exceptions/1"
EXCEPTION_STATUSES = ("judgement_only", "not_covered")
STATUSES = ("covered", "nominal", "judgement_only", "not_covered", "uncovered")


@dataclass(frozen=True)
class Exception_:
    catalogue: str
    id: str
    version: str
    status: str
    reason: dict[str, str]


def load_exceptions(path: Path | None = None) -> list[Exception_]:
    """The judgement-only / not-covered list (``norms/catalogues/judgement-only.yaml``)."""
    path = path or catalogues_dir() / "judgement-only.yaml"
    if not path.is_file():
        return []
    doc = load_structured(path)
    data = doc.value
    if not isinstance(data, dict) or data.get("format") != EXCEPTIONS_FORMAT:
        raise InputError(
            "CATALOGUE_INVALID", f"format must be {EXCEPTIONS_FORMAT!r}", doc.where("")
        )
    items = data.get("items") or []
    if not isinstance(items, list):
        raise InputError("CATALOGUE_INVALID", "'items' must be a list", doc.where("/items"))
    found: list[Exception_] = []
    seen: set[tuple[str, str, str]] = set()
    for index, entry in enumerate(items):
        where = doc.where(f"/items/{index}")
        if not isinstance(entry, dict) or set(entry) != {
            "catalogue",
            "id",
            "version",
            "status",
            "reason",
        }:
            raise InputError(
                "CATALOGUE_INVALID",
                "an entry needs exactly catalogue, id, version, status and reason",
                where,
            )
        if entry["status"] not in EXCEPTION_STATUSES:
            raise InputError(
                "CATALOGUE_INVALID", f"status must be one of {', '.join(EXCEPTION_STATUSES)}", where
            )
        reason = entry["reason"]
        if (
            not isinstance(reason, dict)
            or set(reason) != {"nl", "en"}
            or not all(isinstance(v, str) and v.strip() for v in reason.values())
        ):
            raise InputError("CATALOGUE_INVALID", "reason needs non-empty 'nl' and 'en'", where)
        key = (str(entry["catalogue"]), str(entry["id"]), str(entry["version"]))
        if key in seen:
            raise InputError("CATALOGUE_INVALID", f"{key[1]} is listed twice", where)
        seen.add(key)
        found.append(Exception_(*key, status=entry["status"], reason=dict(reason)))
    return found


@dataclass
class CatalogueCoverage:
    catalogue: Catalogue
    rows: list[dict[str, Any]]
    measures_cited: int = 0
    measures_total: int = 0

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for row in self.rows:
            counts[row["status"]] += 1
        return counts

    def strengths(self) -> dict[str, int]:
        """Cited items by their strongest link."""
        counts = dict.fromkeys(STRENGTHS, 0)
        for row in self.rows:
            if "strength" in row:
                counts[row["strength"]] += 1
        return counts

    def links(self) -> dict[str, int]:
        """Links (norm cites item) by strength."""
        counts = dict.fromkeys(STRENGTHS, 0)
        for row in self.rows:
            for link in row.get("links", []):
                counts[link["strength"]] += 1
        return counts

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        data: dict[str, Any] = {
            "catalogue": self.catalogue.id,
            "version": self.catalogue.version,
            "title": self.catalogue.title,
            "total": len(self.rows),
            "counts": self.counts(),
            "strengths": self.strengths(),
            "links": self.links(),
            "items": self.rows,
        }
        if self.measures_total:
            data["measures"] = {"total": self.measures_total, "cited": self.measures_cited}
        return data


@dataclass
class CoverageReport:
    catalogues: list[CatalogueCoverage]
    unresolved: list[dict[str, str]] = field(default_factory=list)
    stale: list[dict[str, str]] = field(default_factory=list)
    rule_problems: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    norms: int = 0

    @property
    def complete(self) -> bool:
        """Nothing silently missing, every citation resolves, every roll-up rule is sound."""
        return (
            not self.unresolved
            and not self.rule_problems
            and all(row["status"] != "uncovered" for c in self.catalogues for row in c.rows)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": "normenkader-coverage/1",
            "norms": self.norms,
            "complete": self.complete,
            "catalogues": [c.to_dict() for c in self.catalogues],
            "unresolved": self.unresolved,
            "stale": self.stale,
            "rule_problems": self.rule_problems,
            "notices": self.notices,
        }


def _stronger(a: str, b: str) -> str:
    return a if STRENGTHS.index(a) <= STRENGTHS.index(b) else b


def _cited(
    norms: dict[str, NormInfo], catalogues: dict[str, Catalogue]
) -> tuple[dict[tuple[str, str], dict[str, str]], list[dict[str, str]]]:
    """(catalogue key, item id) -> {citing norm id: strongest link strength}; and the
    citations that resolve nowhere."""
    cited: dict[tuple[str, str], dict[str, str]] = {}
    unresolved: list[dict[str, str]] = []
    for norm in norms.values():
        for citation in norm.derived_from:
            target = find(catalogues, citation.catalogue, citation.version)
            problem = None
            if target is None:
                problem = "unknown catalogue or version"
            elif citation.id not in target.items:
                problem = f"no such id in {target.key}"
            if problem or target is None:
                unresolved.append(
                    {
                        "norm": norm.id,
                        "catalogue": citation.catalogue,
                        "id": citation.id,
                        "version": citation.version,
                        "problem": problem or "",
                    }
                )
                continue
            links = cited.setdefault((target.key, citation.id), {})
            links[norm.id] = _stronger(links.get(norm.id, "nominal"), citation.strength)
    return cited, unresolved


def _via_measures(
    catalogue: Catalogue,
    catalogues: dict[str, Catalogue],
    cited: dict[tuple[str, str], dict[str, str]],
) -> dict[str, list[str]]:
    """Item id -> norms that cite an Algoritmekader measure linking to the item (info only)."""
    via: dict[str, set[str]] = {}
    field_name = {
        "algoritmekader": "requirements",
        "adr-onderzoekskader": "adr",
        "ark-toetsingskader": "ark",
    }.get(catalogue.id)
    if field_name is None:
        return {}
    for other in catalogues.values():
        if other.id != "algoritmekader":
            continue
        if field_name == "requirements" and other.key != catalogue.key:
            continue
        for measure in other.of_type("measure"):
            citing = cited.get((other.key, measure.id))
            if not citing:
                continue
            for target in measure.data.get(field_name, []):
                via.setdefault(target, set()).update(citing)
    return {k: sorted(v) for k, v in via.items()}


def compute(
    selected: list[Catalogue],
    catalogues: dict[str, Catalogue],
    norms: dict[str, NormInfo],
    exceptions: list[Exception_],
    lang: str = "en",
) -> CoverageReport:
    """Coverage of the selected catalogues by the given norms."""
    cited, unresolved = _cited(norms, catalogues)
    listed: dict[tuple[str, str], Exception_] = {}
    stale: list[dict[str, str]] = []
    for entry in exceptions:
        target = find(catalogues, entry.catalogue, entry.version)
        if target is None or entry.id not in target.items:
            stale.append(
                {
                    "catalogue": entry.catalogue,
                    "id": entry.id,
                    "version": entry.version,
                    "problem": "unknown item",
                }
            )
            continue
        listed[(target.key, entry.id)] = entry
    results: list[CatalogueCoverage] = []
    for catalogue in selected:
        via = _via_measures(catalogue, catalogues, cited)
        rows: list[dict[str, Any]] = []
        for item in catalogue.items.values():
            if item.type not in ROLLUP_TYPES:
                continue
            key = (catalogue.key, item.id)
            links = cited.get(key, {})
            citing = sorted(links)
            listed_entry = listed.get(key)
            row: dict[str, Any] = {"id": item.id, "type": item.type, "title": item.text(lang)}
            strongest = "nominal"
            for strength in links.values():
                strongest = _stronger(strongest, strength)
            if citing:
                row["norms"] = citing
                row["judgement_only_norms"] = sorted(n for n in citing if norms[n].judgement_only)
                row["strength"] = strongest
                row["links"] = [{"norm": n, "strength": links[n]} for n in citing]
            if citing and strongest == "nominal" and listed_entry is not None:
                row["status"] = listed_entry.status
                row["reason"] = listed_entry.reason.get(lang) or listed_entry.reason["en"]
            elif citing and strongest == "nominal":
                row["status"] = "nominal"
            elif citing:
                row["status"] = "covered"
                if listed_entry is not None:
                    stale.append(
                        {
                            "catalogue": catalogue.id,
                            "id": item.id,
                            "version": catalogue.version,
                            "problem": f"listed as {listed_entry.status} but covered",
                        }
                    )
            elif listed_entry is not None:
                row["status"] = listed_entry.status
                row["reason"] = listed_entry.reason.get(lang) or listed_entry.reason["en"]
            else:
                row["status"] = "uncovered"
            if via.get(item.id) and not citing:
                row["via_measures"] = via[item.id]
            rows.append(row)
        rows.sort(key=lambda r: natural_key(r["id"]))
        coverage = CatalogueCoverage(catalogue, rows)
        measures = catalogue.of_type("measure")
        if measures:
            coverage.measures_total = len(measures)
            coverage.measures_cited = sum(1 for m in measures if (catalogue.key, m.id) in cited)
        results.append(coverage)
    return CoverageReport(
        catalogues=results,
        unresolved=sorted(unresolved, key=lambda u: (u["norm"], u["catalogue"], u["id"])),
        stale=stale,
        norms=len(norms),
    )
