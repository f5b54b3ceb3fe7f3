"""The canonical model: what every importer produces and every analysis reads.

A ticket is its header (:class:`Ticket`) plus an append-only, ordered timeline of
:class:`Event` records. Customers are :class:`Organization` records, the team is
:class:`Agent` records, and the knowledge base is :class:`Article` records.

Conventions (docs/data-model.md tells the whole story):

* Every instant is a timezone-aware ``datetime`` in UTC. Importers convert on the way in.
* Identifiers are scoped by source: ``"zendesk:1595"``, ``"servicenow:INC0000045"``. Use
  :func:`scoped` to build them.
* Each record keeps what the source said in ``raw`` (a JSON-able dict) and, for normalized
  values such as a status, the original spelling in ``raw_value``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "CUSTOMER_TIERS",
    "PRIORITIES",
    "SEVERITIES",
    "SUPPORT_TIERS",
    "SURVEY_SCALES",
    "Agent",
    "Article",
    "AuthorRole",
    "Calendar",
    "EscalationAction",
    "Event",
    "EventKind",
    "Group",
    "Organization",
    "Record",
    "Status",
    "TagAction",
    "Ticket",
    "TruthLabel",
    "scoped",
]

#: The answer scale of each survey a ``csat`` event can carry (its ``value``; none is CSAT):
#: CSAT 1–5, NPS 0–10 ("how likely are you to recommend …"), CES 1–7 (customer effort).
SURVEY_SCALES: dict[str | None, tuple[int, int]] = {
    None: (1, 5),
    "csat": (1, 5),
    "nps": (0, 10),
    "ces": (1, 7),
}

PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5")
SUPPORT_TIERS = ("L0", "L1", "L2", "L3")
#: Default customer tiers; a policy may configure others (stored as given, lower case).
CUSTOMER_TIERS = ("enterprise", "business", "professional", "starter", "free")


class Status(StrEnum):
    """Normalized ticket status; the source's own word is kept in ``Event.raw_value``."""

    NEW = "new"
    OPEN = "open"
    PENDING = "pending"  # waiting on the customer
    ON_HOLD = "on_hold"  # waiting on a third party (vendor, engineering, change)
    SOLVED = "solved"
    CLOSED = "closed"


class EventKind(StrEnum):
    CREATED = "created"
    STATUS = "status"
    PRIORITY = "priority"
    SEVERITY = "severity"
    CATEGORY = "category"
    ASSIGNEE = "assignee"
    GROUP = "group"
    TIER = "tier"
    COMMENT = "comment"
    ESCALATION = "escalation"
    CSAT = "csat"
    TAG = "tag"
    MERGE = "merge"


class AuthorRole(StrEnum):
    AGENT = "agent"
    CUSTOMER = "customer"
    SYSTEM = "system"


class EscalationAction(StrEnum):
    RAISED = "raised"
    LEVEL_CHANGED = "level_changed"
    CLEARED = "cleared"


class TagAction(StrEnum):
    ADDED = "added"
    REMOVED = "removed"


def scoped(source: str, native: object) -> str:
    """The canonical id of a source's native id: ``scoped("zendesk", 1595) == "zendesk:1595"``."""
    return f"{source}:{native}"


def _require_utc(value: datetime | None, name: str) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() != UTC.utcoffset(None)):
        raise ValueError(f"{name} must be a timezone-aware UTC datetime, got {value!r}")


@dataclass(slots=True)
class Ticket:
    """A ticket's header. ``priority``, ``category`` and ``status`` hold the current values;
    their history is in the timeline."""

    id: str
    source: str
    external_id: str
    created_at: datetime
    subject: str | None = None
    description: str | None = None
    requester: str | None = None
    organization_id: str | None = None
    channel: str | None = None
    category: str | None = None
    product_area: str | None = None
    type: str | None = None
    tags: tuple[str, ...] = ()
    priority: str | None = None  # P1..P5
    severity: str | None = None  # SEV1..SEV5
    status: str | None = None  # a Status value
    group: str | None = None
    assignee_id: str | None = None
    raw: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        _require_utc(self.created_at, "created_at")


@dataclass(slots=True)
class Event:
    """One entry of a ticket's timeline.

    What the fields mean depends on ``kind``:

    ==========  ============================  ==================================================
    kind        value                         other fields
    ==========  ============================  ==================================================
    created     --                            actor (who opened it)
    status      new/open/pending/on_hold/...  raw_value: the source's status word
    priority    P1..P5                        raw_value
    severity    SEV1..SEV5                    raw_value
    category    category name                 raw_value
    assignee    agent id (None: unassigned)   raw_value: the source's assignee name or id
    group       group name                    raw_value
    tier        L0..L3                        raw_value: what the tier was derived from
    comment     --                            actor, actor_role, public, body
    escalation  level as text (optional)      action raised/level_changed/cleared, number
                                              (level), actor, body (reason)
    csat        survey: csat (or none)/nps/ces    number on the survey's scale (SURVEY_SCALES:
                                              CSAT 1..5, NPS 0..10, CES 1..7), body (comment)
    tag         the tag                       action added/removed
    merge       id of the surviving ticket    --
    ==========  ============================  ==================================================
    """

    ticket_id: str
    at: datetime
    kind: str
    value: str | None = None
    raw_value: str | None = None
    action: str | None = None
    number: int | None = None
    actor: str | None = None
    actor_role: str | None = None
    public: bool | None = None
    body: str | None = None
    raw: dict[str, Any] | None = None
    #: The import stream that owns this event; re-importing the same stream replaces it.
    #: Defaults to the importer's source name.
    origin: str | None = None


@dataclass(slots=True)
class Organization:
    id: str
    name: str | None = None
    tier: str | None = None  # enterprise / business / professional / starter / free, or configured
    segment: str | None = None
    mrr: float | None = None
    csm: str | None = None
    created_at: datetime | None = None
    raw: dict[str, Any] | None = None


@dataclass(slots=True)
class Agent:
    id: str
    name: str | None = None
    email: str | None = None
    tier: str | None = None  # L0..L3
    team: str | None = None
    skills: tuple[str, ...] = ()
    manager_id: str | None = None
    start_date: date | None = None
    role: str | None = None  # agent / lead / admin
    raw: dict[str, Any] | None = None


@dataclass(slots=True)
class Group:
    """A help-desk group (queue) and the support tier it stands for, when known."""

    id: str
    name: str
    tier: str | None = None
    raw: dict[str, Any] | None = None


@dataclass(slots=True)
class Calendar:
    """A business-hours schedule as the source defined it (turned into policy calendars later).

    ``windows`` holds ``[weekday, "HH:MM", "HH:MM"]`` triples (0 = Monday) in local time of
    ``timezone``; ``holidays`` holds ``[name, "YYYY-MM-DD", "YYYY-MM-DD"]`` inclusive ranges.
    """

    id: str
    name: str
    timezone: str
    windows: list[list[Any]] = field(default_factory=list)
    holidays: list[list[str]] = field(default_factory=list)
    raw: dict[str, Any] | None = None


@dataclass(slots=True)
class Article:
    id: str
    title: str
    body: str | None = None
    tags: tuple[str, ...] = ()
    published_at: datetime | None = None
    updated_at: datetime | None = None
    url: str | None = None
    raw: dict[str, Any] | None = None


@dataclass(slots=True)
class TruthLabel:
    """Ground truth that a generator knows and a detector must find (demo data only)."""

    ticket_id: str
    problem_id: str
    label: str | None = None


Record = Ticket | Event | Organization | Agent | Group | Calendar | Article | TruthLabel
