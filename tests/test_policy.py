"""The policy file: the default, its SLA matrix, errors, rule matching and calendars.

Expected values come from seed 001 ("SLA by Priority Level", "SLA by Customer Tier",
"SLA Breach Prevention") and from hand arithmetic written next to each assertion.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import supportops.policy as policy_pkg
from supportops.cli import app
from supportops.core.clock import AtClosing, Closure
from supportops.errors import PolicyError
from supportops.policy import (
    DEFAULT_POLICY_YAML,
    Duration,
    default_policy,
    find_policy,
    format_seconds,
    load_policy,
    parse_duration,
    parse_policy,
    scale_seconds,
)
from supportops.policy.durations import parse_threshold
from supportops.policy.models import CustomerTiers, Metrics, Settings, SlaRule, default_ladder
from supportops.policy.rules import assign, first_match

runner = CliRunner()
H = 3600


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def problems(text: str, tmp_path: Path, name: str = "p.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    return [line.replace(str(tmp_path) + "/", "") for line in info.value.problems]


MINIMAL = """\
calendars:
  business:
    timezone: America/New_York
    hours: {mon-fri: "09:00-18:00"}
sla:
  targets:
    P1: {first_response: 15m}
  rules:
    - name: default
      calendar: business
"""


# ---------------------------------------------------------------------- the default
def test_default_policy_holds_the_python_defaults() -> None:
    policy = default_policy()
    assert policy.source == "built-in default"
    # the sections with per-key defaults in code say the same as default.yaml
    assert policy.settings == Settings()
    assert policy.metrics == Metrics()
    assert policy.customer_tiers == CustomerTiers()
    assert policy.warning_ladder == default_ladder()
    assert policy.settings.at_closing is AtClosing.CLOSING
    assert policy.settings.priority_change == "from_creation"
    assert policy.settings.reopen == "new_cycle"


def test_default_policy_sections_from_the_seed() -> None:
    policy = default_policy()
    assert [(s.at, s.level, s.action) for s in policy.warning_ladder] == [
        (0.5, "yellow", "Visible in queue view"),
        (0.8, "orange", "Alert to assignee"),
        (0.9, "red", "Alert to team lead"),
        (1.0, "breach", "Manager notification, escalation"),
        (2.0, "severe", "Director notification"),
    ]
    assert policy.tier_multipliers == {
        "enterprise": 0.5,
        "business": 1.0,
        "professional": 1.5,
        "starter": 2.0,
        "free": 4.0,
    }
    pauses = policy.metrics.pauses()
    assert pauses["first_response"] == frozenset()
    assert pauses["next_reply"] == {"pending"}
    assert pauses["resolution"] == pauses["periodic_update"] == {"pending", "on_hold"}
    # severity decision matrix (seed: "Severity Decision Matrix")
    assert policy.severity_for("complete_block", "all_users") == "SEV1"
    assert policy.severity_for("complete_block", "one_user") == "SEV3"
    assert policy.severity_for("major_impairment", "multiple_users") == "SEV3"
    assert policy.severity_for("minor_impairment", "one_user") == "SEV5"
    paths = policy.escalation_paths
    assert (paths["SEV1"].escalate_after, paths["SEV1"].escalate_to) == (0, ["engineering", "exec"])
    assert (paths["SEV2"].escalate_after, paths["SEV2"].escalate_to) == (1 * H, ["L3"])
    assert (paths["SEV3"].escalate_after, paths["SEV3"].escalate_to) == (4 * H, ["L2"])
    assert paths["SEV4"].escalate_after is None
    assert [s.contact for s in paths["SEV1"].steps] == [
        "On-call engineer",
        "VP Eng",
        "CTO",
        "CEO",
        "Board update",
    ]
    assert [t.signal for t in policy.handoff_triggers][:2] == [
        "multiple_escalations",
        "executive_complaint",
    ]
    assert policy.handoff_triggers[0].within == 30 * 86_400
    assert policy.escalation.severities == ["SEV1", "SEV2"]
    assert policy.escalation.elevation_tiers == ["L2", "L3"]
    card = policy.scorecard
    assert card.csat is not None
    assert card.csat.target.holds(0.90)
    assert not card.csat.target.holds(0.89)
    assert card.csat.warning is not None
    assert card.csat.warning.holds(0.84)
    assert card.first_response_time is not None
    assert card.first_response_time.target.holds(59 * 60)
    assert card.escalation_rate is not None
    assert card.escalation_rate.target.holds(0.15)
    assert not card.escalation_rate.target.holds(0.25)


def test_init_then_check_round_trips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run("policy", "init")
    assert code == 0, err
    assert (tmp_path / "supportops.policy.yaml").read_text() == DEFAULT_POLICY_YAML
    code, out, err = run("policy", "check", "supportops.policy.yaml")
    assert code == 0, err
    assert out == (
        "ok: supportops.policy.yaml: 2 calendars (business, 24x7), 2 SLA rules "
        "(critical-24x7, default), 5 customer tiers, warning ladder 50%/80%/90%/100%/200%\n"
    )
    code, out, err = run("policy", "init")
    assert code == 1
    assert err.strip() == (
        "error: supportops.policy.yaml already exists: pass --force to overwrite it"
    )
    (tmp_path / "supportops.policy.yaml").write_text("# mine\n")
    assert run("policy", "init", "--force")[0] == 0
    assert (tmp_path / "supportops.policy.yaml").read_text() == DEFAULT_POLICY_YAML


# ---------------------------------------------------------------------- the SLA matrix
# seed "SLA by Priority Level"; next_reply takes the first-response target; P1 on 24x7.
SEED_MATRIX = """\
priority,rule,calendar,first_response,next_reply,periodic_update,resolution,total_resolution
P1,critical-24x7,24x7,15m,15m,30m,4h,none
P2,default,business,1h,1h,2h,8h,none
P3,default,business,4h,4h,8h,24h,none
P4,default,business,8h,8h,24h,72h,none
P5,default,business,24h,24h,on_status_change,5bd,none
"""
# × 0.5: 15m → 7m30s; 5bd → 2.5 business days of 9 h = 2bd + 4h30m
ENTERPRISE_MATRIX = """\
priority,rule,calendar,first_response,next_reply,periodic_update,resolution,total_resolution
P1,critical-24x7,24x7,7m30s,7m30s,15m,2h,none
P2,default,business,30m,30m,1h,4h,none
P3,default,business,2h,2h,4h,12h,none
P4,default,business,4h,4h,12h,36h,none
P5,default,business,12h,12h,on_status_change,2bd4h30m,none
"""


def test_show_matrix_is_the_seed_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SUPPORTOPS_POLICY", raising=False)
    code, out, err = run("policy", "show", "--format", "csv")
    assert (code, out) == (0, SEED_MATRIX), err
    code, out, err = run("policy", "show", "--tier", "Enterprise", "--format", "csv")
    assert (code, out) == (0, ENTERPRISE_MATRIX), err
    code, out, _ = run("policy", "show", "--format", "json")
    data = json.loads(out)
    assert data["policy"] == "built-in default"
    p5 = data["rows"][4]["targets"]
    assert p5["resolution"] == {"kind": "duration", "seconds": 5 * 9 * H, "text": "5bd"}
    assert p5["periodic_update"] == {
        "kind": "on_status_change",
        "seconds": None,
        "text": "on_status_change",
    }
    assert data["calendars"]["business"] == {
        "timezone": "America/New_York",
        "hours": "mon-fri 09:00-18:00",
        "business_day": "9h",
    }
    code, out, _ = run("policy", "show", "--tier", "starter")
    assert code == 0
    assert "tier starter ×2" in out
    assert "rule critical-24x7: P1" in out
    code, _, err = run("policy", "show", "--tier", "gold")
    assert code == 1
    assert err.strip() == (
        "error: unknown customer tier 'gold': choose one of enterprise, business, "
        "professional, starter, free"
    )


def test_effective_seconds_and_tier_rounding() -> None:
    policy = default_policy()
    assert policy.effective_seconds(0, "P1", "first_response", "enterprise") == 450
    assert policy.effective_seconds(0, "P1", "resolution", "free") == 16 * H
    assert policy.effective_seconds(1, "P3", "first_response", "professional") == 6 * H
    assert policy.effective_seconds(1, "P3", "first_response", "unheard-of") == 4 * H
    assert policy.effective_seconds(1, "P3", "first_response", None) == 4 * H
    assert policy.effective_seconds(1, "P5", "periodic_update", "free") is None
    assert policy.effective_seconds(1, "P5", "total_resolution") is None
    assert scale_seconds(1, 0.5) == 1  # halves round up
    assert scale_seconds(3, 0.5) == 2
    assert scale_seconds(900, 1.5) == 1350


def test_targets_table_and_targets_for() -> None:
    policy = default_policy()
    table = policy.targets_table()
    assert table.height == 2 * 5 * 5  # rules × priorities × metrics
    row = table.filter(
        (pl.col("rule") == 1) & (pl.col("priority") == "P4") & (pl.col("metric") == "resolution")
    ).row(0, named=True)
    assert row == {
        "rule": 1,
        "rule_name": "default",
        "calendar": "business",
        "priority": "P4",
        "metric": "resolution",
        "kind": "duration",
        "seconds": 72 * H,
        "scaled": True,
        "text": "72h",
    }
    frame = pl.DataFrame(
        {
            "priority": ["P1", "p5", None, "P3"],
            "customer_tier": ["enterprise", "FREE", "business", "gold"],
        }
    )
    out = policy.targets_for(frame)
    assert out["rule"].to_list() == [0, 1, 1, 1]
    assert out["calendar"].to_list() == ["24x7", "business", "business", "business"]
    assert out["first_response"].to_list() == [450, 4 * 24 * H, None, 4 * H]
    # P5 resolution 5bd × 4 = 20 business days of 9 h; no periodic timer at P5
    assert out["resolution"].to_list() == [2 * H, 20 * 9 * H, None, 24 * H]
    assert out["periodic_update"].to_list() == [15 * 60, None, None, 8 * H]
    assert out["total_resolution"].to_list() == [None] * 4


# ---------------------------------------------------------------------- errors
def test_each_kind_of_error_gives_its_line(tmp_path: Path) -> None:
    def bad(old: str, new: str) -> list[str]:
        assert old in MINIMAL
        return problems(MINIMAL.replace(old, new), tmp_path)

    assert bad("calendars:", "settings: {at_closin: closing}\ncalendars:") == [
        "p.yaml: settings.at_closin: unknown key; check the spelling (docs/policy.md lists "
        "every key)"
    ]
    assert bad("first_response: 15m", "first_response: 15 minutes") == [
        "p.yaml: sla.targets.P1.first_response: '15 minutes' is not a duration: write a "
        "duration such as 90s, 15m, 4h, 1h30m, 2d or 5bd (or none, or on_status_change)"
    ]
    assert bad("America/New_York", "America/Springfield") == [
        "p.yaml: calendars.business.timezone: unknown time zone 'America/Springfield': use an "
        "IANA name such as Europe/Berlin"
    ]
    assert bad('"09:00-18:00"', '"9-5"') == [
        "p.yaml: calendars.business.hours: mon-fri: bad window '9-5': write HH:MM-HH:MM such "
        "as 09:00-17:00 (an end at or before the start runs past midnight)"
    ]
    assert bad("calendar: business", "calendar: biz") == [
        "p.yaml: sla.rules.0.calendar: unknown calendar 'biz'; defined: business"
    ]
    with_when = "      when: {channel: email}\n      calendar: business"
    assert bad("      calendar: business", with_when) == [
        "p.yaml: sla.rules: the last rule must have no conditions (the default rule): add one "
        "such as {name: default, calendar: business} at the end"
    ]
    # the unclosed flow mapping swallows the blank line; "  rules:" (line 9) has its ':' at
    # column 8, where YAML wanted ',' or '}'
    assert bad("    P1: {first_response: 15m}", "    P1: {first_response: 15m\n") == [
        "p.yaml: line 9, column 8: expected ',' or '}', but got ':'"
    ]


def test_several_problems_at_once_and_cli_check(tmp_path: Path) -> None:
    text = MINIMAL.replace("15m}", "15m, periodic: 1h}").replace("P1:", "P0:")
    lines = problems(text, tmp_path)
    assert lines == [
        "p.yaml: sla.targets.P0: bad key: Input should be 'P1', 'P2', 'P3', 'P4' or 'P5'",
        "p.yaml: sla.targets.P0.periodic: bad key: Input should be 'first_response', "
        "'next_reply', 'periodic_update', 'resolution' or 'total_resolution'",
    ]
    code, out, err = run("policy", "check", str(tmp_path / "p.yaml"))
    assert (code, out) == (1, "")
    assert err.replace(str(tmp_path) + "/", "").splitlines() == [*lines, "2 problems in p.yaml"]


def test_cross_checks(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "  rules:\n",
        "  rules:\n    - {name: anything, calendar: business}\n"
        "    - {name: gold, when: {customer_tier: gold}, calendar: business}\n",
    ).replace("15m}", "15m, resolution: on_status_change}")
    text += "warning_ladder:\n  - {at: 80%, level: orange}\n  - {at: 50%, level: orange}\n"
    assert problems(text, tmp_path) == [
        "p.yaml: sla.rules.0.when: only the last rule may have no conditions: the rules after "
        "it could never match",
        "p.yaml: sla.rules.1.when.customer_tier: unknown customer tier 'gold'; defined: "
        "enterprise, business, professional, starter, free",
        "p.yaml: sla.targets.P1.resolution: on_status_change is only for periodic_update",
        "p.yaml: warning_ladder.1.at: levels must come in increasing order of 'at'",
        "p.yaml: warning_ladder.1.level: level 'orange' is used twice",
    ]


def test_file_level_problems(tmp_path: Path) -> None:
    assert problems("", tmp_path) == [
        "p.yaml: (top): the file is empty; run `supportops policy init` for a default"
    ]
    assert problems("- a\n- b\n", tmp_path) == [
        "p.yaml: (top): the policy must be a YAML mapping of sections"
    ]
    assert problems("calendars: {}\ncalendars: {}\n", tmp_path) == [
        "p.yaml: line 2, column 1: duplicate key 'calendars' (first on line 1)"
    ]
    assert problems("version: 1\n", tmp_path) == [
        "p.yaml: calendars: required key is missing",
        "p.yaml: sla: required key is missing",
    ]
    with pytest.raises(PolicyError) as info:
        load_policy(tmp_path / "absent.yaml")
    assert info.value.problems == [f"{tmp_path / 'absent.yaml'}: (top): no such file"]


def test_yaml_scalars_stay_strings(tmp_path: Path) -> None:
    # YAML 1.1 would read NO as false and 13:00 as the number 780
    text = MINIMAL.replace(
        "    hours:",
        "    holidays:\n      - country: NO\n"
        "      - {date: 2026-12-24, from_time: 13:00, to_time: 18:00}\n    hours:",
    )
    path = tmp_path / "p.yaml"
    path.write_text(text)
    spec = load_policy(path).calendars["business"]
    assert spec.holidays[0].country == "NO"  # type: ignore[union-attr]
    assert spec.holidays[1].from_time == "13:00"  # type: ignore[union-attr]


# ---------------------------------------------------------------------- durations
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", Duration(90)),
        ("15m", Duration(900)),
        ("4h", Duration(4 * H)),
        ("1h30m", Duration(5400)),
        ("1h 30m", Duration(5400)),
        ("2d", Duration(48 * H)),
        ("5bd", Duration(0, 5)),
        ("1bd4h", Duration(4 * H, 1)),
    ],
)
def test_durations(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["15 minutes", "1.5h", "0m", "", "h", "30m1h", "5 bd 2"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_format_seconds() -> None:
    assert format_seconds(450) == "7m30s"
    assert format_seconds(72 * H) == "72h"
    assert format_seconds(0) == "0s"
    assert format_seconds(5 * 9 * H, business_day=9 * H) == "5bd"
    assert format_seconds(22 * H + 1800, business_day=9 * H) == "2bd4h30m"
    assert str(parse_duration("1bd4h")) == "1bd4h"


def test_thresholds() -> None:
    assert parse_threshold("90%+").holds(0.9)
    assert not parse_threshold("< 1h").holds(3600)
    assert parse_threshold("10%..20%").holds(0.2)
    assert str(parse_threshold(">= 30")) == ">= 30"
    for text in ("90", "> 5bd", "20%..10%", "<> 3"):
        with pytest.raises(ValueError, match="threshold"):
            parse_threshold(text)


# ---------------------------------------------------------------------- rules
RULES_POLICY = MINIMAL.replace(
    "  rules:\n",
    """\
  rules:
    - name: enterprise-urgent
      when: {customer_tier: [enterprise], priority: [P1, P2]}
      calendar: business
    - name: vip
      when: {tags_any: [vip, VIP-Plus]}
      calendar: business
    - name: phone-not-spam
      when: {channel: phone, tags_none: [spam]}
      calendar: business
    - name: billing-bugs
      when: {category: [billing], tags_all: [bug, confirmed]}
      calendar: business
