"""Untrusted text made safe for each medium it is written to: one function per medium.

Ticket subjects, comments, organization and agent names come from customers and help-desk
exports, so every output treats them as hostile. Each medium has exactly one function here and
every writer of that medium calls it, so a fix lands everywhere at once:

- ``csv_cell``: spreadsheet formula injection (OWASP's CSV-injection advice);
- ``terminal``: escape and control sequences (clear screen, window titles, hidden hyperlinks);
- ``slack_mrkdwn``: Slack's three control characters;
- ``markdown``: what would change a Markdown rendering, and raw HTML;
- ``html``: HTML text and attribute values.
"""

from __future__ import annotations

import html as _html
import re
from typing import Any

# A cell a spreadsheet would evaluate: these leaders start a formula or, for tab and CR, let a
# formula hide behind whitespace that the spreadsheet strips.
_FORMULA_LEADERS = ("=", "+", "-", "@", "\t", "\r")

# ESC-introduced sequences: CSI (ESC [ … final byte), OSC (ESC ] … BEL or ST), the other
# string controls (DCS, SOS, PM, APC: ESC P/X/^/_ … ST) and two-byte escapes (ESC + one byte).
# Their 8-bit C1 forms (0x9B CSI, 0x9D OSC, 0x90/0x98/0x9E/0x9F) are matched too.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI
    r"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS…
    r"|\x1b[ -/]*[0-~]?"  # any other escape, or a lone ESC
)
# What is left after the sequences: C0 controls but tab and newline, DEL, the C1 range, and
# the bidirectional overrides that make text read differently from its bytes.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

# Markdown characters that can start emphasis, links, code, headings, lists, tables, quotes or
# HTML; escaped with a backslash wherever they stand (an escaped punctuation mark renders as
# itself in CommonMark, so over-escaping never shows).
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def csv_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs as a formula: text starting with ``= + - @``, tab or
    carriage return gets a leading apostrophe. Numbers and other non-text values pass as they
    are (a negative number is data, not a formula)."""
    if isinstance(value, str) and value.startswith(_FORMULA_LEADERS):
        return "'" + value
    return value


def terminal(text: str | None) -> str:
    """Text that cannot drive a terminal: escape sequences removed whole, other control
    characters (all but newline and tab) and bidirectional overrides dropped."""
    if not text:
        return ""
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))


def slack_mrkdwn(text: str | None) -> str:
    """Text inert inside Slack mrkdwn: ``&``, ``<`` and ``>`` become entities, so no link,
    mention (``<!channel>``) or entity can be smuggled in."""
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def markdown(text: str | None) -> str:
    """Text inert inside Markdown, on one line: HTML made entities, Markdown punctuation
    backslash-escaped, control characters dropped, runs of whitespace (newlines included)
    folded to one space so no heading, list or table row can start."""
    if not text:
        return ""
    text = terminal(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def html(text: str | None) -> str:
    """Text safe in HTML content and quoted attribute values."""
    if not text:
        return ""
    return _html.escape(text, quote=True)
