"""The weekly review at scale: a year of a 1M-ticket organization.

    python benchmarks/review.py [--tickets 1000000] [--db PATH] [--rebuild]

The data set is the demo org over 52 weeks, replicated with fresh ids until it holds
``--tickets`` tickets (each copy has its own customers, so accounts stay the demo's size),
imported once through the interchange importer into a SQLite file that later runs reuse.
Ticket texts repeat across copies; the review clusters the year's escalated tickets
(≈ 2 % of them).

Prints the time of each stage of ``review(..., record=False)`` (load, escalation facts, SLA
clocks, repeat problems, quality, at-risk) as one total, and the process's peak memory.
Targets (issue 4): under 30 s and under 4 GB on the two-core machine.
"""

from __future__ import annotations

import argparse
import math
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

import polars as pl

from supportops.demo import generate_demo
from supportops.importers import run_import
from supportops.policy import default_policy
from supportops.review import load_inputs, resolve_period, run_review
from supportops.store import Store

DEMO_END = date(2026, 11, 22)


def _csv(frame: pl.DataFrame, path: Path) -> None:
    # lists and JSON as text, instants as ISO with offset
    out = frame.with_columns(
        [
            pl.col(c).dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ")
            for c, t in frame.schema.items()
            if isinstance(t, pl.Datetime)
        ]
    )
    out.write_csv(path)


def build(db: Path, n_tickets: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Store.open(f"sqlite:///{tmp}/base.db")
        generate_demo(base, seed=7, weeks=52, end=DEMO_END)
        tickets = base.load_tickets()
        events = base.load_events()
        orgs = base.load_table("organizations")
        agents = base.load_table("agents")
        articles = base.load_table("articles")
        base.close()
        copies = math.ceil(n_tickets / tickets.height)
        print(f"replicating {tickets.height:,} demo tickets × {copies} …", flush=True)

        def suffix(col: str, i: int) -> pl.Expr:
            return pl.when(pl.col(col).is_null()).then(None).otherwise(pl.col(col) + f"-{i}")

        folder = Path(tmp)
        t_parts, e_parts, o_parts = [], [], []
        for i in range(copies):
            t_parts.append(
                tickets.with_columns(suffix("id", i), suffix("organization_id", i))
                .rename({"group_name": "group"})
                .select(
                    "id",
                    "created_at",
                    "subject",
                    "description",
                    "requester",
                    "organization_id",
                    "channel",
                    "category",
                    "tags",
                    "priority",
                    "severity",
                    "status",
                    "group",
                    "assignee_id",
                )
            )
            e_parts.append(
                events.with_columns(suffix("ticket_id", i)).select(
                    "ticket_id",
                    "at",
                    "kind",
                    "value",
                    "raw_value",
                    "action",
                    "number",
                    "actor",
                    "actor_role",
                    "public",
                    "body",
                )
            )
            o_parts.append(
                orgs.with_columns(suffix("id", i)).select(
                    "id", "name", "tier", "segment", "mrr", "csm"
                )
            )
        all_t = pl.concat(t_parts).head(n_tickets)
        keep = all_t["id"]
        _csv(all_t, folder / "tickets.csv")
        _csv(
            pl.concat(e_parts).filter(pl.col("ticket_id").is_in(keep.implode())),
            folder / "events.csv",
        )
        _csv(pl.concat(o_parts), folder / "organizations.csv")
        _csv(
            agents.select("id", "name", "email", "tier", "team", "manager_id", "role"),
            folder / "agents.csv",
        )
        _csv(
            articles.select("id", "title", "body", "published_at", "updated_at"),
            folder / "articles.csv",
        )
        store = Store.open(f"sqlite:///{db}")
        t = time.perf_counter()
        paths = [
            folder / f"{n}.csv"
            for n in ("organizations", "agents", "articles", "tickets", "events")
        ]
        run_import(store, "supportops", paths)
        print(f"imported in {time.perf_counter() - t:.0f} s", flush=True)
        store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tickets", type=int, default=1_000_000)
    ap.add_argument("--db", type=Path, default=None)
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args()
    db = args.db or Path(tempfile.gettempdir()) / f"supportops-review-{args.tickets}.db"
    if args.rebuild or not db.exists():
        db.unlink(missing_ok=True)
        build(db, args.tickets)
    store = Store.open(f"sqlite:///{db}")
    policy = default_policy()
    t0 = time.perf_counter()
    inputs = load_inputs(store)
    t1 = time.perf_counter()
    period = resolve_period(policy, inputs.latest)
    doc = run_review(store, policy, period, inputs=inputs)
    t2 = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    s = doc.summary
    print(
        f"review {period.label} of {inputs.tickets.height:,} tickets / "
        f"{inputs.events.height:,} events\n"
        f"  load {t1 - t0:6.1f} s\n  review {t2 - t1:6.1f} s\n  total {t2 - t0:6.1f} s "
        f"(target < 30 s)\n  peak RSS {rss:.2f} GiB (target < 4 GB)\n"
        f"  week: {s.created:,} created, {s.escalated:,} escalated "
        f"({(s.escalation_rate or 0) * 100:.2f}%), {len(doc.problems)} repeat problems, "
        f"{len(doc.quality.habitual)} habitual escalators, {len(doc.at_risk)} at-risk accounts"
    )


if __name__ == "__main__":
    main()
