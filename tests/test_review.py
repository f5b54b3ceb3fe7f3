"""`supportops review` end to end: a hand-built store whose figures are worked out by hand,
then the demo org, whose figures are recounted here with plain SQL and Python.

Weeks are ISO weeks cut in the review time zone, America/New_York (EST, UTC-5, in November):
2026-W47 is Monday 16 to Sunday 22 November 2026, 2026-11-16T05:00Z to 2026-11-23T05:00Z.
Under the default policy a ticket escalates at the first of: an `escalation raised` event, a
tag `escalated`/`escalation` added, its severity raised after intake to SEV1/SEV2
(docs/review.md). The demo org (seed 7, 26 weeks to Sunday 2026-11-22) is generated once per
session, with one more ticket whose subject is a script and which escalates in 2026-W47;
tests that record in the tracker work on copies of it.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from supportops.cli import app
from supportops.demo import DemoSummary, generate_demo
from supportops.model import Event, Ticket
from supportops.policy import default_policy
from supportops.review import ReviewDocument, review
from supportops.store import Store
from supportops.tracker import Tracker

NY = ZoneInfo("America/New_York")
W47 = "2026-W47"
# The demo's last event is at 2026-11-23 03:10 UTC (Sunday 22:10 in New York), before W47
# ends (Monday 00:00 New York = 05:00 UTC): reviewing W47 reviews a partial week, and says so.
PARTIAL_W47 = (
    "note: the data ends 2026-11-23 03:10 UTC, before 2026-W47 does: this is a partial week"
)
runner = CliRunner()

#: The script ticket added to the demo: created Wednesday 18 Nov 10:00 New York time,
#: escalated Thursday 19 Nov 10:00.
SCRIPT_ID = "x:1"
SCRIPT_SUBJECT = "<script>alert(1)</script>"
SCRIPT_DESCRIPTION = '<img src=x onerror="alert(2)"> & the export page is blank'
#: How the subject reads once escaped: HTML entities (and, in Markdown, `(` and `)` escaped).
SCRIPT_HTML = "&lt;script&gt;alert(1)&lt;/script&gt;"
SCRIPT_MD = r"&lt;script&gt;alert\(1\)&lt;/script&gt;"


def ny(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A New York wall-clock time in 2026, as the UTC instant the store wants."""
    return datetime(2026, month, day, hour, minute, tzinfo=NY).astimezone(UTC)


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def one_line(text: str) -> str:
    return " ".join(text.split())


# ------------------------------------------------------------------ 1. a store worked by hand


@dataclass
class Hand:
    """One ticket of the hand-built store: its creation and its events (New York times)."""

    n: int
    created: datetime
    events: list[tuple[datetime, str, dict[str, Any]]] = field(default_factory=list)
    subject: str = "Export fails"

    @property
    def id(self) -> str:
        return f"h:{self.n}"

    def on(self, at: datetime, kind: str, **kw: Any) -> Hand:
        self.events.append((at, kind, kw))
        return self


def hand_tickets() -> list[Hand]:
    """W46 is 9–15 Nov, W47 16–22 Nov (New York)."""
    return [
        # 1: created Mon 16 10:00, raised 12:00, moved L1 -> L2 12:05: escalated and elevated
        Hand(1, ny(16, 10))
        .on(ny(16, 10), "tier", value="L1")
        .on(ny(16, 12), "escalation", action="raised", number=1, body="customer demands")
        .on(ny(16, 12, 5), "tier", value="L2"),
        # 2: L1 -> L2 on Tue 17: elevated, not escalated
        Hand(2, ny(17, 9)).on(ny(17, 9), "tier", value="L1").on(ny(17, 11), "tier", value="L2"),
        # 3: tag "Escalation" added Thu 19 (tags compare without case): escalated by tag
        Hand(3, ny(18, 14)).on(ny(19, 10), "tag", value="Escalation", action="added"),
        # 4: created Sun 22 23:30 (Mon 04:30 UTC): a W47 ticket; raised Mon 23 01:00, in W48
        Hand(4, ny(22, 23, 30)).on(ny(23, 1), "escalation", action="raised", number=1),
        # 5: filed as SEV1: routing, not an escalation
        Hand(5, ny(19, 9)).on(ny(19, 9), "severity", value="SEV1"),
        # 6: filed SEV3, raised to SEV2 on Fri 20 13:00: escalated by severity
        Hand(6, ny(20, 9))
        .on(ny(20, 9), "severity", value="SEV3")
        .on(ny(20, 13), "severity", value="SEV2"),
        # 7: created Sun 15 23:00 New York (Mon 16 04:00 UTC): a W46 ticket escalated in W47
        Hand(7, ny(15, 23)).on(ny(16, 10), "escalation", action="raised", number=1),
        # 8: escalated Wed 11 (W46); the tag added in W47 is not a second first escalation
        Hand(8, ny(10, 10))
        .on(ny(11, 10), "escalation", action="raised", number=1)
        .on(ny(17, 10), "tag", value="escalated", action="added"),
        # 9: L1 -> L3 on Thu 12: elevated in W46
        Hand(9, ny(12, 10)).on(ny(12, 10), "tier", value="L1").on(ny(12, 15), "tier", value="L3"),
        # 10: filed into L2: routing, not an elevation
        Hand(10, ny(13, 10)).on(ny(13, 10), "tier", value="L2"),
    ]


