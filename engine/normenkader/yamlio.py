"""Strict YAML and JSON loading for untrusted input, with source positions.

YAML is parsed by libyaml (``yaml.CParser``) into a node tree, and the tree is turned into
plain Python values here rather than by PyYAML's constructors, so that we decide exactly
what is accepted:

* duplicate mapping keys, aliases (billion laughs) and any non-standard tag are rejected;
* scalars resolve the YAML 1.2 core way, stricter still: ``NO``, ``on``, ``012``,
  ``12:30`` and dates stay strings; ``.nan`` and ``.inf`` are rejected;
* nesting depth and node count are bounded;
* every value's position is recorded under its JSON pointer, so schema and model errors
  can be reported as ``file:line:col``.

JSON is parsed by the standard library with duplicate keys, NaN/Infinity, over-long
numbers and excessive depth rejected.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml._yaml import CParser

from .errors import InputError

MAX_DEPTH = 64
MAX_NODES = 1_000_000
MAX_NUMBER_DIGITS = 64

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_FLOAT = re.compile(
    r"^[-+]?(?:\.[0-9]+|(?:0|[1-9][0-9]*)\.[0-9]*|(?:0|[1-9][0-9]*))(?:[eE][-+]?[0-9]+)?$"
)
_SPECIAL_FLOAT = re.compile(r"^[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)$")

_TAG_STR = "tag:yaml.org,2002:str"
_TAG_MAP = "tag:yaml.org,2002:map"
_TAG_SEQ = "tag:yaml.org,2002:seq"
_PLAIN_TAGS = {
    _TAG_STR,
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
}


class _PlainResolver(yaml.resolver.BaseResolver):
    """Resolve nothing implicitly: every plain scalar gets the str tag; we type it ourselves."""

    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012


class _StrictParser(CParser, _PlainResolver):  # type: ignore[misc]
    def __init__(self, stream: str | bytes) -> None:
        CParser.__init__(self, stream)
        _PlainResolver.__init__(self)


@dataclass
class Document:
    """A parsed document: its value and the 1-based (line, column) of every JSON pointer."""

    value: Any
    source: str
    marks: dict[str, tuple[int, int]] = field(default_factory=dict)

    def position(self, pointer: str) -> tuple[int, int]:
        """Position of the value at ``pointer``, or of its nearest recorded ancestor."""
        while True:
            if pointer in self.marks:
                return self.marks[pointer]
            if not pointer:
                return (1, 1)
            pointer = pointer.rsplit("/", 1)[0]

    def where(self, pointer: str = "") -> str:
        line, col = self.position(pointer)
        return f"{self.source}:{line}:{col}"


def pointer_escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def json_pointer(path: tuple[Any, ...] | list[Any]) -> str:
    """JSON pointer ("/a/0/b") for a tuple of keys and indices."""
    return "".join("/" + pointer_escape(str(part)) for part in path)


def _scalar(node: yaml.ScalarNode, where: str) -> Any:
    value: str = node.value
    if node.style not in (None, ""):  # quoted or block scalar: always a string
        if node.tag != _TAG_STR and node.tag not in ("!",):
            raise InputError("YAML_TAG", f"tags are not allowed ({node.tag})", where)
        return value
    if node.tag not in _PLAIN_TAGS and node.tag != "?":
        raise InputError("YAML_TAG", f"tags are not allowed ({node.tag})", where)
    if node.tag != _TAG_STR and node.tag != "?":
        raise InputError("YAML_TAG", f"explicit tags are not allowed ({node.tag})", where)
    if _NULL.match(value):
        return None
    if value in _BOOL:
        return _BOOL[value]
    if _INT.match(value):
        if len(value) > MAX_NUMBER_DIGITS:
            raise InputError("NUMBER_TOO_LONG", "integer literal is too long", where)
        return int(value)
    if _FLOAT.match(value):
        if len(value) > MAX_NUMBER_DIGITS:
            raise InputError("NUMBER_TOO_LONG", "number literal is too long", where)
        parsed = float(value)
        if parsed in (float("inf"), float("-inf")):
            raise InputError("YAML_NAN", f"'{value}' is out of range", where)
        return parsed
    if _SPECIAL_FLOAT.match(value):
        raise InputError("YAML_NAN", f"'{value}' (NaN or infinity) is not allowed", where)
    return value


def loads_yaml(text: str | bytes, source: str = "<string>") -> Document:
    """Parse one YAML document strictly. Raises InputError with a stable code."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError("BAD_UTF8", f"not valid UTF-8 at byte {exc.start}", source) from None
    parser = _StrictParser(text)
    try:
        root = parser.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError("YAML_SYNTAX", problem, where) from None
    except yaml.YAMLError as exc:
        raise InputError("YAML_SYNTAX", str(exc).splitlines()[0], source) from None
    except (RecursionError, MemoryError):
        raise InputError("YAML_TOO_DEEP", "document is nested too deeply", source) from None
    finally:
        parser.dispose()
    doc = Document(value=None, source=source)
    if root is None:
        return doc
    seen: set[int] = set()
    count = 0

    def build(node: yaml.Node, pointer: str, depth: int) -> Any:
        nonlocal count
        count += 1
        where = f"{source}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"
        if count > MAX_NODES:
            raise InputError("YAML_TOO_LARGE", f"more than {MAX_NODES} nodes", source)
        if depth > MAX_DEPTH:
            raise InputError("YAML_TOO_DEEP", f"nesting deeper than {MAX_DEPTH}", where)
        if id(node) in seen:
            raise InputError("YAML_ALIAS", "anchors and aliases are not allowed", where)
        seen.add(id(node))
        doc.marks[pointer] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node, where)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _TAG_SEQ:
                raise InputError("YAML_TAG", f"tags are not allowed ({node.tag})", where)
            return [build(item, f"{pointer}/{i}", depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            if node.tag != _TAG_MAP:
                raise InputError("YAML_TAG", f"tags are not allowed ({node.tag})", where)
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key_where = (
                    f"{source}:{key_node.start_mark.line + 1}:{key_node.start_mark.column + 1}"
                )
                if not isinstance(key_node, yaml.ScalarNode):
                    raise InputError("YAML_KEY", "mapping keys must be plain strings", key_where)
                if key_node.tag == "tag:yaml.org,2002:merge" or (
                    key_node.value == "<<" and key_node.style in (None, "")
                ):
                    raise InputError("YAML_ALIAS", "merge keys (<<) are not allowed", key_where)
                key = _scalar(key_node, key_where)
                if not isinstance(key, str):
                    key = key_node.value  # YAML 1.2: keys are strings in our formats
                if key in result:
                    raise InputError("YAML_DUPLICATE_KEY", f"duplicate key '{key}'", key_where)
                child = f"{pointer}/{pointer_escape(key)}"
                result[key] = build(value_node, child, depth + 1)
            return result
        raise InputError("YAML_SYNTAX", "unsupported node", where)  # pragma: no cover

    try:
        doc.value = build(root, "", 0)
    except RecursionError:
        raise InputError("YAML_TOO_DEEP", "document is nested too deeply", source) from None
    return doc


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _depth(value: Any, limit: int) -> bool:
    """True when ``value`` nests no deeper than ``limit`` (iterative)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return True


def loads_json(text: str | bytes, source: str = "<string>", max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON strictly: no duplicate keys, NaN, Infinity, huge numbers or deep nesting."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError("BAD_UTF8", f"not valid UTF-8 at byte {exc.start}", source) from None

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                raise _Duplicate(key)
            result[key] = value
        return result

    def number(literal: str) -> Any:
        if len(literal) > MAX_NUMBER_DIGITS:
            raise _TooLong(literal[:20])
        if _INT.match(literal):
            return int(literal)
        parsed = float(literal)
        if parsed in (float("inf"), float("-inf")):
            raise ValueError("a number out of range is not allowed")
        return parsed

    try:
        value = json.loads(
            text,
            object_pairs_hook=pairs,
            parse_constant=_reject_constant,
            parse_int=number,
            parse_float=number,
        )
    except _Duplicate as exc:
        raise InputError("JSON_DUPLICATE_KEY", f"duplicate key '{exc.args[0]}'", source) from None
    except _TooLong:
        raise InputError("NUMBER_TOO_LONG", "number literal is too long", source) from None
    except RecursionError:
        raise InputError("JSON_TOO_DEEP", f"nesting deeper than {max_depth}", source) from None
    except json.JSONDecodeError as exc:
        raise InputError("JSON_SYNTAX", exc.msg, f"{source}:{exc.lineno}:{exc.colno}") from None
    except ValueError as exc:
        raise InputError("JSON_NAN", str(exc), source) from None
    if not _depth(value, max_depth):
        raise InputError("JSON_TOO_DEEP", f"nesting deeper than {max_depth}", source)
    return value


class _Duplicate(Exception):
    pass


class _TooLong(Exception):
    pass


def load_structured(path: Path, source: str | None = None) -> Document:
    """Load a .yaml/.yml/.json file strictly (JSON documents carry no positions)."""
    source = source or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError("UNREADABLE", exc.strerror or "cannot read file", source) from None
    if path.suffix.lower() == ".json":
        return Document(value=loads_json(data, source), source=source)
    return loads_yaml(data, source)
