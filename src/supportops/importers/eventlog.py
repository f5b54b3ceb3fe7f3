"""Process-mining event logs: XES (IEEE 1849) or CSV with one row per event, read with a map.

Help desks and researchers publish incident logs as event logs (the BPI Challenge 2013 and
2014 logs are the best known). Which column is the case, the activity and the time, and what
an activity or a group means, differ from log to log, so a YAML map says it
(:mod:`supportops.importers.eventlog_map`; docs/importers/eventlog.md).

Both formats become rows: a dict from column (XES attribute key) to text. XES trace
attributes appear as ``case:<key>`` (as pm4py writes them to CSV), so one map reads an XES
log and its CSV export alike. Rows are grouped into runs of one case; each run is sorted by
time and turned into events: ``created`` at the case's first row, ``group`` and ``assignee``
when those columns change, then whatever the rules emit. The case's :class:`Ticket` is
yielded before the run's events, and again after a later run if its state changed (the
store upserts tickets by id). XES is parsed as a stream and each trace is dropped once read.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path
from typing import Any
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler
from xml.sax.xmlreader import AttributesImpl, Locator

from defusedxml import DefusedXmlException
from defusedxml.expatreader import create_parser

from supportops.errors import InputError, RowError
from supportops.importers.base import (
    Importer,
    NaiveTimestamp,
    NullProgress,
    _decode_error,
    csv_rows,
    open_binary,
    parse_instant,
    zone,
)
from supportops.importers.eventlog_map import ACTIVITY, DOCS, compile_rules, load_map
from supportops.model import Event, Record, Ticket

_ATTRIBUTES = frozenset(("string", "date", "int", "float", "boolean", "id"))
_AT = attrgetter("at")
_DECLARED = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
Columns = dict[str, str]
Rows = Iterator[tuple[Columns, Columns | None, Columns | None]]


class _XesReader(ContentHandler):
    """Collects finished traces from the SAX stream: ``(number, attributes, events)`` where
    each event is ``(line, attributes)``. Attributes nested in attributes, and lists, are
    skipped; so are the log's own attributes, extensions, globals and classifiers."""

    def __init__(self, file: str) -> None:
        super().__init__()
        self.file = file
        self.depth = self.number = 0
        self.trace: Columns | None = None
        self.event: Columns | None = None
        self.events: list[tuple[int, Columns]] = []
        self.done: list[tuple[int, Columns, list[tuple[int, Columns]]]] = []
        self.locator: Locator | None = None

    def setDocumentLocator(self, locator: Locator) -> None:
        self.locator = locator

    def startElement(self, name: str, attrs: AttributesImpl) -> None:
        depth = self.depth = self.depth + 1
        if depth > 4:
            return
        if ":" in name:  # a prefixed element: xes:event
            name = name.rpartition(":")[2]
        if depth == 4:  # an attribute of an event
            if self.event is not None and name in _ATTRIBUTES and (key := attrs.get("key")):
                self.event[key] = attrs.get("value", "")
        elif depth == 3 and self.trace is not None:
            if name == "event":
                line = (self.locator.getLineNumber() if self.locator else None) or 0
                self.event = {}
                self.events.append((line, self.event))
            elif name in _ATTRIBUTES and (key := attrs.get("key")):
                self.trace["case:" + key] = attrs.get("value", "")
        elif depth == 2:
            if name == "trace":
                self.number += 1
                self.trace, self.events = {}, []
            elif name == "event":
                where = self.locator.getLineNumber() if self.locator else None
                message = "an <event> outside any <trace>; XES keeps events in traces"
                raise RowError(self.file, where, None, message)
        elif depth == 1 and name != "log":
            where = self.locator.getLineNumber() if self.locator else None
            raise RowError(self.file, where, None, f"not an XES log: it starts with <{name}>")

    def endElement(self, name: str) -> None:
        depth = self.depth
        self.depth -= 1
        if depth == 3:
            self.event = None
        elif depth == 2 and self.trace is not None:
            self.done.append((self.number, self.trace, self.events))
            self.trace = None


