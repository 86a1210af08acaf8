"""``schema``: an extra JSON Schema (2020-12) on one structured evidence item.

Use it for structural demands a norm adds on top of the kind's own schema, e.g. "every
field of the data dictionary names a legal basis"::

    - kind: schema
      evidence: data_dictionary
      schema: {properties: {fields: {items: {required: [legal_basis]}}}}

The schema is compiled once per norm set with jsonschema-rs (linear-time regexes, local
``$ref``s only). Violations make the check fail, citing the JSON pointers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ..evidence.schemas import compile_schema, schema_errors
from ..messages import texts
from ..results import CheckResult, Status
from . import PYDANTIC_CONFIG, CheckConfig, CheckConfigError, register

if TYPE_CHECKING:
    from ..norms.compiled import CompiledNorm
    from .context import NormContext


@dataclass(frozen=True)
class SchemaConfig(CheckConfig):
    __pydantic_config__ = PYDANTIC_CONFIG

    kind: Literal["schema"]
    evidence: str
    """Name of the norm's evidence input to validate (a structured kind)."""
    schema: dict[str, Any]
    """JSON Schema (Draft 2020-12) the item's content must satisfy."""
    explain: dict[str, str] | None = None
    """What a failure means, {nl, en}."""


@register
class SchemaCheck:
    kind: ClassVar[str] = "schema"
    config_type: ClassVar[type] = SchemaConfig

    def __init__(self, config: SchemaConfig, norm: CompiledNorm) -> None:
        norm.require_inputs((config.evidence,), "evidence")
        self.config = config
        try:
            self.validator = compile_schema(dict(config.schema))
        except (ValueError, TypeError) as exc:
            raise CheckConfigError(f"invalid JSON Schema: {exc}", "schema") from None

    def evaluate(self, ctx: NormContext) -> CheckResult:
        item = ctx.evidence.get(self.config.evidence)
        if item is None:
            return CheckResult(
                "schema",
                Status.FAIL,
                texts("check.evidence_absent"),
            )
        errors = schema_errors(self.validator, item.content, limit=10)
        if not errors:
            return CheckResult("schema", Status.PASS, texts("check.holds"))
        explain = self.config.explain or {}
        default = texts("check.schema.fail")
        return CheckResult(
            "schema",
            Status.FAIL,
            {lang: explain.get(lang, default[lang]) for lang in ("en", "nl")},
            {"violations": errors, "evidence": item.id},
        )
