"""``supportops sla``: clocks, their stories, and compliance."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.markup import escape
from rich.text import Text

from supportops.cli.app import app, open_store
from supportops.cli.output import Format, console, err_console, print_csv, print_json, table
from supportops.clocks import ClockRun, run_clocks
from supportops.core.explain import duration, explain_ticket
from supportops.errors import InputError
from supportops.importers.base import parse_instant
from supportops.policy import find_policy
from supportops.store import Store
from supportops.store.queries import resolve_ticket

sla_app = typer.Typer(
    help="SLA clocks: list them, explain one ticket's, summarize compliance.",
    invoke_without_command=True,
)
app.add_typer(sla_app, name="sla")

PolicyOption = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        help="Policy file (default: SUPPORTOPS_POLICY, "
        "./supportops.policy.yaml, or the built-in default).",
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Measure at this UTC instant (default: the latest event)."),
]
FORMAT = typer.Option("--format", "-f", help="Output format.")
COLOURS = {
    "met": "green",
    "breached": "bold red",
    "running": "cyan",
    "paused": "yellow",
    "not_applicable": "dim",
}
LEVEL_COLOURS = {
    "yellow": "yellow",
    "orange": "dark_orange",
    "red": "red",
    "breach": "bold red",
    "severe": "bold magenta",
}


def _as_of(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_instant(text if ("T" in text or " " in text) else text + "T00:00", UTC)
    except ValueError:
        raise InputError(f"--as-of {text!r}: write an instant such as 2026-11-20T12:00Z") from None


def _run(ctx: typer.Context, policy: Path | None, as_of: str | None) -> ClockRun:
    return _clocks(open_store(ctx), policy, as_of)


def _clocks(store: Store, policy: Path | None, as_of: str | None) -> ClockRun:
    """The clocks, with a spinner on a terminal naming each stage (a large store takes a
    while, and the first run after installing compiles the engine)."""
    policy_, instant = find_policy(policy), _as_of(as_of)
    with err_console().status("SLA clocks", spinner="dots") as shown:
        return run_clocks(store, policy_, instant, step=lambda what: shown.update(what))


def _iso(t: int | None) -> str | None:
    return None if t is None else datetime.fromtimestamp(t, UTC).isoformat()


LIST_COLUMNS = [
    "ticket_id",
    "metric",
    "cycle",
    "priority",
    "customer_tier",
    "status",
    "level",
    "target",
    "elapsed",
    "start",
    "stop",
    "deadline",
]


@sla_app.callback()
def sla_list(
    ctx: typer.Context,
    breached: Annotated[bool, typer.Option("--breached", help="Only breached clocks.")] = False,
    at_risk: Annotated[
        bool, typer.Option("--at-risk", help="Only running clocks past the orange (80%) level.")
    ] = False,
    open_only: Annotated[bool, typer.Option("--open", help="Only clocks still running.")] = False,
    metric: Annotated[str | None, typer.Option(help="first_response, next_reply, …")] = None,
    priority: Annotated[str | None, typer.Option(help="P1 … P5")] = None,
    tier: Annotated[str | None, typer.Option(help="Customer tier.")] = None,
    group: Annotated[str | None, typer.Option(help="Group name.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many rows.")] = 50,
    policy: PolicyOption = None,
    as_of: AsOfOption = None,
    fmt: Annotated[Format, FORMAT] = Format.table,
) -> None:
    """List SLA clocks, most urgent first."""
    if ctx.invoked_subcommand is not None:
        return
    run = _run(ctx, policy, as_of)
    c = run.clocks
    if breached:
        c = c.filter(pl.col("status") == "breached")
    if at_risk:
        c = c.filter(
            pl.col("status").is_in(["running", "paused"])
            & pl.col("level").cast(pl.String).is_in(["orange", "red"])
        )
    if open_only:
        c = c.filter(pl.col("stop").is_null())
    for column, value in (
        ("metric", metric),
        ("priority", priority),
        ("customer_tier", tier),
        ("group", group),
    ):
        if value is not None:
            c = c.filter(pl.col(column).cast(pl.String) == value)
    c = c.sort(pl.col("deadline").fill_null(2**62), "ticket_id").head(limit)
    rows = [
        {
            "ticket_id": r["ticket_id"],
            "metric": r["metric"],
            "cycle": r["cycle"],
            "priority": r["priority"],
            "customer_tier": r["customer_tier"],
            "status": r["status"],
            "level": r["level"],
            "target_s": r["target_s"],
            "elapsed_s": r["elapsed_s"],
            "paused_s": r["paused_s"],
            "start": _iso(r["start"]),
            "stop": _iso(r["stop"]),
            "deadline": _iso(r["deadline"]),
        }
        for r in c.iter_rows(named=True)
    ]
    if fmt is Format.json:
        print_json({"as_of": run.as_of.isoformat(), "clocks": rows})
        return
    if fmt is Format.csv:
        print_csv(rows, list(rows[0]) if rows else ["ticket_id"])
        return
    t = table(
        f"SLA clocks at {run.as_of:%Y-%m-%d %H:%M} UTC",
        ["ticket", "metric", "prio", "tier", "status", "level", "target", "used", "deadline (UTC)"],
        [],
    )
    for r in rows:
        t.add_row(
            Text(r["ticket_id"]),
            Text(r["metric"] + (f" #{r['cycle']}" if r["cycle"] > 1 else "")),
            Text(r["priority"] or "–"),
            Text(r["customer_tier"] or "–"),
            Text(r["status"], style=COLOURS.get(r["status"], "")),
            Text(r["level"] or "–", style=LEVEL_COLOURS.get(r["level"] or "", "dim")),
            Text(duration(r["target_s"])),
            Text(duration(r["elapsed_s"])),
            Text((r["deadline"] or "–")[:16].replace("T", " ")),
        )
    console().print(t)


@sla_app.command("explain")
def sla_explain(
    ctx: typer.Context,
    ticket: Annotated[str, typer.Argument(help="Ticket id (zendesk:1595) or the source's own id.")],
    policy: PolicyOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Tell the story of one ticket's clocks: when they ran, paused, warned and why."""
    store = open_store(ctx)
    tid = resolve_ticket(store, ticket)
    run = _clocks(store, policy, as_of)
    info = run.tickets.filter(pl.col("ticket_id") == tid)
    if info.height == 0:
        raise InputError(f"ticket {tid!r} was created after --as-of; nothing to explain")
    row = info.row(0, named=True)
    periods = run.timelines.periods.filter(pl.col("tix") == row["tix"])
    clocks = run.clocks.filter(pl.col("ticket_id") == tid)
    out = console()
    out.print(f"[bold]{escape(tid)}[/]  {escape(str(row['subject'] or ''))}")
    out.print(
        f"Priority {row['priority'] or 'unset'}, "
        f"customer tier {row['customer_tier'] or 'unknown'}, "
        f"SLA rule {row['rule']} on calendar {row['calendar']!r}; "
        f"measured at {run.as_of:%Y-%m-%d %H:%M} UTC.\n",
        markup=False,
    )
    for paragraph in explain_ticket(
        row, clocks, periods, run.schedules, run.config, int(run.as_of.timestamp())
    ):
        out.print(paragraph, markup=False)
        out.print()


