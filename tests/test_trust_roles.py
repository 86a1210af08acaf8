"""Keys with roles, organisations and validity at the signing time, through the real CLI.

Every key is made with ``normenkader keygen`` in the test folder; trusted-keys files are
built from the entries keygen prints. Signing times are always given (``--signed-at``), so
nothing depends on today's date.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from hostile.sandbox import Outcome, Workspace, assert_rejected
from hostile.trees import working_bundle
from normenkader.evidence.signing import load_private_key, sign_statement

FIXTURE_NORMS = Path(__file__).resolve().parent / "fixtures" / "engine" / "norms"
ATTESTATION_NORMS = Path(__file__).resolve().parent / "fixtures" / "attestation" / "norms"
AS_OF = "2026-11-29"
SIGNED = "2026-11-20T09:00:00Z"  # a bundle submission, before the audit
JUDGED = "2026-11-29T15:00:00Z"  # a supervisor's result, on the as-of day


def keygen(ws: Workspace, name: str, organisation: str, *options: str) -> dict[str, Any]:
    """A key pair made by ``keygen`` in ws.root; returns the trusted-keys entry it printed."""
    outcome = ws.run(
        "keygen",
        ws.root / name,
        "--organisation",
        organisation,
        *options,
        allowed={f"{name}.key", f"{name}.pub"},
    )
    assert outcome.code == 0, outcome.stderr
    lines = [line for line in outcome.stdout.splitlines() if not line.startswith("#")]
    entries = yaml.safe_load("\n".join(lines))
    assert isinstance(entries, list) and len(entries) == 1
    return dict(entries[0])


def trusted(path: Path, *entries: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump({"keys": list(entries)}, sort_keys=False), "utf-8")
    return path


class Trust:
    """The parties of one audit: the municipality (submitter), the supervisor and a DPO."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ws = Workspace(root)
        self.org = keygen(self.ws, "org", "Gemeente Test", "--valid-from", "2026-01-01")
        self.sup = keygen(
            self.ws, "sup", "Rekenkamer", "--role", "supervisor", "--valid-from", "2026-01-01"
        )
        self.trusted = trusted(root / "trusted.yaml", self.org, self.sup)
        self.bundle = working_bundle(root / "work")

    def sign(self, key: str = "org", *extra: str | Path, bundle: Path | None = None) -> Outcome:
        bundle = bundle or self.bundle
        return self.ws.run(
            "sign",
            bundle,
            "--key",
            self.root / f"{key}.key",
            "--signed-at",
            SIGNED,
            *extra,
            allowed=_below(self.root, bundle / "signatures") | _outputs(self.root, extra),
        )

    def check(self, *extra: str | Path, trusted_keys: Path | None = None) -> Outcome:
        return self.ws.run(
            "check",
            self.bundle,
            "--norms",
            FIXTURE_NORMS,
            "--as-of",
            AS_OF,
            "--format",
            "json",
            "--trusted-keys",
            trusted_keys or self.trusted,
            *extra,
            allowed=_outputs(self.root, extra),
        )

    def result(self, key: str = "sup", *extra: str | Path) -> Path:
        """A signed check result (statement.dsse.json) and its report (report.json)."""
        outcome = self.check(
            "-o",
            self.root / "report.json",
            "--statement",
            self.root / "statement.dsse.json",
            "--sign-key",
            self.root / f"{key}.key",
            "--signed-at",
            JUDGED,
            *extra,
        )
        assert outcome.code in (0, 1, 2), outcome.stderr
        return self.root / "statement.dsse.json"

    def verify(
        self, statement: Path, *extra: str | Path, bundle: Path | None = None, norms: bool = True
    ) -> Outcome:
        args: list[str | Path] = ["verify", statement, "--bundle", bundle or self.bundle]
        args += ["--trusted-keys", self.trusted, *(["--norms", FIXTURE_NORMS] if norms else [])]
        return self.ws.run(*args, *extra)


def _below(root: Path, folder: Path) -> set[str]:
    rel = folder.relative_to(root).as_posix()
    names = {rel}
    for key in root.glob("*.key"):
        from normenkader.evidence.signing import key_id

        names.add(f"{rel}/{key_id(load_private_key(key).public_key())[:16]}.dsse.json")
    return names


