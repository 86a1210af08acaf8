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
from typing import Any


class _Node:
    """A node of the syntax tree (plain slotted classes: cheap to define at import)."""

    __slots__ = ()


class CelParseError(ValueError):
    """The expression is outside the CEL subset this parser understands."""


class Lit(_Node):
    __slots__ = ("size", "value")

    def __init__(self, value: object, size: int) -> None:
        self.value = value
        self.size = size  # length of a string or bytes literal, else 1


class Ident(_Node):
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


class Select(_Node):
    __slots__ = ("field", "operand", "test")

    def __init__(self, operand: Node, field: str, test: bool = False) -> None:
        self.operand = operand
        self.field = field
        self.test = test  # has(operand.field)


class Index(_Node):
    __slots__ = ("key", "operand")

    def __init__(self, operand: Node, key: Node) -> None:
        self.operand = operand
        self.key = key


class Call(_Node):
    __slots__ = ("args", "function", "target")

    def __init__(self, function: str, target: Node | None, args: tuple[Node, ...]) -> None:
        self.function = function
        self.target = target
        self.args = args


class Comprehension(_Node):
    __slots__ = ("body", "macro", "range", "var")

    def __init__(self, macro: str, range: Node, var: str, body: tuple[Node, ...]) -> None:
        self.macro = macro  # all | exists | exists_one | map | filter
        self.range = range
        self.var = var
        self.body = body  # map: (filter, transform) or (transform,); others: (predicate,)


class ListLit(_Node):
    __slots__ = ("items",)

    def __init__(self, items: tuple[Node, ...]) -> None:
        self.items = items


class MapLit(_Node):
    __slots__ = ("entries",)

    def __init__(self, entries: tuple[tuple[Node, Node], ...]) -> None:
        self.entries = entries


class Unary(_Node):
    __slots__ = ("op", "operand")

    def __init__(self, op: str, operand: Node) -> None:
        self.op = op
        self.operand = operand


class Binary(_Node):
    __slots__ = ("left", "op", "right")

    def __init__(self, op: str, left: Node, right: Node) -> None:
        self.op = op
        self.left = left
        self.right = right


class Cond(_Node):
    __slots__ = ("otherwise", "test", "then")

    def __init__(self, test: Node, then: Node, otherwise: Node) -> None:
        self.test = test
        self.then = then
        self.otherwise = otherwise


Node = (
    Lit | Ident | Select | Index | Call | Comprehension | ListLit | MapLit | Unary | Binary | Cond
)


def to_data(node: Node) -> list[Any]:
    """The tree as JSON-able lists (for the local cache): ``[tag, ...fields]``."""
    if isinstance(node, Lit):
        if isinstance(node.value, bytes):
            return ["B", node.value.hex(), node.size]
        return ["L", node.value, node.size]
    if isinstance(node, Ident):
        return ["I", node.name]
    if isinstance(node, Select):
        return ["S", to_data(node.operand), node.field, node.test]
    if isinstance(node, Index):
        return ["X", to_data(node.operand), to_data(node.key)]
    if isinstance(node, Call):
        target = None if node.target is None else to_data(node.target)
        return ["C", node.function, target, [to_data(a) for a in node.args]]
    if isinstance(node, Comprehension):
        return ["M", node.macro, to_data(node.range), node.var, [to_data(b) for b in node.body]]
    if isinstance(node, ListLit):
        return ["A", [to_data(i) for i in node.items]]
    if isinstance(node, MapLit):
        return ["D", [[to_data(k), to_data(v)] for k, v in node.entries]]
    if isinstance(node, Unary):
        return ["U", node.op, to_data(node.operand)]
    if isinstance(node, Binary):
        return ["O", node.op, to_data(node.left), to_data(node.right)]
    return ["Q", to_data(node.test), to_data(node.then), to_data(node.otherwise)]


def from_data(data: Any) -> Node:
    """The tree :func:`to_data` wrote (ValueError, KeyError, TypeError on anything else)."""
    tag = data[0]
    if tag == "L":
        return Lit(data[1], int(data[2]))
    if tag == "B":
        return Lit(bytes.fromhex(data[1]), int(data[2]))
    if tag == "I":
        return Ident(str(data[1]))
    if tag == "S":
        return Select(from_data(data[1]), str(data[2]), bool(data[3]))
    if tag == "X":
        return Index(from_data(data[1]), from_data(data[2]))
    if tag == "C":
        target = None if data[2] is None else from_data(data[2])
        return Call(str(data[1]), target, tuple(from_data(a) for a in data[3]))
    if tag == "M":
        body = tuple(from_data(b) for b in data[4])
        return Comprehension(str(data[1]), from_data(data[2]), str(data[3]), body)
    if tag == "A":
        return ListLit(tuple(from_data(i) for i in data[1]))
    if tag == "D":
        return MapLit(tuple((from_data(k), from_data(v)) for k, v in data[1]))
    if tag == "U":
        return Unary(str(data[1]), from_data(data[2]))
    if tag == "O":
        return Binary(str(data[1]), from_data(data[2]), from_data(data[3]))
    if tag == "Q":
        return Cond(from_data(data[1]), from_data(data[2]), from_data(data[3]))
    raise ValueError(f"unknown node tag {tag!r}")

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


