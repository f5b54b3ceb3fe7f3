"""The SLA engine: every ticket's clocks, computed for all tickets at once.

For each ticket and metric the engine builds clock *instances* (a resolution clock per
cycle, a next-reply clock per unanswered customer message, an update clock per public agent
update), cuts each instance's span into *running segments* (the span minus the periods whose
status pauses that metric), and measures the segments in business seconds on the instance's
calendar. A target is crossed in the first segment whose cumulative business time reaches it;
the deadline is found by inverting the calendar's business counter there. The same search
gives the instant of every warning level. This module prepares flat arrays and turns the
result into a frame; the loops over tickets and instances are compiled kernels
(:mod:`supportops.core.sla_kernels`) that run on every core, with no Python per ticket.

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
import pyarrow as pa

from supportops.core import sla_kernels as kernels
from supportops.core.clock import AtClosing, Schedule
from supportops.core.timeline import SOLVED, Timelines


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
    n = tl.tickets.height
    tgt = targets.sort("tix")
    if tgt.height != n or not np.array_equal(tgt["tix"].to_numpy(), np.arange(n)):
        raise ValueError("targets needs exactly one row per ticket (tix 0..n-1)")
    per_metric = np.stack(
        [
            tgt[m].fill_null(-1).to_numpy().astype(np.int64)
            if m in tgt.columns
            else np.full(n, -1, dtype=np.int64)
            for m in METRICS
        ]
    )
    names = tgt["calendar"].unique().sort()
    for name in names:
        if name not in schedules:
            raise KeyError(f"no schedule named {name!r}")
    cal_code = tgt["calendar"].cast(pl.Enum(names)).to_physical().to_numpy().astype(np.int64)
    p_bits = _period_bits(tl.periods, config)
    tix, metric, cycle, instance, start, stop, target, inst_cal = _instances(
        tl, config, as_of, per_metric, cal_code, p_bits
    )
    created = tl.tickets["created"].to_numpy()
    lo = (int(created.min()) if n else as_of) - 7 * 86_400
    ladder = [Fraction(str(lv.fraction)) for lv in config.ladder]
    most = max([Fraction(1), *ladder])
    clocks = []
    for code, name in enumerate(names):
        clock = schedules[name].compile(lo, as_of + 90 * 86_400)
        on_it = per_metric[:, cal_code == code]
        if on_it.size and int(on_it.max()) >= 0:
            # every deadline and warning instant lies within B(as_of) + the largest amount
            amount = -((-int(on_it.max()) * most.numerator) // most.denominator)
            clock.reach(int(clock.business(as_of)) + amount + 1)
        clocks.append(clock)
    starts, k_off = _flat([c.starts for c in clocks])

    p = tl.periods
    m = len(tix)
    out = np.empty((len(ladder) + 1, m), dtype=np.int64)  # deadline, then each level
    elapsed = np.empty(m, dtype=np.int64)
    paused_s = np.empty(m, dtype=np.int64)
    status = np.empty(m, dtype=np.int8)
    level = np.empty(m, dtype=np.int8)
    unreachable = np.zeros(m, dtype=np.int8)
    kernels.run(
        kernels.measure,
        m,
        tix,
        metric,
        start,
        stop,
        target,
        inst_cal,
        _offsets(p["tix"].to_numpy(), n),
        p["start"].to_numpy(),
        p["end"].to_numpy(),
        p_bits,
        k_off,
        starts,
        _flat([c.ends for c in clocks])[0],
        _flat([c.before for c in clocks])[0],
        _flat([c.after for c in clocks])[0],
        np.array([f.numerator for f in ladder], dtype=np.int64),
        np.array([f.denominator for f in ladder], dtype=np.int64),
        np.array(sorted(range(len(ladder) + 1), key=[Fraction(1), *ladder].__getitem__)),
        AtClosing(config.at_closing) is AtClosing.CLOSING,
        as_of,
        out,
        elapsed,
        paused_s,
        status,
        level,
        unreachable,
    )
    if unreachable.any():
        name = names[int(inst_cal[np.argmax(unreachable)])]
        raise ValueError(
            f"the schedule {name!r} has no business time in reach; check its windows and closures"
        )

    schema = clock_schema(config.ladder)
    # both text columns in one gather (Polars gathers the columns in parallel)
    text = pl.DataFrame([tl.tickets["ticket_id"], tgt["calendar"]])[tix]
    level_names = pl.Series([lv.name for lv in config.ladder], dtype=schema["level"])
    frame = pl.DataFrame(
        [
            text["ticket_id"],
            pl.Series("metric", METRICS, dtype=schema["metric"]).gather(metric),
            pl.Series("cycle", cycle),
            pl.Series("instance", instance),
            text["calendar"],
            _instants("target_s", target),
            pl.Series("start", start),
            _instants("stop", stop),
            _instants("deadline", out[0]),
            pl.Series("elapsed_s", elapsed),
            pl.Series("paused_s", paused_s),
            pl.Series("status", STATUSES, dtype=schema["status"]).gather(status),
            level_names.gather(np.maximum(level, 0)).alias("level"),
            *(_instants(f"{lv.name}_at", out[1 + i]) for i, lv in enumerate(config.ladder)),
        ]
    )
    if (level < 0).any():
        frame = frame.with_columns(pl.when(pl.Series(level >= 0)).then(pl.col("level")))
    return frame


def _flat(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Arrays end to end, and where each begins (n + 1 offsets)."""
    off = np.zeros(len(parts) + 1, dtype=np.int64)
    off[1:] = np.cumsum([len(x) for x in parts])
    flat = np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)
    return flat, off