def _outputs(root: Path, extra: tuple[str | Path, ...]) -> set[str]:
    """Files named after -o/--statement in ``extra`` (allowed to appear)."""
    found: set[str] = set()
    for flag, value in itertools.pairwise(extra):
        if flag in ("-o", "--output", "--statement") and isinstance(value, Path):
            found.add(value.relative_to(root).as_posix())
    return found


def _statement(path: Path) -> dict[str, Any]:
    envelope = json.loads(path.read_text())
    return dict(json.loads(base64.b64decode(envelope["payload"])))


@pytest.fixture
def trust(tmp_path: Path) -> Trust:
    return Trust(tmp_path)


# --------------------------------------------------------------------------- the key file


def test_keygen_prints_roles_person_and_validity(trust: Trust) -> None:
    entry = keygen(
        trust.ws,
        "dpo",
        "Gemeente Test",
        "--person",
        "A. Jansen",
        "--role",
        "dpo",
        "--role",
        "waiver-approver",
        "--valid-from",
        "2026-02-01",
        "--valid-until",
        "2027-01-31",
    )
    assert entry["person"] == "A. Jansen"
    assert entry["roles"] == ["dpo", "waiver-approver"]
    assert (entry["valid_from"], entry["valid_until"]) == ("2026-02-01", "2027-01-31")


def test_a_key_may_not_be_submitter_and_supervisor(trust: Trust) -> None:
    outcome = trust.ws.run(
        "keygen", trust.root / "both", "--organisation", "X", "--role", "submitter",
        "--role", "supervisor",
    )  # fmt: skip
    assert_rejected(outcome, "USAGE")
    assert not (trust.root / "both.key").exists()
    both = dict(trust.org, roles=["submitter", "supervisor"])
    outcome = trust.check(
        "--require-signature", trusted_keys=trusted(trust.root / "both.yaml", both)
    )
    assert_rejected(outcome, "TRUSTED_KEYS_ROLE_CONFLICT")


def test_the_earlier_single_role_field_is_still_read(trust: Trust) -> None:
    legacy = {k: v for k, v in trust.org.items() if k != "roles"} | {"role": "submitter"}
    assert trust.sign().code == 0
    outcome = trust.check(
        "--require-signature", trusted_keys=trusted(trust.root / "legacy.yaml", legacy)
    )
    assert outcome.code in (0, 1, 2), outcome.stderr


def test_bad_role_names_are_refused(trust: Trust) -> None:
    bad = dict(trust.org, roles=["Submitter"])
    outcome = trust.check("--require-signature", trusted_keys=trusted(trust.root / "b.yaml", bad))
    assert_rejected(outcome, "TRUSTED_KEYS_INVALID")


def test_keygen_into_an_unwritable_place(trust: Trust) -> None:
    assert_rejected(trust.ws.run("keygen", "/proc/self/nokey"), "OUTPUT_INVALID")
    long_name = trust.root / ("k" * 300)
    assert_rejected(trust.ws.run("keygen", long_name), "OUTPUT_INVALID")


# --------------------------------------------------------------------------- submissions


def test_a_key_without_the_submitter_role_cannot_sign_a_bundle(trust: Trust) -> None:
    dpo = keygen(trust.ws, "dpo", "Gemeente Test", "--role", "dpo", "--valid-from", "2026-01-01")
    trust.trusted = trusted(trust.root / "trusted.yaml", trust.org, trust.sup, dpo)
    assert trust.sign("dpo").code == 0
    outcome = trust.check("--require-signature")
    assert_rejected(outcome, "ROLE_NOT_ALLOWED")
    assert "submitter" in outcome.stderr


def test_a_submission_by_another_organisation_is_refused(trust: Trust) -> None:
    other = keygen(trust.ws, "other", "Gemeente Anders", "--valid-from", "2026-01-01")
    trust.trusted = trusted(trust.root / "trusted.yaml", trust.org, trust.sup, other)
    assert trust.sign("other").code == 0
    outcome = trust.check("--require-signature")
    assert_rejected(outcome, "ORGANISATION_MISMATCH")
    assert "Gemeente Anders" in outcome.stderr