SEGMENTS = ("priority", "customer_tier", "group", "calendar", "category", "channel")


@sla_app.command("summary")
def sla_summary(
    ctx: typer.Context,
    by: Annotated[
        list[str] | None,
        typer.Option("--by", help=f"Segment by one of {', '.join(SEGMENTS)} (repeatable)."),
    ] = None,
    period: Annotated[
        str | None, typer.Option(help="Also split by 'week' or 'month' of the clock's start.")
    ] = None,
    policy: PolicyOption = None,
    as_of: AsOfOption = None,
    fmt: Annotated[Format, FORMAT] = Format.table,
) -> None:
    """Compliance: response and resolution SLA %, breaches and severe breaches."""
    segments = by or ["priority", "customer_tier"]
    for s in segments:
        if s not in SEGMENTS:
            raise InputError(f"--by {s!r}: choose from {', '.join(SEGMENTS)}")
    if period not in (None, "week", "month"):
        raise InputError("--period: choose week or month")
    run = _run(ctx, policy, as_of)
    clocks = run.clocks.join(
        run.tickets.select("ticket_id", "category", "channel"), on="ticket_id", how="left"
    )
    reports: dict[str, list[dict[str, Any]]] = {}
    for seg in ["all", *segments]:
        keys = [] if seg == "all" else [seg]
        if period:
            keys = ["period", *keys]
        reports[seg] = summarize(clocks, keys, period)
    if fmt is Format.json:
        print_json({"as_of": run.as_of.isoformat(), "period": period, "summaries": reports})
        return
    if fmt is Format.csv:
        rows = [{"segment": seg, **r} for seg, rs in reports.items() for r in rs]
        cols = ["segment", "period", *SEGMENTS, *SUMMARY_FIELDS]
        print_csv(rows, [c for c in cols if any(c in r for r in rows)])
        return
    out = console()
    for seg, rows in reports.items():
        keys = (
            ([] if seg == "all" else [seg])
            if not period
            else ["period"] + ([] if seg == "all" else [seg])
        )
        title = "SLA compliance, all tickets" if seg == "all" else f"SLA compliance by {seg}"
        columns = [*keys, "tickets", "response SLA", "resolution SLA", "breaches", "severe"]
        t = table(f"{title} (at {run.as_of:%Y-%m-%d %H:%M} UTC)", columns, [])
        for r in rows:
            t.add_row(
                *[Text(str(r.get(k) if r.get(k) is not None else "–")) for k in keys],
                Text(f"{r['tickets']:,}"),
                _pct(r["response_pct"], 0.95),
                _pct(r["resolution_pct"], 0.90),
                Text(f"{r['breaches']:,}"),
                Text(f"{r['severe_breaches']:,}", style="bold red" if r["severe_breaches"] else ""),
            )
        out.print(t)


