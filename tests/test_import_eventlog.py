"""The event-log importer (``supportops import eventlog --map …``) on hand-written logs.

tests/data/eventlog/bpi2013_sample.xes is three traces in the shape of the BPI Challenge 2013
(Volvo IT) incident log; bpi2013_sample.csv is the same 18 events as CSV, with the rows of two
cases split into non-contiguous runs. helpdesk.csv is a help desk's own activity log for the
shipped generic_csv map. Every expected event below is worked out by hand from those files.

Timelines are read back through SQLAlchemy (``Store.begin``) rather than ``load_events``: on
SQLite an ADBC read taken before a second import can return the pre-import rows afterwards,
which would make before/after comparisons pass whatever the import did.
"""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from supportops.errors import InputError, RowError
from supportops.importers import ImportOptions, run_import
from supportops.store import Store, schema

DATA = Path(__file__).parent / "data" / "eventlog"
XES = DATA / "bpi2013_sample.xes"
CSV = DATA / "bpi2013_sample.csv"
BPI = ImportOptions(mapping=Path("bpi2013"))
REPO = Path(__file__).parent.parent


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def timeline(store: Store) -> list[tuple[Any, ...]]:
    """Every event, ordered as the store orders timelines (ticket, at, seq)."""
    e = schema.events.c
    cols = [
        e.ticket_id,
        e.at,
        e.kind,
        e.value,
        e.raw_value,
        e.action,
        e.number,
        e.actor,
        e.actor_role,
        e.public,
        e.body,
        e.origin,
        e.raw,
    ]
    with store.begin() as conn:
        rows = conn.execute(sa.select(*cols).order_by(e.ticket_id, e.at, e.id)).all()
    return [tuple(r) for r in rows]


def tickets(store: Store) -> dict[str, dict[str, Any]]:
    with store.begin() as conn:
        rows = conn.execute(sa.select(schema.tickets)).mappings().all()
    return {r["id"]: dict(r) for r in rows}


def brief(store: Store, ticket: str) -> list[tuple[Any, ...]]:
    """(at, kind, value, raw_value, actor) of one ticket's events."""
    return [(r[1], r[2], r[3], r[4], r[7]) for r in timeline(store) if r[0] == ticket]