def test_organisation_names_compare_after_nfkc_case_and_spaces(trust: Trust) -> None:
    spelled = dict(trust.org, organisation="  ＧＥＭＥＥＮＴＥ   test ")  # fullwidth, case, spaces
    trust.trusted = trusted(trust.root / "trusted.yaml", spelled, trust.sup)
    assert trust.sign().code == 0
    outcome = trust.check("--require-signature")
    assert outcome.code in (0, 1, 2), outcome.stderr
    lookalike = dict(trust.org, organisation="Gemeente Tеst")  # Cyrillic e: another name
    trust.trusted = trusted(trust.root / "trusted.yaml", lookalike, trust.sup)
    assert_rejected(trust.check("--require-signature"), "ORGANISATION_MISMATCH")


def test_key_not_yet_valid_and_key_expired_have_their_own_codes(trust: Trust) -> None:
    early = keygen(trust.ws, "early", "Gemeente Test", "--valid-from", "2026-12-01")
    late = keygen(
        trust.ws, "late", "Gemeente Test", "--valid-from", "2025-01-01", "--valid-until",
        "2026-10-31",
    )  # fmt: skip
    trust.trusted = trusted(trust.root / "trusted.yaml", early, trust.sup)
    assert trust.sign("early").code == 0  # signed 2026-11-20, before the key's validity
    assert_rejected(trust.check("--require-signature"), "KEY_NOT_YET_VALID")
    (trust.bundle / "signatures").rename(trust.root / "early-signatures")
    trust.trusted = trusted(trust.root / "trusted.yaml", late, trust.sup)
    assert trust.sign("late").code == 0  # signed 2026-11-20, after the key expired
    outcome = trust.check("--require-signature")
    assert_rejected(outcome, "KEY_EXPIRED")
    assert "2026-10-31" in outcome.stderr


def test_key_validity_is_judged_at_the_signing_time_not_the_as_of_date(trust: Trust) -> None:
    late = keygen(
        trust.ws, "late", "Gemeente Test", "--valid-from", "2025-01-01", "--valid-until",
        "2026-11-25",
    )  # fmt: skip
    trust.trusted = trusted(trust.root / "trusted.yaml", late, trust.sup)
    assert trust.sign("late").code == 0  # signed 2026-11-20 while valid; as-of 2026-11-29
    outcome = trust.check("--require-signature")
    assert outcome.code in (0, 1, 2), outcome.stderr


def test_a_detached_signature_verifies_and_a_tampered_one_does_not(trust: Trust) -> None:
    detached = trust.root / "bundle.dsse.json"
    assert trust.sign("org", "-o", detached).code == 0
    assert not (trust.bundle / "signatures").exists()
    outcome = trust.check("--signature", detached)
    assert outcome.code in (0, 1, 2), outcome.stderr
    assert_rejected(trust.verify(detached), "USAGE")  # --norms is for check results
    outcome = trust.verify(detached, norms=False)
    assert outcome.code == 0, outcome.stderr
    assert "submitter" in outcome.stdout and f"signed at {SIGNED}" in outcome.stdout
    envelope = json.loads(detached.read_text())
    signature = bytearray(base64.b64decode(envelope["signatures"][0]["sig"]))
    signature[5] ^= 1
    envelope["signatures"][0]["sig"] = base64.b64encode(bytes(signature)).decode()
    tampered = trust.root / "tampered.dsse.json"
    tampered.write_text(json.dumps(envelope))
    assert_rejected(trust.check("--signature", tampered), "SIGNATURE_INVALID")
    assert_rejected(trust.verify(tampered, norms=False), "SIGNATURE_INVALID")
    other = working_bundle(trust.root / "other", {"docs/extra.md": b"another bundle"})
    outcome = trust.verify(detached, bundle=other, norms=False)
    assert_rejected(outcome, "SIGNATURE_SUBJECT_MISMATCH")


def test_sign_when_signatures_is_a_file(trust: Trust) -> None:
    (trust.bundle / "signatures").write_text("not a folder\n")
    outcome = trust.sign()
    assert_rejected(outcome, "OUTPUT_INVALID")
    assert (trust.bundle / "signatures").read_text() == "not a folder\n"


