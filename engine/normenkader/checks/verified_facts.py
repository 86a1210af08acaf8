"""``verified_facts``: the profile facts that remove obligations agree with the evidence.

The check reports the cross-check of ``facts.py`` (rules in ``norms/fact-checks.yaml``):
it fails naming, for each contradicted fact, the declared value, the evidence item (id,
kind, sha256), the JSON pointer and the value read there, and why that value shows the
fact. The engine has then already evaluated every norm with the stricter value; this check
makes the contradiction a finding of its own (NK.PRF.04). The norm must declare an
(optional) evidence input for every kind the rules read, so its finding lists each item
the verdict rests on by digest::

    evidence:
      dictionary: {kind: data-dictionary, optional: true}
      ...
    checks:
      - kind: verified_facts
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ..results import CheckResult, Status
from . import PYDANTIC_CONFIG, CheckConfig, CheckConfigError, register

if TYPE_CHECKING:
    from ..facts import Contradiction
    from ..norms.compiled import CompiledNorm
    from .context import NormContext


@dataclass(frozen=True)
class VerifiedFactsConfig(CheckConfig):
    __pydantic_config__ = PYDANTIC_CONFIG

    kind: Literal["verified_facts"]
    explain: dict[str, str] | None = None
    """What a contradiction means, {nl, en}; each contradiction is listed after it."""


@register
class VerifiedFactsCheck:
    kind: ClassVar[str] = "verified_facts"
    config_type: ClassVar[type] = VerifiedFactsConfig

    def __init__(self, config: VerifiedFactsConfig, norm: CompiledNorm) -> None:
        from ..facts import load_rules

        declared = {spec.kind for spec in norm.evidence.values()}
        undeclared = sorted({rule.kind for rule in load_rules().rules} - declared)
        if undeclared:
            raise CheckConfigError(
                "the fact checks read evidence kinds the norm does not declare as inputs: "
                + ", ".join(undeclared),
                "kind",
            )
        self.config = config

    def evaluate(self, ctx: NormContext) -> CheckResult:
        from ..facts import verify

        outcome = verify(ctx.bundle, ctx.as_of, ctx.cel_values)
        values: dict[str, Any] = {"fact_checks": outcome.digest}
        if outcome.contradictions:
            values["offending"] = sorted({c.fact for c in outcome.contradictions})
            values["contradictions"] = [c.to_dict() for c in outcome.contradictions]
        if outcome.problems:  # the facts concerned were raised to their strictest value
            text = "; ".join(outcome.problems)
            return CheckResult(
                self.kind,
                Status.ERROR,
                {
                    "en": f"fact checks could not be evaluated: {text}",
                    "nl": f"feitencontroles niet uit te voeren: {text}",
                },
                values,
            )
        if not outcome.contradictions:
            return CheckResult(
                self.kind,
                Status.PASS,
                {
                    "en": "the declared facts agree with the bundle's own evidence",
                    "nl": "de opgegeven feiten kloppen met het eigen bewijs van de bundel",
                },
                values,
            )
        explain = self.config.explain or {}
        message = {}
        for lang, lead in (
            ("en", "the bundle's own evidence contradicts the profile"),
            ("nl", "het eigen bewijs van de bundel spreekt het profiel tegen"),
        ):
            listed = "; ".join(_describe(c, lang) for c in outcome.contradictions)
            message[lang] = f"{explain.get(lang, lead)}: {listed}"
        return CheckResult(self.kind, Status.FAIL, message, values)


def _describe(item: Contradiction, lang: str) -> str:
    evidence = item.evidence
    where = f"{evidence['id']} ({evidence['kind']}, sha256 {evidence['sha256'][:12]})"
    at = item.at or "/"
    if lang == "nl":
        stated = (
            "niet opgegeven"
            if item.declared is None
            else f"opgegeven als {_shown(item.declared, lang)}"
        )
        return (
            f"profile.{item.fact} {stated}, "
            f"maar {where} {at} = {_shown(item.read, lang)}: {item.because['nl']} "
            f"Beoordeeld als {_shown(item.implied, lang)} ({item.source})"
        )
    stated = "not declared" if item.declared is None else f"declared {_shown(item.declared, lang)}"
    return (
        f"profile.{item.fact} {stated}, "
        f"but {where} {at} = {_shown(item.read, lang)}: {item.because['en']} "
        f"Evaluated as {_shown(item.implied, lang)} ({item.source})"
    )


def _shown(value: Any, lang: str) -> str:
    if value is None:
        return "niet opgegeven" if lang == "nl" else "not declared"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_shown(v, lang) for v in value) + "]"
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)