def write_hand_store(store: Store, tickets: list[Hand]) -> None:
    with store.writer("h") as w:
        for t in tickets:
            w.add(
                Ticket(
                    id=t.id,
                    source="h",
                    external_id=str(t.n),
                    created_at=t.created,
                    subject=t.subject,
                    description=f"Ticket {t.n}: the export of the monthly report fails.",
                    priority="P3",
                    status="open",
                )
            )
        for t in tickets:
            w.add(Event(ticket_id=t.id, at=t.created, kind="created", actor_role="customer"))
            w.add(Event(ticket_id=t.id, at=t.created, kind="status", value="open"))
            for at, kind, kw in t.events:
                w.add(Event(ticket_id=t.id, at=at, kind=kind, **kw))


@pytest.fixture
def hand_store(sqlite_store: Store) -> Store:
    write_hand_store(sqlite_store, hand_tickets())
    return sqlite_store


def test_a_week_worked_by_hand(hand_store: Store) -> None:
    doc = review(hand_store, default_policy(), week=W47, record=False)
    p = doc.period
    assert (p.label, p.first, p.last, p.timezone) == (
        W47,
        date(2026, 11, 16),
        date(2026, 11, 22),
        "America/New_York",
    )
    assert (p.start, p.end) == (datetime(2026, 11, 16, 5, tzinfo=UTC), ny(23, 0))
    s = doc.summary
    # created in W47 (New York dates 16–22): 1, 2, 3, 4, 5, 6
    assert s.created == 6
    # first escalated in W47: 1 (event), 3 (tag), 6 (severity), 7 (created in W46)
    assert s.escalated == 4
    assert {(e.ticket_id, e.via) for e in doc.escalations} == {
        ("h:1", "event"),
        ("h:3", "tag"),
        ("h:6", "severity"),
        ("h:7", "event"),
    }
    assert s.escalation_rate == pytest.approx(4 / 6)
    assert s.rating == "bad"  # 67 % > the 5 % warning rate
    # W46: created 7, 8, 9, 10; escalated 8
    assert s.escalation_rate_previous == pytest.approx(1 / 4)
    # elevated in W47: 1 and 2; only 2 without an escalation
    assert (s.elevated, s.elevated_without_escalation) == (2, 1)
    assert s.elevation_rate == pytest.approx(2 / 6)
    by_week = {w.week: (w.created, w.escalated, w.elevated) for w in doc.trend}
    assert by_week["2026-W46"] == (4, 1, 1)  # 9 went up to L3
    assert by_week[W47] == (6, 4, 2)
    assert sum(w.created for w in doc.trend) == 10
    assert s.escalation_rate_trend == pytest.approx(5 / 10)


# ------------------------------------------------------------------ 2. the demo org


@dataclass(frozen=True)
class DemoStore:
    path: Path
    summary: DemoSummary

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def copy(self, folder: Path) -> DemoStore:
        """A copy of the store (for the tests that write to the tracker)."""
        target = folder / "copy.db"
        with sqlite3.connect(self.path) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        src.close()
        dst.close()
        return DemoStore(target, self.summary)


