"""The review for people: a terminal summary (Rich) and a Markdown report.

Ticket text is untrusted: Rich output goes through :class:`rich.text.Text` (no markup is
interpreted), Markdown through :func:`md` (HTML and Markdown control characters escaped).
"""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from supportops.review.document import ReviewDocument, WeekRate

__all__ = ["md", "md_draft", "pct", "render_markdown", "render_text"]

#: At-risk accounts listed in the terminal summary (most urgent first); the rest are counted.
TERMINAL_AT_RISK = 12

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def pct(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f}%"


def md(text: str | None) -> str:
    """Untrusted text as inert Markdown: HTML entities for ``& < >``, control characters
    backslash-escaped, newlines folded."""
    if not text:
        return ""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def md_draft(text: str) -> str:
    """A KB draft (Markdown that quotes ticket text as written) made inert: ``&`` and ``<``
    become entities, so no HTML tag from a ticket survives; the Markdown structure (headings,
    lists, ``>`` quotes) stays."""
    return text.replace("&", "&amp;").replace("<", "&lt;")


def _headline(doc: ReviewDocument) -> str:
    s = doc.summary
    change = ""
    if s.escalation_rate is not None and s.escalation_rate_previous is not None:
        delta = (s.escalation_rate - s.escalation_rate_previous) * 100
        change = f" ({delta:+.2f} pts vs last week)"
    return (
        f"Escalation rate {pct(s.escalation_rate)}{change}: {s.escalated} of {s.created} "
        f"tickets; target {pct(s.target_rate, 0)}, {len(doc.trend)}-week rate "
        f"{pct(s.escalation_rate_trend)}."
    )


def kb_story(doc: ReviewDocument) -> str | None:
    """Seed 000's question, answered from the history window: did the escalation rate fall
    after the knowledge-base articles went out? Weeks before the first article's week against
    weeks after the last one's; ``None`` without articles or weeks on both sides."""
    published = sorted(a.published_at for a in doc.articles_published if a.published_at)
    if not published:
        return None
    tz = ZoneInfo(doc.period.timezone)
    first_day = published[0].astimezone(tz).date()
    last_day = published[-1].astimezone(tz).date()
    before = [w for w in doc.history if w.first + timedelta(days=7) <= first_day]
    after = [w for w in doc.history if w.first > last_day]
    if not before or not after:
        return None

    def rate(weeks: list[WeekRate]) -> float | None:
        created = sum(w.created for w in weeks)
        return sum(w.escalated for w in weeks) / created if created else None

    n = len(published)
    return (
        f"{n} KB article{'s' if n != 1 else ''} published {first_day:%d %b} to "
        f"{last_day:%d %b}: escalation rate {pct(rate(before))} in the {len(before)} weeks "
        f"before, {pct(rate(after))} in the {len(after)} weeks since."
    )


def _rating_style(rating: str) -> str:
    return {"good": "green", "warning": "yellow", "bad": "red"}.get(rating, "")


