"""`supportops sla` end to end on the interchange fixture, expectations worked by hand.

The fixture (tests/data/supportops) has two tickets, measured under the built-in default
policy: calendar "business" = Mon–Fri 09:00–18:00 America/New_York (EST, UTC-5, in early
March 2026), customer-tier multipliers enterprise 0.5x and business 1x.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from supportops.cli import app

DATA = Path(__file__).parent / "data" / "supportops"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _imported() -> None:
    result = runner.invoke(app, ["import", "supportops", str(DATA)])
    assert result.exit_code == 0, result.stderr


def clocks() -> dict[tuple[str, str, int], dict[str, object]]:
    result = runner.invoke(app, ["sla", "--format", "json", "--limit", "100"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    # as_of defaults to the latest event: the CSAT on 2026-03-04 08:00 UTC
    assert data["as_of"] == "2026-03-04T08:00:00+00:00"
    return {(c["ticket_id"], c["metric"], c["cycle"]): c for c in data["clocks"]}


def test_first_response_met_for_enterprise_p2() -> None:
    c = clocks()[("supportops:1001", "first_response", 1)]
    # P2 first response 1h x 0.5 (enterprise) = 30 min. Created 14:15Z = 09:15 EST; the first
    # public agent reply 14:41Z = 09:41 EST: 26 business minutes.
    assert (c["target_s"], c["elapsed_s"], c["status"]) == (1800, 26 * 60, "met")
    assert c["deadline"] == "2026-03-02T14:45:00+00:00"  # 09:15 + 30m = 09:45 EST
    assert c["level"] == "orange"  # 26m > 80% of 30m (24m), not > 90% (27m)


def test_resolution_paused_while_pending() -> None:
    c = clocks()[("supportops:1001", "resolution", 1)]
    # P2 resolution 8h x 0.5 = 4h. Running 09:15-11:05 EST (pending from 16:05Z = 11:05 EST),
    # still pending when solved at 10:30Z Mar 3 = 05:30 EST: 1h50m counted.
    assert (c["target_s"], c["elapsed_s"], c["status"]) == (4 * 3600, 110 * 60, "met")
    # business time 09:15-18:00 on Mar 2 is 8h45m; all but the 1h50m was paused
    assert c["paused_s"] == 8 * 3600 + 45 * 60 - 110 * 60


def test_unanswered_business_p4_is_a_severe_breach() -> None:
    c = clocks()[("supportops:1002", "first_response", 1)]
    # P4 first response 8h x 1 (business). Created 09:00 EST Mar 2, never answered; as_of
    # 03:00 EST Mar 4: Mar 2 and Mar 3 09:00-18:00 count, 18h.
    assert (c["target_s"], c["elapsed_s"], c["status"]) == (8 * 3600, 18 * 3600, "breached")
    assert c["deadline"] == "2026-03-02T22:00:00+00:00"  # 17:00 EST
    assert c["level"] == "severe"  # 18h >= 2 x 8h
    assert c["stop"] is None


def test_filters() -> None:
    result = runner.invoke(app, ["sla", "--breached", "--format", "json"])
    breached = json.loads(result.stdout)["clocks"]
    # 1002's first response (above) and 1001's first update: the agent replied at 09:41 EST
    # and the next update (the pending at 11:05 pauses it, the solve stops it) never came
    # within the hour: 1h24m of business time (P2 update 2h x 0.5 = 1h).
    assert {(c["ticket_id"], c["metric"], c["elapsed_s"]) for c in breached} == {
        ("supportops:1002", "first_response", 18 * 3600),
        ("supportops:1001", "periodic_update", 84 * 60),
    }
    result = runner.invoke(
        app, ["sla", "--priority", "P2", "--metric", "first_response", "--format", "json"]
    )
    assert [c["ticket_id"] for c in json.loads(result.stdout)["clocks"]] == ["supportops:1001"]


def test_explain_tells_the_story() -> None:
    result = runner.invoke(app, ["sla", "explain", "1001"])
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "First response:" in text
    assert "Started Mon 02 Mar 2026 09:15 EST when the ticket was created." in text
    assert "Met, with 4m to spare." in text
    assert "Paused from Mon 02 Mar 11:05" in text
    assert "pending (waiting on the customer)" in text
    result = runner.invoke(app, ["sla", "explain", "1002"])
    assert "Breached at Mon 02 Mar 2026 17:00 EST" in result.stdout
    assert "a severe breach" in result.stdout


def test_summary_json() -> None:
    result = runner.invoke(app, ["sla", "summary", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    overall = data["summaries"]["all"][0]
    # response: 1001 met, 1002 breached; resolution: 1001 met, 1002 still open (not counted)
    assert (overall["response_met"], overall["response_breached"]) == (1, 1)
    assert overall["response_pct"] == 0.5
    assert (overall["resolution_met"], overall["resolution_breached"]) == (1, 0)
    assert overall["severe_breaches"] == 1
    by_priority = {r["priority"]: r for r in data["summaries"]["priority"]}
    assert by_priority["P4"]["response_pct"] == 0.0
    assert by_priority["P2"]["response_pct"] == 1.0


def test_bad_options() -> None:
    result = runner.invoke(app, ["sla", "summary", "--by", "moon"])
    assert result.exit_code == 1
    assert "--by 'moon': choose from priority" in result.stderr
    result = runner.invoke(app, ["sla", "--as-of", "yesterday"])
    assert result.exit_code == 1
    assert "--as-of 'yesterday'" in result.stderr
