"""Working bundles, bags and their hostile variants, written in code."""

from __future__ import annotations

import hashlib
from pathlib import Path

BUNDLE_YAML = b"""bundle: {id: hostile-test-001, organisation: "Gemeente Test",
  submitted: "2026-11-20"}
system: {name: "Testsysteem"}
profile: {processes_personal_data: true}
evidence:
  - {id: notes, kind: document, path: docs/notes.md, date: "2026-02-01"}
"""
NOTES = b"# Notes\n\nSome evidence text.\n"


def working_bundle(root: Path, files: dict[str, bytes] | None = None) -> Path:
    """A small valid working bundle (one document) plus ``files``."""
    root.mkdir(parents=True, exist_ok=True)
    contents = {"bundle.yaml": BUNDLE_YAML, "docs/notes.md": NOTES, **(files or {})}
    for name, data in contents.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manual_bag(
    root: Path,
    payload: dict[str, bytes],
    *,
    algorithm: str = "sha256",
    tags: dict[str, bytes] | None = None,
    tagmanifest: bool = True,
) -> Path:
    """A bag written by hand (so each rule can be broken on purpose)."""
    digest = getattr(hashlib, algorithm)
    for name, data in payload.items():
        target = root / "data" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    all_tags = {
        "bagit.txt": b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
        "bag-info.txt": b"Source-Organization: Gemeente Test\n",
        **(tags or {}),
    }
    all_tags[f"manifest-{algorithm}.txt"] = "".join(
        f"{digest(data).hexdigest()}  data/{name}\n" for name, data in sorted(payload.items())
    ).encode()
    for name, data in all_tags.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    if tagmanifest:
        (root / f"tagmanifest-{algorithm}.txt").write_bytes(
            "".join(
                f"{digest(data).hexdigest()}  {name}\n" for name, data in sorted(all_tags.items())
            ).encode()
        )
    return root
