"""``expr``: a CEL boolean over the norm's evidence, facts and params.

Example::

    - kind: expr
      expr: "model_card.features.all(f, f.protected_ground == 'none')"
      witness: "model_card.features.filter(f, f.protected_ground != 'none').map(f, f.name)"
      explain: {nl: "...", en: "..."}

``expr`` must yield true (holds) or false (fails); anything else is an ``error`` finding.
``witness`` is evaluated only when the check fails and is recorded as the offending values,
so a finding can say *which* features touch a protected ground. Both run within the
evaluation budget (``budget``): an expression or witness that may cost more on this input
is not evaluated and the check is an ``error`` (``evaluation_budget_exceeded``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ..budget import BudgetExceeded
from ..celsyntax import CelParseError, parse
from ..expressions import CelSyntaxError, EvaluationError, Expression, MissingField
from ..messages import texts
from ..results import CheckResult, Status
from . import PYDANTIC_CONFIG, CheckConfig, CheckConfigError, register

if TYPE_CHECKING:
    from ..norms.compiled import CompiledNorm
    from .context import NormContext


@dataclass(frozen=True)
class ExprConfig(CheckConfig):
    """A CEL expression over the norm's evidence and params that must hold."""

    __pydantic_config__ = PYDANTIC_CONFIG

    kind: Literal["expr"]
    expr: str
    """CEL expression that must evaluate to true for the norm to hold."""
    explain: dict[str, str] | None = None
    """What a failure means, {nl, en}; shown in the finding."""
    witness: str | None = None
    """CEL expression evaluated on failure; its value is recorded as the offending values."""


@register
class ExprCheck:
    kind: ClassVar[str] = "expr"
    config_type: ClassVar[type] = ExprConfig

    def __init__(self, config: ExprConfig, norm: CompiledNorm) -> None:
        self.config = config
        self.expression = _compile(config.expr, "expr", norm.strict)
        self.witness = _compile(config.witness, "witness", norm.strict) if config.witness else None

    def evaluate(self, ctx: NormContext) -> CheckResult:
        explain = self.config.explain or {}
        try:
            value = ctx.evaluate(self.expression)
        except BudgetExceeded:
            raise
        except MissingField as exc:
            return CheckResult(
                "expr",
                Status.ERROR,
                texts("check.expr.missing_field", field=exc.field),
                {"expr": self.config.expr, "missing_field": exc.field},
            )
        except EvaluationError as exc:
            return CheckResult(
                "expr",
                Status.ERROR,
                texts("check.expr.raised", error=str(exc)),
                {"expr": self.config.expr},
            )
        if value is True:
            return CheckResult(
                "expr", Status.PASS, texts("check.holds"), {"expr": self.config.expr}
            )
        if value is not False:
            return CheckResult(
                "expr",
                Status.ERROR,
                texts("check.expr.not_boolean", type=type(value).__name__),
                {"expr": self.config.expr},
            )
        values: dict[str, Any] = {"expr": self.config.expr}
        if self.witness is not None:
            try:
                values["offending"] = _plain(ctx.evaluate(self.witness))
            except BudgetExceeded:
                raise
            except EvaluationError as exc:
                values["offending_error"] = str(exc)
        default = texts("check.expr.fail")
        message = {lang: explain.get(lang, default[lang]) for lang in ("en", "nl")}
        return CheckResult("expr", Status.FAIL, message, values)


def _compile(source: str, field: str, strict: bool) -> Expression:
    """The expression; in strict mode (lint, validation) it must also parse for analysis, so
    its fields read and its cost bound are known statically."""
    try:
        expression = Expression(source, strict=strict)
    except CelSyntaxError as exc:
        raise CheckConfigError(exc.message, field, exc.line, exc.column) from None
    if strict:
        try:
            parse(source)
        except CelParseError as exc:
            raise CheckConfigError(
                f"CEL outside the subset normenkader analyses (fields read, evaluation "
                f"budget): {exc}",
                field,
            ) from None
    return expression


def _plain(value: Any) -> Any:
    """CEL results as JSON-safe values (timestamps as ISO strings)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
