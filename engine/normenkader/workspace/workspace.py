"""A supervisor's audit workspace: ``audit.yaml``, its trusted keys, the ledger and the
content-addressed files the ledger points to.

Layout::

    audit.yaml            name, pinned norm set (digest, norm paths, profile), as-of date,
                          trusted-keys file, ledger
    trusted-keys.yaml     the keys whose entries count (copied in by ``audit init``)
    ledger.sqlite         the signed, append-only ledger (WAL: also -wal and -shm files)
    bundles/<hex>.zip     each received bundle, sealed (BagIt zip), named by its bundle digest
    results/<hex>.json    each JSON result, named by the sha256 of its bytes
    judgements/<hex>.json the signed judgements a run used, named by the sha256 of its bytes
    tmp/                  half-done intake (safe to delete when no command runs)
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError, NormenkaderError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ..evidence.keys import TrustedKey
    from ..norms.compiled import NormSet
    from .ledger import Entry
    from .store import LedgerStore

CONFIG = "audit.yaml"
KEYS = "trusted-keys.yaml"
LEDGER = "ledger.sqlite"
FORMAT = "normenkader-audit/1"
KEY_ENV = "NORMENKADER_AUDIT_KEY"
_HEX = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,200}$")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def store_bytes(folder: Path, data: bytes, suffix: str) -> str:
    """Keep ``data`` under its own sha256 in ``folder``; returns ``sha256:<hex>``."""
    from ..atomic import write_atomic

    digest = hashlib.sha256(data).hexdigest()
    target = folder / f"{digest}{suffix}"
    if not target.is_file() or sha256_file(target) != "sha256:" + digest:
        write_atomic(target, data, public=True)
    return "sha256:" + digest


@dataclass
class Config:
    name: str
    norm_set_digest: str
    norms: list[str] | None  # absolute norm paths; None: the shipped library
    profile: str | None
    as_of: date
    trusted_keys: str = KEYS
    ledger: str = LEDGER

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "name": self.name,
            "norm_set": {
                "digest": self.norm_set_digest,
                "norms": self.norms,
                "profile": self.profile,
            },
            "as_of": self.as_of.isoformat(),
            "trusted_keys": self.trusted_keys,
            "ledger": self.ledger,
        }


def _config(path: Path) -> Config:
    from ..inputfile import read_input_file
    from ..yamlio import loads_yaml

    code = "AUDIT_CONFIG_INVALID"
    doc = loads_yaml(read_input_file(path, code, 1 << 20), str(path))
    value = doc.value
    try:
        if not isinstance(value, dict) or value.get("format") != FORMAT:
            raise ValueError(f"format: {FORMAT} is required")
        pinned = value["norm_set"]
        norms = pinned.get("norms")
        if norms is not None and not (
            isinstance(norms, list) and all(isinstance(p, str) for p in norms)
        ):
            raise ValueError("norm_set.norms must be a list of paths or null")
        text = value.get("trusted_keys")
        if not isinstance(text, str) or "/" in text or text.startswith("."):
            raise ValueError("trusted_keys must be a file name inside the workspace")
        from .stores import valid_setting

        if not valid_setting(value.get("ledger")):
            raise ValueError("ledger must be a file name inside the workspace or postgresql://")
        digest = str(pinned["digest"])
        if not digest.startswith("sha256:") or not _HEX.match(digest[7:]):
            raise ValueError("norm_set.digest must be sha256:<hex>")
        return Config(
            name=str(value["name"]),
            norm_set_digest=digest,
            norms=norms,
            profile=pinned.get("profile"),
            as_of=date.fromisoformat(str(value["as_of"])),
            trusted_keys=value["trusted_keys"],
            ledger=value["ledger"],
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(code, f"not a workspace configuration ({exc})", str(path)) from None


@dataclass
class Workspace:
    root: Path
    config: Config
    trusted: list[TrustedKey]
    trusted_digest: str
    _store: LedgerStore | None = field(default=None, repr=False)

    # ----------------------------------------------------------------- layout
    @property
    def bundles(self) -> Path:
        return self.root / "bundles"

    @property
    def results(self) -> Path:
        return self.root / "results"

    @property
    def judgements(self) -> Path:
        return self.root / "judgements"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    def bundle_path(self, digest: str) -> Path:
        return self.bundles / f"{digest.removeprefix('sha256:')}.zip"

    def result_path(self, digest: str) -> Path:
        return self.results / f"{digest.removeprefix('sha256:')}.json"

    @property
    def store(self) -> LedgerStore:
        if self._store is None:
            from .stores import open_store

            self._store = open_store(self.root, self.config.ledger)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    # ----------------------------------------------------------------- ledger
    def entries(self) -> list[Entry]:
        from .ledger import read

        return read(self.store)

    def append(
        self, kind: str, body: dict[str, Any], key: Ed25519PrivateKey, unless: Any = None
    ) -> Entry | None:
        from .ledger import append

        return append(self.store, kind, body, key, self.trusted, unless=unless)

    # ----------------------------------------------------------------- norms
    def norm_set(self) -> NormSet:
        """The pinned norm set; NORMS_CHANGED when the files no longer give its digest."""
        from ..norms.compiled import load_norm_set

        paths = [Path(p) for p in self.config.norms] if self.config.norms else None
        norm_set = load_norm_set(paths, self.config.profile)
        if norm_set.digest != self.config.norm_set_digest:
            raise InputError(
                "NORMS_CHANGED",
                f"the norm set is now {norm_set.digest[:23]}, the audit pinned "
                f"{self.config.norm_set_digest[:23]}; start a new workspace for the new norms",
                str(self.root / CONFIG),
            )
        return norm_set

    # ----------------------------------------------------------------- reads
    def received(self) -> list[Entry]:
        """Accepted receipts, one per bundle digest, in the order received."""
        seen: set[str] = set()
        found = []
        for entry in self.entries():
            if entry.type == "receipt" and entry.body.get("status") == "accepted":
                digest = str(entry.body["bundle"]["digest"])
                if digest not in seen:
                    seen.add(digest)
                    found.append(entry)
        return found

    def runs(self) -> list[Entry]:
        return [e for e in self.entries() if e.type == "run"]


def open_workspace(root: Path) -> Workspace:
    from ..evidence.keys import read_trusted_keys

    root = Path(root)
    if not (root / CONFIG).is_file():
        raise InputError("WORKSPACE_MISSING", f"no {CONFIG} here (run 'audit init')", str(root))
    config = _config(root / CONFIG)
    trusted, digest = read_trusted_keys(root / config.trusted_keys)
    return Workspace(root, config, trusted, digest)


def actor_key(path: Path | None) -> Ed25519PrivateKey:
    """``--key`` or else the file named by ``$NORMENKADER_AUDIT_KEY``."""
    from ..evidence.keys import load_private_key

    chosen = path or (Path(os.environ[KEY_ENV]) if os.environ.get(KEY_ENV) else None)
    if chosen is None:
        raise InputError("USAGE", f"give --key or set {KEY_ENV} to the actor's private key")
    return load_private_key(chosen)


def init_workspace(
    root: Path,
    name: str,
    *,
    trusted_keys: Path,
    key: Ed25519PrivateKey,
    profile: str | None,
    as_of: date,
    norms: list[Path] | None,
    ledger: str = LEDGER,
) -> Workspace:
    """Create the folder, pin the norm set, copy the trusted keys, write the init entry."""
    from ..atomic import write_atomic
    from ..evidence.keys import read_trusted_keys
    from ..inputfile import read_input_file
    from ..norms.compiled import load_norm_set
    from .stores import open_store, valid_setting

    if not valid_setting(ledger):
        raise InputError("USAGE", "--ledger must be a file name or a postgresql:// URL")
    if not _NAME.match(name) or not name.strip():
        raise InputError("USAGE", "--name must be 1 to 200 printable characters")
    root = Path(root)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise InputError("OUTPUT_EXISTS", "the workspace folder exists and is not empty", str(root))
    paths = [p.resolve() for p in norms] if norms else None
    norm_set = load_norm_set(paths, profile)
    keys_bytes = read_input_file(trusted_keys, "TRUSTED_KEYS_INVALID", 1 << 20)
    trusted, _ = read_trusted_keys(trusted_keys)  # valid before anything is written
    from .ledger import signer_for

    signer_for("init", key, trusted)  # and the key may create the audit
    existed = root.exists()
    root.mkdir(parents=True, exist_ok=True)
    try:
        for folder in ("bundles", "results", "judgements", "tmp"):
            (root / folder).mkdir()
        write_atomic(root / KEYS, keys_bytes, public=True)
        config = Config(
            name=name,
            norm_set_digest=norm_set.digest,
            norms=[str(p) for p in paths] if paths else None,
            profile=profile,
            as_of=as_of,
            ledger=ledger,
        )
        open_store(root, ledger, create=True).close()
        import yaml

        text = yaml.safe_dump(config.to_dict(), sort_keys=False, allow_unicode=True)
        write_atomic(root / CONFIG, text, public=True)
        workspace = open_workspace(root)
        workspace.append("init", init_body(workspace), key)
        return workspace
    except NormenkaderError:
        # nothing of a workspace without its init entry is left behind (an empty folder
        # that was given stays, empty)
        if not existed:
            shutil.rmtree(root, ignore_errors=True)
        else:
            for child in root.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        raise


def init_body(workspace: Workspace) -> dict[str, Any]:
    config = workspace.config
    return {
        "name": config.name,
        "norm_set": config.norm_set_digest,
        "profile": config.profile,
        "as_of": config.as_of.isoformat(),
        "trusted_keys": workspace.trusted_digest,
    }
