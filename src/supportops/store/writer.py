"""Bulk writing of canonical records inside one transaction.

An import is one :class:`Writer` inside one database transaction: either every record lands
or none does. Re-importing is idempotent: a ticket's events are owned by their ``origin`` (the
import stream), and the first time an import touches a ``(ticket, origin)`` pair it removes the
events that pair held before, so the new import replaces them instead of adding copies.
Headers (tickets, organizations, agents …) are upserted by id.

Fast paths: SQLite gets ``executemany`` on the raw connection in the single transaction;
PostgreSQL gets ``COPY`` (into the table for events, into a staging table followed by
``INSERT … ON CONFLICT`` for upserts).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import polars as pl
import sqlalchemy as sa

from supportops.errors import RowError
from supportops.model import (
    Agent,
    Article,
    Calendar,
    Event,
    EventKind,
    Group,
    Organization,
    Record,
    Ticket,
    TruthLabel,
)
from supportops.store import schema
from supportops.store.schema import to_micros

_KINDS = frozenset(k.value for k in EventKind)


@dataclass(slots=True)
class Position:
    """Where the importer is: used to name the file and line of a bad record."""

    file: str
    line: int | None = None
    unit: str = "line"

    def error(self, field: str | None, message: str) -> RowError:
        return RowError(self.file, self.line, field, message, unit=self.unit)


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return orjson.dumps(value, default=str).decode()


class _Table:
    """Column order and row conversion for one record type."""

    def __init__(
        self, table: sa.Table, key: str | None, convert: Callable[[Any, bool], tuple[Any, ...]]
    ):
        self.table = table
        self.columns = [c.name for c in table.columns]
        self.key = key
        self.convert = convert


def _ts(value: datetime | None, pg: bool) -> Any:
    if value is None:
        return None
    return value if pg else to_micros(value)


def _ticket_row(t: Ticket, pg: bool) -> tuple[Any, ...]:
    return (
        t.id,
        t.source,
        t.external_id,
        _ts(t.created_at, pg),
        t.subject,
        t.description,
        t.requester,
        t.organization_id,
        t.channel,
        t.category,
        t.product_area,
        t.type,
        _json(list(t.tags)),
        t.priority,
        t.severity,
        t.status,
        t.group,
        t.assignee_id,
        _json(t.raw),
    )


def _org_row(o: Organization, pg: bool) -> tuple[Any, ...]:
    return (o.id, o.name, o.tier, o.segment, o.mrr, o.csm, _ts(o.created_at, pg), _json(o.raw))


def _agent_row(a: Agent, pg: bool) -> tuple[Any, ...]:
    start = a.start_date if pg or a.start_date is None else a.start_date.isoformat()
    return (
        a.id,
        a.name,
        a.email,
        a.tier,
        a.team,
        _json(list(a.skills)),
        a.manager_id,
        start,
        a.role,
        _json(a.raw),
    )


def _group_row(g: Group, pg: bool) -> tuple[Any, ...]:
    return (g.id, g.name, g.tier, _json(g.raw))


def _calendar_row(c: Calendar, pg: bool) -> tuple[Any, ...]:
    return (c.id, c.name, c.timezone, _json(c.windows), _json(c.holidays), _json(c.raw))


def _article_row(a: Article, pg: bool) -> tuple[Any, ...]:
    return (
        a.id,
        a.title,
        a.body,
        _json(list(a.tags)),
        _ts(a.published_at, pg),
        _ts(a.updated_at, pg),
        a.url,
        _json(a.raw),
    )


def _truth_row(t: TruthLabel, pg: bool) -> tuple[Any, ...]:
    return (t.ticket_id, t.problem_id, t.label)


_UPSERTS: dict[type, _Table] = {
    Organization: _Table(schema.organizations, "id", _org_row),
    Agent: _Table(schema.agents, "id", _agent_row),
    Group: _Table(schema.groups, "id", _group_row),
    Calendar: _Table(schema.calendars, "id", _calendar_row),
    Ticket: _Table(schema.tickets, "id", _ticket_row),
    Article: _Table(schema.articles, "id", _article_row),
    TruthLabel: _Table(schema.ground_truth, "ticket_id", _truth_row),
}
_EVENT_COLUMNS = [c.name for c in schema.events.columns]
#: Order in which buffered records are written, so foreign keys hold at every flush.
_ORDER = [Organization, Agent, Group, Calendar, Ticket, Article]


@dataclass(slots=True)
class _Job:
    """One batch for the writer thread, in the order it must be written."""

    upserts: list[tuple[_Table, list[Any]]]
    unverified: dict[str, Position]
    deletes: list[tuple[str, str]]
    events: list[tuple[Any, ...]]
    frames: list[pl.DataFrame]
    late: list[tuple[_Table, list[Any]]]  # rows that refer to tickets (ground truth)


@dataclass(slots=True)
class EventBatch:
    """Many events of one file as columns, for importers that parse columnar.

    ``frame`` has the event columns (``ticket_id``, ``at`` as ``Datetime("us", "UTC")``,
    ``kind``, ``value``, ``raw_value``, ``action``, ``number``, ``actor``, ``actor_role``,
    ``public``, ``body``, ``origin``, ``raw`` as JSON text) already validated, and ``_line``:
    the line each row came from, to name it if its ticket turns out to be unknown.
    """

    frame: pl.DataFrame
    file: str


class Writer:
    """Buffers records and writes them in bulk on a connection that is inside a transaction.

    ``position`` is asked where the importer is only when a record is bad or needs checking.
    """

    def __init__(
        self,
        conn: sa.Connection,
        source: str,
        position: Callable[[], Position] | None = None,
        batch_size: int = 20_000,
    ) -> None:
        self._conn = conn
        self._pg = conn.dialect.name == "postgresql"
        self._raw: Any = conn.connection.driver_connection
        self._source = source
        self._position = position or (lambda: Position(file="<input>"))
        self._batch_size = batch_size
        self._buffers: dict[type, dict[str, Record]] = {cls: {} for cls in _UPSERTS}
        self._events: list[tuple[Any, ...]] = []
        self._frames: list[pl.DataFrame] = []
        self._pending_deletes: list[tuple[str, str]] = []
        self._cleared: set[tuple[str, str]] = set()
        self._tickets: set[str] = set()  # tickets this import wrote or verified
        self._unverified: dict[str, Position] = {}
        self.counts: dict[str, int] = {}
        self._seen: dict[type, set[str]] = {cls: set() for cls in _UPSERTS}
        if self._pg:
            conn.exec_driver_sql("LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE")
        self._next_id = int(conn.execute(sa.select(sa.func.max(schema.events.c.id))).scalar() or 0)
        self._next_id += 1
        self._n_events = 0
        # Writing runs on one worker thread while the importer parses the next batch: the
        # database drivers release the GIL while the database works, so two cores both work.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="supportops-writer")
        self._pending: Future[None] | None = None

    # ---------------------------------------------------------------- adding
    def add(self, record: Record | EventBatch) -> None:
        if type(record) is Event:
            self._add_event(record)
            return
        if isinstance(record, EventBatch):
            self._add_batch(record)
            return
        kind = type(record)
        table = _UPSERTS[kind]
        key = getattr(record, table.key or "id")
        if kind is Ticket:
            self._tickets.add(key)
            self._unverified.pop(key, None)
        if kind is TruthLabel and key not in self._tickets:
            self._unverified.setdefault(key, self._position())
        self._buffers[kind][key] = record
        self._seen[kind].add(key)
        if sum(len(b) for b in self._buffers.values()) >= self._batch_size:
            self.flush()

    def _add_batch(self, batch: EventBatch) -> None:
        """Events as columns (see :class:`EventBatch`): the bookkeeping of :meth:`_add_event`
        done once per batch instead of once per event."""
        f = batch.frame
        if f.height == 0:
            return
        origin = f["origin"].fill_null(self._source)
        tickets = f["ticket_id"]
        first_line = (
            pl.DataFrame({"t": tickets, "line": f["_line"]})
            .group_by("t", maintain_order=True)
            .agg(pl.col("line").min())
        )
        for tid, line in first_line.iter_rows():
            if tid not in self._tickets and tid not in self._unverified:
                self._unverified[tid] = Position(batch.file, line)
        pairs = pl.DataFrame({"t": tickets, "o": origin}).unique(maintain_order=True)
        for tid, org in pairs.iter_rows():
            if (tid, org) not in self._cleared:
                self._cleared.add((tid, org))
                self._pending_deletes.append((org, tid))
        at = f["at"] if self._pg else f["at"].dt.epoch("us")
        n = f.height
        ids = pl.Series("id", range(self._next_id, self._next_id + n), dtype=pl.Int64)
        rows = pl.DataFrame(
            [
                ids,
                tickets,
                at,
                f["kind"],
                f["value"],
                f["raw_value"],
                f["action"],
                f["number"],
                f["actor"],
                f["actor_role"],
                f["public"],
                f["body"],
                origin,
                f["raw"],
            ]
        ).rows()
        self._events.extend(rows)
        self._next_id += n
        self._n_events += n
        if len(self._events) >= self._batch_size:
            self.flush()

    def _add_event(self, ev: Event) -> None:
        tid = ev.ticket_id
        at = ev.at
        if at.tzinfo is None:
            raise self._position().error(None, f"event time {at!r} has no timezone")
        if ev.kind not in _KINDS:
            raise self._position().error("kind", f"unknown event kind {ev.kind!r}")
        if tid not in self._tickets and tid not in self._unverified:
            self._unverified[tid] = self._position()
        origin = ev.origin or self._source
        if (tid, origin) not in self._cleared:
            self._cleared.add((tid, origin))
            self._pending_deletes.append((origin, tid))
        pg = self._pg
        self._events.append(
            (
                self._next_id,
                tid,
                at if pg else to_micros(at),
                ev.kind,
                ev.value,
                ev.raw_value,
                ev.action,
                ev.number,
                ev.actor,
                ev.actor_role,
                ev.public,
                ev.body,
                origin,
                _json(ev.raw),
            )
        )
        self._next_id += 1
        self._n_events += 1
        if len(self._events) >= self._batch_size:
            self.flush()

    def add_all(self, records: Sequence[Record]) -> None:
        for r in records:
            self.add(r)

    def clear_source(self, source: str) -> int:
        """Remove, inside this import's transaction, everything an earlier import of
        ``source`` wrote: its tickets (with their events) and the organizations, agents,
        groups, calendars and articles whose ids are scoped ``source:…``. Returns the number
        of tickets removed. Used to replace a generated data set atomically."""
        self.flush()
        self._wait()
        conn = self._conn
        from supportops.store.db import delete_tickets_of

        n = delete_tickets_of(conn, source)
        for table in (
            schema.organizations,
            schema.agents,
            schema.groups,
            schema.calendars,
            schema.articles,
        ):
            conn.execute(sa.delete(table).where(table.c.id.like(f"{source}:%")))
        self._tickets.clear()
        self._cleared.clear()
        return n

    # ---------------------------------------------------------------- writing
    def flush(self) -> None:
        """Hand everything buffered to the writer thread (after the previous batch landed)."""
        upserts = []
        for kind in _ORDER:
            buf = self._buffers[kind]
            if buf:
                upserts.append((_UPSERTS[kind], list(buf.values())))
                buf.clear()
        truth = self._buffers[TruthLabel]
        late = [(_UPSERTS[TruthLabel], list(truth.values()))] if truth else []
        truth.clear()
        job = _Job(
            upserts, self._unverified, self._pending_deletes, self._events, self._frames, late
        )
        self._unverified, self._pending_deletes, self._events, self._frames = {}, [], [], []
        self._wait()
        self._pending = self._pool.submit(self._write, job)

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()  # re-raises what the writer thread raised

    def _write(self, job: _Job) -> None:
        for table, records in job.upserts:
            self._upsert(table, records)
        self._verify(job.unverified)
        if job.deletes:
            self._delete_events(job.deletes)
        if job.events:
            self._insert_events(job.events)
        for frame in job.frames:
            self._copy_frame(frame)
        for table, records in job.late:
            self._upsert(table, records)

    def finish(self) -> dict[str, int]:
        self.flush()
        self._wait()
        names = {
            Ticket: "tickets",
            Organization: "organizations",
            Agent: "agents",
            Group: "groups",
            Calendar: "calendars",
            Article: "articles",
            TruthLabel: "ground_truth",
        }
        self.counts = {names[k]: len(v) for k, v in self._seen.items()}
        self.counts["events"] = self._n_events
        return self.counts

    def close(self) -> None:
        """Stop the writer thread; after an error, wait for it before the rollback."""
        try:
            if self._pending is not None:
                self._pending.exception()
        finally:
            self._pending = None
            self._pool.shutdown(wait=True)

    def _verify(self, unverified: dict[str, Position]) -> None:
        """Events (and labels) must belong to a ticket of this import or of the store."""
        ids = [tid for tid in unverified if tid not in self._tickets]
        if not ids:
            return
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rows = self._conn.execute(
                sa.select(schema.tickets.c.id).where(schema.tickets.c.id.in_(chunk))
            )
            found.update(r[0] for r in rows)
        for tid in ids:
            if tid not in found:
                pos = unverified[tid]
                raise pos.error(
                    None,
                    f"record for unknown ticket {tid!r}: import the ticket first, "
                    "or in the same command",
                )
        self._tickets.update(found)

    def _upsert(self, table: _Table, records: list[Any]) -> None:
        rows = [table.convert(r, self._pg) for r in records]
        cols = table.columns
        key = table.key
        assert key is not None
        updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c != key)
        name = table.table.name
        collist = ", ".join(cols)
        if not self._pg:
            marks = ", ".join("?" for _ in cols)
            self._raw.executemany(
                f"INSERT INTO {name} ({collist}) VALUES ({marks}) "
                f"ON CONFLICT ({key}) DO UPDATE SET {updates}",
                rows,
            )
            return
        stage = f"_stage_{name}"
        with self._raw.cursor() as cur:
            cur.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {stage} "
                f"(LIKE {name} INCLUDING DEFAULTS) ON COMMIT DROP"
            )
            cur.execute(f"TRUNCATE {stage}")
            with cur.copy(f"COPY {stage} ({collist}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cur.execute(
                f"INSERT INTO {name} ({collist}) SELECT {collist} FROM {stage} "
                f"ON CONFLICT ({key}) DO UPDATE SET {updates}"
            )

    def _delete_events(self, pairs: list[tuple[str, str]]) -> None:
        if not self._pg:
            self._raw.executemany(
                "DELETE FROM events WHERE ticket_id = ? AND origin = ?", [(t, o) for o, t in pairs]
            )
            return
        with self._raw.cursor() as cur:
            cur.execute(
                "DELETE FROM events e USING unnest(%s::text[], %s::text[]) AS d(origin, tid) "
                "WHERE e.ticket_id = d.tid AND e.origin = d.origin",
                ([o for o, _ in pairs], [t for _, t in pairs]),
            )

    def _copy_frame(self, frame: pl.DataFrame) -> None:
        """PostgreSQL: events as CSV text straight into COPY (nulls unquoted and empty;
        the fast path never carries empty strings)."""
        data = frame.write_csv(
            include_header=False,
            datetime_format="%Y-%m-%d %H:%M:%S%.6f+00",
            null_value="",
            quote_style="non_numeric",
        )
        collist = ", ".join(_EVENT_COLUMNS)
        with (
            self._raw.cursor() as cur,
            cur.copy(f"COPY events ({collist}) FROM STDIN WITH (FORMAT csv)") as copy,
        ):
            copy.write(data)

    def _insert_events(self, rows: list[tuple[Any, ...]]) -> None:
        collist = ", ".join(_EVENT_COLUMNS)
        if not self._pg:
            marks = ", ".join("?" for _ in _EVENT_COLUMNS)
            self._raw.executemany(f"INSERT INTO events ({collist}) VALUES ({marks})", rows)
            return
        with (
            self._raw.cursor() as cur,
            cur.copy(f"COPY events ({collist}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)


def now_utc() -> datetime:
    return datetime.now(UTC)
