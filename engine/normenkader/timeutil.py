"""Dates: ISO 8601 dates and date-times as UTC timestamps, and calendar periods.

``max_age`` and waiver lengths are calendar periods (``P2Y``, ``P18M``, ``P90D``): two years
before 2026-02-28 is 2024-02-28, whatever the number of days. Only Y, M, W and D parts are
accepted. Date strings in evidence and facts become UTC timestamps for CEL
(``with_timestamps``).
"""

from __future__ import annotations

import re
from datetime import MAXYEAR, MINYEAR, UTC, date, datetime, timedelta
from typing import Any, NamedTuple

_DURATION = re.compile(r"^P(?:(\d{1,4})Y)?(?:(\d{1,5})M)?(?:(\d{1,5})W)?(?:(\d{1,6})D)?$")


class Period(NamedTuple):
    """A calendar period (ISO 8601 years, months, weeks as days, days)."""

    years: int = 0
    months: int = 0
    days: int = 0
    text: str = ""

    def before(self, day: date) -> date:
        """The date this period before ``day`` (month ends are clamped; ``date.min`` when
        the period reaches before year 1, so ``P9999Y`` means "any date", not a crash)."""
        return self._shift(day, -1)

    def after(self, day: date) -> date:
        """The date this period after ``day`` (month ends are clamped; ``date.max`` when
        the period reaches past year 9999)."""
        return self._shift(day, 1)

    def _shift(self, day: date, sign: int) -> date:
        total_months = day.year * 12 + (day.month - 1) + sign * (self.years * 12 + self.months)
        year, month = divmod(total_months, 12)
        month += 1
        if not MINYEAR <= year <= MAXYEAR:
            return date.min if sign < 0 else date.max
        clamped = min(day.day, _days_in_month(year, month))
        try:
            return date(year, month, clamped) + sign * timedelta(days=self.days)
        except OverflowError:
            return date.min if sign < 0 else date.max


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def parse_period(text: str) -> Period:
    """Parse ``PnYnMnWnD``; raises ValueError for anything else (time parts included)."""
    match = _DURATION.match(text)
    if not match or text == "P":
        raise ValueError(f"not an ISO 8601 period of years/months/weeks/days: {text!r}")
    years, months, weeks, days = (int(group) if group else 0 for group in match.groups())
    return Period(years=years, months=months, days=days + 7 * weeks, text=text)


def parse_date(text: str) -> date:
    """Parse a calendar date ``YYYY-MM-DD`` (a date-time is cut to its UTC date).

    Raises ValueError for anything else, including impossible dates (2026-02-30).
    """
    return to_timestamp(text).date()


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def to_timestamp(value: str | date | datetime) -> datetime:
    """Normalise a date or date-time to a timezone-aware UTC datetime (naive means UTC).

    Raises ValueError for anything that is not one, including impossible dates and
    date-times whose UTC form falls outside years 1..9999 (``0001-01-01T00:00+01:00``).
    """
    try:
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=UTC)
        text = value.strip()
        if _DATE.fullmatch(text):
            return datetime.fromisoformat(text).replace(tzinfo=UTC)
        if _DATETIME.fullmatch(text):
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"date out of range: {value!r}") from None
    raise ValueError(f"not an ISO 8601 date: {value!r}")


def with_timestamps(value: Any) -> Any:
    """Copy of a JSON-like value where ISO 8601 date strings become UTC datetimes for CEL.

    Only strings that look exactly like a date or date-time are converted; anything else is
    left as is, so free text is never mangled.
    """
    if isinstance(value, dict):
        return {key: with_timestamps(item) for key, item in value.items()}
    if isinstance(value, list):
        return [with_timestamps(item) for item in value]
    if (
        isinstance(value, str)
        and len(value) <= 40
        and (_DATE.fullmatch(value) or _DATETIME.fullmatch(value))
    ):
        try:
            return to_timestamp(value)
        except ValueError:
            return value
    return value
