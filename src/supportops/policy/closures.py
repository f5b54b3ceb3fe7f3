"""Holiday sources of a calendar: a country's public holidays, single dates, date ranges,
partial-day closures and iCalendar files. Each turns into clock ``Closure`` records in the
calendar's local time."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    PlainValidator,
    PrivateAttr,
    Tag,
    ValidationInfo,
    model_validator,
)

from supportops.core.clock import Closure
from supportops.policy.base import Strict, custom_error, parse_time

__all__ = [
    "CountryHolidays",
    "DateHoliday",
    "HolidaySource",
    "IcalHolidays",
    "PartialClosure",
    "RangeHoliday",
    "read_ical",
]


def _when(value: Any) -> dt.date | dt.datetime:
    """A date (a whole day) or a naive local date-time, from YAML or a string."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                return dt.date.fromisoformat(text)
            return dt.datetime.fromisoformat(text).replace(tzinfo=None)
        except ValueError:
            pass
    raise custom_error("when", f"{value!r} is not a date: write 2026-12-24 or 2026-12-24T13:00")


When = Annotated[dt.date | dt.datetime, PlainValidator(_when), PlainSerializer(str)]


class CountryHolidays(Strict):
    """Public holidays of a country (ISO code) and optionally one subdivision (state)."""

    country: str
    subdivision: str | None = None
    exclude: list[str] = Field(default_factory=list)  # holiday names to stay open on

    @model_validator(mode="after")
    def _known(self) -> CountryHolidays:
        import holidays

        try:
            holidays.country_holidays(self.country, subdiv=self.subdivision, years=[])
        except NotImplementedError as exc:
            hint = "(see the holidays package's country list)"
            raise custom_error("holidays", f"{exc} {hint}") from None
        return self

    def closures(self, years: Iterable[int]) -> list[Closure]:
        import holidays

        table = holidays.country_holidays(self.country, subdiv=self.subdivision, years=years)
        skip = {name.lower() for name in self.exclude}
        return [
            Closure.day(day, str(name))
            for day, name in sorted(table.items())
            if not any(part.strip().lower() in skip for part in str(name).split(";"))
        ]


class DateHoliday(Strict):
    date: dt.date
    name: str = ""

    def closures(self, years: Iterable[int]) -> list[Closure]:
        return [Closure.day(self.date, self.name)]


class RangeHoliday(Strict):
    """Closed ``from`` … ``to``: dates are whole days, both included; date-times are instants."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    start: When = Field(alias="from")
    end: When = Field(alias="to")
    name: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> RangeHoliday:
        if _naive(self.end, end=True) <= _naive(self.start):
            raise custom_error("range", "'to' must come after 'from'")
        return self

    def closures(self, years: Iterable[int]) -> list[Closure]:
        return [Closure(_naive(self.start), _naive(self.end, end=True), self.name)]


def _naive(value: dt.date | dt.datetime, *, end: bool = False) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    midnight = dt.datetime(value.year, value.month, value.day)
    return midnight + dt.timedelta(days=1) if end else midnight


class PartialClosure(Strict):
    """Closed on ``date`` from ``from_time`` to ``to_time`` (local; ``24:00`` is midnight)."""

    date: dt.date
    from_time: str
    to_time: str
    name: str = ""

    @model_validator(mode="after")
    def _times(self) -> PartialClosure:
        try:
            start, end = parse_time(self.from_time), parse_time(self.to_time, allow_24=True)
        except ValueError as exc:
            raise custom_error("time", str(exc)) from None
        if end <= start:
            raise custom_error("time", "to_time must be after from_time on the same day")
        return self

    def closures(self, years: Iterable[int]) -> list[Closure]:
        day = _naive(self.date)
        start = day + dt.timedelta(seconds=parse_time(self.from_time))
        end = day + dt.timedelta(seconds=parse_time(self.to_time, allow_24=True))
        return [Closure(start, end, self.name)]


class IcalHolidays(Strict):
    """Every VEVENT of an iCalendar file is a closure: all-day events close whole days, timed
    events their span. The path is relative to the policy file."""

    ical: str
    _events: list[tuple[dt.date | dt.datetime, dt.date | dt.datetime, str]] = PrivateAttr(
        default_factory=list
    )

    @model_validator(mode="after")
    def _read(self, info: ValidationInfo) -> IcalHolidays:
        base = (info.context or {}).get("base_dir") if info.context else None
        path = Path(base or ".") / self.ical
        try:
            self._events = read_ical(path)
        except FileNotFoundError:
            raise custom_error("ical", f"no such file {path}") from None
        except OSError as exc:
            raise custom_error("ical", f"cannot read {path}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise custom_error("ical", f"{path} is not a valid iCalendar file: {exc}") from None
        return self

    def closures(self, years: Iterable[int], tz: dt.tzinfo | None = None) -> list[Closure]:
        out = []
        for start, end, name in self._events:
            out.append(Closure(_local(start, tz), _local(end, tz), name))
        return out


def _local(value: dt.date | dt.datetime, tz: dt.tzinfo | None) -> dt.datetime:
    """Naive local time of the calendar: aware times are converted, floating ones kept."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None and tz is not None:
        return value.astimezone(tz).replace(tzinfo=None)
    return _naive(value)


def read_ical(path: Path) -> list[tuple[dt.date | dt.datetime, dt.date | dt.datetime, str]]:
    """``(start, end, summary)`` of each VEVENT; all-day ends are exclusive dates."""
    import icalendar

    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    events: list[tuple[dt.date | dt.datetime, dt.date | dt.datetime, str]] = []
    for event in calendar.walk("VEVENT"):
        summary = str(event.get("summary", ""))
        if event.get("rrule") is not None:
            raise ValueError(
                f"event {summary!r} repeats (RRULE), which is not supported: "
                "export the calendar with each occurrence as its own event"
            )
        start = event.decoded("dtstart", None)
        if start is None:
            raise ValueError(f"event {summary!r} has no DTSTART")
        end = event.decoded("dtend", None)
        if end is None:
            duration = event.decoded("duration", None)
            if duration is not None:
                end = start + duration
            elif isinstance(start, dt.datetime):
                continue  # an instant: closes nothing
            else:
                end = start + dt.timedelta(days=1)
        events.append((start, end, summary))
    return events


def _holiday_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        for key, kind in (("country", "~country"), ("ical", "~ical")):
            if key in value:
                return kind
        if "from_time" in value or "to_time" in value:
            return "~partial"
        if "from" in value or "to" in value:
            return "~range"
        return "~date" if "date" in value else None
    kinds: dict[type, str] = {
        CountryHolidays: "~country",
        IcalHolidays: "~ical",
        PartialClosure: "~partial",
        RangeHoliday: "~range",
        DateHoliday: "~date",
    }
    return kinds.get(type(value))


HolidaySource = Annotated[
    Annotated[CountryHolidays, Tag("~country")]
    | Annotated[DateHoliday, Tag("~date")]
    | Annotated[RangeHoliday, Tag("~range")]
    | Annotated[PartialClosure, Tag("~partial")]
    | Annotated[IcalHolidays, Tag("~ical")],
    Discriminator(
        _holiday_kind,
        custom_error_type="holiday",
        custom_error_message=(
            "write one of {country: US, subdivision: NY}, {date: 2026-12-24}, "
            "{from: 2026-12-24, to: 2026-12-26}, {date: 2026-12-24, from_time: '13:00', "
            "to_time: '18:00'} or {ical: holidays.ics}"
        ),
    ),
]
