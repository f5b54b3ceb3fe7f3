"""The business clock against the slow reference (tests/reference_sla.py) and by hand.

Worked examples write their arithmetic in comments; the expected instants are local wall
times, so a wrong DST offset shows up as a wrong hour.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_sla import ref_deadline, ref_elapsed
from strategies import business_seconds, focuses, grid_seconds, instants, schedules
from supportops.core.clock import AtClosing, Closure, Schedule

H = 3600
DAY = 86_400
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
CLOSING, NEXT_OPENING = AtClosing.CLOSING, AtClosing.NEXT_OPENING


def at(tz: ZoneInfo, *fields: int) -> int:
    """Epoch seconds of a local wall time (year, month, day, hour, minute, second) that exists
    exactly once."""
    year, month, day, hour, minute, second = (*fields, 0, 0, 0)[:6]
    return int(datetime(year, month, day, hour, minute, second, tzinfo=tz).timestamp())


def week(*days: tuple[tuple[int, int], ...]) -> tuple[tuple[tuple[int, int], ...], ...]:
    return (*days, *((),) * (7 - len(days)))


OFFICE = week(*[((9 * H, 17 * H),)] * 5)  # Mon–Fri 09:00–17:00
SEED_HOURS = week(*[((9 * H, 18 * H),)] * 5)  # Mon–Fri 09:00–18:00


def elapsed(schedule: Schedule, a: int, b: int) -> int:
    return int(schedule.compile(a - 3 * DAY, b + 3 * DAY).elapsed([a], [b])[0])


def deadline(schedule: Schedule, t: int, s: int, mode: AtClosing = CLOSING) -> int:
    return int(schedule.compile(t - DAY, t + DAY).deadline([t], [s], mode)[0])


# ------------------------------------------------------------------- against the reference
@settings(deadline=None, max_examples=200)
@given(data=st.data())
def test_elapsed_matches_reference(data: st.DataObject) -> None:
    focus = data.draw(focuses())
    schedule = data.draw(schedules(focus.zone, focus.day))
    pairs = data.draw(st.lists(st.tuples(instants(focus), instants(focus)), max_size=5))
    # and one stretch that covers the focus date (the DST transition, most of the time)
    pairs.append(
        (focus.instant(-1, data.draw(grid_seconds)), focus.instant(1, data.draw(grid_seconds)))
    )
    a = [p[0] for p in pairs]
    b = [p[1] for p in pairs]
    clock = schedule.compile(min(a + b) - DAY, max(a + b) + DAY)
    got = [int(x) for x in clock.elapsed(a, b)]
    assert got == [ref_elapsed(schedule, x, y) for x, y in pairs]


@pytest.mark.parametrize("mode", [CLOSING, NEXT_OPENING])
@settings(deadline=None, max_examples=200)
@given(data=st.data())
def test_deadline_matches_reference(mode: AtClosing, data: st.DataObject) -> None:
    focus = data.draw(focuses())
    schedule = data.draw(schedules(focus.zone, focus.day))
    starts = data.draw(st.lists(instants(focus), min_size=1, max_size=6))
    starts.append(focus.instant(-1, data.draw(grid_seconds)))  # before the focus date's night
    budgets = data.draw(st.lists(business_seconds, min_size=len(starts), max_size=len(starts)))
    # compiled over a short range on purpose: the clock must extend itself
    clock = schedule.compile(min(starts), max(starts) + H)
    got = [int(x) for x in clock.deadline(starts, budgets, mode)]
    assert got == [ref_deadline(schedule, t, s, mode) for t, s in zip(starts, budgets, strict=True)]


# ------------------------------------------------------------------------ worked examples
def test_friday_afternoon_plus_two_hours_is_monday_ten() -> None:
    office = Schedule(tz=BERLIN, windows=OFFICE)
    # Fri 2026-01-16 16:00: 16:00–17:00 Friday = 1 h; the weekend is closed; Mon 2026-01-19
    # 09:00 + the remaining 1 h = 10:00.
    friday = at(BERLIN, 2026, 1, 16, 16, 0)
    assert deadline(office, friday, 2 * H) == at(BERLIN, 2026, 1, 19, 10, 0)
    assert elapsed(office, friday, at(BERLIN, 2026, 1, 19, 10, 0)) == 2 * H
    # across New York's spring-forward Sunday (2026-03-08): still Monday 10:00 local
    office_ny = Schedule(tz=NEW_YORK, windows=OFFICE)
    assert deadline(office_ny, at(NEW_YORK, 2026, 3, 6, 16, 0), 2 * H) == at(
        NEW_YORK, 2026, 3, 9, 10, 0
    )


def test_created_on_a_holiday() -> None:
    xmas = (Closure.day(date(2026, 12, 24), "Heiligabend"), Closure.day(date(2026, 12, 25), "W1"))
    office = Schedule(tz=BERLIN, windows=OFFICE, closures=xmas)
    # Thu 24th 11:00 (holiday), Fri 25th holiday, weekend: nothing counts until Mon 28th
    # 09:00; 4 h later is 13:00.
    created = at(BERLIN, 2026, 12, 24, 11, 0)
    assert elapsed(office, created, at(BERLIN, 2026, 12, 28, 9, 0)) == 0
    assert elapsed(office, created, at(BERLIN, 2026, 12, 28, 12, 0)) == 3 * H
    assert deadline(office, created, 4 * H) == at(BERLIN, 2026, 12, 28, 13, 0)


def test_partial_closure_is_subtracted() -> None:
    # Tue 2026-01-20 closed 12:00–14:00 (staff meeting): 09–12 + 14–17 = 6 h that day
    meeting = Closure(datetime(2026, 1, 20, 12), datetime(2026, 1, 20, 14))
    office = Schedule(tz=BERLIN, windows=OFFICE, closures=(meeting,))
    assert elapsed(office, at(BERLIN, 2026, 1, 20, 0, 0), at(BERLIN, 2026, 1, 21, 0, 0)) == 6 * H
    # 11:00 + 2 h: 11–12 is 1 h, then 14:00 + 1 h = 15:00; 3 h from 09:00 ends exactly at the
    # start of the closure, a closing time: 12:00, or 14:00 with next_opening
    assert deadline(office, at(BERLIN, 2026, 1, 20, 11, 0), 2 * H) == at(BERLIN, 2026, 1, 20, 15)
    tuesday_nine = at(BERLIN, 2026, 1, 20, 9, 0)
    assert deadline(office, tuesday_nine, 3 * H) == at(BERLIN, 2026, 1, 20, 12, 0)
    assert deadline(office, tuesday_nine, 3 * H, NEXT_OPENING) == at(BERLIN, 2026, 1, 20, 14, 0)


def test_created_before_opening() -> None:
    office = Schedule(tz=BERLIN, windows=OFFICE)
    # Tue 07:30 + 1 h: nothing counts before 09:00, so 10:00
    created = at(BERLIN, 2026, 1, 20, 7, 30)
    assert deadline(office, created, H) == at(BERLIN, 2026, 1, 20, 10, 0)
    assert deadline(office, created, H, NEXT_OPENING) == at(BERLIN, 2026, 1, 20, 10, 0)
    assert elapsed(office, created, at(BERLIN, 2026, 1, 20, 9, 30)) == 1800


def test_created_exactly_at_closing_time() -> None:
    office = Schedule(tz=BERLIN, windows=OFFICE)
    created = at(BERLIN, 2026, 1, 20, 17, 0)  # Tuesday, the closing instant
    # Wed 09:00–17:00 is the next 8 h: they run out exactly at Wed 17:00, a closing time:
    # the deadline is Wed 17:00 (closing) or Thu 09:00 (next_opening).
    assert deadline(office, created, 8 * H) == at(BERLIN, 2026, 1, 21, 17, 0)
    assert deadline(office, created, 8 * H, NEXT_OPENING) == at(BERLIN, 2026, 1, 22, 9, 0)
    # one second less ends inside the window: both conventions agree
    assert deadline(office, created, 8 * H - 1) == at(BERLIN, 2026, 1, 21, 16, 59, 59)
    assert deadline(office, created, 8 * H - 1, NEXT_OPENING) == at(BERLIN, 2026, 1, 21, 16, 59, 59)
    # a zero budget at the closing instant: T = t = 17:00, a closing time
    assert deadline(office, created, 0) == created
    assert deadline(office, created, 0, NEXT_OPENING) == at(BERLIN, 2026, 1, 21, 9, 0)
    assert elapsed(office, created, at(BERLIN, 2026, 1, 21, 9, 0)) == 0


def test_zero_budget_outside_hours_is_the_instant_itself() -> None:
    # deadline(t, 0) is the earliest T >= t with elapsed(t, T) = 0: T = t. Tue 20:00 is not a
    # closing time, so next_opening does not move it (docs/sla.md, "Business time").
    office = Schedule(tz=BERLIN, windows=OFFICE)
    evening = at(BERLIN, 2026, 1, 20, 20, 0)
    assert deadline(office, evening, 0) == evening
    assert deadline(office, evening, 0, NEXT_OPENING) == evening


def test_berlin_spring_forward_sunday() -> None:
    # 2026-03-29: at 02:00 CET (01:00 UTC) clocks jump to 03:00 CEST.
    sunday = (((9 * H, 17 * H),),)
    office = Schedule(tz=BERLIN, windows=week(*[()] * 6, *sunday))
    day = at(BERLIN, 2026, 3, 29, 0, 0), at(BERLIN, 2026, 3, 30, 0, 0)
    # 09:00 CEST = 07:00 UTC to 17:00 CEST = 15:00 UTC: 8 h
    assert elapsed(office, *day) == 8 * H
    # 00:00 CET = 23:00 UTC (Sat) to 04:00 CEST = 02:00 UTC: 3 h
    small_hours = Schedule(tz=BERLIN, windows=week(*[()] * 6, ((0, 4 * H),)))
    assert elapsed(small_hours, *day) == 3 * H
    assert deadline(small_hours, day[0], 2 * H) == at(BERLIN, 2026, 3, 29, 3, 0)  # 01:00 UTC


def test_window_starting_in_the_spring_gap() -> None:
    # 02:30 does not exist on 2026-03-29 in Berlin: it is read as the instant the gap ends,
    # 03:00 CEST = 01:00 UTC. 02:30–05:00 is 01:00–03:00 UTC: 2 h.
    gap = Schedule(tz=BERLIN, windows=week(*[()] * 6, ((2 * H + 1800, 5 * H),)))
    day = at(BERLIN, 2026, 3, 29, 0, 0), at(BERLIN, 2026, 3, 30, 0, 0)
    assert elapsed(gap, *day) == 2 * H
    # a closure from 02:15 to 03:30 local that morning is 01:00–01:30 UTC
    closed = Closure(datetime(2026, 3, 29, 2, 15), datetime(2026, 3, 29, 3, 30))
    always = Schedule(tz=BERLIN, always=True, closures=(closed,))
    assert elapsed(always, *day) == 23 * H - 1800


def test_berlin_fall_back_sunday() -> None:
    # 2026-10-25: at 03:00 CEST (01:00 UTC) clocks go back to 02:00 CET: the day has 25 h.
    small_hours = Schedule(tz=BERLIN, windows=week(*[()] * 6, ((0, 4 * H),)))
    day = at(BERLIN, 2026, 10, 25, 0, 0), at(BERLIN, 2026, 10, 26, 0, 0)
    # 00:00 CEST = 22:00 UTC (Sat) to 04:00 CET = 03:00 UTC: 5 h
    assert elapsed(small_hours, *day) == 5 * H
    office = Schedule(tz=BERLIN, windows=week(*[()] * 6, ((9 * H, 17 * H),)))
    assert elapsed(office, *day) == 8 * H


def test_window_past_midnight() -> None:
    # Mondays 22:00–02:00 (the window runs into Tuesday), nothing else.
    night = Schedule(tz=BERLIN, windows=week(((22 * H, 26 * H),)))
    monday = at(BERLIN, 2026, 1, 19, 0, 0)
    assert elapsed(night, monday, monday + 7 * DAY) == 4 * H
    # Tue 00:00–02:00 belongs to Monday's window; Monday's own 00:00–02:00 is closed
    assert elapsed(night, monday, monday + 2 * H) == 0
    assert elapsed(night, monday + DAY, monday + DAY + 2 * H) == 2 * H
    # Mon 23:00 + 2 h = Tue 01:00; + 3 h ends at the closing, Tue 02:00, or next Mon 22:00
    late = at(BERLIN, 2026, 1, 19, 23, 0)
    assert deadline(night, late, 2 * H) == at(BERLIN, 2026, 1, 20, 1, 0)
    assert deadline(night, late, 3 * H) == at(BERLIN, 2026, 1, 20, 2, 0)
    assert deadline(night, late, 3 * H, NEXT_OPENING) == at(BERLIN, 2026, 1, 26, 22, 0)
    # + 4 h: 3 h this week, 1 h from next Monday 22:00: 23:00
    assert deadline(night, late, 4 * H) == at(BERLIN, 2026, 1, 26, 23, 0)


def test_overlapping_windows_merge() -> None:
    # 09–13 and 12–17 overlap: the day is 09–17, 8 h, and 13:00 is not a closing time
    overlapping = Schedule(tz=BERLIN, windows=week(((9 * H, 13 * H), (12 * H, 17 * H))))
    monday = at(BERLIN, 2026, 1, 19, 0, 0)
    assert elapsed(overlapping, monday, monday + DAY) == 8 * H
    assert deadline(overlapping, monday, 4 * H, NEXT_OPENING) == at(BERLIN, 2026, 1, 19, 13, 0)


@pytest.mark.parametrize(
    ("priority", "budget", "expected"),
    [
        # created Fri 2026-03-06 17:30 EST; the office is Mon–Fri 09:00–18:00 New York, P1 24/7
        ("P1", 15 * 60, (2026, 3, 6, 17, 45)),  # 24/7: 17:30 + 15 min
        ("P2", 1 * H, (2026, 3, 9, 9, 30)),  # 30 min Fri + 30 min Mon (EDT since Sunday)
        ("P3", 4 * H, (2026, 3, 9, 12, 30)),  # 30 min Fri + 3 h 30 Mon
        ("P4", 8 * H, (2026, 3, 9, 16, 30)),  # 30 min Fri + 7 h 30 Mon
        ("P5", 24 * H, (2026, 3, 11, 14, 30)),  # 0.5 + 9 (Mon) + 9 (Tue) + 5.5 (Wed) h
    ],
)
def test_seed_first_response_targets(priority: str, budget: int, expected: tuple[int, ...]) -> None:
    office = Schedule(tz=NEW_YORK, windows=SEED_HOURS, name="business")
    schedule = Schedule.always_open() if priority == "P1" else office
    created = at(NEW_YORK, 2026, 3, 6, 17, 30)
    assert deadline(schedule, created, budget) == at(NEW_YORK, *expected)
    assert elapsed(schedule, created, at(NEW_YORK, *expected)) == budget


def test_seed_resolution_targets() -> None:
    # resolution P2 8 h, P3 24 h, P5 5 business days (5 × 9 h = 45 h), from Mon 2026-03-09
    # 09:00 EDT: 8 h → Mon 17:00; 24 h = 9 + 9 + 6 → Wed 15:00; 45 h = five full days, ending
    # at the Friday 18:00 closing (next_opening: Monday 2026-03-16 09:00).
    office = Schedule(tz=NEW_YORK, windows=SEED_HOURS)
    monday = at(NEW_YORK, 2026, 3, 9, 9, 0)
    assert deadline(office, monday, 8 * H) == at(NEW_YORK, 2026, 3, 9, 17, 0)
    assert deadline(office, monday, 24 * H) == at(NEW_YORK, 2026, 3, 11, 15, 0)
    assert deadline(office, monday, 45 * H) == at(NEW_YORK, 2026, 3, 13, 18, 0)
    assert deadline(office, monday, 45 * H, NEXT_OPENING) == at(NEW_YORK, 2026, 3, 16, 9, 0)


def test_vectorized_queries_agree_with_single_ones() -> None:
    office = Schedule(tz=NEW_YORK, windows=SEED_HOURS)
    starts = [at(NEW_YORK, 2026, 3, d, h, 0) for d in range(2, 14) for h in (0, 9, 12, 18, 23)]
    clock = office.compile(min(starts), max(starts))
    together = clock.deadline(starts, [5 * H] * len(starts))
    assert [int(x) for x in together] == [ref_deadline(office, t, 5 * H) for t in starts]
