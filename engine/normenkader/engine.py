"""Evaluate a compiled norm set against one opened bundle (design 6.1-6.4).

Per bundle one evaluation context is built (profile, system, bundle facts and the CEL form
of each evidence item are converted once); norms are evaluated in topological order:

    in force?  ->  applies_if  ->  prerequisites  ->  evidence  ->  checks  ->  review
    -> judgement / waiver policies (so a judged or waived prerequisite lets dependants run)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from . import __version__
from .errors import InputError
from .evidence.bundle import Bundle, EvidenceItem
from .expressions import (
    EvaluationError,
    Expression,
    make_context,
    to_timestamp,
    with_timestamps,
)
from .norms.compiled import CompiledNorm, EvidenceSpec, NormSet
from .records import Record
from .results import (
    LETS_DEPENDANTS_RUN,
    CheckResult,
    EvidenceUse,
    Finding,
    Reason,
    Result,
    Status,
)
from .timeutil import parse_date, parse_period


class Policy(Protocol):
    """A waiver set or an assessment set: decides on a finding right after it is made."""

    digest: str

    def apply(self, finding: Finding, bundle: Bundle, as_of: date) -> None: ...

    def notices(self) -> list[dict[str, Any]]: ...


@dataclass(repr=False, eq=False)
class Options(Record):
    """How to evaluate: the as-of date and the waiver and judgement policies."""

    as_of: date
    waivers: Policy | None = None
    judgements: Policy | None = None
    #: norm ids whose prerequisites are taken as passed (norm fixture tests)
    isolated: frozenset[str] = frozenset()


@dataclass(repr=False, eq=False)
class NormContext(Record):
    """What a check sees while evaluating one norm on one bundle."""

    norm: CompiledNorm
    bundle: Bundle
    evidence: dict[str, EvidenceItem | None]
    as_of: date
    params: dict[str, Any]
    base: dict[str, Any]
    cel_values: dict[str, Any]
    _context: Any = field(default=None, repr=False)

    def cel(self) -> Any:
        """The CEL context for this norm (built on first use)."""
        if self._context is None:
            variables = dict(self.base)
            variables["params"] = with_timestamps(self.params)
            entries: dict[str, Any] = {}
            for name, item in self.evidence.items():
                if item is None:
                    variables[name] = None
                    entries[name] = None
                    continue
                variables[name] = self.cel_values[item.id]
                entries[name] = _entry_value(item)
            variables["evidence"] = entries
            self._context = make_context(variables)
        return self._context


def _entry_value(item: EvidenceItem) -> dict[str, Any]:
    entry = dict(item.entry)
    entry["sha256"] = item.record.sha256
    entry["size"] = item.record.size
    return with_timestamps(entry)  # type: ignore[no-any-return]


class _BundleScope:
    """Values converted once per bundle."""

    def __init__(self, bundle: Bundle, as_of: date) -> None:
        head = bundle.manifest["bundle"]
        self.base: dict[str, Any] = {
            "profile": with_timestamps(bundle.profile),
            "system": with_timestamps(bundle.system),
            "bundle": with_timestamps(dict(head)),
            "as_of": to_timestamp(as_of),
        }
        self.cel_values: dict[str, Any] = {}
        for item in bundle.items.values():
            if item.form == "structured" and item.problem is None:
                self.cel_values[item.id] = with_timestamps(item.content)
            else:
                self.cel_values[item.id] = _entry_value(item)
        self._facts_context: Any = None
        self._conditions: dict[str, tuple[str, Any]] = {}

    def facts_context(self) -> Any:
        if self._facts_context is None:
            self._facts_context = make_context(dict(self.base))
        return self._facts_context

    def condition(self, expression: Expression) -> Any:
        """The value of an ``applies_if`` (raises EvaluationError), evaluated once per
        source: its environment is the facts context alone (profile, system, bundle head,
        as-of date), the same for every norm of this bundle. (Not kept in the local cache:
        3.5% of a warm run did not pay for a sixth cache family.)"""
        known = self._conditions.get(expression.source)
        if known is not None:
            if known[0] == "error":
                raise EvaluationError(str(known[1]))
            return known[1]
        try:
            value = expression.evaluate(self.facts_context())
        except EvaluationError as exc:
            self._conditions[expression.source] = ("error", str(exc))
            raise
        self._conditions[expression.source] = ("value", value)
        return value


_FACT = re.compile(r"\b(profile|system)((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")


def _facts_used(expression: str, bundle: Bundle) -> dict[str, Any]:
    """The profile/system facts an applies_if reads, with their values (None if absent)."""
    facts: dict[str, Any] = {}
    for root, path in _FACT.findall(expression):
        value: Any = bundle.profile if root == "profile" else bundle.system
        for part in path.strip(".").split("."):
            value = value.get(part) if isinstance(value, dict) else None
        facts[f"{root}{path}"] = value
    return dict(sorted(facts.items()))


def evaluate(norm_set: NormSet, bundle: Bundle, options: Options) -> Result:
    scope = _BundleScope(bundle, options.as_of)
    findings: dict[str, Finding] = {}
    for norm in norm_set.norms.values():
        finding = _evaluate_norm(norm, bundle, options, scope, findings)
        if options.judgements is not None:
            options.judgements.apply(finding, bundle, options.as_of)
        if options.waivers is not None:
            options.waivers.apply(finding, bundle, options.as_of)
        findings[norm.id] = finding
    result = Result(
        engine={"name": "normenkader", "version": __version__},
        norm_set={
            "digest": norm_set.digest,
            "profile": norm_set.profile.id,
            "norms": len(norm_set.norms),
        },
        as_of=options.as_of.isoformat(),
        bundle=bundle.describe(),
        findings=sorted(findings.values(), key=lambda f: f.norm_id),
        inputs={
            "waivers": options.waivers.digest if options.waivers else None,
            "assessments": options.judgements.digest if options.judgements else None,
        },
    )
    for policy in (options.judgements, options.waivers):
        if policy is not None:
            result.notices.extend(policy.notices())
    result.notices.sort(key=lambda n: (str(n.get("norm_id", "")), str(n.get("code", ""))))
    from .catalogue.rollup import rollup

    result.requirements = rollup(result, norm_set)
    return result


def _base_finding(
    norm: CompiledNorm, status: Status, reason: Reason, message: dict[str, str]
) -> Finding:
    return Finding(
        norm_id=norm.id,
        set=norm.set,
        title=norm.title,
        severity=norm.severity,
        status=status,
        reason=reason,
        message=message,
        legal_basis=list(norm.legal_basis),
        derived_from=[dict(source) for source in norm.derived_from],
    )


def _evaluate_norm(
    norm: CompiledNorm,
    bundle: Bundle,
    options: Options,
    scope: _BundleScope,
    done: dict[str, Finding],
) -> Finding:
    as_of = options.as_of
    # 1. in force at the as-of date?
    if norm.effective:
        start = parse_date(str(norm.effective["from"]))
        until = norm.effective.get("until")
        end = parse_date(until) if until else None
        if as_of < start or (end is not None and as_of > end):
            window = f"{start.isoformat()} .. {end.isoformat() if end else ''}"
            finding = _base_finding(
                norm,
                Status.NOT_APPLICABLE,
                Reason.NOT_IN_FORCE,
                {
                    "en": f"not in force on {as_of.isoformat()} (in force {window})",
                    "nl": f"niet van kracht op {as_of.isoformat()} (van kracht {window})",
                },
            )
            finding.facts = {"as_of": as_of.isoformat(), "effective": dict(norm.effective)}
            return finding
    # 2. applicability
    facts: dict[str, Any] = {}
    if norm.condition is not None and norm.applies_if:
        facts = _facts_used(norm.applies_if, bundle)
        try:
            applies = scope.condition(norm.condition)
        except EvaluationError as exc:
            finding = _base_finding(
                norm,
                Status.ERROR,
                Reason.EXPRESSION_ERROR,
                {
                    "en": f"applicability could not be decided ({exc}); "
                    "declare the facts in bundle.yaml",
                    "nl": f"toepasselijkheid niet vast te stellen ({exc}); "
                    "leg de feiten vast in bundle.yaml",
                },
            )
            finding.facts = facts
            return finding
        if applies is not True:
            if applies is not False:
                finding = _base_finding(
                    norm,
                    Status.ERROR,
                    Reason.EXPRESSION_ERROR,
                    {"en": "applies_if is not a boolean", "nl": "applies_if is geen boolean"},
                )
                finding.facts = facts
                return finding
            shown = ", ".join(f"{k} = {_show(v)}" for k, v in facts.items())
            finding = _base_finding(
                norm,
                Status.NOT_APPLICABLE,
                Reason.CONDITION_FALSE,
                {
                    "en": f"does not apply: {norm.applies_if} is false ({shown})",
                    "nl": f"niet van toepassing: {norm.applies_if} is onwaar ({shown})",
                },
            )
            finding.facts = facts
            return finding
    # 3. prerequisites
    prerequisites = {
        required: done[required].status.value for required in norm.requires if required in done
    }
    if norm.id not in options.isolated:
        not_passed = [
            r for r in norm.requires if r in done and done[r].status not in LETS_DEPENDANTS_RUN
        ]
        if not_passed:
            roots: set[str] = set()
            for required in not_passed:
                upstream = done[required]
                if upstream.status is Status.BLOCKED and upstream.root_causes:
                    roots.update(upstream.root_causes)
                else:
                    roots.add(required)
            root_list = sorted(roots)
            described = ", ".join(f"{r} ({done[r].status.value})" for r in root_list)
            finding = _base_finding(
                norm,
                Status.BLOCKED,
                Reason.PREREQUISITE_NOT_PASSED,
                {
                    "en": f"blocked: prerequisite not passed; root cause {described}",
                    "nl": f"geblokkeerd: voorwaardelijke norm niet voldaan; oorzaak {described}",
                },
            )
            finding.facts = facts
            finding.prerequisites = prerequisites
            finding.root_causes = root_list
            return finding
    # 4. evidence
    resolved: dict[str, EvidenceItem | None] = {}
    uses: list[EvidenceUse] = []
    problems: list[tuple[Reason, str, str]] = []
    reads = norm.fields_read
    for name, spec in norm.evidence.items():
        item, reason, problem = _resolve(bundle, spec, as_of)
        if item is not None:
            uses.append(
                EvidenceUse(
                    name=name,
                    id=item.id,
                    kind=item.kind,
                    path=item.path,
                    sha256=item.record.sha256,
                    date=item.date.isoformat() if item.date else None,
                    read=reads.get(name, []),
                    problem=problem,
                )
            )
        elif problem:
            uses.append(
                EvidenceUse(name=name, id="", kind=spec.kind, path="", sha256="", problem=problem)
            )
        if reason is not None:
            if reason is Reason.EVIDENCE_ABSENT and spec.optional:
                resolved[name] = None
                uses[-1].problem = f"{problem} (optional input)"
                continue
            problems.append((reason, name, problem or ""))
        else:
            resolved[name] = item
    if problems:
        reason = problems[0][0]
        lines_en = "; ".join(f"{name}: {text}" for _, name, text in problems)
        finding = _base_finding(
            norm,
            Status.MISSING,
            reason,
            {"en": f"evidence not usable: {lines_en}", "nl": f"bewijs niet bruikbaar: {lines_en}"},
        )
        finding.facts = facts
        finding.prerequisites = prerequisites
        finding.evidence = uses
        return finding
    # 5. checks
    ctx = NormContext(
        norm=norm,
        bundle=bundle,
        evidence=resolved,
        as_of=as_of,
        params=norm.params,
        base=scope.base,
        cel_values=scope.cel_values,
    )
    results: list[CheckResult] = []
    for check in norm.checks:
        results.append(_run_check(check, ctx))
    status, reason, message = _combine(norm, results)
    finding = _base_finding(norm, status, reason, message)
    finding.facts = facts
    finding.prerequisites = prerequisites
    finding.evidence = uses
    finding.checks = results
    return finding


def _run_check(check: Any, ctx: NormContext) -> CheckResult:
    """Evaluate one check; unusable evidence or data becomes an ``error`` result.

    Checks signal bad input with ``InputError`` (a dataset that cannot be read) or
    ``EvaluationError`` (an expression that raised); anything else is a bug (exit 4).
    """
    kind = getattr(check, "kind", "?")
    try:
        result: CheckResult = check.evaluate(ctx)
    except InputError as exc:
        text = exc.line().removeprefix("error ")
        return CheckResult(
            kind,
            Status.ERROR,
            {"en": f"could not be evaluated: {text}", "nl": f"niet te beoordelen: {text}"},
            {"error": exc.code},
        )
    except EvaluationError as exc:
        return CheckResult(
            kind,
            Status.ERROR,
            {"en": f"check raised: {exc}", "nl": f"controle gaf een fout: {exc}"},
        )
    return result


def _combine(
    norm: CompiledNorm, results: list[CheckResult]
) -> tuple[Status, Reason, dict[str, str]]:
    def joined(status: Status, lang: str) -> str:
        return "; ".join(r.message.get(lang, "") for r in results if r.status is status)

    for status, reason in (
        (Status.ERROR, Reason.CHECK_ERROR),
        (Status.FAIL, Reason.CHECK_FAILED),
        (Status.REVIEW, Reason.INCONCLUSIVE),
    ):
        if any(r.status is status for r in results):
            if status is Status.ERROR and any(
                r.kind == "expr" for r in results if r.status is status
            ):
                reason = Reason.EXPRESSION_ERROR
            if status is Status.REVIEW and any(
                r.kind == "judgement" for r in results if r.status is status
            ):
                reason = Reason.JUDGEMENT_REQUIRED
            return status, reason, {"en": joined(status, "en"), "nl": joined(status, "nl")}
    if norm.review:
        prompt = norm.review_prompt or {
            "en": "a supervisor's judgement is required",
            "nl": "een oordeel van de toezichthouder is nodig",
        }
        return (
            Status.REVIEW,
            Reason.JUDGEMENT_REQUIRED,
            {
                "en": f"checks hold; judgement required: {prompt['en']}",
                "nl": f"controles voldoen; oordeel nodig: {prompt['nl']}",
            },
        )
    return (
        Status.PASS,
        Reason.ALL_CHECKS_HOLD,
        {"en": "all checks hold", "nl": "alle controles voldoen"},
    )


def _resolve(
    bundle: Bundle, spec: EvidenceSpec, as_of: date
) -> tuple[EvidenceItem | None, Reason | None, str | None]:
    """Pick the evidence item for a spec: (item, reason it is not usable, problem text)."""
    if spec.id is not None:
        item = bundle.items.get(spec.id)
        if item is None:
            return None, Reason.EVIDENCE_ABSENT, f"no evidence with id {spec.id!r}"
        if item.kind != spec.kind:
            return (
                item,
                Reason.EVIDENCE_INVALID,
                f"{item.id} is kind {item.kind}, expected {spec.kind}",
            )
        candidates = [item]
    else:
        candidates = bundle.of_kind(spec.kind)
        if not candidates:
            return None, Reason.EVIDENCE_ABSENT, f"no evidence of kind {spec.kind!r}"
    current = [c for c in candidates if c.date is None or c.date <= as_of]
    if not current:
        first = candidates[0]
        return first, Reason.EVIDENCE_ABSENT, f"{first.id} is dated after the as-of date"
    valid = [c for c in current if c.problem is None]
    if not valid:
        bad = sorted(current, key=lambda c: c.id)[0]
        return bad, Reason.EVIDENCE_INVALID, f"{bad.id} ({bad.path}) is invalid: {bad.problem}"
    valid.sort(key=lambda c: (c.date or date.min, c.id), reverse=True)
    chosen = valid[0]
    if spec.max_age:
        if chosen.date is None:
            return (
                chosen,
                Reason.EVIDENCE_UNDATED,
                f"{chosen.id} has no date; max age {spec.max_age}",
            )
        oldest = parse_period(spec.max_age).before(as_of)
        if chosen.date < oldest:
            return (
                chosen,
                Reason.EVIDENCE_STALE,
                f"{chosen.id} dated {chosen.date.isoformat()} is older than {spec.max_age} "
                f"at {as_of.isoformat()}",
            )
    return chosen, None, None


def _show(value: Any) -> str:
    if value is None:
        return "absent"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
