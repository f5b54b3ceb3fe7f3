"""The weekly review at scale: a year of a 1M-ticket organization.

    python benchmarks/review.py [--tickets 1000000] [--db PATH] [--rebuild]

The data set is the demo org over 52 weeks, replicated with fresh ids until it holds
``--tickets`` tickets (each copy has its own customers, so accounts stay the demo's size),
imported once through the interchange importer into a SQLite file that later runs reuse.
The build runs in a child process (its file is written as ``PATH.part`` and renamed when
complete), so the peak memory printed is the review's alone. Ticket texts repeat across
copies; the review clusters the escalated tickets of its history window (26 weeks, ≈ 2 % of
the tickets).

Prints the time of ``load_inputs`` and of ``run_review`` (what ``review`` computes before it
records anything), the latter split into its stages (escalation facts, SLA clocks, repeat
problems, quality, at-risk …) by timing the functions it calls, then the total and the
process's peak memory. Targets (issue 4): under 30 s and under 4 GB on the two-core machine.
"""

from __future__ import annotations

import argparse
import functools
import math
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from supportops.demo import generate_demo
from supportops.importers import run_import
from supportops.policy import default_policy
from supportops.review.run import review_inputs, run_review
from supportops.store import Store
from supportops.store.db import FULL_EVENT_COLUMNS

DEMO_END = date(2026, 11, 22)
#: What the replicated store carries: the tickets' columns the review reads (and a few more),
#: every event column but the store's own ids and raw JSON.
TICKET_COLUMNS = (
    "id", "created_at", "subject", "description", "requester", "organization_id", "channel",
    "category", "tags", "priority", "severity", "status", "group_name", "assignee_id",
)  # fmt: skip
EVENT_COLUMNS = tuple(c for c in FULL_EVENT_COLUMNS if c != "origin")


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
        tickets = base.load_tickets(TICKET_COLUMNS)
        events = base.load_events(EVENT_COLUMNS)
        orgs = base.load_table("organizations")
        agents = base.load_table("agents")
        articles = base.load_table("articles")
        base.close()
        copies = math.ceil(n_tickets / tickets.height)
        print(f"replicating {tickets.height:,} demo tickets × {copies} …", flush=True)

        def suffix(col: str, i: int) -> pl.Expr:
            return (
                pl.when(pl.col(col).is_null())
                .then(None)
                .otherwise(pl.col(col) + f"-{i}")
                .alias(col)
            )

        folder = Path(tmp)
        t_parts, e_parts, o_parts = [], [], []
        for i in range(copies):
            t_parts.append(
                tickets.with_columns(suffix("id", i), suffix("organization_id", i))
                .select(TICKET_COLUMNS)
                .rename({"group_name": "group"})
            )
            e_parts.append(events.with_columns(suffix("ticket_id", i)).drop("seq"))
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


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _rss_gib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 1024**3