# --------------------------------------------------------------------------- results


def test_a_result_signed_by_the_submitter_key_is_rejected(trust: Trust) -> None:
    assert trust.sign().code == 0
    statement = trust.result("org", "--require-signature")
    assert_rejected(trust.verify(statement), "ROLE_NOT_ALLOWED")


def test_a_result_forged_with_the_submitter_key_is_rejected(trust: Trust) -> None:
    """The review's case: a real result, its summary cleaned, re-signed by the submitter."""
    assert trust.sign().code == 0
    statement = trust.result("sup", "--require-signature")
    assert trust.verify(statement).code == 0
    forged = _statement(statement)
    forged["predicate"]["summary"] = {k: 0 for k in forged["predicate"]["summary"] or {}}
    path = trust.root / "forged.dsse.json"
    path.write_bytes(sign_statement(forged, load_private_key(trust.root / "org.key")))
    outcome = trust.verify(path)
    assert_rejected(outcome, "ROLE_NOT_ALLOWED")
    assert "supervisor" in outcome.stderr


def test_a_result_records_its_signing_time_and_inputs(trust: Trust) -> None:
    assert trust.sign().code == 0
    policy = trust.root / "policy.yaml"
    policy.write_text("version: 1\nmax_duration: P6M\n")
    statement = trust.result("sup", "--require-signature", "--waiver-policy", policy)
    predicate = _statement(statement)["predicate"]
    assert predicate["signed_at"] == JUDGED
    inputs = predicate["inputs"]
    assert inputs["waiver_policy"].startswith("sha256:")
    assert inputs["trusted_keys"].startswith("sha256:")  # it mattered: a required signature
    assert inputs["require_signature"] is True and inputs["only"] is None
    assert predicate["report"] == {
        "digest": predicate["report"]["digest"],
        "format": "json",
        "lang": "en",
    }
    outcome = trust.verify(statement)
    assert outcome.code == 0, outcome.stderr
    assert f"signed at {JUDGED}" in outcome.stdout


def test_a_back_dated_result_by_an_expired_key_is_refused(trust: Trust) -> None:
    """A key valid only in 2021 cannot sign a result for as-of 2021 today."""
    old = keygen(
        trust.ws, "old", "Rekenkamer", "--role", "supervisor", "--valid-from", "2021-01-01",
        "--valid-until", "2021-12-31",
    )  # fmt: skip
    trust.trusted = trusted(trust.root / "trusted.yaml", trust.org, old)
    outcome = trust.ws.run(
        "check", trust.bundle, "--norms", FIXTURE_NORMS, "--as-of", "2021-06-01",
        "--format", "json", "-o", trust.root / "r.json", "--statement", trust.root / "s.json",
        "--sign-key", trust.root / "old.key", "--signed-at", JUDGED,
        allowed={"r.json", "s.json"},
    )  # fmt: skip
    assert outcome.code in (0, 1, 2), outcome.stderr
    assert_rejected(trust.verify(trust.root / "s.json"), "KEY_EXPIRED")


def test_a_result_by_a_supervisor_key_of_the_audited_organisation_is_refused(
    trust: Trust,
) -> None:
    own = keygen(
        trust.ws, "own", "gemeente  TEST", "--role", "supervisor", "--valid-from", "2026-01-01"
    )
    trust.trusted = trusted(trust.root / "trusted.yaml", trust.org, trust.sup, own)
    statement = trust.result("own")
    outcome = trust.verify(statement)
    assert_rejected(outcome, "ROLE_NOT_ALLOWED")
    assert "audited organisation" in outcome.stderr


def test_a_result_signed_before_its_as_of_date_is_refused(trust: Trust) -> None:
    statement = trust.result("sup", "--signed-at", "2026-11-28T23:59:59Z")
    assert_rejected(trust.verify(statement), "SIGNED_BEFORE_AS_OF")


def test_verify_of_a_result_made_with_only(trust: Trust) -> None:
    statement = trust.result("sup", "--only", "TST.A.02")
    assert _statement(statement)["predicate"]["inputs"]["only"] == ["TST.A.02"]
    outcome = trust.verify(statement, "--rerun")
    assert outcome.code == 0, outcome.stderr
    assert "only TST.A.02" in outcome.stdout and "reproduced" in outcome.stdout


