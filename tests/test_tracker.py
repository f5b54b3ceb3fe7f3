"""The Weekly Escalations Tracker: its state machine worked by hand, idempotent and
order-independent recording, the CSV export and the `supportops tracker` commands, on SQLite
and PostgreSQL.

Weeks are ISO weeks: 2026-W47 is Mon 16 – Sun 22 November 2026, W48 is 23–29 November.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

import supportops.cli.tracker_cmds  # noqa: F401  (registers `supportops tracker`)
from supportops.cli import app
from supportops.errors import InputError
from supportops.store import Store, schema
from supportops.tracker import CSV_COLUMNS, Sighting, Tracker

W46, W47, W48, W49, W50 = (f"2026-W{n}" for n in range(46, 51))
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # Wednesday of 2026-W48
runner = CliRunner()


def seen(
    problem_id: str | None,
    week: str,
    words: str,
    count: int = 2,
    *,
    drafted: bool = False,
    article: str | None = None,
    tickets: list[str] | None = None,
) -> Sighting:
    """A sighting whose label is ``words`` and whose signature weighs each word 1.0."""
    return Sighting(
        problem_id=problem_id,
        week=week,
        label=words,
        title=f"{words} ({week})",
        category="login",
        keywords=words.split(),
        signature=dict.fromkeys(words.split(), 1.0),
        count=count,
        ticket_ids=tickets if tickets is not None else [f"demo:{week}:{i}" for i in range(count)],
        article_id=article,
        drafted=drafted,
    )


def state(tracker: Tracker) -> list[dict[str, Any]]:
    """Everything the tracker holds except the instants of change."""
    history = tracker.history()
    out = []
    for p in tracker.problems():
        row = p.row()
        del row["created_at"], row["updated_at"]
        row["signature"] = p.signature
        row["history"] = [(w.week, w.count, w.ticket_ids) for w in history.get(p.problem_id, [])]
        out.append(row)
    return out


def statuses(tracker: Tracker) -> dict[str, str]:
    return {p.problem_id: p.status for p in tracker.problems()}


@pytest.fixture
def tracker(store: Store) -> Tracker:
    return Tracker(store)


# ------------------------------------------------------------------ schema


def test_an_older_store_gains_the_tracker_tables(store: Store) -> None:
    # a store made before the tracker existed: only 0001_initial applied
    with store.begin() as conn:
        schema.metadata.drop_all(conn, tables=[schema.tracker_sightings, schema.tracker_problems])
        conn.execute(
            sa.delete(schema.schema_migrations).where(
                schema.schema_migrations.c.name == "0002_tracker"
            )
        )
    assert store.applied_migrations() == ["0001_initial"]
    reopened = Store.open(store.url)
    assert reopened.applied_migrations() == ["0001_initial", "0002_tracker"]
    assert Tracker(reopened).problems() == []
    reopened.close()


# ------------------------------------------------------------------ ids and counts


def test_new_problems_get_the_next_ids_in_order(tracker: Tracker) -> None:
    made = tracker.record(
        W47, [seen(None, W47, "sso login"), seen(None, W47, "csv export")], now=NOW
    )
    assert [(p.problem_id, p.label) for p in made] == [
        ("P-0001", "sso login"),
        ("P-0002", "csv export"),
    ]
    made = tracker.record(
        W48, [seen("P-0002", W48, "csv export"), seen(None, W48, "webhook retries")], now=NOW
    )
    assert [p.problem_id for p in made] == ["P-0002", "P-0003"]
    assert list(tracker.signatures()) == ["P-0001", "P-0002", "P-0003"]
    assert tracker.signatures()["P-0003"] == {"webhook": 1.0, "retries": 1.0}


def test_counts_and_weeks_come_from_the_sightings(tracker: Tracker) -> None:
    tracker.record(W46, [seen(None, W46, "sso login", 4)], now=NOW)
    tracker.record(W48, [seen("P-0001", W48, "sso login", 7)], now=NOW)
    p = tracker.get("P-0001")
    # W46 and W48: two weeks, 4 + 7 = 11 escalations
    assert (p.first_seen, p.last_seen, p.weeks_seen, p.count_total) == (W46, W48, 2, 11)
    assert [(w.week, w.count) for w in tracker.history("P-0001")["P-0001"]] == [(W46, 4), (W48, 7)]


# ------------------------------------------------------------------ the state machine


def test_a_second_distinct_week_makes_a_problem_recurring(tracker: Tracker) -> None:
    tracker.record(W47, [seen(None, W47, "sso login")], now=NOW)
    assert statuses(tracker) == {"P-0001": "new"}
    tracker.record(W47, [seen("P-0001", W47, "sso login")], now=NOW)  # the same week again
    assert statuses(tracker) == {"P-0001": "new"}
    tracker.record(W48, [seen("P-0001", W48, "sso login")], now=NOW)
    assert statuses(tracker) == {"P-0001": "recurring"}


def test_a_draft_then_an_article_move_it_forward(tracker: Tracker) -> None:
    tracker.record(W46, [seen(None, W46, "sso login")], now=NOW)
    tracker.record(W47, [seen("P-0001", W47, "sso login", drafted=True)], now=NOW)
    assert statuses(tracker) == {"P-0001": "kb_drafted"}  # recurring, and drafted: drafted
    tracker.record(W48, [seen("P-0001", W48, "sso login", article="demo:kb-7")], now=NOW)
    assert statuses(tracker) == {"P-0001": "kb_published"}
    assert tracker.get("P-0001").article_id == "demo:kb-7"
    # seen again with neither a draft nor an article: nothing moves back
    tracker.record(W49, [seen("P-0001", W49, "sso login")], now=NOW)
    assert statuses(tracker) == {"P-0001": "kb_published"}
    assert tracker.get("P-0001").article_id == "demo:kb-7"


def test_a_new_problem_with_an_article_is_published_at_once(tracker: Tracker) -> None:
    tracker.record(W47, [seen(None, W47, "sso login", drafted=True, article="demo:kb-1")], now=NOW)
    assert statuses(tracker) == {"P-0001": "kb_published"}


def test_a_persons_status_is_never_moved_back(tracker: Tracker) -> None:
    tracker.record(W46, [seen(None, W46, "sso login", drafted=True)], now=NOW)
    tracker.record(W47, [seen("P-0001", W47, "sso login")], now=NOW)
    assert statuses(tracker) == {"P-0001": "kb_drafted"}
    # the draft was thrown away: a person says it is merely recurring, and it stays so
    tracker.update("P-0001", status="recurring", now=NOW)
    tracker.record(W48, [seen("P-0001", W48, "sso login")], now=NOW)
    assert statuses(tracker) == {"P-0001": "recurring"}
    # a person says an article is out: a later sighting without one keeps it published
    tracker.update("P-0001", status="kb_published", now=NOW)
    tracker.record(W49, [seen("P-0001", W49, "sso login", drafted=True)], now=NOW)
    assert statuses(tracker) == {"P-0001": "kb_published"}


def test_a_resolved_problem_reopens_only_in_a_later_week(tracker: Tracker) -> None:
    tracker.record(W46, [seen(None, W46, "sso login")], now=NOW)
    tracker.record(W47, [seen("P-0001", W47, "sso login", article="demo:kb-1")], now=NOW)
    resolved = tracker.update("P-0001", status="resolved", now=NOW)
    # resolved on 2026-11-25, in W48, after the W47 review
    assert (resolved.status, resolved.resolved_week) == ("resolved", W48)
    # W48 (the week it was resolved in) and a late W45 backfill leave it resolved …
    tracker.record(W48, [seen("P-0001", W48, "sso login", drafted=True)], now=NOW)
    tracker.record("2026-W45", [seen("P-0001", "2026-W45", "sso login")], now=NOW)
    p = tracker.get("P-0001")
    assert (p.status, p.weeks_seen, p.notes) == ("resolved", 4, None)
    # … W49 reopens it, with a note saying when
    later = datetime(2026, 12, 9, 10, 0, tzinfo=UTC)
    tracker.record(W49, [seen("P-0001", W49, "sso login", article="demo:kb-1")], now=later)
    p = tracker.get("P-0001")
    assert (p.status, p.resolved_week, p.notes) == (
        "recurring",
        None,
        "2026-12-09: reappeared in 2026-W49",
    )
    # and from there it moves forward again as usual
    tracker.record(W50, [seen("P-0001", W50, "sso login", article="demo:kb-1")], now=later)
    assert statuses(tracker) == {"P-0001": "kb_published"}


def test_resolving_counts_the_weeks_already_seen(tracker: Tracker) -> None:
    # a store of past data resolved today: the resolution covers every week recorded so far,
    # even when today's calendar week is earlier (the demo's weeks lie in 2026)
    tracker.record(W48, [seen(None, W48, "sso login")], now=NOW)
    before_the_data = datetime(2025, 3, 5, tzinfo=UTC)  # in 2025-W10
    assert tracker.update("P-0001", status="resolved", now=before_the_data).resolved_week == W48
    tracker.record(W48, [seen("P-0001", W48, "sso login")], now=NOW)
    assert statuses(tracker) == {"P-0001": "resolved"}


def test_a_person_may_set_new_but_evidence_moves_it_forward(tracker: Tracker) -> None:
    tracker.record(W46, [seen(None, W46, "sso login")], now=NOW)
    tracker.record(W47, [seen("P-0001", W47, "sso login")], now=NOW)
    tracker.update("P-0001", status="new", now=NOW)
    assert statuses(tracker) == {"P-0001": "new"}
    tracker.record(W48, [seen("P-0001", W48, "sso login")], now=NOW)  # three weeks now
    assert statuses(tracker) == {"P-0001": "recurring"}


# ------------------------------------------------------------------ idempotence and order


def test_recording_a_week_again_replaces_it(tracker: Tracker) -> None:
    week = [seen(None, W47, "sso login", 3), seen(None, W47, "csv export", 2)]
    tracker.record(W47, week, now=NOW)
    once = state(tracker)
    tracker.record(W47, week, now=NOW)  # new problems matched to the ones this week made
    assert state(tracker) == once
    assert [p["count_total"] for p in once] == [3, 2]
    # a corrected count replaces the old one: 5, not 3 + 5
    tracker.record(W47, [seen("P-0001", W47, "sso login", 5), week[1]], now=NOW)
    assert tracker.get("P-0001").count_total == 5
    assert tracker.get("P-0002").count_total == 2


def test_a_problem_dropped_from_its_only_week_goes_unless_a_person_touched_it(
    tracker: Tracker,
) -> None:
    tracker.record(
        W47,
        [seen(None, W47, "sso login"), seen(None, W47, "csv export"), seen(None, W47, "api keys")],
        now=NOW,
    )
    tracker.record(W48, [seen("P-0003", W48, "api keys")], now=NOW)
    tracker.update("P-0002", owner="Dana", now=NOW)
    tracker.record(W47, [seen("P-0001", W47, "sso login")], now=NOW)  # the review was re-run
    by_id = {p.problem_id: p for p in tracker.problems()}
    assert set(by_id) == {"P-0001", "P-0002", "P-0003"}
    # P-0002 has an owner: kept, but no longer seen anywhere
    p2 = by_id["P-0002"]
    assert (p2.weeks_seen, p2.count_total, p2.first_seen, p2.last_seen) == (0, 0, None, None)
    # P-0003 keeps its W48 sighting only
    p3 = by_id["P-0003"]
    assert (p3.weeks_seen, p3.first_seen, p3.last_seen) == (1, W48, W48)
    tracker.record(W47, [], now=NOW)
    assert [p.problem_id for p in tracker.problems()] == ["P-0002", "P-0003"]


WEEKS = {
    W47: [
        seen(None, W47, "sso login", 3, tickets=["a", "b", "c"]),
        seen(None, W47, "csv export", 1),
    ],
    W48: [
        seen(None, W48, "sso login saml", 2, drafted=True),
        seen(None, W48, "csv export", 4, article="demo:kb-2"),
    ],
    W49: [seen(None, W49, "sso saml", 1, article="demo:kb-9")],
}


def matched(tracker: Tracker, sightings: list[Sighting]) -> list[Sighting]:
    """A stand-in for the review's matcher: a known problem whose signature shares the
    sighting's first keyword keeps its id."""
    known = tracker.signatures()
    out = []
    for s in sightings:
        pid = next((p for p, sig in known.items() if s.keywords[0] in sig), None)
        out.append(dataclasses.replace(s, problem_id=pid))
    return out


