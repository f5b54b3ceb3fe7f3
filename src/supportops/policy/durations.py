"""Durations, targets, percentages and thresholds as people write them in the policy file.

* A **duration** is one or more ``<integer><unit>`` parts, largest unit first: ``90s``,
  ``15m``, ``4h``, ``1h30m``, ``2d``, ``5bd``. Units: ``s`` seconds, ``m`` minutes, ``h``
  hours, ``d`` days of 24 hours, ``bd`` business days. The SLA clock counts every unit in
  the calendar's open time, so ``2d`` = 48 business hours and ``5bd`` = 5 × the calendar's
  business day (:func:`business_day_seconds` in ``calendars.py``).
* A **target** is a duration, ``none`` (or an empty value: the metric has no target) or
  ``on_status_change`` (an update is due at each status change, no timer).
* A **percentage** is ``90%`` or a fraction ``0.9``.
* A **threshold** compares a measured value: ``>= 90%``, ``< 1h``, ``30+``, ``10%..20%``.

Internal precision is the second.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer
from pydantic_core import PydanticCustomError

__all__ = [
    "Duration",
    "DurationField",
    "Percent",
    "Target",
    "TargetField",
    "TargetKind",
    "Threshold",
    "ThresholdField",
    "format_seconds",
    "parse_duration",
    "parse_percent",
    "parse_target",
    "scale_seconds",
]

_UNITS = (("bd", 0), ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))
_DURATION = re.compile(
    r"^\s*(?:(?P<bd>\d+)\s*bd\s*)?(?:(?P<d>\d+)\s*d\s*)?(?:(?P<h>\d+)\s*h\s*)?"
    r"(?:(?P<m>\d+)\s*m\s*)?(?:(?P<s>\d+)\s*s\s*)?$"
)
DURATION_HELP = "write a duration such as 90s, 15m, 4h, 1h30m, 2d or 5bd"


@dataclass(frozen=True, slots=True)
class Duration:
    """``business_days`` business days plus ``seconds`` seconds."""

    seconds: int
    business_days: int = 0

    def resolve(self, business_day: int) -> int:
        """Seconds on a calendar whose business day lasts ``business_day`` seconds."""
        return self.business_days * business_day + self.seconds

    def __str__(self) -> str:
        text = f"{self.business_days}bd" if self.business_days else ""
        if self.seconds or not text:
            text += format_seconds(self.seconds)
        return text


def parse_duration(value: Any) -> Duration:
    """A :class:`Duration` from ``"1h30m"``; ``ValueError`` saying how to write one."""
    if isinstance(value, Duration):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a duration: {DURATION_HELP}")
    match = _DURATION.match(value)
    if not value.strip() or not match:
        raise ValueError(f"{value!r} is not a duration: {DURATION_HELP}")
    parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
    seconds = sum(parts.get(unit, 0) * size for unit, size in _UNITS[1:])
    duration = Duration(seconds=seconds, business_days=parts.get("bd", 0))
    if duration.seconds == 0 and duration.business_days == 0:
        raise ValueError(f"{value!r} is zero: a duration must be longer than 0s")
    return duration


def format_seconds(seconds: int, business_day: int | None = None) -> str:
    """``5400 → "1h30m"``; with ``business_day`` whole business days come first (``"5bd"``).

    Hours are not folded into days: ``72h`` stays ``72h``, as SLA tables write it.
    """
    seconds = int(seconds)
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    text = ""
    if business_day and seconds >= business_day:
        days, seconds = divmod(seconds, business_day)
        text = f"{days}bd"
    hours, rest = divmod(seconds, 3_600)
    minutes, secs = divmod(rest, 60)
    for amount, unit in ((hours, "h"), (minutes, "m"), (secs, "s")):
        if amount:
            text += f"{amount}{unit}"
    return sign + (text or "0s")


def scale_seconds(seconds: int, multiplier: float) -> int:
    """``seconds × multiplier`` rounded to the nearest second, halves up (7.5 min → 450 s)."""
    return math.floor(seconds * multiplier + 0.5)


class TargetKind(StrEnum):
    DURATION = "duration"
    NONE = "none"  # the metric has no target for this priority
    ON_STATUS_CHANGE = "on_status_change"  # an update at each status change, no timer


@dataclass(frozen=True, slots=True)
class Target:
    kind: TargetKind
    duration: Duration | None = None

    def seconds(self, business_day: int) -> int | None:
        """Target seconds on a calendar with that business day; ``None`` when no timer."""
        return self.duration.resolve(business_day) if self.duration else None

    def __str__(self) -> str:
        return str(self.duration) if self.duration else self.kind.value


NO_TARGET = Target(TargetKind.NONE)
ON_STATUS_CHANGE = Target(TargetKind.ON_STATUS_CHANGE)


def parse_target(value: Any) -> Target:
    if isinstance(value, Target):
        return value
    if value is None or (isinstance(value, str) and value.strip().lower() in ("none", "")):
        return NO_TARGET
    if isinstance(value, str) and value.strip().lower() == "on_status_change":
        return ON_STATUS_CHANGE
    try:
        return Target(TargetKind.DURATION, parse_duration(value))
    except ValueError as exc:
        raise ValueError(f"{exc} (or none, or on_status_change)") from None


def parse_percent(value: Any) -> float:
    """``"90%"`` or ``0.9`` → ``0.9``."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a percentage: write 90% or 0.9")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and re.fullmatch(r"\s*-?\d+(\.\d+)?\s*%\s*", value):
        number = float(value.strip().rstrip("%")) / 100
    else:
        raise ValueError(f"{value!r} is not a percentage: write 90% or 0.9")
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{value!r} is not a percentage: it must be 0% or more")
    return number


