"""SLA benchmarks: the business clock against its peers, and the engine at scale.

    pip install -e ".[bench]"
    python benchmarks/sla.py [--pairs 100000] [--tickets 1000000]

1. Business clock: the same (start, end) pairs and the same calendar (Mon–Fri 09:00–18:00
   America/New_York with US federal holidays from the holidays package) through supportops'
   vectorized clock, businesstimedelta and pandas' CustomBusinessHour: elapsed business
   time (supportops vs businesstimedelta) and deadlines N business hours after a start
   (all three). Prints throughput, ratios, and
   whether the answers agree. Instants fall in January–February 2026 (no DST change inside,
   which pandas' naive-time offsets cannot express).
2. SLA engine: a year of a large team (1M tickets, ~10M events) built as columns, then
   ``derive`` (events to timelines) and ``compute_clocks`` (the clocks), ``--runs`` times;
   prints the best and median tickets/s of each and of both, and the process's peak
   memory. First, the cost of the engine's first call in a new process: its Numba kernels
   compiled (the first run after installing) and loaded from their cache (later runs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import polars as pl

from supportops.core.clock import Closure, Schedule
from supportops.core.sla import EngineConfig, Metric, compute_clocks
from supportops.core.sla_kernels import THREADS
from supportops.core.timeline import Timelines, derive

H = 3600
NY = ZoneInfo("America/New_York")
US = holidays.country_holidays("US", years=range(2020, 2031))
HOLIDAYS = sorted(US)


def schedule() -> Schedule:
    return Schedule(
        tz=NY,
        windows=(((9 * H, 18 * H),),) * 5 + ((), ()),
        closures=tuple(Closure.day(d) for d in HOLIDAYS),
        name="business",
    )


def pairs(n: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lo = int(dt.datetime(2026, 1, 2, tzinfo=NY).timestamp())
    hi = int(dt.datetime(2026, 2, 20, tzinfo=NY).timestamp())
    a = rng.integers(lo, hi, n)
    b = a + rng.integers(0, 7 * 86400, n)
    return a.astype(np.int64), b.astype(np.int64)


def timed(fn, *args):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t


def bench_clock(n: int) -> None:
    import businesstimedelta as btd
    import pandas as pd
    import pytz

    a, b = pairs(n)
    clock = schedule().compile(int(a.min()) - 86400, int(b.max()) + 30 * 86400)
    # -- elapsed ------------------------------------------------------------------------
    ours, t_ours = timed(clock.elapsed, a, b)
    tz = pytz.timezone("America/New_York")
    rules = btd.Rules(
        [
            btd.WorkDayRule(
                start_time=dt.time(9), end_time=dt.time(18), working_days=[0, 1, 2, 3, 4], tz=tz
            ),
            btd.HolidayRule(US, tz=tz),  # its documented use: a holidays object
        ]
    )
    starts = [dt.datetime.fromtimestamp(int(x), tz) for x in a]
    ends = [dt.datetime.fromtimestamp(int(x), tz) for x in b]

    def btd_elapsed() -> list[int]:
        out = []
        for s, e in zip(starts, ends, strict=True):
            d = rules.difference(s, e)
            out.append(int(d.hours * 3600 + d.seconds))
        return out

    theirs, t_btd = timed(btd_elapsed)
    agree = int(np.sum(np.asarray(theirs) == ours))
    print(f"elapsed, {n:,} pairs")
    print(f"  supportops        {n / t_ours:>14,.0f} pairs/s")
    print(f"  businesstimedelta {n / t_btd:>14,.0f} pairs/s   ratio {t_btd / t_ours:>8,.0f}x")
    print(f"  answers agree on {agree:,} of {n:,}")

    # -- deadlines: whole business hours after each start ----------------------------------
    hours = (np.arange(n) % 40 + 1).astype(np.int64)
    ours_d, t_ours_d = timed(clock.deadline, a, hours * H)

    def btd_deadline() -> list[int]:
        return [
            int((s + btd.BusinessTimeDelta(rules, hours=int(h))).timestamp())
            for s, h in zip(starts, hours, strict=True)
        ]

    theirs_d, t_btd_d = timed(btd_deadline)
    m = min(n, 5_000)  # pandas offsets are applied one by one: a sample is enough
    cbh = pd.offsets.CustomBusinessHour(start="09:00", end="18:00", holidays=HOLIDAYS)
    local = [s.replace(tzinfo=None) for s in starts[:m]]

    def pandas_deadline() -> list[int]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = []
            for s, h in zip(local, hours[:m], strict=True):
                ts = pd.Timestamp(s) + int(h) * cbh
                out.append(int(ts.tz_localize("America/New_York").timestamp()))
            return out

    pandas_d, t_pd = timed(pandas_deadline)
    print(f"deadline after 1-40 business hours, {n:,} starts (pandas: {m:,})")
    print(f"  supportops        {n / t_ours_d:>14,.0f} deadlines/s")
    print(
        f"  businesstimedelta {n / t_btd_d:>14,.0f} deadlines/s   ratio "
        f"{(t_btd_d / n) / (t_ours_d / n):>8,.0f}x"
    )
    print(
        f"  pandas CBH        {m / t_pd:>14,.0f} deadlines/s   ratio "
        f"{(t_pd / m) / (t_ours_d / n):>8,.0f}x"
    )
    # Where a deadline lands exactly on a closing time, pandas rolls to the next opening and
    # businesstimedelta keeps the closing instant: compare on supportops' matching setting.
    nxt = clock.deadline(a[:m], hours[:m] * H, "next_opening")
    print(
        f"  agree with businesstimedelta on {int(np.sum(np.asarray(theirs_d) == ours_d)):,} of "
        f"{n:,}; with pandas on {int(np.sum(np.asarray(pandas_d) == nxt)):,} of {m:,} "
        "(at_closing: next_opening)"
    )


def synthetic_timelines(n: int, seed: int = 5) -> tuple[pl.DataFrame, pl.DataFrame]:
    """n tickets with 10 events each: created, new, agent reply, pending, customer reply,
    open, internal note, agent reply, solved, csat — at random business-ish offsets."""
    rng = np.random.default_rng(seed)
    lo = int(dt.datetime(2025, 1, 1, tzinfo=dt.UTC).timestamp())
    created = np.sort(rng.integers(lo, lo + 365 * 86400, n)).astype(np.int64)
    steps = rng.integers(60, 20 * H, (n, 9)).cumsum(axis=1)
    ids = pl.Series("ticket_id", [f"b:{i:07d}" for i in range(n)])
    tickets = pl.DataFrame({"id": ids, "created_at": created * 1_000_000}).with_columns(
        pl.col("created_at").cast(pl.Datetime("us", "UTC"))
    )
    kinds = [
        "created",
        "status",
        "comment",
        "status",
        "comment",
        "status",
        "comment",
        "comment",
        "status",
        "csat",
    ]
    values = [None, "new", None, "pending", None, "open", None, None, "solved", None]
    roles = [None, None, "agent", None, "customer", None, "agent", "agent", None, None]
    public = [None, None, True, None, True, None, False, True, None, None]
    offsets = np.concatenate([np.zeros((n, 2), dtype=np.int64), steps[:, :8]], axis=1)
    at = (created[:, None] + offsets).ravel()
    one = pl.DataFrame(
        {"kind": kinds, "value": values, "actor_role": roles, "public": public},
        schema={
            "kind": pl.String,
            "value": pl.String,
            "actor_role": pl.String,
            "public": pl.Boolean,
        },
    )
    events = pl.concat([one] * n, rechunk=True).with_columns(
        pl.Series("ticket_id", np.repeat(ids.to_numpy(), 10)),
        pl.Series("at", at * 1_000_000).cast(pl.Datetime("us", "UTC")),
        pl.Series("seq", np.arange(n * 10, dtype=np.int64)),
    )
    return tickets, events


def engine_inputs(
    tl: Timelines,
) -> tuple[pl.DataFrame, dict[str, Schedule]]:
    """Targets by priority (P1 on a 24/7 calendar, the rest on business hours)."""
    prio = np.random.default_rng(1).integers(0, 5, tl.tickets.height)
    target_table = {
        Metric.FIRST_RESPONSE: [900, 3600, 4 * H, 8 * H, 24 * H],
        Metric.NEXT_REPLY: [900, 3600, 4 * H, 8 * H, 24 * H],
        Metric.PERIODIC_UPDATE: [1800, 2 * H, 8 * H, 24 * H, None],
        Metric.RESOLUTION: [4 * H, 8 * H, 24 * H, 72 * H, 45 * H],
        Metric.TOTAL_RESOLUTION: [4 * H, 8 * H, 24 * H, 72 * H, 45 * H],
    }
    targets = pl.DataFrame(
        {
            "tix": tl.tickets["tix"],
            "calendar": np.where(prio == 0, "24x7", "business"),
            **{
                m.value: pl.Series([v[p] for p in prio], dtype=pl.Int64)
                for m, v in target_table.items()
            },
        }
    )
    return targets, {"business": schedule(), "24x7": Schedule.always_open("24x7")}


def first_use() -> tuple[float, float]:
    """Seconds for the engine's first call in a fresh process: with an empty kernel cache
    (the first run after installing), and with the cache that run left."""
    code = (
        "import time, datetime as dt, polars as pl\n"
        "t = time.perf_counter()\n"
        "from supportops.core.clock import Schedule\n"
        "from supportops.core.sla import EngineConfig, compute_clocks\n"
        "from supportops.core.timeline import derive\n"
        "at = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)\n"
        "tickets = pl.DataFrame({'id': ['a'], 'created_at': [at]})\n"
        "events = pl.DataFrame({'ticket_id': ['a'], 'at': [at], 'seq': [1], 'kind': ['created'],"
        " 'value': ['x'], 'actor_role': ['agent'], 'public': [True]})\n"
        "tl = derive(events, tickets, 1_800_000_000)\n"
        "tg = pl.DataFrame({'tix': [0], 'calendar': ['c'], 'first_response': [60]})\n"
        "compute_clocks(tl, tg, {'c': Schedule.always_open('c')}, EngineConfig(), 1_800_000_000)\n"
        "print(time.perf_counter() - t)\n"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        runs = [
            float(subprocess.run(
                [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
            ).stdout)
            for _ in range(2)
        ]  # fmt: skip
    return runs[0], runs[1]


def fresh_memory() -> float:
    """Seconds to allocate and write 1 GiB: a gauge of what memory new to the process
    costs on this machine (a VM that hands freed pages back to its host pays for each page
    again when it is touched)."""
    t = time.perf_counter()
    block = np.ones(2**27, dtype=np.int64)
    block[::512] = 2
    del block
    return time.perf_counter() - t


def bench_engine(n: int, runs: int) -> None:
    cold, warm = first_use()
    print("SLA engine, first call in a new process (imports, one ticket)")
    print(f"  kernels compiled (first run after install) {cold:6.2f} s")
    print(f"  kernels from the cache (every later run)   {warm:6.2f} s")
    tickets, events = synthetic_timelines(n)
    as_of = int(dt.datetime(2026, 1, 15, tzinfo=dt.UTC).timestamp())
    derive_s, compute_s, gauge = [], [], []
    for _ in range(runs):
        gauge.append(fresh_memory())
        t = time.perf_counter()
        tl = derive(events, tickets, as_of)
        derive_s.append(time.perf_counter() - t)
        targets, schedules = engine_inputs(tl)
        t = time.perf_counter()
        clocks = compute_clocks(tl, targets, schedules, EngineConfig(), as_of)
        compute_s.append(time.perf_counter() - t)
        del tl, clocks
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    both = [d + c for d, c in zip(derive_s, compute_s, strict=True)]
    print(
        f"SLA engine, {n:,} tickets, {events.height:,} events, {runs} runs "
        f"({THREADS} threads); best / median"
    )
    for label, secs in (
        ("derive timelines", derive_s),
        ("compute clocks", compute_s),
        ("both", both),
    ):
        best, median = min(secs), statistics.median(secs)
        print(
            f"  {label:<17} {best:6.2f} / {median:5.2f} s   "
            f"{n / best:>12,.0f} / {n / median:>10,.0f} tickets/s"
        )
    print(f"  peak memory (process RSS) {peak:,.2f} GiB")
    print(
        "  fresh memory before each run: 1 GiB written in "
        + ", ".join(f"{g:.2f}" for g in gauge)
        + " s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=100_000)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    bench_clock(args.pairs)
    bench_engine(args.tickets, args.runs)


if __name__ == "__main__":
    main()