@pytest.mark.parametrize("order", list(itertools.permutations([W47, W48, W49])), ids="-".join)
def test_the_order_weeks_are_recorded_in_does_not_matter(
    tracker: Tracker, order: tuple[str, ...]
) -> None:
    for week in order:
        tracker.record(week, matched(tracker, WEEKS[week]), now=NOW)
    # worked out for W47, W48, W49 in order:
    # P-0001: new (W47) → recurring + drafted = kb_drafted (W48) → article = kb_published (W49);
    #         3 + 2 + 1 = 6 escalations over 3 weeks; label and article from W49
    # P-0002: new (W47) → article = kb_published (W48); 1 + 4 = 5 over 2 weeks
    got = {p["problem_id"]: p for p in state(tracker)}
    p1, p2 = got["P-0001"], got["P-0002"]
    assert (p1["status"], p1["count_total"], p1["weeks_seen"]) == ("kb_published", 6, 3)
    assert (p1["label"], p1["title"], p1["article_id"]) == (
        "sso saml",
        "sso saml (2026-W49)",
        "demo:kb-9",
    )
    assert p1["signature"] == {"sso": 1.0, "saml": 1.0}
    assert (p1["first_seen"], p1["last_seen"]) == (W47, W49)
    assert p1["history"][0] == (W47, 3, ["a", "b", "c"])
    assert (p2["status"], p2["count_total"], p2["weeks_seen"]) == ("kb_published", 5, 2)
    assert (p2["article_id"], p2["last_seen"]) == ("demo:kb-2", W48)


