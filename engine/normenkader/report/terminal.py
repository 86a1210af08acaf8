"""The terminal view: a summary table, then the findings that need action.

Blocked findings are grouped under their root causes, so one missing data dictionary reads
as one cause with N consequences. With ``rich`` on a terminal (colour), plain text
otherwise (CI logs, pipes); rich is imported only in the first case.
"""

from __future__ import annotations

from io import StringIO
from typing import TYPE_CHECKING, Any

from ..results import SEVERITIES, STATUS_ORDER, Finding, Status
from ..textsafe import visible
from ._shared import ATTESTED_PASS_LABEL, answer_links

if TYPE_CHECKING:
    from ..norms.compiled import NormSet
    from ..results import Result

ACTION = (Status.FAIL, Status.MISSING, Status.ERROR, Status.REVIEW)
LABELS = {
    "en": {
        "title": "normenkader check",
        "bundle": "bundle",
        "system": "system",
        "as_of": "as of",
        "profile": "profile",
        "norms": "norms",
        "set": "set",
        "total": "total",
        "action": "Findings that need action",
        "none": "No findings need action.",
        "blocks": "blocks",
        "evidence": "evidence",
        "facts": "facts",
        "offending": "offending",
        "waived": "waived",
        "root": "root cause of",
        "blocked_by": "blocked by",
    },
    "nl": {
        "title": "normenkader toets",
        "bundle": "bundel",
        "system": "systeem",
        "as_of": "peildatum",
        "profile": "profiel",
        "norms": "normen",
        "set": "set",
        "total": "totaal",
        "action": "Bevindingen die actie vragen",
        "none": "Geen bevindingen die actie vragen.",
        "blocks": "blokkeert",
        "evidence": "bewijs",
        "facts": "feiten",
        "offending": "overtredend",
        "waived": "ontheffing",
        "root": "oorzaak van",
        "blocked_by": "geblokkeerd door",
    },
}
COLOURS = {
    "pass": "green",
    "fail": "bold red",
    "missing": "red",
    "blocked": "magenta",
    "review": "yellow",
    "waived": "cyan",
    "not_applicable": "dim",
    "error": "bold white on red",
}


