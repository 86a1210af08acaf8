"""Bounded evaluation: a norm's expressions never hang a run and never flood a report.

The CEL engine (Rust) offers no cost limit and cannot be interrupted from Python, so the
bound is computed *before* evaluation. CEL has no loops or recursion; the only iteration is
the comprehension macros over a finite list or map, and the only operator whose result
grows faster than its inputs is ``+`` on strings and lists. So the work of an expression
is bounded by a polynomial in the sizes of its inputs, which are known before it runs:

* ``estimate`` walks the syntax tree (``celsyntax``) once, with each free variable bound
  to its runtime value, and adds up an upper bound of the steps: a comprehension costs its
  range's length times its body; a list or map literal is built on every evaluation of
  its node; ``+``, ``==`` and ``in`` cost the sizes of their operands; every other function
  is linear in its arguments. Values reached through the inputs are looked up, so a
  comprehension over ``features`` counts its real length, not the bundle's size.
* ``evaluate`` refuses an expression whose bound exceeds ``COST_BUDGET`` with
  ``BudgetExceeded`` (an ``error`` finding, reason ``evaluation_budget_exceeded``), before
  the engine is called, so refusing is as fast as estimating.
* An expression the parser does not understand has no static bound; it is evaluated in a
  forked child process that is killed after ``CHILD_TIMEOUT`` seconds (rare: every norm of
  the library parses, and lint says so).
* ``output_problem`` caps what a check puts into a finding (witnesses, messages).
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from .celsyntax import (
    Binary,
    Call,
    CelParseError,
    Comprehension,
    Cond,
    Ident,
    Index,
    ListLit,
    Lit,
    MapLit,
    Node,
    Select,
    Unary,
    from_data,
    parse,
    to_data,
)
from .expressions import EvaluationError, Expression

#: Upper bound of abstract steps for one expression (about half a second of CEL).
COST_BUDGET = 2_000_000
#: Steps to build one element of a list or map literal (measured: far slower than an
#: operator in the CEL engine, as every element is converted on each evaluation).
LITERAL_STEP = 40
#: Size bound (value nodes plus string characters) of what one check puts in a finding.
OUTPUT_BUDGET = 200_000
#: Longest message (characters) a check may put in a finding, per language.
MESSAGE_BUDGET = 20_000
#: Seconds an expression without a static bound may run in its child process.
CHILD_TIMEOUT = 2.0
#: Candidate values tracked per node before falling back to a size bound only.
_MAX_CANDIDATES = 20_000


class BudgetExceeded(EvaluationError):
    """An expression or a check's output is over its budget; nothing was evaluated."""


#: Sizes of values already measured, by ``id``; each entry keeps its value alive, so an id
#: is never reused while it is in the table (one table per bundle: ``NormContext.sizes``).
Sizes = dict[int, tuple[Any, int]]


class _Abs:
    """What is known of a value before evaluation: bounds, and maybe the values themselves.

    When the possible values are known, their size and length bounds are measured only if
    an operation asks for them (most selections only lead to further selections)."""

    __slots__ = ("_length", "_size", "elem", "sizes", "values")

    def __init__(
        self,
        size: int | None,
        length: int | None,
        values: list[Any] | None = None,
        elem: _Abs | None = None,
        sizes: Sizes | None = None,
    ) -> None:
        self._size = size  # upper bound: nodes plus string characters
        self._length = length  # upper bound: elements of a list or map, string characters
        self.values = values  # the possible concrete values, when known
        self.elem = elem  # bound of each element, when computed
        self.sizes = sizes

    @property
    def size(self) -> int:
        if self._size is None:
            sizes = self.sizes if self.sizes is not None else {}
            self._size = max((_measured(v, sizes) for v in self.values or ()), default=0)
        return self._size

    @property
    def length(self) -> int:
        if self._length is None:
            self._length = max(
                (len(v) for v in self.values or () if isinstance(v, str | bytes | list | dict)),
                default=1,
            )
        return self._length


