"""The store, on SQLite and PostgreSQL alike (the ``store`` fixture runs each test on both)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import polars as pl
import pytest
import sqlalchemy as sa

from supportops.errors import ConfigError, RowError, StoreError
from supportops.model import Agent, Article, Event, Organization, Ticket, TruthLabel
from supportops.store import Position, Store, normalize_url, redact, schema

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def ticket(n: int, **kw: object) -> Ticket:
    return Ticket(id=f"t:{n}", source="t", external_id=str(n), created_at=T0, **kw)  # type: ignore[arg-type]


def ev(n: int, minutes: int, kind: str = "comment", **kw: object) -> Event:
    return Event(ticket_id=f"t:{n}", at=T0 + timedelta(minutes=minutes), kind=kind, **kw)  # type: ignore[arg-type]


def counts(store: Store) -> dict[str, int]:
    s = store.status()
    return {k: s[k] for k in ("tickets", "events", "organizations", "agents", "articles")}


def test_migrations_are_recorded_once(store: Store) -> None:
    assert store.applied_migrations() == ["0001_initial", "0002_tracker"]
    assert store.migrate() == []  # a second run applies nothing
    reopened = Store.open(store.url)
    assert reopened.applied_migrations() == ["0001_initial", "0002_tracker"]
    reopened.close()


def test_round_trip_of_every_record_type(store: Store) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    with store.writer("t") as w:
        w.add(Organization(id="t:o1", name="Acme", tier="enterprise", mrr=1200.5, raw={"k": [1]}))
        w.add(Agent(id="t:a1", name="Ana", tier="L1", skills=("login", "billing")))
        w.add(ticket(1, subject="<b>hi</b> ünïcode", tags=("x", "y"), organization_id="t:o1"))
        # 10:30 in Berlin in winter is 09:30 UTC; stored and loaded as UTC.
        w.add(
            Event(ticket_id="t:1", at=datetime(2026, 3, 2, 10, 30, tzinfo=berlin), kind="created")
        )
        w.add(ev(1, 60, actor="t:a1", actor_role="agent", public=True, body="hello"))
        w.add(ev(1, 90, "csat", number=4))
        w.add(Article(id="t:kb1", title="How to", tags=("a",), published_at=T0))
        w.add(TruthLabel(ticket_id="t:1", problem_id="p7"))
    assert w.counts == {
        "tickets": 1,
        "organizations": 1,
        "agents": 1,
        "groups": 0,
        "calendars": 0,
        "articles": 1,
        "ground_truth": 1,
        "events": 3,
    }
    events = store.load_events()
    assert events["at"].to_list() == [
        datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 15, 30, tzinfo=UTC),
    ]
    assert events["kind"].to_list() == ["created", "comment", "csat"]
    assert events["public"].to_list() == [None, True, None]
    assert events["number"].to_list() == [None, None, 4]
    assert events.schema["at"] == pl.Datetime("us", "UTC")
    assert events.schema["public"] == pl.Boolean
    tickets = store.load_tickets()
    assert tickets["subject"].to_list() == ["<b>hi</b> ünïcode"]
    assert tickets["created_at"].to_list() == [T0]
    orgs = store.load_table("organizations")
    assert orgs["mrr"].to_list() == [1200.5]
    truth = store.load_table("ground_truth")
    assert truth.rows() == [("t:1", "p7", None)]


def test_events_sharing_an_instant_keep_source_order(store: Store) -> None:
    with store.writer("t") as w:
        w.add(ticket(1))
        for kind in ("created", "status", "comment", "status"):
            w.add(ev(1, 0, kind, value="open" if kind == "status" else None))
        w.add(ev(1, -5, "tag", value="early", action="added"))  # earlier instant sorts first
    frame = store.load_events()
    assert frame["kind"].to_list() == ["tag", "created", "status", "comment", "status"]


def test_reimport_is_idempotent(store: Store) -> None:
    def once() -> None:
        with store.writer("t") as w:
            w.add(ticket(1))
            w.add(ev(1, 0, "created"))
            w.add(ev(1, 5, body="first"))
            w.add(ticket(2))
            w.add(ev(2, 0, "created"))

    once()
    first = store.load_events().drop("seq")
    once()
    assert counts(store)["events"] == 3
    assert store.load_events().drop("seq").equals(first)


def test_reimport_replaces_only_its_own_origin(store: Store) -> None:
    with store.writer("t") as w:
        w.add(ticket(1))
        w.add(Event(ticket_id="t:1", at=T0, kind="created", origin="t/tickets"))
        w.add(Event(ticket_id="t:1", at=T0, kind="comment", body="old", origin="t/comments"))
    # A later export of the comments table alone: its events replace the old comments only.
    with store.writer("t") as w:
        w.add(Event(ticket_id="t:1", at=T0, kind="comment", body="new", origin="t/comments"))
        w.add(Event(ticket_id="t:1", at=T0, kind="comment", body="newer", origin="t/comments"))
    frame = store.load_events(["kind", "seq", "ticket_id", "at"])
    assert frame["kind"].to_list() == ["created", "comment", "comment"]
    with store.begin() as conn:
        bodies = conn.execute(sa.select(schema.events.c.body).order_by(schema.events.c.id)).all()
    assert [b[0] for b in bodies] == [None, "new", "newer"]


def test_a_failed_import_leaves_the_store_unchanged(store: Store) -> None:
    with store.writer("t") as w:
        w.add(ticket(1, subject="before"))
        w.add(ev(1, 0, "created"))
    before = counts(store)
    snapshot = store.load_events().drop("seq")
    with pytest.raises(RowError), store.writer("t", position=lambda: Position("x.csv", 9)) as w:
        w.add(ticket(1, subject="after"))
        w.add(ev(1, 0, "created"))
        w.add(ticket(2))
        for i in range(30_000):  # past one flush: the first batch is already written
            w.add(ev(2, i))
        w.add(ev(99, 0))  # unknown ticket
    assert counts(store) == before
    assert store.load_events().drop("seq").equals(snapshot)
    assert store.load_tickets()["subject"].to_list() == ["before"]


def test_events_for_unknown_tickets_name_the_place(store: Store) -> None:
    with (
        pytest.raises(RowError) as info,
        store.writer("t", position=lambda: Position("events.csv", 42)) as w,
    ):
        w.add(ev(7, 0, "created"))
    assert str(info.value) == (
        "events.csv, line 42: record for unknown ticket 't:7': import the ticket first, "
        "or in the same command"
    )


def test_events_may_refer_to_tickets_already_stored(store: Store) -> None:
    with store.writer("t") as w:
        w.add(ticket(1))
    with store.writer("t") as w:
        w.add(ev(1, 3, "created"))
    assert counts(store)["events"] == 1


def test_naive_event_times_are_refused(store: Store) -> None:
    with pytest.raises(RowError, match="has no timezone"), store.writer("t") as w:
        w.add(ticket(1))
        w.add(Event(ticket_id="t:1", at=datetime(2026, 1, 1), kind="created"))


def test_naive_ticket_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware UTC"):
        Ticket(id="t:1", source="t", external_id="1", created_at=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="timezone-aware UTC"):
        Ticket(
            id="t:1",
            source="t",
            external_id="1",
            created_at=datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=2))),
        )


def test_upsert_updates_headers(store: Store) -> None:
    with store.writer("t") as w:
        w.add(ticket(1, status="open", priority="P3"))
    with store.writer("t") as w:
        w.add(ticket(1, status="solved", priority="P2"))
    rows = store.load_tickets(["id", "status", "priority"]).rows()
    assert rows == [("t:1", "solved", "P2")]


def test_delete_source_removes_events_too(store: Store) -> None:
    with store.writer("t") as w:
        w.add(ticket(1))
        w.add(ev(1, 0, "created"))
        w.add(TruthLabel(ticket_id="t:1", problem_id="p"))
    assert store.delete_source("t") == 1
    assert counts(store)["events"] == 0
    assert store.load_table("ground_truth").height == 0


def test_status_reports_range_and_sources(store: Store) -> None:
    with store.writer("t") as w:
        w.add(ticket(1))
        w.add(Ticket(id="t:2", source="t", external_id="2", created_at=T0 + timedelta(days=3)))
        w.add(ev(2, 10, "created"))
    s = store.status()
    assert s["tickets"] == 2
    assert s["events"] == 1
    assert s["sources"] == {"t": 2}
    assert s["tickets_created"] == {
        "first": "2026-03-02T14:00:00+00:00",
        "last": "2026-03-05T14:00:00+00:00",
    }
    assert s["last_import"]["source"] == "t"


def test_load_events_filters_by_ticket_creation(store: Store) -> None:
    with store.writer("t") as w:
        w.add(ticket(1))
        w.add(ev(1, 0, "created"))
        w.add(Ticket(id="t:2", source="t", external_id="2", created_at=T0 + timedelta(days=7)))
        w.add(ev(2, 0, "created"))
    frame = store.load_events(tickets_created_since=T0 + timedelta(days=1))
    assert frame["ticket_id"].to_list() == ["t:2"]
    frame = store.load_events(tickets_created_until=T0 + timedelta(days=1))
    assert frame["ticket_id"].to_list() == ["t:1"]


def test_a_window_keeps_open_tickets_whenever_created(store: Store) -> None:
    """``or_open``: tickets created in the range, and those not solved or closed now."""
    day = timedelta(days=1)
    with store.writer("t") as w:
        for n, created, status in (
            (1, T0, "solved"),  # before the window, solved: out
            (2, T0, "open"),  # before the window, still open: in
            (3, T0 + 10 * day, "closed"),  # in the window: in
            (4, T0 + 30 * day, "new"),  # after the window, open: in (open wins)
            (5, T0 - day, None),  # no status known: treated as open
        ):
            w.add(Ticket(id=f"t:{n}", source="t", external_id=str(n), created_at=created,
                         status=status))  # fmt: skip
            w.add(ev(n, int((created - T0).total_seconds()) // 60, "created"))
    window = {"tickets_created_since": T0 + 5 * day, "tickets_created_until": T0 + 20 * day}
    assert store.load_events(**window)["ticket_id"].to_list() == ["t:3"]
    assert store.load_events(**window, or_open=True)["ticket_id"].to_list() == [
        "t:2", "t:3", "t:4", "t:5",
    ]  # fmt: skip
    tickets = store.load_tickets(
        ("id",), created_since=T0 + 5 * day, created_until=T0 + 20 * day, or_open=True
    )
    assert tickets["id"].to_list() == ["t:2", "t:3", "t:4", "t:5"]
    assert store.latest_event_at() == T0 + 30 * day


def test_urls() -> None:
    assert normalize_url("x.db") == "sqlite:///x.db"
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert redact("postgresql://u:secret@h/db") == "postgresql+psycopg://u:***@h/db"
    with pytest.raises(ConfigError, match="unsupported database"):
        Store("mysql://u@h/db")
    with pytest.raises(ConfigError, match="in-memory"):
        Store("sqlite://")


def test_reading_a_missing_sqlite_store_says_what_to_do(tmp_path: object) -> None:
    with pytest.raises(StoreError, match="run `supportops demo`"):
        Store.open("sqlite:///nowhere.db", create=False)


def test_postgres_password_never_appears_in_errors(pg_server: str) -> None:
    url = "postgresql://someone:hunter2@127.0.0.1:1/nothere"
    with pytest.raises(StoreError) as info:
        Store.open(url)
    assert "hunter2" not in str(info.value)


def test_reads_between_imports_lose_nothing(sqlite_url: str) -> None:
    """Columnar reads use a second SQLite library (ADBC): they must never disturb the
    writer's WAL (a read-write reader closing last would delete it and lose the next import)."""
    import sqlite3

    store = Store.open(sqlite_url)
    for n in range(3):
        with store.writer("t") as w:
            w.add(ticket(n))
            w.add(ev(n, 0, "created"))
        assert store.load_events().height == n + 1
    path = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as fresh:
        assert fresh.execute("SELECT count(*) FROM events").fetchone() == (3,)
    store.close()


