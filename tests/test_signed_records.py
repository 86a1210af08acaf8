"""Identities are keys, not names: signed waivers and judgements through the real CLI.

Keys are made with `normenkader keygen`; waivers act on the example bundle
`evidence/examples/selectie-bias` (NK.DISC.06 fails there), judgements on the small audit
fixture (NK.TST.02 awaits review). Every run passes an explicit --as-of.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import yaml

from audit_bundle_fixtures import write_bundle, write_norms
from conftest import EXAMPLES, run_cli
from normenkader.audit.identity import name_key, same_person

AS_OF = "2026-11-29"
BIAS = EXAMPLES / "selectie-bias"
BIAS_ID = "gm9999-ex-selectie-bias-2026-001"
NORM = "NK.DISC.06"

#: name -> (organisation, person or None, roles, valid_from)
KEYS: dict[str, tuple[str, str | None, list[str], str]] = {
    "author": ("Gemeente Voorbeeldstad", "J. de Vries", ["waiver-author"], "2026-01-01"),
    "approver": ("Auditdienst Rijk", "M. Bakker", ["waiver-approver", "assessor"], "2026-01-01"),
    # the author's second key, under a look-alike name (Cyrillic i) at another organisation
    "author_again": ("Provincie Elders", "J. de Vr\u0456es", ["waiver-approver"], "2026-01-01"),
    # the audited organisation's own key, allowed everything it asks for
    "submitter": (
        "Gemeente Voorbeeldstad",
        None,
        ["submitter", "waiver-approver", "assessor"],
        "2026-01-01",
    ),
    # a person of the audited organisation (the name differs only in case and spaces)
    "colleague": (
        "gemeente  VOORBEELDSTAD",
        "P. Smit",
        ["waiver-approver", "assessor"],
        "2026-01-01",
    ),
    "late": ("Auditdienst Rijk", "K. Visser", ["waiver-approver"], "2026-12-01"),
    "no_role": ("Auditdienst Rijk", "L. de Boer", ["dpo"], "2026-01-01"),
}


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Key pairs made by `normenkader keygen`, and `trusted.yaml` listing all of them."""
    folder = tmp_path_factory.mktemp("keys")
    entries = []
    paths: dict[str, Path] = {}
    for name, (organisation, person, roles, valid_from) in KEYS.items():
        args: list[str | Path] = ["keygen", folder / name, "--organisation", organisation]
        if person:
            args += ["--person", person]
        for role in roles:
            args += ["--role", role]
        run = run_cli(*args, "--valid-from", valid_from)
        assert run.code == 0, run.stderr
        entry_text = "\n".join(line for line in run.stdout.splitlines() if not line.startswith("#"))
        (entry,) = yaml.safe_load(entry_text)
        entries.append(entry)
        paths[name] = folder / f"{name}.key"
    trusted = folder / "trusted.yaml"
    trusted.write_text(yaml.safe_dump({"keys": entries}, allow_unicode=True))
    paths["trusted"] = trusted
    return paths


def unsigned_waiver(waiver_id: str, approver: str, author: str = "J. de Vries") -> dict:
    return {
        "id": waiver_id,
        "norm": NORM,
        "scope": {"bundle": BIAS_ID},
        "justification": "Retraining with new features is planned for Q1 2027.",
        "author": author,
        "approver": approver,
        "issued": "2026-11-01",
        "expires": "2027-03-01",
    }


def write_waivers(path: Path, *entries: dict) -> Path:
    path.write_text(
        yaml.safe_dump({"version": 1, "waivers": list(entries)}, allow_unicode=True),
        encoding="utf-8",
    )
    return path


def sign(file: Path, key: Path, *extra: str | Path):
    return run_cli("waivers", "sign", file, "--key", key, *extra)


def check_waivers(tmp: Path, waivers: Path, *extra: str | Path, fmt: str = "json"):
    out = tmp / f"result.{fmt}"
    run = run_cli(
        "check",
        BIAS,
        "--as-of",
        AS_OF,
        "--only",
        NORM,
        "--waivers",
        waivers,
        "--format",
        fmt,
        "-o",
        out,
        *extra,
    )
    assert "Traceback" not in run.stderr, run.stderr
    assert out.exists(), run.stderr
    text = out.read_text(encoding="utf-8")
    out.unlink()
    return run, text


def refusals(result: dict) -> dict[str, str]:
    """Waiver id -> detail of every ``waiver_refused`` notice."""
    return {
        n["id"]: n["detail"]
        for n in result["notices"]
        if n["source"] == "waivers" and n["code"] == "waiver_refused"
    }


def finding(result: dict, norm_id: str = NORM) -> dict:
    return next(f for f in result["findings"] if f["norm_id"] == norm_id)


