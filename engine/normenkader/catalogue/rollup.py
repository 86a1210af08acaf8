"""Requirement roll-ups: from norm statuses to a verdict per catalogue requirement.

A catalogue item (Algoritmekader requirement, ADR control, Rekenkamer item) is satisfied
by norms according to a rule in ``norms/catalogues/rollups.yaml``:

* ``all`` (the default, over every norm whose ``derived_from`` cites the item),
* ``any`` (the norms are alternative routes),
* ``k_of_n`` with ``k``,
* optionally an ``alternative``: norms backed by a signed attestation (an ``attestation``
  check) that, when they all pass, satisfy the item when the rule does not.

Per item the statuses of its norms decide (design 6.1): ``pass`` and ``waived`` count as
satisfied; ``not_applicable`` norms are left out (all of them not applicable: the item is
``not_applicable``); ``fail``, ``missing`` or ``blocked`` on a needed norm gives
``not_satisfied``; ``review`` or ``error`` that keeps the rule from a verdict gives
``open``. A blocker-severity norm that is fail, missing, blocked or review keeps the item
from ``satisfied`` whatever the rule or alternative says (an attestation never overrides a
legal hard line).

A norm whose link to the item is ``nominal`` (it cites the item but does not test what the
item asks, see ``Source.strength``) does not decide the item: an item with only nominal
links is ``not_tested``, however those norms turned out, so a passing norm never makes an
item it does not test look satisfied.

Which items a norm set touches, under which rule, does not depend on the bundle: that
*plan* is built once per norm set, catalogue state and rules file, and cached (see
``cache``), so a ``check`` run only applies ``decide`` to the statuses it found.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import InputError

if TYPE_CHECKING:
    from .citations import NormInfo
    from .model import Catalogue

RULES_FORMAT = "normenkader-rollups/1"
RULES = ("all", "any", "k_of_n")
SATISFIED = frozenset({"pass", "waived"})
BAD = frozenset({"fail", "missing", "blocked"})
OPEN = frozenset({"review", "error"})
BLOCKER_STOPS = frozenset({"fail", "missing", "blocked", "review"})


class Rule(NamedTuple):
    """How the norms of one catalogue item decide its status (all, any, k_of_n)."""

    catalogue: str
    id: str
    version: str
    rule: str = "all"
    k: int | None = None
    norms: tuple[str, ...] | None = None  # None: the norms that derive from the item
    alternative: tuple[str, ...] = ()
    explain: dict[str, str] | None = None

    def describe(self) -> str:
        if self.rule == "k_of_n":
            return f"k_of_n({self.k})"
        return self.rule


def _rule(entry: Any, where: str) -> Rule:
    allowed = {"catalogue", "id", "version", "rule", "k", "norms", "alternative", "explain"}
    if not isinstance(entry, dict) or not {"catalogue", "id", "version"} <= set(entry):
        raise InputError("ROLLUP_INVALID", "a rule needs catalogue, id and version", where)
    if set(entry) - allowed:
        raise InputError(
            "ROLLUP_INVALID", f"unknown keys: {', '.join(sorted(set(entry) - allowed))}", where
        )
    rule = entry.get("rule", "all")
    if rule not in RULES:
        raise InputError("ROLLUP_INVALID", f"rule must be one of {', '.join(RULES)}", where)
    k = entry.get("k")
    if (rule == "k_of_n") != (k is not None) or (
        k is not None and (not isinstance(k, int) or isinstance(k, bool) or k < 1)
    ):
        raise InputError("ROLLUP_INVALID", "k_of_n needs a positive integer k (and only it)", where)
    norms = entry.get("norms")
    if norms is not None and (
        not isinstance(norms, list) or not norms or not all(isinstance(n, str) for n in norms)
    ):
        raise InputError("ROLLUP_INVALID", "'norms' must be a non-empty list of norm ids", where)
    alternative = entry.get("alternative") or []
    if not isinstance(alternative, list) or not all(isinstance(n, str) for n in alternative):
        raise InputError("ROLLUP_INVALID", "'alternative' must be a list of norm ids", where)
    if k is not None and norms is not None and k > len(norms):
        raise InputError("ROLLUP_INVALID", f"k={k} exceeds the {len(norms)} norms listed", where)
    explain = entry.get("explain")
    if explain is not None and (
        not isinstance(explain, dict)
        or set(explain) != {"nl", "en"}
        or not all(isinstance(v, str) and v.strip() for v in explain.values())
    ):
        raise InputError("ROLLUP_INVALID", "'explain' needs non-empty 'nl' and 'en'", where)
    return Rule(
        catalogue=str(entry["catalogue"]),
        id=str(entry["id"]),
        version=str(entry["version"]),
        rule=rule,
        k=k,
        norms=tuple(norms) if norms is not None else None,
        alternative=tuple(alternative),
        explain=entry.get("explain"),
    )


def load_rules(path: Path | None = None) -> list[Rule]:
    """The roll-up rules (``norms/catalogues/rollups.yaml``); absent file: defaults only."""
    from .model import catalogues_dir

    path = path or catalogues_dir() / "rollups.yaml"
    if not path.is_file():
        return []
    return list(_load_rules(str(path), path.stat().st_mtime_ns))


@lru_cache(maxsize=4)
def _load_rules(path: str, _mtime: int) -> tuple[Rule, ...]:
    from ..yamlio import load_structured

    doc = load_structured(Path(path))
    data = doc.value
    if not isinstance(data, dict) or data.get("format") != RULES_FORMAT:
        raise InputError("ROLLUP_INVALID", f"format must be {RULES_FORMAT!r}", doc.where(""))
    entries = data.get("rules") or []
    if not isinstance(entries, list):
        raise InputError("ROLLUP_INVALID", "'rules' must be a list", doc.where("/rules"))
    rules = [_rule(e, doc.where(f"/rules/{i}")) for i, e in enumerate(entries)]
    keys = [(r.catalogue, r.id, r.version) for r in rules]
    if len(set(keys)) != len(keys):
        raise InputError("ROLLUP_INVALID", "an item has more than one rule", path)
    return tuple(rules)


def rule_problems(
    rules: list[Rule], catalogues: dict[str, Catalogue], norms: dict[str, NormInfo]
) -> list[str]:
    """Rules naming unknown items or norms, or alternatives without an attestation check."""
    from .model import find

    problems: list[str] = []
    for rule in rules:
        target = find(catalogues, rule.catalogue, rule.version)
        if target is None or rule.id not in target.items:
            problems.append(f"rollups: {rule.catalogue} {rule.id} ({rule.version}) is unknown")
            continue
        for norm_id in (*(rule.norms or ()), *rule.alternative):
            if norm_id not in norms:
                problems.append(f"rollups: {rule.id}: unknown norm {norm_id}")
        for norm_id in rule.alternative:
            info = norms.get(norm_id)
            if info is not None and "attestation" not in info.check_kinds:
                problems.append(
                    f"rollups: {rule.id}: alternative {norm_id} has no attestation check"
                )
    return problems


def decide(
    rule: Rule,
    statuses: dict[str, str],
    severities: dict[str, str],
    norms: list[str],
) -> tuple[str, str | None]:
    """(status, via) for one item; ``via`` is "alternative" when the attestation decided."""
    considered = [n for n in norms if statuses.get(n, "not_applicable") != "not_applicable"]
    alternative = [n for n in rule.alternative if n in statuses]
    if not considered and not any(statuses[n] != "not_applicable" for n in alternative):
        return "not_applicable", None
    values = [statuses[n] for n in considered]
    good = sum(v in SATISFIED for v in values)
    bad = sum(v in BAD for v in values)
    pending = sum(v in OPEN for v in values)
    if rule.rule == "all":
        outcome = "not_satisfied" if bad else "open" if pending else "satisfied"
    elif rule.rule == "any":
        outcome = "satisfied" if good else "open" if pending else "not_satisfied"
    else:
        k = min(rule.k or 1, len(values))
        outcome = "satisfied" if good >= k else "open" if good + pending >= k else "not_satisfied"
    if not values:
        outcome = "not_satisfied"
    via = None
    if (
        outcome != "satisfied"
        and alternative
        and all(statuses[n] in SATISFIED for n in alternative)
    ):
        outcome, via = "satisfied", "alternative"
    stops = [
        statuses[n]
        for n in considered
        if severities.get(n) == "blocker" and statuses[n] in BLOCKER_STOPS
    ]
    if any(s in BAD for s in stops):
        return "not_satisfied", None
    if stops and outcome == "satisfied":
        return "open", None
    return outcome, via


PLAN_FORMAT = "rollup-plan/3"
#: Display order of the catalogues in the roll-up table (others follow by id).
ORDER = {"algoritmekader": 0, "adr-onderzoekskader": 1, "ark-toetsingskader": 2}


def plan(norm_set: Any) -> list[dict[str, Any]]:
    """Every catalogue item the norm set can roll up into, in display order (cached)."""
    import hashlib
    import os

    from .. import cache
    from ..resources import norms_dir

    # the plan reads the norm set (its digest), every catalogue and rollups.yaml (their
    # bytes) and this package's code (the engine fingerprint, added by make_key)
    folder = norms_dir() / "catalogues"
    names = sorted(n for n in os.listdir(folder) if n.endswith(".yaml")) if folder.is_dir() else []
    parts: list[str | bytes] = [str(getattr(norm_set, "digest", ""))]
    for name in names:
        parts += [name, hashlib.sha256((folder / name).read_bytes()).digest()]
    key = cache.make_key(PLAN_FORMAT, parts)
    known = _PLANS.get(key) if getattr(norm_set, "digest", None) else None
    if known is not None:
        return known
    cached = cache.read("rollup", PLAN_FORMAT, key)
    built = cached if isinstance(cached, list) else build_plan(norm_set)
    if getattr(norm_set, "digest", None):
        if built is not cached:
            cache.write("rollup", PLAN_FORMAT, key, built)
        _PLANS[key] = built  # a process that evaluates many bundles reads it once
    return built


_PLANS: dict[str, list[dict[str, Any]]] = {}


def build_plan(norm_set: Any) -> list[dict[str, Any]]:
    from .citations import from_norm_set
    from .model import ROLLUP_TYPES, find, load_catalogues
    from .upstream import natural_key

    catalogues = load_catalogues()
    infos = from_norm_set(norm_set)
    derived: dict[tuple[str, str], dict[str, None]] = {}  # an ordered set: O(1) membership
    nominal: dict[tuple[str, str], set[str]] = {}
    for norm_id, info in infos.items():
        for citation in info.derived_from:
            target = find(catalogues, citation.catalogue, citation.version)
            if target is None or citation.id not in target.items:
                continue
            if target.items[citation.id].type in ROLLUP_TYPES:
                derived.setdefault((target.key, citation.id), {})[norm_id] = None
                if citation.strength == "nominal":
                    nominal.setdefault((target.key, citation.id), set()).add(norm_id)
    ruled: dict[tuple[str, str], Rule] = {}
    for rule in load_rules():
        target = find(catalogues, rule.catalogue, rule.version)
        if target is None or rule.id not in target.items:
            continue
        if (target.key, rule.id) in derived or any(
            n in infos for n in (*(rule.norms or ()), *rule.alternative)
        ):
            ruled[(target.key, rule.id)] = rule
    entries: list[dict[str, Any]] = []
    for key in set(derived) | set(ruled):
        catalogue = catalogues[key[0]]
        item = catalogue.items[key[1]]
        explicit = ruled.get(key)
        entries.append(
            {
                "catalogue": catalogue.id,
                "id": item.id,
                "version": catalogue.version,
                "title": dict(item.title) if item.title else {"nl": item.id, "en": item.id},
                "derived": sorted(derived.get(key, {})),
                "nominal": sorted(nominal.get(key, set())),
                "rule": None
                if explicit is None
                else {
                    "rule": explicit.rule,
                    "k": explicit.k,
                    "norms": None if explicit.norms is None else list(explicit.norms),
                    "alternative": list(explicit.alternative),
                },
            }
        )
    entries.sort(
        key=lambda e: (
            ORDER.get(e["catalogue"], 9),
            e["catalogue"],
            e["version"],
            natural_key(e["id"]),
        )
    )
    return entries


_DEFAULT_RULE = Rule("", "", "")


def rollup(result: Any, norm_set: Any) -> list[dict[str, Any]]:
    """One row per catalogue item touched by the evaluated norms (contract in the design)."""
    statuses = {f.norm_id: str(getattr(f.status, "value", f.status)) for f in result.findings}
    severities = {f.norm_id: str(f.severity) for f in result.findings}
    rows: list[dict[str, Any]] = []
    for entry in plan(norm_set):
        derived = [n for n in entry["derived"] if n in statuses]
        spec = entry["rule"]
        if spec is None:
            rule = _DEFAULT_RULE  # decide and describe read only rule, k and alternative
        else:
            norms = spec["norms"]
            rule = Rule(
                entry["catalogue"],
                entry["id"],
                entry["version"],
                rule=spec["rule"],
                k=spec["k"],
                norms=None if norms is None else tuple(norms),
                alternative=tuple(spec["alternative"]),
            )
        listed = (*(rule.norms or ()), *rule.alternative)
        if not derived and not (spec is not None and any(n in statuses for n in listed)):
            continue
        cited = [
            n
            for n in (rule.norms if rule.norms is not None else derived)
            if n in statuses and n not in rule.alternative
        ]
        # an explicit rule names its norms on purpose; the default rule skips nominal links
        untested = set(entry.get("nominal", ())) if rule.norms is None else set()
        norms = [n for n in cited if n not in untested]
        if cited and not norms and not rule.alternative:
            status, via = "not_tested", None
        else:
            status, via = decide(rule, statuses, severities, norms)
        shown = sorted(set(cited) | {n for n in rule.alternative if n in statuses})
        rows.append(
            {
                "catalogue": entry["catalogue"],
                "id": entry["id"],
                "version": entry["version"],
                "title": dict(entry["title"]),
                "status": status,
                "rule": rule.describe(),
                "alternative": list(rule.alternative),
                "via": via,
                "norms": {n: statuses[n] for n in shown},
                "nominal": sorted(untested & set(shown)),
            }
        )
    return rows
