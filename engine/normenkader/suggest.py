""" "Did you mean": the closest known word for a mistyped command, norm id, kind or name."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, vocabulary: Iterable[str]) -> str | None:
    """The known word ``word`` most likely meant: a case-insensitive match first, then the
    closest by ``difflib`` (ratio at least 0.6), then the longest known prefix, else None."""
    known = sorted({str(v) for v in vocabulary})
    folded = {k.casefold(): k for k in known}
    if word.casefold() in folded:
        return folded[word.casefold()]
    close = difflib.get_close_matches(word.casefold(), list(folded), n=1, cutoff=0.6)
    if close:
        return folded[close[0]]
    # ``audit-rekenkamer`` for ``audit``: the longest known word the given one starts with
    prefixes = [k for k in folded if len(k) >= 3 and word.casefold().startswith(k)]
    return folded[max(prefixes, key=len)] if prefixes else None


def suggest(word: str, vocabulary: Iterable[str]) -> str:
    """`` (did you mean X?)`` for the closest known word, or an empty string."""
    match = closest(word, vocabulary)
    return f" (did you mean {match}?)" if match and match != word else ""