""",
)


def test_assign_rules_on_a_small_frame(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES_POLICY)
    policy = load_policy(path)
    rows: list[dict[str, Any]] = [
        # tier matches, priority P2 → rule 0
        {"priority": "P2", "customer_tier": "Enterprise", "channel": "phone", "tags": ["spam"]},
        # enterprise but P3 → not 0; tag vip-plus (any case) → rule 1
        {"priority": "P3", "customer_tier": "enterprise", "tags": [" VIP-plus "]},
        # phone without spam → 2
        {"priority": "P3", "channel": " Phone ", "tags": None},
        # phone with spam → not 2; billing with both tags → 3
        {"channel": "phone", "category": "Billing", "tags": ["spam", "bug", "confirmed"]},
        # billing with one of the two → default 4
        {"category": "billing", "tags": ["bug"]},
        # nothing at all → default
        {},
    ]
    columns = ("priority", "customer_tier", "category", "group", "channel")
    frame = pl.DataFrame(
        [{c: r.get(c) for c in (*columns, "tags")} for r in rows],
        schema={**dict.fromkeys(columns, pl.String), "tags": pl.List(pl.String)},
    )
    expected = [0, 1, 2, 3, 4, 4]
    assert policy.assign_rules(frame).to_list() == expected
    assert [policy.rule_index(**r) for r in rows] == expected
    assert policy.select_rule(priority="P1", customer_tier="enterprise").name == (
        "enterprise-urgent"
    )
    with pytest.raises(KeyError, match="tags"):
        policy.assign_rules(frame.drop("tags"))


VOCAB = {
    "priority": ["P1", "P2", "P3"],
    "customer_tier": ["enterprise", "free"],
    "category": ["billing", "bug"],
    "group": ["l1", "l2"],
    "channel": ["email", "phone"],
    "tags": ["vip", "spam", "urgent"],
}


def _variants(word: str) -> st.SearchStrategy[str]:
    return st.sampled_from([word, word.upper(), f" {word}", word.capitalize()])


@st.composite
def rule_sets(draw: st.DrawFn) -> list[SlaRule]:
    rules = []
    for i in range(draw(st.integers(0, 5))):
        when: dict[str, Any] = {}
        for key in ("priority", "customer_tier", "category", "group", "channel"):
            if draw(st.booleans()):
                when[key] = draw(st.lists(st.sampled_from(VOCAB[key]), min_size=1, max_size=2))
        for key in ("tags_any", "tags_all", "tags_none"):
            if draw(st.booleans()):
                when[key] = draw(st.lists(st.sampled_from(VOCAB["tags"]), min_size=1, max_size=2))
        if not when:
            when["channel"] = ["email"]
        rules.append(SlaRule.model_validate({"name": f"r{i}", "when": when, "calendar": "c"}))
    rules.append(SlaRule(name="default", calendar="c"))
    return rules


def _field(key: str) -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), st.sampled_from(VOCAB[key]).flatmap(_variants), st.just("x"))


rows_strategy = st.fixed_dictionaries(
    {
        **{k: _field(k) for k in ("priority", "customer_tier", "category", "group", "channel")},
        "tags": st.one_of(
            st.none(),
            st.lists(st.one_of(st.none(), st.sampled_from(VOCAB["tags"]).flatmap(_variants))),
        ),
    }
)


@settings(max_examples=300, deadline=None)
@given(rules=rule_sets(), rows=st.lists(rows_strategy, max_size=12))
def test_assign_equals_first_match(rules: list[SlaRule], rows: list[dict[str, Any]]) -> None:
    schema = {k: pl.String for k in VOCAB if k != "tags"} | {"tags": pl.List(pl.String)}
    frame = pl.DataFrame(rows, schema=schema)
    assert assign(rules, frame).to_list() == [first_match(rules, **row) for row in rows]


# ---------------------------------------------------------------------- calendars
CALENDARS = """\
calendars:
  business:
    timezone: America/New_York
    hours:
      mon-fri: "09:00-18:00"
    holidays:
      - country: US
      - {date: 2026-12-24, from_time: "13:00", to_time: "18:00", name: Christmas Eve}
      - {from: 2026-12-28, to: 2026-12-29, name: Year-end}
      - {date: 2026-12-31}
      - ical: team.ics
  shifts:
    timezone: Europe/Berlin
    hours:
      mon-thu: ["08:00-12:00", "13:00-17:00"]
      fri: "08:00-14:00"
      sat: "22:00-02:00"
  always:
    timezone: UTC
    hours: 24/7
