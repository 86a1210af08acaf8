"""``audit run``: every received bundle evaluated in one process pool, results kept by digest.

The pool (``concurrent.futures.ProcessPoolExecutor``) starts ``--jobs`` workers; each
worker holds the pinned norm set, compiled once (inherited from the parent where processes
fork, compiled in the worker's initializer where they spawn), and evaluates bundle after
bundle from its sealed zip. The parent keeps each JSON result under the sha256 of its bytes
(``results/<hex>.json``) and then writes one ``run`` entry naming every result. A crash
before the entry leaves only unreferenced result files: the next ``audit run`` evaluates
again and writes the entry. A run whose inputs (bundles, norm set, as-of date, judgements,
trusted keys, engine) equal the last run's is not repeated.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ..evidence.keys import TrustedKey
    from ..norms.compiled import NormSet
    from .ledger import Entry
    from .workspace import Workspace


@dataclass
class _State:
    norm_set: NormSet
    as_of: date
    judgements: Path | None
    trusted: list[TrustedKey]
    waivers: Path | None = None
    results: Path | None = None  # where a worker keeps each result (content-addressed)


_STATE: _State | None = None


def _init_worker(
    norms: list[str] | None,
    profile: str | None,
    digest: str,
    as_of: str,
    judgements: str | None,
    keys: str,
    waivers: str | None = None,
    results: str | None = None,
) -> None:
    global _STATE
    if _STATE is not None and _STATE.norm_set.digest == digest:
        return  # forked from the parent: the compiled set is already here
    from ..evidence.keys import load_trusted_keys
    from ..norms.compiled import load_norm_set

    norm_set = load_norm_set([Path(p) for p in norms] if norms else None, profile)
    if norm_set.digest != digest:
        raise InputError("NORMS_CHANGED", "the norm files changed during the run")
    _STATE = _State(
        norm_set,
        date.fromisoformat(as_of),
        Path(judgements) if judgements else None,
        load_trusted_keys(Path(keys)),
        Path(waivers) if waivers else None,
        Path(results) if results else None,
    )


#: the fields of a result that ``audit status`` reads, kept beside it as a summary
SUMMARY_FINDING_FIELDS = ("norm_id", "set", "severity", "title", "status")
SUMMARY_REQUIREMENT_FIELDS = ("catalogue", "id", "version", "title", "status")


def _finding_summary(finding: dict[str, Any]) -> dict[str, Any]:
    """A finding's status fields; an open one (not pass, not n/a) keeps its reason and
    message too, which the audit report shows."""
    kept = {k: finding[k] for k in SUMMARY_FINDING_FIELDS}
    if finding["status"] not in ("pass", "not_applicable"):
        kept["reason"] = finding.get("reason")
        kept["message"] = finding.get("message")
    return kept


def summarize(data: dict[str, Any]) -> dict[str, Any]:
    """The part of a JSON result that the status matrix needs (same shape, fewer fields)."""
    return {
        "bundle": data["bundle"],
        "findings": [_finding_summary(f) for f in data["findings"]],
        "requirements": [
            {k: r[k] for k in SUMMARY_REQUIREMENT_FIELDS} for r in data.get("requirements", [])
        ],
        "summary": {"by_status": data["summary"]["by_status"]},
    }


def evaluate_sealed(path: str) -> tuple[str, dict[str, Any] | None, str | None]:
    """One bundle in a worker: (path, stored result, error line). The worker keeps the
    JSON result and its summary under their sha256 itself, so the parent parses nothing."""
    import json

    from ..audit import evaluation_options
    from ..engine import evaluate
    from ..evidence.bundle import open_bundle
    from ..report.json_report import to_json
    from ..workdir import private_workdir
    from .workspace import store_bytes

    state = _STATE
    assert state is not None
    try:
        with private_workdir() as staging:
            opened = open_bundle(Path(path), None, staging)
            options = evaluation_options(
                state.norm_set,
                state.as_of,
                waivers=state.waivers,
                assessments=state.judgements,
                trusted_keys=state.trusted,
            )
            options.trusted_keys = tuple(state.trusted)
            options.as_of_source = "option"  # the audit's pinned date, as `check --as-of` gives
            result = evaluate(state.norm_set, opened, options)
        # the bytes of `check --format json` (json_report.render without a context)
        value = result.to_dict()
        data = to_json(value).encode("utf-8")
        assert state.results is not None
        summary = json.dumps(summarize(value), ensure_ascii=False, sort_keys=True).encode()
        stored = {
            "result": store_bytes(state.results, data, ".json"),
            "summary": store_bytes(state.results, summary, ".summary.json"),
            "by_status": value["summary"]["by_status"],
        }
        return path, stored, None
    except InputError as exc:
        return path, None, exc.line()


def judgements_file(workspace: Workspace, entries: list[Entry]) -> str | None:
    """The ledger's signed judgements as one assessments file (content-addressed)."""
    from .ledger import canonical
    from .workspace import store_bytes

    signed = [e.body["envelope"] for e in entries if e.type == "judgement"]
    if not signed:
        return None
    return store_bytes(workspace.judgements, canonical({"version": 1, "signed": signed}), ".json")


