"""Review periods: ISO weeks (``2026-W47``) or explicit date ranges, in one time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from supportops.errors import InputError

__all__ = ["Period", "week_label", "week_period"]

_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Period:
    """Local dates ``first`` to ``last`` (inclusive) in ``tz``; ``start``/``end`` the UTC
    instants of the first day's midnight and the midnight after the last day."""

    label: str
    first: date
    last: date
    tz: ZoneInfo

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), self.tz).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), self.tz).astimezone(UTC)

    @property
    def is_week(self) -> bool:
        return self.first.weekday() == 0 and (self.last - self.first).days == 6

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        days = (self.last - self.first).days + 1
        first = self.first - timedelta(days=days)
        last = self.first - timedelta(days=1)
        label = week_label(first) if self.is_week else f"{first}..{last}"
        return Period(label, first, last, self.tz)


def week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_period(text: str, tz: ZoneInfo) -> Period:
    """``2026-W47`` → Monday 2026-11-16 to Sunday 2026-11-22."""
    m = _WEEK.match(text.strip())
    if not m:
        raise InputError(f"--week {text!r}: write an ISO week such as 2026-W47")
    year, week = int(m.group(1)), int(m.group(2))
    try:
        first = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise InputError(f"--week {text!r}: {year} has no week {week}") from None
    return Period(week_label(first), first, first + timedelta(days=6), tz)


def last_complete_week(as_of: datetime, tz: ZoneInfo) -> Period:
    """The latest Monday-to-Sunday week that ended at or before ``as_of``."""
    local = as_of.astimezone(tz)
    day = local.date()
    # the week containing `as_of` is complete only if as_of is its Sunday's end
    monday = day - timedelta(days=day.weekday())
    end_of_week = datetime.combine(monday + timedelta(days=7), time(), tz)
    complete = local >= end_of_week - timedelta(seconds=1)
    first = monday if complete else monday - timedelta(days=7)
    return Period(week_label(first), first, first + timedelta(days=6), tz)


def range_period(since: date, until: date, tz: ZoneInfo) -> Period:
    if until < since:
        raise InputError(f"--until {until} is before --since {since}")
    label = week_label(since) if since.weekday() == 0 and (until - since).days == 6 else ""
    return Period(label or f"{since}..{until}", since, until, tz)
