"""The sections read by the review and the scorecard: severity levels and the decision matrix,
escalation paths by severity, what counts as an escalation, the support-to-CS handoff
triggers and the scorecard targets."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    PlainSerializer,
    ValidationInfo,
    field_validator,
    model_validator,
)

from supportops.policy.base import Strict, custom_error
from supportops.policy.durations import (
    Percent,
    TargetField,
    Threshold,
    ThresholdField,
    format_seconds,
    parse_duration,
    parse_threshold,
)

__all__ = [
    "AnyThreshold",
    "Costs",
    "DecisionMatrix",
    "EscalationDefinition",
    "EscalationPath",
    "EscalationStep",
    "HandoffTrigger",
    "ScoreTarget",
    "Scorecard",
    "SeverityLevel",
    "SeveritySection",
]

SeverityName = Literal["SEV1", "SEV2", "SEV3", "SEV4", "SEV5"]
SupportTier = Literal["L0", "L1", "L2", "L3"]


def _delay(value: Any) -> Any:
    """Calendar seconds: ``immediately`` (0) or a duration without business days."""
    if isinstance(value, str) and value.strip().lower() in ("immediately", "0", "0m", "0s"):
        return 0
    if isinstance(value, int) and not isinstance(value, bool) and value == 0:
        return 0
    try:
        duration = parse_duration(value)
    except ValueError as exc:
        raise custom_error("delay", f"{exc} (or immediately)") from None
    if duration.business_days:
        raise custom_error("delay", f"{value!r}: escalation delays are wall-clock time; use h or d")
    return duration.seconds


Delay = Annotated[
    int,
    BeforeValidator(_delay),
    PlainSerializer(lambda s: "immediately" if s == 0 else format_seconds(s), return_type=str),
]


def _lower_list(value: Any) -> Any:
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list):
        return [str(v).strip().lower() for v in value]
    return value


class SeverityLevel(Strict):
    name: str
    definition: str
    examples: str = ""
    escalation_path: str
    communication: str
    response: TargetField
    update_every: TargetField


class DecisionMatrix(Strict):
    """Severity from how hard the problem blocks (rows) and how many users it reaches."""

    impact: list[str] = Field(min_length=1)
    users: list[str] = Field(min_length=1)
    matrix: dict[str, dict[str, SeverityName]]

    @model_validator(mode="after")
    def _complete(self) -> DecisionMatrix:
        for row in self.impact:
            cells = self.matrix.get(row)
            if cells is None:
                raise custom_error("matrix", f"matrix has no row for impact {row!r}")
            missing = [u for u in self.users if u not in cells]
            if missing:
                raise custom_error("matrix", f"matrix row {row!r} lacks {', '.join(missing)}")
            extra = [u for u in cells if u not in self.users]
            if extra:
                unknown = ", ".join(extra)
                raise custom_error("matrix", f"matrix row {row!r}: unknown users {unknown}")
        extra_rows = [r for r in self.matrix if r not in self.impact]
        if extra_rows:
            raise custom_error("matrix", f"matrix: unknown impact rows {', '.join(extra_rows)}")
        return self


class SeveritySection(Strict):
    levels: dict[SeverityName, SeverityLevel]
    decision_matrix: DecisionMatrix

    def classify(self, impact: str, users: str) -> str:
        """The severity of a problem: ``classify("complete_block", "all_users") == "SEV1"``."""
        return self.decision_matrix.matrix[impact][users]


class EscalationStep(Strict):
    after: Delay
    contact: str


class EscalationPath(Strict):
    """When a ticket of this severity must reach whom (``escalate_after: none``: normal queue)."""

    escalate_after: Delay | None
    escalate_to: list[str] = Field(default_factory=list)
    steps: list[EscalationStep] = Field(default_factory=list)

    @field_validator("escalate_after", mode="before")
    @classmethod
    def _none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and value.strip().lower() == "none" else value

    @field_validator("steps")
    @classmethod
    def _increasing(cls, steps: list[EscalationStep]) -> list[EscalationStep]:
        for before, after in itertools.pairwise(steps):
            if after.after <= before.after:
                raise ValueError("steps must come in increasing order of 'after'")
        return steps


class EscalationDefinition(Strict):
    """What the weekly review counts as a true escalation, and what as an elevation only.

    A ticket is **escalated** when any of: an escalation event (``escalation_events``), one
    of ``tags`` added, its severity raised to one of ``severities``. A ticket is **elevated**
    when it moves to a support tier in ``elevation_tiers`` or a group in
    ``elevation_groups`` without being escalated.
    """

    description: str = ""
    escalation_events: bool = True
    tags: Annotated[list[str], BeforeValidator(_lower_list)] = Field(default_factory=list)
    severities: list[SeverityName] = Field(default_factory=list)
    elevation_tiers: list[SupportTier] = Field(default_factory=list)
    elevation_groups: list[str] = Field(default_factory=list)
    target_rate: Percent
    warning_rate: Percent

    @model_validator(mode="after")
    def _rates(self) -> EscalationDefinition:
        if self.warning_rate < self.target_rate:
            raise custom_error("rate", "warning_rate must be at or above target_rate")
        return self


class HandoffTrigger(Strict):
    """A signal that hands an account from support to customer success.

    The detection keys are optional and combine with *and*: ``escalations`` within
    ``within``; any of ``keywords`` in a customer message; any of ``tags``; a ticket of one of
    ``severities``; ``csat_count`` ratings at or below ``csat_at_most`` within ``within``.
    """

    signal: str
    description: str
    handoff: str
    urgency: Literal["immediate", "high", "medium", "low"]
    escalations: int | None = Field(default=None, ge=1)
    within: Delay | None = None
    keywords: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    severities: list[SeverityName] = Field(default_factory=list)
    csat_at_most: int | None = Field(default=None, ge=1, le=5)
    csat_count: int | None = Field(default=None, ge=1)


_UNITS = {
    "csat": "percent",
    "first_response_time": "seconds",
    "resolution_time": "seconds",
    "fcr": "percent",
    "one_touch": "percent",
    "nps": "number",
    "ces": "number",
    "reopen_rate": "percent",
    "escalation_rate": "percent",
    "elevation_rate": "percent",
    "deflection_rate": "percent",
    "sla_response": "percent",
    "sla_resolution": "percent",
    "backlog": "number",
    "backlog_age": "seconds",
    "queue_depth": "number",
    "queue_wait": "seconds",
    "tickets_per_agent_day": "number",
    "utilization": "percent",
    "cost_per_ticket": "number",
}
_UNIT_EXAMPLE = {"percent": "90%", "seconds": "4h", "number": "30"}


@dataclass(frozen=True, slots=True)
class AnyThreshold:
    """One threshold, or several joined by ``or``: ``< 60% or > 90%`` holds outside 60–90 %."""

    parts: tuple[Threshold, ...]

    @property
    def unit(self) -> str:
        return self.parts[0].unit

    def holds(self, measured: float) -> bool:
        return any(part.holds(measured) for part in self.parts)

    def __str__(self) -> str:
        return " or ".join(str(part) for part in self.parts)


def _any_threshold(value: Any) -> Any:
    if isinstance(value, AnyThreshold):
        return value
    texts = value.split(" or ") if isinstance(value, str) else [value]
    try:
        parts = tuple(parse_threshold(text) for text in texts)
    except ValueError as exc:
        raise custom_error("threshold", f"{exc} (join two with 'or')") from None
    if len({p.unit for p in parts}) > 1:
        raise custom_error("threshold", f"{value!r}: every part needs the same unit")
    return AnyThreshold(parts)


AnyThresholdField = Annotated[
    AnyThreshold, BeforeValidator(_any_threshold), PlainSerializer(str, return_type=str)
]


class ScoreTarget(Strict):
    """Where a measure should be (``target``) and where to act (``warning``; ``or`` joins
    two lines, as in ``< 60% or > 90%``)."""

    target: ThresholdField | None = None
    warning: AnyThresholdField | None = None
    description: str = ""

    @model_validator(mode="after")
    def _something(self) -> ScoreTarget:
        if self.target is None and self.warning is None:
            raise custom_error("target", "give a target, a warning or both (or null the measure)")
        return self


class Costs(Strict):
    """What the team costs, for cost per ticket and agent utilization (seed 001 "Cost Per
    Ticket Analysis": $75,000 a year fully loaded, 240 working days, 8 hours a day).
    ``agent_cost_per_year: null`` leaves cost per ticket out; ``handle_time: null`` (the
    average time an agent spends on a ticket, if you know it) leaves utilization out."""

    currency: str = "USD"
    agent_cost_per_year: float | None = Field(default=None, gt=0)
    working_days_per_year: int = Field(default=240, gt=0, le=366)
    hours_per_day: float = Field(default=8.0, gt=0, le=24)
    handle_time: Delay | None = None

    @field_validator("handle_time")
    @classmethod
    def _positive(cls, value: int | None) -> int | None:
        if value == 0:
            raise ValueError("handle_time must be longer than 0s (or null)")
        return value


class Scorecard(Strict):
    """Targets and warning thresholds of the support scorecard (seed 001: Support Metrics
    Framework, Queue Health Metrics, Cost Per Ticket). ``null`` leaves a measure unscored;
    docs/metrics.md defines each measure."""

    csat: ScoreTarget | None = None
    first_response_time: ScoreTarget | None = None
    resolution_time: ScoreTarget | None = None
    fcr: ScoreTarget | None = None
    one_touch: ScoreTarget | None = None
    nps: ScoreTarget | None = None
    ces: ScoreTarget | None = None
    reopen_rate: ScoreTarget | None = None
    escalation_rate: ScoreTarget | None = None
    elevation_rate: ScoreTarget | None = None
    deflection_rate: ScoreTarget | None = None
    sla_response: ScoreTarget | None = None
    sla_resolution: ScoreTarget | None = None
    backlog: ScoreTarget | None = None
    backlog_age: ScoreTarget | None = None
    queue_depth: ScoreTarget | None = None
    queue_wait: ScoreTarget | None = None
    tickets_per_agent_day: ScoreTarget | None = None
    utilization: ScoreTarget | None = None
    cost_per_ticket: ScoreTarget | None = None
    costs: Costs = Costs()

    @field_validator(*_UNITS)
    @classmethod
    def _unit(cls, value: ScoreTarget | None, info: ValidationInfo) -> ScoreTarget | None:
        unit = _UNITS[info.field_name or ""]
        if value is not None:
            for key in ("target", "warning"):
                threshold = getattr(value, key)
                if threshold is not None and threshold.unit != unit:
                    raise custom_error(
                        "unit",
                        f"{key}: {info.field_name} is measured in {unit} "
                        f"(e.g. {_UNIT_EXAMPLE[unit]})",
                    )
        return value

    def targets(self) -> dict[str, ScoreTarget]:
        """The scored measures by name."""
        return {name: t for name in _UNITS if (t := getattr(self, name)) is not None}
