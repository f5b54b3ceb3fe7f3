"""The demo team's working time: New York business hours, company holidays, local→UTC.

Everything here works on whole seconds since the Unix epoch (UTC), the unit the generator
computes in; :func:`instant` turns one into an aware UTC ``datetime`` at the end.

The business clock is a sorted array of opening intervals with the business seconds elapsed
before each, so "add 90 business minutes to this instant" is one binary search (the same
shape as the engine's own clock, kept separate so the demo does not depend on it).
"""

from __future__ import annotations

import bisect
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from supportops.model import Calendar

TIMEZONE = "America/New_York"
ZONE = ZoneInfo(TIMEZONE)
OPEN_HOUR, CLOSE_HOUR = 8, 18  # Monday–Friday, local time
CALENDAR_ID = "demo:support-hours"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def local_epoch(day: date, hour: int = 0, minute: int = 0) -> int:
    """Seconds since the epoch of a local New York wall-clock time on ``day``."""
    local = datetime.combine(day, time(hour, minute), tzinfo=ZONE)
    return int(local.astimezone(UTC).timestamp())


def instant(seconds: int) -> datetime:
    """An aware UTC datetime from epoch seconds."""
    return EPOCH + timedelta(seconds=int(seconds))


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The ``n``-th ``weekday`` (0 = Monday) of a month; ``n = -1`` is the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    """A holiday on a Saturday is taken on the Friday, on a Sunday on the Monday."""
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


def company_holidays(first: date, last: date) -> list[tuple[str, date]]:
    """The support team's days off between ``first`` and ``last`` (inclusive), by rule."""
    out: list[tuple[str, date]] = []
    for year in range(first.year - 1, last.year + 2):
        days = [
            ("New Year's Day", _observed(date(year, 1, 1))),
            ("Memorial Day", _nth_weekday(year, 5, 0, -1)),
            ("Independence Day", _observed(date(year, 7, 4))),
            ("Labor Day", _nth_weekday(year, 9, 0, 1)),
            ("Thanksgiving Day", _nth_weekday(year, 11, 3, 4)),
            ("Day after Thanksgiving", _nth_weekday(year, 11, 3, 4) + timedelta(days=1)),
            ("Christmas Day", _observed(date(year, 12, 25))),
        ]
        out.extend((name, day) for name, day in days if first <= day <= last)
    return sorted(out, key=lambda item: item[1])


def calendar_record(first: date, last: date) -> Calendar:
    """The schedule as a :class:`Calendar` record, so a policy can be built from it."""
    windows: list[list[object]] = [
        [wd, f"{OPEN_HOUR:02d}:00", f"{CLOSE_HOUR:02d}:00"] for wd in range(5)
    ]
    holidays = [[name, d.isoformat(), d.isoformat()] for name, d in company_holidays(first, last)]
    return Calendar(
        id=CALENDAR_ID,
        name="Support hours (New York)",
        timezone=TIMEZONE,
        windows=windows,
        holidays=holidays,
    )


class BusinessClock:
    """Business seconds over ``[first, last]``: Monday–Friday 08:00–18:00 New York time,
    company holidays closed. Instants outside the covered days count as closed."""

    def __init__(self, first: date, last: date) -> None:
        closed = {d for _, d in company_holidays(first, last)}
        opens: list[int] = []
        closes: list[int] = []
        day = first
        while day <= last:
            if day.weekday() < 5 and day not in closed:
                opens.append(local_epoch(day, OPEN_HOUR))
                closes.append(local_epoch(day, CLOSE_HOUR))
            day += timedelta(days=1)
        self.opens = opens
        self.closes = closes
        self.before: list[int] = [0]  # business seconds before each opening
        for start, end in zip(opens, closes, strict=True):
            self.before.append(self.before[-1] + end - start)
        self.total = self.before.pop()
        self.holidays = closed

    def business(self, t: int) -> int:
        """Business seconds from the start of the clock to instant ``t``."""
        i = bisect.bisect_right(self.opens, t) - 1
        if i < 0:
            return 0
        return self.before[i] + min(t - self.opens[i], self.closes[i] - self.opens[i])

    def instant_at(self, b: int) -> int:
        """The instant at which ``b`` business seconds have passed (an opening, not a closing,
        when ``b`` falls exactly between two intervals)."""
        if b >= self.total:
            return self.closes[-1] + (b - self.total)  # beyond the covered days: wall time
        j = bisect.bisect_right(self.before, b) - 1
        return self.opens[j] + (b - self.before[j])

    def add(self, t: int, seconds: float) -> int:
        """``t`` plus ``seconds`` of business time."""
        return self.instant_at(self.business(t) + max(0, int(seconds)))

    def elapsed(self, a: int, b: int) -> int:
        return self.business(b) - self.business(a)

    def is_open(self, t: int) -> bool:
        i = bisect.bisect_right(self.opens, t) - 1
        return i >= 0 and t < self.closes[i]


def hour_starts(days: list[date]) -> np.ndarray:
    """Epoch seconds of each local hour 00:00 … 23:00 of each day, shape ``(len(days), 24)``.

    The tiny DST edge (a local hour that does not exist or happens twice) resolves the way
    ``zoneinfo`` resolves ``fold=0``, which is good enough for arrival times.
    """
    out = np.empty((len(days), 24), dtype=np.int64)
    for i, day in enumerate(days):
        for h in range(24):
            out[i, h] = local_epoch(day, h)
    return out
