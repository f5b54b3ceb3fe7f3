"""The store: SQLite by default, PostgreSQL by URL."""

from supportops.store.db import DEFAULT_URL, Store, normalize_url, redact
from supportops.store.writer import Position, Writer

__all__ = ["DEFAULT_URL", "Position", "Store", "Writer", "normalize_url", "redact"]
