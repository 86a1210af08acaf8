"""`normenkader audit ...`: the supervisor's workspace through the real CLI.

The example bundles are taken in, run, judged and reported on; every output is checked
against its consumer (the JSON schema, openpyxl, a real browser) and against `check` of
the same bundle; the ledger is tampered with in every way the issue names; writers are
killed with SIGKILL in a loop and run side by side.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from conftest import AS_OF, ENGINE_BUNDLE, ENGINE_NORMS, EXAMPLES, ROOT, Run, keygen_entry, run_cli

SCHEMA = ROOT / "evidence" / "schemas" / "audit-status.schema.json"
EXAMPLE_NAMES = ("compliant", "fsv", "selectie-bias", "toeslagen")


@dataclass
class Keys:
    folder: Path
    trusted: Path

    def key(self, role: str) -> Path:
        return self.folder / f"{role}.key"


def make_keys(folder: Path) -> Keys:
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for role in ("supervisor", "assessor", "waiver-approver", "waiver-author"):
        organisation = (
            "Gemeente Voorbeeldstad" if role == "waiver-author" else "Algemene Rekenkamer"
        )
        entries.append(keygen_entry(folder, role, organisation, role, person=f"Person {role}")[1])
    trusted = folder / "trusted-keys.yaml"
    trusted.write_text(yaml.safe_dump({"keys": entries}), "utf-8")
    return Keys(folder, trusted)


def audit(*args: str | Path, timeout: float = 300) -> Run:
    return run_cli("audit", *args, timeout=timeout)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return make_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def examples_workspace(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Path:
    """A workspace over the four examples, run once, one judgement, run again."""
    root = tmp_path_factory.mktemp("audit") / "ws"
    supervisor = keys.key("supervisor")
    made = audit(
        "init",
        root,
        "--name",
        "Audit 2026",
        "--trusted-keys",
        keys.trusted,
        "--as-of",
        AS_OF,
        "--key",
        supervisor,
    )
    assert made.code == 0, made.stderr
    not_a_bundle = root.parent / "notes.zip"
    not_a_bundle.write_text("not a bundle", "utf-8")
    added = audit(
        "add", root, *(EXAMPLES / n for n in EXAMPLE_NAMES), not_a_bundle, "--key", supervisor
    )
    assert added.code == 3, added.stderr  # one rejected; the others are still taken in
    assert added.stdout.count("received ") == 4
    assert "rejected notes.zip: error ZIP_CORRUPT" in added.stderr
    ran = audit("run", root, "--jobs", "2", "--key", supervisor)
    assert ran.code == 0, ran.stderr
    judged = audit(
        "judge",
        root,
        "--bundle",
        "gm9999-ex-compliant-2026-001",
        "--norm",
        "NK.DISC.13",
        "--verdict",
        "pass",
        "--reason",
        "age band justified: CRM steps 1-4 documented",
        "--key",
        keys.key("assessor"),
    )
    assert judged.code == 0, judged.stderr
    again = audit("run", root, "--key", supervisor)
    assert again.code == 0, again.stderr
    return root


def status_json(root: Path) -> dict[str, object]:
    shown = audit("status", root, "--format", "json")
    assert shown.code == 0, shown.stderr
    value = json.loads(shown.stdout)
    assert isinstance(value, dict)
    return value


def test_status_lists_every_bundle_as_check_sees_it(examples_workspace: Path) -> None:
    import jsonschema_rs

    status = status_json(examples_workspace)
    validator = jsonschema_rs.validator_for(json.loads(SCHEMA.read_text("utf-8")))
    errors = [str(e) for e in validator.iter_errors(status)]
    assert errors == []
    bundles = {b["id"]: b for b in status["bundles"]}  # type: ignore[attr-defined]
    assert len(bundles) == 4
    assert status["rejected"][0]["code"] == "ZIP_CORRUPT"  # type: ignore[index]
    for name in ("fsv", "toeslagen"):  # no judgement touches these: `check` must agree
        checked = run_cli("check", EXAMPLES / name, "--as-of", AS_OF, "--format", "json")
        result = json.loads(checked.stdout)
        expected = {f["norm_id"]: f["status"] for f in result["findings"]}
        assert bundles[result["bundle"]["id"]]["statuses"] == expected
    # the judgement by an assessor's key turned the review into a pass, and status says so
    compliant = bundles["gm9999-ex-compliant-2026-001"]
    assert compliant["statuses"]["NK.DISC.13"] == "pass"
    changes = status["changes"]
    assert {
        "bundle": compliant["digest"],
        "id": compliant["id"],
        "norm": "NK.DISC.13",
        "before": "review",
        "after": "pass",
    } in changes["findings"]  # type: ignore[index]
    toeslagen = bundles["ex-toeslagen-risicoclassificatie-2026-001"]
    assert toeslagen["meets_every_blocker"]["DISC"] is False
    disc = next(s for s in status["sets"] if s["set"] == "DISC")  # type: ignore[attr-defined]
    assert disc["meet_every_blocker"] == len(disc["meeting"]) < 4


def test_a_result_is_reproduced_byte_for_byte_by_check(examples_workspace: Path) -> None:
    """The run's recorded inputs are all a verdict depends on: `check` of the sealed bundle
    with them gives the very bytes the ledger names."""
    import hashlib

    con = sqlite3.connect(examples_workspace / "ledger.sqlite")
    entries = [json.loads(r[0]) for r in con.execute("SELECT entry FROM ledger_entries")]
    con.close()
    run = [e for e in entries if e["type"] == "run"][-1]["body"]
    assert run["inputs"]["judgements"] and run["inputs"]["engine_fingerprint"]
    for item in run["results"]:
        again = run_cli(
            "check",
            examples_workspace / "bundles" / f"{item['bundle'][7:]}.zip",
            "--as-of",
            run["inputs"]["as_of"],
            "--assessments",
            examples_workspace / "judgements" / f"{run['inputs']['judgements'][7:]}.json",
            "--trusted-keys",
            examples_workspace / "trusted-keys.yaml",
            "--format",
            "json",
        )
        assert again.code in (0, 1), again.stderr
        digest = "sha256:" + hashlib.sha256(again.stdout.encode("utf-8")).hexdigest()
        assert digest == item["result"], item["id"]


def test_terminal_csv_xlsx_views(examples_workspace: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    terminal = audit("status", examples_workspace)
    assert terminal.code == 0 and "meet every blocker" in terminal.stdout
    assert "rejected: notes.zip (ZIP_CORRUPT)" in terminal.stdout
    dutch = audit("status", examples_workspace, "--lang", "nl")
    assert "voldoen aan elke blocker" in dutch.stdout
    csv_view = audit("status", examples_workspace, "--format", "csv")
    rows = csv_view.stdout.splitlines()
    assert rows[0].startswith("set,norm,severity,title,") and len(rows) > 100
    assert audit("status", examples_workspace, "--format", "xlsx").code == 3  # needs -o
    sheet_file = tmp_path / "status.xlsx"
    written = audit("status", examples_workspace, "--format", "xlsx", "-o", sheet_file)
    assert written.code == 0, written.stderr
    book = load_workbook(sheet_file)
    matrix = list(book["matrix"].iter_rows(values_only=True))
    assert matrix[1][4:] == tuple(
        b["id"]
        for b in status_json(examples_workspace)["bundles"]  # type: ignore[attr-defined]
    )
    assert "summary" in book.sheetnames


def test_review_queue_and_judge_roles(examples_workspace: Path, keys: Keys) -> None:
    queue = audit("review", examples_workspace, "--format", "json")
    assert queue.code == 0
    items = json.loads(queue.stdout)
    assert items and all(i["evidence"] for i in items if i["norm"] == "NK.AIA.27")
    assert not any(
        i["norm"] == "NK.DISC.13" and i["bundle"] == "gm9999-ex-compliant-2026-001" for i in items
    )
    assert all(set(i) >= {"bundle", "digest", "norm", "prompt", "evidence"} for i in items)

    # a supervisor's key may not judge; an unknown bundle is named
    def judge(bundle: str, key: str) -> Run:
        return audit(
            "judge",
            examples_workspace,
            "--bundle",
            bundle,
            "--norm",
            "NK.AIA.27",
            "--verdict",
            "pass",
            "--reason",
            "x",
            "--key",
            keys.key(key),
        )

    refused = judge("gm9999-ex-compliant-2026-001", "supervisor")
    assert refused.code == 3 and "error ROLE_NOT_ALLOWED" in refused.stderr
    unknown = judge("no-such-bundle", "assessor")
    assert unknown.code == 3 and "error BUNDLE_UNKNOWN" in unknown.stderr
    assert audit("ledger", "verify", examples_workspace).code == 0


def test_report_in_both_languages_in_a_real_browser(
    examples_workspace: Path, keys: Keys, tmp_path: Path
) -> None:
    from test_report_html import chromium, console_messages

    root = tmp_path / "ws"
    shutil.copytree(examples_workspace, root)
    for lang, heading in (("en", "Audit report"), ("nl", "Toetsingsrapport")):
        page = tmp_path / f"report-{lang}.html"
        made = audit("report", root, "-o", page, "--lang", lang, "--key", keys.key("supervisor"))
        assert made.code == 0, made.stderr
        text = page.read_text("utf-8")
        assert heading in text and "NK.DISC.01" in text and "gm9999-ex-compliant-2026-001" in text
        assert "http://" not in text and "https://" not in text and "<script" not in text
    verified = audit("ledger", "verify", root, "--format", "json")
    assert json.loads(verified.stdout)["intact"] is True
    con = sqlite3.connect(root / "ledger.sqlite")
    reports = [json.loads(r[0]) for r in con.execute("SELECT entry FROM ledger_entries")]
    con.close()
    issued = [e["body"] for e in reports if e["type"] == "report"]
    assert [b["lang"] for b in issued] == ["en", "nl"]
    import hashlib

    nl_page = (tmp_path / "report-nl.html").read_bytes()
    assert issued[1]["sha256"] == "sha256:" + hashlib.sha256(nl_page).hexdigest()
    dom = chromium(tmp_path / "report-nl.html", tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert console_messages(dom.stderr) == []
    assert "voldoen aan elke blocker" in dom.stdout and 'href="#b-' in dom.stdout


def test_signed_waivers_enter_through_the_ledger(copy: Path, keys: Keys, tmp_path: Path) -> None:
    waivers = tmp_path / "waivers.yaml"
    bias = "gm9999-ex-selectie-bias-2026-001"
    waivers.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "waivers": [
                    {
                        "id": "W-1",
                        "norm": "NK.DISC.06",
                        "scope": {"bundle": bias},
                        "justification": "Retraining with new features is planned for Q1 2027.",
                        "author": "J. de Vries",
                        "approver": "M. Bakker",
                        "issued": "2026-11-01",
                        "expires": "2027-03-01",
                    }
                ],
            }
        ),
        "utf-8",
    )
    unsigned = audit("waive", copy, waivers, "--key", keys.key("waiver-approver"))
    assert unsigned.code == 3 and unsigned.stderr.startswith("error WAIVER_INVALID")
    for signer in ("waiver-author", "waiver-approver"):
        signed = run_cli(
            "waivers", "sign", waivers, "--key", keys.key(signer), "--trusted-keys", keys.trusted
        )
        assert signed.code == 0, signed.stderr
    by_supervisor = audit("waive", copy, waivers, "--key", keys.key("supervisor"))
    assert by_supervisor.code == 3 and "error ROLE_NOT_ALLOWED" in by_supervisor.stderr
    recorded = audit("waive", copy, waivers, "--key", keys.key("waiver-approver"))
    assert recorded.code == 0 and recorded.stdout.startswith("waiver #"), recorded.stderr
    again = audit("waive", copy, waivers, "--key", keys.key("waiver-approver"))
    assert again.code == 0 and again.stdout.startswith("known")
    assert audit("run", copy, "--key", keys.key("supervisor")).code == 0
    bundles = {b["id"]: b for b in status_json(copy)["bundles"]}  # type: ignore[attr-defined]
    assert bundles[bias]["statuses"]["NK.DISC.06"] == "waived"
    assert bundles["ex-toeslagen-risicoclassificatie-2026-001"]["statuses"]["NK.DISC.06"] == "fail"
    assert audit("ledger", "verify", copy).code == 0
    stored = sorted((copy / "waivers").glob("*.json"))[0]
    stored.write_text("{}", "utf-8")
    assert broken(copy)[1] == "content_changed"


def test_a_run_with_the_same_inputs_is_not_repeated(
    examples_workspace: Path, keys: Keys, tmp_path: Path
) -> None:
    root = tmp_path / "ws"
    shutil.copytree(examples_workspace, root)
    before = status_json(root)["ledger"]
    again = audit("run", root, "--key", keys.key("supervisor"))
    assert again.code == 0 and again.stdout.startswith("up to date")
    assert status_json(root)["ledger"] == before


# --------------------------------------------------------------------------- tampering


def rows(root: Path) -> list[tuple[int, str, bytes, str, str]]:
    con = sqlite3.connect(root / "ledger.sqlite")
    try:
        return list(
            con.execute("SELECT seq, hash, entry, keyid, sig FROM ledger_entries ORDER BY seq")
        )
    finally:
        con.close()


def write_rows(root: Path, new_rows: list[tuple[int, str, bytes, str, str]]) -> None:
    """Rewrite the table as someone who can edit the file would: triggers dropped."""
    con = sqlite3.connect(root / "ledger.sqlite")
    try:
        for (name,) in list(con.execute("SELECT name FROM sqlite_master WHERE type='trigger'")):
            con.execute(f'DROP TRIGGER "{name}"')
        con.execute("DELETE FROM ledger_entries")
        con.executemany(
            "INSERT INTO ledger_entries (seq, hash, entry, keyid, sig) VALUES (?, ?, ?, ?, ?)",
            new_rows,
        )
        con.commit()
    finally:
        con.close()


@pytest.fixture
def copy(examples_workspace: Path, tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(examples_workspace, root)
    return root


def broken(root: Path) -> tuple[int, str]:
    verified = audit("ledger", "verify", root)
    assert verified.code == 3, (verified.stdout, verified.stderr)
    assert verified.stderr.count("\n") == 1 and verified.stderr.startswith("error LEDGER_BROKEN")
    shown = json.loads(audit("ledger", "verify", root, "--format", "json").stdout)
    assert shown["intact"] is False
    return int(shown["problem"]["seq"]), str(shown["problem"]["code"])


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET keyid = keyid WHERE seq = 2",
        "DELETE FROM ledger_entries WHERE seq = 3",
    ],
)
def test_the_database_refuses_update_and_delete(copy: Path, statement: str) -> None:
    con = sqlite3.connect(copy / "ledger.sqlite")
    with pytest.raises(sqlite3.DatabaseError):
        con.execute(statement)
    con.close()
    assert audit("ledger", "verify", copy).code == 0


def test_a_changed_entry_is_named(copy: Path) -> None:
    stored = rows(copy)
    seq, hash_, entry, keyid, sig = stored[2]
    value = json.loads(entry)
    value["body"]["source"] = "something else"
    import rfc8785

    stored[2] = (seq, hash_, rfc8785.dumps(value), keyid, sig)
    write_rows(copy, stored)
    assert broken(copy) == (3, "hash_mismatch")


def test_a_removed_entry_is_named(copy: Path) -> None:
    stored = rows(copy)
    write_rows(copy, stored[:3] + stored[4:])
    assert broken(copy) == (4, "entry_missing")


def test_reordered_entries_are_named(copy: Path) -> None:
    stored = rows(copy)
    a, b = stored[2], stored[3]
    stored[2], stored[3] = (a[0], *b[1:]), (b[0], *a[1:])  # type: ignore[assignment]
    write_rows(copy, stored)
    seq, code = broken(copy)
    assert seq == 3 and code in {"entry_reordered", "chain_broken", "hash_mismatch"}


def test_a_forged_signature_is_named(copy: Path) -> None:
    import base64

    stored = rows(copy)
    seq, hash_, entry, keyid, sig = stored[5]
    raw = bytearray(base64.b64decode(sig))
    raw[0] ^= 1
    stored[5] = (seq, hash_, entry, keyid, base64.b64encode(bytes(raw)).decode())
    write_rows(copy, stored)
    assert broken(copy) == (6, "signature_invalid")


def test_an_entry_by_a_key_without_the_role_is_named(copy: Path, keys: Keys) -> None:
    """A 'run' entry signed by the assessor's (trusted) key, chained correctly: refused."""
    from normenkader.evidence.keys import load_private_key
    from normenkader.workspace import ledger
    from normenkader.workspace.store import Row
    from normenkader.workspace.workspace import open_workspace

    workspace = open_workspace(copy)
    key = load_private_key(keys.key("assessor"))
    from normenkader.evidence.keys import key_id

    keyid = key_id(key.public_key())

    def build(seq: int, prev: str) -> Row:
        value = {
            "format": ledger.FORMAT,
            "seq": seq,
            "prev": prev,
            "type": "run",
            "at": "2026-11-30T10:00:00Z",
            "actor": keyid,
            "body": {"inputs": {}, "bundles": [], "results": [], "errors": []},
        }
        data = ledger.canonical(value)
        digest = ledger.entry_hash(prev, data)
        import base64

        sig = base64.b64encode(key.sign(ledger.signed_message(digest))).decode()
        return Row(seq, digest, data, keyid, sig)

    row = workspace.store.append(build)
    workspace.close()
    assert row is not None
    assert broken(copy) == (row.seq, "role_missing")


