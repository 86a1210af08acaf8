"""Plain-text renderings of coverage and import reports (the CLI prints them)."""

from __future__ import annotations

from .citations import STRENGTHS
from .coverage import STATUSES, CoverageReport
from .importer import ImportReport

LABELS = {
    "en": {
        "covered": "covered",
        "nominal": "NOMINAL",
        "judgement_only": "judgement-only",
        "not_covered": "not covered",
        "uncovered": "UNCOVERED",
    },
    "nl": {
        "covered": "gedekt",
        "nominal": "NOMINAAL",
        "judgement_only": "alleen oordeel",
        "not_covered": "niet gedekt",
        "uncovered": "ONGEDEKT",
    },
}


def coverage_table(report: CoverageReport, lang: str = "en", show_all: bool = False) -> str:
    labels = LABELS.get(lang, LABELS["en"])
    lines: list[str] = [f"norms: {report.norms}"]
    for cov in report.catalogues:
        counts = cov.counts()
        summary = ", ".join(f"{counts[s]} {labels[s]}" for s in STATUSES)
        lines.append("")
        noun = "onderdelen" if lang == "nl" else "items"
        lines.append(f"{cov.catalogue.key}: {len(cov.rows)} {noun}: {summary}")
        strengths, links = cov.strengths(), cov.links()
        lines.append(
            "  strongest link per cited item: "
            + ", ".join(f"{strengths[s]} {s}" for s in STRENGTHS)
            + "; links: "
            + ", ".join(f"{links[s]} {s}" for s in STRENGTHS)
        )
        if cov.measures_total:
            lines.append(f"  measures cited by norms: {cov.measures_cited}/{cov.measures_total}")
        width = max((len(r["id"]) for r in cov.rows), default=10)
        for row in cov.rows:
            if row["status"] == "covered" and not show_all:
                continue
            status = labels[row["status"]]
            detail = ""
            if row.get("links") and row["status"] in ("covered", "nominal"):
                detail = ", ".join(
                    link["norm"]
                    if link["strength"] == "full"
                    else f"{link['norm']} ({link['strength']})"
                    for link in row["links"]
                )
            elif "reason" in row:
                detail = row["reason"]
                if row.get("links"):
                    detail += " [nominal: " + ", ".join(row["norms"]) + "]"
            elif row.get("via_measures"):
                label = "alleen via maatregelen" if lang == "nl" else "only via measures"
                detail = f"({label}: " + ", ".join(row["via_measures"]) + ")"
            lines.append(f"  {row['id']:<{width}}  {status:<15} {row['title']}")
            if detail:
                lines.append(f"  {'':<{width}}  {'':<15} -> {detail}")
    if report.unresolved:
        lines.append("")
        lines.append(f"unresolved citations: {len(report.unresolved)}")
        for u in report.unresolved:
            lines.append(
                f"  {u['norm']}: {u['catalogue']} {u['id']} ({u['version']}): {u['problem']}"
            )
    if report.stale:
        lines.append("")
        lines.append(f"stale entries in judgement-only.yaml: {len(report.stale)}")
        for s in report.stale:
            lines.append(f"  {s['catalogue']} {s['id']} ({s['version']}): {s['problem']}")
    if report.rule_problems:
        lines.append("")
        lines.append(f"roll-up rule problems: {len(report.rule_problems)}")
        lines.extend(f"  {problem}" for problem in report.rule_problems)
    for notice in report.notices:
        lines.append(f"notice: {notice}")
    lines.append("")
    if lang == "nl":
        lines.append(
            "volledig"
            if report.complete
            else "ONVOLLEDIG: onderdelen stil ongedekt, verwijzingen onbekend of roll-upregels fout"
        )
    else:
        lines.append(
            "complete"
            if report.complete
            else "INCOMPLETE: items silently uncovered, "
            "citations unresolved or roll-up rules broken"
        )
    return "\n".join(lines) + "\n"


def import_text(report: ImportReport) -> str:
    lines = [
        f"source: {report.source} ({report.form}, version {report.version or 'unknown'}"
        + (f", commit {report.commit[:12]}" if report.commit else "")
        + ")"
    ]
    for cat in report.catalogues:
        against = cat.compared_with or "nothing committed"
        state = "identical" if cat.identical else "changed"
        lines.append(f"{cat.catalogue} {cat.version} vs {against}: {state}")
        for section, ids in cat.added.items():
            lines.append(f"  + {len(ids)} {section}: {', '.join(ids)}")
        for section, ids in cat.removed.items():
            lines.append(f"  - {len(ids)} {section}: {', '.join(ids)}")
        for change in cat.changed:
            parts = []
            if change.get("added"):
                parts.append("+" + " +".join(map(str, change["added"])))
            if change.get("removed"):
                parts.append("-" + " -".join(map(str, change["removed"])))
            if change.get("reordered"):
                parts.append("reordered")
            if "new" in change:
                parts.append(f"{change['old']!r} -> {change['new']!r}")
            lines.append(f"  ~ {change['id']} {change['field']}: {' '.join(parts)}")
        if cat.meaning_changed:
            lines.append(
                f"  ! upstream title changed (check our title): {', '.join(cat.meaning_changed)}"
            )
        if cat.untitled:
            lines.append(f"  ? {len(cat.untitled)} items need our own title")
    for warning in report.warnings:
        lines.append(f"warning: {warning}")
    for path in report.written:
        lines.append(f"wrote {path}")
    return "\n".join(lines) + "\n"
