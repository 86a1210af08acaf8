"""Norm fixture tests (``normenkader test``), in the manner of ``opa test``.

Next to each norm file ``NK.X.NN.yaml`` lies ``NK.X.NN.test.yaml``: a list of cases, each a
small mutation of one good base bundle (``base``, a folder relative to the library root
``norms/``) with the status (and optionally the reason and witness values) the norm must
then report. A case is materialised in a temporary folder::

    copy base  ->  drop_evidence  ->  add_evidence  ->  manifest (JSON merge patch)  ->  files

and evaluated for that norm ONLY, with its prerequisites taken as passed (the engine's
``isolated`` option), so a test shows what the norm itself decides.

``--coverage`` asks more: every norm in scope has at least one case where it holds (pass;
``review`` for a norm that always needs a judgement) and one where it does not.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import InputError
from .results import Status
from .yamlio import Document, loads_yaml

DEFAULT_AS_OF = date(2026, 11, 29)
TEST_SUFFIX = ".test.yaml"
_CASE_KEYS = {"name", "files", "manifest", "add_evidence", "drop_evidence", "expect", "as_of"}
_FILE_KEYS = {"norm", "base", "as_of", "cases"}
_EXPECT_KEYS = {"status", "reason", "witness"}
_STATUSES = {status.value for status in Status}


@dataclass(frozen=True)
class Case:
    name: str
    where: str
    expect_status: str
    expect_reason: str | None = None
    expect_witness: tuple[Any, ...] = ()
    files: dict[str, Any] = field(default_factory=dict)
    manifest: dict[str, Any] | None = None
    add_evidence: tuple[dict[str, Any], ...] = ()
    drop_evidence: tuple[str, ...] = ()
    as_of: date | None = None


@dataclass(frozen=True)
class TestFile:
    path: Path
    norm: str
    base: Path
    as_of: date
    cases: tuple[Case, ...]


@dataclass(frozen=True)
class CaseResult:
    file: str
    norm: str
    case: str
    ok: bool
    expected: str
    actual: str
    detail: str = ""


@dataclass
class TestReport:
    results: list[CaseResult]
    coverage: list[str] = field(default_factory=list)  # coverage problems, one line each
    checked_coverage: bool = False

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.ok)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if not r.ok)

    @property
    def ok(self) -> bool:
        return self.failed == 0 and not self.coverage


# --- finding and parsing test files ------------------------------------------------------


def library_root(path: Path) -> Path:
    """The library root for a path: the nearest folder (itself or above) holding ``nk/``."""
    current = path.resolve()
    if current.is_file():
        current = current.parent
    for candidate in (current, *current.parents):
        if (candidate / "nk").is_dir():
            return candidate
    raise InputError(
        "NORMTEST_NO_LIBRARY", "no norm library (a folder with nk/) at or above", str(path)
    )


def find_test_files(path: Path) -> list[Path]:
    """Test files under ``path`` (a folder, a test file, or a norm file with a test beside it)."""
    if path.is_file():
        if path.name.endswith(TEST_SUFFIX):
            return [path]
        sibling = path.with_name(path.name.removesuffix(".yaml") + TEST_SUFFIX)
        return [sibling] if sibling.is_file() else []
    if not path.is_dir():
        raise InputError("NORMTEST_PATH", "no such file or folder", str(path))
    return sorted(
        p for p in path.rglob("*" + TEST_SUFFIX) if "fixtures" not in p.relative_to(path).parts[:-1]
    )


def _date(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError("NORMTEST_INVALID", f"{value!r} is not a date YYYY-MM-DD", where) from None


def _relpath(value: Any, where: str) -> str:
    text = str(value)
    parts = PurePosixPath(text).parts
    if not parts or text.startswith("/") or "\\" in text or any(p in ("..", ".") for p in parts):
        raise InputError(
            "NORMTEST_INVALID", f"{text!r} must be a relative path inside the bundle", where
        )
    return "/".join(parts)


def load_test_file(path: Path, root: Path) -> TestFile:
    """Parse and check one test file (raises InputError NORMTEST_INVALID with file:line:col)."""
    document = loads_yaml(path.read_bytes(), str(path))
    data = document.value

    def bad(pointer: str, message: str) -> InputError:
        return InputError("NORMTEST_INVALID", message, document.where(pointer))

    if not isinstance(data, dict):
        raise bad("", "a norm test file must be a mapping")
    unknown = sorted(set(data) - _FILE_KEYS)
    if unknown:
        raise bad(f"/{unknown[0]}", f"unknown key {unknown[0]!r} (allowed: {sorted(_FILE_KEYS)})")
    norm = data.get("norm")
    if not isinstance(norm, str):
        raise bad("/norm", "'norm' (the norm id under test) is required")
    expected_name = norm + TEST_SUFFIX
    if path.name != expected_name:
        raise bad("/norm", f"the test file for {norm} must be named {expected_name}")
    base_text = data.get("base")
    if not isinstance(base_text, str):
        raise bad("/base", "'base' (a bundle folder relative to the library root) is required")
    base = (root / _relpath(base_text, document.where("/base"))).resolve()
    if not (base / "bundle.yaml").is_file():
        raise bad("/base", f"{base_text!r} is not a bundle folder (no bundle.yaml under {root})")
    as_of = _date(data["as_of"], document.where("/as_of")) if "as_of" in data else DEFAULT_AS_OF
    raw_cases = data.get("cases")
    if not isinstance(raw_cases, list) or not raw_cases:
        raise bad("/cases", "'cases' must be a non-empty list")
    cases = tuple(_case(document, index, raw) for index, raw in enumerate(raw_cases))
    names = [case.name for case in cases]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise bad("/cases", f"case name {duplicates[0]!r} is used twice")
    return TestFile(path=path, norm=norm, base=base, as_of=as_of, cases=cases)


def _case(document: Document, index: int, raw: Any) -> Case:
    pointer = f"/cases/{index}"
    where = document.where(pointer)

    def bad(sub: str, message: str) -> InputError:
        return InputError("NORMTEST_INVALID", message, document.where(pointer + sub))

    if not isinstance(raw, dict):
        raise bad("", "a case must be a mapping")
    unknown = sorted(set(raw) - _CASE_KEYS)
    if unknown:
        raise bad(f"/{unknown[0]}", f"unknown key {unknown[0]!r} (allowed: {sorted(_CASE_KEYS)})")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise bad("/name", "every case needs a name")
    expect = raw.get("expect")
    if not isinstance(expect, dict) or set(expect) - _EXPECT_KEYS or "status" not in expect:
        raise bad("/expect", "expect takes status (required), reason and witness")
    if expect["status"] not in _STATUSES:
        raise bad("/expect/status", f"unknown status {expect['status']!r}")
    reason = expect.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise bad("/expect/reason", "reason must be a string")
    witness = expect.get("witness", [])
    if not isinstance(witness, list):
        raise bad("/expect/witness", "witness must be a list of values")
    files = raw.get("files") or {}
    if not isinstance(files, dict):
        raise bad("/files", "files maps relative paths to content (null deletes)")
    checked_files = {
        _relpath(rel, document.where(f"{pointer}/files")): content for rel, content in files.items()
    }
    manifest = raw.get("manifest")
    if manifest is not None and not isinstance(manifest, dict):
        raise bad("/manifest", "manifest must be a JSON merge patch (a mapping)")
    add = raw.get("add_evidence") or []
    if not isinstance(add, list) or not all(isinstance(e, dict) for e in add):
        raise bad("/add_evidence", "add_evidence must be a list of manifest entries")
    drop = raw.get("drop_evidence") or []
    if not isinstance(drop, list) or not all(isinstance(e, str) for e in drop):
        raise bad("/drop_evidence", "drop_evidence must be a list of evidence ids")
    as_of = _date(raw["as_of"], document.where(pointer + "/as_of")) if "as_of" in raw else None
    return Case(
        name=name,
        where=where,
        expect_status=expect["status"],
        expect_reason=reason,
        expect_witness=tuple(witness),
        files=checked_files,
        manifest=manifest,
        add_evidence=tuple(add),
        drop_evidence=tuple(drop),
        as_of=as_of,
    )


# --- materialising a case ----------------------------------------------------------------


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _dump_yaml(value: Any) -> str:
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(
        value, Dumper=dumper, sort_keys=False, allow_unicode=True, default_flow_style=False
    )


def materialise(
    base: Path, case: Case, dest: Path, keep_kinds: frozenset[str] | None = None
) -> Path:
    """Write the case's bundle into ``dest`` (which must not exist) and return it.

    With ``keep_kinds``, manifest entries of other kinds are left out after all mutations
    and only the files the remaining entries name are copied: the norm under test cannot
    see the rest, and not copying and parsing it keeps a case fast.
    """
    manifest = loads_yaml((base / "bundle.yaml").read_bytes(), str(base / "bundle.yaml")).value
    evidence = list(manifest.get("evidence") or [])
    dropped = set(case.drop_evidence)
    unknown = dropped - {e.get("id") for e in evidence}
    if unknown:
        raise InputError(
            "NORMTEST_INVALID",
            f"drop_evidence names unknown evidence {sorted(unknown)[0]!r}",
            case.where,
        )
    kept = [e for e in evidence if e.get("id") not in dropped]
    manifest["evidence"] = kept + [dict(e) for e in case.add_evidence]
    if case.manifest is not None:
        manifest = merge_patch(manifest, case.manifest)
    final = manifest.get("evidence") if isinstance(manifest.get("evidence"), list) else []
    if keep_kinds is not None:
        final = [e for e in final if not isinstance(e, dict) or e.get("kind") in keep_kinds]
        manifest["evidence"] = final
    used = {str(e.get("path")) for e in final if isinstance(e, dict)}
    if keep_kinds is None:
        removed = {str(e.get("path")) for e in evidence if e.get("id") in dropped} - used
        shutil.copytree(base, dest, symlinks=False, ignore=_ignore_paths(base, removed))
    else:
        dest.mkdir(parents=True)
        for rel in sorted(used):
            source = base / rel
            if "\\" in rel or ".." in PurePosixPath(rel).parts or not source.is_file():
                continue
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest / rel)
    (dest / "bundle.yaml").write_text(_dump_yaml(manifest), "utf-8")
    for rel, content in case.files.items():
        target = dest / rel
        if content is None:
            if target.is_file():
                target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            target.write_text(content, "utf-8")
        else:
            target.write_text(_dump_yaml(content), "utf-8")
    return dest


def _ignore_paths(base: Path, removed: set[str]) -> Any:
    """A copytree ignore function that leaves out the given bundle-relative paths."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        relative = Path(folder).resolve().relative_to(base.resolve())
        return {n for n in names if (relative / n).as_posix() in removed}

    return ignore


