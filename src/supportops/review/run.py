"""The weekly escalation review: load, compute, assemble one :class:`ReviewDocument`.

The glue between the store, the policy and the pure core (:mod:`~supportops.core.escalation`,
:mod:`~supportops.core.quality`, :mod:`~supportops.core.risk`,
:mod:`~supportops.core.recurring`). The tracker is updated by :func:`record_review`, kept apart
so that a review can be computed without writing anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from supportops.clocks import ClockRun, run_clocks
from supportops.core.escalation import EVENT_COLUMNS, escalation_facts
from supportops.core.quality import (
    RETRO_QUESTIONS,
    aged_unescalated,
    habitual_escalators,
    people_speed,
    retrospective_sample,
)
from supportops.core.risk import at_risk_accounts
from supportops.errors import InputError
from supportops.policy import Policy
from supportops.review.document import (
    SCHEMA_VERSION,
    AgedTicket,
    AtRiskAccount,
    Breakdown,
    Escalation,
    HabitualEscalator,
    PeriodInfo,
    PersonSpeed,
    Quality,
    Retrospective,
    ReviewDocument,
    RiskSignal,
    SlaCompliance,
    SlaMeasure,
    Summary,
    WeekRate,
)
from supportops.review.period import Period, last_complete_week, range_period, week_period
from supportops.review.problems import ProblemReport, repeat_problems
from supportops.store import Store

__all__ = [
    "ReviewInputs",
    "load_inputs",
    "lookback",
    "resolve_period",
    "review_inputs",
    "run_review",
]

TICKET_COLUMNS = (
    "id",
    "created_at",
    "subject",
    "description",
    "organization_id",
    "category",
    "priority",
    "severity",
    "group_name",
    "assignee_id",
    "channel",
    "tags",
)
#: Event columns with few distinct values, kept as categoricals in the review's frames.
LOW_CARDINALITY = ("kind", "action", "actor_role")
_BREAKDOWNS = ("category", "customer_tier", "priority", "group", "tier", "agent")


@dataclass(frozen=True, slots=True)
class ReviewInputs:
    """Everything the review reads from the store, loaded once."""

    events: pl.DataFrame
    tickets: pl.DataFrame
    organizations: pl.DataFrame
    agents: pl.DataFrame
    articles: pl.DataFrame
    latest: datetime | None


def load_inputs(
    store: Store,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    latest: datetime | None = None,
) -> ReviewInputs:
    """What the review reads. ``since``/``until`` keep the tickets created in that range
    and, whenever created, those still open (see :func:`lookback`); default: every ticket.
    ``latest``: the store's newest event, if the caller has it already."""
    window = since is not None or until is not None
    events = store.load_events(
        EVENT_COLUMNS, tickets_created_since=since, tickets_created_until=until, or_open=window
    ).with_columns(
        # a handful of distinct words each: 4 bytes a row instead of a 16-byte string view
        pl.col(c).cast(pl.Categorical)
        for c in LOW_CARDINALITY
    )
    tickets = store.load_tickets(
        TICKET_COLUMNS, created_since=since, created_until=until, or_open=window
    ).with_columns(pl.col("tags").str.json_decode(pl.List(pl.String)).fill_null([]).alias("tags"))
    if not window:  # every event is here: the newest is among them
        if tickets.height == 0:
            raise store.no_tickets()
        newest = events["at"].max() if events.height else None
        latest = newest if isinstance(newest, datetime) else None
    elif latest is None:  # a window may leave out the ticket with the newest event
        latest = store.latest_event_at()
    return ReviewInputs(
        events=events,
        tickets=tickets,
        organizations=store.load_table("organizations"),
        agents=store.load_table("agents"),
        articles=store.load_table("articles"),
        latest=latest,
    )


#: Tickets created this long before the review's look-back window still count (an escalation
#: this week on an older ticket that has since been solved); open tickets count whenever
#: created.
LOOKBACK_MARGIN = timedelta(days=30)


