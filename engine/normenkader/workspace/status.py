"""``audit status``: the matrix of norms by bundles, the Rekenkamer-style summary and what
changed since the previous run; rendered for a terminal, as JSON (schema:
``evidence/schemas/audit-status.schema.json``), CSV or XLSX here, and as HTML by
:mod:`.report`.

A bundle *meets every blocker* of a set when each of the set's findings with severity
``blocker`` is ``pass``, ``waived`` or ``not_applicable`` (the Rekenkamer's "3 of 9 meet
the basic requirements", per set of norms).
"""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

from ..errors import InputError

if TYPE_CHECKING:
    from .ledger import Entry
    from .workspace import Workspace

FORMAT = "normenkader-audit-status/1"
MEETS = frozenset({"pass", "waived", "not_applicable"})
FORMATS = ("terminal", "json", "csv", "xlsx", "html")


def _run_info(entry: Entry | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    return {"seq": entry.seq, "at": entry.value["at"], "hash": entry.row.hash}


def _statuses(data: dict[str, Any]) -> dict[str, str]:
    return {f["norm_id"]: f["status"] for f in data["findings"]}


def build(workspace: Workspace) -> dict[str, Any]:
    """The status of the audit as one JSON-able value (the ``--format json`` document)."""
    from .review import latest_summaries, load_summary

    entries = workspace.entries()
    runs = [e for e in entries if e.type == "run"]
    run, results = latest_summaries(workspace)
    previous = runs[-2] if len(runs) > 1 else None
    config = workspace.config
    bundles: list[dict[str, Any]] = []
    norms: dict[str, dict[str, Any]] = {}
    requirements: dict[tuple[str, str, str], dict[str, Any]] = {}
    for item in results:
        data = item["data"]
        head = data["bundle"]
        system = head.get("system") or {}
        statuses = _statuses(data)
        blockers: dict[str, bool] = {}
        for finding in data["findings"]:
            norms.setdefault(
                finding["norm_id"],
                {
                    "id": finding["norm_id"],
                    "set": finding["set"],
                    "severity": finding["severity"],
                    "title": finding["title"],
                },
            )
            if finding["severity"] == "blocker":
                ok = finding["status"] in MEETS
                blockers[finding["set"]] = blockers.get(finding["set"], True) and ok
        for requirement in data.get("requirements", []):
            key = (requirement["catalogue"], requirement["id"], requirement["version"])
            row = requirements.setdefault(
                key,
                {
                    "catalogue": key[0],
                    "id": key[1],
                    "version": key[2],
                    "title": requirement["title"],
                    "statuses": {},
                },
            )
            row["statuses"][head["digest"]] = requirement["status"]
        bundles.append(
            {
                "id": head["id"],
                "digest": head["digest"],
                "organisation": head.get("organisation"),
                "system": system.get("name"),
                "register_id": str(system["register_id"]) if system.get("register_id") else None,
                "result": item["result"],
                "by_status": data["summary"]["by_status"],
                "statuses": dict(sorted(statuses.items())),
                "meets_every_blocker": dict(sorted(blockers.items())),
            }
        )
    sets = []
    for name in sorted({n["set"] for n in norms.values()}):
        in_set = [n for n in norms.values() if n["set"] == name]
        meeting = [b["digest"] for b in bundles if b["meets_every_blocker"].get(name, True)]
        sets.append(
            {
                "set": name,
                "norms": len(in_set),
                "blockers": sum(1 for n in in_set if n["severity"] == "blocker"),
                "bundles": len(bundles),
                "meet_every_blocker": len(meeting),
                "meeting": meeting,
            }
        )
    every = [b["digest"] for b in bundles if all(b["meets_every_blocker"].values())]
    changes = _changes(workspace, previous, bundles, load_summary)
    ran = {b["digest"] for b in bundles}
    pending = [
        {"id": e.body["bundle"]["id"], "digest": e.body["bundle"]["digest"]}
        for e in workspace.received()
        if e.body["bundle"]["digest"] not in ran
    ]
    rejected = [
        {
            "seq": e.seq,
            "source": e.body.get("source"),
            "code": e.body.get("code"),
            "message": e.body.get("message"),
        }
        for e in entries
        if e.type == "receipt" and e.body.get("status") == "rejected"
    ]
    return {
        "format": FORMAT,
        "audit": {
            "name": config.name,
            "as_of": config.as_of.isoformat(),
            "norm_set": config.norm_set_digest,
            "profile": config.profile,
        },
        "ledger": {"entries": len(entries), "head": entries[-1].row.hash if entries else None},
        "run": _run_info(run),
        "previous_run": _run_info(previous),
        "bundles": bundles,
        "norms": sorted(norms.values(), key=lambda n: (n["set"], n["id"])),
        "sets": sets,
        "summary": {"bundles": len(bundles), "meet_every_blocker": len(every), "meeting": every},
        "requirements": sorted(
            requirements.values(), key=lambda r: (r["catalogue"], r["id"], r["version"])
        ),
        "changes": changes,
        "pending": pending,
        "rejected": rejected,
        "errors": list(run.body.get("errors", [])) if run else [],
    }


def _changes(
    workspace: Workspace, previous: Entry | None, bundles: list[dict[str, Any]], load: Any
) -> dict[str, Any]:
    if previous is None:
        return {"since": None, "bundles_added": [], "bundles_removed": [], "findings": []}
    before: dict[str, dict[str, Any]] = {}
    for item in previous.body.get("results", []):
        data = load(workspace, item)
        before[str(item["bundle"])] = {"id": item["id"], "statuses": _statuses(data)}
    now = {b["digest"]: b for b in bundles}
    findings = []
    for digest in sorted(set(before) & set(now)):
        old, new = before[digest]["statuses"], now[digest]["statuses"]
        for norm in sorted(set(old) | set(new)):
            if old.get(norm) != new.get(norm):
                findings.append(
                    {
                        "bundle": digest,
                        "id": now[digest]["id"],
                        "norm": norm,
                        "before": old.get(norm),
                        "after": new.get(norm),
                    }
                )
    return {
        "since": previous.seq,
        "bundles_added": sorted(set(now) - set(before)),
        "bundles_removed": sorted(set(before) - set(now)),
        "findings": findings,
    }


# --------------------------------------------------------------------------- renderers

SHORT = {
    "pass": "pass",
    "fail": "FAIL",
    "missing": "miss",
    "blocked": "blkd",
    "review": "rev",
    "waived": "wvd",
    "not_applicable": "n/a",
    "error": "ERR",
}


def column_name(bundle: dict[str, Any]) -> str:
    return f"{bundle['organisation'] or '?'} / {bundle['system'] or bundle['id']}"


def render_terminal(status: dict[str, Any], lang: str = "en") -> str:
    from ..textsafe import visible

    nl = lang == "nl"
    out: list[str] = []
    audit = status["audit"]
    out.append(
        f"{visible(audit['name'])}  ({'peildatum' if nl else 'as of'} {audit['as_of']},"
        f" {audit['norm_set'][:23]})"
    )
    if status["run"] is None:
        out.append("nog geen run (audit run)" if nl else "no run yet (audit run)")
    bundles = status["bundles"]
    for index, bundle in enumerate(bundles, 1):
        out.append(
            f"  [{index}] {visible(column_name(bundle))}  {bundle['id']}  {bundle['digest'][:19]}"
        )
    summary = status["summary"]
    word = "voldoen aan elke blocker" if nl else "meet every blocker"
    out.append(f"{summary['meet_every_blocker']} / {summary['bundles']} {word}")
    for group in status["sets"]:
        out.append(
            f"  {group['set']:<6} {group['meet_every_blocker']} / {group['bundles']} "
            f"{word} ({group['blockers']} blocker(s), {group['norms']} norms)"
        )
    header = (
        "norm".ljust(14)
        + "sev".ljust(9)
        + "".join(f"[{i}]".ljust(6) for i in range(1, len(bundles) + 1))
    )
    current = None
    for norm in status["norms"]:
        if norm["set"] != current:
            current = norm["set"]
            out.append("")
            out.append(f"== {current}")
            out.append(header)
        cells = "".join(SHORT.get(b["statuses"].get(norm["id"], ""), "-").ljust(6) for b in bundles)
        out.append(f"{norm['id']:<14}{norm['severity']:<9}{cells}")
    changes = status["changes"]
    if changes["since"] is not None:
        out.append("")
        title = "gewijzigd sinds run" if nl else "changed since run"
        out.append(
            f"{title} {changes['since']}: {len(changes['findings'])} finding(s), "
            f"+{len(changes['bundles_added'])} / -{len(changes['bundles_removed'])} "
            "bundle(s)"
        )
        for change in changes["findings"][:50]:
            out.append(
                f"  {change['id']} {change['norm']}: {change['before']} -> {change['after']}"
            )
    for item in status["pending"]:
        out.append(f"{'niet beoordeeld' if nl else 'not yet run'}: {item['id']}")
    for item in status["rejected"]:
        out.append(
            f"{'geweigerd' if nl else 'rejected'}: {visible(str(item['source']))} ({item['code']})"
        )
    return "\n".join(out) + "\n"


def matrix_rows(status: dict[str, Any], lang: str) -> list[list[str]]:
    bundles = status["bundles"]
    rows = [
        ["set", "norm", "severity", "title", *(column_name(b) for b in bundles)],
        ["", "", "", "bundle", *(b["id"] for b in bundles)],
    ]
    for norm in status["norms"]:
        rows.append(
            [
                norm["set"],
                norm["id"],
                norm["severity"],
                norm["title"].get(lang) or norm["title"].get("en", ""),
                *(b["statuses"].get(norm["id"], "") for b in bundles),
            ]
        )
    for group in status["sets"]:
        rows.append(
            [
                group["set"],
                "",
                "",
                "meet every blocker",
                *("yes" if b["digest"] in group["meeting"] else "no" for b in bundles),
            ]
        )
    return rows


def _cell(text: str) -> str:
    """No spreadsheet formula from bundle text (CSV injection): a leading = + - @ is quoted."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render_csv(status: dict[str, Any], lang: str = "en") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in matrix_rows(status, lang):
        writer.writerow([_cell(str(cell)) for cell in row])
    return buffer.getvalue()


def render_xlsx(status: dict[str, Any], lang: str = "en") -> bytes:
    try:
        from openpyxl import Workbook  # optional extra: xlsx
    except ImportError:
        raise InputError(
            "XLSX_UNAVAILABLE",
            "--format xlsx needs openpyxl (the xlsx extra: pip install '.[xlsx]' from a clone)",
        ) from None
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "matrix"
    for row in matrix_rows(status, lang):
        sheet.append([_cell(str(cell)) for cell in row])
    summary = book.create_sheet("summary")
    summary.append(["set", "bundles", "meet every blocker", "blockers", "norms"])
    for group in status["sets"]:
        summary.append(
            [
                group["set"],
                group["bundles"],
                group["meet_every_blocker"],
                group["blockers"],
                group["norms"],
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def render(status: dict[str, Any], fmt: str, lang: str = "en") -> str | bytes:
    if fmt == "json":
        return json.dumps(status, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if fmt == "csv":
        return render_csv(status, lang)
    if fmt == "xlsx":
        return render_xlsx(status, lang)
    if fmt == "html":  # the page also reads the ledger's summary: workspace/report.py
        raise ValueError("the html form is rendered by workspace.report.render(workspace, ...)")
    return render_terminal(status, lang)
