"""The Zendesk importer (``supportops import zendesk``) on hand-written fixtures and real samples.

Every expectation below is worked out by hand from the files in tests/data/zendesk/ (see the
README there); the comments say how.
"""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from supportops.errors import InputError, RowError
from supportops.importers import ImportOptions, run_import
from supportops.importers.zendesk import kind_of
from supportops.importers.zendesk_tables import RAILS_ZONES, week_windows
from supportops.store import Store
from supportops.store.db import FULL_EVENT_COLUMNS

DATA = Path(__file__).parent / "data" / "zendesk"
API, FIVETRAN, SAMPLE = DATA / "api", DATA / "fivetran", DATA / "fivetran_sample"
UTC_OPT = ImportOptions(timezone="UTC")
COLUMNS = FULL_EVENT_COLUMNS
A, CS, TK = "zendesk.audits", "zendesk.csat", "zendesk"
H, C = "zendesk.field_history", "zendesk.comments"


def counts(store: Store) -> dict[str, int]:
    s = store.status()
    return {
        k: s[k]
        for k in ("tickets", "events", "organizations", "agents", "groups", "calendars", "articles")
    }


def timeline(store: Store, ticket: str) -> list[tuple[Any, ...]]:
    """(at, kind, value, raw_value, action, number, actor, actor_role, public, body, origin)"""
    frame = store.load_events(COLUMNS).filter(ticket_id=ticket).drop("ticket_id", "seq")
    return [tuple(r) for r in frame.iter_rows()]


