"""The scorecard's measures: per-ticket facts aggregated by period and segment.

Each measure is attributed to the period of the instant it describes (docs/metrics.md):

* **created**: ticket volume, first response times, escalation and elevation rates;
* **first solve**: tickets solved, resolution times, FCR, one-touch, reopen rate, and the
  agent measures built on them (tickets per agent-day, utilization, cost per ticket);
* **last solve**: full resolution times; **the answer**: CSAT, NPS, CES;
* **clock start**: SLA compliance (as ``supportops sla summary`` counts it);
* **the period's last second** (or ``as_of``, if earlier): backlog, backlog age, queue.

Everything is a group-by over columns; periods are found by binary search, and a state
measure explodes each open interval into the period ends it spans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

__all__ = [
    "CATALOGUE",
    "AgentCosts",
    "MetricSpec",
    "Periods",
    "aggregate",
    "make_periods",
]

Unit = Literal["percent", "seconds", "number", "count"]
Better = Literal["higher", "lower", "range", "neutral"]
Kind = Literal["week", "month"]


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """What a measure is; ``policy`` names the scorecard entry that holds its target."""

    name: str
    label: str
    short: str
    unit: Unit
    better: Better
    description: str
    policy: str | None = None


def _times(name: str, label: str, short: str, what: str, policy: str | None) -> list[MetricSpec]:
    out = []
    for hours, suffix, hs in (("business", "", "bh"), ("calendar", "_calendar", "cal")):
        for stat, ssuffix, ss in (
            ("median", "", ""),
            ("mean", "_mean", " avg"),
            ("p90", "_p90", " p90"),
        ):
            out.append(
                MetricSpec(
                    f"{name}{suffix}{ssuffix}",
                    f"{label} ({stat}, {hours} hours)",
                    f"{short} {hs}{ss}",
                    "seconds",
                    "lower",
                    f"{what}; the {stat} in {hours} hours"
                    + (" of the ticket's SLA calendar" if hours == "business" else ""),
                    policy if (suffix, ssuffix) == ("", "") else None,
                )
            )
    return out


CATALOGUE: tuple[MetricSpec, ...] = (
    MetricSpec("n_tickets", "Tickets created", "tickets", "count", "neutral",
               "Tickets created in the period, merged duplicates included"),
    MetricSpec("solved", "Tickets solved", "solved", "count", "neutral",
               "Tickets first solved in the period (merged duplicates left out)"),
    *_times("first_response_time", "First response time", "FRT",
            "Creation to the first public agent reply, tickets created in the period",
            "first_response_time"),
    *_times("resolution_time", "Resolution time", "TTR",
            "Creation to the first solve, tickets first solved in the period", "resolution_time"),
    *_times("full_resolution_time", "Full resolution time", "full TTR",
            "Creation to the last solve, tickets whose last solve is in the period", None),
    MetricSpec("fcr", "First contact resolution", "FCR", "percent", "higher",
               "Solved with one agent turn: no customer follow-up after the first public agent "
               "reply, never reopened, never escalated or elevated", "fcr"),
    MetricSpec("one_touch", "One-touch tickets", "1-touch", "percent", "higher",
               "Solved tickets with exactly one public agent reply", "one_touch"),
    MetricSpec("reopen_rate", "Reopen rate", "reopen", "percent", "lower",
               "Solved tickets reopened since (by as_of)", "reopen_rate"),
    MetricSpec("csat", "CSAT", "CSAT", "percent", "higher",
               "Ratings of 4 or 5 out of all ratings (1-5) given in the period", "csat"),
    MetricSpec("csat_responses", "CSAT responses", "CSAT n", "count", "neutral",
               "CSAT ratings given in the period (the last per ticket)"),
    MetricSpec("nps", "Net promoter score", "NPS", "number", "higher",
               "% promoters (9-10) minus % detractors (0-6) of NPS answers in the period", "nps"),
    MetricSpec("nps_responses", "NPS responses", "NPS n", "count", "neutral",
               "NPS answers given in the period"),
    MetricSpec("ces", "Customer effort score", "CES", "number", "lower",
               "Mean effort score (1 = very low effort) of answers in the period", "ces"),
    MetricSpec("ces_responses", "CES responses", "CES n", "count", "neutral",
               "CES answers given in the period"),
    MetricSpec("escalation_rate", "Escalation rate (escalated or elevated)", "esc+elev",
               "percent", "range",
               "Tickets created in the period that were escalated or moved up a tier",
               "escalation_rate"),
    MetricSpec("true_escalation_rate", "True escalation rate", "true esc", "percent", "lower",
               "Tickets created in the period with a true escalation (policy escalation "
               "definition)", "escalation"),
    MetricSpec("elevation_rate", "Elevation rate", "elev", "percent", "neutral",
               "Tickets created in the period moved up a tier without a true escalation",
               "elevation_rate"),
    MetricSpec("sla_response", "First response SLA met", "SLA resp", "percent", "higher",
               "First-response clocks met out of those met or breached", "sla_response"),
    MetricSpec("sla_resolution", "Resolution SLA met", "SLA res", "percent", "higher",
               "Resolution clocks (every cycle) met out of those met or breached",
               "sla_resolution"),
    MetricSpec("backlog", "Backlog", "backlog", "count", "lower",
               "Tickets not solved at the end of the period", "backlog"),
    MetricSpec("backlog_age", "Backlog age (median)", "age", "seconds", "lower",
               "Median age (calendar time since creation) of the backlog", "backlog_age"),
    MetricSpec("backlog_age_mean", "Backlog age (mean)", "age avg", "seconds", "lower",
               "Mean age of the backlog"),
    MetricSpec("backlog_age_p90", "Backlog age (p90)", "age p90", "seconds", "lower",
               "90th percentile age of the backlog"),
    MetricSpec("queue_depth", "Queue depth", "queue", "count", "lower",
               "Tickets waiting for a first response at the end of the period", "queue_depth"),
    MetricSpec("queue_wait", "Queue wait (median)", "wait", "seconds", "lower",
               "Median time the queue has waited so far", "queue_wait"),
    MetricSpec("queue_wait_max", "Queue wait (longest)", "wait max", "seconds", "lower",
               "Longest wait in the queue"),
    MetricSpec("agent_days", "Agent-days", "agent-days", "count", "neutral",
               "Days on which an agent wrote a public reply"),
    MetricSpec("tickets_per_agent_day", "Tickets per agent per day", "per day", "number",
               "higher", "Tickets solved per agent-day", "tickets_per_agent_day"),
    MetricSpec("utilization", "Agent utilization", "util", "percent", "range",
               "Handle time of the solved tickets over the agent-days' hours (needs the "
               "policy's costs.handle_time)", "utilization"),
    MetricSpec("cost_per_ticket", "Cost per ticket", "cost", "number", "lower",
               "Agent-days x cost per agent-day over tickets solved (needs the policy's "
               "costs.agent_cost_per_year)", "cost_per_ticket"),
)  # fmt: skip
METRIC_NAMES = tuple(m.name for m in CATALOGUE)
COUNTS = tuple(m.name for m in CATALOGUE if m.unit == "count")
#: Measures built on agent-days: computed only by period, agent or team.
AGENT_MEASURES = ("agent_days", "tickets_per_agent_day", "utilization", "cost_per_ticket")
AGENT_SEGMENTS = frozenset({"agent", "team"})


@dataclass(frozen=True, slots=True)
class AgentCosts:
    """The policy's costs in the engine's terms (``None``: not given)."""

    cost_per_agent_day: float | None = None
    handle_time: int | None = None  # seconds per ticket
    hours_per_day: float = 8.0


# --------------------------------------------------------------------------- periods
@dataclass(frozen=True, slots=True)
class Periods:
    """Contiguous reporting periods ``[starts[i], ends[i])`` (epoch seconds), labelled by
    their first local day (``None`` for one period spanning the whole range)."""

    kind: Kind | None
    timezone: str
    starts: np.ndarray
    ends: np.ndarray
    labels: tuple[date | None, ...]
    as_of: int

    def __len__(self) -> int:
        return len(self.starts)

    def index(self, t: np.ndarray) -> np.ndarray:
        """The period of each instant; -1 outside every period or after ``as_of``."""
        t = np.asarray(t, dtype=np.int64)
        if not len(self.starts):
            return np.full(len(t), -1, dtype=np.int64)
        idx = np.searchsorted(self.starts, t, side="right") - 1
        safe = np.maximum(idx, 0)
        ok = (idx >= 0) & (t < self.ends[safe]) & (t <= self.as_of)
        return np.where(ok, idx, -1).astype(np.int64)

    @property
    def snapshots(self) -> np.ndarray:
        """The instant each period's state is taken: its last second, or ``as_of``."""
        snaps: np.ndarray = np.minimum(self.ends - 1, self.as_of).astype(np.int64)
        return snaps


