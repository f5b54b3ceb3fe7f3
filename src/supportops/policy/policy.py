"""The policy: the whole file as one typed object, and what the engine asks of it."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any, Literal

import polars as pl
from pydantic import Field, PrivateAttr

from supportops.core.clock import Schedule
from supportops.model import PRIORITIES
from supportops.policy import rules as matching
from supportops.policy.base import Strict
from supportops.policy.calendars import CalendarSpec
from supportops.policy.durations import Target, TargetKind, format_seconds, scale_seconds
from supportops.policy.models import (
    METRICS,
    CustomerTiers,
    LadderStep,
    Metrics,
    Settings,
    SlaRule,
    SlaSection,
    default_ladder,
)
from supportops.policy.review import ReviewSettings
from supportops.policy.sections import (
    EscalationDefinition,
    EscalationPath,
    HandoffTrigger,
    Scorecard,
    SeverityName,
    SeveritySection,
)

__all__ = ["Policy"]


@cache
def _default_section(name: str) -> Any:
    from supportops.policy.loader import default_data

    return default_data()[name]


def _from_default(name: str, model: Any) -> Any:
    def make() -> Any:
        return model.validate_python(_default_section(name))

    return make


def _adapter(kind: Any) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(kind)


class Policy(Strict):
    """A support policy. Build it with :func:`supportops.policy.load_policy` or
    :func:`supportops.policy.default_policy` (they also run the cross-checks)."""

    version: Literal[1] = 1
    settings: Settings = Settings()
    calendars: dict[str, CalendarSpec] = Field(min_length=1)
    metrics: Metrics = Metrics()
    customer_tiers: CustomerTiers = CustomerTiers()
    sla: SlaSection
    warning_ladder: list[LadderStep] = Field(default_factory=default_ladder, min_length=1)
    severity: SeveritySection = Field(
        default_factory=_from_default("severity", _adapter(SeveritySection))
    )
    escalation_paths: dict[SeverityName, EscalationPath] = Field(
        default_factory=_from_default(
            "escalation_paths", _adapter(dict[SeverityName, EscalationPath])
        )
    )
    escalation: EscalationDefinition = Field(
        default_factory=_from_default("escalation", _adapter(EscalationDefinition))
    )
    handoff_triggers: list[HandoffTrigger] = Field(
        default_factory=_from_default("handoff_triggers", _adapter(list[HandoffTrigger]))
    )
    scorecard: Scorecard = Field(default_factory=_from_default("scorecard", _adapter(Scorecard)))
    review: ReviewSettings = ReviewSettings()

    #: Where the policy came from: a file path, or ``built-in default``.
    _source: str = PrivateAttr(default="")
    _schedules: dict[tuple[str, tuple[int, ...] | None], Schedule] = PrivateAttr(
        default_factory=dict
    )

    @property
    def source(self) -> str:
        return self._source

    # ------------------------------------------------------------------ calendars
    def schedule(self, name: str, years: Iterable[int] | None = None) -> Schedule:
        """The clock schedule of calendar ``name``, holidays generated for ``years`` (default
        2000–2040; explicit dates, ranges and iCal events are always included)."""
        if name not in self.calendars:
            raise KeyError(f"no calendar named {name!r}; defined: {', '.join(self.calendars)}")
        key = (name, None if years is None else tuple(years))
        if key not in self._schedules:
            self._schedules[key] = self.calendars[name].schedule(name, key[1])
        return self._schedules[key]

    def schedules(self, years: Iterable[int] | None = None) -> dict[str, Schedule]:
        listed = None if years is None else tuple(years)
        return {name: self.schedule(name, listed) for name in self.calendars}

    def business_day(self, calendar: str) -> int:
        """Seconds of one business day (``bd``) on ``calendar``."""
        return self.calendars[calendar].business_day

    # ------------------------------------------------------------------ rules
    @property
    def rules(self) -> list[SlaRule]:
        return self.sla.rules

    def rule_index(
        self,
        priority: str | None = None,
        customer_tier: str | None = None,
        category: str | None = None,
        group: str | None = None,
        channel: str | None = None,
        tags: Iterable[str] | None = None,
    ) -> int:
        return matching.first_match(
            self.rules,
            priority=priority,
            customer_tier=customer_tier,
            category=category,
            group=group,
            channel=channel,
            tags=tags,
        )

    def select_rule(
        self,
        priority: str | None = None,
        customer_tier: str | None = None,
        category: str | None = None,
        group: str | None = None,
        channel: str | None = None,
        tags: Iterable[str] | None = None,
    ) -> SlaRule:
        """The first rule whose conditions one ticket meets (the default rule otherwise)."""
        return self.rules[self.rule_index(priority, customer_tier, category, group, channel, tags)]

    def assign_rules(self, frame: pl.DataFrame) -> pl.Series:
        """The rule index of every row, first match wins, as one Polars expression."""
        return matching.assign(self.rules, frame)

    # ------------------------------------------------------------------ targets
    def rule_targets(self, rule: int | SlaRule) -> dict[str, dict[str, Target]]:
        """Priority → metric → target for a rule: the base matrix, then the rule's cells."""
        chosen = self.rules[rule] if isinstance(rule, int) else rule
        out: dict[str, dict[str, Target]] = {}
        for matrix in (self.sla.targets, chosen.targets):
            for priority, cells in matrix.items():
                out.setdefault(priority, {}).update({str(m): t for m, t in cells.items()})
        return {p: out[p] for p in PRIORITIES if p in out}

    def scaled(self, rule: int | SlaRule, metric: str) -> bool:
        """Whether the customer-tier multiplier applies to this rule's ``metric`` targets."""
        chosen = self.rules[rule] if isinstance(rule, int) else rule
        return chosen.tier_multiplier and metric in self.customer_tiers.applies_to

    @property
    def tier_multipliers(self) -> dict[str, float]:
        return dict(self.customer_tiers.multipliers)

    def multiplier(self, tier: str | None) -> float:
        return self.customer_tiers.multiplier(tier)

    def effective_seconds(
        self, rule: int | SlaRule, priority: str, metric: str, tier: str | None = None
    ) -> int | None:
        """Target seconds of one cell for one customer tier (``None``: no timer)."""
        chosen = self.rules[rule] if isinstance(rule, int) else rule
        target = self.rule_targets(chosen).get(priority, {}).get(metric)
        if target is None:
            return None
        seconds = target.seconds(self.business_day(chosen.calendar))
        if seconds is None:
            return None
        if self.scaled(chosen, metric):
            return scale_seconds(seconds, self.multiplier(tier))
        return seconds

    def targets_table(self) -> pl.DataFrame:
        """One row per (rule, priority, metric) the policy defines.

        ``seconds`` is the target before the customer-tier multiplier (null when ``kind`` is
        ``none`` or ``on_status_change``); ``scaled`` says whether the engine multiplies it by
        the ticket's tier multiplier (:attr:`tier_multipliers`, rounding with
        :func:`~supportops.policy.durations.scale_seconds`).
        """
        rows: list[dict[str, Any]] = []
        for index, rule in enumerate(self.rules):
            day = self.business_day(rule.calendar)
            for priority, cells in self.rule_targets(rule).items():
                for metric in METRICS:
                    if metric not in cells:
                        continue
                    target = cells[metric]
                    rows.append(
                        {
                            "rule": index,
                            "rule_name": rule.name,
                            "calendar": rule.calendar,
                            "priority": priority,
                            "metric": metric,
                            "kind": target.kind.value,
                            "seconds": target.seconds(day),
                            "scaled": self.scaled(rule, metric),
                            "text": str(target),
                        }
                    )
        schema = {
            "rule": pl.Int32,
            "rule_name": pl.String,
            "calendar": pl.String,
            "priority": pl.String,
            "metric": pl.String,
            "kind": pl.String,
            "seconds": pl.Int64,
            "scaled": pl.Boolean,
            "text": pl.String,
        }
        return pl.DataFrame(rows, schema=schema)

    def tier_table(self) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "customer_tier": list(self.customer_tiers.multipliers),
                "multiplier": list(self.customer_tiers.multipliers.values()),
            },
            schema={"customer_tier": pl.String, "multiplier": pl.Float64},
        )

    def targets_for(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Per row of ``frame``: ``rule``, ``calendar`` and one Int64 column of effective target
        seconds per metric (tier multiplier applied; null where there is no timer).

        ``frame`` has the columns the rules read, plus ``priority`` and ``customer_tier``
        (missing ones count as null)."""
        frame = frame.with_columns(
            [
                pl.lit(None, dtype=pl.String).alias(c)
                for c in ("priority", "customer_tier")
                if c not in frame.columns
            ]
        )
        table = self.targets_table().filter(pl.col("kind") == TargetKind.DURATION.value)
        present = set(table["metric"].to_list())
        wide = (
            table.select("rule", "priority", "metric", "seconds")
            .pivot(on="metric", index=["rule", "priority"], values="seconds")
            .with_columns(
                [pl.lit(None, dtype=pl.Int64).alias(m) for m in METRICS if m not in present]
            )
        )
        calendars = pl.DataFrame(
            {"rule": range(len(self.rules)), "calendar": [r.calendar for r in self.rules]},
            schema={"rule": pl.Int32, "calendar": pl.String},
        )
        tiers = self.customer_tiers
        multiplier = (
            pl.col("customer_tier")
            .cast(pl.String)
            .str.strip_chars()
            .str.to_lowercase()
            .replace_strict(tiers.multipliers, default=tiers.unknown, return_dtype=pl.Float64)
            .fill_null(tiers.unknown)
        )
        scaled = {m: [i for i in range(len(self.rules)) if self.scaled(i, m)] for m in METRICS}
        keyed = frame.select(
            self.assign_rules(frame).alias("rule"),
            pl.col("priority").cast(pl.String).str.strip_chars().str.to_uppercase(),
            multiplier.alias("_m"),
        ).with_row_index("_row")
        out = keyed.join(wide, on=["rule", "priority"], how="left").join(
            calendars, on="rule", how="left"
        )
        return out.sort("_row").select(
            "rule",
            "calendar",
            *[
                pl.when(pl.col("rule").is_in(pl.Series(scaled[m], dtype=pl.Int32).implode()))
                .then((pl.col(m) * pl.col("_m") + 0.5).floor().cast(pl.Int64))
                .otherwise(pl.col(m))
                .alias(m)
                for m in METRICS
            ],
        )

    def sla_matrix(self, customer_tier: str | None = None) -> list[dict[str, Any]]:
        """The effective SLA by priority for a ticket with only a priority and (optionally) a
        customer tier: the rule it gets, its calendar and per metric ``{kind, seconds, text}``
        after the tier multiplier (``text`` in business days when the target was)."""
        rows = []
        for priority in PRIORITIES:
            index = self.rule_index(priority=priority, customer_tier=customer_tier)
            rule = self.rules[index]
            day = self.business_day(rule.calendar)
            cells = self.rule_targets(index).get(priority, {})
            targets: dict[str, dict[str, Any]] = {}
            for metric in METRICS:
                target = cells.get(metric)
                if target is None or target.duration is None:
                    kind = target.kind.value if target else TargetKind.NONE.value
                    targets[metric] = {"kind": kind, "seconds": None, "text": kind}
                    continue
                seconds = self.effective_seconds(index, priority, metric, customer_tier)
                assert seconds is not None
                bd = day if target.duration.business_days else None
                targets[metric] = {
                    "kind": target.kind.value,
                    "seconds": seconds,
                    "text": format_seconds(seconds, bd),
                }
            rows.append(
                {
                    "priority": priority,
                    "rule": rule.name,
                    "calendar": rule.calendar,
                    "targets": targets,
                }
            )
        return rows

    # ------------------------------------------------------------------ other sections
    def severity_for(self, impact: str, users: str) -> str:
        return self.severity.classify(impact, users)
