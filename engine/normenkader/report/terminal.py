"""The terminal view: a summary table, then the findings that need action.

Blocked findings are grouped under their root causes, so one missing data dictionary reads
as one cause with N consequences. With ``rich`` on a terminal (colour), plain text
otherwise (CI logs, pipes); rich is imported only in the first case.
"""

from __future__ import annotations

from io import StringIO
from typing import TYPE_CHECKING, Any

from .. import messages
from ..results import SEVERITIES, STATUS_ORDER, Finding, Status
from ..textsafe import visible
from ._shared import ATTESTED_PASS_LABEL, SEVERITY_LABELS, answer_links, status_label
from .context import EMPTY, Context
from .words import duration, humane, value

if TYPE_CHECKING:
    from ..norms.compiled import NormSet
    from ..results import Result

ACTION = (Status.FAIL, Status.MISSING, Status.ERROR, Status.REVIEW)
#: the terminal's words, from the message catalogue (messages/report.py, ``terminal.*``)
LABELS = {lang: messages.words("terminal", lang) for lang in ("en", "nl")}
#: finding tags (``FAIL``/``AFWIJKING``) and their column width, per language
TAGS = {
    lang: {s.value: messages.text(f"status.short.{s.value}", lang).upper() for s in Status}
    for lang in ("en", "nl")
}
_TAGGED = ("fail", "missing", "error", "review", "blocked", "waived")
TAG_WIDTH = {lang: max(len(TAGS[lang][s]) + 1 for s in _TAGGED) for lang in TAGS}


def _tag(status: str, lang: str) -> str:
    return f"{TAGS[lang][status]:<{TAG_WIDTH[lang]}}"


def _severity(severity: str, lang: str) -> str:
    return SEVERITY_LABELS.get(severity, {}).get(lang, severity)


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
        if lang == "nl" and check.values.get("offending_nl"):
            offending = check.values["offending_nl"]  # the check's own Dutch for its items
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
    signed = f" [{words['unsigned']}]" if waiver.get("signed") is False else ""
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
            was = (
                status_label(finding.original_status.value, lang) if finding.original_status else ""
            )
            lines.append(
                f"  {_tag('waived', lang)} {finding.norm_id} [{_severity(finding.severity, lang)}]"
                f" ({was}) " + _waiver_text(finding.waiver or {}, words)
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


def _unsigned_lines(result: Result, lang: str) -> list[str]:
    """Every unsigned waiver and judgement that decided a finding, marked as such."""
    words = LABELS[lang]
    heading, waiver, judgement = words["unsigned_heading"], words["waiver"], words["judgement"]
    by, approved, unsigned = words["by"], words["approved_by"], words["unsigned"]
    lines: list[str] = []
    for finding in result.findings:
        if finding.waiver and finding.waiver.get("signed") is False:
            w = finding.waiver
            lines.append(
                f"  {finding.norm_id} {waiver} {w.get('id')} [{unsigned}]: {by} {w.get('author')},"
                f" {approved} {w.get('approver')}"
            )
        if finding.judgement and finding.judgement.get("signed") is False:
            j = finding.judgement
            lines.append(
                f"  {finding.norm_id} {judgement} {j.get('verdict')} [{unsigned}]: {by}"
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
        f"{words['digest']}: {bundle['digest']}",
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
    heads = [messages.text(f"status.short.{s}", lang) for s in statuses]
    cols = [max(7, len(h)) for h in heads]
    out.append(
        f"{words['set']:<{width}}  "
        + "  ".join(f"{h:>{c}}" for h, c in zip(heads, cols, strict=True))
    )
    for name, counts in summary["by_set"].items():
        out.append(
            f"{name:<{width}}  "
            + "  ".join(f"{counts[s]:>{c}}" for s, c in zip(statuses, cols, strict=True))
        )
    out.append(
        f"{words['total']:<{width}}  "
        + "  ".join(f"{summary['by_status'][s]:>{c}}" for s, c in zip(statuses, cols, strict=True))
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
            f"  {new}{_tag(finding.status.value, lang)} {finding.norm_id} "
            f"[{_severity(finding.severity, lang)}] " + visible(title)
        )
        pad = " " * (TAG_WIDTH[lang] + 3)
        for line in _detail_lines(finding, lang, words):
            out.append(f"{pad}{line}")
        if finding.norm_id in groups:
            out.append(f"{pad}{words['root']}: {', '.join(groups[finding.norm_id])}")
    orphans = [root for root in groups if root not in {f.norm_id for f in action}]
    for root in orphans:
        out.append(f"  {words['blocked_by']} {root}: {', '.join(groups[root])}")
    blocked = [
        (f"{words['new']} " if context.is_new(f.norm_id) else "") + f.norm_id
        for f in result.findings
        if f.status is Status.BLOCKED
    ]
    if blocked:
        out.append(f"  {_tag('blocked', lang)} {len(blocked)}: {', '.join(blocked)}")
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
        table.add_column(
            messages.text(f"status.short.{status}", lang), justify="right", style=COLOURS[status]
        )
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
        heading.append(_tag(finding.status.value, lang), style=COLOURS[finding.status.value])
        heading.append(f" {finding.norm_id} ", style="bold")
        heading.append(visible(f"[{_severity(finding.severity, lang)}] {title}"))
        console.print(heading)
        pad = " " * (TAG_WIDTH[lang] + 3)
        for detail in _detail_lines(finding, lang, words):
            console.print(Text(pad + detail))
        if finding.norm_id in groups:
            console.print(
                Text(f"{pad}{words['root']}: {', '.join(groups[finding.norm_id])}", style="magenta")
            )
    blocked = [
        (f"{words['new']} " if context.is_new(f.norm_id) else "") + f.norm_id
        for f in result.findings
        if f.status is Status.BLOCKED
    ]
    if blocked:
        console.print(
            Text(f"  {_tag('blocked', lang)} {len(blocked)}: {', '.join(blocked)}", style="magenta")
        )
    for line in _notice_lines(result, lang, context, words):
        console.print(Text(line, style="yellow"))
    for line in _unsigned_lines(result, lang):
        console.print(Text(line, style="yellow"))
    return buffer.getvalue()
