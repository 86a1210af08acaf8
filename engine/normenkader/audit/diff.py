"""Compare two JSON results (design 7: ``diff OLD NEW``) and the baseline ("ratchet") mode.

A *problem* is a finding whose status is fail, missing, blocked or review. ``diff`` sorts
every norm into new problems, fixed problems and changed problems (still a problem, but
with another status or reason). The baseline mode of ``check --baseline OLD.json`` ignores
current problems that were already problems in the baseline, so CI fails only on what is
new; ``error`` findings are never ignored (they mean the evaluation is incomplete).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..results import Result
from ..yamlio import loads_json

PROBLEM_STATUSES = frozenset({"fail", "missing", "blocked", "review"})
NON_COMPLIANT = frozenset({"fail", "missing", "blocked"})
RESULT_FORMAT = "normenkader-result/1"
MAX_RESULT_BYTES = 256 * 1024 * 1024


def load_result(path: Path) -> dict[str, Any]:
    """Read a JSON result written by ``check --format json`` (strictly)."""
    from ..inputfile import read_input_file

    data = read_input_file(path, "RESULT_INVALID", MAX_RESULT_BYTES)
    value = loads_json(data, str(path))
    if not isinstance(value, dict) or value.get("format") != RESULT_FORMAT:
        raise InputError(
            "RESULT_INVALID", f"not a normenkader JSON result ({RESULT_FORMAT})", str(path)
        )
    _check_shape(value, str(path))
    return value


#: Top-level fields a result must have, with their JSON types (a hand-written or damaged
#: result must be refused with one line, never crash the comparison).
_HEAD_TYPES: dict[str, type | tuple[type, ...]] = {
    "bundle": dict,
    "as_of": str,
    "norm_set": dict,
    "findings": list,
}
_STATUSES = frozenset(
    {"pass", "fail", "missing", "blocked", "review", "waived", "not_applicable", "error"}
)


def _check_shape(value: dict[str, Any], where: str) -> None:
    """Refuse a result whose fields this module reads have the wrong JSON type."""
    for key, kind in _HEAD_TYPES.items():
        if not isinstance(value.get(key), kind):
            raise InputError("RESULT_INVALID", f"'{key}' is missing or of the wrong type", where)
    for key in ("id", "digest"):
        if not isinstance(value["bundle"].get(key), str):
            raise InputError("RESULT_INVALID", f"'bundle.{key}' must be a string", where)
    for key in ("organisation", "submitted"):
        if not isinstance(value["bundle"].get(key), str | None):
            raise InputError("RESULT_INVALID", f"'bundle.{key}' must be a string", where)
    if not isinstance(value["bundle"].get("system", {}), dict):
        raise InputError("RESULT_INVALID", "'bundle.system' must be an object", where)
    if not isinstance(value["norm_set"].get("digest", ""), str):
        raise InputError("RESULT_INVALID", "'norm_set.digest' must be a string", where)
    seen: set[str] = set()
    for index, finding in enumerate(value["findings"]):
        at = f"{where}: findings[{index}]"
        if not isinstance(finding, dict) or not isinstance(finding.get("norm_id"), str):
            raise InputError("RESULT_INVALID", "each finding needs a norm_id string", at)
        if finding.get("status") not in _STATUSES:
            raise InputError("RESULT_INVALID", "status is not a finding status", at)
        if finding["norm_id"] in seen:
            raise InputError("RESULT_INVALID", f"{finding['norm_id']} is listed twice", at)
        seen.add(finding["norm_id"])
        for key in ("reason", "severity"):
            if not isinstance(finding.get(key, ""), str):
                raise InputError("RESULT_INVALID", f"'{key}' must be a string", at)
        title = finding.get("title", {})
        if not isinstance(title, dict) or not all(isinstance(t, str) for t in title.values()):
            raise InputError("RESULT_INVALID", "'title' must map languages to text", at)


def identity(result: dict[str, Any]) -> dict[str, Any]:
    """What says which algorithm of which organisation a result is about."""
    bundle = result.get("bundle") or {}
    system = bundle.get("system") or {}
    return {
        "organisation": bundle.get("organisation"),
        "system": system.get("name") if isinstance(system, dict) else None,
        "register_id": system.get("register_id") if isinstance(system, dict) else None,
    }


def other_system(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The identifying fields on which two results differ (empty: the same algorithm)."""
    a, b = identity(old), identity(new)
    return [
        key
        for key in a
        if a[key] != b[key] and not (key == "register_id" and None in (a[key], b[key]))
    ]