# --- running ---------------------------------------------------------------------------


def _flatten(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return [leaf for item in value for leaf in _flatten(item)]
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _flatten(item)]
    return [value]


def run_case(norm_set: Any, test: TestFile, case: Case, workdir: Path) -> CaseResult:
    """Materialise and evaluate one case; never raises for a broken case (it fails)."""
    from .engine import Options, evaluate
    from .evidence.bundle import open_bundle

    expected = case.expect_status + (f"/{case.expect_reason}" if case.expect_reason else "")
    label = str(test.path)
    norm = norm_set.norms.get(test.norm)
    if norm is None:
        return CaseResult(
            label, test.norm, case.name, False, expected, "-", f"norm {test.norm} not found"
        )
    single = replace(norm_set, norms={test.norm: norm})
    try:
        kinds = frozenset(spec.kind for spec in norm.evidence.values())
        bundle_dir = materialise(test.base, case, workdir / "bundle", kinds)
        stage_dir = workdir / "stage"
        stage_dir.mkdir(mode=0o700)
        bundle = open_bundle(bundle_dir, workdir=stage_dir)
    except InputError as exc:
        return CaseResult(label, test.norm, case.name, False, expected, "rejected", exc.line())
    options = Options(as_of=case.as_of or test.as_of, isolated=frozenset({test.norm}))
    result = evaluate(single, bundle, options)
    finding = next(f for f in result.findings if f.norm_id == test.norm)
    actual = f"{finding.status.value}/{finding.reason.value}"
    problems: list[str] = []
    if finding.status.value != case.expect_status:
        problems.append(f"status {finding.status.value}, expected {case.expect_status}")
    if case.expect_reason and finding.reason.value != case.expect_reason:
        problems.append(f"reason {finding.reason.value}, expected {case.expect_reason}")
    if case.expect_witness:
        seen = _flatten([c.values.get("offending") for c in finding.checks])
        absent = [w for w in case.expect_witness if w not in seen]
        if absent:
            problems.append(f"witness lacks {absent} (got {seen})")
    detail = "; ".join(problems)
    if problems:
        detail += f" | message: {finding.message.get('en', '')}"
    return CaseResult(label, test.norm, case.name, not problems, expected, actual, detail)