def lookback(policy: Policy, period: Period) -> tuple[datetime, datetime]:
    """The creation range of the tickets a review of ``period`` reads: from the start of
    its history window, its habitual-escalator window or its at-risk windows (the earliest),
    less :data:`LOOKBACK_MARGIN`, to the period's end."""
    s = policy.review
    weeks_back = max(s.history_weeks, s.trend_weeks)
    first_monday = period.last - timedelta(days=period.last.weekday(), weeks=weeks_back - 1)
    starts = [
        Period("", first_monday, period.last, period.tz).start,
        period.end - timedelta(seconds=s.habitual_window.resolve(86_400)),
        period.end - timedelta(seconds=s.at_risk_window.resolve(86_400)),
        *(
            period.end - timedelta(seconds=t.within)
            for t in policy.handoff_triggers
            if t.within is not None
        ),
    ]
    return min(starts) - LOOKBACK_MARGIN, period.end


def review_inputs(
    store: Store,
    policy: Policy,
    *,
    week: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> tuple[Period, ReviewInputs]:
    """The period to review and the store's tickets that review reads (its look-back window
    and the open tickets), loaded once."""
    latest = store.latest_event_at()
    if latest is None:
        raise store.no_tickets()
    period = resolve_period(policy, latest, week=week, since=since, until=until)
    first_ticket = store.first_ticket_at()
    if period.start > latest or (first_ticket is not None and period.end <= first_ticket):
        begins = f"{first_ticket:%Y-%m-%d}" if first_ticket else "?"
        raise InputError(
            f"no data in {period.label}: the store's tickets run from {begins} to "
            f"{latest:%Y-%m-%d}; choose a week in that range"
        )
    first, last = lookback(policy, period)
    return period, load_inputs(store, since=first, until=last, latest=latest)


def review_timezone(policy: Policy) -> ZoneInfo:
    if policy.review.timezone:
        return ZoneInfo(policy.review.timezone)
    return ZoneInfo(policy.calendars[policy.rules[-1].calendar].timezone)


def resolve_period(
    policy: Policy,
    latest: datetime | None,
    *,
    week: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Period:
    """``--week``, or ``--since``/``--until``, or the last complete week of the data."""
    tz = review_timezone(policy)
    if week and (since or until):
        raise InputError("give either --week or --since/--until, not both")
    if week:
        return week_period(week, tz)
    if since or until:
        if not (since and until):
            raise InputError("--since and --until go together: give both dates")
        return range_period(since, until, tz)
    return last_complete_week(latest or datetime.now(UTC), tz)


def _rate(k: int, n: int) -> float | None:
    return k / n if n else None


def _local_week(col: str, tz: ZoneInfo) -> pl.Expr:
    """The Monday (local date) of the week an instant falls in."""
    local = pl.col(col).dt.convert_time_zone(str(tz)).dt.date()
    return local - pl.duration(days=local.dt.weekday() - 1)


def _business_hours(frame: pl.DataFrame, clocks: ClockRun, a: str, b: str) -> pl.Series:
    """Business hours between two instant columns, on each ticket's SLA calendar."""
    cal = frame.join(
        clocks.tickets.select(pl.col("ticket_id").alias("id"), "calendar"), on="id", how="left"
    )
    out = np.full(frame.height, np.nan)
    ta = frame[a].dt.epoch("s").to_numpy()
    tb = frame[b].dt.epoch("s").to_numpy()
    names = cal["calendar"].fill_null("").to_numpy()
    for name in set(names.tolist()) - {""}:
        mask = (names == name) & ~np.isnan(ta.astype(np.float64)) & ~np.isnan(tb.astype(np.float64))
        if not mask.any():
            continue
        lo, hi = int(np.nanmin(ta[mask])), int(np.nanmax(tb[mask]))
        clock = clocks.schedules[name].compile(lo - 86_400, hi + 86_400)
        out[mask] = clock.elapsed(ta[mask].astype(np.int64), tb[mask].astype(np.int64)) / 3600
    return pl.Series(b + "_hours", out).fill_nan(None)


def run_review(
    store: Store,
    policy: Policy,
    period: Period | None = None,
    *,
    inputs: ReviewInputs | None = None,
    known_problems: dict[str, dict[str, float]] | None = None,
    tracker_status: dict[str, str] | None = None,
) -> ReviewDocument:
    """The review of ``period`` (default: the last complete week of the data), with facts as
    of the period's end. ``known_problems`` (tracker id → signature) keeps problem identities
    from earlier reviews."""
    data = inputs or load_inputs(store)
    period = period or resolve_period(policy, data.latest)
    settings = policy.review
    tz = period.tz
    as_of = min(period.end, data.latest) if data.latest else period.end

    orgs = data.organizations.select(
        pl.col("id").alias("organization_id"),
        pl.col("name").alias("organization"),
        pl.col("tier").alias("customer_tier"),
        "mrr",
        "csm",
    )
    agent_names = dict(zip(data.agents["id"], data.agents["name"], strict=True))
    facts = escalation_facts(
        data.events,
        data.tickets,
        policy.escalation,
        as_of,
        keep=[c for c in TICKET_COLUMNS if c not in ("id", "created_at", "channel")],
    ).join(orgs, on="organization_id", how="left")
    # SLA clocks are read for escalated tickets only (their compliance, and business hours
    # to escalation): a few thousand timelines instead of the whole store
    clocks = run_clocks(
        store, policy, as_of, events=data.events, ticket_ids=facts.filter("escalated")["id"]
    )
    facts = facts.with_columns(
        _business_hours(facts, clocks, "created_at", "escalated_at").alias("hours_to_escalate"),
        _local_week("created_at", tz).alias("created_week"),
        _local_week("escalated_at", tz).alias("escalated_week"),
        _local_week("elevated_at", tz).alias("elevated_week"),
    )
    early_s = settings.early_within.resolve(8 * 3600) / 3600
    before_reply = pl.col("escalated") & (
        pl.col("first_agent_reply_at").is_null()
        | (pl.col("escalated_at") < pl.col("first_agent_reply_at"))
    )
    soon = pl.col("escalated") & (pl.col("hours_to_escalate") <= early_s)
    facts = facts.with_columns(
        (before_reply | soon.fill_null(False)).alias("early"),
        pl.when(before_reply)
        .then(pl.lit("before any public agent reply"))
        .when(soon)
        .then(pl.lit(f"within {settings.early_within} business time of creation"))
        .alias("early_why"),
    )

    start, end = period.start, period.end
    in_period = pl.col("created_at").is_between(start, end, "left")
    esc_in = pl.col("escalated_at").is_between(start, end, "left")
    elev_in = pl.col("elevated_at").is_between(start, end, "left")
    created = facts.filter(in_period)
    escalated = facts.filter(esc_in).sort("escalated_at", "id")
    elevated = facts.filter(elev_in)
    prev = period.previous()
    prev_created = facts.filter(pl.col("created_at").is_between(prev.start, prev.end, "left"))
    prev_esc = facts.filter(pl.col("escalated_at").is_between(prev.start, prev.end, "left"))

    # ---- weekly series: history window, trend = its last weeks
    weeks_back = max(settings.history_weeks, settings.trend_weeks)
    last_monday = period.last - timedelta(days=period.last.weekday())
    mondays = [last_monday - timedelta(weeks=i) for i in range(weeks_back - 1, -1, -1)]
    series = _weekly(facts, mondays)
    trend = series[-settings.trend_weeks :]
    trend_created = sum(w.created for w in trend)
    trend_esc = sum(w.escalated for w in trend)

    rate = _rate(escalated.height, created.height)
    definition = policy.escalation
    rating: Any = "good"
    if rate is not None and rate > definition.warning_rate:
        rating = "bad"
    elif rate is not None and rate > definition.target_rate:
        rating = "warning"
    moved = pl.concat([escalated, elevated]).unique("id")
    summary = Summary(
        created=created.height,
        resolved=facts.filter(pl.col("solved_at").is_between(start, end, "left")).height,
        escalated=escalated.height,
        escalation_rate=rate,
        escalation_rate_previous=_rate(prev_esc.height, prev_created.height),
        escalation_rate_trend=_rate(trend_esc, trend_created),
        target_rate=definition.target_rate,
        warning_rate=definition.warning_rate,
        rating=rating,
        elevated=elevated.height,
        elevation_rate=_rate(elevated.height, created.height),
        elevated_without_escalation=elevated.filter(~pl.col("escalated")).height,
        ping_pong=int(moved["ping_pong"].sum()),
        bouncing=int(created["bouncing"].sum()),
        early=int(escalated["early"].sum()),
    )

    # ---- repeat problems (their ids go on the escalations)
    history_start = Period("", mondays[0], period.last, tz).start
    problems: ProblemReport = repeat_problems(
        facts,
        data.events,
        data.articles,
        scope=settings.cluster,
        history_start=history_start,
        period=period,
        trend_first=trend[0].first if trend else period.first,
        known=known_problems or {},
        tracker_status=tracker_status or {},
        limit=settings.problems_limit,
        drafts=settings.kb_drafts,
        as_of=as_of,
    )

    escalations = [
        Escalation(
            ticket_id=r["id"],
            subject=r["subject"],
            organization_id=r["organization_id"],
            organization=r["organization"],
            customer_tier=r["customer_tier"],
            priority=r["priority"],
            category=r["category"],
            created_at=r["created_at"],
            escalated_at=r["escalated_at"],
            via=r["escalated_via"],
            by=agent_names.get(r["escalated_by"], r["escalated_by"]),
            owner=agent_names.get(r["owner_at_escalation"], r["owner_at_escalation"]),
            reason=r["escalation_reason"],
            level=r["escalation_level"],
            hours_to_escalate=_round(r["hours_to_escalate"]),
            early=bool(r["early"]),
            early_why=r["early_why"],
            elevated=bool(r["elevated"]),
            ping_pong=bool(r["ping_pong"]),
            state=r["state"],
            problem_id=problems.ticket_problem.get(r["id"]),
        )
        for r in escalated.iter_rows(named=True)
    ]

    document = ReviewDocument(
        schema=SCHEMA_VERSION,
        period=PeriodInfo(
            label=period.label,
            first=period.first,
            last=period.last,
            timezone=str(tz),
            start=start,
            end=end,
            as_of=as_of,
        ),
        policy_source=policy.source or "built-in default",
        summary=summary,
        trend=trend,
        history=series[-settings.history_weeks :],
        articles_published=problems.published,
        breakdowns=_breakdowns(created, escalated, elevated, agent_names),
        sla=_sla(clocks, escalated["id"]),
        escalations=escalations,
        problems=problems.problems,
        quality=_quality(facts, escalated, policy, as_of, agent_names),
        at_risk=_at_risk(facts, data, policy, as_of),
        kb_drafts=problems.drafts,
        tracker=[],
    )
    document._signatures = problems.signatures
    return document


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def _weekly(facts: pl.DataFrame, mondays: list[date]) -> list[WeekRate]:
    frame = pl.DataFrame({"week": mondays}, schema={"week": pl.Date})

    def count(col: str, name: str) -> pl.DataFrame:
        return facts.group_by(pl.col(col).alias("week")).agg(pl.len().alias(name))

    joined = (
        frame.join(count("created_week", "created"), on="week", how="left")
        .join(count("escalated_week", "escalated"), on="week", how="left")
        .join(count("elevated_week", "elevated"), on="week", how="left")
        .fill_null(0)
        .sort("week")
    )
    out = []
    for r in joined.iter_rows(named=True):
        year, num, _ = r["week"].isocalendar()
        out.append(
            WeekRate(
                week=f"{year}-W{num:02d}",
                first=r["week"],
                created=r["created"],
                escalated=r["escalated"],
                escalation_rate=_rate(r["escalated"], r["created"]),
                elevated=r["elevated"],
                elevation_rate=_rate(r["elevated"], r["created"]),
            )
        )
    return out


def _breakdowns(
    created: pl.DataFrame,
    escalated: pl.DataFrame,
    elevated: pl.DataFrame,
    agent_names: dict[str, str],
) -> dict[str, list[Breakdown]]:
    keys = {
        "category": pl.col("category"),
        "customer_tier": pl.col("customer_tier"),
        "priority": pl.col("priority"),
        "group": pl.col("group_name"),
        "tier": pl.col("max_tier"),
        "agent": pl.col("assignee_id"),
    }
    out: dict[str, list[Breakdown]] = {}
    for name in _BREAKDOWNS:
        expr = keys[name].fill_null("(none)").alias("key")
        esc_expr = (
            pl.col("owner_at_escalation").fill_null("(none)").alias("key")
            if name == "agent"
            else expr
        )
        c = created.group_by(expr).agg(pl.len().alias("created"))
        e = escalated.group_by(esc_expr).agg(pl.len().alias("escalated"))
        v = elevated.group_by(expr).agg(pl.len().alias("elevated"))
        rows = (
            c.join(e, on="key", how="full", coalesce=True)
            .join(v, on="key", how="full", coalesce=True)
            .fill_null(0)
            .sort(["escalated", "created", "key"], descending=[True, True, False])
        )
        out[name] = [
            Breakdown(
                key=agent_names.get(r["key"], r["key"]) if name == "agent" else r["key"],
                created=r["created"],
                escalated=r["escalated"],
                escalation_rate=_rate(r["escalated"], r["created"]),
                elevated=r["elevated"],
            )
            for r in rows.iter_rows(named=True)
        ]
    return out


def _sla(clocks: ClockRun, ids: pl.Series) -> SlaCompliance:
    mine = clocks.clocks.filter(pl.col("ticket_id").is_in(ids.implode()))

    def measure(metric: str) -> SlaMeasure:
        # one verdict per ticket: breached if any instance breached, else met if all met
        per = (
            mine.filter(pl.col("metric") == metric)
            .group_by("ticket_id")
            .agg(
                (pl.col("status") == "breached").any().alias("breached"),
                pl.col("status").is_in(["met", "not_applicable"]).all().alias("met"),
            )
        )
        breached = int(per["breached"].sum())
        met = int((per["met"] & ~per["breached"]).sum())
        running = per.height - met - breached
        return SlaMeasure(
            met=met, breached=breached, running=running, compliance=_rate(met, met + breached)
        )

    return SlaCompliance(
        tickets=len(ids), first_response=measure("first_response"), resolution=measure("resolution")
    )


def _quality(
    facts: pl.DataFrame,
    escalated: pl.DataFrame,
    policy: Policy,
    as_of: datetime,
    agent_names: dict[str, str],
) -> Quality:
    s = policy.review
    window = timedelta(seconds=s.habitual_window.resolve(86_400))
    recent = facts.filter(pl.col("created_at") > as_of - window)
    habitual = habitual_escalators(
        recent,
        min_tickets=s.habitual_min_tickets,
        min_escalations=s.habitual_min_escalations,
        fdr=s.habitual_fdr,
    ).filter(pl.col("habitual"))
    names = facts.select("organization_id", "organization", "customer_tier").unique(
        "organization_id"
    )
    evidence = (
        recent.filter(pl.col("escalated"))
        .group_by("organization_id")
        .agg(pl.col("id").sort().alias("evidence"))
    )
    habitual = habitual.join(names, on="organization_id", how="left").join(
        evidence, on="organization_id", how="left"
    )
    people = people_speed(
        recent.filter(pl.col("escalated")).select(
            pl.col("owner_at_escalation").alias("person"),
            pl.col("hours_to_escalate").alias("hours"),
        ),
        min_escalations=s.people_min_escalations,
        alpha=s.people_alpha,
    )
    cut = int(as_of.timestamp())
    aged = aged_unescalated(
        facts.with_columns(
            pl.col("created_at").dt.epoch("s").alias("created_s"),
            pl.col("last_agent_reply_at").dt.epoch("s").alias("last_agent_reply_s"),
        ),
        as_of_s=cut,
        min_age_s=s.aged_after.resolve(86_400),
        limit=s.aged_limit,
    )
    ids = escalated["id"].to_list()
    sample = retrospective_sample(ids, size=s.sample_size, seed=s.sample_seed)
    return Quality(
        early=escalated.filter(pl.col("early"))["id"].to_list(),
        habitual=[
            HabitualEscalator(
                organization_id=r["organization_id"],
                organization=r["organization"],
                customer_tier=r["customer_tier"],
                tickets=r["tickets"],
                escalated=r["escalated"],
                early=r["early"],
                rate=r["rate"],
                baseline=r["baseline"],
                ci_low=r["ci_low"],
                ci_high=r["ci_high"],
                p_value=r["p_value"],
                q_value=r["q_value"],
                evidence=r["evidence"] or [],
            )
            for r in habitual.iter_rows(named=True)
        ],
        people=[
            PersonSpeed(name=agent_names.get(r["person"]), **r)
            for r in people.iter_rows(named=True)
        ],
        aged_unescalated=[
            AgedTicket(
                ticket_id=r["id"],
                subject=r["subject"],
                organization=r["organization"],
                priority=r["priority"],
                state=r["state"],
                age_days=round(r["age_days"], 1),
                idle_days=round(r["idle_days"], 1),
                score=round(r["score"], 1),
            )
            for r in aged.iter_rows(named=True)
        ],
        retrospective=Retrospective(
            ticket_ids=sample, sampled=len(sample) < len(ids), questions=list(RETRO_QUESTIONS)
        ),
    )


_URGENCY_RANK = {"immediate": 0, "high": 1, "medium": 2, "low": 3}


def _risk_rank(
    item: tuple[str, list[RiskSignal]], info: dict[str, dict[str, Any]]
) -> tuple[int, int, float, str]:
    """Most urgent first, then the accounts with more signals, then the larger accounts."""
    org, signals = item
    urgency = min(_URGENCY_RANK.get(sig.urgency, 9) for sig in signals)
    mrr = info.get(org, {}).get("mrr") or 0.0
    return (urgency, -len({sig.signal for sig in signals}), -float(mrr), org)


def _at_risk(
    facts: pl.DataFrame, data: ReviewInputs, policy: Policy, as_of: datetime
) -> list[AtRiskAccount]:
    # the triggers look back at most this far: read those events only
    default_window = timedelta(seconds=policy.review.at_risk_window.resolve(86_400))
    longest = max(
        [default_window]
        + [timedelta(seconds=t.within) for t in policy.handoff_triggers if t.within is not None]
    )
    ev = data.events.filter(pl.col("at").is_between(as_of - longest, as_of, "right"))
    org_of = facts.select(pl.col("id").alias("ticket_id"), "organization_id")
    texts = pl.concat(
        [
            facts.join(data.tickets.select("id", "description"), on="id").select(
                pl.col("id").alias("ticket_id"),
                "organization_id",
                pl.col("created_at").alias("at"),
                (
                    pl.col("subject").fill_null("") + "\n" + pl.col("description").fill_null("")
                ).alias("text"),
            ),
            ev.filter((pl.col("kind") == "comment") & (pl.col("actor_role") == "customer"))
            .join(org_of, on="ticket_id")
            .select(
                "ticket_id", "organization_id", "at", pl.col("body").fill_null("").alias("text")
            ),
        ]
    )
    ratings = (
        ev.filter(
            (pl.col("kind") == "csat")
            & (pl.col("value").is_null() | (pl.col("value") == "csat"))  # not NPS or CES
        )
        .join(org_of, on="ticket_id")
        .select("ticket_id", "organization_id", "at", pl.col("number").alias("score"))
    )
    flags = at_risk_accounts(
        facts.select(
            pl.col("id").alias("ticket_id"),
            "organization_id",
            "created_at",
            "escalated_at",
            "severity",
            "tags",
        ),
        texts,
        ratings,
        policy.handoff_triggers,
        as_of=as_of,
        default_window=timedelta(seconds=policy.review.at_risk_window.resolve(86_400)),
    )
    info = {
        r["organization_id"]: r
        for r in facts.select("organization_id", "organization", "customer_tier", "mrr", "csm")
        .unique("organization_id")
        .iter_rows(named=True)
    }
    accounts: dict[str, list[RiskSignal]] = {}
    for r in flags.iter_rows(named=True):
        org = r.pop("organization_id")
        accounts.setdefault(org, []).append(RiskSignal(**r))
    out = []
    for org, signals in sorted(accounts.items(), key=lambda kv: _risk_rank(kv, info)):
        i = info.get(org, {})
        out.append(
            AtRiskAccount(
                organization_id=org,
                organization=i.get("organization"),
                customer_tier=i.get("customer_tier"),
                mrr=i.get("mrr"),
                csm=i.get("csm"),
                signals=signals,
            )
        )
    return out
