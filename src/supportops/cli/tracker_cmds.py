"""``supportops tracker``: list the Weekly Escalations Tracker, change a problem, export CSV."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from supportops.cli.app import app, open_store
from supportops.cli.output import Format, console, err_console, plural, print_json, table
from supportops.errors import InputError
from supportops.tracker import TRACKER_STATUSES, Tracker

tracker_app = typer.Typer(
    help="The Weekly Escalations Tracker: recurring problems, their status, owner and notes.",
    invoke_without_command=True,
)
app.add_typer(tracker_app, name="tracker")

STATUS_COLOURS = {
    "new": "bold yellow",
    "recurring": "bold red",
    "kb_drafted": "cyan",
    "kb_published": "green",
    "resolved": "dim",
}
STATUS_HELP = f"One of {', '.join(TRACKER_STATUSES)}."


@tracker_app.callback()
def tracker_list(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="Only this status.")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
) -> None:
    """List the tracked problems, in id order."""
    if ctx.invoked_subcommand is not None:
        return
    with open_store(ctx) as store:
        if fmt is Format.csv:
            Tracker(store).export_csv(sys.stdout, status=status)
            return
        problems = Tracker(store).problems(status)
    if fmt is Format.json:
        print_json({"problems": [p.row() for p in problems]})
        return
    if not problems:
        console().print(
            f"No problem has status {status}."
            if status
            else "The tracker is empty: `supportops review` records each week's repeat problems.",
            markup=False,
        )
        return
    t = table(
        f"Weekly Escalations Tracker ({plural(len(problems), 'problem')})",
        ["id", "status", "problem", "weeks", "escalations", "last seen", "owner"],
        [],
    )
    for col in t.columns:  # the problem folds; ids, statuses and counts stay whole
        col.no_wrap = col.header not in ("problem", "owner")
    t.columns[2].ratio = 1
    t.columns[2].min_width = 20
    for p in problems:
        t.add_row(
            Text(p.problem_id),
            Text(p.status, style=STATUS_COLOURS.get(p.status, "")),
            Text.assemble(p.title or p.label, "\n", (p.label, "dim")),
            Text(str(p.weeks_seen)),
            Text(f"{p.count_total:,}"),
            Text(p.last_seen or "–"),
            Text(p.owner or "–"),
        )
    console().print(t)


@tracker_app.command("update")
def tracker_update(
    ctx: typer.Context,
    problem_id: Annotated[str, typer.Argument(help="The problem's id, e.g. P-0003.")],
    status: Annotated[str | None, typer.Option("--status", help=STATUS_HELP)] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Who owns it ('' to clear).")] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="Append a dated line to the notes.")
    ] = None,
    notes: Annotated[
        str | None, typer.Option("--notes", help="Replace the notes ('' to clear).")
    ] = None,
) -> None:
    """Change a problem's status, owner or notes."""
    if status is None and owner is None and note is None and notes is None:
        raise InputError("nothing to change: give --status, --owner, --note or --notes")
    if note is not None and notes is not None:
        raise InputError("give --note (append a line) or --notes (replace them), not both")
    with open_store(ctx) as store:
        p = Tracker(store).update(
            problem_id, status=status, owner=owner, notes=notes, note=note, now=datetime.now(UTC)
        )
    console().print(
        f"{p.problem_id} ({p.label}): {p.status}, owner {p.owner or 'none'}", markup=False
    )


@tracker_app.command("export")
def tracker_export(
    ctx: typer.Context,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file (default: stdout).")
    ] = None,
) -> None:
    """Export the tracker as CSV (one row per problem)."""
    with open_store(ctx) as store:
        tracker = Tracker(store)
        if out is None:
            tracker.export_csv(sys.stdout)
            return
        try:
            with out.open("w", encoding="utf-8", newline="") as f:
                n = tracker.export_csv(f)
        except OSError as exc:
            raise InputError(f"cannot write {out}: {exc.strerror}") from exc
    err_console().print(f"Wrote {plural(n, 'problem')} to {out}", markup=False)
