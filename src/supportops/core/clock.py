"""The business clock: business time between instants, and deadlines, over whole columns.

A :class:`Schedule` says when a team works: a time zone, opening windows per weekday (several a
day, windows that run past midnight), and closures (holidays, partial-day closures) in local
time. :meth:`Schedule.compile` turns it, over a range of instants, into a :class:`Clock`: the
sorted UTC opening intervals with the business seconds accumulated before each one. Then

* ``clock.business(t)`` — business seconds from the clock's origin to each instant in ``t``,
* ``clock.elapsed(a, b)`` — business seconds in ``[a, b)`` = ``business(b) - business(a)``,
* ``clock.deadline(t, s)`` — the instant at which ``s`` business seconds after ``t`` are used,

are binary searches plus prefix sums over numpy ``int64`` arrays of epoch seconds: no Python
loop per ticket. Local windows are converted to UTC one by one, so a day with a DST change
counts the real seconds elapsed (a 09:00–17:00 window on a spring-forward day is still eight
hours; a 00:00–04:00 window that night is three).

Instants are integer seconds since the Unix epoch (UTC): the engine's precision is the second.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

Seconds = npt.NDArray[np.int64]

DAY = 86_400
WEEK = 7 * DAY
#: Instants are clipped to this span (years 1900..2200) so arithmetic never overflows.
_MIN, _MAX = -2_208_988_800, 7_258_118_400


class AtClosing(StrEnum):
    """Where a deadline lands when the business time runs out exactly at a closing time."""

    CLOSING = "closing"  # the closing instant itself (Zendesk, Freshdesk)
    NEXT_OPENING = "next_opening"  # the next opening instant


@dataclass(frozen=True, slots=True)
class Closure:
    """Closed from ``start`` to ``end`` (naive local times of the schedule's zone)."""

    start: datetime
    end: datetime
    name: str = ""

    @classmethod
    def day(cls, day: date, name: str = "") -> Closure:
        start = datetime(day.year, day.month, day.day)
        return cls(start, start + timedelta(days=1), name)


@dataclass(frozen=True, slots=True)
class Schedule:
    """When the team works. ``windows[d]`` lists ``(start, end)`` seconds after local midnight
    of weekday ``d`` (0 = Monday); ``end`` may pass 86 400 for a window that runs past
    midnight. ``always`` means 24/7 (closures still apply)."""

    tz: tzinfo
    windows: tuple[tuple[tuple[int, int], ...], ...] = ((),) * 7
    closures: tuple[Closure, ...] = ()
    always: bool = False
    name: str = ""

    def __post_init__(self) -> None:
        if len(self.windows) != 7:
            raise ValueError("windows needs one entry per weekday (Monday first)")
        for day in self.windows:
            for start, end in day:
                if not 0 <= start < end or end - start > DAY:
                    raise ValueError(f"bad window ({start}, {end}): need 0 <= start < end")

    @classmethod
    def always_open(cls, name: str = "24/7", closures: Iterable[Closure] = ()) -> Schedule:
        return cls(tz=UTC, always=True, closures=tuple(closures), name=name)

    @property
    def weekly_seconds(self) -> int:
        if self.always:
            return WEEK
        return sum(end - start for day in self.windows for start, end in day)

    def intervals(self, start: int, end: int) -> tuple[Seconds, Seconds]:
        """Opening intervals in UTC epoch seconds that meet ``[start, end)``, merged and sorted."""
        if self.always:
            opens = [(start, end)]
        else:
            opens = []
            first = datetime.fromtimestamp(start, self.tz).date() - timedelta(days=2)
            last = datetime.fromtimestamp(end, self.tz).date() + timedelta(days=1)
            day = first
            while day <= last:
                midnight = datetime(day.year, day.month, day.day)
                for w_start, w_end in self.windows[day.weekday()]:
                    a = _utc(midnight + timedelta(seconds=w_start), self.tz)
                    b = _utc(midnight + timedelta(seconds=w_end), self.tz)
                    if b > a and b > start and a < end:
                        opens.append((a, b))
                day += timedelta(days=1)
        closed = sorted(
            (_utc(c.start, self.tz), _utc(c.end, self.tz)) for c in self.closures if c.end > c.start
        )
        merged = _subtract(_merge(sorted(opens)), _merge(closed))
        if not merged:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty.copy()
        arr = np.asarray(merged, dtype=np.int64)
        return arr[:, 0].copy(), arr[:, 1].copy()

    def compile(self, start: int, end: int) -> Clock:
        """The clock over ``[start, end)`` (epoch seconds); it extends itself when asked for
        a deadline beyond ``end``."""
        return Clock(self, max(start, _MIN), min(end, _MAX))


def _utc(local: datetime, tz: tzinfo) -> int:
    """Epoch seconds of a naive local time; in a DST gap, the instant the gap ends."""
    aware = local.replace(tzinfo=tz)
    back = aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if back != local:  # nonexistent local time: clocks jumped over it
        # read with the offset after the jump it lies before the gap, with the offset before
        # it lies after: the gap ends at the first second in between whose wall time is later
        lo = int(local.replace(tzinfo=tz, fold=1).timestamp())
        hi = int(local.replace(tzinfo=tz, fold=0).timestamp())
        lo, hi = min(lo, hi), max(lo, hi)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if datetime.fromtimestamp(mid, tz).replace(tzinfo=None) > local:
                hi = mid
            else:
                lo = mid
        return hi
    return int(aware.timestamp())


def _merge(intervals: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in intervals:
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _subtract(opens: list[tuple[int, int]], closed: list[tuple[int, int]]) -> list[tuple[int, int]]:
    if not closed:
        return opens
    out: list[tuple[int, int]] = []
    j = 0
    for a, b in opens:
        while j < len(closed) and closed[j][1] <= a:
            j += 1
        k = j
        cur = a
        while k < len(closed) and closed[k][0] < b:
            ca, cb = closed[k]
            if ca > cur:
                out.append((cur, min(ca, b)))
            cur = max(cur, cb)
            if cur >= b:
                break
            k += 1
        if cur < b:
            out.append((cur, b))
    return out


@dataclass
class Clock:
    """A schedule compiled over a range: opening intervals and their prefix sums."""

    schedule: Schedule
    start: int
    end: int
    starts: Seconds = field(init=False, repr=False)
    ends: Seconds = field(init=False, repr=False)
    before: Seconds = field(init=False, repr=False)  # business seconds before each interval
    after: Seconds = field(init=False, repr=False)  # … up to each interval's end

    def __post_init__(self) -> None:
        self._build(self.start, self.end)

    def _build(self, start: int, end: int) -> None:
        self.start, self.end = start, end
        self.starts, self.ends = self.schedule.intervals(start, end)
        lengths = self.ends - self.starts
        self.after = np.cumsum(lengths, dtype=np.int64)
        self.before = self.after - lengths

    # ------------------------------------------------------------------ queries
    def business(self, t: npt.ArrayLike) -> Seconds:
        """Business seconds between the clock's origin and each instant."""
        t = np.asarray(t, dtype=np.int64)
        idx = np.searchsorted(self.starts, t, side="right") - 1
        safe = np.clip(idx, 0, max(len(self.starts) - 1, 0))
        if len(self.starts) == 0:
            return np.zeros_like(t)
        inside = np.minimum(t - self.starts[safe], self.ends[safe] - self.starts[safe])
        out = self.before[safe] + np.maximum(inside, 0)
        return np.where(idx < 0, 0, out).astype(np.int64)

    def elapsed(self, a: npt.ArrayLike, b: npt.ArrayLike) -> Seconds:
        """Business seconds in ``[a, b)``; zero where ``b <= a``."""
        diff = self.business(b) - self.business(a)
        return np.asarray(np.maximum(diff, 0), dtype=np.int64)

    def at_business(
        self, target: npt.ArrayLike, at_closing: AtClosing = AtClosing.CLOSING
    ) -> Seconds:
        """The instant at which the business-seconds counter reaches ``target``."""
        goal: Seconds = np.asarray(target, dtype=np.int64)
        # extend past the goal (``>=``: next_opening needs the interval after it), also when
        # the compiled range holds no opening at all
        if goal.size and (len(self.after) == 0 or int(goal.max()) >= int(self.after[-1])):
            self._extend(int(goal.max()) + 1)
        if len(self.after) == 0 or (goal.size and int(goal.max()) > int(self.after[-1])):
            raise ValueError(
                f"the schedule {self.schedule.name!r} has no business time in reach; "
                "check its windows and closures"
            )
        closing = AtClosing(at_closing) is AtClosing.CLOSING
        idx = np.searchsorted(self.after, goal, side="left" if closing else "right")
        idx = np.minimum(idx, len(self.after) - 1)
        return np.asarray(self.starts[idx] + (goal - self.before[idx]), dtype=np.int64)

    def deadline(
        self,
        t: npt.ArrayLike,
        seconds: npt.ArrayLike,
        at_closing: AtClosing = AtClosing.CLOSING,
    ) -> Seconds:
        """When ``seconds`` business seconds after ``t`` are used up (never before ``t``)."""
        start: Seconds = np.asarray(t, dtype=np.int64)
        amount: Seconds = np.asarray(seconds, dtype=np.int64)
        goal = self.business(start) + amount
        out = self.at_business(goal, AtClosing.CLOSING)
        if AtClosing(at_closing) is AtClosing.NEXT_OPENING:
            # only a deadline at a closing instant moves; a zero budget outside opening hours
            # is used up at ``t`` itself, which is no closing time
            out = np.where(out >= start, self.at_business(goal, AtClosing.NEXT_OPENING), out)
        return np.asarray(np.maximum(out, start), dtype=np.int64)

    def windows_between(self, a: int, b: int) -> list[tuple[int, int]]:
        """The opening intervals (clipped) that lie in ``[a, b)``: for explanations."""
        lo = int(np.searchsorted(self.ends, a, side="right"))
        hi = int(np.searchsorted(self.starts, b, side="left"))
        return [
            (max(int(self.starts[i]), a), min(int(self.ends[i]), b))
            for i in range(lo, hi)
            if min(int(self.ends[i]), b) > max(int(self.starts[i]), a)
        ]

    def reach(self, goal: int) -> None:
        """Compile far enough that the counter passes ``goal`` business seconds (where the
        schedule has that much business time within 50 years)."""
        if len(self.after) == 0 or goal >= int(self.after[-1]):
            self._extend(goal + 1)

    def _extend(self, target: int) -> None:
        """Grow the range until the counter reaches ``target`` (or give up after 50 years)."""
        end = self.end
        limit = min(self.start + 50 * 365 * DAY, _MAX)
        weekly = max(self.schedule.weekly_seconds, 1)
        while int(self.after[-1] if len(self.after) else 0) < target and end < limit:
            missing = target - int(self.after[-1] if len(self.after) else 0)
            # enough weeks for what is missing, and at least double the range: a schedule
            # closed for good is given up on after a few builds, not hundreds
            grow = max((missing // weekly + 2) * WEEK + 30 * DAY, end - self.start)
            end = min(end + grow, limit)
            self._build(self.start, end)


def to_seconds(values: Any) -> Seconds:
    """Epoch seconds (floor) from datetimes, numpy datetime64 or a Polars/Arrow column."""
    arr = np.asarray(values)
    if np.issubdtype(arr.dtype, np.datetime64):
        return arr.astype("datetime64[s]").astype(np.int64)
    if arr.dtype == object:
        return np.array([int(v.timestamp()) // 1 for v in arr], dtype=np.int64)
    return arr.astype(np.int64)
