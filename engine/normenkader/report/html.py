"""The supervisor's report: one self-contained HTML file (no scripts, no external assets).

Jinja2 with autoescaping renders ``templates/report.html.j2``; every string that comes from
a bundle (ids, names, messages, values read) is escaped, and a Content-Security-Policy
forbids any network access, script or external resource. The dependency graph is an
inline SVG laid out here in layers (longest path from the norms without prerequisites);
a blocked norm's incoming edges from prerequisites that did not pass are drawn thick and
red, so a blocked subtree can be followed back to its root cause.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from graphlib import TopologicalSorter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from .. import messages
from ..results import LETS_DEPENDANTS_RUN, SEVERITIES, STATUS_ORDER, Finding, Result, Status
from ..textsafe import visible_block
from ._shared import (
    ATTESTED_PASS_LABEL,
    LABELS,
    SEVERITY_LABELS,
    STATUS_LABELS,
    check_lang,
    norm_of,
    ordered,
    pick,
    verdict,
)
from .context import EMPTY, Context
from .words import humane
from .words import value as plain_value

if TYPE_CHECKING:
    import jinja2

    from ..norms.compiled import NormSet

NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 104, 24, 56, 8, 8
MAX_TABLE_ROWS = 200


@dataclass
class Node:
    id: str
    status: str
    title: str
    x: int
    y: int
    root_cause: bool


@dataclass
class Edge:
    path: str
    blocking: bool
    answer: bool = False  # from an answered norm to the norm that answers it


@dataclass
class Graph:
    width: int
    height: int
    nodes: list[Node]
    edges: list[Edge]
    standalone: list[Finding]


def layout(findings: list[Finding], lang: str) -> Graph:
    """Layered left-to-right layout of the evaluated norms that have dependencies."""
    by_id = {f.norm_id: f for f in findings}
    answered: dict[str, set[str]] = {
        f.norm_id: {link["norm"] for link in f.answered_by if link["norm"] in by_id}
        for f in findings
    }
    preds: dict[str, list[str]] = {
        f.norm_id: sorted(
            {p for p in f.prerequisites if p in by_id}
            | {a for a, answerers in answered.items() if f.norm_id in answerers}
        )
        for f in findings
    }
    linked = {n for n, ps in preds.items() if ps} | {p for ps in preds.values() for p in ps}
    standalone = [by_id[n] for n in sorted(by_id) if n not in linked]
    roots = {cause for f in findings for cause in f.root_causes}
    layer: dict[str, int] = {}
    order = list(TopologicalSorter({n: preds[n] for n in sorted(linked)}).static_order())
    for norm_id in order:
        layer[norm_id] = max((layer[p] + 1 for p in preds[norm_id]), default=0)
    columns: dict[int, list[str]] = {}
    for norm_id in sorted(linked):
        columns.setdefault(layer[norm_id], []).append(norm_id)
    succs: dict[str, list[str]] = {n: [] for n in linked}
    for norm_id in sorted(linked):
        for prerequisite in preds[norm_id]:
            succs[prerequisite].append(norm_id)
    row: dict[str, float] = {}
    for index in sorted(columns):
        for position, norm_id in enumerate(columns[index]):
            row[norm_id] = position

    def sweep(order: list[int], neighbours: dict[str, list[str]]) -> None:
        """Barycentre heuristic: sort a column by the mean row of its neighbours."""
        for index in order:
            members = columns[index]
            members.sort(
                key=lambda n: (
                    sum(row[m] for m in neighbours[n]) / len(neighbours[n])
                    if neighbours[n]
                    else row[n],
                    n,
                )
            )
            for position, norm_id in enumerate(members):
                row[norm_id] = position

    for _ in range(3):  # a few down and up sweeps reduce crossings; fully deterministic
        sweep(sorted(columns)[1:], preds)
        sweep(sorted(columns, reverse=True)[1:], succs)
    sweep(sorted(columns)[1:], preds)
    nodes = [
        Node(
            id=norm_id,
            status=by_id[norm_id].status.value,
            title=pick(by_id[norm_id].title, lang),
            x=PAD + layer[norm_id] * (NODE_W + GAP_X),
            y=PAD + int(row[norm_id]) * (NODE_H + GAP_Y),
            root_cause=norm_id in roots,
        )
        for norm_id in sorted(linked)
    ]
    place = {node.id: node for node in nodes}
    edges = []
    for norm_id in sorted(linked):
        finding = by_id[norm_id]
        for prerequisite in preds[norm_id]:
            a, b = place[prerequisite], place[norm_id]
            x1, y1 = a.x + NODE_W, a.y + NODE_H // 2
            x2, y2 = b.x - 4, b.y + NODE_H // 2
            mid = (x1 + x2) // 2
            blocking = (
                finding.status is Status.BLOCKED
                and Status(by_id[prerequisite].status) not in LETS_DEPENDANTS_RUN
            )
            answer = norm_id in answered[prerequisite]
            edges.append(Edge(f"M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}", blocking, answer))
    edges.sort(key=lambda e: e.blocking)  # blocking edges on top
    width = PAD * 2 + (max(layer.values(), default=0) + 1) * (NODE_W + GAP_X) - GAP_X
    rows = max((len(c) for c in columns.values()), default=0)
    height = PAD * 2 + rows * (NODE_H + GAP_Y) - GAP_Y
    return Graph(width if linked else 0, height if linked else 0, nodes, edges, standalone)


MAX_DEPTH = 5


def _scalar(value: Any) -> Markup:
    if isinstance(value, bool) or value is None:
        return escape("—" if value is None else json.dumps(value))
    if isinstance(value, float):
        return escape(f"{value:.4g}")
    if isinstance(value, str | int):
        return escape(str(value))
    return Markup("<code>{}</code>").format(
        json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)[:2000]
    )


#: internal keys of a check's values that are for machines (JSON, ``explain --verbose``):
#: the CEL expression, and the offending list (shown in words of its own)
INTERNAL_VALUES = frozenset({"expr", "offending", "offending_nl", "term_list"})


def _shown_values(values: dict[str, Any]) -> dict[str, Any]:
    """The measured values a reader sees: without CEL and internal keys, without empties."""
    return {
        key: item
        for key, item in values.items()
        if key not in INTERNAL_VALUES and item not in (None, [], {}, "")
    }


def _wide(finding: Finding) -> bool:
    """Whether a finding holds a table of records (per-group metrics): printed across the
    full page width instead of in one of the two columns."""

    def records(item: Any, depth: int = 0) -> bool:
        if isinstance(item, list):
            return any(isinstance(v, dict) for v in item) or any(
                records(v, depth + 1) for v in item[:50]
            )
        if isinstance(item, dict) and depth < 3:
            return any(records(v, depth + 1) for v in item.values())
        return False

    return any(
        records(value) for check in finding.checks for value in _shown_values(check.values).values()
    ) or any(records(check.thresholds) for check in finding.checks)


def _breakable(name: str) -> Markup:
    """A column name that may wrap after ``.`` and ``_`` (a narrow printed page)."""
    text = escape(name)
    return Markup(str(text).replace(".", ".<wbr>").replace("_", "_<wbr>"))


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _is_flat(value: Any) -> bool:
    """A value that fits in one table cell: a scalar, or a short list/map of scalars."""
    if _is_scalar(value):
        return True
    if isinstance(value, list):
        return len(value) <= 8 and all(_is_scalar(v) for v in value)
    if isinstance(value, dict):
        if set(value) == {"value", "interval"}:  # a measured value with its interval
            return _is_scalar(value["value"]) and _is_flat(value["interval"])
        return len(value) <= 4 and all(_is_scalar(v) for v in value.values())
    return False


def _flatten(record: dict[str, Any]) -> dict[str, Any]:
    """Lift nested mappings into dotted columns (``rates.fnr``) until cells are flat."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if (
            isinstance(value, dict)
            and not _is_flat(value)
            and all(isinstance(v, dict) or _is_flat(v) for v in value.values())
        ):
            for inner, item in _flatten(value).items():
                flat[f"{key}.{inner}"] = item
        else:
            flat[key] = value
    return flat


