"""Plain-text renderings of coverage and import reports (the CLI prints them)."""

from __future__ import annotations

from ..messages import text, words
from .citations import STRENGTHS
from .coverage import STATUSES, CoverageReport
from .importer import ImportReport

#: coverage states in words, from the message catalogue (``coverage.*``)
LABELS = {lang: words("coverage", lang) for lang in ("en", "nl")}


def coverage_table(report: CoverageReport, lang: str = "en", show_all: bool = False) -> str:
    labels = LABELS.get(lang, LABELS["en"])
    lines: list[str] = [text("coverage.norms", lang, count=report.norms)]
    for cov in report.catalogues:
        counts = cov.counts()
        summary = ", ".join(f"{counts[s]} {labels[s]}" for s in STATUSES)
        lines.append("")
        lines.append(f"{cov.catalogue.key}: {len(cov.rows)} {labels['items']}: {summary}")
        strengths, links = cov.strengths(), cov.links()
        lines.append(
            "  "
            + text(
                "coverage.strongest",
                lang,
                strongest=", ".join(f"{strengths[s]} {_strength(s, lang)}" for s in STRENGTHS),
                links=", ".join(f"{links[s]} {_strength(s, lang)}" for s in STRENGTHS),
            )
        )
        if cov.measures_total:
            lines.append(
                "  "
                + text(
                    "coverage.measures", lang, cited=cov.measures_cited, total=cov.measures_total
                )
            )
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
                    else f"{link['norm']} ({_strength(link['strength'], lang)})"
                    for link in row["links"]
                )
            elif "reason" in row:
                detail = row["reason"]
                if row.get("links"):
                    detail += f" [{_strength('nominal', lang)}: " + ", ".join(row["norms"]) + "]"
            elif row.get("via_measures"):
                label = labels["via_measures"]
                detail = f"({label}: " + ", ".join(row["via_measures"]) + ")"
            lines.append(f"  {row['id']:<{width}}  {status:<15} {row['title']}")
            if detail:
                lines.append(f"  {'':<{width}}  {'':<15} -> {detail}")
    if report.unresolved:
        lines.append("")
        lines.append(text("coverage.unresolved", lang, count=len(report.unresolved)))
        for u in report.unresolved:
            lines.append(
                f"  {u['norm']}: {u['catalogue']} {u['id']} ({u['version']}): {u['problem']}"
            )
    if report.stale:
        lines.append("")
        lines.append(text("coverage.stale", lang, count=len(report.stale)))
        for s in report.stale:
            lines.append(f"  {s['catalogue']} {s['id']} ({s['version']}): {s['problem']}")
    if report.rule_problems:
        lines.append("")
        lines.append(text("coverage.rule_problems", lang, count=len(report.rule_problems)))
        lines.extend(f"  {problem}" for problem in report.rule_problems)
    for notice in report.notices:
        lines.append(text("coverage.notice", lang, notice=notice))
    lines.append("")
    lines.append(labels["complete" if report.complete else "incomplete"])
    return "\n".join(lines) + "\n"


def _strength(strength: str, lang: str) -> str:
    """A link strength in words; English keeps the code (full, partial, nominal)."""
    return strength if lang == "en" else text(f"coverage.strength.{strength}", lang)


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
