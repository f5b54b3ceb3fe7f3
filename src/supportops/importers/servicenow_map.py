"""ServiceNow vocabulary: which export a header is, and how its values map to the model.

Pure functions and tables shared by :mod:`supportops.importers.servicenow`; nothing here reads
files. docs/importers/servicenow.md has the same mappings as tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from supportops.importers.base import parse_instant
from supportops.model import Status, scoped

__all__ = [
    "LOG_COLUMNS",
    "MISSING",
    "SOURCE",
    "TABLE_COLUMNS",
    "UNDONE",
    "IncidentState",
    "Instants",
    "agent",
    "clean",
    "detect_shape",
    "level",
    "neither_message",
    "row_changes",
    "source_fields",
    "status_of",
    "table_moves",
]

SOURCE = "servicenow"

#: The columns an incident event log (one row per update) must have.
LOG_COLUMNS = (
    "number",
    "incident_state",
    "sys_mod_count",
    "sys_updated_at",
    "opened_at",
    "reopen_count",
    "priority",
    "assignment_group",
    "assigned_to",
    "category",
)
#: The columns an incident table export (one row per incident) must have.
TABLE_COLUMNS = ("number", "short_description", "incident_state", "opened_at", "priority")

MISSING = frozenset(("", "?", "NULL", "null"))

_STATUS_WORDS = {
    # words, as the event log and display-value exports spell them
    "new": Status.NEW,
    "active": Status.OPEN,
    "in progress": Status.OPEN,
    "awaiting user info": Status.PENDING,
    "awaiting caller": Status.PENDING,
    "awaiting problem": Status.ON_HOLD,
    "awaiting vendor": Status.ON_HOLD,
    "awaiting evidence": Status.ON_HOLD,
    "awaiting change": Status.ON_HOLD,
    "on hold": Status.ON_HOLD,
    "resolved": Status.SOLVED,
    "closed": Status.CLOSED,
    "canceled": Status.CLOSED,
    "cancelled": Status.CLOSED,
    # numeric incident_state codes of the table
    "1": Status.NEW,
    "2": Status.OPEN,
    "3": Status.ON_HOLD,
    "6": Status.SOLVED,
    "7": Status.CLOSED,
    "8": Status.CLOSED,
}
#: Statuses after which a move back to an open one is a reopening.
UNDONE = frozenset((Status.SOLVED.value, Status.CLOSED.value))


_STATUS_VALUES = {word: status.value for word, status in _STATUS_WORDS.items()}


def status_of(word: str) -> str:
    """The normalized status of an ``incident_state`` word or code; unknown ones are open."""
    return _STATUS_VALUES.get(word.lower(), "open")


def clean(text: str | None) -> str | None:
    """None for a missing value (``?``, empty, NULL), else the stripped text."""
    if text is None:
        return None
    s = text.strip()
    return None if s in MISSING else s


def agent(name: str | None) -> str | None:
    """The canonical agent id of a ServiceNow user name (None stays None)."""
    return scoped(SOURCE, name) if name else None


_LEVEL_CACHE: dict[tuple[str, str], str] = {}


def level(text: str, prefix: str, top: int) -> str:
    """``"P3"`` from ``"3"`` or ``"3 - Moderate"`` (``prefix="P"``); ValueError otherwise.

    ServiceNow choice fields store a number and display ``"N - Label"``; either is accepted,
    for the numbers 1..``top``.
    """
    key = (text, prefix)
    found = _LEVEL_CACHE.get(key)
    if found is not None:
        return found
    number, sep, label = text.partition(" - ")
    if not (number.isdigit() and 1 <= int(number) <= top) or (sep and not label.strip()):
        raise ValueError(f"{text!r} is not a ServiceNow level: expected 1..{top} or '1 - Label'")
    value = f"{prefix}{int(number)}"
    if len(_LEVEL_CACHE) < 1000:
        _LEVEL_CACHE[key] = value
    return value


@dataclass(slots=True)
class IncidentState:
    """What the event-log importer remembers of an incident between runs of its rows."""

    word: str | None = None  # incident_state as written
    status: str | None = None  # normalized, as last emitted
    priority: str | None = None  # as written
    group: str | None = None
    assignee: str | None = None
    category: str | None = None
    reopen: int = 0
    top: int = -1  # highest sys_mod_count read …
    top_at: tuple[str, int] = ("", 0)  # … in this file and line
    top_digest: int = 0  # … with this content


Change = tuple[str, str | None, str | None]  # (event kind, value, raw_value)


def row_changes(
    inc: IncidentState, row: dict[str, str], prev: dict[str, str] | None, reopen: int
) -> list[Change]:
    """The events one event-log row gives against the incident as it stood, and the state
    moved on to that row. ``prev`` is the row before in the same run (None for a run's first
    row): a column equal to it cannot have changed, which spares most comparisons.

    A status event comes whenever ``incident_state`` changes; leaving Resolved or Closed for
    any other state is a reopening and gives ``open``; a higher ``reopen_count`` with the
    state still Resolved or Closed means reopened and resolved again between the two rows.
    """
    changed: list[Change] = []
    text = row["incident_state"]
    reopened = reopen > inc.reopen
    if prev is None or text != prev["incident_state"] or reopened:
        word = clean(text)
        if word is not None and (word != inc.word or reopened):
            new = status_of(word)
            if reopened and new in UNDONE:
                changed.append(("status", "open", None))
                changed.append(("status", new, word))
            elif inc.status in UNDONE and new not in UNDONE:
                changed.append(("status", "open", word))
            elif word != inc.word:
                changed.append(("status", new, word))
            if changed:
                inc.status = changed[-1][1]
            inc.word = word
        inc.reopen = max(inc.reopen, reopen)
    text = row["priority"]
    if prev is None or text != prev["priority"]:
        priority = clean(text)
        if priority is not None and priority != inc.priority:
            changed.append(("priority", level(priority, "P", 5), priority))
            inc.priority = priority
    text = row["assignment_group"]
    if prev is None or text != prev["assignment_group"]:
        value = clean(text)
        if value != inc.group:
            changed.append(("group", value, value))
            inc.group = value
    text = row["assigned_to"]
    if prev is None or text != prev["assigned_to"]:
        value = clean(text)
        if value != inc.assignee:
            changed.append(("assignee", agent(value), value))
            inc.assignee = value
    text = row["category"]
    if prev is None or text != prev["category"]:
        value = clean(text)
        if value != inc.category:
            changed.append(("category", value, value))
            inc.category = value
    return changed


def detect_shape(header: Sequence[str]) -> tuple[str | None, list[str]]:
    """``("log", [])``, ``("table", [])``, or ``(None, missing)`` where ``missing`` lists the
    columns the nearer shape lacks."""
    have = set(header)
    missing_log = [c for c in LOG_COLUMNS if c not in have]
    if not missing_log:
        return "log", []
    missing_table = [c for c in TABLE_COLUMNS if c not in have]
    if not missing_table:
        return "table", []
    # The event log names its update time sys_updated_at; the table, sys_updated_on.
    if "sys_updated_at" in have or len(missing_log) <= len(missing_table):
        return None, missing_log
    return None, missing_table


def neither_message(missing: Sequence[str]) -> str:
    return (
        "the header matches no ServiceNow export this importer reads "
        f"(missing: {', '.join(missing)}). An incident event log (one row per update) needs "
        f"the columns {', '.join(LOG_COLUMNS)}; an incident table export (one row per "
        f"incident) needs {', '.join(TABLE_COLUMNS)}"
    )


#: Source columns kept typed in ``raw``; everything else is kept as text.
_BOOLS = frozenset(("active", "made_sla", "knowledge", "u_priority_confirmation"))
_INTS = frozenset(
    (
        "reassignment_count",
        "reopen_count",
        "sys_mod_count",
        "business_stc",
        "calendar_stc",
        "business_duration",
        "calendar_duration",
    )
)
_TRUE = frozenset(("true", "1", "yes"))
_FALSE = frozenset(("false", "0", "no"))


def source_fields(row: dict[str, str]) -> tuple[dict[str, Any], str | None, str | None]:
    """Every column of a row for ``raw``: missing spellings become None, flags become
    booleans, counters become integers. Returns ``(raw, bad_field, problem)``; a value that
    is not what its column needs is reported, not guessed."""
    raw: dict[str, Any] = {k: None if v in MISSING else v for k, v in row.items()}
    for key in _BOOLS.intersection(raw):
        text = raw[key]
        if text is not None:
            low = text.strip().lower()
            if low not in _TRUE and low not in _FALSE:
                return raw, key, f"{text!r} is not true or false"
            raw[key] = low in _TRUE
    for key in _INTS.intersection(raw):
        text = raw[key]
        if text is not None:
            if not text.strip().isdigit():
                return raw, key, f"{text!r} is not a whole number"
            raw[key] = int(text)
    return raw, None, None


def table_moves(
    word: str | None,
    opened: datetime,
    resolved: datetime | None,
    closed: datetime | None,
    reopened: datetime | None,
    updated: datetime | None,
) -> list[tuple[datetime, str, str | None, str]]:
    """The status changes one table-export row implies, in time order, as
    ``(at, status, raw_value, column it was dated by)``.

    Resolved, closed and reopened times each give their status; the current
    ``incident_state`` lends its word to the milestone that matches it, or, when none does,
    is dated by the last update (``sys_updated_on``), since it held by then at the latest.
    A New incident is new from when it was opened.
    """
    status = status_of(word) if word else None
    moves: list[tuple[datetime, str, str | None, str]] = []
    if resolved is not None:
        solved = status == Status.SOLVED.value
        moves.append((resolved, Status.SOLVED.value, word if solved else None, "resolved_at"))
    if closed is not None:
        done = status == Status.CLOSED.value
        moves.append((closed, Status.CLOSED.value, word if done else None, "closed_at"))
    if reopened is not None:
        moves.append((reopened, Status.OPEN.value, None, "reopened_time"))
    if status == Status.NEW.value:
        moves.append((opened, status, word, "opened_at"))
    elif status is not None and not any(m[2] is not None for m in moves):
        if updated is not None:
            moves.append((updated, status, word, "sys_updated_on"))
        else:
            moves.append((opened, status, word, "opened_at"))
    moves.sort(key=lambda m: m[0])
    return moves


_HOUR = timedelta(minutes=59, seconds=59)
_STEPS = tuple(timedelta(seconds=n) for n in range(3600))  # offsets into an hour
_SLOW = datetime.min  # an hour whose offset changes inside it: parse each text on its own


class Instants:
    """:func:`parse_instant` for a column of naive local times, with memory.

    Logs repeat times, and distinct times mostly share their hour: the hour is converted to
    UTC once (by ``parse_instant``, so the zone rules are the same) and minutes and seconds
    are added to it. An hour in which the UTC offset changes (a daylight-saving switch that
    is not on the hour) and anything not shaped ``<date> hh:mm[:ss]`` go through
    ``parse_instant`` whole. Raises what ``parse_instant`` raises. Missing spellings give None.
    """

    def __init__(self, tz: tzinfo | None, dayfirst: bool, size: int = 1 << 16) -> None:
        self.tz = tz
        self.dayfirst = dayfirst
        self.size = size
        self.seen: dict[str, datetime | None] = {}
        self._hours: dict[str, datetime] = {}

    def __call__(self, text: str) -> datetime | None:
        seen = self.seen
        if text in seen:
            return seen[text]
        value = self._parse(text.strip())
        if len(seen) >= self.size:
            seen.clear()
        seen[text] = value
        return value

    def _parse(self, s: str) -> datetime | None:
        if s in MISSING:
            return None
        head, _, rest = s.partition(":")
        minutes, _, seconds = rest.partition(":")
        if (
            len(minutes) == 2
            and minutes.isdigit()
            and int(minutes) < 60
            and (not seconds or (len(seconds) == 2 and seconds.isdigit() and int(seconds) < 60))
        ):
            base = self._hours.get(head)
            if base is None:
                base = self._hour(head)
            if base is not _SLOW:
                return base + _STEPS[int(minutes) * 60 + (int(seconds) if seconds else 0)]
        return parse_instant(s, self.tz, dayfirst=self.dayfirst)

    def _hour(self, head: str) -> datetime:
        try:
            start = parse_instant(head + ":00", self.tz, dayfirst=self.dayfirst)
            end = parse_instant(head + ":59:59", self.tz, dayfirst=self.dayfirst)
        except ValueError:  # the whole text gets parse_instant's own message
            return _SLOW
        base = start if end - start == _HOUR else _SLOW
        if len(self._hours) >= self.size:
            self._hours.clear()
        self._hours[head] = base
        return base