#: (kind, text); kind is string | number | ident | op | end
_Token = tuple[str, str]


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
            tokens.append((kind, match.group()))
        position = match.end()
    tokens.append(("end", ""))
    return tokens


#: Binary operators by precedence (higher binds tighter), as in the CEL grammar.
_PRECEDENCE = {
    "||": 1,
    "&&": 2,
    **dict.fromkeys(("==", "!=", "<", "<=", ">", ">=", "in"), 3),
    "+": 4,
    "-": 4,
    "*": 5,
    "/": 5,
    "%": 5,
}


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        #: token texts alone: a string literal keeps its quotes and a number is digits, so
        #: comparing texts never confuses them with an operator
        self.texts = [text for _, text in self.tokens]
        self.at = 0
        self.depth = 0

    def peek(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def accept(self, text: str) -> bool:
        if self.texts[self.at] == text:
            self.at += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            raise CelParseError(f"expected {text!r}, found {self.peek()[1] or 'end'!r}")

    def expression(self) -> Node:
        self.depth += 1
        if self.depth > 200:  # the CEL engine refuses deeper nesting too
            raise CelParseError("expression nested too deeply")
        test = self.binary(1)
        if self.accept("?"):
            then = self.binary(1)
            self.expect(":")
            otherwise = self.expression()
            test = Cond(test, then, otherwise)
        self.depth -= 1
        return test

    def binary(self, minimum: int) -> Node:
        """Precedence climbing: operators of at least ``minimum`` precedence, left-assoc."""
        left = self.unary()
        while True:
            kind, text = self.tokens[self.at]
            precedence = _PRECEDENCE.get(text, 0) if kind in ("op", "ident") else 0
            if precedence < max(minimum, 1):
                return left
            self.at += 1
            left = Binary(text, left, self.binary(precedence + 1))

    def unary(self) -> Node:
        text = self.texts[self.at]
        if text == "!" or text == "-":
            self.at += 1
            return Unary(text, self.unary())
        return self.member()

    def member(self) -> Node:
        node = self.primary()
        texts = self.texts
        while True:
            text = texts[self.at]
            if text != "." and text != "[":
                return node
            if self.accept("."):
                name = self.take()
                if name[0] != "ident":
                    raise CelParseError(f"expected a field name, found {name[1]!r}")
                if self.accept("("):
                    node = self.method(node, name[1], self.arguments(")"))
                else:
                    node = Select(node, name[1])
            elif self.accept("["):
                index = self.expression()
                self.expect("]")
                node = Index(node, index)

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
        if token[0] == "number":
            return Lit(_number(token[1]), 1)
        if token[0] == "string":
            text = _unquote(token[1].lstrip("rRbB"))
            return Lit(text, max(1, len(text)))
        if token[0] == "ident":
            if token[1] in ("true", "false"):
                return Lit(token[1] == "true", 1)
            if token[1] == "null":
                return Lit(None, 1)
            if token[1] == "in":
                raise CelParseError("unexpected 'in'")
            if self.accept("("):
                args = self.arguments(")")
                if token[1] == "has":
                    if len(args) != 1 or not isinstance(args[0], Select):
                        raise CelParseError("has() takes one field selection")
                    return Select(args[0].operand, args[0].field, True)
                return Call(token[1], None, args)
            if self.peek()[1] == "{" and token[1][:1].isupper():
                raise CelParseError("message construction is not supported")
            return Ident(token[1])
        if token[0] == "op":
            if token[1] == "(":
                inner = self.expression()
                self.expect(")")
                return inner
            if token[1] == "[":
                return ListLit(self.arguments("]"))
            if token[1] == "{":
                return MapLit(self.entries())
            if token[1] == "." and self.peek()[0] == "ident":
                return Ident(self.take()[1])  # leading dot: root-scoped name
        raise CelParseError(f"unexpected {token[1] or 'end'!r}")

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


#: Deepest syntax tree analysed; the walks over the tree recurse once or twice per level.
MAX_DEPTH = 200


def parse(source: str) -> Node:
    """The syntax tree of a CEL expression; raises ``CelParseError`` (also for a tree deeper
    than ``MAX_DEPTH``, such as 3,000 chained ``+`` or ``!``, so analysing never recurses
    without bound)."""
    parser = _Parser(source)
    try:
        node = parser.expression()
    except RecursionError:
        raise CelParseError("expression nested too deeply") from None
    if parser.peek()[0] != "end":
        raise CelParseError(f"unexpected {parser.peek()[1]!r} after the expression")
    if depth(node) > MAX_DEPTH:
        raise CelParseError(f"expression nested deeper than {MAX_DEPTH} levels")
    return node


def depth(node: Node) -> int:
    """Levels of the tree (iterative, so a degenerate tree cannot exhaust the stack)."""
    deepest = 0
    stack = [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children(current))
    return deepest


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