def render_text(doc: ReviewDocument, console: Console) -> None:
    """The terminal summary: headline, trend, problems, quality, at-risk accounts."""
    s = doc.summary
    p = doc.period
    head = Text()
    head.append(f"Weekly escalation review {p.label}", style="bold")
    head.append(f"  ({p.first} to {p.last}, {p.timezone})\n")
    head.append(_headline(doc), style=_rating_style(s.rating))
    head.append(
        f"\nElevations {s.elevated} ({pct(s.elevation_rate)}), {s.elevated_without_escalation} "
        f"without an escalation; early escalations {s.early}; tier ping-pong {s.ping_pong}; "
        f"group bouncing {s.bouncing}. Created {s.created}, resolved {s.resolved}."
    )
    sla = doc.sla
    head.append(
        f"\nSLA on escalated tickets: first response {pct(sla.first_response.compliance, 0)}, "
        f"resolution {pct(sla.resolution.compliance, 0)} "
        f"({sla.first_response.breached + sla.resolution.breached} breaches)."
    )
    story = kb_story(doc)
    if story:
        head.append("\n" + story)
    parts: list[RenderableType] = [head]

    trend = Table(title="Escalation rate by week", title_justify="left", box=None, padding=(0, 1))
    for col in ("week", "created", "escalated", "rate", ""):
        trend.add_column(col, justify="right" if col not in ("week", "") else "left")
    top = max((w.escalation_rate or 0 for w in doc.trend), default=0) or 1
    for w in doc.trend:
        bar = "█" * round((w.escalation_rate or 0) / top * 20)
        style = "red" if (w.escalation_rate or 0) > s.target_rate else "green"
        trend.add_row(
            w.week, str(w.created), str(w.escalated), pct(w.escalation_rate), Text(bar, style=style)
        )
    parts.append(trend)

    if doc.problems:
        t = Table(title="Repeat problems", title_justify="left", box=None, padding=(0, 1))
        for col in ("id", "problem", "week", "12w", "all", "since", "KB"):
            t.add_column(col, overflow="fold")
        for pr in doc.problems:
            kb = "draft" if pr.draft else ""
            if pr.article is not None:
                kb = "article" + (" ↓" if pr.article.fell else "")
            t.add_row(
                pr.shown_id + (" (first week)" if pr.first_week else ""),
                Text.assemble(pr.title, "\n", (pr.label, "dim")),
                str(pr.count_period),
                str(pr.count_trend),
                str(pr.count_history),
                pr.first_seen,
                kb,
            )
        parts.append(t)

    q = doc.quality
    quality = Text()
    if q.habitual:
        quality.append("Customers who escalate by habit:\n", style="bold")
        for h in q.habitual:
            quality.append(
                f"  {h.organization or h.organization_id}: {h.escalated} of {h.tickets} tickets "
                f"({pct(h.rate, 1)} vs {pct(h.baseline, 1)} for everyone else, q={h.q_value:.2g})\n"
            )
    for person in q.people:
        if person.direction != "typical":
            quality.append(
                f"  {person.name or person.person} escalates {person.direction} than peers: median "
                f"{person.median_hours:.1f} business h vs {person.peer_median_hours:.1f} "
                f"(p={person.p_value:.2g})\n"
            )
    if q.aged_unescalated:
        quality.append(
            f"Aged open tickets never escalated: {len(q.aged_unescalated)} listed, oldest "
            f"{max(a.age_days for a in q.aged_unescalated):.0f} days.\n"
        )
    if quality:
        parts.append(quality)
    if doc.at_risk:
        risk = Table(title="At-risk accounts", title_justify="left", box=None, padding=(0, 1))
        for col in ("account", "tier", "signals", "evidence"):
            risk.add_column(col, overflow="fold")
        for a in doc.at_risk[:TERMINAL_AT_RISK]:
            risk.add_row(
                Text(a.organization or a.organization_id),
                a.customer_tier or "",
                ", ".join(sig.signal for sig in a.signals),
                ", ".join(sorted({t for sig in a.signals for t in sig.evidence})[:4]),
            )
        parts.append(risk)
        if len(doc.at_risk) > TERMINAL_AT_RISK:
            parts.append(
                Text(
                    f"… and {len(doc.at_risk) - TERMINAL_AT_RISK} more accounts, ranked lower "
                    "(all of them in --format json, md or html)",
                    style="dim",
                )
            )
    # the CLI's console soft-wraps (for pipes); a panel must wrap its own lines
    console.print(Panel(Group(*parts), expand=False, border_style="dim"), soft_wrap=False)