_SCALAR = _Abs(1, 1)


def value_size(value: Any) -> int:
    """Nodes plus string characters of a JSON-like value (iterative: deep input is fine)."""
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str | bytes):
            total += 1 + len(item)
        elif isinstance(item, dict):
            total += 1
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            total += 1
            stack.extend(item)
        else:
            total += 1
    return total


def _measured(value: Any, sizes: Sizes) -> int:
    if isinstance(value, dict | list):
        known = sizes.get(id(value))
        if known is None:
            known = sizes[id(value)] = (value, value_size(value))
        return known[1]
    if isinstance(value, str | bytes):
        return 1 + len(value)
    return 1


class _Estimator:
    def __init__(self, variables: dict[str, Any], sizes: Sizes | None) -> None:
        self.variables = variables
        self.sizes: Sizes = {} if sizes is None else sizes

    def known(self, values: list[Any]) -> _Abs:
        if len(values) > _MAX_CANDIDATES:
            size = max((_measured(v, self.sizes) for v in values), default=0)
            return _Abs(size, size)
        return _Abs(None, None, values, None, self.sizes)

    def elements(self, operand: _Abs) -> _Abs:
        """What one element (list) or key (map) of the operand may be."""
        if operand.values is not None:
            items: list[Any] = []
            for value in operand.values:
                if isinstance(value, list | tuple):
                    items.extend(value)
                elif isinstance(value, dict):
                    items.extend(value.keys())
                if len(items) > _MAX_CANDIDATES:
                    return _Abs(operand.size, operand.size)
            return self.known(items)
        if operand.elem is not None:
            return operand.elem
        return _Abs(operand.size, operand.size)

    def members(self, operand: _Abs) -> _Abs:
        """What ``operand[i]`` may be: an element of a list or a value of a map."""
        if operand.values is not None:
            items: list[Any] = []
            for value in operand.values:
                if isinstance(value, list | tuple):
                    items.extend(value)
                elif isinstance(value, dict):
                    items.extend(value.values())
                if len(items) > _MAX_CANDIDATES:
                    return _Abs(operand.size, operand.size)
            return self.known(items)
        if operand.elem is not None:
            return operand.elem
        return _Abs(operand.size, operand.size)

    def walk(self, node: Node, env: dict[str, _Abs]) -> tuple[int, _Abs]:
        """(steps, value bound) of evaluating ``node`` once."""
        if isinstance(node, Lit):
            return 1, _Abs(node.size, node.size, [node.value])
        if isinstance(node, Ident):
            if node.name in env:
                return 1, env[node.name]
            if node.name in self.variables:
                return 1, self.known([self.variables[node.name]])
            return 1, _SCALAR  # unknown: the engine raises at once
        if isinstance(node, Select):
            cost, operand = self.walk(node.operand, env)
            if node.test:
                return cost + 1, _SCALAR
            if operand.values is not None:
                found = [
                    v[node.field] for v in operand.values if isinstance(v, dict) and node.field in v
                ]
                return cost + 1, self.known(found)
            return cost + 1, _Abs(operand.size, operand.size)
        if isinstance(node, Index):
            cost, operand = self.walk(node.operand, env)
            index_cost, _ = self.walk(node.key, env)
            return cost + index_cost + 1, self.members(operand)
        if isinstance(node, Comprehension):
            return self.comprehension(node, env)
        if isinstance(node, ListLit):
            cost, size, parts = 1, 1, []
            for item in node.items:
                item_cost, value = self.walk(item, env)
                cost += item_cost + LITERAL_STEP
                size += value.size
                parts.append(value)
            elem = _join(parts)
            if all(p.values is not None and len(p.values) == 1 for p in parts):
                concrete = [[p.values[0] for p in parts if p.values]]
                return cost, _Abs(size, len(parts), concrete, elem)
            return cost, _Abs(size, len(parts), None, elem)
        if isinstance(node, MapLit):
            cost, size = 1, 1
            for key, item in node.entries:
                key_cost, key_value = self.walk(key, env)
                item_cost, value = self.walk(item, env)
                cost += key_cost + item_cost + 2 * LITERAL_STEP
                size += key_value.size + value.size
            return cost, _Abs(size, len(node.entries))
        if isinstance(node, Unary):
            cost, _ = self.walk(node.operand, env)
            return cost + 1, _SCALAR
        if isinstance(node, Binary):
            return self.binary(node, env)
        if isinstance(node, Cond):
            costs = [self.walk(part, env) for part in (node.test, node.then, node.otherwise)]
            return sum(c for c, _ in costs) + 1, _join([costs[1][1], costs[2][1]]) or _SCALAR
        if isinstance(node, Call):
            walked = [self.walk(arg, env) for arg in node.args]
            if node.target is not None:
                walked.append(self.walk(node.target, env))
            size = sum(value.size for _, value in walked)
            cost = sum(c for c, _ in walked) + size + 1
            if node.function == "size":
                return cost, _SCALAR
            return cost, _Abs(max(size, 1), max(size, 1))
        raise CelParseError(f"cannot estimate {type(node).__name__}")  # pragma: no cover

    def comprehension(self, node: Comprehension, env: dict[str, _Abs]) -> tuple[int, _Abs]:
        cost, target = self.walk(node.range, env)
        element = self.elements(target)
        inner = {**env, node.var: element}
        body_cost, last = 0, _SCALAR
        for part in node.body:
            part_cost, last = self.walk(part, inner)
            body_cost += part_cost
        n = target.length
        total = cost + n * (body_cost + 2) + 1
        if node.macro == "map":
            return total, _Abs(1 + n * last.size, n, None, last)
        if node.macro == "filter":
            return total, _Abs(target.size, n, None, element)
        return total, _SCALAR

    def binary(self, node: Binary, env: dict[str, _Abs]) -> tuple[int, _Abs]:
        left_cost, left = self.walk(node.left, env)
        right_cost, right = self.walk(node.right, env)
        cost = left_cost + right_cost + 1
        if node.op == "+":
            size = left.size + right.size
            elem = (
                _join([e for e in (left.elem, right.elem) if e is not None])
                if (left.elem or right.elem)
                else None
            )
            return cost + size, _Abs(size, left.length + right.length, None, elem)
        if node.op in ("==", "!=", "in", "<", "<=", ">", ">="):
            return cost + left.size + right.size, _SCALAR
        if node.op in ("&&", "||"):
            return cost, _SCALAR
        return cost, _SCALAR