def test_a_changed_result_file_is_named(copy: Path, keys: Keys, tmp_path: Path) -> None:
    pristine = tmp_path / "pristine"
    shutil.copytree(copy, pristine)
    latest = status_json(copy)["bundles"][0]["result"]  # type: ignore[index]
    result = copy / "results" / f"{latest[7:]}.json"
    data = json.loads(result.read_bytes())
    data["findings"][0]["status"] = "pass"
    result.write_text(json.dumps(data), "utf-8")
    _seq, code = broken(copy)
    assert code == "content_changed"
    report = audit("report", copy, "-o", tmp_path / "r.html", "--key", keys.key("supervisor"))
    assert report.code == 3 and report.stderr.startswith("error LEDGER_BROKEN"), report.stderr
    assert not (tmp_path / "r.html").exists()
    # the status matrix reads each result's summary: a changed summary is refused too
    summary = sorted((pristine / "results").glob("*.summary.json"))[0]
    value = json.loads(summary.read_bytes())
    value["findings"][0]["status"] = "pass"
    summary.write_text(json.dumps(value), "utf-8")
    assert broken(pristine)[1] == "content_changed"
    shown = audit("status", pristine)
    assert shown.code == 3 and "error LEDGER_CONTENT_CHANGED" in shown.stderr