# ------------------------------------------------------------------ errors are all-or-nothing


def test_a_failed_record_changes_nothing(tracker: Tracker) -> None:
    tracker.record(W47, [seen(None, W47, "sso login")], now=NOW)
    before = state(tracker)
    with pytest.raises(InputError, match=r"^two sightings of P-0001 in 2026-W48; merge them"):
        # the new problem is inserted before the duplicate is found: rolled back with it
        tracker.record(
            W48,
            [seen(None, W48, "csv"), seen("P-0001", W48, "sso"), seen("P-0001", W48, "sso")],
            now=NOW,
        )
    assert state(tracker) == before


@pytest.mark.parametrize(
    ("week", "sighting", "message"),
    [
        (
            "2026-W54",
            seen(None, "2026-W54", "x"),
            "week '2026-W54': write an ISO week such as 2026-W47",
        ),
        (
            "2026-47",
            seen(None, "2026-47", "x"),
            "week '2026-47': write an ISO week such as 2026-W47",
        ),
        (W47, seen(None, W48, "x"), "a sighting of week 2026-W48 cannot be recorded as 2026-W47"),
        (
            W47,
            seen("P-0042", W47, "x"),
            "no problem P-0042 in the tracker; pass problem_id=None for a new one",
        ),
        (W47, seen(None, W47, "x", -1), "a sighting of 'x' has a negative count"),
    ],
)
def test_bad_sightings_are_refused(
    tracker: Tracker, week: str, sighting: Sighting, message: str
) -> None:
    with pytest.raises(InputError) as info:
        tracker.record(week, [sighting], now=NOW)
    assert str(info.value) == message
    assert tracker.problems() == []


