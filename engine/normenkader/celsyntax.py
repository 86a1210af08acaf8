"""The syntax tree of a CEL expression, for static analysis only.

The CEL engine (``common-expression-language``, Rust) compiles and runs expressions but does
not expose its syntax tree. Two things need it: the fields an expression reads from each
evidence input (recorded in every finding) and a cost bound computed before evaluation
(``budget``). This module is a small parser for the CEL grammar
(https://github.com/google/cel-spec/blob/master/doc/langdef.md#syntax): string literals are
tokens, never searched, and the variables bound by the comprehension macros (``all``,
``exists``, ``exists_one``, ``map``, ``filter``) are known as such.

It never evaluates anything. ``parse`` raises ``CelParseError`` for input it does not
understand (the optional-field syntax ``.?``, for instance); callers treat such an
expression as one whose cost cannot be bounded statically.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class CelParseError(ValueError):
    """The expression is outside the CEL subset this parser understands."""


class Lit(NamedTuple):
    value: object
    size: int  # length of a string or bytes literal, else 1


class Ident(NamedTuple):
    name: str


class Select(NamedTuple):
    operand: Node
    field: str
    test: bool = False  # has(operand.field)


class Index(NamedTuple):
    operand: Node
    key: Node


class Call(NamedTuple):
    function: str
    target: Node | None
    args: tuple[Node, ...]


class Comprehension(NamedTuple):
    macro: str  # all | exists | exists_one | map | filter
    range: Node
    var: str
    body: tuple[Node, ...]  # map: (filter, transform) or (transform,); others: (predicate,)


class ListLit(NamedTuple):
    items: tuple[Node, ...]


class MapLit(NamedTuple):
    entries: tuple[tuple[Node, Node], ...]


class Unary(NamedTuple):
    op: str
    operand: Node


class Binary(NamedTuple):
    op: str
    left: Node
    right: Node


class Cond(NamedTuple):
    test: Node
    then: Node
    otherwise: Node


Node = (
    Lit | Ident | Select | Index | Call | Comprehension | ListLit | MapLit | Unary | Binary | Cond
)

MACROS = {"all": 2, "exists": 2, "exists_one": 2, "filter": 2}

_TOKEN = re.compile(
    r"""
    (?P<space>\s+|//[^\n]*)
  | (?P<string>(?:[rR][bB]?|[bB][rR]?)?(?:'''(?:[^\\]|\\.)*?'''|\"\"\"(?:[^\\]|\\.)*?\"\"\"
        |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"))
  | (?P<number>0[xX][0-9a-fA-F]+[uU]?|\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\d+[uU]?)
  | (?P<ident>[_a-zA-Z][_a-zA-Z0-9]*)
  | (?P<op>==|!=|<=|>=|&&|\|\||[-+*/%!<>?:.,()\[\]{}])
    """,
    re.VERBOSE | re.DOTALL,
)


class _Token(NamedTuple):
    kind: str  # string | number | ident | op | end
    text: str


def tokenize(source: str) -> list[_Token]:
    """The tokens of ``source``; string literals are single tokens (their text is data)."""
    tokens: list[_Token] = []
    position = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            raise CelParseError(f"unexpected character {source[position]!r} at {position + 1}")
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(_Token(kind, match.group()))
        position = match.end()
    tokens.append(_Token("end", ""))
    return tokens


_BINARY = (
    ("||",),
    ("&&",),
    ("==", "!=", "<", "<=", ">", ">=", "in"),
    ("+", "-"),
    ("*", "/", "%"),
)


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        self.at = 0
        self.depth = 0

    def peek(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def accept(self, text: str) -> bool:
        token = self.peek()
        if token.kind in ("op", "ident") and token.text == text:
            self.at += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            raise CelParseError(f"expected {text!r}, found {self.peek().text or 'end'!r}")

    def expression(self) -> Node:
        self.depth += 1
        if self.depth > 200:  # the CEL engine refuses deeper nesting too
            raise CelParseError("expression nested too deeply")
        test = self.binary(0)
        if self.accept("?"):
            then = self.binary(0)
            self.expect(":")
            otherwise = self.expression()
            test = Cond(test, then, otherwise)
        self.depth -= 1
        return test

    def binary(self, level: int) -> Node:
        if level == len(_BINARY):
            return self.unary()
        left = self.binary(level + 1)
        while True:
            token = self.peek()
            if token.kind in ("op", "ident") and token.text in _BINARY[level]:
                self.take()
                left = Binary(token.text, left, self.binary(level + 1))
            else:
                return left

    def unary(self) -> Node:
        if self.accept("!"):
            return Unary("!", self.unary())
        if self.accept("-"):
            return Unary("-", self.unary())
        return self.member()

    def member(self) -> Node:
        node = self.primary()
        while True:
            if self.accept("."):
                name = self.take()
                if name.kind != "ident":
                    raise CelParseError(f"expected a field name, found {name.text!r}")
                if self.accept("("):
                    node = self.method(node, name.text, self.arguments(")"))
                else:
                    node = Select(node, name.text)
            elif self.accept("["):
                index = self.expression()
                self.expect("]")
                node = Index(node, index)
            else:
                return node

    def method(self, target: Node, name: str, args: tuple[Node, ...]) -> Node:
        arity = MACROS.get(name)
        if arity == len(args) and isinstance(args[0], Ident):
            return Comprehension(name, target, args[0].name, args[1:])
        if name == "map" and len(args) in (2, 3) and isinstance(args[0], Ident):
            return Comprehension("map", target, args[0].name, args[1:])
        return Call(name, target, args)

    def arguments(self, close: str) -> tuple[Node, ...]:
        items: list[Node] = []
        if self.accept(close):
            return ()
        while True:
            items.append(self.expression())
            if self.accept(close):
                return tuple(items)
            self.expect(",")
            if self.accept(close):  # trailing comma
                return tuple(items)

    def primary(self) -> Node:
        token = self.take()
        if token.kind == "number":
            return Lit(_number(token.text), 1)
        if token.kind == "string":
            text = _unquote(token.text.lstrip("rRbB"))
            return Lit(text, max(1, len(text)))
        if token.kind == "ident":
            if token.text in ("true", "false"):
                return Lit(token.text == "true", 1)
            if token.text == "null":
                return Lit(None, 1)
            if token.text == "in":
                raise CelParseError("unexpected 'in'")
            if self.accept("("):
                args = self.arguments(")")
                if token.text == "has":
                    if len(args) != 1 or not isinstance(args[0], Select):
                        raise CelParseError("has() takes one field selection")
                    return args[0]._replace(test=True)
                return Call(token.text, None, args)
            if self.peek().text == "{" and token.text[:1].isupper():
                raise CelParseError("message construction is not supported")
            return Ident(token.text)
        if token.kind == "op":
            if token.text == "(":
                inner = self.expression()
                self.expect(")")
                return inner
            if token.text == "[":
                return ListLit(self.arguments("]"))
            if token.text == "{":
                return MapLit(self.entries())
            if token.text == "." and self.peek().kind == "ident":
                return Ident(self.take().text)  # leading dot: root-scoped name
        raise CelParseError(f"unexpected {token.text or 'end'!r}")

    def entries(self) -> tuple[tuple[Node, Node], ...]:
        entries: list[tuple[Node, Node]] = []
        if self.accept("}"):
            return ()
        while True:
            key = self.expression()
            self.expect(":")
            entries.append((key, self.expression()))
            if self.accept("}"):
                return tuple(entries)
            self.expect(",")
            if self.accept("}"):
                return tuple(entries)


def _number(text: str) -> int | float:
    text = text.rstrip("uU")
    if text[:2] in ("0x", "0X"):
        return int(text, 16)
    if any(c in text for c in ".eE"):
        return float(text)
    return int(text)


def parse(source: str) -> Node:
    """The syntax tree of a CEL expression; raises ``CelParseError``."""
    parser = _Parser(source)
    node = parser.expression()
    if parser.peek().kind != "end":
        raise CelParseError(f"unexpected {parser.peek().text!r} after the expression")
    return node


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of a node."""
    if isinstance(node, Select):
        return (node.operand,)
    if isinstance(node, Index):
        return (node.operand, node.key)
    if isinstance(node, Call):
        return ((node.target,) if node.target is not None else ()) + node.args
    if isinstance(node, Comprehension):
        return (node.range, *node.body)
    if isinstance(node, ListLit):
        return node.items
    if isinstance(node, MapLit):
        return tuple(part for entry in node.entries for part in entry)
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Cond):
        return (node.test, node.then, node.otherwise)
    return ()


def fields_read(node: Node, names: frozenset[str]) -> dict[str, set[str]]:
    """Per free variable in ``names``, the JSON pointers the expression reads from it.

    ``model_card.features.all(f, f.x)`` reads ``/features`` of ``model_card``; a method
    call's name is not a field; ``x["a"]`` reads ``/a``; a comprehension variable that
    shadows a name is not that name.
    """
    found: dict[str, set[str]] = {}
    _walk_reads(node, names, found)
    return found


def _walk_reads(node: Node, names: frozenset[str], found: dict[str, set[str]]) -> None:
    path = _path(node)
    if path is not None and path[0] in names:
        found.setdefault(path[0], set()).add("".join("/" + _escape(p) for p in path[1:]))
        return
    if isinstance(node, Comprehension):
        _walk_reads(node.range, names, found)
        inner = names - {node.var}
        for part in node.body:
            _walk_reads(part, inner, found)
        return
    for child in children(node):
        _walk_reads(child, names, found)


def _path(node: Node) -> list[str] | None:
    """``a.b["c"].d`` as [a, b, c, d]; None for anything else (indexes by expression)."""
    parts: list[str] = []
    while True:
        if isinstance(node, Ident):
            return [node.name, *reversed(parts)]
        if isinstance(node, Select):
            parts.append(node.field)
            node = node.operand
        elif isinstance(node, Index) and isinstance(node.key, Lit):
            if not isinstance(node.key.value, str):
                return None
            parts.append(node.key.value)
            node = node.operand
        else:
            return None


def _unquote(token: str) -> str:
    for quote in ('"""', "'''", '"', "'"):
        if token.startswith(quote) and token.endswith(quote) and len(token) >= 2 * len(quote):
            return token[len(quote) : len(token) - len(quote)]
    return token


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")
