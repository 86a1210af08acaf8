"""``normenkader validate``: a bundle's format and integrity, no norms evaluated."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..messages import words
from ..suggest import suggest
from ..workdir import private_workdir
from . import format_option, parse_day
from .check import limit_options, make_limits
from .lang import lang_option

#: the lines of the terminal view, from the message catalogue (``validate.*``)
_WORDS = {lang: words("validate", lang) for lang in ("en", "nl")}


@click.command()
@click.argument("bundles", nargs=-1, required=True, type=click.Path(path_type=Path))
@format_option("terminal", "json")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write here (json/terminal).")
@click.option("--as-of", "as_of", default=None, help="Warn about evidence dated after this day.")
@lang_option
@limit_options
def validate(
    bundles: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    as_of: str | None,
    lang: str,
    **limits: Any,
) -> None:
    """Check each BUNDLE's format and integrity only (no norms are evaluated).

    Exit 0 when the bundle and all its evidence items are valid, 1 when the bundle opens
    but some evidence items are invalid against their kind's schema, 3 when it is rejected
    (also when a value still holds an ``init`` placeholder: PLACEHOLDER_LEFT). With several
    bundles, the highest exit code.
    """
    day = parse_day(as_of)
    reports = [_validate_one(bundle, make_limits(dict(limits)), day) for bundle in bundles]
    words = _WORDS[lang]
    if fmt == "json":
        data: Any = reports[0] if len(reports) == 1 else reports
        text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    else:
        text = "".join(_terminal(report, words, len(reports) > 1) for report in reports)
    if fmt != "json":
        for report in reports:
            for line in report["placeholders"]:
                click.echo(
                    f"error PLACEHOLDER_LEFT: {line['where']}: "
                    + words["placeholder"].format(value=line["value"]),
                    err=True,
                )
    if output:
        from ..atomic import write_atomic

        write_atomic(output, text, public=True)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
    sys.exit(max(report["exit_code"] for report in reports))


def _validate_one(bundle: Path, limits: Any, day: Any) -> dict[str, Any]:
    from ..evidence.bundle import open_bundle
    from ..evidence.scaffold import placeholders
    from ..evidence.schemas import schema_path

    with private_workdir() as staging:
        opened = open_bundle(bundle, limits, staging)
        found = [
            {"where": f"bundle.yaml: {pointer}", "value": _at(opened.manifest, pointer)}
            for pointer in placeholders(opened.manifest)
        ]
        for item in sorted(opened.items.values(), key=lambda i: i.id):
            if item.content is not None:
                found += [
                    {"where": f"{item.path}: {pointer}", "value": _at(item.content, pointer)}
                    for pointer in placeholders(item.content)
                ]
        problems = sorted((i for i in opened.items.values() if i.problem), key=lambda i: i.id)
        facts = {k: v for k, v in opened.profile.items() if isinstance(v, bool)}
        manifest = json.loads(schema_path("bundle.schema.json").read_text("utf-8"))
        known = set(manifest["properties"]["profile"].get("properties", {}))
        warnings: list[dict[str, Any]] = []
        if facts and not any(facts.values()):
            warnings.append({"code": "all_false"})
        for name in sorted(opened.profile):
            if known and name not in known:
                warnings.append(
                    {"code": "unknown_fact", "name": name, "hint": suggest(name, known)}
                )
        for item in sorted(opened.items.values(), key=lambda i: i.id):
            if item.date is not None and item.date > day:
                warnings.append(
                    {"code": "future", "id": item.id, "date": str(item.date), "as_of": str(day)}
                )
        code = 3 if found else (1 if problems else 0)
        return {
            "bundle": {
                "id": opened.id,
                "source": str(bundle),
                "form": opened.tree.form,
                "files": len(opened.tree.files),
                "items": len(opened.items),
                "digest": opened.digest,
            },
            "as_of": str(day),
            "invalid": [
                {"id": i.id, "kind": i.kind, "path": i.path, "problem": i.problem} for i in problems
            ],
            "placeholders": found,
            "warnings": warnings,
            "exit_code": code,
        }


def _at(value: Any, pointer: str) -> Any:
    for part in pointer.strip("/").split("/") if pointer != "/" else []:
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def _terminal(report: dict[str, Any], words: dict[str, str], header: bool) -> str:
    bundle = report["bundle"]
    lines = [f"== {bundle['source']}"] if header else []
    lines.append(words["bundle"].format(**bundle))
    for item in report["invalid"]:
        lines.append(words["invalid"].format(**item))
    for warning in report["warnings"]:
        fields = {k: v for k, v in warning.items() if k != "code"}
        lines.append(words[warning["code"]].format(**fields))
    return "\n".join(lines) + "\n"