def _midnight(day: date, tz: ZoneInfo) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=tz).timestamp())


def _truncate(day: date, kind: Kind) -> date:
    return day - timedelta(days=day.weekday()) if kind == "week" else day.replace(day=1)


def _next(day: date, kind: Kind) -> date:
    if kind == "week":
        return day + timedelta(days=7)
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def make_periods(
    kind: Kind | None,
    timezone: str,
    first: int,
    as_of: int,
    since: date | None = None,
    until: date | None = None,
) -> Periods:
    """Weeks (ISO: Monday to Sunday), months or one whole range, in local time of
    ``timezone``, from ``since`` (default: the local day of ``first``) through ``until``
    (inclusive; default: the day of ``as_of``)."""
    tz = ZoneInfo(timezone)
    end_day = datetime.fromtimestamp(as_of, tz).date()
    if until is not None:
        end_day = min(end_day, until)
    if kind is None:
        start = _midnight(since, tz) if since is not None else -(2**62)
        end = _midnight(until + timedelta(days=1), tz) if until is not None else as_of + 1
        return Periods(None, timezone, np.array([start]), np.array([end]), (None,), as_of)
    day = _truncate(since if since is not None else datetime.fromtimestamp(first, tz).date(), kind)
    starts, labels = [], []
    while day <= end_day:
        labels.append(day)
        starts.append(_midnight(day, tz))
        day = _next(day, kind)
    ends = [*starts[1:], _midnight(day, tz)]
    if since is not None and starts:  # a partial first period starts on ``since``
        starts[0] = max(starts[0], _midnight(since, tz))
    if until is not None and ends:
        ends[-1] = min(ends[-1], _midnight(until + timedelta(days=1), tz))
    return Periods(
        kind,
        timezone,
        np.asarray(starts, dtype=np.int64),
        np.asarray(ends, dtype=np.int64),
        tuple(labels),
        as_of,
    )


