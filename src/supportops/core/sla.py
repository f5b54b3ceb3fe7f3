"""The SLA engine: every ticket's clocks, vectorized over all tickets.

For each ticket and metric the engine builds clock *instances* (a resolution clock per
cycle, a next-reply clock per unanswered customer message, an update clock per public agent
update), cuts each instance's span into *running segments* (the span minus the periods whose
status pauses that metric), and measures the segments in business seconds on the instance's
calendar. A target is crossed in the first segment whose cumulative business time reaches it;
the deadline is found by inverting the calendar's business counter there. The same search
gives the instant of every warning level. All of it is column arithmetic: joins, sorts,
cumulative sums and binary searches; no Python loop per ticket.

Conventions (the policy chooses them; docs/sla.md explains them):

* elapsed time is business time that was *running*; a target is breached when running time
  exceeds it (meeting it at exactly the deadline counts as met);
* a warning level is reached when running time passes ``fraction × target``;
* after an instance stops, or after ``as_of``, the clock is assumed to keep its current state:
  a clock that is paused at ``as_of`` has no deadline until it resumes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import polars as pl

from supportops.core.clock import AtClosing, Clock, Schedule
from supportops.core.timeline import FOREVER, SOLVED, Timelines

INF = 2**40  # business seconds of a segment that never ends (35,000 years)


class Metric(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_REPLY = "next_reply"
    PERIODIC_UPDATE = "periodic_update"
    RESOLUTION = "resolution"
    TOTAL_RESOLUTION = "total_resolution"


class ClockStatus(StrEnum):
    MET = "met"
    BREACHED = "breached"
    RUNNING = "running"
    PAUSED = "paused"
    NOT_APPLICABLE = "not_applicable"


class PriorityChange(StrEnum):
    FROM_CREATION = "from_creation"  # the new target counts from the clock's start
    FROM_CHANGE = "from_change"  # the new target counts from the change


class Reopen(StrEnum):
    NEW_CYCLE = "new_cycle"  # a reopened ticket gets a new resolution clock
    CONTINUE = "continue"  # the resolution clock resumes where it stopped


@dataclass(frozen=True, slots=True)
class Level:
    name: str
    fraction: float
    action: str = ""


DEFAULT_LADDER = (
    Level("yellow", 0.5, "Visible in queue view"),
    Level("orange", 0.8, "Alert to assignee"),
    Level("red", 0.9, "Alert to team lead"),
    Level("breach", 1.0, "Manager notification, escalation"),
    Level("severe", 2.0, "Director notification"),
)


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """What the policy decides, in the engine's terms."""

    pauses: Mapping[str, frozenset[str]] = field(
        default_factory=lambda: {
            Metric.FIRST_RESPONSE: frozenset(),
            Metric.NEXT_REPLY: frozenset({"pending"}),
            Metric.PERIODIC_UPDATE: frozenset({"pending", "on_hold"}),
            Metric.RESOLUTION: frozenset({"pending", "on_hold"}),
            Metric.TOTAL_RESOLUTION: frozenset({"pending", "on_hold"}),
        }
    )
    ladder: Sequence[Level] = DEFAULT_LADDER
    at_closing: AtClosing = AtClosing.CLOSING
    priority_change: PriorityChange = PriorityChange.FROM_CREATION
    reopen: Reopen = Reopen.NEW_CYCLE


CLOCK_SCHEMA = {
    "ticket_id": pl.String,
    "metric": pl.String,
    "cycle": pl.Int32,
    "instance": pl.Int32,
    "calendar": pl.String,
    "target_s": pl.Int64,
    "start": pl.Int64,
    "stop": pl.Int64,
    "deadline": pl.Int64,
    "elapsed_s": pl.Int64,
    "paused_s": pl.Int64,
    "status": pl.String,
    "level": pl.String,
}