def add_script_ticket(store: Store) -> None:
    created, raised = ny(18, 10), ny(19, 10)
    with store.writer("x") as w:
        w.add(
            Ticket(
                id=SCRIPT_ID,
                source="x",
                external_id="1",
                created_at=created,
                subject=SCRIPT_SUBJECT,
                description=SCRIPT_DESCRIPTION,
                priority="P2",
                status="open",
            )
        )
        w.add(Event(ticket_id=SCRIPT_ID, at=created, kind="created", actor_role="customer"))
        w.add(Event(ticket_id=SCRIPT_ID, at=created, kind="status", value="open"))
        w.add(Event(ticket_id=SCRIPT_ID, at=raised, kind="escalation", action="raised", number=1))


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoStore:
    path = tmp_path_factory.mktemp("review-demo") / "demo.db"
    with Store.open(f"sqlite:///{path}") as store:
        summary = generate_demo(store)  # seed 7, 26 weeks ending Sunday 2026-11-22
        add_script_ticket(store)
    return DemoStore(path, summary)


def _instant(us: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)


def _monday(instant: datetime) -> date:
    day = instant.astimezone(NY).date()
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Counts:
    """Per New York week (its Monday): tickets created, tickets first escalated."""

    created: Counter[date]
    escalated: Counter[date]
    first: dict[str, datetime]


def count_weeks(path: Path) -> Counts:
    """The default policy's escalations, recounted from the SQLite file with plain SQL: the
    first of an `escalation raised` event, a tag escalated/escalation added, or the severity
    raised after intake to SEV1/SEV2 (from nothing or a lower severity)."""
    with sqlite3.connect(path) as con:
        created = {t: _instant(at) for t, at in con.execute("SELECT id, created_at FROM tickets")}
        rows = con.execute(
            "SELECT ticket_id, at, kind, value, action FROM events "
            "WHERE kind IN ('escalation', 'tag', 'severity') ORDER BY ticket_id, at, id"
        ).fetchall()
    con.close()
    first: dict[str, datetime] = {}
    severity: dict[str, int | None] = {}
    for ticket, at_us, kind, value, action in rows:
        at = _instant(at_us)
        if kind == "escalation":
            hit = action == "raised"
        elif kind == "tag":
            hit = action == "added" and (value or "").lower() in ("escalated", "escalation")
        else:
            rank = int(value[3:]) if value and re.fullmatch(r"SEV[1-5]", value) else None
            before = severity.get(ticket)
            severity[ticket] = rank
            raised = rank is not None and (before is None or rank < before)
            hit = at > created[ticket] and value in ("SEV1", "SEV2") and raised
        if hit and ticket not in first:
            first[ticket] = at
    return Counts(
        Counter(_monday(at) for at in created.values()),
        Counter(_monday(at) for at in first.values()),
        first,
    )


@pytest.fixture(scope="session")
def counts(demo: DemoStore) -> Counts:
    return count_weeks(demo.path)


@pytest.fixture(scope="session")
def w47_json(demo: DemoStore) -> dict[str, Any]:
    """`supportops review --week 2026-W47 --format json --no-record` on the demo."""
    code, out, err = run(
        "--db", demo.url, "review", "--week", W47, "--format", "json", "--no-record"
    )
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def test_demo_json_has_the_documented_keys(w47_json: dict[str, Any], demo: DemoStore) -> None:
    with sqlite3.connect(demo.path) as con:
        ((last_us,),) = con.execute("SELECT max(at) FROM events").fetchall()
    con.close()
    latest = _instant(last_us)
    # docs/review.md and the schema: the document's top-level keys, in order
    assert list(w47_json) == [
        "schema",
        "period",
        "policy_source",
        "summary",
        "trend",
        "history",
        "articles_published",
        "breakdowns",
        "sla",
        "escalations",
        "problems",
        "quality",
        "at_risk",
        "kb_drafts",
        "tracker",
    ]
    assert w47_json["schema"] == "supportops.review/1"
    assert w47_json["policy_source"] == "built-in default"
    assert w47_json["period"] == {
        "label": W47,
        "first": "2026-11-16",
        "last": "2026-11-22",
        "timezone": "America/New_York",
        "start": "2026-11-16T05:00:00Z",
        "end": "2026-11-23T05:00:00Z",
        "as_of": latest.isoformat().replace("+00:00", "Z"),  # the data ends before the week
    }
    assert set(w47_json["breakdowns"]) == {
        "category",
        "customer_tier",
        "priority",
        "group",
        "tier",
        "agent",
    }
    assert len(w47_json["history"]) == 26
    assert w47_json["trend"] == w47_json["history"][-12:]
    assert w47_json["tracker"] == []  # --no-record on a store never recorded


