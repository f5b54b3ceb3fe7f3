"""Knowledge-base articles the team writes for the problems that escalate most (seed 000).

Each article follows the problem → cause → solution shape of a good KB entry and is published
on a Wednesday afternoon, after the weekly escalation review.
"""

from __future__ import annotations

from supportops.demo.calendar import instant
from supportops.demo.problems import Problem
from supportops.model import Article

BASE_URL = "https://help.demo.example/hc/articles"


def article_id(problem: Problem) -> str:
    return f"demo:kb-{problem.id}"


def article_url(number: int, problem: Problem) -> str:
    return f"{BASE_URL}/{number}-{problem.id}"


def body(problem: Problem, symptoms: list[str]) -> str:
    """Markdown: what you see, why it happens, how to fix it, what to send support."""
    steps = "\n".join(f"{i}. {step}" for i, step in enumerate(problem.steps, 1))
    seen = "\n".join(f"- {s}" for s in symptoms)
    return (
        f"# {problem.kb_title}\n\n"
        f"**Applies to:** {problem.product_area}\n\n"
        f"## Problem\n{seen}\n\n"
        f"## Cause\n{problem.cause}\n\n"
        f"## Solution\n{steps}\n\n"
        "## Still stuck?\n"
        "Reply to your ticket or write to support with your workspace id, the time it "
        "happened (with time zone) and a screenshot or request id, and we'll take it from "
        "there.\n"
    )


#: From the customer's voice to the article's.
_VOICE = (
    ("Our ", "Your "),
    (" our ", " your "),
    ("We ", "You "),
    (" we ", " you "),
    (" us ", " you "),
    ("I ", "You "),
    (" I ", " you "),
    (" my ", " your "),
)


def _plain(template: str) -> str:
    """A symptom template with its slots written generically, for an article."""
    generic = {
        "idp": "your identity provider",
        "error": "an error",
        "browser": "the browser",
        "app": "the app",
        "n_users": "Users",
        "since": "",
        "endpoint": "an endpoint",
        "lang": "Your client",
        "rps": "a few",
        "limit": "the documented number of",
        "retry": "a few",
        "event": "an event",
        "delay": "a long delay",
        "col": "first column",
        "rows": "many",
        "old_plan": "one plan",
        "plan": "another",
        "amount": "the amount",
        "weekday": "the same day",
        "invoice": "An invoice",
        "minutes": "a few",
        "authenticator": "the authenticator app",
        "sender": "us",
    }

    class _Generic(dict[str, str]):
        def __missing__(self, key: str) -> str:
            return "…"

    text = " ".join(template.format_map(_Generic(generic)).split())
    for mine, yours in _VOICE:
        text = text.replace(mine, yours)
    return text


def build(problem: Problem, number: int, published: int, updated: int | None) -> Article:
    symptoms = [_plain(s) for s in problem.symptoms[:3]]
    return Article(
        id=article_id(problem),
        title=problem.kb_title,
        body=body(problem, symptoms),
        tags=(
            problem.category,
            problem.product_area.lower().replace(" ", "-"),
            "escalation-review",
        ),
        published_at=instant(published),
        updated_at=instant(updated if updated is not None else published),
        url=article_url(number, problem),
        raw={"demo_truth": {"problem_id": problem.id}},
    )