def compute_clocks(
    tl: Timelines,
    targets: pl.DataFrame,
    schedules: Mapping[str, Schedule],
    config: EngineConfig,
    as_of: int,
) -> pl.DataFrame:
    """All clocks of all tickets at ``as_of`` (epoch seconds).

    ``targets`` has one row per ticket: ``tix``, ``calendar`` and one nullable Int64 column of
    target business seconds per :class:`Metric` (null: the metric does not apply).
    Returns one row per clock instance (see :data:`CLOCK_SCHEMA`, plus ``<level>_at`` columns:
    the instant each warning level was or will be crossed).
    """
    inst = _instances(tl, config, as_of)
    inst = _attach_targets(inst, targets)
    inst = inst.with_row_index("iid").with_columns(pl.col("iid").cast(pl.Int64))
    segs = _segments(inst, tl.periods, config, as_of)
    parts = []
    lo = min(int(tl.tickets["created"].min() or as_of), as_of) - 7 * 86_400
    for (calendar,), group in inst.group_by(["calendar"], maintain_order=True):
        if calendar not in schedules:
            raise KeyError(f"no schedule named {calendar!r}")
        clock = schedules[str(calendar)].compile(lo, as_of + 90 * 86_400)
        seg = segs.join(group.select("iid"), on="iid", how="semi")
        parts.append(_measure(group, seg, clock, config, as_of))
    level_cols = [f"{lv.name}_at" for lv in config.ladder]
    if not parts:
        return pl.DataFrame(schema={**CLOCK_SCHEMA, **dict.fromkeys(level_cols, pl.Int64)})
    out = pl.concat(parts).sort("iid")
    return out.join(tl.tickets.select("tix", "ticket_id"), on="tix").select(
        *CLOCK_SCHEMA, *level_cols
    )


# --------------------------------------------------------------------------- instances
def _instances(tl: Timelines, config: EngineConfig, as_of: int) -> pl.DataFrame:
    """One row per clock instance: tix, metric, cycle, start, stop (null while running)."""
    tk = tl.tickets.select("tix", pl.col("created").alias("start"))
    agent = tl.replies.filter(pl.col("role") == "agent").select("tix", pl.col("t").alias("stop"))
    first_response = (
        tk.sort("start")
        .join_asof(
            agent.sort("stop"),
            left_on="start",
            right_on="stop",
            by="tix",
            strategy="forward",
            check_sortedness=False,
        )  # fmt: skip
        .with_columns(
            pl.lit(Metric.FIRST_RESPONSE.value).alias("metric"), pl.lit(1, pl.Int32).alias("cycle")
        )
    )
    cycles = tl.cycles
    last = cycles.group_by("tix").agg(pl.col("stop").last().alias("stop"))
    total = tk.join(last, on="tix", how="left").with_columns(
        pl.lit(Metric.TOTAL_RESOLUTION.value).alias("metric"), pl.lit(1, pl.Int32).alias("cycle")
    )
    if config.reopen is Reopen.NEW_CYCLE:
        resolution = cycles.with_columns(pl.lit(Metric.RESOLUTION.value).alias("metric"))
    else:
        resolution = total.with_columns(pl.lit(Metric.RESOLUTION.value).alias("metric"))

    # Next reply: a customer message that follows an agent reply (the oldest unanswered one)
    # starts a clock that the next public agent reply stops.
    r = tl.replies
    prev_role = pl.when(pl.col("tix").shift(1) == pl.col("tix")).then(pl.col("role").shift(1))
    waiting = (
        r.with_columns(prev_role.alias("prev"))
        .filter((pl.col("role") == "customer") & (pl.col("prev") == "agent"))
        .select("tix", pl.col("t").alias("start"))
    )
    next_reply = _stop_at_next(waiting, agent, strict=False).with_columns(
        pl.lit(Metric.NEXT_REPLY.value).alias("metric")
    )
    # Periodic update: each public agent update starts a clock that the next one stops, or
    # the ticket's solve.
    solves = tl.periods.filter(pl.col("status").is_in(SOLVED)).select(
        "tix", pl.col("start").alias("stop")
    )
    updates = agent.rename({"stop": "start"})
    nxt = _stop_at_next(updates, agent, strict=True)
    by_solve = _stop_at_next(updates, solves, strict=False).rename({"stop": "solve"})
    periodic = (
        nxt.join(by_solve, on=["tix", "start"], how="left")
        .with_columns(pl.min_horizontal("stop", "solve").alias("stop"))
        .drop("solve")
        .unique(["tix", "start"], keep="first", maintain_order=True)
        .filter(pl.col("stop").is_null() | (pl.col("stop") > pl.col("start")))
        .with_columns(pl.lit(Metric.PERIODIC_UPDATE.value).alias("metric"))
    )
    with_cycle = [_cycle_of(frame, cycles) for frame in (next_reply, periodic)]
    cols = ["tix", "metric", "cycle", "start", "stop"]
    inst = pl.concat(
        [
            f.select(
                pl.col("tix"),
                pl.col("metric"),
                pl.col("cycle").cast(pl.Int32),
                pl.col("start"),
                pl.col("stop"),
            )  # fmt: skip
            for f in (first_response, resolution, total, *with_cycle)
        ]
    ).select(cols)
    inst = inst.with_columns(
        pl.when(pl.col("stop") <= as_of).then(pl.col("stop")).alias("stop"),
        pl.int_range(pl.len()).over("tix", "metric").cast(pl.Int32).add(1).alias("instance"),
    )
    if config.priority_change is PriorityChange.FROM_CHANGE and tl.priority_changes.height:
        inst = _restart_at_priority_change(inst, tl.priority_changes, as_of)
    return inst


