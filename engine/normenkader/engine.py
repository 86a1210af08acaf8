"""Evaluate a compiled norm set against one opened bundle (design 6.1-6.4).

Per bundle one evaluation context is built (profile, system, bundle facts and the CEL form
of each evidence item are converted once); norms are evaluated in topological order over
``requires`` and ``answers``, each through one function per stage:

    in force?  ->  applies_if  ->  prerequisites and answered norms  ->  evidence  ->  checks
    -> judgement / waiver policies (so a judged or waived prerequisite lets dependants run)

Each stage returns a ``Finding`` (the norm stops there) or ``None`` (go on).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from . import __version__, budget, messages
from .budget import BudgetExceeded, output_problem
from .catalogue.rollup import rollup
from .celsyntax import fields_read
from .checks.context import NormContext, entry_value
from .errors import InputError
from .evidence.bundle import Bundle, EvidenceItem
from .expressions import EvaluationError, Expression, make_context
from .facts import verify as verify_facts
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
from .timeutil import parse_date, parse_period, to_timestamp, with_timestamps

__all__ = ["NormContext", "Options", "Policy", "evaluate"]

#: Statuses of an answered norm that leave its answering norm nothing to answer.
NOTHING_TO_ANSWER = LETS_DEPENDANTS_RUN
#: Statuses of an answered norm that block its answering norm (the finding is not known).
ANSWER_BLOCKED_BY = frozenset({Status.MISSING, Status.BLOCKED, Status.ERROR})


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
    #: keys of ``--trusted-keys`` (attestation checks); None: none given, such checks review
    trusted_keys: tuple[Any, ...] | None = None
    #: where the as-of date came from (check: bundle.reference_date, bundle.submitted,
    #: option or today); recorded in the result's inputs when set
    as_of_source: str | None = None


class _BundleScope:
    """Values converted once per bundle."""

    def __init__(
        self, bundle: Bundle, as_of: date, dates: dict[str, str], verify: bool = True
    ) -> None:
        head = bundle.manifest["bundle"]
        self.dates = dates
        self.base: dict[str, Any] = {
            "profile": with_timestamps(bundle.profile),
            "system": with_timestamps(bundle.system),
            "bundle": with_timestamps(dict(head)),
            "as_of": to_timestamp(as_of),
            "dates": with_timestamps(dates),  # the profile's application dates of the law
        }
        self.cel_values: dict[str, Any] = {}
        for item in bundle.items.values():
            if item.form == "structured" and item.problem is None:
                self.cel_values[item.id] = with_timestamps(item.content)
            else:
                self.cel_values[item.id] = entry_value(item)
        # verified facts (facts.py): a fact the bundle's own evidence contradicts is taken at
        # the stricter value it shows; fixture tests (``isolated``) take the profile as written
        self.verification = verify_facts(bundle, as_of, self.cel_values)
        self.raised = verify and bool(self.verification.contradictions)
        if self.raised:
            self.base["profile"] = with_timestamps(self.verification.profile)
        self._facts_context: Any = None
        self._conditions: dict[str, tuple[str, Any]] = {}
        self.sizes: budget.Sizes = {}  # value sizes for the evaluation budget

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
                raise (
                    known[1]
                    if isinstance(known[1], EvaluationError)
                    else EvaluationError(str(known[1]))
                )
            return known[1]
        try:  # within the evaluation budget, like every norm expression
            value = budget.evaluate(expression, self.base, self.facts_context, sizes=self.sizes)
        except EvaluationError as exc:
            self._conditions[expression.source] = ("error", exc)
            raise
        self._conditions[expression.source] = ("value", value)
        return value


_FACT_ROOTS = frozenset({"profile", "system"})


@functools.lru_cache(maxsize=8192)
def _reads(expression: str, names: frozenset[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Per name, the pointers ``expression`` reads (parsed once per expression and process:
    a run over many bundles asks this of the same applies_if for every bundle)."""
    node = budget.tree(expression)
    if node is None:
        return ()
    return tuple(
        (root, tuple(sorted(pointers))) for root, pointers in fields_read(node, names).items()
    )


def _dates_used(expression: str, dates: dict[str, str]) -> dict[str, Any]:
    """The application dates (``dates.<name>``) an applies_if reads, with their values."""
    pointers: set[str] = {p for _, read in _reads(expression, frozenset({"dates"})) for p in read}
    names = {pointer.split("/")[1] for pointer in pointers if pointer.count("/") >= 1}
    return {f"dates.{name}": dates.get(name) for name in sorted(names) if name}


