"""The supportops interchange format: one CSV or JSON Lines file per table.

Anything can be converted to it; docs/interchange.md is the specification. Files are
recognised by name (``tickets.csv``, ``events.jsonl``, ``organizations.csv.gz`` …) and read in
dependency order whatever order they are given in: organizations, agents, groups, tickets,
events, articles.

Identifiers are canonical: ``zendesk:1595``. An id without a ``source:`` prefix gets
``supportops:``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from supportops.errors import InputError
from supportops.importers.base import (
    Importer,
    NaiveTimestamp,
    csv_rows,
    jsonl_records,
    parse_bool,
    parse_instant,
)
from supportops.importers.interchange_fast import event_batches
from supportops.model import (
    PRIORITIES,
    SEVERITIES,
    SUPPORT_TIERS,
    SURVEY_SCALES,
    Agent,
    Article,
    AuthorRole,
    EscalationAction,
    Event,
    EventKind,
    Group,
    Organization,
    Record,
    Status,
    TagAction,
    Ticket,
)
from supportops.store.writer import EventBatch

TABLES = ("organizations", "agents", "groups", "tickets", "events", "articles")
REQUIRED = {
    "organizations": ("id",),
    "agents": ("id",),
    "groups": ("id", "name"),
    "tickets": ("id", "created_at"),
    "events": ("ticket_id", "at", "kind"),
    "articles": ("id", "title"),
}
DEFAULT_SOURCE = "supportops"

_STATUSES = frozenset(s.value for s in Status)
_KINDS = frozenset(k.value for k in EventKind)
_ROLES = frozenset(r.value for r in AuthorRole)
_ACTIONS = {
    "escalation": frozenset(a.value for a in EscalationAction),
    "tag": frozenset(a.value for a in TagAction),
}
_VALUE_SETS = {
    "status": _STATUSES,
    "priority": frozenset(PRIORITIES),
    "severity": frozenset(SEVERITIES),
    "tier": frozenset(SUPPORT_TIERS),
}


def canonical(value: str) -> str:
    return value if ":" in value else f"{DEFAULT_SOURCE}:{value}"


def table_of(path: Path) -> str | None:
    """``tickets`` for ``tickets.csv``, ``tickets.jsonl.gz`` …; None if not a table file."""
    name = path.name.lower()
    for suffix in (".gz",):
        name = name.removesuffix(suffix)
    for ext in (".csv", ".jsonl", ".ndjson"):
        if name.endswith(ext):
            stem = name.removesuffix(ext)
            return stem if stem in TABLES else None
    return None


def _jsonl_value(value: Any) -> Any:
    """JSON values as the CSV path has them: stripped text or None; bools, lists and
    objects kept (``public``, ``tags``, ``raw``)."""
    if isinstance(value, str):
        return value.strip() or None
    if value is None or isinstance(value, bool | list | dict):
        return value
    return str(value)


class InterchangeImporter(Importer):
    name = "supportops"
    summary = "the supportops interchange format: tickets/events/… as CSV or JSON Lines"

    def records(self, paths: Sequence[Path]) -> Iterator[Record | EventBatch]:
        files: dict[str, Path] = {}
        for path in paths:
            candidates = (
                sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
            )
            found = False
            for candidate in candidates:
                table = table_of(candidate)
                if table is None:
                    continue
                if table in files:
                    raise InputError(
                        f"{candidate}: a second file for table {table!r} "
                        f"(the first is {files[table]}); give one file per table"
                    )
                files[table] = candidate
                found = True
            if not found:
                raise InputError(
                    f"{path}: no interchange table found; expected files named "
                    + ", ".join(f"{t}.csv/.jsonl" for t in TABLES)
                )
        for table in TABLES:
            if table in files:
                yield from self._table(table, files[table])

    # ------------------------------------------------------------------ reading
    def _rows(self, table: str, path: Path) -> Iterator[dict[str, Any]]:
        """Rows with surrounding blanks stripped and empty strings turned into None."""
        required = REQUIRED[table]
        if ".csv" in path.suffixes:
            for row in csv_rows(path, self, required=required):
                yield {k: v.strip() or None for k, v in row.items()}
            return
        for obj in jsonl_records(path, self):
            if not isinstance(obj, dict):
                raise self.error(None, "each line must be a JSON object")
            obj = {k: _jsonl_value(v) for k, v in obj.items()}
            missing = [c for c in required if obj.get(c) is None]
            if missing:
                raise self.error(", ".join(missing), "required field is missing")
            yield obj

    def _table(self, table: str, path: Path) -> Iterator[Record | EventBatch]:
        build: Callable[[dict[str, Any]], Record] = getattr(self, f"_{table}")
        if table == "events":
            yield from self._events_table(path)
            return
        first_line: dict[str, int | None] = {}
        for row in self._rows(table, path):
            record = build(row)
            key = record.id  # type: ignore[union-attr]
            if key in first_line:
                raise self.error(
                    "id", f"duplicate {table[:-1]} {key!r}: also on line {first_line[key]}"
                )
            first_line[key] = self.position.line
            yield record

    def _events_table(self, path: Path) -> Iterator[Record | EventBatch]:
        fast = event_batches(
            path,
            tz=self.tz,
            kinds=_KINDS,
            value_sets=_VALUE_SETS,
            actions=_ACTIONS,
            roles=_ROLES,
            prefix=DEFAULT_SOURCE,
        )
        if fast is not None:
            self.position.file, self.position.line = str(path), None
            yield from fast
            return
        yield from self._events_rows(path)

    def _events_rows(self, path: Path) -> Iterator[Record]:
        # Exact repeats are caught within one ticket's run of rows, which is how files are
        # written (grouped by ticket); that keeps memory flat for any file size.
        current: str | None = None
        seen: dict[tuple[Any, ...], int | None] = {}
        for row in self._rows("events", path):
            ev = self._events(row)
            if ev.ticket_id != current:
                current, seen = ev.ticket_id, {}
            key = (ev.at, ev.kind, ev.value, ev.action, ev.number, ev.actor, ev.body, ev.public)
            if key in seen:
                raise self.error(None, f"duplicate event: repeats line {seen[key]}")
            seen[key] = self.position.line
            yield ev

    # ------------------------------------------------------------------ fields
    def _text(self, row: dict[str, Any], name: str) -> str | None:
        value: str | None = row.get(name)  # rows are normalized by _rows
        return value

    def _instant(self, row: dict[str, Any], name: str, required: bool = False) -> datetime | None:
        text = self._text(row, name)
        if text is None:
            if required:
                raise self.error(name, "a timestamp is required")
            return None
        try:
            return parse_instant(text, self.tz)
        except NaiveTimestamp as exc:
            raise self.error(name, str(exc)) from None
        except ValueError as exc:
            raise self.error(name, f"{exc}; write ISO 8601 such as 2026-03-01T09:30:00Z") from None

    def _choice(self, row: dict[str, Any], name: str, allowed: frozenset[str]) -> str | None:
        value = self._text(row, name)
        if value is None or value in allowed:
            return value
        raise self.error(name, f"{value!r} is not one of {', '.join(sorted(allowed))}")

    def _int(self, row: dict[str, Any], name: str) -> int | None:
        value = self._text(row, name)
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            raise self.error(name, f"{value!r} is not a whole number") from None

    def _float(self, row: dict[str, Any], name: str) -> float | None:
        value = self._text(row, name)
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            raise self.error(name, f"{value!r} is not a number") from None

    def _bool(self, row: dict[str, Any], name: str) -> bool | None:
        value = row.get(name)
        if isinstance(value, bool):
            return value
        try:
            return parse_bool(None if value is None else str(value))
        except ValueError as exc:
            raise self.error(name, str(exc)) from None

    def _list(self, row: dict[str, Any], name: str) -> tuple[str, ...]:
        value = row.get(name)
        if value is None or value == "":
            return ()
        if isinstance(value, list):
            return tuple(str(v) for v in value)
        text = str(value).strip()
        if text.startswith("["):
            try:
                items = json.loads(text)
            except json.JSONDecodeError:
                raise self.error(name, "not a JSON list") from None
            return tuple(str(v) for v in items)
        return tuple(t.strip() for t in text.split(";") if t.strip())

    def _raw(self, row: dict[str, Any]) -> dict[str, Any] | None:
        value = row.get("raw")
        if value is None or value == "":
            return None
        if isinstance(value, dict):
            return value
        try:
            parsed = json.loads(str(value))
        except json.JSONDecodeError:
            raise self.error("raw", "not a JSON object") from None
        if not isinstance(parsed, dict):
            raise self.error("raw", "not a JSON object")
        return parsed

    def _id(self, row: dict[str, Any], name: str = "id") -> str:
        value = self._text(row, name)
        if value is None:
            raise self.error(name, "an id is required")
        return canonical(value)

    def _opt_id(self, row: dict[str, Any], name: str) -> str | None:
        value = self._text(row, name)
        return canonical(value) if value else None

    # ------------------------------------------------------------------ tables
    def _organizations(self, row: dict[str, Any]) -> Organization:
        tier = self._text(row, "tier")
        return Organization(
            id=self._id(row),
            name=self._text(row, "name"),
            tier=tier.lower() if tier else None,
            segment=self._text(row, "segment"),
            mrr=self._float(row, "mrr"),
            csm=self._text(row, "csm"),
            created_at=self._instant(row, "created_at"),
            raw=self._raw(row),
        )

    def _agents(self, row: dict[str, Any]) -> Agent:
        start = self._text(row, "start_date")
        try:
            start_date = date.fromisoformat(start) if start else None
        except ValueError:
            raise self.error("start_date", f"{start!r} is not a date (YYYY-MM-DD)") from None
        return Agent(
            id=self._id(row),
            name=self._text(row, "name"),
            email=self._text(row, "email"),
            tier=self._choice(row, "tier", _VALUE_SETS["tier"]),
            team=self._text(row, "team"),
            skills=self._list(row, "skills"),
            manager_id=self._opt_id(row, "manager_id"),
            start_date=start_date,
            role=self._text(row, "role"),
            raw=self._raw(row),
        )

    def _groups(self, row: dict[str, Any]) -> Group:
        name = self._text(row, "name")
        if name is None:
            raise self.error("name", "a group name is required")
        return Group(
            id=self._id(row),
            name=name,
            tier=self._choice(row, "tier", _VALUE_SETS["tier"]),
            raw=self._raw(row),
        )

    def _tickets(self, row: dict[str, Any]) -> Ticket:
        tid = self._id(row)
        created = self._instant(row, "created_at", required=True)
        assert created is not None
        source, native = tid.split(":", 1)
        return Ticket(
            id=tid,
            source=source,
            external_id=self._text(row, "external_id") or native,
            created_at=created,
            subject=self._text(row, "subject"),
            description=self._text(row, "description"),
            requester=self._text(row, "requester"),
            organization_id=self._opt_id(row, "organization_id"),
            channel=self._text(row, "channel"),
            category=self._text(row, "category"),
            product_area=self._text(row, "product_area"),
            type=self._text(row, "type"),
            tags=self._list(row, "tags"),
            priority=self._choice(row, "priority", _VALUE_SETS["priority"]),
            severity=self._choice(row, "severity", _VALUE_SETS["severity"]),
            status=self._choice(row, "status", _STATUSES),
            group=self._text(row, "group"),
            assignee_id=self._opt_id(row, "assignee_id"),
            raw=self._raw(row),
        )

    def _events(self, row: dict[str, Any]) -> Event:
        # The hot path of a large import: plain lookups, checks only where a value is present.
        get = row.get
        kind = get("kind")
        if kind not in _KINDS:
            self._choice(row, "kind", _KINDS)  # raises with the list of kinds
        assert kind is not None
        value = get("value")
        allowed = _VALUE_SETS.get(kind)
        if allowed is not None and value is not None and value not in allowed:
            self._choice(row, "value", allowed)
        action = get("action")
        actions = _ACTIONS.get(kind)
        if actions is not None:
            if action is None:
                raise self.error("action", f"a {kind} event needs an action")
            if action not in actions:
                self._choice(row, "action", actions)
        number = self._int(row, "number") if row.get("number") is not None else None
        if kind == "csat":
            if value not in SURVEY_SCALES:
                self._choice(row, "value", frozenset(v for v in SURVEY_SCALES if v))
            low, high = SURVEY_SCALES[value]
            if number is None or not low <= number <= high:
                survey = (value or "csat").upper()
                raise self.error("number", f"a {survey} answer needs a score from {low} to {high}")
        if kind == "tag" and value is None:
            raise self.error("value", "a tag event needs the tag as its value")
        at = self._instant(row, "at", required=True)
        assert at is not None
        actor = get("actor")
        role = get("actor_role")
        if role is not None and role not in _ROLES:
            self._choice(row, "actor_role", _ROLES)
        raw = self._raw(row) if row.get("raw") is not None else None
        public = row.get("public")
        return Event(
            ticket_id=self._id(row, "ticket_id"),
            at=at,
            kind=kind,
            value=canonical(value) if value and kind in ("assignee", "merge") else value,
            raw_value=get("raw_value"),
            action=action,
            number=number,
            actor=canonical(actor) if actor else None,
            actor_role=role,
            public=None if public is None else self._bool(row, "public"),
            body=get("body"),
            raw=raw,
            origin=get("origin"),
        )

    def _articles(self, row: dict[str, Any]) -> Article:
        title = self._text(row, "title")
        if title is None:
            raise self.error("title", "an article title is required")
        return Article(
            id=self._id(row),
            title=title,
            body=self._text(row, "body"),
            tags=self._list(row, "tags"),
            published_at=self._instant(row, "published_at"),
            updated_at=self._instant(row, "updated_at"),
            url=self._text(row, "url"),
            raw=self._raw(row),
        )