def _stop_at_next(starts: pl.DataFrame, stops: pl.DataFrame, *, strict: bool) -> pl.DataFrame:
    """Each start's first stop at (or, strictly, after) it, by ticket."""
    return starts.sort("start").join_asof(
        stops.sort("stop"),
        left_on="start",
        right_on="stop",
        by="tix",
        strategy="forward",
        allow_exact_matches=not strict,
        check_sortedness=False,
    )


def _cycle_of(frame: pl.DataFrame, cycles: pl.DataFrame) -> pl.DataFrame:
    return frame.sort("start").join_asof(
        cycles.select("tix", "cycle", pl.col("start").alias("cstart")).sort("cstart"),
        left_on="start",
        right_on="cstart",
        by="tix",
        strategy="backward",
        check_sortedness=False,
    )


def _restart_at_priority_change(
    inst: pl.DataFrame, changes: pl.DataFrame, as_of: int
) -> pl.DataFrame:
    """With ``from_change``, a first-response or resolution clock whose priority changed
    while it ran restarts at the (last) change."""
    horizon = pl.coalesce("stop", pl.lit(as_of))
    keyed = inst.with_columns(horizon.alias("_h"))
    last_change = keyed.sort("_h").join_asof(
        changes.select("tix", pl.col("t").alias("_chg")).sort("_chg"),
        left_on="_h",
        right_on="_chg",
        by="tix",
        strategy="backward",
        check_sortedness=False,
    )
    affected = pl.col("metric").is_in([Metric.FIRST_RESPONSE.value, Metric.RESOLUTION.value])
    moved = (
        pl.when(affected & (pl.col("_chg") > pl.col("start")))
        .then(pl.col("_chg"))
        .otherwise(pl.col("start"))
    )
    return (
        last_change.with_columns(moved.alias("start"))
        .drop("_h", "_chg")
        .sort("tix", "metric", "cycle", "instance")
    )


def _attach_targets(inst: pl.DataFrame, targets: pl.DataFrame) -> pl.DataFrame:
    long = targets.unpivot(
        index=["tix", "calendar"], on=[m.value for m in Metric if m.value in targets.columns],
        variable_name="metric", value_name="target_s",
    )  # fmt: skip
    return (
        inst.join(long, on=["tix", "metric"], how="left")
        .with_columns(
            pl.col("target_s").cast(pl.Int64),
        )
        .sort("tix", "metric", "cycle", "instance")
    )


# --------------------------------------------------------------------------- segments
def _segments(
    inst: pl.DataFrame, periods: pl.DataFrame, config: EngineConfig, as_of: int
) -> pl.DataFrame:
    """Running segments ``iid, s, e`` of every instance: its span minus paused periods."""
    pieces = []
    for metric, statuses in config.pauses.items():
        paused = set(statuses)
        if metric == Metric.TOTAL_RESOLUTION:
            paused |= set(SOLVED)
        if not paused:
            continue
        mine = inst.filter(pl.col("metric") == str(metric)).select("iid", "tix", "start", "stop")
        if mine.height == 0:
            continue
        p = periods.filter(pl.col("status").is_in(sorted(paused)))
        joined = mine.join(p.rename({"start": "ps", "end": "pe"}), on="tix", how="inner")
        horizon = pl.coalesce("stop", pl.lit(as_of))
        clipped = joined.with_columns(
            pl.max_horizontal("ps", "start").alias("ps"),
            # a pause still on at as_of (and the clock still running) lasts until it ends
            pl.when(pl.col("stop").is_null() & (pl.col("pe") == FOREVER))
            .then(pl.lit(FOREVER))
            .otherwise(pl.min_horizontal("pe", horizon))
            .alias("pe"),
        ).filter((pl.col("pe") > pl.col("ps")) & (pl.col("ps") < horizon))
        pieces.append(clipped.select("iid", "ps", "pe"))
    pauses = (
        pl.concat(pieces)
        if pieces
        else pl.DataFrame(schema={"iid": pl.Int64, "ps": pl.Int64, "pe": pl.Int64})
    )
    starts = pl.concat(
        [
            inst.select("iid", pl.col("start").alias("s")),
            pauses.select("iid", pl.col("pe").alias("s")),
        ]
    ).sort("iid", "s")
    ends = pl.concat(
        [
            pauses.select("iid", pl.col("ps").alias("e")),
            inst.select("iid", pl.lit(FOREVER, pl.Int64).alias("e")),
        ]  # fmt: skip
    ).sort("iid", "e")
    return pl.concat([starts, ends.select("e")], how="horizontal")