def test_a_rerun_names_the_input_that_differs(trust: Trust) -> None:
    policy = trust.root / "policy.yaml"
    policy.write_text("version: 1\nmax_duration: P6M\n")
    statement = trust.result("sup", "--waiver-policy", policy)
    other = trust.root / "other-policy.yaml"
    other.write_text("version: 1\nmax_duration: P3M\n")
    outcome = trust.verify(statement, "--rerun", "--waiver-policy", other)
    assert_rejected(outcome, "RERUN_INPUT_MISMATCH")
    assert "waiver policy differs" in outcome.stderr
    assert_rejected(trust.verify(statement, "--rerun"), "RERUN_INPUT_MISMATCH")
    outcome = trust.verify(statement, "--rerun", "--waiver-policy", policy)
    assert outcome.code == 0, outcome.stderr


def test_same_file_for_report_and_statement_is_a_usage_error(trust: Trust) -> None:
    report = trust.root / "same.json"
    report.write_text("previous report\n")
    os.symlink("same.json", trust.root / "link.json")
    os.link(report, trust.root / "hard.json")
    for other in ("same.json", "./same.json", "sub/../same.json", "link.json", "hard.json"):
        (trust.root / "sub").mkdir(exist_ok=True)
        outcome = trust.ws.run(
            "check", trust.bundle, "--norms", FIXTURE_NORMS, "--as-of", AS_OF,
            "--format", "json", "-o", "same.json", "--statement", other,
            "--sign-key", trust.root / "sup.key",
        )  # fmt: skip
        assert_rejected(outcome, "USAGE")
        assert report.read_text() == "previous report\n", other


def test_an_output_never_overwrites_an_input(trust: Trust) -> None:
    key = (trust.root / "sup.key").read_bytes()
    for flag in ("-o", "--statement"):
        outcome = trust.ws.run(
            "check", trust.bundle, "--norms", FIXTURE_NORMS, "--as-of", AS_OF, "--format",
            "json", "-o", "report.json", "--statement", "statement.json", flag, "./sup.key",
            "--sign-key", "sup.key", "--trusted-keys", trust.trusted,
        )  # fmt: skip
        assert_rejected(outcome, "USAGE")
        assert "--sign-key" in outcome.stderr
        assert (trust.root / "sup.key").read_bytes() == key


