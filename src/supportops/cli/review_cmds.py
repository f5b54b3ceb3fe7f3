"""``supportops review``: the weekly escalation review, end to end."""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from supportops.cli.app import app, open_store, settings_of
from supportops.cli.output import RichProgress, console, dump_json, err_console
from supportops.cli.sla_cmds import PolicyOption
from supportops.errors import InputError
from supportops.notify.slack import slack_webhook
from supportops.policy import find_policy
from supportops.review.document import ReviewDocument
from supportops.review.html import render_html
from supportops.review.period import week_label, week_period
from supportops.review.render import render_markdown, render_text
from supportops.review.run import load_inputs, lookback, resolve_period
from supportops.review.service import review, write_reports
from supportops.review.slack import review_payload


class ReviewFormat(StrEnum):
    text = "text"
    json = "json"
    md = "md"
    html = "html"


class Channel(StrEnum):
    slack = "slack"


def _day(text: str | None, flag: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{flag} {text!r}: write a date such as 2026-11-16") from None


@app.command("review")
def review_cmd(
    ctx: typer.Context,
    week: Annotated[
        str | None,
        typer.Option(help="ISO week, e.g. 2026-W47 (default: the last complete week of the data)."),
    ] = None,
    since: Annotated[str | None, typer.Option(help="First day (with --until), YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Last day (with --since), YYYY-MM-DD.")] = None,
    fmt: Annotated[
        ReviewFormat, typer.Option("--format", "-f", help="What to print.")
    ] = ReviewFormat.text,
    out: Annotated[
        Path | None,
        typer.Option(help="Also write review-<week>.json/.md/.html and kb-drafts/ here."),
    ] = None,
    post: Annotated[
        Channel | None,
        typer.Option(help="Post the summary: slack (webhook from SUPPORTOPS_SLACK_WEBHOOK_URL)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="With --post: print the payload instead of posting.")
    ] = False,
    record: Annotated[
        bool,
        typer.Option("--record/--no-record", help="Update the Weekly Escalations Tracker."),
    ] = True,
    backfill: Annotated[
        int,
        typer.Option(
            min=0,
            max=104,
            help="First review and record the N weeks before, oldest first, so the tracker "
            "starts with history (a new install, or the demo).",
        ),
    ] = 0,
    schema: Annotated[
        bool, typer.Option("--schema", help="Print the JSON schema of the review and exit.")
    ] = False,
    policy: PolicyOption = None,
) -> None:
    """Run the weekly escalation review: rates and trend, repeat problems, escalation
    quality, at-risk accounts, KB drafts; update the tracker; report and post."""
    if schema:
        sys.stdout.write(json.dumps(ReviewDocument.model_json_schema(by_alias=True), indent=2))
        sys.stdout.write("\n")
        return
    if dry_run and post is None:
        raise InputError("--dry-run shows what --post would send: add --post slack")
    # check the webhook before the work, so a missing one costs nothing
    webhook = slack_webhook(settings_of(ctx)) if post is Channel.slack and not dry_run else None
    store = open_store(ctx)
    the_policy = find_policy(policy)
    inputs = None
    if backfill:
        if not record:
            raise InputError("--backfill records earlier weeks: drop --no-record")
        if since or until:
            raise InputError("--backfill goes with --week (or no period), not --since/--until")
        latest = store.latest_event_at()
        target = resolve_period(the_policy, latest, week=week)
        weeks = [target.first - timedelta(weeks=k) for k in range(backfill, 0, -1)]
        first, _ = lookback(the_policy, week_period(week_label(weeks[0]), target.tz))
        # once for every week
        inputs = load_inputs(store, since=first, until=target.end, latest=latest)
        with RichProgress(unit="weeks") as bar:
            bar.start("Reviewing earlier weeks", len(weeks))
            for done, monday in enumerate(weeks, 1):
                review(store, the_policy, week=week_label(monday), inputs=inputs)
                bar.update(done)
    doc = review(
        store,
        the_policy,
        week=week,
        since=_day(since, "--since"),
        until=_day(until, "--until"),
        record=record,
        inputs=inputs,
    )
    if doc.period.end > doc.period.as_of:
        err_console().print(
            f"note: the data ends {doc.period.as_of:%Y-%m-%d %H:%M} UTC, before {doc.period.label} "
            "does: this is a partial week",
            highlight=False,
        )
    if out is not None:
        try:
            written = write_reports(doc, out)
        except OSError as exc:
            recorded = " (the week is recorded in the tracker)" if record else ""
            raise InputError(
                f"cannot write the reports to {out}: {exc.strerror or exc}{recorded}"
            ) from None
        err_console().print(f"Wrote {len(written)} files to {out}", highlight=False)
    if post is not None and dry_run:
        pass  # stdout carries the payload alone, so it can be piped
    elif fmt is ReviewFormat.json:
        sys.stdout.write(dump_json(doc.to_dict()) + "\n")
    elif fmt is ReviewFormat.md:
        sys.stdout.write(render_markdown(doc))
    elif fmt is ReviewFormat.html:
        sys.stdout.write(render_html(doc))
    else:
        render_text(doc, console())
    if post is Channel.slack:
        payload = review_payload(doc)
        if dry_run:
            sys.stdout.write(dump_json(payload) + "\n")
            return
        assert webhook is not None
        webhook.send(payload)
        err_console().print(f"Posted the summary to {webhook.destination}.", highlight=False)
