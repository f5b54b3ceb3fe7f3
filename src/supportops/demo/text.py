"""Ticket subjects and descriptions: one underlying problem, many ways to say it.

A ticket's text is assembled from its problem's subject, symptom and context templates, filled
with slot values chosen once per ticket (so a ticket mentions the same browser throughout),
shaped by the channel (an email with a greeting, a web form, a chat transcript, a phone-call
summary), then roughened: synonyms swapped, casing changed, and now and then a typo.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

COMMON: dict[str, tuple[str, ...]] = {
    "app": ("the app", "the dashboard", "the web app", "your platform", "the portal"),
    "browser": ("Chrome", "Chrome 131", "Firefox", "Safari", "Edge", "Safari on iPad", "Brave"),
    "since": (
        "since this morning",
        "since yesterday",
        "since Monday",
        "for two days now",
        "since last week",
        "since about 9am",
        "since the weekend",
        "today",
    ),
    "n_users": (
        "a few of our users",
        "about 20 users",
        "around 40 people",
        "most of our team",
        "everyone in the sales team",
        "two of our admins",
        "all our users",
        "several colleagues",
        "one of our managers",
        "our support staff",
    ),
}

GREETINGS = (
    "Hi,",
    "Hello,",
    "Hi team,",
    "Hi support,",
    "Hello support team,",
    "Good morning,",
    "Hey,",
    "Dear Support,",
    "Hi there,",
    "",
)
SIGNOFFS = (
    "Thanks,",
    "Thank you,",
    "Best,",
    "Regards,",
    "Cheers,",
    "Thanks in advance,",
    "Kind regards,",
    "Best regards,",
)
INTROS = (
    "I'm the admin for {org}.",
    "We're on the {plan} plan.",
    "Writing on behalf of {org}.",
    "Workspace: {ws}.",
    "Quick one:",
    "We have a problem we hope you can help with.",
)
IMPACT = (
    (
        "This is a production outage for us.",
        "Our whole company is blocked right now.",
        "This is critical - nothing works.",
    ),
    (
        "Our team is blocked.",
        "This is stopping a key part of our work.",
        "This is urgent for us.",
        "We can't do our job until this is fixed.",
    ),
    ("It's slowing us down.", "Some of the team are affected.", "We'd appreciate a quick look."),
    ("Not urgent, but annoying.", "No rush on this.", "Minor, but wanted to flag it."),
    ("Just wondering.", "Whenever you get a chance.", "Not urgent at all."),
)
ASKS = (
    "Can you take a look?",
    "Please advise.",
    "What should we do?",
    "Any idea what's going on?",
    "Could you help?",
    "Please help asap.",
    "Let me know if you need anything else.",
    "How do we fix this?",
    "Is this a known issue?",
)
TRIED = (
    "We already tried clearing the cache and a different browser.",
    "Logging out and back in didn't help.",
    "I checked your docs but couldn't find anything about this.",
    "I searched the help center first.",
    "We retried a few times with the same result.",
    "Restarting didn't change anything.",
)
PREFIXES = ("URGENT: ", "Re: ", "FW: ", "Question: ", "Help: ", "[{org}] ", "Issue - ")

#: Words and phrases customers vary; each is swapped (as a whole word) for one alternative.
SYNONYMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("can't", ("cannot", "can not", "cant")),
    ("doesn't", ("does not", "doesnt")),
    ("don't", ("do not", "dont")),
    ("won't", ("will not", "wont")),
    ("isn't", ("is not",)),
    ("log in", ("sign in", "login", "log on")),
    ("sign in", ("log in", "login")),
    ("signed out", ("logged out", "kicked out")),
    ("issue", ("problem",)),
    ("problem", ("issue",)),
    ("broken", ("not working", "busted", "failing")),
    ("started", ("began",)),
    ("receive", ("get",)),
    ("several", ("a few", "multiple")),
    ("noticed", ("saw", "spotted")),
    ("colleague", ("coworker",)),
    ("please", ("pls", "kindly")),
    ("fails", ("errors out", "breaks")),
    ("right away", ("immediately",)),
    ("customers", ("clients",)),
)
_SYNONYMS = tuple((word, re.compile(rf"\b{re.escape(word)}\b"), alts) for word, alts in SYNONYMS)
_WORD = re.compile(r"\b[A-Za-z]{5,}\b")


@dataclass(frozen=True, slots=True)
class Source:
    """What a ticket's text is written from (a recurring problem, or a one-off)."""

    subjects: Sequence[str]
    symptoms: Sequence[str]
    context: Sequence[str]
    slots: dict[str, tuple[str, ...]]


def digits(rng: random.Random, n: int) -> str:
    return f"{rng.randrange(10**n):0{n}d}"


