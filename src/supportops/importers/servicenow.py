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
from supportops.importers.base import Importer, NaiveTimestamp, NullProgress, csv_rows, open_text
from supportops.importers.servicenow_map import (
    LOG_COLUMNS,
    MISSING,
    SOURCE,
    TABLE_COLUMNS,
    IncidentState,
    Instants,
    agent,
    clean,
    detect_shape,
    level,
    neither_message,
    row_changes,
    source_fields,
    status_of,
    table_moves,
)
from supportops.model import Event, EventKind, Record, Ticket, scoped

_CREATED, _STATUS, _PRIORITY = EventKind.CREATED.value, EventKind.STATUS.value, "priority"
_GROUP, _ASSIGNEE, _CATEGORY = EventKind.GROUP.value, EventKind.ASSIGNEE.value, "category"
_SEVERITY = EventKind.SEVERITY.value


@dataclass(slots=True)
class _Row:
    """One event-log row, checked on arrival so that errors name its line."""

    smc: int
    line: int
    row: dict[str, str]
    opened: datetime
    updated: datetime
    reopen: int


class ServiceNowImporter(Importer):
    name = "servicenow"
    summary = "ServiceNow incidents: the incident event log or an incident table export (CSV)"

    def records(self, paths: Sequence[Path]) -> Iterator[Record]:
        self._incidents: dict[str, IncidentState] = {}
        self._numbers: dict[str, tuple[str, int]] = {}  # table export: where each was read
        self._instants = {True: Instants(self.tz, True), False: Instants(self.tz, False)}
        for path in paths:
            for file in self._files(path):
                shape = self._shape(file)
                try:
                    yield from self._log(file) if shape == "log" else self._table(file)
                except (EOFError, OSError) as exc:  # a cut or corrupt .gz
                    raise self.error(
                        None, f"cannot read further ({exc}); is the file complete?"
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
        """A timestamp column in UTC; None when the column or its value is missing."""
        if text is None:
            return None
        try:
            return self._instants[dayfirst](text)
        except NaiveTimestamp as exc:
            raise self.error(name, str(exc)) from None
        except ValueError as exc:
            s = text.strip()
            msg = str(exc) if repr(s) in str(exc) else f"{s!r} is not a valid time ({exc})"
            form = "D/M/YYYY hh:mm[:ss]" if dayfirst else "YYYY-MM-DD hh:mm:ss"
            if form not in msg:
                msg += f"; this export writes {form}"
            raise self.error(name, msg) from None

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
        s = clean(text)
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
        known: IncidentState | None = None
        when = self._instants[True]
        last_priority = ""
        for row in csv_rows(path, self, required=LOG_COLUMNS):
            line = self.position.line or 0
            number = row["number"]
            if number != current:
                if run:
                    yield from self._flush(current.strip(), run)
                    self.position.line = line
                current, run, by_smc = number, [], {}
                if number.strip() in MISSING:
                    raise self.error("number", "an incident number is required")
                known = self._incidents.get(number.strip())
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
            try:
                opened = when(row["opened_at"])
                updated = when(row["sys_updated_at"])
                when(row.get("resolved_at", ""))
                when(row.get("closed_at", ""))
            except ValueError:  # name the column
                for name in ("opened_at", "sys_updated_at", "resolved_at", "closed_at"):
                    self._time(row.get(name), name, True)
                raise
            if opened is None:
                opened = self._required(row["opened_at"], "opened_at", True)
            if updated is None:
                updated = self._required(row["sys_updated_at"], "sys_updated_at", True)
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
        self,
        row: dict[str, str],
        earlier: dict[str, str] | None,
        where: str,
        smc: int,
        digest: int | None = None,
    ) -> RowError:
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
                inc = self._incidents[number] = IncidentState()
                opener = agent(clean(row.get("opened_by")))
                out.append((r.line, Event(tid, r.opened, _CREATED, actor=opener)))
                if r.smc == 0:  # the values the incident was opened with
                    at = r.opened
            changed = row_changes(inc, row, prev, r.reopen)
            if changed:
                raw: dict[str, Any] = {
                    "sys_mod_count": r.smc,
                    "sys_updated_by": clean(row.get("sys_updated_by")),
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
        channel = clean(row.get("contact_type"))
        yield Ticket(
            id=tid,
            source=SOURCE,
            external_id=number,
            created_at=last.opened,
            requester=clean(row.get("caller_id")),
            channel=channel.lower() if channel else None,
            category=inc.category,
            product_area=clean(row.get("subcategory")),
            priority=level(inc.priority, "P", 5) if inc.priority else None,
            status=inc.status,
            group=inc.group,
            assignee_id=agent(inc.assignee),
            raw=self._raw(row),
        )
        for line, event in out:
            self.position.line = line
            yield event

    # ------------------------------------------------------------------ table export
    def _table(self, path: Path) -> Iterator[Record]:
        file = str(path)
        for row in csv_rows(path, self, required=TABLE_COLUMNS):
            number = clean(row["number"])
            if number is None:
                raise self.error("number", "an incident number is required")
            seen = self._numbers.get(number)
            if seen is not None:
                raise self.error(
                    "number",
                    f"incident {number} is listed twice: also on {self._where(seen)}; "
                    "an incident table export has one row per incident",
                )
            self._numbers[number] = (file, self.position.line or 0)
            yield from self._incident(number, row)

    def _incident(self, number: str, row: dict[str, str]) -> Iterator[Record]:
        tid = scoped(SOURCE, number)
        get = row.get
        opened = self._required(row["opened_at"], "opened_at", False)
        times = [
            self._time(get(c), c, False)
            for c in ("resolved_at", "closed_at", "reopened_time", "sys_updated_on")
        ]
        priority = self._level(row["priority"], "priority", "P")
        severity = self._level(get("severity"), "severity", "SEV")
        word = clean(row["incident_state"])
        group, assignee = clean(get("assignment_group")), clean(get("assigned_to"))
        category, channel = clean(get("category")), clean(get("contact_type"))
        yield Ticket(
            id=tid,
            source=SOURCE,
            external_id=number,
            created_at=opened,
            subject=clean(row["short_description"]),
            description=clean(get("description")),
            requester=clean(get("caller_id")),
            channel=channel.lower() if channel else None,
            category=category,
            product_area=clean(get("subcategory")),
            priority=priority,
            severity=severity,
            status=status_of(word) if word else None,
            group=group,
            assignee_id=agent(assignee),
            raw=self._raw(row),
        )
        yield Event(tid, opened, _CREATED, actor=agent(clean(get("opened_by"))))
        statuses = []
        for at, value, raw_value, column in table_moves(word, opened, *times):
            raw = {column: clean(get(column))}
            if raw_value is not None:
                raw["incident_state"] = raw_value
            statuses.append(Event(tid, at, _STATUS, value, raw_value, raw=raw))
        while statuses and statuses[0].at == opened:  # New from the start
            yield statuses.pop(0)
        # The export holds current values only: they are dated from when it was opened.
        if priority is not None:
            yield Event(tid, opened, _PRIORITY, priority, clean(row["priority"]))
        if severity is not None:
            yield Event(tid, opened, _SEVERITY, severity, clean(get("severity")))
        if group is not None:
            yield Event(tid, opened, _GROUP, group, group)
        if assignee is not None:
            yield Event(tid, opened, _ASSIGNEE, agent(assignee), assignee)
        if category is not None:
            yield Event(tid, opened, _CATEGORY, category, category)
        yield from statuses
