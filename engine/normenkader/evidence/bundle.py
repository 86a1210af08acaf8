"""An opened evidence bundle: manifest, evidence items (validated), digest.

``open_bundle`` stages the source (see ``ingest``), parses ``bundle.yaml`` strictly,
validates it against the manifest schema, checks that every evidence path names a staged
file, and validates each structured evidence item against its kind's schema. An invalid
*manifest* rejects the bundle (exit 3); an invalid *evidence item* does not: the norms that
need it report ``missing`` (evidence_invalid) with the schema error, which is a finding
about the organisation's evidence, not a broken input.

Parsing and validation are a pure function of the staged files (their digests), the
schemas, the limits and this code, so a bundle that opened before is taken from the local
cache (``cache``): the digest of every file is still computed from the staged bytes, but
unchanged YAML is not parsed nor validated again. Only a bundle that opened without an
error is cached, so every rejection is always computed afresh, with its position.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..records import Record
from .ingest import FileRecord, Limits, StagedTree
from .staging import stage

if TYPE_CHECKING:
    from ..yamlio import Document

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
STRUCTURED_SUFFIXES = (".yaml", ".yml", ".json")
CACHE_FORMAT = "bundle-cache/2"
#: Bundles whose structured evidence is larger than this are not cached. An audit-scale
#: bundle (10,000 small items, about 5 MB) is; the folder stays bounded by
#: ``cache.KEEP_BYTES`` and no entry exceeds ``cache.MAX_ENTRY_BYTES``.
CACHE_MAX_STRUCTURED_BYTES = 32 << 20


@dataclass(repr=False, eq=False)
class EvidenceItem(Record):
    """One evidence entry of bundle.yaml with its staged file and parsed content."""

    id: str
    kind: str
    form: str  # structured | document | dataset
    path: str
    file: Path  # staged file
    record: FileRecord
    entry: dict[str, Any]  # the manifest entry as written
    date: date | None
    content: Any = None  # parsed structured content
    document: Document | None = None  # positions for structured YAML
    problem: str | None = None  # why the item is invalid (schema errors)


@dataclass(repr=False, eq=False)
class Bundle(Record):
    """An opened bundle: manifest, evidence items and digest."""

    source: str
    tree: StagedTree
    manifest: dict[str, Any]
    items: dict[str, EvidenceItem]
    digest: str

    @property
    def id(self) -> str:
        return str(self.manifest["bundle"]["id"])

    @property
    def profile(self) -> dict[str, Any]:
        return dict(self.manifest.get("profile") or {})

    @property
    def system(self) -> dict[str, Any]:
        return dict(self.manifest.get("system") or {})

    def of_kind(self, kind: str) -> list[EvidenceItem]:
        return [item for item in self.items.values() if item.kind == kind]

    def describe(self) -> dict[str, Any]:
        """Bundle block of the result."""
        head = self.manifest["bundle"]
        return {
            "id": head["id"],
            "organisation": head.get("organisation"),
            "submitted": head.get("submitted"),
            "system": self.system,
            "digest": self.digest,
            "files": len(self.tree.files),
        }


def bundle_digest(files: dict[str, FileRecord]) -> str:
    """sha256 over the canonical (RFC 8785) sorted list of {path, size, sha256}.

    Paths are ASCII-safe strings and values are strings and integers, for which Python's
    compact, key-sorted JSON with ``ensure_ascii=False`` is byte-identical to RFC 8785.

    ``files`` is a staged payload: the detached ``signatures/`` were already split off by
    staging (working folder and zip) or lie outside ``data/`` (bag), so every file given is
    covered. Filtering ``signatures/`` here again would leave a bag's payload folder
    ``data/signatures/`` (which bundle.yaml may cite as evidence) outside the signed digest.
    """
    listing = [
        {"path": path, "sha256": record.sha256, "size": record.size}
        for path, record in sorted(files.items())
    ]
    canonical = json.dumps(listing, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check_id(value: str, what: str, where: str) -> None:
    """Ids are ASCII; look-alike and invisible characters are rejected with a clear code."""
    if ID_PATTERN.match(value):
        return
    odd = [c for c in value if ord(c) > 127 or not c.isprintable()]
    if odd:
        names = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in odd[:3])
        raise InputError("ID_NOT_ASCII", f"{what} {value!r} contains {names}", where)
    raise InputError("ID_INVALID", f"{what} {value!r} must match {ID_PATTERN.pattern}", where)


def open_bundle(source: Path, limits: Limits | None = None, workdir: Path | None = None) -> Bundle:
    limits = limits or Limits()
    tree = stage(source, limits, workdir)
    display = {
        "folder": f"{source}/bundle.yaml",
        "bag": f"{source}/data/bundle.yaml",
    }.get(tree.form, f"{source}!bundle.yaml")
    if tree.files.get("bundle.yaml", FileRecord(0, "")).size > limits.max_manifest_bytes:
        raise InputError("MANIFEST_TOO_LARGE", f"over {limits.max_manifest_bytes} bytes", display)
    raw = tree.staged_bytes("bundle.yaml")
    key = _cache_key(tree, limits)
    cached = _cached(key)
    where: Callable[[str], str]
    if cached is not None:
        manifest, parsed = cached
        where = _lazy_where(raw, display)
    else:
        from ..yamlio import loads_yaml

        doc = loads_yaml(raw, display)
        manifest = doc.value
        if not isinstance(manifest, dict):
            raise InputError("MANIFEST_INVALID", "bundle.yaml must be a mapping", display)
        _check_ids(doc)  # before the schema, so look-alike characters get their own code
        _validate_manifest(doc, display)
        _check_dates(doc)
        where = doc.where
        parsed = {}
    items: dict[str, EvidenceItem] = {}
    for index, entry in enumerate(manifest.get("evidence") or []):
        pointer = f"/evidence/{index}"
        if entry["id"] in items:
            raise InputError(
                "DUPLICATE_EVIDENCE_ID", f"evidence id {entry['id']!r} used twice", where(pointer)
            )
        # a cached bundle had known kinds under the same schemas (they are in the key)
        schema = None if cached is not None else _kind(entry["kind"], where(pointer))
        path_where = partial(where, pointer + "/path")
        path = _payload_path(entry["path"], path_where)
        record = tree.files.get(path)
        if record is None:
            raise InputError(
                "EVIDENCE_FILE_MISSING", f"{path!r} is not in the bundle", path_where()
            )
        if schema is None:
            known = parsed[entry["id"]]
            item = _make_item(entry, path, record, tree, known["form"])
            item.content, item.problem = known["content"], known["problem"]
        else:
            item = _make_item(entry, path, record, tree, schema.form)
            _parse_item(item, schema, limits, tree)
        items[entry["id"]] = item
    if cached is None:
        _store(key, manifest, items)
    # documents and datasets are opened by path later; structured items were read here
    tree.materialize(item.path for item in items.values() if item.form != "structured")
    return Bundle(
        source=str(source),
        tree=tree,
        manifest=manifest,
        items=items,
        digest=bundle_digest(tree.files),
    )


def _kind(kind: str, where: str) -> Any:
    from .schemas import kind_names, kind_schema

    schema = kind_schema(kind)
    if schema is None:
        from ..suggest import closest

        match = closest(kind, kind_names())
        hint = f"did you mean {match}?" if match else f"known: {', '.join(kind_names())}"
        raise InputError("UNKNOWN_EVIDENCE_KIND", f"unknown kind {kind!r} ({hint})", where)
    return schema


def _cache_key(tree: StagedTree, limits: Limits) -> str:
    """Everything parsing and validation depend on: every staged file's path, size and
    sha256, the limits and the form; ``make_key`` adds the engine fingerprint (this code,
    the manifest and kind schemas, the jsonschema-rs and PyYAML versions)."""
    from .. import cache

    listing = sorted((p, r.size, r.sha256) for p, r in tree.files.items())
    return cache.make_key(CACHE_FORMAT, [repr(limits), tree.form, repr(listing)])


def _cached(key: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]]] | None:
    from .. import cache

    value = cache.read("bundle", CACHE_FORMAT, key)
    if not isinstance(value, dict):
        return None
    manifest, parsed = value.get("manifest"), value.get("items")
    if not isinstance(manifest, dict) or not isinstance(parsed, dict):
        return None
    entries = manifest.get("evidence") or []
    for entry in entries:
        known = parsed.get(entry.get("id"))
        if not isinstance(known, dict) or known.get("form") not in (
            "structured",
            "document",
            "dataset",
        ):
            return None
    return manifest, parsed


def _store(key: str, manifest: dict[str, Any], items: dict[str, EvidenceItem]) -> None:
    structured = sum(item.record.size for item in items.values() if item.form == "structured")
    if structured > CACHE_MAX_STRUCTURED_BYTES:
        return
    from .. import cache

    parsed = {
        i.id: {"form": i.form, "content": i.content, "problem": i.problem} for i in items.values()
    }
    cache.write("bundle", CACHE_FORMAT, key, {"manifest": manifest, "items": parsed})


def _lazy_where(raw: bytes, display: str) -> Callable[[str], str]:
    """``Document.where`` for a manifest taken from the cache: parsed only if asked."""

    def where(pointer: str) -> str:
        from ..yamlio import loads_yaml

        return loads_yaml(raw, display).where(pointer)

    return where


def _check_ids(doc: Document) -> None:
    """Name look-alike or invisible characters in the bundle and evidence ids."""
    manifest = doc.value
    head = manifest.get("bundle")
    if isinstance(head, dict) and isinstance(head.get("id"), str):
        check_id(head["id"], "bundle id", doc.where("/bundle/id"))
    entries = manifest.get("evidence")
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            check_id(entry["id"], "evidence id", doc.where(f"/evidence/{index}/id"))


def _validate_manifest(doc: Document, display: str) -> None:
    from .schemas import manifest_validator

    validator = manifest_validator()
    for error in validator.iter_errors(doc.value):
        parts = list(error.instance_path)
        pointer = "".join("/" + str(p) for p in parts)
        message = " ".join(error.message.split())[:200]
        raise InputError("MANIFEST_INVALID", f"{pointer or '/'}: {message}", doc.where(pointer))


def _check_dates(doc: Document) -> None:
    """The schema checks the shape of dates; reject impossible ones (2026-02-30, or a
    date-time whose UTC form falls outside years 1..9999) before anything computes with them."""
    from ..timeutil import parse_date

    manifest = doc.value
    pointers = ["/bundle/submitted", "/system/go_live"]
    for index, entry in enumerate(manifest.get("evidence") or []):
        pointers.append(f"/evidence/{index}/date")
        if isinstance(entry.get("approved_by"), dict):
            pointers.append(f"/evidence/{index}/approved_by/date")
    for pointer in pointers:
        value: Any = manifest
        for part in pointer.strip("/").split("/"):
            value = value.get(part) if isinstance(value, dict) else value[int(part)]
            if value is None:
                break
        if value is None:
            continue
        try:
            parse_date(str(value))
        except ValueError:
            raise InputError(
                "MANIFEST_INVALID", f"{pointer}: {value!r} is not a valid date", doc.where(pointer)
            ) from None


def _long_list(value: Any, limit: int) -> tuple[str, int] | None:
    """The first list longer than ``limit`` (JSON pointer, length), walking iteratively."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        node, pointer = stack.pop()
        if isinstance(node, list):
            if len(node) > limit:
                return pointer, len(node)
            stack.extend((child, f"{pointer}/{index}") for index, child in enumerate(node))
        elif isinstance(node, dict):
            stack.extend(
                (child, f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}")
                for key, child in node.items()
            )
    return None


