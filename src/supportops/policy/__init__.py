"""The support policy file: calendars, SLA rules and targets, pause statuses, the warning
ladder, severity, escalation, handoff triggers and scorecard targets (docs/policy.md).

    policy = find_policy(None)         # $SUPPORTOPS_POLICY, ./supportops.policy.yaml, default
    policy.select_rule(priority="P1")  # the rule one ticket gets
    policy.assign_rules(frame)         # … every row of a frame, vectorized
    policy.targets_for(frame)          # calendar + target seconds per metric, per row
    policy.schedule("business", years=range(2024, 2028))  # a core.clock Schedule
"""

from __future__ import annotations

from supportops.policy.durations import (
    Duration,
    Target,
    TargetKind,
    Threshold,
    format_seconds,
    parse_duration,
    scale_seconds,
)
from supportops.policy.loader import (
    DEFAULT_PATH,
    DEFAULT_POLICY_YAML,
    default_policy,
    find_policy,
    load_policy,
    parse_policy,
)
from supportops.policy.models import METRICS, PriorityChange, Reopen, SlaRule
from supportops.policy.policy import Policy

__all__ = [
    "DEFAULT_PATH",
    "DEFAULT_POLICY_YAML",
    "METRICS",
    "Duration",
    "Policy",
    "PriorityChange",
    "Reopen",
    "SlaRule",
    "Target",
    "TargetKind",
    "Threshold",
    "default_policy",
    "find_policy",
    "format_seconds",
    "load_policy",
    "parse_duration",
    "parse_policy",
    "scale_seconds",
]