sla:
  targets: {P1: {resolution: 2bd}}
  rules: [{name: default, calendar: shifts}]
"""
ICS = """\
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//supportops tests//EN
BEGIN:VEVENT
UID:offsite@test
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20261106
DTEND;VALUE=DATE:20261107
SUMMARY:Team offsite
END:VEVENT
BEGIN:VEVENT
UID:allhands@test
DTSTAMP:20260101T000000Z
DTSTART:20261110T190000Z
DTEND:20261110T210000Z
SUMMARY:All-hands
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture
def calendars(tmp_path: Path) -> policy_pkg.Policy:
    (tmp_path / "team.ics").write_text(ICS)
    (tmp_path / "cal.yaml").write_text(CALENDARS)
    return load_policy(tmp_path / "cal.yaml")


def _epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).astimezone(UTC).timestamp())


def test_calendars_compile_to_schedules(calendars: policy_pkg.Policy) -> None:
    business = calendars.schedule("business", years=[2026])
    assert str(business.tz) == "America/New_York"
    assert business.windows == (((9 * H, 18 * H),),) * 5 + ((), ())
    closures = set(business.closures)
    assert Closure.day(date(2026, 11, 26), "Thanksgiving Day") in closures
    assert Closure(datetime(2026, 12, 24, 13), datetime(2026, 12, 24, 18), "Christmas Eve") in (
        closures
    )
    assert Closure(datetime(2026, 12, 28), datetime(2026, 12, 30), "Year-end") in closures
    assert Closure.day(date(2026, 12, 31)) in closures
    assert Closure.day(date(2026, 11, 6), "Team offsite") in closures
    # 19:00–21:00 UTC on 2026-11-10 is 14:00–16:00 in New York (EST, UTC−5)
    assert Closure(datetime(2026, 11, 10, 14), datetime(2026, 11, 10, 16), "All-hands") in (
        closures
    )
    shifts = calendars.schedule("shifts")
    assert shifts.windows == (
        *(((8 * H, 12 * H), (13 * H, 17 * H)),) * 4,
        ((8 * H, 14 * H),),
        ((22 * H, 26 * H),),
        (),
    )
    assert calendars.schedule("always").always


