"""``audit add``: bundles taken into a workspace, each sealed under its digest and recorded.

Each source (working folder, bag folder or zip) is opened, staged and validated exactly as
``check`` does (``seal_bundle``), sealed into ``tmp/`` and renamed to
``bundles/<digest>.zip``; then a ``receipt`` entry is written. A crash between the two
leaves a sealed file without a receipt: the next ``audit add`` of the same bundle finds it
and writes the receipt (the file is replaced by the new seal first, so a partial file
cannot survive). A bundle received before is not recorded again. A rejected bundle is
recorded as a ``receipt`` with ``status: rejected`` and its error code.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ..evidence.ingest import Limits
    from .ledger import Entry
    from .workspace import Workspace


@dataclass(frozen=True)
class Outcome:
    source: str
    status: str  # accepted | known | rejected
    bundle_id: str | None = None
    digest: str | None = None
    code: str | None = None
    message: str | None = None
    seq: int | None = None


def _source_name(source: Path) -> str:
    from ..textsafe import visible

    return visible(source.name or str(source))[:200]


#: a file in tmp/ this much older than now is left by a killed intake (no add takes as long)
STALE_SECONDS = 6 * 3600


def sweep_stale(folder: Path, now: float | None = None) -> int:
    """Remove what killed intakes left in ``tmp/`` (files older than STALE_SECONDS)."""
    import time

    cutoff = (now if now is not None else time.time()) - STALE_SECONDS
    removed = 0
    with contextlib.suppress(OSError):
        for path in folder.iterdir():
            with contextlib.suppress(OSError):
                info = path.lstat()
                if not path.is_dir() and info.st_mtime < cutoff:
                    path.unlink()
                    removed += 1
    return removed


def _seal(workspace: Workspace, source: Path, limits: Limits | None) -> tuple[Any, Path]:
    from ..evidence.bundle import open_bundle
    from ..evidence.seal import seal_bundle
    from ..workdir import private_workdir

    workspace.tmp.mkdir(exist_ok=True)
    sweep_stale(workspace.tmp)
    temporary = workspace.tmp / f"{uuid.uuid4().hex}.zip"
    with private_workdir() as staging:
        sealed = seal_bundle(source, temporary, limits, staging)
    with private_workdir() as staging:  # the facts a receipt names, from the sealed bytes
        opened = open_bundle(temporary, limits, staging)
        head = opened.manifest["bundle"]
        facts = {
            "id": opened.id,
            "digest": opened.digest,
            "organisation": head.get("organisation"),
            "submitted": str(head.get("submitted")) if head.get("submitted") else None,
            "system": opened.system.get("name"),
            "register_id": str(opened.system.get("register_id") or "") or None,
            "files": sealed.files,
            "bytes": sealed.bytes,
        }
    if opened.digest != sealed.digest:  # the seal must carry exactly what was validated
        raise InputError("BUNDLE_INVALID", "the sealed bundle's digest differs", str(source))
    return facts, temporary


def add_one(
    workspace: Workspace, source: Path, key: Ed25519PrivateKey, limits: Limits | None = None
) -> Outcome:
    from .workspace import _fsync_dir, sha256_file

    name = _source_name(source)
    try:
        facts, temporary = _seal(workspace, source, limits)
    except InputError as exc:
        rejected = {
            "status": "rejected",
            "source": name,
            "code": exc.code,
            "message": exc.line()[:500],
        }
        entry = workspace.append("receipt", rejected, key)
        return Outcome(
            name, "rejected", code=exc.code, message=exc.line(), seq=entry.seq if entry else None
        )
    digest = facts["digest"]

    def already(entries: list[Entry]) -> bool:
        return any(
            e.type == "receipt"
            and e.body.get("status") == "accepted"
            and e.body["bundle"]["digest"] == digest
            for e in entries
        )

    final = workspace.bundle_path(digest)
    try:
        if already(workspace.entries()):  # keep the sealed bytes the earlier receipt names
            return Outcome(name, "known", facts["id"], digest)
        # a file without a receipt is left by an interrupted add: the new seal replaces it
        os.replace(temporary, final)
        _fsync_dir(workspace.bundles)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()
    body: dict[str, Any] = {
        "status": "accepted",
        "source": name,
        "bundle": facts,
        "sealed": {"path": f"bundles/{final.name}", "sha256": sha256_file(final)},
    }
    entry = workspace.append("receipt", body, key, unless=already)
    if entry is None:
        return Outcome(name, "known", facts["id"], digest)
    return Outcome(name, "accepted", facts["id"], digest, seq=entry.seq)