@dataclass(frozen=True)
class RunOutcome:
    entry: Entry | None  # None: up to date, nothing written
    results: list[dict[str, Any]]
    errors: list[dict[str, Any]]


def run_inputs(
    workspace: Workspace, judgements: str | None, waivers: str | None = None
) -> dict[str, Any]:
    """Everything a run's verdicts depend on besides the bundles. The engine is named by
    its fingerprint (code, schemas, dependency versions), so a changed engine runs again."""
    from .. import __version__
    from ..cache import fingerprint

    config = workspace.config
    return {
        "norm_set": config.norm_set_digest,
        "profile": config.profile,
        "as_of": config.as_of.isoformat(),
        "judgements": judgements,
        "waivers": waivers,
        "trusted_keys": workspace.trusted_digest,
        "engine": __version__,
        "engine_fingerprint": fingerprint(),
    }


def run_all(workspace: Workspace, key: Ed25519PrivateKey, jobs: int | None = None) -> RunOutcome:

    global _STATE
    entries = workspace.entries()
    received = [e for e in workspace.received() if e.body["bundle"]["digest"]]
    from .waivers import waivers_file

    judgements = judgements_file(workspace, entries)
    waivers = waivers_file(workspace, entries)
    inputs = run_inputs(workspace, judgements, waivers)
    digests = [str(e.body["bundle"]["digest"]) for e in received]
    runs = [e for e in entries if e.type == "run"]
    if runs and runs[-1].body.get("inputs") == inputs and runs[-1].body.get("bundles") == digests:
        return RunOutcome(
            None, list(runs[-1].body.get("results", [])), list(runs[-1].body.get("errors", []))
        )
    norm_set = workspace.norm_set()
    import gc

    gc.freeze()  # the compiled set lives as long as the run: forked workers share its pages
    from ..evidence.keys import load_trusted_keys

    keys_path = workspace.root / workspace.config.trusted_keys
    judgement_path = workspace.judgements / f"{judgements[7:]}.json" if judgements else None
    waiver_path = workspace.root / "waivers" / f"{waivers[7:]}.json" if waivers else None
    _STATE = _State(
        norm_set,
        workspace.config.as_of,
        judgement_path,
        load_trusted_keys(keys_path),
        waiver_path,
        workspace.results,
    )
    paths = [str(workspace.bundle_path(d)) for d in digests]
    by_path = dict(zip(paths, received, strict=True))
    workers = max(1, min(jobs or os.cpu_count() or 1, len(paths) or 1))
    outputs: list[tuple[str, dict[str, Any] | None, str | None]]
    if workers == 1:
        outputs = [evaluate_sealed(p) for p in paths]
    else:
        config = workspace.config
        with ProcessPoolExecutor(
            max_workers=workers,
            initializer=_init_worker,
            initargs=(
                config.norms,
                config.profile,
                config.norm_set_digest,
                config.as_of.isoformat(),
                str(judgement_path) if judgement_path else None,
                str(keys_path),
                str(waiver_path) if waiver_path else None,
                str(workspace.results),
            ),
        ) as pool:
            # a few chunks per worker: less pickling than one bundle a task, still balanced
            chunk = max(1, len(paths) // (workers * 8))
            outputs = list(pool.map(evaluate_sealed, paths, chunksize=chunk))
    results, errors = [], []
    for path, stored, error in outputs:
        receipt = by_path[path]
        bundle = receipt.body["bundle"]
        if stored is None:
            errors.append({"bundle": bundle["digest"], "id": bundle["id"], "error": error})
            continue
        results.append({"bundle": bundle["digest"], "id": bundle["id"], **stored})
    body = {"inputs": inputs, "bundles": digests, "results": results, "errors": errors}
    entry = workspace.append("run", body, key)
    return RunOutcome(entry, results, errors)
