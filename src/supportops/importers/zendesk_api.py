"""Zendesk Support objects (as the API and the warehouse tables have them) → canonical records.

:class:`Translator` turns one object at a time into records and remembers what later objects
need: user roles (comment authors), group names, each ticket's requester and its pending
"ticket alone" events. The file readers (:mod:`supportops.importers.zendesk`,
:mod:`supportops.importers.zendesk_tables`) call it with API objects or with CSV rows; both
are dicts, and values that the API nests (``via``, ``tags``, ``events`` …) may arrive as JSON
text from a CSV. docs/importers/zendesk.md has every mapping.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from supportops.importers.base import Importer, NaiveTimestamp, parse_bool, parse_instant
from supportops.model import (
    CUSTOMER_TIERS,
    Agent,
    Event,
    EventKind,
    Group,
    Organization,
    Ticket,
    scoped,
)
from supportops.store.writer import Position

SOURCE = "zendesk"
#: Event streams (``Event.origin``): re-importing one stream replaces only its own events.
ORIGIN_TICKETS = "zendesk"
ORIGIN_AUDITS = "zendesk.audits"
ORIGIN_HISTORY = "zendesk.field_history"
ORIGIN_COMMENTS = "zendesk.comments"
ORIGIN_CSAT = "zendesk.csat"

STATUSES = {
    "new": "new",
    "open": "open",
    "pending": "pending",
    "hold": "on_hold",
    "on-hold": "on_hold",
    "on_hold": "on_hold",
    "solved": "solved",
    "closed": "closed",
    "deleted": "closed",
}
PRIORITIES = {"urgent": "P1", "high": "P2", "normal": "P3", "low": "P4"}
CSAT_SCORES = {"good": 5, "good_with_comment": 5, "bad": 1, "bad_with_comment": 1}
NOT_RATED = frozenset({"offered", "unoffered"})
CHANNELS = {
    "mail": "email",
    "web_form": "web",
    "web_widget": "web",
    "help_center": "web",
    "native_messaging": "chat",
    "messaging": "chat",
    "voice": "phone",
    "web_service": "api",
}
#: Numeric via ids (the API may give ``"channel": 8``) for the channels the rules look at.
VIA_IDS = {"0": "web", "4": "email", "5": "api", "8": "rule", "19": "merge"}
TIER_KEYS = frozenset(
    {
        "tier",
        "plan",
        "customer_tier",
        "support_tier",
        "support_plan",
        "account_tier",
        "service_plan",
        "subscription_plan",
        "plan_tier",
    }
)
_TIER_TAG = re.compile(r"^(?:tier|plan|customer_tier|support_plan)[_:\-](\w+)$")
NAIVE_HINT = (
    "; Fivetran stores Zendesk times as UTC instants, so if your export wrote them in UTC "
    "pass --timezone UTC"
)

_CREATED, _STATUS, _MERGE = EventKind.CREATED.value, EventKind.STATUS.value, "merge"
_AGENT, _CUSTOMER, _SYSTEM = "agent", "customer", "system"  # AuthorRole values
_TICKET_MAPPED = frozenset(
    {
        "id",
        "created_at",
        "subject",
        "description",
        "requester_id",
        "submitter_id",
        "organization_id",
        "via",
        "via_channel",
        "type",
        "tags",
        "priority",
        "status",
        "group_id",
        "assignee_id",
    }
)


def text(value: Any) -> str | None:
    """A value as stripped text; ``None`` for null and empty. JSON numbers become ids."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def raw_fields(obj: dict[str, Any], mapped: frozenset[str]) -> dict[str, Any] | None:
    """The object's other fields; warehouse bookkeeping columns (``_fivetran_synced``) dropped."""
    raw = {
        k: v
        for k, v in obj.items()
        if (v or v is False or v == 0) and k not in mapped and k[:1] != "_"
    }
    return raw or None


