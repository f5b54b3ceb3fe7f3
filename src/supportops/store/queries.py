"""Read queries for the CLI and the web layer: ticket lists and single timelines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from supportops.errors import InputError
from supportops.store import schema
from supportops.store.db import Store


@dataclass(slots=True)
class TicketFilter:
    status: str | None = None
    priority: str | None = None
    organization: str | None = None
    source: str | None = None
    category: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 50


_LIST_COLUMNS = (
    "id",
    "created_at",
    "status",
    "priority",
    "category",
    "organization_id",
    "group_name",
    "subject",
)


def list_tickets(store: Store, f: TicketFilter) -> list[dict[str, Any]]:
    """Newest first."""
    t = schema.tickets
    query = sa.select(*(t.c[c] for c in _LIST_COLUMNS)).order_by(t.c.created_at.desc(), t.c.id)
    for column, value in (
        ("status", f.status),
        ("priority", f.priority),
        ("organization_id", f.organization),
        ("source", f.source),
        ("category", f.category),
    ):
        if value is not None:
            query = query.where(t.c[column] == value)
    if f.since is not None:
        query = query.where(t.c.created_at >= f.since)
    if f.until is not None:
        query = query.where(t.c.created_at < f.until)
    with store.begin() as conn:
        return [dict(r._mapping) for r in conn.execute(query.limit(f.limit))]


def resolve_ticket(store: Store, ref: str) -> str:
    """A canonical ticket id from what a user typed: ``zendesk:1595`` or just ``1595``."""
    t = schema.tickets
    with store.begin() as conn:
        if conn.execute(sa.select(t.c.id).where(t.c.id == ref)).first():
            return ref
        ids: list[str] = [
            r[0] for r in conn.execute(sa.select(t.c.id).where(t.c.external_id == ref).limit(5))
        ]
    if len(ids) == 1:
        return ids[0]
    if not ids:
        raise InputError(f"no ticket {ref!r} in the store; list some with `supportops tickets`")
    raise InputError(f"{ref!r} is ambiguous ({', '.join(ids)}); give the full id")


def ticket_detail(store: Store, ticket_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The ticket's header and its timeline in order."""
    t, e = schema.tickets, schema.events
    with store.begin() as conn:
        head = conn.execute(sa.select(t).where(t.c.id == ticket_id)).first()
        if head is None:
            raise InputError(f"no ticket {ticket_id!r} in the store")
        rows = conn.execute(
            sa.select(e).where(e.c.ticket_id == ticket_id).order_by(e.c.at, e.c.id)
        ).all()
    return dict(head._mapping), [dict(r._mapping) for r in rows]
