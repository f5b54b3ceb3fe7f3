"""The web dashboard over real HTTP (uvicorn on a local port): routes, figures, errors, security.

The store is the demo org (16 weeks) plus one imported ticket whose text is a script
(tests/live_server.py), measured at 2026-11-23 00:00 UTC under the built-in default policy.
Figures are checked against the CLI (a separate code path) or worked by hand.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest
from typer.testing import CliRunner

from live_server import (
    AS_OF,
    SCRIPT_COMMENT,
    SCRIPT_SUBJECT,
    SCRIPT_TICKET,
    add_script_ticket,
    build_demo_store,
    running,
    sample_review,
)
from supportops.cli import app as cli
from supportops.policy import default_policy
from supportops.scorecard import compute_scorecard, format_value
from supportops.store import Store
from supportops.web import create_app

PAGES = ["/", "/sla", f"/tickets/{SCRIPT_TICKET}", "/tickets/demo:10014", "/review"]
API = ["/api/health", "/api/overview", "/api/sla", f"/api/tickets/{SCRIPT_TICKET}", "/api/review"]
TEMPLATES = Path(__file__).parents[1] / "src" / "supportops" / "web" / "templates"
#: The scorecard measures the overview must show (the issue's list).
SCORECARD = (
    "csat",
    "first_response_time",
    "resolution_time",
    "fcr",
    "reopen_rate",
    "true_escalation_rate",
    "backlog_age",
)


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_demo_store(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def base(store_url: str) -> Iterator[str]:
    with running(create_app(store_url, default_policy(), as_of=AS_OF)) as url:
        yield url


@pytest.fixture
def http(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=60) as client:
        yield client


def cli_json(store_url: str, *args: str) -> Any:
    result = CliRunner().invoke(cli, ["--db", store_url, *args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def assert_error(response: httpx.Response, status: int, code: str, words: str) -> None:
    """The one error shape: {"error": {"status", "code", "message", "details"}}."""
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"status", "code", "message", "details"}
    assert (body["error"]["status"], body["error"]["code"]) == (status, code)
    assert words in body["error"]["message"]
    assert isinstance(body["error"]["details"], list)


# ------------------------------------------------------------------ routes
@pytest.mark.parametrize("path", PAGES + API + ["/openapi.json", "/static/dashboard.css"])
def test_every_route_answers(http: httpx.Client, path: str) -> None:
    response = http.get(path)
    assert response.status_code == 200, response.text
    if path in PAGES:
        assert response.headers["content-type"].startswith("text/html")
        assert "<nav" in response.text
        assert "<script" not in response.text


def test_health(http: httpx.Client, store_url: str) -> None:
    data = http.get("/api/health").json()
    assert data["status"] == "ok"
    assert data["as_of"] == "2026-11-23T00:00:00Z"
    assert data["read_only"] is True
    assert data["store"] == store_url
    # tickets created by as_of (a few of the demo's last day come after midnight UTC)
    before = cli_json(store_url, "tickets", "--until", "2026-11-23", "--limit", "100000")
    assert data["tickets"] == len(before)


def test_figures_are_computed_once_and_again_after_an_import(
    tmp_path: Path, store_url: str
) -> None:
    url = f"sqlite:///{tmp_path / 'copy.db'}"
    Path(tmp_path / "copy.db").write_bytes(Path(store_url.removeprefix("sqlite:///")).read_bytes())
    with running(create_app(url, default_policy(), as_of=AS_OF)) as base:
        first = httpx.get(f"{base}/api/health").json()
        assert httpx.get(f"{base}/api/health").json()["computed_at"] == first["computed_at"]
        with Store.open(url) as store:
            store.delete_source("supportops")
            add_script_ticket(store, tmp_path / "again")  # an import: the log changes
        again = httpx.get(f"{base}/api/health").json()
        assert again["computed_at"] != first["computed_at"]
        assert again["tickets"] == first["tickets"]


def test_figures_are_computed_again_after_a_review_is_recorded(
    tmp_path: Path, store_url: str
) -> None:
    url = f"sqlite:///{tmp_path / 'copy.db'}"
    Path(tmp_path / "copy.db").write_bytes(Path(store_url.removeprefix("sqlite:///")).read_bytes())
    with running(create_app(url, default_policy(), as_of=AS_OF)) as base:
        first = httpx.get(f"{base}/api/health").json()
        # another process records a week in the tracker, as `supportops review` does
        result = subprocess.run(
            [sys.executable, "-m", "supportops", "--db", url, "review", "--week", "2026-W46"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        again = httpx.get(f"{base}/api/health").json()
        assert again["computed_at"] != first["computed_at"]
        assert httpx.get(f"{base}/api/health").json()["computed_at"] == again["computed_at"]


# ------------------------------------------------------------------ figures
def test_sla_queue_matches_the_cli(http: httpx.Client, store_url: str) -> None:
    api = http.get("/api/sla", params={"limit": 5000}).json()
    cli_clocks = cli_json(
        store_url, "sla", "--open", "--limit", "100000", "--as-of", "2026-11-23T00:00Z"
    )["clocks"]
    expected = {
        (c["ticket_id"], c["metric"], c["cycle"], c["status"], c["deadline"])
        for c in cli_clocks
        if c["status"] in ("running", "paused", "breached")
    }
    shown = {
        (c["ticket_id"], c["metric"], c["cycle"], c["status"], c["deadline"]) for c in api["clocks"]
    }
    # the CLI's open clocks, less those without a target; counted as well as compared
    assert api["total"] == len([c for c in cli_clocks if c["status"] != "not_applicable"])
    assert shown == expected
    deadlines = [c["deadline"] for c in api["clocks"] if c["deadline"]]
    assert deadlines == sorted(deadlines)  # most urgent first


def test_script_ticket_clocks_by_hand(http: httpx.Client) -> None:
    rows = {
        c["metric"]: c
        for c in http.get("/api/sla", params={"priority": "P2", "limit": 5000}).json()["clocks"]
        if c["ticket_id"] == SCRIPT_TICKET
    }
    # P2, no customer tier (×1), business calendar 09:00-18:00 New York. Created Fri 20 Nov
    # 10:30 EST, never answered; as of Sun 22 Nov 19:00 EST: 7h30m of business time.
    fr, res = rows["first_response"], rows["resolution"]
    assert (fr["status"], fr["level"], fr["target_s"], fr["elapsed_s"]) == (
        "breached",
        "severe",  # 7h30m ≥ 2 × 1h
        3600,
        27_000,
    )
    assert fr["left_s"] == 3600 - 27_000
    assert fr["deadline"] == "2026-11-20T16:30:00+00:00"  # 11:30 EST
    # resolution 8h: 7h30m used (> 90% = 7h12m: red), 30m left, due Mon 09:30 EST
    assert (res["status"], res["level"], res["left_s"]) == ("running", "red", 1800)
    assert res["deadline"] == "2026-11-23T14:30:00+00:00"
    assert res["deadline_in_s"] == 14 * 3600 + 30 * 60  # from Mon 00:00 UTC
    assert set(rows) == {"first_response", "resolution"}  # no reply: no next-reply clock


def test_sla_filters_and_sorts(http: httpx.Client) -> None:
    everything = http.get("/api/sla", params={"limit": 5000}).json()
    for name, column in (("priority", "priority"), ("tier", "customer_tier"), ("level", "level")):
        for value in everything["facets"][name]:
            got = http.get("/api/sla", params={name: value, "limit": 5000}).json()
            assert got["total"] == sum(1 for c in everything["clocks"] if c[column] == value)
            assert got["filters"][name] == value
    by_left = http.get("/api/sla", params={"sort": "left", "limit": 5000}).json()["clocks"]
    lefts = [c["left_s"] for c in by_left]
    assert lefts == sorted(lefts)
    two = http.get("/api/sla", params={"limit": 2}).json()
    assert (two["shown"], len(two["clocks"]), two["total"]) == (2, 2, everything["total"])


def test_overview_matches_the_cli_summary(http: httpx.Client, store_url: str) -> None:
    data = http.get("/api/overview").json()
    # the last complete week before Mon 23 Nov 00:00 UTC, and the 11 before it
    assert data["week"] == {"start": "2026-11-16", "end": "2026-11-22"}
    assert data["weeks"][0] == "2026-08-31"
    assert len(data["weeks"]) == 12
    summary = cli_json(
        store_url, "sla", "summary", "--period", "week", "--as-of", "2026-11-23T00:00Z"
    )["summaries"]["all"]
    by_week = {r["period"]: r for r in summary}
    tiles = {t["key"]: t for t in data["tiles"]}
    for key, field in (("sla_response", "response_pct"), ("sla_resolution", "resolution_pct")):
        expected = [by_week[w][field] if w in by_week else None for w in data["weeks"]]
        assert tiles[key]["trend"] == pytest.approx(expected)
        assert tiles[key]["value"] == pytest.approx(expected[-1])
        assert tiles[key]["target"] == (">= 95%" if key == "sla_response" else ">= 90%")
        status = "good" if expected[-1] >= (0.95 if key == "sla_response" else 0.90) else "bad"
        assert tiles[key]["status"] == status


def test_overview_backlog_from_the_events(http: httpx.Client, store_url: str) -> None:
    """Backlog at each week's end, recomputed from the raw status events: a ticket is open at
    instant t when it was created by t and its last status at or before t is not solved or
    closed."""
    data = http.get("/api/overview").json()
    backlog = next(t for t in data["tiles"] if t["key"] == "backlog")
    with Store.open(store_url) as store:
        events = store.load_events(("ticket_id", "at", "kind", "value"))
    status = events.filter(pl.col("kind") == "status")
    expected = []
    for monday in data["weeks"]:
        end = pl.lit(monday).str.to_date().dt.offset_by("7d").cast(pl.Datetime("us", "UTC"))
        last = status.filter(pl.col("at") <= end).group_by("ticket_id").agg(pl.col("value").last())
        expected.append(float(last.filter(~pl.col("value").is_in(["solved", "closed"])).height))
    assert backlog["trend"] == expected
    queue = data["queue"]
    assert queue["clocks"] == http.get("/api/sla").json()["total"]
    assert sum(queue["by_level"].values()) == queue["clocks"]
    assert [c["deadline"] for c in data["urgent"]] == sorted(c["deadline"] for c in data["urgent"])


def test_overview_scorecard_weeks(http: httpx.Client) -> None:
    """The scorecard's weeks are cut in the report time zone (New York), the SLA tiles' in UTC:
    at Sun 22 Nov 19:00 EST the week of 16 Nov is over in UTC but not in New York."""
    data = http.get("/api/overview").json()
    card = data["scorecard"]
    assert (data["timezone"], card["timezone"]) == ("UTC", "America/New_York")
    assert card["week"] == {"start": "2026-11-09", "end": "2026-11-15"}
    assert card["weeks"] == [
        (date(2026, 8, 24) + timedelta(weeks=k)).isoformat() for k in range(12)
    ]
    assert data["week"]["start"] == "2026-11-16"  # the SLA tiles, unchanged
    for tile in card["tiles"]:
        assert len(tile["trend"]) == 12
        assert tile["trend"][-1] == tile["value"]


def test_overview_scorecard_matches_compute_scorecard(http: httpx.Client, store_url: str) -> None:
    """The last week's tiles equal a scorecard of that week alone, computed here; the trend
    equals `supportops metrics --period week` over the twelve weeks."""
    card = http.get("/api/overview").json()["scorecard"]
    tiles = {t["key"]: t for t in card["tiles"]}
    assert set(SCORECARD) <= set(tiles)
    with Store.open(store_url) as store:
        result = compute_scorecard(
            store,
            default_policy(),
            as_of=AS_OF,
            period="week",
            since=date(2026, 11, 9),
            until=date(2026, 11, 15),
        )
    assert result.rows.height == 1
    row = result.rows.row(0, named=True)
    assert row["period"] == date(2026, 11, 9)
    for key, tile in tiles.items():
        info = result.metric(key)
        expected = row[key]
        assert expected is not None, key  # the demo's week has data for every tile
        assert tile["value"] == pytest.approx(expected), key
        assert tile["formatted"] == format_value(info, expected), key
        assert (tile["target"], tile["warning"]) == (info.target, info.warning), key
        assert tile["status"] == result.status(key, expected), key
        assert (tile["unit"], tile["better"]) == (info.unit, info.better), key
    assert tiles["csat"]["target"] == ">= 90%"
    assert tiles["first_response_time"]["note"] == "median, business hours"
    cli_rows = cli_json(
        store_url,
        "metrics",
        "--period",
        "week",
        "--since",
        card["weeks"][0],
        "--until",
        card["week"]["end"],
        "--as-of",
        "2026-11-23T00:00Z",
    )["rows"]
    assert [r["period"] for r in cli_rows] == card["weeks"]
    for key, tile in tiles.items():
        assert tile["trend"] == pytest.approx([r["values"][key] for r in cli_rows]), key


def test_overview_csat_by_hand(http: httpx.Client, store_url: str) -> None:
    """CSAT of the week of 9 Nov (New York), counted from the raw events: ratings of 4 or 5
    out of all ratings given in the week, taking each ticket's last rating and counting it in
    the week it was given (docs/metrics.md), here [Mon 9 Nov 00:00 EST, Mon 16 Nov 00:00 EST).
    Not "ratings of the week's solved tickets": a rating counts when it is given."""
    tiles = {t["key"]: t for t in http.get("/api/overview").json()["scorecard"]["tiles"]}
    with Store.open(store_url) as store:
        events = store.load_events(("ticket_id", "at", "kind", "value", "number"))
        created = store.load_tickets(("id", "created_at"))
    ratings = (
        events.filter(
            (pl.col("kind") == "csat")
            & pl.col("number").is_not_null()
            & pl.col("value")
            .fill_null("csat")
            .str.strip_chars()
            .str.to_lowercase()
            .is_in(["", "csat"])
            & (pl.col("at") <= AS_OF)
        )
        .sort("at", maintain_order=True)
        .group_by("ticket_id")
        .agg(pl.col("number").last(), pl.col("at").last())
    )
    start, end = datetime(2026, 11, 9, 5, tzinfo=UTC), datetime(2026, 11, 16, 5, tzinfo=UTC)
    week = ratings.filter((pl.col("at") >= start) & (pl.col("at") < end))
    happy = week.filter(pl.col("number") >= 4).height
    assert week.height > 20
    assert tiles["csat"]["value"] == pytest.approx(happy / week.height)
    assert tiles["csat"]["formatted"] == f"{happy / week.height:.1%}"
    made = created.filter((pl.col("created_at") >= start) & (pl.col("created_at") < end))
    assert tiles["n_tickets"]["value"] == made.height


def test_overview_scorecard_without_data(store_url: str) -> None:
    """Before the store's first full week every measure is missing: the API says null and the
    page shows "–", with no status."""
    with Store.open(store_url) as store:
        first = store.load_tickets(("created_at",))["created_at"].min()
    assert isinstance(first, datetime)
    with running(
        create_app(store_url, default_policy(), as_of=first + timedelta(seconds=1))
    ) as base:
        card = httpx.get(f"{base}/api/overview", timeout=60).json()["scorecard"]
        html = httpx.get(f"{base}/", timeout=60).text
    tiles = {t["key"]: t for t in card["tiles"]}
    for key in SCORECARD:
        assert (tiles[key]["value"], tiles[key]["formatted"]) == (None, "–"), key
        assert tiles[key]["status"] == "none"
        assert tiles[key]["trend"] == [None] * 12
        shown = re.search(
            rf'data-metric="{key}".*?<p class="figure" data-value>(.*?)</p>', html, re.S
        )
        assert shown is not None, key
        assert shown.group(1) == "–", key
    assert tiles["n_tickets"]["value"] == 0


def test_ticket_api(http: httpx.Client) -> None:
    data = http.get(f"/api/tickets/{SCRIPT_TICKET}").json()
    assert data["ticket"]["subject"] == SCRIPT_SUBJECT  # data stays data in JSON
    assert "raw" not in data["ticket"]
    assert [e["kind"] for e in data["events"]] == ["created", "status", "comment"]
    assert data["sla"] == {
        "rule": data["sla"]["rule"],
        "calendar": "business",
        "priority": "P2",
        "customer_tier": None,
    }
    assert len(data["explanation"]) == len(data["clocks"])
    assert data["explanation"][0].startswith("First response:")
    assert "Breached at Fri 20 Nov 2026 11:30 EST" in data["explanation"][0]
    # the source's own id works too, as on the command line
    assert http.get("/api/tickets/10014").json()["ticket"]["id"] == "demo:10014"


# ------------------------------------------------------------------ errors
def test_error_shape(http: httpx.Client) -> None:
    assert_error(http.get("/api/tickets/nope"), 404, "not_found", "no ticket 'nope'")
    assert_error(http.get("/api/nothing-here"), 404, "not_found", "/api/nothing-here")
    assert_error(http.get("/api/sla", params={"limit": "x"}), 422, "bad_query", "query.limit")
    assert_error(http.get("/api/sla", params={"limit": 0}), 422, "bad_query", "query.limit")
    assert_error(http.get("/api/sla", params={"level": "purple"}), 422, "bad_query", "purple")
    assert_error(http.get("/api/sla", params={"sort": "x"}), 422, "bad_query", "sort 'x'")
    assert_error(http.post("/api/sla"), 405, "method_not_allowed", "read-only")
    assert_error(http.delete("/tickets/demo:10014"), 405, "method_not_allowed", "read-only")
    assert_error(
        http.get("/api/health", headers={"host": "evil.example"}), 421, "misdirected_request", ""
    )
    for path in ("/docs", "/redoc"):  # the CDN-backed API browsers are off
        assert_error(http.get(path), 404, "not_found", path)
    body = http.get("/api/sla", params={"limit": "x"}).json()["error"]
    assert body["details"][0]["loc"] == "query.limit"


def test_errors_on_pages_are_pages(http: httpx.Client) -> None:
    response = http.get("/tickets/<b>nope</b>", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "&lt;b&gt;nope&lt;/b&gt;" in response.text
    assert "<b>nope" not in response.text
    # a page URL asked for without text/html gets the JSON shape
    assert_error(http.get("/tickets/nope"), 404, "not_found", "nope")


def test_empty_store_is_unavailable(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    Store.open(url).close()
    with running(create_app(url, default_policy())) as base:
        response = httpx.get(f"{base}/api/overview")
        assert_error(response, 503, "unavailable", "supportops demo")


# ------------------------------------------------------------------ security
def test_script_ticket_is_text_everywhere(http: httpx.Client) -> None:
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for path in (f"/tickets/{SCRIPT_TICKET}", "/sla", "/sla?priority=P2", "/"):
        html = http.get(path).text
        assert "<script" not in html
        assert "<img" not in html
        assert "<b>bold" not in html
        assert "<i>Support" not in html
        if path != "/":
            assert escaped in html
    ticket = http.get(f"/tickets/{SCRIPT_TICKET}").text
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt; &amp; more" in ticket
    assert "&lt;b&gt;bold?&lt;/b&gt;&lt;script&gt;alert(3)&lt;/script&gt;" in ticket
    assert SCRIPT_COMMENT not in ticket


def test_templates_never_mark_text_safe() -> None:
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text()
        assert "|safe" not in text.replace(" ", ""), template.name
        assert "autoescape false" not in text, template.name


@pytest.mark.parametrize("path", ["/", "/api/sla", "/static/dashboard.css", "/api/tickets/x"])
def test_security_headers(http: httpx.Client, path: str) -> None:
    headers = http.get(path).headers
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def test_openapi_lists_every_api_route(http: httpx.Client, base: str) -> None:
    doc = http.get("/openapi.json").json()
    paths = set(doc["paths"])
    assert paths == {
        "/api/health",
        "/api/overview",
        "/api/sla",
        "/api/tickets/{ticket_id}",
        "/api/review",
    }
    for path in paths:
        operation = doc["paths"][path]["get"]
        assert "200" in operation["responses"]
        assert operation["responses"]["404"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorResponse"
        }
        assert set(doc["paths"][path]) == {"get"}  # read-only
    sla_params = {p["name"] for p in doc["paths"]["/api/sla"]["get"]["parameters"]}
    assert sla_params == {"priority", "tier", "group", "level", "metric", "status", "sort", "limit"}
    assert not re.search(r"https?://", json.dumps(doc))  # nothing points off this machine


def test_openapi_describes_the_scorecard(http: httpx.Client) -> None:
    schemas = http.get("/openapi.json").json()["components"]["schemas"]
    overview = schemas["Overview"]["properties"]
    assert {"timezone", "scorecard", "week", "weeks", "tiles", "source"} <= set(overview)
    assert "UTC" in overview["timezone"]["description"]
    card = schemas["OverviewScorecard"]["properties"]
    assert set(card) == {"timezone", "week", "weeks", "tiles"}
    tile = schemas["ScorecardTile"]
    assert set(tile["required"]) >= {"key", "value", "formatted", "target", "status", "trend"}
    assert "supportops metrics" in tile["properties"]["formatted"]["description"]


# ------------------------------------------------------------------ review
def test_no_review_yet(http: httpx.Client) -> None:
    assert http.get("/api/review").json() == {
        "available": False,
        "message": "no weekly review yet: the store holds no complete week (Monday to "
        "Sunday) of tickets; import more history",
        "review": None,
    }
    assert "No review yet" in http.get("/review").text


def test_review_page_renders_a_review(store_url: str) -> None:
    document = sample_review()

    def source(_store: Store, _policy: object, _as_of: object) -> Mapping[str, Any]:
        return document

    app = create_app(store_url, default_policy(), as_of=AS_OF, review=source)
    with running(app) as base:
        api = httpx.get(f"{base}/api/review").json()
        assert api == {"available": True, "message": "", "review": document}
        html = httpx.get(f"{base}/review").text
    for section in ("headline", "trend", "categories", "problems", "at-risk", "tracker"):
        assert f'data-section="{section}"' in html
    assert ">3.0%</p>" in html  # the headline escalation rate, 0.03
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<script" not in html
    assert "SSO &lt;login&gt; loop" in html
    assert "<td data-problem-id>P-1" in html  # the id `supportops tracker update` takes
    assert "Acme &amp; Co" in html
    assert f'href="/tickets/{SCRIPT_TICKET.replace(":", "%3A")}"' in html
    assert html.count("<svg") == 2  # the trend chart and the category bars


def test_review_page_of_the_demo_tells_the_kb_story(store_url: str) -> None:
    """The dashboard's own review (what `supportops serve` shows): the escalation rate of the
    history weeks before the first KB article against the weeks after the last, worked out
    here from the review's weekly series."""
    from supportops.review.service import latest_review

    app = create_app(store_url, default_policy(), as_of=AS_OF, review=latest_review)
    with running(app) as base:
        review = httpx.get(f"{base}/api/review").json()["review"]
        html = httpx.get(f"{base}/review").text
    published = sorted(a["published_at"][:10] for a in review["articles_published"])
    assert published  # the 16-week demo publishes its articles in the window
    first, last = date.fromisoformat(published[0]), date.fromisoformat(published[-1])
    weeks = review["history"]
    before = [w for w in weeks if date.fromisoformat(w["first"]) + timedelta(days=7) <= first]
    after = [w for w in weeks if date.fromisoformat(w["first"]) > last]

    def rate(ws: list[dict[str, Any]]) -> float:
        return sum(w["escalated"] for w in ws) / sum(w["created"] for w in ws)

    assert rate(before) > rate(after)  # seed 000's story: the articles worked
    story = re.search(r"<p class=\"kb-story\" data-kb-story>([^<]*)</p>", html)
    assert story is not None
    assert f"{rate(before) * 100:.2f}% in the {len(before)} weeks before" in story.group(1)
    assert f"{rate(after) * 100:.2f}% in the {len(after)} weeks since" in story.group(1)


