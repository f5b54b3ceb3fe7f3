"""Import and load-back throughput on SQLite and PostgreSQL.

    python benchmarks/import.py [--events 1000000] [--pg postgresql://postgres@127.0.0.1/test]

Generates an interchange data set (tickets.csv + events.csv, ~10 events a ticket) in a
temporary folder, then for each backend measures:

* import: ``supportops import supportops`` end to end (CSV parsing, validation, one
  transaction), in events per second;
* write only: the store writer fed already-built records (the bulk path alone);
* load: ``Store.load_events()`` back into a Polars frame, in events per second.

Targets (2-core machine): import >= 100k events/s, load >= 1M events/s.
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import psycopg

from supportops.importers import run_import
from supportops.model import Event, Ticket
from supportops.store import Store

KINDS = ["status", "comment", "assignee", "comment", "status", "tag", "comment", "status", "csat"]


def make_dataset(folder: Path, n_events: int, seed: int = 1) -> tuple[int, int]:
    rng = np.random.default_rng(seed)
    n_tickets = n_events // 10
    start = datetime(2025, 1, 1, tzinfo=UTC)
    seconds = np.sort(rng.integers(0, 365 * 86400, n_tickets))
    created = [start + timedelta(seconds=int(s)) for s in seconds]
    with (folder / "tickets.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "created_at", "subject", "priority", "status", "category"])
        for i in range(n_tickets):
            at = created[i].isoformat()
            w.writerow([f"b:{i}", at, f"Subject {i}", f"P{1 + i % 5}", "solved", "login"])
    written = 0
    with (folder / "events.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["ticket_id", "at", "kind", "value", "action", "number", "actor_role", "public", "body"]
        )
        offsets = np.cumsum(rng.integers(60, 7200, (n_tickets, 10)), axis=1)
        for i in range(n_tickets):
            base = created[i]
            w.writerow([f"b:{i}", base.isoformat(), "created", "", "", "", "", "", ""])
            for j, kind in enumerate(KINDS):
                at = (base + timedelta(seconds=int(offsets[i, j]))).isoformat()
                value = {"status": "open", "assignee": "b:agent1", "tag": "t1"}.get(kind, "")
                action = "added" if kind == "tag" else ""
                number = "4" if kind == "csat" else ""
                role = "agent" if kind == "comment" else ""
                public = "true" if kind == "comment" else ""
                body = "Thanks for the details, looking into it." if kind == "comment" else ""
                w.writerow([f"b:{i}", at, kind, value, action, number, role, public, body])
            written += 10
    return n_tickets, written


def records(n_events: int) -> list[Ticket | Event]:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    out: list[Ticket | Event] = []
    for i in range(n_events // 10):
        t0 = start + timedelta(minutes=i)
        out.append(Ticket(id=f"w:{i}", source="w", external_id=str(i), created_at=t0))
        out.append(Event(ticket_id=f"w:{i}", at=t0, kind="created"))
        for j in range(1, 10):
            out.append(
                Event(
                    ticket_id=f"w:{i}",
                    at=t0 + timedelta(minutes=j),
                    kind="comment",
                    actor_role="agent",
                    public=True,
                    body="hello",
                )
            )
    return out


def fresh_pg_url(base: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return f"{base}?options=-csearch_path%3D{schema}", schema


def drop_pg(base: str, schema: str) -> None:
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def bench(label: str, url: str, folder: Path, n_events: int, recs: list[Ticket | Event]) -> None:
    store = Store.open(url)
    t = time.perf_counter()
    counts = run_import(store, "supportops", [folder])
    imp = time.perf_counter() - t
    assert counts["events"] == n_events, counts

    t = time.perf_counter()
    with store.writer("w") as w:
        for r in recs:
            w.add(r)
    wrt = time.perf_counter() - t
    n_written = sum(isinstance(r, Event) for r in recs)

    loads = []
    for _ in range(3):
        t = time.perf_counter()
        frame = store.load_events()
        loads.append(time.perf_counter() - t)
    total = frame.height
    assert total == n_events + n_written
    tracemalloc.start()
    store.load_events()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    store.close()
    print(
        f"{label:<11} import {n_events / imp:>10,.0f} events/s ({imp:5.1f} s)   "
        f"write-only {n_written / wrt:>10,.0f} events/s   "
        f"load {total / min(loads):>11,.0f} events/s ({min(loads):4.2f} s, "
        f"{total:,} events; Python-side peak {peak / 2**20:,.0f} MiB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument(
        "--pg",
        default=os.environ.get(
            "SUPPORTOPS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        folder.mkdir()
        t = time.perf_counter()
        n_tickets, n_events = make_dataset(folder, args.events)
        size = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
        print(
            f"data set: {n_tickets:,} tickets, {n_events:,} events, {size:,.0f} MiB of CSV "
            f"(made in {time.perf_counter() - t:.1f} s)"
        )
        recs = records(args.events)
        bench("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", folder, n_events, recs)
        try:
            url, schema = fresh_pg_url(args.pg)
        except psycopg.OperationalError as exc:
            print(f"PostgreSQL    skipped: {str(exc).strip().splitlines()[0]}")
            return
        try:
            bench("PostgreSQL", url, folder, n_events, recs)
        finally:
            drop_pg(args.pg, schema)


if __name__ == "__main__":
    main()
