"""``normenkader init`` and ``normenkader schema KIND``: templates to start a bundle from.

``init`` writes ``bundle.yaml`` (with every applicability fact listed and one commented
entry per evidence kind) and, for each structured kind, a template under ``templates/``
derived from the kind's JSON Schema. A template holds every field some norm reads
(found in the norms' CEL syntax trees, down into list items) and every required field,
each with a comment naming the norms that read it and the schema's description; the
other optional fields are listed commented out. Placeholders (``TODO``, ``CHANGE ME``) are
refused by ``validate`` until they are replaced. Never writes into a folder that already
has files in it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import InputError
from .schemas import kind_schemas, schema_path

#: the placeholder strings ``init`` writes; ``validate`` refuses them (PLACEHOLDER_LEFT)
PLACEHOLDERS = ("TODO", "CHANGE ME", "CHANGE-ME")

#: evidence kind -> JSON pointer (``*`` for any list item) -> ids of the norms reading it
FieldReads = dict[str, dict[str, set[str]]]


def _today() -> date:
    """Today (UTC), or ``NORMENKADER_TODAY``: the scaffold's dates are an input too."""
    from ..asof import today

    return today()


def template(schema: dict[str, Any], depth: int = 0) -> Any:
    """A placeholder instance: required properties only, first enum value, one list item."""
    if depth > 8:
        return None
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = _type(schema)
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        return {
            name: template(properties.get(name, {}), depth + 1)
            for name in schema.get("required", [])
        }
    if kind == "array":
        return [template(schema.get("items", {}), depth + 1)]
    return _scalar(schema)


