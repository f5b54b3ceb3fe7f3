"""The support scorecard for a store under a policy: load, derive facts, aggregate, score.

This is the glue between the adapters (the store, the policy file) and the pure core
(:mod:`supportops.core.ticket_facts`, :mod:`supportops.core.metrics`). The CLI
(``supportops metrics``) and the web dashboard call :func:`compute_scorecard`; docs/metrics.md
defines every measure and the JSON shape of :meth:`ScorecardResult.to_dict`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from importlib.resources import files
from typing import Any, Literal, Protocol, cast

import polars as pl
import yaml

from supportops.clocks import engine_config, ticket_attributes
from supportops.core.escalation import EVENT_COLUMNS as ESCALATION_EVENT_COLUMNS
from supportops.core.escalation import escalation_facts
from supportops.core.metrics import (
    AGENT_MEASURES,
    AGENT_SEGMENTS,
    CATALOGUE,
    AgentCosts,
    Better,
    MetricSpec,
    Unit,
    aggregate,
    make_periods,
)
from supportops.core.sla import compute_clocks
from supportops.core.ticket_facts import SEGMENTS, agent_activity, ticket_facts
from supportops.core.timeline import derive
from supportops.errors import InputError
from supportops.policy import Policy, Threshold
from supportops.policy.durations import parse_threshold
from supportops.store import Store

__all__ = [
    "PERIODS",
    "SEGMENTS",
    "STAGES",
    "MetricInfo",
    "ScorecardResult",
    "Status",
    "benchmarks",
    "compute_scorecard",
    "format_value",
    "metric_infos",
    "report_timezone",
]

Status = Literal["good", "warning", "bad", "none"]
PERIODS = ("week", "month")
STAGES = ("startup", "growth", "scale", "enterprise")


class Rule(Protocol):
    """A policy threshold: :class:`~supportops.policy.Threshold` or ``AnyThreshold``."""

    def holds(self, measured: float) -> bool: ...


@dataclass(frozen=True, slots=True)
class MetricInfo:
    """One measure of the scorecard: what it is and where the policy wants it.

    ``target`` / ``warning`` are the policy's thresholds as text (``">= 90%"``, ``"< 1h"``),
    ``None`` when the measure is unscored. ``benchmarks`` maps a company stage (``startup``,
    ``growth``, ``scale``, ``enterprise``) to seed 001's benchmark for the measure.
    ``better`` is ``higher``, ``lower``, ``range`` (a band is the target) or ``neutral``.
    """

    name: str
    label: str
    unit: Unit
    better: Better
    target: str | None
    warning: str | None
    description: str
    short: str = ""
    benchmarks: dict[str, str] = field(default_factory=dict)
    target_rule: Rule | None = field(default=None, repr=False, compare=False)
    warning_rule: Rule | None = field(default=None, repr=False, compare=False)
    benchmark_rules: tuple[tuple[str, Rule], ...] = field(default=(), repr=False, compare=False)

    def status(self, value: float | None) -> Status:
        """``good`` when the target holds; ``bad`` when the warning line is crossed, or the
        target is missed and there is no warning line; ``warning`` in between; ``none``
        without a value or for an unscored measure."""
        if value is None or math.isnan(value):
            return "none"
        if self.target_rule is None and self.warning_rule is None:
            return "none"
        if self.target_rule is not None and self.target_rule.holds(value):
            return "good"
        if self.warning_rule is None:
            return "bad"
        if self.warning_rule.holds(value):
            return "bad"
        return "good" if self.target_rule is None else "warning"

    def stage(self, value: float | None) -> str | None:
        """The most demanding company stage whose benchmark ``value`` meets (``None``: none,
        or no benchmark for this measure)."""
        if value is None or math.isnan(value):
            return None
        met = [stage for stage, rule in self.benchmark_rules if rule.holds(value)]
        return met[-1] if met else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "short": self.short,
            "unit": self.unit,
            "better": self.better,
            "target": self.target,
            "warning": self.warning,
            "description": self.description,
            "benchmarks": dict(self.benchmarks),
        }


@dataclass(frozen=True, slots=True)
class ScorecardResult:
    """The scorecard: one row per (period, segment…) with one column per metric.

    ``rows``: ``period`` (the period's first local day; null for the whole range), one
    String column per ``by`` segment (``agent`` is followed by ``agent_name``), then one
    column per entry of ``metrics`` in order: counts as Int64, the rest Float64 with
    percentages as fractions and times in seconds; null where there is nothing to measure.
    """

    as_of: datetime
    period: str | None
    by: tuple[str, ...]
    metrics: tuple[MetricInfo, ...]
    rows: pl.DataFrame
    since: date | None = None
    until: date | None = None
    timezone: str = "UTC"
    currency: str = "USD"

    def metric(self, name: str) -> MetricInfo:
        for info in self.metrics:
            if info.name == name:
                return info
        raise KeyError(f"no metric named {name!r}")

    def status(self, metric: str, value: float | None) -> Status:
        """Where ``value`` stands against the policy's target and warning for ``metric``."""
        return self.metric(metric).status(value)

    @property
    def key_columns(self) -> list[str]:
        return [c for c in self.rows.columns if c not in {m.name for m in self.metrics}]

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape (docs/metrics.md, "JSON")."""
        segments = [c for c in self.key_columns if c != "period"]
        out_rows = []
        for row in self.rows.iter_rows(named=True):
            values = {m.name: _plain(row[m.name]) for m in self.metrics}
            out_rows.append(
                {
                    "period": row["period"].isoformat() if row["period"] else None,
                    "segments": {s: row[s] for s in segments},
                    "values": values,
                    "status": {m.name: m.status(values[m.name]) for m in self.metrics},
                }
            )
        return {
            "as_of": self.as_of.isoformat(),
            "period": self.period,
            "by": list(self.by),
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "timezone": self.timezone,
            "currency": self.currency,
            "metrics": [m.to_dict() for m in self.metrics],
            "rows": out_rows,
        }


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def format_value(info: MetricInfo, value: float | None, currency: str = "USD") -> str:
    """A value as people read it: ``85.2%``, ``42m``, ``5.2h``, ``4.6d`` (24 h days),
    ``1,283``, ``$12.50``; ``–`` when there is none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if info.unit == "percent":
        return f"{value:.1%}"
    if info.unit == "count":
        return f"{int(value):,}"
    if info.unit == "seconds":
        if value < 3600:
            return f"{value / 60:.0f}m"
        if value < 10 * 3600:
            return f"{value / 3600:.1f}h"
        if value < 72 * 3600:
            return f"{value / 3600:.0f}h"
        return f"{value / 86_400:.1f}d"
    if info.name == "cost_per_ticket":
        symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(currency)
        return f"{symbol}{value:,.2f}" if symbol else f"{value:,.2f} {currency}"
    return f"{value:,.1f}"


# --------------------------------------------------------------------------- policy → info
@cache
def benchmarks() -> dict[str, dict[str, str]]:
    """Seed 001's benchmarks by company stage: stage → measure → threshold text."""
    text = files("supportops.policy").joinpath("benchmarks.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return {stage: dict(data["stages"][stage]) for stage in STAGES}


def _info(spec: MetricSpec, policy: Policy) -> MetricInfo:
    target: Rule | None = None
    warning: Rule | None = None
    description = spec.description
    if spec.policy == "escalation":  # true escalations: the escalation section's rates
        definition = policy.escalation
        target = Threshold("<=", definition.target_rate, "percent")
        warning = Threshold(">", definition.warning_rate, "percent")
    elif spec.policy is not None:
        entry = getattr(policy.scorecard, spec.policy, None)
        if entry is not None:
            target, warning = entry.target, entry.warning
            description = entry.description or description
    marks = benchmarks()
    texts = {s: marks[s][spec.name] for s in STAGES if spec.name in marks[s]}
    return MetricInfo(
        name=spec.name,
        label=spec.label,
        unit=spec.unit,
        better=spec.better,
        target=None if target is None else str(target),
        warning=None if warning is None else str(warning),
        description=description,
        short=spec.short,
        benchmarks=texts,
        target_rule=target,
        warning_rule=warning,
        benchmark_rules=tuple((s, cast(Rule, parse_threshold(t))) for s, t in texts.items()),
    )


def metric_infos(policy: Policy, by: Sequence[str] = ()) -> tuple[MetricInfo, ...]:
    """The measures a scorecard split by ``by`` reports, with the policy's targets (the
    agent-day measures only by period, agent or team)."""
    return tuple(
        _info(spec, policy)
        for spec in CATALOGUE
        if spec.name not in AGENT_MEASURES or set(by) <= AGENT_SEGMENTS
    )


def report_timezone(policy: Policy) -> str:
    """The time zone periods are cut in: that of the default SLA rule's calendar."""
    return policy.calendars[policy.rules[-1].calendar].timezone


# --------------------------------------------------------------------------- glue
def _check(period: str | None, by: Sequence[str]) -> None:
    if period is not None and period not in PERIODS:
        raise InputError(f"--period {period!r}: choose week or month")
    for segment in by:
        if segment not in SEGMENTS:
            raise InputError(f"--by {segment!r}: choose from {', '.join(SEGMENTS)}")
    if len(set(by)) != len(by):
        raise InputError("--by: name each segment once")


def compute_scorecard(
    store: Store,
    policy: Policy,
    *,
    as_of: datetime | None = None,
    since: date | None = None,
    until: date | None = None,
    period: str | None = None,
    by: Sequence[str] = (),
) -> ScorecardResult:
    """The scorecard of ``store`` under ``policy`` at ``as_of`` (default: the latest event).

    ``since`` / ``until`` (inclusive local dates in :func:`report_timezone`) limit what is
    reported; ``period`` is ``"week"`` (ISO weeks, Monday first), ``"month"`` or ``None``
    (the whole range); ``by`` lists segments from :data:`SEGMENTS`.
    """
    _check(period, by)
    if since is not None and until is not None and until < since:
        raise InputError(f"--until {until} is before --since {since}")
    events = store.load_events()
    tickets = ticket_attributes(store).join(
        store.load_tickets(("id", "assignee_id")), on="id", how="left"
    )
    if tickets.height == 0:
        raise store.no_tickets()
    if as_of is None:
        latest = events["at"].max() if events.height else None
        as_of = latest if isinstance(latest, datetime) else datetime.now(UTC)
    cut = int(as_of.timestamp())

    tl = derive(events, tickets, cut)
    targets = policy.targets_for(tl.tickets).with_columns(tl.tickets["tix"])
    created = tl.tickets["created"]
    first = int(created.min()) if created.len() else cut  # type: ignore[arg-type]
    first_year = datetime.fromtimestamp(first, UTC).year
    schedules = policy.schedules(range(first_year - 1, as_of.year + 3))
    clocks = compute_clocks(tl, targets, schedules, engine_config(policy), cut)
    tl = dataclasses.replace(tl, tickets=tl.tickets.with_columns(targets["calendar"]))
    compiled = {name: s.compile(first - 7 * 86_400, cut + 86_400) for name, s in schedules.items()}

    escalation = escalation_facts(
        events.with_columns(pl.lit(None, pl.String).alias("body")).select(ESCALATION_EVENT_COLUMNS),
        tickets.select("id", "created_at"),
        policy.escalation,
        as_of,
    )
    agents = store.load_table("agents").select("id", "name", "team")
    groups = store.load_table("groups").select("name", "tier")
    facts = ticket_facts(tl, events, escalation, compiled, cut, agents=agents, groups=groups)

    tz = report_timezone(policy)
    activity = agent_activity(events, tz, cut).join(
        agents.select(pl.col("id").alias("agent"), "team"), on="agent", how="left"
    )
    periods = make_periods(cast(Any, period), tz, first, cut, since, until)
    card = policy.scorecard
    costs = AgentCosts(
        cost_per_agent_day=(
            card.costs.agent_cost_per_year / card.costs.working_days_per_year
            if card.costs.agent_cost_per_year is not None
            else None
        ),
        handle_time=card.costs.handle_time,
        hours_per_day=card.costs.hours_per_day,
    )
    rows = aggregate(facts, tl.cycles, clocks, activity, periods, by, costs)
    if "agent" in by:
        names = agents.select(pl.col("id").alias("agent"), pl.col("name").alias("agent_name"))
        rows = rows.join(names, on="agent", how="left", maintain_order="left")
        order = list(rows.columns)
        order.remove("agent_name")
        order.insert(order.index("agent") + 1, "agent_name")
        rows = rows.select(order)
    infos = metric_infos(policy, by)
    kept = {m.name for m in infos}
    rows = rows.drop([s.name for s in CATALOGUE if s.name not in kept])
    return ScorecardResult(
        as_of=as_of,
        period=period,
        by=tuple(by),
        metrics=infos,
        rows=rows,
        since=since,
        until=until,
        timezone=tz,
        currency=card.costs.currency,
    )
