"""Commands about the norm library: lint, graph, explain, schema (norm files or an evidence
kind)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import InputError
from ..messages import text as message
from . import format_option, norm_paths_option
from .lang import lang_option


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@lang_option
def lint(paths: tuple[Path, ...], lang: str) -> None:
    """Validate norm files (default: the shipped library); problems as file:line:col."""
    from ..norms.lint import lint as run_lint

    count, problems = run_lint(list(paths) or None)
    for problem in problems:
        click.echo(problem)
    if problems:
        click.echo(message("lint.problems", lang, problems=len(problems), files=count), err=True)
        sys.exit(3)
    click.echo(message("lint.ok", lang, files=count))


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["dot", "mermaid", "json"]),
    default="dot",
    show_default=True,
    help="dot (Graphviz, one cluster per set), mermaid or json.",
)
@click.option(
    "--profile", default=None, help="Only the norms of this profile (name or file; default: full)."
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write here, not stdout.")
@lang_option
@norm_paths_option()
def graph(
    fmt: str, profile: str | None, output: Path | None, lang: str, norm_paths: tuple[Path, ...]
) -> None:
    """Print the dependency graph of the norms (prerequisite -> dependant)."""
    from ..norms import graph as graphs
    from ..norms.compiled import load_norm_set

    norm_set = load_norm_set(list(norm_paths) or None, profile)
    writer = {"dot": graphs.to_dot, "mermaid": graphs.to_mermaid, "json": graphs.to_json}[fmt]
    _emit(writer(norm_set, lang), output)


def _emit(text: str, output: Path | None) -> None:
    if output:
        from ..atomic import write_atomic

        write_atomic(output, text, public=True)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


def find_norm(norms: dict[str, Any], norm_id: str) -> str:
    """The id of the norm meant by ``norm_id``: exact, else case-insensitive; else
    UNKNOWN_NORM with the closest id."""
    from ..suggest import closest, suggest

    if norm_id in norms:
        return norm_id
    match = closest(norm_id, norms)
    if match is not None and match.casefold() == norm_id.casefold():
        return match
    raise InputError("UNKNOWN_NORM", f"no norm with id {norm_id!r}{suggest(norm_id, norms)}")


@click.command()
@click.argument("norm_id")
@lang_option
@format_option("terminal", "json")
@click.option("--verbose", "-v", is_flag=True, help="Also show the raw CEL and check settings.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write here, not stdout.")
@norm_paths_option()
def explain(
    norm_id: str,
    lang: str,
    fmt: str,
    verbose: bool,
    output: Path | None,
    norm_paths: tuple[Path, ...],
) -> None:
    """What a norm demands (params, bands, each check in words), what evidence it needs,
    what it depends on and what depends on it. NORM_ID is case-insensitive."""
    from ..norms.compiled import load_norm_set
    from ..norms.explain import describe, render

    norm_set = load_norm_set(list(norm_paths) or None)
    norm = norm_set.norms[find_norm(norm_set.norms, norm_id)]
    data = describe(norm_set, norm, lang, verbose)
    if fmt == "json":
        text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    else:
        text = render(data, lang)
    _emit(text, output)


@click.command()
@click.argument("kind", required=False)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write here, not stdout.")
@click.option("--example", is_flag=True, help="With KIND: print only the commented example (YAML).")
@click.option(
    "--json", "as_json", is_flag=True, help="With KIND: print only the kind's JSON Schema."
)
def schema(kind: str | None, output: Path | None, example: bool, as_json: bool) -> None:
    """Print the JSON Schema of norm files (for editors), or with KIND the JSON Schema of
    that evidence kind and a commented example (every field a norm reads)."""
    if kind is None:
        from ..norms.model import norm_json_schema

        text = json.dumps(norm_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        _emit(text, output)
        return
    from ..evidence.scaffold import kind_example
    from ..evidence.schemas import kind_names, kind_schema
    from ..suggest import closest

    info = kind_schema(kind) if kind in kind_names() else None
    if info is None:
        match = closest(kind, kind_names())
        hint = f"did you mean {match}?" if match else "see normenkader init for the kinds"
        raise InputError("UNKNOWN_EVIDENCE_KIND", f"unknown kind {kind!r} ({hint})")
    body = json.dumps(info.schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if as_json:
        _emit(body, output)
        return
    if info.form == "structured":
        sample = kind_example(kind)
        note = "example (YAML; live fields are required or read by a norm)"
    else:
        sample = json.dumps(_entry_example(kind, info.form), ensure_ascii=False) + "\n"
        note = f"example manifest entry ({info.form}: the schema checks the bundle.yaml entry)"
    if example:
        _emit(sample, output)
        return
    text = f"# {info.title} (kind {kind}, {info.form})\n# JSON Schema:\n{body}\n# {note}:\n{sample}"
    _emit(text, output)


def _entry_example(kind: str, form: str) -> dict[str, str]:
    path = f"data/{kind}.csv" if form == "dataset" else f"docs/{kind}.pdf"
    return {"id": f"{kind}-1", "kind": kind, "path": path, "date": "YYYY-MM-DD"}