# ------------------------------------------------------------------ backends, CLI
@pytest.mark.postgres
def test_on_postgresql(pg_url: str) -> None:
    with Store.open(pg_url) as store:
        add_script_ticket(store, Path(os.getcwd()) / "script")
    with running(create_app(pg_url, default_policy(), as_of=AS_OF)) as base:
        data = httpx.get(f"{base}/api/tickets/{SCRIPT_TICKET}").json()
        assert data["ticket"]["subject"] == SCRIPT_SUBJECT
        queue = httpx.get(f"{base}/api/sla").json()
        assert {c["metric"] for c in queue["clocks"]} == {"first_response", "resolution"}
        assert "&lt;script&gt;" in httpx.get(f"{base}/tickets/{SCRIPT_TICKET}").text


def test_serve_command(store_url: str) -> None:
    # --port 0: the system picks a free port, and the first line says which
    command = [sys.executable, "-m", "supportops", "--db", store_url, "serve", "--port", "0"]
    command += ["--as-of", "2026-11-23T00:00Z"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/ \(read-only", first)
        assert found, first
        port = int(found.group(1))
        assert port != 0
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/health").json()
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "supportops serve did not start"
                time.sleep(0.2)
        assert health["as_of"] == "2026-11-23T00:00:00Z"
        assert health["read_only"] is True
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def test_serve_answers_on_another_loopback_address(store_url: str) -> None:
    """Bound to 127.0.0.2 the Host check accepts that address (and still refuses others)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.2", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "supportops", "--db", store_url, "serve"]
    command += ["--host", "127.0.0.2", "--port", str(port), "--as-of", "2026-11-23T00:00Z"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.2:{port}/api/health")
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "supportops serve did not start"
                time.sleep(0.2)
        assert answer.status_code == 200
        other = httpx.get(f"http://127.0.0.2:{port}/api/health", headers={"Host": "evil.test"})
        assert other.status_code == 421
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def test_serve_refuses_a_taken_port(store_url: str) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["--db", store_url, "serve", "--port", str(port)])
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in result.stderr
    assert "choose another --port" in result.stderr


def test_serve_refuses_a_missing_store(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{tmp_path / 'none.db'}", "serve"])
    assert result.exit_code == 1
    assert "no store at" in result.stderr
    assert "supportops demo" in result.stderr


def test_sample_review_is_a_review_document() -> None:
    """The sample the review page is tested with follows the review's own schema."""
    from supportops.review.document import ReviewDocument

    assert ReviewDocument.model_validate(sample_review()).to_dict() == sample_review()
