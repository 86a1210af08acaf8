"""What the norms cite: the upstream items each norm derives from.

Coverage is computed from the norm files at run time, so it always reflects the library
as it is. The compiled norm set (``normenkader.norms.compiled.load_norm_set``) is used
when it loads; when it does not (a norm being written is invalid), the ``derived_from``
fields are read straight from the files with the strict YAML loader and a notice says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..resources import norms_dir
from ..yamlio import load_structured

STRENGTHS = ("full", "partial", "nominal")
"""Link strengths, strongest first (see ``normenkader.norms.model.Source.strength``)."""


@dataclass(frozen=True)
class Citation:
    catalogue: str
    id: str
    version: str
    strength: str = "nominal"
    """``full``, ``partial`` or ``nominal``; a link read from a raw file without a valid
    strength counts as nominal, so nothing is claimed that the norm does not state."""


@dataclass(frozen=True)
class NormInfo:
    id: str
    severity: str
    review: bool
    check_kinds: tuple[str, ...]
    derived_from: tuple[Citation, ...]
    legal_basis: tuple[str, ...]
    source: str

    @property
    def judgement_only(self) -> bool:
        """Decided by a supervisor's judgement only (no mechanical check besides it)."""
        mechanical = [k for k in self.check_kinds if k != "judgement"]
        return not mechanical and (self.review or "judgement" in self.check_kinds)


def _citations(raw: Any) -> tuple[Citation, ...]:
    found: list[Citation] = []
    for entry in raw or []:
        if isinstance(entry, dict):
            get = entry.get
        else:

            def get(key: str, entry: Any = entry) -> Any:
                return getattr(entry, key, None)

        catalogue, ident, version = get("catalogue"), get("id"), get("version")
        strength = get("strength")
        if isinstance(catalogue, str) and isinstance(ident, str):
            found.append(
                Citation(
                    catalogue,
                    ident,
                    str(version or ""),
                    strength if strength in STRENGTHS else "nominal",
                )
            )
    return tuple(found)


def from_norm_set(norm_set: Any) -> dict[str, NormInfo]:
    """NormInfo for every norm of a loaded NormSet (anything with ``.norms``)."""
    infos: dict[str, NormInfo] = {}
    for norm in norm_set.norms.values():
        kinds = tuple(str(data.get("kind", "")) for data in getattr(norm, "check_data", []))
        infos[norm.id] = NormInfo(
            id=norm.id,
            severity=str(norm.severity),
            review=bool(getattr(norm, "review", False)),
            check_kinds=kinds,
            derived_from=_citations(norm.derived_from),
            legal_basis=tuple(getattr(norm, "legal_basis", []) or []),
            source=str(getattr(norm, "source", "")),
        )
    return infos


def _norm_files(paths: list[Path]) -> list[Path]:
    files: set[Path] = set()
    for path in paths:
        if path.is_file():
            files.add(path)
        elif path.is_dir():
            for candidate in path.rglob("*.yaml"):
                parts = candidate.relative_to(path).parts[:-1]
                if candidate.name.endswith(".test.yaml") or any(
                    p.startswith(".") or p == "fixtures" for p in parts
                ):
                    continue
                files.add(candidate)
        else:
            raise InputError("NORMS_NOT_FOUND", "no such norm file or folder", str(path))
    return sorted(files)


def from_files(paths: list[Path]) -> dict[str, NormInfo]:
    """NormInfo read directly from norm files (no validation beyond the strict loader)."""
    infos: dict[str, NormInfo] = {}
    for path in _norm_files(paths):
        value = load_structured(path).value
        if not isinstance(value, dict) or not isinstance(value.get("id"), str):
            continue
        checks = value.get("checks") or []
        kinds = (
            tuple(str(c.get("kind", "")) for c in checks if isinstance(c, dict))
            if isinstance(checks, list)
            else ()
        )
        legal = value.get("legal_basis") or []
        infos[value["id"]] = NormInfo(
            id=value["id"],
            severity=str(value.get("severity", "")),
            review=bool(value.get("review", False)),
            check_kinds=kinds,
            derived_from=_citations(value.get("derived_from")),
            legal_basis=tuple(str(v) for v in legal) if isinstance(legal, list) else (),
            source=str(path),
        )
    return infos


def norm_index(paths: list[Path] | None = None) -> tuple[dict[str, NormInfo], list[str]]:
    """(norm id -> NormInfo, notices) for the library or the given norm files/folders."""
    notices: list[str] = []
    try:
        from ..norms.compiled import load_norm_set
    except ImportError:
        load_norm_set = None  # type: ignore[assignment]
    if load_norm_set is not None:
        try:
            return from_norm_set(load_norm_set(paths, profile=None)), notices
        except InputError as exc:
            notices.append(
                "the norm set did not load, so coverage was read from the raw files: "
                + exc.line().removeprefix("error ")
            )
    return from_files(paths or [norms_dir() / "nk"]), notices