# --------------------------------------------------------------------------- names


DISGUISES = {
    "cyrillic_i": "J. de Vr\u0456es",
    "zero_width_space": "J. de\u200bVries",
    "fullwidth": "\uff2a. \uff44\uff45 \uff36\uff52\uff49\uff45\uff53",
    "no_full_stop": "J de Vries",
    "soft_hyphen_and_nbsp": "J.\u00a0de Vr\u00adies",
    "inverted_exclamation_for_i": "J. de Vr\u00a1es",
    "role_qualifier": "J. de Vries (CISO)",
    "bidi_override": "J. de \u202eVries",
}


@pytest.mark.parametrize("name", sorted(DISGUISES))
def test_name_key_sees_through_disguises(name: str) -> None:
    assert same_person("J. de Vries", DISGUISES[name]), name_key(DISGUISES[name])


def test_name_key_keeps_different_people_apart() -> None:
    assert not same_person("J. de Vries", "M. Bakker")
    assert not same_person("J. de Vries", "J. de Vos")
    assert not same_person("J. de Vries", None)


def test_unsigned_self_approval_in_any_disguise_is_refused(tmp_path: Path) -> None:
    entries = [unsigned_waiver(f"W-{name}", approver) for name, approver in DISGUISES.items()]
    waivers = write_waivers(tmp_path / "waivers.yaml", *entries)
    run, text = check_waivers(tmp_path, waivers)
    result = json.loads(text)
    assert finding(result)["status"] != "waived"
    assert refusals(result) == {f"W-{name}": "approver_is_author" for name in DISGUISES}
    assert run.code == 1


def test_unsigned_waiver_applies_and_is_marked_unsigned(tmp_path: Path) -> None:
    waivers = write_waivers(tmp_path / "waivers.yaml", unsigned_waiver("W-1", "M. Bakker"))
    _, text = check_waivers(tmp_path, waivers)
    waived = finding(json.loads(text))
    assert waived["status"] == "waived"
    assert waived["waiver"]["signed"] is False
    assert waived["waiver"]["approver"] == "M. Bakker"
    assert waived["original_status"] in ("fail", "blocked")

    _, terminal = check_waivers(tmp_path, waivers, fmt="terminal")
    assert "UNSIGNED waivers and judgements" in terminal
    assert f"{NORM} waiver W-1 [unsigned]: by J. de Vries, approved by M. Bakker" in terminal

    _, junit = check_waivers(tmp_path, waivers, fmt="junit")
    assert '<property name="waiver_signed" value="false"' in junit


# --------------------------------------------------------------------------- signed waivers


def signed_file(tmp_path: Path, keys: dict[str, Path], approver: str | None = "approver") -> Path:
    """A waiver signed by its author and (unless None) by ``approver``."""
    file = write_waivers(tmp_path / "waivers.yaml", unsigned_waiver("W-1", "M. Bakker"))
    run = sign(file, keys["author"], "--trusted-keys", keys["trusted"])
    assert run.code == 0, run.stderr
    assert "W-1: signed as author" in run.stdout
    if approver:
        run = sign(file, keys[approver])  # no --trusted-keys: check is where it counts
        assert run.code == 0, run.stderr
        assert "W-1: signed as approver" in run.stdout
    return file


def test_signed_waiver_approved_by_another_person_applies(tmp_path: Path, keys) -> None:
    file = signed_file(tmp_path, keys)
    data = yaml.safe_load(file.read_text())
    assert "waivers" not in data  # the names are gone: the keys say who
    (envelope,) = data["signed"]
    assert len(envelope["signatures"]) == 2
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["predicateType"] == "https://normenkader.nl/attestation/waiver/v1"
    assert statement["predicate"]["norm"] == NORM

    _, text = check_waivers(tmp_path, file, "--trusted-keys", keys["trusted"])
    waived = finding(json.loads(text))
    assert waived["status"] == "waived", json.loads(text)["notices"]
    block = waived["waiver"]
    assert block["signed"] is True
    assert block["approver"] == "M. Bakker (Auditdienst Rijk)"
    assert block["author_key"]["person"] == "J. de Vries"
    assert block["approver_key"]["roles"] == ["assessor", "waiver-approver"]

    # the same signed waiver without --trusted-keys: names cannot be checked, so it is refused
    _, text = check_waivers(tmp_path, file)
    result = json.loads(text)
    assert finding(result)["status"] != "waived"
    assert refusals(result) == {"W-1": "keys_not_given"}


