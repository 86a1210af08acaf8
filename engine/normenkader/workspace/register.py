"""``audit add-register``: a portfolio from an Algoritmeregister export.

An export of the national algorithm register (publication standard v1.0.0 field names) is
read as JSON (a list of entries, an object holding that list, or one entry) or CSV (a
header row of the standard's field names). The whole export is checked before anything
is written: a bad export is one ``InputError`` (``REGISTER_INVALID`` naming the entry
index or CSV line, ``REGISTER_TOO_LARGE``, or the strict JSON parser's codes) and no
bundle is taken in.

Each entry becomes a minimal bundle, a pure function of the entry (and of the workspace's
as-of date when the entry carries no date), so the same entry always has the same digest
and is received once:

- ``bundle.yaml``: id ``ar-<register id>``, the organisation, ``submitted`` = the entry's
  ``publication_dt`` or ``create_dt`` (else the workspace's as-of date, never today); the
  system's name and ``register_id`` (the entry's ``lars``, ``algorithm_id``,
  ``register_id`` or ``id``); the profile facts the entry states: ``public_body`` (the
  register lists government algorithms), ``impactful`` from the publication category (A
  or B: true, C: false) and, for category A, ``ai_act.risk_class: high``.
- ``register/entry.json``: the entry itself (key-sorted compact JSON, ``register_id`` added
  when the entry names its id otherwise), evidence of kind ``algoritmeregister-entry``,
  which the transparency norms (NK.TR.01) read, dated with the entry's date.

Each bundle is sealed in memory (:func:`seal_entry`: the zip ``seal`` writes for the same
files, byte for byte) and recorded with the ``receipt`` entry ``audit add``
(:func:`intake.add_one`) writes; staging each bundle in a folder, sealing it to disk and
reopening it, as ``add_one`` does, costs about 50 ms a bundle, this about 3 ms (mostly the
ledger's one fsync per entry). A bundle outside the given limits goes through ``add_one``.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import shutil
import stat
import unicodedata
import uuid
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..textsafe import visible

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ..evidence.ingest import Limits
    from .intake import Outcome
    from .workspace import Workspace

#: a register export larger than this is refused before it is parsed (the national register,
#: about 1,300 entries, exports to a few MB)
MAX_EXPORT_BYTES = 32 << 20
MAX_ENTRIES = 20_000
#: a CSV export's columns (the standard has 33 fields)
MAX_COLUMNS = 1_000
#: one entry's canonical JSON (the standard's longest field is 4,999 characters)
MAX_ENTRY_BYTES = 1 << 20
#: fields that name the entry in the register, in the order they are looked for
ID_FIELDS = ("lars", "algorithm_id", "register_id", "id")
#: fields that date the entry (publication, else last change), in the order looked for
DATE_FIELDS = ("publication_dt", "create_dt")
#: the standard's mandatory fields (the hidden ``language`` and ``schema`` aside): a CSV
#: export's header must name each of them
CSV_COLUMNS = (
    "name",
    "description_short",
    "organization",
    "theme",
    "status",
    "start_date",
    "contact",
    "publication_category",
    "purpose_and_impact",
    "considerations",
    "human_intervention",
    "risk_management",
    "impact_assessments",
    "data",
    "technical_operation",
    "supplier",
)
CATEGORY_A = "Hoog-risico AI-systeem (Categorie A)"
CATEGORY_B = "Impactvolle algoritmes (Categorie B)"
CATEGORY_C = "Overige algoritmes (Categorie C)"
EVIDENCE_PATH = "register/entry.json"
EVIDENCE_KIND = "algoritmeregister-entry"
_HIDDEN = {"Cc", "Cf", "Co", "Cs", "Zl", "Zp"}
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")
_DAY = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})([T ][0-9:.]+(Z|[+-][0-9]{2}:?[0-9]{2})?)?$")
_MANIFEST_HEAD = "# An Algoritmeregister entry taken in by 'normenkader audit add-register'.\n"


@dataclass(frozen=True)
class Entry:
    """One entry of the export, checked: where it came from and its bundle's files."""

    where: str  # export.json[4] or export.csv:5
    bundle_id: str
    document: dict[str, Any]  # bundle.yaml as a value
    manifest: bytes  # bundle.yaml
    evidence: bytes  # register/entry.json

    @property
    def head(self) -> dict[str, Any]:
        return dict(self.document["bundle"])

    @property
    def system(self) -> dict[str, Any]:
        return dict(self.document["system"])


