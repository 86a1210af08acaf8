"""Signatures end to end through the real CLI: keygen, sign, check --require-signature,
signed results (check --statement) and verify (with --report and --rerun)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

import pytest

from hostile.sandbox import Outcome, Workspace, assert_rejected
from hostile.trees import working_bundle
from normenkader.evidence.seal import seal_bundle
from normenkader.evidence.signing import generate_key, public_key_text

FIXTURE_NORMS = Path(__file__).resolve().parent / "fixtures" / "engine" / "norms"
AS_OF = "2026-11-29"
SIGNED = "2026-11-20T09:00:00Z"  # every statement states its signing time (no wall clock)
JUDGED = "2026-11-29T15:00:00Z"


def make_key(folder: Path, name: str) -> tuple[Path, str]:
    private, public, _ = generate_key()
    (folder / f"{name}.key").write_bytes(private)
    return folder / f"{name}.key", public_key_text(public)


def trusted_file(path: Path, entries: list[dict[str, str]]) -> Path:
    path.write_text(json.dumps({"keys": entries}))
    return path


def entry(public: str, role: str = "submitter", until: str | None = None) -> dict[str, str]:
    value = {
        "organisation": "Toezichthouder" if role == "supervisor" else "Gemeente Test",
        "role": role,
        "public_key": public,
        "valid_from": "2026-01-01",
    }
    if until:
        value["valid_from"] = "2025-01-01"
        value["valid_until"] = until
    return value


def seal(source: Path, output: Path) -> Path:
    with tempfile.TemporaryDirectory() as staging:
        seal_bundle(source, output, None, Path(staging))
    return output


@pytest.fixture
def setup(tmp_path: Path) -> dict[str, Path]:
    keys = tmp_path / "keys"
    keys.mkdir()
    org_key, org_public = make_key(keys, "org")
    sup_key, sup_public = make_key(keys, "sup")
    other_key, _ = make_key(keys, "other")
    old_key, old_public = make_key(keys, "old")
    trusted = trusted_file(
        keys / "trusted.json",
        [entry(org_public), entry(sup_public, "supervisor"), entry(old_public, until="2025-12-31")],
    )
    bag = seal(working_bundle(tmp_path / "work"), tmp_path / "bag")
    return {
        "org": org_key,
        "sup": sup_key,
        "other": other_key,
        "old": old_key,
        "trusted": trusted,
        "bag": bag,
        "root": tmp_path,
    }


def sign(workspace: Workspace, bag: Path, key: Path) -> None:
    outcome = workspace.run(
        "sign",
        bag,
        "--key",
        key,
        "--signed-at",
        SIGNED,
        allowed=_signature_paths(workspace.root, bag),
    )
    assert outcome.code == 0, outcome.stderr


def _signature_paths(root: Path, bag: Path) -> set[str]:
    rel = bag.relative_to(root).as_posix()
    found = {f"{rel}/signatures"}
    for name in ("org", "sup", "other", "old"):
        found |= {f"{rel}/signatures/{p}" for p in _possible(root / "keys" / f"{name}.key")}
    return found


def _possible(key: Path) -> list[str]:
    from normenkader.evidence.signing import key_id, load_private_key

    return [f"{key_id(load_private_key(key).public_key())[:16]}.dsse.json"] if key.exists() else []


def check(
    workspace: Workspace,
    bundle: Path,
    trusted: Path,
    *extra: str | Path,
    allowed: set[str] | None = None,
):
    return workspace.run(
        "check",
        bundle,
        "--norms",
        FIXTURE_NORMS,
        "--as-of",
        AS_OF,
        "--require-signature",
        "--trusted-keys",
        trusted,
        "--format",
        "json",
        *extra,
        allowed=allowed,
    )


def test_keygen_writes_a_private_key_only_the_owner_can_read(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    outcome = workspace.run(
        "keygen", tmp_path / "me", "--organisation", "Gemeente Test", allowed={"me.key", "me.pub"}
    )
    assert outcome.code == 0, outcome.stderr
    assert stat.S_IMODE(os.stat(tmp_path / "me.key").st_mode) == 0o600
    assert "public_key:" in outcome.stdout and "Gemeente Test" in outcome.stdout
    assert_rejected(workspace.run("keygen", tmp_path / "me"), "OUTPUT_EXISTS")


def test_signed_bundle_is_accepted(setup: dict[str, Path]) -> None:
    workspace = Workspace(setup["root"])
    sign(workspace, setup["bag"], setup["org"])
    outcome = check(workspace, setup["bag"], setup["trusted"])
    assert outcome.code in (0, 1, 2), outcome.stderr
    assert json.loads(outcome.stdout)["bundle"]["id"] == "hostile-test-001"


def test_unsigned_bundle_is_rejected(setup: dict[str, Path]) -> None:
    assert_rejected(
        check(Workspace(setup["root"]), setup["bag"], setup["trusted"]), "SIGNATURE_MISSING"
    )


def test_signature_by_an_untrusted_key(setup: dict[str, Path]) -> None:
    workspace = Workspace(setup["root"])
    sign(workspace, setup["bag"], setup["other"])
    assert_rejected(check(workspace, setup["bag"], setup["trusted"]), "SIGNATURE_UNTRUSTED")


def test_signature_by_an_expired_key(setup: dict[str, Path]) -> None:
    workspace = Workspace(setup["root"])
    sign(workspace, setup["bag"], setup["old"])
    outcome = check(workspace, setup["bag"], setup["trusted"])
    assert_rejected(outcome, "KEY_EXPIRED")  # judged at the signing time, 2026-11-20
    assert "2025-12-31" in outcome.stderr


def test_signature_over_another_bundle(setup: dict[str, Path]) -> None:
    root = setup["root"]
    workspace = Workspace(root)
    other = seal(
        working_bundle(root / "work2", {"docs/extra.md": b"another bundle"}), root / "bag2"
    )
    sign(workspace, other, setup["org"])
    shutil.copytree(other / "signatures", setup["bag"] / "signatures")
    assert_rejected(check(workspace, setup["bag"], setup["trusted"]), "SIGNATURE_SUBJECT_MISMATCH")


def test_payload_changed_and_remanifested_under_an_old_signature(setup: dict[str, Path]) -> None:
    root = setup["root"]
    workspace = Workspace(root)
    sign(workspace, setup["bag"], setup["org"])
    (root / "work" / "docs" / "notes.md").write_text("# Notes\n\nQuietly rewritten.\n")
    resealed = seal(root / "work", root / "bag-new")  # a fully consistent new bag
    shutil.copytree(setup["bag"] / "signatures", resealed / "signatures")
    assert workspace.run("validate", resealed).code == 0  # the bag itself is intact
    assert_rejected(check(workspace, resealed, setup["trusted"]), "SIGNATURE_SUBJECT_MISMATCH")


def test_altered_statement_under_a_trusted_signature(setup: dict[str, Path]) -> None:
    workspace = Workspace(setup["root"])
    sign(workspace, setup["bag"], setup["org"])
    path = next((setup["bag"] / "signatures").iterdir())
    envelope = json.loads(path.read_text())
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["predicate"]["bundle"]["organisation"] = "Someone Else"
    envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    path.write_text(json.dumps(envelope))
    assert_rejected(check(workspace, setup["bag"], setup["trusted"]), "SIGNATURE_INVALID")


def test_malformed_envelope(setup: dict[str, Path]) -> None:
    (setup["bag"] / "signatures").mkdir()
    (setup["bag"] / "signatures" / "x.dsse.json").write_text(
        '{"payloadType": "a", "payloadType": "b"}'
    )
    assert_rejected(
        check(Workspace(setup["root"]), setup["bag"], setup["trusted"]), "SIGNATURE_INVALID"
    )


def test_invalid_trusted_keys_file(setup: dict[str, Path]) -> None:
    workspace = Workspace(setup["root"])
    sign(workspace, setup["bag"], setup["org"])
    bad = trusted_file(
        setup["root"] / "keys" / "bad.json",
        [
            {
                "organisation": "X",
                "role": "r",
                "public_key": "not base64!",
                "valid_from": "2026-01-01",
            }
        ],
    )
    assert_rejected(check(workspace, setup["bag"], bad), "TRUSTED_KEYS_INVALID")


def test_sign_a_zip_needs_an_output(setup: dict[str, Path]) -> None:
    root = setup["root"]
    archive = seal(root / "work", root / "bag.zip")
    workspace = Workspace(root)
    assert_rejected(workspace.run("sign", archive, "--key", setup["org"]), "USAGE")
    outcome = workspace.run(
        "sign",
        archive,
        "--key",
        setup["org"],
        "-o",
        root / "bag.dsse.json",
        "--signed-at",
        SIGNED,
        allowed={"bag.dsse.json"},
    )
    assert outcome.code == 0, outcome.stderr


def signed_result(setup: dict[str, Path]) -> tuple[Workspace, Path, Path]:
    root = setup["root"]
    workspace = Workspace(root)
    sign(workspace, setup["bag"], setup["org"])
    outcome = check(
        workspace,
        setup["bag"],
        setup["trusted"],
        "-o",
        root / "report.json",
        "--statement",
        root / "result.dsse.json",
        "--sign-key",
        setup["sup"],
        "--signed-at",
        JUDGED,
        allowed={"report.json", "result.dsse.json"},
    )
    assert outcome.code in (0, 1, 2), outcome.stderr
    return workspace, root / "result.dsse.json", root / "report.json"


def verify(
    workspace: Workspace,
    statement: Path,
    bundle: Path,
    trusted: Path,
    *extra: str | Path,
    norms: Path = FIXTURE_NORMS,
) -> Outcome:
    """``normenkader verify`` of a signed result against a bundle."""
    args = ["verify", statement, "--bundle", bundle, "--trusted-keys", trusted, "--norms", norms]
    return workspace.run(*args, *extra)


def test_signed_result_verifies_and_reruns(setup: dict[str, Path]) -> None:
    workspace, statement, report = signed_result(setup)
    archive = seal(setup["root"] / "work", setup["root"] / "bag.zip")  # same bundle, other form
    outcome = verify(workspace, statement, archive, setup["trusted"], "--report", report, "--rerun")
    assert outcome.code == 0, outcome.stderr
    assert "reproduced" in outcome.stdout and "Toezichthouder (supervisor)" in outcome.stdout


def test_signed_result_against_another_bundle(setup: dict[str, Path]) -> None:
    workspace, statement, _ = signed_result(setup)
    other = working_bundle(setup["root"] / "work2", {"docs/extra.md": b"x"})
    outcome = verify(workspace, statement, other, setup["trusted"])
    assert_rejected(outcome, "SIGNATURE_SUBJECT_MISMATCH")


def test_signed_result_with_an_edited_report(setup: dict[str, Path]) -> None:
    workspace, statement, report = signed_result(setup)
    report.write_text(report.read_text().replace('"as_of"', '"as_of" ', 1))
    outcome = verify(workspace, statement, setup["bag"], setup["trusted"], "--report", report)
    assert_rejected(outcome, "REPORT_MISMATCH")


def test_signed_result_with_other_norms(setup: dict[str, Path]) -> None:
    workspace, statement, _ = signed_result(setup)
    norms = setup["root"] / "norms"
    shutil.copytree(FIXTURE_NORMS, norms)
    first = norms / "TST.A.01.yaml"
    first.write_text(first.read_text().replace('en: "Test norm."', 'en: "Test norm, edited."'))
    outcome = verify(workspace, statement, setup["bag"], setup["trusted"], norms=norms)
    assert_rejected(outcome, "NORM_SET_MISMATCH")


def test_signed_result_by_a_key_not_trusted(setup: dict[str, Path]) -> None:
    workspace, statement, _ = signed_result(setup)
    only_org = json.loads(setup["trusted"].read_text())
    only_org["keys"] = [k for k in only_org["keys"] if k["role"] != "supervisor"]
    setup["trusted"].write_text(json.dumps(only_org))
    outcome = verify(workspace, statement, setup["bag"], setup["trusted"])
    assert_rejected(outcome, "SIGNATURE_UNTRUSTED")


def test_working_folder_signature_travels_into_the_sealed_zip(setup: dict[str, Path]) -> None:
    root = setup["root"]
    workspace = Workspace(root)
    sign(workspace, root / "work", setup["org"])
    archive = seal(root / "work", root / "signed.zip")
    with zipfile.ZipFile(archive) as opened:
        assert any(name.startswith("signatures/") for name in opened.namelist())
    outcome = check(workspace, archive, setup["trusted"])
    assert outcome.code in (0, 1, 2), outcome.stderr


def test_a_rejected_run_leaves_earlier_outputs_untouched(setup: dict[str, Path]) -> None:
    """Outputs are written atomically: a failing run never truncates an existing report."""
    root = setup["root"]
    (root / "report.json").write_text("previous report\n")
    (root / "result.dsse.json").write_text("previous statement\n")
    outcome = check(
        Workspace(root),
        setup["bag"],
        setup["trusted"],
        "-o",
        root / "report.json",
        "--statement",
        root / "result.dsse.json",
        "--sign-key",
        setup["sup"],
    )
    assert_rejected(outcome, "SIGNATURE_MISSING")
    assert (root / "report.json").read_text() == "previous report\n"
    assert (root / "result.dsse.json").read_text() == "previous statement\n"