def _run_with_cache(
    root: Path, cache_dir: Path, *args: str | Path
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "NORMENKADER_NO_CACHE"}
    env |= {"NORMENKADER_CACHE_DIR": str(cache_dir), "NORMENKADER_CACHE_SECRET": "t" * 40}
    return subprocess.run(
        [sys.executable, "-m", "normenkader", *map(str, args)],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def _tree(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_rerun_neither_reads_nor_writes_a_poisoned_cache(trust: Trust) -> None:
    statement = trust.result("sup")
    cache_dir = trust.root / "cache"
    cache_dir.mkdir(mode=0o700)
    warm = _run_with_cache(
        trust.root, cache_dir, "check", trust.bundle, "--norms", FIXTURE_NORMS, "--as-of",
        AS_OF, "--format", "json",
    )  # fmt: skip
    assert warm.returncode in (0, 1, 2), warm.stderr
    entries = [p for p in cache_dir.rglob("*") if p.is_file()]
    assert entries, "a plain check fills the cache"
    for number, entry in enumerate(entries):  # garbage, and a planted look-alike entry
        entry.write_bytes(b"\x00garbage" if number % 2 else entry.read_bytes().replace(b"0", b"1"))
    (cache_dir / "normset-planted.json").write_text('{"findings": []}')
    before = _tree(cache_dir)
    rerun = _run_with_cache(
        trust.root, cache_dir, "verify", statement, "--bundle", trust.bundle, "--trusted-keys",
        trust.trusted, "--norms", FIXTURE_NORMS, "--report", trust.root / "report.json",
        "--rerun",
    )  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    assert "reproduced" in rerun.stdout
    assert _tree(cache_dir) == before  # nothing written, nothing replaced


# --------------------------------------------------------------------------- attestations

ATTEST_BUNDLE = b"""bundle: {id: att-test-001, organisation: "Gemeente Test",
  submitted: "2026-11-20"}
system: {name: "Testsysteem"}
profile: {processes_personal_data: true}
evidence:
  - {id: dpia, kind: document, path: docs/dpia.md, date: "2026-02-01"}
"""
DPO_ENTRY = b"""  - {id: dpo-statement, kind: attestation, path: attest/dpo.dsse.json,
     date: "2026-11-18"}
"""


class Attest:
    def __init__(self, trust: Trust) -> None:
        self.trust = trust
        self.root = trust.root
        self.bundle = working_bundle(
            self.root / "att",
            {"bundle.yaml": ATTEST_BUNDLE, "docs/dpia.md": b"# DPIA\n\nAdopted.\n"},
        )
        self.dpo = keygen(
            trust.ws, "dpo", "Gemeente Test", "--person", "A. Jansen", "--role", "dpo",
            "--valid-from", "2026-01-01",
        )  # fmt: skip
        self.keys = trusted(self.root / "att-trusted.yaml", trust.org, trust.sup, self.dpo)

    def attest(self, key: str = "dpo", *extra: str, claim: str = "dpia-reviewed") -> Outcome:
        (self.bundle / "attest").mkdir(exist_ok=True)
        outcome = self.trust.ws.run(
            "attest", self.bundle, "--key", self.root / f"{key}.key", "--claim", claim,
            "--about", "dpia", "--norm", "TST.ATT.01", "--signed-at", "2026-11-18T10:00:00Z",
            "-o", self.bundle / "attest" / "dpo.dsse.json", *extra,
            allowed={"att/attest", "att/attest/dpo.dsse.json"},
        )  # fmt: skip
        assert outcome.code == 0, outcome.stderr
        (self.bundle / "bundle.yaml").write_bytes(ATTEST_BUNDLE + DPO_ENTRY)
        return outcome

    def check(self, *extra: str | Path) -> dict[str, Any]:
        outcome = self.trust.ws.run(
            "check", self.bundle, "--norms", ATTESTATION_NORMS, "--as-of", AS_OF,
            "--format", "json", *extra,
        )  # fmt: skip
        assert outcome.code in (0, 1, 2), outcome.stderr
        return dict(json.loads(outcome.stdout))

    def finding(self, *extra: str | Path) -> dict[str, Any]:
        result = self.check(*extra)
        return next(f for f in result["findings"] if f["norm_id"] == "TST.ATT.01")


@pytest.fixture
def att(trust: Trust) -> Attest:
    return Attest(trust)


def test_attestation_norms_lint_clean() -> None:
    outcome = subprocess.run(
        [sys.executable, "-m", "normenkader", "lint", str(ATTESTATION_NORMS)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr


def test_an_attestation_by_the_role_passes(att: Attest) -> None:
    att.attest()
    finding = att.finding("--trusted-keys", att.keys)
    assert finding["status"] == "pass", finding
    assert "A. Jansen" in json.dumps(finding)


def test_an_attestation_without_trusted_keys_is_review(att: Attest) -> None:
    att.attest()
    finding = att.finding()
    assert finding["status"] == "review", finding
    assert "--trusted-keys" in json.dumps(finding)


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ("wrong-role", "ROLE_NOT_ALLOWED"),
        ("other-organisation", "ORGANISATION_MISMATCH"),
        ("expired", "KEY_EXPIRED"),
        ("evidence-changed", "SIGNATURE_SUBJECT_MISMATCH"),
        ("another-claim", "ATTESTATION_CLAIM_MISMATCH"),
        ("untrusted", "SIGNATURE_UNTRUSTED"),
    ],
)
def test_an_attestation_that_does_not_hold_fails_with_its_reason(
    att: Attest, setup: str, code: str
) -> None:
    ws, keys = att.trust.ws, [att.trust.org, att.trust.sup, att.dpo]
    key, claim = "dpo", "dpia-reviewed"
    if setup == "wrong-role":
        keys.append(
            keygen(ws, "ciso", "Gemeente Test", "--role", "ciso", "--valid-from", "2026-01-01")
        )
        key = "ciso"
    elif setup == "other-organisation":
        keys.append(keygen(ws, "odpo", "Gemeente Anders", "--role", "dpo", "--valid-from",
                           "2026-01-01"))  # fmt: skip
        key = "odpo"
    elif setup == "expired":
        keys.append(keygen(ws, "xdpo", "Gemeente Test", "--role", "dpo", "--valid-from",
                           "2025-01-01", "--valid-until", "2026-06-30"))  # fmt: skip
        key = "xdpo"
    elif setup == "another-claim":
        claim = "dpia-seen"
    elif setup == "untrusted":
        keygen(ws, "stranger", "Gemeente Test", "--role", "dpo", "--valid-from", "2026-01-01")
        key = "stranger"
    trusted(att.keys, *keys)
    att.attest(key, claim=claim)
    if setup == "evidence-changed":
        (att.bundle / "docs" / "dpia.md").write_bytes(b"# DPIA\n\nQuietly rewritten.\n")
    finding = att.finding("--trusted-keys", att.keys)
    assert finding["status"] == "fail", finding
    assert code in json.dumps(finding)


def test_an_attestation_copied_into_another_bundle_fails(att: Attest) -> None:
    att.attest()
    (att.bundle / "bundle.yaml").write_bytes(
        (ATTEST_BUNDLE + DPO_ENTRY).replace(b"att-test-001", b"att-test-002")
    )
    finding = att.finding("--trusted-keys", att.keys)
    assert finding["status"] == "fail" and "SIGNATURE_SUBJECT_MISMATCH" in json.dumps(finding)


def test_a_result_records_the_trusted_keys_an_attestation_rested_on(att: Attest) -> None:
    att.attest()
    outcome = att.trust.ws.run(
        "check", att.bundle, "--norms", ATTESTATION_NORMS, "--as-of", AS_OF, "--format", "json",
        "--trusted-keys", att.keys, "-o", att.root / "r.json", "--statement",
        att.root / "s.json", "--sign-key", att.root / "sup.key", "--signed-at", JUDGED,
        allowed={"r.json", "s.json"},
    )  # fmt: skip
    assert outcome.code in (0, 1, 2), outcome.stderr
    assert _statement(att.root / "s.json")["predicate"]["inputs"]["trusted_keys"]
    verify = ["verify", att.root / "s.json", "--bundle", att.bundle, "--norms", ATTESTATION_NORMS]
    ok = att.trust.ws.run(*verify, "--trusted-keys", att.keys, "--rerun")
    assert ok.code == 0, ok.stderr
    extra = keygen(
        att.trust.ws, "extra", "Gemeente Test", "--role", "ciso", "--valid-from", "2026-01-01"
    )
    bigger = trusted(att.root / "bigger.yaml", att.trust.org, att.trust.sup, att.dpo, extra)
    outcome = att.trust.ws.run(*verify, "--trusted-keys", bigger, "--rerun")
    assert_rejected(outcome, "RERUN_INPUT_MISMATCH")
    assert "trusted keys differ" in outcome.stderr


def test_the_rollup_alternative_is_satisfied_by_a_passing_attestation(att: Attest) -> None:
    """Item avg-13 under rule `all` over TST.ATT.02 (an adopted DPIA, absent from this
    bundle) with TST.ATT.01 as the alternative; the statuses come from real runs."""
    from normenkader.catalogue.rollup import Rule, decide

    att.attest()
    rule = Rule(
        "algoritmekader", "urn:nl:ak:ver:avg-13", "v2.5.1", norms=("TST.ATT.02",),
        alternative=("TST.ATT.01",),
    )  # fmt: skip
    severities = {"TST.ATT.01": "major", "TST.ATT.02": "major"}
    verified = {
        f["norm_id"]: f["status"] for f in att.check("--trusted-keys", att.keys)["findings"]
    }
    assert verified == {"TST.ATT.01": "pass", "TST.ATT.02": "missing"}
    assert decide(rule, verified, severities, ["TST.ATT.02"]) == ("satisfied", "alternative")
    unverified = {f["norm_id"]: f["status"] for f in att.check()["findings"]}
    assert unverified["TST.ATT.01"] == "review"
    assert decide(rule, unverified, severities, ["TST.ATT.02"]) == ("not_satisfied", None)