def _holds(status: str, review: bool) -> bool:
    return status == Status.PASS.value or (review and status == Status.REVIEW.value)


def _does_not_hold(status: str, review: bool) -> bool:
    if status in (Status.PASS.value, Status.NOT_APPLICABLE.value, Status.WAIVED.value):
        return False
    return not (review and status == Status.REVIEW.value)


def run_tests(path: Path, coverage: bool = False) -> TestReport:
    """Run every norm test under ``path`` against the library that contains it."""
    from .norms.compiled import load_norm_set

    root = library_root(path)
    files = find_test_files(path)
    if not files and not coverage:
        raise InputError("NORMTEST_NONE", "no norm test files (*.test.yaml) found", str(path))
    norm_set = load_norm_set([root / "nk"])
    tests = [load_test_file(file, root) for file in files]
    results: list[CaseResult] = []
    with tempfile.TemporaryDirectory(prefix="normenkader-test-") as tmp:
        for t_index, test in enumerate(tests):
            for c_index, case in enumerate(test.cases):
                workdir = Path(tmp) / f"{t_index}-{c_index}"
                workdir.mkdir()
                results.append(run_case(norm_set, test, case, workdir))
                shutil.rmtree(workdir, ignore_errors=True)
    report = TestReport(results=results, checked_coverage=coverage)
    if coverage:
        report.coverage = coverage_problems(norm_set, tests, results, path)
    return report


def coverage_problems(
    norm_set: Any, tests: list[TestFile], results: list[CaseResult], path: Path
) -> list[str]:
    """Norms in scope without a passing case that holds and one that does not."""
    scope = path.resolve()
    by_norm: dict[str, list[str]] = {}
    for test in tests:
        for case in test.cases:
            ok = any(r.ok and r.norm == test.norm and r.case == case.name for r in results)
            if ok:
                by_norm.setdefault(test.norm, []).append(case.expect_status)
    problems: list[str] = []
    for norm_id, norm in sorted(norm_set.norms.items()):
        source = Path(norm.source).resolve() if norm.source else None
        if source is None or not (source == scope or scope in source.parents):
            continue
        statuses = by_norm.get(norm_id, [])
        if not any(_holds(s, norm.review) for s in statuses):
            problems.append(f"{norm_id}: no passing case where the norm holds")
        if not any(_does_not_hold(s, norm.review) for s in statuses):
            problems.append(f"{norm_id}: no passing case where the norm does not hold")
    return problems
