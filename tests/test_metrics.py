"""The scorecard engine on hand-built timelines; every expected figure is worked by hand.

Policy: the built-in default. Calendar "business" = Mon-Fri 09:00-18:00 America/New_York
with US holidays (Monday 2026-02-16 is Washington's Birthday); P1 runs on "24x7". In
February 2026 New York is on EST (UTC-5). Report periods are cut in New York time: week 7
is Mon 2026-02-09 .. Sun 02-15, week 8 is Mon 02-16 .. Sun 02-22.

The seven tickets of :func:`seven` (local times, all P3 unless said; customer tier business):

=====  ==================================================================================
T1     Fri 02-13 17:00 created; Tue 02-17 10:30 first reply (a1); 11:00 solved.
T2     Mon 02-09 10:00 created; 10:20 reply (a1); 11:00 customer "still broken";
       11:30 reply (a1); 11:45 solved.
T3     Tue 02-10 09:00 created; 09:30 reply (a1); 10:00 solved; Wed 02-11 09:00 customer
       writes and it reopens; 09:15 reply (a1); 09:30 solved.
T4     P2. Wed 02-11 09:00 created (tier L1, a1); 09:10 reply (a1); 10:00 tier L2, a2;
       Thu 02-12 12:00 solved.
T5     P2. Thu 02-12 09:00 created (a2); 09:05 escalation raised; 09:20 reply (a2);
       10:00 solved.
T6     P4. Fri 02-13 10:00 created; never answered, never solved.
T7     Mon 02-09 12:00 created; 12:05 a1 merges it into T2 (public note, closed).
=====  ==================================================================================

Measured at ``AS_OF`` = Fri 02-20 12:00 EST (17:00 UTC).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from supportops.core.metrics import make_periods
from supportops.errors import InputError
from supportops.model import Agent, Event, Organization, Ticket
from supportops.policy import default_policy, load_policy
from supportops.scorecard import ScorecardResult, compute_scorecard, metric_infos
from supportops.store import Store

NY = ZoneInfo("America/New_York")
H, M, D = 3600, 60, 86_400
W7, W8 = date(2026, 2, 9), date(2026, 2, 16)


def at(day: str, hm: str) -> datetime:
    """A New York local time as a UTC instant."""
    local = datetime.fromisoformat(f"{day}T{hm}").replace(tzinfo=NY)
    return local.astimezone(UTC)


AS_OF = at("2026-02-20", "12:00")


@dataclass
class T:
    """One ticket and its timeline, written the way a help desk would record it."""

    n: int
    created: datetime
    priority: str = "P3"
    assignee: str | None = "m:a1"
    events: list[Event] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.id = f"m:{self.n}"
        self.add(self.created, "created", actor_role="customer")
        self.add(self.created, "status", value="new")
        self.add(self.created, "priority", value=self.priority)
        if self.assignee:
            self.add(self.created, "assignee", value=self.assignee)

    def add(self, when: datetime, kind: str, **kw: Any) -> T:
        self.events.append(Event(ticket_id=self.id, at=when, kind=kind, **kw))
        return self

    def reply(self, when: datetime, agent: str = "m:a1") -> T:
        self.add(when, "status", value="open")
        return self.add(when, "comment", actor=agent, actor_role="agent", public=True, body="x")

    def customer(self, when: datetime) -> T:
        return self.add(when, "comment", actor="c", actor_role="customer", public=True, body="y")

    def solve(self, when: datetime) -> T:
        return self.add(when, "status", value="solved")

    def survey(self, when: datetime, score: int, kind: str | None = None) -> T:
        return self.add(when, "csat", value=kind, number=score, actor_role="customer")

    def ticket(self) -> Ticket:
        return Ticket(
            id=self.id,
            source="m",
            external_id=str(self.n),
            created_at=self.created,
            organization_id="m:o1",
            channel="email" if self.n % 2 else "web",
            category="login",
            priority=self.priority,
            assignee_id=self.assignee,
        )


def load(store: Store, *tickets: T) -> None:
    with store.writer("m") as w:
        w.add(Organization(id="m:o1", name="Org", tier="business"))
        w.add(Agent(id="m:a1", name="Ana", tier="L1", team="Support"))
        w.add(Agent(id="m:a2", name="Bo", tier="L2", team="Support"))
        for t in tickets:
            w.add(t.ticket())
        for t in tickets:
            for e in t.events:
                w.add(e)


def t1() -> T:
    return (
        T(1, at("2026-02-13", "17:00"))
        .reply(at("2026-02-17", "10:30"))
        .solve(at("2026-02-17", "11:00"))
        .survey(at("2026-02-17", "12:00"), 5)
    )


def t2() -> T:
    return (
        T(2, at("2026-02-09", "10:00"))
        .reply(at("2026-02-09", "10:20"))
        .customer(at("2026-02-09", "11:00"))
        .reply(at("2026-02-09", "11:30"))
        .solve(at("2026-02-09", "11:45"))
        .survey(at("2026-02-09", "13:00"), 3)
    )


def t3() -> T:
    return (
        T(3, at("2026-02-10", "09:00"))
        .reply(at("2026-02-10", "09:30"))
        .solve(at("2026-02-10", "10:00"))
        .survey(at("2026-02-10", "11:00"), 4)
        .customer(at("2026-02-11", "09:00"))
        .add(at("2026-02-11", "09:00"), "status", value="open")
        .reply(at("2026-02-11", "09:15"))
        .solve(at("2026-02-11", "09:30"))
        .survey(at("2026-02-11", "10:00"), 2)  # the last rating is the one that counts
    )


def t4() -> T:
    t = T(4, at("2026-02-11", "09:00"), priority="P2")
    t.add(t.created, "tier", value="L1")
    t.reply(at("2026-02-11", "09:10"))
    t.add(at("2026-02-11", "10:00"), "tier", value="L2")
    t.add(at("2026-02-11", "10:00"), "assignee", value="m:a2")
    return t.solve(at("2026-02-12", "12:00")).survey(at("2026-02-12", "13:00"), 4)


def t5() -> T:
    t = T(5, at("2026-02-12", "09:00"), priority="P2", assignee="m:a2")
    t.add(at("2026-02-12", "09:05"), "escalation", action="raised", number=1, body="VIP")
    t.reply(at("2026-02-12", "09:20"), agent="m:a2")
    return t.solve(at("2026-02-12", "10:00")).survey(at("2026-02-12", "11:00"), 1)


def t6() -> T:
    return T(6, at("2026-02-13", "10:00"), priority="P4", assignee=None)


def t7() -> T:
    t = T(7, at("2026-02-09", "12:00"))
    when = at("2026-02-09", "12:05")
    t.add(when, "comment", actor="m:a1", actor_role="agent", public=True, body="merged")
    t.add(when, "merge", value="m:2")
    return t.add(when, "status", value="closed")


def seven() -> list[T]:
    return [t1(), t2(), t3(), t4(), t5(), t6(), t7()]


def card(store: Store, **kw: Any) -> ScorecardResult:
    return compute_scorecard(store, default_policy(), as_of=AS_OF, **kw)


def one(result: ScorecardResult) -> dict[str, Any]:
    assert result.rows.height == 1
    return result.rows.row(0, named=True)


@pytest.fixture
def seven_store(store: Store) -> Iterator[Store]:
    load(store, *seven())
    return store


# --------------------------------------------------------------------------- times
def test_first_response_in_business_hours_skips_the_weekend_and_a_holiday(store: Store) -> None:
    load(store, t1())
    row = one(card(store))
    # Fri 17:00-18:00 = 1h; Sat, Sun closed; Mon 02-16 a holiday; Tue 09:00-10:30 = 1h30m
    assert row["first_response_time"] == 2.5 * H
    # calendar: Fri 17:00 -> Tue 10:30 = 3 days 17h30m = 89.5 h
    assert row["first_response_time_calendar"] == 89.5 * H
    # solved Tue 11:00: business 1h + 2h; calendar 90 h
    assert row["resolution_time"] == 3 * H
    assert row["resolution_time_calendar"] == 90 * H


def test_p1_runs_on_the_24x7_calendar(store: Store) -> None:
    # Sat 02-14 03:00 created, 03:20 answered: 20 minutes on either clock
    t = T(8, at("2026-02-14", "03:00"), priority="P1").reply(at("2026-02-14", "03:20"))
    load(store, t)
    row = one(card(store))
    assert row["first_response_time"] == 20 * M
    assert row["first_response_time_calendar"] == 20 * M


def test_response_and_resolution_statistics(seven_store: Store) -> None:
    row = one(card(seven_store))
    # FRT, business, T1..T5 (T6 unanswered, T7 merged): 2h30m, 20m, 30m, 10m, 20m
    # sorted 600, 1200, 1200, 1800, 9000 s
    assert row["first_response_time"] == 1200
    assert row["first_response_time_mean"] == (600 + 1200 + 1200 + 1800 + 9000) / 5  # 2760
    assert row["first_response_time_p90"] == pytest.approx(1800 + 0.6 * (9000 - 1800))  # 6120
    # calendar: T1 is 89.5 h = 322200 s, the others as in business time
    assert row["first_response_time_calendar_mean"] == (600 + 1200 + 1200 + 1800 + 322_200) / 5
    # first resolution, business: T1 3h, T2 1h45m, T3 1h, T4 Wed 09:00-18:00 + Thu
    # 09:00-12:00 = 12h, T5 1h -> 3600, 3600, 6300, 10800, 43200
    assert row["resolution_time"] == 6300
    assert row["resolution_time_mean"] == (3600 + 3600 + 6300 + 10800 + 43200) / 5  # 13500
    assert row["resolution_time_p90"] == pytest.approx(10800 + 0.6 * (43200 - 10800))
    # calendar: T1 90h, T4 27h -> 3600, 3600, 6300, 97200, 324000
    assert row["resolution_time_calendar_mean"] == (3600 + 3600 + 6300 + 97200 + 324000) / 5
    # full resolution: T3 runs to its second solve, Tue 09:00 -> Wed 09:30: 9h + 30m
    # business -> 3600, 6300, 10800, 34200, 43200
    assert row["full_resolution_time"] == 10800
    assert row["full_resolution_time_calendar_p90"] == pytest.approx(
        # calendar: T1 324000, T2 6300, T3 24h30m = 88200, T4 97200, T5 3600
        97200 + 0.6 * (324000 - 97200)
    )
    assert (row["n_tickets"], row["solved"]) == (7, 5)


# --------------------------------------------------------------------------- FCR & co
def test_first_contact_resolution_edge_cases(seven_store: Store) -> None:
    row = one(card(seven_store))
    # Solved, answered, not merged: T1..T5. T2 had a customer follow-up, T3 reopened,
    # T4 was elevated, T5 escalated: only T1 is resolved on first contact.
    assert row["fcr"] == 1 / 5
    # one public agent reply: T1, T4, T5 (T2 and T3 had two)
    assert row["one_touch"] == 3 / 5
    # T3 reopened, out of the five solved
    assert row["reopen_rate"] == 1 / 5


def test_a_follow_up_after_the_solve_is_not_a_follow_up(store: Store) -> None:
    # the customer's thanks comes after the solve and the ticket stays solved: still FCR
    t = t1().customer(at("2026-02-17", "11:30"))
    load(store, t)
    assert one(card(store))["fcr"] == 1.0


def test_escalation_and_elevation_rates(seven_store: Store) -> None:
    row = one(card(seven_store))
    # six tickets besides the merged duplicate; T5 escalated (event), T4 elevated to L2
    assert row["true_escalation_rate"] == 1 / 6
    assert row["elevation_rate"] == 1 / 6
    assert row["escalation_rate"] == 2 / 6


# --------------------------------------------------------------------------- surveys
def test_csat_counts_the_last_rating_of_each_ticket(seven_store: Store) -> None:
    row = one(card(seven_store))
    # last ratings: T1 5, T2 3, T3 2 (after a 4), T4 4, T5 1 -> 4-5: T1 and T4 = 2 of 5
    assert (row["csat"], row["csat_responses"]) == (2 / 5, 5)
    assert row["nps"] is None
    assert row["ces"] is None
    assert row["nps_responses"] == 0


def test_nps_and_ces_from_named_surveys(store: Store) -> None:
    day = "2026-02-17"
    tickets = [
        t1().survey(at(day, "13:00"), 10, "nps").survey(at(day, "13:00"), 2, "ces"),
        t2().survey(at(day, "13:00"), 9, "nps").survey(at(day, "13:00"), 5, "ces"),
        t3().survey(at(day, "13:00"), 7, "nps"),
        t4().survey(at(day, "13:00"), 3, "NPS"),
    ]
    load(store, *tickets)
    row = one(card(store))
    # promoters 10, 9 = 2/4 = 50 %; detractor 3 = 1/4 = 25 %; passive 7 -> 50 - 25 = 25
    assert (row["nps"], row["nps_responses"]) == (25.0, 4)
    assert (row["ces"], row["ces_responses"]) == ((2 + 5) / 2, 2)
    # the plain csat ratings are counted apart: T1 5, T2 3, T3 2, T4 4 -> 2 of 4
    assert (row["csat"], row["csat_responses"]) == (0.5, 4)


# --------------------------------------------------------------------------- SLA
def test_sla_compliance(seven_store: Store) -> None:
    row = one(card(seven_store))
    # first response: T6 (P4, 8h) unanswered for 38 business hours: breached; the other
    # six answered in time (T1 2h30m of 4h, T4 10m and T5 20m of 1h, T7 5m) -> 6/7
    assert row["sla_response"] == 6 / 7
    # resolution cycles: T4 (P2, 8h) took 12 business hours: breached; met: T1, T2, T3
    # (both cycles), T5, T7; T6 still running -> 6/7
    assert row["sla_resolution"] == 6 / 7


# --------------------------------------------------------------------------- states
def test_backlog_and_queue_at_each_week_end(seven_store: Store) -> None:
    result = card(seven_store, period="week")
    rows = {r["period"]: r for r in result.rows.iter_rows(named=True)}
    assert list(rows) == [W7, W8]
    w7, w8 = rows[W7], rows[W8]
    # week 7 ends Sun 02-15 23:59:59: open are T1 (solved Tue) and T6, both unanswered
    # ages: T1 from Fri 17:00 = 2d 6:59:59 = 197999 s; T6 from Fri 10:00 = 223199 s
    assert w7["backlog"] == 2
    assert w7["queue_depth"] == 2
    assert w7["backlog_age"] == (197_999 + 223_199) / 2
    assert w7["queue_wait_max"] == 223_199
    # week 8's state is taken at as_of, Fri 02-20 12:00: only T6, a week and two hours old
    assert (w8["backlog"], w8["backlog_age"], w8["queue_depth"]) == (1, 7 * D + 2 * H, 1)


def test_weekly_flows_go_to_the_week_of_their_instant(seven_store: Store) -> None:
    rows = {r["period"]: r for r in card(seven_store, period="week").rows.iter_rows(named=True)}
    # all seven created in week 7; T1 solved in week 8, the other four in week 7
    assert (rows[W7]["n_tickets"], rows[W8]["n_tickets"]) == (7, 0)
    assert (rows[W7]["solved"], rows[W8]["solved"]) == (4, 1)
    # ratings: week 7 T2 3, T3 2, T4 4, T5 1 -> 1/4; week 8 T1 5 -> 1/1
    assert (rows[W7]["csat"], rows[W8]["csat"]) == (0.25, 1.0)
    # FRT in week 7 (by creation) holds all five answers; week 8 has no created tickets
    assert rows[W8]["first_response_time"] is None


def test_months_and_since_until(seven_store: Store) -> None:
    result = card(seven_store, period="month")
    assert result.rows["period"].to_list() == [date(2026, 2, 1)]
    # Wed 02-11 to Thu 02-12: only T4 and T5 are created within the range
    result = card(seven_store, since=date(2026, 2, 11), until=date(2026, 2, 12))
    assert one(result)["n_tickets"] == 2
    with pytest.raises(InputError, match="before --since"):
        card(seven_store, since=date(2026, 2, 12), until=date(2026, 2, 11))


def test_segments(seven_store: Store) -> None:
    result = card(seven_store, by=["agent"])
    rows = {r["agent"]: r for r in result.rows.iter_rows(named=True)}
    # assignee at as_of: a1 T1, T2, T3, T7; a2 T4 (reassigned at the elevation), T5; T6 none
    assert {k: r["n_tickets"] for k, r in rows.items()} == {"m:a1": 4, "m:a2": 2, None: 1}
    assert rows["m:a1"]["agent_name"] == "Ana"
    # a1's solved: T1, T2, T3 (T7 merged) -> one FCR (T1) of three
    assert rows["m:a1"]["fcr"] == 1 / 3
    by_priority = {r["priority"]: r for r in card(seven_store, by=["priority"]).rows.to_dicts()}
    assert {p: r["n_tickets"] for p, r in by_priority.items()} == {"P2": 2, "P3": 4, "P4": 1}
    assert by_priority["P2"]["true_escalation_rate"] == 0.5
    # tier: T4's last tier event says L2; the others have none and no group
    tiers = {r["tier"]: r["n_tickets"] for r in card(seven_store, by=["tier"]).rows.to_dicts()}
    assert tiers == {"L2": 1, None: 6}
    with pytest.raises(InputError, match="--by 'moon'"):
        card(seven_store, by=["moon"])


def test_agent_days_cost_and_utilization(seven_store: Store, tmp_path: Path) -> None:
    row = one(card(seven_store))
    # days with a public reply: a1 Mon 02-09 (T2, T7's merge note), Tue 02-10 (T3), Wed
    # 02-11 (T3, T4), Tue 02-17 (T1) = 4; a2 Thu 02-12 (T5) = 1
    assert row["agent_days"] == 5
    assert row["tickets_per_agent_day"] == 5 / 5
    assert row["utilization"] is None
    assert row["cost_per_ticket"] is None
    text = (Path(__file__).parents[1] / "src/supportops/policy/default.yaml").read_text()
    text = text.replace("agent_cost_per_year: null", "agent_cost_per_year: 60000")
    text = text.replace("handle_time: null", "handle_time: 30m")
    path = tmp_path / "p.yaml"
    path.write_text(text)
    row = one(compute_scorecard(seven_store, load_policy(path), as_of=AS_OF))
    # 60000 / 240 days = 250 per agent-day; 5 agent-days x 250 / 5 solved = 250
    assert row["cost_per_ticket"] == 250.0
    # 5 solved x 30 min / (5 agent-days x 8 h) = 9000 / 144000
    assert row["utilization"] == pytest.approx(9000 / 144_000)
    by_agent = {r["agent"]: r for r in card(seven_store, by=["agent"]).rows.iter_rows(named=True)}
    assert by_agent["m:a2"]["agent_days"] == 1
    assert by_agent["m:a2"]["solved"] == 2
    # agent measures make no sense by priority: they are left out
    assert "agent_days" not in card(seven_store, by=["priority"]).rows.columns


def test_as_of_ignores_what_came_later(seven_store: Store) -> None:
    # at Thu 02-12 09:30: T5 escalated and answered, not solved; T1 and T6 not yet created
    result = compute_scorecard(seven_store, default_policy(), as_of=at("2026-02-12", "09:30"))
    row = one(result)
    assert row["n_tickets"] == 5  # T2, T3, T4, T5, T7
    assert row["solved"] == 2  # T2 and T3 (T4 solves at 12:00)
    # open now: T4, T5 (T7 closed by its merge); ages 24h30m and 30m
    assert (row["backlog"], row["backlog_age"]) == (2, (24.5 * H + 30 * M) / 2)


def test_merged_duplicates_count_in_volume_only(store: Store) -> None:
    load(store, t2(), t7())
    row = one(card(store))
    assert (row["n_tickets"], row["solved"]) == (2, 1)
    assert row["first_response_time"] == 20 * M  # T2's alone


# --------------------------------------------------------------------------- scoring
def test_status_against_target_and_warning() -> None:
    result = {m.name: m for m in metric_infos(default_policy())}
    csat = result["csat"]  # target >= 90 %, warning < 85 %
    assert [csat.status(v) for v in (0.95, 0.90, 0.87, 0.85, 0.84, None)] == [
        "good",
        "good",
        "warning",
        "warning",
        "bad",
        "none",
    ]
    util = result["utilization"]  # 70 %..80 %, warning < 60 % or > 90 %
    assert [util.status(v) for v in (0.75, 0.65, 0.55, 0.85, 0.95)] == [
        "good",
        "warning",
        "bad",
        "warning",
        "bad",
    ]
    sla = result["sla_response"]  # >= 95 %, no warning line: a miss is bad
    assert (sla.status(0.95), sla.status(0.94)) == ("good", "bad")
    assert result["n_tickets"].status(7) == "none"
    frt = result["first_response_time"]
    assert frt.benchmarks["enterprise"] == "< 30m"
    # 1000 s < 30m: enterprise; 3000 s < 1h: scale; 5000 s < 2h: growth; 5h: no stage
    assert [frt.stage(v) for v in (1000, 3000, 5000, 5 * H)] == [
        "enterprise",
        "scale",
        "growth",
        None,
    ]
    true_esc = result["true_escalation_rate"]  # escalation.target_rate 2 %, warning 5 %
    assert (true_esc.target, true_esc.warning) == ("<= 2%", "> 5%")


def test_json_shape(seven_store: Store) -> None:
    data = card(seven_store, period="week", by=["priority"]).to_dict()
    assert list(data) == [
        "as_of",
        "period",
        "by",
        "since",
        "until",
        "timezone",
        "currency",
        "metrics",
        "rows",
    ]
    assert data["timezone"] == "America/New_York"
    row = data["rows"][0]
    assert list(row) == ["period", "segments", "values", "status"]
    assert (row["period"], row["segments"]) == ("2026-02-09", {"priority": "P2"})
    # P2 in week 7: T4 and T5 answered in 10m and 20m, median 15m: under the 1h target
    assert row["values"]["first_response_time"] == 900
    assert row["status"]["first_response_time"] == "good"


# --------------------------------------------------------------------------- periods
def test_weeks_are_iso_weeks_in_local_time_across_dst() -> None:
    # 2026-03-08: New York springs forward; that week has 167 hours
    as_of = int(at("2026-03-20", "12:00").timestamp())
    first = int(at("2026-03-03", "08:00").timestamp())
    p = make_periods("week", "America/New_York", first, as_of)
    assert p.labels == (date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16))
    assert list(np.diff(p.starts)) == [167 * H, 168 * H]
    assert p.starts[0] == int(at("2026-03-02", "00:00").timestamp())  # 05:00 UTC
    assert p.snapshots[-1] == as_of
    months = make_periods("month", "America/New_York", first, as_of, since=date(2025, 12, 15))
    assert months.labels == (
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
    )
    assert months.starts[0] == int(at("2025-12-15", "00:00").timestamp())  # partial first


def test_csv_rounds_to_six_decimals(seven_store: Store) -> None:
    """`metrics --format csv`: a's FCR of one in three is written 0.333333, not 0.3333…3."""
    import csv
    import io

    from typer.testing import CliRunner

    from supportops.cli import app

    result = CliRunner().invoke(
        app,
        ["--db", seven_store.url, "metrics", "--by", "agent", "--format", "csv",
         "--as-of", AS_OF.isoformat()],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = {r["agent"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["m:a1"]["fcr"] == "0.333333"
    assert rows["m:a1"]["n_tickets"] == "4"