def test_demo_rate_matches_an_independent_count(w47_json: dict[str, Any], counts: Counts) -> None:
    monday = date(2026, 11, 16)
    created, escalated = counts.created[monday], counts.escalated[monday]
    s = w47_json["summary"]
    assert (s["created"], s["escalated"]) == (created, escalated)
    assert s["escalation_rate"] == pytest.approx(escalated / created)
    previous = monday - timedelta(weeks=1)
    assert s["escalation_rate_previous"] == pytest.approx(
        counts.escalated[previous] / counts.created[previous]
    )
    week = {e["ticket_id"] for e in w47_json["escalations"]}
    start, end = ny(16, 0), ny(23, 0)
    assert week == {t for t, at in counts.first.items() if start <= at < end}
    assert SCRIPT_ID in week
    # every week of the history, too
    got = [(w["first"], w["created"], w["escalated"]) for w in w47_json["history"]]
    mondays = [monday - timedelta(weeks=i) for i in range(25, -1, -1)]
    assert got == [(m.isoformat(), counts.created[m], counts.escalated[m]) for m in mondays]


def test_demo_trend_falls_after_the_kb_articles(w47_json: dict[str, Any], demo: DemoStore) -> None:
    """The 12-week trend of 2026-W47 starts on 31 August, after most articles; the 26-week
    history the report charts spans both sides."""
    with sqlite3.connect(demo.path) as con:
        published = sorted(
            _instant(us)
            for (us,) in con.execute(
                "SELECT published_at FROM articles WHERE published_at IS NOT NULL"
            )
        )
    con.close()
    # the demo's articles come out in August and September 2026
    assert published[0] >= datetime(2026, 8, 1, tzinfo=UTC)
    assert published[-1] < datetime(2026, 10, 1, tzinfo=UTC)

    def pooled(weeks: list[dict[str, Any]]) -> float:
        return sum(w["escalated"] for w in weeks) / sum(w["created"] for w in weeks)

    def start(week: dict[str, Any]) -> datetime:
        return datetime.combine(date.fromisoformat(week["first"]), time(), NY)

    weeks = w47_json["history"]
    before = [w for w in weeks if start(w) + timedelta(days=7) <= published[0]]
    after = [w for w in weeks if start(w) >= published[-1]]
    assert len(before) >= 8
    assert len(after) >= 8
    # seed 000's story: about 2.7 % before the articles, about 1.4 % after
    assert pooled(before) > pooled(after)
    assert 0.02 < pooled(before) < 0.035
    assert 0.008 < pooled(after) < 0.02
    assert len(w47_json["articles_published"]) == len(published)


def test_demo_habitual_escalators_are_the_demos(w47_json: dict[str, Any], demo: DemoStore) -> None:
    habitual = [h["organization_id"] for h in w47_json["quality"]["habitual"]]
    assert habitual
    assert set(habitual) <= set(demo.summary.habitual_escalators)
    with sqlite3.connect(demo.path) as con:
        truth = {
            org
            for (org,) in con.execute(
                "SELECT id FROM organizations "
                "WHERE json_extract(raw, '$.demo_truth.habitual_escalator') = 1"
            )
        }
    con.close()
    assert truth == set(demo.summary.habitual_escalators)
    for h in w47_json["quality"]["habitual"]:
        assert h["q_value"] <= 0.05
        assert h["escalated"] >= 3
        assert h["ci_low"] > h["baseline"]


# ------------------------------------------------------------------ 3. the schema

SCHEMA_FILE = Path(__file__).parents[1] / "docs" / "review-schema.json"


def test_schema_output_is_the_committed_file() -> None:
    code, out, err = run("review", "--schema")
    assert code == 0, err
    assert out == SCHEMA_FILE.read_text(encoding="utf-8")
    expected = json.dumps(ReviewDocument.model_json_schema(by_alias=True), indent=2) + "\n"
    assert out == expected


