"""The norm file format, version 1, as pydantic models.

This is the authoring-time model: ``normenkader lint`` and the norm-set compiler validate
every file with it, and ``normenkader schema`` publishes its JSON Schema (shipped as
``norms/norm.schema.json``) so editors can complete norm YAML. ``check`` does not import
pydantic when the compiled norm set is cached (see ``compiled.py``).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator

from ..checks import kinds
from ..timeutil import parse_period

NORM_ID = r"^[A-Z][A-Z0-9]*\.[A-Z][A-Z0-9]*\.[0-9]{2,3}$"
NAME = r"^[a-z][a-z0-9_]{0,63}$"
PERIOD = r"^P(?:\d{1,4}Y)?(?:\d{1,5}M)?(?:\d{1,5}W)?(?:\d{1,6}D)?$"
DATE = r"^\d{4}-\d{2}-\d{2}$"
RESERVED_NAMES = frozenset(
    {"profile", "system", "bundle", "as_of", "dates", "params", "evidence", "answered"}
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)


class Text(_Strict):
    """A text in Dutch and English (our own words)."""

    nl: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Source(_Strict):
    """An upstream item this norm derives from, always with a version."""

    catalogue: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    """Catalogue id: algoritmekader, adr-onderzoekskader, ark-toetsingskader, law, ..."""
    id: str = Field(min_length=1, max_length=200)
    """Upstream id, e.g. urn:nl:ak:ver:grw-02 or DM.19."""
    version: str = Field(min_length=1, max_length=40)
    """Upstream version, e.g. v2.5.1 or 2023 (measure ids were renumbered between versions)."""
    strength: Literal["full", "partial", "nominal"]
    """How much of the item the norm's checks test: ``full`` (what the item asks),
    ``partial`` (part of it, or on presence only), ``nominal`` (cited, not tested).
    ``normenkader coverage`` reports an item covered only nominally as ``nominal``."""


class Effective(_Strict):
    """Window in which the norm is in force, judged at the run's as-of date."""

    from_: str = Field(alias="from", pattern=DATE)
    until: str | None = Field(default=None, pattern=DATE)

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    @field_validator("from_", "until")
    @classmethod
    def _real_date(cls, value: str | None) -> str | None:
        if value is not None:
            date.fromisoformat(value)  # ValueError for 2026-02-30
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Effective:
        if self.until is not None and self.until < self.from_:
            raise ValueError("effective.until is before effective.from")
        return self


class EvidenceSpec(_Strict):
    """A named input of the norm."""

    kind: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    """Evidence kind (a schema under evidence/schemas/kinds/)."""
    id: str | None = None
    """Use the item with this id; default: the most recent valid item of the kind."""
    max_age: str | None = Field(default=None, pattern=PERIOD)
    """Older than this (ISO 8601 period, e.g. P2Y) at the as-of date counts as stale."""
    optional: bool = False
    """Absent optional evidence binds null instead of making the norm missing."""

    @field_validator("max_age")
    @classmethod
    def _period(cls, value: str | None) -> str | None:
        if value is not None:
            parse_period(value)  # ValueError for "P"
        return value


def _check_union() -> Any:
    configs = tuple(cls.config_type for cls in kinds().values())  # type: ignore[attr-defined]
    if len(configs) == 1:
        return configs[0]
    return Annotated[Union[configs], Field(discriminator="kind")]  # noqa: UP007


class Norm(_Strict):
    """An executable norm (format 1). One file per norm under norms/nk/<set>/."""

    id: str = Field(pattern=NORM_ID)
    """Our stable id, NK.<SET>.<NN>."""
    title: Text
    description: Text
    """Why this matters, in plain words."""
    severity: Literal["blocker", "major", "minor", "info"]
    waivable: bool = True
    """Legal hard lines cannot be waived."""
    tags: list[str] = Field(default_factory=list)
    effective: Effective | None = None
    derived_from: list[Source] = Field(min_length=1)
    legal_basis: list[str] = Field(default_factory=list)
    applies_if: str | None = None
    """CEL over profile and system; absent means the norm always applies."""
    requires: list[str] = Field(default_factory=list)
    """Prerequisite norms: they must pass (or be waived or not applicable) first."""
    answers: list[str] = Field(default_factory=list)
    """Norms whose finding this norm answers (a justification, remedy or mitigation). It is
    evaluated after them and runs only when one of them fails or needs review; their finding
    stays as it is and links to this answer. See docs/semantics.md, "Answers"."""
    evidence: dict[str, EvidenceSpec] = Field(default_factory=dict)
    params: dict[str, Any] = Field(default_factory=dict)
    """Tunable values (thresholds, periods) read in CEL as params.<name>; profiles tailor them."""
    checks: list[Any] = Field(default_factory=list)
    review: bool = False
    """True: when the checks hold, a supervisor's recorded judgement decides (status review)."""
    review_prompt: Text | None = None
    """What the supervisor must judge."""

    @field_validator("requires", "answers")
    @classmethod
    def _ids(cls, value: list[str]) -> list[str]:
        for item in value:
            if not re.match(NORM_ID, item):
                raise ValueError(f"{item!r} is not a norm id")
        if len(set(value)) != len(value):
            raise ValueError("duplicate norm id")
        return value

    @field_validator("evidence")
    @classmethod
    def _names(cls, value: dict[str, EvidenceSpec]) -> dict[str, EvidenceSpec]:
        for name in value:
            if not re.match(NAME, name):
                raise ValueError(f"evidence name {name!r} must match {NAME}")
            if name in RESERVED_NAMES:
                raise ValueError(f"evidence name {name!r} is reserved")
        return value

    @model_validator(mode="after")
    def _relations(self) -> Norm:
        both = sorted(set(self.requires) & set(self.answers))
        if both:
            raise ValueError(
                f"{', '.join(both)} is both required (must pass) and answered (runs when it "
                "does not pass); use one relation"
            )
        return self

    @model_validator(mode="after")
    def _something_to_do(self) -> Norm:
        if not self.checks and not self.review:
            raise ValueError("a norm needs at least one check, or review: true")
        return self

    @property
    def set(self) -> str:
        return self.id.split(".")[1]


_MODEL: type[Norm] | None = None


def norm_model() -> type[Norm]:
    """The Norm model with ``checks`` typed as the union of all registered check configs."""
    global _MODEL
    if _MODEL is None:
        check_list: Any = list[_check_union()]  # type: ignore[misc]
        _MODEL = create_model(
            "NormFile",
            __base__=Norm,
            checks=(check_list, Field(default_factory=list)),
        )
    assert _MODEL is not None
    return _MODEL


def norm_json_schema() -> dict[str, Any]:
    """The published JSON Schema of norm files."""
    schema = norm_model().model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://normenkader.nl/schemas/norm.schema.json"
    schema["title"] = "normenkader norm file, format 1"
    return schema