def _payload_path(path: str, where: Callable[[], str]) -> str:
    if "\\" in path or path.startswith("/") or ":" in path.split("/")[0]:
        raise InputError("PATH_INVALID", f"{path!r}: paths are relative and '/'-separated", where())
    # the raw components, not PurePosixPath's: it folds "a//b", "./a" and "a/" silently,
    # so a manifest could name one file in several spellings
    parts = path.split("/")
    if ".." in parts:
        raise InputError("PATH_TRAVERSAL", f"{path!r} leaves the bundle", where())
    if any(part in ("", ".") for part in parts):
        raise InputError("PATH_INVALID", f"{path!r} has an empty or '.' path component", where())
    return path


def _make_item(
    entry: dict[str, Any], path: str, record: FileRecord, tree: StagedTree, form: str
) -> EvidenceItem:
    from ..timeutil import parse_date

    return EvidenceItem(
        id=entry["id"],
        kind=entry["kind"],
        form=form,
        path=path,
        file=tree.path(path),
        record=record,
        entry=entry,
        date=parse_date(entry["date"]) if entry.get("date") else None,
    )


def _load_structured(data: bytes, path: str) -> Document:
    """``yamlio.load_structured`` on staged bytes (they may not be written to disk)."""
    from ..yamlio import Document, loads_json, loads_yaml

    if PurePosixPath(path).suffix.lower() == ".json":
        return Document(value=loads_json(data, path), source=path)
    return loads_yaml(data, path)


