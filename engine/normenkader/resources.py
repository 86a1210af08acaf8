"""Locate the data shipped with the package: the norm library and the evidence schemas.

Installed from a wheel they live in ``normenkader/_data``; in a checkout or an editable
install we fall back to the repository folders ``norms/`` and ``evidence/schemas/``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def _repo_root() -> Path | None:
    candidate = _PACKAGE.parent.parent
    if (candidate / "norms").is_dir() and (candidate / "evidence" / "schemas").is_dir():
        return candidate
    return None


def norms_dir() -> Path:
    """The shipped norm library (catalogues/, nk/, profiles/)."""
    installed = _PACKAGE / "_data" / "norms"
    if installed.is_dir():
        return installed
    root = _repo_root()
    if root is None:
        raise FileNotFoundError("normenkader data folder 'norms' not found")
    return root / "norms"


def schemas_dir() -> Path:
    """The shipped JSON Schemas for the bundle manifest and the evidence kinds."""
    installed = _PACKAGE / "_data" / "schemas"
    if installed.is_dir():
        return installed
    root = _repo_root()
    if root is None:
        raise FileNotFoundError("normenkader data folder 'evidence/schemas' not found")
    return root / "evidence" / "schemas"