def test_update_refuses_unknown_ids_and_statuses(tracker: Tracker) -> None:
    tracker.record(W47, [seen(None, W47, "sso login")], now=NOW)
    with pytest.raises(InputError) as info:
        tracker.update("P-0009", owner="Dana", now=NOW)
    assert str(info.value) == "no problem 'P-0009' in the tracker; `supportops tracker` lists them"
    with pytest.raises(InputError) as info:
        tracker.update("P-0001", status="done", now=NOW)
    assert str(info.value) == (
        "unknown status 'done': choose new, recurring, kb_drafted, kb_published, resolved"
    )
    assert tracker.get("P-0001").owner is None


def test_notes_append_dated_lines_or_are_replaced(tracker: Tracker) -> None:
    tracker.record(W47, [seen(None, W47, "sso login")], now=NOW)
    tracker.update("P-0001", note="asked eng for a fix", owner="Dana", now=NOW)
    p = tracker.update("P-0001", note="fix ships Friday", now=datetime(2026, 11, 26, tzinfo=UTC))
    assert (p.owner, p.notes) == (
        "Dana",
        "2026-11-25: asked eng for a fix\n2026-11-26: fix ships Friday",
    )
    p = tracker.update("P-0001", notes="see JIRA-12", owner="", now=NOW)
    assert (p.owner, p.notes) == (None, "see JIRA-12")


# ------------------------------------------------------------------ CSV


def test_csv_export_columns_and_values(tracker: Tracker) -> None:
    tracker.record(
        W47,
        [seen(None, W47, "sso login", 3), seen(None, W47, "=HYPERLINK(evil) export", 1)],
        now=NOW,
    )
    tracker.update("P-0001", owner="Dana, L2", note="line one", now=NOW)
    buf = io.StringIO()
    assert tracker.export_csv(buf) == 2
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert tuple(rows[0]) == CSV_COLUMNS == (
        "problem_id", "label", "title", "category", "status", "owner", "notes", "keywords",
        "article_id", "first_seen", "last_seen", "weeks_seen", "count_total", "created_at",
        "updated_at",
    )  # fmt: skip
    assert rows[0] | {"created_at": "", "updated_at": ""} == {
        "problem_id": "P-0001",
        "label": "sso login",
        "title": "sso login (2026-W47)",
        "category": "login",
        "status": "new",
        "owner": "Dana, L2",
        "notes": "2026-11-25: line one",
        "keywords": "sso; login",
        "article_id": "",
        "first_seen": W47,
        "last_seen": W47,
        "weeks_seen": "1",
        "count_total": "3",
        "created_at": "",
        "updated_at": "",
    }
    assert rows[0]["created_at"] == "2026-11-25T15:00:00+00:00"
    # a spreadsheet would run it as a formula: written as text
    assert rows[1]["label"] == "'=HYPERLINK(evil) export"


