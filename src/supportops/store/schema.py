"""Tables of the store, as SQLAlchemy Core metadata.

Instants are ``TIMESTAMP WITH TIME ZONE`` on PostgreSQL and integer microseconds since the
Unix epoch (UTC) on SQLite, which has no time type of its own; :class:`Instant` converts.
JSON-valued columns (``raw``, ``tags``, ``skills`` …) are ``JSONB`` on PostgreSQL and JSON text
on SQLite.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def to_micros(value: datetime) -> int:
    return (value - EPOCH) // MICROSECOND


def from_micros(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


class Instant(sa.types.TypeDecorator[datetime]):
    """A timezone-aware UTC instant."""

    impl = sa.BigInteger
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(sa.DateTime(timezone=True))
        return dialect.type_descriptor(sa.BigInteger())

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored; make it UTC-aware")
        return value if dialect.name == "postgresql" else to_micros(value)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.astimezone(UTC)
        return from_micros(int(value))


JSON = sa.JSON().with_variant(JSONB(), "postgresql")

metadata = sa.MetaData()

tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("external_id", sa.Text, nullable=False),
    sa.Column("created_at", Instant, nullable=False),
    sa.Column("subject", sa.Text),
    sa.Column("description", sa.Text),
    sa.Column("requester", sa.Text),
    sa.Column("organization_id", sa.Text),
    sa.Column("channel", sa.Text),
    sa.Column("category", sa.Text),
    sa.Column("product_area", sa.Text),
    sa.Column("type", sa.Text),
    sa.Column("tags", JSON),
    sa.Column("priority", sa.Text),
    sa.Column("severity", sa.Text),
    sa.Column("status", sa.Text),
    sa.Column("group_name", sa.Text),
    sa.Column("assignee_id", sa.Text),
    sa.Column("raw", JSON),
    sa.Index("ix_tickets_created_at", "created_at"),
    sa.Index("ix_tickets_organization_id", "organization_id"),
    sa.Index("ix_tickets_source", "source"),
)

events = sa.Table(
    "events",
    metadata,
    # INTEGER PRIMARY KEY makes the id SQLite's rowid (no second index to maintain).
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=False,
    ),
    # No foreign key to tickets: the import writer verifies every event's ticket in batches
    # (a per-row check costs PostgreSQL's COPY 2.5x), and deleting tickets deletes their
    # events explicitly (Store.delete_source, Writer.clear_source).
    sa.Column("ticket_id", sa.Text, nullable=False),
    sa.Column("at", Instant, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("value", sa.Text),
    sa.Column("raw_value", sa.Text),
    sa.Column("action", sa.Text),
    sa.Column("number", sa.Integer),
    sa.Column("actor", sa.Text),
    sa.Column("actor_role", sa.Text),
    sa.Column("public", sa.Boolean),
    sa.Column("body", sa.Text),
    sa.Column("origin", sa.Text, nullable=False),
    sa.Column("raw", JSON),
    sa.Index("ix_events_ticket", "ticket_id", "origin"),
)

organizations = sa.Table(
    "organizations",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("tier", sa.Text),
    sa.Column("segment", sa.Text),
    sa.Column("mrr", sa.Float),
    sa.Column("csm", sa.Text),
    sa.Column("created_at", Instant),
    sa.Column("raw", JSON),
)

agents = sa.Table(
    "agents",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("email", sa.Text),
    sa.Column("tier", sa.Text),
    sa.Column("team", sa.Text),
    sa.Column("skills", JSON),
    sa.Column("manager_id", sa.Text),
    sa.Column("start_date", sa.Date),
    sa.Column("role", sa.Text),
    sa.Column("raw", JSON),
)

groups = sa.Table(
    "groups",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("tier", sa.Text),
    sa.Column("raw", JSON),
)

calendars = sa.Table(
    "calendars",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("timezone", sa.Text, nullable=False),
    sa.Column("windows", JSON),
    sa.Column("holidays", JSON),
    sa.Column("raw", JSON),
)

articles = sa.Table(
    "articles",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("body", sa.Text),
    sa.Column("tags", JSON),
    sa.Column("published_at", Instant),
    sa.Column("updated_at", Instant),
    sa.Column("url", sa.Text),
    sa.Column("raw", JSON),
)

ground_truth = sa.Table(
    "ground_truth",
    metadata,
    sa.Column(
        "ticket_id",
        sa.Text,
        sa.ForeignKey("tickets.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("problem_id", sa.Text, nullable=False),
    sa.Column("label", sa.Text),
)

imports = sa.Table(
    "imports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("paths", JSON),
    sa.Column("started_at", Instant, nullable=False),
    sa.Column("finished_at", Instant, nullable=False),
    sa.Column("counts", JSON),
)

schema_migrations = sa.Table(
    "schema_migrations",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("applied_at", Instant, nullable=False),
)

#: Tables that hold imported records, keyed by the record they store.
RECORD_TABLES = {
    "Ticket": tickets,
    "Event": events,
    "Organization": organizations,
    "Agent": agents,
    "Group": groups,
    "Calendar": calendars,
    "Article": articles,
    "TruthLabel": ground_truth,
}

# The Weekly Escalations Tracker (migration 0002_tracker): one row per recurring problem, one
# row per problem and review week it was seen in. Weeks are ISO week labels ("2026-W47"),
# which sort as text in calendar order. See docs/tracker.md for the status machine.
tracker_problems = sa.Table(
    "tracker_problems",
    metadata,
    sa.Column("problem_id", sa.Text, primary_key=True),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("category", sa.Text),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("owner", sa.Text),
    sa.Column("notes", sa.Text),
    sa.Column("signature", JSON, nullable=False),
    sa.Column("keywords", JSON, nullable=False),
    sa.Column("article_id", sa.Text),
    sa.Column("first_seen", sa.Text),
    sa.Column("last_seen", sa.Text),
    sa.Column("weeks_seen", sa.Integer, nullable=False),
    sa.Column("count_total", sa.Integer, nullable=False),
    # the week a human marked it resolved (or the last week seen then, if later): a sighting
    # in a later week reopens it
    sa.Column("resolved_week", sa.Text),
    # a human changed status, owner or notes: never delete the row automatically
    sa.Column("edited", sa.Boolean, nullable=False),
    sa.Column("created_at", Instant, nullable=False),
    sa.Column("updated_at", Instant, nullable=False),
    sa.Index("ix_tracker_problems_status", "status"),
)

tracker_sightings = sa.Table(
    "tracker_sightings",
    metadata,
    sa.Column(
        "problem_id",
        sa.Text,
        sa.ForeignKey("tracker_problems.problem_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("week", sa.Text, primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("ticket_ids", JSON, nullable=False),
    sa.Index("ix_tracker_sightings_week", "week"),
)
