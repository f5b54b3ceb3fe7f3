"""The HTML pages: the same data as the JSON API, rendered on the server with Jinja2.

Autoescaping is on for every template and no template marks ticket text safe; the only
markup passed in unescaped is the SVG of :mod:`supportops.charts`, which escapes its own
labels. Pages use no script; sorting and filtering are links and a GET form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from supportops import charts
from supportops.core.explain import NAMES, duration
from supportops.review.document import ReviewDocument
from supportops.review.render import kb_story
from supportops.web.api import NO_REVIEW, QueueFilter, Sort, TicketId, dashboard
from supportops.web.dashboard import QUEUE_FILTERS

router = APIRouter(include_in_schema=False)
TEMPLATES = Path(__file__).parent / "templates"
REFRESH = 300  # seconds between reloads of the wall-screen pages
STATUS_WORDS = {"good": "On target", "warning": "Watch", "bad": "Off target", "none": "No target"}
STATUS_ICONS = {"good": "✓", "warning": "!", "bad": "✕", "none": "·"}

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


# ------------------------------------------------------------------ filters
def pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f}%"


def dur(seconds: int | float | None) -> str:
    """Durations rounded for reading at a distance: 2d 4h, 3h 20m, 45m."""
    if seconds is None:
        return "–"
    s = abs(int(seconds))
    d, h, m = s // 86_400, s % 86_400 // 3600, s % 3600 // 60
    parts = [(d, "d"), (h, "h")] if d else [(h, "h"), (m, "m")] if h else [(m, "m")]
    text = " ".join(f"{n}{unit}" for n, unit in parts if n) or f"{s}s"
    return ("−" if seconds < 0 else "") + text


def threshold(text: str | None) -> str:
    """A policy threshold for display: ``>= 95%`` → ``≥ 95%``."""
    if not text:
        return "–"
    return text.replace(">=", "≥").replace("<=", "≤").replace("..", "–")


def when(value: str | datetime | None, fmt: str = "%a %d %b %H:%M") -> str:
    if value is None:
        return "–"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.strftime(fmt)


def metric_value(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "percent":
        return pct(value)
    if unit == "seconds":
        return dur(value)
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.1f}".removesuffix(".0")


def metric_name(metric: str) -> str:
    return NAMES.get(metric, metric.replace("_", " ").capitalize())


def relative(seconds: int | None) -> str:
    if seconds is None:
        return "–"
    return f"in {dur(seconds)}" if seconds >= 0 else f"{dur(-seconds)} ago"


env.filters.update(
    pct=pct,
    dur=dur,
    when=when,
    metric_value=metric_value,
    metric_name=metric_name,
    relative=relative,
    exact_duration=duration,
    threshold=threshold,
)
env.globals.update(status_words=STATUS_WORDS, status_icons=STATUS_ICONS)


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("refresh", None)
    context.setdefault("page", "")
    html = env.get_template(name).render(request=request, **context)
    return HTMLResponse(html, status_code=status)


def error_page(request: Request, body: Mapping[str, Any]) -> HTMLResponse:
    return render(
        request, "error.html", status=int(body["status"]), error=body, title="Error", as_of=None
    )


def _svg(text: str) -> Markup:
    """Chart SVG from :mod:`supportops.charts`, whose text is already escaped."""
    return Markup(text)  # charts escape every label they write


# ------------------------------------------------------------------ pages
@router.get("/", response_class=HTMLResponse)
def overview_page(request: Request) -> HTMLResponse:
    data = dashboard(request).overview()
    tiles = [{**tile, "spark": _spark(tile)} for tile in data["tiles"]]
    card = data["scorecard"]
    card_tiles = [{**tile, "spark": _spark(tile, target=True)} for tile in card["tiles"]]
    labels = [w[5:] for w in data["weeks"]]
    series = {t["label"]: t["trend"] for t in data["tiles"] if t["unit"] == "percent"}
    trend = None
    if series:
        targets = [t for t in data["tiles"] if t["unit"] == "percent" and t["target"]]
        trend = _svg(
            charts.line_chart(
                series,
                labels=labels,
                title="Weekly SLA compliance",
                target=_threshold_value(targets[0]["target"]) if targets else None,
                y_format=charts.percent,
                width=760,
                height=260,
                palette=charts.DARK_PALETTE,
            )
        )
    return render(
        request,
        "overview.html",
        page="overview",
        title="Overview",
        refresh=REFRESH,
        as_of=data["as_of"],
        data=data,
        tiles=tiles,
        card=card,
        card_tiles=card_tiles,
        trend=trend,
    )


def _spark(tile: Mapping[str, Any], *, target: bool = False) -> Markup:
    """A tile's weekly trend, in its status colour; with ``target``, the policy's target as a
    dashed line (a band's lower edge is not drawn)."""
    status = tile["status"]
    colour = charts.STATUS_COLOURS[status] if status != "none" else charts.DARK_PALETTE[0]
    unit = tile["unit"]
    line = _threshold_value(tile["target"]) if target and tile["target"] else None
    spark = charts.sparkline(
        tile["trend"],
        title=f"{tile['label']}, last {len(tile['trend'])} weeks",
        colour=colour,
        width=300,
        height=56,
        target=line,
        y_format=lambda v: metric_value(v, unit),
    )
    return _svg(spark)


def _threshold_value(text: str) -> float | None:
    """The number in a threshold as the policy writes it (``>= 95%`` → 0.95), for a line."""
    from supportops.policy.durations import parse_threshold

    try:
        threshold = parse_threshold(text)
    except ValueError:
        return None
    return None if threshold.op == ".." else threshold.value


@router.get("/sla", response_class=HTMLResponse)
def sla_page(
    request: Request,
    priority: QueueFilter = None,
    tier: QueueFilter = None,
    group: QueueFilter = None,
    level: QueueFilter = None,
    metric: QueueFilter = None,
    status: QueueFilter = None,
    sort: Sort = "deadline",
) -> HTMLResponse:
    filters = {
        "priority": priority,
        "tier": tier,
        "group": group,
        "level": level,
        "metric": metric,
        "status": status,
    }
    data = dashboard(request).sla_queue(filters, sort, 1000)
    chosen = {k: v for k, v in filters.items() if v}

    def sort_url(key: str) -> str:
        return "/sla?" + urlencode({**chosen, "sort": key})

    return render(
        request,
        "sla.html",
        page="sla",
        title="SLA queue",
        refresh=REFRESH,
        as_of=data["as_of"],
        data=data,
        filter_names=list(QUEUE_FILTERS),
        sort_url=sort_url,
    )


@router.get("/tickets/{ticket_id:path}", response_class=HTMLResponse)
def ticket_page(request: Request, ticket_id: TicketId) -> HTMLResponse:
    data = dashboard(request).ticket(ticket_id)
    events = [{**e, "detail": event_detail(e)} for e in data["events"]]
    return render(
        request,
        "ticket.html",
        page="ticket",
        title=data["ticket"]["id"],
        as_of=data["as_of"],
        data=data,
        events=events,
    )


def event_detail(ev: Mapping[str, Any]) -> str:
    """One line of the timeline, as ``supportops tickets show`` words it."""
    kind = ev["kind"]
    detail = str(ev.get("value") or "")
    if kind == "comment":
        visibility = "public" if ev.get("public") else "internal"
        detail = f"{ev.get('actor_role') or '?'} {visibility}"
    elif kind == "escalation":
        level = f" (level {ev['number']})" if ev.get("number") is not None else ""
        reason = f": {ev['body']}" if ev.get("body") else ""
        detail = f"{ev.get('action') or ''}{level}{reason}"
    elif kind == "tag":
        detail = f"{ev.get('action') or ''} {detail}".strip()
    elif kind == "csat":
        detail = f"{ev.get('number')}/5 {ev.get('body') or ''}".strip()
    raw = ev.get("raw_value")
    if raw and raw != ev.get("value"):
        detail += f" (source: {raw})"
    return detail


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request) -> HTMLResponse:
    review = dashboard(request).review()
    context: dict[str, Any] = {"review": review, "message": NO_REVIEW}
    if review is not None:
        context.update(review_charts(review))
        context["story"] = kb_story(ReviewDocument.model_validate(review))
    return render(
        request,
        "review.html",
        page="review",
        title="Escalation review",
        as_of=(review or {}).get("period", {}).get("as_of"),
        **context,
    )


