"""``normenkader init``: a working bundle folder to start from.

Writes ``bundle.yaml`` (with every applicability fact listed and one commented entry per
evidence kind) and, for each structured kind, a template under ``templates/`` derived from
the kind's JSON Schema (required fields with placeholders). Never writes into a folder
that already has files in it.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import InputError
from .schemas import kind_schemas, schema_path


def template(schema: dict[str, Any], depth: int = 0) -> Any:
    """A placeholder instance: required properties only, first enum value, one list item."""
    if depth > 8:
        return None
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        return {
            name: template(properties.get(name, {}), depth + 1)
            for name in schema.get("required", [])
        }
    if kind == "array":
        return [template(schema.get("items", {}), depth + 1)]
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    if kind == "string":
        if "date" in str(schema.get("pattern", "")) or schema.get("format") == "date":
            return date.today().isoformat()
        return "TODO"
    return None


def scaffold(target: Path) -> list[Path]:
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError(
            "OUTPUT_EXISTS", "folder exists and is not empty; nothing written", str(target)
        )
    import yaml

    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    manifest = json.loads(schema_path("bundle.schema.json").read_text("utf-8"))
    facts = manifest["properties"]["profile"]["properties"]
    today = date.today().isoformat()
    lines = [
        "# Evidence bundle manifest (format 1). See docs/bundle-format.md.",
        f'bundle: {{id: CHANGE-ME-{today}, organisation: "CHANGE ME", submitted: "{today}"}}',
        'system: {name: "CHANGE ME"}',
        "profile:  # applicability facts; every norm that reads a fact needs it declared",
    ]
    for name, spec in facts.items():
        if spec.get("type") == "boolean":
            lines.append(f"  {name}: false")
    lines.append("evidence:")
    lines.append("  # One entry per file. Uncomment and adapt; kinds and their schemas:")
    templates = target / "templates"
    for kind, info in sorted(kind_schemas().items()):
        if info.form == "structured":
            templates.mkdir(exist_ok=True)
            path = templates / f"{kind}.yaml"
            body = yaml.safe_dump(template(info.schema), sort_keys=False, allow_unicode=True)
            path.write_text(f"# {info.title} (kind {kind}); fill in and move into place\n{body}")
            written.append(path)
            example = f"templates/{kind}.yaml"
        elif info.form == "dataset":
            example = f"data/{kind}.csv"
        else:
            example = f"docs/{kind}.pdf"
        entry = f'{{id: {kind}-1, kind: {kind}, path: {example}, date: "{today}"}}'
        lines.append(f"  # - {entry}  # {info.form}: {info.title}")
    text = "\n".join(lines) + "\n"
    text = text.replace("evidence:\n", "evidence: []\n", 1)
    manifest_path = target / "bundle.yaml"
    manifest_path.write_text(text, "utf-8")
    written.append(manifest_path)
    return written
