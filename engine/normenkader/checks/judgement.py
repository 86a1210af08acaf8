"""``judgement``: the norm needs a supervisor's recorded verdict on a question.

The check itself never passes: it yields ``review`` with the question, and only a
judgement recorded in an assessments file (``--assessments``), pinned to the digests of
the evidence judged, closes it (design 6.6). Use it when the evidence can be checked
mechanically for presence but its adequacy is a matter of judgement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

from ..messages import texts
from ..results import CheckResult, Status
from . import PYDANTIC_CONFIG, CheckConfig, register

if TYPE_CHECKING:
    from ..norms.compiled import CompiledNorm
    from .context import NormContext


@dataclass(frozen=True)
class JudgementConfig(CheckConfig):
    __pydantic_config__ = PYDANTIC_CONFIG

    kind: Literal["judgement"]
    question: dict[str, str]
    """What the supervisor must judge, {nl, en}."""


@register
class JudgementCheck:
    kind: ClassVar[str] = "judgement"
    config_type: ClassVar[type] = JudgementConfig

    def __init__(self, config: JudgementConfig, norm: CompiledNorm) -> None:
        self.config = config

    def evaluate(self, ctx: NormContext) -> CheckResult:
        question = self.config.question
        return CheckResult(
            "judgement",
            Status.REVIEW,
            texts(
                "check.judgement.required",
                question={lang: question.get(lang, "") for lang in ("en", "nl")},
            ),
        )