def _by_norm(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["norm_id"]: f for f in result["findings"]}


@dataclass
class Change:
    norm_id: str
    severity: str
    old_status: str | None
    new_status: str | None
    old_reason: str | None
    new_reason: str | None
    title: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "norm_id": self.norm_id,
            "severity": self.severity,
            "old": {"status": self.old_status, "reason": self.old_reason},
            "new": {"status": self.new_status, "reason": self.new_reason},
            "title": self.title,
        }


@dataclass
class Diff:
    old: dict[str, Any]
    new: dict[str, Any]
    new_problems: list[Change]
    fixed: list[Change]
    changed: list[Change]
    new_errors: list[Change]
    added: list[str]
    removed: list[str]

    def header(self, lang: str = "en") -> list[str]:
        """``old: ID (organisation, system) as of DATE`` and the same for new."""
        from ..messages import text

        lines = []
        for name, result in (("old", self.old), ("new", self.new)):
            head = _head(result)
            who = ", ".join(str(head[k]) for k in ("organisation", "system") if head.get(k))
            lines.append(
                f"{text(f'diff.{name}', lang)}: {head['bundle']}"
                + (f" ({who})" if who else "")
                + f" {text('diff.as_of', lang)} {head['as_of']}"
            )
        return lines

    def to_dict(self) -> dict[str, Any]:
        head = _head
        differs = other_system(self.old, self.new)
        return {
            "format": "normenkader-diff/1",
            "old": head(self.old),
            "new": head(self.new),
            "other_system": differs,
            "new_problems": [c.to_dict() for c in self.new_problems],
            "fixed": [c.to_dict() for c in self.fixed],
            "changed": [c.to_dict() for c in self.changed],
            "new_errors": [c.to_dict() for c in self.new_errors],
            "added_norms": self.added,
            "removed_norms": self.removed,
        }


def compare(old: dict[str, Any], new: dict[str, Any]) -> Diff:
    """Sort the norms of two results into new, fixed and changed problems."""
    before, after = _by_norm(old), _by_norm(new)
    new_problems: list[Change] = []
    fixed: list[Change] = []
    changed: list[Change] = []
    new_errors: list[Change] = []
    for norm_id in sorted(set(before) | set(after)):
        a, b = before.get(norm_id), after.get(norm_id)
        source = b or a
        assert source is not None
        change = Change(
            norm_id=norm_id,
            severity=str(source.get("severity", "")),
            old_status=a["status"] if a else None,
            new_status=b["status"] if b else None,
            old_reason=a.get("reason") if a else None,
            new_reason=b.get("reason") if b else None,
            title=dict(source.get("title") or {}),
        )
        was = change.old_status in PROBLEM_STATUSES
        now = change.new_status in PROBLEM_STATUSES
        if (now and not was) or _became_non_compliant(change.old_status, change.new_status):
            new_problems.append(change)
        elif was and not now and b is not None:
            fixed.append(change)
        elif (
            was
            and now
            and (change.old_status != change.new_status or change.old_reason != change.new_reason)
        ):
            changed.append(change)
        if change.new_status == "error" and change.old_status != "error":
            new_errors.append(change)
    return Diff(
        old=old,
        new=new,
        new_problems=new_problems,
        fixed=fixed,
        changed=changed,
        new_errors=new_errors,
        added=sorted(set(after) - set(before)),
        removed=sorted(set(before) - set(after)),
    )


