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
from ._shared import ATTESTED_PASS_LABEL, answer_links, status_label
from .context import EMPTY, Context
from .words import duration, humane, value

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
        "new": "NEW",
        "known_set_aside": "known findings set aside by the baseline",
        "baseline": "baseline",
        "new_findings": "new",
        "notices": "Notices",
        "waived_findings": "Waived findings",
        "stale_soon": "Evidence that goes stale within the warning window",
        "goes_stale": "goes stale on",
        "max_age": "maximum age",
        "approved_by": "approved by",
        "until": "until",
        "written_to": "report written to",
        "findings_word": "findings",
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
        "new": "NIEUW",
        "known_set_aside": "bekende bevindingen terzijde gelegd door de baseline",
        "baseline": "baseline",
        "new_findings": "nieuw",
        "notices": "Meldingen",
        "waived_findings": "Vrijgestelde bevindingen",
        "stale_soon": "Bewijs dat binnen de waarschuwingstermijn te oud wordt",
        "goes_stale": "te oud vanaf",
        "max_age": "maximale ouderdom",
        "approved_by": "goedgekeurd door",
        "until": "t/m",
        "written_to": "rapport geschreven naar",
        "findings_word": "bevindingen",
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
    lines = [humane(finding.message.get(lang, finding.message.get("en", "")), lang)]
    lines.extend(answer_links(finding, lang))
    for check in finding.checks:
        offending = check.values.get("offending")
        if check.status in (Status.FAIL, Status.REVIEW) and offending not in (None, [], {}):
            lines.append(f"{words['offending']} ({check.kind}): {_short(value(offending, lang))}")
    for use in finding.evidence:
        if use.id:
            lines.append(
                f"{words['evidence']}: {use.id} ({use.kind}) {use.path} sha256:{use.sha256[:12]}"
                + (f" [{use.date}]" if use.date else "")
            )
    if finding.waiver:
        lines.append(f"{words['waived']}: {_waiver_text(finding.waiver, words)}")
    return [visible(line) for line in lines]


def _waiver_text(waiver: dict[str, Any], words: dict[str, str]) -> str:
    signed = " [unsigned]" if waiver.get("signed") is False else ""
    return _short(
        f"{waiver.get('id')}{signed}, {words['approved_by']} {waiver.get('approver')} "
        f"{words['until']} {waiver.get('expires')}: {waiver.get('justification') or ''}"
    )


def _notice_lines(result: Result, lang: str, context: Context, words: dict[str, str]) -> list[str]:
    """Notices (refused/expired waivers, lapsed or idle judgements) and the evidence that
    goes stale within the warning window: nothing the reader needs stays hidden."""
    lines: list[str] = []
    if result.notices:
        lines.append(words["notices"] + ":")
        for notice in result.notices:
            message = notice.get("message")
            text = message.get(lang) or message.get("en", "") if isinstance(message, dict) else ""
            where = f"{notice.get('source')}:{notice.get('line')}" if notice.get("line") else ""
            lines.append(
                f"  {notice.get('code')} {notice.get('norm_id') or ''} "
                f"{notice.get('id') or ''} {where}: {humane(str(text or ''), lang)}"
            )
    if context.stale_soon:
        lines.append(words["stale_soon"] + ":")
        for soon in context.stale_soon:
            lines.append(
                f"  {soon.norm_id} {soon.evidence_id} ({soon.kind}) {soon.date}: "
                f"{words['goes_stale']} {soon.stale_from} "
                f"({words['max_age']} {duration(soon.max_age, lang)})"
            )
    waived = sorted((f for f in result.findings if f.waiver), key=lambda f: f.norm_id)
    if waived:
        lines.append(words["waived_findings"] + ":")
        for finding in waived:
            was = finding.original_status.value if finding.original_status else ""
            lines.append(
                f"  WAIVED   {finding.norm_id} [{finding.severity}] ({was}) "
                + _waiver_text(finding.waiver or {}, words)
            )
    return [visible(line) for line in lines]


