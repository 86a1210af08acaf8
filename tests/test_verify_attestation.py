"""`normenkader verify` of an attestation (`attest`): the statement holds for the bundle only
while the evidence it covers is unchanged, its signer is trusted (with the role asked) and
it was signed on or before the as-of date."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import AS_OF, EXAMPLES, run_cli

COMPLIANT = EXAMPLES / "compliant"


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("attest")
    (folder / "keys").mkdir()
    made = run_cli(
        "keygen",
        folder / "keys" / "dpo",
        "--organisation",
        "Gemeente Voorbeeldstad",
        "--person",
        "D. de Jong",
        "--role",
        "dpo",
        "--valid-from",
        "2026-01-01",
    )
    assert made.code == 0, made.stderr
    trusted = folder / "trusted.yaml"
    trusted.write_text("keys:\n" + made.stdout, "utf-8")
    statement = folder / "attestation.json"
    attested = run_cli(
        "attest",
        COMPLIANT,
        "--key",
        folder / "keys" / "dpo.key",
        "--claim",
        "dpia-reviewed",
        "--about",
        "dpia-2025",
        "--signed-at",
        "2026-11-20",
        "-o",
        statement,
    )
    assert attested.code == 0, attested.stderr
    return statement, trusted


def verify(statement: Path, bundle: Path, trusted: Path, *extra: str):  # type: ignore[no-untyped-def]
    return run_cli("verify", statement, "--bundle", bundle, "--trusted-keys", trusted, *extra)


def test_an_attestation_holds_for_its_bundle(signed: tuple[Path, Path]) -> None:
    statement, trusted = signed
    held = verify(statement, COMPLIANT, trusted, "--as-of", AS_OF, "--role", "dpo")
    assert held.code == 0, held.stderr
    assert "attestation holds: dpia-reviewed" in held.stdout and "dpia-2025" in held.stdout
    dutch = verify(statement, COMPLIANT, trusted, "--lang", "nl")
    assert dutch.code == 0 and "verklaring klopt" in dutch.stdout


def test_changed_evidence_breaks_it(signed: tuple[Path, Path], tmp_path: Path) -> None:
    statement, trusted = signed
    bundle = tmp_path / "compliant"
    shutil.copytree(COMPLIANT, bundle)
    import yaml

    manifest = yaml.safe_load((bundle / "bundle.yaml").read_text("utf-8"))
    item = next(e for e in manifest["evidence"] if e["id"] == "dpia-2025")
    target = bundle / item["path"]
    target.write_bytes(target.read_bytes() + b"\n")
    broken = verify(statement, bundle, trusted)
    assert broken.code == 3 and broken.stderr.startswith("error SIGNATURE_SUBJECT_MISMATCH")
    assert "dpia-2025" in broken.stderr


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        (("--role", "assessor"), "ROLE_NOT_ALLOWED"),
        (("--as-of", "2026-11-01"), "SIGNED_AFTER_AS_OF"),
        (("--rerun",), "USAGE"),
    ],
)
def test_what_does_not_hold_is_one_line(
    signed: tuple[Path, Path], extra: tuple[str, ...], code: str
) -> None:
    statement, trusted = signed
    refused = verify(statement, COMPLIANT, trusted, *extra)
    assert refused.code == 3 and refused.stderr.startswith(f"error {code}"), refused.stderr
    assert refused.stderr.count("\n") == 1


def test_another_bundle_or_an_untrusted_key_is_refused(
    signed: tuple[Path, Path], tmp_path: Path
) -> None:
    statement, trusted = signed
    other = verify(statement, EXAMPLES / "fsv", trusted)
    assert other.code == 3 and other.stderr.startswith("error SIGNATURE_SUBJECT_MISMATCH")
    empty = tmp_path / "none.yaml"
    empty.write_text("keys: []\n", "utf-8")
    untrusted = verify(statement, COMPLIANT, empty)
    assert untrusted.code == 3 and "SIGNATURE_UNTRUSTED" in untrusted.stderr
