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


def visible_block(text: str) -> str:
    """Like ``visible``, but keeps line breaks and tabs (for multi-line text in HTML)."""
    if text.isprintable():
        return text
    return "".join(
        c if c in "\t\n\r" or unicodedata.category(c) not in _HIDDEN else f"\\u{ord(c):04x}"
        for c in text
    )
