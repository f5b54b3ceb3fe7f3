"""The weekly review as a typed document: what ``--format json`` prints, the HTML report,
the Markdown, the Slack message and the web page all render this one object.

The JSON schema (``supportops review --schema``, docs/review-schema.json) is generated from
these models; its keys are stable within a ``schema`` version.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

__all__ = [
    "SCHEMA_VERSION",
    "AgedTicket",
    "ArticleCoverage",
    "AtRiskAccount",
    "Breakdown",
    "Escalation",
    "HabitualEscalator",
    "PeriodInfo",
    "PersonSpeed",
    "Problem",
    "Quality",
    "Retrospective",
    "ReviewDocument",
    "RiskSignal",
    "SlaCompliance",
    "SlaMeasure",
    "Summary",
    "TrackerRow",
    "WeekRate",
]

SCHEMA_VERSION = "supportops.review/1"
Rating = Literal["good", "warning", "bad"]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PeriodInfo(_Doc):
    label: str = Field(description="ISO week (2026-W47) or first..last")
    first: date
    last: date
    timezone: str
    start: datetime = Field(description="UTC instant the period starts")
    end: datetime = Field(description="UTC instant the period ends (exclusive)")
    as_of: datetime = Field(description="facts are as of this instant")


class Summary(_Doc):
    created: int = Field(description="tickets created in the period")
    resolved: int = Field(description="tickets first solved in the period")
    escalated: int = Field(description="tickets whose first true escalation fell in the period")
    escalation_rate: float | None = Field(description="escalated ÷ created")
    escalation_rate_previous: float | None = Field(description="the same for the period before")
    escalation_rate_trend: float | None = Field(
        description="escalated ÷ created over the trend weeks"
    )
    target_rate: float
    warning_rate: float
    rating: Rating = Field(description="good ≤ target < warning ≤ bad")
    elevated: int = Field(description="tickets first moved up a tier in the period")
    elevation_rate: float | None
    elevated_without_escalation: int
    ping_pong: int = Field(
        description="tickets of the period's escalations/elevations that "
        "went back down a tier after going up"
    )
    bouncing: int = Field(description="tickets created in the period that returned to a group")
    early: int = Field(description="escalations of the period raised early")


class WeekRate(_Doc):
    week: str
    first: date
    created: int
    escalated: int
    escalation_rate: float | None
    elevated: int
    elevation_rate: float | None


class Breakdown(_Doc):
    key: str
    created: int
    escalated: int
    escalation_rate: float | None
    elevated: int


class SlaMeasure(_Doc):
    met: int
    breached: int
    running: int
    compliance: float | None = Field(description="met ÷ (met + breached)")


class SlaCompliance(_Doc):
    tickets: int = Field(description="escalated tickets of the period")
    first_response: SlaMeasure
    resolution: SlaMeasure


class Escalation(_Doc):
    ticket_id: str
    subject: str | None
    organization_id: str | None
    organization: str | None
    customer_tier: str | None
    priority: str | None
    category: str | None
    created_at: datetime
    escalated_at: datetime
    via: str = Field(description="event, tag or severity")
    by: str | None
    owner: str | None = Field(description="the assignee when it escalated")
    reason: str | None
    level: int | None
    hours_to_escalate: float | None = Field(description="business hours from creation")
    early: bool
    early_why: str | None
    elevated: bool
    ping_pong: bool
    state: str
    problem_id: str | None


class ArticleCoverage(_Doc):
    article_id: str
    title: str
    published_at: datetime | None
    score: float
    per_week_before: float | None = Field(description="escalations a week before publication")
    per_week_after: float | None = Field(description="escalations a week after publication")
    fell: bool | None = Field(description="per_week_after < per_week_before")


#: The id prefix of a problem the tracker does not know yet (``new-3``).
UNTRACKED_PREFIX = "new-"


class Problem(_Doc):
    problem_id: str
    status: str = Field(description="tracker status")
    is_new: bool
    label: str
    title: str
    keywords: list[str]
    category: str | None
    count_period: int
    count_trend: int = Field(description="escalations in the trend weeks")
    count_history: int
    first_seen: str
    weeks_seen: int
    examples: list[str]
    article: ArticleCoverage | None
    draft: bool

    @property
    def tracked(self) -> bool:
        """Does the tracker know it? Unknown problems carry a provisional ``new-N`` id until
        a review that saw them in its week is recorded."""
        return not self.problem_id.startswith(UNTRACKED_PREFIX)

    @property
    def shown_id(self) -> str:
        """The id for people: the tracker's, or "untracked"."""
        return self.problem_id if self.tracked else "untracked"

    @property
    def first_week(self) -> bool:
        """Tracked, and first recorded in this review's week."""
        return self.is_new and self.tracked


class HabitualEscalator(_Doc):
    organization_id: str
    organization: str | None
    customer_tier: str | None
    tickets: int
    escalated: int
    early: int
    rate: float
    baseline: float
    ci_low: float
    ci_high: float
    p_value: float
    q_value: float
    evidence: list[str]


class PersonSpeed(_Doc):
    person: str
    name: str | None
    escalations: int
    median_hours: float
    peer_median_hours: float
    p_value: float
    direction: Literal["faster", "slower", "typical"]


class AgedTicket(_Doc):
    ticket_id: str
    subject: str | None
    organization: str | None
    priority: str | None
    state: str
    age_days: float
    idle_days: float
    score: float


class Retrospective(_Doc):
    ticket_ids: list[str]
    sampled: bool
    questions: list[str]


class Quality(_Doc):
    early: list[str] = Field(description="ticket ids of the period's early escalations")
    habitual: list[HabitualEscalator]
    people: list[PersonSpeed]
    aged_unescalated: list[AgedTicket]
    retrospective: Retrospective


class RiskSignal(_Doc):
    signal: str
    description: str
    handoff: str
    urgency: str
    evidence: list[str]
    detail: str


class AtRiskAccount(_Doc):
    organization_id: str
    organization: str | None
    customer_tier: str | None
    mrr: float | None
    csm: str | None
    signals: list[RiskSignal]


class TrackerRow(_Doc):
    problem_id: str
    label: str
    status: str
    owner: str | None
    weeks_seen: int
    count_total: int
    first_seen: str
    last_seen: str


class ReviewDocument(_Doc):
    schema_: str = Field(SCHEMA_VERSION, alias="schema")
    period: PeriodInfo
    policy_source: str
    summary: Summary
    trend: list[WeekRate] = Field(description="the trend weeks, oldest first")
    history: list[WeekRate] = Field(description="every week of the history window")
    articles_published: list[ArticleCoverage] = Field(
        description="KB articles published in the history window (score 1, no rates)"
    )
    breakdowns: dict[str, list[Breakdown]] = Field(
        description="category, customer_tier, priority, group, tier, agent"
    )
    sla: SlaCompliance
    escalations: list[Escalation]
    problems: list[Problem]
    quality: Quality
    at_risk: list[AtRiskAccount]
    kb_drafts: dict[str, str] = Field(description="problem_id → Markdown draft")
    tracker: list[TrackerRow]

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    #: problem id → term signature, for the tracker's matcher (not part of the JSON)
    _signatures: dict[str, dict[str, float]] = PrivateAttr(default_factory=dict)

    @property
    def signatures(self) -> dict[str, dict[str, float]]:
        return self._signatures

    def to_dict(self) -> dict[str, object]:
        return self.model_dump(mode="json", by_alias=True)
