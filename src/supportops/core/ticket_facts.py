"""Per-ticket facts for the scorecard: replies, solves, surveys, segments, times.

One row per ticket created by ``as_of`` (the rows of :class:`~supportops.core.timeline.
Timelines`, in ``tix`` order), every instant in epoch seconds. :mod:`supportops.core.metrics`
aggregates these rows by period and segment; docs/metrics.md defines each fact.

Pure: frames and compiled business clocks in, one frame out; ``as_of`` is explicit.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import polars as pl

from supportops.core.clock import Clock
from supportops.core.timeline import Timelines

__all__ = ["ATTRIBUTE_KINDS", "FACT_SCHEMA", "SEGMENTS", "agent_activity", "ticket_facts"]

#: Segments a scorecard can be split by (columns of the facts frame).
SEGMENTS = ("group", "team", "agent", "tier", "category", "customer_tier", "priority", "channel")
#: Event kinds whose last value at ``as_of`` gives a ticket's segment (header otherwise).
ATTRIBUTE_KINDS = {
    "priority": "priority",
    "category": "category",
    "group": "group",
    "assignee": "agent",
    "tier": "tier",
}
_SURVEYS = ("csat", "nps", "ces")

FACT_SCHEMA: dict[str, pl.DataType] = {
    "tix": pl.Int64(),
    "ticket_id": pl.String(),
    "created": pl.Int64(),
    **{s: pl.String() for s in SEGMENTS},
    "calendar": pl.String(),
    "first_reply": pl.Int64(),  # first public agent reply
    "agent_replies": pl.Int64(),  # public agent replies by as_of
    "first_solve": pl.Int64(),  # end of the first resolution cycle
    "full_solve": pl.Int64(),  # end of the last cycle, when the ticket is solved now
    "reopened": pl.Boolean(),
    "followup": pl.Boolean(),  # public customer comment after the first reply, by the solve
    "merged": pl.Boolean(),
    "escalated": pl.Boolean(),
    "elevated": pl.Boolean(),
    "frt_cal": pl.Int64(),
    "frt_bus": pl.Int64(),
    "ttr_cal": pl.Int64(),
    "ttr_bus": pl.Int64(),
    "full_cal": pl.Int64(),
    "full_bus": pl.Int64(),
    "fcr": pl.Boolean(),  # null where the ticket is not a solved, answered, unmerged one
    "one_touch": pl.Boolean(),
    **{c: pl.Int64() for s in _SURVEYS for c in (s, f"{s}_at")},
}


def _last_per_ticket(ev: pl.DataFrame, name: str) -> pl.DataFrame:
    return ev.group_by("tix", maintain_order=True).agg(pl.col("value").last().alias(name))


def ticket_facts(
    tl: Timelines,
    events: pl.DataFrame,
    escalation: pl.DataFrame,
    clocks: Mapping[str, Clock],
    as_of: int,
    *,
    agents: pl.DataFrame | None = None,
    groups: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The facts of every ticket in ``tl`` (see :data:`FACT_SCHEMA`).

    * ``tl.tickets`` carries the header columns ``priority``, ``category``, ``group``,
      ``channel``, ``customer_tier``, ``assignee_id`` (missing ones count as null) and
      ``calendar``: the name in ``clocks`` whose business hours the ticket's times use.
    * ``events``: the store's events (``ticket_id, seq, at, kind, value, action, number,
      actor_role, public``); only segment, merge and survey kinds are read here.
    * ``escalation``: ``id, escalated, elevated`` per ticket
      (:func:`supportops.core.escalation.escalation_facts`).
    * ``agents`` (``id, team``) gives the agent's team; ``groups`` (``name, tier``) the
      tier of a ticket that has no tier event.
    """
    tk = tl.tickets
    n = tk.height
    base = tk.select(
        "tix",
        "ticket_id",
        "created",
        *[
            (pl.col(c) if c in tk.columns else pl.lit(None)).cast(pl.String).alias(c)
            for c in ("priority", "category", "group", "channel", "customer_tier")
        ],
        (pl.col("assignee_id") if "assignee_id" in tk.columns else pl.lit(None))
        .cast(pl.String)
        .alias("agent"),
        pl.col("calendar").cast(pl.String),
    )

    # ---- events of the kinds read here, on the timelines' ticket index
    kinds = [*ATTRIBUTE_KINDS, "merge", "csat"]
    ev = (
        events.filter(pl.col("kind").is_in(kinds))
        .with_columns(pl.col("at").dt.epoch("s").cast(pl.Int64).alias("t"))
        .filter(pl.col("t") <= as_of)
        .join(tk.select("ticket_id", "tix"), on="ticket_id", how="inner")
        .sort("tix", "t", "seq")
    )
    kind = pl.col("kind")
    base = base.with_columns(pl.lit(None, pl.String).alias("tier"))
    for k, name in ATTRIBUTE_KINDS.items():
        # the last event's value at as_of; the header's value when the kind never occurs
        last = _last_per_ticket(ev.filter(kind == k), "_v").with_columns(
            pl.when(pl.col("_v") != "").then(pl.col("_v")).alias("_v"),  # "": unassigned
            pl.lit(True).alias("_seen"),
        )
        base = base.join(last, on="tix", how="left").with_columns(
            pl.when(pl.col("_seen").fill_null(False))
            .then(pl.col("_v"))
            .otherwise(pl.col(name))
            .alias(name)
        )
        base = base.drop("_v", "_seen")
    if groups is not None and groups.height:
        lookup = groups.select(pl.col("name").alias("group"), pl.col("tier").alias("_gt"))
        lookup = lookup.unique("group", keep="first")
        base = base.join(lookup, on="group", how="left").with_columns(
            pl.coalesce("tier", "_gt").alias("tier")
        )
        base = base.drop("_gt")
    if agents is not None and agents.height:
        teams = agents.select(pl.col("id").alias("agent"), pl.col("team").cast(pl.String))
        base = base.join(teams.unique("agent", keep="first"), on="agent", how="left")
    else:
        base = base.with_columns(pl.lit(None, pl.String).alias("team"))
    base = base.sort("tix")

    # ---- replies, solves, follow-ups
    rp = tl.replies
    agent_rp = rp.filter(pl.col("role") == "agent")
    replies = agent_rp.group_by("tix").agg(
        pl.col("t").min().alias("first_reply"), pl.len().cast(pl.Int64).alias("agent_replies")
    )
    cy = tl.cycles
    first = cy.filter(pl.col("cycle") == 1).select(
        "tix", pl.when(pl.col("stop") >= 0).then(pl.col("stop")).alias("first_solve")
    )
    last = cy.group_by("tix").agg(
        pl.col("stop").last().alias("_last_stop"), (pl.col("cycle").max() > 1).alias("reopened")
    )
    facts = (
        base.join(replies, on="tix", how="left")
        .join(first, on="tix", how="left")
        .join(last, on="tix", how="left")
        .with_columns(
            pl.col("agent_replies").fill_null(0),
            pl.when(pl.col("_last_stop") >= 0).then(pl.col("_last_stop")).alias("full_solve"),
            pl.col("reopened").fill_null(False),
        )
        .drop("_last_stop")
    )
    window = facts.select("tix", "first_reply", "first_solve").filter(
        pl.col("first_reply").is_not_null() & pl.col("first_solve").is_not_null()
    )
    followed = (
        rp.filter(pl.col("role") == "customer")
        .join(window, on="tix", how="inner")
        .filter((pl.col("t") > pl.col("first_reply")) & (pl.col("t") <= pl.col("first_solve")))
        .select("tix")
        .unique()
    )
    merged = ev.filter(kind == "merge").select("tix").unique()
    esc = escalation.select(
        pl.col("id").alias("ticket_id"),
        pl.col("escalated").fill_null(False),
        pl.col("elevated").fill_null(False),
    )
    facts = facts.join(esc, on="ticket_id", how="left").with_columns(
        pl.col("tix").is_in(followed["tix"].implode()).alias("followup"),
        pl.col("tix").is_in(merged["tix"].implode()).alias("merged"),
        pl.col("escalated").fill_null(False),
        pl.col("elevated").fill_null(False),
    )

    # ---- surveys: the last answer of each survey per ticket
    surveys = ev.filter(kind == "csat").with_columns(
        pl.col("value").str.strip_chars().str.to_lowercase().fill_null("csat").alias("survey")
    )
    surveys = surveys.with_columns(
        pl.when(pl.col("survey") == "").then(pl.lit("csat")).otherwise("survey").alias("survey")
    )
    for s in _SURVEYS:
        answers = (
            surveys.filter((pl.col("survey") == s) & pl.col("number").is_not_null())
            .group_by("tix", maintain_order=True)
            .agg(
                pl.col("number").last().cast(pl.Int64).alias(s),
                pl.col("t").last().alias(f"{s}_at"),
            )
        )
        facts = facts.join(answers, on="tix", how="left")
    facts = facts.sort("tix")

    # ---- durations, calendar and business
    created = facts["created"].to_numpy()
    calendar = facts["calendar"].fill_null("").to_numpy()
    durations: dict[str, np.ndarray] = {}
    for name, column in (("frt", "first_reply"), ("ttr", "first_solve"), ("full", "full_solve")):
        end = facts[column].fill_null(-1).to_numpy()
        has = end >= 0
        cal = np.where(has, end - created, -1)
        bus = np.full(n, -1, dtype=np.int64)
        for cal_name, clock in clocks.items():
            rows = np.flatnonzero(has & (calendar == cal_name))
            if len(rows):
                bus[rows] = clock.elapsed(created[rows], end[rows])
        durations[f"{name}_cal"] = cal
        durations[f"{name}_bus"] = bus
    facts = facts.with_columns(
        pl.when(pl.Series(v) >= 0).then(pl.Series(v)).alias(k) for k, v in durations.items()
    )

    # ---- first contact resolution and one-touch, over solved, answered, unmerged tickets
    answered = (
        pl.col("first_solve").is_not_null()
        & pl.col("first_reply").is_not_null()
        & (pl.col("first_reply") <= pl.col("first_solve"))
        & ~pl.col("merged")
    )
    facts = facts.with_columns(
        pl.when(answered)
        .then(
            ~pl.col("followup") & ~pl.col("reopened") & ~pl.col("escalated") & ~pl.col("elevated")
        )
        .alias("fcr"),
        pl.when(answered).then(pl.col("agent_replies") == 1).alias("one_touch"),
    )
    return facts.select([pl.col(c).cast(t) for c, t in FACT_SCHEMA.items()])


def agent_activity(events: pl.DataFrame, timezone: str, as_of: int) -> pl.DataFrame:
    """Agent-days: one row per (``agent``, local ``day``) on which the agent wrote at least
    one public reply, with ``t`` the first such reply (epoch seconds)."""
    replies = events.filter(
        (pl.col("kind") == "comment")
        & (pl.col("actor_role") == "agent")
        & pl.col("public").fill_null(True)
        & pl.col("actor").is_not_null()
    ).select(
        pl.col("actor").alias("agent"),
        pl.col("at").dt.epoch("s").cast(pl.Int64).alias("t"),
        pl.col("at").dt.convert_time_zone(timezone).dt.date().alias("day"),
    )
    return (
        replies.filter(pl.col("t") <= as_of)
        .group_by("agent", "day")
        .agg(pl.col("t").min())
        .sort("agent", "day")
    )
