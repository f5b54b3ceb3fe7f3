"""One review, end to end: compute it, record it in the tracker, write the reports.

The CLI and the web layer call :func:`review`; each step is also usable alone
(:func:`~supportops.review.run.run_review` computes without writing anything).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from supportops.errors import ConfigError
from supportops.policy import Policy
from supportops.review.document import ReviewDocument, TrackerRow
from supportops.review.html import render_html
from supportops.review.period import last_complete_week
from supportops.review.problems import NEW_PREFIX
from supportops.review.render import md_draft, render_markdown
from supportops.review.run import (
    ReviewInputs,
    load_inputs,
    resolve_period,
    review_inputs,
    review_timezone,
    run_review,
)
from supportops.store import Store
from supportops.tracker import Sighting, TrackedProblem, Tracker

__all__ = ["latest_review", "record_review", "review", "write_reports"]


def review(
    store: Store,
    policy: Policy,
    *,
    week: str | None = None,
    since: date | None = None,
    until: date | None = None,
    record: bool = True,
    now: datetime | None = None,
    inputs: ReviewInputs | None = None,
) -> ReviewDocument:
    """Compute the review of a period and (``record``) update the tracker with it.
    ``inputs`` (from :func:`load_inputs`) saves reloading the store across several reviews."""
    if inputs is None:
        period, inputs = review_inputs(store, policy, week=week, since=since, until=until)
    else:
        period = resolve_period(policy, inputs.latest, week=week, since=since, until=until)
    tracker = Tracker(store)
    known = tracker.signatures()
    status = {p.problem_id: p.status for p in tracker.problems()}
    doc = run_review(
        store, policy, period, inputs=inputs, known_problems=known, tracker_status=status
    )
    if not record:
        return doc.model_copy(update={"tracker": [_row(p) for p in tracker.problems()]})
    if not period.is_week:
        raise ConfigError(
            f"the tracker counts whole weeks; {period.label} is not one: review with --week, "
            "or add --no-record"
        )
    return record_review(tracker, doc, now=now or datetime.now(UTC))


def latest_review(store: Store, policy: Policy, as_of: datetime) -> dict[str, Any] | None:
    """The review of the last complete week before ``as_of``, as a JSON-ready dict, computed
    without writing anything (the dashboard is read-only); the tracker's problems keep their
    ids. ``None`` when the store holds no complete week yet."""
    inputs = load_inputs(store)
    tz = review_timezone(policy)
    period = last_complete_week(as_of, tz)
    first = inputs.tickets["created_at"].min()
    if not isinstance(first, datetime) or first > period.start:
        return None
    tracker = Tracker(store)
    status = {p.problem_id: p.status for p in tracker.problems()}
    doc = run_review(
        store,
        policy,
        period,
        inputs=inputs,
        known_problems=tracker.signatures(),
        tracker_status=status,
    )
    doc = doc.model_copy(update={"tracker": [_row(p) for p in tracker.problems()]})
    return doc.to_dict()


def _row(p: TrackedProblem) -> TrackerRow:
    return TrackerRow(
        problem_id=p.problem_id,
        label=p.label,
        status=p.status,
        owner=p.owner,
        weeks_seen=p.weeks_seen,
        count_total=p.count_total,
        first_seen=p.first_seen or "",
        last_seen=p.last_seen or "",
    )


def record_review(tracker: Tracker, doc: ReviewDocument, *, now: datetime) -> ReviewDocument:
    """Record the period's problems in the tracker; new problems get their tracker ids
    everywhere in the returned document."""
    week = doc.period.label
    seen = [p for p in doc.problems if p.count_period > 0]
    members: dict[str, list[str]] = {}
    for e in doc.escalations:
        if e.problem_id is not None:
            members.setdefault(e.problem_id, []).append(e.ticket_id)
    sightings = [
        Sighting(
            problem_id=None if p.problem_id.startswith(NEW_PREFIX) else p.problem_id,
            week=week,
            label=p.label,
            title=p.title,
            category=p.category,
            keywords=p.keywords,
            signature=doc.signatures.get(p.problem_id, {}),
            count=p.count_period,
            ticket_ids=sorted(members.get(p.problem_id, [])),
            article_id=p.article.article_id if p.article else None,
            drafted=p.draft,
        )
        for p in seen
    ]
    tracked = tracker.record(week, sightings, now=now)
    rename = {p.problem_id: t.problem_id for p, t in zip(seen, tracked, strict=True)}
    by_id = {t.problem_id: t for t in tracker.problems()}

    def new_id(pid: str | None) -> str | None:
        return rename.get(pid, pid) if pid is not None else None

    problems = []
    for p in doc.problems:
        pid = new_id(p.problem_id) or p.problem_id
        t = by_id.get(pid)
        problems.append(
            p.model_copy(
                update={
                    "problem_id": pid,
                    "status": t.status if t else p.status,
                    "is_new": bool(t and t.first_seen == week) or pid.startswith(NEW_PREFIX),
                }
            )
        )
    return doc.model_copy(
        update={
            "problems": problems,
            "escalations": [
                e.model_copy(update={"problem_id": new_id(e.problem_id)}) for e in doc.escalations
            ],
            "kb_drafts": {new_id(k) or k: v for k, v in doc.kb_drafts.items()},
            "tracker": [_row(t) for t in by_id.values()],
        }
    )


def write_reports(doc: ReviewDocument, out: Path) -> list[Path]:
    """``review-<label>.json``, ``.md``, ``.html`` and ``kb-drafts/<problem>.md`` in ``out``."""
    from supportops.cli.output import dump_json

    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"review-{doc.period.label.replace('..', '_')}"
    paths = [stem.with_suffix(".json"), stem.with_suffix(".md"), stem.with_suffix(".html")]
    paths[0].write_text(dump_json(doc.to_dict()) + "\n", encoding="utf-8")
    paths[1].write_text(render_markdown(doc), encoding="utf-8")
    paths[2].write_text(render_html(doc), encoding="utf-8")
    if doc.kb_drafts:
        drafts = out / "kb-drafts"
        drafts.mkdir(exist_ok=True)
        for pid, text in doc.kb_drafts.items():
            path = drafts / f"{pid}.md"
            path.write_text(md_draft(text), encoding="utf-8")
            paths.append(path)
    return paths
