"""Are we escalating the right cases? (seed 002) — the statistics behind the answer.

* **Habitual escalators**: accounts whose escalation rate is above everyone else's by more
  than chance explains. A one-sided exact binomial test of the account's count against the
  rate of all *other* accounts, Benjamini–Hochberg across accounts, and a Wilson interval
  for the account's own rate. Small accounts are not judged at all (``min_tickets``).
* **People** who escalate faster or slower than their peers: a two-sided Mann–Whitney U test
  of one person's business hours from creation to escalation against everyone else's.
* **Aged open tickets never escalated**: the "noise versus neglect" list, ranked.
* **A retrospective sample** with the questions seed 002 asks of every escalation.

Pure functions over frames; randomness only through an explicit seed.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy import stats

__all__ = [
    "PRIORITY_WEIGHT",
    "RETRO_QUESTIONS",
    "aged_unescalated",
    "habitual_escalators",
    "people_speed",
    "retrospective_sample",
]

#: The questions to answer for each escalation in a retrospective (seed 002).
RETRO_QUESTIONS = (
    "Was the normal troubleshooting process given a chance before the escalation?",
    "Is an early escalation tied to a basic service problem: a missed response target or a "
    "poor first interaction?",
    "Does this customer routinely escalate right away?",
    "Was the escalation started too quickly — what else could have been done instead?",
    "Or too slowly — which signs should have triggered it sooner?",
    "Did a tool or process gap (for example, engineering work lingering unless escalated) "
    "make the escalation look necessary?",
)

#: How much an idle day weighs by priority in the aged-ticket ranking.
PRIORITY_WEIGHT = {"P1": 8.0, "P2": 4.0, "P3": 2.0, "P4": 1.0, "P5": 0.5}


def _bh(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values)."""
    if p.size == 0:
        return p
    return np.asarray(stats.false_discovery_control(p, method="bh"), dtype=np.float64)