def _cell(value: Any) -> Markup:
    if isinstance(value, dict) and set(value) == {"value", "interval"}:
        interval = value["interval"]
        if isinstance(interval, list) and interval:
            return Markup("{} {}").format(_scalar(value["value"]), _cell(interval))
        return _scalar(value["value"])
    if isinstance(value, list):
        return Markup("[{}]").format(Markup(", ").join(_scalar(v) for v in value))
    if isinstance(value, dict):
        return Markup(", ").join(
            Markup("{}={}").format(key, _scalar(item)) for key, item in value.items()
        )
    return _scalar(value)


def _visible(value: Any) -> Any:
    """Bundle text with control, bidi and invisible characters shown as ``\\uXXXX``
    (a U+202E in a feature name must not reorder what the supervisor reads)."""
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return visible_block(value)
    if isinstance(value, dict):
        return {_visible(k): _visible(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_visible(v) for v in value]
    return value


def show(value: Any, depth: int = 0) -> Markup:
    """Render measured values generically: records as tables (e.g. per-group metrics),
    mappings as key/value tables, nested structures as nested blocks."""
    if depth == 0:
        value = _visible(value)
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        records = [_flatten(record) for record in value]
        if all(_is_flat(cell) for record in records for cell in record.values()):
            value = records
            columns: list[str] = []
            for record in value:
                columns.extend(k for k in record if k not in columns)
            head = Markup("").join(Markup("<th>{}</th>").format(_breakable(c)) for c in columns)
            rows = Markup("").join(
                Markup("<tr>{}</tr>").format(
                    Markup("").join(
                        Markup("<td>{}</td>").format(_cell(record.get(c))) for c in columns
                    )
                )
                for record in value[:MAX_TABLE_ROWS]
            )
            more = Markup("")
            if len(value) > MAX_TABLE_ROWS:
                more = Markup("<p class='muted'>… {} more</p>").format(len(value) - MAX_TABLE_ROWS)
            return Markup(
                "<table class='metrics'><thead><tr>{}</tr></thead><tbody>{}</tbody></table>{}"
            ).format(head, rows, more)
        if depth < MAX_DEPTH:
            return Markup("").join(
                Markup("<div class='record'>{}</div>").format(show(item, depth + 1))
                for item in value[:MAX_TABLE_ROWS]
            )
    if isinstance(value, dict) and value and depth < MAX_DEPTH:
        rows = Markup("").join(
            Markup("<tr><th>{}</th><td>{}</td></tr>").format(key, show(item, depth + 1))
            for key, item in value.items()
        )
        return Markup("<table class='kv'>{}</table>").format(rows)
    if _is_flat(value):
        return _cell(value)
    return _scalar(value)


@cache
def _environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).with_name("templates"))),
        autoescape=True,
        finalize=_visible,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["show"] = show
    return env