# --------------------------------------------------------------------- the BPI 2013 sample
T1, T2, T3 = "bpi2013:1-364285768", "bpi2013:1-467153946", "bpi2013:1-534812346"
FRED, ANNE, PEDRO, MARTA, KRZ = (
    f"bpi2013:{n}" for n in ("Frederic", "Anne", "Pedro", "Marta", "Krzysztof")
)
IN_PROGRESS = "Accepted/In Progress"
# Trace 1, April 2010 (CEST, +02:00). Event 2 repeats event 1 and gives nothing; event 3 is
# queued to "V5 3rd" (group and tier change, status stays open); event 4 is Anne accepting.
EXPECTED_T1 = [
    (utc(2010, 3, 31, 14, 59, 42), "created", None, None, FRED),
    (utc(2010, 3, 31, 14, 59, 42), "group", "V30", "V30", FRED),
    (utc(2010, 3, 31, 14, 59, 42), "assignee", FRED, "Frederic", FRED),
    (utc(2010, 3, 31, 14, 59, 42), "status", "open", IN_PROGRESS, FRED),
    (utc(2010, 3, 31, 14, 59, 42), "tier", "L1", "V30", FRED),
    (utc(2010, 3, 31, 14, 59, 42), "priority", "P3", "Medium", FRED),
    (utc(2010, 4, 6, 13, 59, 17), "group", "V5 3rd", "V5 3rd", FRED),
    (utc(2010, 4, 6, 13, 59, 17), "tier", "L3", "V5 3rd", FRED),
    (utc(2010, 4, 6, 14, 0, 10), "assignee", ANNE, "Anne", ANNE),
    (utc(2010, 4, 7, 7, 30), "status", "pending", "Accepted/Wait - User", ANNE),
    (utc(2010, 4, 8, 8, 0), "status", "open", IN_PROGRESS, ANNE),
    (utc(2010, 4, 9, 9, 15), "status", "solved", "Completed/Resolved", ANNE),
    (utc(2010, 4, 16, 9, 15, 5), "status", "closed", "Completed/Closed", ANNE),
]
# Trace 2, January 2012 (CET, +01:00): N26 (first line) → G96 2nd → "V13 2nd 3rd" (ends in
# 3rd: L3). Wait - Vendor puts it on hold; Wait - Implementation keeps it there (no event).
EXPECTED_T2 = [
    (utc(2012, 1, 16, 7, 5, 11), "created", None, None, PEDRO),
    (utc(2012, 1, 16, 7, 5, 11), "group", "N26", "N26", PEDRO),
    (utc(2012, 1, 16, 7, 5, 11), "assignee", PEDRO, "Pedro", PEDRO),
    (utc(2012, 1, 16, 7, 5, 11), "status", "open", IN_PROGRESS, PEDRO),
    (utc(2012, 1, 16, 7, 5, 11), "tier", "L1", "N26", PEDRO),
    (utc(2012, 1, 16, 7, 5, 11), "priority", "P2", "High", PEDRO),
    (utc(2012, 1, 16, 7, 20, 43), "group", "G96 2nd", "G96 2nd", PEDRO),
    (utc(2012, 1, 16, 7, 20, 43), "tier", "L2", "G96 2nd", PEDRO),
    (utc(2012, 1, 16, 8, 2), "assignee", MARTA, "Marta", MARTA),
    (utc(2012, 1, 16, 10, 40), "status", "on_hold", "Accepted/Wait - Vendor", MARTA),
    (utc(2012, 1, 18, 7, 0), "group", "V13 2nd 3rd", "V13 2nd 3rd", MARTA),
    (utc(2012, 1, 18, 7, 0), "status", "open", IN_PROGRESS, MARTA),
    (utc(2012, 1, 18, 7, 0), "tier", "L3", "V13 2nd 3rd", MARTA),
    (utc(2012, 1, 18, 14, 30), "status", "closed", "Completed/Closed", MARTA),
]
# Trace 3, May 2012 (+02:00): solved during the call; the Unmatched event (no resource)
# gives nothing.
EXPECTED_T3 = [
    (utc(2012, 5, 2, 8, 0), "created", None, None, KRZ),
    (utc(2012, 5, 2, 8, 0), "group", "S42", "S42", KRZ),
    (utc(2012, 5, 2, 8, 0), "assignee", KRZ, "Krzysztof", KRZ),
    (utc(2012, 5, 2, 8, 0), "status", "open", IN_PROGRESS, KRZ),
    (utc(2012, 5, 2, 8, 0), "tier", "L1", "S42", KRZ),
    (utc(2012, 5, 2, 8, 0), "priority", "P4", "Low", KRZ),
    (utc(2012, 5, 2, 8, 12, 30), "status", "solved", "Completed/In Call", KRZ),
]
COUNTS = {
    "tickets": 3,
    "events": 34,
    "organizations": 0,
    "agents": 0,
    "groups": 0,
    "calendars": 0,
    "articles": 0,
    "ground_truth": 0,
}


@pytest.mark.parametrize("log", [XES, CSV], ids=["xes", "csv"])
def test_bpi2013_sample(store: Store, log: Path) -> None:
    assert run_import(store, "eventlog", [log], BPI) == COUNTS
    assert brief(store, T1) == EXPECTED_T1
    assert brief(store, T2) == EXPECTED_T2
    assert brief(store, T3) == EXPECTED_T3
    assert {r[11] for r in timeline(store)} == {"bpi2013"}  # origin: the map's source
    t = tickets(store)
    assert sorted(t) == [T1, T2, T3]
    one, two, three = t[T1], t[T2], t[T3]
    assert (one["source"], one["external_id"]) == ("bpi2013", "1-364285768")
    assert one["created_at"] == utc(2010, 3, 31, 14, 59, 42)
    assert (one["status"], one["priority"], one["group_name"], one["assignee_id"]) == (
        "closed",
        "P3",
        "V5 3rd",
        ANNE,
    )
    assert one["product_area"] == "PROD582"
    # trace attributes (concept:name, the <int> variant-index) are the ticket's raw
    assert one["raw"] == {"case:concept:name": "1-364285768", "case:variant-index": "1"}
    assert (two["status"], two["priority"], two["group_name"], two["assignee_id"]) == (
        "closed",
        "P2",
        "V13 2nd 3rd",
        MARTA,
    )
    assert (three["status"], three["priority"], three["assignee_id"]) == ("solved", "P4", KRZ)


