"""The ServiceNow importer (``supportops import servicenow``) on real samples and hand-made files.

Every expected value below was read off the fixture rows by hand; the UTC instants were worked
out from the zone's offset on that day (noted beside each).
"""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from supportops.errors import RowError
from supportops.importers import ImportOptions, run_import
from supportops.importers.base import NaiveTimestamp, parse_instant
from supportops.importers.servicenow_map import Instants
from supportops.store import Store

DATA = Path(__file__).parent / "data" / "servicenow"
LOG = DATA / "incident_event_log_sample.csv"
TABLE = DATA / "incident_table_export_sample.csv"
HAND_LOG = DATA / "hand_event_log.csv"
HAND_TABLE = DATA / "hand_table_display.csv"
SN = "servicenow:"


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=UTC)


def timeline(store: Store, number: str) -> list[tuple[Any, ...]]:
    events = store.load_events().filter(pl.col("ticket_id") == SN + number)
    return [(e["at"], e["kind"], e["value"], e["raw_value"]) for e in events.to_dicts()]


def tickets(store: Store) -> dict[str, dict[str, Any]]:
    return {t["id"]: t for t in store.load_table("tickets").to_dicts()}


def counts(store: Store) -> dict[str, int]:
    s = store.status()
    return {k: s[k] for k in ("tickets", "events")}


# ----------------------------------------------------------------------------- event log
def test_event_log_sample(store: Store) -> None:
    result = run_import(store, "servicenow", [LOG], ImportOptions(timezone="Asia/Kolkata"))
    # tail -n +2 incident_event_log_sample.csv | cut -d, -f1 | sort -u | wc -l  ->  8
    assert result["tickets"] == 8
    assert counts(store)["tickets"] == 8
    # Kolkata is UTC+05:30 all year: 29/2/2016 01:16 there is 28/2 19:46 UTC.
    assert timeline(store, "INC0000045") == [
        # line 2, sys_mod_count 0: the values it was opened with, at opened_at
        (at(2016, 2, 28, 19, 46), "created", None, None),
        (at(2016, 2, 28, 19, 46), "status", "new", "New"),
        (at(2016, 2, 28, 19, 46), "priority", "P3", "3 - Moderate"),
        (at(2016, 2, 28, 19, 46), "group", "Group 56", "Group 56"),
        (at(2016, 2, 28, 19, 46), "category", "Category 55", "Category 55"),
        # line 3: Resolved at 29/2/2016 08:53; line 4 changes nothing we track
        (at(2016, 2, 29, 3, 23), "status", "solved", "Resolved"),
        # line 5: Closed at 5/3/2016 12:00
        (at(2016, 3, 5, 6, 30), "status", "closed", "Closed"),
    ]
    assert timeline(store, "INC0000047") == [
        (at(2016, 2, 28, 23, 10), "created", None, None),  # opened 29/2 04:40
        (at(2016, 2, 28, 23, 10), "status", "new", "New"),
        (at(2016, 2, 28, 23, 10), "priority", "P3", "3 - Moderate"),
        (at(2016, 2, 28, 23, 10), "group", "Group 70", "Group 70"),
        (at(2016, 2, 28, 23, 10), "assignee", SN + "Resolver 89", "Resolver 89"),
        (at(2016, 2, 28, 23, 10), "category", "Category 40", "Category 40"),
        (at(2016, 2, 29, 0, 0), "status", "open", "Active"),  # line 7, 29/2 05:30
        (at(2016, 2, 29, 0, 0), "group", "Group 24", "Group 24"),
        (at(2016, 2, 29, 0, 0), "assignee", SN + "Resolver 31", "Resolver 31"),
        (at(2016, 3, 1, 3, 44), "status", "pending", "Awaiting User Info"),  # line 12
        (at(2016, 3, 1, 3, 44), "assignee", SN + "Resolver 89", "Resolver 89"),
        (at(2016, 3, 1, 4, 22), "status", "solved", "Resolved"),  # line 13, 1/3 09:52
        (at(2016, 3, 6, 4, 30), "status", "closed", "Closed"),  # line 14, 6/3 10:00
    ]
    # INC0000065 (lines 51-61) moves between groups 7 times and ends Awaiting User Info
    inc65 = timeline(store, "INC0000065")
    assert [e[2] for e in inc65 if e[1] == "group"] == [
        "Group 5",
        "Group 70",
        "Group 15",
        "Group 70",
        "Group 12",
        "Group 15",
        "Group 33",
    ]
    assert [e[2] for e in inc65 if e[1] == "category"] == ["Category 44", "Category 45"]
    assert inc65[-1] == (at(2016, 3, 2, 9, 47), "status", "pending", "Awaiting User Info")

    t = tickets(store)[SN + "INC0000045"]
    assert (t["source"], t["external_id"]) == ("servicenow", "INC0000045")
    assert t["created_at"] == at(2016, 2, 28, 19, 46)
    assert (t["requester"], t["channel"], t["category"], t["product_area"]) == (
        "Caller 2403",
        "phone",
        "Category 55",
        "Subcategory 170",
    )
    assert (t["priority"], t["status"], t["group_name"], t["assignee_id"]) == (
        "P3",
        "closed",
        "Group 56",
        None,
    )
    raw = json.loads(t["raw"])  # the last row, line 5
    assert raw["made_sla"] is True
    assert (raw["reassignment_count"], raw["reopen_count"], raw["sys_mod_count"]) == (0, 0, 4)
    assert (raw["knowledge"], raw["active"], raw["problem_id"], raw["cmdb_ci"]) == (
        True,
        False,
        None,
        None,
    )
    assert (raw["impact"], raw["urgency"], raw["closed_code"]) == (
        "2 - Medium",
        "2 - Medium",
        "code 5",
    )
    assert (raw["resolved_by"], raw["resolved_at"], raw["closed_at"]) == (
        "Resolved by 149",
        "29/2/2016 11:29",
        "5/3/2016 12:00",
    )
    assert raw["u_symptom"] == "Symptom 72"
    assert tickets(store)[SN + "INC0000047"]["assignee_id"] == SN + "Resolver 89"
    assert tickets(store)[SN + "INC0000065"]["status"] == "pending"


