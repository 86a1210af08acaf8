"""Markdown for a pull-request comment: the verdict, counts, and what needs attention.

Bundle-supplied text is escaped for Markdown *and* HTML (GitHub renders inline HTML), and
table cells cannot break out of their row.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from .. import messages
from ..results import STATUS_ORDER, Finding, Result, Status
from ._shared import (
    ATTESTED_PASS_LABEL,
    FAILING,
    LABELS,
    SEVERITY_LABELS,
    answer_links,
    check_lang,
    finding_status_label,
    ordered,
    pick,
    status_label,
    verdict,
)
from .context import EMPTY, Context
from .words import humane

if TYPE_CHECKING:
    from ..norms.compiled import NormSet

PROBLEM = (*FAILING, Status.REVIEW, Status.ERROR)
BASELINE_WORDS = {
    lang: tuple(
        messages.text(f"report.{key}", lang)
        for key in ("baseline", "known_set_aside", "new_findings")
    )
    for lang in ("en", "nl")
}
NEW_MARK = {lang: f"**{messages.text('terminal.new', lang)}**" for lang in ("en", "nl")}

_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
ICONS = {
    "fail": "🔴",
    "missing": "🟠",
    "blocked": "🟣",
    "error": "⚫",
    "review": "🟡",
    "waived": "🔵",
    "pass": "🟢",
    "not_applicable": "⚪",
}
MAX_ROWS = 100


def escape(text: object) -> str:
    """Plain text that stays plain text in GitHub-flavoured Markdown, in a table cell too."""
    value = " ".join(str(text or "").split())
    value = html.escape(value, quote=False)
    return _SPECIAL.sub(r"\\\1", value)


def code(text: object) -> str:
    """An inline code span: backslashes are literal there, so only backticks go."""
    value = " ".join(str(text or "").replace("`", "'").split())
    return f"`{value}`" if value else ""


def _row(finding: Finding, lang: str, new: bool = False) -> str:
    cause = ""
    severity = SEVERITY_LABELS.get(finding.severity, {}).get(lang, finding.severity)
    if finding.root_causes:
        cause = " ← " + ", ".join(code(c) for c in finding.root_causes)
    for line in answer_links(finding, lang):
        cause += f" · {escape(line)}"
    return (
        f"| {NEW_MARK[lang] + ' ' if new else ''}{ICONS.get(finding.status.value, '')} "
        f"{finding_status_label(finding, lang)} "
        f"| `{finding.norm_id}` | {severity} "
        f"| {escape(pick(finding.title, lang))} "
        f"| {escape(humane(pick(finding.message, lang), lang))}{cause} |"
    )


def render(
    result: Result,
    *,
    lang: str = "en",
    norm_set: NormSet | None = None,
    context: Context | None = None,
) -> str:
    """With a baseline (context), new findings carry **NEW** and come first, and a line
    says how many known findings were set aside."""
    lang = check_lang(lang)
    context = context or EMPTY
    summary = result.summary()
    head = verdict(result)
    lines = [
        f"## normenkader: {LABELS[head][lang]}",
        "",
        f"{LABELS['bundle'][lang]} {code(result.bundle.get('id'))} · "
        f"{LABELS['as_of'][lang]} {escape(result.as_of)} · "
        f"{LABELS['profile'][lang]} {code(result.norm_set.get('profile'))}",
        "",
        "| "
        + " | ".join(f"{ICONS[s.value]} {status_label(s.value, lang)}" for s in STATUS_ORDER)
        + " |",
        "|" + "---:|" * len(STATUS_ORDER),
        "| " + " | ".join(str(summary["by_status"][s.value]) for s in STATUS_ORDER) + " |",
        "",
    ]
    attested = [f for f in ordered(result.findings) if f.attested_pass]
    if attested:
        lines += [
            f"{ICONS['pass']} **{ATTESTED_PASS_LABEL[lang]}**: {len(attested)} "
            f"({LABELS['attested_pass'][lang]} {summary['by_status']['pass']}): "
            + ", ".join(code(f.norm_id) for f in attested[:MAX_ROWS]),
            "",
        ]
    attention = [f for f in ordered(result.findings) if f.status in (*FAILING, Status.ERROR)]
    if context.baseline is not None:
        attention.sort(key=lambda f: not context.is_new(f.norm_id))
        source = context.baseline.source
        new = sum(1 for f in result.findings if context.is_new(f.norm_id) and f.status in PROBLEM)
        lines += [
            f"**{BASELINE_WORDS[lang][0]}** {code(source.get('bundle'))} "
            f"({LABELS['as_of'][lang]} {escape(source.get('as_of'))}): "
            f"{context.known_count()} {BASELINE_WORDS[lang][1]}, {new} {BASELINE_WORDS[lang][2]}",
            "",
        ]
    columns = (
        f"| {LABELS['status'][lang]} | Norm | {LABELS['severity'][lang]} | "
        f"{LABELS['norm_title'][lang]} | {LABELS['message'][lang]} |"
    )
    if attention:
        lines += [f"### {LABELS['non_compliant'][lang]}", "", columns, "|---|---|---|---|---|"]
        lines += [_row(f, lang, context.is_new(f.norm_id)) for f in attention[:MAX_ROWS]]
        if len(attention) > MAX_ROWS:
            lines.append(f"\n… {len(attention) - MAX_ROWS} more")
        lines.append("")
    for status, key in ((Status.REVIEW, "verdict_open"), (Status.WAIVED, "waiver")):
        group = [f for f in ordered(result.findings) if f.status is status]
        if not group:
            continue
        lines += [
            f"<details><summary>{ICONS[status.value]} {LABELS[key][lang]}: {len(group)}</summary>",
            "",
            columns,
            "|---|---|---|---|---|",
            *[_row(f, lang) for f in group[:MAX_ROWS]],
        ]
        if status is Status.WAIVED:
            lines.append("")
            for f in group[:MAX_ROWS]:
                w = f.waiver or {}
                lines.append(
                    f"- {code(f.norm_id)}: {escape(w.get('id'))}, "
                    f"{LABELS['approver'][lang].lower()} {escape(w.get('approver'))}, "
                    f"{LABELS['until'][lang]} {escape(w.get('expires'))}"
                    + (" **(unsigned)**" if w.get("signed") is False else "")
                )
        lines += ["", "</details>", ""]
    unsigned = [f for f in ordered(result.findings) if (f.judgement or {}).get("signed") is False]
    if unsigned:
        lines += [
            "**Unsigned judgements** (the assessor is a name, not a key): "
            + ", ".join(
                f"{code(f.norm_id)} {escape((f.judgement or {}).get('verdict'))}"
                for f in unsigned[:MAX_ROWS]
            ),
            "",
        ]
    notices = [*result.notices, *(s.to_notice() for s in context.stale_soon)]
    if notices:
        lines += [f"### {LABELS['notices'][lang]}", ""]
        lines += [
            f"- {code(n.get('code'))} {code(n.get('norm_id', ''))}: "
            f"{escape(humane(pick(n.get('message'), lang), lang))}"
            for n in notices[:MAX_ROWS]
        ]
        lines.append("")
    lines.append(
        f"<sub>normenkader {escape(result.engine.get('version'))} · bundle "
        f"{escape(result.bundle.get('digest'))}</sub>"
    )
    return "\n".join(lines) + "\n"