def test_event_raw_keeps_the_row(sqlite_store: Store) -> None:
    run_import(sqlite_store, "eventlog", [XES], BPI)
    first = timeline(sqlite_store)[0]
    assert first[12] == {
        "org:group": "V30",
        "resource country": "Brazil",
        "organization country": "br",
        "org:resource": "Frederic",
        "organization involved": "Org line A2",
        "org:role": "A2_4",
        "concept:name": "Accepted",
        "impact": "Medium",
        "product": "PROD582",
        "lifecycle:transition": "In Progress",
        "time:timestamp": "2010-03-31T16:59:42.000+02:00",
    }
    # the nested attribute under trace 1, event 3's org:role is not a column
    assert all("note" not in (r[12] or {}) for r in timeline(sqlite_store))


def test_xes_and_csv_give_identical_events(store: Store) -> None:
    run_import(store, "eventlog", [XES], BPI)
    from_xes, tickets_xes = timeline(store), tickets(store)
    # the same log as CSV replaces the XES import's events (same origin) with equal ones
    run_import(store, "eventlog", [CSV], BPI)
    assert timeline(store) == from_xes
    assert tickets(store) == tickets_xes
    assert store.status()["events"] == 34


def test_reimport_changes_nothing(store: Store) -> None:
    run_import(store, "eventlog", [XES], BPI)
    before = timeline(store), tickets(store)
    assert run_import(store, "eventlog", [XES], BPI) == COUNTS
    assert (timeline(store), tickets(store)) == before


def test_gzip_folder_and_the_map_file(tmp_path: Path, sqlite_store: Store) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    with gzip.open(folder / "sample.xes.gz", "wb") as out:
        out.write(XES.read_bytes())
    (folder / "README.txt").write_text("not a log")
    shipped = REPO / "src" / "supportops" / "importers" / "maps" / "bpi2013.yaml"
    counts = run_import(sqlite_store, "eventlog", [folder], ImportOptions(mapping=shipped))
    assert (counts["tickets"], counts["events"]) == (3, 34)
    assert brief(sqlite_store, T2) == EXPECTED_T2


# --------------------------------------------------------------------- the generic CSV map
HD = ImportOptions(mapping=Path("generic_csv"))