# --------------------------------------------------------------------------- aggregation
def _stats(column: str, name: str, where: pl.Expr | None = None) -> list[pl.Expr]:
    c = pl.col(column).cast(pl.Float64)
    if where is not None:
        c = c.filter(where)
    return [
        c.median().alias(name),
        c.mean().alias(f"{name}_mean"),
        c.quantile(0.9, "linear").alias(f"{name}_p90"),
    ]


def _times_of(stem: str, name: str, where: pl.Expr | None = None) -> list[pl.Expr]:
    return [*_stats(f"{stem}_bus", name, where), *_stats(f"{stem}_cal", f"{name}_calendar", where)]


def _rate(flag: pl.Expr, where: pl.Expr | None = None) -> pl.Expr:
    """The share of true values among the non-null ones (null when there are none)."""
    value = flag.cast(pl.Float64)
    return (value.filter(where) if where is not None else value).mean()


def _by_period(
    frame: pl.DataFrame, at: str, periods: Periods, keys: list[str], aggs: list[pl.Expr]
) -> pl.DataFrame:
    """``aggs`` over the rows of ``frame`` whose instant ``at`` falls in a period."""
    frame = frame.filter(pl.col(at).is_not_null())
    pidx = periods.index(frame[at].to_numpy())
    frame = frame.with_columns(pl.Series("pidx", pidx, dtype=pl.Int64)).filter(pl.col("pidx") >= 0)
    return frame.group_by(["pidx", *keys]).agg(aggs)