class Stages:
    """Wall time spent inside named functions of the review modules, by wrapping them where
    ``run_review`` looks them up (no change to the library), with the process's peak and
    current memory when each returns. Sub-stages are counted in their stage too."""

    def __init__(self) -> None:
        self.order: list[str] = []
        self.seconds: dict[str, float] = {}
        self.memory: dict[str, tuple[float, float]] = {}  # peak, current RSS at the end

    def wrap(self, module: Any, name: str, stage: str) -> None:
        self.order.append(stage)
        fn = getattr(module, name, None)
        if fn is None:
            print(f"(no {module.__name__}.{name} to time)")
            return

        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - t
                self.memory[stage] = (_peak_gib(), _rss_gib())

        setattr(module, name, timed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tickets", type=int, default=1_000_000)
    ap.add_argument("--db", type=Path, default=None)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    db = args.db or Path(tempfile.gettempdir()) / f"supportops-review-{args.tickets}.db"
    if args.build_only:
        part = db.with_name(db.name + ".part")
        for p in _sqlite_files(part):
            p.unlink(missing_ok=True)
        build(part, args.tickets)
        for p, final in zip(_sqlite_files(part), _sqlite_files(db), strict=True):
            if p.exists():
                p.rename(final)
        return
    if args.rebuild or not db.exists():
        for p in _sqlite_files(db):
            p.unlink(missing_ok=True)
        # in a child process, so that the peak memory below is the review's alone
        cmd = [sys.executable, __file__, "--tickets", str(args.tickets), "--db", str(db)]
        subprocess.run([*cmd, "--build-only"], check=True)

    import supportops.clocks as clocks_mod
    import supportops.review.problems as problems_mod
    import supportops.review.run as run_mod

    stages = Stages()
    sub = "  "  # sub-stages: indented, already counted in the stage above them
    for module, name, stage in (
        (run_mod, "run_clocks", "SLA clocks (run_clocks)"),
        (Store, "load_events", sub + "store.load_events (again)"),
        (clocks_mod, "ticket_attributes", sub + "ticket_attributes (store)"),
        (clocks_mod, "derive", sub + "derive"),
        (clocks_mod, "compute_clocks", sub + "compute_clocks"),
        (run_mod, "escalation_facts", "escalation facts"),
        (run_mod, "_business_hours", "hours to escalate (_business_hours)"),
        (run_mod, "_breakdowns", "breakdowns"),
        (run_mod, "repeat_problems", "repeat problems"),
        (problems_mod, "find_problems", sub + "find_problems"),
        (problems_mod, "match_articles", sub + "match_articles"),
        (problems_mod, "_resolving_comments", sub + "_resolving_comments"),
        (problems_mod, "kb_draft", sub + "kb_draft"),
        (run_mod, "_sla", "SLA compliance (_sla)"),
        (run_mod, "_quality", "quality"),
        (run_mod, "_at_risk", "at-risk accounts"),
    ):
        stages.wrap(module, name, stage)

    store = Store.open(f"sqlite:///{db}")
    policy = default_policy()
    t0 = time.perf_counter()
    # what `supportops review` does: the period, then the tickets of its look-back window
    # (and the open ones), loaded once
    period, inputs = review_inputs(store, policy)
    t1 = time.perf_counter()
    loaded = (_peak_gib(), _rss_gib())
    stages.seconds.clear()  # the loads above are the "load" stage
    doc = run_review(store, policy, period, inputs=inputs)
    t2 = time.perf_counter()
    s = doc.summary
    print(
        f"review {period.label} of {inputs.tickets.height:,} tickets / "
        f"{inputs.events.height:,} events\n"
        f"  {'stage':<40} {'seconds':>8} {'peak GiB':>9} {'RSS GiB':>8}  (memory at its end)"
    )

    def line(stage: str, sec: float, mem: tuple[float, float] | None) -> None:
        peak, rss = (f"{mem[0]:9.2f}", f"{mem[1]:8.2f}") if mem else ("", "")
        print(f"  {stage:<40} {sec:8.1f} {peak:>9} {rss:>8}")

    line("review_inputs (period, look-back window)", t1 - t0, loaded)
    top = 0.0
    for stage in stages.order:
        if stage in stages.seconds:
            line(stage, stages.seconds[stage], stages.memory.get(stage))
            top += 0.0 if stage.startswith(sub) else stages.seconds[stage]
    line("rest of run_review", t2 - t1 - top, None)
    print(
        f"  {'total':<40} {t2 - t0:8.1f} s (target < 30 s)\n"
        f"  peak RSS {_peak_gib():.2f} GiB (target < 4 GB)\n"
        f"  week: {s.created:,} created, {s.escalated:,} escalated "
        f"({(s.escalation_rate or 0) * 100:.2f}%), {len(doc.problems)} repeat problems, "
        f"{len(doc.quality.habitual)} habitual escalators, {len(doc.at_risk)} at-risk accounts"
    )


def _sqlite_files(db: Path) -> list[Path]:
    return [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]


if __name__ == "__main__":
    main()
