"""Profiles: named selections of the library with tailoring (params and max_age).

A profile file (norms/profiles/<id>.yaml) selects by set, norm id or tag, excludes the
same way, and tailors params and evidence ``max_age`` per norm. The selection is closed
under prerequisites: a selected norm always brings what it requires, so a profile can
never make a norm pass by leaving out the norm it depends on. ``full`` is built in.

A profile may also re-date the application dates of the law (``dates:``, merged over
``LIBRARY_DATES``); norms read them in CEL as ``dates.<name>``, and the norm-set digest
covers them, so a result always says which dates it was judged under.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..records import Record
from ..resources import norms_dir

if TYPE_CHECKING:
    from ..yamlio import Document
    from .compiled import CompiledNorm

_PERIOD = re.compile(r"^P(?:\d{1,4}Y)?(?:\d{1,5}M)?(?:\d{1,5}W)?(?:\d{1,6}D)?$")
_SELECTORS = ("sets", "norms", "tags")
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")

#: The application dates of the law that norms read as ``dates.<name>`` (library defaults).
#: A profile may postpone one (``dates: {ai_act_annex_iii: "2027-12-02"}``), e.g. when a
#: proposed postponement becomes law; it may not advance one, because a norm's
#: ``effective.from`` is the library's earliest date. Sources: docs/semantics.md "Time".
LIBRARY_DATES: dict[str, str] = {
    # GDPR (Regulation (EU) 2016/679) art. 99(2): applies from 25 May 2018
    "gdpr_application": "2018-05-25",
    # AI Act (Regulation (EU) 2024/1689, OJ L of 12 July 2024) art. 113(a): chapters I-II
    "ai_act_prohibitions": "2025-02-02",
    # art. 113(b): general-purpose AI models (chapter V); also the art. 111(3) cut-off
    "ai_act_gpai": "2025-08-02",
    # art. 113, second paragraph: the Regulation in general (art. 50, art. 87, art. 6(3))
    "ai_act_general": "2026-08-02",
    # art. 113, second paragraph: high-risk systems of art. 6(2) / Annex III
    "ai_act_annex_iii": "2026-08-02",
    # art. 113(c): art. 6(1) high-risk systems (Annex I products) and their obligations
    "ai_act_annex_i": "2027-08-02",
    # art. 111(2): high-risk systems placed on the market or put into service before this
    # date fall under the Act only after a significant change in their design ...
    "ai_act_legacy_cutoff": "2026-08-02",
    # ... except that those intended for use by public authorities comply by this date
    "ai_act_legacy_public": "2030-08-02",
    # art. 111(3): GPAI models placed on the market before 2 Aug 2025 comply by this date
    "ai_act_gpai_legacy": "2027-08-02",
}


@dataclass(repr=False, eq=False)
class Profile(Record):
    """Which norms apply (include/exclude selectors) and how they are tailored."""

    id: str
    title: dict[str, str] = field(default_factory=dict)
    include: dict[str, list[str]] = field(default_factory=dict)
    exclude: dict[str, list[str]] = field(default_factory=dict)
    tailoring: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: str = ""
    #: the application dates in force for this profile (library defaults, re-dated)
    dates: dict[str, str] = field(default_factory=lambda: dict(LIBRARY_DATES))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "include": self.include,
            "exclude": self.exclude,
            "tailoring": self.tailoring,
            "dates": self.dates,
        }

    def redated(self) -> dict[str, str]:
        """The dates this profile moves away from the library defaults."""
        return {k: v for k, v in sorted(self.dates.items()) if LIBRARY_DATES.get(k) != v}

    def _matches(self, norm: CompiledNorm, selector: dict[str, list[str]]) -> bool:
        return (
            norm.set in selector.get("sets", [])
            or norm.id in selector.get("norms", [])
            or bool(set(norm.tags) & set(selector.get("tags", [])))
        )

    def apply(self, norms: dict[str, CompiledNorm]) -> dict[str, CompiledNorm]:
        """Selected norms (closed under prerequisites), tailored copies where needed."""
        for selector in (self.include, self.exclude):
            for norm_id in selector.get("norms", []):
                if norm_id not in norms:
                    raise InputError(
                        "PROFILE_INVALID", f"unknown norm {norm_id}", self.source or self.id
                    )
        for norm_id in self.tailoring:
            if norm_id not in norms:
                raise InputError("PROFILE_INVALID", f"tailors unknown norm {norm_id}", self.source)
        wanted = {
            norm_id
            for norm_id, norm in norms.items()
            if (not any(self.include.values()) or self._matches(norm, self.include))
            and not self._matches(norm, self.exclude)
        }
        wanted = with_prerequisites(norms, wanted)
        selected: dict[str, CompiledNorm] = {}
        for norm_id in sorted(wanted):
            norm = norms[norm_id]
            tailoring = self.tailoring.get(norm_id)
            if tailoring:
                norm = _tailor(norm, tailoring, self.source or self.id)
            selected[norm_id] = norm
        return selected


def with_prerequisites(norms: dict[str, CompiledNorm], chosen: set[str]) -> set[str]:
    """``chosen`` and everything it requires, transitively."""
    wanted = set(chosen)
    stack = list(wanted)
    while stack:
        for required in norms[stack.pop()].requires:
            if required not in wanted:
                wanted.add(required)
                stack.append(required)
    return wanted


def _json_type(value: Any) -> str:
    """JSON type name, so a tailored param keeps the type of the norm's default."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    names: dict[type, str] = {str: "string", list: "list", dict: "mapping"}
    return names.get(type(value), type(value).__name__)