def _became_non_compliant(before: str | None, now: str | None) -> bool:
    """An open review that turned into fail, missing or blocked: a new problem (``diff``
    and ``check --baseline`` agree on this; docs/workflows.md)."""
    return before == "review" and now in NON_COMPLIANT


def _known(status: str, before: str | None) -> bool:
    """Whether a current problem status was already a problem in the baseline."""
    if before is None or before not in PROBLEM_STATUSES:
        return False
    return status == before or (status in NON_COMPLIANT and before in NON_COMPLIANT)


@dataclass(frozen=True)
class Baseline:
    """How a result compares with an earlier one (``check --baseline``).

    ``states`` holds a SARIF ``baselineState`` per norm id of the current result: ``new``
    (a problem the baseline did not have), ``unchanged`` (the same status and reason),
    ``updated`` (still a known problem, or still no problem, with another status or
    reason) or ``absent`` (a baseline problem that is gone). ``known`` are the current
    problems set aside (they do not count for the exit code).
    """

    source: dict[str, Any]
    states: dict[str, str]
    known: frozenset[str]

    def is_new(self, norm_id: str) -> bool:
        return self.states.get(norm_id) == "new"


def _head(result: dict[str, Any]) -> dict[str, Any]:
    bundle = result.get("bundle") or {}
    system = bundle.get("system") or {}
    norm_set = result.get("norm_set") or {}
    return {
        "bundle": bundle.get("id"),
        "organisation": bundle.get("organisation"),
        "system": system.get("name") if isinstance(system, dict) else None,
        "bundle_digest": bundle.get("digest"),
        "as_of": result.get("as_of"),
        "norm_set_digest": norm_set.get("digest"),
    }


def baseline_compare(result: Result, baseline: Path) -> Baseline:
    """Compare ``result`` with the baseline result file (refused for another system)."""
    old = load_result(baseline)
    _same_system(old, result, baseline)
    before = _by_norm(old)
    states: dict[str, str] = {}
    known: set[str] = set()
    for finding in result.findings:
        status, reason = finding.status.value, finding.reason.value
        earlier = before.get(finding.norm_id)
        was = earlier["status"] if earlier else None
        if status in PROBLEM_STATUSES:
            if _known(status, was):
                known.add(finding.norm_id)
                same = earlier is not None and (was, earlier.get("reason")) == (status, reason)
                states[finding.norm_id] = "unchanged" if same else "updated"
            else:
                states[finding.norm_id] = "new"
        elif was in PROBLEM_STATUSES:
            states[finding.norm_id] = "absent"
        elif earlier is None:
            states[finding.norm_id] = "new"
        else:
            same = (was, earlier.get("reason")) == (status, reason)
            states[finding.norm_id] = "unchanged" if same else "updated"
    return Baseline(source=_head(old), states=states, known=frozenset(known))


def baseline_ignore(result: Result, baseline: Path) -> frozenset[str]:
    """Norm ids whose current problem was already a problem in the baseline result.

    A waived finding in the baseline does not count as a known problem: when its waiver
    lapses, the problem shows again. An open ``review`` in the baseline is not a known
    *non-compliance*: when it turns into fail, missing or blocked, that counts as new.
    """
    return baseline_compare(result, baseline).known


def _same_system(old: dict[str, Any], result: Result, baseline: Path) -> None:
    differs = other_system(old, {"bundle": result.bundle})
    if differs:
        a, b = identity(old), identity({"bundle": result.bundle})
        shown = ", ".join(f"{key} {a[key]!r} is not {b[key]!r}" for key in differs)
        raise InputError(
            "BASELINE_OTHER_SYSTEM",
            f"the baseline is a result for another algorithm ({shown}); "
            "a baseline only sets aside known findings of the same system",
            str(baseline),
        )