def _baseline_lines(context: Context, result: Result, words: dict[str, str]) -> list[str]:
    if context.baseline is None:
        return []
    source = context.baseline.source
    problems = (*ACTION, Status.BLOCKED)
    new = sum(1 for f in result.findings if f.status in problems and context.is_new(f.norm_id))
    return [
        visible(
            f"{words['baseline']}: {source.get('bundle')} ({words['as_of']} {source.get('as_of')}):"
            f" {context.known_count()} {words['known_set_aside']}, {new} "
            f"{words['new_findings']}"
        )
    ]


def _action(result: Result, context: Context) -> list[Finding]:
    """Findings that need action: new ones (against a baseline) first, then by severity."""
    action = [f for f in result.findings if f.status in ACTION]
    action.sort(
        key=lambda f: (
            0 if context.is_new(f.norm_id) or context.baseline is None else 1,
            SEVERITIES.index(f.severity),
            ACTION.index(f.status),
            f.norm_id,
        )
    )
    return action


def one_line(result: Result, lang: str, context: Context | None = None) -> str:
    """The one-line summary ``check -o`` prints on stderr (counts that are not zero)."""
    words = LABELS[lang]
    counts = result.summary()["by_status"]
    shown = ", ".join(
        f"{counts[s.value]} {status_label(s.value, lang)}" for s in STATUS_ORDER if counts[s.value]
    )
    line = f"{result.bundle.get('id')}: {len(result.findings)} {words['findings_word']}"
    line += f" ({shown})" if shown else ""
    if context is not None and context.baseline is not None:
        line += f"; {context.known_count()} {words['known_set_aside']}"
    return visible(line)


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
    result: Result,
    *,
    lang: str = "en",
    norm_set: NormSet | None = None,
    color: bool = False,
    context: Context | None = None,
) -> str:
    """The terminal view; every line passes through ``visible`` (bundle text is hostile)."""
    if color:
        return _render_rich(result, lang, context or EMPTY)
    return _render_plain(result, lang, context or EMPTY)


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


def _render_plain(result: Result, lang: str, context: Context) -> str:
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
    action = _action(result, context)
    out.extend(_baseline_lines(context, result, words))
    out.append(words["action"] + ":")
    if not action and not groups:
        out.append("  " + words["none"])
    for finding in action:
        title = finding.title.get(lang, finding.title.get("en", ""))
        new = f"{words['new']} " if context.is_new(finding.norm_id) else ""
        out.append(
            f"  {new}{finding.status.value.upper():<8} {finding.norm_id} [{finding.severity}] "
            + visible(title)
        )
        for line in _detail_lines(finding, lang, words):
            out.append(f"           {line}")
        if finding.norm_id in groups:
            out.append(f"           {words['root']}: {', '.join(groups[finding.norm_id])}")
    orphans = [root for root in groups if root not in {f.norm_id for f in action}]
    for root in orphans:
        out.append(f"  {words['blocked_by']} {root}: {', '.join(groups[root])}")
    blocked = [
        (f"{words['new']} " if context.is_new(f.norm_id) else "") + f.norm_id
        for f in result.findings
        if f.status is Status.BLOCKED
    ]
    if blocked:
        out.append(f"  BLOCKED  {len(blocked)}: {', '.join(blocked)}")
    out.extend(_notice_lines(result, lang, context, words))
    out.extend(_unsigned_lines(result, lang))
    return "\n".join(out) + "\n"


def _render_rich(result: Result, lang: str, context: Context) -> str:
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
    action = _action(result, context)
    for line in _baseline_lines(context, result, words):
        console.print(Text(line, style="bold"))
    console.print(Text(words["action"], style="bold underline"))
    if not action and not groups:
        console.print(Text("  " + words["none"]))
    for finding in action:
        title = finding.title.get(lang, finding.title.get("en", ""))
        heading = Text("  ")
        if context.is_new(finding.norm_id):
            heading.append(f"{words['new']} ", style="bold red")
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
    blocked = [
        (f"{words['new']} " if context.is_new(f.norm_id) else "") + f.norm_id
        for f in result.findings
        if f.status is Status.BLOCKED
    ]
    if blocked:
        console.print(Text(f"  BLOCKED  {len(blocked)}: {', '.join(blocked)}", style="magenta"))
    for line in _notice_lines(result, lang, context, words):
        console.print(Text(line, style="yellow"))
    for line in _unsigned_lines(result, lang):
        console.print(Text(line, style="yellow"))
    return buffer.getvalue()
