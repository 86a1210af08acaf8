"""Sealing: a working folder becomes a closed-world BagIt bag (folder or zip).

The writer is apart from the verifier (``bag``): sealing opens and validates the bundle
first, so it sits above ``bundle``, while verifying sits below it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .. import __version__
from ..asof import today
from ..errors import InputError
from .bag import MANIFEST, PAYLOAD, TAGMANIFEST, encode_path
from .bundle import open_bundle
from .ingest import FileRecord, Limits, StagedTree


@dataclass(frozen=True)
class SealResult:
    digest: str
    files: int
    bytes: int
    output: Path


def tag_files(
    bundle_id: str,
    organisation: object,
    digest: str,
    files: dict[str, FileRecord],
    day: date | None = None,
) -> dict[str, bytes]:
    """The tag files of a sealed bag (bagit.txt, bag-info.txt, the payload manifest and the
    tag manifest), from the bundle's id, organisation, digest and payload records."""
    total = sum(record.size for record in files.values())
    bag_info = (
        f"Bag-Software-Agent: normenkader {__version__}\n"
        f"Bagging-Date: {(day or today()).isoformat()}\n"
        f"External-Identifier: {bundle_id}\n"
        f"Source-Organization: {' '.join(str(organisation or '').split())}\n"
        f"Bundle-Digest: {digest}\n"
        f"Payload-Oxum: {total}.{len(files)}\n"
    ).encode()
    bagit = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    manifest = "".join(
        f"{record.sha256}  {encode_path(PAYLOAD + path)}\n"
        for path, record in sorted(files.items())
    ).encode("utf-8")
    tags = {"bagit.txt": bagit, "bag-info.txt": bag_info, MANIFEST: manifest}
    tags[TAGMANIFEST] = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(tags.items())
    ).encode()
    return tags


def seal_bundle(
    source: Path, output: Path, limits: Limits | None = None, workdir: Path | None = None
) -> SealResult:
    """Make a closed-world bag (folder, or zip when ``output`` ends in .zip) from a bundle.

    The bundle is opened and validated first (manifest schema, evidence paths), so an
    invalid bundle is never sealed. The output appears atomically: it is built under a
    temporary name beside ``output`` and renamed.
    """
    limits = limits or Limits()
    output = Path(output)
    if output.exists() or output.is_symlink():
        raise InputError("OUTPUT_EXISTS", "refusing to overwrite an existing output", str(output))
    parent = output.parent if str(output.parent) else Path(".")
    if not parent.is_dir():
        raise InputError("OUTPUT_INVALID", "output folder does not exist", str(parent))
    bundle = open_bundle(source, limits, workdir)
    tree = bundle.tree
    total = sum(r.size for r in tree.files.values())
    tags = tag_files(
        bundle.id, bundle.manifest["bundle"].get("organisation"), bundle.digest, tree.files
    )
    signatures = {f"signatures/{name}": data for name, data in sorted(tree.signatures.items())}
    if output.name.lower().endswith(".zip"):
        _write_zip(output, tree, tags, signatures)
    else:
        _write_folder(output, tree, tags, signatures)
    return SealResult(bundle.digest, len(tree.files), total, output)


def _write_folder(
    output: Path, tree: StagedTree, tags: dict[str, bytes], signatures: dict[str, bytes]
) -> None:
    temporary = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=output.parent or "."))
    try:
        for path in sorted(tree.files):
            target = temporary / "data" / path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(tree.root / path, target)
        for name, data in {**tags, **signatures}.items():
            target = temporary / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        _fsync_tree(temporary)
        os.chmod(temporary, 0o755)
        os.rename(temporary, output)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _fsync_tree(folder: Path) -> None:
    for current, _dirs, names in os.walk(folder):
        for name in names:
            fd = os.open(os.path.join(current, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = 0o100644 << 16
    info.create_system = 3
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _write_zip(
    output: Path, tree: StagedTree, tags: dict[str, bytes], signatures: dict[str, bytes]
) -> None:
    """A deterministic zip (sorted names, fixed times), written to a temp file and renamed."""
    fd, temporary = tempfile.mkstemp(
        prefix=f".{output.name}.", suffix=".tmp", dir=output.parent or "."
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            with zipfile.ZipFile(handle, "w", allowZip64=True) as archive:
                for name in sorted(tags):
                    archive.writestr(_zip_info(name), tags[name])
                for path in sorted(tree.files):
                    with (
                        (tree.root / path).open("rb") as source,
                        archive.open(
                            _zip_info(PAYLOAD + path),
                            "w",
                            force_zip64=tree.files[path].size > (1 << 31),
                        ) as target,
                    ):
                        shutil.copyfileobj(source, target, 1 << 20)
                for name in sorted(signatures):
                    archive.writestr(_zip_info(name), signatures[name])
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, output)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
