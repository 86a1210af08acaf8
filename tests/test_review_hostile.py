"""The December 2026 hostile-input review, by class: each case gets its documented outcome.

Classes covered here (the others live beside their modules' tests):
* decision data whose declared values or weights could hide a disparity or crash the
  metrics (numeric ``selected.values``, weights that under- or overflow when squared);
* results read back (``diff``, ``--baseline``) that are malformed or of another system;
* outputs the operating system will not write (``/proc``, a name too long);
* evidence paths with empty or ``.`` components;
* zip local headers (zip64 included) that disagree with the central directory.
"""

from __future__ import annotations

import json
import shutil
import struct
import zipfile
from pathlib import Path

import pytest
from tests.conftest import AS_OF, EXAMPLES, run_cli


def _copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(EXAMPLES / name, target)
    return target


def _disc06(bundle: Path) -> tuple[int, dict[str, object]]:
    run = run_cli("check", bundle, "--only", "NK.DISC.06", "--as-of", AS_OF, "--format", "json")
    assert run.code in (1, 2), run.stderr
    findings = json.loads(run.stdout)["findings"]
    return run.code, next(f for f in findings if f["norm_id"] == "NK.DISC.06")


def _edit_manifest(bundle: Path, old: str, new: str) -> None:
    manifest = bundle / "bundle.yaml"
    text = manifest.read_text("utf-8")
    assert old in text
    manifest.write_text(text.replace(old, new), "utf-8")


@pytest.mark.parametrize("values", ["[1.0]", "[1]", '["1"]', '["1.0"]'])
def test_numeric_selected_values_select_the_same_rows(tmp_path: Path, values: str) -> None:
    """1.0 in the manifest and "1" in the CSV are one value: the disparity never hides."""
    bundle = _copy(tmp_path, "selectie-bias")
    _edit_manifest(bundle, "selected: flagged", f"selected: {{column: flagged, values: {values}}}")
    _, finding = _disc06(bundle)
    assert finding["status"] == "fail", finding["message"]


def test_boolean_selected_values_are_refused(tmp_path: Path) -> None:
    bundle = _copy(tmp_path, "selectie-bias")
    _edit_manifest(bundle, "selected: flagged", "selected: {column: flagged, values: [true]}")
    code, finding = _disc06(bundle)
    assert code == 2 and finding["status"] == "error"
    assert "flag" in finding["message"]["en"]


@pytest.mark.parametrize("weight", ["5e-324", "9.9e299", "1e-120"])
def test_weights_that_square_to_zero_or_infinity_are_invalid_rows(
    tmp_path: Path, weight: str
) -> None:
    bundle = _copy(tmp_path, "selectie-bias")
    csv = bundle / "data" / "decisions.csv"
    lines = csv.read_text("utf-8").splitlines()
    csv.write_text(
        "\n".join([lines[0] + ",w", *(line + "," + weight for line in lines[1:])]) + "\n", "utf-8"
    )
    _edit_manifest(bundle, "outcome: fraud_confirmed,", "outcome: fraud_confirmed, weight: w,")
    code, finding = _disc06(bundle)
    assert code == 2 and finding["status"] == "error"
    assert "weight" in finding["message"]["en"]


def test_usable_weights_keep_the_verdict(tmp_path: Path) -> None:
    bundle = _copy(tmp_path, "selectie-bias")
    csv = bundle / "data" / "decisions.csv"
    lines = csv.read_text("utf-8").splitlines()
    csv.write_text("\n".join([lines[0] + ",w", *(x + ",1.5" for x in lines[1:])]) + "\n", "utf-8")
    _edit_manifest(bundle, "outcome: fraud_confirmed,", "outcome: fraud_confirmed, weight: w,")
    _, finding = _disc06(bundle)
    assert finding["status"] == "fail"


