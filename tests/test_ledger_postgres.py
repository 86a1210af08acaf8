"""The PostgreSQL ledger store against a real, throwaway PostgreSQL server.

The fixture runs ``initdb`` and ``pg_ctl`` (PATH, /usr/local/bin or /usr/lib/postgresql/*/bin)
on a free port bound to 127.0.0.1, trust authentication for one local user, and stops the
server at the end. ``initdb`` refuses to run as root: as root the server runs as ``nobody``.
Every test skips with the reason when no server can start or psycopg is not installed.
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from normenkader.errors import InputError

psycopg = pytest.importorskip("psycopg", reason="psycopg 3 is not installed (extra 'postgres')")

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from normenkader.evidence.keys import TrustedKey, key_id  # noqa: E402
from normenkader.workspace import ledger  # noqa: E402
from normenkader.workspace.store_postgres import PostgresStore, redact  # noqa: E402

AT = "2026-11-29T10:00:00Z"
Keys = dict[str, tuple[Ed25519PrivateKey, TrustedKey]]
USER = "nk"


def _binaries() -> Path | None:
    found = shutil.which("pg_ctl")
    candidates = [Path(found).parent] if found else []
    candidates.append(Path("/usr/local/bin"))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A running PostgreSQL server; yields the URL of an empty database."""
    binaries = _binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL binaries (initdb, pg_ctl) on this machine")
    if not Path("/dev/null").is_char_device():  # initdb's child shells write to it
        pytest.skip("/dev/null is not a device on this machine; initdb cannot run")
    # outside pytest's 0700 tmp folders: the unprivileged server user must reach it
    base = Path(tempfile.mkdtemp(prefix="nk-pg-"))
    data = base / "data"
    as_user: dict[str, object] = {}
    if os.geteuid() == 0:  # initdb and postgres refuse root
        import pwd

        try:
            nobody = pwd.getpwnam("nobody")
        except KeyError:
            shutil.rmtree(base, ignore_errors=True)
            pytest.skip("running as root and there is no 'nobody' user to run PostgreSQL as")
        os.chown(base, nobody.pw_uid, nobody.pw_gid)
        as_user = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "HOME": str(base)}
    port = _free_port()

    def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(binaries / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            env=env,
            cwd=base,
            timeout=timeout,
            **as_user,  # type: ignore[arg-type]
        )

    made = run(
        "initdb",
        "-D",
        str(data),
        "-U",
        USER,
        "--auth=trust",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-sync",
    )
    if made.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"initdb could not make a cluster: {made.stderr.strip()[-300:]}")
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories='' -c fsync=on"
    )
    started = run(
        "pg_ctl", "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "-t", "60", "start"
    )
    if started.returncode != 0:
        log = (base / "log").read_text(errors="replace")[-500:] if (base / "log").exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"PostgreSQL did not start: {started.stderr.strip()[-300:]} {log}")
    try:
        admin = f"postgresql://{USER}@127.0.0.1:{port}/postgres"
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute("CREATE DATABASE ledger")
        yield f"postgresql://{USER}@127.0.0.1:{port}/ledger"
    finally:
        run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def url(server: str) -> Iterator[str]:
    """A fresh, empty ledger table for each test (the same database)."""
    with psycopg.connect(server, autocommit=True) as db:
        db.execute("DROP TABLE IF EXISTS ledger_entries")
    yield server


def _key(roles: set[str]) -> tuple[Ed25519PrivateKey, TrustedKey]:
    private = Ed25519PrivateKey.generate()
    public = private.public_key()
    return private, TrustedKey(
        key_id(public), "Rekenkamer", frozenset(roles), public, date(2026, 1, 1), None
    )


@pytest.fixture
def keys() -> Keys:
    return {"supervisor": _key({"supervisor"}), "assessor": _key({"assessor"})}


def _fill(url: str, keys: Keys, n: int, create: bool = True) -> None:
    trusted = [k[1] for k in keys.values()]
    store = PostgresStore(url, create=create)
    try:
        for i in range(n):
            ledger.append(store, "receipt", {"n": i}, keys["supervisor"][0], trusted, at=AT)
    finally:
        store.close()


