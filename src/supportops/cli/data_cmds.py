"""Commands about the store's contents: init, import, demo, status, tickets."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from supportops.cli.app import app, open_store, settings_of
from supportops.cli.output import (
    Format,
    RichProgress,
    console,
    err_console,
    plural,
    print_csv,
    print_json,
    table,
)
from supportops.errors import InputError
from supportops.importers import IMPORTERS, ImportOptions, run_import
from supportops.importers.base import parse_instant
from supportops.store import Store
from supportops.store.queries import TicketFilter, list_tickets, resolve_ticket, ticket_detail
from supportops.store.schema import events as events_table

#: events columns the timeline CSV leaves out (the ticket is known; internals)
TIMELINE_HIDDEN = ("id", "ticket_id", "origin", "raw")
FORMAT_OPTION = typer.Option("--format", "-f", help="Output format.")


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the store (or bring its schema up to date)."""
    store = Store.open(settings_of(ctx).db, create=True, migrate=False)
    ran = store.migrate()
    console().print(
        f"Store ready at {store.display_url}"
        + (f" (applied {', '.join(ran)})" if ran else " (schema up to date)")
    )


@app.command("import")
def import_(
    ctx: typer.Context,
    source: Annotated[
        str,
        typer.Argument(
            help=f"What the files are: {', '.join(IMPORTERS)}.",
            metavar="SOURCE",
            show_default=False,
        ),
    ],
    paths: Annotated[
        list[Path],
        typer.Argument(help="Files or folders to import.", show_default=False),
    ],
    timezone: Annotated[
        str | None,
        typer.Option(
            "--timezone",
            "-z",
            help="IANA zone in which timestamps without an offset were written "
            "(e.g. Europe/Berlin, UTC). Without it such timestamps are an error.",
        ),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option("--map", help="YAML map for the eventlog importer (columns and rules)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Import help-desk exports into the store, in one transaction.

    Re-importing the same data changes nothing; a bad file changes nothing either, and the
    message names the file, line and field to fix.
    """
    if source not in IMPORTERS:
        raise InputError(f"unknown source {source!r}: choose one of {', '.join(IMPORTERS)}")
    store = open_store(ctx, create=True)
    options = ImportOptions(timezone=timezone, mapping=mapping)
    show = not quiet and sys.stderr.isatty()
    with RichProgress(enabled=show) as progress:
        counts = run_import(store, source, paths, options, progress)
    order = ("ticket", "event", "organization", "agent", "group", "calendar", "article")
    parts = [plural(counts[f"{noun}s"], noun) for noun in order if counts.get(f"{noun}s")]
    console().print(
        f"Imported {', '.join(parts) or 'nothing'} from {source} into {store.display_url}"
    )


@app.command()
def demo(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same org.")] = 7,
    weeks: Annotated[int, typer.Option(min=1, max=260, help="Weeks of history.")] = 26,
    fmt: Annotated[Format, FORMAT_OPTION] = Format.table,
) -> None:
    """Fill the store with the demo support org (replacing an earlier demo)."""
    from supportops.demo import generate_demo

    store = open_store(ctx, create=True)
    with RichProgress(enabled=sys.stderr.isatty(), unit="items") as progress:
        summary = generate_demo(store, seed=seed, weeks=weeks, progress=progress)
    data = summary.as_dict()
    if fmt is Format.json:
        print_json(data)
        return
    out = console()
    out.print(
        f"Demo support org written to {store.display_url}: "
        f"{data['tickets']:,} tickets, {data['events']:,} events over {data['weeks']} weeks "
        f"({data['first_day']} to {data['last_day']})."
    )
    out.print(
        f"{data['organizations']} customer organizations, {data['agents']} agents, "
        f"{data['articles']} knowledge-base articles."
    )
    out.print(
        f"Escalation rate {data['escalation_rate_before']:.2%} before the KB articles, "
        f"{data['escalation_rate_after']:.2%} after."
    )
    out.print("\nWhat to run next:")
    for line in data["next"]:
        out.print(f"  {escape(line)}")


@app.command()
def status(
    ctx: typer.Context,
    fmt: Annotated[Format, FORMAT_OPTION] = Format.table,
) -> None:
    """What the store holds: counts, sources, date range."""
    store = open_store(ctx)
    data = store.status()
    if fmt is Format.json:
        print_json(data)
        return
    if fmt is Format.csv:
        raise InputError("status has no CSV form; use --format table or json")
    rows: list[tuple[str, Any]] = [
        (name, f"{data[name]:,}")
        for name in (
            "tickets",
            "events",
            "organizations",
            "agents",
            "groups",
            "calendars",
            "articles",
        )
    ]
    created = data["tickets_created"]
    rows.append(("tickets created", f"{created['first'] or '–'} … {created['last'] or '–'}"))
    rows.append(("sources", ", ".join(f"{k} ({v:,})" for k, v in data["sources"].items()) or "–"))
    console().print(table(f"Store {data['database']}", ["what", "value"], rows))


tickets_app = typer.Typer(
    help="List tickets, or show one ticket's timeline.",
    invoke_without_command=True,
)
app.add_typer(tickets_app, name="tickets")


def _when(text: str | None, name: str) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_instant(text if "T" in text or " " in text else text + "T00:00", UTC)
    except ValueError:
        raise InputError(f"--{name} {text!r}: write a date such as 2026-11-01") from None


@tickets_app.callback()
def tickets_list(
    ctx: typer.Context,
    status_: Annotated[str | None, typer.Option("--status", help="new, open, pending, …")] = None,
    priority: Annotated[str | None, typer.Option(help="P1 … P5")] = None,
    org: Annotated[str | None, typer.Option("--org", help="Organization id.")] = None,
    source: Annotated[str | None, typer.Option(help="Source, e.g. zendesk.")] = None,
    category: Annotated[str | None, typer.Option(help="Category.")] = None,
    since: Annotated[str | None, typer.Option(help="Created on or after (UTC date).")] = None,
    until: Annotated[str | None, typer.Option(help="Created before (UTC date).")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
    fmt: Annotated[Format, FORMAT_OPTION] = Format.table,
) -> None:
    """List tickets, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    store = open_store(ctx)
    rows = list_tickets(
        store,
        TicketFilter(
            status=status_,
            priority=priority,
            organization=org,
            source=source,
            category=category,
            since=_when(since, "since"),
            until=_when(until, "until"),
            limit=limit,
        ),
    )
    columns = [
        "id",
        "created_at",
        "status",
        "priority",
        "category",
        "organization_id",
        "group_name",
        "subject",
    ]
    if fmt is Format.json:
        print_json(rows)
    elif fmt is Format.csv:
        print_csv(rows, columns)
    else:
        console().print(table(None, columns, [[r[c] for c in columns] for r in rows]))
        if not rows:
            err_console().print("no tickets match")


@tickets_app.command("show")
def tickets_show(
    ctx: typer.Context,
    ticket: Annotated[str, typer.Argument(help="Ticket id (zendesk:1595) or the source's own id.")],
    fmt: Annotated[Format, FORMAT_OPTION] = Format.table,
) -> None:
    """One ticket: its header and its timeline."""
    store = open_store(ctx)
    tid = resolve_ticket(store, ticket)
    head, events = ticket_detail(store, tid)
    if fmt is Format.json:
        print_json({"ticket": head, "events": events})
        return
    if fmt is Format.csv:
        cols = [c.name for c in events_table.columns if c.name not in TIMELINE_HIDDEN]
        print_csv(events, cols)
        return
    out = console()
    out.print(f"[bold]{escape(tid)}[/]  {escape(head.get('subject') or '')}")
    fields = [
        "created_at",
        "status",
        "priority",
        "severity",
        "category",
        "organization_id",
        "requester",
        "channel",
        "group_name",
        "assignee_id",
    ]
    out.print(table(None, ["field", "value"], [(f, head.get(f)) for f in fields]))
    rows = []
    for ev in events:
        detail = ev["value"] or ""
        if ev["kind"] == "comment":
            visibility = "public" if ev["public"] else "internal"
            detail = f"{ev['actor_role'] or '?'} {visibility}: {(ev['body'] or '')[:80]}"
        elif ev["kind"] == "escalation":
            level = f" (level {ev['number']})" if ev["number"] is not None else ""
            reason = f": {ev['body']}" if ev["body"] else ""
            detail = f"{ev['action']}{level}{reason}"
        elif ev["kind"] == "tag":
            detail = f"{ev['action']} {detail}".strip()
        elif ev["kind"] == "csat":
            detail = f"{ev['number']}/5 {ev['body'] or ''}".strip()
        if ev["raw_value"] and ev["raw_value"] != ev["value"]:
            detail += f"  (source: {ev['raw_value']})"
        rows.append((ev["at"], ev["kind"], detail, ev["actor"]))
    out.print(table("Timeline (UTC)", ["at", "event", "detail", "by"], rows))
