"""The command line: exit codes, exact messages, help on every command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from supportops.cli import app

DATA = Path(__file__).parent / "data"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_status_on_a_missing_store_says_what_to_do() -> None:
    code, out, err = run("status")
    assert code == 1
    assert out == ""
    assert err.replace("\n", " ").strip() == (
        "error: no store at supportops.db: run `supportops demo` for the demo org or "
        "`supportops import SOURCE PATH` to load your data (or pass --db URL)"
    )


def test_import_then_status_json(tmp_path: Path) -> None:
    code, out, err = run("import", "supportops", str(DATA / "supportops"))
    assert code == 0, err
    assert out == (
        "Imported 2 tickets, 16 events, 2 organizations, 3 agents, 2 groups, 1 article "
        "from supportops into sqlite:///supportops.db\n"
    )
    code, out, _ = run("status", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert (data["tickets"], data["events"], data["organizations"]) == (2, 16, 2)
    assert (data["agents"], data["articles"]) == (3, 1)
    assert data["sources"] == {"supportops": 2}
    assert data["tickets_created"]["first"] == "2026-03-02T14:00:00+00:00"
    assert data["database"] == "sqlite:///supportops.db"
    assert (tmp_path / "supportops.db").exists()


def test_db_option_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "other.db"
    code, _, err = run(
        "--db", f"sqlite:///{target}", "import", "supportops", str(DATA / "supportops")
    )
    assert code == 0, err
    monkeypatch.setenv("SUPPORTOPS_DB", str(target))
    code, out, _ = run("status", "--format", "json")
    assert json.loads(out)["tickets"] == 2
    assert not (tmp_path / "supportops.db").exists()


def test_bad_file_exit_1_and_nothing_changes(tmp_path: Path) -> None:
    run("import", "supportops", str(DATA / "supportops"))
    bad = tmp_path / "tickets.csv"
    bad.write_text("id,created_at\n9,2026-01-01 10:00\n", encoding="utf-8")
    code, out, err = run("import", "supportops", str(bad))
    assert code == 1
    assert "Traceback" not in out + err
    assert err.replace("\n", " ").startswith(
        f"error: {bad}, line 2, field 'created_at': timestamp '2026-01-01 10:00' has no time zone"
    )
    code, out, _ = run("status", "--format", "json")
    assert json.loads(out)["tickets"] == 2
    code, out, err = run("import", "supportops", str(bad), "--timezone", "UTC")
    assert code == 0, err


def test_tickets_list_and_show() -> None:
    run("import", "supportops", str(DATA / "supportops"))
    code, out, _ = run("tickets", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert [r["id"] for r in rows] == ["supportops:1001", "supportops:1002"]  # newest first
    code, out, _ = run("tickets", "--status", "open", "--format", "csv")
    assert out.splitlines() == [
        "id,created_at,status,priority,category,organization_id,group_name,subject",
        "supportops:1002,2026-03-02T14:00:00+00:00,open,P4,billing,supportops:globex,Support L1,"
        "Invoice shows a duplicate charge",
    ]
    code, out, _ = run("tickets", "show", "1001", "--format", "json")
    assert code == 0
    detail = json.loads(out)
    assert detail["ticket"]["id"] == "supportops:1001"
    assert len(detail["events"]) == 14
    code, out, _ = run("tickets", "show", "supportops:1001")
    assert code == 0
    flat = " ".join(out.split())
    assert "raised (level 1): Enterprise" in flat  # the escalation's reason is shown
    assert "customer blocked" in flat
    code, _, err = run("tickets", "show", "4242")
    assert code == 1
    assert "no ticket '4242' in the store" in err


def test_usage_errors_exit_2() -> None:
    assert run("import")[0] == 2
    assert run("status", "--format", "xml")[0] == 2
    code, _, err = run("import", "freshdesk", "x.csv")
    assert code == 1
    assert (
        "unknown source 'freshdesk': choose one of supportops, eventlog, servicenow, zendesk" in err
    )


COMMANDS = [
    [],
    ["init"],
    ["import"],
    ["demo"],
    ["status"],
    ["tickets"],
    ["tickets", "show"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "root")
def test_every_command_has_help(command: list[str]) -> None:
    code, out, _ = run(*command, "--help")
    assert code == 0
    assert "Usage:" in out
    assert len(out.strip().splitlines()) > 3


def test_python_dash_m() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "supportops", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "Usage: supportops" in result.stdout


def test_ticket_text_is_not_read_as_markup(tmp_path: Path) -> None:
    (tmp_path / "tickets.csv").write_text(
        "id,created_at,subject\n1,2026-01-01T00:00Z,[bold red]pwn[/] <script>x</script>\n",
        encoding="utf-8",
    )
    run("import", "supportops", str(tmp_path / "tickets.csv"))
    code, out, _ = run("tickets", "show", "1")
    assert code == 0
    assert "[bold red]pwn[/] <script>x</script>" in out


def test_sla_on_an_empty_store_says_what_to_do() -> None:
    assert run("init")[0] == 0
    code, out, err = run("sla", "summary")
    assert code == 1
    assert out == ""
    assert err.strip() == (
        "error: the store at sqlite:///supportops.db has no tickets: run `supportops demo`, "
        "or `supportops import SOURCE PATH` to load yours"
    )


def test_engine_on_no_tickets_returns_no_clocks() -> None:
    import polars as pl

    from supportops.core.sla import EngineConfig, clock_schema, compute_clocks
    from supportops.core.timeline import derive

    events = pl.DataFrame(
        schema={
            "ticket_id": pl.String,
            "at": pl.Datetime("us", "UTC"),
            "seq": pl.Int64,
            "kind": pl.String,
            "value": pl.String,
            "actor_role": pl.String,
            "public": pl.Boolean,
        }
    )
    tickets = pl.DataFrame(schema={"id": pl.String, "created_at": pl.Datetime("us", "UTC")})
    timelines = derive(events, tickets, 2_000_000_000)
    targets = pl.DataFrame(schema={"tix": pl.Int64, "calendar": pl.String})
    clocks = compute_clocks(timelines, targets, {}, EngineConfig(), 2_000_000_000)
    assert clocks.height == 0
    assert clocks.schema == pl.Schema(clock_schema())
