"""The dashboard in a real browser (Chromium, headless): every page loads, shows the API's
figures, links through, stays on localhost, and shows script-like ticket text as text."""

from __future__ import annotations

import re

import httpx
from tabs import Tab

from live_server import SCRIPT_COMMENT, SCRIPT_DESCRIPTION, SCRIPT_SUBJECT, SCRIPT_TICKET

PAGES = {
    "overview": "/",
    "sla-queue": "/sla",
    "ticket": "/tickets/demo:10014",
    "script-ticket": f"/tickets/{SCRIPT_TICKET}",
    "review": "/review",
}


def api(tab: Tab, path: str, **params: object) -> dict:
    response = httpx.get(tab.base + path, params=params, timeout=60)
    assert response.status_code == 200
    return response.json()


def expected_value(value: float | None, unit: str) -> str:
    """The figure a tile should show, formatted here independently of the templates."""
    if value is None:
        return "–"
    if unit == "percent":
        return f"{value * 100:.1f}%"
    return f"{value:,.0f}"


def expected_card_value(value: float | None, unit: str) -> str:
    """A scorecard figure as `supportops metrics` prints it (85.2%, 42m, 5.2h, 58h, 4.6d,
    1,283), formatted here independently of the templates and of the library."""
    if value is None:
        return "–"
    if unit == "percent":
        return f"{value * 100:.1f}%"
    if unit == "seconds":
        hours = value / 3600
        if hours < 1:
            return f"{value / 60:.0f}m"
        if hours < 10:
            return f"{hours:.1f}h"
        if hours < 72:
            return f"{hours:.0f}h"
        return f"{hours / 24:.1f}d"
    return f"{value:,.0f}"


def test_every_page_loads_on_localhost_with_no_errors(tab: Tab) -> None:
    for name, path in PAGES.items():
        tab.open(path)
        assert tab.page.locator("nav a[aria-current=page], h1").count() > 0
        assert tab.page.evaluate("document.querySelectorAll('script').length") == 0
        shot = tab.screenshot(name)
        assert shot.stat().st_size > 10_000
    # a CSP violation or a missing asset would show here as a console error
    assert [m for m in tab.console if m.startswith("error")] == []
    assert tab.requests  # pages, the stylesheet, the icon
    assert any(u.endswith("/static/dashboard.css") for u in tab.requests)
    assert tab.off_host() == []


def test_overview_shows_the_api_figures(tab: Tab) -> None:
    data = api(tab, "/api/overview")
    tab.open("/")
    for tile in data["tiles"]:
        shown = tab.page.locator(f"[data-metric={tile['key']}] [data-value]").inner_text()
        assert shown == expected_value(tile["value"], tile["unit"])
        assert tab.page.locator(f"[data-metric={tile['key']}] svg[role=img]").count() == 1
    counters = {
        "breached": data["queue"]["by_status"]["breached"],
        "open-tickets": data["queue"]["open_tickets"],
        **{lv: data["queue"]["by_level"][lv] for lv in ("red", "orange", "yellow")},
    }
    for key, count in counters.items():
        assert tab.page.locator(f"[data-count={key}] .n").inner_text() == str(count)
    links = tab.page.locator("table .ticket-link").all_inner_texts()
    assert links == [c["ticket_id"] for c in data["urgent"]]


def test_overview_shows_the_scorecard(tab: Tab) -> None:
    card = api(tab, "/api/overview")["scorecard"]
    tab.open("/")
    section = tab.page.locator("[data-section=scorecard]")
    assert section.get_attribute("data-week") == card["week"]["start"]
    assert section.locator("[data-metric]").count() == len(card["tiles"])
    keys = [t["key"] for t in card["tiles"]]
    for key in (
        "csat",
        "first_response_time",
        "resolution_time",
        "fcr",
        "reopen_rate",
        "true_escalation_rate",
        "backlog_age",
    ):
        assert key in keys
    for tile in card["tiles"]:
        shown = section.locator(f"[data-metric={tile['key']}]")
        figure = shown.locator("[data-value]").inner_text()
        assert figure == expected_card_value(tile["value"], tile["unit"]) == tile["formatted"]
        assert f"status-{tile['status']}" in (shown.get_attribute("class") or "").split()
        if tile["target"]:
            target = tile["target"].replace(">=", "≥").replace("<=", "≤").replace("..", "–")
            assert shown.locator("[data-target]").inner_text() == target
        if tile["warning"]:
            warning = tile["warning"].replace(">=", "≥").replace("<=", "≤")
            assert shown.locator("[data-warning]").inner_text() == warning
        assert shown.locator("svg[role=img]").count() == 1
        box = shown.bounding_box()
        assert box is not None
        assert box["width"] >= 250  # four across at 1600 px, not squeezed
    # the wall screen's first view: every scorecard tile is on screen without scrolling
    last = section.locator("[data-metric]").last.bounding_box()
    assert last is not None
    assert last["y"] + last["height"] <= 1000
    overflow = tab.page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert overflow is False


