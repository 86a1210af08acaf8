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
from datetime import UTC, date, datetime
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

    @property
    def names(self) -> tuple[str, ...]:
        """Top-level names the expression reads (macro variables included)."""
        return tuple(self._compile().variables())

    def evaluate(self, context: Any) -> Any:
        """Evaluate against a ``cel.Context``; CEL runtime failures raise ``EvaluationError``."""
        try:
            program = self._compile()
        except CelSyntaxError as exc:
            raise EvaluationError(f"does not compile: {exc}") from None
        try:
            return program.execute(context)
        except Exception as exc:  # the extension raises several builtin types
            raise EvaluationError(_clean(str(exc))) from None


class EvaluationError(Exception):
    """An expression raised at run time (missing field, type mismatch, division by zero)."""


def _clean(message: str) -> str:
    first = message.strip().splitlines()[0] if message.strip() else "evaluation failed"
    return first[:300]


def make_context(variables: dict[str, Any]) -> Any:
    """A ``cel.Context`` with our helper functions registered."""
    module = cel_module()
    context = module.Context(variables)
    return context


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def to_timestamp(value: str | date | datetime) -> datetime:
    """Normalise a date or date-time to a timezone-aware UTC datetime (naive means UTC).

    Raises ValueError for anything that is not one, including impossible dates and
    date-times whose UTC form falls outside years 1..9999 (``0001-01-01T00:00+01:00``).
    """
    try:
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=UTC)
        text = value.strip()
        if _DATE.fullmatch(text):
            return datetime.fromisoformat(text).replace(tzinfo=UTC)
        if _DATETIME.fullmatch(text):
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"date out of range: {value!r}") from None
    raise ValueError(f"not an ISO 8601 date: {value!r}")


def with_timestamps(value: Any) -> Any:
    """Copy of a JSON-like value where ISO 8601 date strings become UTC datetimes for CEL.

    Only strings that look exactly like a date or date-time are converted; anything else is
    left as is, so free text is never mangled.
    """
    if isinstance(value, dict):
        return {key: with_timestamps(item) for key, item in value.items()}
    if isinstance(value, list):
        return [with_timestamps(item) for item in value]
    if (
        isinstance(value, str)
        and len(value) <= 40
        and (_DATE.fullmatch(value) or _DATETIME.fullmatch(value))
    ):
        try:
            return to_timestamp(value)
        except ValueError:
            return value
    return value
