"""Zendesk Support: API exports (JSON pages, NDJSON) and warehouse tables (Fivetran, Airbyte).

Every path is a file or a folder of files. Each file is classified first — a CSV by its name
(:data:`~supportops.importers.zendesk_tables.TABLES`), a ``.json`` page by its top-level key,
a ``.jsonl``/``.ndjson`` file by its first record — and the files are then read in dependency
order whatever order they were given in: organizations, groups, users, schedules, tickets,
audits and histories, comments, satisfaction ratings, articles. The events a ticket alone
implies come last, once it is known whether a history covered them.

Objects become records in :mod:`~supportops.importers.zendesk_api`; the tables' own logic is
in :mod:`~supportops.importers.zendesk_tables`; ticket audits and satisfaction ratings are
here. docs/importers/zendesk.md describes the accepted files, the rules and the mappings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supportops.errors import InputError, RowError
from supportops.importers.base import (
    Importer,
    NullProgress,
    json_document,
    jsonl_records,
    open_binary,
)
from supportops.importers.zendesk_api import (
    CSAT_SCORES,
    NOT_RATED,
    ORIGIN_AUDITS,
    ORIGIN_CSAT,
    SOURCE,
    Translator,
    raw_fields,
    text,
)
from supportops.importers.zendesk_tables import PHASE, TABLES, Tables, table_of
from supportops.model import Article, AuthorRole, Event, EventKind, Record, TagAction, scoped

__all__ = ["ZendeskImporter"]

#: API page keys (plural, a list) and single-object keys → record kind, in reading order.
PAGE_KEYS = {
    "organizations": "organization",
    "groups": "group",
    "users": "user",
    "tickets": "ticket",
    "audits": "audit",
    "satisfaction_ratings": "satisfaction_rating",
    "articles": "article",
}
SINGLE_KEYS = {kind: kind for kind in PAGE_KEYS.values()}
#: The phase of each record kind (the same numbers as the tables').
KIND_PHASE = {
    "organization": 1,
    "group": 2,
    "user": 3,
    "ticket": 5,
    "audit": 6,
    "satisfaction_rating": 9,
    "article": 10,
}
_GROUP_KEYS = frozenset(
    {
        "id",
        "url",
        "name",
        "description",
        "default",
        "deleted",
        "is_public",
        "created_at",
        "updated_at",
    }
)
_FIRST_KEY = re.compile(rb'^\s*(?:\xef\xbb\xbf)?\s*\{\s*"([^"\\]+)"\s*:')
_STATUS, _PRIORITY, _GROUP = EventKind.STATUS.value, "priority", EventKind.GROUP.value
_ASSIGNEE, _TAG, _COMMENT = EventKind.ASSIGNEE.value, EventKind.TAG.value, "comment"
_ADDED, _REMOVED = TagAction.ADDED.value, TagAction.REMOVED.value


def kind_of(obj: dict[str, Any]) -> str | None:
    """What a bare API object is, from its keys (docs/importers/zendesk.md, "NDJSON")."""
    if "ticket_id" in obj:
        if "events" in obj:
            return "audit"
        return "satisfaction_rating" if "score" in obj else None
    if "requester_id" in obj and "created_at" in obj:
        return "ticket"
    if "role" in obj and "email" in obj:
        return "user"
    if "organization_fields" in obj or "domain_names" in obj or "shared_tickets" in obj:
        return "organization"
    if "title" in obj and ("label_names" in obj or "section_id" in obj or "html_url" in obj):
        return "article"
    if "name" in obj and ("/groups/" in str(obj.get("url", "")) or obj.keys() <= _GROUP_KEYS):
        return "group"
    return None


@dataclass(slots=True)
class _File:
    path: Path
    form: str  # csv, json, ndjson
    kind: str
    phase: int


class ZendeskImporter(Importer):
    name = "zendesk"
    summary = "Zendesk: API exports (JSON pages, NDJSON) or Fivetran/Airbyte tables as CSV"

    def records(self, paths: Sequence[Path]) -> Iterator[Record]:
        unique: dict[Path, _File] = {}  # a file named twice (alone and in its folder) once
        for path in paths:
            for f in self._files(path):
                unique.setdefault(f.path.resolve(), f)
        files = list(unique.values())
        kinds = {f.kind for f in files}
        if "ticket_tag" in kinds and "ticket" not in kinds:
            tag_file = next(f.path for f in files if f.kind == "ticket_tag")
            raise InputError(
                f"{tag_file}: ticket tags are part of the ticket row; give the ticket table "
                "(ticket.csv) in the same import"
            )
        tr = Translator(self)
        tr.audit_comments = "ticket_comment" not in kinds
        tables = Tables(
            tr,
            {
                "ticket_audit": self._audit,
                "satisfaction_rating": self._rating,
                "article": self._article,
            },
        )
        self._tr = tr
        for f in sorted(files, key=lambda f: f.phase):  # stable: given order within a phase
            if f.form == "csv":
                yield from tables.read(f.kind, f.path)
            elif f.form == "json":
                yield from self._page(f.path)
            else:
                for obj in jsonl_records(f.path, self):
                    if not isinstance(obj, dict):
                        raise self.error(None, "each line must be a JSON object")
                    yield from self._line(obj)
        yield from tr.finish()

    # ------------------------------------------------------------------ files
    def _files(self, path: Path) -> list[_File]:
        if not path.is_dir():
            found = self._classify(path)
            if found is None:
                raise InputError(
                    f"{path}: not a Zendesk file; expected an API page (.json), NDJSON "
                    "(.jsonl/.ndjson) or a table named like "
                    + ", ".join(sorted({f"{k}.csv" for k in TABLES.values()}))
                )
            return [found]
        files = [
            f
            for p in sorted(path.iterdir())
            if p.is_file()
            for f in [self._classify(p)]
            if f is not None
        ]
        if not files:
            raise InputError(
                f"{path}: no Zendesk file found; expected API pages (.json), NDJSON "
                "(.jsonl/.ndjson) or tables such as ticket.csv, ticket_field_history.csv"
            )
        return files

    def _classify(self, path: Path) -> _File | None:
        name = path.name.lower().removesuffix(".gz")
        if name.endswith(".csv"):
            table = table_of(path)
            return None if table is None else _File(path, "csv", table, PHASE[table])
        progress, self.progress = self.progress, NullProgress()  # a peek is no progress
        try:
            if name.endswith((".jsonl", ".ndjson")):
                # the first record decides (the reader closes when dropped, right here)
                first = next(jsonl_records(path, self), None)
                if first is None:
                    return None
                kind = self._line_kind(first)
                return _File(path, "ndjson", kind, KIND_PHASE[kind])
            if name.endswith(".json"):
                with open_binary(path, self.progress) as fh:
                    head = fh.read(1 << 16)
                m = _FIRST_KEY.match(head)
                key = m.group(1).decode("utf-8", "replace") if m else ""
                page = PAGE_KEYS.get(key) or SINGLE_KEYS.get(key)
                if page is None:  # another key first: read the page to find its records
                    page = self._page_kind(json_document(path, self), path)
                return _File(path, "json", page, KIND_PHASE[page])
            return None
        finally:
            self.progress = progress

    def _page_kind(self, doc: Any, path: Path) -> str:
        if isinstance(doc, dict):
            kinds = [k for key, k in PAGE_KEYS.items() if key in doc]
            kinds += [k for key, k in SINGLE_KEYS.items() if isinstance(doc.get(key), dict)]
            if kinds:
                return max(kinds, key=KIND_PHASE.__getitem__)
        raise RowError(
            str(path),
            None,
            None,
            "not a Zendesk API page: expected a JSON object with one of the keys "
            + ", ".join(PAGE_KEYS),
        )

    def _line_kind(self, obj: Any) -> str:
        if isinstance(obj, dict):
            for key, kind in PAGE_KEYS.items():
                if isinstance(obj.get(key), list):
                    return kind
            if len(obj) == 1:
                key = str(next(iter(obj)))
                if key in SINGLE_KEYS and isinstance(obj[key], dict):
                    return key
            found = kind_of(obj)
            if found is not None:
                return found
        raise self.error(
            None,
            "cannot tell what this record is: give each line as a Zendesk API object (a "
            'ticket, audit, user …), as {"ticket": {...}}, or as an API page',
        )

    # ------------------------------------------------------------------ JSON
    def _page(self, path: Path) -> Iterator[Record]:
        doc = json_document(path, self)
        self._page_kind(doc, path)  # raises for anything that is not a page
        pos = self.position
        for key, kind in PAGE_KEYS.items():  # sideloads before the records that use them
            items = doc.get(key)
            single = doc.get(kind)
            if isinstance(single, dict):  # GET /tickets/{id}.json: {"ticket": {...}}
                items = [single]
            elif items is None:
                continue
            elif not isinstance(items, list):
                raise RowError(str(path), None, key, "expected a list of objects", unit=kind)
            pos.unit = kind
            for n, obj in enumerate(items, start=1):
                pos.line = n
                yield from self._object(kind, obj)

    def _line(self, obj: dict[str, Any]) -> Iterator[Record]:
        paged = False
        for key, kind in PAGE_KEYS.items():
            items = obj.get(key)
            if isinstance(items, list):
                paged = True
                for item in items:
                    yield from self._object(kind, item)
        if not paged:
            kind = self._line_kind(obj)
            yield from self._object(kind, obj[kind] if len(obj) == 1 and kind in obj else obj)

    def _object(self, kind: str, obj: Any) -> Iterator[Record]:
        if not isinstance(obj, dict):
            raise self.error(None, f"expected a {kind} object, found {obj!r:.40}")
        tr = self._tr
        if kind == "ticket":
            first = text(obj.get("id")) not in tr.tickets
            ticket = tr.ticket(obj, unique=False)
            if ticket is not None:
                yield ticket
                created = tr.created(ticket, obj, first)
                if created is not None:
                    yield created
        elif kind == "audit":
            yield from self._audit(obj)
        elif kind == "satisfaction_rating":
            yield from self._rating(obj)
        elif kind == "user":
            agent = tr.user(obj)
            if agent is not None:
                yield agent
        elif kind == "organization":
            yield tr.organization(obj)
        elif kind == "group":
            yield tr.group(obj)
        else:
            yield from self._article(obj)

    # ------------------------------------------------------------------ events
    def _audit(self, obj: dict[str, Any]) -> Iterator[Event]:
        """One ticket audit: its Create/Change and Comment events (the other types, such as
        notifications and satisfaction-rating events, are skipped)."""
        tr = self._tr
        tid = tr.native(obj, "ticket_id", required=True)
        assert tid is not None
        at = tr.instant(obj, "created_at", required=True)
        assert at is not None
        author = tr.native(obj, "author_id")
        channel = tr.channel(obj)
        actor = scoped(SOURCE, author) if author and author != "-1" else None
        ticket_id = scoped(SOURCE, tid)
        closed = False
        for i, ev in enumerate(tr.listing(obj.get("events"), "events")):
            if not isinstance(ev, dict):
                raise tr.error(f"events[{i}]", "expected an audit event object")
            typ = ev.get("type")
            if typ in ("Create", "Change"):
                field = ev.get("field_name")
                for e in self._change(ticket_id, tid, at, actor, ev, i, typ == "Create"):
                    closed = closed or (field == "status" and e.value == "closed")
                    yield e
            elif typ == "Comment" and tr.audit_comments:
                who = text(ev.get("author_id")) or author
                body = ev.get("body") if ev.get("body") is not None else ev.get("plain_body")
                yield Event(
                    ticket_id,
                    at,
                    _COMMENT,
                    actor=scoped(SOURCE, who) if who and who != "-1" else None,
                    actor_role=tr.role_of(who, tid, channel),
                    public=tr.flag(ev.get("public"), f"events[{i}].public"),
                    body=body if isinstance(body, str) and body else None,
                    raw={"audit_id": obj.get("id"), "comment_id": ev.get("id"), "via": channel},
                    origin=ORIGIN_AUDITS,
                )
        if channel == "merge" and closed:
            target = self._merge_target(obj, tid)
            if target is not None:
                tr.merged_by_audit.add(tid)
                yield Event(
                    ticket_id,
                    at,
                    EventKind.MERGE.value,
                    value=scoped(SOURCE, target),
                    raw_value=target,
                    actor=actor,
                    origin=ORIGIN_AUDITS,
                )

    def _change(
        self,
        ticket_id: str,
        tid: str,
        at: Any,
        actor: str | None,
        ev: dict[str, Any],
        i: int,
        create: bool,
    ) -> Iterator[Event]:
        tr = self._tr
        field = ev.get("field_name")
        label = f"events[{i}].value"
        value = ev.get("value")
        if field == "tags":
            new = [str(t) for t in tr.listing(value, label)]
            old = (
                []
                if create
                else [
                    str(t)
                    for t in tr.listing(ev.get("previous_value"), f"events[{i}].previous_value")
                ]
            )
            for tag in new:
                if tag not in old:
                    yield Event(
                        ticket_id,
                        at,
                        _TAG,
                        value=tag,
                        action=_ADDED,
                        actor=actor,
                        origin=ORIGIN_AUDITS,
                    )
            for tag in old:
                if tag not in new:
                    yield Event(
                        ticket_id,
                        at,
                        _TAG,
                        value=tag,
                        action=_REMOVED,
                        actor=actor,
                        origin=ORIGIN_AUDITS,
                    )
            return
        if field not in ("status", "priority", "group_id", "assignee_id"):
            return  # subject, type, custom fields …: no event kind in the model
        raw = text(value)
        if raw is None and create:
            return
        if field == "status":
            kind, new_value = _STATUS, tr.status(raw, label)
            tr.status_history.add(tid)
        elif field == "priority":
            kind, new_value = _PRIORITY, tr.priority(raw, label)
        elif field == "group_id":
            kind, new_value = _GROUP, tr.group_value(raw)
        else:
            kind, new_value = _ASSIGNEE, scoped(SOURCE, raw) if raw else None
        yield Event(
            ticket_id, at, kind, value=new_value, raw_value=raw, actor=actor, origin=ORIGIN_AUDITS
        )

    def _merge_target(self, obj: dict[str, Any], tid: str) -> str | None:
        """The other ticket named in a merge audit's ``via.source`` (``to`` or ``from``)."""
        source = self._tr.mapping(obj, "via").get("source")
        if not isinstance(source, dict):
            return None
        for side in ("to", "from"):
            end = source.get(side)
            if isinstance(end, dict):
                other = text(end.get("ticket_id"))
                if other and other != tid:
                    return other
        return None

    def _rating(self, obj: dict[str, Any]) -> Iterator[Event]:
        """A satisfaction rating: good → 5, bad → 1 at its ``created_at``; offered and
        unoffered ratings carry no score and are skipped."""
        tr = self._tr
        tid = tr.native(obj, "ticket_id", required=True)
        score = text(obj.get("score"))
        if score is None or score.lower() in NOT_RATED:
            return
        number = CSAT_SCORES.get(score.lower())
        if number is None:
            raise tr.error("score", f"unknown satisfaction score {score!r}; expected good or bad")
        at = tr.instant(obj, "created_at", required=True)
        assert at is not None
        requester = tr.native(obj, "requester_id")
        comment = obj.get("comment")
        yield Event(
            scoped(SOURCE, tid),
            at,
            EventKind.CSAT.value,
            number=number,
            raw_value=score,
            actor=scoped(SOURCE, requester) if requester else None,
            actor_role=AuthorRole.CUSTOMER.value,
            body=comment if isinstance(comment, str) and comment.strip() else None,
            raw={k: obj[k] for k in ("id", "reason", "assignee_id") if obj.get(k) is not None}
            or None,
            origin=ORIGIN_CSAT,
        )

    def _article(self, obj: dict[str, Any]) -> Iterator[Article]:
        """A Help Center article: published at ``created_at`` unless a draft, updated at
        ``edited_at`` (the content) or else ``updated_at``."""
        tr = self._tr
        aid = tr.native(obj, "id", required=True)
        title = text(obj.get("title")) or text(obj.get("name"))
        if title is None:
            raise tr.error("title", "an article needs a title")
        body, draft = obj.get("body"), tr.flag(obj.get("draft"), "draft")
        yield Article(
            id=scoped(SOURCE, aid),
            title=title,
            body=body if isinstance(body, str) and body else None,
            tags=tuple(str(t) for t in tr.listing(obj.get("label_names"), "label_names")),
            published_at=None if draft else tr.instant(obj, "created_at"),
            updated_at=tr.instant(obj, "edited_at") or tr.instant(obj, "updated_at"),
            url=text(obj.get("html_url")),
            raw=raw_fields(obj, frozenset({"id", "title", "body", "label_names", "html_url"})),
        )
