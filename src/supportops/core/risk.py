"""At-risk accounts: the support-to-customer-success handoff triggers (seed 001).

Each trigger of the policy names detection keys (several escalations within a window,
keywords in what the customer wrote, tags, severities, low CSAT ratings); an account meets
a trigger when it meets every key the trigger gives, within the trigger's window ending at
``as_of``. The evidence is the tickets that met the keys.

Pure: frames in, one frame out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import polars as pl

from supportops.policy.sections import HandoffTrigger

__all__ = ["RISK_COLUMNS", "at_risk_accounts"]

RISK_COLUMNS: dict[str, pl.DataType | type[pl.DataType]] = {
    "organization_id": pl.String,
    "signal": pl.String,
    "description": pl.String,
    "handoff": pl.String,
    "urgency": pl.String,
    "evidence": pl.List(pl.String),
    "detail": pl.String,
}
_URGENCY = {"immediate": 0, "high": 1, "medium": 2, "low": 3}


def _per_org(frame: pl.DataFrame) -> dict[str, list[str]]:
    """organization_id -> sorted distinct ticket ids."""
    grouped = (
        frame.filter(pl.col("organization_id").is_not_null())
        .group_by("organization_id")
        .agg(pl.col("ticket_id").unique().sort())
    )
    return dict(zip(grouped["organization_id"], grouped["ticket_id"].to_list(), strict=True))


def at_risk_accounts(
    tickets: pl.DataFrame,
    texts: pl.DataFrame,
    ratings: pl.DataFrame,
    triggers: Sequence[HandoffTrigger],
    *,
    as_of: datetime,
    default_window: timedelta,
) -> pl.DataFrame:
    """Every (account, trigger) met, most urgent first.

    * ``tickets``: ``ticket_id, organization_id, created_at, escalated_at, severity, tags``
      (list of strings).
    * ``texts``: what customers wrote: ``ticket_id, organization_id, at, text`` (descriptions
      at the ticket's creation, customer comments at theirs).
    * ``ratings``: ``ticket_id, organization_id, at, score`` (CSAT 1–5).
    """
    found: list[dict[str, object]] = []
    for trigger in triggers:
        window = timedelta(seconds=trigger.within) if trigger.within is not None else default_window
        since = as_of - window
        keys: list[dict[str, list[str]]] = []
        details: list[str] = []
        if trigger.escalations is not None:
            recent = tickets.filter(pl.col("escalated_at").is_between(since, as_of, "right"))
            counts = _per_org(recent)
            keys.append({o: t for o, t in counts.items() if len(t) >= trigger.escalations})
            details.append(f"{trigger.escalations}+ escalations in {window.days} days")
        if trigger.keywords:
            said = texts.filter(
                pl.col("at").is_between(since, as_of, "right")
                & pl.col("text").str.contains_any(trigger.keywords, ascii_case_insensitive=True)
            )
            keys.append(_per_org(said))
            details.append("customer wrote: " + " / ".join(trigger.keywords))
        if trigger.tags:
            wanted = [t.lower() for t in trigger.tags]
            tagged = tickets.filter(
                pl.col("created_at").is_between(since, as_of, "right")
                & pl.col("tags").list.eval(pl.element().str.to_lowercase().is_in(wanted)).list.any()
            )
            keys.append(_per_org(tagged))
            details.append("tagged " + " / ".join(trigger.tags))
        if trigger.severities:
            severe = tickets.filter(
                pl.col("created_at").is_between(since, as_of, "right")
                & pl.col("severity").is_in(trigger.severities)
            )
            keys.append(_per_org(severe))
            details.append("severity " + " / ".join(trigger.severities))
        if trigger.csat_at_most is not None:
            low = ratings.filter(
                pl.col("at").is_between(since, as_of, "right")
                & (pl.col("score") <= trigger.csat_at_most)
            )
            need = trigger.csat_count or 1
            enough = (
                low.group_by("organization_id").agg(pl.len().alias("n")).filter(pl.col("n") >= need)
            )  # ratings, not tickets: a customer can rate one ticket twice
            keys.append(
                {
                    o: t
                    for o, t in _per_org(low).items()
                    if o in set(enough["organization_id"].to_list())
                }
            )
            details.append(f"{need}+ CSAT ratings of {trigger.csat_at_most} or less")
        if not keys:
            continue
        orgs = set(keys[0]).intersection(*keys[1:])
        for org in sorted(orgs):
            evidence = sorted({t for key in keys for t in key[org]})
            found.append(
                {
                    "organization_id": org,
                    "signal": trigger.signal,
                    "description": trigger.description,
                    "handoff": trigger.handoff,
                    "urgency": trigger.urgency,
                    "evidence": evidence,
                    "detail": "; ".join(details) + f" (since {since:%Y-%m-%d})",
                }
            )
    out = pl.DataFrame(found, schema=RISK_COLUMNS)
    return (
        out.with_columns(pl.col("urgency").replace_strict(_URGENCY, default=9).alias("_u"))
        .sort("_u", "organization_id", "signal")
        .drop("_u")
    )
