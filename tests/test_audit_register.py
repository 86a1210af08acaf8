"""A portfolio from the Algoritmeregister: a generated export of 1,000 entries through
``add_register``, ``run_all`` and ``status.build``, and hostile exports.

The workspace is made with the library (``init_workspace``) and a fresh Ed25519 key; the
export comes from ``register_export`` (seeded, valid against publication standard v1.0.0,
which ``test_generated_export_is_valid_against_the_standard`` checks where the reference
schema is on this machine).
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

import register_export
from conftest import AS_OF, run_cli
from normenkader.errors import InputError
from normenkader.evidence.keys import generate_key, trusted_keys_entry
from normenkader.workspace import register, status
from normenkader.workspace.run import run_all
from normenkader.workspace.verify import verify_workspace
from normenkader.workspace.workspace import Workspace, init_workspace

#: ../shared next to the repository (NORMENKADER_SHARED overrides it), reference data only
SHARED = Path(
    os.environ.get("NORMENKADER_SHARED") or Path(__file__).resolve().parents[2] / "shared"
)
SCHEMA = SHARED / "reference" / "algoritmeregister" / "publicatiestandaard-v1.0.0.schema.json"
ENTRIES = 1000
TR_NORMS = ("NK.TR.01", "NK.TR.02", "NK.TR.03", "NK.TR.04", "NK.TR.05")


@dataclass
class Keys:
    key: Ed25519PrivateKey
    trusted: Path


def make_keys(folder: Path) -> Keys:
    """A supervisor key and a trusted-keys file naming it (valid from 2026-01-01)."""
    folder.mkdir(parents=True, exist_ok=True)
    private_pem, public_pem, _ = generate_key()
    entry = trusted_keys_entry(
        public_pem, "Algemene Rekenkamer", ["supervisor"], date(2026, 1, 1), person="Toezicht"
    )
    trusted = folder / "trusted-keys.yaml"
    trusted.write_text(yaml.safe_dump({"keys": [entry]}), "utf-8")
    key = load_pem_private_key(private_pem, None)
    assert isinstance(key, Ed25519PrivateKey)
    return Keys(key, trusted)


def new_workspace(root: Path, keys: Keys) -> Workspace:
    return init_workspace(
        root,
        "Algoritmeregister 2026",
        trusted_keys=keys.trusted,
        key=keys.key,
        profile=None,
        as_of=date.fromisoformat(AS_OF),
        norms=None,
    )


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return make_keys(tmp_path_factory.mktemp("keys"))


@dataclass
class Portfolio:
    workspace: Workspace
    export: Path
    entries: list[dict[str, Any]]
    outcomes: list[Any]
    seconds_add: float
    seconds_run: float
    status: dict[str, Any]


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Iterator[Portfolio]:
    """1,000 register entries taken in, run and summarised, timed."""
    base = tmp_path_factory.mktemp("register")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NORMENKADER_CACHE_DIR", str(base / "cache"))
        entries = register_export.export(ENTRIES)
        export = base / "register.json"
        export.write_bytes(register_export.to_json(entries))
        workspace = new_workspace(base / "ws", keys)
        started = time.perf_counter()
        outcomes = register.add_register(workspace, export, keys.key)
        added = time.perf_counter()
        run_all(workspace, keys.key, jobs=2)
        ran = time.perf_counter()
        built = status.build(workspace)
        print(f"\n{ENTRIES} entries: add-register {added - started:.2f} s, run {ran - added:.2f} s")
        yield Portfolio(workspace, export, entries, outcomes, added - started, ran - added, built)
        workspace.close()


# ----------------------------------------------------------------------------- the export
def test_generated_export_is_valid_against_the_standard() -> None:
    if not SCHEMA.is_file():
        pytest.skip(f"the publication standard's schema is not on this machine ({SCHEMA})")
    import jsonschema_rs

    validator = jsonschema_rs.validator_for(json.loads(SCHEMA.read_text("utf-8")))
    entries = register_export.export(ENTRIES)
    errors = [f"{i}: {e}" for i, entry in enumerate(entries) for e in validator.iter_errors(entry)]
    assert errors == []
    broken = dict(entries[0], status="Actief")  # the validator does catch a wrong value
    assert list(validator.iter_errors(broken))


def test_generator_is_deterministic_and_varied() -> None:
    first, again = register_export.export(50), register_export.export(50)
    assert first == again
    assert register_export.export(50, seed=1) != first
    assert {e["publication_category"] for e in register_export.export(200)} == set(
        register_export.CATEGORIES
    )


# ----------------------------------------------------------------------------- the portfolio
def test_every_entry_is_a_bundle_with_transparency_statuses(portfolio: Portfolio) -> None:
    assert Counter(o.status for o in portfolio.outcomes) == {"accepted": ENTRIES}
    bundles = {b["id"]: b for b in portfolio.status["bundles"]}
    assert len(bundles) == ENTRIES
    for entry in portfolio.entries:
        bundle = bundles[f"ar-{entry['lars']}"]
        assert bundle["organisation"] == entry["organization"]
        assert bundle["system"] == entry["name"]
        assert bundle["register_id"] == entry["lars"]
        assert set(TR_NORMS) <= set(bundle["statuses"])
        # category C is not impactful: NK.TR.01 does not apply; A and B are impactful and
        # wait for the profile norm NK.PRF.01, which needs an AI Act classification
        expected = "not_applicable" if "Categorie C" in entry["publication_category"] else "blocked"
        assert bundle["statuses"]["NK.TR.01"] == expected, entry["lars"]
        assert bundle["statuses"]["NK.TR.03"] == "missing"  # no objection-route evidence


def test_the_register_entry_is_the_evidence_the_norm_reads(portfolio: Portfolio) -> None:
    from normenkader.evidence.bundle import open_bundle

    workspace = portfolio.workspace
    first = portfolio.outcomes[0]
    opened = open_bundle(workspace.bundle_path(first.digest))
    entry = portfolio.entries[0]
    item = opened.items["register-entry"]
    assert item.kind == "algoritmeregister-entry" and item.problem is None
    assert item.content == dict(entry, register_id=entry["lars"])
    assert str(item.date) == entry["publication_dt"][:10]
    head = opened.manifest["bundle"]
    assert head["submitted"] == entry["publication_dt"][:10]  # the entry's date, not today
    assert opened.manifest["profile"]["public_body"] is True


def test_receipts_are_the_entries_audit_add_writes(portfolio: Portfolio) -> None:
    receipts = [e for e in portfolio.workspace.entries() if e.type == "receipt"]
    assert len(receipts) == ENTRIES
    body = receipts[0].body
    assert set(body) == {"status", "source", "bundle", "sealed"}
    assert body["source"] == "register.json[0]"
    assert set(body["bundle"]) == {
        "id",
        "digest",
        "organisation",
        "submitted",
        "system",
        "register_id",
        "files",
        "bytes",
    }
    verdict = verify_workspace(portfolio.workspace)
    assert verdict.intact, verdict.problem


def test_speed_of_a_thousand_entries(portfolio: Portfolio) -> None:
    # the intake itself: about 3 s on 2 shared cores (most of it one ledger fsync per
    # receipt); generous, so a loaded machine does not fail it
    assert portfolio.seconds_add < 30, portfolio.seconds_add


def test_the_same_export_again_takes_nothing_in(portfolio: Portfolio, keys: Keys) -> None:
    before = len(portfolio.workspace.entries())
    again = register.add_register(portfolio.workspace, portfolio.export, keys.key)
    assert Counter(o.status for o in again) == {"known": ENTRIES}
    assert [o.digest for o in again] == [o.digest for o in portfolio.outcomes]
    assert len(portfolio.workspace.entries()) == before


# ----------------------------------------------------------------------------- byte-identical
def test_fast_path_equals_add_one(tmp_path: Path, keys: Keys) -> None:
    """The in-memory seal and receipts are what staging, sealing and ``add_one`` produce."""
    from normenkader.evidence.seal import seal_bundle

    entries = register_export.export(6)
    entries.append(dict(entries[2]))  # the same content twice: received once
    export = tmp_path / "six.json"
    export.write_bytes(register_export.to_json(entries))
    fast_ws = new_workspace(tmp_path / "fast", keys)
    slow_ws = new_workspace(tmp_path / "slow", keys)
    fast = register.add_register(fast_ws, export, keys.key)
    slow = register.add_register_slow(slow_ws, export, keys.key)
    assert [o.status for o in fast] == ["accepted"] * 6 + ["known"]
    assert [(o.source, o.status, o.bundle_id, o.digest) for o in fast] == [
        (o.source, o.status, o.bundle_id, o.digest) for o in slow
    ]
    fast_bodies = [e.body for e in fast_ws.entries() if e.type == "receipt"]
    slow_bodies = [e.body for e in slow_ws.entries() if e.type == "receipt"]
    assert fast_bodies == slow_bodies
    for outcome in fast[:6]:
        assert outcome.digest is not None
        data = fast_ws.bundle_path(outcome.digest).read_bytes()
        assert data == slow_ws.bundle_path(outcome.digest).read_bytes()
    # and seal itself, on a working folder of one entry
    entry = register.read_export(export, date.fromisoformat(AS_OF))[0]
    folder = tmp_path / "folder"
    register._write_folder(folder, entry)
    sealed = seal_bundle(folder, tmp_path / "sealed.zip")
    assert (tmp_path / "sealed.zip").read_bytes() == register.seal_entry(entry).data
    assert sealed.digest == fast[0].digest


def test_csv_export_and_dates(tmp_path: Path, keys: Keys) -> None:
    entries = register_export.export(20)
    for entry in entries[:5]:
        del entry["publication_dt"]  # no date in the entry: the workspace's as-of date
    export = tmp_path / "register.csv"
    export.write_bytes(register_export.to_csv(entries))
    workspace = new_workspace(tmp_path / "ws", keys)
    outcomes = register.add_register(workspace, export, keys.key)
    assert [o.status for o in outcomes] == ["accepted"] * 20
    assert outcomes[0].source == "register.csv:2" and outcomes[19].source == "register.csv:21"
    receipts = [e.body["bundle"] for e in workspace.entries() if e.type == "receipt"]
    assert [r["submitted"] for r in receipts[:5]] == [AS_OF] * 5
    assert [r["submitted"] for r in receipts[5:]] == [e["publication_dt"][:10] for e in entries[5:]]
    assert [r["register_id"] for r in receipts] == [e["lars"] for e in entries]


def test_an_object_holding_the_list_and_a_single_entry(tmp_path: Path, keys: Keys) -> None:
    entries = register_export.export(3)
    holder = tmp_path / "holder.json"
    holder.write_text(json.dumps({"count": 3, "algorithms": entries}), "utf-8")
    single = tmp_path / "single.json"
    single.write_text(json.dumps(entries[1]), "utf-8")
    workspace = new_workspace(tmp_path / "ws", keys)
    assert [o.status for o in register.add_register(workspace, holder, keys.key)] == [
        "accepted"
    ] * 3
    assert [o.status for o in register.add_register(workspace, single, keys.key)] == ["known"]


# ----------------------------------------------------------------------------- hostile
def _entries_json(count: int = 3, **change: Any) -> bytes:
    entries = register_export.export(count)
    entries[1].update(change)
    return register_export.to_json(entries)


def _csv_without(column: str) -> bytes:
    lines = register_export.to_csv(register_export.export(3)).decode("utf-8").split("\r\n")
    header = lines[0].split(",")
    index = header.index(column)
    rows = [",".join(c for i, c in enumerate(line.split(",")) if i != index) for line in lines]
    return "\r\n".join(rows).encode("utf-8")


HOSTILE: dict[str, tuple[str, bytes, str, str]] = {
    # name: (file name, content, code, where the line must point)
    "not json": ("export.json", b"this is not JSON\n", "JSON_SYNTAX", "export.json:1:1"),
    "binary": ("export", b"\x89PNG\r\n\x1a\n\xff\xfe", "REGISTER_INVALID", "export"),
    "wrong shape": ("export.json", b'{"a": 1, "b": 2}', "REGISTER_INVALID", "export.json"),
    "a number": ("export.json", b"42", "REGISTER_INVALID", "export.json"),
    "entry not an object": ("export.json", b'[{"x": 1}, 7]', "REGISTER_INVALID", "[0]"),
    "empty list": ("export.json", b"[]", "REGISTER_INVALID", "export.json"),
    "missing column": (
        "export.csv",
        _csv_without("organization"),
        "REGISTER_INVALID",
        "export.csv:1",
    ),
    "control character in a name": (
        "export.json",
        _entries_json(name="Ringweg\x07\x1b[2J"),
        "REGISTER_INVALID",
        "export.json[1]",
    ),
    "bidi override in an organisation": (
        "export.json",
        _entries_json(organization="Gemeente \u202eLiw"),
        "REGISTER_INVALID",
        "export.json[1]",
    ),
    "name not text": ("export.json", _entries_json(name=["a"]), "REGISTER_INVALID", "[1]"),
    "name too long": ("export.json", _entries_json(name="x" * 301), "REGISTER_INVALID", "[1]"),
    "bad date": (
        "export.json",
        _entries_json(publication_dt="2026-02-30"),
        "REGISTER_INVALID",
        "export.json[1]",
    ),
    "bad id": ("export.json", _entries_json(lars={"a": 1}), "REGISTER_INVALID", "[1]"),
    "lone surrogate": (
        "export.json",
        b'[{"name": "a", "organization": "b", "data": "\\udc00"}]',
        "REGISTER_INVALID",
        "export.json[0]",
    ),
    "duplicate key": (
        "export.json",
        b'[{"name": "a", "name": "b", "organization": "c"}]',
        "JSON_DUPLICATE_KEY",
        "export.json",
    ),
    "deep nesting": ("export.json", b"[" * 100_000 + b"]" * 100_000, "JSON_TOO_DEEP", ""),
    "too many columns": (
        "export.csv",
        b",".join(b"c%d" % i for i in range(1001)) + b"\r\n",
        "REGISTER_INVALID",
        "export.csv:1",
    ),
    "doubled column": (
        "export.csv",
        register_export.to_csv(register_export.export(1)).replace(b"lars,", b"name,", 1),
        "REGISTER_INVALID",
        "export.csv:1",
    ),
    "ragged csv row": (
        "export.csv",
        register_export.to_csv(register_export.export(3)) + b"a,b\r\n",
        "REGISTER_INVALID",
        "export.csv:5",
    ),
    "nul in csv": (
        "export.csv",
        register_export.to_csv(register_export.export(2)).replace(b"Gemeente", b"Ge\x00", 1),
        "REGISTER_INVALID",
        "export.csv:",
    ),
    "too many entries": (
        "export.json",
        json.dumps([{"name": "a", "organization": "b"}] * 20_001).encode(),
        "REGISTER_TOO_LARGE",
        "export.json",
    ),
    "a huge entry": (
        "export.json",
        _entries_json(data="x" * (1 << 20)),
        "REGISTER_TOO_LARGE",
        "export.json[1]",
    ),
}


@pytest.fixture(scope="module")
def hostile_workspace(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Workspace:
    return new_workspace(tmp_path_factory.mktemp("hostile") / "ws", keys)


def _one_error(workspace: Workspace, export: Path) -> InputError:
    entries = len(workspace.entries())
    with pytest.raises(InputError) as caught:
        register.add_register(workspace, export, Ed25519PrivateKey.generate())
    assert len(workspace.entries()) == entries  # nothing taken in, nothing recorded
    assert not any(workspace.bundles.iterdir())
    line = caught.value.line()
    assert "\n" not in line and line.startswith(f"error {caught.value.code}: ")
    return caught.value


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_export_gives_one_error(
    case: str, tmp_path: Path, hostile_workspace: Workspace
) -> None:
    name, content, code, where = HOSTILE[case]
    export = tmp_path / name
    export.write_bytes(content)
    error = _one_error(hostile_workspace, export)
    assert error.code == code, error.line()
    assert where in error.line(), error.line()


def test_a_fifty_megabyte_export_is_refused_before_it_is_read(
    tmp_path: Path, hostile_workspace: Workspace
) -> None:
    export = tmp_path / "register.json"
    with export.open("wb") as handle:
        handle.write(b'[{"name": "x", "organization": "y"},')
        handle.truncate(50 << 20)
    started = time.perf_counter()
    error = _one_error(hostile_workspace, export)
    assert error.code == "REGISTER_TOO_LARGE"
    assert time.perf_counter() - started < 2
    assert "larger than" in error.line()


def test_a_missing_export_or_a_folder(tmp_path: Path, hostile_workspace: Workspace) -> None:
    assert _one_error(hostile_workspace, tmp_path / "absent.json").code == "REGISTER_INVALID"
    assert _one_error(hostile_workspace, tmp_path).code == "REGISTER_INVALID"


def test_a_key_that_may_not_sign_writes_nothing(tmp_path: Path, keys: Keys) -> None:
    workspace = new_workspace(tmp_path / "ws", keys)
    export = tmp_path / "register.json"
    export.write_bytes(register_export.to_json(register_export.export(3)))
    with pytest.raises(InputError) as caught:
        register.add_register(workspace, export, Ed25519PrivateKey.generate())
    assert caught.value.code == "SIGNATURE_UNTRUSTED"
    assert not any(workspace.bundles.iterdir())
    assert [e.type for e in workspace.entries()] == ["init"]


def test_the_control_character_is_named_not_printed(
    tmp_path: Path, hostile_workspace: Workspace
) -> None:
    export = tmp_path / "export.json"
    export.write_bytes(_entries_json(name="Ringweg\x1b[2J"))
    line = _one_error(hostile_workspace, export).line()
    assert "\x1b" not in line and "U+001B" in line and "name" in line


def test_add_register_through_the_cli(tmp_path: Path, keys: Keys) -> None:
    """``normenkader audit add-register``: the export taken in, a bad one is one line."""
    workspace = new_workspace(tmp_path / "ws", keys)
    workspace.close()
    key = tmp_path / "supervisor.key"
    from cryptography.hazmat.primitives import serialization

    key.write_bytes(
        keys.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key.chmod(0o600)
    export = tmp_path / "register.csv"
    export.write_bytes(register_export.to_csv(register_export.export(5)))
    added = run_cli("audit", "add-register", tmp_path / "ws", export, "--key", key)
    assert added.code == 0, added.stderr
    assert added.stdout.startswith("5 entries: 5 received")
    again = run_cli("audit", "add-register", tmp_path / "ws", export, "--key", key)
    assert again.code == 0 and "0 received, 5 known" in again.stdout
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv_without("status"))
    refused = run_cli("audit", "add-register", tmp_path / "ws", bad, "--key", key)
    assert refused.code == 3
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error REGISTER_INVALID: "), refused.stderr
