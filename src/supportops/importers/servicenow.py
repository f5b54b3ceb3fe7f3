"""ServiceNow incidents, from either of two CSV exports (``.csv`` or ``.csv.gz``).

* The **incident event log** has one row per update of an incident (``sys_mod_count``
  numbers them). Rows are streamed and grouped by ``number``: each contiguous run of one
  incident's rows is ordered by ``sys_mod_count`` and compared row with row, and every change
  of state, group, assignee, priority or category becomes an event at ``sys_updated_at``.
  A small state per incident lets the incident reappear later in the file (or in the next
  file) and continue where it stopped.
* The **incident table export** has one row per incident with its current values and its
  milestone times (opened, resolved, closed, reopened); each row gives a ticket and the
  events those times imply.

Which one a file is follows from its header. Both write naive local times, so ``--timezone``
is required. docs/importers/servicenow.md has the mappings.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from pathlib import Path
from typing import Any

from supportops.errors import InputError, RowError
from supportops.importers.base import (
    Importer,
    NaiveTimestamp,
    NullProgress,
    csv_rows,
    open_text,
    parse_instant,
)
from supportops.importers.servicenow_map import (
    LOG_COLUMNS,
    MISSING,
    TABLE_COLUMNS,
    UNDONE,
    detect_shape,
    level,
    neither_message,
    source_fields,
    status_of,
    table_moves,
)
from supportops.model import Event, EventKind, Record, Status, Ticket, scoped

SOURCE = "servicenow"
_CREATED, _STATUS, _PRIORITY = EventKind.CREATED.value, EventKind.STATUS.value, "priority"
_GROUP, _ASSIGNEE, _CATEGORY = EventKind.GROUP.value, EventKind.ASSIGNEE.value, "category"
_SEVERITY, _OPEN = EventKind.SEVERITY.value, Status.OPEN.value
_CACHE_SIZE = 1 << 16  # parsed timestamps kept by their text


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    s = text.strip()
    return None if s in MISSING else s


def _agent(name: str | None) -> str | None:
    return scoped(SOURCE, name) if name else None


@dataclass(slots=True)
class _Row:
    """One event-log row, checked on arrival so that errors name its line."""

    smc: int
    line: int
    row: dict[str, str]
    opened: datetime
    updated: datetime
    reopen: int


@dataclass(slots=True)
class _Incident:
    """What the importer remembers of an incident between runs of its rows."""

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


class ServiceNowImporter(Importer):
    name = "servicenow"
    summary = "ServiceNow incidents: the incident event log or an incident table export (CSV)"

    def records(self, paths: Sequence[Path]) -> Iterator[Record]:
        self._incidents: dict[str, _Incident] = {}
        self._numbers: dict[str, tuple[str, int]] = {}  # table export: where each was read
        self._times: dict[bool, dict[str, datetime | None]] = {True: {}, False: {}}
        for path in paths:
            for file in self._files(path):
                shape = self._shape(file)
                try:
                    yield from self._log(file) if shape == "log" else self._table(file)
                except (EOFError, OSError) as exc:  # a cut or corrupt .gz
                    raise self.error(
                        None, f"cannot read on ({exc}); is the file complete?"
                    ) from exc

    # ------------------------------------------------------------------ files
    def _files(self, path: Path) -> list[Path]:
        if not path.is_dir():
            return [path]
        found = sorted(
            p for p in path.iterdir() if p.is_file() and p.name.lower().endswith((".csv", ".gz"))
        )
        if not found:
            raise InputError(f"{path}: no .csv or .csv.gz file in this folder")
        return found

    def _shape(self, path: Path) -> str:
        header: list[str] | None = None
        try:
            with open_text(path, NullProgress()) as fh:
                header = [h.strip() for h in next(csv.reader(fh, strict=True))]
        except (EOFError, OSError) as exc:
            raise InputError(f"{path}: cannot read ({exc}); is it a complete .gz file?") from exc
        except (StopIteration, UnicodeDecodeError, csv.Error):
            # Let the shared reader name the problem (empty file, bad bytes, bad quoting).
            for _ in csv_rows(path, self):
                break
        if header is None:
            raise RowError(str(path), 1, None, "cannot read the header row")
        shape, missing = detect_shape(header)
        if shape is None:
            raise RowError(str(path), 1, ", ".join(missing), neither_message(missing))
        return shape

    def _where(self, at: tuple[str, int]) -> str:
        file, line = at
        return f"line {line}" if file == self.position.file else f"line {line} of {file}"

    # ------------------------------------------------------------------ fields
    def _time(self, text: str | None, name: str, dayfirst: bool) -> datetime | None:
        """A timestamp column in UTC (None when missing); parsed once per distinct text."""
        if text is None:
            return None
        cache = self._times[dayfirst]
        if text in cache:
            return cache[text]
        s = text.strip()
        value: datetime | None = None
        if s not in MISSING:
            try:
                value = parse_instant(s, self.tz, dayfirst=dayfirst)
            except NaiveTimestamp as exc:
                raise self.error(name, str(exc)) from None
            except ValueError as exc:
                msg = str(exc) if repr(s) in str(exc) else f"{s!r} is not a valid time ({exc})"
                form = "D/M/YYYY hh:mm[:ss]" if dayfirst else "YYYY-MM-DD hh:mm:ss"
                raise self.error(name, f"{msg}; ServiceNow writes {form}") from None
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        cache[text] = value
        return value

    def _required(self, text: str | None, name: str, dayfirst: bool) -> datetime:
        value = self._time(text, name, dayfirst)
        if value is None:
            raise self.error(name, "a time is required here")
        return value

    def _count(self, text: str, name: str) -> int | None:
        s = text.strip()
        if s.isdigit():
            return int(s)
        if s in MISSING:
            return None
        raise self.error(name, f"{text!r} is not a whole number")

    def _level(self, text: str | None, name: str, prefix: str) -> str | None:
        s = _clean(text)
        if s is None:
            return None
        try:
            return level(s, prefix, 5)
        except ValueError as exc:
            raise self.error(name, str(exc)) from None

    def _raw(self, row: dict[str, str]) -> dict[str, Any]:
        raw, bad, problem = source_fields(row)
        if bad is not None:
            raise self.error(bad, problem or "bad value")
        return raw

    # ------------------------------------------------------------------ event log
    def _log(self, path: Path) -> Iterator[Record]:
        current = ""
        run: list[_Row] = []
        by_smc: dict[int, _Row] = {}
        known: _Incident | None = None
        times = self._times[True]
        last_priority = ""
        for row in csv_rows(path, self, required=LOG_COLUMNS):
            number = row["number"]
            if number != current:
                if run:
                    yield from self._flush(current.strip(), run)
                current, run, by_smc = number, [], {}
                if number.strip() in MISSING:
                    raise self.error("number", "an incident number is required")
                known = self._incidents.get(number.strip())
            line = self.position.line or 0
            try:
                smc = int(row["sys_mod_count"])
            except ValueError:
                smc = -1
            if smc < 0:
                raise self.error("sys_mod_count", "the update number must be a whole number")
            earlier = by_smc.get(smc)
            if earlier is not None:
                raise self._duplicate(row, earlier.row, f"line {earlier.line}", smc)
            if known is not None and smc <= known.top:
                where = self._where(known.top_at)
                if smc == known.top:
                    raise self._duplicate(row, None, where, smc, known.top_digest)
                raise self.error(
                    "sys_mod_count",
                    f"{number.strip()} appears again with sys_mod_count {smc}, not after "
                    f"sys_mod_count {known.top} on {where}; sort the log by number and "
                    "sys_mod_count",
                )
            opened = times.get(row["opened_at"])
            if opened is None:
                opened = self._required(row["opened_at"], "opened_at", True)
            updated = times.get(row["sys_updated_at"])
            if updated is None:
                updated = self._required(row["sys_updated_at"], "sys_updated_at", True)
            for name in ("resolved_at", "closed_at"):
                text = row.get(name)
                if text is not None and text not in times:
                    self._time(text, name, True)
            if row["priority"] != last_priority:  # checked here, mapped when it changes
                self._level(row["priority"], "priority", "P")
                last_priority = row["priority"]
            text = row["reopen_count"]
            reopen = int(text) if text.isdigit() else self._count(text, "reopen_count") or 0
            item = _Row(smc, line, row, opened, updated, reopen)
            by_smc[smc] = item
            run.append(item)
        if run:
            yield from self._flush(current.strip(), run)

    def _duplicate(
        self, row: dict[str, str], earlier: dict[str, str] | None, where: str, smc: int,
        digest: int | None = None,
    ) -> RowError:  # fmt: skip
        line = self.position.line
        same = row == earlier if earlier is not None else hash(tuple(row.values())) == digest
        if same:
            return self.error("sys_mod_count", f"duplicate row: line {line} repeats {where}")
        differ = (
            ""
            if earlier is None
            else " in " + ", ".join(k for k, v in row.items() if earlier.get(k) != v)
        )
        return self.error(
            "sys_mod_count",
            f"conflicting rows: line {line} and {where} are both sys_mod_count {smc} of "
            f"{row['number'].strip()} but differ{differ}; keep the right one",
        )

    def _flush(self, number: str, run: list[_Row]) -> Iterator[Record]:
        """Turn one contiguous run of an incident's rows into its ticket and events."""
        run.sort(key=attrgetter("smc"))
        tid = scoped(SOURCE, number)
        inc = self._incidents.get(number)
        out: list[tuple[int, Event]] = []
        prev: dict[str, str] | None = None
        for r in run:
            row = r.row
            at = r.updated
            if inc is None:
                inc = self._incidents[number] = _Incident()
                opener = _agent(_clean(row.get("opened_by")))
                out.append((r.line, Event(tid, r.opened, _CREATED, actor=opener)))
                if r.smc == 0:  # the values the incident was opened with
                    at = r.opened
            changed: list[tuple[str, str | None, str | None]] = []
            text = row["incident_state"]
            reopened = r.reopen > inc.reopen
            if prev is None or text != prev["incident_state"] or reopened:
                word = _clean(text)
                if word is not None and (word != inc.word or reopened):
                    new = status_of(word)
                    if reopened and new in UNDONE:  # reopened and resolved again between rows
                        changed.append((_STATUS, _OPEN, None))
                        changed.append((_STATUS, new, word))
                    elif inc.status in UNDONE and new not in UNDONE:
                        changed.append((_STATUS, _OPEN, word))
                    elif word != inc.word:
                        changed.append((_STATUS, new, word))
                    if changed:
                        inc.status = changed[-1][1]
                    inc.word = word
                inc.reopen = max(inc.reopen, r.reopen)
            text = row["priority"]
            if prev is None or text != prev["priority"]:
                priority = _clean(text)
                if priority is not None and priority != inc.priority:
                    changed.append((_PRIORITY, level(priority, "P", 5), priority))
                    inc.priority = priority
            text = row["assignment_group"]
            if prev is None or text != prev["assignment_group"]:
                value = _clean(text)
                if value != inc.group:
                    changed.append((_GROUP, value, value))
                    inc.group = value
            text = row["assigned_to"]
            if prev is None or text != prev["assigned_to"]:
                value = _clean(text)
                if value != inc.assignee:
                    changed.append((_ASSIGNEE, _agent(value), value))
                    inc.assignee = value
            text = row["category"]
            if prev is None or text != prev["category"]:
                value = _clean(text)
                if value != inc.category:
                    changed.append((_CATEGORY, value, value))
                    inc.category = value
            if changed:
                raw: dict[str, Any] = {
                    "sys_mod_count": r.smc,
                    "sys_updated_by": _clean(row.get("sys_updated_by")),
                }
                if prev is not None:  # the row's changed fields, as the source wrote them
                    raw.update({k: v for k, v in row.items() if v != prev[k]})
                    raw["sys_mod_count"] = r.smc
                for kind, value, raw_value in changed:
                    out.append((r.line, Event(tid, at, kind, value, raw_value, raw=raw)))
            prev = row
        assert inc is not None
        last = run[-1]
        inc.top, inc.top_digest = last.smc, hash(tuple(last.row.values()))
        inc.top_at = (self.position.file, last.line)
        self.position.line = last.line
        row = last.row
        channel = _clean(row.get("contact_type"))
        yield Ticket(
            id=tid,
            source=SOURCE,
            external_id=number,
            created_at=last.opened,
            requester=_clean(row.get("caller_id")),
            channel=channel.lower() if channel else None,
            category=inc.category,
            product_area=_clean(row.get("subcategory")),
            priority=level(inc.priority, "P", 5) if inc.priority else None,
            status=inc.status,
            group=inc.group,
            assignee_id=_agent(inc.assignee),
            raw=self._raw(row),
        )
        for line, event in out:
            self.position.line = line
            yield event

    # ------------------------------------------------------------------ table export
    def _table(self, path: Path) -> Iterator[Record]:
        file = str(path)
        for row in csv_rows(path, self, required=TABLE_COLUMNS):
            number = _clean(row["number"])
            if number is None:
                raise self.error("number", "an incident number is required")
            seen = self._numbers.get(number)
            if seen is not None:
                raise self.error(
                    "number", f"incident {number} is listed twice: also on {self._where(seen)}; "
                    "an incident table export has one row per incident",
                )  # fmt: skip
            self._numbers[number] = (file, self.position.line or 0)
            yield from self._incident(number, row)

    def _incident(self, number: str, row: dict[str, str]) -> Iterator[Record]:
        tid = scoped(SOURCE, number)
        get = row.get
        opened = self._required(row["opened_at"], "opened_at", False)
        times = [self._time(get(c), c, False) for c in
                 ("resolved_at", "closed_at", "reopened_time", "sys_updated_on")]  # fmt: skip
        priority = self._level(row["priority"], "priority", "P")
        severity = self._level(get("severity"), "severity", "SEV")
        word = _clean(row["incident_state"])
        group, assignee = _clean(get("assignment_group")), _clean(get("assigned_to"))
        category, channel = _clean(get("category")), _clean(get("contact_type"))
        yield Ticket(
            id=tid,
            source=SOURCE,
            external_id=number,
            created_at=opened,
            subject=_clean(row["short_description"]),
            description=_clean(get("description")),
            requester=_clean(get("caller_id")),
            channel=channel.lower() if channel else None,
            category=category,
            product_area=_clean(get("subcategory")),
            priority=priority,
            severity=severity,
            status=status_of(word) if word else None,
            group=group,
            assignee_id=_agent(assignee),
            raw=self._raw(row),
        )
        yield Event(tid, opened, _CREATED, actor=_agent(_clean(get("opened_by"))))
        moves = table_moves(word, opened, *times)
        while moves and moves[0][3] == "opened_at":  # New from the start
            at, value, raw_value, column = moves.pop(0)
            yield Event(tid, at, _STATUS, value, raw_value, raw={"incident_state": word})
        # The export holds current values only: they are dated from when it was opened.
        if priority is not None:
            yield Event(tid, opened, _PRIORITY, priority, _clean(row["priority"]))
        if severity is not None:
            yield Event(tid, opened, _SEVERITY, severity, _clean(get("severity")))
        if group is not None:
            yield Event(tid, opened, _GROUP, group, group)
        if assignee is not None:
            yield Event(tid, opened, _ASSIGNEE, _agent(assignee), assignee)
        if category is not None:
            yield Event(tid, opened, _CATEGORY, category, category)
        for at, value, raw_value, column in moves:
            raw = {column: _clean(get(column))}
            if raw_value is not None:
                raw["incident_state"] = raw_value
            yield Event(tid, at, _STATUS, value, raw_value, raw=raw)