def _instants(name: str, values: np.ndarray) -> pl.Series:
    """An Int64 column of the kernels' values, null where they are -1 (none): the values
    shared with Arrow, not copied, plus a validity bitmap."""
    valid = values >= 0
    if valid.all():
        return pl.Series(name, values)
    values = np.ascontiguousarray(values)
    bitmap = np.packbits(valid, bitorder="little")
    array = pa.Array.from_buffers(
        pa.int64(), len(values), [pa.py_buffer(bitmap), pa.py_buffer(values)]
    )
    return pl.Series(name, array)


def _offsets(sorted_tix: np.ndarray, n: int) -> np.ndarray:
    """Where each ticket's rows begin in an array sorted by ticket (CSR offsets, n + 1)."""
    off = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(sorted_tix, minlength=n), out=off[1:])
    return off


#: the bit of a period whose status is solved or closed (bits 0..4: the metrics it pauses)
SOLVED_BIT = 1 << 7


def _period_bits(periods: pl.DataFrame, config: EngineConfig) -> np.ndarray:
    """Per status period: bit ``m`` set when its status pauses metric ``m``, and
    :data:`SOLVED_BIT` when it is solved or closed. One lookup per distinct status."""
    bits = {
        name: SOLVED_BIT if name in SOLVED else 0
        for name in periods["status"].unique().drop_nulls().to_list()
    }
    for name, statuses in config.pauses.items():
        # total resolution (and resolution with reopen: continue) is also paused while solved
        solved_pauses = name == Metric.TOTAL_RESOLUTION or (
            name == Metric.RESOLUTION and config.reopen is Reopen.CONTINUE
        )
        for status_name in set(statuses) | (set(SOLVED) if solved_pauses else set()):
            if status_name in bits:
                bits[status_name] |= 1 << _CODE[str(name)]
    if not periods.height:
        return np.zeros(0, dtype=np.int64)
    codes = periods["status"].replace_strict(bits, default=0, return_dtype=pl.Int64)
    return codes.fill_null(0).to_numpy()


def _instances(
    tl: Timelines,
    config: EngineConfig,
    as_of: int,
    per_metric: np.ndarray,
    cal: np.ndarray,
    p_bits: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """Clock instances sorted by (tix, metric, start): tix, metric (code), cycle, instance
    (1-based within ticket and metric), start, stop (-1 while running), target (-1: none)
    and calendar (code), given each ticket's targets (metric × ticket) and calendar."""
    n = tl.tickets.height
    r_tix = tl.replies["tix"].to_numpy()
    r_t = tl.replies["t"].to_numpy()
    is_agent = (tl.replies["role"] == "agent").to_numpy()
    c_tix = tl.cycles["tix"].to_numpy()
    periods = tl.periods
    solved = (p_bits & SOLVED_BIT) != 0
    s_tix = periods["tix"].to_numpy()[solved]
    q = tl.priority_changes
    from_change = config.priority_change is PriorityChange.FROM_CHANGE and q.height > 0
    created = tl.tickets["created"].to_numpy()
    ticket_arrays = (
        created,
        _offsets(c_tix, n),
        tl.cycles["start"].to_numpy(),
        tl.cycles["stop"].to_numpy(),
        tl.cycles["cycle"].to_numpy().astype(np.int32),
        _offsets(r_tix, n),
        r_t,
        is_agent,
        _offsets(r_tix[is_agent], n),
        r_t[is_agent],
        _offsets(s_tix, n),
        periods["start"].to_numpy()[solved],
    )
    new_cycle = config.reopen is Reopen.NEW_CYCLE
    changes = (
        _offsets(q["tix"].to_numpy(), n),
        q["t"].to_numpy(),
        new_cycle,
        from_change,
        as_of,
        per_metric,
        cal,
    )
    off = np.zeros(n + 1, dtype=np.int64)
    none64, none32 = np.zeros(0, np.int64), np.zeros(0, np.int32)
    outputs: tuple[np.ndarray, ...] = (none64,) * 2 + (none32,) * 2 + (none64,) * 4
    kernels.run(kernels.instances, n, False, off, *ticket_arrays, *changes, *outputs)
    np.cumsum(off, out=off)
    m = int(off[-1])
    outputs = tuple(np.empty(m, dtype=x.dtype) for x in outputs)
    kernels.run(kernels.instances, n, True, off, *ticket_arrays, *changes, *outputs)
    return outputs
