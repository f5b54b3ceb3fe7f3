"""The review as one self-contained HTML file: inline CSS, server-side SVG charts, no
scripts and nothing fetched from the network. Every ticket-derived string is escaped by
Jinja2's autoescaping (and by :mod:`supportops.charts` inside the charts)."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from supportops import charts
from supportops.review.document import ReviewDocument
from supportops.review.render import kb_story, pct

__all__ = ["render_html", "review_charts"]


@cache
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("supportops.review", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = pct
    return env


def review_charts(doc: ReviewDocument) -> dict[str, Markup]:
    """The report's charts as SVG markup (safe: the chart module escapes its labels)."""
    s = doc.summary
    weeks = doc.history
    trend = charts.line_chart(
        {"escalation rate": [w.escalation_rate for w in weeks]},
        labels=[w.week for w in weeks],
        title="Escalation rate by week against the target",
        target=s.target_rate,
        warning=s.warning_rate,
        y_format=charts.percent,
        width=760,
        height=280,
    )
    elevation = charts.line_chart(
        {"elevation rate": [w.elevation_rate for w in weeks]},
        labels=[w.week for w in weeks],
        title="Elevation rate by week (moves to a higher tier)",
        y_format=charts.percent,
        width=760,
        height=200,
    )
    problems = charts.bar_chart(
        [f"{p.shown_id} {p.label}" for p in doc.problems],
        [float(p.count_trend) for p in doc.problems],
        title=f"Repeat problems: escalations in the last {len(doc.trend)} weeks",
        width=760,
        label_width=320,
    )
    cats = doc.breakdowns.get("category", [])
    category = charts.bar_chart(
        [b.key for b in cats],
        [float(b.escalated) for b in cats],
        title="Escalations this period by category",
        width=760,
        label_width=200,
    )
    return {
        "trend": Markup(trend),
        "elevation": Markup(elevation),
        "problems": Markup(problems),
        "category": Markup(category),
    }


def render_html(doc: ReviewDocument) -> str:
    return (
        _env()
        .get_template("report.html.j2")
        .render(doc=doc, s=doc.summary, charts=review_charts(doc), story=kb_story(doc))
    )