SUMMARY_FIELDS = [
    "tickets",
    "response_met",
    "response_breached",
    "response_pct",
    "resolution_met",
    "resolution_breached",
    "resolution_pct",
    "breaches",
    "severe_breaches",
]


def _pct(value: float | None, target: float) -> Text:
    if value is None:
        return Text("–", style="dim")
    return Text(f"{value:.1%}", style="green" if value >= target else "bold red")


def summarize(clocks: pl.DataFrame, keys: list[str], period: str | None) -> list[dict[str, Any]]:
    """Compliance per group: response = first response, resolution = every resolution cycle;
    a clock counts once it is met or breached; severe = at least twice the target."""
    c = clocks
    if period:
        start = pl.from_epoch("start", time_unit="s")
        c = c.with_columns(
            (start.dt.truncate("1w") if period == "week" else start.dt.truncate("1mo"))
            .dt.date()
            .cast(pl.String)
            .alias("period")
        )
    fr = pl.col("metric") == "first_response"
    res = pl.col("metric") == "resolution"
    met = pl.col("status") == "met"
    br = pl.col("status") == "breached"
    agg = [
        pl.col("ticket_id").n_unique().alias("tickets"),
        (fr & met).sum().alias("response_met"),
        (fr & br).sum().alias("response_breached"),
        (res & met).sum().alias("resolution_met"),
        (res & br).sum().alias("resolution_breached"),
        ((fr | res) & br).sum().alias("breaches"),
        ((fr | res) & (pl.col("level").cast(pl.String) == "severe")).sum().alias("severe_breaches"),
    ]
    grouped = c.group_by(keys).agg(agg) if keys else c.select(agg)
    grouped = grouped.with_columns(
        (pl.col("response_met") / (pl.col("response_met") + pl.col("response_breached")))
        .fill_nan(None)
        .alias("response_pct"),
        (pl.col("resolution_met") / (pl.col("resolution_met") + pl.col("resolution_breached")))
        .fill_nan(None)
        .alias("resolution_pct"),
    )
    if keys:
        grouped = grouped.sort([pl.col(k).cast(pl.String) for k in keys], nulls_last=True)
    return [
        {k: (str(v) if k in keys and v is not None else v) for k, v in r.items()}
        for r in grouped.select(*keys, *SUMMARY_FIELDS).to_dicts()
    ]
