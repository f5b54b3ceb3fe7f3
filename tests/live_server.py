"""Helpers of the web and browser tests: a real uvicorn server on a free localhost port, in a
thread, for the duration of a ``with`` block; the demo store with a ticket whose text is a
script."""

from __future__ import annotations

import csv
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn


@contextmanager
def running(app: Any) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 and yield its base URL (``http://127.0.0.1:PORT``)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 60
            while not server.started:
                if not thread.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError("the test server did not start")
                time.sleep(0.02)
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=30)
    finally:
        sock.close()


#: A ticket whose text is a script: pages must show it as text and never run it.
SCRIPT_TICKET = "supportops:9001"
SCRIPT_SUBJECT = "<script>alert(1)</script>"
SCRIPT_DESCRIPTION = '<img src=x onerror="alert(2)"> & more'
SCRIPT_COMMENT = "<b>bold?</b><script>alert(3)</script>"
#: The instant the test apps measure at: Monday 2026-11-23 00:00 UTC (Sunday 19:00 in New York).
AS_OF = datetime(2026, 11, 23, tzinfo=UTC)


def build_demo_store(folder: Path, weeks: int = 16) -> str:
    """A SQLite store with the demo org and the script ticket; returns its URL."""
    from supportops.demo import generate_demo
    from supportops.store import Store

    url = f"sqlite:///{folder / 'demo.db'}"
    with Store.open(url) as store:
        generate_demo(store, weeks=weeks)
        add_script_ticket(store, folder / "script")
    return url


def add_script_ticket(store: Any, folder: Path) -> None:
    """Import the script ticket through the interchange importer: P2, no organization,
    created Friday 2026-11-20 10:30 New York time, a customer comment and no reply."""
    from supportops.importers import ImportOptions, run_import

    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "tickets.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "created_at", "subject", "description", "priority", "status", "group"])
        w.writerow(
            [
                "9001",
                "2026-11-20T15:30:00Z",
                SCRIPT_SUBJECT,
                SCRIPT_DESCRIPTION,
                "P2",
                "open",
                "<i>Support</i>",
            ]
        )
    with (folder / "events.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["ticket_id", "at", "kind", "value", "actor", "actor_role", "public", "body"])
        w.writerow(["9001", "2026-11-20T15:30:00Z", "created", "", "", "customer", "", ""])
        w.writerow(["9001", "2026-11-20T15:30:00Z", "status", "open", "", "", "", ""])
        w.writerow(
            ["9001", "2026-11-20T15:30:00Z", "comment", "", "", "customer", "true", SCRIPT_COMMENT]
        )
    run_import(store, "supportops", [folder], ImportOptions())


def sample_review() -> dict[str, Any]:
    """A review document in the shape of supportops.review.document (schema 1): twelve
    weeks of trend, categories (one named like a script), a problem, an account at risk."""
    rates = [0.06, 0.055, 0.05, 0.052, 0.045, 0.04, 0.042, 0.038, 0.035, 0.04, 0.05, 0.03]
    trend = [
        {
            "week": f"2026-W{36 + i}",
            "first": (date(2026, 8, 31) + timedelta(weeks=i)).isoformat(),
            "created": 100,
            "escalated": round(rate * 100),
            "escalation_rate": rate,
            "elevated": 9,
            "elevation_rate": 0.09,
        }
        for i, rate in enumerate(rates)
    ]
    categories = [("<script>x</script>", 10, 2), ("billing", 40, 1), ("login", 30, 1)]
    problem = {
        "problem_id": "P-1",
        "status": "open",
        "is_new": True,
        "label": "sso loop",
        "title": "SSO <login> loop",
        "keywords": ["sso", "loop"],
        "category": "login",
        "count_period": 2,
        "count_trend": 5,
        "count_history": 9,
        "first_seen": "2026-W40",
        "weeks_seen": 4,
        "examples": [SCRIPT_TICKET],
        "article": None,
        "draft": True,
    }
    signal = {
        "signal": "repeat",
        "description": "3 escalations in 30 days",
        "handoff": "CSM call",
        "urgency": "high",
        "evidence": [SCRIPT_TICKET],
        "detail": "3 in 30d",
    }
    return {
        "schema": "supportops.review/1",
        "period": {
            "label": "2026-W47",
            "first": "2026-11-16",
            "last": "2026-11-22",
            "timezone": "America/New_York",
            "start": "2026-11-16T05:00:00Z",
            "end": "2026-11-23T05:00:00Z",
            "as_of": "2026-11-23T00:00:00Z",
        },
        "policy_source": "built-in default",
        "summary": {
            "created": 100,
            "resolved": 95,
            "escalated": 3,
            "escalation_rate": 0.03,
            "escalation_rate_previous": 0.05,
            "escalation_rate_trend": 0.04,
            "target_rate": 0.02,
            "warning_rate": 0.04,
            "rating": "warning",
            "elevated": 9,
            "elevation_rate": 0.09,
            "elevated_without_escalation": 7,
            "ping_pong": 0,
            "bouncing": 1,
            "early": 1,
        },
        "trend": trend,
        "history": trend,
        "articles_published": [],
        "breakdowns": {
            "category": [
                {
                    "key": key,
                    "created": created,
                    "escalated": escalated,
                    "escalation_rate": escalated / created,
                    "elevated": 0,
                }
                for key, created, escalated in categories
            ]
        },
        "sla": {
            "tickets": 3,
            "first_response": {"met": 2, "breached": 1, "running": 0, "compliance": 2 / 3},
            "resolution": {"met": 1, "breached": 0, "running": 2, "compliance": 1.0},
        },
        "escalations": [],
        "problems": [problem],
        "quality": {
            "early": [],
            "habitual": [],
            "people": [],
            "aged_unescalated": [],
            "retrospective": {"ticket_ids": [], "sampled": False, "questions": []},
        },
        "at_risk": [
            {
                "organization_id": "demo:acme",
                "organization": "Acme & Co",
                "customer_tier": "enterprise",
                "mrr": 12000.0,
                "csm": "Dana",
                "signals": [signal],
            }
        ],
        "kb_drafts": {},
        "tracker": [
            {
                "problem_id": "P-1",
                "label": "sso loop",
                "status": "open",
                "owner": None,
                "weeks_seen": 4,
                "count_total": 9,
                "first_seen": "2026-W40",
                "last_seen": "2026-W47",
            }
        ],
    }
