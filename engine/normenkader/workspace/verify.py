"""``audit ledger verify``: the chain, every signature and role, and every file an entry
names (sealed bundles, results, judgement files) against the digest recorded for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .ledger import Entry, Problem, verify

if TYPE_CHECKING:
    from .workspace import Workspace


@dataclass(frozen=True)
class Verdict:
    entries: list[Entry]
    problem: Problem | None
    head: str | None  # hash of the last intact entry

    @property
    def intact(self) -> bool:
        return self.problem is None


def _file_problem(workspace: Workspace, name: str, digest: str) -> str | None:
    from .workspace import sha256_file

    parts = name.split("/")
    if name.startswith("/") or ".." in parts or "" in parts:
        return f"{name!r} is not a path inside the workspace"
    path = workspace.root / name
    if path.is_symlink() or not path.is_file():
        return f"{name} is missing"
    if sha256_file(path) != digest:
        return f"{name} has changed (its sha256 is not the one recorded)"
    return None


def check_body(workspace: Workspace, entry: Entry) -> str | None:
    """Why the files or configuration ``entry`` names no longer match it (None: they do)."""
    from .workspace import init_body

    body = entry.body
    if entry.type == "init":
        now = init_body(workspace)
        for field in ("name", "norm_set", "profile", "as_of"):
            if body.get(field) != now[field]:
                return f"audit.yaml's {field} is not the one the audit was created with"
        return None
    if entry.type == "receipt" and body.get("status") == "accepted":
        sealed = body.get("sealed") or {}
        return _file_problem(workspace, str(sealed.get("path")), str(sealed.get("sha256")))
    if entry.type == "run":
        inputs = body.get("inputs") or {}
        for folder in ("judgements", "waivers"):
            digest = inputs.get(folder)
            if digest:
                problem = _file_problem(workspace, f"{folder}/{digest[7:]}.json", digest)
                if problem:
                    return problem
        for item in body.get("results") or []:
            digest = str(item.get("result"))
            problem = _file_problem(workspace, f"results/{digest[7:]}.json", digest)
            if problem:
                return problem
            summary = item.get("summary")
            if summary is not None:
                name = f"results/{str(summary)[7:]}.summary.json"
                problem = _file_problem(workspace, name, str(summary))
                if problem:
                    return problem
        return None
    if entry.type == "judgement":
        return _judgement_problem(workspace, entry)
    if entry.type == "waiver":
        from .waivers import waiver_problem

        return waiver_problem(workspace, entry)
    return None


def signed_record_problem(
    workspace: Workspace, entry: Entry, what: str, code: str, predicate: str
) -> tuple[Any, str | None]:
    """The entry's embedded signed record (a DSSE envelope of ``predicate``) and why it does
    not hold: not a valid record, or not signed by the entry's actor (None: it holds)."""
    from ..audit.signed_records import check_signatures, parse_envelope
    from ..errors import InputError

    try:
        envelope = parse_envelope(entry.body.get("envelope"), "ledger", code, predicate)
    except InputError as exc:
        return None, f"the {what} record is not valid ({exc.message})"
    signers = check_signatures(envelope, workspace.trusted)
    if signers.failed or signers.key(entry.row.keyid) is None:
        return envelope, f"the {what} record is not signed by the entry's actor"
    return envelope, None


def _judgement_problem(workspace: Workspace, entry: Entry) -> str | None:
    from ..audit.assessments import CODE, JUDGEMENT_PREDICATE

    envelope, problem = signed_record_problem(
        workspace, entry, "judgement", CODE, JUDGEMENT_PREDICATE
    )
    if problem is None and envelope.predicate.get("assessor_keyid") != entry.row.keyid:
        return "the judgement's assessor is not the entry's actor"
    return problem


def verify_workspace(workspace: Workspace) -> Verdict:
    entries, problem = verify(
        workspace.store.rows(), workspace.trusted, lambda e: check_body(workspace, e)
    )
    return Verdict(entries, problem, entries[-1].row.hash if entries else None)