# ------------------------------------------------------------------ the command line


def cli(store: Store, *args: str) -> Any:
    return runner.invoke(app, ["--db", store.url, "tracker", *args])


def test_cli_lists_filters_and_formats(store: Store, tracker: Tracker) -> None:
    tracker.record(W47, [seen(None, W47, "sso login", 3), seen(None, W47, "csv export")], now=NOW)
    tracker.record(W48, [seen("P-0001", W48, "sso login", 2)], now=NOW)
    result = cli(store)
    assert result.exit_code == 0, result.stderr
    assert "Weekly Escalations Tracker (2 problems)" in result.stdout
    lines = result.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if "P-0001" in line)
    assert [c.strip() for c in lines[at].strip("│ ").split("│")] == [
        "P-0001",
        "recurring",
        f"sso login ({W48})",
        "2",
        "5",
        W48,
        "–",
    ]  # fmt: skip  (the title is the latest week's; the label goes under it)
    assert lines[at + 1].split("│")[3].strip() == "sso login"
    data = json.loads(cli(store, "--status", "recurring", "--format", "json").stdout)
    assert [(p["problem_id"], p["count_total"]) for p in data["problems"]] == [("P-0001", 5)]
    out = cli(store, "--format", "csv", "--status", "new").stdout
    assert [r["problem_id"] for r in csv.DictReader(io.StringIO(out))] == ["P-0002"]
    result = cli(store, "--status", "resolved")
    assert (result.exit_code, result.stdout) == (0, "No problem has status resolved.\n")


def test_cli_update_and_its_messages(store: Store, tracker: Tracker) -> None:
    tracker.record(W47, [seen(None, W47, "sso login")], now=NOW)
    result = cli(store, "update", "P-0001", "--status", "resolved", "--owner", "Dana")
    assert (result.exit_code, result.stdout) == (0, "P-0001 (sso login): resolved, owner Dana\n")
    result = cli(store, "update", "P-0001", "--note", "fixed in 4.2")
    assert result.exit_code == 0
    notes = tracker.get("P-0001").notes or ""
    assert notes.endswith(": fixed in 4.2")
    assert "\n" not in notes
    for args, message in [
        (
            ["P-0009", "--owner", "x"],
            "no problem 'P-0009' in the tracker; `supportops tracker` lists them",
        ),
        (
            ["P-0001", "--status", "done"],
            "unknown status 'done': choose new, recurring, kb_drafted, kb_published, resolved",
        ),
        (["P-0001"], "nothing to change: give --status, --owner, --note or --notes"),
        (
            ["P-0001", "--note", "a", "--notes", "b"],
            "give --note (append a line) or --notes (replace them), not both",
        ),
    ]:
        result = cli(store, "update", *args)
        assert (result.exit_code, result.stderr) == (1, f"error: {message}\n"), args
    result = cli(store, "--status", "done")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: unknown status 'done'")


def test_cli_export(store: Store, tracker: Tracker, tmp_path: Path) -> None:
    tracker.record(W47, [seen(None, W47, "sso login")], now=NOW)
    result = cli(store, "export")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == ",".join(CSV_COLUMNS)
    assert result.stdout.splitlines()[1].startswith("P-0001,sso login,")
    out = tmp_path / "tracker.csv"
    result = cli(store, "export", "--out", str(out))
    assert (result.exit_code, result.stderr) == (0, f"Wrote 1 problem to {out}\n")
    assert out.read_text(encoding="utf-8") == cli(store, "export").stdout
    result = cli(store, "export", "--out", str(tmp_path / "no" / "dir.csv"))
    assert result.exit_code == 1
    bad = tmp_path / "no" / "dir.csv"
    assert result.stderr == f"error: cannot write {bad}: No such file or directory\n"


@pytest.mark.parametrize("args", [[], ["export"], ["update", "P-0001", "--owner", "x"]])
def test_cli_does_not_create_a_store(tmp_path: Path, args: list[str]) -> None:
    missing = tmp_path / "missing.db"
    result = runner.invoke(app, ["--db", f"sqlite:///{missing}", "tracker", *args])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: no store at {missing}: run `supportops demo`")
    assert not missing.exists()


def test_cli_on_an_empty_tracker(store: Store) -> None:
    result = cli(store)
    assert (result.exit_code, result.stdout) == (
        0,
        "The tracker is empty: `supportops review` records each week's repeat problems.\n",
    )