def test_unsigned_waiver_counts_for_nothing_when_keys_are_trusted(tmp_path: Path, keys) -> None:
    waivers = write_waivers(tmp_path / "waivers.yaml", unsigned_waiver("W-1", "M. Bakker"))
    _, text = check_waivers(tmp_path, waivers, "--trusted-keys", keys["trusted"])
    result = json.loads(text)
    assert finding(result)["status"] != "waived"
    assert refusals(result) == {"W-1": "not_signed"}


def test_author_cannot_approve_with_own_key_or_own_second_key(tmp_path: Path, keys) -> None:
    file = signed_file(tmp_path, keys, approver=None)
    again = sign(file, keys["author"])
    assert again.code == 3
    assert again.stderr.startswith("error WAIVER_NOTHING_TO_SIGN:"), again.stderr
    again = sign(file, keys["author"], "--id", "W-1")
    assert again.stderr.startswith("error WAIVER_SELF_APPROVAL:"), again.stderr
    # a second key of the same person (look-alike name) is refused when signing ...
    second = sign(file, keys["author_again"], "--trusted-keys", keys["trusted"])
    assert second.code == 3
    assert second.stderr.startswith("error WAIVER_SELF_APPROVAL:"), second.stderr
    # ... and, signed without that check, refused by `check`
    assert sign(file, keys["author_again"]).code == 0
    _, text = check_waivers(tmp_path, file, "--trusted-keys", keys["trusted"])
    result = json.loads(text)
    assert finding(result)["status"] != "waived"
    assert refusals(result) == {"W-1": "approver_is_author"}

    # the author's own signature written twice by hand is no approval either
    data = yaml.safe_load(file.read_text())
    envelope = data["signed"][0]
    envelope["signatures"] = [dict(envelope["signatures"][0]) for _ in range(2)]
    file.write_text(yaml.safe_dump(data))
    _, text = check_waivers(tmp_path, file, "--trusted-keys", keys["trusted"])
    assert refusals(json.loads(text)) == {"W-1": "approver_is_author"}


def test_refused_approvers_and_altered_records(tmp_path: Path, keys) -> None:
    """One file, one run: every refusal is reported with its own stable detail."""
    cases = {
        "W-submitter": "submitter",  # the audited organisation's key
        "W-colleague": "colleague",  # a person of the audited organisation
        "W-late": "late",  # a key valid only after the issue date
        "W-no-role": "no_role",  # a key without the role waiver-approver
        "W-tampered": "approver",
        "W-unapproved": None,
    }
    entries = [unsigned_waiver(waiver_id, "M. Bakker") for waiver_id in cases]
    file = write_waivers(tmp_path / "waivers.yaml", *entries)
    assert sign(file, keys["author"]).code == 0
    for waiver_id, approver in cases.items():
        if approver:
            run = sign(file, keys[approver], "--id", waiver_id)
            assert run.code == 0, run.stderr
    # tamper: push the expiry of W-tampered out by a month, keep both signatures
    data = yaml.safe_load(file.read_text())
    for envelope in data["signed"]:
        statement = json.loads(base64.b64decode(envelope["payload"]))
        if statement["predicate"]["id"] == "W-tampered":
            statement["predicate"]["expires"] = "2027-04-01"
            envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    file.write_text(yaml.safe_dump(data))

    run, text = check_waivers(tmp_path, file, "--trusted-keys", keys["trusted"])
    result = json.loads(text)
    assert finding(result)["status"] != "waived"
    assert refusals(result) == {
        "W-submitter": "approver_not_person",
        "W-colleague": "approver_is_submitter",
        "W-late": "approver_key_not_yet_valid",
        "W-no-role": "approver_role_missing",
        "W-tampered": "signature_invalid",
        "W-unapproved": "not_approved",
    }
    assert run.code == 1

    lint = run_cli("waivers", "lint", file, "--trusted-keys", keys["trusted"], "--as-of", AS_OF)
    assert lint.code == 1
    assert "waiver_refused (signature_invalid): W-tampered" in lint.stdout


def test_signing_roles_are_checked_when_keys_are_given(tmp_path: Path, keys) -> None:
    file = write_waivers(tmp_path / "waivers.yaml", unsigned_waiver("W-1", "M. Bakker"))
    run = sign(file, keys["approver"], "--trusted-keys", keys["trusted"])
    assert run.code == 3
    assert run.stderr.startswith("error ROLE_NOT_ALLOWED:"), run.stderr
    assert "waivers" in yaml.safe_load(file.read_text())  # untouched


def test_malformed_signed_record_is_exit_3(tmp_path: Path, keys) -> None:
    file = signed_file(tmp_path, keys)
    data = yaml.safe_load(file.read_text())
    data["signed"][0]["signatures"][0]["keyid"] = "not-hex"
    file.write_text(yaml.safe_dump(data))
    run = run_cli(
        "check", BIAS, "--as-of", AS_OF, "--only", NORM, "--waivers", file, "--format", "json"
    )
    assert run.code == 3
    assert run.stderr.startswith("error WAIVER_INVALID:"), run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------- judgements