# ----------------------------------------------------------------------------- reading
def _hidden(text: str) -> str | None:
    """The first control, format, separator or non-character of ``text``, named (YAML
    refuses U+FFFE and U+FFFF in a document)."""
    for char in text:
        if unicodedata.category(char) in _HIDDEN or char in "\ufffe\uffff":
            return f"U+{ord(char):04X} ({unicodedata.name(char, 'a control character')})"
    return None


def _text_field(entry: dict[str, Any], name: str, where: str, limit: int) -> str:
    value = entry.get(name)
    if value is None or value == "":
        raise InputError("REGISTER_INVALID", f"{name} is missing", where)
    if not isinstance(value, str):
        raise InputError("REGISTER_INVALID", f"{name} must be a string", where)
    odd = _hidden(value)
    if odd is not None:
        raise InputError("REGISTER_INVALID", f"{name} contains {odd}", where)
    if not value.strip() or len(value) > limit:
        raise InputError(
            "REGISTER_INVALID", f"{name} must have 1 to {limit} visible characters", where
        )
    return value


def _register_id(entry: dict[str, Any], where: str) -> str | None:
    for name in ID_FIELDS:
        value = entry.get(name)
        if value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise InputError("REGISTER_INVALID", f"{name} must be a string or an integer", where)
        text = str(value)
        odd = _hidden(text)
        if odd is not None:
            raise InputError("REGISTER_INVALID", f"{name} contains {odd}", where)
        if not text.strip() or len(text) > 100:
            raise InputError("REGISTER_INVALID", f"{name} must have 1 to 100 characters", where)
        return text
    return None


def _entry_day(entry: dict[str, Any], where: str) -> str | None:
    for name in DATE_FIELDS:
        value = entry.get(name)
        if value is None or value == "":
            continue
        match = _DAY.match(value) if isinstance(value, str) else None
        try:
            if match is None:
                raise ValueError
            return date.fromisoformat(match.group(1)).isoformat()
        except ValueError:
            raise InputError(
                "REGISTER_INVALID", f"{name} is not a date (YYYY-MM-DD[Thh:mm:ss])", where
            ) from None
    return None


def _profile(entry: dict[str, Any]) -> dict[str, Any]:
    profile: dict[str, Any] = {"public_body": True}
    category = entry.get("publication_category")
    if category in (CATEGORY_A, CATEGORY_B):
        profile["impactful"] = True
    elif category == CATEGORY_C:
        profile["impactful"] = False
    if category == CATEGORY_A:
        profile["ai_act"] = {"is_ai_system": True, "risk_class": "high"}
    return profile


def _json(value: Any) -> str:
    """Key-sorted, compact JSON: the same entry always gives the same bytes."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _yaml(value: Any, indent: str = "") -> str:
    """``bundle.yaml`` written by hand (PyYAML's emitter costs 3 ms an entry, and its output
    differs with and without libyaml): block mappings and lists of mappings; every string
    double-quoted as JSON writes it, which YAML reads back unchanged (no control
    characters reach here: they are refused in the fields a manifest takes)."""
    lines: list[str] = []
    for key, item in value.items():
        if isinstance(item, dict):
            lines.append(f"{indent}{key}:\n{_yaml(item, indent + '  ').rstrip()}")
        elif isinstance(item, list):
            lines.append(f"{indent}{key}:")
            for element in item:
                body = _yaml(element, indent + "    ")
                lines.append(f"{indent}  - {body[len(indent) + 4 :]}".rstrip("\n"))
        else:
            lines.append(f"{indent}{key}: {_json(item)}")
    return "\n".join(lines) + "\n"


def make_entry(entry: Any, where: str, as_of: date) -> Entry:
    """Check one entry and build its bundle's two files (REGISTER_INVALID otherwise)."""
    if not isinstance(entry, dict):
        raise InputError("REGISTER_INVALID", "an entry must be an object", where)
    name = _text_field(entry, "name", where, 300)
    organisation = _text_field(entry, "organization", where, 300)
    register_id = _register_id(entry, where)
    day = _entry_day(entry, where)
    evidence = dict(entry)
    if register_id is not None and evidence.get("register_id") in (None, ""):
        evidence["register_id"] = register_id
    try:
        content = _json(evidence).encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate from a \\udxxx escape
        raise InputError(
            "REGISTER_INVALID", f"a lone surrogate U+{ord(exc.object[exc.start]):04X}", where
        ) from None
    if len(content) > MAX_ENTRY_BYTES:
        raise InputError(
            "REGISTER_TOO_LARGE", f"the entry is larger than {MAX_ENTRY_BYTES} bytes", where
        )
    if register_id is not None and _SAFE_ID.match(register_id):
        bundle_id = f"ar-{register_id}"
    else:
        bundle_id = f"ar-{hashlib.sha256(content).hexdigest()[:16]}"
    system: dict[str, Any] = {"name": name}
    if register_id is not None:
        system["register_id"] = register_id
    item: dict[str, Any] = {
        "id": "register-entry",
        "kind": EVIDENCE_KIND,
        "path": EVIDENCE_PATH,
        "title": "Algoritmeregister entry",
    }
    if day is not None:
        item["date"] = day
    manifest = {
        "format": 1,
        "bundle": {
            "id": bundle_id,
            "organisation": organisation,
            "submitted": day or as_of.isoformat(),
        },
        "system": system,
        "profile": _profile(entry),
        "evidence": [item],
    }
    data = (_MANIFEST_HEAD + _yaml(manifest)).encode("utf-8")
    return Entry(where, bundle_id, manifest, data, content + b"\n")