def test_the_review_json_fits_the_schema(w47_json: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["additionalProperties"] is False
    assert set(w47_json) == set(schema["properties"])
    assert set(schema["required"]) <= set(w47_json)
    # jsonschema is not installed: validate with the models the schema is generated from
    doc = ReviewDocument.model_validate(w47_json)
    assert doc.to_dict() == w47_json


# ------------------------------------------------------------------ 4. the tracker over weeks


def truth_of(path: Path) -> dict[str, str]:
    """ticket id -> the demo's ground-truth problem (``none`` for one-offs)."""
    with sqlite3.connect(path) as con:
        out = dict(con.execute("SELECT ticket_id, problem_id FROM ground_truth").fetchall())
    con.close()
    return out


def tracker_rows(path: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as con:
        problems = con.execute("SELECT * FROM tracker_problems ORDER BY problem_id").fetchall()
        names = [d[0] for d in con.execute("SELECT * FROM tracker_problems LIMIT 0").description]
        sightings = con.execute(
            "SELECT * FROM tracker_sightings ORDER BY problem_id, week"
        ).fetchall()
    con.close()
    skip = names.index("updated_at")
    return [r[:skip] + r[skip + 1 :] for r in problems], sightings


def test_problem_ids_stay_across_weeks_and_rerunning_changes_nothing(
    demo: DemoStore, tmp_path: Path
) -> None:
    copy = demo.copy(tmp_path)
    policy = default_policy()
    weeks = ["2026-W43", "2026-W44", "2026-W45"]
    now = datetime(2026, 11, 25, 15, tzinfo=UTC)
    docs = {}
    with Store.open(copy.url) as store:
        for week in weeks:
            docs[week] = review(store, policy, week=week, now=now)
        history = Tracker(store).history()
    truth = truth_of(copy.path)

    # the demo's own labels say which sightings are the same problem
    ids_of: dict[str, set[str]] = {}
    weeks_of: dict[str, set[str]] = {}
    for pid, seen in history.items():
        for s in seen:
            for ticket in s.ticket_ids:
                if truth.get(ticket, "none") != "none":
                    ids_of.setdefault(truth[ticket], set()).add(pid)
                    weeks_of.setdefault(truth[ticket], set()).add(s.week)
    repeated = {t for t, w in weeks_of.items() if len(w) >= 2}
    assert repeated, weeks_of  # 2026-W43..W45 hold at least one problem seen twice
    for t in repeated:
        assert len(ids_of[t]) == 1, (t, ids_of[t])

    # each review's escalations carry the tracker ids
    for week, doc in docs.items():
        for e in doc.escalations:
            if e.problem_id is not None:
                assert e.problem_id.startswith("P-")
                assert week in {s.week for s in history[e.problem_id]}

    code, out, err = run("--db", copy.url, "tracker", "--format", "json")
    assert code == 0, err
    listed = {p["problem_id"]: p for p in json.loads(out)["problems"]}
    assert set(listed) == set(history)
    for t in repeated:
        (pid,) = ids_of[t]
        row = listed[pid]
        assert row["weeks_seen"] == len(weeks_of[t])
        assert (row["first_seen"], row["last_seen"]) == (min(weeks_of[t]), max(weeks_of[t]))
        assert row["status"] in ("recurring", "kb_drafted", "kb_published")
    code, out, _ = run("--db", copy.url, "tracker")
    assert code == 0
    for t in repeated:
        assert next(iter(ids_of[t])) in out

    # re-running the middle week, a week later: the same rows (only updated_at may move)
    before = tracker_rows(copy.path)
    assert before[0]
    assert before[1]
    with Store.open(copy.url) as store:
        again = review(store, policy, week="2026-W44", now=now + timedelta(days=7))
    assert tracker_rows(copy.path) == before
    assert [p.problem_id for p in again.problems] == [
        p.problem_id for p in docs["2026-W44"].problems
    ]


# ------------------------------------------------------------------ 5, 6. reports and files

EXTERNAL = re.compile(r"""(?:src|href|action|srcset)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


@dataclass(frozen=True)
class Reports:
    html: str  # what --format html printed
    folder: Path  # --out
    err: str


@pytest.fixture(scope="session")
def reports(demo: DemoStore, tmp_path_factory: pytest.TempPathFactory) -> Reports:
    """`review --week 2026-W47 --format html --out DIR --no-record` on the demo."""
    out = tmp_path_factory.mktemp("review-out")
    args = ["--db", demo.url, "review", "--week", W47, "--format", "html", "--out", str(out)]
    code, html, err = run(*args, "--no-record")
    assert code == 0, err
    return Reports(html, out, err)


def test_html_is_self_contained_and_escapes_ticket_text(reports: Reports) -> None:
    html = reports.html
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "<script" not in html.lower()  # no scripts at all, inline or fetched
    assert EXTERNAL.findall(html) == []
    assert "@import" not in html
    assert not re.search(r"url\(\s*['\"]?https?:", html)
    assert html.count("<svg") >= 2  # the charts are inline SVG
    assert SCRIPT_HTML in html
    assert "<img src=x" not in html


def test_markdown_escapes_ticket_text(demo: DemoStore, reports: Reports) -> None:
    code, md, err = run("--db", demo.url, "review", "--week", W47, "--format", "md", "--no-record")
    assert code == 0, err
    assert md.startswith("# Weekly escalation review 2026\\-W47\n")
    assert SCRIPT_MD in md  # in the table of the week's escalations
    # no HTML tag from ticket text anywhere, KB drafts (which quote tickets) included
    assert re.search(r"<[A-Za-z/!?]", md) is None
    assert (reports.folder / f"review-{W47}.md").read_text(encoding="utf-8") == md


def test_out_writes_the_reports_and_the_drafts(reports: Reports, w47_json: dict[str, Any]) -> None:
    folder = reports.folder
    assert (folder / f"review-{W47}.html").read_text(encoding="utf-8") == reports.html
    written = json.loads((folder / f"review-{W47}.json").read_text(encoding="utf-8"))
    assert written == w47_json
    drafts = sorted((folder / "kb-drafts").glob("*.md"))
    assert drafts, "2026-W47 has a repeat problem with no article: a draft"
    assert [d.stem for d in drafts] == sorted(w47_json["kb_drafts"])
    for d in drafts:
        text = d.read_text(encoding="utf-8")
        assert text.startswith("# DRAFT")
        assert re.search(r"<[A-Za-z/!?]", text) is None  # ticket text is quoted inert
    expected = {f"review-{W47}.{ext}" for ext in ("json", "md", "html")}
    assert {p.name for p in folder.iterdir() if p.is_file()} == expected
    assert one_line(reports.err) == f"{PARTIAL_W47} Wrote {3 + len(drafts)} files to {folder}"


# ------------------------------------------------------------------ 7. Slack

TOKEN = "r8XsecretHOOKv3Qp1"
HOOK_PATH = f"/services/T0TEAM9/B0HOOK9/{TOKEN}"


@dataclass
class Receiver:
    """A webhook on 127.0.0.1 that keeps what it receives and answers ``status``."""

    port: int
    status: int = 200
    body: str = "ok"
    bodies: list[bytes] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{HOOK_PATH}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        receiver = self.server.receiver
        receiver.paths.append(self.path)
        receiver.bodies.append(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        data = receiver.body.encode()
        self.send_response(receiver.status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: Receiver


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    server = _Server(("127.0.0.1", 0), _Handler)
    server.receiver = Receiver(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("SUPPORTOPS_SLACK_WEBHOOK_URL", server.receiver.url)
    yield server.receiver
    server.shutdown()
    server.server_close()
    thread.join(5)


def assert_secret_kept(*texts: str) -> None:
    for text in texts:
        assert TOKEN not in text
        assert "/services/" not in text


def test_slack_dry_run_then_post(
    demo: DemoStore,
    counts: Counts,
    tmp_path: Path,
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    copy = demo.copy(tmp_path)
    args = ["--db", copy.url, "review", "--week", W47, "--post", "slack"]
    code, out, err = run(*args, "--dry-run")
    assert code == 0, err
    assert receiver.bodies == []  # nothing posted
    payload = json.loads(out)
    assert isinstance(payload["blocks"], list)
    assert payload["blocks"]
    assert payload["blocks"][0]["type"] == "header"
    assert payload["text"].startswith(f"Weekly escalation review {W47}")
    monday = date(2026, 11, 16)
    assert f"{counts.escalated[monday]} of {counts.created[monday]} tickets" in payload["text"]
    assert_secret_kept(out, err)

    code, out, err = run(*args)  # the same week again: recorded the same way
    assert code == 0, err
    assert [json.loads(b) for b in receiver.bodies] == [payload]
    assert receiver.paths == [HOOK_PATH]
    assert one_line(err) == (
        f"{PARTIAL_W47} Posted the summary to Slack webhook http://127.0.0.1:{receiver.port}/…."
    )
    assert_secret_kept(out, err, *(r.getMessage() for r in caplog.records))


def test_a_failed_post_exits_1_and_the_review_is_recorded(
    demo: DemoStore, tmp_path: Path, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    receiver.status, receiver.body = 500, "internal error"
    copy = demo.copy(tmp_path)
    result = runner.invoke(
        app, ["--db", copy.url, "review", "--week", W47, "--post", "slack", "--format", "json"]
    )
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    out, err = result.stdout, result.stderr
    assert "Traceback" not in out + err
    assert one_line(err) == (
        f"{PARTIAL_W47} error: Slack webhook http://127.0.0.1:{receiver.port}/… answered HTTP "
        "500 internal error (after one retry): Slack is having trouble; try again later"
    )
    assert len(receiver.bodies) == 2  # one retry
    assert_secret_kept(out, err, *(r.getMessage() for r in caplog.records))
    doc = json.loads(out)  # the review was printed before posting
    with Store.open(copy.url) as store:
        history = Tracker(store).history()
    recorded = {pid for pid, seen in history.items() if any(s.week == W47 for s in seen)}
    assert recorded == {p["problem_id"] for p in doc["problems"] if p["count_period"] > 0}
    assert recorded


# ------------------------------------------------------------------ 8. bad input


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--week", "2026-W99"], "error: --week '2026-W99': 2026 has no week 99"),
        (["--week", "week 47"], "error: --week 'week 47': write an ISO week such as 2026-W47"),
        (["--since", "2026-11-16"], "error: --since and --until go together: give both dates"),
        (
            ["--since", "2026-11-22", "--until", "2026-11-16"],
            "error: --until 2026-11-16 is before --since 2026-11-22",
        ),
        (["--dry-run"], "error: --dry-run shows what --post would send: add --post slack"),
        # the hand store's first ticket is created 10 Nov, its last event is 23 Nov 01:00 NY
        (
            ["--week", "2027-W10"],
            "error: no data in 2027-W10: the store's tickets run from 2026-11-10 to 2026-11-23; "
            "choose a week in that range",
        ),
        (
            ["--week", "2026-W40"],
            "error: no data in 2026-W40: the store's tickets run from 2026-11-10 to 2026-11-23; "
            "choose a week in that range",
        ),
    ],
)
def test_bad_periods_exit_1_with_a_message(
    hand_store: Store, args: list[str], message: str
) -> None:
    code, out, err = run("--db", hand_store.url, "review", *args)
    assert code == 1
    assert out == ""
    assert one_line(err) == message


def test_reports_that_cannot_be_written_are_an_error(demo: DemoStore, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, out, err = run("--db", demo.url, "review", "--no-record", "--out", str(blocker))
    assert code == 1
    assert "Traceback" not in out + err
    assert one_line(err) == f"error: cannot write the reports to {blocker}: File exists"


def test_an_empty_store_says_to_run_the_demo(sqlite_store: Store, tmp_path: Path) -> None:
    code, out, err = run("--db", sqlite_store.url, "review")
    assert code == 1
    assert out == ""
    assert one_line(err) == (
        f"error: the store at {sqlite_store.display_url} has no tickets: run `supportops demo`, "
        "or `supportops import SOURCE PATH` to load yours"
    )
    code, out, err = run("--db", f"sqlite:///{tmp_path / 'missing.db'}", "review")
    assert code == 1
    assert one_line(err).startswith("error: no store at ")
    assert "run `supportops demo`" in one_line(err)
    assert not (tmp_path / "missing.db").exists()
