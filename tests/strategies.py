"""Hypothesis strategies for the clock and SLA tests: schedules, instants, ticket timelines.

Instants cluster around the DST transitions of the zones under test so that windows, closures
and deadlines cross them; wall times are drawn on a quarter-hour grid (plus odd seconds) so
that ticket times often fall exactly on openings, closings and DST gaps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from hypothesis import strategies as st

from reference_sla import seconds, to_utc
from supportops.core.clock import Closure, Schedule

H = 3600
DAY = 86_400

#: Zones under test and the local dates of their DST transitions (São Paulo has had no DST
#: since 2019; its last two transitions are kept). UTC gets two arbitrary dates.
TRANSITIONS: dict[str, tuple[date, ...]] = {
    "Europe/Berlin": (date(2026, 3, 29), date(2026, 10, 25)),
    "America/Sao_Paulo": (date(2018, 11, 4), date(2019, 2, 17)),
    "Australia/Sydney": (date(2026, 4, 5), date(2026, 10, 4)),
    "America/New_York": (date(2026, 3, 8), date(2026, 11, 1)),
    "UTC": (date(2026, 3, 29), date(2026, 12, 31)),
}
ZONES = tuple(TRANSITIONS)

EVENT_SCHEMA = pl.Schema(
    {
        "ticket_id": pl.String(),
        "at": pl.Datetime("us", "UTC"),
        "seq": pl.Int64(),
        "kind": pl.String(),
        "value": pl.String(),
        "actor_role": pl.String(),
        "public": pl.Boolean(),
    }
)

# ------------------------------------------------------------------------------ schedules
#: Day shapes by name: office hours, lunch break, split shift, past midnight, small hours
#: (across the DST gap of Berlin, New York, Sydney), a window starting inside a gap.
DAY_SHAPES: dict[str, tuple[tuple[int, int], ...]] = {
    "closed": (),
    "office": ((9 * H, 17 * H),),
    "lunch": ((9 * H, 12 * H), (13 * H, 17 * H)),
    "split": ((6 * H, 10 * H), (16 * H, 22 * H)),
    "night": ((22 * H, 26 * H),),
    "small_hours": ((0, 4 * H),),
    "from_gap": ((2 * H + 1800, 5 * H),),
    "late_and_night": ((8 * H, 12 * H), (20 * H, 30 * H)),
    "whole_day": ((0, DAY),),
}

#: Windows with an edge between 22:00 and 03:00, where the zones under test skip or repeat an
#: hour (02:00–03:00 Berlin, Sydney, New York spring; 01:00–02:00 New York autumn; 00:00–01:00
#: São Paulo spring; 23:00–24:00 São Paulo autumn).
NIGHT_SHAPES: list[tuple[tuple[int, int], ...]] = [
    ((2 * H + 1800, 5 * H),),
    ((1800, 6 * H),),
    ((H, 2 * H + 1800),),
    ((H + 1800, 2 * H + 2700),),
    ((22 * H, 26 * H + 1800),),
    ((23 * H + 1800, 25 * H + 1800),),
    ((0, 1800), (2 * H + 900, 3 * H + 900)),
]

grid_seconds = st.one_of(
    st.integers(0, 95).map(lambda q: q * 900),  # a quarter-hour of the day
    st.integers(0, DAY - 1),
)


@st.composite
def random_day(draw: st.DrawFn) -> tuple[tuple[int, int], ...]:
    """Up to three windows anywhere in the day, possibly overlapping or past midnight."""
    out = []
    for _ in range(draw(st.integers(0, 3))):
        start = draw(grid_seconds)
        length = draw(st.one_of(st.integers(1, 48).map(lambda q: q * 1800), st.integers(1, DAY)))
        out.append((start, start + length))
    return tuple(out)


day_windows = st.one_of(st.sampled_from(list(DAY_SHAPES.values())), random_day())


@st.composite
def closures(draw: st.DrawFn, focus: date) -> tuple[Closure, ...]:
    """0–3 holidays (whole local days) or partial closures near ``focus``."""
    out = []
    for _ in range(draw(st.integers(0, 3))):
        day = focus + timedelta(days=draw(st.integers(-8, 8)))
        if draw(st.booleans()):
            out.append(Closure.day(day, "holiday"))
        else:
            start = datetime(day.year, day.month, day.day) + timedelta(seconds=draw(grid_seconds))
            length = draw(
                st.one_of(st.integers(1, 16).map(lambda q: q * 900), st.integers(1, 2 * DAY))
            )
            out.append(Closure(start, start + timedelta(seconds=length), "closed"))
    return tuple(out)


@st.composite
def schedules(
    draw: st.DrawFn, zone: str, focus: date, name: str = "cal", min_weekly: int = H
) -> Schedule:
    """A schedule in ``zone`` with closures around ``focus``: 24/7 now and then, otherwise
    0–3 windows per weekday, with at least ``min_weekly`` seconds of opening a week."""
    tz = ZoneInfo(zone)
    shut = draw(closures(focus))
    if draw(st.integers(0, 9)) == 0:
        return Schedule(tz=tz, always=True, closures=shut, name=name)
    week = [draw(day_windows) for _ in range(7)]
    if draw(st.booleans()):  # the transition's weekday gets a window edge in the night
        week[focus.weekday()] = draw(st.sampled_from(NIGHT_SHAPES))
    schedule = Schedule(tz=tz, windows=tuple(week), closures=shut, name=name)
    if schedule.weekly_seconds < min_weekly:  # the weekend is closed, Monday is office hours
        week[0] = DAY_SHAPES["office"]
        schedule = Schedule(tz=tz, windows=tuple(week), closures=shut, name=name)
    return schedule


@dataclass(frozen=True)
class Focus:
    """A zone and a local date near one of its DST transitions."""

    zone: str
    day: date

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def instant(self, day_offset: int, second_of_day: int) -> int:
        """Epoch seconds of a local wall time ``day_offset`` days after the focus date."""
        day = self.day + timedelta(days=day_offset)
        local = datetime(day.year, day.month, day.day) + timedelta(seconds=second_of_day)
        return to_utc(local, self.tz)


@st.composite
def focuses(draw: st.DrawFn) -> Focus:
    zone = draw(st.sampled_from(ZONES))
    offset = draw(st.one_of(st.just(0), st.integers(-4, 4)))  # often the transition day itself
    return Focus(zone, draw(st.sampled_from(TRANSITIONS[zone])) + timedelta(days=offset))


@st.composite
def instants(draw: st.DrawFn, focus: Focus, days: int = 8) -> int:
    """An instant within ``days`` days of the focus date, often on a quarter-hour."""
    return focus.instant(
        draw(st.one_of(st.integers(-1, 1), st.integers(-days, days))), draw(grid_seconds)
    )


business_seconds = st.one_of(
    st.integers(1, 16).map(lambda q: q * 900),
    st.integers(1, 40 * H),
)


# ------------------------------------------------------------------------------ timelines
@dataclass
class TicketSpec:
    """One generated ticket: its creation and its events (at, kind, value, role, public)."""

    id: str
    created: datetime
    events: list[tuple[datetime, str, str | None, str | None, bool | None]] = field(
        default_factory=list
    )


#: What a step of a timeline does: (kind, value, role, public) events at one instant.
ACTIONS: dict[str, tuple[tuple[str, str | None, str | None, bool | None], ...]] = {
    "open": (("status", "open", None, None),),
    "pending": (("status", "pending", None, None),),
    "on_hold": (("status", "on_hold", None, None),),
    "solved": (("status", "solved", None, None),),
    "closed": (("status", "closed", None, None),),
    "new": (("status", "new", None, None),),
    "agent": (("comment", None, "agent", True),),
    "customer": (("comment", None, "customer", True),),
    "note": (("comment", None, "agent", False),),
    "customer_note": (("comment", None, "customer", False),),
    "ask_customer": (("comment", None, "agent", True), ("status", "pending", None, None)),
    "customer_answers": (("comment", None, "customer", True), ("status", "open", None, None)),
    "solve_with_reply": (("comment", None, "agent", True), ("status", "solved", None, None)),
    "reopen_by_customer": (("comment", None, "customer", True), ("status", "open", None, None)),
    "solve_and_reopen": (("status", "solved", None, None), ("status", "open", None, None)),
    "escalate": (("comment", None, "agent", False), ("status", "on_hold", None, None)),
}

micro = st.sampled_from([0, 0, 0, 1, 500_000, 999_999])

CONVERSATION = ["agent", "customer", "ask_customer", "customer_answers", "solve_with_reply"]

gaps = st.one_of(
    st.just(0),
    st.integers(1, 900),
    st.integers(900, 10 * H),
    st.integers(10 * H, 4 * DAY),
)


@st.composite
def tickets(
    draw: st.DrawFn, ident: str, created: int, *, priorities: bool = False, max_steps: int = 10
) -> TicketSpec:
    """A ticket created at ``created`` (epoch s) and a random history after it."""
    at = datetime.fromtimestamp(created, UTC) + timedelta(microseconds=draw(micro))
    spec = TicketSpec(ident, at)
    first = draw(st.sampled_from(["created_new", "created_open", "nothing"]))
    if first == "created_new":
        spec.events += [(at, "created", None, None, None), (at, "status", "new", None, None)]
    elif first == "created_open":
        spec.events += [(at, "status", "open", None, None)]
    priority = draw(st.sampled_from(["P1", "P2", "P3", "P4", "P5"]))
    # conversations (agent/customer back and forth) more often than the rarer moves
    choices = [*sorted(ACTIONS), *CONVERSATION, *(["priority"] * 3 if priorities else [])]
    for _ in range(draw(st.integers(0, max_steps))):
        gap = draw(gaps)
        # the same second (gap 0) or a later one, at any microsecond: within a second the
        # microseconds may disagree with the sequence, which is what orders same-second events
        second = seconds(at) + gap
        at = datetime.fromtimestamp(second, UTC) + timedelta(microseconds=draw(micro))
        action = draw(st.sampled_from(choices))
        if action == "priority":
            priority = draw(st.sampled_from([p for p in ("P1", "P2", "P3", "P4") if p != priority]))
            spec.events.append((at, "priority", priority, None, None))
        else:
            spec.events += [(at, *ev) for ev in ACTIONS[action]]
    return spec


def frames(specs: list[TicketSpec]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The events and tickets frames ``derive()`` reads, sorted like ``Store.load_events``
    (ticket, at, seq); seq numbers each ticket's events in the order they happened."""
    rows = sorted(
        (spec.id, at, seq, kind, value, role, public)
        for spec in specs
        for seq, (at, kind, value, role, public) in enumerate(spec.events, start=1)
    )
    events = pl.DataFrame(rows, schema=EVENT_SCHEMA, orient="row")
    tickets_frame = pl.DataFrame(
        {"id": [s.id for s in specs], "created_at": [s.created for s in specs]},
        schema={"id": pl.String, "created_at": pl.Datetime("us", "UTC")},
    )
    return events, tickets_frame


