"""``risk_profiles``: the steps of the CRM risk-profiling framework on every risk profile.

Example::

    params: {suspect_grounds: [nationality, ethnicity, ...], decisive_share: 0.5}
    checks:
      - kind: risk_profiles
        assessment: profiles     # risk-profile-assessment input (required)
        model_card: model_card   # model-card input (optional; cross-checks the criteria)
        part: suspect            # or: proxies

The Netherlands Institute for Human Rights' *Toetsingskader risicoprofilering* (2021; 2025
edition) asks, per risk profile: is there a distinction, and is it traceable to a suspect
ground (race, ethnic origin, nationality); can it be justified. A profile must never rest
solely or decisively on a suspect ground, nor be aimed at one nationality or origin.

A criterion's grounds come from the assessment's own ``ground`` and ``proxy_for``, from the
model card's tag of the feature with the same name, and from the curated term list matched
against the criterion's name and description (``protected_terms``), so the assessment cannot
talk a criterion out of being suspect.

* ``part: suspect`` (NK.DISC.15): fail when a profile targets one group, when a suspect
  criterion is the only one, marked decisive or carries at least ``decisive_share`` of the
  profile's weight, when the assessment says a profile is not traceable to a suspect ground
  while a criterion is, or when a model feature is missing from the model's profile; review
  when a suspect criterion is otherwise part of a profile and very weighty reasons and the
  justification steps are recorded; fail when they are not.
* ``part: proxies`` (NK.DISC.16): a criterion that may stand in for a protected ground
  (declared ``proxy_for``, or a name matching ``params.proxy_terms``: postcode, language,
  type of education ...) needs a recorded proxy justification (aim, necessity, alternatives
  considered); with a measured association at or below ``params.proxy_threshold`` it passes,
  otherwise the supervisor weighs it (review).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ..messages import text as message
from ..messages import texts
from ..results import CheckResult, Status
from . import PYDANTIC_CONFIG, CheckConfig, CheckConfigError, register
from .protected_terms import Screen, ScreenBudgetExceeded, compile_pattern, load_terms, tokens

if TYPE_CHECKING:
    from ..norms.compiled import CompiledNorm
    from .context import NormContext

JUSTIFICATION_STEPS = ("legitimate_aim", "suitability", "necessity", "proportionality")
PROXY_STEPS = ("aim", "necessity", "alternatives_considered")


@dataclass(frozen=True)
class RiskProfilesConfig(CheckConfig):
    """Applies the CRM risk-profiling steps to every recorded risk profile."""

    __pydantic_config__ = PYDANTIC_CONFIG

    kind: Literal["risk_profiles"]
    assessment: str
    """Evidence name of the risk-profile-assessment input."""
    part: Literal["suspect", "proxies"]
    """Which steps: suspect grounds (solely or decisively) or proxy justification."""
    model_card: str | None = None
    """Evidence name of an optional model-card input (criteria of the model's profile)."""
    explain: dict[str, str] | None = None
    """What a failure means, {nl, en}; shown in the finding."""


@register
class RiskProfilesCheck:
    kind: ClassVar[str] = "risk_profiles"
    config_type: ClassVar[type] = RiskProfilesConfig

    def __init__(self, config: RiskProfilesConfig, norm: CompiledNorm) -> None:
        self.config = config
        names = tuple(n for n in (config.assessment, config.model_card) if n)
        norm.require_inputs(names, "assessment")
        try:
            self.proxy_patterns = tuple(
                compile_pattern(str(p)) for p in norm.params.get("proxy_terms") or ()
            )
        except ValueError as exc:
            raise CheckConfigError(str(exc), "params.proxy_terms") from None

    def evaluate(self, ctx: NormContext) -> CheckResult:
        assessment = _content(ctx, self.config.assessment) or {}
        card = _content(ctx, self.config.model_card) or {}
        features = {
            _key(str(f.get("name", ""))): f
            for f in card.get("features") or []
            if isinstance(f, dict)
        }
        profiles = [p for p in assessment.get("profiles") or [] if isinstance(p, dict)]
        try:
            terms = load_terms()
        except (OSError, ValueError, KeyError, TypeError) as exc:
            return _result(Status.ERROR, f"term list unusable: {exc}", f"termenlijst: {exc}", {})
        screen = Screen(terms, int(ctx.params.get("max_screened_chars", 0)))
        try:
            if self.config.part == "suspect":
                return self._suspect(ctx, screen, profiles, features)
            return self._proxies(ctx, screen, profiles, features)
        except ScreenBudgetExceeded as exc:
            return _result(
                Status.ERROR,
                f"the evidence holds too much text to screen: {exc}",
                f"het bewijs bevat te veel tekst om te doorzoeken: {exc}",
                {},
            )

    # -- CRM 2.1 / 2.2: suspect grounds ---------------------------------------------------

    def _suspect(
        self,
        ctx: NormContext,
        screen: Screen,
        profiles: list[dict[str, Any]],
        features: dict[str, Any],
    ) -> CheckResult:
        terms = screen.terms
        suspect = frozenset(ctx.params.get("suspect_grounds") or terms.hard_line)
        share_limit = float(ctx.params.get("decisive_share", 0.5))
        min_chars = int(ctx.params.get("min_justification_chars", 40))
        fails: list[dict[str, str]] = []
        reviews: list[str] = []
        rows: list[dict[str, Any]] = []
        model_criteria: set[str] = set()
        for profile in profiles:
            pid = str(profile.get("id", "?"))
            criteria = [c for c in profile.get("criteria") or [] if isinstance(c, dict)]
            if profile.get("used_by") == "model":
                model_criteria.update(_key(str(c.get("name", ""))) for c in criteria)
            weights = [w for c in criteria if isinstance(w := c.get("weight"), int | float)]
            total = float(sum(weights)) if len(weights) == len(criteria) else 0.0
            if profile.get("targets_single_group") is True:
                fails.append(texts("check.risk_profiles.single_group", profile=pid))
            suspect_here: list[str] = []
            for criterion in criteria:
                name = str(criterion.get("name", ""))
                grounds = _grounds(screen, criterion, features.get(_key(name)))
                hit = sorted(grounds & suspect)
                share = (
                    float(criterion["weight"]) / total
                    if total > 0 and isinstance(criterion.get("weight"), int | float)
                    else None
                )
                decisive = (
                    criterion.get("decisive") is True
                    or len(criteria) == 1
                    or (share is not None and share >= share_limit)
                )
                rows.append(
                    {
                        "profile": pid,
                        "criterion": name,
                        "grounds": sorted(grounds),
                        "suspect": hit,
                        "share": None if share is None else round(share, 4),
                        "decisive": decisive,
                    }
                )
                if not hit:
                    continue
                label = f"{pid}/{name} ({', '.join(hit)})"
                if decisive:
                    fails.append(texts("check.risk_profiles.decisive", criterion=label))
                else:
                    suspect_here.append(label)
            distinction = profile.get("distinction") or {}
            if suspect_here and distinction.get("traceable_to_suspect_ground") is False:
                fails.append(texts("check.risk_profiles.untraceable_claim", profile=pid))
            if suspect_here:
                justification = profile.get("justification") or {}
                missing = [
                    step
                    for step in (*JUSTIFICATION_STEPS, "very_weighty_reasons")
                    if len(str(justification.get(step) or "").strip()) < min_chars
                ]
                if missing:
                    fails.extend(_steps_missing(s, missing) for s in suspect_here)
                else:
                    reviews.extend(suspect_here)
        if self.config.model_card and features:
            left_out = sorted(
                str(f.get("name"))
                for k, f in features.items()
                if k not in model_criteria and f.get("indicator") is not False
            )
            if left_out:
                fails.append(texts("check.risk_profiles.left_out", features=str(left_out)))
        values: dict[str, Any] = {
            "criteria": rows,
            "suspect_grounds": sorted(suspect),
            "decisive_share": share_limit,
            "term_list": {"version": terms.version, "sha256": terms.sha256},
        }
        if fails:
            _offending(values, fails)
            en, nl = ("; ".join(f[lang] for f in fails) for lang in ("en", "nl"))
            return self._fail(en, nl, values)
        if reviews:
            listed = ", ".join(reviews)
            return _result(
                Status.REVIEW,
                f"a suspect ground is part of a profile; very weighty reasons to weigh: {listed}",
                f"een verdachte grond maakt deel uit van een profiel; zeer gewichtige redenen te"
                f" beoordelen: {listed}",
                values,
            )
        return _result(
            Status.PASS,
            "no profile rests on or targets a suspect ground",
            "geen profiel berust op of richt zich op een verdachte grond",
            values,
        )

    # -- proxies ------------------------------------------------------------------------

    def _proxies(
        self,
        ctx: NormContext,
        screen: Screen,
        profiles: list[dict[str, Any]],
        features: dict[str, Any],
    ) -> CheckResult:
        threshold = float(ctx.params.get("proxy_threshold", 0.3))
        min_chars = int(ctx.params.get("min_justification_chars", 40))
        fails: list[dict[str, str]] = []
        reviews: list[dict[str, str]] = []
        rows: list[dict[str, Any]] = []
        for profile in profiles:
            pid = str(profile.get("id", "?"))
            for criterion in profile.get("criteria") or []:
                if not isinstance(criterion, dict):
                    continue
                name = str(criterion.get("name", ""))
                reasons = self._proxy_reasons(screen, criterion, features.get(_key(name)))
                if not reasons:
                    continue
                label = f"{pid}/{name}"
                justification = criterion.get("proxy_justification") or {}
                missing = [
                    step
                    for step in PROXY_STEPS
                    if len(str(justification.get(step) or "").strip()) < min_chars
                ]
                association = justification.get("association") or {}
                value = association.get("value")
                measured = isinstance(value, int | float)
                if missing:
                    verdict = "fail"
                    fails.append(_steps_missing(label, missing))
                elif isinstance(value, int | float) and value <= threshold:
                    verdict = "pass"
                else:
                    verdict = "review"
                    why = (
                        texts("check.risk_profiles.unmeasured")
                        if not measured
                        else texts("check.risk_profiles.association", value=value)
                    )
                    reviews.append({lang: f"{label} ({why[lang]})" for lang in ("en", "nl")})
                rows.append(
                    {"profile": pid, "criterion": name, "why_proxy": reasons,
                     "association": value if measured else None, "verdict": verdict}
                )  # fmt: skip
        values: dict[str, Any] = {"proxies": rows, "proxy_threshold": threshold}
        if fails:
            _offending(values, fails)
            failed = {lang: "; ".join(f[lang] for f in fails) for lang in ("en", "nl")}
            return self._fail(
                f"proxy without a recorded justification: {failed['en']}",
                f"proxy zonder vastgelegde rechtvaardiging: {failed['nl']}",
                values,
            )
        if reviews:
            weigh = {lang: ", ".join(r[lang] for r in reviews) for lang in ("en", "nl")}
            return _result(
                Status.REVIEW,
                f"proxy justification to be weighed: {weigh['en']}",
                f"rechtvaardiging van een proxy te beoordelen: {weigh['nl']}",
                values,
            )
        return _result(
            Status.PASS,
            "every proxy is justified and weakly associated with the protected ground",
            "elke proxy is gerechtvaardigd en hangt zwak samen met de beschermde grond",
            values,
        )

    def _proxy_reasons(
        self, screen: Screen, criterion: dict[str, Any], feature: dict[str, Any] | None
    ) -> list[str]:
        reasons = [f"declared proxy for {g}" for g in criterion.get("proxy_for") or []]
        if feature:
            reasons += [f"model card: proxy for {g}" for g in feature.get("proxy_for") or []]
        for field in ("name", "description"):
            text = str(criterion.get(field) or "")
            screen.charge(len(text))
            words = tokens(text)
            for pattern in self.proxy_patterns:
                if any(pattern.match_at(words, i) for i in range(len(words))):
                    reasons.append(f"{field} matches known proxy '{pattern.source}'")
        return sorted(set(reasons))

    def _fail(self, en: str, nl: str, values: dict[str, Any]) -> CheckResult:
        explain = self.config.explain or {}
        message = {
            "en": f"{explain['en']}: {en}" if "en" in explain else en,
            "nl": f"{explain['nl']}: {nl}" if "nl" in explain else nl,
        }
        return CheckResult("risk_profiles", Status.FAIL, message, values)


def _grounds(screen: Screen, criterion: dict[str, Any], feature: dict[str, Any] | None) -> set[str]:
    """The grounds a criterion touches: its own tag, the model card's tag, the term list."""
    grounds = {str(criterion.get("ground", "none"))}
    if feature:
        grounds.add(str(feature.get("protected_ground", "none")))
    for text, scope in ((criterion.get("name"), "names"), (criterion.get("description"), "text")):
        if isinstance(text, str):
            grounds.update(h.ground for h in screen(text, scope) if h.strength == "strong")
    grounds.discard("none")
    return grounds


def _content(ctx: NormContext, name: str | None) -> Any:
    item = ctx.evidence.get(name) if name else None
    if item is None or item.form != "structured":
        return None
    return item.content


def _key(name: str) -> str:
    return "_".join(tokens(name))


def _steps_missing(criterion: str, steps: list[str]) -> dict[str, str]:
    """``x: no aim, necessity`` with the steps named in each language."""
    named = {
        lang: ", ".join(message(f"check.step.{step}", lang) for step in steps)
        for lang in ("en", "nl")
    }
    return texts("check.risk_profiles.steps_missing", criterion=criterion, steps=named)


def _offending(values: dict[str, Any], fails: list[dict[str, str]]) -> None:
    """The offending items: English in ``offending`` (the data), Dutch in ``offending_nl``."""
    values["offending"] = [f["en"] for f in fails]
    values["offending_nl"] = [f["nl"] for f in fails]


def _result(status: Status, en: str, nl: str, values: dict[str, Any]) -> CheckResult:
    return CheckResult("risk_profiles", status, {"en": en, "nl": nl}, values)
