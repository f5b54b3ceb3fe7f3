"""Shared fixtures: temporary stores on SQLite and PostgreSQL, a clean environment.

PostgreSQL tests use the server at ``SUPPORTOPS_TEST_PG_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``), each test in a schema of its own that is
dropped afterwards. Where no server answers they skip, saying how to enable them; with
``SUPPORTOPS_REQUIRE_PG=1`` (set by ``.ci/run``) an unreachable server fails them instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from supportops.store import Store

PG_URL = os.environ.get("SUPPORTOPS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
DATA = Path(__file__).parent / "data"


def _pg_unavailable() -> str | None:
    import psycopg

    try:
        with psycopg.connect(PG_URL, connect_timeout=3):
            return None
    except psycopg.OperationalError as exc:
        return str(exc).strip().splitlines()[0]


@pytest.fixture(scope="session")
def pg_server() -> str:
    problem = _pg_unavailable()
    if problem:
        message = (
            f"PostgreSQL is not reachable at {PG_URL} ({problem}). Start a server with trust auth "
            "and a database 'test', or set SUPPORTOPS_TEST_PG_URL, to run these tests."
        )
        if os.environ.get("SUPPORTOPS_REQUIRE_PG") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return PG_URL


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A database URL whose search_path is a fresh, empty schema."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    sep = "&" if "?" in pg_server else "?"
    yield f"{pg_server}{sep}options={quote(f'-csearch_path={name}')}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {name} CASCADE")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'supportops.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on both backends."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'supportops.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = Store.open(store_url)
    yield s
    s.close()


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[Store]:
    s = Store.open(sqlite_url)
    yield s
    s.close()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's settings or writes into the working directory."""
    for key in list(os.environ):
        if key.startswith("SUPPORTOPS_") and key not in (
            "SUPPORTOPS_TEST_PG_URL",
            "SUPPORTOPS_REQUIRE_PG",
        ):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.chdir(tmp_path)
