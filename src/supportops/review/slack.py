"""The review's Slack summary (Block Kit): the headline, what changed, the top repeat
problems, who to look at, and where the full report is. Ticket text is escaped for
Slack's mrkdwn by the block builders."""

from __future__ import annotations

from typing import Any

from supportops.notify.slack import (
    context,
    divider,
    escape,
    fields,
    header,
    link,
    message,
    section,
)
from supportops.review.document import ReviewDocument
from supportops.review.render import pct

__all__ = ["review_payload"]

_ICON = {"good": ":large_green_circle:", "warning": ":large_yellow_circle:", "bad": ":red_circle:"}


def review_payload(doc: ReviewDocument, *, report_url: str | None = None) -> dict[str, Any]:
    """The incoming-webhook payload: ``text`` (the notification fallback) and ``blocks``."""
    s, p = doc.summary, doc.period
    change = ""
    if s.escalation_rate is not None and s.escalation_rate_previous is not None:
        delta = (s.escalation_rate - s.escalation_rate_previous) * 100
        change = f" ({delta:+.2f} pts vs last week)"
    headline = (
        f"Escalation rate {pct(s.escalation_rate)}{change}: {s.escalated} of {s.created} tickets"
    )
    blocks: list[dict[str, Any]] = [
        header(f"Weekly escalation review {p.label}"),
        section(f"{_ICON[s.rating]} *{escape(headline)}*"),
        fields(
            ("Target", pct(s.target_rate, 0)),
            (f"{len(doc.trend)}-week rate", pct(s.escalation_rate_trend)),
            ("Elevations", f"{s.elevated} ({pct(s.elevation_rate, 1)})"),
            ("Early escalations", str(s.early)),
            ("SLA resolution (escalated)", pct(doc.sla.resolution.compliance, 0)),
            ("Created / resolved", f"{s.created} / {s.resolved}"),
        ),
    ]
    if doc.problems:
        lines = []
        for pr in doc.problems[:5]:
            kb = " — _KB draft ready_" if pr.draft else ""
            if pr.article is not None:
                kb = f" — KB: {escape(pr.article.title)}"
            new = " :new:" if pr.first_week else ""
            lines.append(
                f"• *{escape(pr.label)}* ({pr.shown_id}{new}): {pr.count_period} this week, "
                f"{pr.count_trend} in {len(doc.trend)} weeks{kb}"
            )
        blocks += [divider(), section("*Repeat problems*\n" + "\n".join(lines))]
    q = doc.quality
    notes = []
    for h in q.habitual[:3]:
        notes.append(
            f"• {escape(h.organization or h.organization_id)} escalates by habit: "
            f"{h.escalated} of {h.tickets} tickets ({pct(h.rate, 1)} vs {pct(h.baseline, 1)})"
        )
    for a in doc.at_risk[:3]:
        signals = ", ".join(escape(sig.description) for sig in a.signals)
        notes.append(f"• At risk: {escape(a.organization or a.organization_id)} — {signals}")
    if notes:
        blocks += [section("*Look at*\n" + "\n".join(notes))]
    footer = f"{p.first} to {p.last} ({p.timezone}) · supportops"
    if report_url:
        footer += " · " + link(report_url, "full report")
    blocks.append(context(footer))
    return message(f"Weekly escalation review {p.label}: {headline}", blocks)
