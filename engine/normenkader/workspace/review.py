"""``audit review`` (what waits for a supervisor's judgement) and ``audit judge``.

A judgement is the existing signed judgement record (``audit.assessments``: an in-toto
statement in a DSSE envelope, pinned to the digests of the evidence judged), embedded in a
``judgement`` ledger entry signed by the same assessor key. The next ``audit run`` hands
the ledger's judgements to the engine in signed mode, so only records by a person's
``assessor`` key outside the audited organisation count, and a judgement lapses when the
evidence changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ..results import Finding
    from .ledger import Entry
    from .workspace import Workspace


def latest_results(workspace: Workspace) -> tuple[Entry | None, list[dict[str, Any]]]:
    """The last run entry and its results, each loaded (``data``) from its file."""
    runs = workspace.runs()
    if not runs:
        return None, []
    loaded = []
    for item in runs[-1].body.get("results", []):
        loaded.append({**item, "data": load_result(workspace, str(item["result"]))})
    return runs[-1], loaded


def load_summary(workspace: Workspace, item: dict[str, Any]) -> dict[str, Any]:
    """What ``audit status`` reads of one result of a run entry: its summary file when the
    run kept one (far smaller), else the result itself; either checked by its digest."""
    summary = item.get("summary")
    if summary is None:
        return load_result(workspace, str(item["result"]))
    return load_result(workspace, str(summary), ".summary.json")


def latest_summaries(workspace: Workspace) -> tuple[Entry | None, list[dict[str, Any]]]:
    """The last run entry and its results' summaries (``data``)."""
    runs = workspace.runs()
    if not runs:
        return None, []
    items = runs[-1].body.get("results", [])
    return runs[-1], [{**item, "data": load_summary(workspace, item)} for item in items]


def load_result(workspace: Workspace, digest: str, suffix: str = ".json") -> dict[str, Any]:
    from .workspace import sha256_file

    path = workspace.results / f"{digest.removeprefix('sha256:')}{suffix}"
    if not path.is_file() or sha256_file(path) != digest:
        raise InputError(
            "LEDGER_CONTENT_CHANGED",
            "a result file is missing or changed (run 'audit ledger verify')",
            str(path),
        )
    value = json.loads(path.read_bytes())
    assert isinstance(value, dict)
    return value


def review_queue(workspace: Workspace) -> list[dict[str, Any]]:
    """Every finding of the last run whose status is ``review``, with the norm's prompt and
    the evidence (id and sha256) a judgement would be pinned to."""
    from ..audit.assessments import plain_digest

    run, results = latest_results(workspace)
    if run is None:
        return []
    norm_set = workspace.norm_set()
    queue = []
    for item in results:
        data = item["data"]
        bundle = data["bundle"]
        for finding in data["findings"]:
            if finding["status"] != "review":
                continue
            norm = norm_set.norms.get(finding["norm_id"])
            prompt = (norm.review_prompt if norm is not None else None) or finding["message"]
            queue.append(
                {
                    "bundle": bundle["id"],
                    "digest": bundle["digest"],
                    "organisation": bundle.get("organisation"),
                    "norm": finding["norm_id"],
                    "title": finding["title"],
                    "severity": finding["severity"],
                    "reason": finding["reason"],
                    "prompt": prompt,
                    "message": finding["message"],
                    "evidence": [
                        {"id": use["id"], "sha256": "sha256:" + plain_digest(use["sha256"])}
                        for use in finding["evidence"]
                        if use.get("id") and use.get("sha256")
                    ],
                }
            )
    return sorted(queue, key=lambda q: (q["bundle"], q["digest"], q["norm"]))


def find_bundle(workspace: Workspace, ref: str) -> Entry:
    """A received bundle by id, by digest (``sha256:<hex>``) or by a hex prefix of 12+."""
    received = workspace.received()
    hexpart = ref.removeprefix("sha256:").lower()
    by_digest = [
        e
        for e in received
        if len(hexpart) >= 12 and str(e.body["bundle"]["digest"])[7:].startswith(hexpart)
    ]
    by_id = [e for e in received if e.body["bundle"]["id"] == ref]
    found = by_digest or by_id
    if not found:
        raise InputError("BUNDLE_UNKNOWN", f"no received bundle {ref!r} in this workspace")
    if len(found) > 1:
        raise InputError(
            "USAGE", f"{len(found)} received bundles match {ref!r}: give the bundle digest"
        )
    return found[0]


@dataclass(frozen=True)
class Judged:
    entry: Entry
    finding: Finding


def judge(
    workspace: Workspace,
    bundle_ref: str,
    norm_id: str,
    *,
    verdict: str,
    reason: str,
    key: Ed25519PrivateKey,
    day: date | None = None,
) -> Judged:
    from ..audit.assessments import judge_bundle

    receipt = find_bundle(workspace, bundle_ref)
    workspace.norm_set()  # NORMS_CHANGED before anything is signed
    config = workspace.config
    item, finding = judge_bundle(
        workspace.bundle_path(str(receipt.body["bundle"]["digest"])),
        norm_id,
        verdict=verdict,
        note=reason,
        assessor=None,
        day=day or config.as_of,
        carry_over=False,
        as_of=config.as_of,
        norm_paths=[Path(p) for p in config.norms] if config.norms else None,
        profile=config.profile,
        key=key,
        trusted=workspace.trusted,
    )
    assert item.envelope is not None
    body = {
        "bundle": receipt.body["bundle"]["digest"],
        "id": item.bundle,
        "norm": item.norm,
        "verdict": item.verdict,
        "date": item.date.isoformat(),
        "evidence": dict(sorted(item.evidence.items())),
        "envelope": item.envelope.to_dict(),
    }
    entry = workspace.append("judgement", body, key)
    assert entry is not None
    return Judged(entry, finding)
