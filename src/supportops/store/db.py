"""The store: one database URL chooses SQLite (default) or PostgreSQL.

Dialect differences live here and in :mod:`supportops.store.writer`, nowhere else. SQLite gets
its pragmas on every connection (WAL, foreign keys, busy timeout). Timelines load back as Polars
frames through ADBC (Arrow end to end, no Python objects per row).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from supportops.core.frames import in_order
from supportops.errors import ConfigError, InputError, StoreError
from supportops.store import migrations, schema
from supportops.store.writer import Position, Writer

DEFAULT_URL = "sqlite:///supportops.db"

#: Columns of the events frame returned by :meth:`Store.load_events` by default.
EVENT_COLUMNS = (
    "ticket_id",
    "seq",
    "at",
    "kind",
    "value",
    "raw_value",
    "action",
    "number",
    "actor",
    "actor_role",
    "public",
)
#: Every events column under its frame name (``seq`` for the id), except the JSON ``raw``.
FULL_EVENT_COLUMNS = tuple(
    "seq" if c.name == "id" else c.name for c in schema.events.columns if c.name != "raw"
)
TICKET_COLUMNS = (
    "id",
    "source",
    "external_id",
    "created_at",
    "subject",
    "requester",
    "organization_id",
    "channel",
    "category",
    "product_area",
    "type",
    "priority",
    "severity",
    "status",
    "group_name",
    "assignee_id",
)


def normalize_url(url: str) -> str:
    """Accept ``sqlite:///file.db``, ``postgresql://…`` or a plain path to a SQLite file."""
    if "://" not in url:
        return f"sqlite:///{url}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def redact(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(normalize_url(url)).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown as the user's own text minus credentials
        return url.split("@")[-1]


def delete_tickets_of(conn: sa.Connection, source: str) -> int:
    """Delete one source's tickets and their events (and, by cascade, ground truth)."""
    t = schema.tickets
    mine = sa.select(t.c.id).where(t.c.source == source)
    conn.execute(sa.delete(schema.events).where(schema.events.c.ticket_id.in_(mine)))
    return int(conn.execute(sa.delete(t).where(t.c.source == source)).rowcount or 0)


def _polars_type(column_type: Any) -> Any:
    if isinstance(column_type, schema.Instant):
        return pl.Datetime("us", "UTC")
    if isinstance(column_type, sa.Boolean):
        return pl.Boolean
    if isinstance(column_type, sa.Integer):
        return pl.Int64
    if isinstance(column_type, sa.Float):
        return pl.Float64
    if isinstance(column_type, sa.Date):
        return pl.Date
    return pl.String


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA busy_timeout = 5000")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.close()