def _facts_used(expression: str, bundle: Bundle) -> dict[str, Any]:
    """The profile/system facts an applies_if reads, with their values (None if absent).

    Read from the CEL syntax tree, so a name inside a string literal is not a fact read."""
    facts: dict[str, Any] = {}
    for root, pointers in _reads(expression, _FACT_ROOTS):
        for pointer in pointers:
            parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
            if not parts:
                continue
            value: Any = bundle.profile if root == "profile" else bundle.system
            for part in parts:
                value = value.get(part) if isinstance(value, dict) else None
            facts[".".join([root, *parts])] = value
    return dict(sorted(facts.items()))


def evaluate(norm_set: NormSet, bundle: Bundle, options: Options) -> Result:
    budget.load_trees(norm_set.digest)
    scope = _BundleScope(bundle, options.as_of, norm_set.profile.dates, not options.isolated)
    findings: dict[str, Finding] = {}
    for norm in norm_set.norms.values():
        finding = _evaluate_norm(norm, bundle, options, scope, findings)
        if options.judgements is not None:
            options.judgements.apply(finding, bundle, options.as_of)
        if options.waivers is not None:
            options.waivers.apply(finding, bundle, options.as_of)
        findings[norm.id] = finding
        _link_answer(finding, norm, findings)
    result = Result(
        engine={"name": "normenkader", "version": __version__},
        norm_set={
            "digest": norm_set.digest,
            "profile": norm_set.profile.id,
            "norms": len(norm_set.norms),
            "dates": norm_set.profile.dates,
        },
        as_of=options.as_of.isoformat(),
        bundle=bundle.describe(),
        findings=sorted(findings.values(), key=lambda f: f.norm_id),
        inputs={
            "waivers": options.waivers.digest if options.waivers else None,
            "assessments": options.judgements.digest if options.judgements else None,
            "fact_checks": scope.verification.digest,
            **({"as_of_source": options.as_of_source} if options.as_of_source else {}),
        },
    )
    for policy in (options.judgements, options.waivers):
        if policy is not None:
            result.notices.extend(policy.notices())
    result.notices.sort(key=lambda n: (str(n.get("norm_id", "")), str(n.get("code", ""))))
    result.requirements = rollup(result, norm_set)
    budget.save_trees()
    return result


def _link_answer(finding: Finding, norm: CompiledNorm, findings: dict[str, Finding]) -> None:
    """Show the answering norm's final status on each norm it answers (never its status)."""
    for answered in norm.answers:
        target = findings.get(answered)
        if target is not None:
            target.answered_by.append({"norm": norm.id, "status": finding.status.value})
            target.answered_by.sort(key=lambda link: link["norm"])


@dataclass(repr=False, eq=False)
class _NormRun(Record):
    """One norm on one bundle while its stages run: what each stage learned so far."""

    norm: CompiledNorm
    bundle: Bundle
    options: Options
    scope: _BundleScope
    done: dict[str, Finding]
    facts: dict[str, Any] = field(default_factory=dict)
    prerequisites: dict[str, str] = field(default_factory=dict)
    answers: dict[str, str] = field(default_factory=dict)
    evidence: list[EvidenceUse] = field(default_factory=list)
    resolved: dict[str, EvidenceItem | None] = field(default_factory=dict)

    def finding(self, status: Status, reason: Reason, message: dict[str, str]) -> Finding:
        norm = self.norm
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
            facts=self.facts,
            prerequisites=self.prerequisites,
            answers=self.answers,
            evidence=self.evidence,
        )


def _evaluate_norm(
    norm: CompiledNorm,
    bundle: Bundle,
    options: Options,
    scope: _BundleScope,
    done: dict[str, Finding],
) -> Finding:
    run = _NormRun(norm=norm, bundle=bundle, options=options, scope=scope, done=done)
    for stage in _STAGES:
        finding = stage(run)
        if finding is not None:
            return finding
    return _checks(run)


def _in_force(run: _NormRun) -> Finding | None:
    """Stage 1: outside its ``effective`` window the norm is not applicable."""
    norm, as_of = run.norm, run.options.as_of
    if not norm.effective:
        return None
    start = parse_date(str(norm.effective["from"]))
    until = norm.effective.get("until")
    end = parse_date(until) if until else None
    if start <= as_of and (end is None or as_of <= end):
        return None
    window = f"{start.isoformat()} .. {end.isoformat() if end else ''}"
    run.facts = {"as_of": as_of.isoformat(), "effective": dict(norm.effective)}
    return run.finding(
        Status.NOT_APPLICABLE,
        Reason.NOT_IN_FORCE,
        messages.texts("engine.not_in_force", as_of=as_of.isoformat(), window=window),
    )