METRICS = ("first_response", "next_reply", "periodic_update", "resolution", "total_resolution")
TARGETS_SCHEMA = pl.Schema(
    {"tix": pl.Int64, "calendar": pl.String, **dict.fromkeys(METRICS, pl.Int64)}
)
#: Mostly a target (the seed's values or any number of seconds), sometimes none.
target_values = st.sampled_from(["none", "seed", "seed", "any", "any", "any"]).flatmap(
    lambda kind: {
        "none": st.none(),
        "seed": st.sampled_from([15 * 60, H, 2 * H, 4 * H, 8 * H, 24 * H]),
        "any": st.integers(1, 30 * H),
    }[kind]
)


@dataclass
class SlaCase:
    """A generated SLA world: schedules, tickets, targets and the instant of the question."""

    schedules: dict[str, Schedule]
    specs: list[TicketSpec]
    targets: dict[str, tuple[str, dict[str, int | None]]]
    as_of: int

    def targets_frame(self, tickets: pl.DataFrame) -> pl.DataFrame:
        """One row per ticket of ``tickets`` (the engine's ``tix, ticket_id`` frame)."""
        rows: list[dict[str, Any]] = []
        for tix, ticket_id in tickets.select("tix", "ticket_id").iter_rows():
            calendar, goals = self.targets[ticket_id]
            rows.append({"tix": tix, "calendar": calendar, **{m: goals[m] for m in METRICS}})
        return pl.DataFrame(rows, schema=TARGETS_SCHEMA)


@st.composite
def sla_cases(draw: st.DrawFn, *, priorities: bool = False) -> SlaCase:
    focus = draw(focuses())
    cals = {"a": draw(schedules(focus.zone, focus.day, "a", min_weekly=20 * H))}
    if draw(st.booleans()):
        cals["b"] = draw(schedules(draw(st.sampled_from(ZONES)), focus.day, "b", min_weekly=20 * H))
    specs = []
    targets: dict[str, tuple[str, dict[str, int | None]]] = {}
    for n in range(draw(st.integers(1, 3))):
        created = draw(instants(focus, days=4))
        spec = draw(tickets(f"t:{n}", created, priorities=priorities))
        specs.append(spec)
        goals = {m: draw(target_values) for m in METRICS}
        targets[spec.id] = (draw(st.sampled_from(sorted(cals))), goals)
    times = [int(at.timestamp()) for s in specs for at, *_ in s.events] or [
        int(s.created.timestamp()) for s in specs
    ]
    as_of = draw(
        st.one_of(
            st.sampled_from(times),  # exactly at an event
            st.integers(min(times), max(times)),  # in the middle of things
            st.integers(max(times), max(times) + 5 * DAY),  # after everything
        )
    )
    return SlaCase(cals, specs, targets, as_of)
