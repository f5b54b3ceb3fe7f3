"""Zendesk warehouse tables, as Fivetran or Airbyte sync them, exported to CSV.

A table is known by its file name (``ticket.csv``, ``ticket_data.csv``, Airbyte's
``tickets.csv`` …, optionally ``.gz``); :data:`TABLES` lists them and :data:`PHASE` orders
them so that what a row refers to is read before it. Header names are matched without regard
to case (Snowflake writes ``ID``, ``"TAG"``). Rows go through the same :class:`Translator` as
API objects; what only tables have is here: ticket field history, comments, tags and the
business-hours schedules (minutes from Sunday 00:00 in a Rails time zone name).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from supportops.errors import RowError
from supportops.importers.base import csv_rows
from supportops.importers.zendesk_api import (
    ORIGIN_COMMENTS,
    ORIGIN_HISTORY,
    SOURCE,
    STATUSES,
    Translator,
)
from supportops.model import Calendar, Event, EventKind, Record, scoped

_ALIASES = {
    "organization_tag": ("organization_tag", "organization_tags"),
    "ticket_tag": ("ticket_tag", "ticket_tags"),
    "schedule_holiday": ("schedule_holiday", "schedule_holidays"),
    "organization": ("organization", "organizations"),
    "group": ("group", "groups"),
    "user": ("user", "users"),
    "schedule": ("schedule", "schedules"),
    "ticket": ("ticket", "tickets"),
    "ticket_audit": ("ticket_audit", "ticket_audits"),
    "ticket_field_history": ("ticket_field_history",),
    "ticket_comment": ("ticket_comment", "ticket_comments"),
    "satisfaction_rating": ("satisfaction_rating", "satisfaction_ratings"),
    "article": ("article", "articles"),
}
#: File stem → table: ``ticket``, ``tickets`` (Airbyte) and ``ticket_data`` (the dbt seeds).
TABLES = {a + s: kind for kind, names in _ALIASES.items() for a in names for s in ("", "_data")}
#: Reading order: each table after the ones its rows refer to.
PHASE = {
    "organization_tag": 0,
    "ticket_tag": 0,
    "schedule_holiday": 0,
    "organization": 1,
    "group": 2,
    "user": 3,
    "schedule": 4,
    "ticket": 5,
    "ticket_audit": 6,
    "ticket_field_history": 7,
    "ticket_comment": 8,
    "satisfaction_rating": 9,
    "article": 10,
}
#: Required columns; a tuple names alternatives (Fivetran's name first, then Airbyte's).
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "organization_tag": (("organization_id",), ("tag",)),
    "ticket_tag": (("ticket_id",), ("tag",)),
    "schedule_holiday": (("schedule_id",), ("name",), ("start_date",), ("end_date",)),
    "organization": (("id",), ("name",)),
    "group": (("id",), ("name",)),
    "user": (("id",), ("role",)),
    "schedule": (("id",), ("name",), ("time_zone",), ("start_time",), ("end_time",)),
    "ticket": (("id",), ("created_at",), ("status",)),
    "ticket_audit": (("ticket_id",), ("created_at",), ("events",)),
    "ticket_field_history": (("ticket_id",), ("field_name",), ("updated",), ("value",)),
    "ticket_comment": (
        ("ticket_id",),
        ("created", "created_at"),
        ("user_id", "author_id"),
        ("public",),
        ("body",),
    ),
    "satisfaction_rating": (("ticket_id",), ("score",), ("created_at",)),
    "article": (("id",), ("title",)),
}
_HISTORY = {
    "status": EventKind.STATUS.value,
    "priority": "priority",
    "assignee_id": EventKind.ASSIGNEE.value,
    "group_id": EventKind.GROUP.value,
}
_COMMENT = EventKind.COMMENT.value
_BOOLS = {
    "TRUE": True,
    "true": True,
    "True": True,
    "FALSE": False,
    "false": False,
    "False": False,
    "t": True,
    "f": False,
    "1": True,
    "0": False,
}
_WEEK = 7 * 24 * 60

#: Zendesk (Ruby on Rails) time-zone names → IANA, from ActiveSupport::TimeZone::MAPPING.
RAILS_ZONES = {
    "International Date Line West": "Pacific/Midway",
    "Midway Island": "Pacific/Midway",
    "American Samoa": "Pacific/Pago_Pago",
    "Hawaii": "Pacific/Honolulu",
    "Alaska": "America/Juneau",
    "Pacific Time (US & Canada)": "America/Los_Angeles",
    "Tijuana": "America/Tijuana",
    "Mountain Time (US & Canada)": "America/Denver",
    "Arizona": "America/Phoenix",
    "Chihuahua": "America/Chihuahua",
    "Mazatlan": "America/Mazatlan",
    "Central Time (US & Canada)": "America/Chicago",
    "Saskatchewan": "America/Regina",
    "Guadalajara": "America/Mexico_City",
    "Mexico City": "America/Mexico_City",
    "Monterrey": "America/Monterrey",
    "Central America": "America/Guatemala",
    "Eastern Time (US & Canada)": "America/New_York",
    "Indiana (East)": "America/Indiana/Indianapolis",
    "Bogota": "America/Bogota",
    "Lima": "America/Lima",
    "Quito": "America/Lima",
    "Atlantic Time (Canada)": "America/Halifax",
    "Caracas": "America/Caracas",
    "La Paz": "America/La_Paz",
    "Santiago": "America/Santiago",
    "Newfoundland": "America/St_Johns",
    "Brasilia": "America/Sao_Paulo",
    "Buenos Aires": "America/Argentina/Buenos_Aires",
    "Montevideo": "America/Montevideo",
    "Georgetown": "America/Guyana",
    "Puerto Rico": "America/Puerto_Rico",
    "Greenland": "America/Nuuk",
    "Mid-Atlantic": "Atlantic/South_Georgia",
    "Azores": "Atlantic/Azores",
    "Cape Verde Is.": "Atlantic/Cape_Verde",
    "Dublin": "Europe/Dublin",
    "Edinburgh": "Europe/London",
    "Lisbon": "Europe/Lisbon",
    "London": "Europe/London",
    "Casablanca": "Africa/Casablanca",
    "Monrovia": "Africa/Monrovia",
    "UTC": "Etc/UTC",
    "Belgrade": "Europe/Belgrade",
    "Bratislava": "Europe/Bratislava",
    "Budapest": "Europe/Budapest",
    "Ljubljana": "Europe/Ljubljana",
    "Prague": "Europe/Prague",
    "Sarajevo": "Europe/Sarajevo",
    "Skopje": "Europe/Skopje",
    "Warsaw": "Europe/Warsaw",
    "Zagreb": "Europe/Zagreb",
    "Brussels": "Europe/Brussels",
    "Copenhagen": "Europe/Copenhagen",
    "Madrid": "Europe/Madrid",
    "Paris": "Europe/Paris",
    "Amsterdam": "Europe/Amsterdam",
    "Berlin": "Europe/Berlin",
    "Bern": "Europe/Zurich",
    "Zurich": "Europe/Zurich",
    "Rome": "Europe/Rome",
    "Stockholm": "Europe/Stockholm",
    "Vienna": "Europe/Vienna",
    "West Central Africa": "Africa/Algiers",
    "Bucharest": "Europe/Bucharest",
    "Cairo": "Africa/Cairo",
    "Helsinki": "Europe/Helsinki",
    "Kyiv": "Europe/Kyiv",
    "Kyev": "Europe/Kyiv",
    "Riga": "Europe/Riga",
    "Sofia": "Europe/Sofia",
    "Tallinn": "Europe/Tallinn",
    "Vilnius": "Europe/Vilnius",
    "Athens": "Europe/Athens",
    "Istanbul": "Europe/Istanbul",
    "Minsk": "Europe/Minsk",
    "Jerusalem": "Asia/Jerusalem",
    "Harare": "Africa/Harare",
    "Pretoria": "Africa/Johannesburg",
    "Kaliningrad": "Europe/Kaliningrad",
    "Moscow": "Europe/Moscow",
    "St. Petersburg": "Europe/Moscow",
    "Volgograd": "Europe/Volgograd",
    "Samara": "Europe/Samara",
    "Kuwait": "Asia/Kuwait",
    "Riyadh": "Asia/Riyadh",
    "Nairobi": "Africa/Nairobi",
    "Baghdad": "Asia/Baghdad",
    "Tehran": "Asia/Tehran",
    "Abu Dhabi": "Asia/Muscat",
    "Muscat": "Asia/Muscat",
    "Baku": "Asia/Baku",
    "Tbilisi": "Asia/Tbilisi",
    "Yerevan": "Asia/Yerevan",
    "Kabul": "Asia/Kabul",
    "Ekaterinburg": "Asia/Yekaterinburg",
    "Islamabad": "Asia/Karachi",
    "Karachi": "Asia/Karachi",
    "Tashkent": "Asia/Tashkent",
    "Chennai": "Asia/Kolkata",
    "Kolkata": "Asia/Kolkata",
    "Mumbai": "Asia/Kolkata",
    "New Delhi": "Asia/Kolkata",
    "Kathmandu": "Asia/Kathmandu",
    "Astana": "Asia/Dhaka",
    "Dhaka": "Asia/Dhaka",
    "Sri Jayawardenepura": "Asia/Colombo",
    "Almaty": "Asia/Almaty",
    "Novosibirsk": "Asia/Novosibirsk",
    "Rangoon": "Asia/Yangon",
    "Bangkok": "Asia/Bangkok",
    "Hanoi": "Asia/Bangkok",
    "Jakarta": "Asia/Jakarta",
    "Krasnoyarsk": "Asia/Krasnoyarsk",
    "Beijing": "Asia/Shanghai",
    "Chongqing": "Asia/Chongqing",
    "Hong Kong": "Asia/Hong_Kong",
    "Urumqi": "Asia/Urumqi",
    "Kuala Lumpur": "Asia/Kuala_Lumpur",
    "Singapore": "Asia/Singapore",
    "Taipei": "Asia/Taipei",
    "Perth": "Australia/Perth",
    "Irkutsk": "Asia/Irkutsk",
    "Ulaanbaatar": "Asia/Ulaanbaatar",
    "Seoul": "Asia/Seoul",
    "Osaka": "Asia/Tokyo",
    "Sapporo": "Asia/Tokyo",
    "Tokyo": "Asia/Tokyo",
    "Yakutsk": "Asia/Yakutsk",
    "Darwin": "Australia/Darwin",
    "Adelaide": "Australia/Adelaide",
    "Canberra": "Australia/Melbourne",
    "Melbourne": "Australia/Melbourne",
    "Sydney": "Australia/Sydney",
    "Brisbane": "Australia/Brisbane",
    "Hobart": "Australia/Hobart",
    "Vladivostok": "Asia/Vladivostok",
    "Guam": "Pacific/Guam",
    "Port Moresby": "Pacific/Port_Moresby",
    "Magadan": "Asia/Magadan",
    "Srednekolymsk": "Asia/Srednekolymsk",
    "Solomon Is.": "Pacific/Guadalcanal",
    "New Caledonia": "Pacific/Noumea",
    "Fiji": "Pacific/Fiji",
    "Kamchatka": "Asia/Kamchatka",
    "Marshall Is.": "Pacific/Majuro",
    "Auckland": "Pacific/Auckland",
    "Wellington": "Pacific/Auckland",
    "Nuku'alofa": "Pacific/Tongatapu",
    "Tokelau Is.": "Pacific/Fakaofo",
    "Chatham Is.": "Pacific/Chatham",
    "Samoa": "Pacific/Apia",
}


def table_of(path: Path) -> str | None:
    """``ticket`` for ``ticket.csv``, ``tickets.csv.gz``, ``ticket_data.csv``; else None."""
    name = path.name.lower().removesuffix(".gz")
    return TABLES.get(name.removesuffix(".csv")) if name.endswith(".csv") else None


def iana_zone(name: str) -> str | None:
    """The IANA zone of a Zendesk zone name (or of an IANA name); None if unknown."""
    mapped = RAILS_ZONES.get(name)
    if mapped is not None:
        return mapped
    if "/" not in name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def week_windows(start: int, end: int) -> list[list[Any]]:
    """``[weekday, "HH:MM", "HH:MM"]`` (0 = Monday) for minutes ``start``..``end`` counted
    from Sunday 00:00, split at midnight; the end of a day is ``"24:00"``."""
    out: list[list[Any]] = []
    while start < end:
        day, minute = divmod(start, 1440)
        stop = min(end, (day + 1) * 1440)
        last = stop - day * 1440
        out.append(
            [
                (day + 6) % 7,
                f"{minute // 60:02d}:{minute % 60:02d}",
                f"{last // 60:02d}:{last % 60:02d}",
            ]
        )
        start = stop
    return out


def _deleted(row: dict[str, str]) -> bool:
    return row.get("_fivetran_deleted", "").strip().lower() in ("true", "t", "1")


class Tables:
    """Reads one table file at a time through the translator."""

    def __init__(
        self, tr: Translator, api: dict[str, Callable[[dict[str, Any]], Iterable[Record]]]
    ) -> None:
        self.tr = tr
        self.importer = tr.importer
        self.holidays: dict[str, list[list[str]]] = {}
        self._api = api  # audits, ratings, articles: rows read like API objects

    def rows(self, path: Path, kind: str) -> Iterator[dict[str, str]]:
        """CSV rows with lower-case keys, the header checked on the first row; rows the
        warehouse marks deleted (``_fivetran_deleted``) are skipped."""
        first, rekey = True, False
        for row in csv_rows(path, self.importer):
            if first:
                first = False
                rekey = any(k != k.lower() for k in row)
                header = [k.lower() for k in row]
                for names in REQUIRED[kind]:
                    if not any(n in header for n in names):
                        raise RowError(
                            str(path),
                            1,
                            names[0],
                            "missing column"
                            + (f" (or {', '.join(names[1:])})" if names[1:] else "")
                            + f"; the header has: "
                            f"{', '.join(header[:40])}",
                        )
            if rekey:
                row = {k.lower(): v for k, v in row.items()}
            if "_fivetran_deleted" in row and _deleted(row):
                continue
            yield row

    def read(self, kind: str, path: Path) -> Iterator[Record]:
        tr = self.tr
        if kind in ("ticket_tag", "organization_tag"):
            self._tags(path, kind)
        elif kind == "schedule_holiday":
            self._holidays(path)
        elif kind == "schedule":
            yield from self._schedules(path)
        elif kind == "ticket_field_history":
            yield from self._history(path)
        elif kind == "ticket_comment":
            yield from self._comments(path)
        elif kind == "ticket":
            for row in self.rows(path, kind):
                ticket = tr.ticket(row, unique=True)
                assert ticket is not None
                yield ticket
                created = tr.created(ticket, row, True)
                assert created is not None
                yield created
        else:
            for row in self.rows(path, kind):
                yield from self._record(kind, row)

    def _record(self, kind: str, row: dict[str, Any]) -> Iterable[Record]:
        tr = self.tr
        if kind == "organization":
            return [tr.organization(row)]
        if kind == "group":
            return [tr.group(row)]
        if kind == "user":
            agent = tr.user(row)
            return [] if agent is None else [agent]
        return self._api[kind](row)

    def _tags(self, path: Path, kind: str) -> None:
        key = "ticket_id" if kind == "ticket_tag" else "organization_id"
        into = self.tr.ticket_tags if kind == "ticket_tag" else self.tr.org_tags
        for row in self.rows(path, kind):
            owner, tag = row[key].strip(), row["tag"].strip()
            if not owner or not tag:
                raise self.importer.error(key if not owner else "tag", "a value is required")
            tags = into.setdefault(owner, [])
            if tag not in tags:
                tags.append(tag)

    def _holidays(self, path: Path) -> None:
        for row in self.rows(path, "schedule_holiday"):
            for name in ("start_date", "end_date"):
                try:
                    date.fromisoformat(row[name].strip()[:10])
                except ValueError:
                    raise self.importer.error(
                        name, f"{row[name]!r} is not a date (YYYY-MM-DD)"
                    ) from None
            self.holidays.setdefault(row["schedule_id"].strip(), []).append(
                [row["name"].strip(), row["start_date"].strip()[:10], row["end_date"].strip()[:10]]
            )

    def _minutes(self, row: dict[str, str], name: str) -> int:
        try:
            value = int(row[name].strip())
        except ValueError:
            raise self.importer.error(name, f"{row[name]!r} is not a whole number") from None
        if not 0 <= value <= _WEEK:
            raise self.importer.error(
                name, f"{value} is not a minute of the week (0 = Sunday 00:00 … {_WEEK})"
            )
        return value

    def _schedules(self, path: Path) -> Iterator[Calendar]:
        found: dict[str, Calendar] = {}
        for row in self.rows(path, "schedule"):
            sid = row["id"].strip()
            start, end = self._minutes(row, "start_time"), self._minutes(row, "end_time")
            if start >= end:
                raise self.importer.error("end_time", f"ends ({end}) before it starts ({start})")
            zone_name = row["time_zone"].strip()
            cal = found.get(sid)
            if cal is None:
                zone = iana_zone(zone_name)
                if zone is None:
                    raise self.importer.error(
                        "time_zone",
                        f"unknown Zendesk time zone {zone_name!r}: use a Zendesk name such as "
                        "'Pacific Time (US & Canada)' or an IANA name such as Europe/Berlin",
                    )
                cal = found[sid] = Calendar(
                    id=scoped(SOURCE, sid),
                    name=row["name"].strip() or sid,
                    timezone=zone,
                    holidays=self.holidays.get(sid, []),
                    raw={"time_zone": zone_name},
                )
            elif cal.raw and cal.raw["time_zone"] != zone_name:
                raise self.importer.error(
                    "time_zone", f"schedule {sid} is also in {cal.raw['time_zone']!r}"
                )
            cal.windows.extend(week_windows(start, end))
        for cal in found.values():
            cal.windows.sort(key=lambda w: (w[0], w[1]))
            yield cal

    def _history(self, path: Path) -> Iterator[Event]:
        # The hot path of a table import: plain lookups; the translator only for odd values.
        tr, statuses, prefix = self.tr, STATUSES, f"{SOURCE}:"
        for row in self.rows(path, "ticket_field_history"):
            kind = _HISTORY.get(row["field_name"].strip())
            if kind is None:
                continue  # requester_id, custom fields …: not part of the timeline model
            tid = row["ticket_id"].strip()
            if not tid:
                raise tr.error("ticket_id", "an id is required")
            at = tr.instant(row, "updated", required=True)
            assert at is not None
            raw = row["value"].strip() or None
            actor = row.get("user_id", "").strip()
            if kind == "status":
                value = statuses.get(raw.lower()) if raw else None
                if value is None:
                    if raw is None:
                        continue
                    value = tr.status(raw, "value")  # raises: not a Zendesk status
                tr.status_history.add(tid)
            elif kind == "priority":
                value = tr.priority(raw, "value")
            elif kind == "group":
                value = tr.group_value(raw)
            else:
                value = prefix + raw if raw else None
            yield Event(
                prefix + tid,
                at,
                kind,
                value=value,
                raw_value=raw,
                actor=prefix + actor if actor else None,
                origin=ORIGIN_HISTORY,
            )

    def _comments(self, path: Path) -> Iterator[Event]:
        tr, prefix = self.tr, f"{SOURCE}:"
        at_key = author_key = ""
        via = False
        for row in self.rows(path, "ticket_comment"):
            if not at_key:  # Fivetran's names or Airbyte's: decided by the header
                at_key = "created" if "created" in row else "created_at"
                author_key = "user_id" if "user_id" in row else "author_id"
                via = "via" in row or "via_channel" in row
            tid = row["ticket_id"].strip()
            if not tid:
                raise tr.error("ticket_id", "an id is required")
            at = tr.instant(row, at_key, required=True)
            assert at is not None
            author = row[author_key].strip() or None
            flag = row["public"]
            public = _BOOLS.get(flag)
            if public is None and flag.strip():
                public = tr.flag(flag, "public")
            cid = row.get("id")
            yield Event(
                prefix + tid,
                at,
                _COMMENT,
                actor=prefix + author if author and author != "-1" else None,
                actor_role=tr.role_of(author, tid, tr.channel(row) if via else None),
                public=public,
                body=row["body"] or None,
                raw={"comment_id": cid} if cid else None,
                origin=ORIGIN_COMMENTS,
            )