def slot_values(rng: random.Random, source: Source, base: dict[str, str]) -> dict[str, str]:
    """One value per slot for this ticket (numbers like ``{n4}`` inside a value filled too)."""
    ctx = dict(base)
    ctx["n4"], ctx["n9"] = digits(rng, 4), digits(rng, 9)
    ctx["req"] = f"req_{rng.getrandbits(48):012x}"
    for name, values in COMMON.items():
        ctx.setdefault(name, rng.choice(values))
    for name, values in source.slots.items():
        ctx[name] = rng.choice(values).format_map(ctx)
    return ctx


def typo(rng: random.Random, text: str) -> str:
    """One plausible typing slip in a longer word: swapped, dropped or doubled letter."""
    words = list(_WORD.finditer(text))
    if not words:
        return text
    m = rng.choice(words)
    w = m.group()
    i = rng.randrange(1, len(w) - 2)
    kind = rng.random()
    if kind < 0.45:
        w2 = w[:i] + w[i + 1] + w[i] + w[i + 2 :]
    elif kind < 0.75:
        w2 = w[:i] + w[i + 1 :]
    else:
        w2 = w[:i] + w[i] + w[i:]
    return text[: m.start()] + w2 + text[m.end() :]


def roughen(rng: random.Random, text: str, typo_rate: float) -> str:
    """Swap some synonyms (each rule all-or-nothing per text) and maybe add typos."""
    for word, pattern, alts in _SYNONYMS:
        if word in text and rng.random() < 0.4:
            text = pattern.sub(rng.choice(alts), text)
    while rng.random() < typo_rate:
        text = typo(rng, text)
        typo_rate /= 3
    return text


def subject(rng: random.Random, source: Source, ctx: dict[str, str], priority: int) -> str:
    text = rng.choice(source.subjects).format_map(ctx)
    r = rng.random()
    if priority <= 1 and r < 0.25:
        text = "URGENT: " + text if r < 0.12 else text + "!!"
    elif r < 0.10:
        text = rng.choice(PREFIXES).format_map(ctx) + text
    if rng.random() < 0.12:
        text = text.lower()
    elif text[0].islower() and rng.random() < 0.7:
        text = text[0].upper() + text[1:]
    return roughen(rng, text, 0.04)


def _body(rng: random.Random, source: Source, ctx: dict[str, str], n_symptoms: int) -> list[str]:
    picks = rng.sample(list(source.symptoms), min(n_symptoms, len(source.symptoms)))
    out = [s.format_map(ctx) for s in picks]
    if source.context and rng.random() < 0.7:
        out.insert(rng.randrange(len(out) + 1), rng.choice(source.context).format_map(ctx))
    return out


def description(
    rng: random.Random, source: Source, ctx: dict[str, str], channel: str, priority: int
) -> str:
    """The customer's first message, shaped by the channel it came through."""
    impact = rng.choice(IMPACT[priority])
    if channel == "chat":
        lines = [rng.choice(source.symptoms).format_map(ctx)]
        if rng.random() < 0.5:
            lines.append(rng.choice(ASKS))
        if rng.random() < 0.5:
            lines = [line[0].lower() + line[1:] for line in lines]
        who = ctx["name"].split()[0]
        text = "\n".join(f"{who}: {line}" for line in lines)
        return roughen(rng, "Chat started by visitor.\n" + text, 0.25)
    if channel == "phone":
        said = " ".join(_body(rng, source, ctx, 1))
        text = (
            f"Phone call from {ctx['name']} ({ctx['org']}). Caller reports: {said} "
            f"Impact: {impact.lower()}"
        )
        return roughen(rng, text, 0.05)
    body = _body(rng, source, ctx, rng.choice((1, 1, 2, 2, 3)))
    if rng.random() < 0.35:
        body.append(rng.choice(TRIED))
    if channel == "web":
        parts = [f"What happened: {' '.join(body)}"]
        if rng.random() < 0.6:
            parts.append(f"Impact: {impact}")
        if rng.random() < 0.4:
            parts.append(f"Browser: {ctx['browser']}")
        parts.append(f"Workspace: {ctx['ws']}")
        return roughen(rng, "\n".join(parts), 0.12)
    # email
    if rng.random() < 0.3:
        body.insert(0, rng.choice(INTROS).format_map(ctx))
    if rng.random() < 0.7:
        body.append(impact)
    body.append(rng.choice(ASKS))
    greeting = rng.choice(GREETINGS)
    text = " ".join(body) if rng.random() < 0.6 else "\n\n".join(body)
    if greeting:
        text = f"{greeting}\n\n{text}"
    if rng.random() < 0.8:
        text += f"\n\n{rng.choice(SIGNOFFS)}\n{ctx['name'].split()[0]}"
    return roughen(rng, text, 0.15)