def test_event_raw_holds_the_changed_fields(sqlite_store: Store) -> None:
    run_import(sqlite_store, "servicenow", [LOG], ImportOptions(timezone="UTC"))
    events = sqlite_store.load_table("events").filter(pl.col("ticket_id") == SN + "INC0000047")
    raws = [json.loads(r) if r else None for r in events.sort("id")["raw"].to_list()]
    assert raws[0] is None  # created
    assert raws[1] == {"sys_mod_count": 0, "sys_updated_by": "Updated by 746"}
    # line 7 against line 6
    assert raws[6] == {
        "sys_mod_count": 1,
        "sys_updated_by": "Updated by 21",
        "incident_state": "Active",
        "reassignment_count": "1",
        "sys_updated_at": "29/2/2016 05:30",
        "assignment_group": "Group 24",
        "assigned_to": "Resolver 31",
    }


def test_hand_log_reopen_reappear_and_dst(sqlite_store: Store) -> None:
    tz = ImportOptions(timezone="America/New_York")  # EST (-5) until 13/3/2016 02:00, then EDT
    run_import(sqlite_store, "servicenow", [HAND_LOG], tz)
    assert timeline(sqlite_store, "INC9000001") == [
        (at(2016, 3, 12, 14, 0), "created", None, None),
        (at(2016, 3, 12, 14, 0), "status", "new", "New"),  # line 2
        (at(2016, 3, 12, 14, 0), "priority", "P2", "2 - High"),
        (at(2016, 3, 12, 14, 0), "group", "Service Desk", "Service Desk"),
        (at(2016, 3, 12, 14, 0), "category", "Network", "Network"),
        (at(2016, 3, 12, 14, 30), "status", "open", "Active"),  # line 4 (sys_mod_count 1)
        (at(2016, 3, 12, 14, 30), "group", "Network Ops", "Network Ops"),
        (at(2016, 3, 12, 14, 30), "assignee", SN + "Agent 7", "Agent 7"),
        (at(2016, 3, 13, 14, 0), "status", "on_hold", "Awaiting Vendor"),  # line 3, EDT
        (at(2016, 3, 13, 14, 0), "priority", "P1", "1 - Critical"),
        (at(2016, 3, 14, 16, 0), "status", "solved", "Resolved"),  # line 9: back again
        (at(2016, 3, 15, 12, 0), "status", "open", "Active"),  # line 10: reopened
        (at(2016, 3, 15, 12, 0), "category", "Hardware", "Hardware"),
        (at(2016, 3, 15, 21, 45), "status", "solved", "Resolved"),  # line 11
        (at(2016, 3, 15, 21, 45), "assignee", None, None),  # assigned_to became ?
        (at(2016, 3, 20, 22, 0), "status", "closed", "Closed"),  # line 12
    ]
    assert timeline(sqlite_store, "INC9000002") == [
        (at(2016, 3, 13, 6, 30), "created", None, None),  # 01:30 EST
        (at(2016, 3, 13, 6, 30), "status", "new", "New"),
        (at(2016, 3, 13, 6, 30), "priority", "P4", "4 - Low"),
        (at(2016, 3, 13, 6, 30), "group", "Service Desk", "Service Desk"),
        (at(2016, 3, 13, 6, 30), "category", "Software", "Software"),
        (at(2016, 3, 13, 7, 15), "status", "open", "Pending Change"),  # 03:15 EDT, unknown word
        (at(2016, 3, 13, 8, 0), "status", "solved", "Resolved"),
        # line 8: reopen_count went up while the state stayed Resolved: reopened and
        # resolved again between the two updates
        (at(2016, 3, 14, 13, 0), "status", "open", None),
        (at(2016, 3, 14, 13, 0), "status", "solved", "Resolved"),
    ]
    t = tickets(sqlite_store)
    one, two = t[SN + "INC9000001"], t[SN + "INC9000002"]
    assert (one["status"], one["priority"], one["category"], one["assignee_id"]) == (
        "closed",
        "P1",
        "Hardware",
        None,
    )
    assert (one["group_name"], one["channel"], one["product_area"]) == (
        "Network Ops",
        "email",
        "VPN",
    )
    raw = json.loads(one["raw"])  # line 12, the last one read
    assert (raw["made_sla"], raw["reopen_count"], raw["sys_mod_count"]) == (False, 1, 6)
    assert (two["status"], two["channel"], two["requester"]) == (
        "solved",
        "self-service",
        "Caller 2",
    )


