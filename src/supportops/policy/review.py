"""The ``review:`` section: the knobs of the weekly escalation review.

Every threshold a reviewer might argue about lives here, with the default the review uses
when the section is left out (see docs/review.md for what each one does).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PositiveInt

from supportops.policy.base import Strict
from supportops.policy.durations import DurationField, Percent, parse_duration

__all__ = ["ReviewSettings"]


class ReviewSettings(Strict):
    """What the review looks at and how hard it looks."""

    #: The time zone weeks are cut in (Monday 00:00 to Sunday 24:00); default: the time zone
    #: of the calendar of the policy's last (default) SLA rule.
    timezone: str | None = None
    #: Weeks in the escalation-rate trend.
    trend_weeks: PositiveInt = 12
    #: Weeks of history clustered for repeat problems (their counts "in history").
    history_weeks: PositiveInt = 26
    #: Cluster the escalated tickets only, or every ticket of the history window.
    cluster: Literal["escalated", "all"] = "escalated"
    #: An escalation is early when raised before any public agent reply, or within this much
    #: business time of creation (on the ticket's SLA calendar).
    early_within: DurationField = Field(default_factory=lambda: parse_duration("2h"))
    #: Habitual escalators: the look-back window, the least tickets and escalations an
    #: account needs before it is judged, and the false-discovery rate of the one-sided
    #: binomial test against the other accounts' rate (Benjamini–Hochberg).
    habitual_window: DurationField = Field(default_factory=lambda: parse_duration("182d"))
    habitual_min_tickets: PositiveInt = 8
    habitual_min_escalations: PositiveInt = 3
    habitual_fdr: Percent = 0.05
    #: People who escalate faster or slower than their peers (Mann–Whitney U on business
    #: hours from creation to escalation): the least escalations a person needs, and the
    #: significance level.
    people_min_escalations: PositiveInt = 5
    people_alpha: Percent = 0.05
    #: Aged open tickets never escalated: the least age, and how many to list.
    aged_after: DurationField = Field(default_factory=lambda: parse_duration("7d"))
    aged_limit: PositiveInt = 15
    #: Retrospective sample: the week's escalations, or this many drawn at random from them.
    sample_size: PositiveInt = 10
    sample_seed: int = 0
    #: Repeat problems shown, and KB drafts written for the top problems without an article.
    problems_limit: PositiveInt = 15
    kb_drafts: int = Field(default=3, ge=0)
    #: How far back the at-risk signals look when a trigger gives no ``within``.
    at_risk_window: DurationField = Field(default_factory=lambda: parse_duration("30d"))
