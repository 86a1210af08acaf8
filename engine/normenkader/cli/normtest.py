"""``normenkader test``: run the fixture tests next to the norm files."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "--coverage",
    is_flag=True,
    help="Also fail when a norm lacks a case where it holds or one where it does not.",
)
@click.option("-v", "--verbose", is_flag=True, help="List every case, not only failures.")
def test(path: Path | None, coverage: bool, verbose: bool) -> None:
    """Run norm fixture tests (*.test.yaml) under PATH (default: the shipped library)."""
    from ..normtest import run_tests
    from ..resources import norms_dir

    report = run_tests(path or norms_dir(), coverage=coverage)
    for result in report.results:
        if result.ok and not verbose:
            continue
        mark = "ok  " if result.ok else "FAIL"
        click.echo(f"{mark} {result.norm} :: {result.case}  [{result.actual}]")
        if not result.ok:
            click.echo(f"     {result.file}: expected {result.expected}: {result.detail}")
    for problem in report.coverage:
        click.echo(f"coverage: {problem}")
    summary = f"{report.passed} passed, {report.failed} failed"
    if report.checked_coverage:
        summary += f", {len(report.coverage)} coverage problem(s)"
    click.echo(summary)
    if not report.ok:
        sys.exit(1)
