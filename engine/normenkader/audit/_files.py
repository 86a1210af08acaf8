"""Shared helpers for the audit files (waivers, policy, assessments): strict fields."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..yamlio import Document, loads_json, loads_yaml

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NORM_ID = re.compile(r"^[A-Z][A-Z0-9]*\.[A-Z][A-Z0-9]*\.[0-9]{2,3}$")
MAX_FILE_BYTES = 8 * 1024 * 1024
#: Signed records in one file: each costs up to 16 Ed25519 verifications.
MAX_RECORDS = 2000


class PayloadDocument(Document):
    """The statement inside a signed record: errors name the record and a JSON pointer."""

    def where(self, pointer: str = "") -> str:
        return f"{self.source}#payload{pointer}"


def parse_text(data: bytes, source: str) -> Document:
    """Parse audit-file bytes (JSON when ``source`` ends in .json, else YAML)."""
    if source.lower().endswith(".json"):
        return Document(value=loads_json(data, source), source=source)
    return loads_yaml(data, source)


def dump_text(value: Any, source: str) -> str:
    """An audit file's text for ``value``: JSON for .json, else YAML (comments are not kept)."""
    import json

    if source.lower().endswith(".json"):
        return json.dumps(value, ensure_ascii=False, indent=2) + "\n"
    import yaml

    return str(yaml.safe_dump(value, sort_keys=False, allow_unicode=True, width=1 << 16))


def read_document(path: Path, code: str) -> tuple[Document, str]:
    """Read and parse a YAML/JSON audit file strictly; returns the document and its digest."""
    from ..inputfile import read_input_file

    data = read_input_file(path, code, MAX_FILE_BYTES)
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    return parse_text(data, str(path)), digest


class Fields:
    """Typed access to one mapping of an audit file, with file:line:col in every error."""

    def __init__(self, doc: Document, pointer: str, value: Any, code: str, what: str) -> None:
        self.doc = doc
        self.pointer = pointer
        self.code = code
        if not isinstance(value, dict):
            raise InputError(code, f"{what} must be a mapping", doc.where(pointer))
        self.value: dict[str, Any] = value

    def where(self, key: str | None = None) -> str:
        return self.doc.where(self.pointer if key is None else f"{self.pointer}/{key}")

    def only(self, allowed: set[str]) -> None:
        for key in self.value:
            if key not in allowed:
                raise InputError(
                    self.code,
                    f"unknown field {key!r} (allowed: {', '.join(sorted(allowed))})",
                    self.where(key),
                )

    def text(self, key: str, required: bool = True) -> str | None:
        value = self.value.get(key)
        if value is None:
            if required:
                raise InputError(self.code, f"missing field {key!r}", self.where())
            return None
        if not isinstance(value, str) or not value.strip():
            raise InputError(self.code, f"{key!r} must be a non-empty string", self.where(key))
        return value.strip()

    def required_text(self, key: str) -> str:
        value = self.text(key, required=True)
        assert value is not None
        return value

    def day(self, key: str, required: bool = True) -> date | None:
        value = self.text(key, required)
        if value is None:
            return None
        if not _DATE.match(value):
            raise InputError(self.code, f"{key!r} must be a date YYYY-MM-DD", self.where(key))
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InputError(self.code, f"{key!r} is not a valid date", self.where(key)) from None

    def norm_id(self, key: str = "norm") -> str:
        value = self.required_text(key)
        if not NORM_ID.match(value):
            raise InputError(self.code, f"{value!r} is not a norm id (NK.SET.NN)", self.where(key))
        return value