def test_generic_csv_map(sqlite_store: Store) -> None:
    run_import(sqlite_store, "eventlog", [DATA / "helpdesk.csv"], HD)
    e = [(r[1], r[2], r[3], r[4], r[5], r[7], r[8], r[9], r[10]) for r in timeline(sqlite_store)]
    dana, lee, omar = "helpdesk:dana", "helpdesk:lee", "helpdesk:omar"
    # naive times are read in the map's timezone (UTC); rows without an agent have no actor
    assert e[:17] == [
        (utc(2026, 3, 2, 9, 15), "created", None, None, None, None, None, None, None),
        (utc(2026, 3, 2, 9, 15), "group", "Service Desk", "Service Desk", *[None] * 5),
        (utc(2026, 3, 2, 9, 15), "status", "new", "Opened", *[None] * 5),
        (utc(2026, 3, 2, 9, 15), "tier", "L1", "Service Desk", *[None] * 5),
        (utc(2026, 3, 2, 9, 15), "priority", "P2", "High", *[None] * 5),
        (utc(2026, 3, 2, 9, 40), "assignee", dana, "dana", None, dana, None, None, None),
        (utc(2026, 3, 2, 9, 40), "status", "open", "Assigned", None, dana, None, None, None),
        (
            utc(2026, 3, 2, 10, 5),
            "status",
            "pending",
            "Waiting for Customer",
            None,
            dana,
            None,
            None,
            None,
        ),
        # two rules fire for one row: a status and a comment
        (utc(2026, 3, 2, 13, 20), "status", "open", "Customer Replied", *[None] * 5),
        (
            utc(2026, 3, 2, 13, 20),
            "comment",
            None,
            "Customer Replied",
            None,
            None,
            "customer",
            True,
            "Version 5.1, on Windows 11",
        ),
        (utc(2026, 3, 2, 14, 0), "group", "Network L2", "Network L2", None, dana, *[None] * 3),
        (
            utc(2026, 3, 2, 14, 0),
            "escalation",
            None,
            "Escalated",
            "raised",
            dana,
            None,
            None,
            "Drops line up with the hourly rekey",
        ),
        (utc(2026, 3, 2, 14, 0), "tier", "L2", "Network L2", None, dana, *[None] * 3),
        (utc(2026, 3, 2, 14, 0), "priority", "P1", "Urgent", None, dana, *[None] * 3),
        (utc(2026, 3, 3, 8, 30), "assignee", lee, "lee", None, lee, None, None, None),
        (
            utc(2026, 3, 3, 8, 30),
            "comment",
            None,
            "Note",
            None,
            lee,
            "agent",
            False,
            "Rekey interval fixed in the profile",
        ),
        (utc(2026, 3, 3, 9, 0), "status", "solved", "Resolved", None, lee, None, None, None),
    ]
    assert [x[1:4] for x in e[17:]] == [
        ("created", None, None),
        ("group", "Billing", "Billing"),
        ("status", "new", "Created"),
        ("tier", "L1", "Billing"),
        ("priority", "P3", "Normal"),
        ("assignee", omar, "omar"),
        ("status", "closed", "Closed"),
    ]
    t = tickets(sqlite_store)["helpdesk:4711"]
    assert (t["subject"], t["organization_id"], t["channel"]) == (
        "VPN drops every hour",
        "helpdesk:acme",
        "email",
    )
    assert (t["status"], t["priority"], t["group_name"], t["assignee_id"]) == (
        "solved",
        "P1",
        "Network L2",
        lee,
    )


def test_timezone_option_wins_over_the_map(sqlite_store: Store) -> None:
    options = ImportOptions(timezone="Europe/Berlin", mapping=Path("generic_csv"))
    run_import(sqlite_store, "eventlog", [DATA / "helpdesk.csv"], options)
    # 09:15 in Berlin in March (CET, +01:00) is 08:15 UTC
    assert tickets(sqlite_store)["helpdesk:4711"]["created_at"] == utc(2026, 3, 2, 8, 15)


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


MAP = """\
source: t
timestamp_format: "%d-%m-%Y %H:%M"
timezone: Europe/Amsterdam
assignee_events: false
columns: {case_id: case, activity: act, timestamp: ts, resource: who, group: team}
rules:
  - when: {act: Stop}
    emit: {kind: status, value: closed}
  - when: {team: {endswith: "2"}, who: {regex: "^b"}}
    emit: {kind: tier, value: L2}
"""


def test_map_options_sorting_and_runs(tmp_path: Path, sqlite_store: Store) -> None:
    # Case A's first run is out of order (sorted within the run); B comes in between.
    log = write(
        tmp_path,
        "log.csv",
        "case,act,ts,who,team\n"
        "A,Go,07-01-2013 09:30,bea,T2\n"
        "A,Start,07-01-2013 08:17,al,T1\n"
        "B,Start,07-01-2013 08:00,al,T1\n"
        "A,Stop,08-01-2013 10:00,al,T1\n",
    )
    mapping = write(tmp_path, "map.yaml", MAP)
    run_import(sqlite_store, "eventlog", [log], ImportOptions(mapping=mapping))
    # day-first times in Amsterdam (CET, +01:00); no assignee events (turned off); the tier
    # rule needs both conditions: only bea in T2 gets it
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in timeline(sqlite_store)] == [
        ("t:A", utc(2013, 1, 7, 7, 17), "created", None, None),
        ("t:A", utc(2013, 1, 7, 7, 17), "group", "T1", "T1"),
        ("t:A", utc(2013, 1, 7, 8, 30), "group", "T2", "T2"),
        ("t:A", utc(2013, 1, 7, 8, 30), "tier", "L2", "T2"),
        ("t:A", utc(2013, 1, 8, 9, 0), "group", "T1", "T1"),
        ("t:A", utc(2013, 1, 8, 9, 0), "status", "closed", "Stop"),
        ("t:B", utc(2013, 1, 7, 7, 0), "created", None, None),
        ("t:B", utc(2013, 1, 7, 7, 0), "group", "T1", "T1"),
    ]
    t = tickets(sqlite_store)["t:A"]
    assert (t["created_at"], t["status"], t["group_name"], t["assignee_id"]) == (
        utc(2013, 1, 7, 7, 17),
        "closed",
        "T1",
        None,
    )


