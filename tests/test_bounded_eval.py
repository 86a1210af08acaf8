"""Bounded evaluation: a norm's expressions never hang a run, never flood a report, and an
interrupted run leaves no staging folder behind (security review; docs/semantics.md,
"Evaluation budget")."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import AS_OF, edit_yaml, run_cli
from normenkader.budget import COST_BUDGET, BudgetExceeded, estimate, evaluate, tree
from normenkader.celsyntax import parse
from normenkader.expressions import Expression, make_context

LIST_2000 = "[" + ",".join(str(i) for i in range(2000)) + "]"

NORM = """\
id: TST.E.01
title: {{nl: "Begrensd", en: "Bounded"}}
description: {{nl: "Testnorm.", en: "Test norm."}}
severity: major
derived_from:
  - {{catalogue: algoritmekader, id: "urn:nl:ak:ver:grw-02", version: v2.5.1, strength: full}}
evidence:
  model_card: {{kind: model-card}}
checks:
  - kind: expr
    expr: '{expr}'
{witness}"""


def _norm(norms: Path, expr: str, witness: str | None = None) -> None:
    line = f"    witness: '{witness}'\n" if witness else ""
    (norms / "TST.E.01.yaml").write_text(NORM.format(expr=expr, witness=line), "utf-8")


def _check(bundle: Path, norms: Path, timeout: float = 120) -> dict[str, dict]:  # type: ignore[type-arg]
    started = time.monotonic()
    run = run_cli(
        "check", bundle, "--norms", norms, "--as-of", AS_OF, "--format", "json", timeout=timeout
    )
    assert run.code in (0, 1, 2), run.stderr
    assert time.monotonic() - started < timeout
    return {f["norm_id"]: f for f in json.loads(run.stdout)["findings"]}


def test_the_security_reviews_witness_is_an_error_not_a_hang(bundle: Path, norms: Path) -> None:
    """``expr: false`` with a witness of 2000 x 2000 products: refused before it runs."""
    _norm(norms, "false", f"{LIST_2000}.map(a, {LIST_2000}.map(b, a * b))")
    started = time.monotonic()
    found = _check(bundle, norms, timeout=60)
    elapsed = time.monotonic() - started
    finding = found["TST.E.01"]
    assert (finding["status"], finding["reason"]) == ("error", "evaluation_budget_exceeded")
    assert finding["checks"][0]["values"] == {"error": "evaluation_budget_exceeded"}
    assert "budget" in finding["message"]["en"]
    assert elapsed < 30  # a few seconds of start-up on a loaded machine; unbounded: minutes


def test_cost_depends_on_the_inputs_size(bundle: Path, norms: Path) -> None:
    expr = (
        "model_card.features.all(a, model_card.features.all(b, model_card.features.all(c, true)))"
    )
    _norm(norms, expr)
    assert _check(bundle, norms)["TST.E.01"]["status"] == "pass"  # two features: 8 steps
    many = [{"name": f"f{i}", "protected_ground": "none"} for i in range(400)]
    edit_yaml(bundle / "model" / "model_card.yaml", lambda d: d.update(features=many))
    finding = _check(bundle, norms)["TST.E.01"]
    assert finding["reason"] == "evaluation_budget_exceeded"  # 400^3 = 64 million steps


def test_a_linear_expression_over_a_large_input_is_not_refused(bundle: Path, norms: Path) -> None:
    # the largest list an evidence item may hold (evidence limits: 2,000 items)
    many = [{"name": f"f{i}", "protected_ground": "none"} for i in range(1999)]
    edit_yaml(bundle / "model" / "model_card.yaml", lambda d: d.update(features=many))
    _norm(norms, 'model_card.features.all(f, f.protected_ground == "none" && f.name != "")')
    assert _check(bundle, norms)["TST.E.01"]["status"] == "pass"


def test_a_witness_larger_than_the_output_budget_is_an_error(bundle: Path, norms: Path) -> None:
    many = [
        {"name": f"feature_{i:06d}_" + "x" * 150, "protected_ground": "age"} for i in range(1999)
    ]
    edit_yaml(bundle / "model" / "model_card.yaml", lambda d: d.update(features=many))
    _norm(norms, "false", "model_card.features")
    finding = _check(bundle, norms)["TST.E.01"]
    assert (finding["status"], finding["reason"]) == ("error", "evaluation_budget_exceeded")
    assert "recorded values" in finding["message"]["en"]


def test_the_estimate_bounds_the_real_work() -> None:
    """The static bound is above what the engine does, for the shapes norms use."""
    cases = {
        "xs.all(x, x > 0)": 100,
        "xs.map(x, xs.filter(y, y < x).size())": 100,
        "xs.exists(x, ys.exists(y, x == y))": 100,
    }
    for source, n in cases.items():
        bound = estimate(parse(source), {"xs": list(range(n)), "ys": list(range(n))})
        assert bound.steps >= n, source
    nested = estimate(parse(f"{LIST_2000}.map(a, {LIST_2000}.map(b, a * b))"), {})
    assert nested.steps > 4_000_000 > COST_BUDGET


def test_an_expression_without_a_static_bound_runs_in_a_child() -> None:
    """``.5`` is valid CEL the analysis parser does not read: no static bound, so the
    expression runs in a forked child that is killed after the time budget."""
    assert tree(".5 + 1.0 > 1.0") is None
    assert evaluate(Expression(".5 + 1.0 > 1.0"), {}, lambda: make_context({})) is True
    items = "[" + ",".join(str(i) for i in range(700)) + "]"
    slow = Expression(f"{items}.map(a, {items}.map(b, a * b)) == [] || .5 > 1.0")
    started = time.monotonic()
    with pytest.raises(BudgetExceeded):
        evaluate(slow, {}, lambda: make_context({}))
    assert time.monotonic() - started < 20


def test_lint_refuses_cel_the_analysis_cannot_read(norms: Path) -> None:
    _norm(norms, ".5 > 0.1")
    run = run_cli("lint", norms)
    assert run.code == 3
    assert "outside the subset" in run.stdout + run.stderr


def test_sigterm_removes_the_staging_folder(bundle: Path, tmp_path: Path) -> None:
    """A check interrupted while it stages a large bundle leaves TMPDIR as it found it."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    big = bundle / "docs" / "big.bin"
    with big.open("wb") as handle:  # sparse: no disk used, but slow to read and hash
        handle.truncate(1500 * 1024 * 1024)
    edit_yaml(
        bundle / "bundle.yaml",
        lambda d: d["evidence"].append(
            {"id": "big", "kind": "document", "path": "docs/big.bin", "date": "2026-01-01"}
        ),
    )
    from conftest import ENGINE_NORMS

    env = dict(os.environ, TMPDIR=str(scratch), NORMENKADER_NO_CACHE="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "normenkader", "check", str(bundle), "--norms", str(ENGINE_NORMS),
         "--as-of", AS_OF],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not any(scratch.iterdir()) and time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail("the run ended before its staging folder appeared")
            time.sleep(0.01)
        assert any(scratch.iterdir()), "no staging folder appeared"
        time.sleep(0.2)
        assert process.poll() is None, "the run ended before the signal"
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert b"Traceback" not in stderr
    assert list(scratch.iterdir()) == []


