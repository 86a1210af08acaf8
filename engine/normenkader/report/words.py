"""Values in words for readers who are not programmers (terminal, HTML, markdown).

``P1Y`` becomes "1 jaar" / "1 year", a midnight timestamp a plain date, and an offending
value a labelled list instead of a Python repr. The JSON report keeps the data as is.
"""

from __future__ import annotations

import re
from typing import Any

_PERIOD = re.compile(r"\bP(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?\b")
_MIDNIGHT = re.compile(r"\b(\d{4}-\d{2}-\d{2})T00:00(?::00(?:\.0+)?)?(?:Z|[+-]00:?00)?(?![\d:])")
UNITS = {
    "en": (("year", "years"), ("month", "months"), ("week", "weeks"), ("day", "days")),
    "nl": (("jaar", "jaar"), ("maand", "maanden"), ("week", "weken"), ("dag", "dagen")),
}
AND = {"en": "and", "nl": "en"}


def duration(text: str, lang: str) -> str:
    """``P1Y6M`` -> "1 year and 6 months" ("1 jaar en 6 maanden"); other text unchanged."""
    match = _PERIOD.fullmatch(text.strip())
    if not match or not any(match.groups()):
        return text
    parts = []
    for amount, (one, many) in zip(match.groups(), UNITS[lang], strict=True):
        if amount:
            number = int(amount)
            parts.append(f"{number} {one if number == 1 else many}")
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + f" {AND[lang]} {parts[-1]}"


def humane(text: str, lang: str) -> str:
    """Durations and midnight timestamps inside a sentence, in words."""
    text = _MIDNIGHT.sub(r"\1", text)

    def period(match: re.Match[str]) -> str:
        return duration(match.group(0), lang) if any(match.groups()) else match.group(0)

    return _PERIOD.sub(period, text)


def value(item: Any, lang: str) -> str:
    """A value as a reader sees it: labelled fields, lists joined, no quotes or braces."""
    if isinstance(item, dict):
        # sorted: a map from an expression has no reliable order
        return "; ".join(f"{key}: {value(item[key], lang)}" for key in sorted(item, key=str))
    if isinstance(item, list | tuple):
        if item and all(isinstance(v, dict) for v in item):
            return " | ".join(value(v, lang) for v in item)
        return ", ".join(value(v, lang) for v in item)
    if item is None:
        return "-"
    if isinstance(item, bool):
        return {"en": ("yes", "no"), "nl": ("ja", "nee")}[lang][0 if item else 1]
    return humane(str(item), lang)
