"""Escalation facts: true escalations apart from elevations, ping-pong, bouncing.

Every expectation is read off the hand-written timelines below.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from supportops.core.escalation import EVENT_COLUMNS, escalation_facts
from supportops.policy import default_policy
from supportops.policy.sections import EscalationDefinition

T0 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def ev(ticket: str, minute: int, kind: str, value: str | None = None, **kw: Any) -> dict[str, Any]:
    row = dict.fromkeys(EVENT_COLUMNS)
    row.update(ticket_id=ticket, at=at(minute), kind=kind, value=value, **kw)
    return row


def frames(
    rows: list[dict[str, Any]], created: dict[str, int]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    events = pl.DataFrame(
        [dict(r, seq=i) for i, r in enumerate(rows)],
        schema={
            "ticket_id": pl.String,
            "seq": pl.Int64,
            "at": pl.Datetime("us", "UTC"),
            "kind": pl.String,
            "value": pl.String,
            "action": pl.String,
            "number": pl.Int64,
            "actor": pl.String,
            "actor_role": pl.String,
            "public": pl.Boolean,
            "body": pl.String,
        },
    )
    tickets = pl.DataFrame(
        {"id": list(created), "created_at": [at(m) for m in created.values()]},
        schema={"id": pl.String, "created_at": pl.Datetime("us", "UTC")},
    )
    return events, tickets


DEFINITION = default_policy().escalation  # events, tags escalated/escalation, SEV1/SEV2, L2/L3


def facts_of(rows: list[dict[str, Any]], created: dict[str, int], **kw: Any) -> dict[str, Any]:
    events, tickets = frames(rows, created)
    as_of = kw.pop("as_of", at(10_000))
    definition = kw.pop("definition", DEFINITION)
    out = escalation_facts(events, tickets, definition, as_of)
    return {r["id"]: r for r in out.iter_rows(named=True)}


def test_an_escalation_event_with_an_elevation_and_ping_pong() -> None:
    rows = [
        ev("A", 0, "created"),
        ev("A", 0, "tier", "L1"),
        ev("A", 0, "status", "new"),
        ev("A", 5, "assignee", "amy"),
        ev("A", 30, "comment", actor="amy", actor_role="agent", public=True),
        ev("A", 60, "escalation", action="raised", number=1, actor="lead", body="demands"),
        ev("A", 65, "tier", "L2"),
        ev("A", 90, "assignee", "bob"),
        ev("A", 120, "tier", "L1"),  # back down: ticket tennis
        ev("A", 180, "tier", "L2"),
        ev("A", 200, "escalation", action="level_changed", number=2),
        ev("A", 240, "status", "solved"),
    ]
    f = facts_of(rows, {"A": 0})["A"]
    assert f["escalated"] is True
    assert f["escalated_at"] == at(60)
    assert (f["escalated_via"], f["escalated_by"], f["escalation_reason"]) == (
        "event",
        "lead",
        "demands",
    )
    assert f["escalation_level"] == 2
    assert f["escalation_count"] == 1
    assert f["owner_at_escalation"] == "amy"  # bob came after the escalation
    assert f["elevated"] is True
    assert f["elevated_at"] == at(65)
    assert f["max_tier"] == "L2"
    assert f["tier_moves_down"] == 1
    assert f["ping_pong"] is True
    assert f["first_agent_reply_at"] == at(30)
    assert f["solved_at"] == at(240)
    assert (f["state"], f["is_open"]) == ("solved", False)


def test_tags_and_severity_raises_count_but_intake_severity_does_not() -> None:
    rows = [
        ev("B", 0, "created"),
        ev("B", 120, "tag", "Escalated", action="added", actor="amy"),  # case does not matter
        ev("C", 0, "created"),
        ev("C", 0, "severity", "SEV3"),
        ev("C", 60, "severity", "SEV1", actor="lead"),
        ev("D", 0, "created"),
        ev("D", 0, "severity", "SEV1"),  # set at intake: not raised
        ev("E", 0, "created"),
        ev("E", 0, "severity", "SEV1"),
        ev("E", 50, "severity", "SEV2"),  # lowered: not raised
        ev("F", 0, "created"),
        ev("F", 10, "tag", "escalated", action="removed"),
    ]
    f = facts_of(rows, {"B": 0, "C": 0, "D": 0, "E": 0, "F": 0})
    assert (f["B"]["escalated_via"], f["B"]["escalated_at"]) == ("tag", at(120))
    assert f["B"]["escalation_reason"] == "tag Escalated"
    assert (f["C"]["escalated_via"], f["C"]["escalated_at"]) == ("severity", at(60))
    assert f["C"]["escalation_reason"] == "severity raised to SEV1"
    assert [f[t]["escalated"] for t in "DEF"] == [False, False, False]
    assert f["B"]["elevated"] is False


def test_the_first_signal_wins() -> None:
    rows = [
        ev("G", 0, "created"),
        ev("G", 30, "tag", "escalation", action="added"),
        ev("G", 90, "escalation", action="raised", actor="lead"),
    ]
    assert facts_of(rows, {"G": 0})["G"]["escalated_via"] == "tag"


def test_the_definition_decides_what_counts() -> None:
    rows = [
        ev("H", 0, "created"),
        ev("H", 30, "escalation", action="raised"),
        ev("H", 40, "tag", "escalated", action="added"),
        ev("H", 50, "group", "Engineering"),
    ]
    narrow = EscalationDefinition(
        escalation_events=False,
        tags=[],
        severities=[],
        elevation_tiers=[],
        elevation_groups=["Engineering"],
        target_rate=0.02,
        warning_rate=0.05,
    )
    f = facts_of(rows, {"H": 0}, definition=narrow)["H"]
    assert f["escalated"] is False
    assert (f["elevated"], f["elevated_at"]) == (True, at(50))


def test_intake_tier_is_routing_and_a_move_down_without_a_move_up_is_no_ping_pong() -> None:
    rows = [
        ev("I", 0, "created"),
        ev("I", 0, "tier", "L2"),  # filed straight into L2: routing
        ev("I", 60, "tier", "L1"),
        ev("J", 0, "created"),
        ev("J", 45, "tier", "L3"),  # no intake tier, later L3: a move up
    ]
    f = facts_of(rows, {"I": 0, "J": 0})
    assert (f["I"]["elevated"], f["I"]["tier_moves_down"], f["I"]["ping_pong"]) == (False, 1, False)
    assert (f["J"]["elevated_at"], f["J"]["max_tier"]) == (at(45), "L3")


def test_group_bouncing() -> None:
    rows = [
        ev("K", 0, "created"),
        ev("K", 0, "group", "Support"),
        ev("K", 10, "group", "Billing"),
        ev("K", 20, "group", "Support"),  # back again: a return
        ev("L", 0, "created"),
        ev("L", 0, "group", "Support"),
        ev("L", 5, "group", "Support"),  # the same group again is no change
        ev("L", 10, "group", "Billing"),
    ]
    f = facts_of(rows, {"K": 0, "L": 0})
    assert (f["K"]["group_changes"], f["K"]["group_returns"], f["K"]["bouncing"]) == (2, 1, True)
    assert (f["L"]["group_changes"], f["L"]["group_returns"], f["L"]["bouncing"]) == (1, 0, False)


def test_nothing_after_as_of_counts() -> None:
    rows = [
        ev("M", 0, "created"),
        ev("M", 0, "status", "new"),
        ev("M", 100, "escalation", action="raised"),
        ev("M", 150, "status", "solved"),
        ev("N", 500, "created"),
    ]
    f = facts_of(rows, {"M": 0, "N": 500}, as_of=at(99))
    assert set(f) == {"M"}  # N was created after as_of
    m = f["M"]
    assert (m["escalated"], m["state"], m["is_open"], m["solved_at"]) == (False, "new", True, None)
    assert m["last_event_at"] == at(0)


@pytest.mark.parametrize("n", [0, 1])
def test_empty_inputs(n: int) -> None:
    rows = [ev("P", 0, "created")][:n]
    f = facts_of(rows, {"P": 0})
    assert f["P"]["escalated"] is False
    assert f["P"]["state"] == "new"


def test_timelines_in_any_row_order_give_the_same_facts() -> None:
    """The store returns timelines sorted and the facts rely on it only as a shortcut: rows
    interleaved across tickets and newest first (sequence numbers kept) must give the same
    facts, ticket by ticket."""
    rows = [
        ev("A", 0, "created"),
        ev("A", 0, "tier", "L1"),
        ev("A", 1, "status", "open"),
        ev("A", 5, "assignee", "amy"),
        ev("A", 30, "comment", actor="amy", actor_role="agent", public=True),
        ev("A", 60, "escalation", action="raised", number=1, actor="lead", body="demands"),
        ev("A", 65, "tier", "L2"),
        ev("A", 120, "tier", "L1"),
        ev("A", 240, "status", "solved"),
        ev("B", 10, "created"),
        ev("B", 11, "status", "open"),
        ev("B", 10, "severity", "SEV3"),
        ev("B", 50, "severity", "SEV2", actor="mgr"),
        ev("B", 55, "group", "Billing"),
        ev("B", 70, "group", "Support"),
        ev("B", 80, "group", "Billing"),
        ev("B", 90, "status", "pending"),
        ev("C", 0, "created"),
        ev("C", 10, "severity", "SEV2"),  # raised after intake: the escalation
        ev("C", 20, "severity", "SEV1"),  # raised again
    ]
    events, tickets = frames(rows, {"A": 0, "B": 10, "C": 0})
    sorted_facts = escalation_facts(events, tickets, DEFINITION, at(10_000))
    shuffled = escalation_facts(
        events.sort("at", "seq", descending=True), tickets, DEFINITION, at(10_000)
    )
    assert shuffled.equals(sorted_facts)
    a, b = sorted_facts.row(0, named=True), sorted_facts.row(1, named=True)
    # worked by hand: A escalated by event at 60, elevated at 65, last event at 240;
    # B escalated by the raise to SEV2 at 50, bounced Billing -> Support -> Billing
    assert (a["escalated_at"], a["elevated_at"], a["last_event_at"]) == (at(60), at(65), at(240))
    assert (b["escalated_at"], b["escalated_via"], b["bouncing"]) == (at(50), "severity", True)
    assert (a["state"], a["ping_pong"], b["state"]) == ("solved", True, "pending")
    assert sorted_facts.row(2, named=True)["escalated_at"] == at(10)