def _parse_item(item: EvidenceItem, schema: Any, limits: Limits, tree: StagedTree) -> None:
    """Parse and validate one item; what is wrong with it goes to ``item.problem``."""
    from .schemas import schema_errors

    path, record = item.path, item.record
    if schema.form == "structured":
        if not path.lower().endswith(STRUCTURED_SUFFIXES):
            item.problem = f"kind {item.kind} must be a .yaml, .yml or .json file"
            return
        if record.size > limits.max_manifest_bytes:
            item.problem = f"structured evidence larger than {limits.max_manifest_bytes} bytes"
            return
        try:
            document = _load_structured(tree.staged_bytes(path), path)
        except InputError as exc:
            item.problem = exc.line().removeprefix("error ")
            return
        item.document = document
        item.content = document.value
        too_long = _long_list(document.value, limits.max_list_items)
        if too_long is not None:
            pointer, length = too_long
            item.problem = (
                f"EVIDENCE_TOO_LARGE: the list at {pointer or '/'} has {length} items; "
                f"the limit is {limits.max_list_items} (--max-list-items)"
            )
            return
        errors = schema_errors(schema.validator, document.value)
    else:
        errors = schema_errors(schema.validator, item.entry)
        errors = [f"bundle.yaml entry {item.id}{e}" if e.startswith("/") else e for e in errors]
    if errors:
        item.problem = "; ".join(errors)
