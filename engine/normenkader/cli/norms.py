"""Commands about the norm library: lint, graph, explain, schema."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import InputError
from . import norm_paths_option


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def lint(paths: tuple[Path, ...]) -> None:
    """Validate norm files (default: the shipped library); problems as file:line:col."""
    from ..norms.lint import lint as run_lint

    count, problems = run_lint(list(paths) or None)
    for problem in problems:
        click.echo(problem)
    if problems:
        click.echo(f"{len(problems)} problem(s) in {count} norm file(s)", err=True)
        sys.exit(3)
    click.echo(f"{count} norm file(s) OK")


@click.command()
@click.option("--format", "fmt", type=click.Choice(["dot", "mermaid", "json"]), default="dot")
@click.option("--profile", default=None)
@norm_paths_option()
def graph(fmt: str, profile: str | None, norm_paths: tuple[Path, ...]) -> None:
    """Print the dependency graph of the norms (prerequisite -> dependant)."""
    from ..norms import graph as graphs
    from ..norms.compiled import load_norm_set

    norm_set = load_norm_set(list(norm_paths) or None, profile)
    writer = {"dot": graphs.to_dot, "mermaid": graphs.to_mermaid, "json": graphs.to_json}[fmt]
    click.echo(writer(norm_set), nl=False)


@click.command()
@click.argument("norm_id")
@click.option("--lang", type=click.Choice(["en", "nl"]), default="en")
@norm_paths_option()
def explain(norm_id: str, lang: str, norm_paths: tuple[Path, ...]) -> None:
    """What a norm demands, what it needs, what it depends on and what depends on it."""
    from ..norms.compiled import load_norm_set
    from ..norms.graph import dependants, prerequisites

    norm_set = load_norm_set(list(norm_paths) or None)
    norm = norm_set.norms.get(norm_id)
    if norm is None:
        raise InputError("UNKNOWN_NORM", f"no norm with id {norm_id!r}")
    nl = lang == "nl"
    out = [
        f"{norm.id}  {norm.title[lang]}",
        f"  {'ernst' if nl else 'severity'}: {norm.severity}"
        f"{'' if norm.waivable else (' (geen ontheffing mogelijk)' if nl else ' (not waivable)')}",
        "",
        "  " + norm.description[lang],
        "",
        f"  {'bronnen' if nl else 'derived from'}:",
    ]
    out += [f"    - {s['catalogue']} {s['id']} ({s['version']})" for s in norm.derived_from]
    if norm.legal_basis:
        out.append(
            f"  {'wettelijke grondslag' if nl else 'legal basis'}: {'; '.join(norm.legal_basis)}"
        )
    if norm.effective:
        until = norm.effective.get("until") or ""
        out.append(f"  {'van kracht' if nl else 'in force'}: {norm.effective['from']} .. {until}")
    out.append(
        f"  {'van toepassing als' if nl else 'applies if'}: "
        f"{norm.applies_if or ('altijd' if nl else 'always')}"
    )
    out.append(f"  {'bewijs' if nl else 'evidence'}:")
    for name, spec in norm.evidence.items():
        extras = [f"max_age {spec.max_age}"] if spec.max_age else []
        if spec.id:
            extras.append(f"id {spec.id}")
        if spec.optional:
            extras.append("optional")
        out.append(f"    - {name}: {spec.kind}" + (f" ({', '.join(extras)})" if extras else ""))
    if not norm.evidence:
        out.append("    (none)")
    out.append(f"  {'controles' if nl else 'checks'}:")
    for config in norm.check_configs:
        detail = getattr(config, "expr", None) or getattr(config, "evidence", None) or ""
        attested = " [attested]" if getattr(config, "attested", False) else ""
        out.append(f"    - {config.kind}: {detail}{attested}")
    if norm.review:
        out.append(f"  {'oordeel toezichthouder nodig' if nl else 'needs a supervisor judgement'}")
    direct = ", ".join(norm.requires) or "-"
    out.append(f"  {'vereist (direct)' if nl else 'requires (direct)'}: {direct}")
    out.append(
        f"  {'vereist (alle)' if nl else 'requires (all)'}: "
        f"{', '.join(prerequisites(norm_set, norm.id)) or '-'}"
    )
    out.append(
        f"  {'afhankelijk (alle)' if nl else 'dependants (all)'}: "
        f"{', '.join(dependants(norm_set, norm.id)) or '-'}"
    )
    out.append(f"  {'beantwoordt' if nl else 'answers'}: {', '.join(norm.answers) or '-'}")
    out.append(
        f"  {'beantwoord door' if nl else 'answered by'}: "
        f"{', '.join(norm_set.answered_by(norm.id)) or '-'}"
    )
    out.append(f"  {'bestand' if nl else 'file'}: {norm.source}")
    click.echo("\n".join(out))


@click.command()
@click.option("-o", "--output", type=click.Path(path_type=Path))
def schema(output: Path | None) -> None:
    """Print the JSON Schema of norm files (for editors)."""
    import json

    from ..norms.model import norm_json_schema

    text = json.dumps(norm_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if output:
        from ..atomic import write_atomic

        write_atomic(output, text, public=True)
    else:
        click.echo(text, nl=False)
