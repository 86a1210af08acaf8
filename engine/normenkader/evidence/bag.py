"""BagIt 1.0 (RFC 8493) under the project's closed-world profile: verify and seal.

Verification is our own, on staged bytes whose sha256 was computed while they were
copied (``ingest``); no BagIt library reads a hostile bag. The profile:

* ``bagit.txt`` declares version 1.0 (0.97 accepted) and UTF-8 tag files;
* ``manifest-sha256.txt`` and ``tagmanifest-sha256.txt`` are required, and no other
  algorithm is accepted (a bag "protected" only by md5 or sha1 is rejected);
* every payload file under ``data/`` is listed exactly once, every listed file exists, and
  every digest matches; the same for tag files in the tag manifest;
* no ``fetch.txt``, no unlisted tag file (``signatures/*.dsse.json`` excepted: a signature
  is added after sealing and sits outside the seal), tag files are small;
* manifest lines are canonical (lowercase hex, one or two spaces, only ``%0A %0D %25``
  escapes), so that changing any single byte of a sealed bag is detected;
* ``Payload-Oxum`` in ``bag-info.txt``, when present, must match.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import InputError
from .ingest import FileRecord, Limits, StagedTree, _printable, check_path, read_signatures

PAYLOAD = "data/"
MANIFEST = "manifest-sha256.txt"
TAGMANIFEST = "tagmanifest-sha256.txt"
REQUIRED_TAGS = ("bagit.txt", MANIFEST, TAGMANIFEST)
_MANIFEST_NAME = re.compile(r"^(tag)?manifest-([^/]+)\.txt$")
_LINE = re.compile(r"^([0-9a-f]{64}) {1,2}(\S.*)$")
_ESCAPE = re.compile(r"%(?!0A|0D|25)")
_ACCEPTED_VERSIONS = ("1.0", "0.97")
MAX_BAG_INFO_LINES = 1000


def verify_bag(
    root: Path, files: dict[str, FileRecord], limits: Limits, display: str, form: str
) -> StagedTree:
    """Verify a staged bag; return its payload (``data/``) as the bundle tree."""
    for path, record in sorted(files.items()):
        if not path.startswith(PAYLOAD) and record.size > limits.max_manifest_bytes:
            raise InputError(
                "TAG_FILE_TOO_LARGE",
                f"tag file over {limits.max_manifest_bytes} bytes",
                _at(display, path),
            )
    if "fetch.txt" in files:
        raise InputError(
            "BAG_FETCH", "fetch.txt is not allowed: a bag must hold all its files", display
        )
    _check_bagit_txt(root, display)
    for path in sorted(files):
        match = _MANIFEST_NAME.match(path)
        if match and match.group(2) != "sha256":
            raise InputError(
                "BAG_ALGORITHM", f"{path}: only sha256 manifests are accepted", _at(display, path)
            )
    for required in (MANIFEST, TAGMANIFEST):
        if required not in files:
            raise InputError("BAG_MANIFEST_MISSING", f"{required} is required", display)

    tag_listing = parse_manifest(root / TAGMANIFEST, limits, _at(display, TAGMANIFEST))
    tag_files = {
        path: record
        for path, record in files.items()
        if not path.startswith(PAYLOAD)
        and path != TAGMANIFEST
        and not path.startswith("signatures/")
    }
    for path in tag_listing:
        if path.startswith(PAYLOAD) or path == TAGMANIFEST:
            raise InputError(
                "BAG_MANIFEST_INVALID", f"tag manifest lists {path!r}", _at(display, TAGMANIFEST)
            )
    signature_records = {p: r for p, r in files.items() if p.startswith("signatures/")}
    _compare(tag_listing, tag_files, signature_records, display)

    payload_listing = parse_manifest(root / MANIFEST, limits, _at(display, MANIFEST))
    for path in payload_listing:
        if not path.startswith(PAYLOAD):
            raise InputError(
                "BAG_MANIFEST_INVALID",
                f"manifest lists {path!r} outside data/",
                _at(display, MANIFEST),
            )
    payload = {path: record for path, record in files.items() if path.startswith(PAYLOAD)}
    _compare(payload_listing, payload, {}, display)

    info = parse_bag_info(root, files, display)
    oxum = info.get("Payload-Oxum")
    if oxum is not None:
        expected = f"{sum(r.size for r in payload.values())}.{len(payload)}"
        if oxum.strip() != expected:
            raise InputError(
                "BAG_OXUM_MISMATCH", f"Payload-Oxum {oxum!r}, payload is {expected}", display
            )
    tree = StagedTree(root=root / "data", form=form, sealed=True, bag_info=info)
    tree.files = {path[len(PAYLOAD) :]: record for path, record in sorted(payload.items())}
    if "bundle.yaml" not in tree.files:
        raise InputError("MANIFEST_MISSING", "the bag payload has no data/bundle.yaml", display)
    tree.signatures = read_signatures(root, files, limits, display)
    return tree


def _at(display: str, path: str) -> str:
    return (
        f"{display}!{_printable(path)}"
        if display.endswith(".zip")
        else f"{display}/{_printable(path)}"
    )


def _compare(
    listing: dict[str, str],
    present: dict[str, FileRecord],
    optional: dict[str, FileRecord],
    display: str,
) -> None:
    for path in sorted(present):
        if path not in listing:
            raise InputError(
                "UNLISTED_FILE", "file is not in the bag's manifests", _at(display, path)
            )
    for path, expected in sorted(listing.items()):
        record = present.get(path) or optional.get(path)
        if record is None:
            raise InputError("MISSING_FILE", "listed in a manifest but absent", _at(display, path))
        if record.sha256 != expected:
            raise InputError(
                "CHECKSUM_MISMATCH", "sha256 differs from the manifest", _at(display, path)
            )


def _check_bagit_txt(root: Path, display: str) -> None:
    where = _at(display, "bagit.txt")
    try:
        text = (root / "bagit.txt").read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("BAG_INVALID", "bagit.txt is not UTF-8", where) from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line.removesuffix("\r") for line in lines]
    version = lines[0].removeprefix("BagIt-Version: ") if lines else ""
    expected_encoding = "Tag-File-Character-Encoding: UTF-8"
    if (
        len(lines) != 2
        or not lines[0].startswith("BagIt-Version: ")
        or version not in _ACCEPTED_VERSIONS
        or lines[1] != expected_encoding
    ):
        raise InputError(
            "BAG_INVALID",
            "bagit.txt must be 'BagIt-Version: 1.0' and 'Tag-File-Character-Encoding: UTF-8'",
            where,
        )


def parse_manifest(path: Path, limits: Limits, where: str) -> dict[str, str]:
    """Canonical manifest lines ``<lowercase sha256> <path>``; each path once."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("BAG_MANIFEST_INVALID", "manifest is not UTF-8", where) from None
    if text.startswith("\ufeff"):
        raise InputError("BAG_MANIFEST_INVALID", "byte order mark in a manifest", where)
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    listing: dict[str, str] = {}
    seen: dict[str, str] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.removesuffix("\r")
        match = _LINE.match(line)
        if not match:
            raise InputError(
                "BAG_MANIFEST_INVALID", "expected '<lowercase sha256> <path>'", f"{where}:{number}"
            )
        digest, encoded = match.groups()
        if _ESCAPE.search(encoded):
            raise InputError("BAG_MANIFEST_INVALID", "bad percent-encoding", f"{where}:{number}")
        name = encoded.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")
        check_path(name, limits, f"{where}:{number}")
        if name in listing:
            raise InputError(
                "DUPLICATE_ENTRY", f"{_printable(name)!r} listed twice", f"{where}:{number}"
            )
        from .ingest import collision_key

        key = collision_key(name)
        if key in seen:
            raise InputError(
                "NAME_COLLISION",
                f"{_printable(name)!r} collides with {_printable(seen[key])!r}",
                f"{where}:{number}",
            )
        seen[key] = name
        listing[name] = digest
    return listing


