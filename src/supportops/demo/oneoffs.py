"""One-off tickets: about 30 % of the demo's tickets are tied to no recurring problem.

Their ground truth is ``problem_id = "none"`` (one value for all of them: score it as noise,
not as one cluster). So that they do not form clusters of their own, each is written from a
random combination of a thing in its category and a generic complaint or question, out of a
few hundred combinations per category, with the same channel styling as any other ticket.
"""

from __future__ import annotations

import random

from supportops.demo.text import Source

THINGS: dict[str, tuple[str, ...]] = {
    "login": (
        "the mobile app login",
        "guest access",
        "the login page",
        "my colleague's account",
        "the remember-me option",
        "login with Google",
        "the sign-up form",
        "email verification",
        "the magic link login",
        "the password rules",
        "the session list",
        "the login history page",
    ),
    "api": (
        "the webhooks API",
        "the API docs",
        "the Python SDK",
        "the sandbox environment",
        "API key permissions",
        "the GraphQL endpoint",
        "the OpenAPI spec",
        "the search API",
        "the attachments endpoint",
        "the API changelog",
        "the Postman collection",
        "the rate limit headers",
    ),
    "billing": (
        "the pricing page",
        "our annual renewal",
        "the billing portal",
        "a purchase order",
        "the invoice PDF",
        "the currency on invoices",
        "our discount",
        "the receipt email",
        "the cancellation form",
        "the trial extension",
        "our nonprofit pricing",
        "the payment methods page",
    ),
    "integrations": (
        "the HubSpot integration",
        "the Zapier app",
        "the Jira connector",
        "the Google Calendar sync",
        "the Teams app",
        "the Zendesk integration",
        "the Shopify plugin",
        "the Outlook add-in",
        "the Dropbox connector",
        "the Make scenario",
        "the Segment source",
        "the Intercom app",
    ),
    "data_import": (
        "the XLSX importer",
        "the JSON export",
        "the attachment download",
        "the import preview",
        "field mapping",
        "the backup file",
        "archived records",
        "the bulk delete",
        "the data retention setting",
        "the sample data",
        "the import history",
        "custom field values",
    ),
    "performance": (
        "the calendar view",
        "the mobile app",
        "file uploads",
        "the kanban board",
        "the inbox",
        "the project list",
        "the editor",
        "image previews",
        "the settings page",
        "the activity feed",
        "the timeline view",
        "the global search box",
    ),
    "notifications": (
        "mobile push notifications",
        "the mention emails",
        "the weekly summary",
        "reminder emails",
        "the in-app bell",
        "SMS alerts",
        "the browser notifications",
        "the unsubscribe link",
        "comment notifications",
        "the notification settings page",
        "assignment emails",
        "the due-date reminders",
    ),
    "reporting": (
        "the funnel chart",
        "the CSV download of a report",
        "report sharing",
        "the pivot table",
        "the goal tracker",
        "the cohort report",
        "chart colours",
        "the KPI widget",
        "the report builder",
        "the print view",
        "the custom metrics",
        "the PDF export of a dashboard",
    ),
    "account_admin": (
        "the audit log",
        "our workspace name",
        "the member list",
        "the IP allow-list",
        "the data residency setting",
        "user groups",
        "the admin console",
        "the domain verification",
        "guest permissions",
        "the workspace logo",
        "the account deletion",
        "our second workspace",
    ),
    "how_to": (
        "templates",
        "recurring tasks",
        "the public share link",
        "keyboard shortcuts",
        "dark mode",
        "the API for reports",
        "custom statuses",
        "the mobile widgets",
        "bulk editing",
        "the Gantt view",
        "automation rules",
        "the approval flow",
    ),
}
COMPLAINTS = (
    "shows an error",
    "doesn't load",
    "is very slow",
    "looks broken on mobile",
    "shows the wrong language",
    "has a typo",
    "is missing after the last update",
    "behaves differently from the docs",
    "stopped working after the update",
    "shows a blank screen",
    "gives an unexpected result",
    "doesn't save my changes",
    "is confusing",
    "shows an outdated value",
    "gives a 404",
    "crashes the tab",
    "doesn't work with a screen reader",
    "shows someone else's name",
    "ignores our settings",
    "shows a warning I don't understand",
    "has disappeared",
    "duplicates entries",
    "is cut off on small screens",
    "won't accept special characters",
)
QUESTIONS = (
    "How do I use {thing}?",
    "Is there a way to turn off {thing}?",
    "Can {thing} be customised?",
    "Feature request: improvements to {thing}",
    "Does {thing} work on the {plan} plan?",
    "Where did {thing} go?",
    "Can we get a demo of {thing}?",
    "Question about {thing}",
)
DETAILS = (
    "It happens for {n_users}.",
    "First noticed it {since}.",
    "Using {browser}.",
    "Screenshot attached.",
    "Not sure if this is expected.",
    "Our workspace is {ws}.",
    "Tried on two different machines.",
    "No idea if anyone else reported this.",
    "Would be great to know if there's a workaround.",
    "Happens every time.",
)


def source(rng: random.Random, category: str) -> tuple[Source, str, str]:
    """A one-off ticket's text source, its label (for the ground truth) and its type."""
    thing = rng.choice(THINGS[category])
    cap = thing[0].upper() + thing[1:]
    details = tuple(rng.sample(DETAILS, 3))
    if rng.random() < 0.3:
        question = rng.choice(QUESTIONS).replace("{thing}", thing)
        ask = rng.choice(
            (
                f"{question} {details[0]}",
                f"{question} We couldn't find it in the docs.",
                f"Quick question: {question[0].lower()}{question[1:]}",
            )
        )
        asked = (question, f"{cap} - question", question.rstrip("?"))
        text = Source(subjects=asked, symptoms=(ask,), context=details[1:], slots={})
        return text, f"one-off: {category}: {thing} (question)", "question"
    complaint = rng.choice(COMPLAINTS)
    said = rng.choice(
        (
            f"{cap} {complaint}.",
            f"We noticed that {thing} {complaint}.",
            f"For some reason {thing} {complaint} {{since}}.",
        )
    )
    subjects = (
        f"{cap} {complaint}",
        f"Problem with {thing}",
        f"{cap}: {complaint}",
        f"{thing} {complaint} {{since}}",
    )
    text = Source(subjects=subjects, symptoms=(said,), context=details, slots={})
    return text, f"one-off: {category}: {thing} {complaint}", "incident"