def _join(parts: list[_Abs]) -> _Abs | None:
    """A bound that holds for each of ``parts`` (None for none)."""
    if not parts:
        return None
    return _Abs(max(p.size for p in parts), max(p.length for p in parts))


class Estimate(NamedTuple):
    steps: int
    size: int


def estimate(node: Node, variables: dict[str, Any], sizes: Sizes | None = None) -> Estimate:
    """Upper bounds of the steps and of the result size of evaluating ``node``."""
    steps, value = _Estimator(variables, sizes).walk(node, {})
    return Estimate(steps, value.size)


_TREES: dict[str, Node | None] = {}
#: the trees of one norm set as kept in the local cache (source -> to_data, or None when
#: the source does not parse); ``_STORED_KEY`` is that entry's key, ``_STORED_NEW`` whether
#: this process parsed a source the entry lacked
_STORED: dict[str, Any] = {}
_STORED_KEY: str | None = None
_STORED_NEW = False
TREES_CACHE_FORMAT = "normenkader-cache-celtrees/1"


def load_trees(norm_set_digest: str) -> None:
    """Take the syntax trees of this norm set's expressions from the local cache (keyed by
    the norm-set digest and the engine fingerprint), so a warm run does not parse them."""
    global _STORED, _STORED_KEY, _STORED_NEW
    from . import cache

    key = cache.make_key(TREES_CACHE_FORMAT, [norm_set_digest])
    if key == _STORED_KEY:
        return
    value = cache.read("celtrees", TREES_CACHE_FORMAT, key)
    _STORED, _STORED_KEY, _STORED_NEW = (value if isinstance(value, dict) else {}), key, False