@pytest.fixture
def audit(tmp_path: Path) -> tuple[Path, Path]:
    """The audit fixture: norms and a bundle of "Gemeente Test" where NK.TST.02 awaits review."""
    return write_norms(tmp_path), write_bundle(tmp_path, organisation="Gemeente Voorbeeldstad")


def assess(bundle: Path, norms: Path, file: Path, *extra: str | Path):
    return run_cli(
        "assess",
        bundle,
        "--norms",
        norms,
        "--norm",
        "NK.TST.02",
        "--verdict",
        "pass",
        "--note",
        "Procedure sampled: 20 cases, followed.",
        "--file",
        file,
        "--date",
        "2026-11-28",
        *extra,
    )


def check_judgements(bundle: Path, norms: Path, file: Path, *extra: str | Path) -> dict:
    out = bundle.parent / "result.json"
    run = run_cli(
        "check",
        bundle,
        "--norms",
        norms,
        "--as-of",
        AS_OF,
        "--assessments",
        file,
        "--format",
        "json",
        "-o",
        out,
        *extra,
    )
    assert "Traceback" not in run.stderr, run.stderr
    result: dict = json.loads(out.read_text())
    out.unlink()
    return result


def judgement_refusals(result: dict) -> list[str]:
    return [n["detail"] for n in result["notices"] if n["code"] == "judgement_refused"]


def test_signed_judgement_by_an_assessor_decides(audit, tmp_path: Path, keys) -> None:
    norms, bundle = audit
    file = tmp_path / "assessments.yaml"
    run = assess(bundle, norms, file, "--key", keys["approver"], "--trusted-keys", keys["trusted"])
    assert run.code == 0, run.stderr
    assert "signed by M. Bakker (Auditdienst Rijk)" in run.stdout
    result = check_judgements(bundle, norms, file, "--trusted-keys", keys["trusted"])
    judged = finding(result, "NK.TST.02")
    assert judged["status"] == "pass", result["notices"]
    assert judged["judgement"]["signed"] is True
    assert judged["judgement"]["assessor_key"]["person"] == "M. Bakker"

    # an unsigned judgement next to it counts for nothing in signed mode
    assert assess(bundle, norms, file, "--assessor", "A. Jansen (ADR)").code == 0
    result = check_judgements(bundle, norms, file, "--trusted-keys", keys["trusted"])
    assert judgement_refusals(result) == ["not_signed"]
    assert finding(result, "NK.TST.02")["judgement"]["signed"] is True


def test_judgement_by_the_submitting_organisation_is_refused(audit, tmp_path: Path, keys) -> None:
    norms, bundle = audit
    file = tmp_path / "assessments.yaml"
    refused = assess(
        bundle, norms, file, "--key", keys["submitter"], "--trusted-keys", keys["trusted"]
    )
    assert refused.code == 3
    assert refused.stderr.startswith("error ROLE_NOT_ALLOWED:"), refused.stderr
    assert not file.exists()
    for name in ("submitter", "colleague"):  # signed without the early check
        assert assess(bundle, norms, file, "--key", keys[name]).code == 0
    result = check_judgements(bundle, norms, file, "--trusted-keys", keys["trusted"])
    assert finding(result, "NK.TST.02")["status"] == "review"
    assert sorted(judgement_refusals(result)) == ["assessor_is_submitter", "assessor_not_person"]


def test_tampered_judgement_is_refused(audit, tmp_path: Path, keys) -> None:
    norms, bundle = audit
    file = tmp_path / "assessments.yaml"
    assert assess(bundle, norms, file, "--key", keys["approver"]).code == 0
    data = yaml.safe_load(file.read_text())
    envelope = data["signed"][0]
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["predicate"]["verdict"] = "fail"
    envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    file.write_text(yaml.safe_dump(data))
    result = check_judgements(bundle, norms, file, "--trusted-keys", keys["trusted"])
    assert finding(result, "NK.TST.02")["status"] == "review"
    assert judgement_refusals(result) == ["signature_invalid"]


def test_unsigned_judgement_is_marked_unsigned(audit, tmp_path: Path) -> None:
    norms, bundle = audit
    file = tmp_path / "assessments.yaml"
    assert assess(bundle, norms, file, "--assessor", "A. Jansen (ADR)").code == 0
    result = check_judgements(bundle, norms, file)
    judged = finding(result, "NK.TST.02")
    assert judged["status"] == "pass"
    assert judged["judgement"]["signed"] is False
