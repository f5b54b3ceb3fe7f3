"""A slow, obviously correct reference for docs/sla.md, written from the specification alone.

Nothing here shares an algorithm with ``supportops.core``; only the *data* types
(:class:`Schedule`, :class:`Closure`, :class:`EngineConfig`, the enums) are reused.

* Business time: every window of every local day is converted to UTC on its own, and so is
  every closure. Between two consecutive endpoints of those intervals the schedule is either
  open or closed for the whole stretch, so we cut time at every endpoint and ask, piece by
  piece, "is the schedule open at this instant?" — walking one day at a time.
* Tickets: each ticket's events are walked one by one in plain Python to get its status as a
  step function of time, its reopenings, its public comments; each clock instance is then
  measured by subtracting its pauses from ``[start, ∞)`` and adding up business time.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from fractions import Fraction
from functools import lru_cache
from math import ceil
from typing import Any

from supportops.core.clock import AtClosing, Schedule
from supportops.core.sla import EngineConfig, PriorityChange, Reopen

DAY = 86_400
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SOLVED = frozenset({"solved", "closed"})
METRICS = ("first_response", "next_reply", "periodic_update", "resolution", "total_resolution")


# =============================================================================== the clock
def seconds(instant: datetime) -> int:
    """Epoch seconds of an aware datetime, floored (integer arithmetic: no float rounding)."""
    return (instant - EPOCH) // timedelta(seconds=1)


def wall(u: int, tz: tzinfo) -> datetime:
    """The naive local wall time at epoch second ``u``."""
    return datetime.fromtimestamp(u, tz).replace(tzinfo=None)


def to_utc(local: datetime, tz: tzinfo) -> int:
    """Epoch seconds of a naive local time.

    A time that occurs twice (autumn fold) is read as its first occurrence; a time that does
    not occur (spring gap) as the instant the gap ends: the first second whose wall time is
    later than ``local``, found by bisection (offsets lie within ±14 h, so the answer lies
    within 15 h of ``local`` read as UTC).
    """
    found = []
    for fold in (0, 1):
        u = int(local.replace(tzinfo=tz, fold=fold).timestamp())
        if wall(u, tz) == local:
            found.append(u)
    if found:
        return min(found)
    guess = int(local.replace(tzinfo=UTC).timestamp())
    lo, hi = guess - 15 * 3600, guess + 15 * 3600  # wall(lo) < local < wall(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if wall(mid, tz) > local:
            hi = mid
        else:
            lo = mid
    return hi


@lru_cache(maxsize=200_000)
def day_windows(schedule: Schedule, day: date) -> tuple[tuple[int, int], ...]:
    """The UTC intervals of the windows of local date ``day``, each converted on its own."""
    midnight = datetime(day.year, day.month, day.day)
    return tuple(
        (
            to_utc(midnight + timedelta(seconds=start), schedule.tz),
            to_utc(midnight + timedelta(seconds=end), schedule.tz),
        )
        for start, end in schedule.windows[day.weekday()]
    )


@lru_cache(maxsize=10_000)
def closure_intervals(schedule: Schedule) -> tuple[tuple[int, int], ...]:
    return tuple(
        (to_utc(c.start, schedule.tz), to_utc(c.end, schedule.tz)) for c in schedule.closures
    )


def _days_around(schedule: Schedule, lo: int, hi: int) -> Iterable[date]:
    """Local dates whose windows may touch ``[lo, hi]`` (a window lasts under two days)."""
    day = wall(lo, schedule.tz).date() - timedelta(days=3)
    last = wall(hi, schedule.tz).date() + timedelta(days=1)
    while day <= last:
        yield day
        day += timedelta(days=1)


def is_open(schedule: Schedule, x: int) -> bool:
    """Is the schedule open during the second ``[x, x + 1)``?"""
    if any(a <= x < b for a, b in closure_intervals(schedule)):
        return False
    if schedule.always:
        return True
    return any(
        a <= x < b for day in _days_around(schedule, x, x) for a, b in day_windows(schedule, day)
    )


def open_pieces(schedule: Schedule, lo: int, hi: int) -> list[tuple[int, int]]:
    """The open stretches of ``[lo, hi)``: cut at every window and closure endpoint, keep the
    pieces whose first second is open."""
    if hi <= lo:
        return []
    cuts = {lo, hi}
    for a, b in closure_intervals(schedule):
        cuts |= {a, b}
    if not schedule.always:
        for day in _days_around(schedule, lo, hi):
            for a, b in day_windows(schedule, day):
                cuts |= {a, b}
    points = sorted(p for p in cuts if lo <= p <= hi)
    return [(p, q) for p, q in itertools.pairwise(points) if is_open(schedule, p)]


def ref_elapsed(schedule: Schedule, a: int, b: int) -> int:
    """Business seconds in ``[a, b)``, one day at a time."""
    total = 0
    lo = a
    while lo < b:
        hi = min(lo + DAY, b)
        total += sum(q - p for p, q in open_pieces(schedule, lo, hi))
        lo = hi
    return total


def next_opening(schedule: Schedule, t: int) -> int:
    """The first open second at or after ``t``."""
    lo = t
    while lo - t < 10 * 366 * DAY:
        pieces = open_pieces(schedule, lo, lo + DAY)
        if pieces:
            return pieces[0][0]
        lo += DAY
    raise ValueError("no opening within ten years")


def is_closing(schedule: Schedule, t: int) -> bool:
    """A closing instant: the second before it is open, the one at it is not."""
    return is_open(schedule, t - 1) and not is_open(schedule, t)


def ref_deadline(
    schedule: Schedule, t: int, budget: int, at_closing: AtClosing = AtClosing.CLOSING
) -> int:
    """The earliest ``T >= t`` with ``elapsed(t, T) == budget``; at a closing instant, that
    instant or (``next_opening``) the next opening."""
    found = t
    remaining = budget
    lo = t
    while remaining > 0:
        for p, q in open_pieces(schedule, lo, lo + DAY):
            if remaining <= q - p:
                found = p + remaining
                remaining = 0
                break
            remaining -= q - p
        lo += DAY
        if lo - t > 10 * 366 * DAY:
            raise ValueError("the budget is not used up within ten years")
    if at_closing is AtClosing.NEXT_OPENING and is_closing(schedule, found):
        return next_opening(schedule, found)
    return found


# =========================================================================== the timelines
@dataclass(frozen=True)
class Ev:
    t: int
    seq: int
    kind: str
    value: str | None
    role: str | None
    public: bool | None


class Story:
    """One ticket's known history, walked event by event.

    Readings of docs/sla.md that its words leave open, chosen here (and reported):

    * "the first solved/closed at or after t" is the first *status event* at or after ``t``
      whose value is solved/closed, after same-instant status events have been reduced to the
      last one (the spec's "the last wins"): a comment made while the ticket is already solved
      is not stopped by the earlier solve;
    * several public agent comments in the same second start one ``periodic_update`` clock.
    """

    def __init__(self, created: int, events: Sequence[Ev]) -> None:
        self.created = created
        self.events = sorted(events, key=lambda e: (e.t, e.seq))
        # status events, one per instant: the last one at an instant wins
        last: dict[int, str] = {}
        for e in self.events:
            if e.kind == "status":
                last[e.t] = str(e.value)
        self.status_events = sorted(last.items())
        # the status as a step function: (from instant, status); "new" before any event
        self.steps: list[tuple[int | None, str]] = [(None, "new")]
        for t, value in self.status_events:
            if value != self.steps[-1][1]:
                self.steps.append((t, value))
        self.public = [e for e in self.events if e.kind == "comment" and e.public is True]
        self.agent = sorted({e.t for e in self.public if e.role == "agent"})
        self.reopenings = [
            x
            for (_, before), (x, after) in itertools.pairwise(self.steps)
            if x is not None and before in SOLVED and after not in SOLVED
        ]
        self.priority_changes = [e.t for e in self.events if e.kind == "priority"]

    def status_at(self, x: int) -> str:
        current = "new"
        for since, status in self.steps:
            if since is None or since <= x:
                current = status
        return current

    def paused_periods(self, statuses: frozenset[str]) -> list[tuple[int, int | None]]:
        """Maximal stretches during which the status is one of ``statuses`` (end None: on)."""
        out: list[tuple[int, int | None]] = []
        for k, (since, status) in enumerate(self.steps):
            if status not in statuses:
                continue
            start = self.created if since is None else since
            end = self.steps[k + 1][0] if k + 1 < len(self.steps) else None
            if out and out[-1][1] == start:
                start = out.pop()[0]
            out.append((start, end))
        return out

    def first_solve(self, y: int) -> int | None:
        """The first solved/closed status event at or after ``y``."""
        later = [t for t, value in self.status_events if t >= y and value in SOLVED]
        return min(later) if later else None

    def first_agent_reply(self, y: int, *, strictly: bool = False) -> int | None:
        later = [t for t in self.agent if (t > y if strictly else t >= y)]
        return min(later) if later else None

    def cycle_at(self, y: int) -> int:
        return 1 + sum(1 for x in self.reopenings if x <= y)


def earliest(*instants: int | None) -> int | None:
    known = [x for x in instants if x is not None]
    return min(known) if known else None


@dataclass
class Inst:
    metric: str
    cycle: int
    instance: int
    start: int
    stop: int | None
    pauses: frozenset[str]


def instances(story: Story, config: EngineConfig, as_of: int) -> list[Inst]:
    """Every clock instance of one ticket, per the table in docs/sla.md."""
    pauses = {str(k): frozenset(v) for k, v in config.pauses.items()}
    out = [
        Inst(
            "first_response",
            1,
            1,
            story.created,
            story.first_agent_reply(story.created),
            pauses.get("first_response", frozenset()),
        ),
    ]
    starts = [story.created, *story.reopenings]
    cycles = []
    for k, cstart in enumerate(starts):
        solve = story.first_solve(cstart)
        nxt = starts[k + 1] if k + 1 < len(starts) else None
        cycles.append(
            (cstart, solve if solve is not None and (nxt is None or solve < nxt) else None)
        )
    total_pauses = pauses.get("total_resolution", frozenset()) | SOLVED
    out.append(Inst("total_resolution", 1, 1, story.created, cycles[-1][1], total_pauses))
    res_pauses = pauses.get("resolution", frozenset())
    if config.reopen is Reopen.NEW_CYCLE:
        out += [
            Inst("resolution", k + 1, k + 1, a, b, res_pauses) for k, (a, b) in enumerate(cycles)
        ]
    else:
        out.append(Inst("resolution", 1, 1, story.created, cycles[-1][1], res_pauses | SOLVED))

    n = 0
    for prev, msg in itertools.pairwise(story.public):
        if msg.role == "customer" and prev.role == "agent":
            n += 1
            stop = earliest(story.first_agent_reply(msg.t), story.first_solve(msg.t))
            out.append(
                Inst(
                    "next_reply",
                    story.cycle_at(msg.t),
                    n,
                    msg.t,
                    stop,
                    pauses.get("next_reply", frozenset()),
                )
            )
    n = 0
    for t in story.agent:
        stop = earliest(story.first_agent_reply(t, strictly=True), story.first_solve(t))
        if stop == t:
            continue  # zero length
        n += 1
        out.append(
            Inst(
                "periodic_update",
                story.cycle_at(t),
                n,
                t,
                stop,
                pauses.get("periodic_update", frozenset()),
            )
        )

    if config.priority_change is PriorityChange.FROM_CHANGE:
        for inst in out:
            if inst.metric in ("first_response", "resolution"):
                horizon = as_of if inst.stop is None else inst.stop
                moved = [c for c in story.priority_changes if inst.start < c < horizon]
                if moved:
                    inst.start = max(moved)
    return out


# ============================================================================= measuring
def running_segments(
    start: int, stop: int | None, pauses: list[tuple[int, int | None]]
) -> list[tuple[int, int | None]]:
    """``[start, ∞)`` minus the pauses; a stopped clock has no pauses after its stop."""
    if stop is not None:
        pauses = [(a, stop if b is None else min(b, stop)) for a, b in pauses if a < stop]
    segs: list[tuple[int, int | None]] = []
    cur: int | None = start
    for a, b in sorted(pauses):
        if cur is None:
            break
        if b is not None and b <= cur:
            continue
        if a > cur:
            segs.append((cur, a))
        cur = b if b is None else max(cur, b)
    if cur is not None:
        segs.append((cur, None))
    return segs


def crossing(
    schedule: Schedule,
    start: int,
    segs: list[tuple[int, int | None]],
    amount: int,
    at_closing: AtClosing,
) -> int | None:
    """The earliest instant at which running time reaches ``amount`` (None: never)."""
    found: int | None = None
    if amount == 0:
        found = start
    else:
        remaining = amount
        for a, b in segs:
            inside = None if b is None else ref_elapsed(schedule, a, b)
            if inside is None or remaining <= inside:
                found = ref_deadline(schedule, a, remaining)
                break
            remaining -= inside
    if found is not None and at_closing is AtClosing.NEXT_OPENING and is_closing(schedule, found):
        found = next_opening(schedule, found)
    return found


def measure(
    inst: Inst,
    story: Story,
    schedule: Schedule,
    target: int | None,
    config: EngineConfig,
    as_of: int,
) -> dict[str, Any]:
    horizon = inst.stop if inst.stop is not None else as_of
    segs = running_segments(inst.start, inst.stop, story.paused_periods(inst.pauses))
    elapsed = sum(
        ref_elapsed(schedule, max(a, inst.start), horizon if b is None else min(b, horizon))
        for a, b in segs
    )
    paused = ref_elapsed(schedule, inst.start, horizon) - elapsed
    row: dict[str, Any] = {
        "metric": inst.metric,
        "cycle": inst.cycle,
        "instance": inst.instance,
        "target_s": target,
        "start": inst.start,
        "stop": inst.stop,
        "elapsed_s": elapsed,
        "paused_s": paused,
    }
    if target is None:
        row |= {"deadline": None, "status": "not_applicable", "level": None}
        row |= {f"{lv.name}_at": None for lv in config.ladder}
        return row
    row["deadline"] = crossing(schedule, inst.start, segs, target, config.at_closing)
    if elapsed > target:
        status = "breached"
    elif inst.stop is not None:
        status = "met"
    elif story.status_at(as_of) in inst.pauses:
        status = "paused"
    else:
        status = "running"
    row["status"] = status
    level, best = None, None
    for lv in config.ladder:
        amount = ceil(Fraction(str(lv.fraction)) * target)
        row[f"{lv.name}_at"] = crossing(schedule, inst.start, segs, amount, config.at_closing)
        if elapsed > amount and (best is None or lv.fraction > best):
            level, best = lv.name, lv.fraction
    row["level"] = level
    return row


def ref_clocks(
    events: Iterable[Mapping[str, Any]],
    tickets: Iterable[Mapping[str, Any]],
    targets: Mapping[str, tuple[str, Mapping[str, int | None]]],
    schedules: Mapping[str, Schedule],
    config: EngineConfig,
    as_of: int,
) -> list[dict[str, Any]]:
    """Every clock instance of every ticket known at ``as_of``, as rows like the engine's.

    ``events`` and ``tickets`` are rows of the frames the engine reads; ``targets`` maps a
    ticket id to its calendar and its target (or None) per metric.
    """
    by_ticket: dict[str, list[Ev]] = {}
    for e in events:
        t = seconds(e["at"])
        if t <= as_of:
            by_ticket.setdefault(e["ticket_id"], []).append(
                Ev(t, e["seq"], e["kind"], e["value"], e["actor_role"], e["public"])
            )
    rows = []
    for tk in tickets:
        created = seconds(tk["created_at"])
        if created > as_of:
            continue
        story = Story(created, by_ticket.get(tk["id"], []))
        calendar, goals = targets[tk["id"]]
        for inst in instances(story, config, as_of):
            row = measure(inst, story, schedules[calendar], goals.get(inst.metric), config, as_of)
            rows.append({"ticket_id": tk["id"], "calendar": calendar, **row})
    return rows