def parse_bag_info(root: Path, files: dict[str, FileRecord], display: str) -> dict[str, str]:
    """``Label: value`` lines (continuations indented); the first value of each label."""
    if "bag-info.txt" not in files:
        return {}
    where = _at(display, "bag-info.txt")
    try:
        text = (root / "bag-info.txt").read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("BAG_INVALID", "bag-info.txt is not UTF-8", where) from None
    info: dict[str, str] = {}
    label = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if number > MAX_BAG_INFO_LINES:
            raise InputError("BAG_INVALID", f"more than {MAX_BAG_INFO_LINES} lines", where)
        if line[:1] in (" ", "\t") and label:
            info[label] = info[label] + " " + line.strip()
            continue
        if ":" not in line:
            raise InputError("BAG_INVALID", "expected 'Label: value'", f"{where}:{number}")
        label, value = (part.strip() for part in line.split(":", 1))
        info.setdefault(label, value)
    return info


# --------------------------------------------------------------------------- sealing


def encode_path(path: str) -> str:
    return path.replace("%", "%25").replace("\n", "%0A").replace("\r", "%0D")


@dataclass(frozen=True)
class SealResult:
    digest: str
    files: int
    bytes: int
    output: Path


def seal_bundle(
    source: Path, output: Path, limits: Limits | None = None, workdir: Path | None = None
) -> SealResult:
    """Make a closed-world bag (folder, or zip when ``output`` ends in .zip) from a bundle.

    The bundle is opened and validated first (manifest schema, evidence paths), so an
    invalid bundle is never sealed. The output appears atomically: it is built under a
    temporary name beside ``output`` and renamed.
    """
    from .. import __version__
    from .bundle import open_bundle

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
    head = bundle.manifest["bundle"]
    organisation = " ".join(str(head.get("organisation", "")).split())
    bag_info = (
        f"Bag-Software-Agent: normenkader {__version__}\n"
        f"Bagging-Date: {datetime.now(UTC).date().isoformat()}\n"
        f"External-Identifier: {bundle.id}\n"
        f"Source-Organization: {organisation}\n"
        f"Bundle-Digest: {bundle.digest}\n"
        f"Payload-Oxum: {total}.{len(tree.files)}\n"
    ).encode()
    bagit = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    manifest = "".join(
        f"{record.sha256}  {encode_path(PAYLOAD + path)}\n"
        for path, record in sorted(tree.files.items())
    ).encode("utf-8")
    tags = {"bagit.txt": bagit, "bag-info.txt": bag_info, MANIFEST: manifest}
    import hashlib

    tagmanifest = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(tags.items())
    ).encode()
    tags[TAGMANIFEST] = tagmanifest
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
