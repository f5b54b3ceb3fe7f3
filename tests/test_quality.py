"""Escalation quality statistics and at-risk accounts, against slow references and hand
arithmetic."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from supportops.core.quality import (
    aged_unescalated,
    habitual_escalators,
    people_speed,
    retrospective_sample,
)
from supportops.core.risk import at_risk_accounts
from supportops.policy.sections import HandoffTrigger


def _binom_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), summed term by term."""
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


def _wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    centre = (k + z * z / 2) / (n + z * z)
    half = z / (n + z * z) * math.sqrt(k * (n - k) / n + z * z / 4)
    return centre - half, centre + half


def _bh(p: list[float]) -> list[float]:
    """Benjamini–Hochberg by the textbook: q_(i) = min over j >= i of p_(j) * m / j."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    q = [0.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, p[i] * m / rank)
        q[i] = running
    return q


def _tickets(spec: dict[str, tuple[int, int]]) -> pl.DataFrame:
    rows = []
    for org, (n, k) in spec.items():
        rows += [
            {"organization_id": org, "escalated": i < k, "early": i < k and i % 2 == 0}
            for i in range(n)
        ]
    return pl.DataFrame(rows)


def test_habitual_escalators_match_the_exact_binomial_test() -> None:
    # X: 5 of 10 escalated; nine others 20 tickets each, 2 escalations among them all
    spec = {"X": (10, 5), "Y": (20, 1), "Z": (20, 1)} | {f"o{i}": (20, 0) for i in range(7)}
    out = habitual_escalators(_tickets(spec), min_tickets=8, min_escalations=3, fdr=0.05)
    rows = {r["organization_id"]: r for r in out.iter_rows(named=True)}
    assert set(rows) == set(spec)
    # X against everyone else: 2 / 180
    x = rows["X"]
    assert x["baseline"] == pytest.approx(2 / 180)
    assert x["p_value"] == pytest.approx(_binom_tail(5, 10, 2 / 180), rel=1e-9)
    assert (x["ci_low"], x["ci_high"]) == pytest.approx(_wilson(5, 10), rel=1e-9)
    # Y against everyone else: 6 / 170
    assert rows["Y"]["p_value"] == pytest.approx(_binom_tail(1, 20, 6 / 170), rel=1e-9)
    ids = sorted(rows)
    q = _bh([rows[o]["p_value"] for o in ids])
    assert [rows[o]["q_value"] for o in ids] == pytest.approx(q, rel=1e-9)
    assert [o for o in ids if rows[o]["habitual"]] == ["X"]
    assert out["organization_id"][0] == "X"  # flagged first
    assert x["early"] == 3  # escalations 0, 2, 4 are early


def test_small_accounts_are_not_judged_and_few_escalations_are_not_a_habit() -> None:
    spec = {"tiny": (3, 3), "A": (10, 2), "B": (100, 0), "C": (100, 0)}
    out = habitual_escalators(_tickets(spec), min_tickets=5, min_escalations=3, fdr=0.05)
    assert sorted(out["organization_id"]) == ["A", "B", "C"]
    # A: 2 of 10 against 3 of 203 is significant, but 2 escalations are below the minimum
    a = out.filter(pl.col("organization_id") == "A").row(0, named=True)
    assert a["p_value"] < 0.05
    assert a["habitual"] is False


def test_people_speed_with_exact_mann_whitney() -> None:
    frame = pl.DataFrame(
        {
            "person": ["fast"] * 5 + ["p"] * 3 + ["q"] * 3,
            "hours": [0.1, 0.2, 0.3, 0.25, 0.15, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0],
        }
    )
    out = people_speed(frame, min_escalations=3, alpha=0.05)
    rows = {r["person"]: r for r in out.iter_rows(named=True)}
    fast = rows["fast"]
    # all five of fast's values lie below all six others: U = 0, and the exact two-sided
    # p-value is 2 / C(11, 5) = 2 / 462
    assert fast["p_value"] == pytest.approx(2 / 462)
    assert fast["direction"] == "faster"
    assert fast["median_hours"] == pytest.approx(0.2)
    assert fast["peer_median_hours"] == pytest.approx(7.5)
    # p's 5, 6, 7 against 0.1..0.3 and 8, 9, 10: not significant
    assert rows["p"]["direction"] == "typical"
    assert out["person"][0] == "fast"


def test_people_with_too_few_escalations_are_left_out() -> None:
    frame = pl.DataFrame({"person": ["a", "a", "b", "b", "b"], "hours": [1.0, 2, 3, 4, 5]})
    assert people_speed(frame, min_escalations=3, alpha=0.05)["person"].to_list() == ["b"]


def test_aged_open_tickets_ranked_by_idle_days_and_priority() -> None:
    day = 86_400
    now = 100 * day
    facts = pl.DataFrame(
        {
            "id": ["old-p4", "p1", "young", "escalated", "solved", "replied"],
            "created_s": [
                now - 30 * day,
                now - 10 * day,
                now - 3 * day,
                now - 40 * day,
                now - 50 * day,
                now - 20 * day,
            ],
            "last_agent_reply_s": [None, None, None, None, None, now - 2 * day],
            "priority": ["P4", "P1", "P1", "P3", "P3", "P3"],
            "escalated": [False, False, False, True, False, False],
            "is_open": [True, True, True, True, False, True],
        }
    )
    out = aged_unescalated(facts, as_of_s=now, min_age_s=7 * day, limit=10)
    # scores: old-p4 30 idle days x 1 = 30; p1 10 x 8 = 80; replied 2 x 2 = 4
    assert out["id"].to_list() == ["p1", "old-p4", "replied"]
    assert out["score"].to_list() == pytest.approx([80.0, 30.0, 4.0])
    assert out["age_days"].to_list() == pytest.approx([10.0, 30.0, 20.0])
    assert aged_unescalated(facts, as_of_s=now, min_age_s=7 * day, limit=1)["id"].to_list() == [
        "p1"
    ]


def test_retrospective_sample() -> None:
    ids = [f"t{i:02d}" for i in range(30)]
    assert retrospective_sample(ids[:4][::-1], size=10, seed=1) == ids[:4]
    a = retrospective_sample(ids, size=5, seed=3)
    assert a == retrospective_sample(ids, size=5, seed=3)
    assert len(set(a)) == 5
    assert a == sorted(a)
    assert set(a) <= set(ids)
    assert a != retrospective_sample(ids, size=5, seed=4)


NOW = datetime(2026, 11, 23, tzinfo=UTC)


def test_at_risk_accounts_per_trigger() -> None:
    d = timedelta(days=1)
    tickets = pl.DataFrame(
        {
            "ticket_id": ["a1", "a2", "a3", "b1", "c1", "c2"],
            "organization_id": ["A", "A", "A", "B", "C", "C"],
            "created_at": [
                NOW - 40 * d,
                NOW - 20 * d,
                NOW - 5 * d,
                NOW - 2 * d,
                NOW - 3 * d,
                NOW - 60 * d,
            ],
            "escalated_at": [NOW - 39 * d, NOW - 19 * d, NOW - 4 * d, None, None, NOW - 59 * d],
            "severity": [None, None, None, "SEV1", None, None],
            "tags": [[], [], ["Executive_Complaint"], [], [], []],
        }
    )
    texts = pl.DataFrame(
        {
            "ticket_id": ["c1", "c2", "b1"],
            "organization_id": ["C", "C", "B"],
            "at": [NOW - 3 * d, NOW - 60 * d, NOW - 2 * d],
            "text": ["We are SWITCHING TO a competitor", "switching to another tool", "down"],
        }
    )
    ratings = pl.DataFrame(
        {
            "ticket_id": ["b1", "b1", "c1"],
            "organization_id": ["B", "B", "C"],
            "at": [NOW - 1 * d, NOW - 2 * d, NOW - 1 * d],
            "score": [1, 2, 1],
        }
    )
    triggers = [
        HandoffTrigger(
            signal="multi",
            description="d",
            handoff="h",
            urgency="high",
            escalations=2,
            within="30d",
        ),
        HandoffTrigger(
            signal="exec",
            description="d",
            handoff="h",
            urgency="immediate",
            tags=["executive_complaint"],
        ),
        HandoffTrigger(
            signal="churn", description="d", handoff="h", urgency="high", keywords=["switching to"]
        ),
        HandoffTrigger(
            signal="sev", description="d", handoff="h", urgency="high", severities=["SEV1"]
        ),
        HandoffTrigger(
            signal="csat",
            description="d",
            handoff="h",
            urgency="medium",
            csat_at_most=2,
            csat_count=2,
            within="30d",
        ),
        # both keys: SEV1 and two low ratings -> only B
        HandoffTrigger(
            signal="both",
            description="d",
            handoff="h",
            urgency="low",
            severities=["SEV1"],
            csat_at_most=1,
            csat_count=1,
        ),
    ]
    out = at_risk_accounts(
        tickets, texts, ratings, triggers, as_of=NOW, default_window=timedelta(days=30)
    )
    got = [(r["organization_id"], r["signal"], r["evidence"]) for r in out.iter_rows(named=True)]
    assert got == [
        # immediate first, then high, medium, low; by account, then signal
        ("A", "exec", ["a3"]),
        ("A", "multi", ["a2", "a3"]),  # a1's escalation is 39 days old
        ("B", "sev", ["b1"]),
        ("C", "churn", ["c1"]),  # c2 is outside the 30-day window
        ("B", "csat", ["b1"]),
        ("B", "both", ["b1"]),
    ]