# --------------------------------------------------------------------- bad input
def xes(*traces: str) -> str:
    """A log whose lines are numbered: line 1 the declaration, line 2 <log>, then one line
    per element given."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">\n'
        + "".join(t + "\n" for t in traces)
        + "</log>\n"
    )


def ev(activity: str, transition: str, ts: str | None) -> str:
    stamp = f'<date key="time:timestamp" value="{ts}"/>' if ts is not None else ""
    return (
        f'<event><string key="concept:name" value="{activity}"/><string '
        f'key="lifecycle:transition" value="{transition}"/>{stamp}</event>'
    )


OPEN1 = '<trace><string key="concept:name" value="1-1"/>'
OPEN2 = '<trace><string key="concept:name" value="1-2"/>'
GOOD = ev("Accepted", "In Progress", "2012-01-16T08:05:11+01:00")
HEADER = (
    "case:concept:name,concept:name,lifecycle:transition,time:timestamp,org:resource,"
    "org:group,product,impact\n"
)
ROW = "1-9,Accepted,In Progress,2012-01-16T08:05:11+01:00,Pedro,N26,PROD1,High\n"
NAIVE_HINT = (
    "has no time zone; name the zone it was written in with --timezone (for example "
    "--timezone Europe/Berlin or --timezone UTC), or with timezone: in the map"
)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "log.xes",
            xes(
                OPEN1,
                GOOD,
                "</trace>",
                OPEN2,
                GOOD,
                ev("Queued", "Awaiting Assignment", None),
                "</trace>",
            ),
            "trace 2, event 2, line 8, field 'time:timestamp': the event has no "
            "'time:timestamp' attribute, which the map names",
        ),
        (
            "log.xes",
            xes("<trace>", GOOD, "</trace>"),
            "trace 1, event 1, line 4, field 'case:concept:name': the trace has no "
            "'concept:name' attribute, which the map names",
        ),
        (
            "log.xes",
            xes(
                OPEN1, GOOD, ev("Accepted", "Wait - User", "2012-01-32T08:00:00+01:00"), "</trace>"
            ),
            "trace 1, event 2, line 5, field 'time:timestamp': '2012-01-32T08:00:00+01:00' is "
            "not an ISO 8601 timestamp; set timestamp_format in the map or fix the value",
        ),
        (
            "log.xes",
            xes(OPEN1, ev("Accepted", "In Progress", "2012-01-16T08:05:11"), "</trace>"),
            f"trace 1, event 1, line 4, field 'time:timestamp': timestamp "
            f"'2012-01-16T08:05:11' {NAIVE_HINT}",
        ),
        (
            "log.xes",
            xes(
                OPEN1, GOOD, '<event><string key="org:resource" value="ANDRE"/></event>', "</trace>"
            )
            .encode()
            .replace(b"ANDRE", b"Andr\xe9"),
            "line 5: bytes that are not UTF-8 (invalid continuation byte at byte 0xe9); "
            "re-export the file as UTF-8",
        ),
        (
            "log.xes",
            xes(OPEN1, GOOD).removesuffix("</log>\n"),
            "line 5: not valid XML (no element found); is the file truncated?",
        ),
        (
            "log.xes",
            xes(OPEN1, GOOD, "</trace>", GOOD),
            "line 6: an <event> outside any <trace>; XES keeps events in traces",
        ),
        (
            "log.xes",
            '<?xml version="1.0"?>\n<mxml><trace/></mxml>\n',
            "line 2: not an XES log: it starts with <mxml>",
        ),
        (
            "log.xes",
            '<?xml version="1.0"?>\n<!DOCTYPE log [<!ENTITY a "ha">]>\n<log>&a;</log>\n',
            "line 2: refused: EntitiesForbidden(name='a', system_id=None, public_id=None); XES "
            "logs declare no entities and load no files",
        ),
        (
            "log.csv",
            HEADER.replace(",impact", "") + ROW.removesuffix(",High\n") + "\n",
            "line 1, field 'impact': missing column; the header has: case:concept:name, "
            "concept:name, lifecycle:transition, time:timestamp, org:resource, org:group, product",
        ),
        (
            "log.csv",
            HEADER + ROW + "1-9,Queued,Awaiting Assignment,16/01/2012 09:00,Pedro,G96 2nd,,\n",
            "line 3, field 'time:timestamp': '16/01/2012 09:00' is not an ISO 8601 timestamp; "
            "set timestamp_format in the map or fix the value",
        ),
        (
            "log.csv",
            HEADER + ROW + "1-9,Queued,Awaiting Assignment,2012-01-16 09:00,Pedro,G96 2nd,,\n",
            f"line 3, field 'time:timestamp': timestamp '2012-01-16 09:00' {NAIVE_HINT}",
        ),
        (
            "log.csv",
            (HEADER + ROW).encode() + b"1-9,Accepted,In Progress,2012-01-16T09:00Z,Jos\xe9,,,\n",
            "line 3: bytes that are not UTF-8 (invalid continuation byte at byte 0xe9); "
            "re-export the file as UTF-8",
        ),
        (
            "log.csv",
            HEADER + ",Accepted,In Progress,2012-01-16T09:00Z,,,,\n",
            "line 2, field 'case:concept:name': the case id is empty; every event needs its case",
        ),
        (
            "log.csv",
            HEADER + ROW + "1-8,Accepted,In Progress,2012-01-16T09:00Z,,,,\n"
            "1-9,Completed,Closed,2012-01-16T08:00:00+01:00,,,,\n",
            "line 4, field 'time:timestamp': 2012-01-16 07:00:00 UTC is earlier than an event "
            "of case '1-9' read before (2012-01-16 07:05:11 UTC); sort the file by case and time",
        ),
    ],
    ids=[
        "xes-no-timestamp",
        "xes-no-case-id",
        "xes-bad-timestamp",
        "xes-naive-timestamp",
        "xes-not-utf8",
        "xes-truncated",
        "xes-event-outside-trace",
        "not-xes",
        "xes-entities",
        "csv-header-lacks-rule-column",
        "csv-bad-timestamp",
        "csv-naive-timestamp",
        "csv-not-utf8",
        "csv-empty-case-id",
        "csv-case-out-of-order",
    ],
)
def test_bad_log(
    tmp_path: Path, store: Store, name: str, content: str | bytes, expected: str
) -> None:
    run_import(store, "eventlog", [XES], BPI)
    before = timeline(store), tickets(store)
    path = write(tmp_path, name, content)
    with pytest.raises(RowError) as info:
        run_import(store, "eventlog", [path], BPI)
    assert str(info.value) == f"{path}, {expected}"
    assert (timeline(store), tickets(store)) == before


def test_needs_a_map(sqlite_store: Store) -> None:
    with pytest.raises(InputError) as info:
        run_import(sqlite_store, "eventlog", [XES])
    assert str(info.value) == (
        "the eventlog importer needs a map: pass --map FILE, a YAML file naming the case, "
        "activity and timestamp columns and the rules (or --map bpi2013 for the BPI Challenge "
        "2013 log); docs/importers/eventlog.md describes it"
    )
    with pytest.raises(
        InputError,
        match=r"^nomap\.yaml: no such map file; pass a YAML map, or "
        r"one of the built-in maps \(bpi2013, generic_csv\)",
    ):
        run_import(sqlite_store, "eventlog", [XES], ImportOptions(mapping=Path("nomap.yaml")))
    assert sqlite_store.status()["tickets"] == 0


BAD_MAP = """\
columns:
  case_id: case
  activity: act
  timestamps: ts
