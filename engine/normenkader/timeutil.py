"""ISO 8601 durations (``P2Y``, ``P18M``, ``P90D``) judged on calendar dates.

``max_age`` and waiver lengths are calendar periods: two years before 2026-02-28 is
2024-02-28, whatever the number of days. Only Y, M, W and D parts are accepted.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

_DURATION = re.compile(r"^P(?:(\d{1,4})Y)?(?:(\d{1,5})M)?(?:(\d{1,5})W)?(?:(\d{1,6})D)?$")


@dataclass(frozen=True)
class Period:
    years: int = 0
    months: int = 0
    days: int = 0
    text: str = ""

    def before(self, day: date) -> date:
        """The date this period before ``day`` (month ends are clamped)."""
        total_months = day.year * 12 + (day.month - 1) - (self.years * 12 + self.months)
        year, month = divmod(total_months, 12)
        month += 1
        clamped = min(day.day, monthrange(year, month)[1])
        return date(year, month, clamped) - timedelta(days=self.days)

    def after(self, day: date) -> date:
        """The date this period after ``day`` (month ends are clamped)."""
        total_months = day.year * 12 + (day.month - 1) + (self.years * 12 + self.months)
        year, month = divmod(total_months, 12)
        month += 1
        clamped = min(day.day, monthrange(year, month)[1])
        return date(year, month, clamped) + timedelta(days=self.days)


def parse_period(text: str) -> Period:
    """Parse ``PnYnMnWnD``; raises ValueError for anything else (time parts included)."""
    match = _DURATION.match(text)
    if not match or text == "P":
        raise ValueError(f"not an ISO 8601 period of years/months/weeks/days: {text!r}")
    years, months, weeks, days = (int(group) if group else 0 for group in match.groups())
    return Period(years=years, months=months, days=days + 7 * weeks, text=text)


def parse_date(text: str) -> date:
    """Parse a calendar date ``YYYY-MM-DD`` (a date-time is cut to its UTC date)."""
    from .expressions import to_timestamp

    return to_timestamp(text).date()