def test_a_changed_reference_date_is_named(copy: Path) -> None:
    config = copy / "audit.yaml"
    config.write_text(config.read_text("utf-8").replace(AS_OF, "2027-01-01"), "utf-8")
    assert broken(copy) == (1, "content_changed")


# --------------------------------------------------------------------------- bad input


def test_bad_workspace_inputs_are_one_line(tmp_path: Path, keys: Keys) -> None:
    missing = audit("status", tmp_path / "nothing")
    assert missing.code == 3 and missing.stderr.startswith("error WORKSPACE_MISSING")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    exists = audit(
        "init",
        tmp_path / "full",
        "--name",
        "A",
        "--trusted-keys",
        keys.trusted,
        "--as-of",
        AS_OF,
        "--key",
        keys.key("supervisor"),
    )
    assert exists.code == 3 and exists.stderr.startswith("error OUTPUT_EXISTS")
    assert sorted(p.name for p in (tmp_path / "full").iterdir()) == ["x"]
    no_key = run_cli(
        "audit",
        "init",
        tmp_path / "a",
        "--name",
        "A",
        "--trusted-keys",
        keys.trusted,
        env={"NORMENKADER_AUDIT_KEY": ""},
    )
    assert no_key.code == 3 and no_key.stderr.startswith("error USAGE")
    wrong_role = audit(
        "init",
        tmp_path / "b",
        "--name",
        "A",
        "--trusted-keys",
        keys.trusted,
        "--as-of",
        AS_OF,
        "--key",
        keys.key("assessor"),
    )
    assert wrong_role.code == 3 and "error ROLE_NOT_ALLOWED" in wrong_role.stderr
    assert not (tmp_path / "b").exists()
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "audit.yaml").write_text("format: something-else\n")
    bad = audit("status", tmp_path / "c")
    assert bad.code == 3 and bad.stderr.startswith("error AUDIT_CONFIG_INVALID")
    for run in (missing, exists, no_key, wrong_role, bad):
        assert "Traceback" not in run.stderr and run.stderr.count("\n") == 1


