"""What people write after the first message: agent replies, customer replies, internal notes,
escalation reasons and CSAT comments."""

from __future__ import annotations

import random

from supportops.demo.problems import Problem
from supportops.demo.text import roughen

ASK: dict[str, tuple[str, ...]] = {
    "login": (
        "Could you send us a HAR file captured while you reproduce the sign-in?",
        "Which identity provider do you use, and are all users affected or only some?",
        "Can you tell me the exact error and roughly when it happened (with time zone)?",
    ),
    "api": (
        "Could you share the request id (X-Request-Id header) of one failing call?",
        "Which endpoint, and roughly how many requests per second are you sending?",
        "Can you send the full response (status, headers, body) of a failing request?",
    ),
    "billing": (
        "Could you tell me the invoice number and the last four digits of the card?",
        "Can you confirm the workspace id so I can check the billing history?",
    ),
    "integrations": (
        "Could you share a delivery id from Settings → Webhooks → Delivery log?",
        "When did you last reconnect the integration, and with which user?",
    ),
    "data_import": (
        "Could you attach the file (or its first 20 rows) you are importing?",
        "Which import template did you choose, and what was the exact error?",
    ),
    "performance": (
        "Could you send a HAR file of a slow load and your workspace id?",
        "Roughly how many records, and which widgets are on that dashboard?",
    ),
    "notifications": (
        "Could you forward one of the emails with full headers?",
        "Which users are affected, and what are their profile time zones?",
    ),
    "reporting": (
        "Could you share the report link and the filters you applied?",
        "Which date range and time zone are you comparing?",
    ),
    "account_admin": (
        "Can you confirm your role in the workspace and the workspace id?",
        "Could you send the request from an address on your company domain?",
    ),
    "how_to": (
        "Which plan are you on, and what exactly would you like to set up?",
        "Could you describe the workflow you have in mind?",
    ),
}
ACK = (
    "Thanks for reporting this - I'm looking into it now.",
    "Sorry about the trouble.",
    "Thanks for the details, that helps.",
    "Thanks for reaching out.",
    "I'm sorry this is getting in your way.",
)
FIX_INTRO = (
    "Here's what I found.",
    "I found the cause.",
    "Good news, we found it.",
    "Thanks for your patience.",
    "I dug into this with the team.",
)
FIX_CLOSE = (
    "Let me know if that sorts it out.",
    "I'll mark this solved - just reply if anything comes up.",
    "Hope this helps!",
    "Happy to jump on a call if needed.",
)
GENERIC_FIX = (
    "I've corrected the setting on our side, it should work now.",
    "This is now fixed in the latest release - please refresh.",
    "I've walked through the steps in our docs with you; it's working as designed.",
    "I've passed the suggestion to our product team and logged it for you.",
    "I reset it on our side; could you try once more?",
)
ANSWERS = (
    "Sure, attached.",
    "Here you go: {req}",
    "It's happening for everyone on our team.",
    "Attached the HAR file. Let me know if you need more.",
    "We're on {plan}, workspace {ws}.",
    "Just tried again, same result.",
    "Screenshot attached.",
    "It was around 10am our time.",
    "See attached file.",
    "Only some users, mostly those on {browser}.",
)
CHASERS = (
    "Any update on this?",
    "Hi, following up - this is still a problem for us.",
    "Is there any news? It's been a few days.",
    "Bumping this.",
)
DEMANDS = (
    "This has gone on too long. Please escalate this to your manager.",
    "We need this escalated - our leadership is asking about it.",
    "I'd like someone more senior to look at this today.",
)
THANKS = (
    "That worked, thank you!",
    "Perfect, all good now.",
    "Confirmed fixed on our side.",
    "Great, thanks for the quick help.",
    "Thanks, that did it.",
)
REOPEN = (
    "Sorry, it's happening again.",
    "This is back - same issue as before.",
    "The fix didn't hold, we're seeing it again today.",
    "Reopening: still broken for some users.",
)
NOTES = (
    "Checked the account history, nothing unusual.",
    "Reproduced on staging.",
    "Customer on {plan} plan ({tier} account).",
    "Asked for more details.",
    "Searching for similar tickets - feels familiar.",
    "Logs for {ws} attached.",
    "Tried the usual fix, no luck.",
)
ELEVATE = (
    "Elevating to L2: needs a deeper look at {area}.",
    "L1 troubleshooting done (cache, other browser, re-auth). Passing to L2.",
    "Needs config access I don't have - handing to L2.",
    "Out of my depth on {area}, moving to L2.",
)
BOUNCE = (
    "Sending back to L1: configuration question, not a bug.",
    "Not an L2 issue - customer needs to redo the setup; back to L1.",
    "Returning to L1, looks like user error.",
)
RE_ELEVATE = (
    "Customer did the setup again, still failing. Back to L2.",
    "Bouncing this back up: L1 steps didn't help.",
)
L3 = (
    "Filed ENG-{n4}: {title}. Eng rotation is on it.",
    "Engineering confirmed a bug in {area}; waiting on a fix.",
    "Eng rotation needs logs from production; on hold until they report back.",
)
L3_DONE = (
    "Eng rotation shipped the fix (release 2026.{n2}).",
    "Engineering applied a data fix for {ws}.",
    "Workaround confirmed by engineering; permanent fix scheduled.",
)
NO_REPLY = "We haven't heard back, so I'm closing this for now - just reply to reopen it."
REASONS = (
    "Enterprise customer blocked; repeated follow-ups.",
    "Unresolved for days; customer is unhappy.",
    "Repeat issue: another ticket from this account on the same problem.",
    "SLA at risk and the customer asked for escalation.",
    "Customer's exec sponsor reached out to their CSM.",
)
HABIT_REASONS = (
    "Customer requested escalation on first contact; exec sponsor cc'd.",
    "Account asks for manager involvement on every ticket.",
    "Customer called the CSM demanding escalation right after opening.",
)
SEV_REASONS = (
    "SEV1: {title} - production impact for {org}.",
    "SEV1 declared: customer-wide outage reported by {org}.",
)
CSAT_GOOD = (
    "Fast and helpful!",
    "Great support, thank you.",
    "Solved quickly.",
    "Clear explanation.",
    "{agent} was great.",
    "Very patient, thanks.",
)
CSAT_BAD = (
    "Took way too long.",
    "Had to explain the issue three times.",
    "The first answers didn't help.",
    "Too many back-and-forths.",
    "Still not happy with how long this took.",
    "Felt passed around between people.",
)
KB_LINK = (
    "We've written this up in our help center: {url}",
    "Step-by-step guide: {url}",
    "This article walks through it: {url}",
)