def test_business_time_on_the_compiled_clock(calendars: policy_pkg.Policy) -> None:
    clock = calendars.schedule("business", years=[2026]).compile(
        _epoch("2026-11-01T00:00:00+00:00"), _epoch("2027-01-10T00:00:00+00:00")
    )
    # Thanksgiving week: Mon–Wed and Fri open (9 h each), Thursday 26th closed
    week = clock.elapsed(_epoch("2026-11-23T00:00:00-05:00"), _epoch("2026-11-28T00:00:00-05:00"))
    assert int(week) == 4 * 9 * H
    # Christmas Eve (Thu) open 09:00–13:00 only
    eve = clock.elapsed(_epoch("2026-12-24T00:00:00-05:00"), _epoch("2026-12-25T00:00:00-05:00"))
    assert int(eve) == 4 * H
    # Tuesday 10 November: 9 h minus the 2 h all-hands
    tue = clock.elapsed(_epoch("2026-11-10T00:00:00-05:00"), _epoch("2026-11-11T00:00:00-05:00"))
    assert int(tue) == 7 * H


def test_business_day_and_bd_targets(calendars: policy_pkg.Policy) -> None:
    # shifts: 4 days × 8 h + 6 h (Fri) + 4 h (Sat night) = 42 h over 6 open weekdays = 7 h
    assert calendars.business_day("shifts") == 7 * H
    assert calendars.business_day("business") == 9 * H
    assert calendars.business_day("always") == 24 * H
    assert calendars.effective_seconds(0, "P1", "resolution") == 2 * 7 * H