class Store:
    """A supportops database. Open with :meth:`open`; close with :meth:`close`."""

    def __init__(self, url: str, *, create: bool = True, shared: bool = False) -> None:
        self.url = normalize_url(url)
        #: A long-lived process that shares a SQLite file with other writers (the dashboard)
        #: reads through the same SQLite library as its writes; see :meth:`query_frame`.
        self.shared = shared
        try:
            parsed = make_url(self.url)
        except sa.exc.ArgumentError as exc:
            raise ConfigError(f"not a database URL: {redact(url)!r}") from exc
        self.dialect = parsed.get_backend_name()
        if self.dialect not in ("sqlite", "postgresql"):
            raise ConfigError(
                f"unsupported database {self.dialect!r}: use sqlite:///FILE or postgresql://…"
            )
        self._sqlite_path: Path | None = None
        if self.dialect == "sqlite":
            db = parsed.database
            if not db or db == ":memory:":
                raise ConfigError("an in-memory SQLite store would vanish; name a file")
            self._sqlite_path = Path(db)
            if not create and not self._sqlite_path.exists():
                raise StoreError(
                    f"no store at {db}: run `supportops demo` for the demo org or "
                    "`supportops import SOURCE PATH` to load your data (or pass --db URL)"
                )
            if not self._sqlite_path.parent.exists():
                raise ConfigError(f"folder {self._sqlite_path.parent} does not exist")
        # The import writer hands batches to a worker thread inside one transaction.
        connect_args = {"check_same_thread": False} if self.dialect == "sqlite" else {}
        self.engine = sa.create_engine(self.url, connect_args=connect_args)
        if self.dialect == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        create: bool = True,
        migrate: bool = True,
        shared: bool = False,
    ) -> Store:
        """The store at ``url`` (``SUPPORTOPS_DB``, else ``supportops.db`` here).

        ``shared=True`` is for a long-lived process reading a SQLite file that other
        processes write while it runs (``supportops serve``): its reads go through Python's
        own SQLite, not ADBC's. ADBC links a second copy of SQLite, and two copies in one
        process do not see each other's POSIX file locks: when either closes the file it
        drops the other's locks, so another process may checkpoint and remove the WAL under
        a reader. Short commands (one read, then exit) keep the faster ADBC path."""
        store = cls(
            url or os.environ.get("SUPPORTOPS_DB") or DEFAULT_URL, create=create, shared=shared
        )
        if migrate:
            store.migrate()
        return store

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def display_url(self) -> str:
        return redact(self.url)

    # ------------------------------------------------------------- schema
    @contextlib.contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except sa.exc.OperationalError as exc:
            raise StoreError(f"cannot use the store at {self.display_url}: {exc.orig}") from exc

    def migrate(self) -> list[str]:
        with self.begin() as conn:
            return migrations.migrate(conn)

    def applied_migrations(self) -> list[str]:
        with self.begin() as conn:
            return migrations.applied(conn)

    # ------------------------------------------------------------- writing
    @contextlib.contextmanager
    def writer(
        self,
        source: str,
        paths: Sequence[str] = (),
        position: Any = None,
    ) -> Iterator[Writer]:
        """One transactional import: all of it lands, or nothing does."""
        started = datetime.now(UTC)
        with self.begin() as conn:
            w = Writer(conn, source, position or (lambda: Position("<input>")))
            try:
                yield w
                counts = w.finish()
            finally:
                w.close()
            conn.execute(
                schema.imports.insert().values(
                    source=source,
                    paths=[str(p) for p in paths],
                    started_at=started,
                    finished_at=datetime.now(UTC),
                    counts=counts,
                )
            )

    def delete_source(self, source: str) -> int:
        """Remove every ticket (and its events) of one source; returns how many tickets."""
        with self.begin() as conn:
            return delete_tickets_of(conn, source)

    def clear(self) -> None:
        """Empty every data table (keeps the schema)."""
        with self.begin() as conn:
            for table in (
                schema.ground_truth,
                schema.events,
                schema.tickets,
                schema.organizations,
                schema.agents,
                schema.groups,
                schema.calendars,
                schema.articles,
                schema.imports,
            ):
                conn.execute(sa.delete(table))

    # ------------------------------------------------------------- reading
    def _adbc(self) -> Any:
        if self.dialect == "sqlite":
            import adbc_driver_sqlite.dbapi as adbc_sqlite

            # ADBC links its own copy of SQLite. Two SQLite libraries in one process do not
            # see each other's file locks, so a read-write ADBC connection closing last would
            # checkpoint and delete the WAL under the writer's feet. Read-only, it never does.
            assert self._sqlite_path is not None
            return adbc_sqlite.connect(f"{self._sqlite_path.resolve().as_uri()}?mode=ro")
        import adbc_driver_postgresql.dbapi as adbc_pg

        uri = make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)
        return adbc_pg.connect(uri)

    def query_frame(self, sql: str, params: Sequence[Any] = ()) -> pl.DataFrame:
        """Run a read-only query and return it as a Polars frame (Arrow end to end)."""
        if self.shared and self.dialect == "sqlite":
            return self._sqlite3_frame(sql, params)
        try:
            with self._adbc() as conn, conn.cursor() as cur:
                if self.dialect == "sqlite":
                    # the driver infers a column's type from its first batch: read one batch,
                    # so a column that starts with nulls is not taken for an integer
                    cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": "1000000000"})
                cur.execute(sql, list(params) if params else None)
                table = cur.fetch_arrow_table()
        except Exception as exc:  # ADBC raises its own DB-API hierarchy per driver
            raise StoreError(f"cannot read the store at {self.display_url}: {exc}") from exc
        for i, fld in enumerate(table.schema):
            # PostgreSQL jsonb arrives as the arrow.json extension type; Polars cannot cast
            # extension columns, so keep the JSON text (its storage) as SQLite does
            if isinstance(fld.type, pa.BaseExtensionType):
                chunks = [chunk.storage for chunk in table.column(i).chunks]
                table = table.set_column(
                    i, fld.name, pa.chunked_array(chunks, type=fld.type.storage_type)
                )
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        return frame

    def _sqlite3_frame(self, sql: str, params: Sequence[Any]) -> pl.DataFrame:
        """A read through the engine's own SQLite (rows, then a frame): slower than ADBC,
        safe beside other SQLite connections of the same process."""
        try:
            with self.engine.connect() as conn:
                result = conn.exec_driver_sql(sql, tuple(params))
                columns = list(result.keys())
                rows = result.fetchall()
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"cannot read the store at {self.display_url}: {exc}") from exc
        if not rows:
            return pl.DataFrame({c: [] for c in columns})
        return pl.DataFrame(
            [tuple(r) for r in rows], schema=columns, orient="row", infer_schema_length=None
        )

    def _typed(self, frame: pl.DataFrame, table: sa.Table) -> pl.DataFrame:
        """Give every column its schema type: drivers infer all-null columns as integers,
        and SQLite hands instants back as integer microseconds."""
        casts = []
        for name in frame.columns:
            column = table.columns.get("id" if name == "seq" else name)
            if column is None:
                continue
            have = frame.schema[name]
            want = _polars_type(column.type)
            if isinstance(want, pl.Datetime) and isinstance(have, pl.Datetime):
                expr = pl.col(name).dt.cast_time_unit("us")
                casts.append(
                    expr.dt.convert_time_zone("UTC")
                    if have.time_zone
                    else expr.dt.replace_time_zone("UTC")
                )
            elif want == pl.Date and have == pl.String:
                casts.append(pl.col(name).str.to_date("%Y-%m-%d"))
            elif have != want:
                casts.append(pl.col(name).cast(want))
        return frame.with_columns(casts) if casts else frame

    def _range_sql(
        self, column: str, since: datetime | None, until: datetime | None, params: list[Any]
    ) -> list[str]:
        where = []
        mark = "?" if self.dialect == "sqlite" else "$"
        for op, value in ((">=", since), ("<", until)):
            if value is None:
                continue
            params.append(value if self.dialect == "postgresql" else schema.to_micros(value))
            where.append(f"{column} {op} {mark if mark == '?' else f'${len(params)}'}")
        return where

    def load_events(
        self,
        columns: Sequence[str] = EVENT_COLUMNS,
        *,
        tickets_created_since: datetime | None = None,
        tickets_created_until: datetime | None = None,
        or_open: bool = False,
    ) -> pl.DataFrame:
        """Every ticket's timeline as one frame sorted by ticket, time and sequence.

        ``seq`` is the event's store id: it orders events that share an instant the way
        the source listed them. ``at`` is ``Datetime("us", "UTC")``. ``tickets_created_*``
        keep the tickets created in that range; ``or_open`` also keeps, whenever created,
        the tickets not solved or closed now.
        """
        cols = ", ".join("e.id AS seq" if c == "seq" else f"e.{c}" for c in columns)
        params: list[Any] = []
        where = self._ticket_window(tickets_created_since, tickets_created_until, or_open, params)
        sql = f"SELECT {cols} FROM events e"
        if where:
            # a semi-join: one pass over the events in storage order (faster than a join
            # that looks every ticket's events up by index)
            sql += f" WHERE e.ticket_id IN (SELECT t.id FROM tickets t WHERE {where})"
            frame = self.query_frame(sql, params)
        elif self.dialect == "postgresql":
            frame = self._parallel_events(sql)
        else:
            frame = self.query_frame(sql)
        frame = self._typed(frame, schema.events)
        sort = [c for c in ("ticket_id", "at", "seq") if c in frame.columns]
        if not sort or in_order(frame, sort):  # imports write ticket by ticket, in order
            return frame
        return frame.sort(sort)

    def _parallel_events(self, sql: str, parts: int = 2) -> pl.DataFrame:
        """PostgreSQL: read id ranges on parallel connections (the server and the Arrow
        decoding both use more than one core); one query when the table is small."""
        bounds = self.query_frame("SELECT min(id) AS lo, max(id) AS hi, count(*) AS n FROM events")
        lo, hi, n = bounds.row(0)
        if not n or n < 200_000:
            return self.query_frame(sql)
        step = (hi - lo) // parts + 1
        queries = [
            f"{sql} WHERE e.id >= {lo + i * step} AND e.id < {lo + (i + 1) * step}"
            for i in range(parts)
        ]
        with ThreadPoolExecutor(max_workers=parts) as pool:
            frames = list(pool.map(self.query_frame, queries))
        return pl.concat(frames, how="vertical_relaxed")

    def _ticket_window(
        self, since: datetime | None, until: datetime | None, or_open: bool, params: list[Any]
    ) -> str:
        """The SQL condition on ``t`` (tickets) of :meth:`load_events` and
        :meth:`load_tickets`; empty for every ticket."""
        where = " AND ".join(self._range_sql("t.created_at", since, until, params))
        if where and or_open:
            where = f"({where}) OR t.status IS NULL OR t.status NOT IN ('solved', 'closed')"
        return where

    def load_tickets(
        self,
        columns: Sequence[str] = TICKET_COLUMNS,
        *,
        created_since: datetime | None = None,
        created_until: datetime | None = None,
        or_open: bool = False,
    ) -> pl.DataFrame:
        """Tickets in id order; the window arguments are those of :meth:`load_events`."""
        params: list[Any] = []
        where = self._ticket_window(created_since, created_until, or_open, params)
        cols = ", ".join(f"t.{c}" for c in columns)
        sql = f"SELECT {cols} FROM tickets t"
        if where:
            sql += f" WHERE {where}"
        frame = self.query_frame(sql + " ORDER BY t.id", params)
        return self._typed(frame, schema.tickets)

    def no_tickets(self) -> InputError:
        """The error for a command that needs tickets and finds none: what to run instead."""
        return InputError(
            f"the store at {self.display_url} has no tickets: run `supportops demo`, or "
            "`supportops import SOURCE PATH` to load yours"
        )

    def first_ticket_at(self) -> datetime | None:
        """When the oldest ticket was created."""
        with self.begin() as conn:
            value = conn.execute(sa.select(sa.func.min(schema.tickets.c.created_at))).scalar_one()
        return value if isinstance(value, datetime) else None

    def latest_event_at(self) -> datetime | None:
        """The instant of the newest event (the store's "now" for exports and the demo)."""
        with self.begin() as conn:
            value = conn.execute(sa.select(sa.func.max(schema.events.c.at))).scalar_one()
        return value if isinstance(value, datetime) else None

    def load_table(self, name: str) -> pl.DataFrame:
        table = schema.metadata.tables[name]
        cols = ", ".join(
            f"{c.name}::text AS {c.name}"
            if self.dialect == "postgresql" and isinstance(c.type, sa.JSON)
            else c.name
            for c in table.columns
        )
        return self._typed(self.query_frame(f"SELECT {cols} FROM {table.name}"), table)

    def status(self) -> dict[str, Any]:
        """What the store holds: counts per table, sources, and the ticket date range."""
        out: dict[str, Any] = {"database": self.display_url}
        with self.begin() as conn:
            for name in (
                "tickets",
                "events",
                "organizations",
                "agents",
                "groups",
                "calendars",
                "articles",
            ):
                table = schema.metadata.tables[name]
                out[name] = int(
                    conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                )
            t = schema.tickets
            first, last = conn.execute(
                sa.select(sa.func.min(t.c.created_at), sa.func.max(t.c.created_at))
            ).one()
            ev = schema.events
            ev_first, ev_last = conn.execute(
                sa.select(sa.func.min(ev.c.at), sa.func.max(ev.c.at))
            ).one()
            sources = conn.execute(
                sa.select(t.c.source, sa.func.count()).group_by(t.c.source).order_by(t.c.source)
            ).all()
            last_import = conn.execute(
                sa.select(schema.imports.c.source, schema.imports.c.finished_at)
                .order_by(schema.imports.c.id.desc())
                .limit(1)
            ).first()
            out["migrations"] = migrations.applied(conn)
        inst = schema.Instant()
        dialect = self.engine.dialect

        def iso(v: Any) -> str | None:
            value = inst.process_result_value(v, dialect)
            return value.isoformat() if value else None

        out["tickets_created"] = {"first": iso(first), "last": iso(last)}
        out["events_span"] = {"first": iso(ev_first), "last": iso(ev_last)}
        out["sources"] = {s: int(n) for s, n in sources}
        out["last_import"] = (
            {"source": last_import[0], "finished_at": iso(last_import[1])} if last_import else None
        )
        return out