def test_edited_norms_are_refused(tmp_path: Path, keys: Keys) -> None:
    norms = tmp_path / "norms"
    shutil.copytree(ENGINE_NORMS, norms)
    root = tmp_path / "ws"
    made = audit(
        "init",
        root,
        "--name",
        "A",
        "--trusted-keys",
        keys.trusted,
        "--as-of",
        AS_OF,
        "--norms",
        norms,
        "--key",
        keys.key("supervisor"),
    )
    assert made.code == 0, made.stderr
    assert audit("add", root, ENGINE_BUNDLE, "--key", keys.key("supervisor")).code == 0
    norm = norms / "TST.A.01.yaml"
    text = norm.read_text("utf-8")
    assert "severity: blocker" in text
    norm.write_text(text.replace("severity: blocker", "severity: minor"), "utf-8")
    ran = audit("run", root, "--key", keys.key("supervisor"))
    assert ran.code == 3 and ran.stderr.startswith("error NORMS_CHANGED")


# --------------------------------------------------------------------------- crash, concurrency


def small_bundle(folder: Path, n: int) -> Path:
    target = folder / f"bundle-{n}"
    shutil.copytree(ENGINE_BUNDLE, target)
    manifest = target / "bundle.yaml"
    manifest.write_text(
        manifest.read_text("utf-8").replace("test-bundle-001", f"test-bundle-{n:03d}"), "utf-8"
    )
    return target