def _verify(url: str, keys: Keys) -> tuple[list[ledger.Entry], ledger.Problem | None]:
    store = PostgresStore(url)
    try:
        return ledger.verify(store.rows(), [k[1] for k in keys.values()])
    finally:
        store.close()


def _superuser(url: str, *sql: str) -> None:
    """Tamper as the database owner: drop the append-only triggers first."""
    with psycopg.connect(url, autocommit=True) as db, db.transaction():
        db.execute("DROP TRIGGER ledger_entries_no_change ON ledger_entries")
        db.execute("DROP TRIGGER ledger_entries_no_truncate ON ledger_entries")
        for statement in sql:
            db.execute(statement)  # type: ignore[arg-type]


def test_append_and_verify(url: str, keys: Keys) -> None:
    _fill(url, keys, 5)
    entries, problem = _verify(url, keys)
    assert problem is None
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].value["prev"] == ledger.GENESIS
    assert entries[3].value["prev"] == entries[2].row.hash
    store = PostgresStore(url)
    head = store.head()
    store.close()
    assert head is not None and head.seq == 5 and head.hash == entries[-1].row.hash


def test_unless_writes_nothing(url: str, keys: Keys) -> None:
    _fill(url, keys, 1)
    store = PostgresStore(url)
    trusted = [k[1] for k in keys.values()]
    written = ledger.append(
        store,
        "receipt",
        {"n": 0},
        keys["supervisor"][0],
        trusted,
        at=AT,
        unless=lambda entries: len(entries) == 1,
    )
    store.close()
    assert written is None
    entries, problem = _verify(url, keys)
    assert problem is None and len(entries) == 1


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET keyid = keyid WHERE seq = 2",
        "DELETE FROM ledger_entries WHERE seq = 2",
        "TRUNCATE ledger_entries",
    ],
)
def test_database_refuses_changes(url: str, keys: Keys, statement: str) -> None:
    _fill(url, keys, 3)
    with (
        psycopg.connect(url, autocommit=True) as db,
        pytest.raises(psycopg.errors.RaiseException, match="append-only"),
    ):
        db.execute(statement)  # type: ignore[arg-type]
    entries, problem = _verify(url, keys)
    assert problem is None and len(entries) == 3


