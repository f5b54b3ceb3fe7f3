"""The interchange importer (``supportops import supportops``) on hand-written fixtures."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from supportops.errors import InputError, RowError
from supportops.importers import ImportOptions, run_import
from supportops.store import Store

DATA = Path(__file__).parent / "data"

FIXTURE = DATA / "supportops"


def status_counts(store: Store) -> dict[str, int]:
    s = store.status()
    return {k: s[k] for k in ("tickets", "events", "organizations", "agents", "groups", "articles")}


def test_imports_every_table(store: Store) -> None:
    counts = run_import(store, "supportops", [FIXTURE])
    assert counts == {
        "tickets": 2,
        "events": 16,
        "organizations": 2,
        "agents": 3,
        "groups": 2,
        "calendars": 0,
        "articles": 1,
        "ground_truth": 0,
    }
    tickets = {r["id"]: r for r in store.load_tickets().to_dicts()}
    t = tickets["supportops:1001"]
    # 09:15 at UTC-05:00 is 14:15 UTC
    assert t["created_at"] == datetime(2026, 3, 2, 14, 15, tzinfo=UTC)
    assert t["subject"] == "Cannot log in after SSO change"
    assert t["organization_id"] == "supportops:acme"
    assert (t["priority"], t["status"], t["assignee_id"]) == ("P2", "solved", "supportops:a2")
    events = store.load_events().filter(ticket_id="supportops:1001")
    kinds = events["kind"].to_list()
    assert kinds == [
        "created",
        "status",
        "assignee",
        "comment",
        "status",
        "tier",
        "escalation",
        "comment",
        # 17:05+01:00 is 16:05 UTC: after the 16:00 note
        "status",
        "comment",
        "status",
        "escalation",
        "csat",
        "tag",
    ]
    assert events["at"][8] == datetime(2026, 3, 2, 16, 5, tzinfo=UTC)
    assert events["value"][2] == "supportops:a1"
    assert events["action"][6] == "raised"
    assert events["number"][12] == 5
    assert events["public"][7] is False
    orgs = {r["id"]: r for r in store.load_table("organizations").to_dicts()}
    assert orgs["supportops:acme"]["tier"] == "enterprise"  # lower-cased
    assert orgs["supportops:globex"]["mrr"] == 2400.5
    agents = {r["id"]: r for r in store.load_table("agents").to_dicts()}
    assert agents["supportops:a1"]["start_date"] == date(2024, 6, 10)
    assert json.loads(agents["supportops:a1"]["skills"]) == ["login", "billing"]
    assert agents["supportops:a1"]["manager_id"] == "supportops:lead"
    articles = store.load_table("articles").to_dicts()
    assert articles[0]["published_at"] == datetime(2026, 3, 10, 12, tzinfo=UTC)


def test_reimport_changes_nothing(store: Store) -> None:
    run_import(store, "supportops", [FIXTURE])
    before = store.load_events().drop("seq")
    run_import(store, "supportops", [FIXTURE / "tickets.csv", FIXTURE / "events.csv"])
    assert status_counts(store)["events"] == 16
    assert store.load_events().drop("seq").equals(before)


def test_jsonl_and_gzip_read_the_same(tmp_path: Path, sqlite_store: Store) -> None:
    import csv
    import gzip

    with (FIXTURE / "tickets.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    with gzip.open(tmp_path / "tickets.jsonl.gz", "wt", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps({k: v for k, v in row.items() if v}) + "\n")
    shutil.copy(FIXTURE / "organizations.csv", tmp_path)
    shutil.copy(FIXTURE / "agents.csv", tmp_path)
    counts = run_import(sqlite_store, "supportops", [tmp_path])
    assert counts["tickets"] == 2
    assert sqlite_store.load_tickets()["subject"].to_list() == [
        "Cannot log in after SSO change",
        "Invoice shows a duplicate charge",
    ]


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


HEADER = "id,created_at,subject\n"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "tickets.csv",
            "ident,created_at\n1,2026-01-01T00:00Z\n",
            "tickets.csv, line 1, field 'id': missing column; the header has: ident, created_at",
        ),
        (
            "tickets.csv",
            HEADER + "1,2026-01-01T00:00Z,a\n2,2026-13-01T00:00Z,b\n",
            "tickets.csv, line 3, field 'created_at': '2026-13-01T00:00Z' is not an ISO 8601 "
            "timestamp; write ISO 8601 such as 2026-03-01T09:30:00Z",
        ),
        (
            "tickets.csv",
            HEADER + "1,2026-01-01 09:00,a\n",
            "tickets.csv, line 2, field 'created_at': timestamp '2026-01-01 09:00' has no time "
            "zone; name the zone it was written in with --timezone (for example --timezone "
            "Europe/Berlin or --timezone UTC)",
        ),
        (
            "tickets.csv",
            HEADER + "1,2026-01-01T00:00Z,a\n2,2026-01-01T00:00Z,b\n1,2026-01-02T00:00Z,c\n",
            "tickets.csv, line 4, field 'id': duplicate ticket 'supportops:1': also on line 2",
        ),
        (
            "tickets.csv",
            HEADER + "1,2026-01-01T00:00Z,a\n2,2026-01-0",
            "tickets.csv, line 3: expected 3 fields, found 2; is the file truncated?",
        ),
        (
            "tickets.csv",
            HEADER + '1,2026-01-01T00:00Z,"unclosed\n',
            "tickets.csv, line 2: not valid CSV (unexpected end of data); is the file truncated?",
        ),
        (
            "tickets.csv",
            (HEADER + "1,2026-01-01T00:00Z,caf").encode() + b"\xe9\n",
            "tickets.csv, line 2: bytes that are not UTF-8 (invalid continuation byte at byte "
            "0xe9); re-export the file as UTF-8",
        ),
        (
            "tickets.csv",
            HEADER + "1,2026-01-01T00:00Z,a,P1\n",
            "tickets.csv, line 2: expected 3 fields, found 4",
        ),
        (
            "tickets.jsonl",
            '{"id": "1", "created_at": "2026-01-01T00:00Z"}\n{"id": "2", "created_',
            "tickets.jsonl, line 2: not valid JSON (Unterminated string starting at); "
            "is the file truncated?",
        ),
        (
            "tickets.csv",
            "id,created_at,priority\n1,2026-01-01T00:00Z,urgent\n",
            "tickets.csv, line 2, field 'priority': 'urgent' is not one of P1, P2, P3, P4, P5",
        ),
    ],
)
def test_bad_tickets_file(
    tmp_path: Path, store: Store, name: str, content: str | bytes, expected: str
) -> None:
    run_import(store, "supportops", [FIXTURE])
    before = status_counts(store)
    snapshot = store.load_events().drop("seq")
    path = write(tmp_path, name, content)
    with pytest.raises(RowError) as info:
        run_import(store, "supportops", [path])
    assert str(info.value) == f"{path}{expected.removeprefix(name)}"
    assert status_counts(store) == before
    assert store.load_events().drop("seq").equals(snapshot)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "ticket_id,at,kind\n1001,2026-03-05T00:00Z,created\n77,2026-03-05T00:00Z,created\n",
            "line 3: record for unknown ticket 'supportops:77': import the ticket first, "
            "or in the same command",
        ),
        (
            "ticket_id,at,kind\n1001,2026-03-05T00:00Z,meeting\n",
            "line 2, field 'kind': 'meeting' is not one of assignee, category, comment, created, "
            "csat, escalation, group, merge, priority, severity, status, tag, tier",
        ),
        (
            "ticket_id,at,kind,number\n1001,2026-03-05T00:00Z,csat,9\n",
            "line 2, field 'number': a CSAT answer needs a score from 1 to 5",
        ),
        (
            "ticket_id,at,kind,value,number\n1001,2026-03-05T00:00Z,csat,nps,11\n",
            "line 2, field 'number': a NPS answer needs a score from 0 to 10",
        ),
        (
            "ticket_id,at,kind,value,number\n1001,2026-03-05T00:00Z,csat,ces,0\n",
            "line 2, field 'number': a CES answer needs a score from 1 to 7",
        ),
        (
            "ticket_id,at,kind,value,number\n1001,2026-03-05T00:00Z,csat,happiness,3\n",
            "line 2, field 'value': 'happiness' is not one of ces, csat, nps",
        ),
        (
            "ticket_id,at,kind,value\n1001,2026-03-05T00:00Z,status,waiting\n",
            "line 2, field 'value': 'waiting' is not one of closed, new, on_hold, open, pending, "
            "solved",
        ),
        (
            "ticket_id,at,kind,value\n1001,2026-03-05T00:00Z,comment,\n"
            "1001,2026-03-05T00:00Z,comment,\n",
            "line 3: duplicate event: repeats line 2",
        ),
    ],
)
def test_bad_events_file(tmp_path: Path, store: Store, content: str, expected: str) -> None:
    run_import(store, "supportops", [FIXTURE])
    before = status_counts(store)
    path = write(tmp_path, "events.csv", content)
    with pytest.raises(RowError) as info:
        run_import(store, "supportops", [path])
    assert str(info.value) == f"{path}, {expected}"
    assert status_counts(store) == before


def test_naive_times_read_in_the_named_zone(tmp_path: Path, sqlite_store: Store) -> None:
    path = write(tmp_path, "tickets.csv", HEADER + "1,2026-07-01 09:00,a\n")
    run_import(sqlite_store, "supportops", [path], ImportOptions(timezone="Europe/Berlin"))
    # Berlin is UTC+2 in July
    assert sqlite_store.load_tickets()["created_at"].to_list() == [
        datetime(2026, 7, 1, 7, 0, tzinfo=UTC)
    ]


def test_unknown_zone_and_missing_files(tmp_path: Path, sqlite_store: Store) -> None:
    with pytest.raises(InputError, match="unknown time zone 'Mars/Base'"):
        run_import(sqlite_store, "supportops", [FIXTURE], ImportOptions(timezone="Mars/Base"))
    with pytest.raises(InputError, match="no such file or folder"):
        run_import(sqlite_store, "supportops", [tmp_path / "nope.csv"])
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InputError, match="no interchange table found"):
        run_import(sqlite_store, "supportops", [tmp_path / "notes.txt"])


# ----------------------------------------------------------------------------- fast path
def big_events(tmp_path: Path, extra: str = "") -> Path:
    """The fixture's tickets plus an events.csv large enough for the columnar path."""
    folder = tmp_path / "big"
    folder.mkdir()
    shutil.copy(FIXTURE / "tickets.csv", folder)
    shutil.copy(FIXTURE / "organizations.csv", folder)
    shutil.copy(FIXTURE / "agents.csv", folder)
    lines = (FIXTURE / "events.csv").read_text(encoding="utf-8").splitlines()
    out = [lines[0]]
    # the fixture's events 4,000 times over, each copy's comment bodies numbered so that no
    # row repeats another within its ticket
    for i in range(4000):
        for row in lines[1:]:
            cells = row.split(",")
            if cells[-1]:
                cells[-1] = f"{cells[-1]} ({i})"
            elif cells[2] not in ("created", "comment"):
                cells[1] = cells[1].replace(":00Z", f":{i % 60:02d}Z")
                cells[1] = cells[1].replace(":00+01:00", f":{i % 60:02d}+01:00")
            out.append(",".join(cells))
    path = folder / "events.csv"
    path.write_text("\n".join(out) + "\n" + extra, encoding="utf-8")
    return folder