def review_charts(review: Mapping[str, Any]) -> dict[str, Markup | None]:
    """The review page's charts: the escalation-rate trend against the target and warning
    rates, and escalations by category."""
    summary = review.get("summary") or {}
    trend: Sequence[Mapping[str, Any]] = review.get("trend") or []
    trend_svg = None
    if trend:
        trend_svg = _svg(
            charts.line_chart(
                {
                    "Escalation rate": [w.get("escalation_rate") for w in trend],
                    "Elevation rate": [w.get("elevation_rate") for w in trend],
                },
                labels=[str(w.get("first", w.get("week", "")))[5:] for w in trend],
                title=f"Escalation rate, last {len(trend)} weeks, against target",
                target=summary.get("target_rate"),
                warning=summary.get("warning_rate"),
                y_format=charts.percent,
                width=760,
                height=280,
                palette=charts.DARK_PALETTE,
            )
        )
    rows = sorted(
        (review.get("breakdowns") or {}).get("category") or [],
        key=lambda r: (-(r.get("escalated") or 0), str(r.get("key"))),
    )[:10]
    category_svg = None
    if rows:
        category_svg = _svg(
            charts.bar_chart(
                [str(r.get("key")) for r in rows],
                [r.get("escalated") for r in rows],
                title="Escalations by category, trend weeks",
                colour=charts.DARK_PALETTE[1],
                width=560,
            )
        )
    return {"trend_chart": trend_svg, "category_chart": category_svg}