def rows(store: Store, table: str) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in store.load_table(table).to_dicts()}


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def m3(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def j1(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


# ----------------------------------------------------------------------------- API export
def test_api_export_round_trip(store: Store) -> None:
    result = run_import(store, "zendesk", [API])
    # 101: created + 21 audit events (A1: comment, status, priority, tag, group — the type
    # Create has no event kind; A2: tag, comment; A3: 3; A4: 4; A5: 2; A6: 2; A7: status and
    # two tags — the custom field is skipped) + 1 rating = 23. 102: created + B1 5 + B2 3 +
    # B3 1 + B4 2 (the notification is skipped) = 12. 103: created, status, merge = 3.
    assert result == {
        "organizations": 3,
        "agents": 2,
        "groups": 2,
        "calendars": 0,
        "tickets": 3,
        "articles": 2,
        "ground_truth": 0,
        "events": 38,
    }
    n = None
    assert timeline(store, "zendesk:101") == [
        (m3(2, 9), "created", n, n, n, n, "zendesk:9101", n, n, n, TK),
        # A1 lists the comment first, then the Create events, and keeps that order
        (
            m3(2, 9),
            "comment",
            n,
            n,
            n,
            n,
            "zendesk:9101",
            "customer",
            True,
            "SSO loop since this morning",
            A,
        ),
        (m3(2, 9), "status", "new", "new", n, n, "zendesk:9101", n, n, n, A),
        (m3(2, 9), "priority", "P3", "normal", n, n, "zendesk:9101", n, n, n, A),
        (m3(2, 9), "tag", "sso", n, "added", n, "zendesk:9101", n, n, n, A),
        (m3(2, 9), "group", "Support L1", "701", n, n, "zendesk:9101", n, n, n, A),
        # a trigger (via rule, author -1): no actor, a system comment
        (m3(2, 9, 5), "tag", "vip", n, "added", n, n, n, n, n, A),
        (m3(2, 9, 5), "comment", n, n, n, n, n, "system", True, "We received your request", A),
        (m3(2, 10, 30), "status", "open", "open", n, n, "zendesk:9001", n, n, n, A),
        (m3(2, 10, 30), "assignee", "zendesk:9001", "9001", n, n, "zendesk:9001", n, n, n, A),
        (
            m3(2, 10, 30),
            "comment",
            n,
            n,
            n,
            n,
            "zendesk:9001",
            "agent",
            False,
            "Checking SAML logs",
            A,
        ),
        (m3(2, 11), "priority", "P2", "high", n, n, "zendesk:9001", n, n, n, A),
        (m3(2, 11), "group", "Support L2", "702", n, n, "zendesk:9001", n, n, n, A),
        (m3(2, 11), "assignee", "zendesk:9002", "9002", n, n, "zendesk:9001", n, n, n, A),
        (m3(2, 11), "comment", n, n, n, n, "zendesk:9001", "agent", True, "Escalating to L2", A),
        (m3(3, 8), "status", "pending", "pending", n, n, "zendesk:9002", n, n, n, A),
        (m3(3, 8), "comment", n, n, n, n, "zendesk:9002", "agent", True, "Please try again now", A),
        (m3(3, 12), "status", "open", "open", n, n, "zendesk:9101", n, n, n, A),
        (
            m3(3, 12),
            "comment",
            n,
            n,
            n,
            n,
            "zendesk:9101",
            "customer",
            True,
            "Works now, thanks",
            A,
        ),
        (m3(4, 16), "status", "solved", "solved", n, n, "zendesk:9002", n, n, n, A),
        # tags [sso, vip] → [sso, fixed]
        (m3(4, 16), "tag", "fixed", n, "added", n, "zendesk:9002", n, n, n, A),
        (m3(4, 16), "tag", "vip", n, "removed", n, "zendesk:9002", n, n, n, A),
        (
            m3(4, 18),
            "csat",
            n,
            "good",
            n,
            5,
            "zendesk:9101",
            "customer",
            n,
            "Quick fix, thanks",
            CS,
        ),
    ]
    t102 = [
        (r[0], r[1], r[6], r[7], r[8]) for r in timeline(store, "zendesk:102") if r[1] == "comment"
    ]
    assert t102 == [
        # 9103 is not sideloaded but is the requester → customer
        (m3(5, 14), "comment", "zendesk:9103", "customer", True),
        # 9998 is unknown and not the requester → agent
        (m3(5, 15), "comment", "zendesk:9998", "agent", True),
        # 9997 is unknown and wrote through the API → system
        (m3(5, 16), "comment", "zendesk:9997", "system", False),
        # 9001 is a sideloaded admin → agent
        (m3(6, 10), "comment", "zendesk:9001", "agent", False),
    ]
    # 102 has audits, so no status from the ticket alone; its last audit status is hold
    statuses = [r[2:4] for r in timeline(store, "zendesk:102") if r[1] == "status"]
    assert statuses == [("new", "new"), ("open", "open"), ("on_hold", "hold")]
    # 103 has no audits: created, its status at updated_at, and a merge into 101, which
    # lists it in merged_ticket_ids
    assert timeline(store, "zendesk:103") == [
        (m3(7, 8, 30), "created", n, n, n, n, "zendesk:9102", n, n, n, TK),
        (m3(7, 9, 45), "status", "closed", "closed", n, n, n, n, n, n, TK),
        (m3(7, 9, 45), "merge", "zendesk:101", "101", n, n, n, n, n, n, TK),
    ]

    tickets = rows(store, "tickets")
    t = tickets["zendesk:101"]
    assert (t["external_id"], t["subject"], t["requester"], t["organization_id"]) == (
        "101",
        "Cannot log in after SSO change",
        "zendesk:9101",
        "zendesk:501",
    )
    assert (t["channel"], t["type"], t["priority"], t["status"]) == (
        "email",
        "incident",
        "P2",
        "solved",
    )
    assert (t["group_name"], t["assignee_id"]) == ("Support L2", "zendesk:9002")
    assert json.loads(t["tags"]) == ["sso", "fixed"]
    assert json.loads(t["raw"])["custom_fields"] == [{"id": 360001, "value": "login"}]
    assert t["created_at"] == m3(2, 9)
    t102, t103 = tickets["zendesk:102"], tickets["zendesk:103"]
    assert (t102["status"], t102["priority"], t102["channel"]) == ("on_hold", "P4", "web")
    # priority null → None; via native_messaging → chat
    assert (t103["priority"], t103["channel"], t103["group_name"]) == (None, "chat", None)

    orgs = rows(store, "organizations")
    # 501: organization field plan=Enterprise; 502: tag tier_business; 503: neither
    assert {k: v["tier"] for k, v in orgs.items()} == {
        "zendesk:501": "enterprise",
        "zendesk:502": "business",
        "zendesk:503": None,
    }
    assert orgs["zendesk:501"]["name"] == "Acme Corp"
    agents = rows(store, "agents")
    assert {k: (a["name"], a["role"], a["team"]) for k, a in agents.items()} == {
        "zendesk:9001": ("Alice Admin", "admin", "Support L1"),
        "zendesk:9002": ("Bob Agent", "agent", "Support L2"),
    }
    assert {k: g["name"] for k, g in rows(store, "groups").items()} == {
        "zendesk:701": "Support L1",
        "zendesk:702": "Support L2",
    }
    articles = rows(store, "articles")
    sso = articles["zendesk:360100"]
    assert (sso["title"], json.loads(sso["tags"])) == ("Resetting SSO", ["sso", "login"])
    # published = created_at; updated = edited_at (content), not updated_at
    assert sso["published_at"] == datetime(2026, 2, 1, 10, tzinfo=UTC)
    assert sso["updated_at"] == datetime(2026, 2, 10, 10, tzinfo=UTC)
    assert sso["url"] == "https://example.zendesk.com/hc/en-us/articles/360100-Resetting-SSO"
    assert articles["zendesk:360101"]["published_at"] is None  # a draft


def test_api_reimport_changes_nothing(store: Store) -> None:
    run_import(store, "zendesk", [API])
    before, first = store.load_events(COLUMNS).drop("seq"), counts(store)
    run_import(store, "zendesk", [API / "satisfaction_ratings.json", API])  # any order
    assert counts(store) == first
    assert store.load_events(COLUMNS).drop("seq").equals(before)


def test_ndjson_and_gzip_read_like_the_pages(tmp_path: Path, sqlite_url: str) -> None:
    page = json.loads((API / "tickets.json").read_text())
    audits = json.loads((API / "audits.json").read_text())["audits"]
    # groups first: the file is read in the phase of its first record (groups), in order
    people = page["groups"] + page["organizations"] + page["users"]
    write(tmp_path, "people.ndjson", "".join(json.dumps(o) + "\n" for o in people))
    with gzip.open(tmp_path / "tickets.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps({"ticket": t}) + "\n" for t in page["tickets"])
    # an API page per line works too
    write(
        tmp_path,
        "audits.ndjson",
        json.dumps({"audits": audits[:4]})
        + "\n"
        + "".join(json.dumps(a) + "\n" for a in audits[4:]),
    )
    shutil.copy(API / "satisfaction_ratings.json", tmp_path)
    shutil.copy(API / "articles.ndjson", tmp_path)
    with Store.open(str(tmp_path / "pages.db")) as pages, Store.open(sqlite_url) as lines:
        run_import(pages, "zendesk", [API])
        assert run_import(lines, "zendesk", [tmp_path]) == run_import(pages, "zendesk", [API])
        for table in ("tickets", "organizations", "agents", "groups", "articles"):
            assert lines.load_table(table).equals(pages.load_table(table)), table
        assert lines.load_events(COLUMNS).drop("seq").equals(pages.load_events(COLUMNS).drop("seq"))


def test_repeated_ticket_in_an_incremental_export(tmp_path: Path, sqlite_store: Store) -> None:
    base = {"id": 7, "requester_id": 1, "created_at": "2026-05-01T08:00:00Z"}
    newer = base | {"updated_at": "2026-05-01T12:00:00Z", "status": "solved"}
    older = base | {"updated_at": "2026-05-01T09:00:00Z", "status": "open"}
    write(tmp_path, "page1.json", json.dumps({"tickets": [newer]}))
    write(tmp_path, "page2.json", json.dumps({"tickets": [older]}))
    assert run_import(sqlite_store, "zendesk", [tmp_path])["tickets"] == 1
    # the copy updated last wins, whatever the page order; created only once
    assert [r[:4] for r in timeline(sqlite_store, "zendesk:7")] == [
        (datetime(2026, 5, 1, 8, tzinfo=UTC), "created", None, None),
        (datetime(2026, 5, 1, 12, tzinfo=UTC), "status", "solved", "solved"),
    ]
    assert sqlite_store.load_tickets()["status"].to_list() == ["solved"]


def test_merge_from_a_merge_audit(tmp_path: Path, sqlite_store: Store) -> None:
    tickets = [
        {
            "id": i,
            "requester_id": 1,
            "created_at": "2026-05-01T08:00:00Z",
            "updated_at": "2026-05-01T10:00:00Z",
            "status": s,
        }
        for i, s in ((5, "closed"), (6, "open"))
    ]
    merge_via = {"channel": "merge", "source": {"to": {"ticket_id": 6}, "from": {}, "rel": None}}
    audits = [
        {
            "id": 1,
            "ticket_id": 5,
            "created_at": "2026-05-01T10:00:00Z",
            "author_id": 2,
            "via": merge_via,
            "events": [
                {"type": "Comment", "body": "Closed and merged into #6", "public": False},
                {
                    "type": "Change",
                    "field_name": "status",
                    "value": "closed",
                    "previous_value": "open",
                },
            ],
        },
        # the surviving ticket's side of the merge: not closed, so no merge event
        {
            "id": 2,
            "ticket_id": 6,
            "created_at": "2026-05-01T10:00:00Z",
            "author_id": 2,
            "via": {"channel": "merge", "source": {"from": {"ticket_id": 5}}},
            "events": [
                {"type": "Comment", "body": "Request #5 was merged into this", "public": False}
            ],
        },
    ]
    write(tmp_path, "tickets.json", json.dumps({"tickets": tickets}))
    write(tmp_path, "audits.json", json.dumps({"audits": audits}))
    run_import(sqlite_store, "zendesk", [tmp_path])
    five = [(r[1], r[2], r[3], r[10]) for r in timeline(sqlite_store, "zendesk:5")]
    assert five == [
        ("created", None, None, TK),
        ("comment", None, None, A),
        ("status", "closed", "closed", A),
        ("merge", "zendesk:6", "6", A),
    ]
    six = [r[1] for r in timeline(sqlite_store, "zendesk:6")]
    assert six == ["created", "comment", "status"]  # open at updated_at, from the ticket


def test_kind_of_a_bare_object() -> None:
    assert kind_of({"id": 1, "requester_id": 2, "created_at": "x", "status": "open"}) == "ticket"
    assert kind_of({"id": 1, "ticket_id": 2, "events": []}) == "audit"
    assert kind_of({"id": 1, "ticket_id": 2, "score": "good"}) == "satisfaction_rating"
    assert kind_of({"id": 1, "name": "A", "email": None, "role": "end-user"}) == "user"
    assert kind_of({"id": 1, "name": "Acme", "domain_names": []}) == "organization"
    assert kind_of({"id": 1, "title": "T", "body": "b", "label_names": []}) == "article"
    assert kind_of({"id": 1, "name": "L1", "default": True, "deleted": False}) == "group"
    assert (
        kind_of(
            {"id": 1, "name": "x", "url": "https://a.zendesk.com/api/v2/groups/1.json", "extra": 1}
        )
        == "group"
    )
    assert kind_of({"id": 1, "name": "something else", "colour": "red"}) is None


# ----------------------------------------------------------------------------- Fivetran
def test_fivetran_folder_round_trip(store: Store) -> None:
    result = run_import(store, "zendesk", [FIVETRAN], UTC_OPT)
    # 2001: created + 11 history rows (the requester_id row is skipped) + 4 comments = 16;
    # 2002: created + 7 + 2 = 10; 2003: created + comment + status from the ticket = 3
    assert result == {
        "organizations": 2,
        "agents": 2,
        "groups": 2,
        "calendars": 1,
        "tickets": 3,
        "articles": 0,
        "ground_truth": 0,
        "events": 29,
    }
    n = None
    assert timeline(store, "zendesk:2001") == [
        (j1(12, 8), "created", n, n, n, n, "zendesk:8101", n, n, n, TK),
        (j1(12, 8), "status", "new", "new", n, n, "zendesk:8101", n, n, n, H),
        (j1(12, 8), "priority", "P3", "normal", n, n, "zendesk:8101", n, n, n, H),
        (j1(12, 8), "group", "Tier 1", "301", n, n, "zendesk:8101", n, n, n, H),
        (
            j1(12, 8),
            "comment",
            n,
            n,
            n,
            n,
            "zendesk:8101",
            "customer",
            True,
            "All API calls fail with 500",
            C,
        ),
        (j1(12, 8, 20), "assignee", "zendesk:8001", "8001", n, n, "zendesk:8001", n, n, n, H),
        (j1(12, 8, 20), "status", "open", "open", n, n, "zendesk:8001", n, n, n, H),
        (j1(12, 8, 20), "comment", n, n, n, n, "zendesk:8001", "agent", False, "Paging on-call", C),
        (j1(12, 9), "priority", "P1", "urgent", n, n, "zendesk:8001", n, n, n, H),
        (j1(12, 9), "group", "Tier 2", "302", n, n, "zendesk:8001", n, n, n, H),
        (j1(12, 9), "assignee", "zendesk:8002", "8002", n, n, "zendesk:8001", n, n, n, H),
        (
            j1(12, 9, 5),
            "comment",
            n,
            n,
            n,
            n,
            "zendesk:8002",
            "agent",
            True,
            "Fix deployed, please retry",
            C,
        ),
        (j1(13, 10), "status", "on_hold", "hold", n, n, "zendesk:8002", n, n, n, H),
        (
            j1(14, 8, 30),
            "comment",
            n,
            n,
            n,
            n,
            "zendesk:8101",
            "customer",
            True,
            "Confirmed fixed",
            C,
        ),
        (j1(14, 9), "status", "solved", "solved", n, n, "zendesk:8002", n, n, n, H),
        (j1(14, 17, 30), "status", "closed", "closed", n, n, n, n, n, n, H),
    ]
    t2002 = timeline(store, "zendesk:2002")
    # unassigned (an empty value) on 21 Jan 11:00; 8999 is no known user, not the requester
    assert (j1(21, 11), "assignee", n, n) in [r[:4] for r in t2002]
    assert [r[7] for r in t2002 if r[1] == "comment"] == ["customer", "agent"]
    assert timeline(store, "zendesk:2003") == [
        (datetime(2026, 2, 2, 9, tzinfo=UTC), "created", n, n, n, n, "zendesk:8103", n, n, n, TK),
        # 8103 is no known user but is the requester → customer
        (
            datetime(2026, 2, 2, 9, tzinfo=UTC),
            "comment",
            n,
            n,
            n,
            n,
            "zendesk:8103",
            "customer",
            True,
            "test please ignore",
            C,
        ),
        # no history for 2003: its status at updated_at; deleted → closed
        (
            datetime(2026, 2, 2, 9, 10, tzinfo=UTC),
            "status",
            "closed",
            "deleted",
            n,
            n,
            n,
            n,
            n,
            n,
            TK,
        ),
    ]
    tickets = rows(store, "tickets")
    t = tickets["zendesk:2001"]
    assert (t["priority"], t["status"], t["group_name"], t["assignee_id"]) == (
        "P1",
        "closed",
        "Tier 2",
        "zendesk:8002",
    )
    assert (t["channel"], t["type"], t["organization_id"]) == ("email", "problem", "zendesk:601")
    assert json.loads(t["tags"]) == ["outage", "api"]  # ticket_tag.csv, the repeat dropped
    assert json.loads(tickets["zendesk:2002"]["tags"]) == ["billing"]
    assert json.loads(tickets["zendesk:2003"]["tags"]) == []
    assert tickets["zendesk:2003"]["status"] == "closed"
    orgs = rows(store, "organizations")
    # organization_tag.csv: 601 has "enterprise", 602 has "tier_starter"
    assert {k: o["tier"] for k, o in orgs.items()} == {
        "zendesk:601": "enterprise",
        "zendesk:602": "starter",
    }
    assert orgs["zendesk:601"]["created_at"] == datetime(2025, 11, 3, 10, tzinfo=UTC)
    agents = rows(store, "agents")
    assert {k: (a["name"], a["role"]) for k, a in agents.items()} == {
        "zendesk:8001": ("Greta Agent", "agent"),
        "zendesk:8002": ("Hank Admin", "admin"),
    }
    cal = rows(store, "calendars")["zendesk:4001"]
    assert (cal["name"], cal["timezone"]) == ("EU hours", "Europe/Amsterdam")
    # minutes from Sunday 00:00: Monday 09:00 = 1440 + 540 = 1980, 17:00 = 1440 + 1020 =
    # 2460; Tuesday 2880 + 540 = 3420 … Friday 7200 + 1020 = 8220; Saturday 22:00 =
    # 6 × 1440 + 1320 = 9960 to 10080 = the end of the week (24:00). The deleted Sunday row
    # is skipped.
    assert json.loads(cal["windows"]) == [
        [0, "09:00", "17:00"],
        [1, "09:00", "17:00"],
        [2, "09:00", "17:00"],
        [3, "09:00", "17:00"],
        [4, "09:00", "17:00"],
        [5, "22:00", "24:00"],
    ]
    assert json.loads(cal["holidays"]) == [
        ["King's Day", "2026-04-27", "2026-04-27"],
        ["Christmas", "2026-12-25", "2026-12-26"],
    ]


def test_fivetran_reimport_changes_nothing(store: Store) -> None:
    run_import(store, "zendesk", [FIVETRAN], UTC_OPT)
    before, first = store.load_events(COLUMNS).drop("seq"), counts(store)
    # the files one by one, in reverse: read in dependency order all the same
    run_import(store, "zendesk", sorted(FIVETRAN.iterdir(), reverse=True), UTC_OPT)
    assert counts(store) == first
    assert store.load_events(COLUMNS).drop("seq").equals(before)


def test_fivetran_naive_times_need_a_timezone(sqlite_store: Store) -> None:
    run_import(sqlite_store, "zendesk", [API])
    before = counts(sqlite_store)
    with pytest.raises(RowError) as err:
        run_import(sqlite_store, "zendesk", [FIVETRAN])
    # organization.csv is the first table read that has a timestamp
    assert str(err.value) == (
        f"{FIVETRAN / 'organization.csv'}, line 2, field 'created_at': timestamp "
        "'2025-11-03 10:00:00' has no time zone; name the zone it was written in with "
        "--timezone (for example --timezone Europe/Berlin or --timezone UTC); Fivetran stores "
        "Zendesk times as UTC instants, so if your export wrote them in UTC pass --timezone UTC"
    )
    assert counts(sqlite_store) == before


def test_fivetran_times_in_the_named_zone(sqlite_store: Store) -> None:
    run_import(sqlite_store, "zendesk", [FIVETRAN], ImportOptions(timezone="America/New_York"))
    # 2026-01-12 08:00 in New York (EST, UTC−5) is 13:00 UTC
    tickets = rows(sqlite_store, "tickets")
    assert tickets["zendesk:2001"]["created_at"] == j1(12, 13)
    assert timeline(sqlite_store, "zendesk:2001")[-1][0] == j1(14, 22, 30)
    # schedules stay in their own zone
    assert rows(sqlite_store, "calendars")["zendesk:4001"]["timezone"] == "Europe/Amsterdam"


# ----------------------------------------------------------------------------- real samples
def test_sample_schedule(sqlite_store: Store) -> None:
    run_import(
        sqlite_store,
        "zendesk",
        [SAMPLE / "schedule_data.csv", SAMPLE / "schedule_holiday_data.csv"],
    )
    cal = rows(sqlite_store, "calendars")["zendesk:360000310393"]
    assert (cal["name"], cal["timezone"]) == ("SupportCA", "America/Los_Angeles")
    # Minutes from Sunday 00:00 (days: Sun 0, Mon 1440, Tue 2880, Wed 4320, Thu 5760,
    # Fri 7200): 1920 = 1440 + 480 → Monday 08:00, 2640 = 1440 + 1200 → 20:00;
    # 3360 = 2880 + 480 → Tuesday; 4800 = 4320 + 480 → Wednesday; 6240 = 5760 + 480 →
    # Thursday; 7680 = 7200 + 480 (5 days 8 h) → Friday 08:00, 8400 = 7200 + 1200 → 20:00.
    assert json.loads(cal["windows"]) == [[d, "08:00", "20:00"] for d in range(5)]
    # the sample holiday belongs to schedule 360000, which the sample does not have
    assert json.loads(cal["holidays"]) == []


def test_sample_tickets(sqlite_store: Store) -> None:
    names = [
        "ticket_data.csv",
        "user_data.csv",
        "group_data.csv",
        "organization_data.csv",
        "ticket_tag_data.csv",
    ]
    result = run_import(sqlite_store, "zendesk", [SAMPLE / n for n in names], UTC_OPT)
    # 10 tickets, none "new": a created and a status event each; user 1111 is the one agent
    assert result == {
        "organizations": 10,
        "agents": 1,
        "groups": 8,
        "calendars": 0,
        "tickets": 10,
        "articles": 0,
        "ground_truth": 0,
        "events": 20,
    }
    t = rows(sqlite_store, "tickets")["zendesk:11071"]
    assert (t["priority"], t["status"], t["requester"], t["assignee_id"]) == (
        "P1",
        "closed",
        "zendesk:2222",
        "zendesk:1111",
    )
    # group 360006965034 is not in group_data.csv: the scoped id stands in for the name
    assert t["group_name"] == "zendesk:360006965034"
    assert t["created_at"] == datetime(2020, 8, 28, 18, 6, 36, tzinfo=UTC)
    assert json.loads(t["tags"]) == []  # ticket_tag_data.csv names other tickets
    deleted = timeline(sqlite_store, "zendesk:1595")
    assert [r[:4] for r in deleted] == [
        (datetime(2020, 2, 19, 1, 54, 52, tzinfo=UTC), "created", None, None),
        (datetime(2020, 2, 19, 1, 55, 11, tzinfo=UTC), "status", "closed", "deleted"),
    ]
    # 1966 lists 1967 as merged into it, but 1967 is not in the import: no merge event
    assert "merge" not in store_kinds(sqlite_store)
    assert rows(sqlite_store, "agents")["zendesk:1111"]["name"] == "Arthur Agent"


def store_kinds(store: Store) -> set[str]:
    return set(store.load_events(("kind",))["kind"].to_list())


def test_sample_field_history_has_a_priority_zendesk_never_writes(sqlite_store: Store) -> None:
    with pytest.raises(RowError) as err:
        run_import(
            sqlite_store,
            "zendesk",
            [SAMPLE / "ticket_data.csv", SAMPLE / "ticket_field_history_data.csv"],
            UTC_OPT,
        )
    # line 10: "priority,11071,2020-09-30 11:01:27,…,medium"
    assert str(err.value) == (
        f"{SAMPLE / 'ticket_field_history_data.csv'}, line 10, field 'value': unknown Zendesk "
        "priority 'medium'; expected urgent, high, normal or low"
    )
    assert counts(sqlite_store)["tickets"] == 0


def test_sample_comments_name_unknown_tickets(sqlite_store: Store) -> None:
    with pytest.raises(RowError) as err:
        run_import(sqlite_store, "zendesk", [SAMPLE / "ticket_comment_data.csv"], UTC_OPT)
    # line 2 is a comment on ticket 1077, which neither the import nor the store has
    assert str(err.value) == (
        f"{SAMPLE / 'ticket_comment_data.csv'}, line 2: record for unknown ticket "
        "'zendesk:1077': import the ticket first, or in the same command"
    )


# ----------------------------------------------------------------------------- Airbyte
def test_airbyte_tables(tmp_path: Path, sqlite_store: Store) -> None:
    write(
        tmp_path,
        "tickets.csv",
        "id,created_at,updated_at,subject,status,priority,requester_id,submitter_id,"
        "assignee_id,group_id,organization_id,type,tags,via,custom_fields\n"
        "31,2026-04-01T10:00:00Z,2026-04-02T10:00:00Z,Refund please,solved,normal,7001,7001,"
        '7002,,,question,"[""refund"", ""billing""]","{""channel"": ""email""}",[]\n',
    )
    write(
        tmp_path,
        "users.csv",
        "id,name,email,role,created_at\n"
        "7002,Zoe Agent,zoe@example.com,agent,2025-01-01T00:00:00Z\n"
        "7001,Yan Customer,yan@example.com,end-user,2025-01-01T00:00:00Z\n",
    )
    write(
        tmp_path,
        "ticket_audits.csv",
        "id,ticket_id,created_at,author_id,via,events\n"
        '1,31,2026-04-01T10:00:00Z,7001,"{""channel"": ""email""}","[{""type"": ""Comment"", '
        '""body"": ""Refund please"", ""public"": true}, {""type"": ""Create"", '
        '""field_name"": ""status"", ""value"": ""new""}]"\n'
        '2,31,2026-04-02T10:00:00Z,7002,"{""channel"": ""web""}","[{""type"": ""Change"", '
        '""field_name"": ""status"", ""value"": ""solved"", ""previous_value"": ""new""}]"\n',
    )
    write(
        tmp_path,
        "ticket_comments.csv",
        "id,ticket_id,created_at,author_id,public,body\n"
        "11,31,2026-04-01T10:00:00Z,7001,true,Refund please\n"
        "12,31,2026-04-02T09:59:00Z,7002,false,Refund issued\n",
    )
    # offsets on every time: no --timezone needed
    result = run_import(sqlite_store, "zendesk", [tmp_path])
    assert (result["tickets"], result["agents"], result["events"]) == (1, 1, 5)
    a1, a2 = datetime(2026, 4, 1, 10, tzinfo=UTC), datetime(2026, 4, 2, 10, tzinfo=UTC)
    # with a comment table in the import the audits' comments are left out (no doubles)
    assert [
        (r[0], r[1], r[2], r[7], r[8], r[10]) for r in timeline(sqlite_store, "zendesk:31")
    ] == [
        (a1, "created", None, None, None, TK),
        (a1, "status", "new", None, None, A),
        (a1, "comment", None, "customer", True, C),
        (datetime(2026, 4, 2, 9, 59, tzinfo=UTC), "comment", None, "agent", False, C),
        (a2, "status", "solved", None, None, A),
    ]
    t = rows(sqlite_store, "tickets")["zendesk:31"]
    assert (json.loads(t["tags"]), t["channel"], t["priority"]) == (
        ["refund", "billing"],
        "email",
        "P3",
    )


# ----------------------------------------------------------------------------- bad input
T_HEAD = "id,created_at,status\n"


@pytest.mark.parametrize(
    ("name", "content", "where", "message"),
    [
        (
            "ticket.csv",
            "id,created_at,subject\n7,2026-01-12 08:00:00,a\n",
            "line 1, field 'status'",
            "missing column; the header has: id, created_at, subject",
        ),
        (
            "ticket_comment.csv",
            "ticket_id,user_id,public,body\n2001,8101,TRUE,hi\n",
            "line 1, field 'created'",
            "missing column (or created_at); the header has: ticket_id, user_id, public, body",
        ),
        (
            "ticket.csv",
            T_HEAD + "7,2026-01-12 08:00:00,open\n8,2026-13-01 08:00:00,open\n",
            "line 3, field 'created_at'",
            "'2026-13-01 08:00:00' is not an ISO 8601 timestamp; "
            "Zendesk writes ISO 8601 such as 2020-02-19T01:54:52Z",
        ),
        (
            "ticket.csv",
            T_HEAD + "7,2026-01-12 08:00:00,open\n8,2026-01-12 09:00:00\n",
            "line 3",
            "expected 3 fields, found 2; is the file truncated?",
        ),
        (
            "ticket.csv",
            T_HEAD + "7,2026-01-12 08:00:00,waiting\n",
            "line 2, field 'status'",
            "unknown Zendesk status 'waiting'; expected new, open, pending, hold, solved, closed "
            "or deleted",
        ),
        (
            "ticket.csv",
            T_HEAD.encode() + b"7,2026-01-12 08:00:00,open\n8,2026-01-12 \xff,open\n",
            "line 3",
            "bytes that are not UTF-8 (invalid start byte at byte 0xff); re-export the "
            "file as UTF-8",
        ),
        (
            "tickets.json",
            '{"tickets": [{"id": 1,\n',
            "line 2",
            "not valid JSON (Expecting property name enclosed in double quotes); is the file "
            "truncated?",
        ),
        (
            "tickets.json",
            b'{"tickets": [\n{"id": 1, "subject": "caf\xe9"}]}',
            "line 2",
            "bytes that are not UTF-8 (invalid continuation byte at byte 0xe9); re-export the "
            "file as UTF-8",
        ),
        (
            "tickets.ndjson",
            '{"id": 1, "requester_id": 2, "created_at": "2026-05-01T08:00:00Z"}'
            '\n{"id": 2, "requester_id"',
            "line 2",
            "not valid JSON (Expecting ':' delimiter); is the file truncated?",
        ),
        (
            "tickets.json",
            '{"tickets": [{"id": 1, "created_at": "2026-05-01T08:00:00Z"}, '
            '{"id": 2, "created_at": "2026-05-01T08:00:00Z", "priority": "critical"}]}',
            "ticket 2, field 'priority'",
            "unknown Zendesk priority 'critical'; expected urgent, high, normal or low",
        ),
        (
            "audits.json",
            '{"audits": [{"ticket_id": 1, "created_at": "2026-05-01T08:00:00Z", '
            '"events": [{"type": "Change", "field_name": "priority", "value": "p1"}]}]}',
            "audit 1, field 'events[0].value'",
            "unknown Zendesk priority 'p1'; expected urgent, high, normal or low",
        ),
        (
            "audits.json",
            '{"audits": [{"ticket_id": 999, "created_at": "2026-05-01T08:00:00Z", '
            '"events": [{"type": "Comment", "body": "x", "public": true}]}]}',
            "audit 1",
            "record for unknown ticket 'zendesk:999': import the ticket first, or in the same "
            "command",
        ),
        (
            "ticket_field_history.csv",
            "field_name,ticket_id,updated,user_id,value\nstatus,77,2026-01-12 08:00:00,,open\n",
            "line 2",
            "record for unknown ticket "
            "'zendesk:77': import the ticket first, or in the same command",
        ),
        (
            "things.ndjson",
            '{"id": 1, "colour": "red"}\n',
            "line 1",
            "cannot tell what this "
            "record is: give each line as a Zendesk API object (a ticket, audit, user …), as "
            '{"ticket": {...}}, or as an API page',
        ),
        (
            "schedule.csv",
            "id,name,time_zone,start_time,end_time\n1,X,Mars Standard Time,60,120\n",
            "line 2, field 'time_zone'",
            "unknown Zendesk time zone 'Mars Standard Time': use a "
            "Zendesk name such as 'Pacific Time (US & Canada)' or an IANA name such as "
            "Europe/Berlin",
        ),
        (
            "schedule.csv",
            "id,name,time_zone,start_time,end_time\n1,X,London,600,9.5\n",
            "line 2, field 'end_time'",
            "'9.5' is not a whole number",
        ),
        (
            "schedule_holiday.csv",
            "schedule_id,name,start_date,end_date\n1,X,2026-02-30,2026-03-01\n",
            "line 2, field 'start_date'",
            "'2026-02-30' is not a date (YYYY-MM-DD)",
        ),
    ],
)
def test_bad_input(
    tmp_path: Path,
    sqlite_store: Store,
    name: str,
    content: str | bytes,
    where: str,
    message: str,
) -> None:
    run_import(sqlite_store, "zendesk", [API])
    before = counts(sqlite_store)
    path = write(tmp_path, name, content)
    with pytest.raises(RowError) as err:
        run_import(sqlite_store, "zendesk", [path], UTC_OPT)
    assert str(err.value) == f"{path}, {where}: {message}"
    assert counts(sqlite_store) == before


def test_duplicate_ticket_rows_name_both_lines(tmp_path: Path, sqlite_store: Store) -> None:
    path = write(
        tmp_path,
        "ticket.csv",
        T_HEAD + "7,2026-01-12 08:00:00,open\n8,2026-01-12 08:00:00,open\n"
        "7,2026-01-13 08:00:00,solved\n",
    )
    with pytest.raises(RowError) as err:
        run_import(sqlite_store, "zendesk", [path], UTC_OPT)
    assert str(err.value) == (
        f"{path}, line 4, field 'id': ticket 7 is listed twice (first at {path}, line 2); keep "
        "one row per ticket"
    )
    assert counts(sqlite_store)["tickets"] == 0


def test_files_that_are_not_zendesk(tmp_path: Path, sqlite_store: Store) -> None:
    other = write(tmp_path, "brand_data.csv", "id,name\n1,x\n")
    with pytest.raises(InputError, match=r"brand_data\.csv: not a Zendesk file"):
        run_import(sqlite_store, "zendesk", [other])
    with pytest.raises(InputError, match="no Zendesk file found"):
        run_import(sqlite_store, "zendesk", [tmp_path])
    tags = write(tmp_path, "ticket_tag.csv", "tag,ticket_id\nvip,1\n")
    with pytest.raises(InputError, match="ticket tags are part of the ticket row"):
        run_import(sqlite_store, "zendesk", [tags])
    page = write(tmp_path, "export.json", '{"count": 1, "results": []}')
    with pytest.raises(RowError, match="not a Zendesk API page"):
        run_import(sqlite_store, "zendesk", [page])


# ----------------------------------------------------------------------------- helpers
def test_rails_zone_names_map_to_iana_zones() -> None:
    assert RAILS_ZONES["Pacific Time (US & Canada)"] == "America/Los_Angeles"
    assert RAILS_ZONES["Eastern Time (US & Canada)"] == "America/New_York"
    for name, iana in RAILS_ZONES.items():
        assert ZoneInfo(iana).key == iana, name


def test_week_windows_split_at_midnight() -> None:
    # a span over midnight, Monday 22:00 (1440 + 1320 = 2760) to Tuesday 02:00
    # (2880 + 120 = 3000), becomes two windows
    assert week_windows(2760, 3000) == [[0, "22:00", "24:00"], [1, "00:00", "02:00"]]
    assert week_windows(0, 60) == [[6, "00:00", "01:00"]]  # Sunday is weekday 6
