"""CEL, the only expression language of norms.

``common-expression-language``'s package ``__init__`` imports its own command-line tool
(typer, rich, prompt_toolkit: about +230 ms), so we load the compiled extension module
``cel.cel`` directly from the package folder and fall back to ``import cel`` only if that
fails. Everything else in normenkader talks to CEL through this module.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import re
import sys
from functools import cache
from types import ModuleType
from typing import Any


@cache
def cel_module() -> ModuleType:
    """The compiled CEL extension module, loaded without the package's CLI."""
    if "cel.cel" in sys.modules:
        return sys.modules["cel.cel"]
    spec = importlib.util.find_spec("cel")
    folder = list(spec.submodule_search_locations or []) if spec else []
    for location in folder:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            candidate = f"{location}/cel{suffix}"
            try:
                loader = importlib.machinery.ExtensionFileLoader("cel.cel", candidate)
                ext_spec = importlib.util.spec_from_file_location(
                    "cel.cel", candidate, loader=loader
                )
                if ext_spec is None:
                    continue
                module = importlib.util.module_from_spec(ext_spec)
                loader.exec_module(module)
            except (ImportError, OSError):
                continue
            sys.modules["cel.cel"] = module
            return module
    import cel  # pragma: no cover - fallback when the layout changes

    return cel  # pragma: no cover


_POSITION = re.compile(r"<input>:(\d+):(\d+): (.*)")


class CelSyntaxError(Exception):
    """A CEL expression does not compile; line/column are 1-based, inside the expression."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message, line, column)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


#: Compiled programs by source: norms share conditions such as their applies_if, and a
#: program is immutable, so each distinct source is compiled once per process.
_PROGRAMS: dict[str, Any] = {}


class Expression:
    """A CEL expression, compiled on first use (or at once with ``strict=True``).

    Lint and the norm-set compiler use ``strict=True`` so every syntax error is reported
    with its position; a ``check`` run from the validated cache compiles only the
    expressions of norms that actually reach their checks.
    """

    __slots__ = ("_program", "source")

    def __init__(self, source: str, strict: bool = True) -> None:
        self.source = source
        self._program: Any = None
        if strict:
            self._compile()

    def _compile(self) -> Any:
        if self._program is None:
            program = _PROGRAMS.get(self.source)
            if program is not None:
                self._program = program
                return program
            try:
                self._program = _PROGRAMS[self.source] = cel_module().compile(self.source)
            except ValueError as exc:
                text = str(exc)
                match = _POSITION.search(text)
                if match:
                    raise CelSyntaxError(
                        match.group(3).strip(), int(match.group(1)), int(match.group(2)) + 1
                    ) from None
                raise CelSyntaxError(text.splitlines()[0], 1, 1) from None
        return self._program

    def evaluate(self, context: Any) -> Any:
        """Evaluate against a ``cel.Context``; CEL runtime failures raise ``EvaluationError``."""
        try:
            program = self._compile()
        except CelSyntaxError as exc:
            raise EvaluationError(f"does not compile: {exc}") from None
        try:
            return program.execute(context)
        except KeyError as exc:  # a field the evidence does not have: name it, not a repr
            field = str(exc.args[0]) if exc.args else "?"
            raise MissingField(field) from None
        except Exception as exc:  # the extension raises several builtin types
            raise EvaluationError(_clean(str(exc))) from None


class EvaluationError(Exception):
    """An expression raised at run time (missing field, type mismatch, division by zero)."""


class MissingField(EvaluationError):
    """The expression reads a field that the evidence (or profile) does not have."""

    def __init__(self, field: str) -> None:
        self.field = _clean(field)[:120]
        super().__init__(f"no field {self.field}")


def _clean(message: str) -> str:
    first = message.strip().splitlines()[0] if message.strip() else "evaluation failed"
    return first[:300]


def make_context(variables: dict[str, Any]) -> Any:
    """A ``cel.Context`` with our helper functions registered."""
    module = cel_module()
    context = module.Context(variables)
    return context
