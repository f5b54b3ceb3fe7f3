"""The cast and the script of a ticket's timeline: who works it, what was decided up front,
and the :class:`Story` that collects its events before they become :class:`Event` records."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, fields
from typing import Any

from supportops.demo.calendar import BusinessClock
from supportops.demo.people import GROUP_OF_TIER
from supportops.demo.problems import Problem
from supportops.model import Event

HOUR = 3600
DAY = 86400
STATUS_WORD = {
    "new": "New",
    "open": "Open",
    "pending": "Pending",
    "on_hold": "On-hold",
    "solved": "Solved",
    "closed": "Closed",
}
PRIORITY_WORD = ("Critical", "High", "Medium", "Low", "Request")


@dataclass(frozen=True, slots=True)
class Staff:
    id: str
    name: str
    tier: str | None
    skills: tuple[str, ...]
    start: int  # epoch seconds of their first day


@dataclass(slots=True)
class Env:
    clock: BusinessClock
    horizon: int  # nothing happens after this instant (the end of the last demo day)
    l1: list[Staff]
    l2: list[Staff]
    l3: list[Staff]
    lead: Staff


@dataclass(slots=True)
class Plan:
    """What the generator decided for a ticket before its timeline is written."""

    ticket_id: str
    created: int
    position: float
    tier: int  # customer tier index
    requester: tuple[str, str]  # name, email
    category: str
    problem: Problem | None
    ctx: dict[str, str]  # slot values chosen for the ticket's text
    priority: int  # 0 … 4
    channel: str
    escalated: bool
    habitual: bool
    kb_url: str | None  # the problem's article, if it was out when the ticket came in
    merge_into: str | None
    seed: int


#: The :class:`~supportops.model.Event` fields after ``ticket_id`` and ``at``, in order.
FIELDS = tuple(f.name for f in fields(Event))[2:-1]  # all but the origin
Row = tuple[Any, ...]  # one event's FIELDS


@dataclass(slots=True)
class Story:
    """The timeline under construction: (instant, order, event fields)."""

    rows: list[tuple[int, int, Row]] = field(default_factory=list)

    def add(
        self,
        t: int,
        kind: str,
        value: str | None = None,
        raw_value: str | None = None,
        action: str | None = None,
        number: int | None = None,
        actor: str | None = None,
        actor_role: str | None = None,
        public: bool | None = None,
        body: str | None = None,
        raw: dict[str, Any] | None = None,
    ) -> None:
        fields = (kind, value, raw_value, action, number, actor, actor_role, public, body, raw)
        self.rows.append((t, len(self.rows), fields))

    def status(self, t: int, value: str, actor: str | None = None) -> None:
        self.add(t, "status", value=value, raw_value=STATUS_WORD[value], actor=actor)

    def comment(self, t: int, actor: str, role: str, public: bool, body: str) -> None:
        self.add(t, "comment", actor=actor, actor_role=role, public=public, body=body)

    def tag(self, t: int, value: str) -> None:
        self.add(t, "tag", value=value, action="added")

    def staff(self, t: int, who: Staff, tier: str, raw: dict[str, Any] | None = None) -> None:
        group = GROUP_OF_TIER[tier]
        self.add(t, "tier", value=tier, raw_value=f"group: {group}", raw=raw)
        self.add(t, "group", value=group)
        self.add(t, "assignee", value=who.id, raw_value=who.name)

    def sorted(self) -> list[tuple[int, Row]]:
        return [(t, ev) for t, _, ev in sorted(self.rows, key=lambda r: (r[0], r[1]))]


def pick(rng: random.Random, staff: list[Staff], category: str, at: int) -> Staff:
    """Someone already on the team, three times as likely if the category is their skill."""
    live = [s for s in staff if s.start <= at] or staff
    weights = [3.0 if category in s.skills else 1.0 for s in live]
    r = rng.random() * sum(weights)
    for who, w in zip(live, weights, strict=True):
        r -= w
        if r < 0:
            return who
    return live[-1]
