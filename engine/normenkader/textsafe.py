"""Show text from a bundle safely on a terminal or in a log line.

Bundle text is hostile: an organisation name may carry ANSI escape sequences, bidi
overrides (U+202E) or line breaks meant to forge output. ``visible`` keeps ordinary
letters (Dutch diacritics included) and escapes every control, format, separator or
private-use character as ``\\uXXXX``.
"""

from __future__ import annotations

import unicodedata

_HIDDEN = {"Cc", "Cf", "Co", "Cs", "Zl", "Zp"}


def visible(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) in _HIDDEN else c for c in text)