def test_log_split_over_two_files_reads_as_one(tmp_path: Path, sqlite_store: Store) -> None:
    lines = LOG.read_text(encoding="utf-8").splitlines(keepends=True)
    # INC0000065 runs over lines 51-61: cut it after line 55
    (tmp_path / "a.csv").write_text("".join(lines[:55]), encoding="utf-8")
    (tmp_path / "b.csv").write_text(lines[0] + "".join(lines[55:]), encoding="utf-8")
    options = ImportOptions(timezone="UTC")
    run_import(sqlite_store, "servicenow", [LOG], options)
    whole = sqlite_store.load_events().drop("seq")
    sqlite_store.clear()
    run_import(sqlite_store, "servicenow", [tmp_path / "a.csv", tmp_path / "b.csv"], options)
    assert sqlite_store.load_events().drop("seq").equals(whole)
    assert counts(sqlite_store)["tickets"] == 8


def test_reimport_is_idempotent(store: Store, tmp_path: Path) -> None:
    gz = tmp_path / "log.csv.gz"
    with gzip.open(gz, "wb") as out:
        out.write(LOG.read_bytes())
    options = ImportOptions(timezone="Europe/Lisbon")
    first = run_import(store, "servicenow", [LOG], options)
    events = store.load_events().drop("seq")
    headers = store.load_tickets()
    second = run_import(store, "servicenow", [gz], options)
    assert first == second
    assert counts(store) == {"tickets": 8, "events": first["events"]}
    assert store.load_events().drop("seq").equals(events)
    assert store.load_tickets().equals(headers)


