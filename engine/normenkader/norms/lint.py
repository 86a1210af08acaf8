"""``normenkader lint``: every problem of a set of norm files as ``file:line:col: message``."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError, NormLoadError
from .compiled import default_paths, norm_files, read_norm_files, validate_documents
from .profiles import available_profiles, load_profile


def lint(paths: list[Path] | None = None) -> tuple[int, list[str]]:
    """(number of norm files, problems). Profiles are linted with the shipped library."""
    try:
        files = norm_files(paths or default_paths())
    except NormLoadError as exc:
        return 0, exc.problems
    problems: list[str] = []
    try:
        validated = validate_documents(read_norm_files(files))
    except NormLoadError as exc:
        return len(files), exc.problems
    if not paths:
        from .compiled import _from_validated

        by_id = {data["id"]: _from_validated(data) for data in validated}
        for name in available_profiles():
            try:
                load_profile(name).apply(by_id)
            except InputError as exc:
                problems.append(exc.line().removeprefix("error "))
    return len(files), problems