def test_bad_ical_file(tmp_path: Path) -> None:
    (tmp_path / "team.ics").write_text(
        ICS.replace("DTEND;VALUE=DATE:20261107", "RRULE:FREQ=YEARLY")
    )
    lines = problems(CALENDARS, tmp_path)
    assert lines == [
        "p.yaml: calendars.business.holidays.4: team.ics is not a valid iCalendar file: event "
        "'Team offsite' repeats (RRULE), which is not supported: export the calendar with each "
        "occurrence as its own event"
    ]


# ---------------------------------------------------------------------- finding the policy
def test_find_policy_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SUPPORTOPS_POLICY", raising=False)
    assert find_policy(None).source == "built-in default"
    (tmp_path / "supportops.policy.yaml").write_text(MINIMAL)
    assert find_policy(None).source == "supportops.policy.yaml"
    (tmp_path / "env.yaml").write_text(MINIMAL)
    monkeypatch.setenv("SUPPORTOPS_POLICY", str(tmp_path / "env.yaml"))
    assert find_policy(None).source == str(tmp_path / "env.yaml")
    (tmp_path / "given.yaml").write_text(RULES_POLICY)
    assert find_policy(tmp_path / "given.yaml").source == str(tmp_path / "given.yaml")
    code, out, _ = run("policy", "show", "--format", "csv")
    assert code == 0
    assert out.splitlines()[1] == "P1,default,business,15m,none,none,none,none"


