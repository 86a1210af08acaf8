"""The message catalogue: every user-facing text in Dutch and English, by key.

One place for statuses, severities, reason codes, report headings, the engine's reasons,
each command's lines and the meaning of each error code. Texts are ``str.format``
templates with named fields; a field given as an {en, nl} mapping is picked per language,
so a reason built from parts stays in one language throughout.

``text(key, lang, **fields)`` gives one language, ``texts(key, **fields)`` both (the
``{"en": ..., "nl": ...}`` form findings carry). ``default_lang()`` is the language when no
``--lang`` is given: ``NORMENKADER_LANG``, else the locale, else English.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .checks import CHECKS
from .cli import CLI
from .engine import ENGINE
from .errors import ERRORS
from .report import REPORT

LANGS = ("nl", "en")
Text = dict[str, str]


def _build() -> dict[str, Text]:
    catalogue: dict[str, Text] = {}
    tables: list[dict[str, tuple[str, str]]] = [
        REPORT,
        ENGINE,
        CHECKS,
        CLI,
        {f"error.{code}": pair for code, pair in ERRORS.items()},
    ]
    for table in tables:
        for key, (en, nl) in table.items():
            if key in catalogue:
                raise ValueError(f"message key {key!r} defined twice")
            catalogue[key] = {"en": en, "nl": nl}
    return catalogue


#: key -> {"en": template, "nl": template}
CATALOGUE: dict[str, Text] = _build()


def _field(value: Any, lang: str) -> Any:
    if isinstance(value, Mapping) and lang in value:
        return value[lang]
    return value


def text(key: str, lang: str, /, **fields: Any) -> str:
    """The text of ``key`` in ``lang`` (English when ``lang`` is not nl), fields filled in."""
    entry = CATALOGUE[key]
    template = entry["nl" if lang == "nl" else "en"]
    if not fields:
        return template
    return template.format(**{name: _field(value, lang) for name, value in fields.items()})


def texts(key: str, /, **fields: Any) -> Text:
    """Both languages of ``key``: the ``{"en": ..., "nl": ...}`` a finding or notice carries."""
    return {"en": text(key, "en", **fields), "nl": text(key, "nl", **fields)}


def table(prefix: str) -> dict[str, Text]:
    """Every entry under ``prefix.`` by the rest of its key (for label tables)."""
    start = prefix + "."
    return {key[len(start) :]: entry for key, entry in CATALOGUE.items() if key.startswith(start)}


def words(prefix: str, lang: str) -> dict[str, str]:
    """The entries under ``prefix.`` in one language."""
    return {name: entry["nl" if lang == "nl" else "en"] for name, entry in table(prefix).items()}


def error_description(code: str, lang: str) -> str | None:
    """What error ``code`` means, in ``lang``; None for a code the catalogue does not know."""
    entry = CATALOGUE.get(f"error.{code}")
    return None if entry is None else entry["nl" if lang == "nl" else "en"]


def default_lang(environ: Mapping[str, str] | None = None) -> str:
    """nl or en: ``NORMENKADER_LANG`` if it names one, else the locale (the first of
    ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` that is set, POSIX order), else en."""
    env = os.environ if environ is None else environ
    chosen = env.get("NORMENKADER_LANG", "").strip().lower()[:2]
    if chosen in LANGS:
        return chosen
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "").strip()
        if value:
            return "nl" if value.lower().startswith("nl") else "en"
    return "en"
