"""Policy calendars: when a team works, and their compilation into a clock ``Schedule``.

A calendar has an IANA time zone, opening hours (``24/7``, or windows per weekday such as
``mon-fri: "09:00-18:00"``, several a day, ``"22:00-02:00"`` running past midnight) and
holidays from several sources: a country's public holidays (the ``holidays`` package), single
dates, date ranges, partial-day closures and iCalendar files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, Field, PlainSerializer, field_validator

from supportops.core.clock import DAY, Closure, Schedule
from supportops.policy.base import Strict, custom_error, parse_time
from supportops.policy.closures import HolidaySource, IcalHolidays

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Holidays are generated for these years unless the caller asks for others.
DEFAULT_YEARS = range(2000, 2041)
WINDOW_HELP = (
    "write HH:MM-HH:MM such as 09:00-17:00 (an end at or before the start runs past midnight)"
)


def parse_window(text: Any) -> tuple[int, int]:
    """``"09:00-17:00"`` → ``(32400, 61200)``; ``"22:00-02:00"`` → ``(79200, 93600)``."""
    parts = text.split("-") if isinstance(text, str) else []
    if len(parts) != 2:
        raise ValueError(f"bad window {text!r}: {WINDOW_HELP}")
    try:
        start, end = parse_time(parts[0]), parse_time(parts[1], allow_24=True)
    except ValueError:
        raise ValueError(f"bad window {text!r}: {WINDOW_HELP}") from None
    if end <= start:
        end += DAY
    return start, end


def _days(key: str) -> list[int]:
    names = key.strip().lower().split("-")
    if len(names) > 2 or any(n not in WEEKDAYS for n in names):
        raise ValueError(
            f"bad weekday {key!r}: use mon, tue, wed, thu, fri, sat, sun or a range like mon-fri"
        )
    first, last = WEEKDAYS.index(names[0]), WEEKDAYS.index(names[-1])
    if last < first:
        raise ValueError(f"bad weekday range {key!r}: write it Monday first, e.g. mon-fri")
    return list(range(first, last + 1))


@dataclass(frozen=True, slots=True)
class Hours:
    """Opening hours: ``always`` (24/7) or ``windows[d]`` seconds after local midnight."""

    windows: tuple[tuple[tuple[int, int], ...], ...] = ((),) * 7
    always: bool = False

    def __str__(self) -> str:
        return "24/7" if self.always else repr(self.windows)


def parse_hours(value: Any) -> Hours:
    if isinstance(value, Hours):
        return value
    if isinstance(value, str) and value.strip().lower() in ("24/7", "24x7"):
        return Hours(always=True)
    if not isinstance(value, dict) or not value:
        raise custom_error(
            "hours",
            "write 24/7, or windows per weekday such as {mon-fri: 09:00-18:00}",
        )
    days: dict[int, list[tuple[int, int]]] = {}
    for key, spec in value.items():
        try:
            numbers = _days(str(key))
            if spec is None or (isinstance(spec, str) and spec.strip().lower() == "closed"):
                windows: list[tuple[int, int]] = []
            elif isinstance(spec, str):
                windows = [parse_window(spec)]
            elif isinstance(spec, list):
                windows = [parse_window(w) for w in spec]
            else:
                raise ValueError(f"bad window {spec!r}: {WINDOW_HELP}")
        except ValueError as exc:
            raise custom_error("hours", f"{key}: {exc}") from None
        for day in numbers:
            if day in days:
                raise custom_error("hours", f"{key}: {WEEKDAYS[day]} is given twice")
            days[day] = sorted(windows)
    return Hours(windows=tuple(tuple(days.get(d, [])) for d in range(7)))


def _hours_out(hours: Hours) -> Any:
    if hours.always:
        return "24/7"

    def clock(s: int, end: bool = False) -> str:
        s = s if end and s == DAY else s % DAY
        return f"{s // 3600:02d}:{s % 3600 // 60:02d}"

    return {
        WEEKDAYS[d]: [f"{clock(a)}-{clock(b, end=True)}" for a, b in ws]
        for d, ws in enumerate(hours.windows)
        if ws
    }


HoursField = Annotated[
    Hours, BeforeValidator(parse_hours), PlainSerializer(_hours_out, return_type=Any)
]


class CalendarSpec(Strict):
    timezone: str
    hours: HoursField
    holidays: list[HolidaySource] = Field(default_factory=list)
    description: str = ""

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise custom_error(
                "timezone", f"unknown time zone {value!r}: use an IANA name such as Europe/Berlin"
            ) from None
        return value

    @property
    def business_day(self) -> int:
        """Seconds in one business day (``bd``): the week's open seconds divided by the number of
        weekdays on which a window opens, rounded down; 86 400 on a 24/7 calendar."""
        if self.hours.always:
            return DAY
        open_days = [ws for ws in self.hours.windows if ws]
        total = sum(b - a for ws in open_days for a, b in ws)
        return total // len(open_days) if open_days else DAY

    def schedule(self, name: str, years: Iterable[int] | None = None) -> Schedule:
        """The clock :class:`Schedule`, with holidays generated for ``years``."""
        years = list(DEFAULT_YEARS if years is None else years)
        tz = ZoneInfo(self.timezone)
        closures: list[Closure] = []
        for source in self.holidays:
            if isinstance(source, IcalHolidays):
                closures.extend(source.closures(years, tz))
            else:
                closures.extend(source.closures(years))
        closures.sort(key=lambda c: (c.start, c.end))
        return Schedule(
            tz=tz,
            windows=self.hours.windows,
            closures=tuple(closures),
            always=self.hours.always,
            name=name,
        )