def _pairs_together(findings: list[Finding]) -> list[Finding]:
    """Display order with each answering norm right after the (first) norm it answers."""
    by_id = {f.norm_id: f for f in findings}
    follows: dict[str, list[Finding]] = {}
    placed: set[str] = set()
    for finding in findings:
        for answered in finding.answers:
            if answered in by_id and finding.norm_id not in placed:
                follows.setdefault(answered, []).append(finding)
                placed.add(finding.norm_id)
    out: list[Finding] = []

    def emit(finding: Finding) -> None:
        out.append(finding)
        for follower in follows.get(finding.norm_id, []):
            emit(follower)

    for finding in findings:
        if finding.norm_id not in placed:
            emit(finding)
    return out


def render(
    result: Result,
    *,
    lang: str = "en",
    norm_set: NormSet | None = None,
    context: Context | None = None,
) -> str:
    """The whole report as one HTML document (with a baseline, new findings are marked)."""
    lang = check_lang(lang)
    extra = context or EMPTY
    findings = _pairs_together(ordered(result.findings))
    summary = result.summary()
    norms = {f.norm_id: norm_of(norm_set, f.norm_id) for f in findings}
    states = ("satisfied", "not_satisfied", "open", "not_tested", "not_applicable")
    requirement_counts: dict[str, dict[str, int]] = {}
    for requirement in result.requirements:
        catalogue = f"{requirement.get('catalogue', '')} {requirement.get('version', '')}".strip()
        counts = requirement_counts.setdefault(catalogue, {})
        state = str(requirement.get("status", "open"))
        counts[state] = counts.get(state, 0) + 1
    variables = {
        "lang": lang,
        "requirement_states": states,
        "requirement_counts": dict(sorted(requirement_counts.items())),
        "result": result,
        "summary": summary,
        "statuses": [s.value for s in STATUS_ORDER],
        "severities": SEVERITIES,
        "findings": findings,
        "status_of": {f.norm_id: f.status.value for f in result.findings},
        "norms": norms,
        "graph": layout(sorted(result.findings, key=lambda f: f.norm_id), lang),
        "node": {"w": NODE_W, "h": NODE_H},
        "verdict": verdict(result),
        "L": {key: value[lang] for key, value in LABELS.items()},
        "S": {key: value[lang] for key, value in STATUS_LABELS.items()},
        "SEV": {key: value[lang] for key, value in SEVERITY_LABELS.items()},
        "pick": lambda text: pick(text, lang),
        "attested_label": ATTESTED_PASS_LABEL[lang],
        "extra": extra,
        "stale_soon": [s.to_notice() for s in extra.stale_soon],
        "words": {
            "new": messages.text("terminal.new", lang),
            "baseline": messages.text("terminal.known_set_aside", lang),
            "index": messages.text("report.index", lang),
            "offending": messages.text("report.offending_values", lang),
        },
        "offending_of": lambda values: (
            values.get("offending_nl")
            if lang == "nl" and values.get("offending_nl")
            else values.get("offending")
        ),
        "humane": lambda text: humane(str(text), lang),
        "plain": lambda item: plain_value(item, lang),
        "shown_values": _shown_values,
        "wide": {f.norm_id for f in findings if _wide(f)},
    }
    return _environment().get_template("report.html.j2").render(variables)
