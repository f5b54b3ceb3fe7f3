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
from fractions import Fraction

import numpy as np
import polars as pl

from supportops.core.clock import AtClosing, Clock, Schedule
from supportops.core.timeline import FOREVER, SOLVED, Timelines, key, last_at, next_at, position

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


METRICS = tuple(m.value for m in Metric)
STATUSES = tuple(s.value for s in ClockStatus)
_CODE = {m: i for i, m in enumerate(METRICS)}
FR, NR, PU, RES, TOTAL = (_CODE[m.value] for m in Metric)


def clock_schema(ladder: Sequence[Level] = DEFAULT_LADDER) -> dict[str, pl.DataType]:
    """Columns of :func:`compute_clocks`' result, in order."""
    return {
        "ticket_id": pl.String(),
        "metric": pl.Enum(METRICS),
        "cycle": pl.Int32(),
        "instance": pl.Int32(),
        "calendar": pl.String(),
        "target_s": pl.Int64(),
        "start": pl.Int64(),
        "stop": pl.Int64(),
        "deadline": pl.Int64(),
        "elapsed_s": pl.Int64(),
        "paused_s": pl.Int64(),
        "status": pl.Enum(STATUSES),
        "level": pl.Enum([lv.name for lv in ladder]),
        **{f"{lv.name}_at": pl.Int64() for lv in ladder},
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
    Returns one row per clock instance, columns as :func:`clock_schema` (instants as epoch
    seconds, null where there is none; ``<level>_at`` is when each warning level was or will
    be crossed).
    """
    inst = _instances(tl, config, as_of)
    tgt = targets.sort("tix")
    if tgt.height != tl.tickets.height or not np.array_equal(
        tgt["tix"].to_numpy(), np.arange(tl.tickets.height)
    ):
        raise ValueError("targets needs exactly one row per ticket (tix 0..n-1)")
    per_metric = np.stack(
        [
            tgt[m].fill_null(-1).to_numpy().astype(np.int64)
            if m in tgt.columns
            else np.full(tgt.height, -1, dtype=np.int64)
            for m in METRICS
        ]
    )
    target = per_metric[inst["metric"], inst["tix"]]
    calendars, cal_code = np.unique(tgt["calendar"].to_numpy().astype(str), return_inverse=True)
    inst_cal = cal_code[inst["tix"]] if len(inst["tix"]) else np.zeros(0, dtype=np.int64)
    segs = _segments(inst, tl.periods, config, as_of)

    n = len(inst["tix"])
    cols: dict[str, np.ndarray] = {
        name: np.full(n, -1, dtype=np.int64)
        for name in (
            "deadline",
            "elapsed_s",
            "paused_s",
            *(f"{lv.name}_at" for lv in config.ladder),
        )
    }
    status = np.zeros(n, dtype=np.int8)
    level = np.full(n, -1, dtype=np.int8)
    created = tl.tickets["created"].to_numpy()
    lo = (int(created.min()) if len(created) else as_of) - 7 * 86_400
    for code, name in enumerate(calendars):
        if name not in schedules:
            raise KeyError(f"no schedule named {name!r}")
        rows = np.flatnonzero(inst_cal == code)
        clock = schedules[name].compile(lo, as_of + 90 * 86_400)
        _measure(inst, rows, target, segs, clock, config, as_of, cols, status, level)

    stop = inst["stop"]
    frame = pl.DataFrame(
        {
            "ticket_id": tl.tickets["ticket_id"].gather(inst["tix"]),
            "metric": pl.Series(inst["metric"]).replace_strict(
                dict(enumerate(METRICS)), return_dtype=pl.Enum(METRICS)
            ),
            "cycle": inst["cycle"],
            "instance": inst["instance"],
            "calendar": pl.Series(calendars.astype(object)[inst_cal], dtype=pl.String)
            if n
            else pl.Series([], dtype=pl.String),
            "target_s": target,
            "start": inst["start"],
            "stop": stop,
            **cols,
        }
    )
    nullable = ["target_s", "stop", *cols]
    frame = frame.with_columns(
        *[pl.when(pl.col(c) >= 0).then(pl.col(c)).alias(c) for c in nullable],
        pl.Series("status", status).replace_strict(
            dict(enumerate(STATUSES)), return_dtype=pl.Enum(STATUSES)
        ),
        pl.Series("level", level).replace_strict(
            {-1: None, **{i: lv.name for i, lv in enumerate(config.ladder)}},
            return_dtype=pl.Enum([lv.name for lv in config.ladder]),
        ),
    )
    return frame.select(list(clock_schema(config.ladder)))


# --------------------------------------------------------------------------- instances
Arrays = dict[str, np.ndarray]


def _instances(tl: Timelines, config: EngineConfig, as_of: int) -> Arrays:
    """Clock instances as arrays sorted by (tix, metric, start): tix, metric (code), cycle,
    instance (1-based within ticket and metric), start, stop (-1 while running)."""
    n = tl.tickets.height
    tix_all = np.arange(n, dtype=np.int64)
    created = tl.tickets["created"].to_numpy()
    r_tix = tl.replies["tix"].to_numpy()
    r_t = tl.replies["t"].to_numpy()
    is_agent = (tl.replies["role"] == "agent").to_numpy()
    a_tix, a_t = r_tix[is_agent], r_t[is_agent]
    c_tix = tl.cycles["tix"].to_numpy()
    c_start = tl.cycles["start"].to_numpy()
    c_stop = tl.cycles["stop"].to_numpy()
    c_cycle = tl.cycles["cycle"].to_numpy()

    parts: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    ones = np.ones(n, dtype=np.int32)
    parts.append((FR, tix_all, ones, created, next_at(tix_all, created, a_tix, a_t)))
    last_cycle = np.ones(len(c_tix), dtype=bool)
    last_cycle[:-1] = c_tix[1:] != c_tix[:-1]
    total_stop = c_stop[last_cycle]  # one last cycle per ticket, in tix order
    parts.append((TOTAL, tix_all, ones, created, total_stop))
    if config.reopen is Reopen.NEW_CYCLE:
        parts.append((RES, c_tix, c_cycle, c_start, c_stop))
    else:
        parts.append((RES, tix_all, ones, created, total_stop))

    p = tl.periods
    solved = p["status"].is_in(SOLVED).to_numpy()
    s_tix, s_t = p["tix"].to_numpy()[solved], p["start"].to_numpy()[solved]

    # Next reply: a customer message right after an agent's (the oldest unanswered one)
    # starts a clock that the next public agent reply stops, or the ticket's solve.
    prev_agent = np.insert((r_tix[1:] == r_tix[:-1]) & is_agent[:-1], 0, False)
    waiting = ~is_agent & prev_agent
    w_tix, w_t = r_tix[waiting], r_t[waiting]
    stop = _earliest(next_at(w_tix, w_t, a_tix, a_t), next_at(w_tix, w_t, s_tix, s_t))
    parts.append((NR, w_tix, _cycle_of(w_tix, w_t, c_tix, c_start, c_cycle), w_t, stop))
    # Periodic update: each public agent update starts a clock that the next one stops, or
    # the ticket's solve, whichever comes first.
    stop = _earliest(next_at(a_tix, a_t, a_tix, a_t, strict=True), next_at(a_tix, a_t, s_tix, s_t))
    keep = (stop < 0) | (stop > a_t)
    keep &= np.append(key(a_tix[1:], a_t[1:]) != key(a_tix[:-1], a_t[:-1]), True)
    u_tix, u_t = a_tix[keep], a_t[keep]
    parts.append((PU, u_tix, _cycle_of(u_tix, u_t, c_tix, c_start, c_cycle), u_t, stop[keep]))

    tix = np.concatenate([q[1] for q in parts]).astype(np.int64)
    metric = np.concatenate([np.full(len(q[1]), q[0], dtype=np.int64) for q in parts])
    cycle = np.concatenate([q[2] for q in parts]).astype(np.int32)
    start = np.concatenate([q[3] for q in parts]).astype(np.int64)
    stop = np.concatenate([q[4] for q in parts]).astype(np.int64)
    stop = np.where(stop > as_of, -1, stop)
    # one packed key (ticket, metric, start): tickets below 2**28, 8 metric codes, 2**32 s
    order = np.argsort((tix << 35) | (metric << 32) | np.clip(start, 0, FOREVER), kind="stable")
    inst = {
        "tix": tix[order],
        "metric": metric[order],
        "cycle": cycle[order],
        "start": start[order],
        "stop": stop[order],
    }
    inst["instance"] = position(inst["tix"], inst["metric"])
    if config.priority_change is PriorityChange.FROM_CHANGE and tl.priority_changes.height:
        _restart_at_priority_change(inst, tl.priority_changes, as_of)
    return inst


def _earliest(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise earliest of two instants where -1 means 'none'."""
    return np.where(a < 0, b, np.where(b < 0, a, np.minimum(a, b)))


def _cycle_of(
    tix: np.ndarray, t: np.ndarray, c_tix: np.ndarray, c_start: np.ndarray, c_cycle: np.ndarray
) -> np.ndarray:
    idx = last_at(tix, t, c_tix, c_start)
    return np.where(idx >= 0, c_cycle[np.maximum(idx, 0)], 1).astype(np.int32)


def _restart_at_priority_change(inst: Arrays, changes: pl.DataFrame, as_of: int) -> None:
    """With ``from_change``, a first-response or resolution clock whose priority changed
    while it ran restarts at the (last) change before its stop."""
    ch_tix = changes["tix"].to_numpy()
    ch_t = changes["t"].to_numpy()
    horizon = np.where(inst["stop"] >= 0, inst["stop"], as_of)
    idx = last_at(inst["tix"], horizon - 1, ch_tix, ch_t)  # strictly before the horizon
    last = np.where(idx >= 0, ch_t[np.maximum(idx, 0)], -1)
    affected = np.isin(inst["metric"], [FR, RES]) & (last > inst["start"])
    inst["start"] = np.where(affected, last, inst["start"])


# --------------------------------------------------------------------------- segments
def _segments(inst: Arrays, periods: pl.DataFrame, config: EngineConfig, as_of: int) -> Arrays:
    """Running segments of every instance: its span minus the periods that pause it.

    Returns ``iid, s, e`` sorted by (iid, s); every instance has at least one segment, and
    the last one of each instance ends at FOREVER.
    """
    p_tix = periods["tix"].to_numpy()
    p_start = periods["start"].to_numpy()
    p_end = periods["end"].to_numpy()
    p_status = periods["status"]
    n = len(inst["tix"])
    horizon = np.where(inst["stop"] >= 0, inst["stop"], as_of)
    ps_all, pe_all, iid_all = (
        [np.zeros(0, np.int64)],
        [np.zeros(0, np.int64)],
        [np.zeros(0, np.int64)],
    )
    for metric, statuses in config.pauses.items():
        # total resolution (and resolution with reopen: continue) is also paused while solved
        solved_pauses = metric == Metric.TOTAL_RESOLUTION or (
            metric == Metric.RESOLUTION and config.reopen is Reopen.CONTINUE
        )
        paused = set(statuses) | (set(SOLVED) if solved_pauses else set())
        rows = np.flatnonzero(inst["metric"] == _CODE[str(metric)])
        if not paused or not len(rows):
            continue
        sel = p_status.is_in(sorted(paused)).to_numpy()
        q_tix, q_s, q_e = p_tix[sel], p_start[sel], p_end[sel]
        lo = np.searchsorted(q_tix, inst["tix"][rows], side="left")
        hi = np.searchsorted(q_tix, inst["tix"][rows], side="right")
        counts = hi - lo
        rep = np.repeat(rows, counts)
        offs = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        j = np.repeat(lo, counts) + offs
        start, stop, h = inst["start"][rep], inst["stop"][rep], horizon[rep]
        ps = np.maximum(q_s[j], start)
        # a pause still on at as_of (and the clock still running) lasts until it ends
        current = (stop < 0) & (q_e[j] == FOREVER)
        pe = np.where(current, FOREVER, np.minimum(q_e[j], h))
        # a pause that began exactly at as_of is in force at as_of
        ok = (pe > ps) & ((ps < h) | current)
        ps_all.append(ps[ok])
        pe_all.append(pe[ok])
        iid_all.append(rep[ok])
    ps, pe, piid = (np.concatenate(x).astype(np.int64) for x in (ps_all, pe_all, iid_all))
    ids = np.arange(n, dtype=np.int64)
    # sort (instance, instant) pairs as single int64 keys: a plain sort, no lexsort
    s_keys = np.sort(key(np.concatenate([ids, piid]), np.concatenate([inst["start"], pe])))
    e_keys = np.sort(key(np.concatenate([piid, ids]), np.concatenate([ps, np.full(n, FOREVER)])))
    low = np.int64(FOREVER)
    return {"iid": s_keys >> 32, "s": s_keys & low, "e": e_keys & low}


# --------------------------------------------------------------------------- measuring
def _measure(
    inst: Arrays,
    rows: np.ndarray,
    target_all: np.ndarray,
    segs: Arrays,
    clock: Clock,
    config: EngineConfig,
    as_of: int,
    cols: dict[str, np.ndarray],
    status_out: np.ndarray,
    level_out: np.ndarray,
) -> None:
    """Measure the instances ``rows`` (all on ``clock``), writing into the output arrays."""
    if not len(rows):
        return
    # the segments of these instances (segments are grouped by instance id)
    if len(rows) == len(inst["tix"]):  # one calendar for all: every segment is ours
        s, e = segs["s"], segs["e"]
        counts = np.bincount(segs["iid"], minlength=len(rows))
    else:
        lo = np.searchsorted(segs["iid"], rows, side="left")
        hi = np.searchsorted(segs["iid"], rows, side="right")
        counts = hi - lo
        sel = np.repeat(lo, counts) + (
            np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        )
        s, e = segs["s"][sel], segs["e"][sel]
    first = np.cumsum(counts) - counts  # first segment of each instance, in s/e
    owner = np.repeat(np.arange(len(rows)), counts)

    stopped = inst["stop"][rows] >= 0
    horizon = np.where(stopped, inst["stop"][rows], as_of)
    target = target_all[rows]
    has_target = target >= 0

    # B(min(x, h)) = min(B(x), B(h)) as the business counter B never decreases: so three
    # passes over the calendar suffice (segment starts, segment ends, horizons)
    never = s >= FOREVER  # the segment after a pause that never ends
    open_ended = e >= FOREVER
    bs = clock.business(np.where(never, 0, s))
    be = clock.business(np.where(open_ended, 0, e))
    b_h = clock.business(horizon)
    cap = b_h[owner]
    full = np.where(open_ended, INF, np.maximum(be - bs, 0))
    full = np.where(never, 0, full)
    running = np.minimum(np.where(open_ended, cap, be), cap) - np.minimum(bs, cap)
    running = np.where(never, 0, np.maximum(running, 0))
    elapsed = np.add.reduceat(running, first)
    span = np.maximum(b_h - bs[first], 0)  # every first segment begins at the clock's start
    paused = np.maximum(span - elapsed, 0)

    g_after = np.cumsum(full, dtype=np.int64)
    g_before = g_after - full
    offset = g_before[first]
    last_seg = first + counts - 1

    def crossing(amount: np.ndarray) -> np.ndarray:
        """Instant at which each instance's running time reaches ``amount`` (or -1)."""
        goal = offset + amount
        k = np.searchsorted(g_after, goal, side="left")
        k = np.minimum(k, last_seg)  # stay within the instance's own segments
        ok = has_target & (g_after[k] >= goal)
        at = np.full(len(rows), -1, dtype=np.int64)
        if ok.any():
            kk = k[ok]
            t = clock.at_business(bs[kk] + (goal[ok] - g_before[kk]), config.at_closing)
            at[ok] = np.maximum(t, s[kk])
        return at

    cols["deadline"][rows] = crossing(np.maximum(target, 0))
    cols["elapsed_s"][rows] = elapsed
    cols["paused_s"][rows] = paused
    breached = has_target & (elapsed > target)
    # a running clock is paused when its last running segment starts after as_of
    in_pause = ~stopped & (s[last_seg] > horizon)
    status = np.where(
        ~has_target,
        STATUSES.index(ClockStatus.NOT_APPLICABLE),
        np.where(
            breached,
            STATUSES.index(ClockStatus.BREACHED),
            np.where(
                stopped,
                STATUSES.index(ClockStatus.MET),
                np.where(
                    in_pause,
                    STATUSES.index(ClockStatus.PAUSED),
                    STATUSES.index(ClockStatus.RUNNING),
                ),
            ),
        ),
    )
    status_out[rows] = status
    level = np.full(len(rows), -1, dtype=np.int8)
    for i, lv in enumerate(config.ladder):
        # ⌈fraction × target⌉ exactly (0.55 × 180 is 99.00000000000001 in floating point)
        share = Fraction(str(lv.fraction))
        amount = -((-np.maximum(target, 0) * share.numerator) // share.denominator)
        cols[f"{lv.name}_at"][rows] = crossing(amount)
        level = np.where(has_target & (elapsed > amount), i, level)
    level_out[rows] = level