def _type(schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return kind


def _scalar(schema: dict[str, Any]) -> Any:
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    kind = _type(schema)
    if kind == "object":
        return {}
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    if kind == "string":
        pattern = str(schema.get("pattern", ""))
        if "date" in pattern or "{4}-" in pattern or schema.get("format") == "date":
            return _today().isoformat()
        if "http" in pattern:
            return "https://TODO"
        return "TODO"
    return None


# --- which norm reads which field -------------------------------------------------------


def field_reads(norm_paths: list[Path] | None = None) -> FieldReads:
    """Per evidence kind, the fields the norms' expressions read, with the reading norms.

    Follows comprehension variables into list items: ``card.features.all(f, f.name != '')``
    reads ``/features`` and ``/features/*/name`` of the kind behind ``card``.
    """
    from ..celsyntax import CelParseError, parse
    from ..norms.compiled import load_norm_set

    found: FieldReads = {}
    norm_set = load_norm_set(norm_paths, "full")
    for norm in norm_set.norms.values():
        inputs = {name: spec.kind for name, spec in norm.evidence.items()}
        for source in norm.expression_sources():
            try:
                tree = parse(source)
            except CelParseError:
                continue
            env: dict[str, tuple[str, list[str]]] = {name: (name, []) for name in inputs}
            for name, pointer in _reads(tree, env):
                kind = inputs[name]
                found.setdefault(kind, {}).setdefault(pointer, set()).add(norm.id)
    return found


def _reads(node: Any, env: dict[str, tuple[str, list[str]]]) -> Iterable[tuple[str, str]]:
    from ..celsyntax import Comprehension, children

    path = _resolve(node, env)
    if path is not None:
        name, parts = path
        for end in range(1, len(parts) + 1):
            yield name, "".join("/" + p for p in parts[:end])
        return
    if isinstance(node, Comprehension):
        yield from _reads(node.range, env)
        inner = dict(env)
        inner.pop(node.var, None)
        ranged = _range_path(node.range, env)
        if ranged is not None:
            inner[node.var] = (ranged[0], [*ranged[1], "*"])
        for part in node.body:
            yield from _reads(part, inner)
        return
    for child in children(node):
        yield from _reads(child, env)


def _range_path(node: Any, env: dict[str, tuple[str, list[str]]]) -> tuple[str, list[str]] | None:
    """The list a comprehension ranges over: a path, or the range of a ``filter``."""
    from ..celsyntax import Comprehension

    if isinstance(node, Comprehension):
        return _range_path(node.range, env) if node.macro == "filter" else None
    return _resolve(node, env)


def _resolve(node: Any, env: dict[str, tuple[str, list[str]]]) -> tuple[str, list[str]] | None:
    from ..celsyntax import Ident, Index, Lit, Select

    parts: list[str] = []
    while True:
        if isinstance(node, Ident):
            if node.name not in env:
                return None
            name, base = env[node.name]
            return name, [*base, *reversed(parts)]
        if isinstance(node, Select):
            parts.append(node.field)
            node = node.operand
        elif (
            isinstance(node, Index)
            and isinstance(node.key, Lit)
            and isinstance(node.key.value, str)
        ):
            parts.append(node.key.value)
            node = node.operand
        else:
            return None


# --- commented YAML templates -----------------------------------------------------------


def commented_template(schema: dict[str, Any], reads: dict[str, set[str]]) -> str:
    """YAML for one kind: every read or required field live, the others commented out,
    each with a comment (required/optional, norms reading it, schema description)."""
    lines = _object_lines(_inline(schema, schema, 0), "", reads, 0, live=True, depth=0)
    return "\n".join(lines) + "\n"


def _inline(schema: Any, root: dict[str, Any], depth: int) -> Any:
    """``schema`` with local ``$ref``s resolved and ``anyOf``/``oneOf`` reduced to their
    first non-null alternative (what a template shows)."""
    if depth > 12:
        return {}
    if isinstance(schema, list):
        return [_inline(item, root, depth + 1) for item in schema]
    if not isinstance(schema, dict):
        return schema
    schema = dict(schema)
    ref = schema.pop("$ref", None)
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        schema = {**target, **schema}
    for key in ("anyOf", "oneOf"):
        options = schema.pop(key, None)
        if isinstance(options, list) and options:
            chosen = next(
                (o for o in options if isinstance(o, dict) and o.get("type") != "null"), options[0]
            )
            schema = {**chosen, **schema}
    return {key: _inline(value, root, depth + 1) for key, value in schema.items()}


def _comment(schema: dict[str, Any], required: bool, readers: set[str]) -> str:
    parts = ["required" if required else "optional"]
    if readers:
        ids = sorted(readers)
        shown = ", ".join(ids[:4]) + (f" and {len(ids) - 4} more" if len(ids) > 4 else "")
        parts.append(f"read by {shown}")
    if isinstance(schema.get("enum"), list):
        parts.append("one of: " + ", ".join(str(v) for v in schema["enum"]))
    description = " ".join(str(schema.get("description", "")).split())
    if description:
        parts.append(description[:160] + ("..." if len(description) > 160 else ""))
    return "  # " + "; ".join(parts)


def _readers(pointer: str, reads: dict[str, set[str]]) -> set[str]:
    """Norms reading this field or anything below it."""
    found: set[str] = set()
    for key, ids in reads.items():
        if key == pointer or key.startswith(pointer + "/"):
            found |= ids
    return found


def _object_lines(
    schema: dict[str, Any],
    pointer: str,
    reads: dict[str, set[str]],
    indent: int,
    live: bool,
    depth: int,
) -> list[str]:
    lines: list[str] = []
    required = set(schema.get("required", []))
    properties: dict[str, Any] = schema.get("properties", {})
    ordered = [n for n in properties if n in required] + [
        n for n in properties if n not in required
    ]
    wanted = {n for n in ordered if n in required or _readers(f"{pointer}/{n}", reads)}
    if live and pointer and not wanted:
        wanted = set(ordered)  # a live object shows its fields rather than read as null
    for name in ordered:
        child = properties[name] if isinstance(properties[name], dict) else {}
        key = name if _plain_key(name) else json.dumps(name)
        where = f"{pointer}/{name}"
        child_live = live and name in wanted
        needed = name in required
        lines += _field_lines(key, child, where, reads, indent, child_live, depth, needed)
    return lines


def _plain_key(name: str) -> bool:
    """Whether ``name`` reads back as the same string key in YAML (``on`` does not)."""
    import yaml

    try:
        return bool(yaml.safe_load(f"{name}: 0") == {name: 0})
    except yaml.YAMLError:
        return False


def _field_lines(
    name: str,
    schema: dict[str, Any],
    pointer: str,
    reads: dict[str, set[str]],
    indent: int,
    live: bool,
    depth: int,
    required: bool,
) -> list[str]:
    import yaml

    pad = " " * indent
    off = "" if live else "# "
    comment = _comment(schema, required, _readers(pointer, reads))
    kind = _type(schema)
    if depth < 6 and isinstance(schema.get("properties"), dict) and schema["properties"]:
        inner = _object_lines(schema, pointer, reads, indent + 2, live, depth + 1)
        return [f"{pad}{off}{name}:{comment}", *inner]
    if kind == "array" and depth < 6:
        items = schema.get("items", {}) if isinstance(schema.get("items"), dict) else {}
        if _type(items) == "object" or "properties" in items:
            inner = _object_lines(items, pointer + "/*", reads, indent + 4, live, depth + 1)
            if inner:
                first = inner[0]
                stripped = first.lstrip(" ")
                hashed = stripped.startswith("# ")
                body = stripped[2:] if hashed else stripped
                inner[0] = f"{pad}  {'# ' if hashed else ''}- {body}"
            return [f"{pad}{off}{name}:{comment}", *inner]
        count = max(1, int(schema.get("minItems", 1)))
        value = [_scalar(items)] * count if items else []
        return [f"{pad}{off}{name}: {_flow(value)}{comment}"]
    value = _scalar(schema)
    text = yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        text = f'"{value}"'
    return [f"{pad}{off}{name}: {text}{comment}"]


def _flow(value: list[Any]) -> str:
    import yaml

    return yaml.safe_dump(value, default_flow_style=True).strip()


def kind_example(kind: str, norm_paths: list[Path] | None = None) -> str:
    """The commented template of one structured kind (``normenkader schema KIND``)."""
    info = kind_schemas()[kind]
    return commented_template(info.schema, field_reads(norm_paths).get(kind, {}))


# --- the bundle folder ------------------------------------------------------------------


def scaffold(
    target: Path, norm_paths: list[Path] | None = None, facts: tuple[str, ...] = ()
) -> list[Path]:
    """Write the bundle folder. With ``facts`` (profile facts that hold), the norms that
    then apply are found by evaluating them on the new manifest, and each structured
    evidence kind they need gets its commented template in place under ``evidence/`` and
    a live manifest entry; the kinds no applying norm needs stay under ``templates/``."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError(
            "OUTPUT_EXISTS", "folder exists and is not empty; nothing written", str(target)
        )
    manifest = json.loads(schema_path("bundle.schema.json").read_text("utf-8"))
    known = {
        name
        for name, spec in manifest["properties"]["profile"]["properties"].items()
        if spec.get("type") == "boolean"
    }
    for fact in facts:
        if fact not in known:
            from ..suggest import closest

            match = closest(fact, known)
            hint = f"did you mean {match}?" if match else f"known: {', '.join(sorted(known))}"
            raise InputError("UNKNOWN_FACT", f"unknown profile fact {fact!r} ({hint})", "--fact")
    reads = field_reads(norm_paths)
    target.mkdir(parents=True, exist_ok=True)
    written = _write_folder(target, manifest, reads, set(facts), {})
    if facts:
        needed = _needed_kinds(target, norm_paths)
        for path in written:
            path.unlink()
        for folder in (target / "templates", target / "evidence"):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        written = _write_folder(target, manifest, reads, set(facts), needed)
    return written


def _needed_kinds(target: Path, norm_paths: list[Path] | None) -> dict[str, tuple[str, set[str]]]:
    """Evidence kind -> (entry id, ids of the norms needing it), for the norms that apply to
    the manifest just written (its facts), found by the engine itself."""
    from ..engine import Options, evaluate
    from ..norms.compiled import load_norm_set
    from ..results import Status
    from ..workdir import private_workdir
    from .bundle import open_bundle

    norm_set = load_norm_set(norm_paths)
    with private_workdir() as staging:
        opened = open_bundle(target, None, staging)
        result = evaluate(norm_set, opened, Options(as_of=_today()))
    applying = {f.norm_id for f in result.findings if f.status is not Status.NOT_APPLICABLE}
    needed: dict[str, tuple[str, set[str]]] = {}
    for norm_id in sorted(applying):
        for spec in norm_set.norms[norm_id].evidence.values():
            if spec.optional:
                continue
            _, users = needed.setdefault(spec.kind, (spec.id or spec.kind, set()))
            users.add(norm_id)
    return needed


def _write_folder(
    target: Path,
    manifest: dict[str, Any],
    reads: FieldReads,
    facts: set[str],
    needed: dict[str, tuple[str, set[str]]],
) -> list[Path]:
    written: list[Path] = []
    profile = manifest["properties"]["profile"]["properties"]
    today = _today().isoformat()
    lines = [
        "# Evidence bundle manifest (format 1). See docs/bundle-format.md.",
        "# Replace every CHANGE ME / TODO: `normenkader validate` refuses them.",
        f'bundle: {{id: CHANGE-ME-{today}, organisation: "CHANGE ME", submitted: "{today}"}}',
        'system: {name: "CHANGE ME"}',
        "profile:  # applicability facts; set each that holds to true (all false: no norm applies)",
    ]
    for name, spec in profile.items():
        if spec.get("type") == "boolean":
            description = " ".join(str(spec.get("description", "")).split())[:120]
            value = "true" if name in facts else "false"
            lines.append(f"  {name}: {value}" + (f"  # {description}" if description else ""))
    live: list[str] = []
    commented = ["  # Other kinds: uncomment and adapt (normenkader schema KIND shows each):"]
    for kind, info in sorted(kind_schemas().items()):
        header = (
            f"# {info.title} (kind {kind}); fill in every TODO.\n"
            "# Live fields are required or read by a norm; commented ones are optional.\n"
            f"# Full schema: normenkader schema {kind}\n"
        )
        body = header + commented_template(info.schema, reads.get(kind, {}))
        if kind in needed and info.form == "structured":
            entry_id, users = needed[kind]
            folder = target / "evidence"
            folder.mkdir(exist_ok=True)
            path = folder / f"{kind}.yaml"
            path.write_text(body, "utf-8")
            written.append(path)
            live.append(
                f'  - {{id: {entry_id}, kind: {kind}, path: evidence/{kind}.yaml, date: "{today}"}}'
                f"  # needed by {', '.join(sorted(users))}"
            )
            continue
        if info.form == "structured":
            folder = target / "templates"
            folder.mkdir(exist_ok=True)
            path = folder / f"{kind}.yaml"
            path.write_text(body, "utf-8")
            written.append(path)
            example = f"templates/{kind}.yaml"
        elif info.form == "dataset":
            example = f"data/{kind}.csv"
        else:
            example = f"docs/{kind}.pdf"
        entry_id = needed[kind][0] if kind in needed else f"{kind}-1"
        entry = f'{{id: {entry_id}, kind: {kind}, path: {example}, date: "{today}"}}'
        why = f"; NEEDED by {', '.join(sorted(needed[kind][1]))}" if kind in needed else ""
        commented.append(f"  # - {entry}  # {info.form}: {info.title}{why}")
    lines.append("evidence:" if live else "evidence: []")
    lines += live + commented
    manifest_path = target / "bundle.yaml"
    manifest_path.write_text("\n".join(lines) + "\n", "utf-8")
    written.append(manifest_path)
    return written


def placeholders(value: Any, pointer: str = "") -> list[str]:
    """JSON pointers of the strings in ``value`` still holding an ``init`` placeholder."""
    found: list[str] = []
    if isinstance(value, str):
        if any(mark in value for mark in PLACEHOLDERS):
            found.append(pointer or "/")
    elif isinstance(value, dict):
        for key, item in value.items():
            found += placeholders(item, f"{pointer}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += placeholders(item, f"{pointer}/{index}")
    return found