rules:
  - when: {act: Done}
    emit: {kind: resolution, value: solved}
  - when: {team: {regex: "("}}
    emit: {kind: status, value: waiting}
  - when: {act: {}}
    emit: {kind: escalation}
  - when: {group: L2}
    emit: {kind: tier, value: L2}
"""


def test_bad_map_lists_every_problem(tmp_path: Path, sqlite_store: Store) -> None:
    path = write(tmp_path, "map.yaml", BAD_MAP)
    with pytest.raises(InputError) as info:
        run_import(sqlite_store, "eventlog", [CSV], ImportOptions(mapping=path))
    assert not isinstance(info.value, RowError)
    assert str(info.value).splitlines() == [
        f"{path}, line 2: columns.timestamp: required key is missing",
        f"{path}, line 4: columns.timestamps: not a key of the map format "
        "(docs/importers/eventlog.md lists the keys)",
        f"{path}, line 7: rules.0.emit.kind: unknown event kind 'resolution': use one of "
        "status, priority, severity, category, assignee, group, tier, comment, escalation, "
        "csat, tag",
        f"{path}, line 8: rules.1.when.team.regex: not a valid regular expression (missing ), "
        "unterminated subpattern at position 0)",
        f"{path}, line 9: rules.1.emit: 'waiting' is not a status value: give value, one of "
        "new, open, pending, on_hold, solved, closed",
        f"{path}, line 10: rules.2.when.act: give a test: equals, in, regex, startswith or "
        "endswith",
        f"{path}, line 11: rules.2.emit: an escalation rule needs an action, one of raised, "
        "level_changed, cleared",
    ]
    # once the model is valid, a rule on a role the map does not map is reported too
    path.write_text(
        "columns: {case_id: case, activity: act, timestamp: ts}\n"
        "rules:\n"
        "  - when: {group: L2}\n"
        "    emit: {kind: tier, value: L2}\n"
    )
    with pytest.raises(InputError) as info:
        run_import(sqlite_store, "eventlog", [CSV], ImportOptions(mapping=path))
    assert str(info.value) == (
        f"{path}, line 3: rules.0.when.group: the map names no group column; set columns.group"
    )


def test_not_yaml_and_not_a_log(tmp_path: Path, sqlite_store: Store) -> None:
    path = write(tmp_path, "map.yaml", "columns: [case\n")
    with pytest.raises(InputError, match=r"map\.yaml, line 2: not valid YAML"):
        run_import(sqlite_store, "eventlog", [CSV], ImportOptions(mapping=path))
    notes = write(tmp_path, "notes.txt", "hello")
    with pytest.raises(InputError, match=r"notes\.txt: not an event log; name it \.xes, \.csv"):
        run_import(sqlite_store, "eventlog", [notes], BPI)


def test_docs_show_the_shipped_maps() -> None:
    doc = (REPO / "docs" / "importers" / "eventlog.md").read_text(encoding="utf-8")
    for name in ("bpi2013", "generic_csv"):
        shipped = REPO / "src" / "supportops" / "importers" / "maps" / f"{name}.yaml"
        assert f"```yaml\n{shipped.read_text(encoding='utf-8')}```" in doc


def test_gzipped_csv_and_a_cut_gzip(tmp_path: Path, sqlite_store: Store) -> None:
    gz = tmp_path / "log.csv.gz"
    with gzip.open(gz, "wb") as out:
        out.write(CSV.read_bytes())
    assert run_import(sqlite_store, "eventlog", [gz], BPI)["events"] == 34
    assert brief(sqlite_store, T1) == EXPECTED_T1
    cut = tmp_path / "cut.xes.gz"
    cut.write_bytes(gzip.compress(XES.read_bytes())[:-40])
    with pytest.raises(RowError) as info:
        run_import(sqlite_store, "eventlog", [cut], BPI)
    assert str(info.value) == (
        f"{cut}: cannot read on (Compressed file ended before the end-of-stream marker was "
        "reached); is the file complete?"
    )
    assert sqlite_store.status()["events"] == 34
