"""Shared pieces of the policy models: the strict base model, error helpers, times of day."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic_core import PydanticCustomError

_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def custom_error(kind: str, message: str) -> PydanticCustomError:
    """A validation error whose message is shown as written (it is not a template: without
    a context pydantic leaves braces alone)."""
    return PydanticCustomError(kind, message)


def parse_time(text: Any, *, allow_24: bool = False) -> int:
    """Seconds after midnight of ``"HH:MM"``; ``24:00`` only where ``allow_24``."""
    match = _TIME.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"{text!r} is not a time: write HH:MM such as 09:00")
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not allow_24)):
        raise ValueError(f"{text!r} is not a time of day (00:00 to 23:59)")
    return hours * 3600 + minutes * 60