@dataclass(slots=True)
class _Ticket:
    """What the importer keeps of a ticket until every file is read."""

    created: datetime
    updated: datetime | None
    status: str | None
    status_raw: str | None
    requester: str | None
    where: Position


class Translator:
    """Zendesk objects → records, with the little state that joins them up."""

    def __init__(self, importer: Importer) -> None:
        self.importer = importer
        self.roles: dict[str, str] = {}  # user id → role (end-user, agent, admin)
        self.group_names: dict[str, str] = {}
        self.ticket_tags: dict[str, list[str]] = {}  # from a ticket_tag table
        self.org_tags: dict[str, list[str]] = {}  # from an organization_tag table
        self.tickets: dict[str, _Ticket] = {}
        self.status_history: set[str] = set()  # tickets whose statuses came from a history
        self.merged_into: dict[str, str] = {}  # merged ticket → surviving ticket
        self.merged_by_audit: set[str] = set()
        self.audit_comments = True  # False when a comment table is in the same import
        self._last_text: Any = None
        self._last_instant: datetime | None = None

    # ------------------------------------------------------------------ values
    def error(self, field: str | None, message: str) -> Exception:
        return self.importer.error(field, message)

    def native(self, obj: dict[str, Any], key: str, required: bool = False) -> str | None:
        value = text(obj.get(key))
        if value is None and required:
            raise self.error(key, "an id is required")
        return value

    def instant(
        self, obj: dict[str, Any], key: str, required: bool = False, label: str | None = None
    ) -> datetime | None:
        value = obj.get(key)
        if value is None or value == "":
            if required:
                raise self.error(label or key, "a timestamp is required")
            return None
        if value == self._last_text:  # a history has one row per field changed at an instant
            return self._last_instant
        tz = self.importer.tz
        try:  # the fast path: ISO 8601 as Zendesk and the warehouses write it
            parsed: datetime | None = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            parsed = None
        if parsed is None or (parsed.tzinfo is None and tz is None):
            parsed = self._slow_instant(value, label or key)
        elif parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=tz)
        if parsed.tzinfo is not UTC:
            parsed = parsed.astimezone(UTC)
        self._last_text, self._last_instant = value, parsed
        return parsed

    def _slow_instant(self, value: Any, field: str) -> datetime:
        try:
            return parse_instant(value if isinstance(value, str) else str(value), self.importer.tz)
        except NaiveTimestamp as exc:
            raise self.error(field, f"{exc}{NAIVE_HINT}") from None
        except ValueError as exc:
            raise self.error(
                field, f"{exc}; Zendesk writes ISO 8601 such as 2020-02-19T01:54:52Z"
            ) from None

    def listing(self, value: Any, field: str) -> list[Any]:
        """A list value: a JSON list, JSON text of one, or Zendesk's space-separated tags."""
        if value is None or value == "":
            return []
        if isinstance(value, list):
            return value
        if isinstance(value, str):
            s = value.strip()
            if not s.startswith("["):
                return s.split()
            try:
                parsed = json.loads(s)
            except json.JSONDecodeError:
                raise self.error(field, f"{s[:40]!r} is not a JSON list") from None
            if isinstance(parsed, list):
                return parsed
        raise self.error(field, f"expected a list, found {value!r:.40}")

    def mapping(self, obj: dict[str, Any], key: str) -> dict[str, Any]:
        """An object value (``via``, ``organization_fields``), or JSON text of one."""
        value = obj.get(key)
        if value is None or value == "":
            return {}
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                raise self.error(key, f"{value[:40]!r} is not a JSON object") from None
        if not isinstance(value, dict):
            raise self.error(key, f"expected a JSON object, found {value!r:.40}")
        return value

    def flag(self, value: Any, field: str) -> bool | None:
        if value is None or isinstance(value, bool):
            return value
        try:
            return parse_bool(str(value))
        except ValueError as exc:
            raise self.error(field, str(exc)) from None

    def status(self, raw: str | None, field: str) -> str | None:
        if raw is None:
            return None
        value = STATUSES.get(raw.lower())
        if value is None:
            raise self.error(
                field,
                f"unknown Zendesk status {raw!r}; expected new, open, pending, hold, solved, "
                "closed or deleted",
            )
        return value

    def priority(self, raw: str | None, field: str) -> str | None:
        if raw is None:
            return None
        value = PRIORITIES.get(raw.lower())
        if value is None:
            raise self.error(
                field, f"unknown Zendesk priority {raw!r}; expected urgent, high, normal or low"
            )
        return value

    def group_value(self, gid: str | None) -> str | None:
        """A group's name when the import has the group, else its scoped id."""
        if gid is None:
            return None
        return self.group_names.get(gid) or scoped(SOURCE, gid)

    def channel(self, obj: dict[str, Any]) -> str | None:
        via = obj.get("via")
        if via is None or via == "":
            return text(obj.get("via_channel"))
        channel = text(self.mapping(obj, "via").get("channel"))
        return VIA_IDS.get(channel, channel) if channel else None

    def role_of(self, author: str | None, tid: str, channel: str | None) -> str | None:
        """Who wrote a comment: see "Comment authors" in docs/importers/zendesk.md."""
        if author == "-1" or channel == "rule":
            return _SYSTEM
        if author is None:
            return None
        role = self.roles.get(author)
        if role is not None:
            return _CUSTOMER if role == "end-user" else _AGENT
        if channel in ("api", "web_service"):
            return _SYSTEM
        ticket = self.tickets.get(tid)
        if ticket is None or ticket.requester is None:
            return None
        return _CUSTOMER if author == ticket.requester else _AGENT

    # ------------------------------------------------------------------ people and groups
    def user(self, obj: dict[str, Any]) -> Agent | None:
        uid = self.native(obj, "id", required=True)
        assert uid is not None
        role = (text(obj.get("role")) or "").lower()
        if role:
            self.roles[uid] = role
        if role not in ("agent", "admin"):
            return None
        mapped = frozenset({"id", "name", "email", "role"})
        return Agent(
            id=scoped(SOURCE, uid),
            name=text(obj.get("name")),
            email=text(obj.get("email")),
            team=self.group_value(text(obj.get("default_group_id"))),
            role=role,
            raw=raw_fields(obj, mapped),
        )

    def organization(self, obj: dict[str, Any]) -> Organization:
        oid = self.native(obj, "id", required=True)
        assert oid is not None
        fields = self.mapping(obj, "organization_fields")
        tags = self.listing(obj["tags"], "tags") if "tags" in obj else self.org_tags.get(oid, [])
        return Organization(
            id=scoped(SOURCE, oid),
            name=text(obj.get("name")),
            tier=self._tier(obj, fields, tags),
            created_at=self.instant(obj, "created_at"),
            raw=raw_fields(obj, frozenset({"id", "name", "created_at"})),
        )

    @staticmethod
    def _tier(obj: dict[str, Any], fields: dict[str, Any], tags: list[Any]) -> str | None:
        for source in (fields, obj):
            for key, value in source.items():
                if key.lower().removeprefix("custom_") in TIER_KEYS and text(value):
                    return str(text(value)).lower()
        for tag in tags:
            t = str(tag).strip().lower()
            if t in CUSTOMER_TIERS:
                return t
            m = _TIER_TAG.match(t)
            if m:
                return m.group(1)
        return None

    def group(self, obj: dict[str, Any]) -> Group:
        gid = self.native(obj, "id", required=True)
        name = text(obj.get("name"))
        if name is None:
            raise self.error("name", "a group needs a name")
        assert gid is not None
        self.group_names[gid] = name
        return Group(
            id=scoped(SOURCE, gid), name=name, raw=raw_fields(obj, frozenset({"id", "name"}))
        )

    # ------------------------------------------------------------------ tickets
    def ticket(self, obj: dict[str, Any], *, unique: bool) -> Ticket | None:
        """The ticket header; its ``created`` event is returned by :meth:`created` and its
        current status waits for :meth:`finish`. ``unique``: a second row for the same id
        is an error (a table); otherwise the copy with the later ``updated_at`` wins (API
        incremental exports may repeat a ticket)."""
        tid = self.native(obj, "id", required=True)
        assert tid is not None
        created = self.instant(obj, "created_at", required=True)
        assert created is not None
        updated = self.instant(obj, "updated_at")
        status_raw = text(obj.get("status"))
        status = self.status(status_raw, "status")
        priority = self.priority(text(obj.get("priority")), "priority")
        seen = self.tickets.get(tid)
        if seen is not None:
            if unique:
                w = seen.where
                raise self.error(
                    "id",
                    f"ticket {tid} is listed twice (first at {w.file}, {w.unit} {w.line}); "
                    "keep one row per ticket",
                )
            if seen.updated is not None and updated is not None and updated < seen.updated:
                return None
        requester = self.native(obj, "requester_id")
        self.tickets[tid] = _Ticket(
            created, updated, status, status_raw, requester, self.importer.where()
        )
        own = "tags" in obj  # API tickets have them; a table's come from ticket_tag
        tags = self.listing(obj["tags"], "tags") if own else self.ticket_tags.get(tid, [])
        merged = obj.get("merged_ticket_ids")
        if merged and merged != "[]":
            for m in self.listing(merged, "merged_ticket_ids"):
                self.merged_into[str(text(m))] = tid
        channel = self.channel(obj)
        org = self.native(obj, "organization_id")
        assignee = self.native(obj, "assignee_id")
        return Ticket(
            id=scoped(SOURCE, tid),
            source=SOURCE,
            external_id=tid,
            created_at=created,
            subject=text(obj.get("subject")),
            description=text(obj.get("description")),
            requester=scoped(SOURCE, requester) if requester else None,
            organization_id=scoped(SOURCE, org) if org else None,
            channel=CHANNELS.get(channel.lower(), channel.lower()) if channel else None,
            type=text(obj.get("type")),
            tags=tuple(str(t) for t in tags),
            priority=priority,
            status=status,
            group=self.group_value(self.native(obj, "group_id")),
            assignee_id=scoped(SOURCE, assignee) if assignee else None,
            raw=raw_fields(obj, _TICKET_MAPPED),
        )

    def created(self, ticket: Ticket, obj: dict[str, Any], first: bool) -> Event | None:
        """The ``created`` event, once per ticket and import; who opened it is the submitter
        (the requester when the source has no submitter)."""
        if not first:
            return None
        actor = self.native(obj, "submitter_id") or self.native(obj, "requester_id")
        return Event(
            ticket.id,
            ticket.created_at,
            _CREATED,
            actor=scoped(SOURCE, actor) if actor else None,
            origin=ORIGIN_TICKETS,
        )

    def finish(self) -> Iterator[Event]:
        """The events a ticket alone implies, once every history has been read: the current
        status at ``updated_at`` (unless ``new``, or a history gave the statuses), and a
        merge into the ticket that lists it in ``merged_ticket_ids``."""
        pos = self.importer.position
        for tid, t in self.tickets.items():
            pos.file, pos.line, pos.unit = t.where.file, t.where.line, t.where.unit
            at = t.updated or t.created
            ticket_id = scoped(SOURCE, tid)
            if t.status is not None and t.status != "new" and tid not in self.status_history:
                yield Event(
                    ticket_id,
                    at,
                    _STATUS,
                    value=t.status,
                    raw_value=t.status_raw,
                    origin=ORIGIN_TICKETS,
                )
            target = self.merged_into.get(tid)
            if target is not None and tid not in self.merged_by_audit:
                yield Event(
                    ticket_id,
                    at,
                    _MERGE,
                    value=scoped(SOURCE, target),
                    raw_value=target,
                    origin=ORIGIN_TICKETS,
                )