def _spans(frame: pl.DataFrame, start: str, stop: str, periods: Periods) -> pl.DataFrame:
    """One row per (row of ``frame``, period whose snapshot lies in ``[start, stop)``), with
    ``pidx`` and ``snap`` (the snapshot instant); a null ``stop`` never ends."""
    snaps = periods.snapshots
    a = frame[start].to_numpy()
    b = frame[stop].fill_null(2**62).to_numpy()
    lo = np.searchsorted(snaps, a, side="left")
    hi = np.searchsorted(snaps, b, side="left")
    out = (
        frame.with_columns(
            pl.int_ranges(pl.Series(lo, dtype=pl.Int64), pl.Series(hi, dtype=pl.Int64)).alias(
                "pidx"
            )
        )
        .explode("pidx")
        .filter(pl.col("pidx").is_not_null())
    )
    return out.with_columns(pl.Series("snap", snaps[out["pidx"].to_numpy()], dtype=pl.Int64))


def aggregate(
    facts: pl.DataFrame,
    cycles: pl.DataFrame,
    clocks: pl.DataFrame,
    activity: pl.DataFrame,
    periods: Periods,
    by: Sequence[str] = (),
    costs: AgentCosts = AgentCosts(),
) -> pl.DataFrame:
    """The scorecard rows: ``period`` (a date, or null for the whole range), the ``by``
    segments, then one Float64 column per :data:`CATALOGUE` entry (counts as Int64).

    * ``facts``: :func:`supportops.core.ticket_facts.ticket_facts`;
    * ``cycles``: resolution cycles ``tix, start, stop`` (stop -1 or null while open);
    * ``clocks``: SLA clocks ``ticket_id, metric, start, status`` (the engine's output);
    * ``activity``: agent-days ``agent, team, day, t`` (:func:`~supportops.core.
      ticket_facts.agent_activity`).
    """
    keys = list(by)
    live = ~pl.col("merged")
    parts: list[pl.DataFrame] = []

    parts.append(
        _by_period(
            facts,
            "created",
            periods,
            keys,
            [
                pl.len().alias("n_tickets"),
                *_times_of("frt", "first_response_time", live),
                _rate(pl.col("escalated") | pl.col("elevated"), live).alias("escalation_rate"),
                _rate(pl.col("escalated"), live).alias("true_escalation_rate"),
                _rate(pl.col("elevated") & ~pl.col("escalated"), live).alias("elevation_rate"),
            ],
        )
    )
    solved = facts.filter(live)
    parts.append(
        _by_period(
            solved,
            "first_solve",
            periods,
            keys,
            [
                pl.len().alias("solved"),
                *_times_of("ttr", "resolution_time"),
                _rate(pl.col("fcr")).alias("fcr"),
                _rate(pl.col("one_touch")).alias("one_touch"),
                _rate(pl.col("reopened")).alias("reopen_rate"),
            ],
        )
    )
    parts.append(
        _by_period(solved, "full_solve", periods, keys, _times_of("full", "full_resolution_time"))
    )
    score = {
        "csat": _rate(pl.col("csat") >= 4),
        "nps": ((pl.col("nps") >= 9).cast(pl.Float64).mean()
                - (pl.col("nps") <= 6).cast(pl.Float64).mean()) * 100,
        "ces": pl.col("ces").cast(pl.Float64).mean(),
    }  # fmt: skip
    for survey, expr in score.items():
        answered = facts.filter(pl.col(survey).is_not_null())
        parts.append(
            _by_period(
                answered,
                f"{survey}_at",
                periods,
                keys,
                [expr.alias(survey), pl.len().alias(f"{survey}_responses")],
            )
        )

    # ---- SLA compliance: met / (met + breached), by the clock's start
    segment_of = facts.select("ticket_id", *keys)
    done = clocks.filter(
        pl.col("metric").cast(pl.String).is_in(["first_response", "resolution"])
        & pl.col("status").cast(pl.String).is_in(["met", "breached"])
    ).select(
        "ticket_id",
        "start",
        (pl.col("metric").cast(pl.String) == "first_response").alias("fr"),
        (pl.col("status").cast(pl.String) == "met").alias("met"),
    )
    if keys:
        done = done.join(segment_of, on="ticket_id", how="inner")
    parts.append(
        _by_period(
            done,
            "start",
            periods,
            keys,
            [
                _rate(pl.col("met"), pl.col("fr")).alias("sla_response"),
                _rate(pl.col("met"), ~pl.col("fr")).alias("sla_resolution"),
            ],
        )
    )

    # ---- states at each period's snapshot: backlog and the first-response queue
    state_of = facts.select("tix", "created", *keys)
    open_cycles = cycles.select(
        "tix", "start", pl.when(pl.col("stop") >= 0).then(pl.col("stop")).alias("stop")
    ).join(state_of, on="tix", how="inner")
    backlog = _spans(open_cycles, "start", "stop", periods).with_columns(
        (pl.col("snap") - pl.col("created")).alias("age")
    )
    parts.append(
        backlog.group_by(["pidx", *keys]).agg(
            pl.col("tix").n_unique().alias("backlog"),
            *_stats("age", "backlog_age"),
        )
    )
    waiting = facts.filter(live).select(
        "tix",
        "created",
        *keys,
        pl.min_horizontal("first_reply", "first_solve").alias("answered"),
    )
    queue = _spans(waiting, "created", "answered", periods).with_columns(
        (pl.col("snap") - pl.col("created")).cast(pl.Float64).alias("wait")
    )
    parts.append(
        queue.group_by(["pidx", *keys]).agg(
            pl.len().alias("queue_depth"),
            pl.col("wait").median().alias("queue_wait"),
            pl.col("wait").max().alias("queue_wait_max"),
        )
    )

    # ---- agent-days (by period, agent or team only)
    agent_level = set(keys) <= AGENT_SEGMENTS
    if agent_level:
        parts.append(_by_period(activity, "t", periods, keys, [pl.len().alias("agent_days")]))

    rows = _join(parts, keys, periods)
    solved_n = pl.col("solved").cast(pl.Float64)
    days = pl.col("agent_days").cast(pl.Float64)
    per_day = pl.when(days > 0).then(solved_n / days)
    derived: list[pl.Expr] = []
    if agent_level:
        derived.append(per_day.alias("tickets_per_agent_day"))
        if costs.handle_time is not None:
            derived.append(
                pl.when(days > 0)
                .then(solved_n * costs.handle_time / (days * costs.hours_per_day * 3600))
                .alias("utilization")
            )
        if costs.cost_per_agent_day is not None:
            derived.append(
                pl.when(solved_n > 0)
                .then(days * costs.cost_per_agent_day / solved_n)
                .alias("cost_per_ticket")
            )
    rows = rows.with_columns(derived) if derived else rows
    return _finish(rows, keys, periods)


