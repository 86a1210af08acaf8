"""``normenkader test``: run the fixture tests next to the norm files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..messages import text
from .lang import lang_option


@click.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "--coverage",
    is_flag=True,
    help="Also fail when a norm lacks a case where it holds or one where it does not.",
)
@click.option("-v", "--verbose", is_flag=True, help="List every case, not only failures.")
@lang_option
def test(path: Path | None, coverage: bool, verbose: bool, lang: str) -> None:
    """Run norm fixture tests (*.test.yaml) under PATH (default: the shipped library)."""
    from ..normtest import run_tests
    from ..resources import norms_dir

    report = run_tests(path or norms_dir(), coverage=coverage)
    for result in report.results:
        if result.ok and not verbose:
            continue
        mark = text("test.ok" if result.ok else "test.fail", lang)
        click.echo(f"{mark} {result.norm} :: {result.case}  [{result.actual}]")
        if not result.ok:
            expected = text(
                "test.expected",
                lang,
                file=result.file,
                expected=result.expected,
                detail=result.detail,
            )
            click.echo(f"     {expected}")
    for problem in report.coverage:
        click.echo(text("test.coverage", lang, problem=problem))
    summary = text("test.summary", lang, passed=report.passed, failed=report.failed)
    if report.checked_coverage:
        summary += text("test.coverage_summary", lang, count=len(report.coverage))
    click.echo(summary)
    if not report.ok:
        sys.exit(1)
