"""Hostile content inside a bundle: strict YAML/JSON, ids, CSV lines, schema patterns.

A broken manifest (bundle.yaml) rejects the bundle (exit 3). A broken *evidence item* is a
finding about the organisation's evidence: ``validate`` exits 1 and names the code.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import pytest

from hostile.sandbox import Workspace, assert_budget, assert_rejected
from hostile.trees import working_bundle

HEAD = b'bundle: {id: hostile-test-001, organisation: "Gemeente Test", submitted: "2026-11-20"}\n'
REST = b'system: {name: "T"}\nprofile: {}\n'
CARD_ENTRY = (
    b'evidence:\n  - {id: card, kind: model-card, path: model/card.json, date: "2026-02-01"}\n'
)

MANIFEST_CASES: dict[str, tuple[str, bytes]] = {
    "yaml-alias-bomb": (
        "YAML_ALIAS",
        b'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
        b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n",
    ),
    "yaml-python-tag": ("YAML_TAG", b'bundle: !!python/object/apply:os.system ["touch pwned"]\n'),
    "yaml-duplicate-key": ("YAML_DUPLICATE_KEY", HEAD + HEAD + REST + b"evidence: []\n"),
    "yaml-bad-utf8": ("BAD_UTF8", HEAD + b'system: {name: "\xff\xfe"}\n'),
    "yaml-nan": ("YAML_NAN", HEAD + REST + b"evidence: []\nx: .nan\n"),
    "yaml-too-deep": ("YAML_TOO_DEEP", b"a: " + b"[" * 200 + b"]" * 200 + b"\n"),
    "path-traversal-in-manifest": (
        "PATH_TRAVERSAL",
        HEAD
        + REST
        + b'evidence:\n  - {id: x, kind: document, path: "../../etc/passwd", date: "2026-01-01"}\n',
    ),
}


@pytest.mark.parametrize("name", sorted(MANIFEST_CASES))
def test_hostile_manifest_is_rejected(tmp_path: Path, name: str) -> None:
    code, manifest = MANIFEST_CASES[name]
    root = working_bundle(tmp_path / "bundle", {"bundle.yaml": manifest})
    assert_rejected(Workspace(tmp_path).run("validate", root), code)
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    "ids",
    [
        ("hostile-test-\u0430", "notes"),  # Cyrillic a in the bundle id
        ("hostile-test-001", "n\u043ates"),  # Cyrillic o in an evidence id
        ("hostile-test-001", "notes\u200b"),  # zero-width space
    ],
)
def test_look_alike_ids_are_rejected(tmp_path: Path, ids: tuple[str, str]) -> None:
    bundle_id, evidence_id = ids
    manifest = (
        f'bundle: {{id: "{bundle_id}", organisation: "X", submitted: "2026-11-20"}}\n'
        f'system: {{name: "T"}}\nprofile: {{}}\n'
        f'evidence:\n  - {{id: "{evidence_id}", kind: document, path: docs/notes.md,'
        f' date: "2026-01-01"}}\n'
    ).encode()
    root = working_bundle(tmp_path / "bundle", {"bundle.yaml": manifest})
    outcome = Workspace(tmp_path).run("validate", root)
    assert outcome.code == 3 and outcome.error_code in ("ID_NOT_ASCII", "MANIFEST_INVALID"), (
        outcome.stderr
    )
    assert_budget(outcome)


EVIDENCE_CASES: dict[str, tuple[str, bytes]] = {
    "json-too-deep": ("JSON_TOO_DEEP", b"[" * 100_000 + b"]" * 100_000),
    "json-huge-number": (
        "NUMBER_TOO_LONG",
        b'{"name": "m", "features": [], "n": ' + b"9" * 200_000 + b"}",
    ),
    "json-nan": ("JSON_NAN", b'{"name": "m", "features": [], "n": NaN}'),
    "json-infinity": ("JSON_NAN", b'{"name": "m", "features": [], "n": -Infinity}'),
    "json-duplicate-key": ("JSON_DUPLICATE_KEY", b'{"name": "m", "name": "n", "features": []}'),
    "json-bad-utf8": ("BAD_UTF8", b'{"name": "\xc3\x28", "features": []}'),
}


@pytest.mark.parametrize("name", sorted(EVIDENCE_CASES))
def test_hostile_structured_evidence_is_reported(tmp_path: Path, name: str) -> None:
    code, content = EVIDENCE_CASES[name]
    root = working_bundle(
        tmp_path / "bundle", {"bundle.yaml": HEAD + REST + CARD_ENTRY, "model/card.json": content}
    )
    outcome = Workspace(tmp_path).run("validate", root)
    assert outcome.code == 1, (outcome.code, outcome.stderr)
    assert f"invalid evidence card (model-card, model/card.json): {code}" in outcome.stdout
    assert "Traceback" not in outcome.stderr
    assert_budget(outcome)


def test_over_long_csv_line_is_bounded(tmp_path: Path) -> None:
    duck = pytest.importorskip("normenkader.datasets.duck")
    from normenkader.errors import InputError

    path = tmp_path / "decisions.csv"
    path.write_bytes(b"a" * (8 << 20) + b",b\n1,2\n")
    tracemalloc.start()
    with pytest.raises(InputError) as caught:
        duck.csv_header(path, "utf-8", ",", duck.ScanLimits())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert caught.value.code == "DATASET_LINE_TOO_LONG"
    assert peak < 4 * duck.ScanLimits().max_line_bytes


def test_redos_pattern_in_a_schema_runs_in_linear_time(tmp_path: Path) -> None:
    """A catastrophic-backtracking pattern is harmless: jsonschema-rs's regex is linear.

    Runs in a child with a CPU limit: a backtracking engine would be killed, failing the test.
    """
    script = textwrap.dedent(
        """
        import resource
        resource.setrlimit(resource.RLIMIT_CPU, (20, 20))
        from normenkader.evidence.schemas import compile_schema, schema_errors
        validator = compile_schema({"type": "string", "pattern": "^(a+)+$"})
        errors = schema_errors(validator, "a" * 100_000 + "!")
        print(len(errors), errors[0].startswith("/: "))
        """
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["1", "True"]
