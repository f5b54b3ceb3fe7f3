"""When tickets arrive and what they are about, drawn for all tickets at once with numpy.

Volume: about 1,200 tickets a month (seed 001), that is 1200 × 12 / 52 ≈ 277 a week, shaped by
the weekday (Monday busiest, a weekend day about 15 % of a weekday), the hour of day in New
York (peak 10:00–15:00), a small upward trend over the span and day-to-day noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from supportops.demo.calendar import company_holidays, hour_starts
from supportops.demo.people import TICKET_SHARE, Customers
from supportops.demo.problems import CATEGORIES, RECURRING_SHARE, URGENCY, Problem, rate

TICKETS_PER_MONTH = 1200
TICKETS_PER_WEEK = TICKETS_PER_MONTH * 12 / 52
#: Relative volume Monday … Sunday; Saturday and Sunday are ~15 % of an average weekday.
WEEKDAY = (1.25, 1.10, 1.05, 1.00, 0.85, 0.16, 0.15)
HOLIDAY = 0.25  # a company holiday gets a little more than a weekend day
TREND = 0.12  # volume grows by about this fraction from the first to the last day
NOISE_SHAPE = 60.0  # gamma shape of the day-to-day noise (sd ≈ 13 %)
_HOURS_WEEKDAY = np.array(
    [
        0.10,
        0.07,
        0.05,
        0.05,
        0.06,
        0.10,
        0.20,
        0.45,
        0.95,
        1.50,
        2.00,
        2.10,
        1.95,
        2.00,
        2.05,
        1.85,
        1.40,
        0.95,
        0.60,
        0.45,
        0.35,
        0.30,
        0.22,
        0.15,
    ]
)
_HOURS_WEEKEND = np.array(
    [
        0.25,
        0.18,
        0.12,
        0.10,
        0.10,
        0.15,
        0.25,
        0.45,
        0.70,
        0.95,
        1.10,
        1.15,
        1.10,
        1.05,
        1.00,
        0.95,
        0.90,
        0.85,
        0.75,
        0.70,
        0.60,
        0.50,
        0.40,
        0.30,
    ]
)
CHANNELS = ("email", "web", "chat", "phone")
CHANNEL_MIX = ((0.40, 0.25, 0.15, 0.20), (0.45, 0.30, 0.17, 0.08), (0.45, 0.33, 0.20, 0.02))


@dataclass(slots=True)
class Population:
    """One row per ticket, sorted by creation time."""

    created: np.ndarray  # epoch seconds (int64)
    position: np.ndarray  # 0 … 1 across the span, by local day
    week: np.ndarray  # week index from the first day (local weeks, Monday to Sunday)
    org: np.ndarray  # organization index
    tier: np.ndarray  # customer tier index (0 enterprise, 1 business, 2 starter)
    category: np.ndarray  # index into CATEGORIES
    problem: np.ndarray  # index into the catalogue, -1 for one-offs
    priority: np.ndarray  # 0 … 4 for P1 … P5
    channel: np.ndarray  # index into CHANNELS
    contact: np.ndarray  # uniform draw picking the requester among the org's contacts

    def __len__(self) -> int:
        return len(self.created)


def daily_rates(first: date, weeks: int) -> np.ndarray:
    """Expected tickets per day before noise, summing to TICKETS_PER_WEEK × weeks."""
    n = 7 * weeks
    days = [first + timedelta(days=i) for i in range(n)]
    off = {d for _, d in company_holidays(first, days[-1])}
    base = np.array([HOLIDAY if d in off else WEEKDAY[d.weekday()] for d in days])
    base *= 1.0 + TREND * (np.arange(n) / max(n - 1, 1) - 0.5)
    out: np.ndarray = base * (TICKETS_PER_WEEK * weeks / base.sum())
    return out


def arrivals(rng: np.random.Generator, first: date, weeks: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted creation instants (epoch seconds) and the index of the local day of each."""
    rates = daily_rates(first, weeks)
    noise = rng.gamma(NOISE_SHAPE, 1.0 / NOISE_SHAPE, size=rates.size)
    counts = rng.poisson(rates * noise)
    days = [first + timedelta(days=i) for i in range(rates.size)]
    starts = hour_starts(days)
    day = np.repeat(np.arange(rates.size), counts)
    weekend = np.array([d.weekday() >= 5 for d in days])[day]
    hour = np.where(
        weekend,
        rng.choice(24, size=day.size, p=_HOURS_WEEKEND / _HOURS_WEEKEND.sum()),
        rng.choice(24, size=day.size, p=_HOURS_WEEKDAY / _HOURS_WEEKDAY.sum()),
    )
    created = starts[day, hour] + rng.integers(0, 3600, size=day.size)
    order = np.argsort(created, kind="stable")
    return created[order], day[order]


def _categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of ``probs`` (rows sum to 1)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(size=(int(probs.shape[0]), 1)) * cum[:, -1:]
    out: np.ndarray = np.minimum((cum <= u).sum(axis=1), probs.shape[1] - 1)
    return out


def population(
    rng: np.random.Generator,
    first: date,
    weeks: int,
    customers: Customers,
    problems: tuple[Problem, ...],
) -> Population:
    created, day = arrivals(rng, first, weeks)
    n = created.size
    position = day / max(7 * weeks - 1, 1)
    week = day // 7
    tier = rng.choice(3, size=n, p=np.array(TICKET_SHARE))
    org = np.empty(n, dtype=np.int64)
    for t in range(3):
        mask = tier == t
        idx = np.flatnonzero(customers.tier == t)
        weight = customers.activity[idx]
        org[mask] = rng.choice(idx, size=int(mask.sum()), p=weight / weight.sum())
    shares = np.array([s for _, s in CATEGORIES])
    category = rng.choice(len(CATEGORIES), size=n, p=shares / shares.sum())
    recurring = rng.random(n) < RECURRING_SHARE
    problem = np.full(n, -1, dtype=np.int64)
    names = [c for c, _ in CATEGORIES]
    for c, name in enumerate(names):
        mask = recurring & (category == c)
        members = [i for i, p in enumerate(problems) if p.category == name]
        if not members or not mask.any():
            continue
        rates = np.stack([rate(problems[i], position[mask]) for i in members], axis=1)
        rates /= rates.sum(axis=1, keepdims=True)
        problem[mask] = np.array(members)[_categorical(rng, rates)]
    urgencies = list(URGENCY)
    mixes = np.array([URGENCY[u] for u in urgencies])
    level = np.array([urgencies.index(p.urgency) for p in problems] + [urgencies.index("normal")])
    priority = _categorical(rng, mixes[level[problem]])  # problem -1 picks the last: one-offs
    channel = _categorical(rng, np.array(CHANNEL_MIX)[tier])
    return Population(
        created=created,
        position=position,
        week=week,
        org=org,
        tier=tier,
        category=category,
        problem=problem,
        priority=priority,
        channel=channel,
        contact=rng.random(n),
    )
