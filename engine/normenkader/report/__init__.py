"""Renderers: each reads only a ``Result`` (and the norm set for help texts).

``render(format, result, lang=..., norm_set=...)`` imports the renderer module on use, so a
JSON run never imports Jinja2 or rich.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..norms.compiled import NormSet
    from ..results import Result

FORMATS = ("terminal", "json", "html", "markdown", "sarif", "junit", "oscal")
#: the format a file name suffix asks for
SUFFIXES = {
    ".json": "json",
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".sarif": "sarif",
    ".xml": "junit",
}


def render(
    fmt: str, result: Result, *, lang: str = "en", norm_set: NormSet | None = None
) -> str | bytes:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    module = importlib.import_module(f"{__name__}.{'json_report' if fmt == 'json' else fmt}")
    output: str | bytes = module.render(result, lang=lang, norm_set=norm_set)
    return output
