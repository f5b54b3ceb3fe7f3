"""Which tickets escalate, and the knowledge-base articles that make fewer of them escalate.

The story of seed 000: the team reviews escalations every Wednesday, turns the repeat issues
into KB articles, and the escalation rate falls from 2.68 % to 1.43 %. Here:

1. Every ticket gets an escalation weight: its problem's tendency × its priority × its
   customer tier. A habitual escalator's tickets are weighted so that, in expectation, they
   escalate 5–8 times as often as everyone else's (seed 002: "do certain customers routinely
   escalate right away?").
2. The weights are scaled so that tickets created before the first article escalate at
   :data:`BEFORE_RATE`. Which tickets escalate is drawn week by week: a systematic count per
   week, then weighted sampling without replacement, so the weekly rate follows the story
   with little noise while the tickets themselves are random.
3. The problems with the most escalations before the first article get the articles,
   published on Wednesday afternoons between 10/26 and 16/26 of the span (weeks 10–16 of the
   default 26). The team writes as few as it takes (5 to 8): the fewest whose problems carry
   enough of the escalations for the rate to fall to :data:`AFTER_RATE`.
4. After its article is out, a problem's tickets escalate far less: the factor is chosen so
   that tickets created after the last article escalate at :data:`AFTER_RATE` in expectation.
   Habitual escalators keep escalating whatever the knowledge base says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from supportops.demo.calendar import local_epoch
from supportops.demo.population import Population
from supportops.demo.problems import Problem

BEFORE_RATE = 0.0268
AFTER_RATE = 0.0143
PRIORITY_FACTOR = np.array([6.0, 3.0, 1.0, 0.5, 0.2])
TIER_FACTOR = np.array([1.8, 1.0, 0.6])
ONE_OFF_WEIGHT = 0.4
ARTICLES = (5, 8)  # how many articles the team may write (inclusive)
KB_WEEKS = (10 / 26, 16 / 26)  # first and last publication week, as fractions of the span
KB_FLOOR = 0.04  # a published article never removes escalations entirely
KB_ENOUGH = 0.2  # stop writing articles once their problems need to escalate no less than this


@dataclass(slots=True)
class EscalationPlan:
    escalated: np.ndarray  # bool per ticket
    kb_problems: list[int]  # catalogue indices, in publication order
    published: list[int]  # epoch seconds, same order
    kb_after: np.ndarray  # bool per ticket: its problem's article was out when it was created
    habitual: np.ndarray  # bool per ticket: from a habitual escalator
    kb_factor: float


def weights(pop: Population, problems: tuple[Problem, ...]) -> np.ndarray:
    """Relative escalation weight of each ticket, before any habit or knowledge base."""
    tendency = np.array([p.escalation for p in problems] + [ONE_OFF_WEIGHT])
    out: np.ndarray = tendency[pop.problem] * PRIORITY_FACTOR[pop.priority] * TIER_FACTOR[pop.tier]
    return out


def with_habits(s: np.ndarray, org: np.ndarray, ratio: np.ndarray) -> np.ndarray:
    """Scale habitual escalators' tickets to ``ratio`` × the mean weight of everyone else."""
    habitual = ratio[org] > 1.0
    if not habitual.any() or habitual.all():
        return s
    baseline = s[~habitual].mean()
    out = s.copy()
    for o in np.unique(org[habitual]):
        mine = org == o
        out[mine] = s[mine] * ratio[o] * baseline / s[mine].mean()
    return out


def _wednesday(rng: np.random.Generator, first: date, week: int) -> int:
    day = first + timedelta(days=7 * week + 2)
    return local_epoch(day, 14) + int(rng.integers(0, 3 * 3600))


class _Sampler:
    """Systematic counts per unit (a week), weighted choice of tickets within it."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.offset = float(rng.random())
        self.expected = 0.0

    def take(self, p: np.ndarray, unit: np.ndarray, chosen: np.ndarray, rows: np.ndarray) -> None:
        for u in np.unique(unit[rows]):
            members = rows[unit[rows] == u]
            before = np.floor(self.expected + self.offset)
            self.expected += float(p[members].sum())
            k = int(np.floor(self.expected + self.offset) - before)
            live = members[p[members] > 0]
            if k <= 0 or live.size == 0:
                continue
            keys = np.log(self.rng.random(live.size)) / p[live]
            chosen[live[np.argsort(-keys, kind="stable")[:k]]] = True


def plan(
    rng: np.random.Generator,
    pop: Population,
    problems: tuple[Problem, ...],
    habit_ratio: np.ndarray,
    eligible: np.ndarray,
    first: date,
    weeks: int,
) -> EscalationPlan:
    """Decide the escalations and the KB articles. ``eligible`` excludes merged tickets."""
    habitual = habit_ratio[pop.org] > 1.0
    s = np.where(eligible, with_habits(weights(pop, problems), pop.org, habit_ratio), 0.0)
    lo, hi = (round(f * weeks) for f in KB_WEEKS)
    hi = min(max(hi, lo), weeks - 1)
    lo = min(lo, hi)
    first_pub, last_pub = _wednesday(rng, first, lo), _wednesday(rng, first, hi)
    last_pub = max(last_pub, first_pub)
    pre = pop.created < first_pub
    unit = pop.week * 2 + (~pre).astype(np.int64)  # the first article's week splits in two
    n_pre = int(pre.sum())
    scale = BEFORE_RATE * n_pre / s[pre].sum() if n_pre and s[pre].sum() > 0 else 0.0
    escalated = np.zeros(len(pop), dtype=bool)
    sampler = _Sampler(rng)
    sampler.take(s * scale, unit, escalated, np.flatnonzero(pre))

    # The weekly review: rank recurring problems by escalations so far (expected as tiebreak).
    recurring = pre & (pop.problem >= 0)
    counts = np.bincount(pop.problem[recurring & escalated], minlength=len(problems))
    mass = np.bincount(pop.problem[recurring], weights=s[recurring], minlength=len(problems))
    order = sorted(range(len(problems)), key=lambda i: (-counts[i], -mass[i], i))
    after = pop.created >= last_pub
    target = AFTER_RATE * int(after.sum())
    for k in range(ARTICLES[0], ARTICLES[1] + 1):
        damp = np.isin(pop.problem, order[:k]) & ~habitual
        kept = float(s[after & ~damp].sum()) * scale
        reducible = float(s[after & damp].sum()) * scale
        factor = (target - kept) / reducible if reducible > 0 else 1.0
        if factor >= KB_ENOUGH:
            break
    factor = float(np.clip(factor, KB_FLOOR, 1.0))
    kb_problems = order[:k]
    middle = np.round(np.linspace(lo, hi, k)[1:-1]).astype(int)
    published = [first_pub, *sorted(_wednesday(rng, first, int(w)) for w in middle), last_pub]
    published = sorted(published)
    pub_of = np.full(len(problems) + 1, np.iinfo(np.int64).max, dtype=np.int64)
    for i, at in zip(kb_problems, published, strict=True):
        pub_of[i] = at
    kb_after = pop.created >= pub_of[pop.problem]
    p = s * scale * np.where(kb_after & ~habitual, factor, 1.0)
    sampler.take(p, unit, escalated, np.flatnonzero(~pre))
    return EscalationPlan(
        escalated=escalated,
        kb_problems=kb_problems,
        published=published,
        kb_after=kb_after,
        habitual=habitual,
        kb_factor=factor,
    )