def _pick(rng: random.Random, options: tuple[str, ...], ctx: dict[str, str]) -> str:
    return rng.choice(options).format_map(ctx)


def greet(rng: random.Random, ctx: dict[str, str]) -> str:
    first = ctx["name"].split()[0]
    return rng.choice((f"Hi {first},", f"Hello {first},", f"Hi {first}, thanks for writing in."))


def sign(ctx: dict[str, str]) -> str:
    return f"\n\n{ctx['agent']}\nSupport team"


def ask(rng: random.Random, category: str, ctx: dict[str, str], first: bool) -> str:
    lead = f"{greet(rng, ctx)} {rng.choice(ACK)} " if first else ""
    return lead + rng.choice(ASK[category]) + sign(ctx)


def fix(rng: random.Random, problem: Problem | None, ctx: dict[str, str], url: str | None) -> str:
    """The resolving reply: the cause and the steps, or a link to the KB article."""
    parts = [greet(rng, ctx)]
    if problem is None:
        parts.append(rng.choice(GENERIC_FIX))
    elif url is not None:
        parts.append(f"This is a known one. {problem.steps[0]}")
        parts.append(_pick(rng, KB_LINK, {**ctx, "url": url}))
    else:
        parts.append(rng.choice(FIX_INTRO))
        if rng.random() < 0.6:
            parts.append(problem.cause)
        parts.append(" ".join(problem.steps))
    parts.append(rng.choice(FIX_CLOSE))
    return " ".join(parts) + sign(ctx)


def customer(rng: random.Random, kind: str, ctx: dict[str, str]) -> str:
    options = {
        "answer": ANSWERS,
        "chase": CHASERS,
        "demand": DEMANDS,
        "thanks": THANKS,
        "reopen": REOPEN,
    }[kind]
    return roughen(rng, _pick(rng, options, ctx), 0.15)


def note(rng: random.Random, kind: str, ctx: dict[str, str]) -> str:
    options = {
        "note": NOTES,
        "elevate": ELEVATE,
        "bounce": BOUNCE,
        "re_elevate": RE_ELEVATE,
        "l3": L3,
        "l3_done": L3_DONE,
    }[kind]
    return _pick(rng, options, ctx)


def reason(rng: random.Random, kind: str, ctx: dict[str, str]) -> str:
    options = {"habit": HABIT_REASONS, "sev": SEV_REASONS, "normal": REASONS}[kind]
    return _pick(rng, options, ctx)


def csat_comment(rng: random.Random, score: int, ctx: dict[str, str]) -> str | None:
    if rng.random() > 0.4:
        return None
    return _pick(rng, CSAT_GOOD if score >= 4 else CSAT_BAD, ctx)
