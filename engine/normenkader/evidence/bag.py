"""BagIt 1.0 (RFC 8493) under the project's closed-world profile: verification.

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

import re
from pathlib import Path

from ..errors import InputError
from .ingest import (
    FileRecord,
    Limits,
    StagedTree,
    check_path,
    collision_key,
    printable,
    read_signatures,
)

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
        f"{display}!{printable(path)}"
        if display.endswith(".zip")
        else f"{display}/{printable(path)}"
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
                "DUPLICATE_ENTRY", f"{printable(name)!r} listed twice", f"{where}:{number}"
            )

        key = collision_key(name)
        if key in seen:
            raise InputError(
                "NAME_COLLISION",
                f"{printable(name)!r} collides with {printable(seen[key])!r}",
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


def encode_path(path: str) -> str:
    """A path as a manifest line writes it (RFC 8493 2.1.3: only CR, LF and % escaped)."""
    return path.replace("%", "%25").replace("\n", "%0A").replace("\r", "%0D")