def test_large_files_take_the_columnar_path_with_the_same_result(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from supportops.importers import interchange_fast

    folder = big_events(tmp_path)
    assert (folder / "events.csv").stat().st_size > interchange_fast.MIN_BYTES
    fast = interchange_fast.event_batches  # spy: the fast path must really be used
    used: list[bool] = []

    def spy(*args: object, **kw: object) -> object:
        result = fast(*args, **kw)  # type: ignore[arg-type]
        used.append(result is not None)
        return result

    monkeypatch.setattr("supportops.importers.interchange.event_batches", spy)
    counts = run_import(store, "supportops", [folder])
    assert used == [True]
    assert counts["events"] == 16 * 4000
    columnar = store.load_events().drop("seq")
    # the same file through the row-by-row reader, into a fresh copy of the data
    monkeypatch.setattr(interchange_fast, "MIN_BYTES", 1 << 40)
    used.clear()
    run_import(store, "supportops", [folder])
    assert used == [False]
    assert store.load_events().drop("seq").equals(columnar)
    assert store.status()["events"] == 16 * 4000


def test_columnar_path_names_the_line_of_an_unknown_ticket(tmp_path: Path, store: Store) -> None:
    folder = big_events(tmp_path, extra="9999,2026-03-05T00:00:00Z,created,,,,,,,,\n")
    lines = (folder / "events.csv").read_text(encoding="utf-8").count("\n")
    with pytest.raises(RowError) as info:
        run_import(store, "supportops", [folder])
    assert str(info.value) == (
        f"{folder / 'events.csv'}, line {lines}: record for unknown ticket 'supportops:9999': "
        "import the ticket first, or in the same command"
    )
    assert store.status()["events"] == 0


def test_columnar_path_falls_back_for_exact_errors(tmp_path: Path, store: Store) -> None:
    folder = big_events(tmp_path, extra="1001,2026-03-05T00:00:00Z,status,waiting,,,,,,,\n")
    lines = (folder / "events.csv").read_text(encoding="utf-8").count("\n")
    with pytest.raises(RowError) as info:
        run_import(store, "supportops", [folder])
    assert str(info.value).startswith(
        f"{folder / 'events.csv'}, line {lines}, field 'value': 'waiting' is not one of"
    )
    assert store.status()["events"] == 0


def test_surveys_on_their_own_scales(tmp_path: Path, sqlite_store: Store) -> None:
    """NPS answers are 0–10 and CES 1–7: both import as csat events named by their value."""
    run_import(sqlite_store, "supportops", [FIXTURE])
    path = write(
        tmp_path,
        "events.csv",
        "ticket_id,at,kind,value,number\n"
        "1001,2026-03-06T00:00Z,csat,nps,0\n"
        "1001,2026-03-06T00:01Z,csat,nps,10\n"
        "1001,2026-03-06T00:02Z,csat,ces,7\n"
        "1001,2026-03-06T00:03Z,csat,,5\n",
    )
    run_import(sqlite_store, "supportops", [path])
    got = (
        sqlite_store.load_events()
        .filter((pl.col("kind") == "csat") & (pl.col("at") >= datetime(2026, 3, 6, tzinfo=UTC)))
        .select("value", "number")
        .rows()
    )
    assert got == [("nps", 0), ("nps", 10), ("ces", 7), (None, 5)]