def test_role_without_update_delete_grants(url: str, keys: Keys) -> None:
    """The documented day-to-day role: SELECT and INSERT only (docs/audit.md)."""
    _fill(url, keys, 2)
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("DROP ROLE IF EXISTS nk_auditor")
        db.execute("CREATE ROLE nk_auditor LOGIN")
        db.execute("GRANT SELECT, INSERT ON ledger_entries TO nk_auditor")
    auditor = url.replace(f"//{USER}@", "//nk_auditor@")
    _fill(auditor, keys, 1, create=False)
    with psycopg.connect(auditor, autocommit=True) as db:
        for statement in (
            "UPDATE ledger_entries SET sig = 'x'",
            "DELETE FROM ledger_entries",
            "DROP TRIGGER ledger_entries_no_change ON ledger_entries",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                db.execute(statement)  # type: ignore[arg-type]
    entries, problem = _verify(url, keys)
    assert problem is None and len(entries) == 3


def test_changed_row_is_named(url: str, keys: Keys) -> None:
    _fill(url, keys, 4)
    _superuser(
        url,
        "UPDATE ledger_entries SET entry = convert_to(replace("
        "convert_from(entry, 'UTF8'), '\"n\":2', '\"n\":9'), 'UTF8') WHERE seq = 3",
    )
    entries, problem = _verify(url, keys)
    assert problem is not None and problem.seq == 3 and problem.code == "hash_mismatch"
    assert len(entries) == 2


def test_removed_row_is_named(url: str, keys: Keys) -> None:
    _fill(url, keys, 4)
    _superuser(url, "DELETE FROM ledger_entries WHERE seq = 2")
    _, problem = _verify(url, keys)
    assert problem is not None and problem.seq == 2 and problem.code == "entry_missing"


def test_removed_tail_leaves_a_valid_prefix(url: str, keys: Keys) -> None:
    """Cutting the tail is not visible in the chain itself (docs/audit.md: keep the head)."""
    _fill(url, keys, 4)
    _superuser(url, "DELETE FROM ledger_entries WHERE seq = 4")
    entries, problem = _verify(url, keys)
    assert problem is None and len(entries) == 3


def test_reordered_rows_are_named(url: str, keys: Keys) -> None:
    _fill(url, keys, 4)
    _superuser(
        url,
        "UPDATE ledger_entries SET seq = seq + 1000 WHERE seq IN (2, 3)",
        "UPDATE ledger_entries SET seq = 3 WHERE seq = 1002",
        "UPDATE ledger_entries SET seq = 2 WHERE seq = 1003",
    )
    _, problem = _verify(url, keys)
    assert problem is not None and problem.seq == 2
    assert problem.code in {"entry_reordered", "chain_broken"}


def test_forged_signature_is_named(url: str, keys: Keys) -> None:
    _fill(url, keys, 3)
    forged = base64.b64encode(Ed25519PrivateKey.generate().sign(b"x")).decode()
    _superuser(url, f"UPDATE ledger_entries SET sig = '{forged}' WHERE seq = 2")
    _, problem = _verify(url, keys)
    assert problem is not None and problem.seq == 2 and problem.code == "signature_invalid"


def test_entry_by_a_key_without_the_role_is_named(url: str, keys: Keys) -> None:
    """A row written past the library (the library refuses it: ROLE_NOT_ALLOWED)."""
    _fill(url, keys, 2)
    store = PostgresStore(url)
    trusted = [k[1] for k in keys.values()]
    with pytest.raises(InputError) as refused:
        ledger.append(store, "receipt", {"n": 2}, keys["assessor"][0], trusted, at=AT)
    assert refused.value.code == "ROLE_NOT_ALLOWED"
    assessor, assessor_key = keys["assessor"]

    def build(seq: int, prev: str) -> ledger.Row:
        value = {
            "format": ledger.FORMAT,
            "seq": seq,
            "prev": prev,
            "type": "receipt",
            "at": AT,
            "actor": assessor_key.key_id,
            "body": {"n": 2},
        }
        data = ledger.canonical(value)
        digest = ledger.entry_hash(prev, data)
        sig = base64.b64encode(assessor.sign(ledger.signed_message(digest))).decode()
        return ledger.Row(seq, digest, data, assessor_key.key_id, sig)

    store.append(build)
    store.close()
    _, problem = _verify(url, keys)
    assert problem is not None and problem.seq == 3 and problem.code == "role_missing"


_WRITER = textwrap.dedent("""
    import sys, base64
    from datetime import date
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from normenkader.evidence.keys import TrustedKey, key_id
    from normenkader.workspace import ledger
    from normenkader.workspace.store_postgres import PostgresStore
    url, pem, count, tag = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3]), sys.argv[4]
    key = load_pem_private_key(base64.b64decode(pem), password=None)
    public = key.public_key()
    trusted = [TrustedKey(key_id(public), "R", frozenset({"supervisor"}), public,
                          date(2026, 1, 1), None)]
    store = PostgresStore(url, create=True)
    print("ready", flush=True)
    for i in range(count):
        ledger.append(store, "receipt", {"writer": tag, "n": i}, key, trusted,
                      at="2026-11-29T10:00:00Z")
        print(i, flush=True)
    store.close()
""")


def _pem(key: Ed25519PrivateKey) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return base64.b64encode(raw).decode()


def _writer(url: str, key: Ed25519PrivateKey, count: int, tag: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _WRITER, url, _pem(key), str(count), tag],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_concurrent_writers_make_one_chain(url: str, keys: Keys) -> None:
    _fill(url, keys, 1)  # the table exists before both start
    key = keys["supervisor"][0]
    writers = [_writer(url, key, 40, tag) for tag in ("a", "b")]
    for writer in writers:
        _, err = writer.communicate(timeout=180)
        assert writer.returncode == 0, err
    entries, problem = _verify(url, keys)
    assert problem is None
    assert len(entries) == 81
    for tag in ("a", "b"):
        assert [e.body["n"] for e in entries if e.body.get("writer") == tag] == list(range(40))


def test_kill_9_during_append_leaves_a_valid_chain(url: str, keys: Keys) -> None:
    """Kill -9 a writer mid-stream, several rounds: every entry it reported is kept, no half
    entry exists, and the next writer continues the chain."""
    _fill(url, keys, 1)
    key = keys["supervisor"][0]
    reported = 1
    for round_ in range(6):
        writer = _writer(url, key, 10_000, f"r{round_}")
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(0.15 + 0.1 * round_)
        os.kill(writer.pid, signal.SIGKILL)
        out, _ = writer.communicate(timeout=30)
        done = len([line for line in out.splitlines() if line.strip()])
        entries, problem = _verify(url, keys)
        assert problem is None, problem
        # printed entries are committed; at most one more committed before its print
        assert reported + done <= len(entries) <= reported + done + 1
        reported = len(entries)
    _fill(url, keys, 1)
    entries, problem = _verify(url, keys)
    assert problem is None and len(entries) == reported + 1


def test_unreachable_server_is_one_clear_error() -> None:
    port = _free_port()
    with pytest.raises(InputError) as failed:
        PostgresStore(f"postgresql://nk:secret@127.0.0.1:{port}/ledger")
    assert failed.value.code == "LEDGER_UNAVAILABLE"
    assert "secret" not in failed.value.line()


def test_missing_table_is_named(url: str) -> None:
    with pytest.raises(InputError) as failed:
        PostgresStore(url)
    assert failed.value.code == "LEDGER_MISSING"


def test_redact() -> None:
    assert redact("postgresql://nk:pw@host:5432/db") == "postgresql://nk:***@host:5432/db"
    assert redact("postgresql://nk@host/db") == "postgresql://nk@host/db"


def _keygen(folder: Path, name: str, role: str) -> tuple[Path, dict[str, object]]:
    from conftest import keygen_entry

    return keygen_entry(folder, name, "Rekenkamer", role)


def test_workspace_on_a_postgres_ledger(url: str, tmp_path: Path) -> None:
    """``audit.yaml`` names the URL; the workspace writes and reads its ledger there, and a
    second workspace may not join the same chain."""
    import yaml

    from conftest import ENGINE_NORMS
    from normenkader.evidence.keys import load_private_key
    from normenkader.workspace.workspace import init_workspace, open_workspace

    key_path, entry = _keygen(tmp_path, "sup", "supervisor")
    keys_file = tmp_path / "trusted.yaml"
    keys_file.write_text(yaml.safe_dump({"keys": [entry]}), "utf-8")
    key = load_private_key(key_path)
    workspace = init_workspace(
        tmp_path / "ws",
        "Audit 2026",
        trusted_keys=keys_file,
        key=key,
        profile=None,
        as_of=date(2026, 11, 29),
        norms=[ENGINE_NORMS],
        ledger=url,
    )
    workspace.close()
    assert not (tmp_path / "ws" / "ledger.sqlite").exists()
    config = yaml.safe_load((tmp_path / "ws" / "audit.yaml").read_text("utf-8"))
    assert config["ledger"] == url
    opened = open_workspace(tmp_path / "ws")
    opened.append("receipt", {"status": "rejected", "source": "x", "code": "USAGE"}, key)
    entries, problem = ledger.verify(opened.store.rows(), opened.trusted)
    opened.close()
    assert problem is None and [e.type for e in entries] == ["init", "receipt"]
    with pytest.raises(InputError) as refused:
        init_workspace(
            tmp_path / "ws2",
            "Another",
            trusted_keys=keys_file,
            key=key,
            profile=None,
            as_of=date(2026, 11, 29),
            norms=[ENGINE_NORMS],
            ledger=url,
        )
    assert refused.value.code == "OUTPUT_EXISTS"
    assert not (tmp_path / "ws2").exists()