# ----------------------------------------------------------------------------- table export
def test_table_export_sample(store: Store) -> None:
    run_import(store, "servicenow", [TABLE], ImportOptions(timezone="Europe/Berlin"))
    # grep -o ',INC[0-9]*,' incident_table_export_sample.csv | sort -u | wc -l  ->  67
    assert counts(store)["tickets"] == 67
    t = tickets(store)[SN + "INC0000060"]  # line 2; Berlin is UTC+1 in December
    assert t["subject"] == "Unable to connect to email"
    assert t["created_at"] == at(2016, 12, 12, 14, 19, 57)
    assert (t["priority"], t["severity"], t["status"], t["channel"]) == (
        "P3",
        "SEV3",
        "closed",
        "self-service",
    )
    assert (t["category"], t["product_area"], t["group_name"], t["requester"]) == (
        "inquiry",
        "email",
        "287ebd7da9fe198100f92cc8d1d2154e",
        None,
    )
    raw = json.loads(t["raw"])
    assert (raw["made_sla"], raw["business_stc"], raw["calendar_stc"]) == (True, 28800, 102197)
    assert (raw["close_code"], raw["hold_reason"], raw["reopen_count"]) == (
        "Solved (Permanently)",
        None,
        0,
    )
    assert timeline(store, "INC0000060") == [
        (at(2016, 12, 12, 14, 19, 57), "created", None, None),
        (at(2016, 12, 12, 14, 19, 57), "priority", "P3", "3"),
        (at(2016, 12, 12, 14, 19, 57), "severity", "SEV3", "3"),
        (
            at(2016, 12, 12, 14, 19, 57),
            "group",
            "287ebd7da9fe198100f92cc8d1d2154e",
            "287ebd7da9fe198100f92cc8d1d2154e",
        ),
        (at(2016, 12, 12, 14, 19, 57), "category", "inquiry", "inquiry"),
        (at(2016, 12, 13, 20, 43, 14), "status", "solved", None),
        (at(2016, 12, 14, 1, 46, 44), "status", "closed", "7"),
    ]
    # line 35: INC0000020, state 2 (In Progress), priority 5, no group; Berlin is UTC+1 in
    # January: in progress by its last update, 2023-01-10 19:45:32
    assert timeline(store, "INC0000020") == [
        (at(2022, 10, 9, 21, 51, 35), "created", None, None),  # CEST, UTC+2
        (at(2022, 10, 9, 21, 51, 35), "priority", "P5", "5"),
        (at(2022, 10, 9, 21, 51, 35), "severity", "SEV3", "3"),
        (at(2022, 10, 9, 21, 51, 35), "category", "inquiry", "inquiry"),
        (at(2023, 1, 10, 18, 45, 32), "status", "open", "2"),
    ]