# --------------------------------------------------------------------------- measuring
def _measure(
    inst: pl.DataFrame, seg: pl.DataFrame, clock: Clock, config: EngineConfig, as_of: int
) -> pl.DataFrame:
    iid = seg["iid"].to_numpy()
    s = seg["s"].to_numpy()
    e = seg["e"].to_numpy()
    ids = inst["iid"].to_numpy()
    start = inst["start"].to_numpy()
    stop_col = inst["stop"]
    stopped = stop_col.is_not_null().to_numpy()
    horizon = np.where(stopped, stop_col.fill_null(0).to_numpy(), as_of).astype(np.int64)

    # where each instance's segments begin in the segment arrays
    first = np.searchsorted(iid, ids, side="left")
    seg_of = np.searchsorted(ids, iid)  # instance row of each segment
    h = horizon[seg_of]

    bs = clock.business(np.minimum(s, FOREVER - 1))
    open_ended = e >= FOREVER
    be = np.where(open_ended, 0, clock.business(np.where(open_ended, 0, e)))
    full = np.where(open_ended, INF, np.maximum(be - bs, 0)).astype(np.int64)
    full = np.where(s >= FOREVER, 0, full)  # a pause that never ends leaves nothing after it
    running = np.maximum(clock.business(np.minimum(e, h)) - clock.business(np.minimum(s, h)), 0)
    elapsed = np.add.reduceat(running, first) if len(running) else np.zeros(0, np.int64)
    span = np.maximum(clock.business(horizon) - clock.business(start), 0)
    paused = np.maximum(span - elapsed, 0)

    g_after = np.cumsum(full, dtype=np.int64)
    g_before = g_after - full
    offset = g_before[first]

    target = inst["target_s"].fill_null(-1).to_numpy()
    has_target = target >= 0

    def crossing(amount: np.ndarray) -> np.ndarray:
        """Instant at which each instance's running time reaches ``amount`` (or -1)."""
        goal = offset + amount
        k = np.searchsorted(g_after, goal, side="left")
        k = np.minimum(k, len(g_after) - 1)
        ok = has_target & (iid[k] == ids) & (g_after[k] >= goal)
        rem = goal - g_before[k]
        at = np.full(len(ids), -1, dtype=np.int64)
        if ok.any():
            base = bs[k[ok]] + rem[ok]
            t = clock.at_business(base, config.at_closing)
            at[ok] = np.maximum(t, s[k[ok]])
        return at

    deadline = crossing(np.maximum(target, 0))
    breached = has_target & (elapsed > target)
    # A running clock is paused when its last running segment starts after as_of: the pause
    # it is in has not ended.
    last_seg = np.append(first[1:], len(iid)) - 1
    in_pause = ~stopped & (s[last_seg] > horizon)
    status = np.where(
        ~has_target,
        ClockStatus.NOT_APPLICABLE.value,
        np.where(
            breached,
            ClockStatus.BREACHED.value,
            np.where(
                stopped,
                ClockStatus.MET.value,
                np.where(in_pause, ClockStatus.PAUSED.value, ClockStatus.RUNNING.value),
            ),
        ),
    )
    level = np.full(len(ids), "", dtype=object)
    extra = {}
    for lv in config.ladder:
        amount = np.ceil(np.maximum(target, 0) * lv.fraction).astype(np.int64)
        at = crossing(amount)
        extra[f"{lv.name}_at"] = pl.Series(f"{lv.name}_at", at).replace(-1, None)
        level = np.where(has_target & (elapsed > amount), lv.name, level)
    return inst.select(
        "iid", "tix", "metric", "cycle", "instance", "calendar", "target_s", "start", "stop"
    ).with_columns(  # fmt: skip
        pl.Series("deadline", deadline).replace(-1, None),
        pl.Series("elapsed_s", elapsed.astype(np.int64)),
        pl.Series("paused_s", paused.astype(np.int64)),
        pl.Series("status", status.astype(str)),
        pl.Series("level", level.astype(str)).replace("", None),
        **extra,
    )
