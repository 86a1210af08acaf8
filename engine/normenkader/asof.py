"""The as-of date of a ``check``: the date against which freshness and validity are judged.

The rule (docs/semantics.md, "Time"): an explicit ``--as-of YYYY-MM-DD`` wins;
``--as-of today`` is today's date (UTC); without the option the bundle's own reference
date is used, ``bundle.reference_date`` when declared, else ``bundle.submitted``, so the
same bundle gives the same findings whatever day it is checked; only a manifest that
declares neither falls back to today. The result records which source was used
(``inputs.as_of_source``), so a supervisor knows against which date freshness was judged.

``NORMENKADER_TODAY`` (YYYY-MM-DD) replaces today's date; it exists for tests that prove
a result does not depend on the day it is produced, and is never needed in normal use.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from typing import Any

from .errors import InputError

#: values of ``inputs.as_of_source`` in a result
SOURCES = ("bundle.reference_date", "bundle.submitted", "option", "today")
TODAY_VARIABLE = "NORMENKADER_TODAY"


def today() -> date:
    """Today's date in UTC, or the date in ``NORMENKADER_TODAY`` (tests only)."""
    injected = os.environ.get(TODAY_VARIABLE)
    if injected:
        try:
            return date.fromisoformat(injected)
        except ValueError:
            raise InputError(
                "USAGE", f"{TODAY_VARIABLE} {injected!r} is not a date (YYYY-MM-DD)"
            ) from None
    return datetime.now(UTC).date()


def requested(value: str | None) -> date | str | None:
    """The ``--as-of`` value checked early: a date, ``"today"``, or None (not given)."""
    if value is None or value == "today":
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(
            "USAGE", f"--as-of {value!r} is not a date (YYYY-MM-DD) or 'today'"
        ) from None


def resolve(option: date | str | None, head: dict[str, Any]) -> tuple[date, str]:
    """The as-of date and its source for a bundle whose manifest head is ``head``."""
    if isinstance(option, date):
        return option, "option"
    if option == "today":
        return today(), "today"
    for key in ("reference_date", "submitted"):
        value = head.get(key)
        if value is not None:
            return _day(value, key), f"bundle.{key}"
    return today(), "today"


def _day(value: Any, key: str) -> date:
    """The calendar date as written (``2026-11-29T00:30+02:00`` is 29 November)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    from .timeutil import parse_date

    text = str(value).strip()
    try:
        parse_date(text)  # the whole value must be a valid date or date-time
        return date.fromisoformat(text[:10])
    except ValueError:
        raise InputError("MANIFEST_INVALID", f"bundle.{key} {value!r} is not a date") from None


def describe(source: str, lang: str = "en") -> str:
    """Words for where the as-of date came from (terminal and HTML headers)."""
    from .messages import CATALOGUE, text

    return text(f"asof.{source}", lang) if f"asof.{source}" in CATALOGUE else source


def old_date_notice(day: date, source: str) -> str | None:
    """A stderr notice when findings are judged more than a year before today."""
    now = today()
    try:
        year_ago = now.replace(year=now.year - 1)
    except ValueError:  # 29 February
        year_ago = now.replace(year=now.year - 1, day=28)
    if day >= year_ago:
        return None
    return (
        f"notice: judged as of {day.isoformat()} ({describe(source)}), more than a year "
        f"before today ({now.isoformat()}); use --as-of today to judge freshness today"
    )
