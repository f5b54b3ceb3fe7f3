"""Escalation facts per ticket: true escalations kept apart from elevations (seed 002).

A **true escalation** is special handling: an escalation event, a configured tag added, or
the severity raised (after intake) to a configured level. An **elevation** is a move to a
higher support tier or to a group that stands for one; a true escalation often includes
one. Tier **ping-pong** ("ticket tennis") is a move back down after a move up, and group
**bouncing** a return to a group the ticket had already left.

Pure: frames in, one frame out, nothing read from the clock (``as_of`` is explicit).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import polars as pl

from supportops.core.frames import in_order
from supportops.model import Status
from supportops.policy.sections import EscalationDefinition

__all__ = ["EVENT_COLUMNS", "FACT_COLUMNS", "escalation_facts"]

#: Event columns :func:`escalation_facts` reads.
EVENT_COLUMNS = (
    "ticket_id",
    "seq",
    "at",
    "kind",
    "value",
    "action",
    "number",
    "actor",
    "actor_role",
    "public",
    "body",
)

#: Columns of the result, in order (besides the ticket columns passed through).
FACT_COLUMNS = (
    "escalated",
    "escalated_at",
    "escalated_via",
    "escalated_by",
    "escalation_reason",
    "escalation_level",
    "escalation_count",
    "owner_at_escalation",
    "elevated",
    "elevated_at",
    "max_tier",
    "tier_moves_down",
    "ping_pong",
    "group_changes",
    "group_returns",
    "bouncing",
    "first_agent_reply_at",
    "last_agent_reply_at",
    "last_event_at",
    "solved_at",
    "state",
    "is_open",
)

_SEVERITY_RANK = {f"SEV{i}": i for i in range(1, 6)}
_TIER_RANK = {f"L{i}": i for i in range(4)}
_DONE = (Status.SOLVED.value, Status.CLOSED.value)
#: The event kinds escalation facts read (besides public agent comments).
_READ_KINDS = ("escalation", "tag", "severity", "assignee", "tier", "group", "status")


def _first(frame: pl.DataFrame, *cols: str) -> pl.DataFrame:
    """The first row of each ticket (frame sorted by ticket, at, seq)."""
    return frame.group_by("ticket_id", maintain_order=True).first().select("ticket_id", *cols)


def escalation_facts(
    events: pl.DataFrame,
    tickets: pl.DataFrame,
    definition: EscalationDefinition,
    as_of: datetime,
    *,
    keep: Sequence[str] = (),
) -> pl.DataFrame:
    """One row per ticket created by ``as_of``: its ``id``, ``created_at``, the ``keep``
    ticket columns and :data:`FACT_COLUMNS`. Events after ``as_of`` are ignored.

    ``escalated_via`` is ``event``, ``tag`` or ``severity`` (whichever came first);
    ``owner_at_escalation`` the assignee just before it; ``state`` the normalized status at
    ``as_of``.
    """
    tk = tickets.filter(pl.col("created_at") <= as_of).select(
        "id", "created_at", *[c for c in keep if c not in ("id", "created_at")]
    )
    created = tk.select(pl.col("id").alias("ticket_id"), "created_at")
    kind = pl.col("kind")
    # Only escalation events need their text (the reason): comment bodies are most of a
    # timeline's bytes, and nothing here reads them.
    keep_rows = pl.col("at") <= as_of
    if tk.height < tickets.height:  # events of tickets created after as_of, or unknown ones
        keep_rows = keep_rows & pl.col("ticket_id").is_in(created["ticket_id"].implode())
    base = events.lazy().filter(keep_rows)
    ordered = in_order(events, ("ticket_id", "at", "seq"))  # as the store returns them
    if ordered:  # the last row of each timeline
        last_event = (
            base.filter(pl.col("ticket_id") != pl.col("ticket_id").shift(-1).fill_null(""))
            .select("ticket_id", pl.col("at").alias("last_event_at"))
            .collect()
        )
    else:
        last_event = (
            base.group_by("ticket_id").agg(pl.col("at").max().alias("last_event_at")).collect()
        )
    # Only the events read below: the signals of an escalation (with their text, the
    # reason), and the few columns of the tier, group, assignee and status changes and of
    # public agent replies. Comments are most of a timeline's rows and bytes.
    signal_kinds = ("escalation", "tag", "severity")
    sig = (
        base.filter(kind.is_in(signal_kinds))
        .select("ticket_id", "seq", "at", "kind", "value", "action", "number", "actor", "body")
        .with_columns(pl.when(kind == "escalation").then(pl.col("body")).alias("body"))
        .collect()
    )
    ev = (
        base.filter(
            kind.is_in(_READ_KINDS)
            | (
                (kind == "comment")
                & (pl.col("actor_role") == "agent")
                & pl.col("public").fill_null(False)
            )
        )
        .select("ticket_id", "seq", "at", "kind", "value")
        .collect()
    )
    if not ordered:  # (filters keep the order, so the frames below are sorted when it was)
        ev = ev.sort("ticket_id", "at", "seq")
        sig = sig.sort("ticket_id", "at", "seq")
    # Group and join on a small integer per ticket (its rank in the sorted events), not on the
    # ticket id text: hashing ten million strings is where the time and memory went. Below,
    # "ticket_id" is that integer; ``keys`` maps it back.
    new_ticket = (pl.col("ticket_id") != pl.col("ticket_id").shift(1)).fill_null(True)
    ev = ev.with_columns(new_ticket.cum_sum().cast(pl.UInt32).alias("_key"))
    keys = ev.filter(new_ticket).select("ticket_id", "_key")
    ev = ev.drop("ticket_id").rename({"_key": "ticket_id"})

    def keyed(frame: pl.DataFrame) -> pl.DataFrame:
        return (
            frame.join(keys, on="ticket_id", how="inner", maintain_order="left")
            .drop("ticket_id")
            .rename({"_key": "ticket_id"})
        )

    sig = keyed(sig)
    created = keyed(created)

    # ---- true escalations: the first signal of each kind the policy counts
    signals: list[pl.DataFrame] = []
    raised = sig.filter((kind == "escalation") & (pl.col("action") == "raised"))
    if definition.escalation_events:
        signals.append(
            raised.select(
                "ticket_id",
                "at",
                "seq",
                pl.lit("event").alias("via"),
                pl.col("actor").alias("by"),
                pl.col("body").alias("reason"),
            )
        )
    if definition.tags:
        signals.append(
            sig.filter(
                (kind == "tag")
                & (pl.col("action") == "added")
                & pl.col("value").str.to_lowercase().is_in(definition.tags)
            ).select(
                "ticket_id",
                "at",
                "seq",
                pl.lit("tag").alias("via"),
                pl.col("actor").alias("by"),
                ("tag " + pl.col("value")).alias("reason"),
            )
        )
    if definition.severities:
        sev = (
            sig.filter(kind == "severity")
            .join(created, on="ticket_id", how="left", maintain_order="left")
            .with_columns(
                pl.col("value").replace_strict(_SEVERITY_RANK, default=None).alias("rank")
            )
        )
        sev = sev.with_columns(pl.col("rank").shift(1).over("ticket_id").alias("before"))
        signals.append(
            sev.filter(
                (pl.col("at") > pl.col("created_at"))
                & pl.col("value").is_in(definition.severities)
                & (pl.col("before").is_null() | (pl.col("rank") < pl.col("before")))
            ).select(
                "ticket_id",
                "at",
                "seq",
                pl.lit("severity").alias("via"),
                pl.col("actor").alias("by"),
                ("severity raised to " + pl.col("value")).alias("reason"),
            )
        )
    first_signal = (
        _first(
            pl.concat(signals).sort("ticket_id", "at", "seq"),
            "at",
            "seq",
            "via",
            "by",
            "reason",
        ).rename(
            {
                "at": "escalated_at",
                "via": "escalated_via",
                "by": "escalated_by",
                "reason": "escalation_reason",
            }
        )
        if signals
        else pl.DataFrame(
            schema={
                "ticket_id": ev.schema["ticket_id"],
                "escalated_at": ev.schema["at"],
                "seq": pl.Int64,
                "escalated_via": pl.String,
                "escalated_by": pl.String,
                "escalation_reason": pl.String,
            }
        )
    )
    levels = (
        sig.filter(kind == "escalation")
        .group_by("ticket_id")
        .agg(
            pl.col("number").max().alias("escalation_level"),
            (pl.col("action") == "raised").sum().cast(pl.Int32).alias("escalation_count"),
        )
    )

    # ---- who owned the ticket when it escalated: the last assignee event before it
    assignees = ev.filter(kind == "assignee").select(
        "ticket_id", pl.col("at").alias("a_at"), "seq", pl.col("value").alias("owner")
    )
    owner = (
        first_signal.select("ticket_id", "escalated_at", "seq")
        .join(assignees, on="ticket_id")
        .filter(
            (pl.col("a_at") < pl.col("escalated_at"))
            | ((pl.col("a_at") == pl.col("escalated_at")) & (pl.col("seq_right") < pl.col("seq")))
        )
        .sort("ticket_id", "a_at", "seq_right")
        .group_by("ticket_id", maintain_order=True)
        .last()
        .select("ticket_id", pl.col("owner").alias("owner_at_escalation"))
    )

    # ---- elevations, ping-pong and bouncing
    tiers = (
        ev.filter(kind == "tier")
        .join(created, on="ticket_id", how="left", maintain_order="left")
        .with_columns(pl.col("value").replace_strict(_TIER_RANK, default=None).alias("rank"))
    )
    tiers = tiers.with_columns(pl.col("rank").shift(1).over("ticket_id").alias("before"))
    tier_facts = tiers.group_by("ticket_id").agg(
        pl.col("rank").max().alias("max_rank"),
        (pl.col("rank") < pl.col("before")).sum().cast(pl.Int32).alias("tier_moves_down"),
        # a move down that follows a move up: L1 -> L2 -> L1 is one bounce
        (
            (pl.col("rank") < pl.col("before"))
            & ((pl.col("rank") > pl.col("before")).fill_null(False).cum_sum() > 0)
        )
        .sum()
        .cast(pl.Int32)
        .alias("downs_after_up"),
    )
    up_tiers = [_TIER_RANK[t] for t in definition.elevation_tiers]
    elevation_moves = [
        tiers.filter(
            pl.col("rank").is_in(up_tiers)
            & (
                # the intake tier is routing, not a move; a first tier set later is one
                (pl.col("before").is_null() & (pl.col("at") > pl.col("created_at")))
                | (pl.col("rank") > pl.col("before"))
            )
        ).select("ticket_id", "at", "seq")
    ]
    groups = ev.filter(kind == "group").select("ticket_id", "at", "seq", "value")
    if definition.elevation_groups:
        elevation_moves.append(
            groups.filter(pl.col("value").is_in(definition.elevation_groups)).select(
                "ticket_id", "at", "seq"
            )
        )
    elevated = _first(pl.concat(elevation_moves).sort("ticket_id", "at", "seq"), "at").rename(
        {"at": "elevated_at"}
    )
    groups = groups.with_columns(
        (pl.col("value") != pl.col("value").shift(1).over("ticket_id")).alias("changed"),
    )
    # a return: the group was held before, and the ticket left it in between
    group_runs = groups.filter(pl.col("changed").fill_null(True))
    group_facts = group_runs.group_by("ticket_id").agg(
        (pl.len() - 1).cast(pl.Int32).alias("group_changes"),
        (pl.len() - pl.col("value").n_unique()).cast(pl.Int32).alias("group_returns"),
    )

    # ---- replies and state
    agent_public = ev.filter(kind == "comment")  # only public agent replies were kept
    replies = agent_public.group_by("ticket_id").agg(
        pl.col("at").min().alias("first_agent_reply_at"),
        pl.col("at").max().alias("last_agent_reply_at"),
    )
    statuses = ev.filter(kind == "status")
    state = statuses.group_by("ticket_id", maintain_order=True).agg(
        pl.col("value").last().alias("state"),
        pl.col("at").filter(pl.col("value").is_in(_DONE)).min().alias("solved_at"),
    )

    # the per-ticket facts meet on a slim frame; the ticket columns to keep join once, last
    slim = tk.select("id", "created_at").join(keys.rename({"ticket_id": "id"}), on="id", how="left")
    out = (
        slim.lazy()
        .join(first_signal.lazy().drop("seq"), left_on="_key", right_on="ticket_id", how="left")
        .join(levels.lazy(), left_on="_key", right_on="ticket_id", how="left")
        .join(owner.lazy(), left_on="_key", right_on="ticket_id", how="left")
        .join(elevated.lazy(), left_on="_key", right_on="ticket_id", how="left")
        .join(tier_facts.lazy(), left_on="_key", right_on="ticket_id", how="left")
        .join(group_facts.lazy(), left_on="_key", right_on="ticket_id", how="left")
        .join(replies.lazy(), left_on="_key", right_on="ticket_id", how="left")
        .join(state.lazy(), left_on="_key", right_on="ticket_id", how="left")
        .join(last_event.lazy(), left_on="id", right_on="ticket_id", how="left")
        .collect()
    )
    rank_to_tier = {v: k for k, v in _TIER_RANK.items()}
    out = out.with_columns(
        pl.col("escalated_at").is_not_null().alias("escalated"),
        pl.col("elevated_at").is_not_null().alias("elevated"),
        pl.col("max_rank").replace_strict(rank_to_tier, default=None).alias("max_tier"),
        pl.col("escalation_count").fill_null(0),
        pl.col("tier_moves_down").fill_null(0),
        (pl.col("downs_after_up").fill_null(0) > 0).alias("ping_pong"),
        pl.col("group_changes").fill_null(0),
        pl.col("group_returns").fill_null(0),
        pl.col("state").fill_null(Status.NEW.value),
        pl.col("last_event_at").fill_null(pl.col("created_at")),
    ).with_columns(
        (pl.col("group_returns") > 0).alias("bouncing"),
        (~pl.col("state").is_in(_DONE)).alias("is_open"),
    )
    kept = [c for c in keep if c not in ("id", "created_at")]
    out = out.select("id", "created_at", *FACT_COLUMNS).sort("id")
    if not kept:
        return out
    columns = tk.select("id", *kept).sort("id")
    if columns["id"].equals(out["id"]):  # the same tickets in the same order: no join
        return pl.concat([out.select("id", "created_at"), columns.drop("id"),
                          out.select(FACT_COLUMNS)], how="horizontal")  # fmt: skip
    return out.join(columns, on="id", how="left").select("id", "created_at", *kept, *FACT_COLUMNS)
