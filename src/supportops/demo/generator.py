"""Builds the whole demo organization in memory, deterministically from a seed.

Order of the draws (all from one ``numpy.random.default_rng(seed)``): customers, arrival
times and ticket attributes, duplicates to merge, escalations and KB articles, then one seed
per ticket from which the ticket's text and timeline are written. The same seed gives the
same records, field for field; nothing reads the wall clock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from supportops.demo import articles, oneoffs, text
from supportops.demo.calendar import BusinessClock, calendar_record, instant, local_epoch
from supportops.demo.escalations import EscalationPlan, plan
from supportops.demo.people import MEMBERS, SOURCE, TIERS, Customers, customers, groups, team
from supportops.demo.population import CHANNELS, Population, population
from supportops.demo.problems import CATEGORY_NAMES, NONE, Problem, catalogue
from supportops.demo.story import Env, Plan, Row, Staff
from supportops.demo.timeline import Life
from supportops.importers.base import Progress
from supportops.model import (
    Agent,
    Article,
    Calendar,
    Event,
    Group,
    Organization,
    Ticket,
    TruthLabel,
)

FIRST_NUMBER = 10001
MERGE_WINDOW = 2 * 86400
MERGE_SHARE = 0.35  # of same-org, same-problem pairs within the window


@dataclass(slots=True)
class DemoData:
    first_day: date
    last_day: date
    organizations: list[Organization]
    agents: list[Agent]
    groups: list[Group]
    calendars: list[Calendar]
    tickets: list[Ticket] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    truth: list[TruthLabel] = field(default_factory=list)
    escalations: EscalationPlan | None = None
    early: int = 0  # escalations raised early (before a reply or within 2 business hours)


def merges(rng: np.random.Generator, pop: Population) -> np.ndarray:
    """For each ticket, the index of the ticket it is merged into, or -1.

    Candidates are a later ticket from the same organization about the same recurring problem
    within two days of the earlier one (a customer who wrote twice)."""
    out = np.full(len(pop), -1, dtype=np.int64)
    rec = np.flatnonzero(pop.problem >= 0)
    idx = rec[np.lexsort((pop.created[rec], pop.problem[rec], pop.org[rec]))]
    a, b = idx[:-1], idx[1:]
    same = (pop.org[a] == pop.org[b]) & (pop.problem[a] == pop.problem[b])
    same &= pop.created[b] - pop.created[a] < MERGE_WINDOW
    cands = np.flatnonzero(same)
    for c in cands[rng.random(cands.size) < MERGE_SHARE]:
        if out[a[c]] == -1:
            out[b[c]] = a[c]
    return out


def _env(agents: list[Agent], clock: BusinessClock, horizon: int) -> Env:
    """The team as the timelines see it: who works which tier, since when."""
    starts = {a.id: local_epoch(a.start_date or date(2000, 1, 1), 8) for a in agents}
    by_tier: dict[str | None, list[Staff]] = {}
    for m in MEMBERS:
        by_tier.setdefault(m.tier, []).append(Staff(m.id, m.name, m.tier, m.skills, starts[m.id]))
    lead = by_tier[None][0]
    return Env(clock, horizon, l1=by_tier["L1"], l2=by_tier["L2"], l3=by_tier["L3"], lead=lead)


def _ticket(
    number: int,
    plan_: Plan,
    subject: str,
    description: str,
    kind: str,
    rows: list[tuple[int, Row]],
    org: Organization,
) -> tuple[Ticket, list[Event]]:
    """The events as records, and the header with the values the timeline ends on."""
    tid = plan_.ticket_id
    times: dict[int, datetime] = {}
    events = []
    for t, fields in rows:
        at = times.get(t) or times.setdefault(t, instant(t))
        events.append(Event(tid, at, *fields))
    current: dict[str, str | None] = {}
    tags: list[str] = []
    for ev in events:
        if ev.kind in ("status", "priority", "severity", "group", "assignee"):
            current[ev.kind] = ev.value
        elif ev.kind == "tag" and ev.value and ev.value not in tags:
            tags.append(ev.value)
    prob = plan_.problem
    ticket = Ticket(
        id=tid,
        source=SOURCE,
        external_id=str(number),
        created_at=instant(plan_.created),
        subject=subject,
        description=description,
        requester=plan_.requester[1],
        organization_id=org.id,
        channel=plan_.channel,
        category=plan_.category,
        product_area=prob.product_area if prob else None,
        type=kind,
        tags=tuple(tags),
        priority=current.get("priority"),
        severity=current.get("severity"),
        status=current.get("status"),
        group=current.get("group"),
        assignee_id=current.get("assignee"),
        raw={"requester_name": plan_.requester[0]},
    )
    return ticket, events


def build(seed: int, weeks: int, last_day: date, progress: Progress | None = None) -> DemoData:
    rng = np.random.default_rng(seed)
    first_day = last_day - timedelta(days=7 * weeks - 1)
    problems = catalogue()
    cust: Customers = customers(rng, first_day)
    agents = team(first_day, last_day)
    data = DemoData(
        first_day, last_day, cust.records, agents, groups(), [calendar_record(first_day, last_day)]
    )
    pop = population(rng, first_day, weeks, cust, problems)
    merged = merges(rng, pop)
    esc = plan(rng, pop, problems, cust.habit, merged < 0, first_day, weeks)
    data.escalations = esc
    urls: dict[int, str] = {}
    horizon = local_epoch(last_day + timedelta(days=1))
    for rank, (pi, at) in enumerate(zip(esc.kb_problems, esc.published, strict=True)):
        number = 360_000_100 + 37 * rank
        updated = at + int(rng.integers(7, 22)) * 86400 if rng.random() < 0.4 else None
        if updated is not None and updated > horizon:
            updated = None
        data.articles.append(articles.build(problems[pi], number, at, updated))
        urls[pi] = articles.article_url(number, problems[pi])
    seeds = rng.integers(0, 2**62, size=len(pop))

    clock = BusinessClock(first_day - timedelta(days=7), last_day + timedelta(days=120))
    env = _env(agents, clock, horizon)
    if progress is not None:
        progress.start("Generating the demo tickets", len(pop))
    for i in range(len(pop)):
        number = FIRST_NUMBER + i
        ticket, events, label = _one(
            i, number, pop, problems, cust, esc, merged, urls, int(seeds[i]), env
        )
        data.tickets.append(ticket)
        data.events.extend(events)
        data.truth.append(label)
        if any(
            e.kind == "escalation"
            and e.action == "raised"
            and e.raw
            and e.raw["demo_truth"]["early"]
            for e in events
        ):
            data.early += 1
        if progress is not None and i % 500 == 0:
            progress.update(i)
    if progress is not None:
        progress.update(len(pop))
    return data


def _one(
    i: int,
    number: int,
    pop: Population,
    problems: tuple[Problem, ...],
    cust: Customers,
    esc: EscalationPlan,
    merged: np.ndarray,
    urls: dict[int, str],
    seed: int,
    env: Env,
) -> tuple[Ticket, list[Event], TruthLabel]:
    """Text, timeline and ground truth of ticket ``i``."""
    rng = random.Random(seed)
    o = int(pop.org[i])
    org = cust.records[o]
    people = cust.contacts[o]
    requester = people[min(int(pop.contact[i] ** 2 * len(people)), len(people) - 1)]
    category = CATEGORY_NAMES[int(pop.category[i])]
    pi = int(pop.problem[i])
    prob = problems[pi] if pi >= 0 else None
    if prob is not None:
        source = text.Source(prob.subjects, prob.symptoms, prob.context, prob.slots)
        problem_id, label, kind = prob.id, prob.title, prob.type
    else:
        source, label, kind = oneoffs.source(rng, category)
        problem_id = NONE
    plan_name = (org.raw or {}).get("plan", "Business")
    base = {
        "org": cust.names[o],
        "plan": str(plan_name),
        "name": requester[0],
        "ws": f"ws_{10000 + (o * 7919) % 89999}",
        "tier": TIERS[int(pop.tier[i])],
        "area": prob.product_area if prob else category.replace("_", " "),
        "title": label,
        "n2": f"{rng.randrange(1, 52):02d}",
    }
    ctx = text.slot_values(rng, source, base)
    priority = int(pop.priority[i])
    channel = CHANNELS[int(pop.channel[i])]
    subject = text.subject(rng, source, ctx, priority)
    description = text.description(rng, source, ctx, channel, priority)
    target = int(merged[i])
    plan_ = Plan(
        ticket_id=f"{SOURCE}:{number}",
        created=int(pop.created[i]),
        position=float(pop.position[i]),
        tier=int(pop.tier[i]),
        requester=requester,
        category=category,
        problem=prob,
        ctx=ctx,
        priority=priority,
        channel=channel,
        escalated=bool(esc.escalated[i]),
        habitual=bool(esc.habitual[i]),
        kb_url=urls.get(pi) if esc.kb_after[i] else None,
        merge_into=f"{SOURCE}:{FIRST_NUMBER + target}" if target >= 0 else None,
        seed=seed ^ 0x5EED,
    )
    rows = Life(plan_, env).write()
    rows = [(t, ev) for t, ev in rows if t <= env.horizon]
    ticket, events = _ticket(number, plan_, subject, description, kind, rows, org)
    return ticket, events, TruthLabel(ticket_id=ticket.id, problem_id=problem_id, label=label)
