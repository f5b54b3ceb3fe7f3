"""One ticket's life as events: intake, first reply, round trips, elevation, escalation,
engineering, solve, reopen, CSAT, close.

Agents answer in business hours (Monday–Friday 08:00–18:00 New York); P1/P2 tickets are
answered around the clock by whoever is on call. Customers reply in business hours too.
First-reply times shrink over the span (seed 001: FRT 4.2 h → 1.5 h) and CSAT improves.
Every random choice comes from the ticket's own ``random.Random``, seeded from numpy, so a
ticket's story does not depend on the tickets generated before it.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from supportops.demo import conversation as say
from supportops.demo.story import DAY, HOUR, PRIORITY_WORD, Env, Plan, Row, Staff, Story, pick

TIER_SPEED = (0.7, 1.0, 1.25)  # enterprise tickets are picked up faster
AUTO_CLOSE = 4 * DAY  # solved tickets close four days later
REPLY_HOURS = {"L1": 1.8, "L2": 3.0, "L3": 4.0}  # median business hours to the next reply


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return rng.lognormvariate(math.log(median), sigma)


@dataclass(slots=True)
class Script:
    """The shape of a worked ticket, decided before its events are written."""

    rounds: int  # customer round trips before the fix
    elevate_at: int  # round in which it moves to L2 (-1: never)
    l3_at: int  # round in which engineering gets it (-1: never)
    ping_pong: bool  # L2 sends it back to L1, which sends it up again
    early: bool  # escalated at once rather than after some back and forth
    escalate_at: int  # round after whose customer reply it escalates (-1: early or never)


class Life:
    """Writes one ticket's story; ``now`` only moves forward."""

    def __init__(self, plan: Plan, env: Env) -> None:
        self.p = plan
        self.env = env
        self.rng = random.Random(plan.seed)
        self.story = Story()
        self.urgent = plan.priority <= 1
        self.speed = (1.5 - 0.8 * plan.position) * TIER_SPEED[plan.tier]
        self.who = plan.requester[1]
        self.ctx = dict(plan.ctx)
        self.early = False
        self.esc_time: int | None = None
        self.level = 2 if plan.priority == 0 else 1

    # ------------------------------------------------------------ timing
    def agent_delay(self, t: int, median_hours: float, sigma: float = 0.8) -> int:
        """When an agent gets to something that arrived at ``t``."""
        if self.urgent:  # on call: wall-clock minutes
            minutes = 15 if self.p.priority == 0 else 45
            return t + int(_lognormal(self.rng, minutes * 60 * median_hours, 0.7))
        seconds = _lognormal(self.rng, median_hours * HOUR * self.speed, sigma)
        return self.env.clock.add(t, seconds)

    def customer_delay(self, t: int) -> int:
        return self.env.clock.add(t, _lognormal(self.rng, 2.5 * HOUR, 1.0))

    def say_as(self, agent: Staff) -> dict[str, str]:
        self.ctx["agent"] = agent.name.split()[0]
        return self.ctx

    # ------------------------------------------------------------ the story
    def write(self) -> list[tuple[int, Row]]:
        p, s, rng = self.p, self.story, self.rng
        t0 = p.created
        s.add(t0, "created", actor=self.who, actor_role="customer")
        s.status(t0, "new")
        s.add(t0, "priority", value=f"P{p.priority + 1}", raw_value=PRIORITY_WORD[p.priority])
        if self.urgent:
            sev = "SEV1" if p.priority == 0 and rng.random() < 0.9 else "SEV2"
            s.add(t0, "severity", value=sev, raw_value=sev)
        s.add(t0, "tier", value="L1", raw_value="group: Support L1")
        s.add(t0, "group", value="Support L1")
        if p.tier == 0:
            s.tag(t0, "enterprise")
        if p.merge_into is not None:
            self._merged(t0, p.merge_into)
        else:
            self._worked(t0)
        return s.sorted()

    def _merged(self, t0: int, survivor: str) -> None:
        """A duplicate: an agent spots it and merges it into the customer's earlier ticket."""
        s = self.story
        agent = pick(self.rng, self.env.l1, self.p.category, t0)
        t = self.agent_delay(t0, 0.6)
        number = survivor.split(":", 1)[-1]
        s.add(t, "assignee", value=agent.id, raw_value=agent.name)
        s.comment(t, agent.id, "agent", False, f"Duplicate of #{number} - merging.")
        s.comment(
            t,
            agent.id,
            "agent",
            True,
            f"This request was closed and merged into request #{number}.",
        )
        s.add(t, "merge", value=survivor)
        s.tag(t, "duplicate")
        s.status(t, "closed", agent.id)

    def _script(self) -> Script:
        p, rng = self.p, self.rng
        prob = p.problem
        lo, hi = prob.rounds if prob else (0, 1)
        rounds = rng.randint(lo, hi)
        elevation = prob.elevation if prob else 0.12
        l3_chance = prob.l3 if prob else 0.02
        if p.kb_url is not None:  # the article exists: one touch, rarely elevated
            rounds = 0 if rng.random() < 0.75 else 1
            elevation, l3_chance = elevation * 0.25, l3_chance * 0.25
        if p.escalated:
            elevation, l3_chance = 0.85, max(l3_chance, 0.30)
        elevate = rng.random() < elevation
        to_l3 = elevate and rng.random() < l3_chance / max(elevation, 1e-9)
        if (elevate or p.escalated) and rounds == 0:
            rounds = 1
        elevate_at = rng.randrange(rounds) if elevate else -1
        l3_at = rng.randint(elevate_at, rounds - 1) if to_l3 else -1
        ping_pong = elevate and not to_l3 and rng.random() < 0.012
        early_chance = 0.7 if p.habitual else 0.35 if self.urgent else 0.10
        early = p.escalated and rng.random() < early_chance
        escalate_at = rng.randrange(rounds) if p.escalated and not early else -1
        return Script(rounds, elevate_at, l3_at, ping_pong, early, escalate_at)

    def _worked(self, t0: int) -> None:
        p, s, rng, env = self.p, self.story, self.rng, self.env
        script = self._script()
        agent = pick(rng, env.l1, p.category, t0)
        t_assign = self.agent_delay(t0, 0.15)
        s.add(t_assign, "assignee", value=agent.id, raw_value=agent.name)
        quick = p.channel in ("chat", "phone")
        t_first = max(self.agent_delay(t0, 0.05 if quick else 2.0), t_assign)
        if script.early:
            if p.habitual or self.urgent:
                minutes = 30 if p.habitual else 15
                self.esc_time = t0 + int(_lognormal(rng, minutes * 60, 0.5))
            else:
                self.esc_time = env.clock.add(t0, rng.uniform(0.2, 1.8) * HOUR)

        now = t_first
        ctx = self.say_as(agent)
        s.status(now, "open", agent.id)
        if script.rounds == 0:
            self._fix(now, agent)
        else:
            s.comment(now, agent.id, "agent", True, say.ask(rng, p.category, ctx, True))
        self.agent, self.tier, self.l1 = agent, "L1", agent
        no_reply = False
        for r in range(script.rounds):
            s.status(now, "pending", self.agent.id)
            if not p.escalated and r == script.rounds - 1 and rng.random() < 0.06:
                now = env.clock.add(now, 3 * 10 * HOUR + rng.randrange(HOUR))  # 3 business days
                s.comment(now, self.agent.id, "agent", True, say.NO_REPLY)
                no_reply = True
                break
            now = self.customer_delay(now)
            kind = "chase" if r and rng.random() < 0.25 else "answer"
            if r == script.escalate_at and rng.random() < 0.5:
                kind = "demand"
            s.comment(now, self.who, "customer", True, say.customer(rng, kind, self.ctx))
            s.status(now, "open")
            if r == script.escalate_at:  # not early: after 2 business hours and a reply
                floor = max(env.clock.add(t0, 2 * HOUR + 60), t_first + 60)
                now = self.esc_time = max(now + int(_lognormal(rng, 20 * 60, 0.6)), floor)
            if r == script.elevate_at:
                now = self._elevate(now, script.ping_pong)
            if r == script.l3_at:
                now = self._engineering(now)
            if rng.random() < 0.25:
                now = self.agent_delay(now, 0.4)
                s.comment(now, self.agent.id, "agent", False, say.note(rng, "note", self.ctx))
            now = self.agent_delay(now, REPLY_HOURS[self.tier])
            if r == script.rounds - 1:
                self._fix(now, self.agent)
            else:
                body = say.ask(rng, p.category, self.ctx, False)
                s.comment(now, self.agent.id, "agent", True, body)
        if not no_reply and script.rounds and rng.random() < 0.2:  # the customer confirms
            s.status(now, "pending", self.agent.id)
            now = self.customer_delay(now)
            s.comment(now, self.who, "customer", True, say.customer(rng, "thanks", self.ctx))
            s.status(now, "open")
            now = self.agent_delay(now, 0.5)
        s.status(now, "solved", self.agent.id)
        self._after(now, t_first, script.rounds, no_reply)

    def _fix(self, now: int, agent: Staff) -> None:
        """The resolving reply; with a KB article out, it links the article."""
        body = say.fix(self.rng, self.p.problem, self.say_as(agent), self.p.kb_url)
        self.story.comment(now, agent.id, "agent", True, body)
        if self.p.kb_url is not None:
            self.story.tag(now, "kb-linked")

    def _elevate(self, now: int, ping_pong: bool) -> int:
        """L1 hands the ticket to L2 (and, on a few tickets, L2 hands it back and forth)."""
        s, rng, clock = self.story, self.rng, self.env.clock
        now = self.agent_delay(now, 0.5)
        l1 = self.agent
        l2 = pick(rng, self.env.l2, self.p.category, now)
        s.comment(now, l1.id, "agent", False, say.note(rng, "elevate", self.ctx))
        s.staff(now, l2, "L2")
        self.agent, self.tier = l2, "L2"
        self.say_as(l2)
        if ping_pong:
            mark = {"demo_truth": {"ping_pong": True}}
            now = clock.add(now, _lognormal(rng, 4 * HOUR, 0.6))
            s.comment(now, l2.id, "agent", False, say.note(rng, "bounce", self.ctx))
            s.staff(now, l1, "L1", mark)
            now = clock.add(now, _lognormal(rng, 5 * HOUR, 0.6))
            s.comment(now, l1.id, "agent", False, say.note(rng, "re_elevate", self.ctx))
            s.staff(now, l2, "L2", mark)
        return now

    def _engineering(self, now: int) -> int:
        """L3 takes it, waits on the engineering rotation (on hold), then works it again."""
        s, rng, lead = self.story, self.rng, self.env.lead
        now = self.agent_delay(now, 2.0)
        l3 = pick(rng, self.env.l3, self.p.category, now)
        s.comment(now, self.agent.id, "agent", False, say.note(rng, "l3", self.ctx))
        s.staff(now, l3, "L3")
        s.tag(now, "bug")
        s.status(now, "on_hold", l3.id)
        raised = self.esc_time is not None and self.esc_time <= now
        if raised and self.level == 1 and rng.random() < 0.6:
            self.level = 2
            body = "Engineering involved; raising to level 2."
            s.add(
                now, "escalation", "2", action="level_changed", number=2, actor=lead.id, body=body
            )
        self.agent, self.tier = l3, "L3"
        self.say_as(l3)
        now = self.env.clock.add(now, _lognormal(rng, 14 * HOUR, 0.7))
        s.comment(now, l3.id, "agent", False, say.note(rng, "l3_done", self.ctx))
        s.status(now, "open", l3.id)
        return now

    def _after(self, solved: int, t_first: int, rounds: int, no_reply: bool) -> None:
        """Escalation bookkeeping, a possible reopening, CSAT, auto-close, a priority change."""
        p, s, rng = self.p, self.story, self.rng
        if self.esc_time is not None:
            if self.esc_time >= solved:  # an instant fix: the escalation came before it
                self.esc_time = p.created + (solved - p.created) // 3
            self._escalation(self.esc_time, solved, t_first)
        reopened = not no_reply and rng.random() < (
            0.10 if p.escalated else 0.015 if p.kb_url else 0.045
        )
        if reopened:
            now = solved + int(min(_lognormal(rng, 30 * HOUR, 0.6), 3.5 * DAY))
            s.comment(now, self.who, "customer", True, say.customer(rng, "reopen", self.ctx))
            s.status(now, "open")
            s.tag(now, "reopened")
            now = self.agent_delay(now, 1.5)
            s.comment(now, self.agent.id, "agent", True, say.fix(rng, None, self.ctx, None))
            s.status(now, "solved", self.agent.id)
            solved = now
        if rng.random() < 0.30:
            self._csat(solved, reopened, t_first - p.created > 8 * HOUR, rounds)
        s.status(solved + AUTO_CLOSE + rng.randrange(6 * HOUR), "closed")
        if rounds and rng.random() < 0.03:
            old = p.priority
            new = old - 1 if old >= 3 else old + 1
            at = rng.randint(t_first, solved)
            value, word = f"P{new + 1}", PRIORITY_WORD[new]
            s.add(at, "priority", value=value, raw_value=word, actor=self.agent.id)

    def _escalation(self, at: int, solved: int, t_first: int) -> None:
        """Raised by the lead at ``at``; cleared when the ticket is solved."""
        p, env, rng = self.p, self.env, self.rng
        self.early = at < t_first or env.clock.elapsed(p.created, at) <= 2 * HOUR
        habit = p.habitual and self.early
        kind = "habit" if habit else "sev" if p.priority == 0 else "normal"
        truth = {"demo_truth": {"early": self.early, "habitual": p.habitual}}
        first = 2 if p.priority == 0 else 1
        reason = say.reason(rng, kind, self.ctx)
        lead = env.lead.id
        self.story.add(
            at,
            "escalation",
            str(first),
            action="raised",
            number=first,
            actor=lead,
            body=reason,
            raw=truth,
        )
        self.story.tag(at, "escalated")
        if rng.random() < 0.4:
            note = f"Escalation raised. Owner: {self.ctx['agent']}; updates every 4 business hours."
            self.story.comment(at, lead, "agent", False, note)
        body = "Resolved; escalation closed."
        self.story.add(
            max(solved, at + 60),
            "escalation",
            str(self.level),
            action="cleared",
            number=self.level,
            actor=lead,
            body=body,
        )

    def _csat(self, solved: int, reopened: bool, slow: bool, rounds: int) -> None:
        """~85 % say 4–5; escalated, reopened, slow and long tickets score worse."""
        p, rng = self.p, self.rng
        good = 0.85 + 0.08 * p.position - 0.30 * p.escalated - 0.20 * reopened
        good -= 0.10 * slow + 0.06 * (rounds >= 3) - 0.04 * (p.kb_url is not None)
        if rng.random() < good:
            score = 5 if rng.random() < 0.62 else 4
        else:
            score = rng.choices((1, 2, 3), weights=(0.3, 0.3, 0.4))[0]
        at = solved + int(min(_lognormal(rng, 5 * HOUR, 0.9), 3.5 * DAY))
        body = say.csat_comment(rng, score, self.ctx)
        self.story.add(at, "csat", number=score, actor=self.who, actor_role="customer", body=body)