def _from_json(data: bytes, display: str) -> list[tuple[str, Any]]:
    from ..yamlio import loads_json

    value = loads_json(data.removeprefix(b"\xef\xbb\xbf"), display)
    if isinstance(value, dict):
        lists = [k for k, v in value.items() if isinstance(v, list)]
        if "name" in value and "organization" in value:
            return [(f"{display}[0]", value)]  # one entry
        if len(lists) != 1:
            raise InputError(
                "REGISTER_INVALID",
                "expected a list of entries, or an object holding one list of entries",
                display,
            )
        value = value[lists[0]]
    if not isinstance(value, list):
        raise InputError("REGISTER_INVALID", "expected a list of entries", display)
    return [(f"{display}[{index}]", item) for index, item in enumerate(value)]


def _from_csv(data: bytes, display: str) -> list[tuple[str, Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            "REGISTER_INVALID", f"not valid UTF-8 at byte {exc.start}", display
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputError("REGISTER_INVALID", "a NUL character", f"{display}:{line}")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    entries: list[tuple[str, Any]] = []
    try:
        header = next(reader, None)
        if header is None:
            raise InputError("REGISTER_INVALID", "the export is empty", display)
        if len(header) > MAX_COLUMNS:
            raise InputError("REGISTER_INVALID", f"more than {MAX_COLUMNS} columns", f"{display}:1")
        header = [h.strip() for h in header]
        doubled = sorted(h for h, n in Counter(header).items() if n > 1)
        if doubled:
            raise InputError(
                "REGISTER_INVALID", f"column {doubled[0]!r} appears twice", f"{display}:1"
            )
        missing = [c for c in CSV_COLUMNS if c not in header]
        if missing:
            raise InputError(
                "REGISTER_INVALID",
                f"the header lacks the standard's column(s) {', '.join(missing[:5])}",
                f"{display}:1",
            )
        while True:
            start = reader.line_num + 1
            row = next(reader, None)
            if row is None:
                break
            where = f"{display}:{start}"
            if not row:
                continue  # a blank line
            if len(row) != len(header):
                raise InputError(
                    "REGISTER_INVALID", f"{len(row)} cells; the header has {len(header)}", where
                )
            cells = zip(header, row, strict=True)
            entries.append((where, {k: (v if v != "" else None) for k, v in cells}))
            if len(entries) > MAX_ENTRIES:
                break
    except csv.Error as exc:
        where = f"{display}:{reader.line_num}"
        raise InputError("REGISTER_INVALID", f"not CSV ({exc})", where) from None
    return entries


def read_export(export: Path, as_of: date) -> list[Entry]:
    """Every entry of the export, checked, with its bundle's files (nothing is written)."""
    from ..inputfile import read_input_file

    display = str(export)
    with contextlib.suppress(OSError):  # a path that cannot be read: read_input_file says why
        info = export.stat()
        if stat.S_ISREG(info.st_mode) and info.st_size > MAX_EXPORT_BYTES:
            raise InputError(
                "REGISTER_TOO_LARGE", f"the export is larger than {MAX_EXPORT_BYTES} bytes", display
            )
    data = read_input_file(export, "REGISTER_INVALID", MAX_EXPORT_BYTES)
    suffix = export.suffix.lower()
    head = data.removeprefix(b"\xef\xbb\xbf").lstrip()[:1]
    if suffix == ".json" or (suffix != ".csv" and head in (b"[", b"{")):
        raw = _from_json(data, display)
    else:
        raw = _from_csv(data, display)
    if not raw:
        raise InputError("REGISTER_INVALID", "the export holds no entries", display)
    if len(raw) > MAX_ENTRIES:
        raise InputError("REGISTER_TOO_LARGE", f"more than {MAX_ENTRIES} entries", display)
    return [make_entry(value, where, as_of) for where, value in raw]


# ----------------------------------------------------------------------------- sealing
@dataclass(frozen=True)
class Sealed:
    """An entry's bundle sealed in memory: the zip ``seal`` would write, and its facts."""

    entry: Entry
    data: bytes  # the BagIt zip
    digest: str  # the bundle digest (over the payload files)
    files: int
    bytes: int


def seal_entry(entry: Entry, bagging_date: date | None = None) -> Sealed:
    """The sealed zip of an entry's bundle, byte-identical to what ``seal_bundle`` makes of
    the same two files on the same day (same tag files, same member order and headers)."""
    from ..evidence.bag import PAYLOAD
    from ..evidence.bundle import bundle_digest
    from ..evidence.ingest import FileRecord
    from ..evidence.seal import _zip_info, tag_files

    payload = {"bundle.yaml": entry.manifest, EVIDENCE_PATH: entry.evidence}
    records = {
        path: FileRecord(len(data), hashlib.sha256(data).hexdigest())
        for path, data in payload.items()
    }
    digest = bundle_digest(records)
    total = sum(r.size for r in records.values())
    tags = tag_files(entry.bundle_id, entry.head.get("organisation"), digest, records, bagging_date)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", allowZip64=True) as archive:
        for name in sorted(tags):
            archive.writestr(_zip_info(name), tags[name])
        for path in sorted(payload):
            archive.writestr(_zip_info(PAYLOAD + path), payload[path])
    return Sealed(entry, buffer.getvalue(), digest, len(records), total)


def _fits(entry: Entry, limits: Limits | None) -> bool:
    """Whether the bundle is inside ``limits`` (else it goes the way of ``audit add``,
    which rejects it with the limit's own code)."""
    if limits is None:
        return True
    sizes = (len(entry.manifest), len(entry.evidence))
    return (
        limits.max_files >= 2
        and limits.max_depth >= 2
        and limits.max_path_length >= len(EVIDENCE_PATH)
        and max(sizes) <= min(limits.max_file_bytes, limits.max_manifest_bytes)
        and sum(sizes) <= limits.max_total_bytes
    )


# ----------------------------------------------------------------------------- intake
def _write_durably(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _store_zips(workspace: Workspace, sealed: list[Sealed]) -> dict[str, str]:
    """Each zip into ``bundles/<digest>.zip`` (written in ``tmp/``, fsynced, renamed, the
    folder fsynced): durable before any receipt names it. Returns digest -> sha256 of the
    zip. The writes run in threads: the fsyncs of one batch share the file system's
    journal commits (1,000 files: about 0.2 s instead of 1.3 s)."""
    from concurrent.futures import ThreadPoolExecutor

    from .workspace import _fsync_dir

    def one(item: Sealed) -> tuple[str, str]:
        temporary = workspace.tmp / f"{uuid.uuid4().hex}.zip"
        try:
            _write_durably(temporary, item.data)
            os.replace(temporary, workspace.bundle_path(item.digest))
        finally:
            with contextlib.suppress(OSError):
                temporary.unlink()
        return item.digest, "sha256:" + hashlib.sha256(item.data).hexdigest()

    if not sealed:
        return {}
    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            stored = dict(pool.map(one, sealed))
        _fsync_dir(workspace.bundles)
    except OSError as exc:  # a full disk, no permission
        raise InputError(
            "OUTPUT_INVALID", exc.strerror or "cannot write", str(workspace.bundles)
        ) from None
    return stored


def _receipt(name: str, item: Sealed, workspace: Workspace, sha256: str) -> dict[str, Any]:
    """The body ``audit add`` writes for an accepted bundle (``intake.add_one``)."""
    head = item.entry.head
    system = item.entry.system
    facts = {
        "id": item.entry.bundle_id,
        "digest": item.digest,
        "organisation": head.get("organisation"),
        "submitted": str(head["submitted"]) if head.get("submitted") else None,
        "system": system.get("name"),
        "register_id": str(system.get("register_id") or "") or None,
        "files": item.files,
        "bytes": item.bytes,
    }
    final = workspace.bundle_path(item.digest)
    return {
        "status": "accepted",
        "source": name,
        "bundle": facts,
        "sealed": {"path": f"bundles/{final.name}", "sha256": sha256},
    }


def add_register(
    workspace: Workspace, export: Path, key: Ed25519PrivateKey, limits: Limits | None = None
) -> list[Outcome]:
    """Take in every entry of a register export as a bundle; one outcome per entry.

    The export is read and checked whole first (InputError, nothing written). Then every
    new entry's bundle is sealed in memory (:func:`seal_entry`, the bytes ``seal`` would
    write), all zips are stored durably, and one ``receipt`` entry per bundle is appended,
    the same entry ``audit add`` writes. An entry whose bundle digest was received before,
    or earlier in the same export, is ``known``. A crash leaves zips without receipts,
    which the next run replaces and records (as ``audit add`` does).

    Whether a digest was received is read from the ledger once, not inside every receipt's
    transaction (reading 1,000 entries for each of 1,000 receipts is quadratic: about 15 s);
    only when another writer appended since this call's previous entry is the check made
    inside the transaction again. A writer that appends between that look and the
    transaction can at worst leave a second receipt of the same digest, which
    ``Workspace.received`` counts once.
    """
    from .intake import Outcome, add_one, sweep_stale
    from .ledger import Entry as LedgerEntry
    from .ledger import signer_for

    export = Path(export)
    entries = read_export(export, workspace.config.as_of)
    signer_for("receipt", key, workspace.trusted)  # a key that may not sign writes nothing
    label = visible(export.name)[:100]
    names = [label + e.where[len(str(export)) :] for e in entries]
    workspace.tmp.mkdir(exist_ok=True)
    sweep_stale(workspace.tmp)
    received = {str(e.body["bundle"]["digest"]): e for e in workspace.received()}
    outcomes: list[Outcome | None] = [None] * len(entries)
    new: dict[str, tuple[int, Sealed]] = {}  # digest -> (first index, sealed)
    slow: list[int] = []
    for index, entry in enumerate(entries):
        if not _fits(entry, limits):
            slow.append(index)
            continue
        item = seal_entry(entry)
        if item.digest in received or item.digest in new:
            outcomes[index] = Outcome(names[index], "known", entry.bundle_id, item.digest)
        else:
            new[item.digest] = (index, item)
    stored = _store_zips(workspace, [item for _, item in new.values()])
    head = workspace.store.head()
    last_seq = head.seq if head is not None else 0
    for digest, (index, item) in new.items():
        current = workspace.store.head()
        # another writer appended since our last entry: check again inside the transaction
        changed = current is not None and current.seq != last_seq

        def already(found: list[LedgerEntry], digest: str = digest) -> bool:
            return any(
                e.type == "receipt"
                and e.body.get("status") == "accepted"
                and e.body["bundle"]["digest"] == digest
                for e in found
            )

        body = _receipt(names[index], item, workspace, stored[digest])
        written = workspace.append("receipt", body, key, unless=already if changed else None)
        if written is None:
            outcomes[index] = Outcome(names[index], "known", item.entry.bundle_id, digest)
            continue
        last_seq = written.seq
        outcomes[index] = Outcome(
            names[index], "accepted", item.entry.bundle_id, digest, seq=written.seq
        )
    if slow:
        base = workspace.tmp / f"register-{uuid.uuid4().hex}"
        try:
            for index in slow:
                folder = base / names[index]
                _write_folder(folder, entries[index])
                outcomes[index] = add_one(workspace, folder, key, limits)
        finally:
            shutil.rmtree(base, ignore_errors=True)
    return [o for o in outcomes if o is not None]


def _write_folder(folder: Path, entry: Entry) -> None:
    folder.mkdir(parents=True)
    (folder / "bundle.yaml").write_bytes(entry.manifest)
    (folder / "register").mkdir()
    (folder / EVIDENCE_PATH).write_bytes(entry.evidence)


def add_register_slow(
    workspace: Workspace, export: Path, key: Ed25519PrivateKey, limits: Limits | None = None
) -> list[Outcome]:
    """Every entry through ``intake.add_one`` (stage, seal, reopen): the reference path the
    tests compare :func:`add_register` with."""
    from .intake import add_one

    export = Path(export)
    entries = read_export(export, workspace.config.as_of)
    label = visible(export.name)[:100]
    base = workspace.tmp / f"register-{uuid.uuid4().hex}"
    outcomes = []
    try:
        for entry in entries:
            folder = base / (label + entry.where[len(str(export)) :])
            _write_folder(folder, entry)
            outcomes.append(add_one(workspace, folder, key, limits))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return outcomes