def _applicability(run: _NormRun) -> Finding | None:
    """Stage 2: ``applies_if`` over the verified facts; false means not applicable."""
    norm = run.norm
    if norm.condition is None or not norm.applies_if:
        return None
    run.facts = _facts_used(norm.applies_if, run.bundle)
    run.facts.update(_dates_used(norm.applies_if, run.scope.dates))
    if run.scope.raised:  # the value used, the value declared, the evidence against it
        run.facts = run.scope.verification.annotate(run.facts)
    try:
        applies = run.scope.condition(norm.condition)
    except EvaluationError as exc:
        return run.finding(
            Status.ERROR,
            _error_reason(exc),
            messages.texts("engine.applicability_undecided", error=str(exc)),
        )
    if applies is True:
        return None
    if applies is not False:
        return run.finding(
            Status.ERROR,
            Reason.EXPRESSION_ERROR,
            messages.texts("engine.applies_if_not_boolean"),
        )
    shown = {
        lang: ", ".join(f"{k} = {_show(v, lang)}" for k, v in run.facts.items())
        for lang in ("en", "nl")
    }
    return run.finding(
        Status.NOT_APPLICABLE,
        Reason.CONDITION_FALSE,
        messages.texts("engine.does_not_apply", condition=norm.applies_if, shown=shown),
    )


def _prerequisites(run: _NormRun) -> Finding | None:
    """Stage 3a: every prerequisite must pass (or be waived or not applicable)."""
    norm, done = run.norm, run.done
    run.prerequisites = {r: done[r].status.value for r in norm.requires if r in done}
    if norm.id in run.options.isolated:
        return None
    not_passed = [
        r for r in norm.requires if r in done and done[r].status not in LETS_DEPENDANTS_RUN
    ]
    if not not_passed:
        return None
    roots = _root_causes(not_passed, done)
    described = _with_status({r: done[r].status for r in roots})
    finding = run.finding(
        Status.BLOCKED,
        Reason.PREREQUISITE_NOT_PASSED,
        messages.texts("engine.blocked_prerequisite", causes=described),
    )
    finding.root_causes = roots
    return finding


def _answered(run: _NormRun) -> Finding | None:
    """Stage 3b: a norm that ``answers`` others runs only when one of them has a finding.

    Nothing to answer (each answered norm passes, is waived or does not apply) makes it
    not applicable; an answered norm that is missing, blocked or in error blocks it (its
    finding is unknown); a fail or review is what it answers, so its stages go on. An
    answered norm outside this run (isolated fixture test, profile) counts as a finding.
    """
    norm, done = run.norm, run.done
    if not norm.answers:
        return None
    run.answers = {a: done[a].status.value for a in norm.answers if a in done}
    if norm.id in run.options.isolated or len(run.answers) < len(norm.answers):
        return None
    statuses = {a: done[a].status for a in norm.answers}
    unknown = [a for a, status in statuses.items() if status in ANSWER_BLOCKED_BY]
    if unknown:
        roots = _root_causes(unknown, done)
        described = _with_status({r: done[r].status for r in roots})
        finding = run.finding(
            Status.BLOCKED,
            Reason.PREREQUISITE_NOT_PASSED,
            messages.texts("engine.blocked_answer_unknown", causes=described),
        )
        finding.root_causes = roots
        return finding
    if all(status in NOTHING_TO_ANSWER for status in statuses.values()):
        shown = _with_status(statuses)
        return run.finding(
            Status.NOT_APPLICABLE,
            Reason.NOTHING_TO_ANSWER,
            messages.texts("engine.nothing_to_answer", shown=shown),
        )
    return None


def _with_status(statuses: dict[str, Status]) -> dict[str, str]:
    """``NK.X.01 (missing)`` per language: the status code in English, its label in Dutch."""
    items = statuses.items()
    return {
        "en": ", ".join(f"{n} ({s.value})" for n, s in items),
        "nl": ", ".join(f"{n} ({messages.text(f'status.{s.value}', 'nl')})" for n, s in items),
    }


def _root_causes(upstream_ids: list[str], done: dict[str, Finding]) -> list[str]:
    roots: set[str] = set()
    for upstream_id in upstream_ids:
        upstream = done[upstream_id]
        if upstream.status is Status.BLOCKED and upstream.root_causes:
            roots.update(upstream.root_causes)
        else:
            roots.add(upstream_id)
    return sorted(roots)


