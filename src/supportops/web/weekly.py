"""The overview's weekly figures: the SLA tiles from the clocks, and the scorecard tiles.

The overview shows the last *complete* week before ``as_of`` and a trend of the weeks up to
it, in two week conventions, each that of the command whose figures it repeats:

* the SLA tiles (compliance and backlog) use ISO weeks in **UTC** (Monday 00:00 UTC to the
  next Monday), as ``supportops sla summary --period week``: a clock counts in the week it
  started, once it is met or breached;
* the scorecard tiles use ISO weeks in the scorecard's **report time zone**
  (:func:`supportops.scorecard.report_timezone`), as ``supportops metrics --period week``.

The two last complete weeks differ only in the hours between Monday 00:00 UTC and Monday
00:00 in the report time zone (in New York: Sunday 19:00 or 20:00 to midnight).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from supportops.clocks import ClockRun
from supportops.policy import Policy
from supportops.scorecard import ScorecardResult, format_value

WEEK = 7 * 86_400
#: The scorecard measures the overview shows, in order.
SCORECARD_TILES = (
    "csat",
    "first_response_time",
    "resolution_time",
    "fcr",
    "reopen_rate",
    "true_escalation_rate",
    "backlog_age",
    "n_tickets",
)

#: What a tile measures when its label alone could mislead. The scorecard's escalation rate
#: is a cohort rate (the week's new tickets, escalated since); the weekly review's is a flow
#: rate (the week's escalations over the week's new tickets), so the two differ.
TILE_NOTES = {"true_escalation_rate": "of the week's new tickets, escalated since"}


def week_starts(as_of: datetime, n: int, timezone: str = "UTC") -> list[date]:
    """The Mondays of the ``n`` complete weeks that end at or before ``as_of``, oldest first,
    weeks running from Monday 00:00 to the next Monday 00:00 in ``timezone``."""
    day = as_of.astimezone(ZoneInfo(timezone)).date()
    this_monday = day - timedelta(days=day.weekday())
    return [this_monday - timedelta(weeks=k) for k in range(n, 0, -1)]


def _epoch(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp())


def sla_weekly(run: ClockRun, weeks: list[date]) -> dict[str, list[float | None]]:
    """Share of first-response clocks and of resolution clocks met, of those met or breached,
    by the week the clock started."""
    starts = np.array([_epoch(w) for w in weeks], dtype=np.int64)
    c = run.clocks.filter(pl.col("status").cast(pl.String).is_in(["met", "breached"]))
    c = c.with_columns(
        ((pl.col("start") - int(starts[0])) // WEEK).alias("w"),
        (pl.col("status") == "met").alias("met"),
    ).filter((pl.col("w") >= 0) & (pl.col("w") < len(weeks)))
    out: dict[str, list[float | None]] = {}
    for name, metric in (("sla_response", "first_response"), ("sla_resolution", "resolution")):
        g = (
            c.filter(pl.col("metric") == metric)
            .group_by("w")
            .agg(pl.col("met").mean().alias("rate"))
        )
        rate = dict(zip(g["w"].to_list(), g["rate"].to_list(), strict=True))
        out[name] = [rate.get(i) for i in range(len(weeks))]
    return out


def backlog_weekly(run: ClockRun, weeks: list[date]) -> list[int]:
    """Tickets open (created and not solved) at the end of each week."""
    cycles = run.timelines.cycles
    start = cycles["start"].to_numpy()
    stop = cycles["stop"].to_numpy()
    stop = np.where(stop < 0, np.iinfo(np.int64).max, stop)
    ends = np.array([_epoch(w) + WEEK for w in weeks], dtype=np.int64)
    open_at = (start[None, :] <= ends[:, None]) & (stop[None, :] > ends[:, None])
    return [int(n) for n in open_at.sum(axis=1)]


def _status(policy: Policy, key: str, value: float | None) -> str:
    score = getattr(policy.scorecard, key, None)
    if value is None or score is None:
        return "none"
    if score.target.holds(value):
        return "good"
    if score.warning is None:
        return "bad"
    return "bad" if score.warning.holds(value) else "warning"


def overview_tiles(run: ClockRun, policy: Policy, n_weeks: int) -> dict[str, Any]:
    """The overview's tiles: each with its value for the last complete week, its target and
    warning as the policy writes them, a status, and the weekly trend."""
    weeks = week_starts(run.as_of, n_weeks)
    sla = sla_weekly(run, weeks)
    backlog = backlog_weekly(run, weeks)
    tiles: list[dict[str, Any]] = []
    for key, label, description in (
        ("sla_response", "First response SLA", "first replies within their SLA target"),
        ("sla_resolution", "Resolution SLA", "resolutions within their SLA target"),
    ):
        score = getattr(policy.scorecard, key, None)
        value = sla[key][-1]
        tiles.append(
            {
                "key": key,
                "label": label,
                "unit": "percent",
                "value": value,
                "target": str(score.target) if score else None,
                "warning": str(score.warning) if score and score.warning else None,
                "status": _status(policy, key, value),
                "description": description,
                "trend": sla[key],
            }
        )
    tiles.append(
        {
            "key": "backlog",
            "label": "Backlog",
            "unit": "count",
            "value": float(backlog[-1]),
            "target": None,
            "warning": None,
            "status": "none",
            "description": "tickets open at the end of the week",
            "trend": [float(b) for b in backlog],
        }
    )
    return {
        "as_of": run.as_of.isoformat(),
        "source": "sla",
        "timezone": "UTC",
        **_weeks(weeks),
        "tiles": tiles,
    }


def _weeks(weeks: list[date]) -> dict[str, Any]:
    last = weeks[-1]
    return {
        "week": {"start": last.isoformat(), "end": (last + timedelta(days=6)).isoformat()},
        "weeks": [w.isoformat() for w in weeks],
    }


def _plain(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def scorecard_tiles(
    result: ScorecardResult, weeks: list[date], names: Sequence[str] = SCORECARD_TILES
) -> dict[str, Any]:
    """The overview's scorecard tiles from a weekly scorecard (``period="week"``, no
    segments) covering ``weeks`` (Mondays in the report time zone, oldest first): each with
    its value for the last week, formatted as ``supportops metrics`` prints it, the policy's
    target and warning, a status, and the weekly trend."""
    by_week = {row["period"]: row for row in result.rows.iter_rows(named=True)}
    tiles: list[dict[str, Any]] = []
    for name in names:
        info = result.metric(name)
        trend = [_plain(by_week.get(w, {}).get(name)) for w in weeks]
        value = trend[-1]
        label, _, note = info.label.partition(" (")
        tiles.append(
            {
                "key": name,
                "label": label,
                "note": note.removesuffix(")") or TILE_NOTES.get(name),
                "unit": info.unit,
                "better": info.better,
                "value": value,
                "formatted": format_value(info, value, result.currency),
                "target": info.target,
                "warning": info.warning,
                "status": info.status(value),
                "description": info.description,
                "trend": trend,
            }
        )
    return {"timezone": result.timezone, **_weeks(weeks), "tiles": tiles}