def _join(parts: list[pl.DataFrame], keys: list[str], periods: Periods) -> pl.DataFrame:
    on = ["pidx", *keys]
    parts = [p.with_columns(pl.col("pidx").cast(pl.Int64)) for p in parts]
    if not keys:  # every period appears, with or without data
        out = pl.DataFrame({"pidx": np.arange(len(periods), dtype=np.int64)})
        for p in parts:
            out = out.join(p, on="pidx", how="left")
        return out
    out = parts[0]
    for p in parts[1:]:
        out = out.join(p, on=on, how="full", coalesce=True, nulls_equal=True)
    return out


def _finish(rows: pl.DataFrame, keys: list[str], periods: Periods) -> pl.DataFrame:
    labels = pl.Series("period", list(periods.labels), dtype=pl.Date)
    rows = rows.with_columns(labels.gather(rows["pidx"].to_numpy()).alias("period"))
    cols: list[pl.Expr] = [pl.col("period").cast(pl.Date)]
    cols += [pl.col(k).cast(pl.String) for k in keys]
    for spec in CATALOGUE:
        value = pl.col(spec.name) if spec.name in rows.columns else pl.lit(None)
        if spec.unit == "count":
            value = value.cast(pl.Int64)
            if spec.name in rows.columns:
                value = value.fill_null(0)
        cols.append(value.cast(pl.Int64 if spec.unit == "count" else pl.Float64).alias(spec.name))
    out = rows.select(cols)
    return out.sort(["period", *keys], nulls_last=True)
