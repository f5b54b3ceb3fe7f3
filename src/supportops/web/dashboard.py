"""What the dashboard shows, as plain JSON-ready data: one object per page.

:class:`Dashboard` holds the store and the policy and computes the expensive part (every
ticket's SLA clocks, the weekly figures, the weekly scorecard) once per *snapshot*: a
snapshot is valid while the store's import log is unchanged, so requests reuse it and a new
import is picked up by the next request. The JSON API returns these objects as they are; the
HTML pages render them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import sqlalchemy as sa

from supportops.clocks import ClockRun, run_clocks
from supportops.core.explain import explain_ticket
from supportops.policy import Policy
from supportops.scorecard import ScorecardResult, compute_scorecard, report_timezone
from supportops.store import Store
from supportops.store.queries import resolve_ticket, ticket_detail
from supportops.store.schema import imports, tracker_problems
from supportops.web.weekly import overview_tiles, scorecard_tiles, week_starts

#: Clock states shown in the SLA queue: still running, with a target.
OPEN_STATES = ("running", "paused", "breached")
#: Filters of the SLA queue: query parameter → column of the clocks frame.
QUEUE_FILTERS = {
    "priority": "priority",
    "tier": "customer_tier",
    "group": "group",
    "level": "level",
    "metric": "metric",
    "status": "status",
}
#: Sort keys of the SLA queue (query parameter ``sort``) → columns, most urgent first.
QUEUE_SORTS: dict[str, tuple[str, ...]] = {
    "deadline": ("deadline", "ticket_id"),
    "left": ("left_s", "ticket_id"),
    "level": ("level_rank", "deadline", "ticket_id"),
    "priority": ("priority", "deadline", "ticket_id"),
    "ticket": ("ticket_id", "metric"),
    "metric": ("metric", "deadline", "ticket_id"),
    "tier": ("customer_tier", "deadline", "ticket_id"),
    "group": ("group", "deadline", "ticket_id"),
}
#: Columns the API leaves out of ticket headers and timelines (source internals).
HIDDEN = ("raw", "ticket_id")
NO_LEVEL = "none"  # the level filter's word for "below the first warning level"
TREND_WEEKS = 12
URGENT = 8  # clocks listed on the overview

#: Builds the weekly review document (a dict) from the store and policy, or ``None``.
ReviewSource = Callable[[Store, Policy, datetime], Mapping[str, Any] | None]


class NotFound(LookupError):
    """A page or API object that does not exist (the app answers 404)."""


class BadQuery(ValueError):
    """A query parameter the app cannot use (the app answers 422)."""


@dataclass(slots=True)
class Snapshot:
    """Everything computed for one state of the store."""

    version: tuple[Any, ...]
    run: ClockRun
    queue: pl.DataFrame  # open clocks with a target, one row per clock, JSON-ready columns
    scorecard: ScorecardResult  # one row per week of the overview's trend, report time zone
    overview: dict[str, Any]
    computed_at: datetime
    seconds: float
    review: Mapping[str, Any] | None = None
    review_done: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


def _iso(t: int | None) -> str | None:
    return None if t is None else datetime.fromtimestamp(t, UTC).isoformat()


def _levels(run: ClockRun) -> list[str]:
    return [lv.name for lv in run.config.ladder]


class Dashboard:
    """The dashboard's data for one store and policy, computed once per snapshot."""

    def __init__(
        self,
        store: Store,
        policy: Policy,
        *,
        as_of: datetime | None = None,
        review: ReviewSource | None = None,
    ) -> None:
        self.store = store
        self.policy = policy
        self.as_of = as_of
        self.review_source = review
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ snapshots
    def version(self) -> tuple[Any, ...]:
        """Changes whenever something is imported (every import appends to the log) and
        whenever a review is recorded in the tracker (the review page shows its ids)."""
        with self.store.begin() as conn:
            row = conn.execute(
                sa.select(
                    sa.func.count(), sa.func.max(imports.c.id), sa.func.max(imports.c.finished_at)
                )
            ).one()
            tracked = conn.execute(
                sa.select(sa.func.count(), sa.func.max(tracker_problems.c.updated_at))
            ).one()
        return (*row, *tracked)

    def snapshot(self) -> Snapshot:
        version = self.version()
        current = self._snapshot
        if current is not None and current.version == version:
            return current
        with self._lock:  # one computation at a time; the others wait and reuse it
            current = self._snapshot
            if current is None or current.version != version:
                current = self._compute(version)
                self._snapshot = current
            return current

    def _compute(self, version: tuple[Any, ...]) -> Snapshot:
        started = time.perf_counter()
        run = run_clocks(self.store, self.policy, self.as_of)
        queue = _queue_frame(run)
        overview = overview_tiles(run, self.policy, TREND_WEEKS)
        weeks = week_starts(run.as_of, TREND_WEEKS, report_timezone(self.policy))
        scorecard = compute_scorecard(
            self.store,
            self.policy,
            as_of=run.as_of,
            period="week",
            since=weeks[0],
            until=weeks[-1] + timedelta(days=6),
        )
        overview["scorecard"] = scorecard_tiles(scorecard, weeks)
        return Snapshot(
            version=version,
            run=run,
            queue=queue,
            scorecard=scorecard,
            overview=overview,
            computed_at=datetime.now(UTC),
            seconds=round(time.perf_counter() - started, 3),
        )

    # ------------------------------------------------------------------ pages
    def health(self) -> dict[str, Any]:
        from supportops import __version__

        snap = self.snapshot()
        return {
            "status": "ok",
            "version": __version__,
            "store": self.store.display_url,
            "policy": self.policy.source or "built-in default",
            "as_of": snap.run.as_of.isoformat(),
            "computed_at": snap.computed_at.isoformat(),
            "compute_seconds": snap.seconds,
            "tickets": snap.run.tickets.height,
            "clocks": snap.run.clocks.height,
        }

    def overview(self) -> dict[str, Any]:
        snap = self.snapshot()
        queue = snap.queue
        by_level = dict.fromkeys([NO_LEVEL, *_levels(snap.run)], 0)
        for row in queue.group_by("level").len().iter_rows():
            by_level[row[0]] = int(row[1])
        states = dict.fromkeys(OPEN_STATES, 0)
        for row in queue.group_by("status").len().iter_rows():
            states[row[0]] = int(row[1])
        urgent = queue.sort(*QUEUE_SORTS["deadline"], nulls_last=True).head(URGENT)
        return {
            **snap.overview,
            "queue": {
                "open_tickets": int(queue["ticket_id"].n_unique()),
                "clocks": queue.height,
                "by_status": states,
                "by_level": by_level,
            },
            "urgent": urgent.drop("level_rank").to_dicts(),
        }

    def sla_queue(
        self, filters: Mapping[str, str | None], sort: str = "deadline", limit: int = 500
    ) -> dict[str, Any]:
        snap = self.snapshot()
        queue = snap.queue
        facets = {
            name: sorted(str(v) for v in queue[column].unique().to_list() if v is not None)
            for name, column in QUEUE_FILTERS.items()
        }
        facets["level"] = [lv for lv in [NO_LEVEL, *_levels(snap.run)] if lv in facets["level"]]
        if sort not in QUEUE_SORTS:
            raise BadQuery(f"sort {sort!r}: choose one of {', '.join(QUEUE_SORTS)}")
        levels = [NO_LEVEL, *_levels(snap.run)]
        chosen: dict[str, str | None] = {}
        for name, column in QUEUE_FILTERS.items():
            value = filters.get(name)
            chosen[name] = value or None
            if not value:
                continue
            if name == "level" and value not in levels:
                raise BadQuery(f"level {value!r}: choose one of {', '.join(levels)}")
            if name == "status" and value not in OPEN_STATES:
                raise BadQuery(f"status {value!r}: choose one of {', '.join(OPEN_STATES)}")
            queue = queue.filter(pl.col(column) == value)
        descending = sort == "level"
        ordered = queue.sort(
            list(QUEUE_SORTS[sort]),
            descending=[descending] + [False] * (len(QUEUE_SORTS[sort]) - 1),
            nulls_last=True,
        )
        return {
            "as_of": snap.run.as_of.isoformat(),
            "filters": chosen,
            "sort": sort,
            "total": ordered.height,
            "shown": min(ordered.height, limit),
            "facets": facets,
            "clocks": ordered.head(limit).drop("level_rank").to_dicts(),
        }

    def ticket(self, ref: str) -> dict[str, Any]:
        from supportops.errors import InputError

        try:
            tid = resolve_ticket(self.store, ref)
            head, events = ticket_detail(self.store, tid)
        except InputError as exc:
            raise NotFound(str(exc)) from None
        snap = self.snapshot()
        run = snap.run
        info = run.tickets.filter(pl.col("ticket_id") == tid)
        clocks = run.clocks.filter(pl.col("ticket_id") == tid)
        explanation: list[str] = []
        sla: dict[str, Any] | None = None
        if info.height:
            row = info.row(0, named=True)
            periods = run.timelines.periods.filter(pl.col("tix") == row["tix"])
            cut = int(run.as_of.timestamp())
            explanation = explain_ticket(row, clocks, periods, run.schedules, run.config, cut)
            sla = {
                "rule": row["rule"],
                "calendar": row["calendar"],
                "priority": row["priority"],
                "customer_tier": row["customer_tier"],
            }
        head = {k: v for k, v in head.items() if k != "raw"}
        return {
            "as_of": run.as_of.isoformat(),
            "ticket": head,
            "sla": sla,
            "clocks": [_clock_row(r) for r in clocks.iter_rows(named=True)],
            "explanation": explanation,
            "events": [
                {k: v for k, v in e.items() if k not in ("raw", "ticket_id")} for e in events
            ],
        }

    def review(self) -> Mapping[str, Any] | None:
        """The latest weekly review document, built once per snapshot; ``None`` without one."""
        snap = self.snapshot()
        if self.review_source is None:
            return None
        with snap.lock:
            if not snap.review_done:
                snap.review = self.review_source(self.store, self.policy, snap.run.as_of)
                snap.review_done = True
        return snap.review