def test_table_export_display_values(store: Store) -> None:
    run_import(store, "servicenow", [HAND_TABLE], ImportOptions(timezone="Europe/Berlin"))
    t = tickets(store)
    assert len(t) == 6
    one = t[SN + "INC8000001"]
    assert (one["subject"], one["priority"], one["severity"], one["status"]) == (
        "VPN drops, every hour",
        "P1",
        "SEV1",
        "closed",
    )
    assert (one["assignee_id"], one["requester"], one["channel"]) == (
        SN + "Agent 7",
        "Caller 1",
        "phone",
    )
    # 2016-10-30: CEST (UTC+2) until 03:00, then CET (UTC+1)
    assert timeline(store, "INC8000001") == [
        (at(2016, 10, 29, 21, 0), "created", None, None),
        (at(2016, 10, 29, 21, 0), "priority", "P1", "1 - Critical"),
        (at(2016, 10, 29, 21, 0), "severity", "SEV1", "1 - High"),
        (at(2016, 10, 29, 21, 0), "group", "Network Ops", "Network Ops"),
        (at(2016, 10, 29, 21, 0), "assignee", SN + "Agent 7", "Agent 7"),
        (at(2016, 10, 29, 21, 0), "category", "Network", "Network"),
        (at(2016, 10, 29, 23, 30), "status", "solved", None),  # 01:30 CEST
        (at(2016, 10, 30, 2, 30), "status", "closed", "Closed"),  # 03:30 CET
    ]
    statuses = {
        n: [(e[0], e[2], e[3]) for e in timeline(store, n) if e[1] == "status"]
        for n in ("INC8000002", "INC8000003", "INC8000004", "INC8000005", "INC8000006")
    }
    assert statuses == {
        "INC8000002": [(at(2016, 11, 3, 9, 0), "open", "In Progress")],  # by its last update
        "INC8000003": [
            (at(2016, 11, 3, 8, 0), "open", None),  # reopened_time
            (at(2016, 11, 4, 11, 0), "solved", "Resolved"),  # resolved (again) later
        ],
        "INC8000004": [(at(2016, 11, 2, 9, 30), "closed", "Canceled")],
        "INC8000005": [(at(2016, 11, 6, 8, 0), "on_hold", "On Hold")],
        "INC8000006": [(at(2016, 11, 7, 8, 0), "new", "New")],  # new since it was opened
    }
    assert [t[SN + f"INC800000{i}"]["status"] for i in range(2, 7)] == [
        "open",
        "solved",
        "closed",
        "on_hold",
        "new",
    ]
    events = store.load_table("events").filter(pl.col("ticket_id") == SN + "INC8000004")
    assert [json.loads(r) for r in events.sort("id")["raw"].to_list() if r] == [
        {"closed_at": "2016-11-02 10:30:00", "incident_state": "Canceled"}
    ]
    six = t[SN + "INC8000006"]
    assert (six["severity"], six["group_name"], six["category"]) == (None, None, None)
    assert json.loads(t[SN + "INC8000005"]["raw"])["hold_reason"] == "4"


# ----------------------------------------------------------------------------- bad input
def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def log_rows(first: int, last: int) -> str:
    """Lines ``first``..``last`` (1-based, inclusive) of the event-log sample."""
    lines = LOG.read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(lines[first - 1 : last])


HEADER = log_rows(1, 1)
ROW2 = log_rows(2, 2)  # INC0000045, sys_mod_count 0
ROW3 = log_rows(3, 3)  # INC0000045, sys_mod_count 2
TABLE_HEADER = HAND_TABLE.read_text(encoding="utf-8").splitlines(keepends=True)[0]
TABLE_ROW = HAND_TABLE.read_text(encoding="utf-8").splitlines(keepends=True)[2]  # INC8000002

