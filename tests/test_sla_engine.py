"""The SLA engine against the slow reference (tests/reference_sla.py), and by hand.

The hand-made scenarios use the seed's targets (P2: first response 1 h, resolution 8 h,
update every 2 h; P3: 4 h / 24 h) on Mon–Fri 09:00–18:00 America/New_York; every expected
number is worked out in the comments. New York springs forward on Sunday 2026-03-08.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hypothesis import given, settings

from reference_sla import ref_clocks
from strategies import (
    ACTIONS,
    CONVERSATION,
    EVENT_SCHEMA,
    METRICS,
    TARGETS_SCHEMA,
    SlaCase,
    TicketSpec,
    frames,
    sla_cases,
)
from supportops.core import sla_kernels as kernels
from supportops.core.clock import AtClosing, Closure, Schedule
from supportops.core.sla import EngineConfig, Level, PriorityChange, Reopen, compute_clocks
from supportops.core.timeline import derive

H = 3600
M = 60
NY = ZoneInfo("America/New_York")
BUSINESS = Schedule(tz=NY, windows=(((9 * H, 18 * H),),) * 5 + ((), ()), name="business")
LEVELS = ("yellow_at", "orange_at", "red_at", "breach_at", "severe_at")


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    """Epoch seconds of a New York wall time."""
    return int(datetime(year, month, day, hour, minute, tzinfo=NY).timestamp())


def key(row: dict[str, Any]) -> tuple[str, str, int]:
    return row["ticket_id"], row["metric"], row["instance"]


def engine_rows(case: SlaCase, config: EngineConfig) -> list[dict[str, Any]]:
    events, tickets = frames(case.specs)
    tl = derive(events, tickets, case.as_of)
    out = compute_clocks(tl, case.targets_frame(tl.tickets), case.schedules, config, case.as_of)
    return sorted(out.to_dicts(), key=key)


def reference_rows(case: SlaCase, config: EngineConfig) -> list[dict[str, Any]]:
    events, tickets = frames(case.specs)
    rows = ref_clocks(
        events.iter_rows(named=True),
        tickets.iter_rows(named=True),
        case.targets,
        case.schedules,
        config,
        case.as_of,
    )
    return sorted(rows, key=key)


def show(value: Any) -> Any:
    """Epoch seconds as readable UTC instants in failure messages."""
    if isinstance(value, int) and value > 10**9:
        return f"{value} ({datetime.fromtimestamp(value, UTC):%Y-%m-%d %H:%M:%S}Z)"
    return value


def assert_same_clocks(case: SlaCase, config: EngineConfig) -> None:
    got, want = engine_rows(case, config), reference_rows(case, config)
    assert [key(r) for r in got] == [key(r) for r in want], "different clock instances"
    for g, w in zip(got, want, strict=True):
        diff = {c: (show(g[c]), show(w[c])) for c in w if g[c] != w[c]}
        assert not diff, f"{key(w)} (engine, reference): {diff}; reference row {w}"


# ------------------------------------------------------------------- against the reference
@settings(deadline=None, max_examples=100)
@given(case=sla_cases())
def test_engine_matches_reference(case: SlaCase) -> None:
    assert_same_clocks(case, EngineConfig())


@settings(deadline=None, max_examples=60)
@given(case=sla_cases())
def test_engine_matches_reference_reopen_continue(case: SlaCase) -> None:
    assert_same_clocks(case, EngineConfig(reopen=Reopen.CONTINUE))


@settings(deadline=None, max_examples=60)
@given(case=sla_cases(priorities=True))
def test_engine_matches_reference_priority_from_change(case: SlaCase) -> None:
    assert_same_clocks(case, EngineConfig(priority_change=PriorityChange.FROM_CHANGE))


@settings(deadline=None, max_examples=60)
@given(case=sla_cases())
def test_engine_matches_reference_next_opening(case: SlaCase) -> None:
    assert_same_clocks(case, EngineConfig(at_closing=AtClosing.NEXT_OPENING))


ANOTHER_POLICY = EngineConfig(
    pauses={
        "first_response": frozenset({"on_hold"}),
        "next_reply": frozenset({"pending", "on_hold"}),
        "periodic_update": frozenset(),
        "resolution": frozenset({"pending", "new"}),
        "total_resolution": frozenset(),
    },
    ladder=(Level("early", 0.25), Level("late", 0.75), Level("due", 1.0), Level("bad", 1.5)),
)


@settings(deadline=None, max_examples=60)
@given(case=sla_cases())
def test_engine_matches_reference_another_policy(case: SlaCase) -> None:
    assert_same_clocks(case, ANOTHER_POLICY)


# ---------------------------------------------------------------------- scenarios by hand
Step = tuple[int, str, str | None, str | None, bool | None]  # at, kind, value, role, public


def clocks(
    steps: list[Step],
    created: int,
    as_of: int,
    goals: Mapping[str, int | None],
    config: EngineConfig | None = None,
    schedule: Schedule = BUSINESS,
) -> dict[tuple[str, int], dict[str, Any]]:
    """Run the engine on one ticket; rows by (metric, instance)."""
    rows = [
        ("x:1", datetime.fromtimestamp(t, UTC), seq, kind, value, role, public)
        for seq, (t, kind, value, role, public) in enumerate(steps, start=1)
    ]
    events = pl.DataFrame(rows, schema=EVENT_SCHEMA, orient="row")
    tickets = pl.DataFrame({"id": ["x:1"], "created_at": [datetime.fromtimestamp(created, UTC)]})
    tl = derive(events, tickets, as_of)
    targets = pl.DataFrame(
        [{"tix": 0, "calendar": schedule.name, **{m: goals.get(m) for m in METRICS}}],
        schema=TARGETS_SCHEMA,
    )
    out = compute_clocks(tl, targets, {schedule.name: schedule}, config or EngineConfig(), as_of)
    return {(r["metric"], r["instance"]): r for r in out.to_dicts()}


def status(t: int, value: str) -> Step:
    return (t, "status", value, None, None)


def said(t: int, role: str, public: bool = True) -> Step:
    return (t, "comment", None, role, public)


P2 = {
    "first_response": 1 * H,
    "next_reply": 4 * H,
    "periodic_update": 2 * H,
    "resolution": 8 * H,
    "total_resolution": 8 * H,
}


def test_pauses_spanning_days_and_a_holiday() -> None:
    # Created Mon 2026-03-02 10:00 EST; the agent answers at 11:00 and sets pending; the
    # customer answers Thu 10:00 (Wed 03-04 is a holiday); the agent solves Thu 15:00.
    holiday = Schedule(
        tz=NY, windows=BUSINESS.windows, closures=(Closure.day(date(2026, 3, 4)),), name="biz"
    )
    steps = [
        status(ny(2026, 3, 2, 10), "new"),
        said(ny(2026, 3, 2, 11), "agent"),
        status(ny(2026, 3, 2, 11), "pending"),
        said(ny(2026, 3, 3, 12), "agent", public=False),  # an internal note changes nothing
        said(ny(2026, 3, 5, 10), "customer"),
        status(ny(2026, 3, 5, 10), "open"),
        said(ny(2026, 3, 5, 15), "agent"),
        status(ny(2026, 3, 5, 15), "solved"),
    ]
    out = clocks(steps, ny(2026, 3, 2, 10), ny(2026, 3, 6, 12), P2, schedule=holiday)

    res = out["resolution", 1]
    # running Mon 10–11 (1 h) and Thu 10–15 (5 h): 6 h; business time in [Mon 10:00, Thu
    # 15:00) is Mon 8 h + Tue 9 h + Wed 0 h (holiday) + Thu 6 h = 23 h, so 17 h paused
    assert (res["elapsed_s"], res["paused_s"], res["status"]) == (6 * H, 17 * H, "met")
    assert res["stop"] == ny(2026, 3, 5, 15)
    # 8 h of running time: 6 h by the stop, then (running on) 2 h more: Thu 17:00
    assert res["deadline"] == ny(2026, 3, 5, 17)
    # 50 % = 4 h: 1 h Mon + 3 h Thu → Thu 13:00; 80 % = 6.4 h → Thu 15:24; 90 % = 7.2 h →
    # Thu 16:12; 200 % = 16 h: 6 h by Thu 15:00, 3 h to Thu 18:00, 7 h Fri → Fri 16:00
    assert [res[c] for c in LEVELS] == [
        ny(2026, 3, 5, 13),
        ny(2026, 3, 5, 15, 24),
        ny(2026, 3, 5, 16, 12),
        ny(2026, 3, 5, 17),
        ny(2026, 3, 6, 16),
    ]
    assert res["level"] == "yellow"  # 6 h > 4 h, not > 6.4 h
    assert out["total_resolution", 1]["elapsed_s"] == 6 * H

    first = out["first_response", 1]
    # exactly 1 h = the target: met, not breached; but past 50/80/90 %: red
    assert (first["elapsed_s"], first["status"], first["level"]) == (H, "met", "red")
    assert first["deadline"] == ny(2026, 3, 2, 11)

    reply = out["next_reply", 1]
    # the customer's Thu 10:00 message (after the agent's Mon 11:00) waits until Thu 15:00
    assert (reply["start"], reply["stop"]) == (ny(2026, 3, 5, 10), ny(2026, 3, 5, 15))
    assert (reply["elapsed_s"], reply["status"], reply["deadline"]) == (
        5 * H,
        "breached",
        ny(2026, 3, 5, 14),
    )

    # update clock from Mon 11:00 to the next public agent comment (Thu 15:00); paused while
    # pending (Mon 11:00–Thu 10:00), so 5 h ran: breached (target 2 h). The Thu 15:00 update
    # coincides with the solve: zero length, dropped.
    assert [k for k in out if k[0] == "periodic_update"] == [("periodic_update", 1)]
    update = out["periodic_update", 1]
    assert (update["elapsed_s"], update["paused_s"], update["status"]) == (
        5 * H,
        17 * H,
        "breached",
    )


REOPENED = [
    status(ny(2026, 3, 9, 9), "open"),
    said(ny(2026, 3, 9, 12), "agent"),
    status(ny(2026, 3, 9, 12), "solved"),
    said(ny(2026, 3, 10, 10), "customer"),
    status(ny(2026, 3, 10, 10), "open"),  # the reopening: cycle 2
    said(ny(2026, 3, 10, 14), "agent"),
    status(ny(2026, 3, 10, 14), "solved"),
]


def test_reopened_ticket_has_two_resolution_cycles() -> None:
    out = clocks(REOPENED, ny(2026, 3, 9, 9), ny(2026, 3, 11, 12), P2)
    one, two = out["resolution", 1], out["resolution", 2]
    # cycle 1: Mon 09:00–12:00 = 3 h; cycle 2: Tue 10:00–14:00 = 4 h
    assert (one["cycle"], one["start"], one["stop"], one["elapsed_s"]) == (
        1,
        ny(2026, 3, 9, 9),
        ny(2026, 3, 9, 12),
        3 * H,
    )
    assert (two["cycle"], two["start"], two["stop"], two["elapsed_s"]) == (
        2,
        ny(2026, 3, 10, 10),
        ny(2026, 3, 10, 14),
        4 * H,
    )
    total = out["total_resolution", 1]
    # total: Mon 09:00 to the last solve (Tue 14:00), paused while solved (Mon 12–18 = 6 h,
    # Tue 09–10 = 1 h): 7 h ran, 7 h paused
    assert (total["stop"], total["elapsed_s"], total["paused_s"]) == (
        ny(2026, 3, 10, 14),
        7 * H,
        7 * H,
    )
    assert out["next_reply", 1]["cycle"] == 2


def test_reopen_continue_resolution_is_paused_while_solved() -> None:
    # with reopen: continue, resolution is the same clock as total_resolution: 7 h ran,
    # 7 h paused (docs/sla.md: "paused while solved (the same as total_resolution)")
    out = clocks(
        REOPENED, ny(2026, 3, 9, 9), ny(2026, 3, 11, 12), P2, EngineConfig(reopen=Reopen.CONTINUE)
    )
    assert [k for k in out if k[0] == "resolution"] == [("resolution", 1)]
    res = out["resolution", 1]
    assert (res["start"], res["stop"]) == (ny(2026, 3, 9, 9), ny(2026, 3, 10, 14))
    assert (res["elapsed_s"], res["paused_s"], res["status"]) == (7 * H, 7 * H, "met")


def test_ticket_still_pending_at_as_of() -> None:
    # Mon 09:00 created, Mon 10:00 the agent asks and sets pending; nobody answers by Wed 12:00
    steps = [said(ny(2026, 3, 9, 10), "agent"), status(ny(2026, 3, 9, 10), "pending")]
    out = clocks(steps, ny(2026, 3, 9, 9), ny(2026, 3, 11, 12), P2)
    res = out["resolution", 1]
    # 1 h ran; [Mon 10:00, Wed 12:00) is 8 + 9 + 3 = 20 h of business time, all paused
    assert (res["status"], res["elapsed_s"], res["paused_s"]) == ("paused", H, 20 * H)
    assert res["stop"] is None
    assert res["deadline"] is None
    assert [res[c] for c in LEVELS] == [None] * 5  # not even 50 % (4 h) will ever be reached
    assert res["level"] is None
    assert out["periodic_update", 1]["status"] == "paused"
    assert out["first_response", 1]["status"] == "met"


def test_breached_running_clock_and_severe_breach() -> None:
    # P3 (first response 4 h, resolution 24 h); created Mon 2026-03-09 09:00 EDT, never
    # answered; as of Wed 12:00 EDT: 9 + 9 + 3 = 21 h of business time have run.
    steps = [status(ny(2026, 3, 9, 9), "open")]
    p3 = {"first_response": 4 * H, "resolution": 24 * H, "total_resolution": None}
    out = clocks(steps, ny(2026, 3, 9, 9), ny(2026, 3, 11, 12), p3)
    first = out["first_response", 1]
    assert (first["status"], first["stop"], first["elapsed_s"]) == ("breached", None, 21 * H)
    # 21 h > 2 × 4 h: severe. Deadline Mon 13:00; 200 % (8 h) was crossed Mon 17:00
    assert first["level"] == "severe"
    assert (first["deadline"], first["severe_at"]) == (ny(2026, 3, 9, 13), ny(2026, 3, 9, 17))
    res = out["resolution", 1]
    # 21 h of 24: past 80 % (19.2 h), not 90 % (21.6 h = Wed 12:36): orange, running,
    # deadline Wed 15:00
    assert (res["status"], res["level"]) == ("running", "orange")
    assert (res["red_at"], res["deadline"]) == (ny(2026, 3, 11, 12, 36), ny(2026, 3, 11, 15))
    assert out["total_resolution", 1]["status"] == "not_applicable"
    assert out["total_resolution", 1]["deadline"] is None


def test_severe_needs_more_than_twice_the_target() -> None:
    # P1 on 24/7: first response 15 min. Created Sat 2026-03-07 23:50 EST, answered 30 min
    # later (across midnight, before the 02:00 DST jump): 1 800 s = exactly 2 × 900: a breach,
    # not severe (a level is reached when elapsed *exceeds* its threshold).
    always = Schedule.always_open(name="24/7")
    created = ny(2026, 3, 7, 23, 50)
    out = clocks(
        [said(created + 30 * M, "agent")],
        created,
        created + H,
        {"first_response": 15 * M},
        schedule=always,
    )
    first = out["first_response", 1]
    assert (first["elapsed_s"], first["status"], first["level"]) == (30 * M, "breached", "breach")
    assert (first["deadline"], first["severe_at"]) == (created + 15 * M, created + 30 * M)


def test_warning_instants_of_a_running_p2_ticket() -> None:
    # P2 resolution 8 h; created Thu 2026-03-05 14:00 EST, open; as of Thu 16:00 (2 h ran).
    # 50 % = 4 h: Thu 14–18 → Thu 18:00, a closing time; 80 % = 6.4 h: + 2.4 h Fri → 11:24;
    # 90 % = 7.2 h → Fri 12:12; 100 % → Fri 13:00; 200 % = 16 h: 4 h Thu, 9 h Fri, 3 h on
    # Monday 2026-03-09 (EDT since Sunday) → Mon 12:00 EDT.
    steps = [status(ny(2026, 3, 5, 14), "open")]
    goals = {"resolution": 8 * H}
    out = clocks(steps, ny(2026, 3, 5, 14), ny(2026, 3, 5, 16), goals)
    res = out["resolution", 1]
    assert (res["status"], res["elapsed_s"], res["level"]) == ("running", 2 * H, None)
    assert [res[c] for c in LEVELS] == [
        ny(2026, 3, 5, 18),
        ny(2026, 3, 6, 11, 24),
        ny(2026, 3, 6, 12, 12),
        ny(2026, 3, 6, 13),
        ny(2026, 3, 9, 12),
    ]
    assert res["deadline"] == res["breach_at"]
    # with at_closing: next_opening the 50 % mark moves from Thu 18:00 to Fri 09:00
    opening = EngineConfig(at_closing=AtClosing.NEXT_OPENING)
    later = clocks(steps, ny(2026, 3, 5, 14), ny(2026, 3, 5, 16), goals, opening)
    assert later["resolution", 1]["yellow_at"] == ny(2026, 3, 6, 9)
    assert later["resolution", 1]["orange_at"] == ny(2026, 3, 6, 11, 24)


@pytest.mark.parametrize(
    ("mode", "elapsed"),
    [
        # created Mon 2026-03-09 09:00 EDT as P3; raised to P1 at 11:00; answered at 11:10.
        # from_creation: 2 h 10 min from 09:00; from_change: 10 min from 11:00.
        (PriorityChange.FROM_CREATION, 2 * H + 10 * M),
        (PriorityChange.FROM_CHANGE, 10 * M),
    ],
)
def test_priority_change(mode: PriorityChange, elapsed: int) -> None:
    steps = [
        status(ny(2026, 3, 9, 9), "open"),
        (ny(2026, 3, 9, 11), "priority", "P1", None, None),
        said(ny(2026, 3, 9, 11, 10), "agent"),
    ]
    goals = {"first_response": 15 * M}  # P1's: the current priority's target
    out = clocks(
        steps, ny(2026, 3, 9, 9), ny(2026, 3, 9, 12), goals, EngineConfig(priority_change=mode)
    )
    first = out["first_response", 1]
    assert first["elapsed_s"] == elapsed
    assert first["status"] == ("met" if mode is PriorityChange.FROM_CHANGE else "breached")


def test_priority_change_at_the_stop_does_not_restart() -> None:
    # a change at the very instant of the reply is not "before its stop": the clock keeps
    # its start (09:00) and 2 h 10 min ran
    steps = [
        status(ny(2026, 3, 9, 9), "open"),
        said(ny(2026, 3, 9, 11, 10), "agent"),
        (ny(2026, 3, 9, 11, 10), "priority", "P1", None, None),
    ]
    config = EngineConfig(priority_change=PriorityChange.FROM_CHANGE)
    out = clocks(steps, ny(2026, 3, 9, 9), ny(2026, 3, 9, 12), {"first_response": H}, config)
    assert out["first_response", 1]["start"] == ny(2026, 3, 9, 9)
    assert out["first_response", 1]["elapsed_s"] == 2 * H + 10 * M


def test_same_instant_solve_and_reopen_is_no_solve() -> None:
    # "solved" then "open" in the same second: the last wins, the ticket was never solved,
    # so there is one resolution cycle, still running at as_of: Mon 09:00–12:00 = 3 h.
    steps = [
        status(ny(2026, 3, 9, 9), "open"),
        status(ny(2026, 3, 9, 10), "solved"),
        status(ny(2026, 3, 9, 10), "open"),
    ]
    out = clocks(steps, ny(2026, 3, 9, 9), ny(2026, 3, 9, 12), P2)
    assert [k for k in out if k[0] == "resolution"] == [("resolution", 1)]
    res = out["resolution", 1]
    assert (res["stop"], res["status"], res["elapsed_s"]) == (None, "running", 3 * H)


def test_pause_starting_exactly_at_as_of_is_in_force() -> None:
    # The agent answers and sets pending at Mon 10:00, which is also as_of: events at as_of
    # are known, so the ticket is pending at as_of and its resolution clock is paused (1 h
    # ran, no deadline).
    steps = [said(ny(2026, 3, 9, 10), "agent"), status(ny(2026, 3, 9, 10), "pending")]
    out = clocks(steps, ny(2026, 3, 9, 9), ny(2026, 3, 9, 10), P2)
    res = out["resolution", 1]
    assert (res["status"], res["elapsed_s"], res["deadline"]) == ("paused", H, None)


def test_ladder_threshold_is_the_exact_ceiling() -> None:
    # A 55 % level on a 3-minute target: ⌈0.55 × 180⌉ = ⌈99⌉ = 99 s (in floating point
    # 0.55 × 180 = 99.00000000000001, whose ceiling would be 100). On 24/7, created at
    # 12:00:00 and still running at 12:01:40 (100 s > 99 s): the level is reached, at 12:01:39.
    always = Schedule.always_open(name="24/7")
    created = ny(2026, 3, 9, 12)
    config = EngineConfig(ladder=(Level("early", 0.55), Level("breach", 1.0)))
    out = clocks([], created, created + 100, {"first_response": 180}, config, always)
    first = out["first_response", 1]
    assert (first["early_at"], first["level"]) == (created + 99, "early")


def test_events_in_one_second_follow_the_sequence() -> None:
    # Instants are whole seconds and same-second status events apply in sequence order (the
    # last wins), whatever their microseconds: "pending" (seq 1, 10:00:00.000001) then "open"
    # (seq 2, 10:00:00.000000) leaves the ticket open. Its resolution clock runs 09:00–11:00,
    # 2 h. The frame is sorted like Store.load_events (ticket, at, seq): "open" comes first.
    ten = datetime(2026, 3, 9, 10, tzinfo=NY).astimezone(UTC)
    events = pl.DataFrame(
        [
            ("x:1", ten, 2, "status", "open", None, None),
            ("x:1", ten.replace(microsecond=1), 1, "status", "pending", None, None),
        ],
        schema=EVENT_SCHEMA,
        orient="row",
    )
    tickets = pl.DataFrame(
        {"id": ["x:1"], "created_at": [datetime.fromtimestamp(ny(2026, 3, 9, 9), UTC)]}
    )
    as_of = ny(2026, 3, 9, 11)
    tl = derive(events, tickets, as_of)
    targets = pl.DataFrame(
        [{"tix": 0, "calendar": "business", **{m: P2.get(m) for m in METRICS}}],
        schema=TARGETS_SCHEMA,
    )
    out = compute_clocks(tl, targets, {"business": BUSINESS}, EngineConfig(), as_of)
    res = out.filter(pl.col("metric") == "resolution").to_dicts()
    assert [(r["status"], r["elapsed_s"]) for r in res] == [("running", 2 * H)]


# ------------------------------------------------------------- many tickets, many threads
def many_tickets(n: int, seed: int = 11) -> SlaCase:
    """``n`` tickets over two weeks of March 2026 (across New York's DST change), each a
    random walk through the actions the Hypothesis strategies use, on two calendars."""
    rng = random.Random(seed)
    office = Schedule(
        tz=NY,
        windows=(((9 * H, 12 * H), (13 * H, 18 * H)),) * 5 + ((), ()),
        closures=(Closure.day(date(2026, 3, 10)),),
        name="office",
    )
    always = Schedule.always_open(name="24/7")
    start = ny(2026, 3, 2)
    choices = [*sorted(ACTIONS), *CONVERSATION, "priority"]
    specs, targets = [], {}
    for i in range(n):
        at = datetime.fromtimestamp(start + rng.randrange(14 * 86_400), UTC)
        spec = TicketSpec(f"m:{i:06d}", at, [(at, "status", "new", None, None)])
        for _ in range(rng.randrange(12)):
            at += timedelta(seconds=rng.choice([0, rng.randrange(1, 900), rng.randrange(36_000)]))
            action = rng.choice(choices)
            if action == "priority":
                spec.events.append((at, "priority", rng.choice(["P1", "P2", "P3"]), None, None))
            else:
                spec.events += [(at, *ev) for ev in ACTIONS[action]]
        specs.append(spec)
        goals = {
            m: rng.choice([None, 15 * M, H, 2 * H, 8 * H, rng.randrange(1, 30 * H)])
            for m in METRICS
        }
        targets[spec.id] = (rng.choice(["office", "24/7"]), goals)
    return SlaCase({"office": office, "24/7": always}, specs, targets, ny(2026, 3, 12, 15, 30))


@pytest.mark.slow
def test_many_tickets_split_over_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    # Large inputs are cut into one range per thread: the clocks must not depend on where the
    # cuts fall. Three threads of at least 1,000 rows over 6,000 tickets (about 22,000 clock
    # instances: every kernel is split) against one thread, and a sample of tickets from all
    # ranges against the reference.
    case = many_tickets(6_000)
    config = EngineConfig(priority_change=PriorityChange.FROM_CHANGE)
    events, tickets = frames(case.specs)
    tl = derive(events, tickets, case.as_of)
    targets = case.targets_frame(tl.tickets)
    monkeypatch.setattr(kernels, "THREADS", 3)
    monkeypatch.setattr(kernels, "MIN_PART", 1_000)
    split = compute_clocks(tl, targets, case.schedules, config, case.as_of)
    assert tl.tickets.height > 3 * 1_000  # the instance kernel ran on three ranges too
    assert split["status"].n_unique() == 5  # met, breached, running, paused, n/a all seen
    monkeypatch.setattr(kernels, "THREADS", 1)
    assert split.equals(compute_clocks(tl, targets, case.schedules, config, case.as_of))

    sample = SlaCase(case.schedules, case.specs[::60] + case.specs[-1:], case.targets, case.as_of)
    want = {m.id for m in sample.specs}
    got = sorted(split.filter(pl.col("ticket_id").is_in(want)).to_dicts(), key=key)
    ref = reference_rows(sample, config)
    assert [key(r) for r in got] == [key(r) for r in ref]
    for g, w in zip(got, ref, strict=True):
        diff = {c: (show(g[c]), show(w[c])) for c in w if g[c] != w[c]}
        assert not diff, f"{key(w)} (engine, reference): {diff}"


def test_a_calendar_without_business_time_in_reach_is_an_error() -> None:
    # Office hours, but closed from Tue 2026-03-10 for good: a P2 resolution (8 h) started
    # Mon 17:00 has 1 h of business time left and can never reach its target. A ticket on
    # that calendar without a target is fine.
    closed = Schedule(
        tz=NY,
        windows=BUSINESS.windows,
        closures=(Closure(datetime(2026, 3, 10), datetime(2200, 1, 1), "closed for good"),),
        name="closing-down",
    )
    steps = [status(ny(2026, 3, 9, 17), "open")]
    with pytest.raises(ValueError, match="'closing-down' has no business time in reach"):
        clocks(steps, ny(2026, 3, 9, 17), ny(2026, 3, 9, 17, 30), P2, schedule=closed)
    out = clocks(steps, ny(2026, 3, 9, 17), ny(2026, 3, 9, 17, 30), {}, schedule=closed)
    assert {r["status"] for r in out.values()} == {"not_applicable"}
