"""Check kinds: small, registered, documented units.

A check kind is a class with a ``config`` dataclass (validated by pydantic as part of the
norm model, so it appears in the published norm JSON Schema) and two phases, as OPA
separates compiling a policy from evaluating it:

* ``__init__(config, norm)`` compiles once per norm set (CEL programs, schemas, ...);
  it raises ``CheckConfigError`` for a config that cannot work;
* ``evaluate(ctx)`` runs once per bundle and returns a ``CheckResult``; it never prints
  and never raises for bad evidence (it returns ``error`` or ``fail`` with a message).

Every config dataclass derives from ``CheckConfig``, which adds the fields all kinds share
(``attested``). Kinds register themselves with ``@register``; ``kinds()`` imports the
built-in modules, whose names equal their kind names, so ``kind_class`` can import just the
one it needs; a built-in module that cannot be imported is an internal error naming the
kind, never a kind that silently disappears. A config type with nested dataclasses may
define ``from_validated(data)`` to rebuild itself from the cached JSON form.
Modules must keep heavy imports (duckdb, ...) inside ``evaluate`` so ``check`` starts fast.
Check kinds receive a ``NormContext`` (``checks/context.py``) and never import the engine.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

if TYPE_CHECKING:
    from ..norms.compiled import CompiledNorm
    from ..results import CheckResult
    from .context import NormContext

#: Built-in check-kind modules, imported on first use of the registry.
BUILTIN_MODULES = (
    "expr",
    "schema",
    "judgement",
    "group_metric",
    "proxy",
    "attestation",
    "protected_terms",
    "risk_profiles",
    "verified_facts",
)

PYDANTIC_CONFIG: dict[str, Any] = {"extra": "forbid", "use_attribute_docstrings": True}

ATTESTED_DOC = (
    "True: this check rests only on the auditee's own statement (a boolean or text it "
    "wrote about itself, not verified against other evidence). A finding that passes on "
    "such a check is reported as 'pass (attested by the organisation)', never as a plain pass."
)


@dataclass(frozen=True)
class CheckConfig:
    """The config fields every check kind shares; each kind's config derives from it.

    The shared fields are keyword-only, so a kind's own required fields may follow.
    """

    __pydantic_config__ = PYDANTIC_CONFIG

    attested: bool = field(default=False, kw_only=True, metadata={"description": ATTESTED_DOC})


class BuiltinKindMissing(RuntimeError):
    """A built-in check kind's module cannot be imported: a broken installation (exit 4)."""


class CheckConfigError(ValueError):
    """A check's configuration cannot be compiled; ``field`` names the offending key."""

    def __init__(self, message: str, field: str = "", line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.field = field
        self.line = line
        self.column = column


class Check(Protocol):
    kind: ClassVar[str]
    config_type: ClassVar[type]

    def evaluate(self, ctx: NormContext) -> CheckResult: ...


CheckType = TypeVar("CheckType", bound=type)
_REGISTRY: dict[str, type] = {}
_loaded = False


def register(cls: CheckType) -> CheckType:
    """Class decorator: register a check kind under ``cls.kind``."""
    kind = cls.kind  # type: ignore[attr-defined]
    if kind in _REGISTRY and _REGISTRY[kind] is not cls:
        raise RuntimeError(f"check kind {kind!r} registered twice")
    _REGISTRY[kind] = cls
    return cls


def kinds() -> dict[str, type]:
    """All registered check kinds, by name."""
    global _loaded
    if not _loaded:
        for module in BUILTIN_MODULES:
            _import_builtin(module)
        _loaded = True
    return dict(_REGISTRY)


def _import_builtin(module: str) -> None:
    """Import one built-in kind module; a missing one is an internal error naming the kind."""
    try:
        importlib.import_module(f"{__name__}.{module}")
    except ModuleNotFoundError as exc:
        raise BuiltinKindMissing(
            f"built-in check kind {module!r} cannot be imported: {exc}"
        ) from exc
    if module not in _REGISTRY:
        raise BuiltinKindMissing(f"built-in check module {module!r} registers no kind {module!r}")


def kind_class(name: str) -> type:
    """The class of one check kind, importing only its own module (fast start)."""
    if name not in _REGISTRY and name in BUILTIN_MODULES:
        _import_builtin(name)
    if name not in _REGISTRY:
        kinds()
    return _REGISTRY[name]


def build(config: Any, norm: CompiledNorm) -> Check:
    """Compile one check from its (validated) config dataclass."""
    cls = kind_class(config.kind)
    factory: Callable[[Any, CompiledNorm], Check] = cls
    return factory(config, norm)


def config_from_dict(data: dict[str, Any]) -> Any:
    """Rebuild a config dataclass from already validated data (the compiled cache)."""
    cls = kind_class(data["kind"])
    config_type: Any = cls.config_type  # type: ignore[attr-defined]
    from_validated = getattr(config_type, "from_validated", None)
    if from_validated is not None:
        return from_validated(data)
    return config_type(**data)
