"""The demo support organization: ``supportops demo`` fills a store with it.

A B2B SaaS support team (seed 001's example: eight agents and a lead over L1/L2/L3, about
300 customer organizations, about 1,200 tickets a month) whose escalation rate falls from
2.68 % to 1.43 % once the team turns its repeat escalations into knowledge-base articles
(seed 000). Everything is generated from a seed: the same seed gives the same store contents.
docs/demo.md describes the organization, the problem catalogue and the ground truth.

>>> summary = generate_demo(store, seed=7, weeks=26)  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from supportops.demo.calendar import ZONE
from supportops.demo.generator import DemoData, build
from supportops.demo.people import SOURCE
from supportops.errors import InputError
from supportops.importers.base import Progress
from supportops.model import Record
from supportops.store import Store, schema

__all__ = ["DEFAULT_END", "SOURCE", "DemoSummary", "generate_demo", "remove_demo"]

#: The last day of the demo unless told otherwise: a fixed Sunday, not the wall clock, so the
#: same seed always gives the same store (the Sunday before Monday 2026-11-23).
DEFAULT_END = date(2026, 11, 22)
MAX_WEEKS = 520


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What :func:`generate_demo` wrote, for the CLI to print."""

    seed: int
    weeks: int
    first_day: date
    last_day: date
    tickets: int
    events: int
    organizations: int
    agents: int
    groups: int
    articles: int
    escalations: int  # tickets with a raised escalation
    early_escalations: int  # raised before a public agent reply or within 2 business hours
    habitual_escalators: tuple[str, ...]  # organization ids
    kb_first_published: datetime | None
    kb_last_published: datetime | None
    tickets_before: int  # created before the first KB article
    tickets_after: int  # created after the last KB article
    escalation_rate_before: float
    escalation_rate_after: float
    next: tuple[str, ...]  # commands worth running next

    def as_dict(self) -> dict[str, Any]:
        """JSON-able: dates and instants as ISO 8601 text, tuples as lists."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, date | datetime):
                out[key] = value.isoformat()
            elif isinstance(value, tuple):
                out[key] = list(value)
        return out


def _last_day(end: date | datetime | None) -> date:
    if end is None:
        return DEFAULT_END
    if isinstance(end, datetime):
        return end.astimezone(ZONE).date() if end.tzinfo else end.date()
    return end


def remove_demo(store: Store) -> int:
    """Delete every record of an earlier demo (ids ``demo:…``); other sources stay.

    Returns how many demo tickets were removed. Their events and ground truth go with them.
    """
    removed = store.delete_source(SOURCE)
    with store.begin() as conn:
        for table in (
            schema.organizations,
            schema.agents,
            schema.groups,
            schema.calendars,
            schema.articles,
        ):
            conn.execute(sa.delete(table).where(table.c.id.like(f"{SOURCE}:%")))
    return removed


def _records(data: DemoData) -> list[Record]:
    return [
        *data.organizations,
        *data.agents,
        *data.groups,
        *data.calendars,
        *data.tickets,
        *data.events,
        *data.articles,
        *data.truth,
    ]


def summarize(data: DemoData, seed: int, weeks: int) -> DemoSummary:
    """The summary, counted from the generated records themselves."""
    escalated = {
        e.ticket_id for e in data.events if e.kind == "escalation" and e.action == "raised"
    }
    published = sorted(a.published_at for a in data.articles if a.published_at is not None)
    first_pub = published[0] if published else None
    last_pub = published[-1] if published else None
    before = [t.id for t in data.tickets if first_pub is None or t.created_at < first_pub]
    after = [t.id for t in data.tickets if last_pub is not None and t.created_at >= last_pub]

    def rate(ids: list[str]) -> float:
        return sum(i in escalated for i in ids) / len(ids) if ids else 0.0

    habitual = tuple(
        o.id
        for o in data.organizations
        if (o.raw or {}).get("demo_truth", {}).get("habitual_escalator")
    )
    kb_ids = {a.raw["demo_truth"]["problem_id"] for a in data.articles if a.raw}
    truth = {t.ticket_id: t.problem_id for t in data.truth}
    story = next((t for t in sorted(escalated) if truth.get(t) in kb_ids), None)
    hints = [
        "supportops review",
        "supportops metrics",
        "supportops serve",
        "supportops sla summary",
        "supportops sla --at-risk",
    ]
    if story:
        hints.append(f"supportops tickets show {story}")
        hints.append(f"supportops sla explain {story}")
    if habitual:
        hints.append(f"supportops tickets --org {habitual[0]}")
    return DemoSummary(
        seed=seed,
        weeks=weeks,
        first_day=data.first_day,
        last_day=data.last_day,
        tickets=len(data.tickets),
        events=len(data.events),
        organizations=len(data.organizations),
        agents=len(data.agents),
        groups=len(data.groups),
        articles=len(data.articles),
        escalations=len(escalated),
        early_escalations=data.early,
        habitual_escalators=habitual,
        kb_first_published=first_pub,
        kb_last_published=last_pub,
        tickets_before=len(before),
        tickets_after=len(after),
        escalation_rate_before=rate(before),
        escalation_rate_after=rate(after),
        next=tuple(hints),
    )


def generate_demo(
    store: Store,
    *,
    seed: int = 7,
    weeks: int = 26,
    end: date | datetime | None = None,
    progress: Progress | None = None,
) -> DemoSummary:
    """Replace any earlier demo in ``store`` with the demo org of ``seed`` over ``weeks``
    weeks ending on ``end`` (a New York date; default :data:`DEFAULT_END`)."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise InputError(f"weeks must be between 1 and {MAX_WEEKS}, got {weeks}")
    data = build(seed, weeks, _last_day(end), progress)
    records = _records(data)
    if progress is not None:
        progress.start("Saving the demo org", len(records))
    with store.writer(SOURCE) as writer:
        writer.clear_source(SOURCE)  # replaces the earlier demo in the same transaction
        for i, record in enumerate(records):
            writer.add(record)
            if progress is not None and i % 10_000 == 0:
                progress.update(i)
    if progress is not None:
        progress.update(len(records))
    return summarize(data, seed, weeks)
