"""Staging a bundle in whatever form it comes: working folder, bag folder, or zip of either.

The dispatch sits above the three readers (``ingest`` for folders and the shared
primitives, ``zipstage`` for zips, ``bag`` for the closed-world bag check), so none of
them imports another's caller.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import stat
from collections.abc import Callable
from pathlib import Path

from ..errors import InputError
from ..workdir import make_private_dir, remove_tree
from .bag import verify_bag
from .ingest import FileRecord, Limits, StagedTree, read_signatures, stage_folder, write_staged
from .zipstage import stage_zip


def new_workdir() -> Path:
    """A private temporary folder, removed at interpreter exit.

    Callers should pass their own ``workdir`` and remove it when done (the CLI does); this
    fallback exists so library use without one never writes next to the bundle.
    """
    path = make_private_dir("normenkader-stage-")
    atexit.register(remove_tree, path)
    return path


def stage(source: Path, limits: Limits | None = None, workdir: Path | None = None) -> StagedTree:
    """Copy a working folder, a BagIt bag folder, or a .zip of either into ``workdir``.

    ``workdir`` must be a private, empty-or-fresh folder owned by the caller, who removes
    it afterwards. When it is None a temporary folder is created and removed at exit.
    """
    limits = limits or Limits()
    source = Path(source)
    if workdir is None:
        workdir = new_workdir()
    staging = make_private_dir("tree-", workdir)
    try:
        info = os.lstat(source)
    except OSError as exc:
        raise InputError("BUNDLE_UNREADABLE", exc.strerror or "cannot open", str(source)) from None
    if stat.S_ISLNK(info.st_mode):
        raise InputError("SYMLINK", "the bundle itself is a symbolic link", str(source))
    if stat.S_ISDIR(info.st_mode):
        pending: dict[str, bytes] = {}
        files = stage_folder(source, staging, limits, pending)
        return classify(staging, files, limits, str(source), "folder", pending)
    if stat.S_ISREG(info.st_mode):
        pending_zip: dict[str, bytes] = {}
        files = stage_zip(source, staging, limits, pending_zip)
        return classify(staging, files, limits, str(source), "zip", pending_zip)
    raise InputError("SPECIAL_FILE", "the bundle is neither a folder nor a .zip file", str(source))


def classify(
    staging: Path,
    files: dict[str, FileRecord],
    limits: Limits,
    display: str,
    form: str,
    pending: dict[str, bytes] | None = None,
) -> StagedTree:
    """Decide working folder or bag from the staged names; verify bags closed-world.

    ``pending`` holds the bytes of staged files not yet written (``stage_folder``): what
    the bag check and the signature reader open (tag files, signatures) is written here,
    the payload's are handed to the tree, which writes them when asked.
    """
    pending = pending if pending is not None else {}
    prefix = _single_top_folder(files) if form == "zip" else ""
    if prefix:
        staging = staging / prefix.rstrip("/")
        files = {path[len(prefix) :]: record for path, record in files.items()}
        pending = {path[len(prefix) :]: data for path, data in pending.items()}
    if "bagit.txt" in files:
        payload = "data/"
        _write_pending(staging, pending, lambda path: not path.startswith(payload))
        tree = verify_bag(staging, files, limits, display, "bag" if form == "folder" else form)
        tree.pending = {path[len(payload) :]: data for path, data in pending.items()}
        return tree
    if "bundle.yaml" not in files:
        raise InputError(
            "MANIFEST_MISSING",
            "no bundle.yaml (working folder) or bagit.txt (bag) at the root",
            display,
        )
    _write_pending(staging, pending, lambda path: path.startswith("signatures/"))
    tree = StagedTree(root=staging, form=form)
    for path, record in files.items():
        if path.startswith("signatures/"):
            continue
        tree.files[path] = record
    tree.signatures = read_signatures(staging, files, limits, display)
    tree.pending = pending
    return tree


def _write_pending(staging: Path, pending: dict[str, bytes], chosen: Callable[[str], bool]) -> None:
    """Write the pending files that ``chosen`` picks; drop them from ``pending``."""
    picked = [path for path in pending if chosen(path)]
    if picked:  # a zip's single top folder is not made while all its files are pending
        with contextlib.suppress(FileExistsError):
            os.mkdir(staging, 0o700)
    for path in picked:
        write_staged(staging, path, pending.pop(path))


def _single_top_folder(files: dict[str, FileRecord]) -> str:
    """A zip of a folder often holds one top folder; use it as the root."""
    if not files or "bundle.yaml" in files or "bagit.txt" in files:
        return ""
    tops = {path.split("/", 1)[0] for path in files}
    if len(tops) != 1 or all("/" not in path for path in files):
        return ""
    top = next(iter(tops)) + "/"
    inner = {path[len(top) :] for path in files}
    return top if ("bundle.yaml" in inner or "bagit.txt" in inner) else ""