@dataclass(slots=True)
class _Row:
    """One event as read, with where it was read for a later error."""

    case: str
    at: datetime
    row: Columns
    case_raw: Columns | None
    raw: Columns | None
    line: int | None
    unit: str


@dataclass(slots=True)
class _Case:
    """What the importer remembers of a case between runs of its rows."""

    tid: str
    native: str
    created_at: datetime | None = None
    last_at: datetime | None = None
    values: dict[str, str | None] = field(default_factory=dict)  # state kind -> value
    attrs: Columns = field(default_factory=dict)  # ticket fields
    case_raw: Columns = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    shown: tuple[Any, ...] | None = None  # the state last yielded as a Ticket


class EventLogImporter(Importer):
    name = "eventlog"
    summary = "process-mining event logs (XES or CSV, one row per event) with a YAML map (--map)"

    def records(self, paths: Sequence[Path]) -> Iterator[Record]:
        if self.options.mapping is None:
            raise InputError(
                "the eventlog importer needs a map: pass --map FILE, a YAML file naming the "
                "case, activity and timestamp columns and the rules (or --map bpi2013 for the "
                f"BPI Challenge 2013 log); {DOCS} describes it"
            )
        m = self.map = load_map(self.options.mapping)
        self.source = m.source
        self._tz = self.tz or (zone(m.timezone) if m.timezone else None)
        self._steps = compile_rules(m)
        self._tickets = tuple((f, c) for f, c in m.columns.ticket_fields().items())
        self._cases_seen: dict[str, _Case] = {}
        files = [f for p in paths for f in self._files(p)]
        for file in files:
            xes = file.name.lower().endswith((".xes", ".xes.gz"))
            try:
                yield from self._runs(self._xes(file) if xes else self._csv(file))
            except (EOFError, OSError, zlib.error) as exc:  # a cut or corrupt .gz
                message = f"cannot read on ({exc}); is the file complete?"
                if xes:  # the XML reader is ahead of the rows: name the file only
                    raise RowError(str(file), None, None, message) from exc
                raise self.error(None, message) from exc

    def _files(self, path: Path) -> list[Path]:
        kinds = (".xes", ".xes.gz", ".csv", ".csv.gz")
        if not path.is_dir():
            if not path.name.lower().endswith(kinds):
                raise InputError(f"{path}: not an event log; name it .xes, .csv or .gz of one")
            return [path]
        found = sorted(p for p in path.iterdir() if p.name.lower().endswith(kinds))
        if not found:
            raise InputError(f"{path}: no .xes or .csv file (or .gz of one) in this folder")
        return found

    # ------------------------------------------------------------------ readers
    def _csv(self, path: Path) -> Rows:
        m = self.map
        keep = m.keep_raw
        case_cols: list[str] | None = None
        for text_row in csv_rows(path, self, required=m.file_columns(), delimiter=m.delimiter):
            row = {k: v.strip() for k, v in text_row.items()}
            if case_cols is None:
                case_cols = [k for k in row if k.startswith("case:")]
            case_raw = {k: row[k] for k in case_cols if row[k]} if case_cols else None
            raw = {k: v for k, v in row.items() if v and k[:5] != "case:"} if keep else None
            yield row, case_raw, raw

    def _xes(self, path: Path) -> Rows:
        pos = self.position
        pos.file, pos.line, pos.unit = str(path), None, "line"
        keep = self.map.keep_raw
        reader = _XesReader(str(path))
        parser = create_parser()  # defused: no DTD entities, no external references
        parser.setContentHandler(reader)
        reader.setDocumentLocator(parser)  # feed() does not set it; the parser is a Locator
        with open_binary(path, self.progress) as fh:
            try:
                while chunk := fh.read(1 << 16):
                    parser.feed(chunk)
                    if reader.done:
                        yield from self._traces(reader, keep)
                parser.close()
            except SAXParseException as exc:
                raise self._xml_error(path, exc) from exc
            except DefusedXmlException as exc:  # a "billion laughs" or an external reference
                message = f"refused: {exc}; XES logs declare no entities and load no files"
                raise RowError(str(path), parser.getLineNumber(), None, message) from exc
        yield from self._traces(reader, keep)

    def _traces(self, reader: _XesReader, keep: bool) -> Rows:
        """The rows of the traces read so far: trace attributes (``case:<key>``) + event's."""
        done, reader.done = reader.done, []
        pos = self.position
        for number, case_cols, events in done:
            for n, (line, attrs) in enumerate(events, start=1):
                pos.unit, pos.line = f"trace {number}, event {n}, line", line
                yield {**case_cols, **attrs}, case_cols, attrs if keep else None

    def _xml_error(self, path: Path, exc: SAXParseException) -> RowError:
        line, message = exc.getLineNumber(), exc.getMessage()
        if message.startswith("not well-formed (invalid token)"):  # often non-UTF-8 bytes
            with open_binary(path, NullProgress()) as fh:
                for n, raw in enumerate(fh, start=1):
                    declared = _DECLARED.search(raw) if n == 1 else None
                    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
                        break
                    if n == line:
                        try:
                            raw.decode("utf-8")
                        except UnicodeDecodeError as bad:
                            return _decode_error(path, n, bad, "line")
                        break
        truncated = message.startswith(("no element found", "unclosed token"))
        hint = "; is the file truncated?" if truncated else ""
        return RowError(str(path), line, None, f"not valid XML ({message}){hint}")

    # ------------------------------------------------------------------ rows
    def _parse(self, row: Columns, case_raw: Columns | None, raw: Columns | None) -> _Row:
        cols = self.map.columns
        case = row.get(cols.case_id)
        if not case:
            self._require(row, cols.case_id)
            raise self.error(cols.case_id, "the case id is empty; every event needs its case")
        text = row.get(cols.timestamp)
        if not text:
            self._require(row, cols.timestamp)
            raise self.error(cols.timestamp, "the timestamp is empty; every event needs its time")
        at = self._instant(text, cols.timestamp)
        activity = cols.activity
        if len(activity) > 1:
            parts = [row.get(c) for c in activity]
            if None in parts:
                for c in activity:
                    self._require(row, c)
            row[ACTIVITY] = self.map.activity_separator.join(parts)  # type: ignore[arg-type]
        elif activity[0] not in row:
            self._require(row, activity[0])
        pos = self.position
        return _Row(case, at, row, case_raw, raw, pos.line, pos.unit)

    def _require(self, row: Columns, column: str) -> None:
        if column not in row:
            what = "trace" if column.startswith("case:") else "event"
            key = column.removeprefix("case:") if what == "trace" else column
            raise self.error(column, f"the {what} has no {key!r} attribute, which the map names")

    def _instant(self, text: str, column: str) -> datetime:
        fmt = self.map.timestamp_format
        try:
            if fmt is None:
                return parse_instant(text, self._tz)
            value = datetime.strptime(text, fmt)
            if value.tzinfo is None:
                if self._tz is None:
                    raise NaiveTimestamp(
                        f"timestamp {text!r} has no time zone; name the zone it was written in "
                        "with --timezone (for example --timezone Europe/Berlin or --timezone UTC)"
                    )
                value = value.replace(tzinfo=self._tz)
            return value.astimezone(UTC)
        except NaiveTimestamp as exc:
            raise self.error(column, f"{exc}, or with timezone: in the map") from None
        except ValueError as exc:
            hint = "set timestamp_format in the map" if fmt is None else "fix timestamp_format"
            raise self.error(column, f"{exc}; {hint} or fix the value") from None

    def _runs(self, rows: Rows) -> Iterator[Record]:
        """Group consecutive rows of one case and turn each group into records."""
        run: list[_Row] = []
        for row, case_raw, raw in rows:
            r = self._parse(row, case_raw, raw)
            if run and r.case != run[0].case:
                yield from self._flush(run)
                run = []
            run.append(r)
        if run:
            yield from self._flush(run)

    # ------------------------------------------------------------------ events
    def _flush(self, run: list[_Row]) -> Iterator[Record]:
        case = run[0].case
        st = self._cases_seen.get(case)
        if st is None:
            st = self._cases_seen[case] = _Case(tid=f"{self.source}:{case}", native=case)
        run.sort(key=_AT)  # stable: rows at one instant keep the file's order
        events: list[Event] = []
        for r in run:
            self._derive(st, r, events)
        ticket = self._ticket(st)
        if ticket is not None:
            yield ticket
        yield from events

    def _derive(self, st: _Case, r: _Row, out: list[Event]) -> None:
        """The events one row implies; the hot path of a large import."""
        m, row, at, tid, src = self.map, r.row, r.at, st.tid, self.source
        if st.last_at is not None and at < st.last_at:
            raise RowError(
                self.position.file,
                r.line,
                m.columns.timestamp,
                f"{at:%Y-%m-%d %H:%M:%S} UTC is earlier than an event of case {r.case!r} read "
                f"before ({st.last_at:%Y-%m-%d %H:%M:%S} UTC); sort the file by case and time",
                unit=r.unit,
            )
        st.last_at = at
        res = row.get(m.columns.resource) if m.columns.resource else None
        actor = f"{src}:{res}" if res else None
        raw, values = r.raw, st.values
        if st.created_at is None:
            st.created_at = at
            out.append(Event(tid, at, "created", actor=actor, raw=raw, origin=src))
        if r.case_raw:
            st.case_raw.update(r.case_raw)
        for name, column in self._tickets:
            if v := row.get(column):
                st.attrs[name] = v
        group = row.get(m.columns.group) if m.columns.group and m.group_events else None
        if group and group != values.get("group"):
            values["group"] = group
            out.append(Event(tid, at, "group", group, group, actor=actor, raw=raw, origin=src))
        if res and m.assignee_events and actor != values.get("assignee"):
            values["assignee"] = actor
            out.append(Event(tid, at, "assignee", actor, res, actor=actor, raw=raw, origin=src))
        fired: set[str] = set()  # a kind fires once per row: the first matching rule wins
        for step in self._steps:
            kind = step.kind
            if kind in fired or (rule := step.pick(row)) is None:
                continue
            fired.add(kind)
            value, raw_value = rule.value, row.get(rule.raw_from)
            if rule.value_from is not None:
                value = raw_value = row.get(rule.value_from) or None
            if value is not None and kind == "assignee":
                value = f"{src}:{value}"
            if rule.state:
                if values.get(kind, "\0") == value:
                    continue
                values[kind] = value
            elif kind == "tag" and value is not None:
                if rule.action == "added" and value not in st.tags:
                    st.tags.append(value)
                elif rule.action == "removed" and value in st.tags:
                    st.tags.remove(value)
            body = rule.body
            if rule.body_from is not None:
                body = row.get(rule.body_from) or None
            out.append(
                Event(
                    tid,
                    at,
                    kind,
                    value,
                    raw_value,
                    rule.action,
                    rule.number,
                    actor,
                    rule.actor_role,
                    rule.public,
                    body,
                    raw,
                    src,
                )
            )

    def _ticket(self, st: _Case) -> Ticket | None:
        """The case's ticket if it changed since it was last yielded."""
        v, a = st.values, st.attrs
        state = (tuple(v.items()), tuple(a.items()), tuple(st.case_raw.items()), tuple(st.tags))
        if state == st.shown:
            return None
        st.shown = state
        assert st.created_at is not None
        org = a.get("organization")
        return Ticket(
            id=st.tid,
            source=self.source,
            external_id=st.native,
            created_at=st.created_at,
            subject=a.get("subject"),
            description=a.get("description"),
            requester=a.get("requester"),
            organization_id=f"{self.source}:{org}" if org else None,
            channel=a.get("channel"),
            category=v.get("category") or a.get("category"),
            product_area=a.get("product_area"),
            type=a.get("type"),
            tags=tuple(st.tags),
            priority=v.get("priority"),
            severity=v.get("severity"),
            status=v.get("status"),
            group=v.get("group"),
            assignee_id=v.get("assignee"),
            raw=dict(st.case_raw) or None,
        )