def save_trees() -> None:
    """Keep the trees parsed in this run for the next one (nothing when none was new)."""
    global _STORED_NEW
    if _STORED_NEW and _STORED_KEY is not None:
        from . import cache

        cache.write("celtrees", TREES_CACHE_FORMAT, _STORED_KEY, _STORED)
        _STORED_NEW = False


def tree(source: str) -> Node | None:
    """The syntax tree of a source (cached per process and, with :func:`load_trees`, in the
    local cache), or None when it does not parse."""
    global _STORED_NEW
    if source in _TREES:
        return _TREES[source]
    if source in _STORED:
        stored = _STORED[source]
        try:
            node = None if stored is None else from_data(stored)
        except (ValueError, KeyError, TypeError, IndexError):
            pass  # an entry that does not decode is a miss
        else:
            _TREES[source] = node
            return node
    try:
        parsed: Node | None = parse(source)
    except CelParseError:
        parsed = None
    _TREES[source] = parsed
    if _STORED_KEY is not None:
        _STORED[source] = None if parsed is None else to_data(parsed)
        _STORED_NEW = True
    return parsed


def evaluate(
    expression: Expression,
    variables: dict[str, Any],
    context: Callable[[], Any],
    budget: int = COST_BUDGET,
    sizes: Sizes | None = None,
) -> Any:
    """Evaluate within the budget: refuse what may cost more, fork what cannot be bounded.

    ``context`` builds the CEL context over ``variables`` (only called when evaluating);
    ``sizes`` is a table of measured values shared by the expressions of one bundle.
    """
    node = tree(expression.source)
    if node is None:
        return _in_child(expression, context(), CHILD_TIMEOUT)
    bound = estimate(node, variables, sizes)
    if bound.steps > budget:
        raise BudgetExceeded(
            f"estimated {bound.steps:,} steps for this input, budget {budget:,}".replace(",", " ")
        )
    return expression.evaluate(context())


def _in_child(expression: Expression, context: Any, timeout: float) -> Any:
    """Evaluate in a forked child killed after ``timeout`` seconds (no static bound)."""
    import pickle  # stdlib, but only this rare path needs it (check start-up is measured)

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(read_end)
            try:
                outcome: tuple[str, Any] = ("value", expression.evaluate(context))
            except EvaluationError as exc:
                outcome = ("error", str(exc))
            try:
                data = pickle.dumps(outcome)
            except Exception:
                data = pickle.dumps(("error", "the value cannot be returned"))
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(data)
        finally:
            os._exit(0)
    os.close(write_end)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BudgetExceeded(f"no static bound and still running after {timeout:g} s")
            ready, _, _ = select.select([read_end], [], [], left)
            if not ready:
                continue
            chunk = os.read(read_end, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
            if sum(len(c) for c in chunks) > 64 * OUTPUT_BUDGET:
                raise BudgetExceeded("the value is larger than the output budget")
    finally:
        os.close(read_end)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    if not chunks:
        raise EvaluationError("evaluation ended without a value")
    kind, value = pickle.loads(b"".join(chunks))
    if kind == "error":
        raise EvaluationError(str(value))
    return value


def output_problem(message: dict[str, str], values: dict[str, Any]) -> BudgetExceeded | None:
    """Why a check's message or values are too large for a finding, or None."""
    for lang, text in message.items():
        if len(text) > MESSAGE_BUDGET:
            return BudgetExceeded(
                f"the {lang} message has {len(text)} characters, budget {MESSAGE_BUDGET}"
            )
    size = value_size(values)
    if size > OUTPUT_BUDGET:
        return BudgetExceeded(f"the recorded values have size {size}, budget {OUTPUT_BUDGET}")
    return None
