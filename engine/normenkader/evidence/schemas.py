"""The shipped JSON Schemas (Draft 2020-12), compiled once with jsonschema-rs.

jsonschema-rs is used because its regex engine is linear-time (a hostile ``pattern`` cannot
hang us) and it is far faster than pure-Python validators. ``$ref``s resolve only to the
schemas in this folder: the retriever refuses everything else, so nothing touches the
network.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..resources import schemas_dir

BASE_URI = "https://normenkader.nl/schemas/"
FORMS = ("structured", "document", "dataset")


@dataclass
class KindSchema:
    """An evidence kind: its form and the schema for its content (or manifest entry).

    The validator is compiled on first use, so a run pays only for the kinds its bundle has.
    """

    kind: str
    form: str  # structured: validates the file content; document/dataset: the entry
    title: str
    schema: dict[str, Any]
    _validator: Any = None

    @property
    def validator(self) -> Any:
        if self._validator is None:
            self._validator = compile_schema(self.schema)
        return self._validator


def _retrieve(uri: str) -> Any:
    if uri.startswith(BASE_URI):
        name = uri[len(BASE_URI) :]
        path = schemas_dir() / name
        if "/" not in name.replace("kinds/", "", 1) and path.is_file():
            return json.loads(path.read_text("utf-8"))
    raise ValueError(f"schema reference {uri!r} is not local; only shipped schemas resolve")


def compile_schema(schema: dict[str, Any]) -> Any:
    """A Draft 2020-12 validator whose references resolve only to shipped schemas."""
    import jsonschema_rs

    return jsonschema_rs.Draft202012Validator(schema, retriever=_retrieve, validate_formats=True)


@cache
def manifest_validator() -> Any:
    return compile_schema(json.loads((schemas_dir() / "bundle.schema.json").read_text("utf-8")))


_KIND_NAME = re.compile(r"^[a-z][a-z0-9-]{0,63}$")


@cache
def kind_schema(kind: str) -> KindSchema | None:
    """The schema of one evidence kind (read on first use), or None if there is none."""
    if not _KIND_NAME.match(kind):
        return None
    path = schemas_dir() / "kinds" / f"{kind}.schema.json"
    if not path.is_file():
        return None
    schema = json.loads(path.read_text("utf-8"))
    form = schema.get("x-normenkader-form", "structured")
    if form not in FORMS:
        raise ValueError(f"{path}: x-normenkader-form must be one of {FORMS}")
    return KindSchema(kind, form, schema.get("title", kind), schema)


def kind_names() -> list[str]:
    """Every evidence kind shipped under ``evidence/schemas/kinds/``."""
    folder = schemas_dir() / "kinds"
    return sorted(path.name.removesuffix(".schema.json") for path in folder.glob("*.schema.json"))


def kind_schemas() -> dict[str, KindSchema]:
    """Every evidence kind with its schema (for tooling such as ``init``)."""
    found: dict[str, KindSchema] = {}
    for kind in kind_names():
        schema = kind_schema(kind)
        if schema is not None:
            found[kind] = schema
    return found


def schema_errors(validator: Any, instance: Any, limit: int = 5) -> list[str]:
    """Validation errors as ``/json/pointer: message`` lines, in document order."""
    messages: list[str] = []
    try:
        for error in validator.iter_errors(instance):
            pointer = "".join(
                "/" + str(p).replace("~", "~0").replace("/", "~1") for p in error.instance_path
            )
            messages.append(f"{pointer or '/'}: {_short(error.message)}")
            if len(messages) >= limit:
                break
    except ValueError as exc:  # jsonschema-rs raises on values it cannot represent
        raise InputError("SCHEMA_UNREPRESENTABLE", str(exc)) from None
    return sorted(messages)


def _short(message: str, width: int = 200) -> str:
    message = " ".join(message.split())
    return message if len(message) <= width else message[: width - 3] + "..."


def schema_path(name: str) -> Path:
    return schemas_dir() / name
