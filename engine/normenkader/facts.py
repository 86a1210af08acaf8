"""Verified facts: profile facts that remove obligations, cross-checked against the bundle.

A bundle's profile says which norms apply (``processes_personal_data: false`` turns the
privacy norms off). That is the auditee's own word, so every fact that can remove
obligations is checked against the bundle's own evidence by the declarative rules of
``norms/fact-checks.yaml``. Where an item contradicts the declared value, the engine
evaluates ``applies_if`` and the checks with the value the evidence implies (the stricter
one), every finding whose ``applies_if`` reads the fact records both values, and
NK.PRF.04 reports each contradiction with the item (id, sha256) and the value read
(docs/semantics.md, "Verified facts").

For each rule only the most recent valid item of its kind dated on or before the as-of date
is read, as a norm would choose it; an item dated later or invalid against its schema shows
nothing. Rules read the profile as declared, never one another's conclusions, so the
outcome does not depend on their order.
"""

from __future__ import annotations

import copy
import hashlib
import re
import weakref
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import InputError
from .expressions import EvaluationError, Expression, make_context
from .records import Record

if TYPE_CHECKING:
    from pathlib import Path

    from .evidence.bundle import Bundle, EvidenceItem

FORMAT = "normenkader-fact-checks/1"
RULES_CACHE_FORMAT = "normenkader-cache-factchecks/1"
#: At most this many values of a list read from evidence are reported.
MAX_READ_ITEMS = 20
_RULE_KEYS = {"id", "fact", "evidence", "when", "implies", "at", "read", "because", "source"}


class Rule(NamedTuple):
    """Evidence of one kind that can show a profile fact (see norms/fact-checks.yaml)."""

    id: str
    fact: str  # dotted path in the profile, e.g. ai_act.risk_class
    kind: str
    when: Expression
    implies: Expression
    at: str  # JSON pointer of the value read, in the item
    read: Expression
    because: dict[str, str]
    source: str


class Rules(NamedTuple):
    """The shipped rule set: per fact its values from fewest to most obligations."""

    facts: dict[str, tuple[Any, ...]]
    terms: dict[str, Any]
    rules: tuple[Rule, ...]
    digest: str
    #: every term list of strings, as ``_word_word_`` phrases for ``mentions``
    phrases: dict[str, tuple[str, ...]]


@dataclass(repr=False, eq=False)
class Contradiction(Record):
    """One evidence item whose content shows a stricter value than the profile declares."""

    fact: str
    declared: Any  # None when the profile does not declare the fact
    implied: Any
    rule: str
    evidence: dict[str, Any]  # id, kind, path, sha256, date
    at: str
    read: Any
    because: dict[str, str]
    source: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(repr=False, eq=False)
class Verification(Record):
    """The outcome for one bundle at one as-of date."""

    declared: dict[str, Any]
    profile: dict[str, Any]  # the verified profile: declared, raised where contradicted
    contradictions: list[Contradiction] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # rules that could not be evaluated
    digest: str = ""  # sha256 of the rule file

    def overridden(self) -> dict[str, list[Contradiction]]:
        """Contradictions by fact (only facts whose verified value differs)."""
        found: dict[str, list[Contradiction]] = {}
        for item in self.contradictions:
            found.setdefault(item.fact, []).append(item)
        return found

    def annotate(self, facts: dict[str, Any]) -> dict[str, Any]:
        """The facts an ``applies_if`` read, with verified values where they were raised.

        ``profile.X`` then holds the value the evaluation used, ``profile.X (declared)`` the
        value written in bundle.yaml and ``profile.X (evidence)`` the ids of the items that
        contradict it. A key naming a parent (``profile.ai_act``) is treated alike.
        """
        overridden = self.overridden()
        if not overridden:
            return facts
        annotated = dict(facts)
        for key in facts:
            if not key.startswith("profile."):
                continue
            path = key.removeprefix("profile.")
            touched = [f for f in overridden if f == path or f.startswith(path + ".")]
            if not touched:
                continue
            annotated[key] = lookup(self.profile, path)
            annotated[f"{key} (declared)"] = lookup(self.declared, path)
            annotated[f"{key} (evidence)"] = sorted(
                {c.evidence["id"] for f in touched for c in overridden[f]}
            )
        return dict(sorted(annotated.items()))


