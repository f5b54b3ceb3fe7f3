"""``supportops metrics``: the support scorecard, colour-coded against the policy's targets."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from supportops.cli.app import app, open_store
from supportops.cli.output import Format, console, print_csv, print_json
from supportops.errors import InputError
from supportops.importers.base import parse_instant
from supportops.policy import find_policy
from supportops.scorecard import (
    SEGMENTS,
    STAGES,
    MetricInfo,
    ScorecardResult,
    benchmarks,
    compute_scorecard,
    format_value,
)

STYLE = {"good": "green", "warning": "yellow", "bad": "bold red", "none": ""}
#: The measures a table shows unless --metric names others (JSON and CSV have them all).
HEADLINE = (
    "n_tickets",
    "solved",
    "first_response_time",
    "first_response_time_calendar",
    "resolution_time",
    "resolution_time_calendar",
    "full_resolution_time",
    "fcr",
    "one_touch",
    "reopen_rate",
    "csat",
    "csat_responses",
    "nps",
    "ces",
    "escalation_rate",
    "true_escalation_rate",
    "elevation_rate",
    "sla_response",
    "sla_resolution",
    "backlog",
    "backlog_age",
    "queue_depth",
    "queue_wait",
    "tickets_per_agent_day",
    "utilization",
    "cost_per_ticket",
)
#: … and the columns of a table with one row per period or segment (fits 100 columns).
WIDE = (
    "n_tickets",
    "first_response_time",
    "resolution_time",
    "fcr",
    "csat",
    "reopen_rate",
    "escalation_rate",
    "sla_response",
    "backlog",
)


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option} {text!r}: write a date such as 2026-11-01") from None


def _instant(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_instant(text if ("T" in text or " " in text) else text + "T00:00", UTC)
    except ValueError:
        raise InputError(f"--as-of {text!r}: write an instant such as 2026-11-20T12:00Z") from None


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


@app.command("metrics")
def metrics(
    ctx: typer.Context,
    by: Annotated[
        list[str] | None,
        typer.Option("--by", help=f"Segment by {', '.join(SEGMENTS)} (repeatable)."),
    ] = None,
    period: Annotated[
        str | None, typer.Option(help="One row per 'week' (ISO, Monday first) or 'month'.")
    ] = None,
    since: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD, local).")] = None,
    until: Annotated[str | None, typer.Option(help="Last day, included.")] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Measure at this UTC instant (default: the latest event)."),
    ] = None,
    metric: Annotated[
        list[str] | None,
        typer.Option("--metric", "-m", help="Show these measures (repeatable; table only)."),
    ] = None,
    policy: Annotated[
        Path | None,
        typer.Option(
            "--policy",
            help="Policy file (default: SUPPORTOPS_POLICY, "
            "./supportops.policy.yaml, or the built-in default).",
        ),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
) -> None:
    """The support scorecard: CSAT, FRT, TTR, FCR, reopen, escalation, SLA, backlog …"""
    segments = _split(by)
    chosen = _split(metric)
    first, last = _day(since, "--since"), _day(until, "--until")
    store = open_store(ctx)
    result = compute_scorecard(
        store,
        find_policy(policy),
        as_of=_instant(as_of),
        since=first,
        until=last,
        period=period,
        by=segments,
    )
    names = [m.name for m in result.metrics]
    unknown = [m for m in chosen if m not in names]
    if unknown:
        raise InputError(f"--metric {unknown[0]!r}: choose from {', '.join(names)}")
    if fmt is Format.json:
        print_json(result.to_dict())
        return
    if fmt is Format.csv:
        rows = [
            {
                **{k: round(v, 6) if isinstance(v, float) else v for k, v in r.items()},
                "period": r["period"].isoformat() if r["period"] else None,
            }  # six decimals: no float noise (101721.20000000001), nothing a reader needs lost
            for r in result.rows.iter_rows(named=True)
        ]
        print_csv(rows, result.rows.columns)
        return
    out = console()
    if result.period is None and not result.by:
        out.print(_vertical(result, chosen or [n for n in HEADLINE if n in names]))
        out.print(_benchmarks(result))
    else:
        out.print(_wide(result, chosen or [n for n in WIDE if n in names]))
    out.print(
        Text(
            "green: target met · yellow: between target and warning · red: past the warning "
            "line. Times: median, business hours; d = 24 h.",
            style="dim",
        )
    )


def _title(result: ScorecardResult) -> str:
    span = ""
    if result.since or result.until:
        span = f" {result.since or '…'} to {result.until or '…'},"
    return f"Support scorecard,{span} at {result.as_of:%Y-%m-%d %H:%M} UTC"


def _cell(info: MetricInfo, value: Any, currency: str) -> Text:
    return Text(format_value(info, value, currency), style=STYLE[info.status(value)])


def _vertical(result: ScorecardResult, names: list[str]) -> Table:
    t = Table(title=_title(result), title_justify="left", header_style="bold")
    for column, justify in (
        ("measure", "left"),
        ("value", "right"),
        ("target", "left"),
        ("warning", "left"),
        ("stage", "left"),
    ):
        t.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    row = result.rows.row(0, named=True) if result.rows.height else {}
    for name in names:
        info = result.metric(name)
        value = row.get(name)
        t.add_row(
            Text(info.label),
            _cell(info, value, result.currency),
            Text(info.target or "–", style="" if info.target else "dim"),
            Text(info.warning or "–", style="" if info.warning else "dim"),
            Text(info.stage(value) or ("–" if info.benchmarks else ""), style="dim"),
        )
    return t


def _benchmarks(result: ScorecardResult) -> Table:
    t = Table(
        title="Benchmarks by company stage (seed 001)", title_justify="left", header_style="bold"
    )
    for column in ("measure", *STAGES, "yours"):
        t.add_column(column)
    row = result.rows.row(0, named=True) if result.rows.height else {}
    marks = benchmarks()
    for name in ("csat", "first_response_time", "resolution_time", "fcr"):
        info = result.metric(name)
        t.add_row(
            Text(info.short),
            *[Text(marks[s].get(name, "–")) for s in STAGES],
            _cell(info, row.get(name), result.currency),
        )
    return t


def _label(kind: str | None, day: date) -> str:
    """``2026-W48`` for an ISO week, ``2026-11`` for a month."""
    if kind == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day:%Y-%m}"


def _wide(result: ScorecardResult, names: list[str]) -> Table:
    t = Table(
        title=_title(result),
        title_justify="left",
        header_style="bold",
        box=box.SIMPLE_HEAD,  # one space between columns: ten of them fit 100 columns
        padding=(0, 0),
        pad_edge=False,
    )
    keys = [k for k in result.key_columns if not (k == "period" and result.period is None)]
    if "agent_name" in keys:
        keys.remove("agent")  # the name says it; JSON and CSV keep the id
    for k in keys:
        t.add_column(k.replace("_", " "), overflow="ellipsis", no_wrap=True, max_width=18)
    infos = [result.metric(n) for n in names]
    for info in infos:
        t.add_column(info.short, justify="right", no_wrap=True)
    previous: Any = object()
    for row in result.rows.iter_rows(named=True):
        cells = []
        for k in keys:
            value = row[k]
            if k == "period":  # written once per run of rows of the same period
                text = _label(result.period, value) if value != previous else ""
                previous = value
            else:
                text = "–" if value is None else str(value)
            cells.append(Text(text, style="dim" if value is None else ""))
        cells += [_cell(info, row[info.name], result.currency) for info in infos]
        t.add_row(*cells)
    return t