def _evidence(run: _NormRun) -> Finding | None:
    """Stage 4: resolve every evidence input; unusable evidence makes the norm missing.

    For a norm that answers a finding, absent answer evidence is itself the verdict: the
    finding was not answered (``fail``, ``answer_absent``).
    """
    norm, as_of = run.norm, run.options.as_of
    problems: list[tuple[Reason, str, dict[str, str]]] = []
    reads = norm.fields_read
    for name, spec in norm.evidence.items():
        item, reason, problem_text = _resolve(run.bundle, spec, as_of)
        problem = problem_text["en"] if problem_text else None  # the JSON keeps English
        if item is not None:
            run.evidence.append(
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
            run.evidence.append(
                EvidenceUse(name=name, id="", kind=spec.kind, path="", sha256="", problem=problem)
            )
        if reason is not None:
            if reason is Reason.EVIDENCE_ABSENT and spec.optional:
                run.resolved[name] = None
                run.evidence[-1].problem = messages.text("evidence.optional", "en", problem=problem)
                continue
            problems.append((reason, name, problem_text or {"en": "", "nl": ""}))
        else:
            run.resolved[name] = item
    if not problems:
        return None
    text = {
        lang: "; ".join(f"{name}: {detail[lang]}" for _, name, detail in problems)
        for lang in ("en", "nl")
    }
    if norm.answers and any(reason is Reason.EVIDENCE_ABSENT for reason, _, _ in problems):
        answered = ", ".join(norm.answers)
        return run.finding(
            Status.FAIL,
            Reason.ANSWER_ABSENT,
            messages.texts("engine.not_answered", answered=answered, problems=text),
        )
    return run.finding(
        Status.MISSING,
        problems[0][0],
        messages.texts("engine.evidence_not_usable", problems=text),
    )


def _checks(run: _NormRun) -> Finding:
    """Stage 5: run the checks and combine their results (then ``review`` if the norm asks)."""
    norm = run.norm
    ctx = NormContext(
        norm=norm,
        bundle=run.bundle,
        evidence=run.resolved,
        as_of=run.options.as_of,
        params=norm.params,
        base=run.scope.base,
        cel_values=run.scope.cel_values,
        answered=run.answers,
        sizes=run.scope.sizes,
        trusted_keys=run.options.trusted_keys,
    )
    results = [
        _run_check(check, config, ctx)
        for check, config in zip(norm.checks, norm.check_configs, strict=True)
    ]
    status, reason, message = _combine(norm, results)
    finding = run.finding(status, reason, message)
    finding.checks = results
    holds = status is Status.PASS or (
        status is Status.REVIEW and reason is Reason.JUDGEMENT_REQUIRED and not _open(results)
    )
    finding.attested = holds and any(r.attested and r.status is Status.PASS for r in results)
    return finding


def _open(results: list[CheckResult]) -> bool:
    return any(r.status is not Status.PASS for r in results)


#: The stages before the checks, in order; each returns a Finding to stop or None.
_STAGES: tuple[Callable[[_NormRun], Finding | None], ...] = (
    _in_force,
    _applicability,
    _prerequisites,
    _answered,
    _evidence,
)


def _run_check(check: Any, config: Any, ctx: NormContext) -> CheckResult:
    """Evaluate one check; unusable evidence or data becomes an ``error`` result.

    Checks signal bad input with ``InputError`` (a dataset that cannot be read) or
    ``EvaluationError`` (an expression that raised, or ran over its budget); anything else
    is a bug (exit 4). A result whose values or message are larger than the output budget
    becomes an ``error`` too.
    """
    kind = getattr(check, "kind", "?")
    try:
        result: CheckResult = check.evaluate(ctx)
    except InputError as exc:
        line = {lang: exc.line(lang).removeprefix("error ") for lang in ("en", "nl")}
        return CheckResult(
            kind,
            Status.ERROR,
            messages.texts("engine.could_not_evaluate", error=line),
            {"error": exc.code},
        )
    except BudgetExceeded as exc:
        return _budget_result(kind, exc)
    except EvaluationError as exc:
        return CheckResult(
            kind,
            Status.ERROR,
            messages.texts("engine.check_raised", error=str(exc)),
        )
    problem = output_problem(result.message, result.values)
    if problem is not None:
        return _budget_result(kind, problem)
    result.attested = bool(getattr(config, "attested", False))
    return result


def _budget_result(kind: str, exc: BudgetExceeded) -> CheckResult:
    return CheckResult(
        kind,
        Status.ERROR,
        messages.texts("engine.budget_exceeded", error=str(exc)),
        {"error": Reason.EVALUATION_BUDGET_EXCEEDED.value},
    )


def _error_reason(exc: EvaluationError) -> Reason:
    if isinstance(exc, BudgetExceeded):
        return Reason.EVALUATION_BUDGET_EXCEEDED
    return Reason.EXPRESSION_ERROR


def _combine(
    norm: CompiledNorm, results: list[CheckResult]
) -> tuple[Status, Reason, dict[str, str]]:
    def joined(status: Status, lang: str) -> str:
        return _sentences(r.message.get(lang, "") for r in results if r.status is status)

    for status, reason in (
        (Status.ERROR, Reason.CHECK_ERROR),
        (Status.FAIL, Reason.CHECK_FAILED),
        # a check that finds none of the alternative inputs it needs (a dataset or its group
        # counts) says so as missing: absent data is not demonstrated, never a violation
        (Status.MISSING, Reason.EVIDENCE_ABSENT),
        (Status.REVIEW, Reason.INCONCLUSIVE),
    ):
        found = [r for r in results if r.status is status]
        if found:
            if status is Status.ERROR:
                reason = _check_error_reason(found)
            if status is Status.REVIEW and any(r.kind == "judgement" for r in found):
                reason = Reason.JUDGEMENT_REQUIRED
            return status, reason, {"en": joined(status, "en"), "nl": joined(status, "nl")}
    if norm.review:
        prompt = norm.review_prompt or messages.texts("engine.review_default")
        return (
            Status.REVIEW,
            Reason.JUDGEMENT_REQUIRED,
            messages.texts("engine.review_required", prompt=prompt),
        )
    return (Status.PASS, Reason.ALL_CHECKS_HOLD, messages.texts("engine.all_checks_hold"))


def _sentences(parts: Iterable[str]) -> str:
    """Reasons one after another: a full sentence is followed by a space, a phrase by "; "
    (never ``period.; The next``)."""
    out = ""
    for part in parts:
        if out:
            out += " " if out.endswith((".", "?", "!")) else "; "
        out += part
    return out


def _check_error_reason(errors: list[CheckResult]) -> Reason:
    if any(r.values.get("error") == Reason.EVALUATION_BUDGET_EXCEEDED.value for r in errors):
        return Reason.EVALUATION_BUDGET_EXCEEDED
    if any(r.kind == "expr" for r in errors):
        return Reason.EXPRESSION_ERROR
    return Reason.CHECK_ERROR


def _resolve(
    bundle: Bundle, spec: EvidenceSpec, as_of: date
) -> tuple[EvidenceItem | None, Reason | None, dict[str, str] | None]:
    """Pick the evidence item for a spec: (item, reason it is not usable, problem {en, nl}).

    The period stays ISO 8601 (``P1Y``) in the problem: renderers put it in words.
    """
    if spec.id is not None:
        item = bundle.items.get(spec.id)
        if item is None:
            return None, Reason.EVIDENCE_ABSENT, messages.texts("evidence.no_id", id=spec.id)
        if item.kind != spec.kind:
            return (
                item,
                Reason.EVIDENCE_INVALID,
                messages.texts(
                    "evidence.wrong_kind", id=item.id, kind=item.kind, expected=spec.kind
                ),
            )
        candidates = [item]
    else:
        candidates = bundle.of_kind(spec.kind)
        if not candidates:
            return None, Reason.EVIDENCE_ABSENT, messages.texts("evidence.no_kind", kind=spec.kind)
    current = [c for c in candidates if c.date is None or c.date <= as_of]
    if not current:
        first = candidates[0]
        return first, Reason.EVIDENCE_ABSENT, messages.texts("evidence.after_as_of", id=first.id)
    valid = [c for c in current if c.problem is None]
    if not valid:
        bad = sorted(current, key=lambda c: c.id)[0]
        problem = messages.texts(
            "evidence.invalid", id=bad.id, path=bad.path, problem=str(bad.problem)
        )
        return bad, Reason.EVIDENCE_INVALID, problem
    valid.sort(key=lambda c: (c.date or date.min, c.id), reverse=True)
    chosen = valid[0]
    if spec.max_age:
        if chosen.date is None:
            return (
                chosen,
                Reason.EVIDENCE_UNDATED,
                messages.texts("evidence.undated", id=chosen.id, max_age=spec.max_age),
            )
        oldest = parse_period(spec.max_age).before(as_of)
        if chosen.date < oldest:
            return (
                chosen,
                Reason.EVIDENCE_STALE,
                messages.texts(
                    "evidence.stale",
                    id=chosen.id,
                    date=chosen.date.isoformat(),
                    max_age=spec.max_age,
                    as_of=as_of.isoformat(),
                ),
            )
    return chosen, None, None


def _show(value: Any, lang: str = "en") -> str:
    if value is None:
        return messages.text("engine.value_absent", lang)
    if isinstance(value, bool):
        return messages.text("engine.value_true" if value else "engine.value_false", lang)
    return str(value)
