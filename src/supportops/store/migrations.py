"""Ordered, named schema migrations.

Each migration is a function that receives an open connection inside the migration's
transaction. Names sort in the order they run and are recorded in ``schema_migrations``;
a migration, once released, never changes: later changes to the schema come as new entries.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa

from supportops.store import schema

Migration = tuple[str, Callable[[sa.Connection], None]]


def _m0001_initial(conn: sa.Connection) -> None:
    tables = [
        schema.tickets,
        schema.events,
        schema.organizations,
        schema.agents,
        schema.groups,
        schema.calendars,
        schema.articles,
        schema.ground_truth,
        schema.imports,
    ]
    schema.metadata.create_all(conn, tables=tables)


def _m0002_tracker(conn: sa.Connection) -> None:
    """The Weekly Escalations Tracker: problems and their weekly sightings."""
    schema.metadata.create_all(conn, tables=[schema.tracker_problems, schema.tracker_sightings])


MIGRATIONS: list[Migration] = [
    ("0001_initial", _m0001_initial),
    ("0002_tracker", _m0002_tracker),
]


def applied(conn: sa.Connection) -> list[str]:
    if not sa.inspect(conn).has_table("schema_migrations"):
        return []
    rows = conn.execute(sa.select(schema.schema_migrations.c.name))
    return sorted(row[0] for row in rows)


def migrate(conn: sa.Connection) -> list[str]:
    """Apply the migrations not yet applied, in order; return their names."""
    schema.metadata.create_all(conn, tables=[schema.schema_migrations])
    done = set(applied(conn))
    unknown = done - {name for name, _ in MIGRATIONS}
    if unknown:
        from supportops.errors import StoreError

        raise StoreError(
            f"the store was migrated by a newer supportops ({', '.join(sorted(unknown))}); "
            "upgrade supportops to use it"
        )
    ran = []
    for name, step in MIGRATIONS:
        if name in done:
            continue
        step(conn)
        conn.execute(
            schema.schema_migrations.insert().values(name=name, applied_at=datetime.now(UTC))
        )
        ran.append(name)
    return ran