def test_columns_null_in_their_first_rows_keep_their_type(store: Store) -> None:
    with store.writer("t") as w:
        w.add(ticket(1))
        for i in range(3000):  # far past the driver's first batch
            w.add(ev(1, i, body="late" if i == 2500 else None))
    bodies = store.query_frame("SELECT body FROM events ORDER BY id")["body"]
    assert bodies.null_count() == 2999
    assert bodies[2500] == "late"


def test_large_loads_read_in_parallel_and_stay_ordered(store: Store) -> None:
    """PostgreSQL reads big event tables as parallel id ranges; the result must be the same
    one sorted frame (SQLite reads it in one query)."""
    n = 210_000
    with store.writer("t") as w:
        for i in range(n // 10):
            w.add(ticket(i))
        for j in range(10):  # ticket-major order differs from insertion order on purpose
            for i in range(n // 10):
                w.add(ev(i, 10 - j))
    frame = store.load_events(["ticket_id", "seq", "at"])
    assert frame.height == n
    assert frame["seq"].n_unique() == n
    keys = frame.select("ticket_id", "at").rows()
    assert keys == sorted(keys)


def test_a_shared_sqlite_store_reads_without_adbc(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dashboard's store (``shared=True``) reads through Python's SQLite only, and gets
    the same frames, types included, as the ADBC path."""
    from supportops.demo import generate_demo

    with Store.open(sqlite_url) as plain:
        generate_demo(plain, weeks=2)
        expected = {
            "events": plain.load_events(),
            "tickets": plain.load_tickets(),
            **{t: plain.load_table(t) for t in ("organizations", "agents", "articles")},
        }

    def no_adbc(self: Store) -> None:
        raise AssertionError("a shared store opened an ADBC connection")

    monkeypatch.setattr(Store, "_adbc", no_adbc)
    with Store.open(sqlite_url, shared=True) as shared:
        got = {
            "events": shared.load_events(),
            "tickets": shared.load_tickets(),
            **{t: shared.load_table(t) for t in ("organizations", "agents", "articles")},
        }
    for name, frame in expected.items():
        assert got[name].schema == frame.schema, name
        assert got[name].equals(frame), name