def _blocked_by_root(findings: list[Finding]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for finding in findings:
        if finding.status is Status.BLOCKED:
            for root in finding.root_causes:
                groups.setdefault(root, []).append(finding.norm_id)
    return {root: sorted(ids) for root, ids in sorted(groups.items())}


def _detail_lines(finding: Finding, lang: str, words: dict[str, str]) -> list[str]:
    lines = [finding.message.get(lang, finding.message.get("en", ""))]
    lines.extend(answer_links(finding, lang))
    for check in finding.checks:
        offending = check.values.get("offending")
        if check.status in (Status.FAIL, Status.REVIEW) and offending not in (None, [], {}):
            lines.append(f"{words['offending']}: {_short(offending)}")
    for use in finding.evidence:
        if use.id:
            lines.append(
                f"{words['evidence']}: {use.id} ({use.kind}) {use.path} sha256:{use.sha256[:12]}"
                + (f" [{use.date}]" if use.date else "")
            )
    if finding.waiver:
        lines.append(f"{words['waived']}: {_short(finding.waiver)}")
    return [visible(line) for line in lines]


UNSIGNED = {
    "en": (
        "UNSIGNED waivers and judgements (who approved or judged is a name, not a key)",
        "waiver",
        "judgement",
        "by",
        "approved by",
    ),
    "nl": (
        "NIET ONDERTEKENDE ontheffingen en oordelen (wie goedkeurde of oordeelde is een "
        "naam, geen sleutel)",
        "ontheffing",
        "oordeel",
        "door",
        "goedgekeurd door",
    ),
}


def _unsigned_lines(result: Result, lang: str) -> list[str]:
    """Every unsigned waiver and judgement that decided a finding, marked as such."""
    heading, waiver, judgement, by, approved = UNSIGNED[lang]
    lines: list[str] = []
    for finding in result.findings:
        if finding.waiver and finding.waiver.get("signed") is False:
            w = finding.waiver
            lines.append(
                f"  {finding.norm_id} {waiver} {w.get('id')} [unsigned]: {by} {w.get('author')},"
                f" {approved} {w.get('approver')}"
            )
        if finding.judgement and finding.judgement.get("signed") is False:
            j = finding.judgement
            lines.append(
                f"  {finding.norm_id} {judgement} {j.get('verdict')} [unsigned]: {by}"
                f" {j.get('assessor')} ({j.get('date')})"
            )
    return [visible(line) for line in ([heading + ":", *lines] if lines else [])]


def _attested_lines(result: Result, lang: str) -> list[str]:
    """Passes that rest on the organisation's own statement, never shown as plain passes."""
    attested = sorted(f.norm_id for f in result.findings if f.attested_pass)
    if not attested:
        return []
    return [visible(f"{ATTESTED_PASS_LABEL[lang]}: {len(attested)}: {', '.join(attested)}")]


def _short(value: Any, width: int = 160) -> str:
    text = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def render(
    result: Result, *, lang: str = "en", norm_set: NormSet | None = None, color: bool = False
) -> str:
    """The terminal view; every line passes through ``visible`` (bundle text is hostile)."""
    if color:
        return _render_rich(result, lang)
    return _render_plain(result, lang)


def _as_of_source(result: Result, words: dict[str, str]) -> str:
    """`` (the bundle's submission date)``: where the as-of date came from, if recorded."""
    source = result.inputs.get("as_of_source")
    if not source:
        return ""
    from ..asof import describe

    return f" ({describe(source, 'nl' if words is LABELS['nl'] else 'en')})"


def _header(result: Result, words: dict[str, str]) -> list[str]:
    bundle = result.bundle
    system = bundle.get("system", {}).get("name", "")
    lines = [
        f"{words['title']} {result.engine['version']}",
        f"{words['bundle']}: {bundle['id']} ({bundle.get('organisation') or ''})",
        f"digest: {bundle['digest']}",
        f"{words['system']}: {system}",
        f"{words['as_of']}: {result.as_of}{_as_of_source(result, words)}"
        f"   {words['profile']}: {result.norm_set['profile']}"
        f"   {words['norms']}: {result.norm_set['norms']}",
    ]
    return [visible(line) for line in lines]


def _render_plain(result: Result, lang: str) -> str:
    words = LABELS[lang]
    summary = result.summary()
    statuses = [s.value for s in STATUS_ORDER]
    out = _header(result, words)
    out.append("")
    width = max([len(words["set"]), len(words["total"])] + [len(s) for s in summary["by_set"]])
    out.append(f"{words['set']:<{width}}  " + "  ".join(f"{s:>7}" for s in statuses))
    for name, counts in summary["by_set"].items():
        out.append(f"{name:<{width}}  " + "  ".join(f"{counts[s]:>7}" for s in statuses))
    out.append(
        f"{words['total']:<{width}}  "
        + "  ".join(f"{summary['by_status'][s]:>7}" for s in statuses)
    )
    out.extend(_attested_lines(result, lang))
    out.append("")
    groups = _blocked_by_root(result.findings)
    action = [f for f in result.findings if f.status in ACTION]
    action.sort(key=lambda f: (SEVERITIES.index(f.severity), ACTION.index(f.status), f.norm_id))
    out.append(words["action"] + ":")
    if not action and not groups:
        out.append("  " + words["none"])
    for finding in action:
        title = finding.title.get(lang, finding.title.get("en", ""))
        out.append(
            f"  {finding.status.value.upper():<8} {finding.norm_id} [{finding.severity}] "
            + visible(title)
        )
        for line in _detail_lines(finding, lang, words):
            out.append(f"           {line}")
        if finding.norm_id in groups:
            out.append(f"           {words['root']}: {', '.join(groups[finding.norm_id])}")
    orphans = [root for root in groups if root not in {f.norm_id for f in action}]
    for root in orphans:
        out.append(f"  {words['blocked_by']} {root}: {', '.join(groups[root])}")
    blocked = [f.norm_id for f in result.findings if f.status is Status.BLOCKED]
    if blocked:
        out.append(f"  BLOCKED  {len(blocked)}: {', '.join(blocked)}")
    out.extend(_unsigned_lines(result, lang))
    return "\n".join(out) + "\n"


def _render_rich(result: Result, lang: str) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    words = LABELS[lang]
    buffer = StringIO()
    console = Console(file=buffer, force_terminal=True, width=120, highlight=False)
    for line in _header(result, words):
        console.print(Text(line))
    summary = result.summary()
    table = Table(show_edge=False)
    table.add_column(words["set"])
    statuses = [s.value for s in STATUS_ORDER]
    for status in statuses:
        table.add_column(status, justify="right", style=COLOURS[status])
    for name, counts in summary["by_set"].items():
        table.add_row(name, *(str(counts[s] or "") for s in statuses))
    table.add_row(words["total"], *(str(summary["by_status"][s]) for s in statuses), style="bold")
    console.print(table)
    for line in _attested_lines(result, lang):
        console.print(Text(line, style="green"))
    groups = _blocked_by_root(result.findings)
    action = [f for f in result.findings if f.status in ACTION]
    action.sort(key=lambda f: (SEVERITIES.index(f.severity), ACTION.index(f.status), f.norm_id))
    console.print(Text(words["action"], style="bold underline"))
    if not action and not groups:
        console.print(Text("  " + words["none"]))
    for finding in action:
        title = finding.title.get(lang, finding.title.get("en", ""))
        heading = Text("  ")
        heading.append(f"{finding.status.value.upper():<8}", style=COLOURS[finding.status.value])
        heading.append(f" {finding.norm_id} ", style="bold")
        heading.append(visible(f"[{finding.severity}] {title}"))
        console.print(heading)
        for detail in _detail_lines(finding, lang, words):
            console.print(Text("           " + detail))
        if finding.norm_id in groups:
            console.print(
                Text(
                    f"           {words['root']}: {', '.join(groups[finding.norm_id])}",
                    style="magenta",
                )
            )
    blocked = [f.norm_id for f in result.findings if f.status is Status.BLOCKED]
    if blocked:
        console.print(Text(f"  BLOCKED  {len(blocked)}: {', '.join(blocked)}", style="magenta"))
    for line in _unsigned_lines(result, lang):
        console.print(Text(line, style="yellow"))
    return buffer.getvalue()