def lookup(profile: dict[str, Any], path: str) -> Any:
    """The value at a dotted path of the profile (None when absent)."""
    value: Any = profile
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _assign(profile: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    target = profile
    for part in parts[:-1]:
        child = target.get(part)
        if not isinstance(child, dict):
            child = target[part] = {}
        target = child
    target[parts[-1]] = value


# --- the rule file ------------------------------------------------------------------------


def rules_path() -> Path:
    from .resources import norms_dir

    return norms_dir() / "fact-checks.yaml"


_LOADED: dict[str, Rules] = {}


def load_rules(path: Path | None = None) -> Rules:
    """The rules of ``path`` (default: the shipped file), parsed once per content."""
    path = path or rules_path()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError("FACT_CHECKS_INVALID", f"cannot read: {exc.strerror}", str(path)) from None
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    known = _LOADED.get(digest)
    if known is not None:
        return known
    rules = _rules_from_bytes(data, str(path), digest)
    _LOADED[digest] = rules
    return rules


def _rules_from_bytes(data: bytes, where: str, digest: str) -> Rules:
    """Parse the rule file; its parsed value is cached under the file's bytes (and the
    engine fingerprint), so a warm run does not import the YAML parser for it."""
    from . import cache

    key = cache.make_key(RULES_CACHE_FORMAT, [data])
    raw = cache.read("factchecks", RULES_CACHE_FORMAT, key)
    if isinstance(raw, dict):
        try:
            return parse_rules(raw, where, digest)
        except InputError:
            pass  # a cached value that no longer parses is a miss
    from .yamlio import loads_yaml

    raw = loads_yaml(data, where).value
    rules = parse_rules(raw, where, digest)
    cache.write("factchecks", RULES_CACHE_FORMAT, key, raw)
    return rules


def parse_rules(value: Any, where: str, digest: str, strict: bool = False) -> Rules:
    """Check the rule file's shape (and, ``strict``, compile every expression)."""

    def bad(message: str) -> InputError:
        return InputError("FACT_CHECKS_INVALID", message, where)

    if not isinstance(value, dict) or value.get("format") != FORMAT:
        raise bad(f"not a {FORMAT} file")
    facts_value = value.get("facts")
    if not isinstance(facts_value, dict) or not facts_value:
        raise bad("facts must be a mapping of fact to its ordered values")
    facts: dict[str, tuple[Any, ...]] = {}
    for name, order in facts_value.items():
        if not isinstance(order, list) or len(order) < 2 or len(set(map(str, order))) < len(order):
            raise bad(f"facts.{name}: a list of at least two distinct values")
        facts[str(name)] = tuple(order)
    terms = value.get("terms") or {}
    if not isinstance(terms, dict):
        raise bad("terms must be a mapping")
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, raw in enumerate(value.get("rules") or []):
        here = f"rules[{index}]"
        if not isinstance(raw, dict) or set(raw) != _RULE_KEYS:
            raise bad(f"{here}: needs exactly the keys {', '.join(sorted(_RULE_KEYS))}")
        rule_id = str(raw["id"])
        if rule_id in seen:
            raise bad(f"{here}: rule id {rule_id} is used twice")
        seen.add(rule_id)
        if raw["fact"] not in facts:
            raise bad(f"{here}: fact {raw['fact']!r} is not listed under facts")
        because = raw["because"]
        if not isinstance(because, dict) or not because.get("nl") or not because.get("en"):
            raise bad(f"{here}: because needs nl and en")
        try:
            expressions = [Expression(str(raw[k]), strict) for k in ("when", "implies", "read")]
        except Exception as exc:  # CelSyntaxError: our own shipped file is wrong
            raise bad(f"{here} ({rule_id}): CEL: {exc}") from None
        rules.append(
            Rule(
                id=rule_id,
                fact=str(raw["fact"]),
                kind=str(raw["evidence"]),
                when=expressions[0],
                implies=expressions[1],
                at=str(raw["at"]),
                read=expressions[2],
                because={"nl": str(because["nl"]), "en": str(because["en"])},
                source=str(raw["source"]),
            )
        )
    if not rules:
        raise bad("no rules")
    phrases = {
        str(name): tuple(_words(str(p)) for p in value)
        for name, value in terms.items()
        if isinstance(value, list) and all(isinstance(p, str) and p.strip() for p in value)
    }
    return Rules(facts=facts, terms=dict(terms), rules=tuple(rules), digest=digest, phrases=phrases)


# --- verification --------------------------------------------------------------------------

_LAST: tuple[weakref.ref[Bundle], date, Verification] | None = None


def verify(bundle: Bundle, as_of: date, values: dict[str, Any]) -> Verification:
    """Check the profile of ``bundle`` against its evidence at ``as_of``.

    ``values`` holds the CEL value of each evidence item by id (the engine converts them
    once per bundle). The last outcome is kept, so the engine and NK.PRF.04's check share
    one computation.
    """
    global _LAST
    if _LAST is not None and _LAST[0]() is bundle and _LAST[1] == as_of:
        return _LAST[2]
    outcome = _verify(bundle, as_of, values, load_rules())
    _LAST = (weakref.ref(bundle), as_of, outcome)
    return outcome


def _verify(bundle: Bundle, as_of: date, values: dict[str, Any], rules: Rules) -> Verification:
    from .timeutil import to_timestamp, with_timestamps

    declared = bundle.profile
    outcome = Verification(declared=declared, profile=copy.deepcopy(declared))
    outcome.digest = rules.digest
    shared = {
        "profile": with_timestamps(declared),
        "system": with_timestamps(bundle.system),
        "terms": rules.terms,
        "as_of": to_timestamp(as_of),
    }
    scopes: dict[str, _ItemScope] = {}
    for rule in rules.rules:
        order = rules.facts[rule.fact]
        declared_value = lookup(declared, rule.fact)
        if declared_value is not None and declared_value not in order[:-1]:
            # already the strictest value (nothing can raise it: the usual case, so most
            # rules cost nothing), or outside the order (risk class gpai): never raised
            continue
        item = _current(bundle, rule.kind, as_of)
        if item is None:
            continue
        scope = scopes.get(item.id)
        if scope is None:
            entry = dict(item.entry)
            entry["sha256"] = item.record.sha256
            variables = dict(shared, item=values.get(item.id), entry=with_timestamps(entry))
            scope = scopes[item.id] = _ItemScope(variables, rules.phrases)
        shown = _apply(rule, order, declared_value, item, scope, outcome.problems)
        if shown is not None:
            outcome.contradictions.append(shown)
    outcome.contradictions.sort(key=lambda c: (c.fact, c.evidence["id"], c.rule))
    for fact, found in outcome.overridden().items():
        order = rules.facts[fact]
        _assign(outcome.profile, fact, max((c.implied for c in found), key=order.index))
    return outcome


def _apply(
    rule: Rule,
    order: tuple[Any, ...],
    declared: Any,
    item: EvidenceItem,
    scope: _ItemScope,
    problems: list[str],
) -> Contradiction | None:
    """One rule on one item: the contradiction it shows, if any.

    A rule that cannot be evaluated on this item (over the evaluation budget, or raising)
    is a problem (NK.PRF.04 reports ``error``) and counts as showing the strictest value:
    an item nobody could read must not relieve obligations either.
    """
    undecided = ""
    try:
        shows = scope.evaluate(rule.when) is True
        implied = scope.evaluate(rule.implies) if shows else None
        read = _plain(scope.evaluate(rule.read)) if shows else None
    except EvaluationError as exc:  # BudgetExceeded included
        problems.append(f"{rule.id} on {item.id}: {exc}")
        shows, implied, read, undecided = True, order[-1], None, str(exc)
    if not shows:
        return None
    if implied not in order:
        problems.append(f"{rule.id} on {item.id}: implies {implied!r}, not one of {list(order)}")
        implied, undecided = order[-1], "implied value outside the order"
    if order.index(implied) <= (order.index(declared) if declared is not None else -1):
        return None
    because = rule.because
    if undecided:
        because = {
            "en": f"could not be evaluated ({undecided}); taken at the strictest value",
            "nl": f"niet te beoordelen ({undecided}); genomen op de strengste waarde",
        }
    return Contradiction(
        fact=rule.fact,
        declared=declared,
        implied=implied,
        rule=rule.id,
        evidence={
            "id": item.id,
            "kind": item.kind,
            "path": item.path,
            "sha256": item.record.sha256,
            "date": item.date.isoformat() if item.date else None,
        },
        at=rule.at,
        read=read,
        because=because,
        source=rule.source,
    )


class _ItemScope:
    """The CEL variables of one evidence item; every expression runs within the budget.

    The rules may call ``mentions(text, 'list')``: whether ``text`` contains, as whole
    words, a phrase of the named term list (case-insensitive; ``_``, ``-``, spaces and other
    separators are word breaks). It is linear in the text, where a CEL ``matches`` over a
    long alternation compiles the pattern again for every field (seconds on a large data
    dictionary).
    """

    def __init__(self, variables: dict[str, Any], phrases: dict[str, tuple[str, ...]]) -> None:
        self.variables = variables
        self.phrases = phrases
        self._context: Any = None

    def context(self) -> Any:
        if self._context is None:
            self._context = make_context(self.variables)
            self._context.add_function("mentions", self.mentions)
        return self._context

    def mentions(self, text: Any, name: Any) -> bool:
        phrases = self.phrases.get(str(name))
        if phrases is None:
            raise ValueError(f"mentions: no term list {name!r}")
        words = _words(str(text))
        return any(phrase in words for phrase in phrases)

    def evaluate(self, expression: Expression) -> Any:
        from . import budget

        return budget.evaluate(expression, self.variables, self.context)


_SEPARATORS = re.compile(r"[^a-z0-9]+")


def _words(text: str) -> str:
    """``text`` lower-cased as ``_word_word_``: a phrase ``_a_b_`` is in it as whole words."""
    return "_" + _SEPARATORS.sub("_", text.lower()).strip("_") + "_"


def _current(bundle: Bundle, kind: str, as_of: date) -> EvidenceItem | None:
    """The item of ``kind`` a norm would take: valid, dated on or before ``as_of``, newest."""
    candidates = [
        item
        for item in bundle.of_kind(kind)
        if item.problem is None and (item.date is None or item.date <= as_of)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda item: (item.date or date.min, item.id))


def _plain(value: Any) -> Any:
    """A value read from evidence as JSON (long lists cut to ``MAX_READ_ITEMS``)."""
    if isinstance(value, list):
        return [_plain(v) for v in value[:MAX_READ_ITEMS]]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
