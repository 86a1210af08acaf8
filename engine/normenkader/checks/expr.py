"""``expr``: a CEL boolean over the norm's evidence, facts and params.

Example::

    - kind: expr
      expr: "model_card.features.all(f, f.protected_ground == 'none')"
      witness: "model_card.features.filter(f, f.protected_ground != 'none').map(f, f.name)"
      explain: {nl: "...", en: "..."}

``expr`` must yield true (holds) or false (fails); anything else is an ``error`` finding.
``witness`` is evaluated only when the check fails and is recorded as the offending values,
so a finding can say *which* features touch a protected ground.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ..expressions import CelSyntaxError, EvaluationError, Expression
from ..results import CheckResult, Status
from . import PYDANTIC_CONFIG, CheckConfigError, register

if TYPE_CHECKING:
    from ..engine import NormContext
    from ..norms.compiled import CompiledNorm


@dataclass(frozen=True)
class ExprConfig:
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
        try:
            self.expression = Expression(config.expr, strict=norm.strict)
        except CelSyntaxError as exc:
            raise CheckConfigError(exc.message, "expr", exc.line, exc.column) from None
        self.witness: Expression | None = None
        if config.witness:
            try:
                self.witness = Expression(config.witness, strict=norm.strict)
            except CelSyntaxError as exc:
                raise CheckConfigError(exc.message, "witness", exc.line, exc.column) from None

    def evaluate(self, ctx: NormContext) -> CheckResult:
        explain = self.config.explain or {}
        try:
            value = self.expression.evaluate(ctx.cel())
        except EvaluationError as exc:
            return CheckResult(
                "expr",
                Status.ERROR,
                {"en": f"expression raised: {exc}", "nl": f"expressie gaf een fout: {exc}"},
                {"expr": self.config.expr},
            )
        if value is True:
            return CheckResult(
                "expr", Status.PASS, {"en": "holds", "nl": "voldoet"}, {"expr": self.config.expr}
            )
        if value is not False:
            return CheckResult(
                "expr",
                Status.ERROR,
                {
                    "en": f"expression gave {type(value).__name__}, not a boolean",
                    "nl": f"expressie gaf {type(value).__name__}, geen boolean",
                },
                {"expr": self.config.expr},
            )
        values: dict[str, Any] = {"expr": self.config.expr}
        if self.witness is not None:
            try:
                values["offending"] = _plain(self.witness.evaluate(ctx.cel()))
            except EvaluationError as exc:
                values["offending_error"] = str(exc)
        message = {
            "en": explain.get("en", "the condition does not hold"),
            "nl": explain.get("nl", "de voorwaarde is niet vervuld"),
        }
        return CheckResult("expr", Status.FAIL, message, values)


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