def test_applies_if_is_bounded_and_its_facts_come_from_the_tree(bundle: Path, norms: Path) -> None:
    _norm(norms, "true")
    text = (norms / "TST.E.01.yaml").read_text("utf-8")
    costly = f"size({LIST_2000}.map(a, {LIST_2000}.map(b, a * b))) > 0"
    (norms / "TST.E.01.yaml").write_text(
        text.replace("severity: major\n", f"severity: major\napplies_if: '{costly}'\n"), "utf-8"
    )
    finding = _check(bundle, norms, timeout=60)["TST.E.01"]
    assert (finding["status"], finding["reason"]) == ("error", "evaluation_budget_exceeded")
    quoted = 'profile.processes_personal_data && "profile.secret" != ""'
    (norms / "TST.E.01.yaml").write_text(
        text.replace("severity: major\n", f"severity: major\napplies_if: '{quoted}'\n"), "utf-8"
    )
    finding = _check(bundle, norms)["TST.E.01"]
    assert finding["status"] == "pass"
    assert finding["facts"] == {"profile.processes_personal_data": True}


def test_a_degenerate_expression_is_refused_not_a_crash(norms: Path) -> None:
    """3,000 chained operators compile in CEL; analysing them must not exhaust the stack."""
    _norm(norms, " + ".join(["1"] * 3000) + " > 0")
    run = run_cli("lint", norms)
    assert run.code == 3, run.stderr
    assert "nested deeper than" in run.stdout + run.stderr
    assert "Traceback" not in run.stderr


def test_cached_syntax_trees_are_the_parsed_ones() -> None:
    """The local cache keeps each expression's tree as data (budget.load_trees): for every
    expression of the shipped library the stored form decodes to the same tree, and the
    same cost bound, as parsing it afresh."""
    from normenkader.celsyntax import from_data, to_data
    from normenkader.norms.compiled import load_norm_set

    sources = set()
    for norm in load_norm_set(None, None).norms.values():
        sources.update(norm.expression_sources())
        if norm.applies_if:
            sources.add(norm.applies_if)
    parsed = {s: parse(s) for s in sources}
    assert len(parsed) > 100
    variables = {"model_card": {"features": [{"name": "x"}] * 50}, "profile": {"a": True}}
    for source, node in parsed.items():
        data = json.loads(json.dumps(to_data(node)))  # through JSON, as the cache stores it
        again = from_data(data)
        assert to_data(again) == to_data(node), source
        assert estimate(again, variables) == estimate(node, variables), source