@pytest.fixture
def small_workspace(tmp_path: Path, keys: Keys) -> Iterator[Path]:
    root = tmp_path / "ws"
    made = audit(
        "init",
        root,
        "--name",
        "Crash test",
        "--trusted-keys",
        keys.trusted,
        "--as-of",
        AS_OF,
        "--norms",
        ENGINE_NORMS,
        "--key",
        keys.key("supervisor"),
    )
    assert made.code == 0, made.stderr
    yield root


def _start(*args: str | Path) -> subprocess.Popen[str]:
    env = dict(os.environ, NORMENKADER_LANG="en")
    return subprocess.Popen(
        [sys.executable, "-m", "normenkader", "audit", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_kill_9_in_a_loop_loses_nothing(small_workspace: Path, keys: Keys, tmp_path: Path) -> None:
    """50 rounds of add, run and judge, each killed with SIGKILL at a different moment:
    afterwards the ledger verifies, no committed entry is lost, and re-running completes."""
    root = small_workspace
    chance = random.Random(20261129)
    supervisor, assessor = keys.key("supervisor"), keys.key("assessor")
    # how long each command takes on this machine, so that the kills land inside it
    took: list[float] = []
    for args in (
        ("add", root, small_bundle(tmp_path, 900), "--key", supervisor),
        ("run", root, "--jobs", "1", "--key", supervisor),
        (
            "judge",
            root,
            "--bundle",
            "test-bundle-900",
            "--norm",
            "TST.A.05",
            "--verdict",
            "pass",
            "--reason",
            "timing",
            "--key",
            assessor,
        ),
    ):
        started = time.perf_counter()
        assert audit(*args).code == 0
        took.append(time.perf_counter() - started)
    committed: list[tuple[int, str]] = [(r[0], r[1]) for r in rows(root)]
    killed = 0
    for round_ in range(50):
        step = round_ % 3
        if step == 0:
            args: tuple[str | Path, ...] = (
                "add",
                root,
                small_bundle(tmp_path, round_),
                "--key",
                supervisor,
            )
        elif step == 1:
            args = ("run", root, "--jobs", "1", "--key", supervisor)
        else:
            args = (
                "judge",
                root,
                "--bundle",
                f"test-bundle-{round_ - 2:03d}",
                "--norm",
                "TST.A.05",
                "--verdict",
                "pass",
                "--reason",
                f"round {round_}",
                "--key",
                assessor,
            )
        process = _start(*args)
        time.sleep(chance.uniform(0.1, 0.95) * took[step])
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.communicate(timeout=120)
        now = [(r[0], r[1]) for r in rows(root)]
        assert now[: len(committed)] == committed, f"round {round_}: a committed entry changed"
        committed = now
        verified = audit("ledger", "verify", root)
        assert verified.code == 0, f"round {round_}: {verified.stderr}"
    print(f"\n{killed} of 50 rounds killed mid-way")
    assert killed >= 20, f"only {killed} of 50 rounds were killed mid-way"
    # re-running completes the work: every bundle received, one run over all of them
    bundles = [small_bundle(tmp_path / "again", n) for n in (900, *range(0, 50, 3))]
    added = audit("add", root, *bundles, "--key", supervisor)
    assert added.code == 0, added.stderr
    ran = audit("run", root, "--key", supervisor)
    assert ran.code == 0, ran.stderr
    status = status_json(root)
    assert len(status["bundles"]) == len(bundles) and status["pending"] == []  # type: ignore[arg-type]
    received = {b["digest"][7:] for b in status["bundles"]}  # type: ignore[attr-defined]
    assert {p.stem for p in (root / "bundles").iterdir()} == received  # no half or stray seal
    # what a killed intake left in tmp/ is swept by a later add once it is stale
    for leftover in (root / "tmp").iterdir():
        os.utime(leftover, (1, 1))
    assert audit("add", root, bundles[0], "--key", supervisor).stdout.startswith("known")
    assert list((root / "tmp").iterdir()) == []
    assert audit("ledger", "verify", root).code == 0


def test_two_judges_at_once_both_land(small_workspace: Path, keys: Keys, tmp_path: Path) -> None:
    root = small_workspace
    for n in (1, 2):
        assert (
            audit("add", root, small_bundle(tmp_path, n), "--key", keys.key("supervisor")).code == 0
        )
    assert audit("run", root, "--key", keys.key("supervisor")).code == 0
    before = len(rows(root))
    judges = [
        _start(
            "judge",
            root,
            "--bundle",
            f"test-bundle-{n:03d}",
            "--norm",
            "TST.A.05",
            "--verdict",
            "pass",
            "--reason",
            f"judge {n}",
            "--key",
            keys.key("assessor"),
        )
        for n in (1, 2)
    ]
    for process in judges:
        _out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    after = rows(root)
    assert len(after) == before + 2
    assert [json.loads(r[2])["type"] for r in after[-2:]] == ["judgement", "judgement"]
    assert audit("ledger", "verify", root).code == 0
    assert audit("run", root, "--key", keys.key("supervisor")).code == 0
    statuses = [b["statuses"]["TST.A.05"] for b in status_json(root)["bundles"]]  # type: ignore[attr-defined]
    assert statuses == ["pass", "pass"]
