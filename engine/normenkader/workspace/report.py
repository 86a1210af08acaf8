"""``audit report``: one self-contained HTML page of the whole audit, in Dutch or English.

The page holds the Rekenkamer-style summary (how many bundles meet every blocker, per set),
the matrix of norms by bundles, a section per bundle with every finding that is not a pass
(the matrix cells link to it), the supervisor's judgements, what changed since the previous
run, and the ledger's summary: entries by type and the head (seq and hash) the report was
issued at, so a later reader can check that the ledger still holds that head. It loads
nothing from outside (a Content-Security-Policy forbids it); every text from a bundle is
escaped. ``audit report`` records the page's sha256 in a ``report`` ledger entry.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .workspace import Workspace

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Audit report",
        "as_of": "As of",
        "norm_set": "Norm set",
        "profile": "Profile",
        "run": "Run",
        "no_run": "No run yet: run 'normenkader audit run' first.",
        "summary": "Summary",
        "meet": "meet every blocker",
        "per_set": "Per set",
        "set": "Set",
        "norms": "Norms",
        "blockers": "Blockers",
        "bundles": "Bundles",
        "matrix": "Norms by bundle",
        "norm": "Norm",
        "severity": "Severity",
        "findings": "Findings per bundle",
        "all_pass": "Every applicable norm passes.",
        "status": "Status",
        "reason": "Reason",
        "message": "Message",
        "result": "Result file",
        "organisation": "Organisation",
        "system": "System",
        "bundle": "Bundle",
        "digest": "Digest",
        "judgements": "Judgements",
        "verdict": "Verdict",
        "date": "Date",
        "assessor": "Assessor key",
        "changes": "Changed since the previous run",
        "no_changes": "Nothing changed.",
        "before": "Before",
        "after": "After",
        "rejected": "Rejected bundles",
        "source": "Source",
        "code": "Code",
        "errors": "Bundles that could not be evaluated",
        "ledger": "Ledger",
        "entries": "Entries",
        "head": "Head (last entry)",
        "ledger_note": "The ledger proves who received, ran and judged what, in which order, "
        "signed by whose key; check it with 'normenkader audit ledger verify'. "
        "This report was issued at the head shown here.",
        "yes": "yes",
        "no": "no",
        "type": "Entry type",
        "count": "Count",
    },
    "nl": {
        "title": "Toetsingsrapport",
        "as_of": "Peildatum",
        "norm_set": "Normenset",
        "profile": "Profiel",
        "run": "Run",
        "no_run": "Nog geen run: voer eerst 'normenkader audit run' uit.",
        "summary": "Samenvatting",
        "meet": "voldoen aan elke blocker",
        "per_set": "Per set",
        "set": "Set",
        "norms": "Normen",
        "blockers": "Blockers",
        "bundles": "Bundels",
        "matrix": "Normen per bundel",
        "norm": "Norm",
        "severity": "Ernst",
        "findings": "Bevindingen per bundel",
        "all_pass": "Elke toepasselijke norm is gehaald.",
        "status": "Status",
        "reason": "Reden",
        "message": "Toelichting",
        "result": "Resultaatbestand",
        "organisation": "Organisatie",
        "system": "Systeem",
        "bundle": "Bundel",
        "digest": "Digest",
        "judgements": "Oordelen",
        "verdict": "Oordeel",
        "date": "Datum",
        "assessor": "Sleutel beoordelaar",
        "changes": "Gewijzigd sinds de vorige run",
        "no_changes": "Niets gewijzigd.",
        "before": "Voor",
        "after": "Na",
        "rejected": "Geweigerde bundels",
        "source": "Bron",
        "code": "Code",
        "errors": "Bundels die niet konden worden beoordeeld",
        "ledger": "Logboek",
        "entries": "Regels",
        "head": "Kop (laatste regel)",
        "ledger_note": "Het logboek bewijst wie wat ontving, beoordeelde en wanneer, "
        "ondertekend met wiens sleutel; controleer het met "
        "'normenkader audit ledger verify'. Dit rapport is uitgegeven bij de kop hieronder.",
        "yes": "ja",
        "no": "nee",
        "type": "Soort regel",
        "count": "Aantal",
    },
}

STATUS_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "pass": "pass",
        "fail": "fail",
        "missing": "missing",
        "blocked": "blocked",
        "review": "review",
        "waived": "waived",
        "not_applicable": "n/a",
        "error": "error",
    },
    "nl": {
        "pass": "voldoet",
        "fail": "voldoet niet",
        "missing": "ontbreekt",
        "blocked": "geblokkeerd",
        "review": "beoordelen",
        "waived": "ontheven",
        "not_applicable": "n.v.t.",
        "error": "fout",
    },
}


def _text(value: Any, lang: str) -> str:
    """A ``{"en": ..., "nl": ...}`` text in ``lang`` (English when that one is absent)."""
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("en") or "")
    return "" if value is None else str(value)


def anchor(digest: str) -> str:
    return "b-" + digest.removeprefix("sha256:")[:16]


def context(workspace: Workspace, status: dict[str, Any], lang: str) -> dict[str, Any]:
    """Everything the template shows, from the status document and the ledger."""
    from .review import latest_summaries

    entries = workspace.entries()
    _, items = latest_summaries(workspace)  # each checked against its digest
    summaries = {str(item["bundle"]): item["data"] for item in items}
    details = []
    for bundle in status["bundles"]:
        data = summaries[str(bundle["digest"])]
        open_findings = [
            {
                "norm": f["norm_id"],
                "title": _text(f.get("title"), lang),
                "severity": f["severity"],
                "status": f["status"],
                "reason": f.get("reason") or "",
                "message": _text(f.get("message"), lang),
            }
            for f in data["findings"]
            if f["status"] not in ("pass", "not_applicable")
        ]
        details.append({**bundle, "anchor": anchor(bundle["digest"]), "open": open_findings})
    judgements = [
        {
            "id": e.body.get("id"),
            "norm": e.body.get("norm"),
            "verdict": e.body.get("verdict"),
            "date": e.body.get("date"),
            "actor": e.value.get("actor", ""),
            "seq": e.seq,
        }
        for e in entries
        if e.type == "judgement"
    ]
    counts = sorted(Counter(e.type for e in entries).items())
    return {
        "lang": lang,
        "L": LABELS[lang],
        "S": STATUS_WORDS[lang],
        "status": status,
        "details": details,
        "judgements": judgements,
        "entry_counts": counts,
        "head": {"seq": entries[-1].seq, "hash": entries[-1].row.hash} if entries else None,
        "anchor": anchor,
    }


def render(workspace: Workspace, status: dict[str, Any], lang: str = "en") -> str:
    from ..report.html import _environment

    template = _environment().get_template("audit.html.j2")
    return template.render(**context(workspace, status, lang))