def test_parse_policy_and_exports() -> None:
    policy = parse_policy(MINIMAL, "inline")
    assert policy.source == "inline"
    assert policy.sla.rules[0].calendar == "business"
    for name in policy_pkg.__all__:
        assert hasattr(policy_pkg, name), name


@pytest.mark.parametrize(
    "command", [["policy"], ["policy", "init"], ["policy", "check"], ["policy", "show"]]
)
def test_policy_commands_have_help(command: list[str]) -> None:
    code, out, _ = run(*command, "--help")
    assert code == 0
    assert "Usage" in out


def test_rule_targets_override_and_unscaled_rules() -> None:
    text = MINIMAL.replace(
        "  rules:\n",
        "  rules:\n"
        "    - name: contract\n"
        "      when: {customer_tier: enterprise, channel: phone}\n"
        "      calendar: business\n"
        "      tier_multiplier: false\n"
        "      targets: {P1: {resolution: 1bd}}\n",
    )
    policy = parse_policy(text, "inline")
    # rule 0 keeps the base first response (15m) and adds its own resolution (1 bd = 9 h);
    # it is not scaled, while the default rule halves for enterprise
    assert policy.effective_seconds(0, "P1", "first_response", "enterprise") == 900
    assert policy.effective_seconds(0, "P1", "resolution", "enterprise") == 9 * H
    assert policy.effective_seconds(1, "P1", "first_response", "enterprise") == 450
    assert policy.effective_seconds(1, "P1", "resolution", "enterprise") is None
    frame = pl.DataFrame(
        {
            "priority": ["P1", "P1"],
            "customer_tier": ["enterprise"] * 2,
            "channel": ["phone", "email"],
        }
    )
    out = policy.targets_for(frame)
    assert out.select("rule", "first_response", "resolution").rows() == [
        (0, 900, 9 * H),
        (1, 450, None),
    ]


def test_show_with_a_broken_policy_file(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(MINIMAL.replace("calendar: business", "calendar: biz"))
    code, out, err = run("policy", "show", "--policy", str(tmp_path / "p.yaml"))
    assert (code, out) == (1, "")
    assert err.strip() == (
        f"error: {tmp_path / 'p.yaml'}: sla.rules.0.calendar: unknown calendar 'biz'; "
        "defined: business"
    )