BAD = [
    pytest.param(
        HEADER.replace(",priority,", ",prio,") + ROW2.replace("3 - Moderate", "x"),
        "line 1, field 'priority': the header matches no ServiceNow export this importer reads "
        "(missing: priority). An incident event log (one row per update) needs the columns "
        "number, incident_state, sys_mod_count, sys_updated_at, opened_at, reopen_count, "
        "priority, assignment_group, assigned_to, category; an incident table export (one row "
        "per incident) needs number, short_description, incident_state, opened_at, priority",
        id="missing-column",
    ),
    pytest.param(
        "id,created_at\n1,2026-01-01\n",
        # the nearer shape (5 of its columns missing, against 10) names the field
        "line 1, field 'number, short_description, incident_state, opened_at, priority': the "
        "header matches no ServiceNow export",
        id="not-servicenow",
    ),
    pytest.param(
        HEADER + ROW2 + ROW3.replace("29/2/2016 08:53", "31/2/2016 08:53"),
        "line 3, field 'sys_updated_at': '31/2/2016 08:53' is not a valid time (day is out "
        "of range for month); this export writes D/M/YYYY hh:mm[:ss]",
        id="bad-date",
    ),
    pytest.param(
        HEADER + ROW2.replace("29/2/2016 01:16", "2016-02-29 01:16"),
        "line 2, field 'opened_at': '2016-02-29 01:16' is not a day-first timestamp "
        "(D/M/YYYY hh:mm[:ss])",
        id="iso-date-in-the-log",
    ),
    pytest.param(
        HEADER + ROW2 + ROW2,
        "line 3, field 'sys_mod_count': duplicate row: line 3 repeats line 2",
        id="duplicate-row",
    ),
    pytest.param(
        HEADER + ROW2 + ROW3 + ROW2.replace(",New,", ",Active,"),
        "line 4, field 'sys_mod_count': conflicting rows: line 4 and line 2 are both "
        "sys_mod_count 0 of INC0000045 but differ in incident_state; keep the right one",
        id="conflicting-duplicate",
    ),
    pytest.param(
        HEADER + ROW2 + ROW3 + log_rows(6, 6) + ROW3,
        "line 5, field 'sys_mod_count': duplicate row: line 5 repeats line 3",
        id="duplicate-after-another-incident",
    ),
    pytest.param(
        HEADER + ROW3 + log_rows(6, 6) + ROW2,
        "line 4, field 'sys_mod_count': INC0000045 appears again with sys_mod_count 0, not "
        "after sys_mod_count 2 on line 2; sort the log by number and sys_mod_count",
        id="reappears-older",
    ),
    pytest.param(
        # the first 150 characters of line 3 hold 15 commas: 16 fields
        HEADER + ROW2 + ROW3[:150],
        "line 3: expected 36 fields, found 16; is the file truncated?",
        id="truncated",
    ),
    pytest.param(
        (HEADER + ROW2).encode() + ROW3.replace("Caller 2403", "Caller \xff").encode("latin-1"),
        "line 3: bytes that are not UTF-8 (invalid start byte at byte 0xff); re-export the "
        "file as UTF-8",
        id="not-utf8",
    ),
    pytest.param(
        HEADER + ROW2.replace("3 - Moderate", "Urgent"),
        "line 2, field 'priority': 'Urgent' is not a ServiceNow level: expected 1..5 or "
        "'1 - Label'",
        id="bad-priority",
    ),
    pytest.param(
        HEADER + ROW2 + ROW3.replace(",true,Caller", ",maybe,Caller"),
        "line 3, field 'made_sla': 'maybe' is not true or false",
        id="bad-flag",
    ),
    pytest.param(
        HEADER + ROW2.replace(",0,true,Caller", ",?,true,Caller"),
        "line 2, field 'sys_mod_count': the update number must be a whole number",
        id="missing-update-number",
    ),
    pytest.param(
        HEADER + ROW2.replace("29/2/2016 01:16", "?"),
        "line 2, field 'opened_at': a time is required here",
        id="missing-opened-at",
    ),
    pytest.param(
        TABLE_HEADER + TABLE_ROW + TABLE_ROW,
        "line 3, field 'number': incident INC8000002 is listed twice: also on line 2; an "
        "incident table export has one row per incident",
        id="table-duplicate",
    ),
    pytest.param(
        TABLE_HEADER + TABLE_ROW.replace("2016-11-02 09:15:00", "02.11.2016 09:15"),
        "line 2, field 'opened_at': '02.11.2016 09:15' is not an ISO 8601 timestamp; this "
        "export writes YYYY-MM-DD hh:mm:ss",
        id="table-bad-date",
    ),
]


@pytest.mark.parametrize(("content", "expected"), BAD)
def test_bad_input_changes_nothing(
    tmp_path: Path, store: Store, content: str | bytes, expected: str
) -> None:
    options = ImportOptions(timezone="UTC")
    run_import(store, "servicenow", [HAND_LOG], options)
    before = counts(store)
    events = store.load_events().drop("seq")
    path = write(tmp_path, "export.csv", content)
    with pytest.raises(RowError) as info:
        run_import(store, "servicenow", [path], options)
    assert str(info.value).startswith(f"{path}, {expected}")
    assert counts(store) == before
    assert store.load_events().drop("seq").equals(events)