def _tailor(norm: CompiledNorm, tailoring: dict[str, Any], where: str) -> CompiledNorm:
    from ..timeutil import parse_period

    params = copy.deepcopy(norm.params)
    for key in ("params", "max_age"):
        if not isinstance(tailoring.get(key) or {}, dict):
            raise InputError("PROFILE_INVALID", f"{norm.id}: {key} must be a mapping", where)
    for name, value in (tailoring.get("params") or {}).items():
        if name not in params:
            raise InputError("PROFILE_INVALID", f"{norm.id} has no param {name!r}", where)
        if params[name] is not None and _json_type(value) != _json_type(params[name]):
            raise InputError(
                "PROFILE_INVALID",
                f"{norm.id} param {name!r} must be a {_json_type(params[name])} "
                f"like its default, not a {_json_type(value)}",
                where,
            )
        params[name] = value
    evidence = dict(norm.evidence)
    for name, period in (tailoring.get("max_age") or {}).items():
        if name not in evidence:
            raise InputError("PROFILE_INVALID", f"{norm.id} has no evidence {name!r}", where)
        try:
            if not isinstance(period, str) or not _PERIOD.match(period):
                raise ValueError(period)
            parse_period(period)
        except ValueError:
            raise InputError(
                "PROFILE_INVALID", f"max_age {period!r} is not a period", where
            ) from None
        evidence[name] = evidence[name]._replace(max_age=period)
    tailored = replace(norm, params=params, evidence=evidence)
    tailored.compile()
    return tailored


def available_profiles() -> list[str]:
    folder = norms_dir() / "profiles"
    names = {path.stem for path in folder.glob("*.yaml")} if folder.is_dir() else set()
    return sorted(names | {"full"})


def load_profile(name: str | None) -> Profile:
    """The built-in ``full`` profile, a shipped profile by name, or a profile file path."""
    if name in (None, "", "full"):
        return Profile(id="full", title={"nl": "Alle normen", "en": "All norms"})
    assert name is not None
    path = Path(name)
    if not (path.suffix in (".yaml", ".yml") and path.is_file()):
        path = norms_dir() / "profiles" / f"{name}.yaml"
        if not re.match(r"^[a-z0-9][a-z0-9-]{0,63}$", name) or not path.is_file():
            from ..suggest import suggest

            known = ", ".join(available_profiles())
            hint = suggest(name, available_profiles())
            raise InputError(
                "PROFILE_UNKNOWN", f"unknown profile {name!r}{hint} (known: {known})"
            )
    from ..inputfile import read_input_file
    from ..yamlio import loads_yaml

    document = loads_yaml(read_input_file(path, "PROFILE_INVALID", 8 << 20), str(path))
    data = document.value
    if not isinstance(data, dict):
        raise InputError("PROFILE_INVALID", "a profile must be a mapping", document.where())
    allowed = {"id", "title", "description", "include", "exclude", "tailoring", "dates"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InputError("PROFILE_INVALID", f"unknown key {unknown[0]!r}", document.where())
    selectors: dict[str, dict[str, list[str]]] = {}
    for key in ("include", "exclude"):
        block = data.get(key) or {}
        if not isinstance(block, dict) or set(block) - set(_SELECTORS):
            raise InputError(
                "PROFILE_INVALID", f"{key} takes sets, norms and tags", document.where(f"/{key}")
            )
        for selector, values in block.items():
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise InputError(
                    "PROFILE_INVALID",
                    "expected a list of strings",
                    document.where(f"/{key}/{selector}"),
                )
        selectors[key] = {
            sel: [v.upper() if sel == "sets" else v for v in vals] for sel, vals in block.items()
        }
    tailoring = data.get("tailoring") or {}
    if not isinstance(tailoring, dict) or not all(
        isinstance(v, dict) and set(v) <= {"params", "max_age"} for v in tailoring.values()
    ):
        raise InputError(
            "PROFILE_INVALID",
            "tailoring maps norm ids to {params, max_age}",
            document.where("/tailoring"),
        )
    return Profile(
        id=str(data.get("id") or path.stem),
        title=data.get("title") or {},
        include=selectors["include"],
        exclude=selectors["exclude"],
        tailoring=tailoring,
        source=str(path),
        dates=_dates(data.get("dates"), document),
    )


def _dates(block: Any, document: Document) -> dict[str, str]:
    """``LIBRARY_DATES`` with a profile's ``dates:`` merged over them (validated)."""
    dates = dict(LIBRARY_DATES)
    if block is None:
        return dates
    if not isinstance(block, dict):
        raise InputError("PROFILE_INVALID", "dates must be a mapping", document.where("/dates"))
    for name, value in block.items():
        where = document.where(f"/dates/{name}")
        if name not in LIBRARY_DATES:
            known = ", ".join(sorted(LIBRARY_DATES))
            raise InputError("PROFILE_INVALID", f"unknown date {name!r} (known: {known})", where)
        text = value.isoformat() if hasattr(value, "isoformat") else value
        if not isinstance(text, str) or not _DAY.match(text):
            raise InputError("PROFILE_INVALID", f"{name} must be a date (YYYY-MM-DD)", where)
        try:
            date.fromisoformat(text)
        except ValueError:
            raise InputError("PROFILE_INVALID", f"{name}: {text!r} is not a date", where) from None
        if text < LIBRARY_DATES[name]:
            raise InputError(
                "PROFILE_INVALID",
                f"{name} {text} is before the library date {LIBRARY_DATES[name]}: "
                "a profile may postpone an application date, not advance it",
                where,
            )
        dates[name] = text
    return dates
