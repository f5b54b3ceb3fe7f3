"""Commands about the policy file: ``policy init``, ``policy check``, ``policy show``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from supportops.cli.app import app
from supportops.cli.output import Format, console, err_console, plural, print_csv, print_json
from supportops.errors import InputError, PolicyError
from supportops.policy import (
    DEFAULT_PATH,
    DEFAULT_POLICY_YAML,
    METRICS,
    Policy,
    find_policy,
    format_seconds,
    load_policy,
)

policy_app = typer.Typer(
    help="The support policy: write the default file, check a file, show its SLA matrix.",
    no_args_is_help=True,
)
app.add_typer(policy_app, name="policy")


@policy_app.command("init")
def init(
    path: Annotated[
        Path, typer.Argument(help="Where to write the policy file.", show_default=True)
    ] = DEFAULT_PATH,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write the default policy, with a comment on every section, for you to edit."""
    if path.exists() and not force:
        raise InputError(f"{path} already exists: pass --force to overwrite it")
    try:
        path.write_text(DEFAULT_POLICY_YAML, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    console().print(
        f"Wrote the default policy to {path}. Edit it, then run `supportops policy check {path}`."
    )


def _summary(policy: Policy) -> str:
    rules = policy.rules
    ladder = "/".join(f"{step.at * 100:g}%" for step in policy.warning_ladder)
    return (
        f"{plural(len(policy.calendars), 'calendar')} ({', '.join(policy.calendars)}), "
        f"{plural(len(rules), 'SLA rule')} ({', '.join(r.name for r in rules)}), "
        f"{plural(len(policy.customer_tiers.multipliers), 'customer tier')}, "
        f"warning ladder {ladder}"
    )


@policy_app.command("check")
def check(
    file: Annotated[Path, typer.Argument(help="The policy file to check.", show_default=False)],
) -> None:
    """Validate a policy file: prints "ok: …" or every problem, one per line (exit 1)."""
    try:
        policy = load_policy(file)
    except PolicyError as exc:
        out = err_console()
        for line in exc.problems:
            out.print(line, markup=False, highlight=False)
        out.print(f"{plural(len(exc.problems), 'problem')} in {file}", markup=False)
        raise typer.Exit(1) from None
    console().print(f"ok: {file}: {_summary(policy)}", markup=False)


@policy_app.command("show")
def show(
    policy_file: Annotated[
        Path | None,
        typer.Option(
            "--policy",
            help="Policy file (else $SUPPORTOPS_POLICY, ./supportops.policy.yaml, the default).",
            show_default=False,
        ),
    ] = None,
    tier: Annotated[
        str | None,
        typer.Option("--tier", help="Apply this customer tier's multiplier, e.g. enterprise."),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
) -> None:
    """The effective SLA matrix: priorities by metrics, after the tier multiplier."""
    policy = find_policy(policy_file)
    if tier is not None:
        tier = tier.strip().lower()
        if tier not in policy.tier_multipliers:
            raise InputError(
                f"unknown customer tier {tier!r}: choose one of "
                f"{', '.join(policy.tier_multipliers)}"
            )
    rows = policy.sla_matrix(tier)
    multiplier = policy.multiplier(tier)
    if fmt is Format.json:
        print_json(
            {
                "policy": policy.source,
                "tier": tier,
                "multiplier": multiplier,
                "calendars": _calendars(policy, rows),
                "rows": rows,
            }
        )
        return
    columns = ["priority", "rule", "calendar", *METRICS]
    flat = [
        {
            **{k: r[k] for k in ("priority", "rule", "calendar")},
            **{m: r["targets"][m]["text"] for m in METRICS},
        }
        for r in rows
    ]
    if fmt is Format.csv:
        print_csv(flat, columns)
        return
    title = f"SLA targets ({policy.source}"
    title += f", tier {tier} ×{multiplier:g})" if tier else ")"
    out = console()
    out.print(_matrix(title, flat))
    for name, info in _calendars(policy, rows).items():
        out.print(f"{name}: {info['timezone']}, {info['hours']}; 1bd = {info['business_day']}")
    for rule in dict.fromkeys(row["rule"] for row in flat):
        priorities = ", ".join(row["priority"] for row in flat if row["rule"] == rule)
        out.print(f"rule {rule}: {priorities}")


_HEADERS = {"priority": "", "periodic_update": "update"}


def _matrix(title: str, flat: list[dict[str, str]]) -> Table:
    """Priorities by metrics; cells never fold (headers wrap on their words instead)."""
    grid = Table(title=title, title_justify="left", header_style="bold", box=box.SIMPLE_HEAD)
    columns = ("priority", "calendar", *METRICS)
    for column in columns:
        header = _HEADERS.get(column, column.replace("_", " "))
        cells = [row[column].replace("_", " ") for row in flat]
        width = max([len(c) for c in cells] + [len(w) for w in header.split()])
        grid.add_column(header, min_width=width)
    for row in flat:
        grid.add_row(*(Text(row[c].replace("_", " ")) for c in columns))
    return grid


def _calendars(policy: Policy, rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    used = dict.fromkeys(r["calendar"] for r in rows)
    out = {}
    for name in used:
        spec = policy.calendars[name]
        hours = spec.model_dump()["hours"]
        text = hours if isinstance(hours, str) else _hours_text(hours)
        out[name] = {
            "timezone": spec.timezone,
            "hours": text,
            "business_day": format_seconds(spec.business_day),
        }
    return out


def _hours_text(hours: dict[str, list[str]]) -> str:
    """``mon-fri 09:00-18:00; sat 10:00-12:00``: consecutive days with equal windows merge."""
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    runs: list[tuple[str, str, list[str]]] = []
    for day in days:
        windows = hours.get(day)
        if (
            windows
            and runs
            and runs[-1][2] == windows
            and days.index(runs[-1][1]) + 1 == days.index(day)
        ):
            runs[-1] = (runs[-1][0], day, windows)
        elif windows:
            runs.append((day, day, windows))
    return (
        "; ".join(f"{a if a == b else f'{a}-{b}'} {', '.join(w)}" for a, b, w in runs) or "closed"
    )