@pytest.mark.parametrize(
    ("source", "line", "field", "text"),
    [
        (LOG, 2, "opened_at", "29/2/2016 01:16"),
        (TABLE, 2, "opened_at", "2016-12-12 15:19:57"),
    ],
)
def test_naive_times_need_a_timezone(
    sqlite_store: Store, source: Path, line: int, field: str, text: str
) -> None:
    with pytest.raises(RowError) as info:
        run_import(sqlite_store, "servicenow", [source])
    assert str(info.value) == (
        f"{source}, line {line}, field {field!r}: timestamp {text!r} has no time zone; name "
        "the zone it was written in with --timezone (for example --timezone Europe/Berlin "
        "or --timezone UTC)"
    )
    assert counts(sqlite_store) == {"tickets": 0, "events": 0}


def test_empty_file_and_folder(tmp_path: Path, sqlite_store: Store) -> None:
    empty = write(tmp_path, "empty.csv", "")
    with pytest.raises(RowError, match=r"empty\.csv, line 1: the file is empty"):
        run_import(sqlite_store, "servicenow", [empty])
    folder = tmp_path / "exports"
    folder.mkdir()
    shutil.copy(HAND_LOG, folder / "log.csv")
    run_import(sqlite_store, "servicenow", [folder], ImportOptions(timezone="UTC"))
    assert counts(sqlite_store)["tickets"] == 2


def test_cut_gzip(tmp_path: Path, sqlite_store: Store) -> None:
    packed = gzip.compress(LOG.read_bytes())
    cut = write(tmp_path, "log.csv.gz", packed[: len(packed) // 2])
    with pytest.raises(RowError) as info:
        run_import(sqlite_store, "servicenow", [cut], ImportOptions(timezone="UTC"))
    # the line is wherever decompression stopped: some line of the cut half
    assert info.value.file == str(cut)
    assert info.value.line is not None
    assert 2 <= info.value.line <= 61
    assert info.value.message == (
        "cannot read further (Compressed file ended before the end-of-stream marker was "
        "reached); is the file complete?"
    )
    assert counts(sqlite_store) == {"tickets": 0, "events": 0}


# ----------------------------------------------------------------------------- time parsing
@pytest.mark.parametrize(
    ("zone", "day"),
    [
        ("America/New_York", datetime(2016, 3, 13)),  # spring forward at 02:00
        ("America/New_York", datetime(2016, 11, 6)),  # fall back at 02:00
        ("Europe/Berlin", datetime(2016, 10, 30)),  # fall back at 03:00
        ("Australia/Lord_Howe", datetime(2016, 10, 2)),  # forward by 30 minutes at 02:00
        ("Australia/Lord_Howe", datetime(2016, 4, 3)),  # back by 30 minutes at 02:00
        ("Asia/Kolkata", datetime(2016, 2, 29)),
    ],
)
def test_instants_agree_with_parse_instant(zone: str, day: datetime) -> None:
    tz = ZoneInfo(zone)
    dayfirst, iso = Instants(tz, True), Instants(tz, False)
    for minute in range(0, 24 * 60, 7):
        t = day + timedelta(minutes=minute, seconds=minute % 60)
        a = f"{t.day}/{t.month}/{t.year} {t.hour:02d}:{t.minute:02d}"
        b = t.strftime("%Y-%m-%d %H:%M:%S")
        assert dayfirst(a) == parse_instant(a, tz, dayfirst=True), a
        assert iso(b) == parse_instant(b, tz), b
    assert dayfirst("?") is None
    with pytest.raises(NaiveTimestamp):
        Instants(None, True)("29/2/2016 01:16")
    with pytest.raises(ValueError, match="day is out of range"):
        Instants(tz, True)("30/2/2016 01:16")


def test_sample_files_are_what_the_tests_assume() -> None:
    with LOG.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 60
    assert [r["sys_mod_count"] for r in rows[:4]] == ["0", "2", "3", "4"]
