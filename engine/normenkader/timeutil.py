"""ISO 8601 durations (``P2Y``, ``P18M``, ``P90D``) judged on calendar dates.

``max_age`` and waiver lengths are calendar periods: two years before 2026-02-28 is
2024-02-28, whatever the number of days. Only Y, M, W and D parts are accepted.
"""

from __future__ import annotations

import re
from datetime import MAXYEAR, MINYEAR, date, timedelta
from typing import NamedTuple

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
    from .expressions import to_timestamp

    return to_timestamp(text).date()