def test_sla_queue_shows_the_api_rows(tab: Tab) -> None:
    data = api(tab, "/api/sla", limit=1000)
    tab.open("/sla")
    assert tab.page.locator("[data-total]").inner_text() == str(data["total"])
    rows = tab.page.locator("table[data-table=sla] tbody tr")
    assert rows.count() == data["shown"]
    first = data["clocks"][0]
    assert rows.first.get_attribute("data-ticket") == first["ticket_id"]
    assert rows.first.get_attribute("data-metric") == first["metric"]


def test_filter_and_sort_the_queue(tab: Tab) -> None:
    tab.open("/sla")
    tab.page.select_option("select[name=priority]", "P2")
    tab.page.get_by_role("button", name="Apply").click()
    tab.page.wait_for_url(re.compile(r"priority=P2"))
    expected = api(tab, "/api/sla", priority="P2", limit=1000)
    rows = tab.page.locator("table[data-table=sla] tbody tr")
    assert rows.count() == expected["total"] > 0
    assert set(rows.locator("td:nth-child(4)").all_inner_texts()) == {"P2"}
    tab.page.get_by_role("link", name="Time left").click()
    tab.page.wait_for_url(re.compile(r"sort=left"))
    assert "priority=P2" in tab.page.url  # sorting keeps the filter
    lefts = [
        int(v)
        for v in rows.locator("td[data-left]").evaluate_all(
            "cells => cells.map(c => c.dataset.left)"
        )
    ]
    assert lefts == sorted(lefts)
    assert (tab.page.locator("th[aria-sort] a").text_content() or "").startswith("Time left")


def test_click_from_the_overview_to_a_ticket(tab: Tab) -> None:
    tab.open("/")
    tab.page.locator("[data-nav=sla]").click()
    tab.page.wait_for_url(re.compile(r"/sla$"))
    first = tab.page.locator("table[data-table=sla] tbody tr").first
    ticket_id = first.get_attribute("data-ticket")
    first.locator(".ticket-link").click()
    tab.page.wait_for_url(re.compile(r"/tickets/"))
    data = api(tab, f"/api/tickets/{ticket_id}")
    assert tab.page.locator("[data-ticket-id]").inner_text() == ticket_id
    assert tab.page.locator("[data-subject]").inner_text() == data["ticket"]["subject"]
    assert tab.page.locator(".timeline > li").count() == len(data["events"])
    assert tab.page.locator("pre.explain").count() == len(data["explanation"])
    assert tab.page.locator("table[data-table=clocks] tbody tr").count() == len(data["clocks"])


def test_script_subject_is_shown_as_text(tab: Tab) -> None:
    tab.open(f"/tickets/{SCRIPT_TICKET}")
    assert tab.page.locator("[data-subject]").inner_text() == SCRIPT_SUBJECT
    assert tab.page.locator("[data-description]").inner_text() == SCRIPT_DESCRIPTION
    assert tab.page.locator(".timeline .comment").inner_text() == SCRIPT_COMMENT
    assert tab.page.evaluate("document.querySelectorAll('script, img, b').length") == 0
    tab.open("/sla?priority=P2")
    row = tab.page.locator(f"tr[data-ticket='{SCRIPT_TICKET}']").first
    assert row.locator(".subject-cell").inner_text() == SCRIPT_SUBJECT
    assert "<i>Support</i>" in tab.page.locator("select[name=group]").inner_text()
    tab.open("/review")  # its category chart is labelled "<script>x</script>"
    assert tab.page.locator("svg title", has_text="<script>x</script>").count() >= 1
    assert tab.dialogs == []  # no alert() ran


def test_review_page_shows_the_review(tab: Tab) -> None:
    review = api(tab, "/api/review")["review"]
    tab.open("/review")
    figure = tab.page.locator("[data-metric=escalation_rate] [data-value]").inner_text()
    assert figure == expected_value(review["summary"]["escalation_rate"], "percent")
    for section in ("headline", "trend", "categories", "problems", "at-risk", "tracker"):
        assert tab.page.locator(f"[data-section={section}]").is_visible()
    points = tab.page.locator("[data-section=trend] svg circle")
    assert points.count() == 2 * len(review["trend"])  # escalation and elevation rates