_THRESHOLD = re.compile(r"^\s*(?P<op>>=|<=|>|<)?\s*(?P<value>[^+<>=]+?)\s*(?P<plus>\+)?\s*$")


@dataclass(frozen=True, slots=True)
class Threshold:
    """``op value`` (``>=``, ``>``, ``<=``, ``<``) or an inclusive range ``low..high``.

    ``unit`` is ``percent`` (values are fractions), ``seconds`` or ``number``.
    """

    op: str
    value: float
    unit: str
    high: float | None = None

    def holds(self, measured: float) -> bool:
        if self.op == "..":
            return self.value <= measured <= (self.high if self.high is not None else math.inf)
        return {
            ">=": measured >= self.value,
            ">": measured > self.value,
            "<=": measured <= self.value,
            "<": measured < self.value,
        }[self.op]

    def __str__(self) -> str:
        if self.op == "..":
            return f"{_show(self.value, self.unit)}..{_show(self.high or 0.0, self.unit)}"
        return f"{self.op} {_show(self.value, self.unit)}"


def _show(value: float, unit: str) -> str:
    if unit == "percent":
        return f"{value * 100:g}%"
    if unit == "seconds":
        return format_seconds(int(value))
    return f"{value:g}"


def _quantity(text: str) -> tuple[float, str]:
    text = text.strip()
    if text.endswith("%"):
        return parse_percent(text), "percent"
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return float(text), "number"
    duration = parse_duration(text)
    if duration.business_days:
        raise ValueError(text)
    return float(duration.seconds), "seconds"


THRESHOLD_HELP = "write a threshold such as '>= 90%', '< 1h', '30+' or '10%..20%'"


def parse_threshold(value: Any) -> Threshold:
    if isinstance(value, Threshold):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a threshold: {THRESHOLD_HELP}")
    try:
        if ".." in value:
            low, high = value.split("..", 1)
            (lo, lo_unit), (hi, hi_unit) = _quantity(low), _quantity(high)
            if lo_unit != hi_unit or hi < lo:
                raise ValueError
            return Threshold("..", lo, lo_unit, hi)
        match = _THRESHOLD.match(value)
        if not match or bool(match["op"]) == bool(match["plus"]):
            raise ValueError
        number, unit = _quantity(match["value"])
        return Threshold(match["op"] or ">=", number, unit)
    except ValueError:
        raise ValueError(f"{value!r} is not a threshold: {THRESHOLD_HELP}") from None


def _pydantic(parse: Any, kind: str) -> Any:
    def validate(value: Any) -> Any:
        try:
            return parse(value)
        except ValueError as exc:
            raise PydanticCustomError(kind, str(exc)) from None

    return BeforeValidator(validate)


_as_text = PlainSerializer(str, return_type=str)
#: Pydantic field types that validate from the policy file's strings.
DurationField = Annotated[Duration, _pydantic(parse_duration, "duration"), _as_text]
TargetField = Annotated[Target, _pydantic(parse_target, "target"), _as_text]
Percent = Annotated[float, _pydantic(parse_percent, "percent")]
ThresholdField = Annotated[Threshold, _pydantic(parse_threshold, "threshold"), _as_text]