@pytest.fixture(scope="module")
def compliant_result(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("result") / "compliant.json"
    bundle = EXAMPLES / "compliant"
    run = run_cli("check", bundle, "--as-of", AS_OF, "--format", "json", "-o", out)
    assert run.code in (0, 1), run.stderr
    return out


@pytest.mark.parametrize(
    "broken",
    [
        {"findings": [], "summary": "x", "bundle": 5, "as_of": {"a": 1}},
        {"findings": [{"norm_id": "NK.X.01", "status": "fail"}], "bundle": {}, "as_of": "x"},
        {"findings": [1], "bundle": {"id": "b", "digest": "d"}, "as_of": "x", "norm_set": {}},
        {
            "findings": [{"norm_id": "NK.X.01", "status": "sort-of"}],
            "bundle": {"id": "b", "digest": "d"},
            "as_of": "x",
            "norm_set": {},
        },
        {
            "findings": [{"norm_id": "NK.X.01", "status": "fail", "title": "t"}],
            "bundle": {"id": "b", "digest": "d"},
            "as_of": "x",
            "norm_set": {},
        },
    ],
)
def test_malformed_results_are_refused_by_diff_and_baseline(
    tmp_path: Path, compliant_result: Path, broken: dict[str, object]
) -> None:
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"format": "normenkader-result/1", **broken}), "utf-8")
    for run in (
        run_cli("diff", old, compliant_result, "--format", "json"),
        run_cli("check", EXAMPLES / "compliant", "--as-of", AS_OF, "--baseline", old),
    ):
        assert run.code == 3, run.stderr
        assert run.stderr.startswith("error RESULT_INVALID: ")
        assert "Traceback" not in run.stderr and len(run.stderr.splitlines()) == 1


def test_a_baseline_of_another_system_is_refused(tmp_path: Path, compliant_result: Path) -> None:
    run = run_cli("check", EXAMPLES / "toeslagen", "--as-of", AS_OF, "--baseline", compliant_result)
    assert run.code == 3
    assert run.stderr.startswith("error BASELINE_OTHER_SYSTEM: ")
    other = tmp_path / "toeslagen.json"
    run_cli("check", EXAMPLES / "toeslagen", "--as-of", AS_OF, "--format", "json", "-o", other)
    compared = run_cli("diff", compliant_result, other, "--format", "json")
    assert compared.code in (0, 1)
    assert "different systems" in compared.stderr or "other systems" in compared.stderr
    assert json.loads(compared.stdout)["other_system"]


@pytest.mark.parametrize("output", ["/proc/self/report.json", "d/" + "r" * 300 + ".json"])
def test_outputs_the_system_refuses_are_output_invalid(tmp_path: Path, output: str) -> None:
    (tmp_path / "d").mkdir()
    run = run_cli("check", EXAMPLES / "compliant", "--as-of", AS_OF, "-o", output, cwd=tmp_path)
    assert run.code == 3, run.stderr
    assert run.stderr.startswith("error OUTPUT_INVALID: ")
    assert list((tmp_path / "d").iterdir()) == []


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("model//model_card.yaml", "PATH_INVALID"),
        ("./model/model_card.yaml", "PATH_INVALID"),
        ("model/./model_card.yaml", "PATH_INVALID"),
        ("model/../model/model_card.yaml", "PATH_TRAVERSAL"),
    ],
)
def test_evidence_paths_have_one_spelling(tmp_path: Path, path: str, code: str) -> None:
    bundle = _copy(tmp_path, "compliant")
    _edit_manifest(bundle, "path: model/model_card.yaml", f"path: {path}")
    run = run_cli("validate", bundle)
    assert run.code == 3
    assert run.stderr.startswith(f"error {code}: ")


def _zip64(source: Path, target: Path) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(source.rglob("*")):
            if file.is_file():
                name = f"{source.name}/{file.relative_to(source).as_posix()}"
                with archive.open(name, "w", force_zip64=True) as handle:
                    handle.write(file.read_bytes())


def _patch_local_zip64_sizes(archive: Path, size: int) -> int:
    data = bytearray(archive.read_bytes())
    patched = 0
    start = data.find(b"PK\x03\x04")
    while start >= 0:
        name_len, extra_len = struct.unpack_from("<HH", data, start + 26)
        cursor = start + 30 + name_len
        end = cursor + extra_len
        while cursor + 4 <= end:
            tag, length = struct.unpack_from("<HH", data, cursor)
            if tag == 0x0001:
                struct.pack_into("<Q", data, cursor + 4, size)
                patched += 1
            cursor += 4 + length
        start = data.find(b"PK\x03\x04", start + 4)
    archive.write_bytes(bytes(data))
    return patched


def test_zip64_local_headers_must_agree_with_the_directory(tmp_path: Path) -> None:
    archive = tmp_path / "bundle.zip"
    _zip64(EXAMPLES / "compliant", archive)
    assert run_cli("validate", archive).code == 0
    assert _patch_local_zip64_sizes(archive, 1 << 62) > 0
    run = run_cli("validate", archive)
    assert run.code == 3
    assert run.stderr.startswith("error ZIP_CORRUPT: ")
    assert "local header" in run.stderr


def test_keygen_where_nothing_can_be_written_is_output_invalid(tmp_path: Path) -> None:
    run = run_cli("keygen", "/proc/self/nokey", cwd=tmp_path)
    assert run.code == 3, run.stderr
    assert run.stderr.startswith("error OUTPUT_INVALID: ")
