"""The weekly escalation review (seed 000's ritual, seed 002's questions), automated.

:func:`review` computes a period's review, records it in the tracker and returns a
:class:`ReviewDocument`; :func:`run_review` computes without writing anything. Renderers turn
the document into a terminal summary, Markdown, HTML and a Slack message.
"""

from supportops.review.document import SCHEMA_VERSION, ReviewDocument
from supportops.review.period import Period
from supportops.review.run import load_inputs, resolve_period, run_review
from supportops.review.service import record_review, review, write_reports

__all__ = [
    "SCHEMA_VERSION",
    "Period",
    "ReviewDocument",
    "load_inputs",
    "record_review",
    "resolve_period",
    "review",
    "run_review",
    "write_reports",
]
