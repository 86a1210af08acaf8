"""``normenkader coverage`` and ``normenkader import-catalogue``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from . import format_option, norm_paths_option
from .lang import lang_option


@click.command()
@click.option(
    "--catalogue",
    "catalogue_ids",
    multiple=True,
    metavar="ID[@VERSION]",
    help="Catalogue to report (repeatable); default: every catalogue with requirements "
    "or controls.",
)
@format_option("terminal", "json")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write here, not stdout.")
@lang_option
@norm_paths_option()
@click.option(
    "--catalogue-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Catalogue folder; default: the shipped catalogues.",
)
@click.option("--all", "show_all", is_flag=True, help="Also list covered items in the table.")
def coverage(
    catalogue_ids: tuple[str, ...],
    fmt: str,
    output: Path | None,
    lang: str,
    norm_paths: tuple[Path, ...],
    catalogue_dir: Path | None,
    show_all: bool,
) -> None:
    """Which catalogue items the norms cover, which are judgement-only or not covered (with
    the reason), and which are silently uncovered (exit 1)."""
    from ..catalogue.citations import norm_index
    from ..catalogue.coverage import compute, load_exceptions
    from ..catalogue.model import ROLLUP_TYPES, display_key, load_catalogues, select
    from ..catalogue.render import coverage_table
    from ..catalogue.rollup import load_rules, rule_problems

    catalogues = load_catalogues(catalogue_dir)
    if catalogue_ids:
        selected = [c for spec in catalogue_ids for c in select(catalogues, spec)]
    else:
        selected = [
            c for c in catalogues.values() if any(i.type in ROLLUP_TYPES for i in c.items.values())
        ]
    selected.sort(key=display_key)
    norms, notices = norm_index(list(norm_paths) or None)
    exceptions = load_exceptions(catalogue_dir / "judgement-only.yaml" if catalogue_dir else None)
    report = compute(selected, catalogues, norms, exceptions, lang)
    report.notices.extend(notices)
    rules = load_rules(catalogue_dir / "rollups.yaml" if catalogue_dir else None)
    report.rule_problems = rule_problems(rules, catalogues, norms)
    if fmt == "json":
        text = json.dumps(report.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    else:
        text = coverage_table(report, lang, show_all)
    if output:
        from ..atomic import write_atomic

        write_atomic(output, text, public=True)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
    raise SystemExit(0 if report.complete else 1)


@click.command("import-catalogue")
@click.argument("source_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--write",
    is_flag=True,
    help="Write the id/link part into the catalogue folder (our titles and notes are kept).",
)
@click.option(
    "--form",
    type=click.Choice(["auto", "algoritmekader", "task-registry"]),
    default="auto",
    show_default=True,
    help="Upstream form of SOURCE_DIR.",
)
@click.option("--version", "version", help="Upstream version, when SOURCE.txt does not say.")
@click.option(
    "--catalogue-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Catalogue folder to compare with and write to; default: the shipped one.",
)
@format_option("terminal", "json")
@click.option("--check", is_flag=True, help="Exit 1 when the upstream differs from the catalogue.")
def import_catalogue(
    source_dir: Path,
    write: bool,
    form: str,
    version: str | None,
    catalogue_dir: Path | None,
    fmt: str,
    check: bool,
) -> None:
    """Read upstream Algoritmekader data (pages with front matter, or task-registry YAML)
    from SOURCE_DIR and report what changed against the committed catalogues."""
    from ..catalogue import importer
    from ..catalogue.model import catalogues_dir, load_catalogues
    from ..catalogue.render import import_text
    from ..catalogue.upstream import read_snapshot

    folder = catalogue_dir or catalogues_dir()
    committed = load_catalogues(folder) if folder.is_dir() else {}
    snapshot = read_snapshot(source_dir, form, version)
    report = importer.compare(snapshot, committed)
    if write:
        importer.write(snapshot, committed, folder, report)
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), indent=2, sort_keys=True, ensure_ascii=False))
    else:
        click.echo(import_text(report), nl=False)
    raise SystemExit(1 if check and not report.identical else 0)