def render_markdown(doc: ReviewDocument) -> str:
    """The full review as a Markdown report."""
    s, p = doc.summary, doc.period
    story = kb_story(doc)
    out = [
        f"# Weekly escalation review {md(p.label)}",
        "",
        f"{p.first} to {p.last} ({p.timezone}); facts as of {p.as_of:%Y-%m-%d %H:%M} UTC; "
        f"policy: {md(doc.policy_source)}.",
        "",
        f"**{_headline(doc)}**",
        "",
        *([story, ""] if story else []),
        "| measure | this period | previous |",
        "|---|---:|---:|",
        f"| tickets created | {s.created} | |",
        f"| tickets resolved | {s.resolved} | |",
        f"| escalations | {s.escalated} | |",
        f"| escalation rate | {pct(s.escalation_rate)} | {pct(s.escalation_rate_previous)} |",
        f"| elevations (tier moves up) | {s.elevated} ({pct(s.elevation_rate)}) | |",
        f"| elevations without an escalation | {s.elevated_without_escalation} | |",
        f"| early escalations | {s.early} | |",
        f"| tier ping-pong / group bouncing | {s.ping_pong} / {s.bouncing} | |",
        f"| SLA first response (escalated) | {pct(doc.sla.first_response.compliance, 0)} | |",
        f"| SLA resolution (escalated) | {pct(doc.sla.resolution.compliance, 0)} | |",
        "",
        "## Trend",
        "",
        "| week | created | escalated | rate | elevated |",
        "|---|---:|---:|---:|---:|",
    ]
    out += [
        f"| {w.week} | {w.created} | {w.escalated} | {pct(w.escalation_rate)} | {w.elevated} |"
        for w in doc.trend
    ]
    out += ["", "## Repeat problems", ""]
    if doc.problems:
        out += [
            "| id | problem | this period | trend | history | first seen | weeks | KB |",
            "|---|---|---:|---:|---:|---|---:|---|",
        ]
        for pr in doc.problems:
            kb = "draft below" if pr.draft else "none"
            if pr.article is not None:
                kb = md(pr.article.title)
                if pr.article.fell is not None:
                    kb += " (escalations fell)" if pr.article.fell else " (did not fall)"
            out.append(
                f"| {pr.shown_id} | {md(pr.label)}: {md(pr.title)} | {pr.count_period} | "
                f"{pr.count_trend} | {pr.count_history} | {pr.first_seen} | "
                f"{pr.weeks_seen} | {kb} |"
            )
    else:
        out.append("No repeat problems this period.")
    out += ["", "## Escalations this period", ""]
    if doc.escalations:
        out += [
            "| ticket | subject | account | priority | category | hours to escalate | early | "
            "problem |",
            "|---|---|---|---|---|---:|---|---|",
        ]
        for e in doc.escalations:
            hours = "" if e.hours_to_escalate is None else f"{e.hours_to_escalate:.1f}"
            out.append(
                f"| {md(e.ticket_id)} | {md(e.subject)} | "
                f"{md(e.organization or e.organization_id)} | {e.priority or ''} | "
                f"{md(e.category)} | {hours} | "
                f"{'yes: ' + md(e.early_why) if e.early else 'no'} | {e.problem_id or ''} |"
            )
    else:
        out.append("No escalations this period.")
    for name, rows in doc.breakdowns.items():
        out += [
            "",
            f"### By {name.replace('_', ' ')}",
            "",
            "| | created | escalated | rate |",
            "|---|---:|---:|---:|",
        ]
        out += [
            f"| {md(b.key)} | {b.created} | {b.escalated} | {pct(b.escalation_rate)} |"
            for b in rows[:10]
        ]
    q = doc.quality
    out += ["", "## Are we escalating the right cases?", ""]
    out.append(f"Early escalations this period: {len(q.early)} of {s.escalated}.")
    out += ["", "**Customers who escalate by habit**", ""]
    out += [
        f"- {md(h.organization or h.organization_id)} ({md(h.customer_tier)}): {h.escalated} of "
        f"{h.tickets} tickets escalated ({pct(h.rate, 1)}; everyone else {pct(h.baseline, 1)}; "
        f"95% interval {pct(h.ci_low, 1)}–{pct(h.ci_high, 1)}; q = {h.q_value:.2g}), "
        f"{h.early} early"
        for h in q.habitual
    ] or ["- none found"]
    out += ["", "**Escalation speed by person** (business hours from creation)", ""]
    out += [
        f"- {md(x.name or x.person)}: median {x.median_hours:.1f} h vs peers "
        f"{x.peer_median_hours:.1f} h over {x.escalations} escalations — {x.direction} "
        f"(p = {x.p_value:.2g})"
        for x in q.people
    ] or ["- not enough escalations per person to compare"]
    out += ["", "**Aged open tickets never escalated** (noise or neglect?)", ""]
    out += [
        f"- {md(a.ticket_id)} {md(a.subject)} — {a.priority}, {a.state}, "
        f"{a.age_days:.0f} days old, idle {a.idle_days:.0f} days"
        for a in q.aged_unescalated
    ] or ["- none"]
    out += [
        "",
        "**Retrospective**: "
        + (", ".join(q.retrospective.ticket_ids) or "nothing to review")
        + (" (a random sample)" if q.retrospective.sampled else ""),
        "",
    ]
    out += [f"{i}. {question}" for i, question in enumerate(q.retrospective.questions, 1)]
    out += ["", "## At-risk accounts", ""]
    for a in doc.at_risk:
        out.append(f"- **{md(a.organization or a.organization_id)}** ({md(a.customer_tier)})")
        out += [
            f"  - {md(sig.description)} → {md(sig.handoff)} ({sig.urgency}): "
            f"{', '.join(md(t) for t in sig.evidence[:8])}"
            for sig in a.signals
        ]
    if not doc.at_risk:
        out.append("None flagged.")
    if doc.kb_drafts:
        out += ["", "## KB drafts", ""]
        for pid, text in doc.kb_drafts.items():
            out += [f"### {pid}", "", md_draft(text).strip(), ""]
    if doc.tracker:
        out += [
            "",
            "## Tracker",
            "",
            "| id | problem | status | owner | weeks | total |",
            "|---|---|---|---|---:|---:|",
        ]
        out += [
            f"| {t.problem_id} | {md(t.label)} | {t.status} | {md(t.owner)} | {t.weeks_seen} | "
            f"{t.count_total} |"
            for t in doc.tracker
        ]
    return "\n".join(out) + "\n"
