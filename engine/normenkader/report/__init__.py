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
    from .context import Context

FORMATS = ("terminal", "json", "html", "markdown", "sarif", "junit", "oscal")
#: formats made from another one (pdf: the HTML report printed by a headless browser)
DERIVED = ("pdf",)
#: the format a file name suffix asks for
SUFFIXES = {
    ".json": "json",
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".sarif": "sarif",
    ".xml": "junit",
    ".pdf": "pdf",
}


def render(
    fmt: str,
    result: Result,
    *,
    lang: str = "en",
    norm_set: NormSet | None = None,
    context: Context | None = None,
) -> str | bytes:
    """The report in ``fmt``; ``context`` adds the baseline comparison and the evidence
    that goes stale soon (report/context.py)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    module = importlib.import_module(f"{__name__}.{'json_report' if fmt == 'json' else fmt}")
    if context is None:
        output: str | bytes = module.render(result, lang=lang, norm_set=norm_set)
    else:
        output = module.render(result, lang=lang, norm_set=norm_set, context=context)
    return output
