"""Repeat problems for the review: cluster, keep identities, check KB coverage, draft articles.

Clusters the escalated tickets of the history window (or every ticket, ``review.cluster:
all``) with :func:`supportops.core.recurring.find_problems`, matches the clusters to the
tracker's problems by signature so a problem keeps its id from week to week, finds the KB
article that covers each one and whether its escalations fell after publication, and writes
Markdown drafts for the top problems nobody has written up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

import polars as pl

from supportops.core.recurring import find_problems, kb_draft, match_articles, match_signatures
from supportops.review.document import UNTRACKED_PREFIX, ArticleCoverage, Problem
from supportops.review.period import Period, week_label

__all__ = ["ProblemReport", "repeat_problems"]

NEW_PREFIX = UNTRACKED_PREFIX
#: Tickets of the history window, besides the clustered ones, that the detector learns its
#: vocabulary from (a fixed-seed sample).
CONTEXT_SAMPLE = 5000


@dataclass(frozen=True, slots=True)
class ProblemReport:
    problems: list[Problem]
    ticket_problem: dict[str, str]
    drafts: dict[str, str]
    published: list[ArticleCoverage]
    signatures: dict[str, dict[str, float]] = field(default_factory=dict)


def _resolving_comments(events: pl.DataFrame, ids: pl.Series) -> pl.DataFrame:
    """Public comments of the tickets, flagged ``resolving`` for the last public agent
    comment before each ticket was first solved."""
    ev = events.filter(pl.col("ticket_id").is_in(ids.implode())).sort("ticket_id", "at", "seq")
    solved = (
        ev.filter((pl.col("kind") == "status") & pl.col("value").is_in(["solved", "closed"]))
        .group_by("ticket_id")
        .agg(pl.col("at").min().alias("solved_at"))
    )
    comments = ev.filter(pl.col("kind") == "comment").join(solved, on="ticket_id", how="left")
    agent_before = (
        (pl.col("actor_role") == "agent")
        & pl.col("public").fill_null(False)
        & (pl.col("at") <= pl.col("solved_at"))
    )
    last = (
        comments.filter(agent_before).group_by("ticket_id").agg(pl.col("at").max().alias("last_at"))
    )
    return (
        comments.join(last, on="ticket_id", how="left")
        .with_columns(
            (agent_before & (pl.col("at") == pl.col("last_at"))).fill_null(False).alias("resolving")
        )
        .select("ticket_id", "at", "actor_role", "public", "body", "resolving")
    )


def repeat_problems(
    facts: pl.DataFrame,
    events: pl.DataFrame,
    articles: pl.DataFrame,
    *,
    scope: str,
    history_start: datetime,
    period: Period,
    trend_first: date,
    known: Mapping[str, Mapping[str, float]],
    tracker_status: Mapping[str, str],
    limit: int,
    drafts: int,
    as_of: datetime,
) -> ProblemReport:
    """The review's repeat problems. ``facts`` is :func:`escalation_facts` output with
    ``description`` joined in or not (it is joined here from ``events``' tickets if absent)."""
    esc_window = pl.col("escalated_at").is_between(history_start, as_of, "right")
    if scope == "all":
        pool = facts.filter(pl.col("created_at").is_between(history_start, as_of, "right"))
    else:
        pool = facts.filter(esc_window)
    # what the reviewer could have read at the time: articles published by as_of
    articles = articles.filter(pl.col("published_at") <= as_of) if articles.height else articles
    published = _published(articles, history_start, as_of)
    if pool.height == 0:
        return ProblemReport([], {}, {}, published)
    texts = pool.select(pl.col("id").alias("ticket_id"), "subject", "description", "category")
    context = None
    if scope != "all":
        # the window's other tickets teach the detector which words go together
        others = facts.filter(
            pl.col("created_at").is_between(history_start, as_of, "right")
            & ~pl.col("id").is_in(pool["id"].implode())
        ).select("subject", "description")
        context = others.sample(min(CONTEXT_SAMPLE, others.height), seed=0)
    found = find_problems(texts, context=context)
    assigned = found.assignments.filter(pl.col("cluster") >= 0)
    matched = match_signatures(found.signatures, known)
    ids = {c: matched.get(c, f"{NEW_PREFIX}{c}") for c in found.clusters["cluster"].to_list()}

    tz = str(period.tz)
    esc = (
        pool.filter(pl.col("escalated") & esc_window)
        .join(assigned.rename({"ticket_id": "id"}), on="id")
        .with_columns(pl.col("escalated_at").dt.convert_time_zone(tz).dt.date().alias("day"))
    )
    counts = esc.group_by("cluster").agg(
        pl.col("escalated_at").is_between(period.start, period.end, "left").sum().alias("period"),
        (pl.col("day") >= trend_first).sum().alias("trend"),
        pl.len().alias("history"),
        pl.col("day").min().alias("first_day"),
        pl.col("created_week").n_unique().alias("weeks"),
    )
    clusters = found.clusters.join(counts, on="cluster", how="inner").sort(
        ["period", "trend", "history", "cluster"], descending=[True, True, True, False]
    )
    shown = clusters.filter((pl.col("period") > 0) | (pl.col("trend") >= 2)).head(limit)

    coverage = match_articles(found, texts, articles) if articles.height else pl.DataFrame()
    cover = {r["cluster"]: r for r in coverage.iter_rows(named=True)} if coverage.height else {}
    art = {r["id"]: r for r in articles.iter_rows(named=True)} if articles.height else {}

    comments: pl.DataFrame | None = None
    problems: list[Problem] = []
    draft_text: dict[str, str] = {}
    for r in shown.iter_rows(named=True):
        pid = ids[r["cluster"]]
        coverage_row = cover.get(r["cluster"])
        article = None
        if coverage_row is not None:
            a = art[coverage_row["article_id"]]
            article = _coverage(
                a, float(coverage_row["score"]), esc, r["cluster"], history_start, as_of
            )
        want_draft = article is None and len(draft_text) < drafts and r["period"] > 0
        if want_draft:
            members = assigned.filter(pl.col("cluster") == r["cluster"])["ticket_id"]
            if comments is None:
                comments = _resolving_comments(events, assigned["ticket_id"])
            draft_text[pid] = kb_draft(
                r["label"],
                texts.filter(pl.col("ticket_id").is_in(members.implode())),
                comments.filter(pl.col("ticket_id").is_in(members.implode())),
                keywords=r["keywords"],
                title=r["title"],
            )
        problems.append(
            Problem(
                problem_id=pid,
                status=tracker_status.get(pid, "new"),
                is_new=pid not in known,
                label=r["label"],
                title=r["title"],
                keywords=list(r["keywords"]),
                category=r["category"],
                count_period=r["period"],
                count_trend=r["trend"],
                count_history=r["history"],
                first_seen=week_label(r["first_day"]),
                weeks_seen=r["weeks"],
                examples=list(r["examples"]),
                article=article,
                draft=want_draft,
            )
        )
    ticket_problem = {
        t: ids[c] for t, c in zip(assigned["ticket_id"], assigned["cluster"], strict=True)
    }
    signatures = {ids[c]: dict(sig) for c, sig in found.signatures.items() if c in ids}
    return ProblemReport(problems, ticket_problem, draft_text, published, signatures)


def _published(articles: pl.DataFrame, since: datetime, until: datetime) -> list[ArticleCoverage]:
    if articles.height == 0:
        return []
    rows = articles.filter(pl.col("published_at").is_between(since, until, "right")).sort(
        "published_at"
    )
    return [
        ArticleCoverage(
            article_id=r["id"],
            title=r["title"],
            published_at=r["published_at"],
            score=1.0,
            per_week_before=None,
            per_week_after=None,
            fell=None,
        )
        for r in rows.iter_rows(named=True)
    ]


def _coverage(
    article: Mapping[str, object],
    score: float,
    esc: pl.DataFrame,
    cluster: int,
    since: datetime,
    until: datetime,
) -> ArticleCoverage:
    published = article.get("published_at")
    before = after = None
    fell = None
    if isinstance(published, datetime):
        mine = esc.filter(pl.col("cluster") == cluster)
        week = 7 * 86_400
        span_before = (published - since).total_seconds() / week
        span_after = (until - published).total_seconds() / week
        n_before = mine.filter(pl.col("escalated_at") < published).height
        n_after = mine.height - n_before
        before = n_before / span_before if span_before >= 1 else None
        after = n_after / span_after if span_after >= 1 else None
        if before is not None and after is not None:
            fell = after < before
            before, after = round(before, 2), round(after, 2)
    return ArticleCoverage(
        article_id=str(article["id"]),
        title=str(article["title"]),
        published_at=published if isinstance(published, datetime) else None,
        score=round(score, 3),
        per_week_before=before,
        per_week_after=after,
        fell=fell,
    )
