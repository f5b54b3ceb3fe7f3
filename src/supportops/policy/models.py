"""The SLA half of the policy file: settings, metrics, customer tiers, the warning ladder and
the ordered SLA rules. Every model forbids unknown keys."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, PositiveFloat, field_validator

from supportops.core.clock import AtClosing
from supportops.model import PRIORITIES
from supportops.policy.base import Strict
from supportops.policy.durations import Percent, TargetField

__all__ = [
    "METRICS",
    "Conditions",
    "CustomerTiers",
    "LadderStep",
    "MetricDef",
    "MetricName",
    "Metrics",
    "PriorityChange",
    "Reopen",
    "Settings",
    "SlaRule",
    "SlaSection",
]

MetricName = Literal[
    "first_response", "next_reply", "periodic_update", "resolution", "total_resolution"
]
METRICS: tuple[MetricName, ...] = (
    "first_response",
    "next_reply",
    "periodic_update",
    "resolution",
    "total_resolution",
)
Priority = Literal["P1", "P2", "P3", "P4", "P5"]
assert PRIORITIES == ("P1", "P2", "P3", "P4", "P5")
StatusName = Literal["new", "open", "pending", "on_hold", "solved", "closed"]


class PriorityChange(StrEnum):
    FROM_CREATION = "from_creation"  # the new target counts from the clock's start
    FROM_CHANGE = "from_change"  # the new target counts from the change


class Reopen(StrEnum):
    NEW_CYCLE = "new_cycle"  # a reopened ticket starts a new resolution cycle
    CONTINUE = "continue"  # the resolution clock resumes where it stopped


class Settings(Strict):
    """Where help desks disagree; each choice is documented in docs/policy.md."""

    at_closing: AtClosing = AtClosing.CLOSING
    priority_change: PriorityChange = PriorityChange.FROM_CREATION
    reopen: Reopen = Reopen.NEW_CYCLE
    precision: Literal["seconds"] = "seconds"


class MetricDef(Strict):
    pause_statuses: list[StatusName] = Field(default_factory=list)
    description: str = ""


class Metrics(Strict):
    """The five SLA metrics and the statuses that pause each one."""

    first_response: MetricDef = MetricDef(
        description="Ticket creation to the first public agent reply."
    )
    next_reply: MetricDef = MetricDef(
        pause_statuses=["pending"],
        description="The oldest unanswered public customer message to the next public agent reply.",
    )
    periodic_update: MetricDef = MetricDef(
        pause_statuses=["pending", "on_hold"],
        description="One public agent update to the next, while the ticket is unsolved.",
    )
    resolution: MetricDef = MetricDef(
        pause_statuses=["pending", "on_hold"],
        description="Creation (or a reopening, with reopen: new_cycle) to solved: the first "
        "resolution and each cycle after it.",
    )
    total_resolution: MetricDef = MetricDef(
        pause_statuses=["pending", "on_hold"],
        description="Creation to the last solve, summed over every reopen cycle.",
    )

    def pauses(self) -> dict[str, frozenset[str]]:
        return {name: frozenset(getattr(self, name).pause_statuses) for name in METRICS}


def _lower_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k).strip().lower(): v for k, v in value.items()}
    return value


class CustomerTiers(Strict):
    """Target multipliers by the customer organization's tier (the seed's tier table)."""

    multipliers: Annotated[dict[str, PositiveFloat], BeforeValidator(_lower_keys)] = Field(
        default_factory=lambda: {
            "enterprise": 0.5,
            "business": 1.0,
            "professional": 1.5,
            "starter": 2.0,
            "free": 4.0,
        }
    )
    #: The multiplier of a ticket whose organization has no tier, or one not listed.
    unknown: PositiveFloat = 1.0
    #: The metrics whose targets the multiplier scales.
    applies_to: list[MetricName] = Field(default_factory=lambda: list(METRICS))

    def multiplier(self, tier: str | None) -> float:
        if tier is None:
            return self.unknown
        return self.multipliers.get(tier.strip().lower(), self.unknown)


class LadderStep(Strict):
    at: Percent
    level: str
    action: str = ""


def default_ladder() -> list[LadderStep]:
    return [
        LadderStep(at=0.5, level="yellow", action="Visible in queue view"),
        LadderStep(at=0.8, level="orange", action="Alert to assignee"),
        LadderStep(at=0.9, level="red", action="Alert to team lead"),
        LadderStep(at=1.0, level="breach", action="Manager notification, escalation"),
        LadderStep(at=2.0, level="severe", action="Director notification"),
    ]


def _values(upper: bool) -> Any:
    def clean(value: Any) -> Any:
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            value = [value]
        if isinstance(value, list):
            out = [str(v).strip() for v in value]
            return [v.upper() if upper else v.lower() for v in out]
        return value

    return BeforeValidator(clean)


Values = Annotated[list[str], Field(min_length=1), _values(upper=False)]


class Conditions(Strict):
    """All given keys must hold; each lists the values that match (case-insensitive).
    A rule without conditions matches every ticket: the default rule, last."""

    priority: Annotated[list[Priority], Field(min_length=1), _values(upper=True)] | None = None
    customer_tier: Values | None = None
    category: Values | None = None
    group: Values | None = None
    channel: Values | None = None
    tags_any: Values | None = None  # at least one of these tags
    tags_all: Values | None = None  # every one of these tags
    tags_none: Values | None = None  # none of these tags

    @property
    def empty(self) -> bool:
        return all(getattr(self, name) is None for name in type(self).model_fields)


TargetsMatrix = dict[Priority, dict[MetricName, TargetField]]


class SlaRule(Strict):
    name: str
    when: Conditions = Conditions()
    calendar: str
    #: Cells (priority × metric) that replace the section's base targets for this rule.
    targets: TargetsMatrix = Field(default_factory=dict)
    #: Scale this rule's targets by the customer-tier multiplier.
    tier_multiplier: bool = True
    description: str = ""


class SlaSection(Strict):
    """``targets`` is the base matrix; ``rules`` are tried in order, the first match wins."""

    targets: TargetsMatrix
    rules: list[SlaRule] = Field(min_length=1)

    @field_validator("rules")
    @classmethod
    def _unique(cls, rules: list[SlaRule]) -> list[SlaRule]:
        names = [r.name for r in rules]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"rule name {name!r} is used twice")
        return rules