def _wilson(k: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of k successes in n trials at confidence ``level``."""
    z = float(stats.norm.ppf(0.5 + level / 2))
    nf = np.maximum(n, 1).astype(np.float64)
    centre = (k + z * z / 2) / (nf + z * z)
    half = z / (nf + z * z) * np.sqrt(k * (nf - k) / nf + z * z / 4)
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def habitual_escalators(
    facts: pl.DataFrame,
    *,
    min_tickets: int,
    min_escalations: int,
    fdr: float,
) -> pl.DataFrame:
    """Accounts judged for habitual escalation, flagged ones first.

    ``facts``: one row per ticket of the look-back window with ``organization_id``,
    ``escalated`` and ``early`` (bool). Returns ``organization_id, tickets, escalated, early,
    rate, baseline, ci_low, ci_high, p_value, q_value, habitual`` for every account with at
    least ``min_tickets`` tickets; ``habitual`` when ``q_value <= fdr``, the account has at
    least ``min_escalations`` escalations and the interval's lower end is above the baseline.
    """
    per = (
        facts.filter(pl.col("organization_id").is_not_null())
        .group_by("organization_id")
        .agg(
            pl.len().alias("tickets"),
            pl.col("escalated").sum().alias("escalated"),
            (pl.col("escalated") & pl.col("early")).sum().alias("early"),
        )
        .sort("organization_id")
    )
    total_n, total_k = int(per["tickets"].sum()), int(per["escalated"].sum())
    judged = per.filter(pl.col("tickets") >= min_tickets)
    n = judged["tickets"].to_numpy().astype(np.int64)
    k = judged["escalated"].to_numpy().astype(np.int64)
    rest_n, rest_k = total_n - n, total_k - k
    # the rate of everyone else; with no one else, nothing to compare against
    baseline = np.where(rest_n > 0, rest_k / np.maximum(rest_n, 1), np.nan)
    safe = np.clip(np.nan_to_num(baseline, nan=1.0), 1e-12, 1.0)
    # P(X >= k) under the others' rate: the exact one-sided binomial test, vectorized
    p = np.where(np.isnan(baseline), 1.0, stats.binom.sf(k - 1, n, safe))
    low, high = _wilson(k, n, 1 - fdr)
    q = _bh(p)
    out = judged.with_columns(
        (pl.col("escalated") / pl.col("tickets")).alias("rate"),
        pl.Series("baseline", baseline),
        pl.Series("ci_low", low),
        pl.Series("ci_high", high),
        pl.Series("p_value", p),
        pl.Series("q_value", q),
    ).with_columns(
        (
            (pl.col("q_value") <= fdr)
            & (pl.col("escalated") >= min_escalations)
            & (pl.col("ci_low") > pl.col("baseline"))
        ).alias("habitual")
    )
    return out.sort(["habitual", "q_value", "organization_id"], descending=[True, False, False])


def people_speed(escalations: pl.DataFrame, *, min_escalations: int, alpha: float) -> pl.DataFrame:
    """Who escalates faster or slower than their peers.

    ``escalations``: one row per escalated ticket with ``person`` and ``hours`` (business
    hours from creation to escalation). Returns ``person, escalations, median_hours,
    peer_median_hours, p_value, direction`` (``faster`` / ``slower`` / ``typical``) for each
    person with at least ``min_escalations``, most significant first.
    """
    rows = escalations.filter(pl.col("person").is_not_null() & pl.col("hours").is_not_null())
    people = (
        rows.group_by("person")
        .agg(pl.len().alias("escalations"))
        .filter(pl.col("escalations") >= min_escalations)
    )
    persons = rows["person"].to_numpy()
    hours = rows["hours"].to_numpy().astype(np.float64)
    out: list[dict[str, object]] = []
    for person in sorted(people["person"].to_list()):
        mine, others = hours[persons == person], hours[persons != person]
        if len(others) == 0:
            continue
        p = float(stats.mannwhitneyu(mine, others, alternative="two-sided").pvalue)
        med, peer = float(np.median(mine)), float(np.median(others))
        direction = "typical"
        if p <= alpha:
            direction = "faster" if med < peer else "slower"
        out.append(
            {
                "person": person,
                "escalations": len(mine),
                "median_hours": med,
                "peer_median_hours": peer,
                "p_value": p,
                "direction": direction,
            }
        )
    schema = {
        "person": pl.String,
        "escalations": pl.Int64,
        "median_hours": pl.Float64,
        "peer_median_hours": pl.Float64,
        "p_value": pl.Float64,
        "direction": pl.String,
    }
    return pl.DataFrame(out, schema=schema).sort("p_value", "person")


def aged_unescalated(
    facts: pl.DataFrame, *, as_of_s: int, min_age_s: int, limit: int
) -> pl.DataFrame:
    """Open tickets older than ``min_age_s`` that were never escalated, most neglected first.

    ``facts`` needs ``id, created_s, last_agent_reply_s`` (epoch seconds; the latter null
    when no agent replied), ``priority``, ``escalated``, ``is_open``. The neglect score is
    idle days (since the last public agent reply, or creation) times the priority weight
    (:data:`PRIORITY_WEIGHT`); ties go to the older ticket.
    """
    aged = facts.filter(
        pl.col("is_open") & ~pl.col("escalated") & (as_of_s - pl.col("created_s") >= min_age_s)
    )
    return (
        aged.with_columns(
            ((as_of_s - pl.col("created_s")) / 86_400).alias("age_days"),
            ((as_of_s - pl.coalesce("last_agent_reply_s", "created_s")) / 86_400).alias(
                "idle_days"
            ),
        )
        .with_columns(
            (
                pl.col("idle_days")
                * pl.col("priority").replace_strict(PRIORITY_WEIGHT, default=1.0)
            ).alias("score")
        )
        .sort(["score", "age_days", "id"], descending=[True, True, False])
        .head(limit)
    )


def retrospective_sample(ticket_ids: list[str], *, size: int, seed: int) -> list[str]:
    """All of the week's escalations when there are at most ``size``, else a random
    ``size`` of them (reproducible by ``seed``), in id order."""
    ids = sorted(ticket_ids)
    if len(ids) <= size:
        return ids
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(ids), size=size, replace=False)
    return [ids[i] for i in sorted(picked)]
