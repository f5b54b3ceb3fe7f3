"""SLA clocks for a store under a policy: load, assign targets, run the engine.

This is the glue between the adapters (the store, the policy file) and the pure core
(:mod:`supportops.core.sla`). The CLI and the web layer call :func:`run_clocks`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl

from supportops.core.clock import AtClosing, Schedule
from supportops.core.sla import (
    EngineConfig,
    Level,
    Metric,
    PriorityChange,
    Reopen,
    compute_clocks,
)
from supportops.core.timeline import Timelines, derive
from supportops.policy import Policy
from supportops.store import Store

TICKET_COLUMNS = (
    "id",
    "created_at",
    "priority",
    "category",
    "group_name",
    "channel",
    "status",
    "organization_id",
    "subject",
    "tags",
)

#: Event columns the clocks read.
CLOCK_EVENT_COLUMNS = ("ticket_id", "seq", "at", "kind", "value", "actor_role", "public")


@dataclass(frozen=True, slots=True)
class ClockRun:
    """The clocks of every ticket at ``as_of``, with what was needed to compute them."""

    as_of: datetime
    clocks: pl.DataFrame  # engine output joined with ticket attributes
    tickets: pl.DataFrame  # one row per ticket: attributes, customer tier, rule, calendar
    timelines: Timelines
    schedules: dict[str, Schedule]
    config: EngineConfig


def engine_config(policy: Policy) -> EngineConfig:
    metrics = policy.metrics
    return EngineConfig(
        pauses={m: frozenset(getattr(metrics, m.value).pause_statuses) for m in Metric},
        ladder=tuple(Level(s.level, float(s.at), s.action) for s in policy.warning_ladder),
        at_closing=AtClosing(policy.settings.at_closing.value),
        priority_change=PriorityChange(policy.settings.priority_change.value),
        reopen=Reopen(policy.settings.reopen.value),
    )


def ticket_attributes(store: Store) -> pl.DataFrame:
    """Tickets with the customer tier of their organization, in the columns rules read."""
    tickets = store.load_tickets(TICKET_COLUMNS)
    orgs = store.load_table("organizations").select(
        pl.col("id").alias("organization_id"), pl.col("tier").alias("customer_tier")
    )
    return tickets.join(orgs, on="organization_id", how="left").with_columns(
        pl.col("group_name").alias("group"),
        pl.col("tags").str.json_decode(pl.List(pl.String)).fill_null([]).alias("tags"),
    )


def run_clocks(
    store: Store,
    policy: Policy,
    as_of: datetime | None = None,
    *,
    events: pl.DataFrame | None = None,
    ticket_ids: pl.Series | None = None,
    step: Callable[[str], object] | None = None,
) -> ClockRun:
    """Every ticket's clocks; ``as_of`` defaults to the latest event in the store (the demo
    and exports are snapshots: 'now' is when the data ends).

    ``events``: the store's timelines already loaded (sorted by ticket, time and sequence,
    with at least :data:`CLOCK_EVENT_COLUMNS`), to save reading them again. ``ticket_ids``:
    clocks for these tickets only. ``step`` is told what is being done, in words, as each
    stage begins (for a progress display)."""
    say = step or (lambda _: None)
    if events is None:
        say("reading the timelines")
        events = store.load_events(CLOCK_EVENT_COLUMNS)
    else:
        events = events.select(CLOCK_EVENT_COLUMNS)
    say("reading the tickets")
    tickets = ticket_attributes(store)
    if tickets.height == 0:
        raise store.no_tickets()
    if ticket_ids is not None:
        wanted = ticket_ids.implode()
        tickets = tickets.filter(pl.col("id").is_in(wanted))
        events = events.filter(pl.col("ticket_id").is_in(wanted))
    if as_of is None:
        latest = events["at"].max() if events.height else None
        as_of = latest if isinstance(latest, datetime) else datetime.now(UTC)
    cut = int(as_of.timestamp())
    say(f"deriving {tickets.height:,} tickets' timelines")
    tl = derive(events, tickets, cut)
    attrs = tl.tickets
    targets = policy.targets_for(attrs).with_columns(attrs["tix"])
    first = attrs["created"].min()
    first_year = datetime.fromtimestamp(first if isinstance(first, int) else cut, UTC).year
    years = range(first_year - 1, as_of.year + 3)
    schedules = {name: policy.schedule(name, years) for name in policy.calendars}
    config = engine_config(policy)
    say("computing the clocks")
    clocks = compute_clocks(tl, targets, schedules, config, cut)
    info = attrs.with_columns(targets["rule"], targets["calendar"]).select(
        "tix",
        "ticket_id",
        "created",
        "priority",
        "customer_tier",
        "category",
        "group",
        "channel",
        "status",
        "organization_id",
        "subject",
        "rule",
        "calendar",
    )
    clocks = clocks.join(
        info.select("ticket_id", "priority", "customer_tier", "group", "status", "subject"),
        on="ticket_id",
        how="left",
    )
    return ClockRun(as_of, clocks, info, tl, schedules, config)