def _clock_row(r: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "metric": r["metric"],
        "cycle": r["cycle"],
        "instance": r["instance"],
        "status": r["status"],
        "level": r["level"],
        "target_s": r["target_s"],
        "elapsed_s": r["elapsed_s"],
        "paused_s": r["paused_s"],
        "start": _iso(r["start"]),
        "stop": _iso(r["stop"]),
        "deadline": _iso(r["deadline"]),
    }


def _queue_frame(run: ClockRun) -> pl.DataFrame:
    """Open clocks with a target: the SLA queue, with times left and ISO instants."""
    cut = int(run.as_of.timestamp())
    levels = _levels(run)
    c = run.clocks.filter(
        pl.col("stop").is_null() & pl.col("status").cast(pl.String).is_in(OPEN_STATES)
    )
    iso = [
        pl.from_epoch(name, time_unit="s")
        .dt.replace_time_zone("UTC")
        .dt.to_string("%Y-%m-%dT%H:%M:%S+00:00")
        for name in ("start", "deadline")
    ]
    return c.select(
        "ticket_id",
        pl.col("subject"),
        pl.col("metric").cast(pl.String),
        "cycle",
        "instance",
        "priority",
        "customer_tier",
        "group",
        pl.col("status_right").alias("ticket_status"),
        pl.col("status").cast(pl.String),
        pl.col("level").cast(pl.String).fill_null(NO_LEVEL),
        "target_s",
        "elapsed_s",
        "paused_s",
        (pl.col("target_s") - pl.col("elapsed_s")).alias("left_s"),
        iso[0].alias("start"),
        iso[1].alias("deadline"),
        (pl.col("deadline") - cut).alias("deadline_in_s"),
        pl.col("level")
        .cast(pl.String)
        .replace_strict({lv: i + 1 for i, lv in enumerate(levels)}, default=0)
        .cast(pl.Int32)
        .alias("level_rank"),
    )
