"""The JSON API's shapes, as pydantic models: FastAPI validates responses against them and
publishes them in the OpenAPI document (``/openapi.json``). docs/web.md describes each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(_Out):
    loc: str | None = Field(None, description="where: query.limit, path.ticket_id …")
    message: str


class ErrorBody(_Out):
    status: int = Field(description="the HTTP status")
    code: str = Field(description="not_found, bad_query, method_not_allowed, unavailable …")
    message: str = Field(description="what went wrong and what to do")
    details: list[ErrorDetail] = Field(default_factory=list)


class ErrorResponse(_Out):
    """Every error, from every route: ``{"error": {...}}``."""

    error: ErrorBody


class Health(_Out):
    status: str
    version: str
    store: str = Field(description="the store URL, password hidden")
    policy: str = Field(description="the policy file, or 'built-in default'")
    as_of: datetime = Field(description="the instant every figure is measured at")
    computed_at: datetime = Field(description="when the figures were computed")
    compute_seconds: float
    tickets: int
    clocks: int
    read_only: bool


class Tile(_Out):
    key: str
    label: str
    unit: str = Field(description="percent (a fraction), seconds, number or count")
    value: float | None = Field(description="the last complete week")
    target: str | None = Field(description="the policy's target, as written ('>= 95%')")
    warning: str | None
    status: str = Field(description="good, warning, bad or none (unscored / no data)")
    description: str
    trend: list[float | None] = Field(description="one value per week of `weeks`")


class ScorecardTile(Tile):
    """A measure of the support scorecard (``supportops metrics``), as the overview shows it."""

    note: str | None = Field(description="how it is measured: 'median, business hours' …")
    better: str = Field(description="higher, lower, range (a band is the target) or neutral")
    formatted: str = Field(
        description="the value as `supportops metrics` prints it (85.2%, 42m, 5.2h, 4.6d, "
        "1,283); '–' without one"
    )


class Week(_Out):
    start: str = Field(description="the Monday (a local date in the section's time zone)")
    end: str = Field(description="the Sunday")


class OverviewScorecard(_Out):
    """The scorecard tiles: ISO weeks cut in the report time zone, as ``supportops metrics
    --period week`` (its last week can differ from the SLA tiles', which are cut in UTC)."""

    timezone: str = Field(
        description="the report time zone (the default SLA rule's calendar) weeks are cut in"
    )
    week: Week = Field(description="the last complete week there, which the tile values describe")
    weeks: list[str] = Field(description="Mondays of the trend weeks, oldest first")
    tiles: list[ScorecardTile]


class QueueSummary(_Out):
    open_tickets: int = Field(description="tickets with at least one open clock")
    clocks: int = Field(description="open clocks with a target")
    by_status: dict[str, int] = Field(description="running, paused, breached")
    by_level: dict[str, int] = Field(description="warning level → clocks ('none': below all)")


class QueueClock(_Out):
    ticket_id: str
    subject: str | None
    metric: str
    cycle: int
    instance: int
    priority: str | None
    customer_tier: str | None
    group: str | None
    ticket_status: str | None
    status: str = Field(description="running, paused or breached")
    level: str = Field(description="the warning level crossed, or 'none'")
    target_s: int | None
    elapsed_s: int | None
    paused_s: int | None
    left_s: int | None = Field(description="target − elapsed business seconds; < 0 overdue")
    start: str | None
    deadline: str | None = Field(description="null while paused")
    deadline_in_s: int | None = Field(description="deadline − as_of in seconds")


class Overview(_Out):
    as_of: datetime
    source: str = Field(description="'sla': `tiles` are computed from the SLA clocks")
    timezone: str = Field(
        description="the time zone `week` and `weeks` are cut in: 'UTC' (ISO weeks, Monday "
        "00:00 UTC, as `supportops sla summary --period week`)"
    )
    week: Week = Field(description="the last complete week, which the tile values describe")
    weeks: list[str] = Field(description="Mondays of the trend weeks, oldest first")
    tiles: list[Tile] = Field(description="SLA compliance and backlog, from the SLA clocks")
    scorecard: OverviewScorecard = Field(
        description="the support scorecard's headline measures, in the report time zone"
    )
    queue: QueueSummary
    urgent: list[QueueClock] = Field(description="the open clocks due soonest")


class SlaQueue(_Out):
    as_of: datetime
    filters: dict[str, str | None]
    sort: str
    total: int = Field(description="clocks matching the filters")
    shown: int
    facets: dict[str, list[str]] = Field(description="the values each filter can take")
    clocks: list[QueueClock]


class TicketClock(_Out):
    metric: str
    cycle: int
    instance: int
    status: str
    level: str | None
    target_s: int | None
    elapsed_s: int | None
    paused_s: int | None
    start: str | None
    stop: str | None
    deadline: str | None


class TicketSla(_Out):
    rule: int | None
    calendar: str
    priority: str | None
    customer_tier: str | None


class TicketPage(_Out):
    as_of: datetime
    ticket: dict[str, Any] = Field(description="every tickets column except raw")
    sla: TicketSla | None = Field(description="null when the ticket is newer than as_of")
    clocks: list[TicketClock]
    explanation: list[str] = Field(description="one paragraph per clock, as `sla explain`")
    events: list[dict[str, Any]] = Field(description="the timeline, every events column")


class ReviewPage(_Out):
    available: bool
    message: str
    review: dict[str, Any] | None = Field(
        description="the weekly review document (docs/review.md), null when there is none"
    )
