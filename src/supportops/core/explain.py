"""The story of a ticket's SLA clocks, in words a support lead would accept.

Pure: takes one ticket's clock rows (from :func:`supportops.core.sla.compute_clocks`), its
status periods, the schedules and the engine configuration, and returns text.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

import polars as pl

from supportops.core.clock import Clock, Schedule
from supportops.core.sla import EngineConfig, Metric
from supportops.core.timeline import FOREVER, SOLVED

NAMES = {
    Metric.FIRST_RESPONSE.value: "First response",
    Metric.NEXT_REPLY.value: "Next reply",
    Metric.PERIODIC_UPDATE.value: "Update",
    Metric.RESOLUTION.value: "Resolution",
    Metric.TOTAL_RESOLUTION.value: "Total resolution",
}
STARTS = {
    Metric.FIRST_RESPONSE.value: "when the ticket was created",
    Metric.NEXT_REPLY.value: "at the customer's message, the oldest still unanswered",
    Metric.PERIODIC_UPDATE.value: "at a public agent update",
    Metric.RESOLUTION.value: "when the ticket was created",
    Metric.TOTAL_RESOLUTION.value: "when the ticket was created",
}
STOPS = {
    Metric.FIRST_RESPONSE.value: "at the first public agent reply",
    Metric.NEXT_REPLY.value: "at the next public agent reply",
    Metric.PERIODIC_UPDATE.value: "at the next public update (or the solve)",
    Metric.RESOLUTION.value: "when the ticket was solved",
    Metric.TOTAL_RESOLUTION.value: "at the final solve",
}
STATUS_WORDS = {
    "pending": "pending (waiting on the customer)",
    "on_hold": "on hold (waiting on a third party)",
    "solved": "solved",
    "closed": "closed",
}
MAX_WINDOWS = 6


def duration(seconds: int | None) -> str:
    """``1h 30m`` style, to the second when needed."""
    if seconds is None:
        return "–"
    s = int(seconds)
    sign = "-" if s < 0 else ""
    s = abs(s)
    d, rem = divmod(s, 86_400)
    h, rem = divmod(rem, 3600)
    m, sec = divmod(rem, 60)
    parts = [
        f"{d}d" if d else "",
        f"{h}h" if h else "",
        f"{m}m" if m else "",
        f"{sec}s" if sec else "",
    ]
    text = " ".join(p for p in parts if p)
    return sign + (text or "0s")


def when(t: int, tz: tzinfo) -> str:
    return datetime.fromtimestamp(t, tz).strftime("%a %d %b %Y %H:%M %Z")


def _hours(t: int, tz: tzinfo) -> str:
    return datetime.fromtimestamp(t, tz).strftime("%a %d %b %H:%M")


def _hm(t: int, tz: tzinfo) -> str:
    return datetime.fromtimestamp(t, tz).strftime("%H:%M")


def explain_ticket(
    ticket: Mapping[str, Any],
    clocks: pl.DataFrame,
    periods: pl.DataFrame,
    schedules: Mapping[str, Schedule],
    config: EngineConfig,
    as_of: int,
) -> list[str]:
    """One paragraph per clock instance of one ticket (``clocks`` holds only its rows)."""
    out = []
    first = clocks["start"].min() if clocks.height else None
    lo = (first if isinstance(first, int) else as_of) - 86_400
    compiled: dict[str, Clock] = {}
    for row in clocks.iter_rows(named=True):
        cal = row["calendar"]
        if cal not in compiled:
            compiled[cal] = schedules[cal].compile(lo, as_of + 90 * 86_400)
        out.append(_story(ticket, row, periods, compiled[cal], config, as_of))
    return out


def _story(
    ticket: Mapping[str, Any],
    row: Mapping[str, Any],
    periods: pl.DataFrame,
    clock: Clock,
    config: EngineConfig,
    as_of: int,
) -> str:
    metric = str(row["metric"])
    schedule = clock.schedule
    tz = schedule.tz
    start = int(row["start"])
    stop = row["stop"]
    horizon = int(stop) if stop is not None else as_of
    target = row["target_s"]
    cycle = int(row["cycle"])
    title = NAMES[metric] + (
        f", cycle {cycle}" if metric == Metric.RESOLUTION and cycle > 1 else ""
    )
    if metric in (Metric.NEXT_REPLY, Metric.PERIODIC_UPDATE):
        title += f" #{row['instance']}"
    lines = [f"{title}:"]
    where = "24/7" if schedule.always else f"{schedule.name} hours ({getattr(tz, 'key', tz)})"
    if target is None:
        lines.append(f"  No target applies (priority {ticket.get('priority') or 'unset'}).")
    else:
        tier = ticket.get("customer_tier")
        lines.append(
            f"  Target {duration(int(target))} of business time, {where}"
            + (f"; priority {ticket.get('priority')}" if ticket.get("priority") else "")
            + (f", customer tier {tier}" if tier else "")
            + "."
        )
    started = "the ticket was reopened" if metric == Metric.RESOLUTION and cycle > 1 else None
    lines.append(
        f"  Started {when(start, tz)} {('when ' + started) if started else STARTS[metric]}."
    )

    # pauses
    paused_by = set(config.pauses.get(Metric(metric), frozenset()))
    if metric == Metric.TOTAL_RESOLUTION:
        paused_by |= set(SOLVED)
    pauses = periods.filter(
        pl.col("status").is_in(sorted(paused_by))
        & (pl.col("end") > start)
        & (pl.col("start") < horizon)
    )
    for p in pauses.iter_rows(named=True):
        ps = max(int(p["start"]), start)
        pe = int(p["end"])
        until = (
            "and is still paused"
            if pe >= FOREVER or (stop is None and pe > as_of)
            else (f"until {_hours(min(pe, horizon), tz)}")
        )
        word = STATUS_WORDS.get(p["status"], p["status"])
        lines.append(f"  Paused from {_hours(ps, tz)} {until}: status {word}.")
    # counted windows
    if not schedule.always:
        spans = _running(start, horizon, pauses)
        windows = [w for a, b in spans for w in clock.windows_between(a, b)]
        if windows:
            shown = ", ".join(
                f"{_hours(a, tz)}–{_hm(b, tz)} ({duration(b - a)})"
                for a, b in windows[:MAX_WINDOWS]
            )
            more = f" and {len(windows) - MAX_WINDOWS} more" if len(windows) > MAX_WINDOWS else ""
            lines.append(f"  Counted business time {shown}{more}.")
        else:
            lines.append("  No business hours passed while it ran.")
    # warning ladder
    crossed = []
    for lv in config.ladder:
        at = row.get(f"{lv.name}_at")
        if at is None or target is None:
            continue
        verb = "crossed" if int(at) <= horizon else "will cross"
        if stop is not None and int(at) > horizon:
            continue
        crossed.append(f"{lv.name} ({lv.fraction:.0%}) {verb} {_hours(int(at), tz)}")
    if crossed:
        lines.append("  Warning ladder: " + "; ".join(crossed) + ".")
    # verdict
    elapsed = int(row["elapsed_s"])
    paused_s = int(row["paused_s"])
    used = f"{duration(elapsed)} of business time counted" + (
        f", {duration(paused_s)} paused" if paused_s else ""
    )
    status = str(row["status"])
    deadline = row["deadline"]
    if status == "met":
        spare = int(target) - elapsed
        lines.append(
            f"  Stopped {when(horizon, tz)} {STOPS[metric]}: {used}. "
            f"Met, with {duration(spare)} to spare."
        )
    elif status == "breached":
        over = elapsed - int(target)
        severe = elapsed >= 2 * int(target)
        ended = (
            f"Stopped {when(horizon, tz)} {STOPS[metric]}"
            if stop is not None
            else f"Still running at {when(as_of, tz)}"
        )
        lines.append(
            f"  Breached at {when(int(deadline), tz)}, when the target ran out"
            f"{' (a severe breach: more than twice the target)' if severe else ''}. "
            f"{ended}: {used}, {duration(over)} over."
        )
    elif status == "paused":
        lines.append(f"  Paused at {when(as_of, tz)}: {used}; no deadline until it resumes.")
    elif status == "running":
        left = int(target) - elapsed
        lines.append(
            f"  Running at {when(as_of, tz)}: {used}, {duration(left)} left; "
            f"due {when(int(deadline), tz)}."
        )
    else:
        ended = f"stopped {when(horizon, tz)}" if stop is not None else "still running"
        lines.append(f"  Not measured against a target ({ended}; {used}).")
    return "\n".join(lines)


def _running(start: int, horizon: int, pauses: pl.DataFrame) -> list[tuple[int, int]]:
    spans = []
    cur = start
    for p in pauses.sort("start").iter_rows(named=True):
        ps, pe = max(int(p["start"]), start), min(int(p["end"]), horizon)
        if ps > cur:
            spans.append((cur, min(ps, horizon)))
        cur = max(cur, pe)
    if cur < horizon:
        spans.append((cur, horizon))
    return [(a, b) for a, b in spans if b > a]
